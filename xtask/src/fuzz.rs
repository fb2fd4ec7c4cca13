//! `cargo xtask fuzz --seconds N [--seed S]`: mutation fuzzing of the analyzer on stable Rust.
//!
//! Inputs are real sources (`fixtures/` and the standard library) mutated by a seeded generator: truncated,
//! tokens and lines deleted or duplicated, two files spliced, bytes flipped, and fragments that stress the
//! tokenizer and the nesting guards inserted. Each input goes through `check_bytes` in process, inside
//! `catch_unwind`, timed by the thread's CPU time. A panic is minimised in process (delta debugging by
//! lines, then by bytes) and saved as `fixtures/fuzz/<hash>.py`, which the `fuzz_regressions` test checks
//! forever after.
//!
//! A stack overflow or another abort cannot be caught in process, so the fuzzing runs in a child
//! (`fuzz-worker`) that writes each input to `target/fuzz/current.py` first; when the child dies, the parent
//! minimises that file by running `fuzz-worker --one FILE` on each candidate, saves it, and starts a new
//! child for the time left. Inputs over a second of CPU are saved under `target/fuzz/slow/` and fail the run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{thread_cpu_time, workspace_root};

/// An input slower than this is a bug, as in the sweep.
const SLOW: Duration = Duration::from_secs(1);
/// Wall time past its deadline after which a worker is deemed hung on its current input.
const HANG: Duration = Duration::from_secs(60);
/// Predicate evaluations a minimisation may spend.
const MINIMISE_BUDGET: usize = 3_000;

struct Options {
    seconds: u64,
    seed: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options { seconds: 60, seed: 0 };
    let mut seeded = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            args.next().and_then(|v| v.parse().ok()).ok_or_else(|| format!("fuzz: {name} needs a number"))
        };
        match arg.as_str() {
            "--seconds" => options.seconds = value("--seconds")?,
            "--seed" => {
                options.seed = value("--seed")?;
                seeded = true;
            }
            other => return Err(format!("fuzz: unknown argument `{other}`")),
        }
    }
    if !seeded {
        options.seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs());
    }
    Ok(options)
}

fn work_dir() -> PathBuf {
    workspace_root().join("target").join("fuzz")
}

fn regressions_dir() -> PathBuf {
    workspace_root().join("fixtures").join("fuzz")
}

