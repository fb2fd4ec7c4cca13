use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds `tempfile.TemporaryDirectory`, `NamedTemporaryFile`, `TemporaryFile` and `SpooledTemporaryFile`
    /// objects that are neither cleaned up (`cleanup()`, `close()`, `with`) nor handed over on some normal path.
    ///
    /// ## Why is this bad?
    /// The directory or file is only removed when the object is collected — on PyPy or in a reference cycle much
    /// later, at interpreter exit possibly never — and it keeps its descriptor until then.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: Implicitly cleaning up <TemporaryDirectory '/tmp/tmpabcd'>`
    ///
    /// ## Example
    /// ```python
    /// tmp = tempfile.TemporaryDirectory()
    /// build(tmp.name)
    /// ```
    /// Use instead:
    /// ```python
    /// with tempfile.TemporaryDirectory() as tmp:
    ///     build(tmp)
    /// ```
    ///
    /// ## Fix
    /// Use it in a `with` block, or call `cleanup()`/`close()` in a `finally` block.
    pub(crate) static TEMPFILE_IMPLICIT_CLEANUP = Rule { code: "PDC402", name: "tempfile-implicit-cleanup", summary: "a temporary directory or file is never cleaned up explicitly" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let hint = "use it in a `with` block, or call `cleanup()`/`close()` in a `finally` block";
    cx.report_leaks(&TEMPFILE_IMPLICIT_CLEANUP, Kind::TempDir, false, hint, out);
    cx.report_leaks(&TEMPFILE_IMPLICIT_CLEANUP, Kind::TempFile, false, hint, out);
}
