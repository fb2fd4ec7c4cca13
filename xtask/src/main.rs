//! `cargo xtask <task>`: the project's automation, one subcommand per task, one function per subcommand.

mod bench_confirm;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  test [CARGO TEST ARGS]   prepare the Python venv in target/xtask-venv (pytest) and run `cargo test --workspace`
  bench-confirm [--runs N] `pydevcheck confirm` against plain `python -X dev` on the demo and a generated suite";

/// pytest for the tests that run Python. 8.4 still supports Python 3.9, the oldest interpreter we accept.
const PYTEST: &str = "pytest==8.4.2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("bench-confirm") => bench_confirm::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `cargo xtask test`: the whole test suite, with `PYDEVCHECK_PYTHON` set to a venv's interpreter that has pytest.
fn test(cargo_args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let python = python_venv(&root.join("target").join("xtask-venv"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(&root).args(["test", "--workspace"]).args(cargo_args).env("PYDEVCHECK_PYTHON", &python);
    run(&mut command)
}

/// Creates the venv with pytest, or reuses it when its interpreter already imports the pinned pytest.
fn python_venv(venv: &Path) -> Result<PathBuf, String> {
    let python = if cfg!(windows) { venv.join("Scripts").join("python.exe") } else { venv.join("bin").join("python") };
    let version = PYTEST.trim_start_matches("pytest==");
    let check = format!("import pytest, sys; sys.exit(pytest.__version__ != {version:?})");
    let ready = python.exists()
        && Command::new(&python).args(["-c", &check]).output().is_ok_and(|output| output.status.success());
    if ready {
        return Ok(python);
    }
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!("xtask: creating {} with {host} and {PYTEST}", venv.display());
    run(Command::new(&host).arg("-m").arg("venv").arg(venv))?;
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", PYTEST]))?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}
