use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds sockets and the clients that hold one — `socket.socket`, `socket.create_connection`, both ends of
    /// `socket.socketpair`, `sock.accept()`'s connection, `sock.dup()`, `ssl` wrapped sockets,
    /// `urllib.request.urlopen` responses, `http.client.HTTP(S)Connection`, selectors, `smtplib`, `ftplib`,
    /// `poplib` and `imaplib` clients — that are still open on a normal path out of their scope.
    ///
    /// ## Why is this bad?
    /// Each one holds a descriptor and, for a connection, the peer's resources too: the other side sees neither
    /// data nor a close until the garbage collector runs, and a server leaking one per request runs out of
    /// descriptors.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed <socket.socket fd=3, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=...>`
    ///
    /// ## Example
    /// ```python
    /// def fetch(host):
    ///     sock = socket.create_connection((host, 80))
    ///     sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    ///     return sock.recv(1024)
    /// ```
    /// Use instead:
    /// ```python
    /// def fetch(host):
    ///     with socket.create_connection((host, 80)) as sock:
    ///         sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    ///         return sock.recv(1024)
    /// ```
    ///
    /// ## Fix
    /// Use the socket or client in a `with` block, or close it in a `finally` block.
    pub(crate) static UNCLOSED_SOCKET = Rule { code: "PDC201", name: "unclosed-socket", summary: "a socket or network client is not closed on some normal path" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &UNCLOSED_SOCKET,
        Kind::Socket,
        false,
        "use it in a `with` block or close it in a `finally` block",
        out,
    );
}
