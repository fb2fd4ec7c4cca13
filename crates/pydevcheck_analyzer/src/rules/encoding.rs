//! What PDC601, PDC602 and PDC603 share: which calls take a codec name or an error handler and where in
//! their arguments those sit, CPython's lookup of a codec name, and the walk that runs the three rules.
//!
//! The codec names come from `codec_table`, generated from a CPython by `cargo xtask codecs`; the lookup
//! below re-implements what `codecs.lookup` does with a name before it consults that registry, and a test
//! compares the two on the local interpreter.

use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Rule};

use super::codec_table::{ALIASES, CODECS, ERROR_HANDLERS, UNAVAILABLE};
use super::{implicit_text_encoding, unknown_encoding, unknown_error_handler};
use crate::ir::{Attr, Call, Expr, ExprKind, Keyword, Module, Range};
use crate::line_index::LineIndex;

/// Where one argument of a call sits: its position, if it may be passed positionally, and its keyword.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) position: Option<usize>,
    pub(crate) keyword: Option<&'static str>,
}

const fn at(position: usize, keyword: &'static str) -> Slot {
    Slot { position: Some(position), keyword: Some(keyword) }
}

const fn keyword(keyword: &'static str) -> Slot {
    Slot { position: None, keyword: Some(keyword) }
}

/// A call that takes codec names and an error handler.
#[derive(Debug)]
pub(crate) struct CodecCall {
    /// The codec-name arguments: `codecs.EncodedFile` has two.
    pub(crate) encodings: &'static [Slot],
    pub(crate) errors: Option<Slot>,
    /// The name reaches `io.TextIOWrapper`, which also accepts `"locale"` (Python 3.10+).
    pub(crate) text_io: bool,
}

const ENCODING: &[Slot] = &[keyword("encoding")];
const KEYWORDS: CodecCall = CodecCall { encodings: ENCODING, errors: Some(keyword("errors")), text_io: false };
const TEXT_KEYWORDS: CodecCall = CodecCall { encodings: ENCODING, errors: Some(keyword("errors")), text_io: true };

/// `open(file, mode, buffering, encoding, errors, ...)` and the functions shaped like it.
const OPEN: CodecCall = CodecCall { encodings: &[at(3, "encoding")], errors: Some(at(4, "errors")), text_io: true };
/// `codecs.open(filename, mode, encoding, errors, buffering)`.
const CODECS_OPEN: CodecCall =
    CodecCall { encodings: &[at(2, "encoding")], errors: Some(at(3, "errors")), text_io: false };
/// `io.TextIOWrapper(buffer, encoding, errors, ...)`.
const TEXT_IO_WRAPPER: CodecCall =
    CodecCall { encodings: &[at(1, "encoding")], errors: Some(at(2, "errors")), text_io: true };
/// `str(object, encoding, errors)`, `str.encode(s, encoding, errors)`, `codecs.encode(obj, encoding, errors)`.
const SECOND: CodecCall = CodecCall { encodings: &[at(1, "encoding")], errors: Some(at(2, "errors")), text_io: false };
/// `s.encode(encoding, errors)`, `b.decode(encoding, errors)`.
const METHOD: CodecCall = CodecCall { encodings: &[at(0, "encoding")], errors: Some(at(1, "errors")), text_io: false };
/// `codecs.lookup(encoding)` and the `codecs.get*` functions.
const LOOKUP: CodecCall = CodecCall { encodings: &[at(0, "encoding")], errors: None, text_io: false };
/// `codecs.lookup_error(name)`: positional only.
const LOOKUP_ERROR: CodecCall =
    CodecCall { encodings: &[], errors: Some(Slot { position: Some(0), keyword: None }), text_io: false };
/// `codecs.EncodedFile(file, data_encoding, file_encoding, errors)`.
const ENCODED_FILE: CodecCall = CodecCall {
    encodings: &[at(1, "data_encoding"), at(2, "file_encoding")],
    errors: Some(at(3, "errors")),
    text_io: false,
};
/// `Path.open(mode, buffering, encoding, errors, newline)`.
const PATH_OPEN: CodecCall =
    CodecCall { encodings: &[at(2, "encoding")], errors: Some(at(3, "errors")), text_io: true };
