//! The built binary on temporary trees: exit statuses, every output format, errors, and a closed pipe.
//! PDC001 (syntax error) and PDC002 (undecodable source) give findings without relying on the dataflow rules.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_pydevcheck");

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env_remove("NO_COLOR").output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

const CLEAN: &[u8] = b"def f(path):\n    with open(path) as f:\n        return f.read()\n";
const BROKEN: &[u8] = b"x = 1\ndef f(:\n    pass\n";
const LATIN1: &[u8] = b"name = 'caf\xe9'\n";

#[test]
fn clean_tree_exits_0() {
    let dir = tree(&[("a.py", CLEAN), ("pkg/b.py", CLEAN)]);
    let output = run(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "Found 0 findings in 0 files (2 files checked)\n");
}

#[test]
fn findings_exit_1_in_concise_format() {
    let dir = tree(&[("a.py", CLEAN), ("pkg/broken.py", BROKEN), ("latin.py", LATIN1)]);
    let output = run(dir.path(), &["--output-format", "concise"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().map(|l| l.split_once(": PDC").map_or(l, |(at, _)| at)).collect();
    assert_eq!(lines, ["latin.py:1:1", "pkg/broken.py:2:7"]);
    assert!(stdout(&output).contains("latin.py:1:1: PDC002 'utf-8' codec can't decode byte 0xe9 in position 11"));
    assert!(stdout(&output).contains("pkg/broken.py:2:7: PDC001 "));
    assert_eq!(stderr(&output), "Found 2 findings in 2 files (3 files checked)\n");
}

#[test]
fn bare_paths_mean_check() {
    let dir = tree(&[("src/broken.py", BROKEN), ("other/broken.py", BROKEN)]);
    let bare = run(dir.path(), &["src", "--output-format=concise"]);
    let explicit = run(dir.path(), &["check", "--output-format=concise", "src"]);
    assert_eq!(bare.status.code(), Some(1));
    assert_eq!(stdout(&bare), stdout(&explicit));
    assert!(stdout(&bare).starts_with("src/broken.py:2:7: PDC001 "), "{}", stdout(&bare));
    assert_eq!(stdout(&bare).lines().count(), 1);
}

#[test]
fn exit_zero_and_quiet() {
    let dir = tree(&[("broken.py", BROKEN)]);
    let output = run(dir.path(), &["--exit-zero", "--quiet", "--output-format", "concise"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output).lines().count(), 1);
    assert_eq!(stderr(&output), "");
}

#[test]
fn full_format_shows_snippet_code_and_help() {
    let dir = tree(&[("broken.py", BROKEN), ("latin.py", LATIN1)]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("PDC001 syntax-error"), "{text}");
    assert!(text.contains("[broken.py:2:7]"), "{text}");
    assert!(text.contains(" 2 │ def f(:"), "{text}");
    assert!(text.contains("help: "), "{text}");
    // No source to show for an undecodable file: the location goes into the message.
    assert!(text.contains("PDC002 undecodable-source"), "{text}");
    assert!(text.contains("latin.py:1:1: 'utf-8' codec"), "{text}");
    assert!(!text.contains('\u{1b}'), "no color was asked for: {text}");
    assert!(text.find("broken.py").unwrap() < text.find("latin.py").unwrap());
}

#[test]
fn color_always_and_no_color() {
    let dir = tree(&[("broken.py", BROKEN)]);
    assert!(stdout(&run(dir.path(), &["--color", "always"])).contains('\u{1b}'));
    let output = Command::new(BIN).current_dir(dir.path()).env("NO_COLOR", "1").output().unwrap();
    assert!(!stdout(&output).contains('\u{1b}'));
}

#[test]
fn json_format_schema() {
    let dir = tree(&[("broken.py", BROKEN), ("a.py", CLEAN)]);
    let output = run(dir.path(), &["--output-format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "", "no summary line in json");
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = value.as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let finding = findings[0].as_object().unwrap();
    let mut keys: Vec<&str> = finding.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "end_location", "exit", "filename", "fix_hint", "location", "message", "name"]);
    assert_eq!(finding["code"], "PDC001");
    assert_eq!(finding["name"], "syntax-error");
    assert_eq!(finding["filename"], "broken.py");
    assert_eq!(finding["location"], serde_json::json!({"row": 2, "column": 7}));
    assert_eq!(finding["exit"], serde_json::Value::Null);
    assert!(finding["fix_hint"].as_str().is_some_and(|hint| !hint.is_empty()));

    let clean = run(dir.path(), &["--output-format", "json", "a.py"]);
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&clean.stdout).unwrap(), serde_json::json!([]));
}

