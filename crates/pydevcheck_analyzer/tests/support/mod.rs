//! Reading the inline expectations of a fixture: `# error: [PDC101]` or `# error: [PDC101, PDC301]` as a
//! trailing comment on the line the finding is about.
//!
//! The reader is a small Python tokenizer, not a regular expression over lines: it follows string literals
//! (single, double, triple-quoted, across lines, with backslash escapes) so that `# error:` inside a string
//! is text, not an expectation. Limits, accepted because fixtures are written by us:
//! - an f-string whose replacement field contains the same quote character (Python 3.12, PEP 701) ends the
//!   literal early for this reader; fixtures do not use that form;
//! - an expectation must share its line with code: a comment-only `# error:` line is rejected as malformed
//!   rather than applied to the next line, so that a misplaced annotation fails loudly;
//! - a comment that mentions `error: [` anywhere but at its start is also rejected, for the same reason.

// Each test binary (`fixtures`, `runtime`) uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// One expected (or reported) finding: the 1-based line and the rule code.
pub(crate) type Finding = (u32, String);

/// An annotation the reader could not use, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    pub(crate) line: u32,
    pub(crate) reason: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A comment found by the tokenizer: its line, whether code precedes it on that line, and its text after `#`.
struct Comment<'a> {
    line: u32,
    trailing: bool,
    text: &'a str,
}

/// Finds every comment of a Python source, skipping string literals.
fn comments(source: &str) -> Vec<Comment<'_>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut code_on_line = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                code_on_line = false;
                i += 1;
            }
            b'#' => {
                let end = source[i..].find('\n').map_or(source.len(), |n| i + n);
                out.push(Comment { line, trailing: code_on_line, text: &source[i + 1..end] });
                i = end;
            }
            quote @ (b'"' | b'\'') => {
                code_on_line = true;
                let triple = bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote);
                let width = if triple { 3 } else { 1 };
                i += width;
                while i < bytes.len() {
                    match bytes[i] {
                        // A backslash escapes the next character, also in raw strings as far as the end of
                        // the literal is concerned (`r"\""` is one literal).
                        b'\\' => {
                            if bytes.get(i + 1) == Some(&b'\n') {
                                line += 1;
                            }
                            i += 2;
                        }
                        b'\n' if triple => {
                            line += 1;
                            i += 1;
                        }
                        // An unterminated single-quoted literal ends at the line; the parser reports it.
                        b'\n' => break,
                        c if c == quote
                            && (!triple || (bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote))) =>
                        {
                            i += width;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                // An explicit line join: the next physical line continues this logical line.
                line += 1;
                i += 2;
            }
            _ => {
                code_on_line = true;
                i += 1;
            }
        }
    }
    out
}

/// Reads the expectations of a fixture. Malformed annotations are returned, never skipped.
pub(crate) fn expectations(source: &str) -> Result<BTreeSet<Finding>, Vec<Malformed>> {
    let mut found = BTreeSet::new();
    let mut malformed = Vec::new();
    for comment in comments(source) {
        let text = comment.text.trim_start();
        let Some(rest) = text.strip_prefix("error:") else {
            if text.contains("error: [") {
                malformed.push(Malformed {
                    line: comment.line,
                    reason: format!("`error: [` must open the comment: `#{}`", comment.text),
                });
            }
            continue;
        };
        if !comment.trailing {
            malformed.push(Malformed {
                line: comment.line,
                reason: "an expectation must follow code on the same line".to_string(),
            });
            continue;
        }
        match parse_codes(rest) {
            Ok(codes) => {
                for code in codes {
                    if !found.insert((comment.line, code.clone())) {
                        malformed.push(Malformed { line: comment.line, reason: format!("`{code}` is listed twice") });
                    }
                }
            }
            Err(reason) => malformed.push(Malformed { line: comment.line, reason }),
        }
    }
    if malformed.is_empty() {
        Ok(found)
    } else {
        Err(malformed)
    }
}

/// Parses ` [PDC101, PDC301] optional prose` into its codes.
fn parse_codes(rest: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim_start();
    let Some(inner) = rest.strip_prefix('[').and_then(|r| r.split_once(']')).map(|(inner, _)| inner) else {
        return Err(format!("expected `error: [CODE, ...]`, found `error:{rest}`"));
    };
    let codes: Vec<String> = inner.split(',').map(|code| code.trim().to_string()).collect();
    for code in &codes {
        let well_formed = code.len() == 6 && code.starts_with("PDC") && code[3..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(format!("`{code}` is not a rule code like `PDC101`"));
        }
    }
    Ok(codes)
}

/// The repository's `fixtures/` directory.
pub(crate) fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every `.py` file under `dir`, recursively, sorted, skipping caches and virtual environments.
pub(crate) fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "__pycache__" | ".pytest_cache" | ".venv" | "venv") {
                    stack.push(path);
                }
            } else if name.ends_with(".py") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A path relative to the fixtures root, for messages.
pub(crate) fn display(path: &Path) -> String {
    let root = fixtures_root();
    path.strip_prefix(&root).map_or_else(|_| path.display().to_string(), |p| format!("fixtures/{}", p.display()))
}
