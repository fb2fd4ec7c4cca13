use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds `multiprocessing.Pool` and `multiprocessing.pool.ThreadPool` objects that are neither closed,
    /// terminated, used in `with`, nor handed over on some normal path.
    ///
    /// ## Why is this bad?
    /// The pool's worker processes or threads keep running until the pool is collected; at exit they may be
    /// killed in the middle of a task.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed running multiprocessing pool <multiprocessing.pool.Pool state=RUN pool_size=4>`
    ///
    /// ## Example
    /// ```python
    /// pool = multiprocessing.Pool(4)
    /// return pool.map(work, items)
    /// ```
    /// Use instead:
    /// ```python
    /// with multiprocessing.Pool(4) as pool:
    ///     return pool.map(work, items)
    /// ```
    ///
    /// ## Fix
    /// Use the pool in a `with` block, or call `close()` and `join()` (or `terminate()`) in a `finally` block.
    pub(crate) static POOL_NOT_CLOSED = Rule { code: "PDC403", name: "pool-not-closed", summary: "a `multiprocessing` pool is never closed or terminated" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &POOL_NOT_CLOSED,
        Kind::Pool,
        false,
        "use the pool in a `with` block, or `close()` and `join()` it in a `finally` block",
        out,
    );
}
