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

/// What running the code under Development Mode said about one static finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    /// Dev mode reported the bug: `events` runtime events were created at the finding's line.
    Confirmed { events: u32 },
    /// The finding's line ran, and dev mode reported nothing created there.
    NotReproduced,
    /// The finding's line never ran.
    NotReached,
}

/// One frame of a runtime stack, inside the analysed paths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Frame {
    pub path: PathBuf,
    pub line: u32,
    /// Empty when the source of the event does not name it.
    pub function: String,
}

/// The kind of dev-mode signal a runtime-only finding groups.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeCategory {
    /// `ResourceWarning`: an object finalized while still open.
    ResourceWarning,
    /// `OSError: [Errno 9] Bad file descriptor`, from a destructor or an `os.close` call.
    BadFileDescriptor,
    /// `RuntimeWarning: coroutine ... was never awaited`.
    NeverAwaited,
    /// Another warning raised by project code; the string is its class (`DeprecationWarning`).
    Warning(String),
    /// An exception ignored in a destructor or callback (`sys.unraisablehook`) other than EBADF.
    Unraisable,
    /// An asyncio debug-mode report (slow callback, task destroyed while pending, ...).
    Asyncio,
    /// A fatal error (signal, `abort`, debug allocator) with the faulthandler traceback.
    Fatal,
}

/// Events of one category at one site that no static finding explains, grouped with a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeFinding {
    pub category: RuntimeCategory,
    /// The message of the first event of the group, as Python printed it.
    pub message: String,
    /// The innermost project frame of the creation stack, when there is one.
    pub site: Option<Frame>,
    /// The creation stack of the first event, innermost first, project frames only.
    pub stack: Vec<Frame>,
    pub count: u32,
}
