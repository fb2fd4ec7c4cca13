use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds raw file descriptors — from `os.open`, `os.pipe` (both ends), `os.dup`, `os.openpty` (both ends),
    /// `tempfile.mkstemp` — that are neither closed with `os.close` nor handed to an owner (`os.fdopen`,
    /// `open(fd)`, a function that takes them) on some normal path. Exception paths are not reported.
    ///
    /// ## Why is this bad?
    /// A raw descriptor is an `int`: nothing ever closes it for you, not even the garbage collector. Each leak
    /// lasts until the process exits, and a pipe end left open keeps the reader from ever seeing end-of-file.
    ///
    /// ## What dev mode prints
    /// Nothing: an `int` has no destructor. This is the leak that only static analysis finds.
    ///
    /// ## Example
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// return path
    /// ```
    /// Use instead:
    /// ```python
    /// fd, path = tempfile.mkstemp()
    /// os.close(fd)
    /// return path
    /// ```
    ///
    /// ## Fix
    /// Close the descriptor with `os.close` in a `finally` block, or wrap it at once with `os.fdopen` in a
    /// `with` block.
    pub(crate) static FD_LEAK = Rule { code: "PDC303", name: "fd-leak", summary: "a raw file descriptor is never closed nor handed to an owner" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let hint = "close it with `os.close` in a `finally` block, or wrap it with `os.fdopen` in a `with` block";
    cx.report_leaks(&FD_LEAK, Kind::Fd, false, hint, out);
}
