//! `check_paths` end to end on temporary trees: ordering, read errors, and deep nesting on worker threads.

use std::path::PathBuf;

use pydevcheck_analyzer::discover::DiscoverOptions;
use pydevcheck_analyzer::{check_paths, ApiConfig, CheckError, CheckOptions, RuleSet};

fn options(jobs: Option<usize>) -> CheckOptions {
    CheckOptions {
        discover: DiscoverOptions::standard(),
        jobs,
        selection: RuleSet::defaults(),
        api: ApiConfig::default(),
    }
}

#[test]
fn reports_sorted_by_path_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("a.py"), "def f(:\n").unwrap();
    std::fs::write(dir.path().join("c.py"), b"x = '\xe9'\n").unwrap();
    let run = check_paths(&[dir.path().to_path_buf()], &options(Some(2)));
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    let names: Vec<_> = run.files.iter().map(|f| f.path.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(names, ["a.py", "b.py", "c.py"]);
    let codes: Vec<Vec<&str>> = run.files.iter().map(|f| f.diagnostics.iter().map(|d| d.rule.code).collect()).collect();
    assert_eq!(codes, [vec!["PDC001"], vec![], vec!["PDC002"]]);
}

#[test]
fn missing_path_is_an_error_and_other_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    let missing = dir.path().join("nope.py");
    let run = check_paths(&[missing.clone(), dir.path().to_path_buf()], &options(None));
    assert_eq!(run.files.len(), 1);
    assert_eq!(run.errors.len(), 1);
    assert_eq!(run.errors[0].path(), Some(missing.as_path()));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_read_error() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.py");
    std::fs::write(&secret, "x = 1\n").unwrap();
    std::fs::write(dir.path().join("ok.py"), "x = 1\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        eprintln!("skipping: this user (root?) can read a mode 000 file");
        return;
    }
    let run = check_paths(&[dir.path().to_path_buf()], &options(None));
    assert_eq!(run.files.len(), 1);
    assert!(matches!(&run.errors[..], [CheckError::Read { path, .. }] if *path == secret), "{:?}", run.errors);
}

/// DESIGN.md section 8: a file that is safe on the main thread must be safe on a worker. CPython rejects
/// more than 100 indentation levels; this goes well past that.
#[test]
fn deep_nesting_in_a_directory_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = String::new();
    for depth in 0..1000 {
        source.push_str(&" ".repeat(depth));
        source.push_str("if x:\n");
    }
    source.push_str(&" ".repeat(1000));
    source.push_str("pass\n");
    let nested = format!("x = {}1{}\n", "(".repeat(1000), ")".repeat(1000));
    std::fs::write(dir.path().join("deep_if.py"), source).unwrap();
    std::fs::write(dir.path().join("deep_parens.py"), nested).unwrap();
    let paths: Vec<PathBuf> = vec![dir.path().to_path_buf()];
    let run = check_paths(&paths, &options(Some(2)));
    assert!(run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(run.files.len(), 2);
}

#[test]
fn suppressions_apply_in_directory_runs() {
    let dir = tempfile::tempdir().unwrap();
    let leak = "def f(p):\n    return open(p).read()\n";
    std::fs::write(dir.path().join("a.py"), leak).unwrap();
    std::fs::write(dir.path().join("b.py"), leak.replace(".read()\n", ".read()  # noqa: PDC101\n")).unwrap();
    let run = check_paths(&[dir.path().to_path_buf()], &options(None));
    let codes: Vec<(String, &str)> = run
        .files
        .iter()
        .flat_map(|file| {
            let name = file.path.file_name().unwrap().to_string_lossy().into_owned();
            file.diagnostics.iter().map(move |d| (name.clone(), d.rule.code))
        })
        .collect();
    assert_eq!(codes, [("a.py".to_owned(), "PDC101")]);
}
