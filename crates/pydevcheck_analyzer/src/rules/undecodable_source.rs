use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Position, Span};

use crate::source::DecodeError;

declare_rule! {
    /// ## What it does
    /// Reports a file whose bytes do not decode under its PEP 263 coding cookie, its byte order mark, or
    /// UTF-8 when it declares neither.
    ///
    /// ## Why is this bad?
    /// CPython refuses to compile the file: importing it raises `SyntaxError`.
    ///
    /// ## What dev mode prints
    /// `SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xe9 in position 3: invalid continuation byte`
    ///
    /// ## Example
    /// ```python
    /// # A Latin-1 file without a cookie:
    /// name = "café"
    /// ```
    /// Use instead:
    /// ```python
    /// # -*- coding: latin-1 -*-
    /// name = "café"
    /// ```
    ///
    /// ## Fix
    /// Re-encode the file as UTF-8, or declare its real encoding on the first or second line.
    pub(crate) static UNDECODABLE_SOURCE = Rule { code: "PDC002", name: "undecodable-source", summary: "the file's bytes do not decode as Python source" };
}

pub(super) fn diagnostic(path: &Path, error: &DecodeError) -> Diagnostic {
    let start = Position { row: error.line, column: 1 };
    Diagnostic {
        rule: &UNDECODABLE_SOURCE,
        path: path.to_path_buf(),
        span: Span { start, end: start, byte_start: 0, byte_end: 0 },
        message: error.message.clone(),
        hint: "save the file as UTF-8 or declare its encoding with a `# -*- coding: NAME -*-` line".to_owned(),
        exit: None,
    }
}