/// `Path.read_text(encoding, errors)`.
const READ_TEXT: CodecCall =
    CodecCall { encodings: &[at(0, "encoding")], errors: Some(at(1, "errors")), text_io: true };
/// `Path.write_text(data, encoding, errors, newline)`.
const WRITE_TEXT: CodecCall =
    CodecCall { encodings: &[at(1, "encoding")], errors: Some(at(2, "errors")), text_io: true };

/// The call's codec arguments, if it is one of the calls that take them.
///
/// Resolved paths are matched exactly. A method call on a receiver whose type is unknown counts only for
/// names that mean a codec wherever they appear: `.encode(...)`/`.decode(...)` (positional or keyword) and
/// `encoding=`/`errors=` keywords of `.read_text`, `.write_text` and `.reconfigure`.
pub(crate) fn codec_call(call: &Call) -> Option<&'static CodecCall> {
    let path = call.path.as_deref();
    let found = match path {
        Some("open" | "io.open") => Some(&OPEN),
        Some("gzip.open" | "bz2.open") => Some(&OPEN),
        Some("codecs.open") => Some(&CODECS_OPEN),
        Some("io.TextIOWrapper") => Some(&TEXT_IO_WRAPPER),
        // Not `bytes.decode(raw, ...)`: a local named `bytes` resolves to the same path, and unbound calls are rare.
        Some("str" | "bytes" | "bytearray") => Some(&SECOND),
        Some("codecs.encode" | "codecs.decode" | "codecs.iterencode" | "codecs.iterdecode") => Some(&SECOND),
        Some(
            "codecs.lookup"
            | "codecs.getencoder"
            | "codecs.getdecoder"
            | "codecs.getincrementalencoder"
            | "codecs.getincrementaldecoder"
            | "codecs.getreader"
            | "codecs.getwriter",
        ) => Some(&LOOKUP),
        Some("codecs.lookup_error") => Some(&LOOKUP_ERROR),
        Some("codecs.EncodedFile") => Some(&ENCODED_FILE),
        Some(
            "subprocess.run"
            | "subprocess.Popen"
            | "subprocess.call"
            | "subprocess.check_call"
            | "subprocess.check_output"
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
            | "lzma.open"
            | "tempfile.TemporaryFile"
            | "tempfile.NamedTemporaryFile"
            | "tempfile.SpooledTemporaryFile"
            | "fileinput.input"
            | "fileinput.FileInput"
            | "logging.FileHandler"
            | "logging.basicConfig",
        ) => Some(&TEXT_KEYWORDS),
        Some(
            "tarfile.open"
            | "tarfile.TarFile"
            | "urllib.parse.quote"
            | "urllib.parse.quote_plus"
            | "urllib.parse.unquote"
            | "urllib.parse.unquote_plus"
            | "urllib.parse.urlencode"
            | "urllib.parse.parse_qs"
            | "urllib.parse.parse_qsl",
        ) => Some(&KEYWORDS),
        _ => None,
    };
    if found.is_some() {
        return found;
    }
    if let Some(method) = path.and_then(path_method) {
        return match method {
            "open" => Some(&PATH_OPEN),
            "read_text" => Some(&READ_TEXT),
            "write_text" => Some(&WRITE_TEXT),
            _ => None,
        };
    }
    let ExprKind::Attr(attr) = &call.func.kind else {
        return None;
    };
    match attr.attr.as_str() {
        "encode" | "decode" if looks_like_str_method(call) => Some(&METHOD),
        "read_text" | "write_text" | "reconfigure" => Some(&TEXT_KEYWORDS),
        _ => None,
    }
}

/// Whether `x.encode(...)`/`x.decode(...)` on a receiver of unknown type is shaped like `str.encode` or
/// `bytes.decode`. Incremental encoders (`encoder.encode("", True)`), `email`'s encoded words
/// (`_ew.encode("foo", "utf-8")`) and JSON encoders have methods of the same name whose first argument is
/// data, so the call counts only with at most two positional arguments, no keywords but `encoding` and
/// `errors`, and a literal first argument that is a codec name or close to one.
fn looks_like_str_method(call: &Call) -> bool {
    if call.args.len() > 2 || call.keywords.iter().any(|k| !matches!(k.name.as_deref(), Some("encoding" | "errors"))) {
        return false;
    }
    // `bytes.decode(raw, "utf-8")` passes the receiver first, and a local named `bytes` gives the same path:
    // which argument is which is unknown.
    if matches!(call.path.as_deref(), Some("str.encode" | "bytes.decode" | "bytearray.decode")) {
        return false;
    }
    match argument(call, at(0, "encoding")).and_then(literal) {
        Some(name) => {
            is_known_codec(name) || is_windows_codec(name) || name == "locale" || closest_codec(name).is_some()
        }
        None => true,
    }
}

