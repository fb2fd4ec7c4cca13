use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::flow::FdMisuse;

declare_rule! {
    /// ## What it does
    /// Finds `os.close(fd)` on a raw descriptor that is already closed on that path, or that was handed to an
    /// owner which closes it itself: `os.fdopen(fd)`, `open(fd)`, `io.open(fd)`, `io.FileIO(fd)` (unless
    /// `closefd=False`).
    ///
    /// ## Why is this bad?
    /// Descriptor numbers are reused at once. The second close fails with `EBADF`, or closes whatever file or
    /// socket was opened in between — a bug that shows up far from its cause.
    ///
    /// ## What dev mode prints
    /// `OSError: [Errno 9] Bad file descriptor`, raised by the second close or, for an owner, logged as
    /// `Exception ignored in: <_io.TextIOWrapper ...>` when the owner is finalized.
    ///
    /// ## Example
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// with os.fdopen(fd, "w") as f:
    ///     f.write(data)
    /// os.close(fd)
    /// ```
    /// Use instead:
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// with os.fdopen(fd, "w") as f:
    ///     f.write(data)
    /// ```
    ///
    /// ## Fix
    /// Close each descriptor once; after handing it to a file object, close only the file object.
    pub(crate) static FD_DOUBLE_CLOSE = Rule { code: "PDC302", name: "fd-double-close", summary: "a raw file descriptor is closed twice or behind its new owner" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for misuse in &cx.facts.misuses {
        let (call, message, exit) = match misuse {
            FdMisuse::DoubleClose { call, fd, first } => {
                let message = format!("{} is closed twice on this path", cx.label(*fd));
                let exit = first.map(|at| (format!("first closed here, at line {}", cx.row(at)), at));
                (*call, message, exit)
            }
            FdMisuse::ClosedAfterHandOver { call, fd, owner_call } => {
                let message = match owner_call {
                    Some(owner) => format!(
                        "{} is owned by the file object from `{}` at line {}, which closes it too",
                        cx.label(*fd),
                        cx.code(*owner),
                        cx.row(*owner)
                    ),
                    None => format!("{} is owned by a file object, which closes it too", cx.label(*fd)),
                };
                let exit = owner_call.map(|at| (format!("ownership passes here, at line {}", cx.row(at)), at));
                (*call, message, exit)
            }
            FdMisuse::ClosedAfterOwnerClosed { call, owner } => {
                let message = format!(
                    "`{}` closes the descriptor of {} a second time: {} was already closed, and the number may now belong to another file",
                    cx.code(*call),
                    cx.label(*owner),
                    cx.label(*owner)
                );
                (*call, message, None)
            }
            FdMisuse::ClosedBehindOwner { .. } => continue,
        };
        let hint = "close each descriptor once; after handing it to a file object, close only the file object";
        out.push(cx.diagnostic(&FD_DOUBLE_CLOSE, call, message, hint, exit));
    }
}
