use std::path::Path;

use pydevcheck_diagnostics::Diagnostic;

use crate::line_index::LineIndex;
use crate::parse::SyntaxError;

declare_rule! {
    /// ## What it does
    /// Reports a file that does not parse as Python. The other files of the run are still checked.
    ///
    /// ## Why is this bad?
    /// CPython refuses to import or run the file, so every bug in it is hidden until the syntax is fixed,
    /// and pydevcheck cannot analyse it either.
    ///
    /// ## What dev mode prints
    /// `SyntaxError: ...` when the module is imported or run.
    ///
    /// ## Example
    /// ```python
    /// def read(path)
    ///     return open(path).read()
    /// ```
    /// Use instead:
    /// ```python
    /// def read(path):
    ///     with open(path) as f:
    ///         return f.read()
    /// ```
    ///
    /// ## Fix
    /// Correct the syntax at the reported position.
    pub(crate) static SYNTAX_ERROR = Rule { code: "PDC001", name: "syntax-error", summary: "the file does not parse" };
}

pub(super) fn diagnostic(path: &Path, index: &LineIndex<'_>, error: &SyntaxError) -> Diagnostic {
    Diagnostic {
        rule: &SYNTAX_ERROR,
        path: path.to_path_buf(),
        span: index.span(error.start, error.end),
        message: format!("syntax error: {}", error.message),
        hint: "fix the syntax; the file is not analysed until it parses".to_owned(),
        exit: None,
    }
}
