//! `pydevcheck confirm`: run the user's code under Python's Development Mode and turn every static finding
//! into a verdict — confirmed, not reproduced, not reached — plus the runtime-only findings that no static
//! pass could see.
//!
//! The key design choice is that the evidence is collected *inside* the interpreter by a plain-Python shim
//! (`shim.py`, embedded here) that Python imports as `sitecustomize`, instead of by parsing the child's
//! stderr. Stderr is the user's: it may be captured by pytest, redirected, closed, or interleaved between
//! processes, and a warning printed there carries no creation site. The shim wraps the acquirers, so it
//! knows where each object was created; it writes one JSON line per event to a file of its own per process
//! in a private directory; this crate reads those files after the run and correlates them with the
//! findings. The child's stdio is passed through untouched.
//!
//! Architecture invariant: this crate never touches the child's stdio and never prints; it runs user code
//! only as the COMMAND it is given or as the pytest driver [`pytest_driver`] describes.

mod child;
mod correlate;
mod driver;
mod events;
mod python;
mod shim;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pydevcheck_diagnostics::{Diagnostic, Frame, RuntimeFinding, Verdict};

pub use child::{ChildOutcome, Progress};
pub use driver::{pytest_driver, Driver};
pub use python::{python_version, PythonVersion};
pub use shim::SHIM_SOURCE;

/// Why a confirm run could not happen or finish. A failing child is not an error: it is an outcome.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot run `{python}`: {source}")]
    PythonMissing { python: String, source: std::io::Error },
    #[error("`{python}` is Python {major}.{minor}; `pydevcheck confirm` needs Python 3.8 or later")]
    PythonTooOld { python: String, major: u32, minor: u32 },
    #[error("cannot tell which Python `{python}` is: it printed `{output}`")]
    PythonVersion { python: String, output: String },
    #[error("cannot prepare the event directory: {0}")]
    EventDir(std::io::Error),
    #[error("cannot write the output log {}: {source}", .path.display())]
    Log { path: PathBuf, source: std::io::Error },
    #[error("cannot start `{command}`: {source}")]
    Spawn { command: String, source: std::io::Error },
    #[error("lost track of the child process: {0}")]
    Wait(std::io::Error),
}

/// Where the child's stdout and stderr go.
#[derive(Debug, Clone)]
pub enum Output {
    /// Inherited: the child writes to our terminal or pipes, untouched.
    PassThrough,
    /// Appended to this file, which is created exclusively (`--quiet`).
    Log(PathBuf),
}

/// How [`confirm`] runs the command.
#[derive(Debug, Clone)]
pub struct ConfirmOptions {
    /// The program and its arguments.
    pub command: Vec<OsString>,
    /// The analysed paths: only frames in files below them count as project frames.
    pub roots: Vec<PathBuf>,
    /// Where the command runs; `None` is our working directory.
    pub cwd: Option<PathBuf>,
    pub timeout: Duration,
    pub output: Output,
    /// `PYTHONTRACEMALLOC` for the child: tracemalloc is the fallback attribution where no wrapper reaches.
    pub tracemalloc: Option<u32>,
    /// Before Python 3.12, record which flagged lines run so that "not reached" is exact: flagged modules
    /// are compiled with markers when they are imported (almost free), a flagged main script is traced
    /// (a global tracer, 1.6x slower or more). Without it, a line counts as reached only when a wrapped
    /// acquirer or `os.close` ran on it. From 3.12 on, `sys.monitoring` sees every flagged line at almost no cost.
    pub trace_lines: bool,
}

/// Everything a confirm run found out.
#[derive(Debug)]
pub struct Report {
    /// One verdict per finding passed to [`confirm`], in the same order.
    pub verdicts: Vec<Verdict>,
    /// For each confirmed finding, the stack of its first event.
    pub evidence: Vec<Vec<Frame>>,
    pub runtime_only: Vec<RuntimeFinding>,
    pub child: ChildOutcome,
    /// Python processes in which the shim ran (forks and spawned children included).
    pub processes: usize,
    /// Python processes that never reached `atexit` (`os._exit`, a signal, a crash) other than the main one.
    pub processes_without_exit: usize,
    /// Whether the shim loaded in the main process; when it did not, nothing could be observed.
    pub shim_loaded: bool,
    /// `ResourceWarning`s seen, and how many of them were attributed to a project line.
    pub resource_warnings: usize,
    pub resource_warnings_attributed: usize,
    /// Event lines that could not be decoded (a process killed while writing one).
    pub malformed_events: usize,
    /// Events that did not carry this run's token: not written by this run's shim, and ignored.
    pub foreign_events: usize,
    /// Events ignored because the run wrote more than the reader keeps (the size and count caps).
    pub dropped_events: usize,
}

/// Runs `options.command` under Development Mode with the shim and correlates what it reports with
/// `findings`. `progress`, when given, is called about once a second while the child runs (each call
/// reads the event files to count them).
pub fn confirm(
    findings: &[Diagnostic],
    options: &ConfirmOptions,
    progress: Option<&mut dyn FnMut(&Progress)>,
) -> Result<Report, RuntimeError> {
    let roots: Vec<PathBuf> = options.roots.iter().map(|root| canonical(root)).collect();
    let flagged: Vec<(PathBuf, u32)> = findings.iter().map(|d| (canonical(&d.path), d.span.start.row)).collect();
    let codec_lines: Vec<(PathBuf, u32)> = findings
        .iter()
        .zip(&flagged)
        .filter(|(finding, _)| correlate::is_codec_rule(finding.rule.code))
        .map(|(_, line)| line.clone())
        .collect();
    let dir = shim::EventDir::create(&roots, &flagged, &codec_lines).map_err(RuntimeError::EventDir)?;

    let mut env = dir.environment();
    env.push(("PYTHONDEVMODE".into(), "1".into()));
    if let Some(frames) = options.tracemalloc {
        env.push(("PYTHONTRACEMALLOC".into(), frames.to_string().into()));
    }
    if !options.trace_lines {
        env.push(("PYDEVCHECK_NO_LINE_TRACING".into(), "1".into()));
    }
    let spec = child::ChildSpec {
        command: &options.command,
        cwd: options.cwd.as_deref(),
        env: &env,
        output: &options.output,
        timeout: options.timeout,
        event_dir: dir.path(),
    };
    let outcome = child::run(&spec, progress)?;
    let collected = events::collect(dir.path(), dir.token(), events::Limits::DEFAULT);
    let mut outcome = outcome;
    child::name_phase(&mut outcome, &collected);
    Ok(correlate::correlate(findings, &flagged, &roots, collected, outcome))
}

/// The canonical form of a path, or the path itself when it does not exist (yet).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
