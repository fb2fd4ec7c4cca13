//! The static pass of pydevcheck: paths → files → decoded text → syntax → per-scope control flow →
//! resource dataflow → findings.
//!
//! The key design choice is that the analysis never looks at ruff's syntax tree directly. `parse` lowers
//! each file into a small intermediate form (`ir`) that keeps only what resource reasoning needs — calls,
//! names, attributes, containers, control flow — so that a parser upgrade touches one module and the
//! dataflow in `flow` works on a shape built for it. Each scope (module, class body, function, lambda) is
//! analysed on its own; files are independent and run in parallel on rayon's pool.

pub mod discover;
mod flow;
mod ir;
mod line_index;
mod parse;
pub mod rules;
pub mod source;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pydevcheck_diagnostics::{Diagnostic, Exit, Position, Rule, Span};

/// The outcome of checking one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// The decoded source, kept only when there is a finding to render against it.
    pub source: Option<Arc<str>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one file's bytes. Never fails: undecodable or unparsable input becomes a PDC002 or PDC001 finding.
pub fn check_bytes(path: &Path, bytes: &[u8]) -> FileReport {
    let text = match source::decode(bytes) {
        Ok(text) => text,
        Err(error) => {
            return FileReport {
                path: path.to_path_buf(),
                source: None,
                diagnostics: vec![rules::undecodable_source(path, &error)],
            };
        }
    };
    let index = line_index::LineIndex::new(&text);
    let mut diagnostics = Vec::new();
    match parse::parse(&text) {
        Err(error) => diagnostics.push(rules::syntax_error(path, &index, &error)),
        Ok(module) => rules::check_module(path, &index, &module, &mut diagnostics),
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let source = (!diagnostics.is_empty()).then(|| Arc::from(text));
    FileReport { path: path.to_path_buf(), source, diagnostics }
}
