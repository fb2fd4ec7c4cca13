//! Every format stays well-formed whatever a file name or a message holds: seeded random inputs (with
//! the characters that break formats over-represented) go through each printer and are read back.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pydevcheck_analyzer::{rules, Diagnostic, Exit, Position, Span};

use super::*;

const CASES: usize = 300;

/// A random string biased towards what escaping must handle.
fn nasty(rng: &mut fastrand::Rng, max: usize) -> String {
    const PIECES: &[&str] = &[
        "%",
        "%25",
        "%0A",
        ":",
        "::",
        ",",
        "\r",
        "\n",
        "\r\n",
        "\u{1b}[31m",
        "\u{1b}]8;;x\u{7}",
        "\u{7}",
        "\u{0}",
        "\u{85}",
        "\u{9b}",
        "\u{202e}",
        "\u{2066}",
        "\t",
        "\u{c}",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "]]>",
        "\\",
        "/",
        "\u{fffe}",
        "\u{ffff}",
        "é",
        "𝔘",
        "::warning file=x::y",
        "a",
        "b",
        " ",
    ];
    let len = rng.usize(0..=max);
    (0..len)
        .map(|_| match rng.u8(0..4) {
            0 => rng.char(..).to_string(),
            _ => PIECES[rng.usize(..PIECES.len())].to_owned(),
        })
        .collect()
}

fn diagnostic(rng: &mut fastrand::Rng, name: &str) -> Diagnostic {
    let row = rng.u32(1..1000);
    let span = |row: u32| Span {
        start: Position { row, column: 1 },
        end: Position { row, column: 5 },
        byte_start: 0,
        byte_end: 0,
    };
    Diagnostic {
        rule: rules::ALL_RULES[rng.usize(..rules::ALL_RULES.len())],
        path: PathBuf::from(format!("dir/{name}.py")),
        span: span(row),
        message: nasty(rng, 12),
        hint: nasty(rng, 6),
        exit: rng.bool().then(|| Exit { span: span(row + 1), description: nasty(rng, 6) }),
    }
}

/// Seeded cases: `(diagnostics, file names)`; each case has one to four findings.
fn cases() -> impl Iterator<Item = Vec<Diagnostic>> {
    let mut rng = fastrand::Rng::with_seed(0x5eed_0f9d);
    (0..CASES).map(move |_| {
        let n = rng.usize(1..5);
        (0..n)
            .map(|_| {
                let name = nasty(&mut rng, 8);
                diagnostic(&mut rng, &name)
            })
            .collect()
    })
}

fn render(format: OutputFormat, diagnostics: &[Diagnostic], source: Option<&Arc<str>>) -> String {
    let findings: Vec<Finding<'_>> = diagnostics.iter().map(|diagnostic| Finding { diagnostic, source }).collect();
    let context = Context {
        colors: Colors::Off,
        workspace: PathBuf::from("/ws"),
        cwd: PathBuf::from("/ws"),
        files: diagnostics.iter().map(|d| d.path.as_path()).collect(),
    };
    let mut out = Vec::new();
    print(&mut out, format, &findings, false, &context).unwrap();
    String::from_utf8(out).unwrap()
}

/// GitHub's runner reads a workflow command per line: `::warning PROPERTIES::MESSAGE`.
fn unescape(text: &str) -> String {
    text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
}

#[test]
fn github_gives_one_command_per_finding_and_round_trips() {
    for diagnostics in cases() {
        let out = render(OutputFormat::Github, &diagnostics, None);
        assert!(!out.contains('\r'), "{out:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), diagnostics.len(), "{out:?}");
        for (line, d) in lines.iter().zip(&diagnostics) {
            let rest = line.strip_prefix("::warning ").unwrap_or_else(|| panic!("{line:?}"));
            // Properties cannot hold `:`, so the first `::` ends them.
            let (properties, message) = rest.split_once("::").unwrap();
            assert_eq!(unescape(message), d.message, "{line:?}");
            let file = properties.split(',').find_map(|p| p.strip_prefix("file=")).unwrap();
            // Paths are shown by component (`a//b` is `a/b`), and that is all that changes.
            let expected: Vec<String> = d.path.components().map(|c| c.as_os_str().to_string_lossy().into()).collect();
            assert_eq!(unescape(file), expected.join("/"), "{line:?}");
            for property in properties.split(',') {
                assert!(property.contains('='), "{line:?}");
            }
        }
    }
}

#[test]
fn github_escapes_the_issue_example() {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut d = diagnostic(&mut rng, "a,b:c%25");
    d.message = "first line\nsecond line".to_owned();
    let out = render(OutputFormat::Github, &[d], None);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("::warning file=dir/a%2Cb%3Ac%2525.py,line="), "{out}");
    assert!(out.trim_end().ends_with("::first line%0Asecond line"), "{out}");
}

