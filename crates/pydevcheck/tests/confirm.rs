//! `pydevcheck confirm` end to end: the real binary runs real Python (`$PYDEVCHECK_PYTHON`, else `python3`)
//! on scripts written into temporary directories, and the JSON report is checked. The demo test needs
//! pytest: `cargo xtask test` provides it through `target/xtask-venv`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pydevcheck");

fn python() -> String {
    std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A temporary project with these files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// `pydevcheck confirm --quiet --output-format json [FLAGS] . -- COMMAND` in `dir`.
fn confirm_in(dir: &Path, flags: &[&str], command: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("confirm").args(["--quiet", "--output-format", "json"]).args(flags).arg(".").arg("--").args(command);
    cmd.current_dir(dir).env_remove("PYTHONPATH").env_remove("PYTHONWARNINGS").env_remove("PYTHONDEVMODE");
    cmd.output().unwrap()
}

/// The JSON report of a run; removes the `--quiet` log it names.
#[track_caller]
fn report(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let value: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}):\n{stdout}\n--- stderr ---\n{}", String::from_utf8_lossy(&output.stderr))
    });
    if let Some(log) = value["run"]["log"].as_str() {
        let _ = std::fs::remove_file(log);
    }
    value
}

/// (file name, row, verdict) of every finding.
fn verdicts(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = Path::new(f["filename"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            (name, f["row"].as_u64().unwrap(), f["verdict"].as_str().unwrap().to_string())
        })
        .collect()
}

