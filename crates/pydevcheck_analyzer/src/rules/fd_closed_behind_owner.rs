use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::flow::FdMisuse;

declare_rule! {
    /// ## What it does
    /// Finds `os.close(f.fileno())` (also through a variable holding `f.fileno()`) while the file object `f`
    /// is still open.
    ///
    /// ## Why is this bad?
    /// The file object still believes it owns the descriptor. When it is closed or collected it closes the
    /// number again: that fails with `EBADF`, or — worse — silently closes an unrelated file or socket that
    /// was opened in between and got the same number.
    ///
    /// ## What dev mode prints
    /// ```text
    /// Exception ignored in: <_io.TextIOWrapper name='script.py' mode='r' encoding='UTF-8'>
    /// OSError: [Errno 9] Bad file descriptor
    /// ```
    ///
    /// ## Example
    /// ```python
    /// fp = open(path)
    /// line = fp.readline()
    /// os.close(fp.fileno())
    /// ```
    /// Use instead:
    /// ```python
    /// with open(path) as fp:
    ///     line = fp.readline()
    /// ```
    ///
    /// ## Fix
    /// Close the file object itself; if you need a descriptor of your own, take one with `os.dup(f.fileno())`.
    pub(crate) static FD_CLOSED_BEHIND_OWNER = Rule { code: "PDC301", name: "fd-closed-behind-owner", summary: "`os.close(f.fileno())` while the file object is alive" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for misuse in &cx.facts.misuses {
        let FdMisuse::ClosedBehindOwner { call, owner } = misuse else {
            continue;
        };
        let opened = cx.site_call(*owner);
        let message = format!(
            "`{}` closes the descriptor of {}, which is still open: closing {} later fails with EBADF or closes an unrelated file",
            cx.code(*call),
            cx.label(*owner),
            cx.label(*owner),
        );
        let hint = "close the file object itself, or use `os.dup(f.fileno())` for a descriptor of your own";
        let exit = (format!("{} is opened here, at line {}", cx.label(*owner), cx.row(opened)), opened);
        out.push(cx.diagnostic(&FD_CLOSED_BEHIND_OWNER, *call, message, hint, Some(exit)));
    }
}
