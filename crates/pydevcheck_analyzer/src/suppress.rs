//! Suppression comments: `# noqa`, `# noqa: PDC101, PDC102` (ruff's syntax) and
//! `# pydevcheck: ignore[PDC101]`, on the line where a finding starts.
//!
//! Comments come from a small tokenizer of our own rather than from a line regex: a `# noqa` inside a string
//! literal is text, not a directive. Only `parse` may use ruff's tokens, and a suppression must still work in
//! a file that does not parse, so this module reads the source itself. It follows single- and
//! triple-quoted strings with every prefix (`r`, `b`, `u`, `f`, `t` and their pairs), backslash escapes, and
//! f-string replacement fields (PEP 701), where a nested string may reuse the outer quote and a `#` inside a
//! multi-line field is a real comment.

use pydevcheck_diagnostics::{Diagnostic, Span};

use crate::line_index::LineIndex;

/// A comment: the byte range of its text, `#` included, up to the end of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Where the tokenizer is.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Inside a string literal.
    Str { quote: u8, triple: bool, format: bool },
    /// Inside an f-string replacement field, with its bracket depth.
    Field { depth: u32 },
    /// Inside an f-string format spec (`{x:>10}`), which is string text that may hold nested fields.
    Spec,
}

/// Every comment of `text`, in order. Never fails: an unterminated string runs to the end of its line (or of
/// the file when triple-quoted), as CPython's tokenizer would report it.
pub(crate) fn comments(text: &str) -> Vec<Comment> {
    scan(text).comments
}

/// What the tokenizer found.
struct Scan {
    comments: Vec<Comment>,
    /// Byte offsets of line breaks where a comment cannot be added: inside a string, or after a backslash
    /// continuation.
    blocked: Vec<usize>,
}

fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut blocked = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match stack.last().copied() {
            None | Some(Frame::Field { .. }) => {
                if c == b'#' {
                    let end = line_end(bytes, i);
                    out.push(Comment { start: i, end });
                    i = end;
                    continue;
                }
                if c == b'\\' {
                    if matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) {
                        blocked.push(i + 1);
                    }
                    i += 2;
                    continue;
                }
                if c == b'\'' || c == b'"' {
                    i = open_string(bytes, i, "", &mut stack);
                    continue;
                }
                if is_identifier_byte(c) && !c.is_ascii_digit() {
                    let start = i;
                    while i < bytes.len() && is_identifier_byte(bytes[i]) {
                        i += 1;
                    }
                    if i < bytes.len() && (bytes[i] == b'\'' || bytes[i] == b'"') && is_prefix(&text[start..i]) {
                        i = open_string(bytes, i, &text[start..i], &mut stack);
                    }
                    continue;
                }
                if let Some(Frame::Field { depth }) = stack.last_mut() {
                    match c {
                        b'(' | b'[' | b'{' => *depth += 1,
                        b')' | b']' if *depth > 0 => *depth -= 1,
                        b'}' if *depth > 0 => *depth -= 1,
                        b'}' => {
                            stack.pop();
                        }
                        // `!=` is an operator, `!r` a conversion; only a `:` at depth 0 starts a format spec.
                        b':' if *depth == 0 => {
                            stack.pop();
                            stack.push(Frame::Spec);
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            Some(Frame::Spec) => {
                match c {
                    b'{' => stack.push(Frame::Field { depth: 0 }),
                    b'}' => {
                        stack.pop();
                    }
                    _ => {}
                }
                i += 1;
            }
            Some(Frame::Str { quote, triple, format }) => {
                if c == b'\\' {
                    // In an f-string `\{` still opens a field, so only skip an escaped non-brace.
                    let next = bytes.get(i + 1).copied();
                    i += if format && matches!(next, Some(b'{' | b'}')) { 1 } else { 2 };
                    continue;
                }
                if c == quote {
                    if !triple {
                        stack.pop();
                        i += 1;
                        continue;
                    }
                    if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                        stack.pop();
                        i += 3;
                        continue;
                    }
                }
                if !triple && (c == b'\n' || c == b'\r') {
                    // Unterminated single-quoted string: CPython stops it at the line end.
                    stack.pop();
                    i += 1;
                    continue;
                }
                if c == b'\n' || c == b'\r' {
                    blocked.push(i);
                }
                if format && c == b'{' {
                    if bytes.get(i + 1) == Some(&b'{') {
                        i += 2;
                    } else {
                        stack.push(Frame::Field { depth: 0 });
                        i += 1;
                    }
                    continue;
                }
                if format && c == b'}' && bytes.get(i + 1) == Some(&b'}') {
                    i += 2;
                    continue;
                }
                i += 1;
            }
        }
    }
    Scan { comments: out, blocked }
}