/// (category, file name, line, count) of every runtime-only finding.
fn runtime_only(report: &Value) -> Vec<(String, String, u64, u64)> {
    report["runtime_only"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let category = match &f["category"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let name = f["site"]["path"]
                .as_str()
                .map(|p| Path::new(p).file_name().unwrap().to_string_lossy().into_owned())
                .unwrap_or_default();
            (category, name, f["site"]["line"].as_u64().unwrap_or(0), f["count"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn runtime_fixtures_are_confirmed_on_their_annotated_lines() {
    let dir = repo_root().join("fixtures/runtime");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = fixtures
            .iter()
            .map(|fixture| {
                let dir = &dir;
                scope.spawn(move || {
                    let name = fixture.file_name().unwrap().to_str().unwrap();
                    let output = confirm_in(dir, &[], &[&python(), name]);
                    (fixture, report(&output))
                })
            })
            .collect();
        runs.into_iter()
            .map(|h| h.join().unwrap())
            .filter_map(|(fixture, report)| {
                let source = std::fs::read_to_string(fixture).unwrap();
                let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
                let mut problems = Vec::new();
                for (index, line) in source.lines().enumerate() {
                    let observable = ["PDC101", "PDC102", "PDC301", "PDC302", "PDC601", "PDC602"]
                        .iter()
                        .any(|c| line.contains(&format!("# error: [{c}]")));
                    if !observable {
                        continue;
                    }
                    let row = index as u64 + 1;
                    let found = verdicts(&report).into_iter().find(|(f, r, _)| *f == name && *r == row);
                    if found.as_ref().map(|v| v.2.as_str()) != Some("confirmed") {
                        problems.push(format!("line {row}: {found:?}"));
                    }
                }
                for extra in runtime_only(&report) {
                    if extra.0 == "resource-warning" || extra.0 == "bad-file-descriptor" {
                        problems.push(format!("an event no finding explains: {extra:?}"));
                    }
                }
                (!problems.is_empty()).then(|| format!("{name}: {}", problems.join("; ")))
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An interpreter with pytest: `$PYDEVCHECK_PYTHON`, else the venv `cargo xtask test` creates.
fn python_with_pytest() -> String {
    let venv = repo_root().join("target/xtask-venv/bin/python");
    let candidates = [std::env::var("PYDEVCHECK_PYTHON").ok(), Some(venv.display().to_string())];
    for python in candidates.into_iter().flatten() {
        let ok = Command::new(&python).args(["-c", "import pytest"]).stderr(Stdio::null()).status();
        if ok.is_ok_and(|s| s.success()) {
            return python;
        }
    }
    panic!("no Python with pytest: run `cargo xtask test`, or set PYDEVCHECK_PYTHON to one");
}

#[test]
fn demo_shows_every_verdict_and_a_runtime_only_leak() {
    let python = python_with_pytest();
    let root = repo_root();
    let output = Command::new(BIN)
        .args(["confirm", "--quiet", "--output-format", "json", "fixtures/projects/demo", "--"])
        .args([python.as_str(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "fixtures/projects/demo"])
        .current_dir(&root)
        .output()
        .unwrap();
    let report = report(&output);
    assert_eq!(output.status.code(), Some(1), "confirmed findings make the exit status 1");
    assert_eq!(report["run"]["exit_code"], 0, "the suite itself passes");
    let verdicts = verdicts(&report);
    for wanted in ["confirmed", "not-reproduced", "not-reached"] {
        assert!(verdicts.iter().any(|v| v.2 == wanted), "no {wanted} verdict: {verdicts:?}");
    }
    assert!(verdicts.contains(&("util.py".into(), 9, "confirmed".into())), "{verdicts:?}");
    assert!(
        verdicts.contains(&("client.py".into(), 38, "confirmed".into())),
        "PDC301 on the os.close line: {verdicts:?}"
    );
    assert!(verdicts.contains(&("archive.py".into(), 25, "not-reached".into())), "{verdicts:?}");
    assert!(verdicts.contains(&("util.py".into(), 43, "not-reproduced".into())), "{verdicts:?}");
    assert_eq!(runtime_only(&report), [("resource-warning".into(), "archive.py".into(), 7, 1)]);
    assert_eq!(report["run"]["resource_warnings"], report["run"]["resource_warnings_attributed"]);
}

#[test]
fn without_command_pytest_runs_the_tests_that_import_flagged_modules() {
    let python = python_with_pytest();
    let output = Command::new(BIN)
        .args(["confirm", "--quiet", "--output-format", "json", "--python", &python, "fixtures/projects/demo"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no COMMAND given; running") && stderr.contains("-m pytest"), "{stderr}");
    assert!(stderr.contains("test_archive.py") && stderr.contains("test_util.py"), "{stderr}");
    let report = report(&output);
    assert!(verdicts(&report).iter().any(|v| v.2 == "confirmed"));
}

#[test]
fn without_command_or_pytest_suite_says_what_to_run() {
    let dir = project(&[(
        "tool.py",
        "def main():\n    return open('x').read()\n\nif __name__ == \"__main__\":\n    main()\n",
    )]);
    let output = Command::new(BIN).args(["confirm", "."]).current_dir(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no COMMAND given") && stderr.contains("tool.py"), "{stderr}");
    assert!(!dir.path().join("x").exists());
}

#[test]
fn missing_or_old_python_is_a_clear_error() {
    let dir = project(&[("old-python", "#!/bin/sh\necho '(3, 7)'\n")]);
    let fake = dir.path().join("old-python");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for (python, expected) in [(fake.to_str().unwrap(), "needs Python 3.8"), ("/nonexistent/python3", "cannot run")] {
        let output = Command::new(BIN)
            .args(["confirm", "--python", python, ".", "--", "true"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}

#[test]
fn child_output_and_exit_code_are_preserved() {
    let script = "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nsys.exit(7)\n";
    let dir = project(&[("app.py", script)]);
    let output = Command::new(BIN)
        .args(["confirm", "--output-format", "concise", ".", "--", &python(), "app.py"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout, "to stdout\n");
    assert!(stderr.starts_with("to stderr\n"), "{stderr}");
    assert!(stderr.contains("exited with status 7"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "the child's failure is reported, not passed on");
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let script = "import subprocess, time\n\
                  p = subprocess.Popen(['sleep', '60'])\n\
                  open('grandchild.pid', 'w').write(str(p.pid))\n\
                  time.sleep(60)\n";
    let dir = project(&[("hang.py", script)]);
    let start = Instant::now();
    let output = confirm_in(dir.path(), &["--timeout", "3"], &[&python(), "hang.py"]);
    let report = report(&output);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(report["run"]["outcome"], "timed-out");
    assert!(report["run"]["phase"].as_str().unwrap().starts_with("running the command"), "{report}");
    let pid = std::fs::read_to_string(dir.path().join("grandchild.pid")).unwrap();
    let gone = |pid: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.is_empty() || stat.contains(") Z ")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gone(&pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(gone(&pid), "the grandchild `sleep 60` survived the timeout");
}

#[test]
fn interrupt_stops_the_child_and_still_reports() {
    let script = "import time\nf = open(__file__)\ndel f\nopen('started', 'w').close()\ntime.sleep(60)\n";
    let dir = project(&[("slow.py", script)]);
    let child = Command::new(BIN)
        .args(["confirm", "--quiet", "--output-format", "json", ".", "--", &python(), "slow.py"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dir.path().join("started").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let output = child.wait_with_output().unwrap();
    let report = report(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(report["run"]["outcome"], "interrupted");
    assert_eq!(verdicts(&report), [("slow.py".into(), 2, "confirmed".into())]);
}

#[test]
fn crashes_are_reported_with_the_faulthandler_traceback() {
    let script = "import os\n\ndef boom():\n    os.abort()\n\nboom()\n";
    let dir = project(&[("crash.py", script)]);
    let output = confirm_in(dir.path(), &[], &[&python(), "crash.py"]);
    let report = report(&output);
    assert_eq!(report["run"]["outcome"], "signalled");
    assert_eq!(report["run"]["signal"], 6);
    assert_eq!(runtime_only(&report), [("fatal".into(), "crash.py".into(), 4, 1)]);
    assert_eq!(output.status.code(), Some(1), "a fatal error is a runtime-only finding");
}

#[test]
fn os_exit_keeps_its_status_and_is_reported() {
    let script = "import os\nf = open(__file__)\ndel f\nos._exit(3)\n";
    let dir = project(&[("quit.py", script)]);
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "quit.py"]));
    assert_eq!(report["run"]["exit_code"], 3);
    assert_eq!(report["run"]["clean_exit"], false);
    assert_eq!(verdicts(&report), [("quit.py".into(), 2, "confirmed".into())]);
}

#[test]
fn a_child_that_closes_its_own_stdio_is_still_observed() {
    let script = "import os\nfor fd in (0, 1, 2):\n    os.close(fd)\nf = open(__file__)\ndel f\n";
    let dir = project(&[("mute.py", script)]);
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "mute.py"]));
    assert_eq!(report["run"]["outcome"], "exited");
    assert_eq!(verdicts(&report), [("mute.py".into(), 4, "confirmed".into())]);
}

#[test]
fn forked_children_write_their_own_events() {
    let script = "import os\n\
                  pid = os.fork()\n\
                  if pid == 0:\n\
                  \x20   f = open(__file__)\n\
                  \x20   del f\n\
                  \x20   os._exit(0)\n\
                  os.waitpid(pid, 0)\n";
    let dir = project(&[("forks.py", script)]);
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "forks.py"]));
    assert_eq!(report["run"]["processes"], 2);
    assert_eq!(verdicts(&report), [("forks.py".into(), 4, "confirmed".into())]);
}

#[test]
fn subprocess_grandchildren_run_the_shim_and_leftovers_are_terminated() {
    let main = "import subprocess, sys\n\
                subprocess.run([sys.executable, 'leaky.py'], check=True)\n\
                daemon = subprocess.Popen(['sleep', '30'])\n";
    let leaky = "def read():\n    f = open(__file__)\n    return f.read()\n\nread()\n";
    let dir = project(&[("main.py", main), ("leaky.py", leaky)]);
    let start = Instant::now();
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "main.py"]));
    assert!(start.elapsed() < Duration::from_secs(20), "the leftover `sleep 30` was waited for");
    assert_eq!(report["run"]["processes"], 2);
    assert!(verdicts(&report).contains(&("leaky.py".into(), 2, "confirmed".into())), "{report}");
    // The unwaited Popen warns "subprocess N is still running", attributed to its creation line.
    assert!(runtime_only(&report).contains(&("resource-warning".into(), "main.py".into(), 3, 1)), "{report}");
}

#[test]
fn multiprocessing_workers_run_the_shim_with_spawn_and_fork() {
    let main = "import multiprocessing\nimport work\n\n\
                if __name__ == '__main__':\n\
                \x20   for method in ('spawn', 'fork'):\n\
                \x20       p = multiprocessing.get_context(method).Process(target=work.leak)\n\
                \x20       p.start()\n\
                \x20       p.join()\n";
    let work = "def leak():\n    f = open(__file__)\n    del f\n";
    let dir = project(&[("main.py", main), ("work.py", work)]);
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "main.py"]));
    let work_finding =
        report["findings"].as_array().unwrap().iter().find(|f| f["filename"].as_str().unwrap().ends_with("work.py"));
    let work_finding = work_finding.unwrap_or_else(|| panic!("{report}"));
    assert_eq!(work_finding["verdict"], "confirmed");
    assert_eq!(work_finding["events"], 2, "one leak per worker: {report}");
}

#[test]
fn an_existing_sitecustomize_still_runs() {
    let site = "import os\nopen(os.environ['MARKER'], 'w').close()\n";
    let dir = project(&[("site/sitecustomize.py", site), ("app.py", "f = open(__file__)\ndel f\n")]);
    let marker = dir.path().join("marker");
    let output = Command::new(BIN)
        .args(["confirm", "--quiet", "--output-format", "json", "app.py", "--", &python(), "app.py"])
        .current_dir(dir.path())
        .env("PYTHONPATH", dir.path().join("site"))
        .env("MARKER", &marker)
        .output()
        .unwrap();
    let report = report(&output);
    assert!(marker.exists(), "the user's sitecustomize did not run");
    assert_eq!(verdicts(&report), [("app.py".into(), 1, "confirmed".into())]);
}

#[test]
fn an_existing_sitecustomize_and_the_users_usercustomize_both_still_run() {
    // `site` runs usercustomize after sitecustomize when the user site is enabled, which it never is in
    // a venv: this test runs the interpreter the venv was made from.
    let base = Command::new(python())
        .args([
            "-c",
            "import os, sys; print(os.path.join(sys.base_prefix, 'bin', 'python%d.%d' % sys.version_info[:2]))",
        ])
        .output()
        .unwrap();
    let base = String::from_utf8(base.stdout).unwrap().trim().to_string();
    let site = "import os\nwith open(os.environ['MARKER_SITE'], 'w') as f:\n    f.write(__file__)\n";
    let user = "import os, sys\nwith open(os.environ['MARKER_USER'], 'w') as f:\n    \
                f.write(sys.modules['sitecustomize'].__file__)\n";
    let dir = project(&[("site/sitecustomize.py", site), ("app.py", "f = open(__file__)\ndel f\n")]);
    let root = dir.path().canonicalize().unwrap();
    let user_base = root.join("userbase");
    let user_env = |command: &mut Command| {
        command.env("PYTHONUSERBASE", &user_base).env_remove("PYTHONNOUSERSITE").current_dir(&root);
    };
    let mut probe = Command::new(&base);
    probe.args(["-c", "import site; print(site.ENABLE_USER_SITE); print(site.getusersitepackages())"]);
    user_env(&mut probe);
    let probe = String::from_utf8(probe.output().unwrap().stdout).unwrap();
    let (enabled, user_site) = probe.trim().split_once('\n').unwrap();
    assert_eq!(enabled, "True", "{base} has no user site, so this test cannot check usercustomize");
    std::fs::create_dir_all(user_site).unwrap();
    std::fs::write(Path::new(user_site).join("usercustomize.py"), user).unwrap();

    let (marker_site, marker_user) = (root.join("site-ran"), root.join("user-ran"));
    let mut command = Command::new(BIN);
    command
        .args(["confirm", "--quiet", "--output-format", "json", "--python", &base, "app.py", "--", &base, "app.py"])
        .env("PYTHONPATH", root.join("site"))
        .env("MARKER_SITE", &marker_site)
        .env("MARKER_USER", &marker_user);
    user_env(&mut command);
    let report = report(&command.output().unwrap());
    let site_file = root.join("site/sitecustomize.py").display().to_string();
    assert_eq!(std::fs::read_to_string(&marker_site).ok(), Some(site_file.clone()), "sitecustomize");
    // usercustomize ran too, after it, and `sitecustomize` names the user's module, not the shim.
    assert_eq!(std::fs::read_to_string(&marker_user).ok(), Some(site_file), "usercustomize");
    assert_eq!(verdicts(&report), [("app.py".into(), 1, "confirmed".into())]);
}

#[test]
fn other_dev_mode_signals_become_runtime_only_findings() {
    // The static pass sees the coroutine of line 15 (PDC502) and the loop of line 18 (PDC501): their
    // warnings confirm those findings. Through `getattr` it sees neither the coroutine of line 20 nor the
    // loop of line 21, whose warnings stay runtime-only, like the deprecation and the slow callback.
    let script = "import asyncio\nimport time\nimport warnings\n\n\
                  async def job():\n    return 1\n\n\
                  def old_api():\n    warnings.warn('old_api is deprecated', DeprecationWarning)\n\n\
                  async def slow():\n    time.sleep(0.15)\n\n\
                  def main():\n    job()\n    old_api()\n    old_api()\n    loop = asyncio.new_event_loop()\n    del loop\n\
                  \x20   getattr(asyncio, 'sleep')(0)\n    other = getattr(asyncio, 'new_event_loop')()\n    del other\n\n\
                  main()\nasyncio.run(slow())\n";
    let dir = project(&[("app.py", script)]);
    let report = report(&confirm_in(dir.path(), &[], &[&python(), "app.py"]));
    let codes: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_string(), f["row"].as_u64().unwrap(), f["verdict"].to_string()))
        .collect();
    for wanted in [("PDC502", 15), ("PDC501", 18)] {
        let wanted = (wanted.0.to_string(), wanted.1, "\"confirmed\"".to_string());
        assert!(codes.contains(&wanted), "{wanted:?} not in {codes:?}");
    }
    assert_eq!(codes.len(), 2, "{codes:?}");
    let found = runtime_only(&report);
    for wanted in [
        ("never-awaited".to_string(), "app.py".to_string(), 20, 1),
        (r#"{"warning":"DeprecationWarning"}"#.to_string(), "app.py".to_string(), 9, 1),
        ("resource-warning".to_string(), "app.py".to_string(), 21, 1),
        ("asyncio".to_string(), "app.py".to_string(), 11, 1),
    ] {
        assert!(found.contains(&wanted), "{wanted:?} not in {found:?}");
    }
    // A confirmed finding explains its event: it is not reported a second time as runtime-only.
    for explained in [15, 18] {
        assert!(!found.iter().any(|f| f.2 == explained), "line {explained} in {found:?}");
    }
}

#[test]
fn line_tracing_tells_not_reached_from_not_reproduced_for_unwrapped_acquirers() {
    // No wrapper sees `sqlite3.connect`, and before 3.13 the leak prints nothing: only line tracing (or
    // `sys.monitoring` on 3.12+) knows that the line ran.
    let script = "import sqlite3\n\ndef one():\n    db = sqlite3.connect(':memory:')\n    return db.execute('select 1').fetchone()\n\none()\n";
    let dir = project(&[("db.py", script)]);
    let traced = report(&confirm_in(dir.path(), &[], &[&python(), "db.py"]));
    let verdict = verdicts(&traced);
    assert!(
        verdict == [("db.py".into(), 4, "not-reproduced".into())]
            || verdict == [("db.py".into(), 4, "confirmed".into())],
        "{verdict:?}"
    );
}

#[test]
fn pytest_test_files_and_imported_modules_tell_not_reached_from_not_reproduced() {
    // Before 3.12 the lines are marked when pytest rewrites the test file and when the module is imported;
    // neither may leave marked code in a bytecode cache, and a second run (which finds pytest's cache)
    // must see the same. `sqlite3.connect` has no wrapper, and before 3.13 its leak prints nothing.
    let python = python_with_pytest();
    let module = "import sqlite3\n\n\ndef used():\n    db = sqlite3.connect(':memory:')\n    return db.execute('select 1').fetchone()\n\n\ndef unused():\n    db = sqlite3.connect(':memory:')\n    return db.execute('select 1').fetchone()\n";
    let test = "import sqlite3\n\nfrom pkg import db\n\n\ndef test_used():\n    assert db.used() == (1,)\n\n\ndef test_inline():\n    conn = sqlite3.connect(':memory:')\n    assert conn.execute('select 2').fetchone() == (2,)\n";
    let dir = project(&[
        ("pkg/__init__.py", ""),
        ("pkg/db.py", module),
        ("tests/test_db.py", test),
        ("pyproject.toml", "[tool.pytest.ini_options]\npythonpath = [\".\"]\n"),
    ]);
    for run in 0..2 {
        let output = confirm_in(dir.path(), &[], &[&python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]);
        let report = report(&output);
        assert_eq!(report["run"]["exit_code"], 0, "run {run}: {report}");
        let mut verdicts = verdicts(&report);
        verdicts.sort();
        let ran = |v: &(String, u64, String)| v.2 == "not-reproduced" || v.2 == "confirmed";
        assert_eq!(verdicts.len(), 3, "run {run}: {verdicts:?}");
        assert!(ran(&verdicts[0]) && verdicts[0].0 == "db.py" && verdicts[0].1 == 5, "run {run}: {verdicts:?}");
        assert_eq!(verdicts[1], ("db.py".into(), 10, "not-reached".into()), "run {run}");
        assert!(ran(&verdicts[2]) && verdicts[2].0 == "test_db.py" && verdicts[2].1 == 11, "run {run}: {verdicts:?}");
    }
    let mut pending = vec![dir.path().to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(22).any(|w| w == b"__pydevcheck_reached__"),
                    "{} holds marked code",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn the_static_pass_uses_the_same_configuration_as_check() {
    let leak = "def leak(path):\n    f = open(path)\n    return f.readline()\n";
    let fd_leak = "import os\n\ndef fd_leak(path):\n    fd = os.open(path, os.O_RDONLY)\n    return os.read(fd, 1)\n";
    let config = "[tool.pydevcheck]\nignore = [\"PDC303\"]\nexclude = [\"vendor\"]\n\n\
                  [tool.pydevcheck.per-file-ignores]\n\"legacy.py\" = [\"PDC101\"]\n";
    let dir = project(&[
        ("pyproject.toml", config),
        ("kept.py", leak),
        ("legacy.py", leak),
        ("fds.py", fd_leak),
        ("vendor/lib.py", leak),
        ("quiet.py", "def leak(path):\n    f = open(path)  # noqa: PDC101\n    return f.readline()\n"),
    ]);
    let check = Command::new(BIN).args(["check", "--output-format", "concise", "."]).current_dir(dir.path()).output();
    let check = String::from_utf8(check.unwrap().stdout).unwrap();
    assert_eq!(check.lines().count(), 1, "{check}");
    assert!(check.starts_with("kept.py:2:"), "{check}");

    let run = report(&confirm_in(dir.path(), &[], &[&python(), "-c", "pass"]));
    assert_eq!(verdicts(&run), [("kept.py".into(), 2, "not-reached".into())]);
    // Flags apply on top, as for `check`.
    let run = report(&confirm_in(dir.path(), &["--ignore", "PDC101"], &[&python(), "-c", "pass"]));
    assert_eq!(verdicts(&run), []);
    let run = report(&confirm_in(dir.path(), &["--isolated"], &[&python(), "-c", "pass"]));
    assert_eq!(verdicts(&run).len(), 4, "{:?}", verdicts(&run));
}

/// `pydevcheck confirm --quiet --output-format json [FLAGS] PATH` in `cwd`, with no COMMAND.
fn confirm_configured(cwd: &Path, path: &str, flags: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let output = Command::new(BIN)
        .args(["confirm", "--quiet", "--output-format", "json"])
        .args(flags)
        .arg(path)
        .current_dir(cwd)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONDEVMODE")
        .output()
        .unwrap();
    (output, start.elapsed())
}

#[test]
fn without_command_the_configured_command_runs_in_its_project() {
    // Run from the parent directory: the configured `app.py` is relative to the project.
    let config = format!("[tool.pydevcheck.confirm]\ncommand = [{:?}, \"app.py\"]\n", python());
    let dir = project(&[("proj/pyproject.toml", &config), ("proj/app.py", "f = open(__file__)\ndel f\n")]);
    let (output, _) = confirm_configured(dir.path(), "proj", &[]);
    let report = report(&output);
    assert_eq!(report["run"]["command"][1], "app.py", "{report}");
    assert_eq!(report["run"]["exit_code"], 0, "{report}");
    assert_eq!(verdicts(&report), [("app.py".into(), 1, "confirmed".into())]);
}

#[test]
fn the_configured_timeout_applies_unless_timeout_is_given() {
    let sleeper = "import time\ntime.sleep(3)\n";
    let config = format!("[tool.pydevcheck.confirm]\ncommand = [{:?}, \"sleeper.py\"]\ntimeout = 0.5\n", python());
    let dir = project(&[("pyproject.toml", &config), ("sleeper.py", sleeper)]);
    let (output, elapsed) = confirm_configured(dir.path(), ".", &[]);
    let run = report(&output);
    assert_eq!(run["run"]["outcome"], "timed-out", "{run}");
    assert!(elapsed < Duration::from_millis(2900), "the configured timeout was not applied: {elapsed:?}");
    assert_eq!(output.status.code(), Some(2));

    let (output, _) = confirm_configured(dir.path(), ".", &["--timeout", "60"]);
    let run = report(&output);
    assert_eq!(run["run"]["outcome"], "exited", "{run}");
    assert_eq!(output.status.code(), Some(0));
}

/// Runs `pydevcheck confirm` (not `--quiet`) with its stderr on the slave side of a new pseudo-terminal,
/// and returns everything written there.
fn stderr_on_a_terminal(dir: &Path, env: &[(&str, &str)], command: &[&str]) -> String {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(name.to_str().unwrap())
        .unwrap();
    let mut confirm = Command::new(BIN);
    confirm
        .args(["confirm", "--output-format", "concise", "."])
        .arg("--")
        .args(command)
        .current_dir(dir)
        .env_remove("CI")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave));
    let mut child = confirm.spawn().unwrap();
    // Our copy of the slave must go, or the master never sees the end.
    drop(confirm);
    let reader = std::thread::spawn(move || {
        let mut master = std::fs::File::from(master);
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        // Linux reports EIO, not end of file, once every slave descriptor is closed.
        while let Ok(n @ 1..) = master.read(&mut chunk) {
            bytes.extend_from_slice(&chunk[..n]);
        }
        bytes
    });
    child.wait().unwrap();
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}

#[test]
fn a_progress_line_is_drawn_on_a_terminal_and_never_in_ci_or_a_pipe() {
    let dir = project(&[("slow.py", "import time\ntime.sleep(2.5)\n")]);
    let slow = [python(), "slow.py".to_string()];
    let slow: Vec<&str> = slow.iter().map(String::as_str).collect();

    let terminal = stderr_on_a_terminal(dir.path(), &[], &slow);
    assert!(terminal.contains("pydevcheck confirm: 1."), "no progress line on a terminal: {terminal:?}");
    assert!(terminal.contains(" so far"), "{terminal:?}");
    // Cleared before the report's summary, which starts on a fresh line.
    assert!(terminal.contains("so far\r\x1b[2K`"), "{terminal:?}");

    let ci = stderr_on_a_terminal(dir.path(), &[("CI", "true")], &slow);
    assert!(!ci.contains("pydevcheck confirm:") && !ci.contains('\x1b'), "progress in CI: {ci:?}");
    assert!(ci.contains("exited with status 0"), "{ci:?}");

    let piped = Command::new(BIN)
        .args(["confirm", "--output-format", "concise", ".", "--"])
        .args(&slow)
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let piped = String::from_utf8_lossy(&piped.stderr);
    assert!(!piped.contains("pydevcheck confirm:") && !piped.contains('\x1b'), "progress into a pipe: {piped:?}");
}

#[test]
fn unknown_codecs_and_handlers_in_imported_modules_are_confirmed_by_their_lookup_error() {
    // Dev mode raises `LookupError` at the call even with nothing to decode; the program catches it.
    // Before 3.12 the imported module's statement is guarded when it is compiled, from 3.12 on
    // `sys.monitoring` sees the exception raised.
    let module = "def run():\n    caught = 0\n    try:\n        b''.decode('utf8mb4')\n    except LookupError:\n        caught += 1\n    try:\n        ''.encode('utf-8', errors='repalce')\n    except LookupError:\n        caught += 1\n    try:\n        {}['utf8mb4']\n    except LookupError:\n        caught += 1\n    return caught\n";
    let dir = project(&[("pkg/__init__.py", ""), ("pkg/codec_use.py", module)]);
    let output =
        confirm_in(dir.path(), &[], &[&python(), "-c", "from pkg import codec_use; assert codec_use.run() == 3"]);
    let report = report(&output);
    assert_eq!(report["run"]["exit_code"], 0, "{report}");
    assert_eq!(
        verdicts(&report),
        [("codec_use.py".into(), 4, "confirmed".into()), ("codec_use.py".into(), 8, "confirmed".into())]
    );
    assert_eq!(report["findings"][0]["code"], "PDC601");
    assert_eq!(report["findings"][1]["code"], "PDC602");
}

/// `--output-format github`: one workflow command per finding, whatever the file name and however many lines
/// the runtime message has; a confirmed finding is an error, a runtime-only one a warning at its site.
#[test]
fn github_annotations_carry_verdicts_and_cannot_be_forged() {
    let script = "import warnings\n\
                  def leak(path):\n    f = open(path)\n    return f.readline()\n\
                  leak(__file__)\n\
                  warnings.warn('first line\\n::error file=evil.py::forged', RuntimeWarning)\n";
    let dir = project(&[("a,b:c%25.py", script)]);
    let mut cmd = Command::new(BIN);
    cmd.arg("confirm").args(["--quiet", "--output-format", "github", "."]).arg("--").args([&python(), "a,b:c%25.py"]);
    cmd.current_dir(dir.path()).env_remove("PYTHONPATH").env_remove("PYTHONWARNINGS").env_remove("PYTHONDEVMODE");
    cmd.env_remove("GITHUB_WORKSPACE");
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if let Some(log) = stderr.lines().find_map(|l| l.strip_prefix("the command's output is in ")) {
        let _ = std::fs::remove_file(log);
    }
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}\n--- stderr ---\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        lines[0].starts_with("::error file=a%2Cb%3Ac%2525.py,line=3,col=9,endLine=3,endColumn=")
            && lines[0].contains(",title=PDC101 unclosed-file (confirmed)::"),
        "{stdout}"
    );
    assert!(lines[0].contains("%0Averdict: confirmed"), "{stdout}");
    assert!(
        lines[1].starts_with("::warning file=a%2Cb%3Ac%2525.py,line=6,title=runtime-only RuntimeWarning::first line%0A::error file=evil.py::forged"),
        "{stdout}"
    );
    assert_eq!(output.status.code(), Some(1));
}
