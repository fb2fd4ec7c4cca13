//! GitLab Code Quality JSON (a subset of Code Climate's format): an array of issues with a description,
//! check name, fingerprint, severity and location. The fingerprint is the SARIF one, so it survives edits
//! above the finding.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Context, Finding};

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>], context: &Context<'_>) -> io::Result<()> {
    let issues: Vec<Value> = findings
        .iter()
        .zip(super::fingerprints(findings))
        .map(|(Finding { diagnostic: d, .. }, fingerprint)| {
            json!({
                "description": format!("{} {}", d.rule.code, d.message),
                "check_name": d.rule.code,
                "fingerprint": fingerprint,
                "severity": "major",
                "location": {
                    "path": context.uri(&d.path),
                    "lines": { "begin": d.span.start.row, "end": d.span.end.row },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
