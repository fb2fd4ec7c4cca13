//! Byte offsets → 1-based rows and character columns.

use pydevcheck_diagnostics::{Position, Span};

pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of every line; CPython's line breaks are `\n`, `\r\n` and a lone `\r`.
    /// Built on first use: most files have no finding and never need it.
    starts: std::cell::OnceCell<Lines>,
    /// The last column computed on a non-ASCII line: (byte offset, column). Positions are mostly asked for
    /// in increasing order, so counting characters goes on from there instead of from the line's start,
    /// which kept a 6 MB one-line file with 400,000 `# noqa` directives busy for minutes.
    last: std::cell::Cell<(usize, usize)>,
}

struct Lines {
    starts: Vec<u32>,
    /// Whether each line is ASCII: its columns are byte differences.
    ascii: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineIndex { text, starts: std::cell::OnceCell::new(), last: std::cell::Cell::new((usize::MAX, 0)) }
    }

    fn lines(&self) -> &Lines {
        self.starts.get_or_init(|| line_starts(self.text))
    }

    fn starts(&self) -> &[u32] {
        &self.lines().starts
    }

    pub(crate) fn position(&self, offset: u32) -> Position {
        let offset = offset.min(to_u32(self.text.len()));
        let lines = self.lines();
        let line = lines.starts.partition_point(|&start| start <= offset) - 1;
        let line_start = lines.starts[line] as usize;
        let mut end = offset as usize;
        // A byte offset inside a multi-byte character cannot come from the parser, but clamp rather than panic.
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = if lines.ascii[line] {
            end - line_start
        } else {
            let (last_end, last_column) = self.last.get();
            let column = if last_end != usize::MAX && line_start <= last_end && last_end <= end {
                last_column + self.text[last_end..end].chars().count()
            } else {
                self.text[line_start..end].chars().count()
            };
            self.last.set((end, column));
            column
        };
        Position { row: to_u32(line + 1), column: to_u32(column + 1) }
    }

    pub(crate) fn span(&self, start: u32, end: u32) -> Span {
        Span { start: self.position(start), end: self.position(end), byte_start: start, byte_end: end }
    }
}

fn line_starts(text: &str) -> Lines {
    let bytes = text.as_bytes();
    let mut starts = vec![0u32];
    let mut ascii = Vec::new();
    let mut start = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // The CR of a CRLF ends no line: its LF does.
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        ascii.push(bytes[start..i].is_ascii());
        start = i + 1;
        starts.push(to_u32(start));
    }
    ascii.push(bytes[start..].is_ascii());
    Lines { starts, ascii }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns from the fast paths (ASCII lines, counting on from the last position) equal a plain count,
    /// in any order of requests.
    #[test]
    fn columns_in_any_order() {
        let text = "ab\r\ncé𝔘d\rx = 'ü' + 'é'\nplain line\n";
        let index = LineIndex::new(text);
        let bytes = text.as_bytes();
        let naive = |offset: usize| {
            let breaks: Vec<usize> = (0..offset)
                .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .collect();
            let start = breaks.last().map_or(0, |&i| i + 1);
            (breaks.len() as u32 + 1, text[start..offset].chars().count() as u32 + 1)
        };
        let offsets: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        for order in [offsets.clone(), offsets.iter().rev().copied().collect()] {
            for &offset in &order {
                let position = index.position(to_u32(offset));
                assert_eq!((position.row, position.column), naive(offset), "at {offset}");
            }
        }
    }
}
