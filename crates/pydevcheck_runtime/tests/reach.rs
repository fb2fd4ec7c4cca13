//! Which flagged lines ran: `sys.monitoring` on 3.12+, before that markers compiled into flagged modules
//! when they are imported. The shim runs in a real interpreter (`$PYDEVCHECK_PYTHON`, else `python3`)
//! on `data/marked_lines.py`, whose flagged lines sit in the places a rewrite of the syntax tree could
//! get wrong: decorators, multi-line calls, `with` headers, lambdas, comprehensions, class bodies, lines
//! without a call, f-strings, zero-argument `super()`, `elif`, starred arguments, `yield from`, and
//! `from __future__ import annotations`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const MODULE: &str = include_str!("data/marked_lines.py");

fn python() -> String {
    std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Line numbers of the module whose comment says `# flag: {what}`.
fn annotated(what: &str) -> BTreeSet<u32> {
    let tag = format!("# flag: {what}");
    (1..).zip(MODULE.lines()).filter(|(_, line)| line.trim_end().ends_with(&tag)).map(|(n, _)| n).collect()
}

/// `import marked_lines; marked_lines.main(...)` in `dir`, with the shim when `shim` is set.
fn run(dir: &Path, shim: bool, extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(python());
    command
        .args(["-c", "import marked_lines; marked_lines.main('lib/marked_lines.py')"])
        .current_dir(dir)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONDEVMODE")
        .env("PYTHONPATH", dir.join("lib"));
    if shim {
        let shim_dir = dir.join("shim");
        command
            .env("PYTHONPATH", std::env::join_paths([shim_dir.clone(), dir.join("lib")]).unwrap())
            .env("PYDEVCHECK_EVENT_DIR", &shim_dir)
            .env("PYDEVCHECK_ROOTS", dir)
            .env("PYDEVCHECK_FLAGGED", shim_dir.join("flagged.tsv"));
    }
    command.envs(extra_env.iter().copied());
    command.output().unwrap()
}

/// A directory with the module under `lib/` and the shim with the flagged lines under `shim/`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::create_dir_all(root.join("shim")).unwrap();
    let module = root.join("lib/marked_lines.py");
    std::fs::write(&module, MODULE).unwrap();
    std::fs::write(root.join("shim/sitecustomize.py"), pydevcheck_runtime::SHIM_SOURCE).unwrap();
    let mut listing = String::new();
    for line in annotated("reached").union(&annotated("not reached")) {
        listing.push_str(&format!("{}\t{line}\n", module.display()));
    }
    std::fs::write(root.join("shim/flagged.tsv"), listing).unwrap();
    dir
}

/// The lines of `reached` events the shim wrote.
fn reached(dir: &Path) -> BTreeSet<u32> {
    let mut lines = BTreeSet::new();
    for entry in std::fs::read_dir(dir.join("shim")).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("events-") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            if event["kind"] == "reached" {
                lines.insert(u32::try_from(event["line"].as_u64().unwrap()).unwrap());
            }
        }
    }
    lines
}

/// Every file under `dir` whose bytes contain the marker's name.
fn files_with_markers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if std::fs::read(&path).unwrap().windows(22).any(|w| w == b"__pydevcheck_reached__") {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn flagged_lines_that_ran_are_reported_and_the_program_behaves_the_same() {
    let dir = setup();
    let root = dir.path().canonicalize().unwrap();
    let plain = run(&root, false, &[]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let observed = run(&root, true, &[]);
    assert_eq!(String::from_utf8_lossy(&observed.stderr), String::from_utf8_lossy(&plain.stderr));
    assert_eq!(String::from_utf8_lossy(&observed.stdout), String::from_utf8_lossy(&plain.stdout));

    let expected = annotated("reached");
    let seen = reached(&root);
    let lambda_line = 1 + MODULE.lines().position(|l| l.starts_with("lazy = lambda")).unwrap() as u32;
    assert!(
        seen == expected || seen == &expected | &BTreeSet::from([lambda_line]),
        "expected {expected:?}, saw {seen:?}"
    );
    // Marked code never reaches a bytecode cache, where a run without the shim would find it.
    assert_eq!(files_with_markers(&root.join("lib")), Vec::<String>::new());
    let again = run(&root, false, &[]);
    assert_eq!(again.stdout, plain.stdout);
}

#[test]
fn without_line_tracing_only_acquirers_count_before_3_12() {
    let dir = setup();
    let root = dir.path().canonicalize().unwrap();
    let output = run(&root, true, &[("PYDEVCHECK_NO_LINE_TRACING", "1")]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let version = Command::new(python()).args(["-c", "import sys; print(sys.version_info >= (3, 12))"]).output();
    let seen = reached(&root);
    if String::from_utf8_lossy(&version.unwrap().stdout).trim() == "True" {
        // `sys.monitoring` costs nothing, so the flag has no effect.
        assert!(seen.is_superset(&annotated("reached")), "{seen:?}");
    } else {
        // Only the wrapped `open` in `header` is seen, through its creation stack.
        let header = 1 + MODULE.lines().position(|l| l.contains("with open(text) as f:")).unwrap() as u32;
        assert_eq!(seen, BTreeSet::from([header]));
    }
}
