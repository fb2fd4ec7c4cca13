//! Source snippets rendered by miette: the finding's span as the primary label, the leaking exit as a
//! secondary one, the rule as the diagnostic code and the fix hint as help.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
};
use pydevcheck_analyzer::{Diagnostic, Span};

use super::Finding;

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
    // Findings come grouped by file: each file's lines are found once.
    let mut lines: Option<Lines> = None;
    for (i, finding) in findings.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if let Some(source) = finding.source {
            if !lines.as_ref().is_some_and(|lines| Arc::ptr_eq(&lines.text, source)) {
                lines = Some(Lines::new(Arc::clone(source)));
            }
        }
        let report = Report::new(finding, lines.as_ref());
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
    source: Option<NamedSource<Lines>>,
}

impl<'a> Report<'a> {
    fn new(finding: &Finding<'a>, lines: Option<&Lines>) -> Report<'a> {
        let d = finding.diagnostic;
        let name = d.path.display().to_string();
        match lines.filter(|_| finding.source.is_some()) {
            Some(lines) => Report {
                diagnostic: d,
                message: d.message.clone(),
                source: Some(NamedSource::new(name, lines.clone()).with_language("Python")),
            },
            // Undecodable files have no text to show: put the location in the message instead.
            None => Report {
                diagnostic: d,
                message: format!("{name}:{}:{}: {}", d.span.start.row, d.span.start.column, d.message),
                source: None,
            },
        }
    }
}

/// A file's text with the offsets where its lines start, counted as miette counts them (`\n`, `\r\n` and a
/// lone `\r` end a line). miette's own `SourceCode` for text scans from the start of the file for every
/// snippet; this one hands it only the lines around the span, so a snippet costs what it shows.
#[derive(Clone)]
struct Lines {
    text: Arc<str>,
    starts: Arc<[usize]>,
}

impl Lines {
    fn new(text: Arc<str>) -> Lines {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &byte) in bytes.iter().enumerate() {
            let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        Lines { text, starts: starts.into() }
    }

    /// The 0-based line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }
}

impl SourceCode for Lines {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.text.as_bytes();
        if span.offset() > bytes.len() {
            return Err(MietteError::OutOfBounds);
        }
        // A window from the first context line to a little past the last one gives miette's answer for the
        // window; shifting it by the lines before the window gives its answer for the whole text.
        // miette takes the byte before an empty span as its end: the window must hold that byte too.
        let end_of_span = (span.offset() + span.len()).saturating_sub(1);
        let first = self.line_of(span.offset().min(end_of_span)).saturating_sub(context_lines_before);
        let last = self.line_of(end_of_span.max(span.offset()));
        let start = self.starts[first];
        let end = self.starts.get(last + context_lines_after + 2).copied().unwrap_or(bytes.len());
        let window = &bytes[start..end];
        let local = SourceSpan::new((span.offset() - start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            SourceSpan::new((contents.span().offset() + start).into(), contents.span().len()),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
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
        (!self.diagnostic.hint.is_empty()).then(|| Box::new(&self.diagnostic.hint) as Box<dyn fmt::Display + 'b>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let d = self.diagnostic;
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(d.rule.name.to_owned()), source_span(d.span))];
        if let Some(exit) = &d.exit {
            labels.push(LabeledSpan::new_with_span(Some(exit.description.clone()), source_span(exit.span)));
        }
        Some(Box::new(labels.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette's own implementation reads, field by field.
    fn read(
        source: &dyn SourceCode,
        span: SourceSpan,
        before: usize,
        after: usize,
    ) -> Option<(Vec<u8>, usize, usize, usize, usize, usize)> {
        let c = source.read_span(&span, before, after).ok()?;
        Some((c.data().to_vec(), c.span().offset(), c.span().len(), c.line(), c.column(), c.line_count()))
    }

    #[test]
    fn windowed_snippets_read_what_miette_reads() {
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
            let lines = Lines::new(Arc::from(text));
            let bytes = text.as_bytes();
            for offset in 0..=bytes.len() {
                for len in [0, 1, 2, 5, 12, bytes.len()] {
                    if offset + len > bytes.len()
                        || !text.is_char_boundary(offset)
                        || !text.is_char_boundary(offset + len)
                    {
                        continue;
                    }
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let span = SourceSpan::new(offset.into(), len);
                        assert_eq!(
                            read(&lines, span, before, after),
                            read(&bytes, span, before, after),
                            "{text:?} at {offset}+{len}, context {before}/{after}"
                        );
                    }
                }
            }
        }
    }
}
