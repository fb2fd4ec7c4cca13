//! The static pass of pydevcheck: paths → files → decoded text → syntax → per-scope control flow →
//! resource dataflow → findings.
//!
//! The key design choice is that the analysis never looks at ruff's syntax tree directly. `parse` lowers
//! each file into a small intermediate form (`ir`) that keeps only what resource reasoning needs — calls,
//! names, attributes, containers, control flow — so that a parser upgrade touches one module and the
//! dataflow in `flow` works on a shape built for it. Each scope (module, class body, function, lambda) is
//! analysed on its own; files are independent and run in parallel on rayon's pool.
//!
//! Which rules report, and which findings a `# noqa` silences, is decided here after the rules ran
//! ([`RuleSet`], `suppress`): the rules themselves never look at configuration.

pub mod discover;
mod flow;
mod ir;
mod ir_walk;
mod line_index;
mod nesting;
mod parse;
mod passes;
mod project;
pub mod rules;
pub mod source;
mod stack;
mod summary;
mod suppress;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use pydevcheck_diagnostics::{Diagnostic, Exit, Position, Rule, Span};
pub use suppress::{add_noqa, NoqaEdit};

/// The outcome of checking one file.
#[derive(Debug)]
pub struct FileReport {
    pub path: PathBuf,
    /// The decoded source, kept only when there is a finding to render against it.
    pub source: Option<Arc<str>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one file's bytes with the rules that are on by default. Never fails: undecodable or unparsable
/// input becomes a PDC002 or PDC001 finding.
pub fn check_bytes(path: &Path, bytes: &[u8]) -> FileReport {
    check_bytes_with(path, bytes, &RuleSet::defaults())
}

/// Checks one file's bytes on its own, keeping the findings of the rules in `rules` that no suppression
/// comment on their line silences; reports unused suppressions as PDC003 when `rules` holds it.
pub fn check_bytes_with(path: &Path, bytes: &[u8], rules: &RuleSet) -> FileReport {
    check_file(path, bytes, None, &tables::STANDARD, rules).report
}

/// One file checked as part of a run: its report, what it exports and what it calls in other modules.
struct Checked {
    report: FileReport,
    exports: Vec<(String, project::Export)>,
    /// Calls into other modules that an export may explain.
    external_calls: Vec<ir::Name>,
}

/// Every rule runs; `rules` decides which findings are kept, then suppression comments silence some of them,
/// so the rules themselves never look at configuration.
fn check_file(
    path: &Path,
    bytes: &[u8],
    place: Option<project::ModuleContext<'_>>,
    api: &tables::Api,
    rules: &RuleSet,
) -> Checked {
    #[cfg(debug_assertions)]
    test_hooks::maybe_panic(path);
    match Prepared::new(bytes, api) {
        Ok(prepared) => prepared.check(path, place, api, rules),
        Err(error) => undecodable(path, &error, rules),
    }
}

/// A file decoded, parsed and lowered: everything of a check that does not depend on the other files.
struct Prepared {
    text: String,
    module: Result<ir::Module, parse::SyntaxError>,
}

impl Prepared {
    fn new(bytes: &[u8], api: &tables::Api) -> Result<Prepared, source::DecodeError> {
        let text = source::decode(bytes)?;
        let module = parse::parse(&text, api);
        Ok(Prepared { text, module })
    }

    /// What the second pass would hold in memory to skip reading and parsing the file again: the text and
    /// its lowered form, which takes a few times the text's size.
    fn weight(&self) -> usize {
        self.text.len()
    }

    fn check(
        &self,
        path: &Path,
        place: Option<project::ModuleContext<'_>>,
        api: &tables::Api,
        rules: &RuleSet,
    ) -> Checked {
        let text = &self.text;
        let index = line_index::LineIndex::new(text);
        let mut diagnostics = Vec::new();
        let (exports, external_calls) = match &self.module {
            Err(error) => {
                diagnostics.push(rules::syntax_error(path, &index, error));
                (Vec::new(), Vec::new())
            }
            Ok(module) => {
                let exports = rules::check_module(path, &index, module, place, api, &mut diagnostics);
                (exports, module.external_calls.clone())
            }
        };
        diagnostics.retain(|diagnostic| rules.contains(diagnostic.rule));
        let status = |code: &str| match rules::ALL_RULES.iter().find(|rule| rule.code == code) {
            Some(rule) if rules.contains(rule) => suppress::CodeStatus::Enabled,
            Some(_) => suppress::CodeStatus::Disabled,
            None => suppress::CodeStatus::Unknown,
        };
        let unused = suppress::apply(text, &index, &mut diagnostics, status);
        if let Some(rule) = rules::find_rule(UNUSED_SUPPRESSION).filter(|rule| rules.contains(rule)) {
            for unused in unused {
                let hint = if unused.whole { "remove the suppression comment" } else { "remove the unused codes" };
                diagnostics.push(Diagnostic {
                    rule,
                    path: path.to_path_buf(),
                    span: unused.span,
                    message: unused.message,
                    hint: hint.to_owned(),
                    exit: None,
                });
            }
        }
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let source = (!diagnostics.is_empty()).then(|| Arc::from(text.as_str()));
        Checked { report: FileReport { path: path.to_path_buf(), source, diagnostics }, exports, external_calls }
    }
}

const UNUSED_SUPPRESSION: &str = "PDC003";

/// The rules that report in one file: one bit per rule of [`rules::ALL_RULES`], so that every checked file
/// can carry its own set for the price of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSet {
    bits: u64,
}