fn open_string(bytes: &[u8], at: usize, prefix: &str, stack: &mut Vec<Frame>) -> usize {
    let quote = bytes[at];
    let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
    let format = prefix.bytes().any(|b| matches!(b, b'f' | b'F' | b't' | b'T'));
    stack.push(Frame::Str { quote, triple, format });
    if triple {
        at + 3
    } else {
        at + 1
    }
}

fn is_prefix(word: &str) -> bool {
    const PREFIXES: &[&str] = &["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"];
    PREFIXES.iter().any(|prefix| prefix.eq_ignore_ascii_case(word))
}

/// Bytes that continue an identifier; non-ASCII bytes are parts of Unicode identifiers.
fn is_identifier_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(bytes.len(), |n| from + n)
}

/// What a directive suppresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Codes {
    /// Bare `# noqa` or `# pydevcheck: ignore`: every finding on the line.
    All,
    /// The codes listed, each with its byte range.
    Some(Vec<(String, usize, usize)>),
}

/// Which syntax a directive used, for the messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Noqa,
    Ignore,
}

/// One suppression comment segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    pub(crate) syntax: Syntax,
    /// Byte range of the directive, from its `#` to the end of its codes.
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) codes: Codes,
}

/// The directives of one comment. A comment may hold several `#` segments (`# type: ignore  # noqa: PDC101`).
pub(crate) fn directives(text: &str, comment: Comment) -> Vec<Directive> {
    let body = &text[comment.start..comment.end];
    let mut out = Vec::new();
    for (offset, _) in body.match_indices('#') {
        let start = comment.start + offset;
        let segment = &body[offset + 1..];
        let trimmed = segment.trim_start();
        let at = comment.start + offset + 1 + (segment.len() - trimmed.len());
        if let Some(directive) = noqa(trimmed, start, at).or_else(|| ignore(trimmed, start, at)) {
            out.push(directive);
        }
    }
    out
}

/// `noqa`, `noqa: A1, B2` or `noqa:A1 B2` at the start of `segment`, which begins at byte `at`.
fn noqa(segment: &str, start: usize, at: usize) -> Option<Directive> {
    let head = segment.get(..4)?;
    if !head.eq_ignore_ascii_case("noqa") {
        return None;
    }
    let rest = &segment[4..];
    let Some(list) = rest.strip_prefix(':') else {
        // `# noqa` alone, or followed by text that is not part of a word (`# noqa because ...`).
        if rest.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        return Some(Directive { syntax: Syntax::Noqa, start, end: at + 4, codes: Codes::All });
    };
    let list_at = at + 5;
    let codes = code_list(list, list_at, |c| c == ',' || c.is_whitespace());
    // `# noqa:` with no code is a blanket noqa, as ruff reads it.
    let end = codes.last().map_or(list_at, |&(_, _, end)| end);
    let codes = if codes.is_empty() { Codes::All } else { Codes::Some(codes) };
    Some(Directive { syntax: Syntax::Noqa, start, end, codes })
}

/// `pydevcheck: ignore` or `pydevcheck: ignore[PDC101, PDC102]`.
fn ignore(segment: &str, start: usize, at: usize) -> Option<Directive> {
    let rest = segment.strip_prefix("pydevcheck:")?;
    let after = rest.trim_start();
    let rest_at = at + "pydevcheck:".len() + (rest.len() - after.len());
    let after_ignore = after.strip_prefix("ignore")?;
    let Some(list) = after_ignore.strip_prefix('[') else {
        if after_ignore.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        return Some(Directive { syntax: Syntax::Ignore, start, end: rest_at + 6, codes: Codes::All });
    };
    let close = list.find(']')?;
    let list_at = rest_at + "ignore[".len();
    let codes = code_list(&list[..close], list_at, |c| c == ',' || c.is_whitespace());
    let end = list_at + close + 1;
    let codes = if codes.is_empty() { Codes::All } else { Codes::Some(codes) };
    Some(Directive { syntax: Syntax::Ignore, start, end, codes })
}

