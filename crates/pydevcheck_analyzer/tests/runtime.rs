//! Runtime fixtures: every `fixtures/runtime/*.py` runs under `python3 -X dev -X tracemalloc=20` through
//! `fixtures/runtime/_driver.py`, and the lines where CPython itself reports a resource event must be
//! exactly the annotated lines of the runtime-observable rules ([`CODE_EVENTS`]):
//!
//! - PDC101 and PDC102 ↔ `ResourceWarning: unclosed file`, on the line where the file was allocated;
//! - PDC201 and PDC202 ↔ `ResourceWarning: unclosed <socket.socket ...>`, on the line where the socket
//!   was allocated;
//! - PDC301 and PDC302 ↔ `OSError: [Errno 9] Bad file descriptor`, on the line of the `os.close` call;
//! - PDC401 ↔ `ResourceWarning: subprocess N is still running`, on the line of the `Popen(...)` call;
//! - PDC402 ↔ `ResourceWarning: Implicitly cleaning up <TemporaryDirectory ...>` (or the unclosed-file
//!   warning of a `SpooledTemporaryFile` or `TemporaryFile`), on the line that created it;
//! - PDC403 ↔ `ResourceWarning: unclosed running multiprocessing pool`, on the line that created the pool;
//! - PDC501 ↔ `ResourceWarning: unclosed event loop`, on the line that created the loop;
//! - PDC502 ↔ `RuntimeWarning: coroutine '...' was never awaited`, on the line of the call that created
//!   the coroutine;
//! - PDC601 ↔ `LookupError: unknown encoding`, PDC602 ↔ `LookupError: unknown error handler name`, raised
//!   by the call on the annotated line (the fixture catches it; dev mode raises it even with nothing to
//!   decode).
//!
//! PDC303 (a leaked raw fd) has no run-time signal and is left out, and so are PDC503 (3.11's
//! `StreamWriter` warns without a source object) and PDC103 (its event is that of the resource's kind,
//! which the code does not name). A `ResourceWarning` for a file whose fd
//! an `os.close` of the fixture had already closed is the destructor's side of that EBADF, so it must come
//! with an EBADF on that `os.close` line and is not counted as a leak of its own.
//!
//! The test does not use the analyzer: it keeps the fixtures honest about what CPython does. The
//! interpreter is `python3`, or `$PYDEVCHECK_PYTHON`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use support::{display, expectations, fixtures_root, python_files};

/// Which driver event each runtime-observable rule promises on its annotated line.
const CODE_EVENTS: &[(&str, &str)] = &[
    ("PDC101", "ResourceWarning"),
    ("PDC102", "ResourceWarning"),
    ("PDC201", "UnclosedSocket"),
    ("PDC202", "UnclosedSocket"),
    ("PDC301", "EBADF"),
    ("PDC302", "EBADF"),
    ("PDC401", "SubprocessRunning"),
    ("PDC402", "TempfileCleanup"),
    ("PDC403", "PoolRunning"),
    ("PDC501", "UnclosedLoop"),
    ("PDC502", "NeverAwaited"),
    ("PDC601", "UnknownEncoding"),
    ("PDC602", "UnknownErrorHandler"),
];

/// What CPython prints on stderr for each kind of warning event, as `Category: text` prefixes; a plain run
/// must print each as often as the driver reports it. `tempfile.TemporaryFile()` warns like any file, so
/// the unclosed-file line counts its events too.
const STDERR_WARNINGS: &[&str] = &[
    "ResourceWarning: unclosed file",
    "ResourceWarning: unclosed <socket.socket",
    "ResourceWarning: unclosed <ssl.SSLSocket",
    "ResourceWarning: subprocess ",
    "ResourceWarning: Implicitly cleaning up <TemporaryDirectory",
    "ResourceWarning: Unclosed file <tempfile.SpooledTemporaryFile",
    "ResourceWarning: unclosed running multiprocessing pool",
    "ResourceWarning: unclosed event loop",
    "RuntimeWarning: coroutine '",
];

