//! The two passes of a run over many files, in parallel.
//!
//! The first pass checks each file on its own and publishes its exports (see `project`). A file that calls
//! into other modules of the run then needs their exports: before deciding, it first checks those modules
//! that no thread has started yet itself (a few levels deep), so that a widely used module such as `os` is
//! done early whatever its size. If every module it reaches has published, the file is checked again at
//! once on its lowered form, with exactly what the complete table would say. Otherwise it waits for the
//! second pass, which knows every export; its lowered form is kept for it within [`KEEP_BUDGET`], and past
//! the budget it is read and parsed again, so memory does not grow with the tree.
//!
//! Work is handed out largest file first from one shared counter, so that no big file starts last and
//! keeps one thread busy alone at the end.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use rustc_hash::FxHashMap;

use crate::project::{self, Export, ModuleContext};
use crate::{panic_message, tables, CheckError, CheckOptions, CheckRun, Checked, Prepared, RuleSet};

/// How much source text (with its lowered form, about five times larger) the first pass may keep for the
/// second. Beyond it a waiting file is read and parsed again. Most waiting files turn out not to need the
/// second pass, and what they keep stays until it starts: 8 MiB would keep every file of the stdlib's second
/// pass, for 6 MiB more peak memory there and 28 MiB more on the large corpus.
const KEEP_BUDGET: usize = 2 << 20;

/// How many modules deep a file may check the modules it calls into before checking itself again.
const MAX_PULL_DEPTH: u32 = 3;

pub(crate) fn check_files(
    files: &[PathBuf],
    options: &CheckOptions,
    rules_for: &(dyn Fn(usize, &Path) -> RuleSet + Sync),
) -> CheckRun {
    check_files_keeping(files, options, rules_for, KEEP_BUDGET).0
}

/// How many files went to the second pass, and how many of those were read and parsed again; the tests
/// read it.
#[derive(Debug, Default, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
struct SecondPass {
    files: usize,
    parsed_again: usize,
}

fn check_files_keeping(
    files: &[PathBuf],
    options: &CheckOptions,
    rules_for: &(dyn Fn(usize, &Path) -> RuleSet + Sync),
    keep_budget: usize,
) -> (CheckRun, SecondPass) {
    let mut errors: Vec<CheckError> = Vec::new();
    let names: Vec<(String, bool)> = files.iter().map(|path| project::module_name(path)).collect();
    let mut files_by_module: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, (name, _)) in names.iter().enumerate() {
        files_by_module.entry(name.as_str()).or_default().push(i);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .stack_size(crate::WORKER_STACK_SIZE)
        .thread_name(|i| format!("pydevcheck-worker-{i}"))
        .build();
    let pool = match pool {
        Ok(pool) => Some(pool),
        Err(error) => {
            errors.push(CheckError::ThreadPool { message: error.to_string() });
            None
        }
    };
    let mut run = Run {
        files,
        names: &names,
        files_by_module: &files_by_module,
        published: (0..files.len()).map(|_| OnceLock::new()).collect(),
        started: (0..files.len()).map(|_| AtomicBool::new(false)).collect(),
        firsts: (0..files.len()).map(|_| Mutex::new(None)).collect(),
        api: tables::Api::new(&options.api),
        rules_for,
        budget: AtomicUsize::new(keep_budget),
    };

    let order = largest_first(files);
    let next = AtomicUsize::new(0);
    let worker = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            run.start(i, 0);
        }
    };
    match &pool {
        Some(pool) => pool.scope(|scope| {
            for _ in 0..pool.current_num_threads() {
                scope.spawn(|_| worker());
            }
        }),
        None => worker(),
    }

    let published = std::mem::take(&mut run.published);
    let mut results: Vec<Option<Result<Checked, CheckError>>> = Vec::with_capacity(files.len());
    let mut waiting: Vec<(usize, Option<Prepared>)> = Vec::new();
    for (i, first) in run.firsts.iter().enumerate() {
        let first = first.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let Some(First { checked, waits, kept }) = first else {
            results.push(None);
            continue;
        };
        results.push(Some(checked));
        if waits {
            waiting.push((i, kept));
        }
    }
    let mut exports = project::Exports::default();
    for file in published {
        exports.by_name.extend(file.into_inner().unwrap_or_default());
    }
    waiting.retain(|(i, _)| match &results[*i] {
        Some(Ok(checked)) => {
            let place = run.place(*i, Some(&exports));
            checked.external_calls.iter().any(|call| place.lookup(call).is_some_and(Export::matters))
        }
        _ => false,
    });
    let second_pass =
        SecondPass { files: waiting.len(), parsed_again: waiting.iter().filter(|(_, kept)| kept.is_none()).count() };
    let second = |(i, kept): (usize, Option<Prepared>)| (i, run.second(i, &exports, kept));
    let seconds: Vec<(usize, Result<Checked, CheckError>)> = match &pool {
        Some(pool) => pool.install(|| {
            use rayon::prelude::*;
            waiting.into_par_iter().map(second).collect()
        }),
        None => waiting.into_iter().map(second).collect(),
    };
    for (i, checked) in seconds {
        results[i] = Some(checked);
    }

    let mut reports = Vec::with_capacity(results.len());
    for result in results.into_iter().flatten() {
        match result {
            Ok(checked) => reports.push(checked.report),
            Err(error) => errors.push(error),
        }
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.path().cmp(&b.path()));
    (CheckRun { files: reports, errors }, second_pass)
}

