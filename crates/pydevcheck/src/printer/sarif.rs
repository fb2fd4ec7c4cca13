//! SARIF 2.1.0 (OASIS), the format GitHub code scanning uploads: the rules with their documentation under
//! `tool.driver.rules`, one result per finding.
//!
//! `partialFingerprints` are what lets code scanning follow an alert across commits, so they must not move
//! when unrelated lines are added above a finding: they hash the rule, the path, the finding's source line
//! with whitespace normalised, and how many identical (rule, path, line) triples came before it, never the
//! line number.

use std::io::{self, Write};

use pydevcheck_analyzer::rules;
use serde_json::{json, Value};

use super::{Context, Finding};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const HELP_URI: &str = "https://github.com/pydevcheck/pydevcheck/blob/main/docs/rules";

pub(super) fn print(out: &mut dyn Write, findings: &[Finding<'_>], context: &Context<'_>) -> io::Result<()> {
    let rules: Vec<Value> = rules::ALL_RULES
        .iter()
        .map(|rule| {
            let doc = rules::rule_doc(rule);
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": what_it_does(&doc) },
                "help": { "text": doc, "markdown": doc },
                "helpUri": format!("{HELP_URI}/{}.md", rule.code),
                "defaultConfiguration": { "level": "warning", "enabled": rule.default_enabled },
            })
        })
        .collect();
    let fingerprints = super::fingerprints(findings);
    let results: Vec<Value> = findings
        .iter()
        .zip(fingerprints)
        .map(|(Finding { diagnostic: d, .. }, fingerprint)| {
            let index = rules::ALL_RULES.iter().position(|rule| rule.code == d.rule.code);
            let mut message = d.message.clone();
            if !d.hint.is_empty() {
                message.push_str(&format!(" (fix: {})", d.hint));
            }
            let mut result = json!({
                "ruleId": d.rule.code,
                "level": "warning",
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": context.uri(&d.path), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": d.span.start.row,
                            "startColumn": d.span.start.column,
                            "endLine": d.span.end.row,
                            "endColumn": d.span.end.column,
                        },
                    },
                }],
                "partialFingerprints": { "pydevcheck/v1": fingerprint },
            });
            if let (Some(index), Some(object)) = (index, result.as_object_mut()) {
                object.insert("ruleIndex".to_owned(), json!(index));
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pydevcheck",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/pydevcheck/pydevcheck",
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

/// The first paragraph of the `## What it does` section, for `fullDescription`.
fn what_it_does(doc: &str) -> String {
    let section = doc.split("## What it does").nth(1).unwrap_or(doc);
    let paragraph = section.trim_start().split("\n\n").next().unwrap_or("");
    paragraph.split("\n## ").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}
