//! What the files of one run export to each other: the cross-module half of the summaries.
//!
//! The first pass checks every file on its own and records, for each of its module-level functions and
//! classes that matter, an [`Export`]: it returns a fresh resource, it closes a parameter, calling it makes a
//! coroutine, constructing it acquires what it owns. It also records the calls a file makes into other modules
//! of the run (`from .util import open_log`, `import pkg.util as u`). The second pass re-checks only the files
//! that call something with a non-trivial export, with every export known. Files are never kept in memory
//! between the passes: the few files of the second pass are read and parsed again, which costs far less than
//! holding every syntax tree of a large tree at once.

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

/// Every export of the run, by dotted name (`pkg.util.open_log`).
#[derive(Debug, Default)]
pub(crate) struct Exports {
    pub(crate) by_name: FxHashMap<Box<str>, Export>,
}

/// Where a file sits in the module namespace of the run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModuleContext<'a> {
    /// `pkg.util` for `pkg/util.py` when `pkg/__init__.py` exists; `pkg` for `pkg/__init__.py`.
    pub(crate) name: &'a str,
    pub(crate) is_package: bool,
    pub(crate) exports: Option<&'a Exports>,
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
        let exports = self.exports?;
        exports.by_name.get(self.absolute(path)?.as_str())
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
