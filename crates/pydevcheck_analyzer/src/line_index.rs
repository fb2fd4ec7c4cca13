//! Byte offsets → 1-based rows and character columns.

use pydevcheck_diagnostics::{Position, Span};

pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line; CPython's line breaks are `\n`, `\r\n` and a lone `\r`.
    /// Built on first use: most files have no finding and never need it.
    starts: std::cell::OnceCell<Vec<u32>>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineIndex { text, starts: std::cell::OnceCell::new() }
    }

    fn starts(&self) -> &[u32] {
        self.starts.get_or_init(|| line_starts(self.text))
    }

    pub(crate) fn position(&self, offset: u32) -> Position {
        let offset = offset.min(to_u32(self.text.len()));
        let starts = self.starts();
        let line = starts.partition_point(|&start| start <= offset) - 1;
        let line_start = starts[line] as usize;
        let mut end = offset as usize;
        // A byte offset inside a multi-byte character cannot come from the parser, but clamp rather than panic.
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[line_start..end].chars().count();
        Position { row: to_u32(line + 1), column: to_u32(column + 1) }
    }

    pub(crate) fn span(&self, start: u32, end: u32) -> Span {
        Span { start: self.position(start), end: self.position(end), byte_start: start, byte_end: end }
    }
}

fn line_starts(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut starts = vec![0u32];
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b'\n' => starts.push(to_u32(i + 1)),
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(to_u32(i + 1)),
            _ => {}
        }
    }
    starts
}

/// Source files are read whole into memory and ruff's parser itself indexes them with `u32`, so every offset
/// we see fits; saturate instead of panicking if that ever changes.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl LineIndex<'_> {
    /// Byte offset where the 1-based `row` starts.
    pub(crate) fn line_start(&self, row: u32) -> usize {
        self.starts().get(row.saturating_sub(1) as usize).map_or(self.text.len(), |&start| start as usize)
    }

    /// Byte offset of the line break that ends the 1-based `row` (the text's length for the last line).
    pub(crate) fn line_end(&self, row: u32) -> Option<usize> {
        let start = *self.starts().get(row.checked_sub(1)? as usize)? as usize;
        let rest = &self.text.as_bytes()[start..];
        Some(rest.iter().position(|&b| b == b'\n' || b == b'\r').map_or(self.text.len(), |n| start + n))
    }

    /// The source text of a range, for messages.
    pub(crate) fn slice(&self, start: u32, end: u32) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }
}
