//! `cargo xtask sweep`: `pydevcheck check` over every `.py` and `.pyi` file of the machine's Python
//! installation (standard library with its deliberately broken test data, and site-packages) and of the
//! benchmark corpus when `cargo xtask corpus` made it.
//!
//! It fails on a panic, a crash, an exit status other than 0 or 1 that no I/O error explains, and on any file
//! not accounted for: the files on disk (our own walk) must be exactly what `--show-files` lists, and the
//! run's "N files checked" plus the files it reported errors for must be all of them. A second phase times
//! every file on its own, in process and in a release build, and fails if one takes over a second of CPU.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{release_binary, thread_cpu_time, workspace_root};

/// A file slower than this is a bug to fix (DESIGN.md section 7: cost grows linearly with lines of code).
const SLOW: Duration = Duration::from_secs(1);

pub(crate) fn sweep(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("sweep: unknown argument `{other}`"));
    }
    let root = workspace_root();
    let binary = release_binary(&root)?;
    let mut roots = python_roots()?;
    let corpus = root.join("target").join("corpus").join("large");
    if corpus.is_dir() {
        roots.push(corpus);
    } else {
        eprintln!("xtask: {} is absent (`cargo xtask corpus` makes it): sweeping Python only", corpus.display());
    }
    let mut failures = Vec::new();
    for root in &roots {
        eprintln!("xtask: sweeping {}", root.display());
        failures.extend(sweep_root(&binary, root)?);
    }
    let timings = time_files(&roots);
    if !failures.is_empty() {
        return Err(format!("sweep failed:\n  {}", failures.join("\n  ")));
    }
    timings
}

/// The installation's library directories, without the ones inside another.
fn python_roots() -> Result<Vec<PathBuf>, String> {
    let python = std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = "import sysconfig\nfor key in ('stdlib', 'platstdlib', 'purelib', 'platlib'):\n    print(sysconfig.get_paths()[key])";
    let output =
        Command::new(&python).args(["-c", script]).output().map_err(|error| format!("cannot run {python}: {error}"))?;
    let mut paths: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|path| path.is_dir())
        .filter_map(|path| path.canonicalize().ok())
        .collect();
    paths.sort();
    paths.dedup();
    let nested: Vec<PathBuf> =
        paths.iter().filter(|p| paths.iter().any(|q| q != *p && p.starts_with(q))).cloned().collect();
    paths.retain(|path| !nested.contains(path));
    if paths.is_empty() {
        return Err(format!("{python} reported no library directory"));
    }
    Ok(paths)
}

/// Every regular `.py`/`.pyi` file below `dir`, symbolic links not followed (as `pydevcheck` walks).
fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            python_files(&path, out);
        } else if kind.is_file() && matches!(path.extension().and_then(|e| e.to_str()), Some("py" | "pyi")) {
            out.push(path);
        }
    }
}

