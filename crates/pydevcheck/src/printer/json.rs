//! The JSON array documented in `docs/json-format.md`. The field names are a stable interface: add fields,
//! never rename or remove them.

use std::io::{self, Write};

use pydevcheck_analyzer::Position;
use serde::Serialize;

use super::Finding;

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    message: &'a str,
    fix_hint: &'a str,
    filename: String,
    location: JsonPosition,
    end_location: JsonPosition,
    exit: Option<JsonExit<'a>>,
}

#[derive(Serialize)]
struct JsonExit<'a> {
    description: &'a str,
    location: JsonPosition,
    end_location: JsonPosition,
}

#[derive(Serialize)]
struct JsonPosition {
    row: u32,
    column: u32,
}

impl From<Position> for JsonPosition {
    fn from(position: Position) -> JsonPosition {
        JsonPosition { row: position.row, column: position.column }
    }
}

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    let findings: Vec<JsonFinding<'_>> = findings.iter().map(json_finding).collect();
    serde_json::to_writer_pretty(&mut *out, &findings)?;
    writeln!(out)
}

/// `json-lines`: the objects of `json`, one per line, for streaming tools.
pub(super) fn print_lines(out: &mut dyn Write, findings: &[Finding<'_>]) -> io::Result<()> {
    for finding in findings {
        serde_json::to_writer(&mut *out, &json_finding(finding))?;
        writeln!(out)?;
    }
    Ok(())
}

fn json_finding<'a>(finding: &Finding<'a>) -> JsonFinding<'a> {
    let d = finding.diagnostic;
    JsonFinding {
        code: d.rule.code,
        name: d.rule.name,
        message: &d.message,
        fix_hint: &d.hint,
        filename: d.path.to_string_lossy().into_owned(),
        location: d.span.start.into(),
        end_location: d.span.end.into(),
        exit: d.exit.as_ref().map(|exit| JsonExit {
            description: &exit.description,
            location: exit.span.start.into(),
            end_location: exit.span.end.into(),
        }),
    }
}
