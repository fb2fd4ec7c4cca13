//! Turns one scope's dataflow facts into the words of a finding: names, exits, spans.

use std::path::Path;

use pydevcheck_diagnostics::{Diagnostic, Exit as ExitLabel, Rule};

use crate::flow::{Exit, Leak, ScopeFacts, SiteId};
use crate::ir::{Range, Scope, ScopeKind};
use crate::line_index::LineIndex;
use crate::tables::Kind;

pub(crate) struct Context<'a> {
    pub(crate) path: &'a Path,
    pub(crate) index: &'a LineIndex<'a>,
    pub(crate) scope: &'a Scope,
    pub(crate) facts: &'a ScopeFacts,
}

/// Longer call texts are cut in messages.
const MAX_LABEL: usize = 40;

impl Context<'_> {
    pub(crate) fn leaks(&self, kind: Kind, on_exception: bool) -> impl Iterator<Item = &Leak> {
        self.facts.leaks.iter().filter(move |l| self.kind(l.site) == kind && l.on_exception == on_exception)
    }

    pub(crate) fn kind(&self, site: SiteId) -> Kind {
        self.facts.sites[site as usize].kind
    }

    /// `` `f` `` when the resource was bound to a name, else the call that made it: `` `open(p)` ``.
    pub(crate) fn label(&self, site: SiteId) -> String {
        let site = &self.facts.sites[site as usize];
        match site.name {
            Some(var) => format!("`{}`", self.scope.var_name(var)),
            None => format!("`{}`", self.code(site.call)),
        }
    }

    /// The source of a range on one line, shortened.
    pub(crate) fn code(&self, range: Range) -> String {
        let text = self.index.slice(range.start, range.end);
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() <= MAX_LABEL {
            return text;
        }
        let mut short: String = text.chars().take(MAX_LABEL - 1).collect();
        short.push('…');
        short
    }

    pub(crate) fn row(&self, range: Range) -> u32 {
        self.index.position(range.start).row
    }

    fn scope_label(&self) -> String {
        match self.scope.kind {
            ScopeKind::Module => "the module".to_owned(),
            ScopeKind::Class => format!("the body of class `{}`", self.scope.name),
            ScopeKind::Lambda => "the lambda".to_owned(),
            ScopeKind::Function => format!("`{}`", self.scope.name),
        }
    }

    /// "`read` returns at line 14", with the span of that exit.
    pub(crate) fn exit(&self, leak: &Leak) -> (String, Range) {
        match &leak.exit {
            Exit::Return(Some(at)) => (format!("{} returns at line {}", self.scope_label(), self.row(*at)), *at),
            Exit::Return(None) => {
                let end = Range { start: self.scope.range.end, end: self.scope.range.end };
                (format!("the end of {} is reached", self.scope_label()), end)
            }
            Exit::Dropped { at, var: Some(var), deleted: true } => {
                (format!("`{}` is deleted at line {}", self.scope.var_name(*var), self.row(*at)), *at)
            }
            Exit::Dropped { at, var: Some(var), deleted: false } => {
                (format!("`{}` is reassigned at line {}", self.scope.var_name(*var), self.row(*at)), *at)
            }
            Exit::Dropped { at, var: None, .. } => {
                (format!("its last reference is dropped at line {}", self.row(*at)), *at)
            }
            Exit::Exception(at) => (self.raised_by(*at), *at),
        }
    }

    /// "an exception raised by `parse(f)` at line 12", or the iteration or `yield` that raised it.
    pub(crate) fn raised_by(&self, at: Range) -> String {
        let code = self.code(at);
        let row = self.row(at);
        if self.facts.iteration_points.contains(&at) {
            format!("an exception raised while iterating over `{code}` at line {row}")
        } else if code.starts_with("yield") {
            format!("closing the generator at `{code}` (line {row})")
        } else {
            format!("an exception raised by `{code}` at line {row}")
        }
    }

    pub(crate) fn diagnostic(
        &self,
        rule: &'static Rule,
        at: Range,
        message: String,
        hint: &str,
        exit: Option<(String, Range)>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            path: self.path.to_path_buf(),
            span: self.index.span(at.start, at.end),
            message,
            hint: hint.to_owned(),
            exit: exit.map(|(description, r)| ExitLabel { span: self.index.span(r.start, r.end), description }),
        }
    }

    /// The findings of one leak rule: every leak of `kind` on a normal path, or on an exception path.
    pub(crate) fn report_leaks(
        &self,
        rule: &'static Rule,
        kind: Kind,
        on_exception: bool,
        hint: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        for leak in self.leaks(kind, on_exception) {
            let label = self.label(leak.site);
            let (message, exit) = if on_exception {
                let exit = match leak.raised_at {
                    Some(at) => (self.raised_by(at), at),
                    None => self.exit(leak),
                };
                (format!("{} leaves {} {label} {}", exit.0, kind.noun(), kind.unreleased_state()), exit)
            } else {
                let exit = self.exit(leak);
                (format!("{} {label} {} when {}", capitalized(kind.noun()), kind.unreleased(), exit.0), exit)
            };
            out.push(self.diagnostic(rule, self.site_call(leak.site), message, hint, Some(exit)));
        }
    }

    pub(crate) fn site_call(&self, site: SiteId) -> Range {
        self.facts.sites[site as usize].call
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
