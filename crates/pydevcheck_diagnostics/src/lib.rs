//! The vocabulary every pydevcheck crate shares: a [`Rule`], a [`Diagnostic`] that one rule reports at one
//! [`Span`] of one file, and the [`Exit`] through which a resource escapes its scope.
//!
//! This crate holds data and nothing else: no IO, no analysis, no rendering. Keeping it logic-free lets the
//! analyzer, the runtime correlator and the printers agree on one type without depending on each other.

use std::path::PathBuf;

use serde::Serialize;

/// A check with a stable code. Codes are never reused; names are kebab-case and name the bad pattern.
#[derive(Debug, Serialize)]
pub struct Rule {
    /// `PDC101`.
    pub code: &'static str,
    /// `unclosed-file`.
    pub name: &'static str,
    /// One line for listings.
    pub summary: &'static str,
    /// The Markdown documentation written on the rule's module (What it does, Why is this bad, …).
    #[serde(skip)]
    pub doc: &'static str,
    /// Whether the rule runs without being selected explicitly.
    pub default_enabled: bool,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}
impl Eq for Rule {}

/// A 1-based line and a 1-based column counted in characters, as editors and ruff show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub row: u32,
    pub column: u32,
}

/// A range of the source: human positions plus the byte offsets into the decoded text that renderers need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
    /// Byte offsets into the decoded (UTF-8) source text.
    #[serde(skip)]
    pub byte_start: u32,
    #[serde(skip)]
    pub byte_end: u32,
}

/// The place where a resource leaves its scope still open, and how ("returns at line 14").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exit {
    pub span: Span,
    pub description: String,
}

/// One finding of one rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: &'static Rule,
    pub path: PathBuf,
    /// The acquisition (or the offending call) the finding is about.
    pub span: Span,
    /// What is wrong and on which path; code in backticks, no trailing period.
    pub message: String,
    /// An imperative fix hint.
    pub hint: String,
    /// The leaking exit, when the rule is about a path out of a scope.
    pub exit: Option<Exit>,
}

impl Diagnostic {
    /// The order of every report: path, row, column, code.
    pub fn sort_key(&self) -> (&std::path::Path, Position, &'static str) {
        (&self.path, self.span.start, self.rule.code)
    }
}