#[test]
fn statistics() {
    let dir = tree(&[("a.py", BROKEN), ("b.py", BROKEN), ("c.py", LATIN1)]);
    let output = run(dir.path(), &["--statistics"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "    2  PDC001  syntax-error\n    1  PDC002  undecodable-source\n");
    let json = run(dir.path(), &["--statistics", "--output-format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value[0], serde_json::json!({"code": "PDC001", "name": "syntax-error", "count": 2}));
}

#[test]
fn missing_path_exits_2_and_still_reports_the_rest() {
    let dir = tree(&[("broken.py", BROKEN)]);
    let output = run(dir.path(), &["--output-format", "concise", "missing.py", "broken.py"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).starts_with("broken.py:2:7: PDC001"));
    assert!(stderr(&output).contains("error: missing.py: "), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn unreadable_file_exits_2_and_still_reports_the_rest() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tree(&[("broken.py", BROKEN), ("secret.py", CLEAN)]);
    let secret = dir.path().join("secret.py");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        eprintln!("skipping: this user (root?) can read a mode 000 file");
        return;
    }
    let output = run(dir.path(), &["--output-format", "concise"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).starts_with("broken.py:2:7: PDC001"));
    assert!(stderr(&output).contains("error: secret.py: "), "{}", stderr(&output));
}

#[test]
fn usage_error_exits_2() {
    let dir = tree(&[]);
    assert_eq!(run(dir.path(), &["--output-format", "xml"]).status.code(), Some(2));
    assert_eq!(run(dir.path(), &["--jobs", "0"]).status.code(), Some(2));
    assert_eq!(run(dir.path(), &["rule"]).status.code(), Some(2));
}

#[test]
fn version_and_help() {
    let dir = tree(&[]);
    let version = run(dir.path(), &["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert!(stdout(&version).starts_with("pydevcheck "));
    let help = run(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:"));
    assert!(stdout(&run(dir.path(), &["check", "--help"])).contains("--output-format"));
}

#[test]
fn rule_docs() {
    let dir = tree(&[]);
    let one = run(dir.path(), &["rule", "PDC001"]);
    assert_eq!(one.status.code(), Some(0));
    assert!(stdout(&one).starts_with("# syntax-error (PDC001)\n"), "{}", stdout(&one));
    assert!(stdout(&one).contains("## What it does"));
    let by_name = run(dir.path(), &["rule", "undecodable-source"]);
    assert!(stdout(&by_name).starts_with("# undecodable-source (PDC002)\n"));
    let all = run(dir.path(), &["rule", "--all"]);
    assert_eq!(all.status.code(), Some(0));
    assert!(stdout(&all).contains("(PDC001)") && stdout(&all).contains("(PDC002)"));
    let unknown = run(dir.path(), &["rule", "PDC999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown rule `PDC999`"));
}

#[test]
fn closed_stdout_pipe_exits_quietly() {
    // Enough output to fill the pipe buffer, so that writes happen after the reader is gone.
    let files: Vec<(String, &[u8])> = (0..600).map(|i| (format!("m{i:03}.py"), BROKEN)).collect();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(name, content)| (name.as_str(), *content)).collect();
    let dir = tree(&files);
    let mut child = Command::new(BIN)
        .args(["--color", "never"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, as `head -c 16` would do.
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("error"), "{err}");
}

/// DESIGN.md section 8: deep nesting in a directory run must not overflow a worker's stack.
#[test]
fn deep_nesting_in_a_directory_does_not_crash() {
    let mut deep = String::new();
    for depth in 0..3000 {
        deep.push_str(&" ".repeat(depth));
        deep.push_str("if x:\n");
    }
    deep.push_str(&" ".repeat(3000));
    deep.push_str("pass\n");
    let dir = tree(&[("deep.py", deep.as_bytes()), ("broken.py", BROKEN)]);
    let output = run(dir.path(), &["--output-format", "concise", "--jobs", "2"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{:?}\n{}", output.status, stderr(&output));
    assert!(stdout(&output).contains("broken.py:2:7: PDC001"));
}

#[test]
fn off_by_default_rules_need_extend_select() {
    let source: &[u8] =
        b"with open('data.txt', 'rb') as f:\n    raw = f.read()\nwith open('data.txt') as f:\n    text = f.read()\n";
    let dir = tree(&[("a.py", source)]);
    let default = run(dir.path(), &["--output-format", "concise"]);
    assert_eq!(default.status.code(), Some(0), "{}", stdout(&default));
    let selected = run(dir.path(), &["--output-format", "concise", "--extend-select", "implicit-text-encoding"]);
    assert_eq!(selected.status.code(), Some(1), "{}", stderr(&selected));
    assert!(stdout(&selected).starts_with("a.py:3:6: PDC603 "), "{}", stdout(&selected));
    let unknown = run(dir.path(), &["--extend-select", "PDC999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown rule selector `PDC999`"), "{}", stderr(&unknown));
}

const LEAK: &[u8] = b"def f(p):\n    return open(p).read()\n";

fn concise(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["--output-format", "concise", "--quiet"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    (output.status.code(), stdout(&output))
}

#[test]
fn closest_configuration_wins() {
    let dir = tree(&[
        ("pyproject.toml", b"[tool.pydevcheck]\nignore = ['PDC101']\n"),
        ("a.py", LEAK),
        ("sub/pydevcheck.toml", b"select = ['ALL']\n"),
        ("sub/b.py", LEAK),
        // A pyproject.toml without our table does not stop the search.
        ("other/pyproject.toml", b"[project]\nname = 'x'\n"),
        ("other/c.py", LEAK),
    ]);
    let (code, out) = concise(dir.path(), &[]);
    assert_eq!(code, Some(1));
    // `ALL` includes the opt-in PDC603: `open(p)` has no encoding.
    let found: Vec<(&str, &str)> =
        out.lines().map(|l| (l.split(':').next().unwrap(), l.split(' ').nth(1).unwrap())).collect();
    assert_eq!(found, [("sub/b.py", "PDC101"), ("sub/b.py", "PDC603")], "{out}");
    let (_, isolated) = concise(dir.path(), &["--isolated"]);
    assert_eq!(isolated.lines().count(), 3, "{isolated}");
    let (_, explicit) = concise(dir.path(), &["--config", "sub/pydevcheck.toml"]);
    assert_eq!(explicit.lines().count(), 6, "{explicit}");
}

#[test]
fn flags_select_ignore_and_exclude() {
    let dir = tree(&[("a.py", LEAK), ("gen/b.py", LEAK), ("tests/test_c.py", BROKEN)]);
    assert_eq!(concise(dir.path(), &["--select", "PDC001"]).1.lines().count(), 1);
    assert_eq!(concise(dir.path(), &["--ignore", "unclosed-file,PDC0"]).0, Some(0));
    let (_, out) = concise(dir.path(), &["--extend-exclude", "gen,tests"]);
    assert!(out.starts_with("a.py:") && out.lines().count() == 1, "{out}");
    // A file named on the command line is checked unless --force-exclude.
    assert_eq!(concise(dir.path(), &["--exclude", "gen", "gen/b.py"]).1.lines().count(), 1);
    assert_eq!(concise(dir.path(), &["--exclude", "gen", "--force-exclude", "gen/b.py"]).0, Some(0));
}

#[test]
fn per_file_ignores_and_extend_select() {
    let dir = tree(&[
        ("pyproject.toml", b"[tool.pydevcheck]\nextend-select = ['PDC003']\n[tool.pydevcheck.per-file-ignores]\n'tests/*' = ['PDC1']\n"),
        ("tests/test_a.py", LEAK),
        ("b.py", b"x = 1  # noqa: PDC101\n"),
    ]);
    let (code, out) = concise(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "b.py:1:8: PDC003 unused `noqa` directive (unused: `PDC101`)\n");
}

#[test]
fn configuration_errors_exit_2_with_file_line_and_suggestion() {
    let dir =
        tree(&[("pyproject.toml", b"[tool.pydevcheck]\nselect = ['PDC101']\nignroe = ['PDC102']\n"), ("a.py", LEAK)]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("pyproject.toml:3: unknown key `ignroe`"), "{err}");
    assert!(err.contains("did you mean `ignore`?"), "{err}");
    assert_eq!(stdout(&output), "");

    let output = run(dir.path(), &["--isolated", "--extend-select", "PDC3O1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown rule selector `PDC3O1`; did you mean `PDC301`?"), "{}", stderr(&output));
}

#[test]
fn noqa_silences_the_finding_on_its_line() {
    let dir = tree(&[
        ("a.py", b"def f(p):\n    return open(p).read()  # noqa: PDC101\n"),
        ("b.py", b"def f(p):\n    return open(p).read()  # pydevcheck: ignore[PDC101]\n"),
        ("c.py", b"def f(p):\n    return open(p).read()  # noqa: E501\n"),
        ("d.py", b"def f(p):\n    s = '# noqa'; return open(p).read()\n"),
    ]);
    let (_, out) = concise(dir.path(), &[]);
    let paths: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    assert_eq!(paths, ["c.py", "d.py"], "{out}");
}

#[test]
fn add_noqa_rewrites_files_keeping_bytes() {
    let crlf_bom = b"\xef\xbb\xbfdef f(p):\r\n    return open(p).read()\r\n";
    let latin1 = b"# -*- coding: latin-1 -*-\ndef f(p):\n    return open(p).read()  # caf\xe9\n";
    let dir = tree(&[
        ("a.py", crlf_bom),
        ("b.py", LEAK),
        ("c.py", b"def g(p):\n    return open(p).read() # noqa: E501\n"),
        ("l.py", latin1),
    ]);
    let output = run(dir.path(), &["--add-noqa"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("Added 3 noqa directives."), "{}", stderr(&output));
    assert!(stderr(&output).contains("l.py: not UTF-8, left unchanged"), "{}", stderr(&output));
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("a.py"), b"\xef\xbb\xbfdef f(p):\r\n    return open(p).read()  # noqa: PDC101\r\n");
    assert_eq!(read("b.py"), b"def f(p):\n    return open(p).read()  # noqa: PDC101\n");
    assert_eq!(read("c.py"), b"def g(p):\n    return open(p).read() # noqa: E501, PDC101\n");
    assert_eq!(read("l.py"), latin1);
    // Everything UTF-8 is silenced now.
    let (_, out) = concise(dir.path(), &[]);
    assert!(out.lines().all(|l| l.starts_with("l.py:")), "{out}");
}

#[test]
fn github_annotations_cannot_be_split_or_injected() {
    let dir = tree(&[("a,b:c%25.py", BROKEN), ("x\n::error file=evil.py::y.py", BROKEN)]);
    let output = run(dir.path(), &["--output-format", "github", "--extend-select", "PDC003"]);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("::warning file=")), "{text}");
    assert!(lines[0].starts_with("::warning file=a%2Cb%3Ac%2525.py,line=2,col=7,endLine=2,endColumn="), "{text}");
    assert!(lines[0].contains(",title=PDC001 syntax-error::"), "{text}");
    assert!(lines[1].starts_with("::warning file=x%0A%3A%3Aerror file=evil.py%3A%3Ay.py,line=2,"), "{text}");
}

#[test]
fn github_paths_are_relative_to_the_workspace() {
    let dir = tree(&[("src/broken.py", BROKEN)]);
    let output = Command::new(BIN)
        .args(["--output-format", "github", "broken.py"])
        .current_dir(dir.path().join("src"))
        .env("GITHUB_WORKSPACE", dir.path())
        .output()
        .unwrap();
    assert!(stdout(&output).starts_with("::warning file=src/broken.py,line=2,"), "{}", stdout(&output));
}

#[test]
fn output_file() {
    let dir = tree(&[("broken.py", BROKEN)]);
    let output = run(dir.path(), &["--output-format", "json-lines", "--output-file", "report.jsonl"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let report = std::fs::read_to_string(dir.path().join("report.jsonl")).unwrap();
    let value: serde_json::Value = serde_json::from_str(report.lines().next().unwrap()).unwrap();
    assert_eq!(value["code"], "PDC001");
}

#[path = "../../pydevcheck_analyzer/tests/support/mod.rs"]
mod support;

/// `fixtures/projects/configured_api/` declares its company APIs in `[tool.pydevcheck]`: the findings must be
/// exactly its annotations with that configuration, and the leaks must go unseen without it (`--isolated`),
/// which proves that the configuration is what found them.
#[test]
fn configured_apis_reach_the_analysis() {
    use std::collections::BTreeSet;

    let project = support::fixtures_root().join("projects/configured_api");
    let findings = |extra: &[&str]| -> BTreeSet<(String, u32, String)> {
        let mut args = vec!["--output-format", "json"];
        args.extend_from_slice(extra);
        args.push(".");
        let output = run(&project, &args);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let file = f["filename"].as_str().unwrap().trim_start_matches("./").to_owned();
                (file, f["location"]["row"].as_u64().unwrap() as u32, f["code"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    let mut expected = BTreeSet::new();
    for path in support::python_files(&project) {
        let source = std::fs::read_to_string(&path).unwrap();
        let relative = path.strip_prefix(&project).unwrap().to_str().unwrap().to_owned();
        let annotations = support::expectations(&source).unwrap_or_else(|e| panic!("{relative}: {e:?}"));
        expected.extend(annotations.into_iter().map(|(line, code)| (relative.clone(), line, code)));
    }
    assert!(expected.len() >= 5, "the fixture lost its annotations: {expected:?}");
    assert_eq!(findings(&[]), expected);
    assert_eq!(findings(&["--isolated"]), BTreeSet::new());
}
