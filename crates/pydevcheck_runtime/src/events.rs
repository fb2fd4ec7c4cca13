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
    /// The run's nonce (`PYDEVCHECK_RUN_TOKEN`): an event without it was not written by this run's shim.
    #[serde(default)]
    pub(crate) run: String,
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
    /// Events without this run's token: written by something other than the shim of this run.
    pub(crate) foreign: usize,
    /// Events not kept because of [`Limits`]: past the byte cap of a file or the count cap of the run.
    pub(crate) dropped: usize,
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

/// What one run's event files may cost. The shim stops at 20,000 events per process, but a child that
/// forks a thousand processes, or writes into the directory itself, must not exhaust our memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Bytes read from one event file; the rest is counted as dropped lines.
    pub(crate) file_bytes: u64,
    /// Event files read; more are counted as dropped.
    pub(crate) files: usize,
    /// Events kept from one file (the shim writes at most 20,000 per process), so that one flooding
    /// process cannot crowd out the others.
    pub(crate) file_events: usize,
    /// Warnings and other reports kept in all; later ones are counted as dropped. The events that say a
    /// process started, forked, ran a flagged line or exited have a cap of their own, the same size.
    pub(crate) events: usize,
    /// Bytes of one event line; a longer line is malformed.
    pub(crate) line_bytes: usize,
    /// Bytes read from one faulthandler file.
    pub(crate) fault_bytes: u64,
}

impl Limits {
    pub(crate) const DEFAULT: Limits = Limits {
        file_bytes: 64 << 20,
        files: 10_000,
        file_events: 25_000,
        events: 200_000,
        line_bytes: 256 << 10,
        fault_bytes: 1 << 20,
    };
}

/// Text fields are cut to this many characters and stacks to this many frames once read: what the shim
/// writes is far shorter, anything longer came from elsewhere.
const MAX_TEXT: usize = 8_000;
const MAX_FRAMES: usize = 64;

/// Reads every event file in `dir`, oldest process first, keeping only the events that carry `token` (the
/// run's nonce, which the shim copies into each one). Unreadable files and undecodable lines are counted,
/// not fatal: a process killed mid-write leaves half a line. Files are opened without following symbolic
/// links, and must be regular files: nothing planted in the directory can make us read elsewhere or block.
pub(crate) fn collect(dir: &Path, token: &str, limits: Limits) -> Collected {
    let mut collected = Collected::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return collected;
    };
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    let (mut files, mut reports, mut lifecycle) = (0usize, 0usize, 0usize);
    for path in names {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with("events-") && name.ends_with(".jsonl") {
            files += 1;
            if files > limits.files {
                collected.dropped += 1;
                continue;
            }
            let mut kept_here = 0;
            let Some(bytes) = read_capped(&path, limits.file_bytes) else {
                collected.malformed += 1;
                continue;
            };
            let (bytes, cut) = bytes;
            if cut {
                // The rest of the file is not read; count it as one dropped block.
                collected.dropped += 1;
            }
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)) {
                if line.len() > limits.line_bytes {
                    collected.malformed += 1;
                    continue;
                }
                let Ok(mut event) = serde_json::from_slice::<Event>(line) else {
                    collected.malformed += 1;
                    continue;
                };
                if event.run != token {
                    collected.foreign += 1;
                    continue;
                }
                let is_lifecycle = matches!(event.kind.as_str(), "start" | "fork" | "exit" | "reached" | "truncated");
                let total = if is_lifecycle { &mut lifecycle } else { &mut reports };
                if kept_here >= limits.file_events || *total >= limits.events {
                    collected.dropped += 1;
                    continue;
                }
                *total += 1;
                kept_here += 1;
                event.clamp();
                collected.events.push(event);
            }
        } else if let Some(pid) = name.strip_prefix("fault-").and_then(|n| n.strip_suffix(".txt")) {
            let text = read_capped(&path, limits.fault_bytes)
                .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            if !text.trim().is_empty() {
                collected.faults.push(Fault { pid: pid.parse().unwrap_or(0), text });
            }
        }
    }
    collected
}

impl Event {
    /// Cuts what the shim never writes that long.
    fn clamp(&mut self) {
        if self.text.chars().count() > MAX_TEXT {
            self.text = self.text.chars().take(MAX_TEXT).collect::<String>() + "...";
        }
        self.stack.truncate(MAX_FRAMES);
        if let Some(stack) = &mut self.closed_behind {
            stack.truncate(MAX_FRAMES);
        }
        // A warning category is a class name; anything else is shown as a plain warning.
        if let Some(category) = &self.category {
            let name_like = !category.is_empty()
                && category.len() <= 100
                && category.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.');
            if !name_like {
                self.category = Some("Warning".to_owned());
            }
        }
    }
}

