use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds the writer of `asyncio.open_connection()` (and `open_unix_connection()`) and servers from
    /// `asyncio.start_server()` that are not closed on some normal path.
    ///
    /// ## Why is this bad?
    /// The transport and its socket stay open until the garbage collector finds them; the peer never sees the
    /// connection end.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed <socket.socket fd=7, ...>` and, in asyncio debug mode, `unclosed transport`.
    ///
    /// ## Example
    /// ```python
    /// reader, writer = await asyncio.open_connection(host, port)
    /// writer.write(request)
    /// return await reader.read()
    /// ```
    /// Use instead:
    /// ```python
    /// reader, writer = await asyncio.open_connection(host, port)
    /// try:
    ///     writer.write(request)
    ///     return await reader.read()
    /// finally:
    ///     writer.close()
    ///     await writer.wait_closed()
    /// ```
    ///
    /// ## Fix
    /// Close the writer (and await `wait_closed()`) in a `finally` block; use a server with `async with`.
    pub(crate) static STREAM_NOT_CLOSED = Rule { code: "PDC503", name: "stream-not-closed", summary: "an asyncio stream writer or server is never closed" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &STREAM_NOT_CLOSED,
        Kind::Stream,
        false,
        "close it in a `finally` block and await `wait_closed()`",
        out,
    );
}