impl RuleSet {
    /// The rules whose `default_enabled` is set.
    pub fn defaults() -> RuleSet {
        RuleSet::from_rules(rules::ALL_RULES.iter().copied().filter(|rule| rule.default_enabled))
    }

    pub fn from_rules(rules: impl IntoIterator<Item = &'static Rule>) -> RuleSet {
        let mut set = RuleSet { bits: 0 };
        for rule in rules {
            set.insert(rule);
        }
        set
    }

    /// The set plus `rule` (the fixture harness: the defaults plus the rule of a fixture's directory).
    #[must_use]
    pub fn with(mut self, rule: &'static Rule) -> RuleSet {
        self.insert(rule);
        self
    }

    pub fn contains(&self, rule: &Rule) -> bool {
        bit(rule).is_some_and(|bit| self.bits & bit != 0)
    }

    pub fn insert(&mut self, rule: &'static Rule) {
        self.bits |= bit(rule).unwrap_or(0);
    }

    pub fn remove(&mut self, rule: &Rule) {
        self.bits &= !bit(rule).unwrap_or(0);
    }

    /// The codes, sorted.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        let mut codes: Vec<&'static str> = rules::ALL_RULES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.bits & (1 << i) != 0)
            .map(|(_, r)| r.code)
            .collect();
        codes.sort_unstable();
        codes.into_iter()
    }
}

/// A rule's bit in a [`RuleSet`]: its place in [`rules::ALL_RULES`], found by code, since a rule is a
/// registry entry and never built elsewhere. `None` only for a rule outside the registry.
fn bit(rule: &Rule) -> Option<u64> {
    const _: () = assert!(rules::ALL_RULES.len() <= u64::BITS as usize, "RuleSet has one bit per rule");
    let place = rules::ALL_RULES.iter().position(|known| known.code == rule.code);
    debug_assert!(place.is_some(), "{} is not in ALL_RULES", rule.code);
    place.map(|i| 1 << i)
}

/// Project-specific APIs declared in configuration (`extra-acquirers`, `extra-releasers`, `extra-borrowers`).
///
/// A configured acquirer returns one resource of its kind, reported by that kind's rules; a configured
/// releaser releases the first argument of a call to it, and when its path ends in `Class.method`, the
/// receiver of any call of that method; a configured borrower uses its arguments and keeps none. They are
/// matched on the callee's dotted path as resolved through the file's imports, and win over the built-in
/// tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiConfig {
    /// Dotted callee paths (`mycompany.db.connect`) that return a resource of the given kind.
    pub acquirers: Vec<ExtraAcquirer>,
    /// Dotted paths of functions or methods (`mycompany.db.Connection.dispose`) that release their receiver
    /// or first argument.
    pub releasers: Vec<String>,
    /// Dotted callee paths that use a resource argument without taking ownership of it.
    pub borrowers: Vec<String>,
}

impl ApiConfig {
    /// Adds the entries of `other` that this one lacks.
    pub fn merge(&mut self, other: &ApiConfig) {
        for acquirer in &other.acquirers {
            if !self.acquirers.contains(acquirer) {
                self.acquirers.push(acquirer.clone());
            }
        }
        for (mine, theirs) in [(&mut self.releasers, &other.releasers), (&mut self.borrowers, &other.borrowers)] {
            for path in theirs {
                if !mine.contains(path) {
                    mine.push(path.clone());
                }
            }
        }
    }
}

/// One `extra-acquirers` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraAcquirer {
    pub callee: String,
    pub kind: ResourceKind,
}

/// The kinds of resource a configured acquirer can return; each maps to a family of rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// Reported like a file (PDC101/PDC102).
    File,
    /// Reported like a socket (PDC201/PDC202).
    Socket,
    /// A raw file descriptor (PDC303).
    Fd,
}

impl ResourceKind {
    /// The names accepted in configuration.
    pub const NAMES: &'static [(&'static str, ResourceKind)] =
        &[("file", ResourceKind::File), ("socket", ResourceKind::Socket), ("fd", ResourceKind::Fd)];
}

/// Worker threads get this much stack. Rayon's default (2 MiB) is less than the main thread's 8 MiB, so a
/// deeply nested file that checks fine alone could overflow in a directory run; see DESIGN.md section 8.
pub const WORKER_STACK_SIZE: usize = 16 * 1024 * 1024;