/// The parent: runs workers until the time is up, and handles the inputs that killed one.
pub(crate) fn fuzz(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let work = work_dir();
    std::fs::create_dir_all(work.join("slow")).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let mut round = 0u64;
    let (mut runs, mut failures, mut slow) = (0u64, Vec::new(), 0u64);
    eprintln!("xtask: fuzzing for {} s with seed {}", options.seconds, options.seed);
    while Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now()).as_secs().max(1);
        let seed = options.seed.wrapping_add(round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        round += 1;
        let log = work.join("worker.out");
        let log_file = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(&exe)
            .args(["fuzz-worker", "--seconds", &left.to_string(), "--seed", &seed.to_string()])
            .stdout(log_file)
            .spawn()
            .map_err(|e| format!("cannot start the fuzz worker: {e}"))?;
        // The worker checks its deadline between inputs; one input that never ends is a hang.
        let watchdog = Instant::now() + Duration::from_secs(left) + HANG;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| format!("lost the fuzz worker: {e}"))? {
                break status;
            }
            if Instant::now() > watchdog {
                let _ = child.kill();
                let _ = child.wait();
                let bytes = std::fs::read(work.join("current.py")).unwrap_or_default();
                let path = work.join("slow").join(format!("{}.py", hash(&bytes)));
                let _ = std::fs::write(&path, &bytes);
                failures.push(format!("hang: an input ran over {HANG:?}, saved as {}", path.display()));
                break std::process::ExitStatus::default();
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let output =
            std::process::Output { status, stdout: std::fs::read(&log).unwrap_or_default(), stderr: Vec::new() };
        let stdout = String::from_utf8_lossy(&output.stdout);
        for line in stdout.lines() {
            if let Some(n) = line.strip_prefix("runs ") {
                runs += n.parse::<u64>().unwrap_or(0);
            } else if let Some(n) = line.strip_prefix("slow ") {
                slow += n.parse::<u64>().unwrap_or(0);
            } else if let Some(path) = line.strip_prefix("saved ") {
                failures.push(format!("panic, minimised into {path}"));
            }
        }
        if !output.status.success() && !failures.iter().any(|f| f.starts_with("hang")) {
            // The worker died on the input it was running: minimise it out of process.
            let current = work.join("current.py");
            let bytes = std::fs::read(&current).map_err(|e| format!("the worker died and left no input: {e}"))?;
            eprintln!("xtask: the worker died ({}) on a {}-byte input; minimising", output.status, bytes.len());
            let crashes = |candidate: &[u8]| {
                let probe = work.join("probe.py");
                std::fs::write(&probe, candidate).is_ok()
                    && !Command::new(&exe)
                        .arg("fuzz-worker")
                        .arg("--one")
                        .arg(&probe)
                        .output()
                        .is_ok_and(|o| o.status.success())
            };
            let minimal = minimise(&bytes, crashes);
            let saved = save(&minimal)?;
            failures.push(format!("crash ({}), minimised into {}", output.status, saved.display()));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "xtask: fuzz: {runs} inputs in {elapsed:.1} s ({:.0}/s), seed {}, {} failures, {slow} slow inputs",
        runs as f64 / elapsed.max(1e-9),
        options.seed,
        failures.len()
    );
    if !failures.is_empty() || slow > 0 {
        let mut message = failures.join("\n  ");
        if slow > 0 {
            message.push_str(&format!("\n  {slow} inputs over {SLOW:?}, saved in {}", work.join("slow").display()));
        }
        return Err(format!("fuzz found problems:\n  {message}"));
    }
    Ok(())
}

/// `fuzz-worker --seconds N --seed S` or `fuzz-worker --one FILE` (exit 1 if the file panics).
pub(crate) fn worker(args: &[String]) -> Result<(), String> {
    // Panics are expected findings here, not noise on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    if args.first().map(String::as_str) == Some("--one") {
        let path = args.get(1).ok_or("fuzz-worker --one needs a file")?;
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        return if panics(&bytes) { Err("panicked".to_owned()) } else { Ok(()) };
    }
    let options = parse(args)?;
    let corpus = Corpus::load()?;
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let current = work_dir().join("current.py");
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let (mut runs, mut slow) = (0u64, 0u64);
    while Instant::now() < deadline {
        let input = corpus.mutant(&mut rng);
        // Written before the run: if this process dies, the parent knows what killed it.
        std::fs::write(&current, &input).map_err(|e| format!("cannot write {}: {e}", current.display()))?;
        let (panicked, took) = run_one(&input);
        runs += 1;
        if panicked {
            let minimal = minimise(&input, panics);
            let saved = save(&minimal)?;
            println!("saved {}", saved.display());
        } else if took > SLOW {
            slow += 1;
            let path = work_dir().join("slow").join(format!("{}.py", hash(&input)));
            let _ = std::fs::write(&path, &input);
            eprintln!("xtask: slow input ({took:?}): {}", path.display());
        }
    }
    println!("runs {runs}");
    println!("slow {slow}");
    Ok(())
}

/// Whether checking `bytes` panics.
fn panics(bytes: &[u8]) -> bool {
    run_one(bytes).0
}

/// Checks `bytes` on a thread with the workers' stack size, as `check_paths` would: whether it panicked,
/// and the CPU time that thread spent.
fn run_one(bytes: &[u8]) -> (bool, Duration) {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .stack_size(pydevcheck_analyzer::WORKER_STACK_SIZE)
            .spawn_scoped(scope, || {
                let start = thread_cpu_time();
                let result = std::panic::catch_unwind(|| {
                    drop(pydevcheck_analyzer::check_bytes(Path::new("fuzz.py"), bytes));
                });
                (result.is_err(), thread_cpu_time().saturating_sub(start))
            })
            .expect("spawn a fuzz thread");
        thread.join().unwrap_or((true, Duration::ZERO))
    })
}

