//! Inline-expectation fixtures: every `fixtures/rules/<CODE>/*.py`, every runtime fixture (the driver
//! `_driver.py` aside) and every `.py` of the demo project is checked, and the exact set of (line, code)
//! the analyzer reports must equal the set of `# error: [...]` annotations. Each directory of
//! `fixtures/projects/multi/` is checked as one project with `check_paths`, so that summaries cross its
//! modules, and every file of it is compared the same way. All failing fixtures are reported in one run,
//! each with its missing and unexpected findings, and the test fails once at the end.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pydevcheck_analyzer::discover::DiscoverOptions;
use pydevcheck_analyzer::{check_paths, rules, ApiConfig, CheckOptions, Diagnostic, RuleSet};
use support::{display, expectations, fixtures_root, python_files, Finding};

/// The rules whose fixture directories must exist, with the least number of files each must hold.
const REQUIRED_FIXTURES: &[(&[&str], usize)] = &[
    (&["PDC101", "PDC102"], 34),
    (&["PDC103"], 12),
    (&["PDC201"], 12),
    (&["PDC202"], 12),
    (&["PDC301"], 9),
    (&["PDC302"], 9),
    (&["PDC303"], 9),
    (&["PDC401"], 12),
    (&["PDC402"], 12),
    (&["PDC403"], 12),
    (&["PDC501"], 12),
    (&["PDC502"], 12),
    (&["PDC503"], 12),
    (&["PDC601"], 12),
    (&["PDC602"], 12),
    (&["PDC603"], 12),
];

/// The default rules, plus the rule whose directory (`fixtures/rules/PDC603/`) holds the fixture, so that a
/// rule that is off by default is checked on its own fixtures and nowhere else.
fn selection(path: &Path) -> RuleSet {
    let directory = path.parent().and_then(Path::file_name).and_then(|name| name.to_str());
    match directory.and_then(rules::find_rule) {
        Some(rule) => RuleSet::defaults().with(rule),
        None => RuleSet::defaults(),
    }
}

/// Checks one fixture on its own and compares its annotations with the findings; see [`compare`].
fn check(path: &Path, bytes: &[u8]) -> Result<(), String> {
    compare(path, bytes, || pydevcheck_analyzer::check_bytes_with(path, bytes, &selection(path)).diagnostics)
}

/// Compares one fixture's annotations with the findings `analyze` returns (called only when the annotations
/// are well formed). `Err` holds a readable report: the fixture's name, then one line per missing and per
/// unexpected finding (unexpected ones with the message).
fn compare(path: &Path, bytes: &[u8], analyze: impl FnOnce() -> Vec<Diagnostic>) -> Result<(), String> {
    let name = display(path);
    let source = String::from_utf8_lossy(bytes);
    let expected = match expectations(&source) {
        Ok(expected) => expected,
        Err(malformed) => {
            let mut report = format!("{name}: malformed expectations\n");
            for m in malformed {
                let _ = writeln!(report, "  {m}");
            }
            return Err(report);
        }
    };
    let diagnostics = analyze();
    let mut messages: BTreeMap<Finding, String> = BTreeMap::new();
    for diagnostic in &diagnostics {
        let key = (diagnostic.span.start.row, diagnostic.rule.code.to_string());
        messages.entry(key).or_insert_with(|| diagnostic.message.clone());
    }
    let actual: BTreeSet<Finding> = messages.keys().cloned().collect();
    if actual == expected {
        return Ok(());
    }
    let mut out = format!("{name}\n");
    for (line, code) in expected.difference(&actual) {
        let _ = writeln!(out, "  missing     {name}:{line}: {code}");
    }
    for finding @ (line, code) in actual.difference(&expected) {
        let _ = writeln!(out, "  unexpected  {name}:{line}: {code} {}", messages[finding]);
    }
    Err(out)
}

/// Runs [`check`] on every file and panics once with every failure.
#[track_caller]
fn check_all(files: &[PathBuf]) {
    assert!(!files.is_empty(), "no fixtures found");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            check(path, &bytes).err()
        })
        .collect();
    assert_no_failures(&failures, files.len());
}

/// Panics once with every failure report, counting their missing and unexpected findings.
#[track_caller]
fn assert_no_failures(failures: &[String], total: usize) {
    let missing: usize = failures.iter().map(|r| r.matches("  missing ").count()).sum();
    let unexpected: usize = failures.iter().map(|r| r.matches("  unexpected ").count()).sum();
    assert!(
        failures.is_empty(),
        "{} of {total} fixtures disagree with the analyzer ({missing} missing, {unexpected} unexpected findings):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_fixtures_match_the_analyzer() {
    check_all(&python_files(&fixtures_root().join("rules")));
}

#[test]
fn runtime_fixtures_match_the_analyzer() {
    let files: Vec<_> = python_files(&fixtures_root().join("runtime"))
        .into_iter()
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('_')))
        .collect();
    check_all(&files);
}

