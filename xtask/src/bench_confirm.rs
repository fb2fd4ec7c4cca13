//! `cargo xtask bench-confirm [--runs N]`: what `pydevcheck confirm` costs on top of the same pytest run
//! under plain `python -X dev`, and how many runtime `ResourceWarning`s it attributes to a project line.
//!
//! Two suites: the demo project, and a generated one (50 modules, 500 tests; a third of the functions leak
//! a file inline, a third through a call by name, a third are clean). Runs alternate plain/confirm so that
//! drift in machine load hits every side alike; the medians and their ratio are printed, for `confirm`
//! and for `confirm --no-line-tracing` (which before 3.12 skips marking the flagged lines; the same on
//! Python 3.12+, where `sys.monitoring` sees them). DESIGN.md's targets: overhead at most 1.25x, attribution at least 95 %.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};

const MODULES: usize = 50;
const TESTS_PER_MODULE: usize = 10;

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let runs = match args {
        [] => 5,
        [flag, n] if flag == "--runs" => n.parse::<usize>().map_err(|e| format!("--runs {n}: {e}"))?.max(1),
        _ => return Err("usage: cargo xtask bench-confirm [--runs N]".to_string()),
    };
    let root = crate::workspace_root();
    let python = python_with_pytest(&root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo).current_dir(&root).args(["build", "--release", "-q", "-p", "pydevcheck"]).status();
    if !built.is_ok_and(|s| s.success()) {
        return Err("cannot build the release binary".to_string());
    }
    // `cargo build` honours CARGO_TARGET_DIR (relative to the workspace root), so look where it built.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir));
    let binary = target.join("release").join("pydevcheck");
    let generated = root.join("target/bench-confirm/suite");
    generate_suite(&generated)?;

    println!(
        "suite      tests  plain -X dev wall (cpu)  confirm wall (cpu)  overhead wall (cpu)  \
         --no-line-tracing wall (cpu)  overhead wall (cpu)  ResourceWarnings attributed"
    );
    for (name, dir, tests) in
        [("demo", root.join("fixtures/projects/demo"), 0), ("generated", generated, MODULES * TESTS_PER_MODULE)]
    {
        let mut plain = Vec::new();
        let mut confirm = Vec::new();
        let mut untraced = Vec::new();
        let mut attribution = (0, 0);
        for _ in 0..runs {
            plain.push(time(
                Command::new(&python)
                    .args(["-X", "dev", "-m", "pytest", "-q", "-p", "no:cacheprovider"])
                    .arg(&dir)
                    .current_dir(&root)
                    .stdout(Stdio::null()),
            )?);
            for (flags, times) in [(&[][..], &mut confirm), (&["--no-line-tracing"][..], &mut untraced)] {
                let log = root.join("target/bench-confirm/confirm.json");
                let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
                let mut command = Command::new(&binary);
                command
                    .args(["confirm", "--quiet", "--output-format", "json"])
                    .args(flags)
                    .arg(&dir)
                    .arg("--")
                    .arg(&python)
                    .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
                    .arg(&dir)
                    .current_dir(&root)
                    .stdout(out);
                times.push(time(&mut command)?);
                attribution = attributed(&log)?;
                remove_child_log(&log);
            }
        }
        let (p, c, u) = (median(&plain), median(&confirm), median(&untraced));
        let share = if attribution.1 == 0 { 100.0 } else { 100.0 * attribution.0 as f64 / attribution.1 as f64 };
        let tests = if tests == 0 { "demo".to_string() } else { tests.to_string() };
        let secs = |t: Times| format!("{:.3} s ({:.3} s)", t.wall.as_secs_f64(), t.cpu.as_secs_f64());
        let ratio = |t: Times| {
            format!(
                "{:.2}x ({:.2}x)",
                t.wall.as_secs_f64() / p.wall.as_secs_f64(),
                t.cpu.as_secs_f64() / p.cpu.as_secs_f64()
            )
        };
        println!(
            "{name:<10} {tests:>5}  {:>23}  {:>18}  {:>19}  {:>28}  {:>19}  {}/{} ({share:.1} %)",
            secs(p),
            secs(c),
            ratio(c),
            secs(u),
            ratio(u),
            attribution.0,
            attribution.1
        );
    }
    println!("({runs} alternating runs each; whole-process wall time; {})", python.display());
    Ok(())
}