/// The sources mutations start from.
struct Corpus {
    files: Vec<Vec<u8>>,
}

impl Corpus {
    fn load() -> Result<Corpus, String> {
        let mut paths = Vec::new();
        collect(&workspace_root().join("fixtures"), &mut paths);
        let python = std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        if let Ok(output) =
            Command::new(python).args(["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]).output()
        {
            let stdlib = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            // The stdlib's own top level and its tests (which include deliberately broken files); not
            // site-packages, so that a seed means the same inputs on every machine with the same Python.
            if let Ok(entries) = std::fs::read_dir(&stdlib) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "py") {
                        paths.push(path);
                    }
                }
            }
            collect(&stdlib.join("test"), &mut paths);
        }
        paths.sort();
        // Big files make slow inputs without finding more; keep what a fuzzer can churn through.
        let files: Vec<Vec<u8>> =
            paths.iter().filter_map(|p| std::fs::read(p).ok()).filter(|b| !b.is_empty() && b.len() < 200_000).collect();
        if files.is_empty() {
            return Err("no source to mutate".to_owned());
        }
        Ok(Corpus { files })
    }

    fn pick<'a>(&'a self, rng: &mut fastrand::Rng) -> &'a [u8] {
        &self.files[rng.usize(..self.files.len())]
    }

    fn mutant(&self, rng: &mut fastrand::Rng) -> Vec<u8> {
        let mut input = self.pick(rng).to_vec();
        for _ in 0..rng.usize(1..=4) {
            mutate(&mut input, self, rng);
        }
        input
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, out),
            Ok(kind) if kind.is_file() && path.extension().is_some_and(|e| e == "py") => out.push(path),
            _ => {}
        }
    }
}

/// Fragments that stress the tokenizer, the f-string scanner and the nesting guards.
const FRAGMENTS: &[&[u8]] = &[
    b"(",
    b")",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\"\"\"",
    b"'''",
    b"f\"{",
    b"f'{x:{",
    b"}\"",
    b"\\",
    b"\\\r\n",
    b"\r",
    b"\n",
    b"\t",
    b"\x0c",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"# -*- coding: latin-1 -*-\n",
    b"# coding: utf-16\n",
    b"lambda: ",
    b" if x else ",
    b"not ",
    b"await ",
    b"-",
    b"**",
    b".a",
    b"()",
    b"    ",
    b"\n    ",
    b"\n        ",
    b"async ",
    b"match x:\n case ",
    b"elif x:\n",
    b"try:\n",
    b"finally:\n",
    b"with open(p) as f:\n",
    b"open(p)",
    b"os.close(f.fileno())",
    b"yield ",
    b":=",
    b"\xf0\x9d\x94\x98",
    b"# noqa: PDC101",
    b"global x\n",
];

