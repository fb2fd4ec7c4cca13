//! What to run when the user gives no COMMAND: pytest, limited to the test files that import a flagged
//! module, when the analysed paths hold a pytest suite. Nothing else is ever run on our own initiative.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The decision for a run without COMMAND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Driver {
    /// `PY -m pytest FILES...`.
    Pytest { command: Vec<OsString> },
    /// No pytest suite, or no test imports a flagged module: what the user could run instead.
    Nothing { suggestions: Vec<String> },
}

/// Decides the driver from the checked files (`checked`) and those with findings (`flagged`).
pub fn pytest_driver(python: &Path, roots: &[PathBuf], checked: &[PathBuf], flagged: &[PathBuf]) -> Driver {
    let scripts: Vec<String> = flagged
        .iter()
        .filter(|path| {
            std::fs::read_to_string(path)
                .is_ok_and(|text| text.contains("__name__ == \"__main__\"") || text.contains("__name__ == '__main__'"))
        })
        .map(|path| format!("{} -- {} {}", roots_display(roots), python.display(), path.display()))
        .collect();
    if !roots.iter().any(|root| has_pytest_suite(root)) {
        return Driver::Nothing { suggestions: scripts };
    }
    let modules: Vec<Vec<String>> = flagged.iter().map(|path| module_names(path)).collect();
    let tests: Vec<&PathBuf> = checked
        .iter()
        .filter(|path| is_test_file(path))
        .filter(|path| flagged.contains(path) || imports_any(path, &modules))
        .collect();
    if tests.is_empty() {
        return Driver::Nothing { suggestions: scripts };
    }
    let mut command: Vec<OsString> = vec![python.into(), "-m".into(), "pytest".into()];
    command.extend(tests.into_iter().map(|path| path.into()));
    Driver::Pytest { command }
}

fn roots_display(roots: &[PathBuf]) -> String {
    let shown: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    format!("pydevcheck confirm {}", shown.join(" "))
}

/// A pytest configuration, a `conftest.py` or a `tests` directory at or above... below `root`.
fn has_pytest_suite(root: &Path) -> bool {
    let dir = if root.is_dir() { root } else { root.parent().unwrap_or(root) };
    let contains = |name: &str, needle: &str| std::fs::read_to_string(dir.join(name)).is_ok_and(|t| t.contains(needle));
    dir.join("pytest.ini").is_file()
        || dir.join("conftest.py").is_file()
        || dir.join("tests").is_dir()
        || dir.join("test").is_dir()
        || contains("pyproject.toml", "[tool.pytest")
        || contains("setup.cfg", "[tool:pytest]")
        || contains("tox.ini", "[pytest]")
}

fn is_test_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with(".py") && (name.starts_with("test_") || name.ends_with("_test.py"))
}

/// The dotted names a file can be imported by: `pkg.sub.mod` up through its `__init__.py` parents, and
/// each shorter suffix (`sub.mod`, `mod`) for test layouts that put a package directory on `sys.path`.
fn module_names(path: &Path) -> Vec<String> {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return Vec::new();
    };
    let mut parts = if stem == "__init__" { Vec::new() } else { vec![stem.to_string()] };
    let mut dir = path.parent();
    while let Some(d) = dir {
        if !d.join("__init__.py").is_file() {
            break;
        }
        let Some(name) = d.file_name().and_then(|n| n.to_str()) else {
            break;
        };
        parts.insert(0, name.to_string());
        dir = d.parent();
    }
    (0..parts.len()).map(|start| parts[start..].join(".")).collect()
}

/// Whether `path` has an import statement that names one of `modules` (`import a.b`, `from a.b import c`,
/// `from a import b`).
fn imports_any(path: &Path, modules: &[Vec<String>]) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().map(str::trim).any(|line| {
        let imported: Vec<String> = if let Some(rest) = line.strip_prefix("from ") {
            let Some((base, names)) = rest.split_once(" import ") else {
                return false;
            };
            let base = base.trim().trim_start_matches('.');
            let names = names.trim_matches(|c| c == '(' || c == ')' || c == ' ');
            let mut all = vec![base.to_string()];
            all.extend(names.split(',').map(|n| {
                let n = n.split(" as ").next().unwrap_or("").trim();
                if base.is_empty() {
                    n.to_string()
                } else {
                    format!("{base}.{n}")
                }
            }));
            all
        } else if let Some(rest) = line.strip_prefix("import ") {
            rest.split(',').map(|n| n.split(" as ").next().unwrap_or("").trim().to_string()).collect()
        } else {
            return false;
        };
        imported.iter().any(|name| modules.iter().flatten().any(|m| m == name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tests_that_import_flagged_modules_are_chosen() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/projects/demo");
        let demo = demo.canonicalize().unwrap();
        let util = demo.join("logrotate_demo/util.py");
        let checked = vec![demo.join("tests/test_util.py"), demo.join("tests/test_cli.py"), util.clone()];
        let driver = pytest_driver(Path::new("python3"), std::slice::from_ref(&demo), &checked, &[util]);
        let Driver::Pytest { command } = driver else { panic!("expected pytest, got {driver:?}") };
        assert_eq!(command[3..], [OsString::from(demo.join("tests/test_util.py"))]);
    }

    #[test]
    fn no_suite_means_no_driver() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("tool.py");
        std::fs::write(&script, "open('x')\nif __name__ == \"__main__\":\n    pass\n").unwrap();
        let driver = pytest_driver(
            Path::new("python3"),
            &[dir.path().to_path_buf()],
            std::slice::from_ref(&script),
            std::slice::from_ref(&script),
        );
        let Driver::Nothing { suggestions } = driver else { panic!("expected no driver, got {driver:?}") };
        assert_eq!(suggestions.len(), 1);
    }
}