/// One event the driver printed.
#[derive(Debug)]
struct Event {
    line: Option<u32>,
    kind: String,
    /// The warning category (`ResourceWarning`, `RuntimeWarning`) of a warning event.
    warning: Option<String>,
    text: String,
    via: Option<String>,
    fd_closed_at: Option<u32>,
}

fn python() -> String {
    std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn runtime_fixtures() -> Vec<PathBuf> {
    let files: Vec<PathBuf> = python_files(&fixtures_root().join("runtime"))
        .into_iter()
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('_')))
        .collect();
    assert!(!files.is_empty(), "no runtime fixtures found");
    files
}

/// Runs `python -X dev -X tracemalloc=20 FLAGS... ARGS...` from the fixture's directory.
fn run_python(fixture: &Path, flags: &[&str], args: &[&Path]) -> Output {
    let mut command = Command::new(python());
    command.args(["-X", "dev", "-X", "tracemalloc=20"]).args(flags).args(args);
    command.current_dir(fixture.parent().expect("a fixture has a directory"));
    // A user's warning filters or startup file must not change what the fixture reports.
    command.env_remove("PYTHONWARNINGS").env_remove("PYTHONSTARTUP").env_remove("PYTHONDEVMODE");
    command.output().unwrap_or_else(|e| panic!("cannot run `{}`: {e}", python()))
}

/// Runs a fixture through the driver and decodes its events; `Err` describes a failed run.
fn driver_events(fixture: &Path) -> Result<Vec<Event>, String> {
    let driver = fixtures_root().join("runtime/_driver.py");
    let output = run_python(fixture, &[], &[&driver, fixture]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the driver failed ({}):\n{}\n{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut events = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("the driver printed `{line}`, not JSON: {e}"))?;
        let number = |key: &str| value.get(key).and_then(serde_json::Value::as_u64).map(|n| n as u32);
        let string = |key: &str| value.get(key).and_then(serde_json::Value::as_str).map(str::to_string);
        events.push(Event {
            line: number("line"),
            kind: string("event").ok_or_else(|| format!("no `event` in `{line}`"))?,
            warning: string("warning"),
            text: string("text").unwrap_or_default(),
            via: string("via"),
            fd_closed_at: number("fd_closed_at"),
        });
    }
    Ok(events)
}

/// Runs `f` on every runtime fixture, one thread each: every run is a child process that mostly waits
/// for the interpreter's start-up under tracemalloc.
fn for_each_fixture<T: Send>(f: impl Fn(&Path) -> T + Sync) -> Vec<(PathBuf, T)> {
    let fixtures = runtime_fixtures();
    std::thread::scope(|scope| {
        let handles: Vec<_> = fixtures.iter().map(|path| scope.spawn(|| f(path))).collect();
        fixtures.iter().cloned().zip(handles.into_iter().map(|h| h.join().expect("fixture thread"))).collect()
    })
}

/// One fixture's driver run: its events, or why the run failed.
type DriverRun = (PathBuf, Result<Vec<Event>, String>);

/// The driver's events for every fixture, computed once for both tests of this file.
fn all_driver_events() -> &'static [DriverRun] {
    static EVENTS: OnceLock<Vec<DriverRun>> = OnceLock::new();
    EVENTS.get_or_init(|| for_each_fixture(driver_events))
}

/// The events the annotations promise: (line, event kind).
fn expected_events(fixture: &Path) -> Result<BTreeSet<(u32, &'static str)>, String> {
    let source = std::fs::read_to_string(fixture).map_err(|e| format!("cannot read: {e}"))?;
    let expected = expectations(&source).map_err(|m| format!("malformed expectations: {m:?}"))?;
    Ok(expected
        .into_iter()
        .filter_map(|(line, code)| CODE_EVENTS.iter().find(|(c, _)| *c == code).map(|(_, kind)| (line, *kind)))
        .collect())
}