/// The method of a `pathlib` path object: `pathlib.Path().read_text` and `pathlib.Path.home().open` give
/// `read_text` and `open`; the unbound `pathlib.Path.read_text` (its first argument is the path) gives nothing.
pub(crate) fn path_method(path: &str) -> Option<&str> {
    let rest = ["pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"]
        .iter()
        .find_map(|class| path.strip_prefix(class))
        .filter(|rest| rest.starts_with('(') || rest.starts_with('.'))?;
    let (receiver, method) = rest.rsplit_once('.')?;
    receiver.ends_with("()").then_some(method)
}

/// The expression passed in `slot`, if the call passes one where it can be told apart: a `*args` before
/// the position hides which argument lands there.
pub(crate) fn argument(call: &Call, slot: Slot) -> Option<&Expr> {
    if let Some(value) = slot.keyword.and_then(|k| call.keyword(k)) {
        return Some(value);
    }
    let position = slot.position?;
    let before = call.args.get(..=position)?;
    if before.iter().any(|a| matches!(a.kind, ExprKind::Starred(_))) {
        return None;
    }
    Some(&before[position])
}

/// Whether the call passes arguments we cannot see (`*args`, `**kwargs`) that might fill `slot`.
pub(crate) fn may_pass_hidden(call: &Call, slot: Slot) -> bool {
    let starred = call.args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)));
    let double_starred = call.keywords.iter().any(|k| k.name.is_none());
    (slot.position.is_some() && starred) || (slot.keyword.is_some() && double_starred)
}

/// `_Py_normalize_encoding` (Objects/unicodeobject.c), which `codecs.lookup` applies to a name before any
/// search function sees it (Python 3.9+, bpo-37751): ASCII letters are lowercased, every run of characters
/// other than ASCII letters, digits and `.` becomes one `_`, and runs at either end vanish. C works on the
/// UTF-8 bytes, so a non-ASCII character is punctuation here (`"latéin1"` → `lat_in1`, unknown).
/// `encodings.normalize_encoding` then leaves the result as it is.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(c.to_ascii_lowercase());
        } else {
            punct = true;
        }
    }
    out
}

fn alias(name: &str) -> Option<&'static str> {
    ALIASES.binary_search_by(|(alias, _)| (*alias).cmp(name)).ok().map(|i| ALIASES[i].1)
}

fn is_codec_module(name: &str) -> bool {
    CODECS.binary_search(&name).is_ok()
}

/// Whether `codecs.lookup(name)` succeeds on the table's CPython, following `encodings.search_function`:
/// the normalised name is looked up as an alias (also with `.` turned into `_`), and then, if it has no
/// `.`, as a module of the `encodings` package.
pub(crate) fn is_known_codec(name: &str) -> bool {
    let normalized = normalize(name);
    if normalized.is_empty() {
        return false;
    }
    let aliased = alias(&normalized).or_else(|| alias(&normalized.replace('.', "_")));
    if aliased.is_some_and(is_codec_module) {
        return true;
    }
    !normalized.contains('.') && is_codec_module(&normalized)
}

/// `mbcs`, `oem` and their aliases: codecs of Windows only. Code that names them usually runs there (or
/// checks `sys.platform` first), so they are never reported.
pub(crate) fn is_windows_codec(name: &str) -> bool {
    let normalized = normalize(name);
    UNAVAILABLE.binary_search(&normalized.as_str()).is_ok()
}

pub(crate) fn is_builtin_error_handler(name: &str) -> bool {
    ERROR_HANDLERS.binary_search(&name).is_ok()
}