/// File indices, largest file first; a file whose size cannot be read sorts last and reports its error
/// when it is read.
fn largest_first(files: &[PathBuf]) -> Vec<usize> {
    let mut sized: Vec<(u64, usize)> =
        files.iter().enumerate().map(|(i, path)| (std::fs::metadata(path).map_or(0, |meta| meta.len()), i)).collect();
    sized.sort_unstable_by(|a, b| b.cmp(a));
    sized.into_iter().map(|(_, i)| i).collect()
}

/// A file after the first pass: its result, whether it waits for the second pass, and its lowered form
/// when it waits and the budget allowed keeping it.
struct First {
    checked: Result<Checked, CheckError>,
    waits: bool,
    kept: Option<Prepared>,
}

struct Run<'r> {
    files: &'r [PathBuf],
    names: &'r [(String, bool)],
    files_by_module: &'r FxHashMap<&'r str, Vec<usize>>,
    /// Each file's exports from a check that knew no other file's, set when that check is over.
    published: Vec<OnceLock<Vec<(String, Export)>>>,
    /// Whether a thread has taken the file's first pass.
    started: Vec<AtomicBool>,
    firsts: Vec<Mutex<Option<First>>>,
    api: tables::Api,
    rules_for: &'r (dyn Fn(usize, &Path) -> RuleSet + Sync),
    /// Bytes of source text that waiting files may still keep.
    budget: AtomicUsize,
}

