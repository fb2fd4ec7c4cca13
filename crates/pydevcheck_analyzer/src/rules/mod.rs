//! The rule registry: one module per rule, one line per rule in [`ALL_RULES`].

use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Rule};

use crate::line_index::LineIndex;
use crate::{flow, ir, parse, source};

/// Declares a rule's static from its documented definition; the `///` lines become `Rule::doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub(crate) static $id:ident = Rule { code: $code:literal, name: $name:literal, summary: $summary:literal $(,)? };
    ) => {
        $(#[doc = $doc])*
        pub(crate) static $id: pydevcheck_diagnostics::Rule = pydevcheck_diagnostics::Rule {
            code: $code,
            name: $name,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            default_enabled: true,
        };
    };
}

mod context;
mod fd_closed_behind_owner;
mod fd_double_close;
mod fd_leak;
mod file_leaks_on_exception;
mod syntax_error;
mod unclosed_file;
mod undecodable_source;
mod unused_suppression;

/// Every rule, in code order.
pub static ALL_RULES: &[&Rule] = &[
    &syntax_error::SYNTAX_ERROR,
    &undecodable_source::UNDECODABLE_SOURCE,
    &unused_suppression::UNUSED_SUPPRESSION,
    &unclosed_file::UNCLOSED_FILE,
    &file_leaks_on_exception::FILE_LEAKS_ON_EXCEPTION,
    &fd_closed_behind_owner::FD_CLOSED_BEHIND_OWNER,
    &fd_double_close::FD_DOUBLE_CLOSE,
    &fd_leak::FD_LEAK,
];

/// Looks a rule up by code (`PDC101`) or name (`unclosed-file`).
pub fn find_rule(code_or_name: &str) -> Option<&'static Rule> {
    ALL_RULES.iter().copied().find(|rule| rule.code.eq_ignore_ascii_case(code_or_name) || rule.name == code_or_name)
}

/// A rule's documentation as Markdown: the doc comment without the one space each `///` line starts with.
pub fn rule_doc(rule: &Rule) -> String {
    let mut out = String::with_capacity(rule.doc.len());
    for line in rule.doc.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out
}

pub(crate) fn undecodable_source(path: &Path, error: &source::DecodeError) -> Diagnostic {
    undecodable_source::diagnostic(path, error)
}

pub(crate) fn syntax_error(path: &Path, index: &LineIndex<'_>, error: &parse::SyntaxError) -> Diagnostic {
    syntax_error::diagnostic(path, index, error)
}

/// Runs the dataflow over every scope of a module and reports what the resource rules find.
pub(crate) fn check_module(path: &Path, index: &LineIndex<'_>, module: &ir::Module, out: &mut Vec<Diagnostic>) {
    for (scope, facts) in flow::analyse(module) {
        let cx = context::Context { path, index, scope: &module.scopes[scope], facts: &facts };
        unclosed_file::check(&cx, out);
        file_leaks_on_exception::check(&cx, out);
        fd_closed_behind_owner::check(&cx, out);
        fd_double_close::check(&cx, out);
        fd_leak::check(&cx, out);
    }
}