#[test]
fn json_formats_parse_back() {
    for diagnostics in cases() {
        let json: serde_json::Value = serde_json::from_str(&render(OutputFormat::Json, &diagnostics, None)).unwrap();
        let array = json.as_array().unwrap();
        assert_eq!(array.len(), diagnostics.len());
        for (value, d) in array.iter().zip(&diagnostics) {
            assert_eq!(value["message"].as_str(), Some(d.message.as_str()));
            assert_eq!(value["filename"].as_str(), d.path.to_str());
        }
        let lines = render(OutputFormat::JsonLines, &diagnostics, None);
        assert_eq!(lines.lines().count(), diagnostics.len());
        for line in lines.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        let sarif: serde_json::Value = serde_json::from_str(&render(OutputFormat::Sarif, &diagnostics, None)).unwrap();
        assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), diagnostics.len());
        let gitlab: serde_json::Value =
            serde_json::from_str(&render(OutputFormat::Gitlab, &diagnostics, None)).unwrap();
        assert_eq!(gitlab.as_array().unwrap().len(), diagnostics.len());
    }
}

#[test]
fn junit_is_well_formed_xml() {
    for diagnostics in cases() {
        let out = render(OutputFormat::Junit, &diagnostics, None);
        let document = roxmltree::Document::parse(&out).unwrap_or_else(|error| panic!("{error}\n{out}"));
        let failures = document.descendants().filter(|node| node.has_tag_name("failure")).count();
        assert_eq!(failures, diagnostics.len());
        let mut names: Vec<&Path> = diagnostics.iter().map(|d| d.path.as_path()).collect();
        names.sort();
        names.dedup();
        let cases = document.descendants().filter(|node| node.has_tag_name("testcase")).count();
        assert_eq!(cases, names.len());
    }
}

/// What a terminal must never receive from a file: ESC, other C0/C1 controls but tab and newline, and
/// bidirectional overrides.
fn assert_terminal_safe(out: &str) {
    for c in out.chars() {
        let allowed = c == '\n' || c == '\t' || !(c.is_control() || super::is_bidi_control(c));
        assert!(allowed, "{:?} in {out:?}", c);
    }
}

#[test]
fn terminal_formats_neutralise_control_characters() {
    let source: Arc<str> = Arc::from("x = '\u{1b}[2J\u{1b}]0;pwned\u{7}'\r\ny = '\u{202e}txt.exe'\u{c}\rz = 1\n");
    for diagnostics in cases() {
        let mut diagnostics = diagnostics;
        for d in &mut diagnostics {
            // Spans inside the source, so that miette renders the snippet.
            d.span.byte_start = 4;
            d.span.byte_end = 9;
            d.span.start = Position { row: 1, column: 5 };
            d.span.end = Position { row: 1, column: 10 };
            d.exit = None;
        }
        let concise = render(OutputFormat::Concise, &diagnostics, None);
        assert_terminal_safe(&concise);
        assert_eq!(concise.lines().count(), diagnostics.len(), "{concise:?}");
        assert_terminal_safe(&render(OutputFormat::Full, &diagnostics, Some(&source)));
        assert_terminal_safe(&render(OutputFormat::Full, &diagnostics, None));
    }
}

#[test]
fn terminal_source_keeps_every_offset() {
    let text = "a\u{1b}b\r\nc\rd\u{c}e\u{85}f\u{202e}g\u{0}";
    let safe = terminal_source(text);
    assert_eq!(safe.len(), text.len());
    for (i, _) in text.char_indices() {
        assert!(safe.is_char_boundary(i), "{i}");
    }
    assert_eq!(&*safe, "a?b \nc\nd e??f\u{fffd}g?");
    // Plain text is borrowed; a control character past the first chunks of the fast test is still found.
    let plain = format!("{}\tx\n", "a".repeat(200));
    assert!(matches!(terminal_source(&plain), Cow::Borrowed(_)));
    assert!(matches!(terminal_source("caf\u{e9}\n"), Cow::Borrowed(_)));
    let late = format!("{}\u{1b}", "a".repeat(200));
    assert_eq!(&*terminal_source(&late), format!("{}?", "a".repeat(200)));
    assert_eq!(terminal_safe("a\u{1b}[31m\nb\u{202e}"), "a\\u{1b}[31m\\u{a}b\\u{202e}");
}
