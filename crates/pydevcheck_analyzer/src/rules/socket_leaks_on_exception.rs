use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds sockets and network clients that are closed on every normal path, but stay open when an exception
    /// is raised between their creation and their close — and network calls are the ones that fail.
    ///
    /// ## Why is this bad?
    /// A timeout or a refused connection is exactly when a client retries: each retry leaks one descriptor.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed <socket.socket fd=3, ...>`, on the runs where the exception happens.
    ///
    /// ## Example
    /// ```python
    /// sock = socket.create_connection(address)
    /// sock.sendall(request)
    /// reply = sock.recv(4096)
    /// sock.close()
    /// ```
    /// Use instead:
    /// ```python
    /// with socket.create_connection(address) as sock:
    ///     sock.sendall(request)
    ///     reply = sock.recv(4096)
    /// ```
    ///
    /// ## Fix
    /// Use the socket in a `with` block, or put everything after its creation in `try`/`finally`.
    pub(crate) static SOCKET_LEAKS_ON_EXCEPTION = Rule { code: "PDC202", name: "socket-leaks-on-exception", summary: "a socket stays open when an exception is raised before its close" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &SOCKET_LEAKS_ON_EXCEPTION,
        Kind::Socket,
        true,
        "use it in a `with` block or close it in a `finally` block",
        out,
    );
}
