//! Source snippets rendered by miette: the finding's span as the primary label, the leaking exit as a
//! secondary one, the rule as the diagnostic code and the fix hint as help.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use pydevcheck_analyzer::{Diagnostic, Span};

use super::{terminal_safe, terminal_source, Finding};

/// Whether the snippets are colored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colors {
    On,
    Off,
}

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>], colors: Colors) -> io::Result<()> {
    let theme = match colors {
        Colors::On => GraphicalTheme::unicode(),
        Colors::Off => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_width(120);
    // One terminal-safe copy and line index per file, shared by its findings: a file with many findings
    // must not be scanned once per finding.
    let mut sources: HashMap<*const u8, Arc<Lines>> = HashMap::new();
    for (i, finding) in findings.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let lines = finding
            .source
            .map(|source| Arc::clone(sources.entry(source.as_ptr()).or_insert_with(|| Arc::new(Lines::new(source)))));
        let report = Report::new(finding, lines);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            // miette only fails on a span outside the source; fall back to the one-line form.
            text = format!("{}\n", report.message);
        }
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// One finding as a miette diagnostic.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    hint: String,
    /// The label of the leaking exit.
    exit: Option<String>,
    source: Option<NamedSource<Window>>,
}

impl<'a> Report<'a> {
    fn new(finding: &Finding<'a>, lines: Option<Arc<Lines>>) -> Report<'a> {
        let d = finding.diagnostic;
        // Everything that comes from the file or its name is made terminal-safe; the source keeps its
        // length, so the spans stay right.
        let name = terminal_safe(&d.path.display().to_string()).into_owned();
        let message = terminal_safe(&d.message).into_owned();
        match lines {
            Some(lines) => {
                let source = Window(lines);
                Report {
                    diagnostic: d,
                    message,
                    hint: terminal_safe(&d.hint).into_owned(),
                    exit: d.exit.as_ref().map(|exit| terminal_safe(&exit.description).into_owned()),
                    source: Some(NamedSource::new(name, source).with_language("Python")),
                }
            }
            // Undecodable files have no text to show: put the location in the message instead.
            None => Report {
                diagnostic: d,
                message: format!("{name}:{}:{}: {message}", d.span.start.row, d.span.start.column),
                hint: terminal_safe(&d.hint).into_owned(),
                exit: None,
                source: None,
            },
        }
    }
}

/// A file's terminal-safe text and where its lines start (after `\n`, `\r\n` or a lone `\r`, as miette
/// counts them).
struct Lines {
    text: Arc<str>,
    starts: Vec<usize>,
}

impl Lines {
    fn new(source: &Arc<str>) -> Lines {
        let text = match terminal_source(source) {
            Cow::Borrowed(_) => Arc::clone(source),
            Cow::Owned(safe) => Arc::from(safe),
        };
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // The CR of a CRLF ends no line: its LF does.
            if !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Lines { text, starts }
    }

    /// The index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }
}

/// The source as miette sees it: each request reads only the lines around its span, found through the
/// line index, instead of the whole file from its start (miette's own `str` source does that, which made
/// the full format quadratic: 9.5 s for a 1 MB file with 2,800 findings).
struct Window(Arc<Lines>);

impl miette::SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let lines = &*self.0;
        let end = span.offset().saturating_add(span.len());
        if end > lines.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        // miette takes the byte before an empty span as its end: the window must hold that byte too.
        let end_of_span = end.saturating_sub(1);
        let first = lines.line_of(span.offset().min(end_of_span)).saturating_sub(context_lines_before);
        let last = lines.line_of(end_of_span.max(span.offset())).saturating_add(context_lines_after + 1);
        let base = lines.starts[first];
        let limit = lines.starts.get(last + 1).copied().unwrap_or(lines.text.len());
        let window = &lines.text[base..limit];
        let relative = miette::SourceSpan::new((span.offset() - base).into(), span.len());
        let inner = window.read_span(&relative, context_lines_before, context_lines_after)?;
        let absolute = miette::SourceSpan::new((inner.span().offset() + base).into(), inner.span().len());
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            absolute,
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

fn source_span(span: Span) -> miette::SourceSpan {
    let start = span.byte_start as usize;
    let len = span.byte_end.saturating_sub(span.byte_start) as usize;
    (start, len).into()
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report").field("diagnostic", self.diagnostic).finish()
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl MietteDiagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let rule = self.diagnostic.rule;
        Some(Box::new(format!("{} {}", rule.code, rule.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.hint.is_empty()).then(|| Box::new(&self.hint) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let d = self.diagnostic;
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(d.rule.name.to_owned()), source_span(d.span))];
        if let (Some(exit), Some(description)) = (&d.exit, &self.exit) {
            labels.push(LabeledSpan::new_with_span(Some(description.clone()), source_span(exit.span)));
        }
        Some(Box::new(labels.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use miette::{SourceCode, SourceSpan};

    use super::*;

    type Read = (Vec<u8>, usize, usize, usize, usize, usize);

    fn read(source: &dyn SourceCode, span: SourceSpan, before: usize, after: usize) -> Option<Read> {
        let c = source.read_span(&span, before, after).ok()?;
        Some((c.data().to_vec(), c.span().offset(), c.span().len(), c.line(), c.column(), c.line_count()))
    }

    /// The window answers every request exactly as miette's reader of the whole (terminal-safe) text does.
    #[test]
    fn windows_read_what_miette_reads() {
        let texts = [
            "a = 1\nb = open(p)\nc = 3\n\nd = 4\n",
            "x\r\ny = open(p)\r\nz\r\n",
            "one\rtwo\rthree = open(p)\rfour",
            "f = open(\n    p,\n)\nf.read()\n",
            "",
            "no newline at the end",
            "\n\n\n",
            "é = 'ü'\nß = open('∂')\n",
        ];
        for text in texts {
            let window = Window(Arc::new(Lines::new(&Arc::from(text))));
            let safe = Arc::clone(&window.0.text);
            let bytes = safe.as_bytes();
            for offset in 0..=bytes.len() {
                for len in [0, 1, 2, 5, 12, bytes.len()] {
                    let end = offset + len;
                    if end > bytes.len() || !text.is_char_boundary(offset) || !text.is_char_boundary(end) {
                        continue;
                    }
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let span = SourceSpan::new(offset.into(), len);
                        assert_eq!(
                            read(&window, span, before, after),
                            read(&bytes, span, before, after),
                            "{text:?} at {offset}+{len}, context {before}/{after}"
                        );
                    }
                }
            }
        }
    }
}
