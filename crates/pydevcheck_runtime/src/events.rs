//! Decoding the shim's event files: `events-PID-N.jsonl` (one JSON object per line) and `fault-PID.txt`
//! (faulthandler's output) in the event directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A project frame as the shim writes it: `[path, line, function]`.
pub(crate) type RawFrame = (PathBuf, u32, String);

/// One line of an event file. Unknown kinds and fields are ignored, so an older runner reads a newer shim.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Event {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) pid: u32,
    /// `start` and `fork` events: the parent process.
    #[serde(default)]
    pub(crate) ppid: u32,
    #[serde(default)]
    pub(crate) text: String,
    #[serde(default)]
    pub(crate) stack: Vec<RawFrame>,
    /// For a `ResourceWarning` whose object had its fd closed by project code: where that happened.
    #[serde(default)]
    pub(crate) closed_behind: Option<Vec<RawFrame>>,
    /// `DeprecationWarning` and friends.
    #[serde(default)]
    pub(crate) category: Option<String>,
    /// `reached` events: the flagged line that ran.
    #[serde(default)]
    pub(crate) file: Option<PathBuf>,
    #[serde(default)]
    pub(crate) line: Option<u32>,
}

/// A non-empty faulthandler file: a process died of a fatal error.
#[derive(Debug, Clone)]
pub(crate) struct Fault {
    pub(crate) pid: u32,
    pub(crate) text: String,
}

/// Everything the processes of a run wrote.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) events: Vec<Event>,
    pub(crate) faults: Vec<Fault>,
    pub(crate) malformed: usize,
}

impl Collected {
    /// The pid of the first Python process of the run: started by us, else by no other shim process
    /// (the command was a shell or another launcher).
    pub(crate) fn main_pid(&self) -> Option<u32> {
        let starts: Vec<&Event> = self.events.iter().filter(|e| e.kind == "start").collect();
        let ours = std::process::id();
        if let Some(event) = starts.iter().find(|e| e.ppid == ours) {
            return Some(event.pid);
        }
        let pids: Vec<u32> =
            self.events.iter().filter(|e| e.kind == "start" || e.kind == "fork").map(|e| e.pid).collect();
        starts.iter().find(|e| !pids.contains(&e.ppid)).map(|e| e.pid)
    }

    /// Whether process `pid` wrote an event of `kind`.
    pub(crate) fn has(&self, pid: u32, kind: &str) -> bool {
        self.events.iter().any(|e| e.pid == pid && e.kind == kind)
    }
}

/// Reads every event file in `dir`, oldest process first. Unreadable files and undecodable lines are
/// counted, not fatal: a process killed mid-write leaves half a line.
pub(crate) fn collect(dir: &Path) -> Collected {
    let mut collected = Collected::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return collected;
    };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    for path in names {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with("events-") && name.ends_with(".jsonl") {
            let Ok(text) = std::fs::read_to_string(&path) else {
                collected.malformed += 1;
                continue;
            };
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                match serde_json::from_str::<Event>(line) {
                    Ok(event) => collected.events.push(event),
                    Err(_) => collected.malformed += 1,
                }
            }
        } else if let Some(pid) = name.strip_prefix("fault-").and_then(|n| n.strip_suffix(".txt")) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !text.trim().is_empty() {
                collected.faults.push(Fault { pid: pid.parse().unwrap_or(0), text });
            }
        }
    }
    collected
}

/// Counts event lines so far, for the progress line.
pub(crate) fn count(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with("events-")))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .map(|bytes| bytes.iter().filter(|&&b| b == b'\n').count())
        .sum()
}
