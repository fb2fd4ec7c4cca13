//! JUnit XML, as CI systems display test reports: one test case per checked file, one `<failure>` per
//! finding in it.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use super::{Context, Finding};

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>], context: &Context<'_>) -> io::Result<()> {
    let mut by_file: BTreeMap<&Path, Vec<&Finding<'_>>> =
        context.files.iter().map(|&path| (path, Vec::new())).collect();
    for finding in findings {
        by_file.entry(finding.diagnostic.path.as_path()).or_default().push(finding);
    }
    let tests = by_file.len();
    let failures = findings.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="pydevcheck" tests="{tests}" failures="{failures}" errors="0">"#)?;
    writeln!(out, r#"  <testsuite name="pydevcheck" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#)?;
    for (path, findings) in by_file {
        let name = escape(&path.display().to_string());
        if findings.is_empty() {
            writeln!(out, r#"    <testcase name="{name}" classname="pydevcheck" file="{name}"/>"#)?;
            continue;
        }
        writeln!(out, r#"    <testcase name="{name}" classname="pydevcheck" file="{name}">"#)?;
        for Finding { diagnostic: d, .. } in findings {
            let start = d.span.start;
            writeln!(
                out,
                r#"      <failure type="{code}" message="{code} {message}">{name}:{row}:{column}: {code} {message}</failure>"#,
                code = d.rule.code,
                message = escape(&d.message),
                row = start.row,
                column = start.column,
            )?;
        }
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Escapes text for an XML attribute or element; control characters XML 1.0 forbids become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push('\t'),
            // XML 1.0 allows neither these controls nor the noncharacters U+FFFE and U+FFFF.
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
