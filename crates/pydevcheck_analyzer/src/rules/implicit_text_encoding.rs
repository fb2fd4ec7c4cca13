use pydevcheck_diagnostics::Diagnostic;

use super::encoding::{argument, may_pass_hidden, path_method, Cx, Slot};
use crate::ir::{Call, ExprKind};

declare_rule! {
    /// ## What it does
    /// Finds text-mode `open()`, `io.open()`, `pathlib.Path(...).open()`, `.read_text()`, `.write_text()` and
    /// `io.TextIOWrapper(...)` calls without an `encoding` (or with `encoding=None`). The mode must be a
    /// literal without `b`, or missing (text is the default); a mode that is not a literal, `*args` or
    /// `**kwargs` that could carry the encoding, and a path object whose type is not known are not reported.
    ///
    /// Not selected by default: most programs run where the locale encoding is UTF-8, and PEP 686 makes
    /// UTF-8 the default from Python 3.15.
    ///
    /// ## Why is this bad?
    /// The file is decoded with the locale's encoding: UTF-8 on most Linux and macOS machines, `cp1252` or
    /// another code page on Windows, ASCII in a bare container. The same program reads the same file
    /// differently, or fails with `UnicodeDecodeError`, depending on where it runs.
    ///
    /// ## What dev mode prints
    /// Dev mode itself does not warn; `python -X warn_default_encoding` (3.10+, PEP 597) prints
    /// `EncodingWarning: 'encoding' argument not specified`, on the line of the call.
    ///
    /// ## Example
    /// ```python
    /// with open(path) as f:
    ///     config = f.read()
    /// ```
    /// Use instead:
    /// ```python
    /// with open(path, encoding="utf-8") as f:
    ///     config = f.read()
    /// ```
    ///
    /// ## Fix
    /// Pass `encoding="utf-8"`, or `encoding="locale"` (3.10+) where the locale's encoding is what you mean.
    pub(crate) static IMPLICIT_TEXT_ENCODING = Rule { code: "PDC603", name: "implicit-text-encoding", summary: "a text-mode open without an explicit encoding", default_enabled: false };
}

/// Where a text-opening call takes its mode and its encoding.
struct TextOpen {
    mode: Option<Slot>,
    encoding: Slot,
}

fn text_open(call: &Call) -> Option<TextOpen> {
    let slot = |position, keyword| Slot { position: Some(position), keyword: Some(keyword) };
    let path = call.path.as_deref()?;
    let open = match path {
        "open" | "io.open" => TextOpen { mode: Some(slot(1, "mode")), encoding: slot(3, "encoding") },
        "io.TextIOWrapper" => TextOpen { mode: None, encoding: slot(1, "encoding") },
        _ => match path_method(path)? {
            "open" => TextOpen { mode: Some(slot(0, "mode")), encoding: slot(2, "encoding") },
            "read_text" => TextOpen { mode: None, encoding: slot(0, "encoding") },
            "write_text" => TextOpen { mode: None, encoding: slot(1, "encoding") },
            _ => return None,
        },
    };
    Some(open)
}

/// Whether `call` is one this rule looks at.
pub(super) fn opens_text(call: &Call) -> bool {
    text_open(call).is_some()
}

pub(super) fn check(cx: &Cx<'_>, call: &Call, out: &mut Vec<Diagnostic>) {
    let Some(open) = text_open(call) else {
        return;
    };
    if let Some(mode) = open.mode {
        if may_pass_hidden(call, mode) {
            return;
        }
        match argument(call, mode).map(|m| &m.kind) {
            None => {}
            Some(ExprKind::Str(mode)) if !mode.contains('b') => {}
            Some(_) => return,
        }
    }
    if may_pass_hidden(call, open.encoding) {
        return;
    }
    match argument(call, open.encoding).map(|e| &e.kind) {
        None | Some(ExprKind::None) => {}
        Some(_) => return,
    }
    let callee = call.path.as_deref().and_then(|p| p.rsplit('.').next()).unwrap_or("open");
    let message = format!("`{callee}()` opens a text file without `encoding`: it decodes with the locale's encoding");
    out.push(cx.diagnostic(&IMPLICIT_TEXT_ENCODING, call.func.range, message, "pass `encoding=\"utf-8\"`".to_owned()));
}
