//! Source snippets rendered by miette: the finding's span as the primary label, the leaking exit as a
//! secondary one, the rule as the diagnostic code and the fix hint as help.

use std::borrow::Cow;
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
    for (i, finding) in findings.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let report = Report::new(finding);
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
    source: Option<NamedSource<Arc<str>>>,
}

impl<'a> Report<'a> {
    fn new(finding: &Finding<'a>) -> Report<'a> {
        let d = finding.diagnostic;
        // Everything that comes from the file or its name is made terminal-safe; the source keeps its
        // length, so the spans stay right.
        let name = terminal_safe(&d.path.display().to_string()).into_owned();
        let message = terminal_safe(&d.message).into_owned();
        match finding.source {
            Some(source) => {
                let source = match terminal_source(source) {
                    Cow::Borrowed(_) => Arc::clone(source),
                    Cow::Owned(safe) => Arc::from(safe),
                };
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