/// Compares one fixture's run with its annotations; `Err` is a readable report.
fn check(fixture: &Path, events: &Result<Vec<Event>, String>) -> Result<(), String> {
    let name = display(fixture);
    let expected = expected_events(fixture).map_err(|e| format!("{name}: {e}"))?;
    let events = events.as_ref().map_err(|e| format!("{name}: {e}"))?;
    let mut problems = Vec::new();
    let mut actual = BTreeSet::new();
    for event in events {
        let Some(line) = event.line else {
            problems.push(format!("an event the driver could not attribute to a line: {event:?}"));
            continue;
        };
        match (event.kind.as_str(), event.fd_closed_at) {
            ("ResourceWarning", Some(closed_at)) => {
                let explained = events.iter().any(|e| e.kind == "EBADF" && e.line == Some(closed_at));
                if !explained {
                    problems.push(format!(
                        "line {line}: a ResourceWarning for a file whose fd `os.close` at line {closed_at} \
                         closed, but no EBADF there: {}",
                        event.text
                    ));
                }
            }
            (kind, _) => match CODE_EVENTS.iter().find(|(_, k)| *k == kind) {
                Some((_, kind)) => {
                    actual.insert((line, *kind));
                }
                None => problems.push(format!("line {line}: unknown event `{kind}`")),
            },
        }
    }
    for (line, kind) in expected.difference(&actual) {
        problems.push(format!("annotated but not observed: line {line} {kind}"));
    }
    for (line, kind) in actual.difference(&expected) {
        let texts: Vec<&str> =
            events.iter().filter(|e| e.line == Some(*line) && e.kind == *kind).map(|e| e.text.as_str()).collect();
        problems.push(format!("observed but not annotated: line {line} {kind}: {}", texts.join(" | ")));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!("{name}\n  expected {expected:?}\n  observed {actual:?}\n  {}\n", problems.join("\n  ")))
}

#[test]
fn runtime_events_land_on_the_annotated_lines() {
    let runs = all_driver_events();
    let failures: Vec<String> = runs.iter().filter_map(|(f, events)| check(f, events).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} runtime fixtures disagree with CPython:\n\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n")
    );
}

/// The driver must report what CPython prints by itself: for each line of [`STDERR_WARNINGS`] as many
/// warnings as driver events of that category and text, and as many destructor EBADFs as `OSError: [Errno
/// 9]` lines. The plain run adds `-W always::ResourceWarning -W always::RuntimeWarning` because dev mode's
/// `default` action prints a warning once per line and text, while the driver records every occurrence (a
/// comprehension leaks one file per element).
#[test]
fn driver_counts_match_cpython_stderr() {
    let runs = all_driver_events();
    assert!(
        runs.iter().any(|(f, _)| f.ends_with("doc_count_lines.py")),
        "the development mode page example must stay among the runtime fixtures"
    );
    let plain_runs =
        for_each_fixture(|f| run_python(f, &["-W", "always::ResourceWarning", "-W", "always::RuntimeWarning"], &[f]));
    let mut failures = Vec::new();
    for ((fixture, events), (_, plain)) in runs.iter().zip(&plain_runs) {
        let name = display(fixture);
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let stderr = String::from_utf8_lossy(&plain.stderr);
        if !plain.status.success() {
            failures.push(format!("{name}: plain run failed ({}):\n{stderr}", plain.status));
            continue;
        }
        let mut mismatches = Vec::new();
        for prefix in STDERR_WARNINGS {
            let printed = stderr.matches(prefix).count();
            let reported = events
                .iter()
                .filter_map(|e| e.warning.as_ref().map(|w| format!("{w}: {}", e.text)))
                .filter(|w| w.starts_with(prefix))
                .count();
            if printed != reported {
                mismatches.push(format!("`{prefix}`: CPython printed {printed}, the driver reported {reported}"));
            }
        }
        let ebadf = stderr.matches("OSError: [Errno 9] Bad file descriptor").count();
        let driver_ebadf =
            events.iter().filter(|e| e.kind == "EBADF" && e.via.as_deref() == Some("destructor")).count();
        if ebadf != driver_ebadf {
            mismatches.push(format!("EBADF: CPython printed {ebadf}, the driver reported {driver_ebadf}"));
        }
        if !mismatches.is_empty() {
            failures.push(format!("{name}:\n  {}\n--- CPython's stderr ---\n{stderr}", mismatches.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
