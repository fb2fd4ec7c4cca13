use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds `subprocess.Popen` objects that are neither waited for (`wait()`, `communicate()`, `with Popen(...)`)
    /// nor handed over on some normal path. `kill()` and `terminate()` alone do not reap the child.
    ///
    /// ## Why is this bad?
    /// A child that is never waited for stays a zombie until the parent exits, and its pipes stay open.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: subprocess 12345 is still running`
    ///
    /// ## Example
    /// ```python
    /// proc = subprocess.Popen(["sleep", "1"])
    /// return proc.pid
    /// ```
    /// Use instead:
    /// ```python
    /// with subprocess.Popen(["sleep", "1"]) as proc:
    ///     return proc.pid
    /// ```
    ///
    /// ## Fix
    /// Use `with subprocess.Popen(...)`, call `wait()` or `communicate()`, or use `subprocess.run`.
    pub(crate) static SUBPROCESS_NOT_WAITED = Rule { code: "PDC401", name: "subprocess-not-waited", summary: "a `subprocess.Popen` is never waited for on some normal path" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &SUBPROCESS_NOT_WAITED,
        Kind::Process,
        false,
        "use `with subprocess.Popen(...)`, or call `wait()`/`communicate()` on every path",
        out,
    );
}
