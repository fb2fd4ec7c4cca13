use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;
use crate::tables::Kind;

declare_rule! {
    /// ## What it does
    /// Finds file-like objects (`open`, `io.open`, `codecs.open`, `gzip.open`, `os.fdopen`, `zipfile.ZipFile`,
    /// `tarfile.open`, `sqlite3.connect`, `pathlib.Path.open`, …) that are still open on a normal path out of
    /// the scope that opened them: a `return`, the end of the function, or the moment their last reference is
    /// dropped (`open(p).read()`, `for line in open(p)`, `f = open(a)` then `f = open(b)`, `del f`).
    /// Returning the file, storing it on an object or in a container, or passing it to a function that keeps
    /// it hands it over and is not a finding.
    ///
    /// ## Why is this bad?
    /// The descriptor and any unflushed writes stay held until the garbage collector finalizes the object,
    /// which on PyPy or in a reference cycle may be much later, or never: writes get lost and long-running
    /// processes run out of descriptors.
    ///
    /// ## What dev mode prints
    /// `ResourceWarning: unclosed file <_io.TextIOWrapper name='data.txt' mode='r' encoding='UTF-8'>`
    ///
    /// ## Example
    /// ```python
    /// def count_lines(path):
    ///     return len(open(path).readlines())
    /// ```
    /// Use instead:
    /// ```python
    /// def count_lines(path):
    ///     with open(path) as f:
    ///         return len(f.readlines())
    /// ```
    ///
    /// ## Fix
    /// Open the file in a `with` block, or close it in a `finally` block.
    pub(crate) static UNCLOSED_FILE = Rule { code: "PDC101", name: "unclosed-file", summary: "a file object is not closed on some normal path" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    cx.report_leaks(
        &UNCLOSED_FILE,
        Kind::File,
        false,
        "open it with `with ... as f:` or close it in a `finally` block",
        out,
    );
}
