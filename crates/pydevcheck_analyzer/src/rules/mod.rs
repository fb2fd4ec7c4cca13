//! The rule registry: one module per rule, one line per rule in [`ALL_RULES`].

use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Rule};

use crate::line_index::LineIndex;
use crate::project::{Export, ModuleContext};
use crate::{flow, ir, parse, source};

/// Declares a rule's static from its documented definition; the `///` lines become `Rule::doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub(crate) static $id:ident = Rule {
            code: $code:literal, name: $name:literal, summary: $summary:literal
            $(, default_enabled: $enabled:literal)? $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub(crate) static $id: pydevcheck_diagnostics::Rule = pydevcheck_diagnostics::Rule {
            code: $code,
            name: $name,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            default_enabled: declare_rule!(@enabled $($enabled)?),
        };
    };
    (@enabled) => { true };
    (@enabled $enabled:literal) => { $enabled };
}

mod codec_table;
mod context;
mod coroutine_never_awaited;
mod encoding;
mod event_loop_not_closed;
mod fd_closed_behind_owner;
mod fd_double_close;
mod fd_leak;
mod file_leaks_on_exception;
mod implicit_text_encoding;
mod pool_not_closed;
mod socket_leaks_on_exception;
mod stream_not_closed;
mod subprocess_not_waited;
mod syntax_error;
mod tempfile_implicit_cleanup;
mod unclosed_file;
mod unclosed_socket;
mod undecodable_source;
mod unknown_encoding;
mod unknown_error_handler;
mod unreleased_attribute;
mod unused_suppression;

pub(crate) use encoding::codec_view;

/// Every rule, grouped by the resource it is about (the fd rules follow the file rules).
pub static ALL_RULES: &[&Rule] = &[
    &syntax_error::SYNTAX_ERROR,
    &undecodable_source::UNDECODABLE_SOURCE,
    &unused_suppression::UNUSED_SUPPRESSION,
    &unclosed_file::UNCLOSED_FILE,
    &file_leaks_on_exception::FILE_LEAKS_ON_EXCEPTION,
    &unreleased_attribute::UNRELEASED_ATTRIBUTE,
    &fd_closed_behind_owner::FD_CLOSED_BEHIND_OWNER,
    &fd_double_close::FD_DOUBLE_CLOSE,
    &fd_leak::FD_LEAK,
    &unclosed_socket::UNCLOSED_SOCKET,
    &socket_leaks_on_exception::SOCKET_LEAKS_ON_EXCEPTION,
    &subprocess_not_waited::SUBPROCESS_NOT_WAITED,
    &tempfile_implicit_cleanup::TEMPFILE_IMPLICIT_CLEANUP,
    &pool_not_closed::POOL_NOT_CLOSED,
    &event_loop_not_closed::EVENT_LOOP_NOT_CLOSED,
    &coroutine_never_awaited::COROUTINE_NEVER_AWAITED,
    &stream_not_closed::STREAM_NOT_CLOSED,
    &unknown_encoding::UNKNOWN_ENCODING,
    &unknown_error_handler::UNKNOWN_ERROR_HANDLER,
    &implicit_text_encoding::IMPLICIT_TEXT_ENCODING,
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
/// Returns what the module exports to the other modules of the run (nothing without a `place`).
pub(crate) fn check_module(
    path: &Path,
    index: &LineIndex<'_>,
    module: &ir::Module,
    place: Option<ModuleContext<'_>>,
    api: &crate::tables::Api,
    out: &mut Vec<Diagnostic>,
) -> Vec<(String, Export)> {
    let flow::Analysed { scopes, exports } = flow::analyse(module, place, api);
    for (scope, facts) in scopes {
        let cx = context::Context { path, index, scope: &module.scopes[scope], facts: &facts };
        unclosed_file::check(&cx, out);
        file_leaks_on_exception::check(&cx, out);
        unreleased_attribute::check(&cx, out);
        fd_closed_behind_owner::check(&cx, out);
        fd_double_close::check(&cx, out);
        fd_leak::check(&cx, out);
        unclosed_socket::check(&cx, out);
        socket_leaks_on_exception::check(&cx, out);
        subprocess_not_waited::check(&cx, out);
        tempfile_implicit_cleanup::check(&cx, out);
        pool_not_closed::check(&cx, out);
        event_loop_not_closed::check(&cx, out);
        coroutine_never_awaited::check(&cx, out);
        stream_not_closed::check(&cx, out);
    }
    encoding::check(path, index, module, out);
    exports
}
