use pydevcheck_diagnostics::Diagnostic;

use super::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds resources stored on `self` — a file, socket, subprocess, temporary directory, pool, loop or stream,
    /// acquired in a method directly or through a helper — in a class whose release methods (`close`,
    /// `__exit__`, `__del__`, `aclose`, `__aexit__`, unittest's `tearDown`), and the methods they call, never
    /// release that attribute (`self.f.close()`, `with self.f`, `os.close(self.fd)`, handing it on). A cleanup
    /// registered from any method (`self.addCleanup(self.f.close)`, `weakref.finalize`) counts, and so do the
    /// methods of base classes defined in the same file. When another method releases it (`disconnect()`,
    /// `_close()`), the finding names that method.
    ///
    /// ## Why is this bad?
    /// Every instance leaks its resource unless its users know which other method to call: `with` and
    /// `contextlib.closing` call `__exit__` or `close()`, which leave it open, so it lives until the instance
    /// is collected.
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
    pub(crate) static UNRELEASED_ATTRIBUTE = Rule { code: "PDC103", name: "unreleased-attribute", summary: "a resource stored on `self` is released by none of its class's release methods" };
}

pub(super) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for unreleased in &cx.facts.unreleased_attrs {
        let noun = cx.kind(unreleased.site).noun();
        let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        let (attr, noun) = (&unreleased.attr, format!("{article} {noun}"));
        let (message, hint) = match &unreleased.released_by {
            None => (
                format!("`self.{attr}` holds {noun} that no method of its class releases"),
                "add a `close()` method (and `__exit__`) that releases it".to_owned(),
            ),
            Some(method) => (
                format!("`self.{attr}` holds {noun} that only `{method}()` releases, and no `close()` or `__exit__` calls it"),
                format!("call `self.{method}()` from a `close()` method (and `__exit__`)"),
            ),
        };
        out.push(cx.diagnostic(&UNRELEASED_ATTRIBUTE, cx.site_call(unreleased.site), message, &hint, None));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_finding_names_a_method_that_releases_when_no_release_method_calls_it() {
        let source = "import socket\n\n\
            class Peer:\n    def __init__(self, addr):\n        self.sock = socket.create_connection(addr)\n\n\
            \x20   def disconnect(self):\n        self.sock.close()\n\n\
            class Bare:\n    def __init__(self, addr):\n        self.sock = socket.create_connection(addr)\n";
        let report = crate::check_bytes(Path::new("peers.py"), source.as_bytes());
        let found: Vec<(u32, &str, &str)> =
            report.diagnostics.iter().map(|d| (d.span.start.row, d.message.as_str(), d.hint.as_str())).collect();
        assert_eq!(
            found,
            [
                (
                    5,
                    "`self.sock` holds a socket that only `disconnect()` releases, and no `close()` or `__exit__` calls it",
                    "call `self.disconnect()` from a `close()` method (and `__exit__`)"
                ),
                (
                    12,
                    "`self.sock` holds a socket that no method of its class releases",
                    "add a `close()` method (and `__exit__`) that releases it"
                ),
            ]
        );
    }
}
