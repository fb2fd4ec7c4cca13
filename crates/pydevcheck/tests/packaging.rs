//! How users install and run pydevcheck outside cargo: the maturin wheel in a fresh venv, the pre-commit hook
//! through `pre-commit try-repo`, and the GitHub Action and workflow files against their schemas and
//! actionlint. One test, run in order, so the wheel's release build happens once and pre-commit's own
//! `pip install .` reuses its compiled dependencies (same `CARGO_TARGET_DIR`).
//!
//! Needs the venv of `cargo xtask test` (`PYDEVCHECK_PYTHON`): maturin, pre-commit, check-jsonschema and
//! actionlint come from there. Without that variable the test says so and skips, unless `CI` is set, where
//! a skip would hide a broken install step and so fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pydevcheck");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[track_caller]
fn ok(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{what} failed ({}):\n{stdout}\n{stderr}", output.status);
    stdout
}

/// A release build tuned for build time, not speed: no LTO, no debug info, many codegen units.
fn fast_release<'a>(command: &'a mut Command, target: &Path) -> &'a mut Command {
    command
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
}

fn venv_bin(python: &Path, name: &str) -> PathBuf {
    python.parent().unwrap().join(name)
}

#[test]
fn wheel_pre_commit_and_action() {
    let Some(python) = std::env::var_os("PYDEVCHECK_PYTHON").map(PathBuf::from) else {
        assert!(std::env::var_os("CI").is_none(), "PYDEVCHECK_PYTHON is not set under CI: run `cargo xtask test`");
        eprintln!("SKIPPED: PYDEVCHECK_PYTHON is not set; `cargo xtask test` sets it");
        return;
    };
    let root = root();
    let target = root.join("target").join("packaging");
    let scratch = tempfile::tempdir().unwrap();

    action_files_are_valid(&python, &root);
    let wheel = build_wheel(&python, &root, &target, scratch.path());
    wheel_installs_and_runs(&python, &root, &wheel, scratch.path());
    pre_commit_hook(&python, &root, &target, scratch.path());
}

/// action.yml against the GitHub Action schema and the workflows against the workflow schema, both vendored
/// by check-jsonschema; then actionlint on the workflows.
fn action_files_are_valid(python: &Path, root: &Path) {
    let check = venv_bin(python, "check-jsonschema");
    ok(
        Command::new(&check)
            .args(["--builtin-schema", "vendor.github-actions", "action.yml"])
            .current_dir(root)
            .output()
            .unwrap(),
        "check-jsonschema action.yml",
    );
    ok(
        Command::new(&check)
            .args(["--builtin-schema", "vendor.github-workflows", ".github/workflows/ci.yml"])
            .current_dir(root)
            .output()
            .unwrap(),
        "check-jsonschema .github/workflows/ci.yml",
    );
    ok(
        Command::new(venv_bin(python, "actionlint"))
            .arg(".github/workflows/ci.yml")
            .current_dir(root)
            .output()
            .unwrap(),
        "actionlint",
    );
}

fn build_wheel(python: &Path, root: &Path, target: &Path, scratch: &Path) -> PathBuf {
    let out = scratch.join("wheels");
    let mut command = Command::new(python);
    command.args(["-m", "maturin", "build", "--release", "--out"]).arg(&out).current_dir(root);
    ok(fast_release(&mut command, target).output().unwrap(), "maturin build");
    let wheel = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"));
    wheel.expect("maturin wrote no wheel")
}

fn wheel_installs_and_runs(python: &Path, root: &Path, wheel: &Path, scratch: &Path) {
    let venv = scratch.join("fresh-venv");
    ok(Command::new(python).args(["-m", "venv"]).arg(&venv).output().unwrap(), "python -m venv");
    let pip = venv.join("bin").join("pip");
    ok(
        Command::new(&pip)
            .args(["install", "--quiet", "--disable-pip-version-check", "--no-index"])
            .arg(wheel)
            .output()
            .unwrap(),
        "pip install",
    );
    let installed = venv.join("bin").join("pydevcheck");
    let version = ok(Command::new(&installed).arg("--version").output().unwrap(), "pydevcheck --version");
    assert_eq!(version.trim(), format!("pydevcheck {}", env!("CARGO_PKG_VERSION")));

    let demo = |bin: &Path| {
        Command::new(bin)
            .args(["check", "demo", "--output-format", "concise"])
            .current_dir(root.join("fixtures/projects"))
            .output()
            .unwrap()
    };
    let from_wheel = demo(&installed);
    let from_cargo = demo(Path::new(BIN));
    assert_eq!(from_wheel.status.code(), Some(1), "{}", String::from_utf8_lossy(&from_wheel.stderr));
    assert_eq!(String::from_utf8_lossy(&from_wheel.stdout), String::from_utf8_lossy(&from_cargo.stdout));
    assert!(
        String::from_utf8_lossy(&from_wheel.stderr).starts_with("Found "),
        "{}",
        String::from_utf8_lossy(&from_wheel.stderr)
    );
}

/// `pre-commit try-repo` against this repository: it clones HEAD plus a shadow commit of uncommitted changes
/// to tracked files, and installs the hook with `pip install .`.
fn pre_commit_hook(python: &Path, root: &Path, target: &Path, scratch: &Path) {
    let pre_commit = venv_bin(python, "pre-commit");
    let project = scratch.join("project");
    std::fs::create_dir_all(&project).unwrap();
    let git = |args: &[&str]| ok(Command::new("git").args(args).current_dir(&project).output().unwrap(), "git");
    git(&["init", "--quiet"]);
    std::fs::write(project.join("clean.py"), "def read(p):\n    with open(p) as f:\n        return f.read()\n")
        .unwrap();
    git(&["add", "clean.py"]);

    let try_repo = || {
        let mut command = Command::new(&pre_commit);
        command
            .args(["try-repo"])
            .arg(root)
            .args(["pydevcheck", "--all-files", "--color", "never"])
            .current_dir(&project)
            .env("PRE_COMMIT_HOME", root.join("target").join("pre-commit-home"))
            .env("GIT_AUTHOR_NAME", "pydevcheck tests")
            .env("GIT_AUTHOR_EMAIL", "tests@pydevcheck.invalid")
            .env("GIT_COMMITTER_NAME", "pydevcheck tests")
            .env("GIT_COMMITTER_EMAIL", "tests@pydevcheck.invalid");
        fast_release(&mut command, target).output().unwrap()
    };

    let clean = try_repo();
    let clean_out = format!("{}{}", String::from_utf8_lossy(&clean.stdout), String::from_utf8_lossy(&clean.stderr));
    assert!(clean.status.success(), "the hook fails on a clean file:\n{clean_out}");
    assert!(clean_out.contains("pydevcheck") && clean_out.contains("Passed"), "{clean_out}");

    std::fs::write(project.join("leaky.py"), "def count_lines(path):\n    return len(open(path).readlines())\n")
        .unwrap();
    git(&["add", "leaky.py"]);
    let leaky = try_repo();
    let leaky_out = format!("{}{}", String::from_utf8_lossy(&leaky.stdout), String::from_utf8_lossy(&leaky.stderr));
    assert_eq!(leaky.status.code(), Some(1), "the hook passes a leaky file:\n{leaky_out}");
    assert!(leaky_out.contains("Failed") && leaky_out.contains("PDC101 unclosed-file"), "{leaky_out}");
    assert!(leaky_out.contains("leaky.py:2:16"), "{leaky_out}");
}