/// How [`check_paths`] runs.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub discover: discover::DiscoverOptions,
    /// Worker threads; `None` uses one per core.
    pub jobs: Option<usize>,
    /// The rules whose findings [`check_paths`] reports; [`check_files`] asks its `rules_for` instead.
    pub selection: RuleSet,
    /// Project-specific APIs from configuration.
    pub api: ApiConfig,
}

/// The reports of every file checked, sorted by path, and what could not be checked.
#[derive(Debug)]
pub struct CheckRun {
    pub files: Vec<FileReport>,
    pub errors: Vec<CheckError>,
}

/// A path that was not checked. Other files still are.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
    #[error("{}: {error}", .path.display())]
    Read { path: PathBuf, error: std::io::Error },
    /// The worker pool could not start; the files were checked on the calling thread instead.
    #[error("cannot start the worker threads: {message}")]
    ThreadPool { message: String },
    /// pydevcheck itself failed on this file (a bug: please report it with the file). Other files are still
    /// checked and reported.
    #[error("{}: internal error, the file was not checked: {message}", .path.display())]
    Internal { path: PathBuf, message: String },
}

impl CheckError {
    /// The path the error is about, if it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            CheckError::Discover(error) => Some(error.path()),
            CheckError::Read { path, .. } | CheckError::Internal { path, .. } => Some(path),
            CheckError::ThreadPool { .. } => None,
        }
    }
}

/// Discovers the files under `paths` and checks them with `options.selection`, see [`check_files`].
pub fn check_paths(paths: &[PathBuf], options: &CheckOptions) -> CheckRun {
    let discovered = discover::discover(paths, &options.discover);
    let mut run = check_files(&discovered.files, options, &|_, _: &Path| options.selection);
    run.errors.extend(discovered.errors.into_iter().map(CheckError::from));
    run.errors.sort_by(|a, b| a.path().cmp(&b.path()));
    run
}

/// Checks `files` in parallel on a pool with [`WORKER_STACK_SIZE`] stacks, each with the rules that
/// `rules_for` gives for its index in `files` and its path (configuration can differ per directory and per
/// file). Two passes: every file on its own, then again the files that call what another file of the run
/// exports, knowing it (see `passes`).
pub fn check_files(
    files: &[PathBuf],
    options: &CheckOptions,
    rules_for: &(dyn Fn(usize, &Path) -> RuleSet + Sync),
) -> CheckRun {
    passes::check_files(files, options, rules_for)
}

fn undecodable(path: &Path, error: &source::DecodeError, rules: &RuleSet) -> Checked {
    let mut diagnostics = vec![rules::undecodable_source(path, error)];
    diagnostics.retain(|diagnostic| rules.contains(diagnostic.rule));
    let report = FileReport { path: path.to_path_buf(), source: None, diagnostics };
    Checked { report, exports: Vec::new(), external_calls: Vec::new() }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic without a message".to_owned()
    }
}

/// Hooks for the tests of failure handling; compiled into debug builds only, so a release binary never
/// reads these variables.
#[cfg(debug_assertions)]
mod test_hooks {
    use std::path::Path;

    /// `PYDEVCHECK_DEBUG_PANIC_ON=NAME` panics while checking a file whose name is NAME, as a bug in a
    /// rule would.
    pub(super) fn maybe_panic(path: &Path) {
        let Some(name) = std::env::var_os("PYDEVCHECK_DEBUG_PANIC_ON") else {
            return;
        };
        if path.file_name() == Some(name.as_os_str()) {
            panic!("PYDEVCHECK_DEBUG_PANIC_ON asked for a panic on {}", path.display());
        }
    }
}

#[cfg(test)]
mod rule_set_tests {
    use super::*;

    #[test]
    fn a_rule_set_holds_exactly_what_was_put_in_and_lists_it_sorted() {
        let mut codes: Vec<&str> = rules::ALL_RULES.iter().map(|rule| rule.code).collect();
        codes.sort_unstable();

        let all = RuleSet::from_rules(rules::ALL_RULES.iter().copied());
        assert_eq!(all.codes().collect::<Vec<_>>(), codes);
        for &rule in rules::ALL_RULES {
            let mut without = all;
            without.remove(rule);
            assert!(!without.contains(rule) && all.contains(rule), "{}", rule.code);
            let others: Vec<&str> = codes.iter().copied().filter(|code| *code != rule.code).collect();
            assert_eq!(without.codes().collect::<Vec<_>>(), others);
            let only = RuleSet::from_rules([rule]);
            assert_eq!(only.codes().collect::<Vec<_>>(), [rule.code]);
            assert_eq!(without.with(rule), all);
        }
        let defaults = RuleSet::defaults();
        for rule in rules::ALL_RULES {
            assert_eq!(defaults.contains(rule), rule.default_enabled, "{}", rule.code);
        }
    }
}
