//! `pydevcheck confirm` against a child that does not play along, with a real `python3`: it floods and
//! forges events, plants links and FIFOs in the event directory, and holds a secret in its environment.
//! The run must stay bounded, ignore what is not its own, say what it dropped, and never copy the secret.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_pydevcheck");

fn python() -> String {
    std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

const LEAK: &str = "def leak(path):\n    f = open(path)\n    return f.readline()\n\nleak(__file__)\n";

fn confirm(dir: &Path, program: &str, env: &[(&str, &str)]) -> (Output, Value) {
    std::fs::write(dir.join("app.py"), format!("{LEAK}{program}")).unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["confirm", "--quiet", "--output-format", "json", "--timeout", "120", "app.py", "--"])
        .arg(python())
        .arg("app.py")
        .current_dir(dir)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONWARNINGS")
        .env_remove("PYTHONDEVMODE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    if let Some(log) = report["run"]["log"].as_str() {
        let _ = std::fs::remove_file(log);
    }
    (output, report)
}

fn leak_verdict(report: &Value) -> String {
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["row"] == 2).expect("the leak's finding");
    finding["verdict"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn flooding_and_forged_events_are_bounded_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    // The child writes into its own event directory: 250,000 events with the right token in one file (the
    // reader keeps 25,000 per file and 200,000 in all), 1,000 with a forged one, a 300 MB file, a link to
    // a file outside, and a FIFO.
    let program = r#"
import os, json
d = os.environ["PYDEVCHECK_EVENT_DIR"]
token = os.environ["PYDEVCHECK_RUN_TOKEN"]
line = json.dumps({"kind": "warning", "pid": 1, "run": token, "text": "flood", "category": "UserWarning"}) + "\n"
with open(os.path.join(d, "events-1-0.jsonl"), "w") as f:
    f.write(line * 250000)
forged = json.dumps({"kind": "resource_warning", "pid": 2, "run": "not-the-token", "text": "forged"}) + "\n"
with open(os.path.join(d, "events-2-0.jsonl"), "w") as f:
    f.write(forged * 1000)
with open(os.path.join(d, "events-3-0.jsonl"), "wb") as f:
    f.truncate(300 * 1024 * 1024)
os.symlink("/etc/passwd", os.path.join(d, "events-4-0.jsonl"))
os.mkfifo(os.path.join(d, "events-5-0.jsonl"))
"#;
    let start = Instant::now();
    let (output, report) = confirm(dir.path(), program, &[]);
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
    let run = &report["run"];
    assert!(run["dropped_events"].as_u64().unwrap() > 50_000, "{run}");
    assert_eq!(run["foreign_events"].as_u64(), Some(1_000), "{run}");
    // The genuine event of the run is still there.
    assert_eq!(leak_verdict(&report), "confirmed", "{report}\n{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn secrets_in_the_environment_never_reach_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "pdc-secret-7d1f0c9e";
    // The program warns and leaks, so the shim records stacks, argv, warnings and start events.
    let program = "import warnings\nwarnings.warn('hello', UserWarning)\n";
    let (output, report) = confirm(dir.path(), program, &[("PDC_TEST_SECRET", secret)]);
    assert_eq!(leak_verdict(&report), "confirmed", "{report}");
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains(secret), "the secret leaked into the output:\n{all}");
    // The shim reads only its own variables.
    for line in pydevcheck_runtime::SHIM_SOURCE.lines().filter(|l| l.contains("environ")) {
        assert!(line.contains("\"PYDEVCHECK_"), "the shim reads the environment beyond its own variables: {line}");
    }
}
