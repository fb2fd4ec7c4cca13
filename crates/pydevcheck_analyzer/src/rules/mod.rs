//! The rule registry: one module per rule, one line per rule in [`ALL_RULES`].

use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Rule};

use crate::line_index::LineIndex;
use crate::{ir, parse, source};

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

mod syntax_error;
mod undecodable_source;

/// Every rule, in code order.
pub static ALL_RULES: &[&Rule] = &[&syntax_error::SYNTAX_ERROR, &undecodable_source::UNDECODABLE_SOURCE];

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

pub(crate) fn check_module(_path: &Path, _index: &LineIndex<'_>, _module: &ir::Module, _out: &mut Vec<Diagnostic>) {}