/// Codes (`[A-Z]+[0-9]+`) separated by `is_separator`, stopping at the first word that is not a code.
fn code_list(list: &str, list_at: usize, is_separator: impl Fn(char) -> bool) -> Vec<(String, usize, usize)> {
    let mut codes = Vec::new();
    let mut i = 0;
    let bytes = list.as_bytes();
    while i < bytes.len() {
        if is_separator(char::from(bytes[i])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &list[start..i];
        if !is_code(word) {
            break;
        }
        codes.push((word.to_owned(), list_at + start, list_at + i));
    }
    codes
}

fn is_code(word: &str) -> bool {
    let letters = word.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0 && letters < word.len() && word.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

/// A suppression code that silenced nothing, reported as PDC003 when that rule is selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unused {
    pub(crate) span: Span,
    pub(crate) message: String,
    /// Whether every code of the directive is unused, so the whole comment can go.
    pub(crate) whole: bool,
}

/// Why a listed code is unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeStatus {
    /// A selected pydevcheck rule: it could have fired here and did not.
    Enabled,
    /// A pydevcheck rule that is not selected for this file.
    Disabled,
    /// Not a code of any pydevcheck rule.
    Unknown,
}

/// Removes the findings that a directive on their start line suppresses, and returns the directive codes of
/// pydevcheck (`PDC…`) that suppressed nothing. Codes of other tools (`E501`) are left alone: `# noqa` is
/// shared with flake8 and ruff.
/// Whether `text` holds `noqa` (in any case) or `pydevcheck:` at all: most files hold neither, and looking
/// for a `q` costs far less than finding the comments.
fn may_hold_directive(text: &str) -> bool {
    let bytes = text.as_bytes();
    let noqa = memchr::memchr2_iter(b'q', b'Q', bytes)
        .any(|q| q >= 2 && bytes.get(q - 2..q + 2).is_some_and(|word| word.eq_ignore_ascii_case(b"noqa")));
    noqa || memchr::memmem::find(bytes, b"pydevcheck:").is_some()
}