/// The known codec name closest to `name`, spelled with `-` (`"utf-8"`, `"latin-1"`), if one is close enough
/// to be the intended one.
pub(crate) fn closest_codec(name: &str) -> Option<String> {
    let normalized = normalize(name);
    if normalized.is_empty() {
        return None;
    }
    // Hyphens and underscores are the least telling difference (`latin-10` means `latin10`), so distance
    // is measured without them first; ties go to the codecs people mean most often, then to the closer,
    // shorter and alphabetically first name.
    const COMMON: &[&str] = &["utf_8", "latin_1", "ascii", "utf_16", "utf_32", "cp1252"];
    let rank = |candidate: &str| COMMON.iter().position(|c| *c == candidate).unwrap_or(COMMON.len());
    let bare = normalized.replace('_', "");
    let candidates = CODECS.iter().copied().chain(ALIASES.iter().map(|(alias, _)| *alias));
    let best = candidates
        .map(|candidate| {
            let loose = edit_distance(&bare, &candidate.replace('_', ""));
            (loose, rank(candidate), edit_distance(&normalized, candidate), candidate.len(), candidate)
        })
        .min()?;
    let (distance, _, _, _, candidate) = best;
    // A name that is a known one plus a short suffix (`utf8mb4`) means it; otherwise allow one edit per
    // three characters, so that one- and two-letter strings (`"z"`) are never taken for codec names.
    let prefixed = CODECS
        .iter()
        .copied()
        .chain(ALIASES.iter().map(|(alias, _)| *alias))
        .filter(|known| known.len() >= 3 && normalized.starts_with(known) && normalized.len() - known.len() <= 3)
        .max_by_key(|known| known.len());
    let close = distance <= normalized.len() / 3;
    match (close, prefixed) {
        (true, _) => Some(candidate.replace('_', "-")),
        (false, Some(prefix)) => Some(prefix.replace('_', "-")),
        (false, None) => None,
    }
}

/// Levenshtein distance over bytes; both names are ASCII after normalisation.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// What the encoding rules need to build a finding.
pub(crate) struct Cx<'a> {
    pub(crate) path: &'a Path,
    pub(crate) index: &'a LineIndex<'a>,
    /// Error handlers the file registers with `codecs.register_error("name", ...)`.
    pub(crate) registered_handlers: Vec<&'a str>,
    /// The file calls `codecs.register(search_function)`: any name may be a codec of its own.
    pub(crate) registers_codecs: bool,
}

impl Cx<'_> {
    pub(crate) fn diagnostic(&self, rule: &'static Rule, at: Range, message: String, hint: String) -> Diagnostic {
        Diagnostic {
            rule,
            path: self.path.to_path_buf(),
            span: self.index.span(at.start, at.end),
            message,
            hint,
            exit: None,
        }
    }
}

/// The literal string of an expression, if it is one whose value is known: a lone surrogate (`"\udcfe"`)
/// reaches the IR as U+FFFD, and such a name fails with `UnicodeEncodeError` before any lookup anyway.
pub(crate) fn literal(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::Str(value) if !value.contains('\u{fffd}') => Some(value),
        _ => None,
    }
}

/// Runs PDC601, PDC602 and PDC603 over the calls lowering collected for them.
pub(crate) fn check(path: &Path, index: &LineIndex<'_>, module: &Module, out: &mut Vec<Diagnostic>) {
    let calls = &module.codec_calls;
    if calls.is_empty() {
        return;
    }
    // Registrations count wherever they are in the file, so they are read before any call is judged.
    let mut registered_handlers = Vec::new();
    let mut registers_codecs = false;
    for call in calls {
        match registers(call) {
            Some(Registers::Codecs) => registers_codecs = true,
            Some(Registers::ErrorHandler) => {
                if let Some(name) = argument(call, at(0, "name")).and_then(literal) {
                    registered_handlers.push(name);
                }
            }
            None => {}
        }
    }
    let cx = Cx { path, index, registered_handlers, registers_codecs };
    for call in calls {
        unknown_encoding::check(&cx, call, out);
        unknown_error_handler::check(&cx, call, out);
        implicit_text_encoding::check(&cx, call, out);
    }
}

