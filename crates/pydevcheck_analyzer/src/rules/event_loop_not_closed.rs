use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds event loops created with `asyncio.new_event_loop()` that are not closed on some normal path.
    ///
    /// ## Why is this bad?
    /// A loop owns a selector and a self-pipe or socket pair; an unclosed loop leaks them and skips the shutdown
    /// of its executor.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed event loop <_UnixSelectorEventLoop running=False closed=False debug=True>`
    ///
    /// ## Example
    /// ```python
    /// loop = asyncio.new_event_loop()
    /// return loop.run_until_complete(main())
    /// ```
    /// Use instead:
    /// ```python
    /// return asyncio.run(main())
    /// ```
    ///
    /// ## Fix
    /// Use `asyncio.run()`, or close the loop in a `finally` block.
    pub(crate) static EVENT_LOOP_NOT_CLOSED = Rule { code: "PDC501", name: "event-loop-not-closed", summary: "an event loop made with `asyncio.new_event_loop()` is never closed" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &EVENT_LOOP_NOT_CLOSED,
        Kind::Loop,
        false,
        "use `asyncio.run()`, or close the loop in a `finally` block",
        out,
    );
}
