use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds resources stored on `self` — a file, socket, subprocess, temporary directory, pool, loop or stream,
    /// acquired in a method directly or through a helper — in a class where no method releases that attribute
    /// (`self.f.close()`, `with self.f`, `os.close(self.fd)`, `self.addCleanup(self.f.close)`, handing it on).
    /// Methods of base classes defined in the same file count.
    ///
    /// ## Why is this bad?
    /// Every instance leaks its resource: nothing in the class can close it, so it lives until the instance is
    /// collected, and callers cannot release it even when they try.
    ///
    /// ## What dev mode prints
    /// The resource's own warning, when the instance is collected: `ResourceWarning: unclosed file <...>`.
    ///
    /// ## Example
    /// ```python
    /// class Journal:
    ///     def __init__(self, path):
    ///         self.out = open(path, "a")
    ///
    ///     def write(self, line):
    ///         self.out.write(line)
    /// ```
    /// Use instead:
    /// ```python
    /// class Journal:
    ///     def __init__(self, path):
    ///         self.out = open(path, "a")
    ///
    ///     def write(self, line):
    ///         self.out.write(line)
    ///
    ///     def close(self):
    ///         self.out.close()
    ///
    ///     def __enter__(self):
    ///         return self
    ///
    ///     def __exit__(self, *exc):
    ///         self.close()
    /// ```
    ///
    /// ## Fix
    /// Give the class a `close()` method that releases the attribute (and `__enter__`/`__exit__` so it can be used
    /// in `with`).
    pub(crate) static UNRELEASED_ATTRIBUTE = Rule { code: "PDC103", name: "unreleased-attribute", summary: "a resource stored on `self` is released by no method of its class" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (site, attr) in &cx.facts.unreleased_attrs {
        let kind = cx.kind(*site);
        let message = format!("`self.{attr}` holds a {} that no method of its class releases", kind.noun());
        let hint = "add a `close()` method (and `__exit__`) that releases it";
        out.push(cx.diagnostic(&UNRELEASED_ATTRIBUTE, cx.site_call(*site), message, hint, None));
    }
}
