declare_rule! {
    /// ## What it does
    /// Finds suppression comments (`# noqa: PDC101`, `# pydevcheck: ignore[PDC101]`) that name a pydevcheck
    /// code which reports nothing on that line: the finding was fixed, moved to another line, or the rule is not
    /// selected for the file, or the code does not exist. Codes of other tools (`# noqa: E501`) and bare
    /// `# noqa` comments are left alone, because flake8 and ruff read them too.
    ///
    /// This rule is not selected by default; enable it with `--extend-select PDC003` or
    /// `extend-select = ["PDC003"]`.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding on its line, and a misspelled code suppresses nothing
    /// while looking as if it did.
    ///
    /// ## What dev mode prints
    /// Nothing: this is about pydevcheck's own comments.
    ///
    /// ## Example
    /// ```python
    /// def read(path):
    ///     with open(path) as f:  # noqa: PDC101
    ///         return f.read()
    /// ```
    /// Use instead:
    /// ```python
    /// def read(path):
    ///     with open(path) as f:
    ///         return f.read()
    /// ```
    ///
    /// ## Fix
    /// Remove the unused code from the comment, or the whole comment when no code is left.
    //
    // Off by default, like ruff's RUF100: a project opts in once its suppressions are meant to be exact.
    pub(crate) static UNUSED_SUPPRESSION = Rule {
        code: "PDC003",
        name: "unused-suppression",
        summary: "a suppression comment names a code that reports nothing on its line",
        default_enabled: false,
    };
}
