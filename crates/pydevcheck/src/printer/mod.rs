//! Printers: findings in, text out. They never analyse and never decide the exit status.

mod concise;
mod full;
pub(crate) mod github;
mod gitlab;
mod json;
mod junit;
mod sarif;
mod statistics;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pydevcheck_analyzer::{Diagnostic, FileReport};

pub(crate) use full::Colors;

use crate::args::OutputFormat;

/// One finding with the source text it is rendered against.
pub(crate) struct Finding<'a> {
    pub(crate) diagnostic: &'a Diagnostic,
    pub(crate) source: Option<&'a Arc<str>>,
}

/// Every finding of `files`, in report order: path, row, column, code.
pub(crate) fn findings(files: &[FileReport]) -> Vec<Finding<'_>> {
    let mut findings: Vec<Finding<'_>> = files
        .iter()
        .flat_map(|file| file.diagnostics.iter().map(|diagnostic| Finding { diagnostic, source: file.source.as_ref() }))
        .collect();
    findings.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    findings
}

/// What printers need besides the findings.
pub(crate) struct Context<'a> {
    pub(crate) colors: Colors,
    /// The directory `github` paths are relative to: `GITHUB_WORKSPACE`, or the working directory.
    pub(crate) workspace: PathBuf,
    pub(crate) cwd: PathBuf,
    /// Every file checked, with or without findings (`junit` has a test case for each).
    pub(crate) files: Vec<&'a Path>,
}

impl Context<'_> {
    /// `path` relative to the workspace when it lies inside it, with `/` separators.
    pub(crate) fn workspace_relative(&self, path: &Path) -> String {
        let absolute = crate::settings::absolute(path, &self.cwd);
        let shown = absolute.strip_prefix(&self.workspace).map_or(absolute.as_path(), |relative| relative);
        shown.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/").replace("//", "/")
    }

    /// `path` as a relative URI reference: workspace-relative, with the characters a URI reserves escaped.
    pub(crate) fn uri(&self, path: &Path) -> String {
        let mut out = String::new();
        for byte in self.workspace_relative(path).bytes() {
            if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&byte) {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    }
}

/// Writes the findings, or their statistics, in `format`.
pub(crate) fn print(
    out: &mut dyn Write,
    format: OutputFormat,
    findings: &[Finding<'_>],
    statistics: bool,
    context: &Context<'_>,
) -> io::Result<()> {
    match (format, statistics) {
        (OutputFormat::Json | OutputFormat::JsonLines, true) => statistics::json(out, findings),
        (_, true) => statistics::table(out, findings),
        (OutputFormat::Full, false) => full::print(out, findings, context.colors),
        (OutputFormat::Concise, false) => concise::print(out, findings),
        (OutputFormat::Json, false) => json::print(out, findings),
        (OutputFormat::JsonLines, false) => json::print_lines(out, findings),
        (OutputFormat::Github, false) => github::print(out, findings, context),
        (OutputFormat::Sarif, false) => sarif::print(out, findings, context),
        (OutputFormat::Junit, false) => junit::print(out, findings, context),
        (OutputFormat::Gitlab, false) => gitlab::print(out, findings, context),
    }
}

/// A fingerprint per finding that does not depend on its line number: a hash of the rule code, the path,
/// the finding's source line with whitespace normalised, and the number of earlier findings with the same
/// three values. Adding lines above a finding keeps it; editing its line changes it.
pub(crate) fn fingerprints(findings: &[Finding<'_>]) -> Vec<String> {
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    findings
        .iter()
        .map(|Finding { diagnostic: d, source }| {
            let line = source.map_or(String::new(), |text| source_line(text, d.span.byte_start as usize));
            let path = d.path.to_string_lossy().replace('\\', "/");
            let key = (d.rule.code.to_owned(), path, line);
            let occurrence = seen.entry(key.clone()).or_insert(0);
            let index = *occurrence;
            *occurrence += 1;
            let mut hasher = Fnv1a::new();
            for part in [key.0.as_str(), key.1.as_str(), key.2.as_str(), &index.to_string()] {
                hasher.write(part.as_bytes());
                hasher.write(&[0]);
            }
            format!("{:016x}", hasher.0)
        })
        .collect()
}

/// The line of `text` holding byte `offset`, with runs of whitespace collapsed to one space and trimmed.
fn source_line(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = text[offset..].find(['\n', '\r']).map_or(text.len(), |i| offset + i);
    text.get(start..end).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 64-bit FNV-1a: a fixed, documented hash, so fingerprints never change between builds or Rust versions
/// (std's `DefaultHasher` makes no such promise).
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Text from a source file, a file name or a child process, made safe for a terminal: control characters
/// (C0 but tab, DEL, C1) and the bidirectional overrides of "Trojan Source" become visible `\u{..}`
/// escapes, so that nothing a checked file contains can move the cursor, recolour the screen, start an
/// escape sequence or reorder what the reader sees. A line break becomes `\u{a}` too: one finding, one
/// line.
pub(crate) fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A file's text for miette's snippets, with the same byte length so that spans still point at the same
/// code: line breaks as Python reads them (a lone CR becomes LF, the CR of CRLF a space, a form feed a
/// space), other control characters `?` (`??` for the two-byte C1 controls) and bidirectional controls
/// U+FFFD, which are three bytes like them.
pub(crate) fn terminal_source(text: &str) -> Cow<'_, str> {
    // Printable ASCII, tabs and line feeds, which is nearly every file, is told apart many bytes at a time:
    // within a chunk the test does not stop early, so the compiler vectorises it.
    let plain = text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |plain, &b| plain & matches!(b, b' '..=b'~' | b'\n' | b'\t')));
    if plain || !text.chars().any(|c| c != '\n' && c != '\t' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => out.push(' '),
            '\r' => out.push('\n'),
            '\n' | '\t' => out.push(c),
            '\x0c' => out.push(' '),
            c if is_bidi_control(c) => out.push('\u{fffd}'),
            c if c.is_control() => out.extend(std::iter::repeat_n('?', c.len_utf8())),
            c => out.push(c),
        }
    }
    debug_assert_eq!(out.len(), text.len());
    Cow::Owned(out)
}

/// `Found 3 findings in 2 files (10 files checked)`.
pub(crate) fn summary(findings: &[Finding<'_>], files_checked: usize) -> String {
    let mut with_findings: Vec<_> = findings.iter().map(|f| f.diagnostic.path.as_path()).collect();
    with_findings.dedup();
    format!(
        "Found {} in {} ({} checked)",
        plural(findings.len(), "finding"),
        plural(with_findings.len(), "file"),
        plural(files_checked, "file")
    )
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