impl Run<'_> {
    fn place<'a>(&'a self, i: usize, exports: Option<&'a dyn project::ExportTable>) -> ModuleContext<'a> {
        let (name, is_package) = &self.names[i];
        ModuleContext { name, is_package: *is_package, exports }
    }

    /// Runs file `i`'s first pass on this thread, unless a thread already took it.
    fn start(&self, i: usize, depth: u32) {
        if self.started[i].swap(true, Ordering::AcqRel) {
            return;
        }
        let mut first = self.first(i, depth);
        // Whatever happened, the file's exports are final now: an empty list if it never got that far.
        let _ = self.published[i].set(Vec::new());
        if !first.waits {
            // Only a waiting file needs its calls again; the others' would add up over a large tree.
            if let Ok(checked) = &mut first.checked {
                checked.external_calls = Vec::new();
            }
        }
        *self.firsts[i].lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(first);
    }

    fn first(&self, i: usize, depth: u32) -> First {
        let path = &self.files[i];
        let bytes = match read(path) {
            Ok(bytes) => bytes,
            Err(error) => return First { checked: Err(error), waits: false, kept: None },
        };
        let rules = (self.rules_for)(i, path);
        let mut waits = false;
        let mut kept = None;
        let checked = guarded(path, &mut || {
            #[cfg(debug_assertions)]
            crate::test_hooks::maybe_panic(path);
            let prepared = match Prepared::new(&bytes, &self.api) {
                Ok(prepared) => prepared,
                Err(error) => return crate::undecodable(path, &error, &rules),
            };
            let mut checked = prepared.check(path, Some(self.place(i, None)), &self.api, &rules);
            let _ = self.published[i].set(std::mem::take(&mut checked.exports));
            if checked.external_calls.is_empty() {
                return checked;
            }
            if depth < MAX_PULL_DEPTH {
                self.start_callees(i, &checked.external_calls, depth);
            }
            let finished = project::Finished {
                files_by_module: self.files_by_module,
                exports: &self.published,
                incomplete: AtomicBool::new(false),
            };
            let seen = self.place(i, Some(&finished));
            let matters = checked.external_calls.iter().any(|call| seen.lookup(call).is_some_and(Export::matters));
            if matters && !finished.was_incomplete() {
                let again = prepared.check(path, Some(seen), &self.api, &rules);
                if !finished.was_incomplete() {
                    return Checked { exports: Vec::new(), ..again };
                }
            }
            waits = finished.was_incomplete();
            if waits && take(&self.budget, prepared.weight()) {
                kept = Some(prepared);
            }
            checked
        });
        First { checked, waits, kept }
    }

    /// Starts the first pass of every file that may export one of `calls` and that no thread has taken.
    fn start_callees(&self, i: usize, calls: &[crate::ir::Name], depth: u32) {
        let place = self.place(i, None);
        for call in calls {
            let Some(name) = place.absolute(call) else {
                continue;
            };
            for module in project::owners(&name) {
                for &file in self.files_by_module.get(module).into_iter().flatten() {
                    if file != i && !self.started[file].load(Ordering::Relaxed) {
                        self.start(file, depth + 1);
                    }
                }
            }
        }
    }

    fn second(&self, i: usize, exports: &project::Exports, kept: Option<Prepared>) -> Result<Checked, CheckError> {
        let path = &self.files[i];
        let rules = (self.rules_for)(i, path);
        let place = Some(self.place(i, Some(exports)));
        match kept {
            Some(prepared) => guarded(path, &mut || prepared.check(path, place, &self.api, &rules)),
            None => {
                let bytes = read(path)?;
                guarded(path, &mut || crate::check_file(path, &bytes, place, &self.api, &rules))
            }
        }
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, CheckError> {
    std::fs::read(path).map_err(|error| CheckError::Read { path: path.clone(), error })
}

/// Runs one file's check; a panic becomes an internal error naming the file, and the run goes on.
fn guarded(path: &Path, work: &mut dyn FnMut() -> Checked) -> Result<Checked, CheckError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .map_err(|payload| CheckError::Internal { path: path.to_path_buf(), message: panic_message(payload.as_ref()) })
}

/// Takes `bytes` from a shared allowance if it still holds that many.
fn take(budget: &AtomicUsize, bytes: usize) -> bool {
    budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(bytes)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{discover, DiscoverOptions};
    use crate::ApiConfig;

    /// Every finding of a run as one comparable line per finding.
    fn findings(run: &CheckRun) -> Vec<String> {
        assert!(run.errors.is_empty(), "{:?}", run.errors);
        run.files
            .iter()
            .flat_map(|file| {
                file.diagnostics
                    .iter()
                    .map(move |d| format!("{}:{:?}: {} {}", file.path.display(), d.span, d.rule.code, d.message))
            })
            .collect()
    }

    /// The projects whose modules call each other, import cycles included: the cycle makes some file wait
    /// for the second pass whatever the order.
    fn projects() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/projects");
        vec![root.join("multi"), root.join("demo"), root.join("configured_api")]
    }

    #[test]
    fn the_findings_do_not_depend_on_threads_or_on_what_is_kept() {
        let files = discover(&projects(), &DiscoverOptions::standard()).files;
        assert!(files.len() > 10, "{files:?}");
        let options = |jobs| CheckOptions {
            discover: DiscoverOptions::standard(),
            jobs: Some(jobs),
            selection: RuleSet::defaults(),
            api: ApiConfig::default(),
        };
        let all = |_, _: &Path| RuleSet::defaults();
        let (run, second) = check_files_keeping(&files, &options(1), &all, 0);
        let reference = findings(&run);
        assert!(reference.iter().any(|f| f.contains("cyclepkg")), "{reference:#?}");
        assert!(second.files > 0 && second.parsed_again == second.files, "{second:?}");
        for (jobs, budget) in [(1, usize::MAX), (2, 0), (2, usize::MAX), (4, KEEP_BUDGET)] {
            let (run, second) = check_files_keeping(&files, &options(jobs), &all, budget);
            assert_eq!(findings(&run), reference, "{jobs} threads, budget {budget}");
            if budget == usize::MAX {
                assert_eq!(second.parsed_again, 0, "{jobs} threads: {second:?}");
            }
        }
    }
}
