//! What the files of one run export to each other: the cross-module half of the summaries.
//!
//! The first pass checks every file on its own and records, for each of its module-level functions and
//! classes that matter, an [`Export`]: it returns a fresh resource, it closes a parameter, calling it makes a
//! coroutine, constructing it acquires what it owns. It also records the calls a file makes into other modules
//! of the run (`from .util import open_log`, `import pkg.util as u`). The second pass re-checks only the files
//! that call something with a non-trivial export, with every export known. Most of those never wait for it: when a
//! file's first pass ends, the files it calls into have often finished theirs, and [`Finished`] answers for
//! them exactly what the complete table would, so the file is checked again at once on its lowered form.
//! Only a file that calls into an unfinished module waits; its lowered form is kept for the second pass
//! within a fixed budget of bytes, and past it the file is read and parsed again, so memory does not grow
//! with the tree.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::summary::{ParamEffect, Summary};
use crate::tables::Kind;

/// What one function or class of a module does, as other modules see it.
#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub(crate) summary: Option<Summary>,
    pub(crate) coroutine: bool,
    pub(crate) owner: Option<Kind>,
}

impl Export {
    pub(crate) fn matters(&self) -> bool {
        self.coroutine
            || self.owner.is_some()
            || self
                .summary
                .as_ref()
                .is_some_and(|s| s.returns.is_some() || s.params.iter().any(|e| *e != ParamEffect::Keeps))
    }
}

/// Where exports are looked up by dotted name (`pkg.util.open_log`).
pub(crate) trait ExportTable: Sync + std::fmt::Debug {
    fn get(&self, name: &str) -> Option<&Export>;
}

/// Every export of the run, by dotted name (`pkg.util.open_log`). Where two files of the run have the same
/// module name, the later file in the run's order wins.
#[derive(Debug, Default)]
pub(crate) struct Exports {
    pub(crate) by_name: FxHashMap<String, Export>,
}

impl ExportTable for Exports {
    fn get(&self, name: &str) -> Option<&Export> {
        self.by_name.get(name)
    }
}

/// The modules that may export a dotted name: `pkg.util.f` is `f` of module `pkg.util` or method `util.f`
/// of module `pkg`, and a file whose module name is empty exports bare names.
pub(crate) fn owners(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.').map(|(dot, _)| &name[..dot]).chain(std::iter::once(""))
}

/// The exports of the files that have finished their first pass, seen while the others are still running.
/// A name is answered only when every file that could export it has finished (each module whose name is a
/// prefix of it); otherwise the view notes that it was incomplete, and whatever was decided with it must
/// wait for the second pass. What it answers is what [`Exports`] would answer after the first pass.
#[derive(Debug)]
pub(crate) struct Finished<'r> {
    /// The files of the run by module name, in the run's order.
    pub(crate) files_by_module: &'r FxHashMap<&'r str, Vec<usize>>,
    /// Each file's exports, set when its first pass is over.
    pub(crate) exports: &'r [std::sync::OnceLock<Vec<(String, Export)>>],
    pub(crate) incomplete: std::sync::atomic::AtomicBool,
}

impl Finished<'_> {
    pub(crate) fn was_incomplete(&self) -> bool {
        self.incomplete.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl ExportTable for Finished<'_> {
    fn get(&self, name: &str) -> Option<&Export> {
        let mut found: Option<(usize, &Export)> = None;
        for module in owners(name) {
            for &file in self.files_by_module.get(module).into_iter().flatten() {
                let Some(exports) = self.exports[file].get() else {
                    self.incomplete.store(true, std::sync::atomic::Ordering::Relaxed);
                    return None;
                };
                if let Some((_, export)) = exports.iter().find(|(key, _)| key == name) {
                    if found.is_none_or(|(before, _)| file > before) {
                        found = Some((file, export));
                    }
                }
            }
        }
        found.map(|(_, export)| export)
    }
}

/// Where a file sits in the module namespace of the run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModuleContext<'a> {
    /// `pkg.util` for `pkg/util.py` when `pkg/__init__.py` exists; `pkg` for `pkg/__init__.py`.
    pub(crate) name: &'a str,
    pub(crate) is_package: bool,
    pub(crate) exports: Option<&'a dyn ExportTable>,
}

impl<'a> ModuleContext<'a> {
    /// The dotted name a callee path refers to: relative imports (`.util.open_log`, `..base.f`) are resolved
    /// against this module's package.
    pub(crate) fn absolute(&self, path: &str) -> Option<String> {
        if path.starts_with('@') {
            return None;
        }
        let level = path.len() - path.trim_start_matches('.').len();
        let rest = &path[level..];
        if level == 0 {
            return Some(rest.to_owned());
        }
        let mut package: Vec<&str> = self.name.split('.').collect();
        if !self.is_package {
            package.pop();
        }
        for _ in 1..level {
            package.pop()?;
        }
        let mut name = package.join(".");
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(rest);
        Some(name)
    }

    pub(crate) fn lookup(&self, path: &str) -> Option<&'a Export> {
        self.exports?.get(self.absolute(path)?.as_str())
    }
}

/// The dotted module name of a file: its stem, prefixed by every enclosing directory that is a package
/// (holds an `__init__.py`). Returns the name and whether the file is a package's `__init__`.
pub(crate) fn module_name(path: &Path) -> (String, bool) {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let is_package = stem == "__init__";
    let mut parts: Vec<String> = if is_package { Vec::new() } else { vec![stem.to_owned()] };
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.as_os_str().is_empty() || !d.join("__init__.py").is_file() {
            break;
        }
        match d.file_name().and_then(|n| n.to_str()) {
            Some(name) => parts.push(name.to_owned()),
            None => break,
        }
        dir = d.parent();
    }
    parts.reverse();
    (parts.join("."), is_package)
}