fn python_with_pytest(root: &Path) -> Result<PathBuf, String> {
    let candidates =
        [std::env::var_os("PYDEVCHECK_PYTHON").map(PathBuf::from), Some(root.join("target/xtask-venv/bin/python"))];
    for python in candidates.into_iter().flatten() {
        if Command::new(&python).args(["-c", "import pytest"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
        {
            return Ok(python);
        }
    }
    Err("no Python with pytest: run `cargo xtask test` once, or set PYDEVCHECK_PYTHON".to_string())
}

/// Wall time, and the user+system CPU time of the whole process tree (every process of it is waited for).
#[derive(Clone, Copy)]
struct Times {
    wall: Duration,
    cpu: Duration,
}

/// Runs a command with its output discarded (unless redirected already) and returns its times. The CPU
/// time comes from `getrusage(RUSAGE_CHILDREN)` before and after: on a machine shared with other work it
/// moves far less than the wall time.
fn time(command: &mut Command) -> Result<Times, String> {
    let cpu = || -> Result<Duration, String> {
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| format!("getrusage: {e}"))?;
        let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
        Ok(Duration::from_micros(micros(usage.user_time()) + micros(usage.system_time())))
    };
    let cpu_before = cpu()?;
    let start = Instant::now();
    let output = command.stdin(Stdio::null()).stderr(Stdio::piped()).output().map_err(|e| e.to_string())?;
    let wall = start.elapsed();
    // pytest exits 0; confirm exits 1 when it confirms a leak, which every suite here has.
    if output.status.code().is_none_or(|code| code > 1) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("{command:?} failed: {}\n{}", output.status, tail.join("\n")));
    }
    Ok(Times { wall, cpu: cpu()?.saturating_sub(cpu_before) })
}

/// Medians of the wall and of the CPU times, each on its own.
fn median(times: &[Times]) -> Times {
    let middle = |mut values: Vec<Duration>| {
        values.sort();
        values[values.len() / 2]
    };
    Times { wall: middle(times.iter().map(|t| t.wall).collect()), cpu: middle(times.iter().map(|t| t.cpu).collect()) }
}

/// (attributed, total) ResourceWarnings from a confirm JSON report, read without a JSON dependency.
fn attributed(report: &Path) -> Result<(u64, u64), String> {
    let text = std::fs::read_to_string(report).map_err(|e| e.to_string())?;
    let field = |name: &str| -> Result<u64, String> {
        let key = format!("\"{name}\": ");
        let start = text.find(&key).ok_or_else(|| format!("no `{name}` in {}", report.display()))? + key.len();
        let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().map_err(|e| format!("`{name}`: {e}"))
    };
    Ok((field("resource_warnings_attributed")?, field("resource_warnings")?))
}

/// Removes the `--quiet` log that a confirm JSON report names, so that runs do not pile them up.
fn remove_child_log(report: &Path) {
    let Ok(text) = std::fs::read_to_string(report) else {
        return;
    };
    let Some(start) = text.find("\"log\": \"").map(|i| i + "\"log\": \"".len()) else {
        return;
    };
    if let Some(end) = text[start..].find('"') {
        let _ = std::fs::remove_file(&text[start..start + end]);
    }
}

/// Writes the generated suite (idempotent: the same files every time).
fn generate_suite(dir: &Path) -> Result<(), String> {
    let write = |path: PathBuf, text: String| -> Result<(), String> {
        std::fs::create_dir_all(path.parent().expect("a file in the suite")).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(
        dir.join("pyproject.toml"),
        "[tool.pytest.ini_options]\npythonpath = [\".\"]\ntestpaths = [\"tests\"]\n".into(),
    )?;
    write(dir.join("benchpkg/__init__.py"), String::new())?;
    write(
        dir.join("tests/conftest.py"),
        "import pytest\n\n\n@pytest.fixture(scope=\"session\")\ndef data_file(tmp_path_factory):\n    \
         path = tmp_path_factory.mktemp(\"data\") / \"data.txt\"\n    path.write_text(\"x\\n\" * 100)\n    \
         return str(path)\n"
            .into(),
    )?;
    for m in 0..MODULES {
        let mut module = String::from("import sys\n\n\ndef _open_text(path):\n    return open(path)\n");
        let mut tests = format!("from benchpkg import mod_{m:02} as module\n");
        for f in 0..TESTS_PER_MODULE {
            let body = match f % 3 {
                0 => "    return len(open(path).read())\n".to_string(),
                1 => "    with open(path) as f:\n        return len(f.read())\n".to_string(),
                _ => {
                    "    opener = getattr(sys.modules[__name__], \"_open_text\")\n    return len(opener(path).read())\n"
                        .to_string()
                }
            };
            module.push_str(&format!("\n\ndef work_{f}(path):\n{body}"));
            tests.push_str(&format!(
                "\n\ndef test_work_{f}(data_file):\n    assert module.work_{f}(data_file) == 200\n"
            ));
        }
        write(dir.join(format!("benchpkg/mod_{m:02}.py")), module)?;
        write(dir.join(format!("tests/test_mod_{m:02}.py")), tests)?;
    }
    Ok(())
}