fn sweep_root(binary: &Path, root: &Path) -> Result<Vec<String>, String> {
    let mut failures = Vec::new();
    let mut on_disk = Vec::new();
    python_files(root, &mut on_disk);
    let on_disk: BTreeSet<OsString> = on_disk.into_iter().map(PathBuf::into_os_string).collect();
    let flags = ["--isolated", "--no-default-excludes", "--no-respect-gitignore"];

    let listed = Command::new(binary)
        .args(["check", "--show-files"])
        .args(flags)
        .arg(root)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let listed: BTreeSet<OsString> = split_lines(&listed.stdout).into_iter().collect();
    if listed != on_disk {
        let missing: Vec<_> = on_disk.difference(&listed).take(5).collect();
        let extra: Vec<_> = listed.difference(&on_disk).take(5).collect();
        failures.push(format!(
            "{}: --show-files differs from the disk: missing {missing:?}, extra {extra:?}",
            root.display()
        ));
    }

    let report = tempfile_path("sweep-report.jsonl");
    let started = std::time::Instant::now();
    let output = Command::new(binary)
        .args(["check", "--output-format", "json-lines", "--output-file"])
        .arg(&report)
        .args(flags)
        .arg(root)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let findings = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    for (i, line) in findings.lines().enumerate() {
        if serde_json::from_str::<serde_json::Value>(line).is_err() {
            failures.push(format!("{}: report line {} is not JSON", root.display(), i + 1));
        }
    }
    let code = output.status.code();
    if stderr.contains("panicked") || stderr.contains("internal error") {
        failures.push(format!("{}: pydevcheck panicked:\n{stderr}", root.display()));
    }
    let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    match code {
        Some(0 | 1) => {}
        Some(2) if !errors.is_empty() => {}
        other => failures.push(format!("{}: exit status {other:?}:\n{stderr}", root.display())),
    }
    let checked = stderr
        .lines()
        .find_map(|line| line.rsplit_once(" (")?.1.strip_suffix(" files checked)")?.parse::<usize>().ok())
        .unwrap_or(0);
    let errored = on_disk.iter().filter(|file| errors.iter().any(|e| e.contains(&*file.to_string_lossy()))).count();
    if checked + errored != on_disk.len() {
        failures.push(format!(
            "{}: {} files on disk, {checked} checked and {errored} with an error",
            root.display(),
            on_disk.len()
        ));
    }
    eprintln!(
        "xtask: {}: {} files on disk, {checked} checked, {errored} I/O errors, {} findings, exit {code:?}, \
         {:.1} s wall, panics: {}",
        root.display(),
        on_disk.len(),
        findings.lines().count(),
        wall.as_secs_f64(),
        usize::from(stderr.contains("panicked"))
    );
    for error in errors {
        eprintln!("xtask:   {error}");
    }
    Ok(failures)
}

fn split_lines(bytes: &[u8]) -> Vec<OsString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| std::ffi::OsStr::from_bytes(l).into()).collect()
    }
    #[cfg(not(unix))]
    {
        String::from_utf8_lossy(bytes).lines().map(OsString::from).collect()
    }
}

fn tempfile_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pydevcheck-{}-{name}", std::process::id()))
}

/// Times `check_bytes` on every file, on two threads, by the thread's CPU time; reports the slowest.
fn time_files(roots: &[PathBuf]) -> Result<(), String> {
    let mut files = Vec::new();
    for root in roots {
        python_files(root, &mut files);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut timings: Vec<(Duration, PathBuf)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(pydevcheck_analyzer::WORKER_STACK_SIZE)
                    .spawn_scoped(scope, || {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(path) = files.get(i) else {
                                return out;
                            };
                            let Ok(bytes) = std::fs::read(path) else {
                                continue;
                            };
                            let start = thread_cpu_time();
                            let report = pydevcheck_analyzer::check_bytes(path, &bytes);
                            out.push((thread_cpu_time().saturating_sub(start), path.clone()));
                            drop(report);
                        }
                    })
                    .expect("spawn a timing thread")
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().expect("timing thread")).collect()
    });
    timings.sort_by_key(|(time, _)| std::cmp::Reverse(*time));
    let total: Duration = timings.iter().map(|(time, _)| *time).sum();
    eprintln!(
        "xtask: {} files timed one by one, {:.1} s of CPU in all; the slowest:",
        timings.len(),
        total.as_secs_f64()
    );
    for (time, path) in timings.iter().take(10) {
        eprintln!("xtask:   {:>8.1} ms  {}", time.as_secs_f64() * 1000.0, path.display());
    }
    let slow: Vec<String> = timings
        .iter()
        .filter(|(time, _)| *time > SLOW)
        .map(|(time, path)| format!("{} ({time:?})", path.display()))
        .collect();
    if slow.is_empty() {
        Ok(())
    } else {
        Err(format!("files over {SLOW:?}: {}", slow.join(", ")))
    }
}
