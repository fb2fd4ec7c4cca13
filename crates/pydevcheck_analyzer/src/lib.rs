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
mod ir_walk;
mod line_index;
mod parse;
mod project;
pub mod rules;
pub mod source;
mod summary;
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

/// Which rules report findings. Every rule runs; the selection decides which findings are kept, so that a
/// caller (the CLI's flags, the fixture harness for a directory of an opt-in rule) chooses without the rules
/// knowing.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    enabled: Vec<&'static Rule>,
}

impl RuleSelection {
    /// Every rule except those declared `default_enabled: false` (PDC603).
    pub fn defaults() -> Self {
        RuleSelection { enabled: rules::ALL_RULES.iter().copied().filter(|rule| rule.default_enabled).collect() }
    }

    /// The selection plus `rule`.
    #[must_use]
    pub fn with(mut self, rule: &'static Rule) -> Self {
        if !self.contains(rule) {
            self.enabled.push(rule);
        }
        self
    }

    pub fn contains(&self, rule: &Rule) -> bool {
        self.enabled.iter().any(|enabled| enabled.code == rule.code)
    }
}

/// Checks one file's bytes with the default rules. Never fails: undecodable or unparsable input becomes a
/// PDC002 or PDC001 finding.
pub fn check_bytes(path: &Path, bytes: &[u8]) -> FileReport {
    check_bytes_with(path, bytes, &RuleSelection::defaults())
}

/// [`check_bytes`] reporting the findings of the `selection`'s rules.
pub fn check_bytes_with(path: &Path, bytes: &[u8], selection: &RuleSelection) -> FileReport {
    check_file(path, bytes, None, selection).report
}

/// One file checked as part of a run: its report, what it exports and what it calls in other modules.
struct Checked {
    report: FileReport,
    exports: Vec<(String, project::Export)>,
    /// Calls into other modules that an export may explain.
    external_calls: Vec<Box<str>>,
}

fn check_file(
    path: &Path,
    bytes: &[u8],
    place: Option<project::ModuleContext<'_>>,
    selection: &RuleSelection,
) -> Checked {
    let text = match source::decode(bytes) {
        Ok(text) => text,
        Err(error) => {
            let mut diagnostics = vec![rules::undecodable_source(path, &error)];
            diagnostics.retain(|diagnostic| selection.contains(diagnostic.rule));
            let report = FileReport { path: path.to_path_buf(), source: None, diagnostics };
            return Checked { report, exports: Vec::new(), external_calls: Vec::new() };
        }
    };
    let index = line_index::LineIndex::new(&text);
    let mut diagnostics = Vec::new();
    let (exports, external_calls) = match parse::parse(&text) {
        Err(error) => {
            diagnostics.push(rules::syntax_error(path, &index, &error));
            (Vec::new(), Vec::new())
        }
        Ok(module) => {
            let exports = rules::check_module(path, &index, &module, place, &mut diagnostics);
            (exports, module.external_calls)
        }
    };
    diagnostics.retain(|diagnostic| selection.contains(diagnostic.rule));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let source = (!diagnostics.is_empty()).then(|| Arc::from(text));
    Checked { report: FileReport { path: path.to_path_buf(), source, diagnostics }, exports, external_calls }
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
    /// The rules whose findings are reported.
    pub selection: RuleSelection,
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
}

impl CheckError {
    /// The path the error is about, if it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            CheckError::Discover(error) => Some(error.path()),
            CheckError::Read { path, .. } => Some(path),
            CheckError::ThreadPool { .. } => None,
        }
    }
}

/// Discovers the files under `paths` and checks them in parallel on a pool with [`WORKER_STACK_SIZE`] stacks.
pub fn check_paths(paths: &[PathBuf], options: &CheckOptions) -> CheckRun {
    use rayon::prelude::*;

    let discovered = discover::discover(paths, &options.discover);
    let mut errors: Vec<CheckError> = discovered.errors.into_iter().map(CheckError::from).collect();
    let names: Vec<(String, bool)> = discovered.files.iter().map(|path| project::module_name(path)).collect();
    // First pass: every file on its own; what it exports, and what it calls in the others.
    let first = |exports: Option<&project::Exports>, i: usize| {
        let path = &discovered.files[i];
        let (name, is_package) = &names[i];
        let place = project::ModuleContext { name, is_package: *is_package, exports };
        match std::fs::read(path) {
            Ok(bytes) => Ok(check_file(path, &bytes, Some(place), &options.selection)),
            Err(error) => Err(CheckError::Read { path: path.clone(), error }),
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .stack_size(WORKER_STACK_SIZE)
        .thread_name(|i| format!("pydevcheck-worker-{i}"))
        .build();
    let pool = match pool {
        Ok(pool) => Some(pool),
        Err(error) => {
            errors.push(CheckError::ThreadPool { message: error.to_string() });
            None
        }
    };
    let run = |indices: &[usize], exports: Option<&project::Exports>| -> Vec<Result<Checked, CheckError>> {
        match &pool {
            Some(pool) => pool.install(|| indices.par_iter().map(|&i| first(exports, i)).collect()),
            None => indices.iter().map(|&i| first(exports, i)).collect(),
        }
    };
    let all: Vec<usize> = (0..discovered.files.len()).collect();
    let mut results = run(&all, None);

    // Second pass: the files that call something another file exports, checked again knowing it.
    let mut exports = project::Exports::default();
    for checked in results.iter_mut().flatten() {
        exports.by_name.extend(std::mem::take(&mut checked.exports).into_iter().map(|(k, v)| (k.into_boxed_str(), v)));
    }
    if !exports.by_name.is_empty() {
        let again: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| match &results[i] {
                Ok(checked) => {
                    let (name, is_package) = &names[i];
                    let place = project::ModuleContext { name, is_package: *is_package, exports: Some(&exports) };
                    checked.external_calls.iter().any(|call| place.lookup(call).is_some_and(project::Export::matters))
                }
                Err(_) => false,
            })
            .collect();
        for (i, checked) in again.iter().zip(run(&again, Some(&exports))) {
            results[*i] = checked;
        }
    }

    let mut files = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(checked) => files.push(checked.report),
            Err(error) => errors.push(error),
        }
    }
    // Discovery sorted the paths and `collect` keeps their order; sort anyway so the contract does not rest
    // on that.
    files.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.path().cmp(&b.path()));
    CheckRun { files, errors }
}
