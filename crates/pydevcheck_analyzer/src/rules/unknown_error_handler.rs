use pydevcheck_diagnostics::Diagnostic;

use super::encoding::{argument, codec_call, is_builtin_error_handler, literal, Cx};
use crate::ir::Call;

declare_rule! {
    /// ## What it does
    /// Finds a literal error-handler name that is not registered, passed as `errors=` or in the positional
    /// errors slot of the calls PDC601 knows (`open`, `io.TextIOWrapper`, `s.encode`, `b.decode`, `str(b,
    /// enc, errors)`, `codecs.encode`, `codecs.open`, `pathlib.Path(...).read_text`, `subprocess.run`, …)
    /// and to `codecs.lookup_error`. CPython registers `strict`, `ignore`, `replace`, `backslashreplace`,
    /// `namereplace`, `xmlcharrefreplace`, `surrogateescape` and `surrogatepass`; a name the same file
    /// registers with `codecs.register_error("name", ...)` is known too. Handler names are exact: no case or
    /// punctuation folding. Names that are not literals are never reported.
    ///
    /// ## Why is this bad?
    /// The handler is looked up only when a character fails to encode or decode, so the typo survives every
    /// test with clean data and raises `LookupError: unknown error handler name` on the first bad byte in
    /// production, in place of the handling it promised.
    ///
    /// ## What dev mode prints
    /// `LookupError: unknown error handler name 'repalce'`, raised by the call itself. Measured on CPython
    /// 3.9, 3.11, 3.12 and 3.13: with `-X dev`, `s.encode`, `b.decode`, `str(b, enc, errors)`,
    /// `bytes(s, enc, errors)`, `bytearray(...)`, `open`, `io.TextIOWrapper`, `pathlib.Path.read_text`/
    /// `write_text/open` and `subprocess.run(errors=)` check the name on every call; without `-X dev` none of
    /// them does. `codecs.encode`, `codecs.decode`, `codecs.iterencode` and `codecs.open` are not checked
    /// even in dev mode, and `codecs.lookup_error` raises in any mode.
    ///
    /// ## Example
    /// ```python
    /// text = payload.decode("utf-8", errors="repalce")
    /// ```
    /// Use instead:
    /// ```python
    /// text = payload.decode("utf-8", errors="replace")
    /// ```
    ///
    /// ## Fix
    /// Use one of the built-in handlers, or register yours with `codecs.register_error` before the call.
    pub(crate) static UNKNOWN_ERROR_HANDLER = Rule { code: "PDC602", name: "unknown-error-handler", summary: "a literal error handler that is not registered" };
}

pub(super) fn check(cx: &Cx<'_>, call: &Call, out: &mut Vec<Diagnostic>) {
    let Some(slot) = codec_call(call).and_then(|spec| spec.errors) else {
        return;
    };
    let Some(expr) = argument(call, slot) else {
        return;
    };
    let Some(name) = literal(expr) else {
        return;
    };
    if is_builtin_error_handler(name) || cx.registered_handlers.contains(&name) {
        return;
    }
    let message = format!("`{name}` is not a registered error handler: the call raises `LookupError`");
    let hint = match closest_handler(name) {
        Some(known) => format!("did you mean `{known}`?"),
        None => "use `strict`, `ignore`, `replace`, `backslashreplace` or `surrogateescape`, or register it with \
                 `codecs.register_error`"
            .to_owned(),
    };
    out.push(cx.diagnostic(&UNKNOWN_ERROR_HANDLER, expr.range, message, hint));
}

/// A built-in handler that differs from `name` only by case, punctuation or two letters.
fn closest_handler(name: &str) -> Option<&'static str> {
    let folded: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    super::codec_table::ERROR_HANDLERS
        .iter()
        .copied()
        .map(|handler| (super::encoding::edit_distance(&folded, handler), handler))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, handler)| handler)
}
