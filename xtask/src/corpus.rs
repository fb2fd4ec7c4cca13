//! `cargo xtask corpus`: the large benchmark corpus, real code from pinned source distributions on PyPI.
//!
//! Together the packages hold about 4.2x the `.py` lines of CPython 3.11's standard library (858k), which is
//! what the growth target of DESIGN section 7 needs. They are pure-Python projects with light build backends:
//! `pip download` prepares an sdist's metadata, so a package built with meson (pandas, SciPy) would compile
//! itself just to be downloaded. For the same reason only the packages themselves are `--no-binary`: with
//! `:all:` pip also builds every build dependency from source (Cython for SQLAlchemy alone takes minutes),
//! and the sdist it saves is the same file either way.
//!
//! The task is idempotent: a saved sdist is not downloaded again and an unpacked one is not unpacked again.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run;

/// Name and exact version on PyPI. Change a pin only together with a new measurement in docs/performance.md.
const PACKAGES: &[(&str, &str)] = &[
    ("Django", "5.2.19"),
    ("sympy", "1.14.0"),
    ("SQLAlchemy", "2.1.9"),
    ("Twisted", "26.10.0"),
    ("salt", "3008.5"),
    ("ansible-core", "2.19.14"),
];

/// Directory names that exactly one of the two benchmarked tools skips by default (pydevcheck: `build`;
/// ruff: the others). They are removed from the unpacked corpus so that both tools check the same files when
/// given the directory; `cargo xtask bench` verifies that they do.
const ONE_SIDED_EXCLUDES: &[&str] = &[
    "build",
    ".bzr",
    ".direnv",
    ".eggs",
    ".git-rewrite",
    ".ipynb_checkpoints",
    ".pants.d",
    ".pyenv",
    ".pytype",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
];

pub(crate) fn large_dir(root: &Path) -> PathBuf {
    root.join("target").join("corpus").join("large")
}

pub(crate) fn corpus(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("`cargo xtask corpus` takes no arguments, got `{arg}`"));
    }
    let root = crate::workspace_root();
    let sdists = root.join("target").join("corpus").join("sdists");
    let large = large_dir(&root);
    for dir in [&sdists, &large] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }

    let missing: Vec<_> =
        PACKAGES.iter().filter(|&&(name, version)| !sdist_path(&sdists, name, version).exists()).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|&&(name, _)| name).collect();
        let pins: Vec<String> = missing.iter().map(|&&(name, version)| format!("{name}=={version}")).collect();
        eprintln!("xtask: downloading {} into {}", pins.join(" "), sdists.display());
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        run(Command::new(host)
            .args(["-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"])
            .arg("--no-binary")
            .arg(names.join(","))
            .arg("-d")
            .arg(&sdists)
            .args(&pins))?;
    }

    let mut total_files = 0;
    let mut total_lines = 0;
    println!("| package | version | .py/.pyi files | lines |");
    println!("|---|---|---|---|");
    for &(name, version) in PACKAGES {
        let sdist = sdist_path(&sdists, name, version);
        if !sdist.exists() {
            return Err(format!("pip did not save {}", sdist.display()));
        }
        let dest = large.join(format!("{}-{version}", normalize(name)));
        if !dest.is_dir() {
            unpack(&sdist, &dest)?;
        }
        let (files, lines) = count_python(&dest)?;
        println!("| {name} | {version} | {files} | {lines} |");
        total_files += files;
        total_lines += lines;
    }
    println!("| total | | {total_files} | {total_lines} |");
    println!("corpus ready in {}", large.display());
    Ok(())
}

/// PyPI's sdist names: lower case, `-` and `.` as `_` (`ansible_core-2.19.14.tar.gz`).
fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

fn sdist_path(sdists: &Path, name: &str, version: &str) -> PathBuf {
    sdists.join(format!("{}-{version}.tar.gz", normalize(name)))
}

/// Unpacks into a scratch directory first and renames at the end, so an interrupted run leaves no half tree.
fn unpack(sdist: &Path, dest: &Path) -> Result<(), String> {
    let scratch = dest.with_extension("partial");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).map_err(|e| format!("cannot remove {}: {e}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    run(Command::new("tar").arg("-xzf").arg(sdist).arg("-C").arg(&scratch))?;
    // An sdist holds one top-level directory, `name-version/`.
    let entries: Vec<PathBuf> = std::fs::read_dir(&scratch)
        .map_err(|e| format!("cannot list {}: {e}", scratch.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    let [top] = entries.as_slice() else {
        return Err(format!("{} does not hold exactly one top-level directory", sdist.display()));
    };
    prune(top)?;
    std::fs::rename(top, dest).map_err(|e| format!("cannot move {} to {}: {e}", top.display(), dest.display()))?;
    std::fs::remove_dir_all(&scratch).map_err(|e| format!("cannot remove {}: {e}", scratch.display()))
}

/// Removes the directories in [`ONE_SIDED_EXCLUDES`] anywhere below `dir`.
fn prune(dir: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let file_type = entry.file_type().map_err(|e| format!("cannot stat {}: {e}", entry.path().display()))?;
        if !file_type.is_dir() {
            continue;
        }
        let path = entry.path();
        if ONE_SIDED_EXCLUDES.iter().any(|&name| entry.file_name() == name) {
            std::fs::remove_dir_all(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        } else {
            prune(&path)?;
        }
    }
    Ok(())
}

/// `.py` and `.pyi` files below `dir` and their lines, symbolic links not followed (as both tools walk).
fn count_python(dir: &Path) -> Result<(usize, u64), String> {
    let mut files = 0;
    let mut lines = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = entry.path();
            let file_type = entry.file_type().map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() && path.extension().is_some_and(|ext| ext == "py" || ext == "pyi") {
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                files += 1;
                lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            }
        }
    }
    Ok((files, lines))
}
