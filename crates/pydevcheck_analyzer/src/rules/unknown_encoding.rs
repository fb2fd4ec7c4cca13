use pydevcheck_diagnostics::Diagnostic;

use super::codec_table::PYTHON_VERSION;
use super::encoding::{argument, closest_codec, codec_call, is_known_codec, is_windows_codec, literal, Cx};
use crate::ir::Call;

declare_rule! {
    /// ## What it does
    /// Finds a literal codec name that CPython does not know, passed where a codec name goes: `encoding=` or
    /// the positional encoding argument of `open`, `io.open`, `io.TextIOWrapper`, `codecs.open`,
    /// `pathlib.Path(...).open/read_text/write_text`, `gzip.open`, `bz2.open`, `str(b, ...)`, `bytes(s, ...)`,
    /// `s.encode(...)`, `b.decode(...)`, `codecs.encode/decode/lookup/getreader/getwriter/iterencode/
    /// iterdecode/EncodedFile`, and the `encoding=` keyword of `subprocess.run`/`Popen`/`check_output`,
    /// `tempfile`, `fileinput`, `logging`, `lzma.open`, `tarfile.open`, `urllib.parse` and
    /// `.reconfigure()`. Names are compared the way `codecs.lookup` compares them: case, spaces, hyphens and
    /// underscores do not matter (`"UTF8"`, `"utf 8"`, `"U8"`, `"latin_1"`, `"utf-8-sig"`, `"cp65001"` are all
    /// fine), but dots do (`"utf.8"` is unknown). `"locale"` is accepted where the name reaches
    /// `io.TextIOWrapper` (Python 3.10+), and nowhere else. The Windows-only `"mbcs"`, `"oem"`, `"ansi"`
    /// and `"dbcs"` are never reported: code that names them normally runs on Windows only. Names that are not
    /// literals are never reported.
    ///
    /// On `x.encode(...)`/`x.decode(...)` of a receiver whose type is unknown, a literal is reported only
    /// when it is close to a known codec name (incremental encoders and `email`'s encoded words have methods
    /// of the same name that take data). A file that calls `codecs.register(search_function)` may define any
    /// name, so the rule is silent in it; a codec registered in another module is not seen. The codec table
    /// is generated from CPython by `cargo xtask codecs`.
    ///
    /// ## Why is this bad?
    /// The call raises `LookupError: unknown encoding`. On a path that decodes nothing in tests (an empty
    /// payload, an error branch) the bug ships: outside dev mode `b"".decode("utf8mb4")` and
    /// `str(b"", "utf8mb4")` succeed, and only the first non-empty input fails.
    ///
    /// ## What dev mode prints
    /// `LookupError: unknown encoding: utf8mb4`, raised by the call itself even when there is nothing to
    /// decode. Measured on CPython 3.9, 3.11, 3.12 and 3.13: `python -X dev` adds the check to
    /// `bytes.decode`, `str(b, encoding)` and `bytes(s, encoding)` on empty input; `open`, `io.TextIOWrapper`,
    /// `s.encode`, `codecs.lookup`, `codecs.open` and `subprocess.run(encoding=)` raise in any mode.
    ///
    /// ## Example
    /// ```python
    /// def load(payload: bytes) -> str:
    ///     return payload.decode("utf8mb4")
    /// ```
    /// Use instead:
    /// ```python
    /// def load(payload: bytes) -> str:
    ///     return payload.decode("utf-8")
    /// ```
    ///
    /// ## Fix
    /// Use a name from the "Standard Encodings" table of the `codecs` documentation; the finding suggests the
    /// closest known one.
    pub(crate) static UNKNOWN_ENCODING = Rule { code: "PDC601", name: "unknown-encoding", summary: "a literal codec name that CPython does not know" };
}

pub(super) fn check(cx: &Cx<'_>, call: &Call, out: &mut Vec<Diagnostic>) {
    if cx.registers_codecs {
        return;
    }
    let Some(spec) = codec_call(call) else {
        return;
    };
    for slot in spec.encodings {
        let Some(expr) = argument(call, *slot) else {
            continue;
        };
        let Some(name) = literal(expr) else {
            continue;
        };
        if is_known_codec(name) || is_windows_codec(name) || (spec.text_io && name == "locale") {
            continue;
        }
        // An embedded NUL is a `ValueError`, not an unknown codec.
        if name.contains('\0') {
            continue;
        }
        let message = format!("`{name}` is not a codec of CPython {PYTHON_VERSION}: the call raises `LookupError`");
        let hint = match closest_codec(name) {
            _ if name == "locale" => {
                "`\"locale\"` works only where the name reaches `io.TextIOWrapper` (`open`, Python 3.10+); use \
                 `locale.getpreferredencoding(False)`"
                    .to_owned()
            }
            Some(known) => format!("did you mean `{known}`?"),
            None => "use a name from the Standard Encodings table of the `codecs` documentation".to_owned(),
        };
        out.push(cx.diagnostic(&UNKNOWN_ENCODING, expr.range, message, hint));
    }
}
