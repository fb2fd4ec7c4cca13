//! Child process control: its own process group, a timeout that kills the whole group, Ctrl-C forwarded,
//! leftover grandchildren terminated, and an outcome that says how it ended.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, test_kill_process_group, Pid, Signal};

use crate::events::Collected;
use crate::{Output, RuntimeError};

/// How long a group gets between SIGTERM (or a forwarded SIGINT) and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(20);

pub(crate) struct ChildSpec<'a> {
    pub(crate) command: &'a [OsString],
    pub(crate) cwd: Option<&'a Path>,
    pub(crate) env: &'a [(OsString, OsString)],
    pub(crate) output: &'a Output,
    pub(crate) timeout: Duration,
    pub(crate) event_dir: &'a Path,
}

/// What the progress callback sees.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub elapsed: Duration,
    /// Lines the shim has written so far, in every process.
    pub events: usize,
}

/// How the command ended. The child's own failure is reported, never turned into a runner error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildOutcome {
    Exited {
        code: i32,
        /// Other processes of its group were still running when it exited; they were terminated.
        leftovers: bool,
        /// Whether the main process ran its `atexit` handlers (not after `os._exit`).
        clean_exit: bool,
    },
    /// Killed by a signal: a crash (SIGSEGV, SIGABRT from `os.abort`) or a kill from outside.
    Signalled { signal: i32, leftovers: bool },
    /// The timeout expired; `phase` says where the main process was.
    TimedOut { after: Duration, phase: &'static str },
    /// Ctrl-C (or SIGTERM) reached pydevcheck; the child was stopped.
    Interrupted { phase: &'static str },
}

/// Runs the child to its end, or to the timeout or an interrupt, and reaps its whole process group.
pub(crate) fn run(
    spec: &ChildSpec<'_>,
    mut progress: Option<&mut dyn FnMut(&Progress)>,
) -> Result<ChildOutcome, RuntimeError> {
    let Some((program, args)) = spec.command.split_first() else {
        return Err(RuntimeError::Spawn {
            command: String::new(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
        });
    };
    let shown = spec.command.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
    let mut command = Command::new(program);
    command.args(args).envs(spec.env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = spec.cwd {
        command.current_dir(dir);
    }
    // A group of its own: the timeout can kill grandchildren too, and a terminal's Ctrl-C reaches us
    // first, so we can stop the child and still report.
    command.process_group(0);
    if let Output::Log(path) = spec.output {
        let log = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|source| RuntimeError::Log { path: path.clone(), source })?;
        let log_err = log.try_clone().map_err(|source| RuntimeError::Log { path: path.clone(), source })?;
        command.stdout(Stdio::from(log)).stderr(Stdio::from(log_err));
    }
    let mut child = command.spawn().map_err(|source| RuntimeError::Spawn { command: shown, source })?;
    let group = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");

    let interrupted = Arc::new(AtomicBool::new(false));
    let handlers: Vec<_> = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM]
        .into_iter()
        .filter_map(|signal| signal_hook::flag::register(signal, Arc::clone(&interrupted)).ok())
        .collect();

    let start = Instant::now();
    let mut last_progress = start;
    let mut stop: Option<(Instant, bool)> = None; // (SIGKILL deadline, because of the timeout)
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(error) => {
                let _ = kill_process_group(group, Signal::KILL);
                let _ = child.wait();
                unregister(handlers);
                return Err(RuntimeError::Wait(error));
            }
        }
        let now = Instant::now();
        match stop {
            None if interrupted.load(Ordering::Relaxed) => {
                let _ = kill_process_group(group, Signal::INT);
                stop = Some((now + GRACE, false));
            }
            None if now.duration_since(start) >= spec.timeout => {
                let _ = kill_process_group(group, Signal::TERM);
                stop = Some((now + GRACE, true));
            }
            Some((deadline, _)) if now >= deadline => {
                let _ = kill_process_group(group, Signal::KILL);
            }
            _ => {}
        }
        if let Some(progress) =
            progress.as_mut().filter(|_| now.duration_since(last_progress) >= Duration::from_secs(1))
        {
            last_progress = now;
            progress(&Progress { elapsed: now.duration_since(start), events: crate::events::count(spec.event_dir) });
        }
        std::thread::sleep(POLL);
    };
    let leftovers = reap_group(group);
    unregister(handlers);
    Ok(match stop {
        Some((_, true)) => ChildOutcome::TimedOut { after: spec.timeout, phase: "" },
        Some((_, false)) => ChildOutcome::Interrupted { phase: "" },
        None => ended(status, leftovers),
    })
}

fn ended(status: ExitStatus, leftovers: bool) -> ChildOutcome {
    match (status.code(), status.signal()) {
        (Some(code), _) => ChildOutcome::Exited { code, leftovers, clean_exit: true },
        (None, Some(signal)) => ChildOutcome::Signalled { signal, leftovers },
        (None, None) => ChildOutcome::Exited { code: -1, leftovers, clean_exit: false },
    }
}

/// Terminates what is left of the group after its leader ended; returns whether anything was.
fn reap_group(group: Pid) -> bool {
    if test_kill_process_group(group).is_err() {
        return false;
    }
    let _ = kill_process_group(group, Signal::TERM);
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if test_kill_process_group(group).is_err() {
            return true;
        }
        std::thread::sleep(POLL);
    }
    let _ = kill_process_group(group, Signal::KILL);
    true
}

fn unregister(handlers: Vec<signal_hook::SigId>) {
    for id in handlers {
        signal_hook::low_level::unregister(id);
    }
}

/// Fills in, from what the main process's shim wrote, where a stopped child was and whether it exited
/// through `atexit`.
pub(crate) fn name_phase(outcome: &mut ChildOutcome, collected: &Collected) {
    let main = collected.main_pid();
    let phase = match main {
        None => "start-up: the interpreter never ran the shim (not Python, or still starting)",
        Some(pid) if collected.has(pid, "exit") => "shutdown: after `atexit`, while the interpreter finalized",
        Some(_) => "running the command (the shim had loaded; `atexit` was never reached)",
    };
    match outcome {
        ChildOutcome::TimedOut { phase: slot, .. } | ChildOutcome::Interrupted { phase: slot } => *slot = phase,
        ChildOutcome::Exited { clean_exit, .. } => {
            *clean_exit = main.is_none_or(|pid| collected.has(pid, "exit"));
        }
        ChildOutcome::Signalled { .. } => {}
    }
}