/// A copy of `call` with what the three rules read, if they look at it at all: the path, the callee's
/// range and attribute name, and of each argument its range and whether it is a string literal (kept),
/// `None`, or starred; anything else becomes an empty [`ExprKind::Other`]. Lowering makes these copies
/// (`Module::codec_calls`) while the call is still in cache: a second walk over the file to find the calls
/// cost more than the tests themselves.
pub(crate) fn codec_view(call: &Call) -> Option<Call> {
    if codec_call(call).is_none() && !implicit_text_encoding::opens_text(call) && registers(call).is_none() {
        return None;
    }
    let func = Expr {
        kind: match &call.func.kind {
            ExprKind::Attr(attr) => {
                ExprKind::Attr(Box::new(Attr { value: shallow(&attr.value), attr: attr.attr.clone() }))
            }
            _ => ExprKind::Other(Box::default()),
        },
        range: call.func.range,
    };
    Some(Call {
        func,
        path: call.path.clone(),
        args: call.args.iter().map(shallow).collect(),
        keywords: call.keywords.iter().map(|k| Keyword { name: k.name.clone(), value: shallow(&k.value) }).collect(),
    })
}

/// An expression as the codec rules see it: a string literal, `None`, starred, or something else.
fn shallow(expr: &Expr) -> Expr {
    let kind = match &expr.kind {
        ExprKind::Str(value) => ExprKind::Str(value.clone()),
        ExprKind::None => ExprKind::None,
        ExprKind::Starred(_) => {
            ExprKind::Starred(Box::new(Expr { kind: ExprKind::Other(Box::default()), range: expr.range }))
        }
        _ => ExprKind::Other(Box::default()),
    };
    Expr { kind, range: expr.range }
}

enum Registers {
    Codecs,
    ErrorHandler,
}

