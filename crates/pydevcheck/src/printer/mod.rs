//! Printers: findings in, text out. They never analyse and never decide the exit status.

mod concise;
mod full;
mod json;
mod statistics;

use std::io::{self, Write};
use std::sync::Arc;

use pydevcheck_analyzer::{Diagnostic, FileReport};

pub(crate) use full::Colors;

use crate::args::OutputFormat;

/// One finding with the source text it is rendered against.
pub(crate) struct Finding<'a> {
    pub(crate) diagnostic: &'a Diagnostic,
    pub(crate) source: Option<&'a Arc<str>>,
}

/// Every finding of `files`, in report order: path, row, column, code.
pub(crate) fn findings(files: &[FileReport]) -> Vec<Finding<'_>> {
    let mut findings: Vec<Finding<'_>> = files
        .iter()
        .flat_map(|file| file.diagnostics.iter().map(|diagnostic| Finding { diagnostic, source: file.source.as_ref() }))
        .collect();
    findings.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    findings
}

/// Writes the findings, or their statistics, in `format`.
pub(crate) fn print(
    out: &mut dyn Write,
    format: OutputFormat,
    findings: &[Finding<'_>],
    statistics: bool,
    colors: Colors,
) -> io::Result<()> {
    match (format, statistics) {
        (OutputFormat::Json, true) => statistics::json(out, findings),
        (_, true) => statistics::table(out, findings),
        (OutputFormat::Full, false) => full::print(out, findings, colors),
        (OutputFormat::Concise, false) => concise::print(out, findings),
        (OutputFormat::Json, false) => json::print(out, findings),
    }
}

/// `Found 3 findings in 2 files (10 files checked)`.
pub(crate) fn summary(findings: &[Finding<'_>], files_checked: usize) -> String {
    let mut with_findings: Vec<_> = findings.iter().map(|f| f.diagnostic.path.as_path()).collect();
    with_findings.dedup();
    format!(
        "Found {} in {} ({} checked)",
        plural(findings.len(), "finding"),
        plural(with_findings.len(), "file"),
        plural(files_checked, "file")
    )
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