pub(crate) fn apply(
    text: &str,
    index: &LineIndex<'_>,
    diagnostics: &mut Vec<Diagnostic>,
    status: impl Fn(&str) -> CodeStatus,
) -> Vec<Unused> {
    if !may_hold_directive(text) {
        return Vec::new();
    }
    let mut found: Vec<(u32, Directive, Vec<bool>)> = Vec::new();
    for comment in comments(text) {
        let row = index.position(to_u32(comment.start)).row;
        for directive in directives(text, comment) {
            let used = match &directive.codes {
                Codes::All => vec![false],
                Codes::Some(codes) => vec![false; codes.len()],
            };
            found.push((row, directive, used));
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    diagnostics.retain(|diagnostic| {
        let mut suppressed = false;
        for (row, directive, used) in found.iter_mut().filter(|(row, ..)| *row == diagnostic.span.start.row) {
            debug_assert_eq!(*row, diagnostic.span.start.row);
            match &directive.codes {
                Codes::All => {
                    used[0] = true;
                    suppressed = true;
                }
                Codes::Some(codes) => {
                    for (i, (code, ..)) in codes.iter().enumerate() {
                        if code == diagnostic.rule.code {
                            used[i] = true;
                            suppressed = true;
                        }
                    }
                }
            }
        }
        !suppressed
    });

    let mut unused = Vec::new();
    for (_, directive, used) in &found {
        let Codes::Some(codes) = &directive.codes else { continue };
        // A directive that names PDC003 silences the report about itself, as ruff's RUF100 does.
        if codes.iter().any(|(code, ..)| code == UNUSED_SUPPRESSION_CODE) {
            continue;
        }
        let ours: Vec<(&(String, usize, usize), CodeStatus)> = codes
            .iter()
            .zip(used)
            .filter(|((code, ..), used)| !**used && (code.starts_with("PDC") || directive.syntax == Syntax::Ignore))
            .map(|(code, _)| (code, status(&code.0)))
            .collect();
        if ours.is_empty() {
            continue;
        }
        let describe = |wanted: CodeStatus| -> Vec<&str> {
            ours.iter().filter(|(_, s)| *s == wanted).map(|((code, ..), _)| code.as_str()).collect()
        };
        let mut parts = Vec::new();
        for (wanted, label) in
            [(CodeStatus::Enabled, "unused"), (CodeStatus::Disabled, "non-enabled"), (CodeStatus::Unknown, "unknown")]
        {
            let list = describe(wanted);
            if !list.is_empty() {
                parts
                    .push(format!("{label}: {}", list.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")));
            }
        }
        let syntax = match directive.syntax {
            Syntax::Noqa => "`noqa` directive",
            Syntax::Ignore => "`pydevcheck: ignore` directive",
        };
        let whole = ours.len() == codes.len();
        let (start, end) = if whole {
            (directive.start, directive.end)
        } else {
            let first = ours.first().map_or(directive.start, |((_, start, _), _)| *start);
            let last = ours.last().map_or(directive.end, |((_, _, end), _)| *end);
            (first, last)
        };
        unused.push(Unused {
            span: index.span(to_u32(start), to_u32(end)),
            message: format!("unused {syntax} ({})", parts.join("; ")),
            whole,
        });
    }
    unused
}

/// The outcome of [`add_noqa`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoqaEdit {
    /// The new text; equal to the input when nothing was added.
    pub text: String,
    /// Lines that got a new or extended `# noqa`.
    pub added: usize,
    /// Lines where no comment can go: their end is inside a string or a backslash continuation.
    pub skipped: Vec<u32>,
}

/// Adds `# noqa: CODES` to the end of each line in `findings` (row, code), or extends the code list of a
/// `# noqa: ...` already there. A line with a bare `# noqa` already suppresses everything. Line endings are
/// kept: the comment goes before the line break.
pub fn add_noqa(text: &str, findings: &[(u32, &str)]) -> NoqaEdit {
    let index = LineIndex::new(text);
    let scan = scan(text);
    let mut wanted: std::collections::BTreeMap<u32, Vec<&str>> = std::collections::BTreeMap::new();
    for &(row, code) in findings {
        let codes = wanted.entry(row).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    // (offset, insertion), applied back to front so earlier offsets stay valid.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    let mut skipped = Vec::new();
    for (row, codes) in wanted {
        let Some(line_end) = index.line_end(row) else { continue };
        let existing = scan
            .comments
            .iter()
            .filter(|c| index.position(to_u32(c.start)).row == row)
            .flat_map(|&c| directives(text, c))
            .find(|d| d.syntax == Syntax::Noqa);
        match existing {
            Some(Directive { codes: Codes::All, .. }) => {}
            Some(Directive { codes: Codes::Some(present), end, .. }) => {
                let missing: Vec<&str> =
                    codes.into_iter().filter(|code| !present.iter().any(|(have, ..)| have == code)).collect();
                if !missing.is_empty() {
                    inserts.push((end, format!(", {}", missing.join(", "))));
                }
            }
            None if scan.blocked.contains(&line_end) => skipped.push(row),
            None => {
                let trimmed = text[..line_end].trim_end_matches([' ', '\t']);
                let gap = if trimmed.len() == index.line_start(row) { "" } else { "  " };
                inserts.push((trimmed.len(), format!("{gap}# noqa: {}", codes.join(", "))));
            }
        }
    }
    let added = inserts.len();
    let mut out = text.to_owned();
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, insertion) in inserts {
        out.insert_str(at, &insertion);
    }
    NoqaEdit { text: out, added, skipped }
}

/// The code of the unused-suppression rule, which a directive may name to keep itself.
const UNUSED_SUPPRESSION_CODE: &str = "PDC003";

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every comment of `source`.
    fn texts(source: &str) -> Vec<&str> {
        comments(source).into_iter().map(|c| &source[c.start..c.end]).collect()
    }

    fn codes_of(source: &str) -> Vec<Codes> {
        comments(source).into_iter().flat_map(|c| directives(source, c)).map(|d| d.codes).collect()
    }

    fn some(codes: &[&str]) -> Codes {
        Codes::Some(codes.iter().map(|c| (c.to_string(), 0, 0)).collect())
    }

    /// Codes without their offsets, for comparison.
    fn strip(codes: Vec<Codes>) -> Vec<Codes> {
        codes
            .into_iter()
            .map(|c| match c {
                Codes::All => Codes::All,
                Codes::Some(list) => Codes::Some(list.into_iter().map(|(c, ..)| (c, 0, 0)).collect()),
            })
            .collect()
    }

    #[test]
    fn comments_skip_strings() {
        let source = concat!(
            "a = '# not'  # one\n",
            "b = \"\"\"\n# inside triple\n\"\"\"  # two\n",
            "c = r'\\'# no'  # three\n",
            "d = f\"{x['#']}\"  # four\n",
            "e = f'{x:{\"#\"}>3}'  # five\n",
            "g = b'#'\r# six\r\n",
            "h = F'''{\n  y  # seven\n}'''\n",
            "i = 'unterminated # eight?\n",
            "j = f\"{'a' + \"b#\"}\"  # nine\n",
            "k = 1 \\\n  # ten\n",
        );
        assert_eq!(
            texts(source),
            ["# one", "# two", "# three", "# four", "# five", "# six", "# seven", "# nine", "# ten"],
            "an unterminated single-quoted string runs to its line end"
        );
    }

    #[test]
    fn identifiers_ending_in_prefix_letters_are_not_prefixes() {
        assert_eq!(texts("elif'#'  # real\n"), ["# real"]);
        assert_eq!(texts("x = if_f'#'\n"), Vec::<&str>::new(), "`if_f` is a name, then a plain string");
    }

    #[test]
    fn directive_syntax() {
        let parse = |s: &str| strip(codes_of(s));
        assert_eq!(parse("x  # noqa\n"), [Codes::All]);
        assert_eq!(parse("x  # NOQA\n"), [Codes::All]);
        assert_eq!(parse("x  # noqa: PDC101, PDC102\n"), [some(&["PDC101", "PDC102"])]);
        assert_eq!(parse("x  # noqa:PDC101 E501\n"), [some(&["PDC101", "E501"])]);
        assert_eq!(parse("x  # noqa: PDC101 because of reasons\n"), [some(&["PDC101"])]);
        assert_eq!(parse("x  # noqa:\n"), [Codes::All]);
        assert_eq!(parse("x  # noqabc\n"), []);
        assert_eq!(parse("x  # type: ignore  # noqa: PDC301\n"), [some(&["PDC301"])]);
        assert_eq!(parse("x  # pydevcheck: ignore[PDC101]\n"), [some(&["PDC101"])]);
        assert_eq!(parse("x  # pydevcheck: ignore[PDC101, PDC303]\n"), [some(&["PDC101", "PDC303"])]);
        assert_eq!(parse("x  # pydevcheck: ignore\n"), [Codes::All]);
        assert_eq!(parse("x  # pydevcheck: ignored\n"), []);
        assert_eq!(parse("x = '# noqa'\n"), []);
    }

    #[test]
    fn code_offsets_point_at_the_code() {
        let source = "x  # noqa: PDC101, PDC102\n";
        let found = codes_of(source);
        let Codes::Some(codes) = &found[0] else { panic!("{found:?}") };
        for (code, start, end) in codes {
            assert_eq!(&source[*start..*end], code);
        }
    }

    /// (row, code, message) of every finding of `source` with the default rules plus PDC003.
    fn check(source: &str) -> Vec<(u32, &'static str, String)> {
        let mut rules = crate::RuleSet::defaults();
        rules.insert(crate::rules::find_rule("PDC003").expect("registered"));
        let report = crate::check_bytes_with(std::path::Path::new("t.py"), source.as_bytes(), &rules);
        report.diagnostics.into_iter().map(|d| (d.span.start.row, d.rule.code, d.message)).collect()
    }

    #[test]
    fn add_noqa_appends_merges_and_keeps_line_endings() {
        let source = "a = open(p)\r\nb = open(q)  # noqa: E501 because\r\nc = 1  # noqa\r\nd = 2   \nx = '''\nz'''\ny = 1 + \\\n 2\n";
        let findings =
            [(1, "PDC101"), (1, "PDC303"), (2, "PDC101"), (3, "PDC101"), (4, "PDC303"), (5, "PDC101"), (7, "PDC101")];
        let edit = add_noqa(source, &findings);
        assert_eq!(
            edit.text,
            "a = open(p)  # noqa: PDC101, PDC303\r\nb = open(q)  # noqa: E501, PDC101 because\r\nc = 1  # noqa\r\nd = 2  # noqa: PDC303   \nx = '''\nz'''\ny = 1 + \\\n 2\n"
        );
        assert_eq!(edit.added, 3);
        assert_eq!(edit.skipped, [5, 7]);
        let again = add_noqa(&edit.text, &findings[..5]);
        assert_eq!((again.text, again.added), (edit.text, 0), "adding is idempotent");
    }

    #[test]
    fn suppressions_apply_to_the_start_line_and_unused_ones_are_reported() {
        let source = "\
def a(p):
    return open(p).read()  # noqa: PDC101
def b(p):
    return open(p).read()  # pydevcheck: ignore[PDC101]
def c(p):
    return open(p).read()  # noqa
def d(p):
    return open(p).read()  # noqa: PDC102, E501
def e(p):
    with open(p) as f:  # noqa: PDC101, PDC999, E501
        return f.read()
def g(p):
    x = 1  # noqa: PDC003, PDC101
    x = '# noqa: PDC101'
";
        let found = check(source);
        assert_eq!(
            found,
            [
                (8, "PDC101", "File `open(p)` is not closed when `d` returns at line 8".to_owned()),
                (8, "PDC003", "unused `noqa` directive (unused: `PDC102`)".to_owned()),
                (10, "PDC003", "unused `noqa` directive (unused: `PDC101`; unknown: `PDC999`)".to_owned()),
            ]
        );
    }
}