fn mutate(input: &mut Vec<u8>, corpus: &Corpus, rng: &mut fastrand::Rng) {
    let len = input.len();
    let at = |rng: &mut fastrand::Rng| if len == 0 { 0 } else { rng.usize(..=len) };
    match rng.u8(0..9) {
        // Truncate.
        0 => input.truncate(at(rng)),
        // Delete a run of lines.
        1 => {
            let (start, end) = line_range(input, rng);
            input.drain(start..end);
        }
        // Duplicate a run of lines.
        2 => {
            let (start, end) = line_range(input, rng);
            let copy = input[start..end].to_vec();
            let count = if rng.u8(0..8) == 0 { rng.usize(2..200) } else { 1 };
            for _ in 0..count {
                input.splice(end..end, copy.iter().copied());
            }
        }
        // Delete or duplicate a token (a run of non-space bytes).
        3 | 4 => {
            let (start, end) = token_range(input, rng);
            if rng.bool() {
                input.drain(start..end);
            } else {
                let copy = input[start..end].to_vec();
                input.splice(end..end, copy);
            }
        }
        // Splice two files at line boundaries.
        5 => {
            let other = corpus.pick(rng);
            let cut = line_start(input, at(rng));
            let from = line_start(other, if other.is_empty() { 0 } else { rng.usize(..=other.len()) });
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        // Flip bits.
        6 => {
            for _ in 0..rng.usize(1..8) {
                if !input.is_empty() {
                    let i = rng.usize(..input.len());
                    input[i] ^= 1 << rng.u8(0..8);
                }
            }
        }
        // Insert a fragment, sometimes many times.
        _ => {
            let fragment = FRAGMENTS[rng.usize(..FRAGMENTS.len())];
            let count = if rng.u8(0..6) == 0 { rng.usize(2..3000) } else { 1 };
            let i = at(rng);
            let inserted: Vec<u8> = fragment.iter().copied().cycle().take(fragment.len() * count).collect();
            input.splice(i..i, inserted);
        }
    }
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn line_range(bytes: &[u8], rng: &mut fastrand::Rng) -> (usize, usize) {
    if bytes.is_empty() {
        return (0, 0);
    }
    let start = line_start(bytes, rng.usize(..=bytes.len()));
    let mut end = start;
    for _ in 0..rng.usize(1..6) {
        end = bytes[end..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| end + i + 1);
    }
    (start, end)
}

fn token_range(bytes: &[u8], rng: &mut fastrand::Rng) -> (usize, usize) {
    if bytes.is_empty() {
        return (0, 0);
    }
    let mut start = rng.usize(..bytes.len());
    while start > 0 && !bytes[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    let end = bytes[start..].iter().position(u8::is_ascii_whitespace).map_or(bytes.len(), |i| start + i.max(1));
    (start, end)
}

/// Delta debugging: drop chunks of lines, then of bytes, halving the chunk size, while `fails` holds.
fn minimise(input: &[u8], mut fails: impl FnMut(&[u8]) -> bool) -> Vec<u8> {
    let mut budget = MINIMISE_BUDGET;
    let mut lines: Vec<Vec<u8>> = input.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    reduce(&mut lines, &mut budget, &mut |units: &[Vec<u8>]| fails(&units.concat()));
    let mut bytes: Vec<Vec<u8>> = lines.concat().into_iter().map(|b| vec![b]).collect();
    reduce(&mut bytes, &mut budget, &mut |units: &[Vec<u8>]| fails(&units.concat()));
    bytes.concat()
}

fn reduce(units: &mut Vec<Vec<u8>>, budget: &mut usize, fails: &mut dyn FnMut(&[Vec<u8>]) -> bool) {
    let mut chunk = units.len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        while i < units.len() && *budget > 0 {
            let end = (i + chunk).min(units.len());
            let candidate: Vec<Vec<u8>> = units[..i].iter().chain(&units[end..]).cloned().collect();
            *budget -= 1;
            if fails(&candidate) {
                *units = candidate;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 || *budget == 0 {
            return;
        }
        chunk = chunk.div_ceil(2);
    }
}

fn save(bytes: &[u8]) -> Result<PathBuf, String> {
    let dir = regressions_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.py", hash(bytes)));
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// 64-bit FNV-1a, hex: stable names for saved inputs.
fn hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimising_keeps_what_fails_and_drops_the_rest() {
        let input = b"import os\ndef f():\n    x = (1 +\n    BOOM)\n    return x\nprint(1)\n";
        let minimal = minimise(input, |candidate| candidate.windows(4).any(|w| w == b"BOOM"));
        assert_eq!(minimal, b"BOOM");
    }

    #[test]
    fn mutants_are_deterministic_per_seed() {
        let corpus = Corpus { files: vec![b"def f(p):\n    return open(p)\n".to_vec(), b"x = [1, 2]\n".to_vec()] };
        let run = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..50).map(|_| corpus.mutant(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