#[test]
fn demo_project_matches_the_analyzer() {
    // The demo is checked as one project, as `pydevcheck check fixtures/projects/demo` does: some of its
    // planted leaks are visible only through another module's summary.
    let (failures, total) = check_projects(&[fixtures_root().join("projects/demo")]);
    assert_no_failures(&failures, total);
}

/// Each `fixtures/projects/multi/<name>/` is one project: its files are checked together by
/// `check_paths`, so that the summaries of one module reach the callers in another, and every file's
/// findings are compared with its annotations.
#[test]
fn multi_module_projects_match_the_analyzer() {
    let root = fixtures_root().join("projects/multi");
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    projects.sort();
    assert!(!projects.is_empty(), "no project under {}", root.display());
    let (failures, total) = check_projects(&projects);
    assert_no_failures(&failures, total);
}

/// Checks each directory as one run of `check_paths` and compares every Python file under it with its
/// annotations; returns the failures and the number of files compared.
fn check_projects(projects: &[PathBuf]) -> (Vec<String>, usize) {
    let options = CheckOptions {
        discover: DiscoverOptions::standard(),
        jobs: None,
        selection: RuleSet::defaults(),
        api: ApiConfig::default(),
    };
    let mut failures = Vec::new();
    let mut total = 0;
    for project in projects {
        let run = check_paths(std::slice::from_ref(project), &options);
        for error in &run.errors {
            failures.push(format!("{}: not checked: {error}", display(project)));
        }
        let canonical = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut reports: BTreeMap<PathBuf, Vec<Diagnostic>> =
            run.files.into_iter().map(|report| (canonical(&report.path), report.diagnostics)).collect();
        let files = python_files(project);
        assert!(!files.is_empty(), "{} holds no Python file", display(project));
        total += files.len();
        for path in &files {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let Some(diagnostics) = reports.remove(&canonical(path)) else {
                failures.push(format!("{}: not among the files `check_paths` reported", display(path)));
                continue;
            };
            if let Err(report) = compare(path, &bytes, || diagnostics) {
                failures.push(report);
            }
        }
    }
    (failures, total)
}

#[test]
fn every_rule_has_enough_fixtures() {
    let rules = fixtures_root().join("rules");
    let mut problems = Vec::new();
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(&rules).expect("fixtures/rules exists") {
        let dir = entry.expect("directory entry").path();
        if !dir.is_dir() {
            continue;
        }
        let code = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let files = python_files(&dir);
        if files.is_empty() {
            problems.push(format!("fixtures/rules/{code} holds no fixture"));
        }
        for file in &files {
            let source = std::fs::read_to_string(file).expect("fixture is UTF-8");
            if let Err(malformed) = expectations(&source) {
                problems.push(format!("{}: {malformed:?}", display(file)));
            }
        }
        counts.insert(code, files.len());
    }
    for (codes, least) in REQUIRED_FIXTURES {
        let total: usize = codes.iter().map(|code| counts.get(*code).copied().unwrap_or(0)).sum();
        if total < *least {
            problems.push(format!("{} hold {total} fixtures, want at least {least}", codes.join("+")));
        }
    }
    assert!(problems.is_empty(), "fixture inventory: {problems:#?}\ncounts: {counts:?}");
}

// The harness itself: a wrong expectation must fail with a readable diff. The analyzer reports PDC001 for a
// syntax error today, so the synthetic sources lean on that rule.

#[test]
fn harness_reports_a_wrong_expectation() {
    let source = "def broken(:\n    x = open(p)  # error: [PDC101]\n";
    let report = check(Path::new("synthetic.py"), source.as_bytes()).expect_err("the annotation is wrong");
    assert!(report.contains("missing     synthetic.py:2: PDC101"), "{report}");
    assert!(report.contains("unexpected  synthetic.py:1: PDC001 "), "{report}");
}

#[test]
fn harness_accepts_a_right_expectation() {
    let source = "def broken(:  # error: [PDC001]\n    pass\n";
    assert_eq!(check(Path::new("synthetic.py"), source.as_bytes()), Ok(()));
}

#[test]
fn harness_reports_malformed_expectations() {
    let source = "x = 1  # error: PDC101\n# error: [PDC101]\ny = 2  # see error: [PDC101]\nz = 3  # error: [PDC1]\n";
    let report = check(Path::new("synthetic.py"), source.as_bytes()).expect_err("every annotation is malformed");
    for line in ["line 1:", "line 2:", "line 3:", "line 4:"] {
        assert!(report.contains(line), "{line} not reported in:\n{report}");
    }
}

#[test]
fn expectations_skip_string_literals() {
    let source = r##"a = "# error: [PDC101]"
b = '''
# error: [PDC102]
'''  # error: [PDC301]
c = "\"# error: [PDC303]"  # error: [PDC101, PDC302] prose after the list is allowed
"##;
    let expected: BTreeSet<Finding> =
        [(4, "PDC301"), (5, "PDC101"), (5, "PDC302")].into_iter().map(|(l, c)| (l, c.to_string())).collect();
    assert_eq!(expectations(source), Ok(expected));
}