/// At most `cap` bytes of a regular file, opened without following a symbolic link (nor blocking on a
/// FIFO), and whether the file was longer.
fn read_capped(path: &Path, cap: u64) -> Option<(Vec<u8>, bool)> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32 | rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .ok()?;
    let metadata = file.metadata().ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes).ok()?;
    Some((bytes, metadata.len() > cap))
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

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn line(run: &str, text: &str) -> String {
        format!(
            "{{\"kind\": \"warning\", \"pid\": 7, \"run\": \"{run}\", \"text\": \"{text}\", \"category\": \"W\"}}\n"
        )
    }

    fn limits() -> Limits {
        Limits { file_bytes: 10_000, files: 100, file_events: 1_000, events: 50, line_bytes: 1_000, fault_bytes: 100 }
    }

    #[test]
    fn events_without_the_token_are_foreign() {
        let dir = tempfile::tempdir().unwrap();
        let text = [line(TOKEN, "ours"), line("someone else", "theirs"), line("", "none")].concat();
        std::fs::write(dir.path().join("events-7-0.jsonl"), text).unwrap();
        let collected = collect(dir.path(), TOKEN, limits());
        assert_eq!(collected.events.len(), 1);
        assert_eq!(collected.events[0].text, "ours");
        assert_eq!(collected.foreign, 2);
    }

    #[test]
    fn sizes_and_counts_are_capped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        // 60 events in one file (past the count cap), a file past the byte cap, one overlong line.
        std::fs::write(dir.path().join("events-1-0.jsonl"), line(TOKEN, "x").repeat(60)).unwrap();
        std::fs::write(dir.path().join("events-2-0.jsonl"), line(TOKEN, "y").repeat(1_000)).unwrap();
        std::fs::write(dir.path().join("events-3-0.jsonl"), line(TOKEN, &"z".repeat(2_000))).unwrap();
        std::fs::write(dir.path().join("fault-9.txt"), "F".repeat(1_000)).unwrap();
        let collected = collect(dir.path(), TOKEN, limits());
        assert_eq!(collected.events.len(), 50);
        // 10 past the count cap in file 1, the rest of file 2 is not read (1 block) and what was read of it
        // is past the count cap too.
        assert!(collected.dropped > 10, "{}", collected.dropped);
        assert_eq!(collected.malformed, 2, "the overlong line, and the line the byte cap cut in half");
        assert_eq!(collected.faults[0].text.len(), 100);
    }

    #[test]
    fn one_flooding_process_does_not_crowd_out_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits { file_events: 30, file_bytes: 1 << 20, ..limits() };
        std::fs::write(dir.path().join("events-1-0.jsonl"), line(TOKEN, "flood").repeat(100)).unwrap();
        let start = format!("{{\"kind\": \"start\", \"pid\": 9, \"run\": \"{TOKEN}\"}}\n");
        std::fs::write(dir.path().join("events-9-0.jsonl"), start + &line(TOKEN, "real")).unwrap();
        let collected = collect(dir.path(), TOKEN, limits);
        assert_eq!(collected.events.iter().filter(|e| e.text == "flood").count(), 30);
        assert!(collected.events.iter().any(|e| e.kind == "start" && e.pid == 9));
        assert!(collected.events.iter().any(|e| e.text == "real"));
        assert_eq!(collected.dropped, 70);
    }

    #[cfg(unix)]
    #[test]
    fn links_and_fifos_planted_in_the_directory_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(elsewhere.path(), line(TOKEN, "planted")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("events-1-0.jsonl")).unwrap();
        let fifo = dir.path().join("events-2-0.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()));
        // A blocking open of the FIFO would hang here.
        let collected = collect(dir.path(), TOKEN, limits());
        assert!(collected.events.is_empty());
        assert_eq!(collected.malformed, 2);
    }

    #[test]
    fn text_and_categories_from_elsewhere_are_clamped() {
        let dir = tempfile::tempdir().unwrap();
        let long = "t".repeat(MAX_TEXT + 10);
        let text = format!(
            "{{\"kind\": \"warning\", \"run\": \"{TOKEN}\", \"text\": \"{long}\", \"category\": \"\\u001b[31mBad\"}}\n"
        );
        std::fs::write(dir.path().join("events-1-0.jsonl"), text).unwrap();
        let collected = collect(dir.path(), TOKEN, Limits::DEFAULT);
        assert_eq!(collected.events[0].text.chars().count(), MAX_TEXT + 3);
        assert_eq!(collected.events[0].category.as_deref(), Some("Warning"));
    }
}
