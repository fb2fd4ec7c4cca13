use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds file-like objects that are closed on every normal path, but stay open when an exception is
    /// raised between the acquisition and the close. Every call, `await`, `yield` (a generator may be closed
    /// while suspended) and `raise` may raise.
    ///
    /// ## Why is this bad?
    /// Errors are exactly when a program retries, logs and carries on: each failure leaks one descriptor, and
    /// a server that keeps failing runs out of them.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed file <_io.TextIOWrapper name='data.txt' mode='r' encoding='UTF-8'>`, on the
    /// runs where the exception happens.
    ///
    /// ## Example
    /// ```python
    /// def load(path):
    ///     f = open(path)
    ///     data = parse(f.read())
    ///     f.close()
    ///     return data
    /// ```
    /// Use instead:
    /// ```python
    /// def load(path):
    ///     with open(path) as f:
    ///         return parse(f.read())
    /// ```
    ///
    /// ## Fix
    /// Open the file in a `with` block, or put everything after the acquisition in `try`/`finally`.
    pub(crate) static FILE_LEAKS_ON_EXCEPTION = Rule { code: "PDC102", name: "file-leaks-on-exception", summary: "a file object stays open when an exception is raised before its close" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let hint = "open it with `with ... as f:` or close it in a `finally` block";
    cx.report_leaks(&FILE_LEAKS_ON_EXCEPTION, Kind::File, true, hint, out);
}