fn registers(call: &Call) -> Option<Registers> {
    match call.path.as_deref()? {
        "codecs.register" => Some(Registers::Codecs),
        "codecs.register_error" => Some(Registers::ErrorHandler),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::rules::codec_table::PYTHON_VERSION;

    /// The script `cargo xtask codecs` generates the table with.
    const DUMP: &str = include_str!("../../../../xtask/src/codecs.py");

    fn python() -> String {
        std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_owned())
    }

    /// Runs the local interpreter with `script`, feeding it `stdin`; `None` (and a printed reason) when there
    /// is no interpreter to ask.
    fn run_python(script: &str, stdin: &str) -> Option<String> {
        let python = python();
        let child = Command::new(&python)
            .args(["-I", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipped: no Python interpreter `{python}` ({error}); set PYDEVCHECK_PYTHON");
                return None;
            }
            Err(error) => panic!("cannot run `{python}`: {error}"),
        };
        child.stdin.take().expect("piped").write_all(stdin.as_bytes()).expect("write to python");
        let output = child.wait_with_output().expect("python runs");
        assert!(output.status.success(), "`{python}` failed: {}", String::from_utf8_lossy(&output.stderr));
        Some(String::from_utf8(output.stdout).expect("python prints UTF-8"))
    }

    #[test]
    fn codec_table_matches_local_python() {
        let Some(stdout) = run_python(DUMP, "") else {
            return;
        };
        let mut version = "";
        let (mut codecs, mut aliases, mut unavailable, mut handlers) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for line in stdout.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["version", v] => version = v,
                ["codec", module] => _ = codecs.insert(*module),
                ["alias", alias, module] => _ = aliases.insert((*alias, *module)),
                ["unavailable", name] => _ = unavailable.insert(*name),
                ["handler", name] => _ = handlers.insert(*name),
                _ => panic!("unexpected line from codecs.py: `{line}`"),
            }
        }
        let table = (
            CODECS.iter().copied().collect::<BTreeSet<_>>(),
            ALIASES.iter().copied().collect::<BTreeSet<_>>(),
            UNAVAILABLE.iter().copied().collect::<BTreeSet<_>>(),
            ERROR_HANDLERS.iter().copied().collect::<BTreeSet<_>>(),
        );
        let local = (codecs, aliases, unavailable, handlers);
        assert!(
            table == local,
            "rules/codec_table.rs (CPython {PYTHON_VERSION}) disagrees with `{}` (CPython {version}); \
             run `cargo xtask codecs`.\n\
             codecs only in the table: {:?}\ncodecs only local: {:?}\naliases only in the table: {:?}\n\
             aliases only local: {:?}\nunavailable: {:?} vs {:?}\nhandlers: {:?} vs {:?}",
            python(),
            table.0.difference(&local.0).collect::<Vec<_>>(),
            local.0.difference(&table.0).collect::<Vec<_>>(),
            table.1.difference(&local.1).collect::<Vec<_>>(),
            local.1.difference(&table.1).collect::<Vec<_>>(),
            table.2,
            local.2,
            table.3,
            local.3,
        );
    }

    /// Spellings of every known name and of near misses: case, hyphens, spaces, dots, punctuation at the ends,
    /// non-ASCII characters inside.
    fn candidates() -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "-",
            "  ",
            "utf.8",
            "latin.1",
            "iso8859.1",
            "ansi_x3.4_1968",
            "ANSI-X3.4-1968",
            "ansi_x3_4_1968",
            "csHPRoman8",
            "cshproman8",
            "locale",
            "mbcs",
            "dbcs",
            "oem",
            "ansi",
            "utf8mb4",
            "aliases",
            "__init__",
            "lat\u{e9}in1",
            "utf\u{b5}8",
            "Lat\u{130}n1",
            "UTF\u{e9}8",
            "utf-8\u{a0}",
            " utf--8 ",
            "utf_8_",
            "U8",
            "cp65001",
            "utf-8-sig",
            "x-mac-japanese",
            "unicode",
            "utf_8.",
            ".utf_8",
            "hex",
            "rot13",
            "rot_13",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let names = CODECS.iter().copied().chain(ALIASES.iter().map(|(alias, _)| *alias));
        for name in names {
            out.push(name.to_owned());
            out.push(name.to_ascii_uppercase());
            out.push(name.replace('_', "-"));
            out.push(name.replace('_', " "));
            out.push(name.replace('_', "."));
            out.push(name.replace('_', ""));
            out.push(format!("--{name}__"));
            out.push(format!("{name}x"));
            out.push(name[1..].to_owned());
        }
        out
    }

    /// The analyzer's lookup and `codecs.lookup` of the local CPython agree on every candidate spelling.
    #[test]
    fn lookup_agrees_with_codecs_lookup() {
        const LOOKUP: &str = "import codecs, sys\n\
            for name in sys.stdin.read().split('\\n')[:-1]:\n\
            \x20   try:\n\
            \x20       codecs.lookup(name)\n\
            \x20       print(1)\n\
            \x20   except LookupError:\n\
            \x20       print(0)\n";
        let candidates = candidates();
        let stdin: String = candidates.iter().map(|c| format!("{c}\n")).collect();
        let Some(stdout) = run_python(LOOKUP, &stdin) else {
            return;
        };
        let verdicts: Vec<bool> = stdout.lines().map(|l| l == "1").collect();
        assert_eq!(verdicts.len(), candidates.len(), "one verdict per candidate");
        let disagreements: Vec<String> = candidates
            .iter()
            .zip(&verdicts)
            .filter(|(name, python)| is_known_codec(name) != **python)
            .map(|(name, python)| format!("{name:?}: CPython {python}, analyzer {}", !python))
            .collect();
        assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
    }

    #[test]
    fn normalisation_follows_cpython() {
        assert_eq!(normalize("  UTF--8 "), "utf_8");
        assert_eq!(normalize("Latin.1"), "latin.1");
        assert_eq!(normalize("lat\u{e9}in1"), "lat_in1");
        assert!(is_known_codec("U8") && is_known_codec("cp65001") && is_known_codec("utf-8-sig"));
        assert!(!is_known_codec("utf.8") && !is_known_codec("locale") && !is_known_codec(""));
        assert!(is_windows_codec("MBCS") && !is_known_codec("mbcs"));
    }

    #[test]
    fn suggestions_name_the_intended_codec() {
        assert_eq!(closest_codec("utf8mb4").as_deref(), Some("utf8"));
        assert_eq!(closest_codec("utf-9").as_deref(), Some("utf-8"));
        assert_eq!(closest_codec("latin_l").as_deref(), Some("latin-1"));
        assert_eq!(closest_codec("qwertyuiop"), None);
    }
}
