use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds calls to the project's own `async def` functions and methods whose coroutine is neither awaited,
    /// returned, stored, nor handed to something that runs it (`asyncio.create_task`, `ensure_future`, `gather`,
    /// `wait`, `wait_for`, `shield`, `run`, `loop.run_until_complete`, `TaskGroup.create_task`).
    ///
    /// ## Why is this bad?
    /// Calling an `async def` only creates a coroutine; its body never runs. The call looks like it did its work,
    /// and nothing fails until someone notices the work was never done.
    ///
    /// ## What dev mode prints
    /// `RuntimeWarning: coroutine 'save' was never awaited`, with the coroutine's origin under
    /// `sys.set_coroutine_origin_tracking_depth`.
    ///
    /// ## Example
    /// ```python
    /// async def handle(request):
    ///     save(request)  # a project coroutine
    /// ```
    /// Use instead:
    /// ```python
    /// async def handle(request):
    ///     await save(request)
    /// ```
    ///
    /// ## Fix
    /// Await the call, or schedule it with `asyncio.create_task` and keep a reference to the task.
    pub(crate) static COROUTINE_NEVER_AWAITED = Rule { code: "PDC502", name: "coroutine-never-awaited", summary: "a project coroutine is created and never awaited" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let hint = "await it, or schedule it with `asyncio.create_task` and keep the task";
    cx.report_leaks(&COROUTINE_NEVER_AWAITED, Kind::Coroutine, false, hint, out);
}
