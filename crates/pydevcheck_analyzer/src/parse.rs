//! The only module that touches ruff's parser and syntax tree: it parses a file and lowers it into `ir`.
//!
//! A parser upgrade changes this file and nothing else. Three guards keep hostile nesting from exhausting
//! memory or the stack, each cheaper than what it protects:
//! - before parsing, `nesting` bounds the depth from the bytes: ruff's parser grows its stack on the heap
//!   for deep input, 1 KB per level, so ten million `-` signs would cost 10 GB;
//! - after parsing, the tree's real depth is measured (on a stack that grows; a subtree too short to reach
//!   the limit is not walked) before anything recurses over it, and a tree deeper than [`MAX_TREE_DEPTH`] is
//!   never dropped recursively;
//! - lowering counts its own depth and stops at [`MAX_DEPTH`], so no pass over the `ir` recurses deeper.
//!
//! Each reports the file as a syntax error ("too deeply nested to analyse") rather than recursing without
//! bound. CPython's own limits (100 indentation levels, 200 nested parentheses) are far below these.

use ruff_python_ast as ast;
use ruff_python_ast::visitor::source_order::{self, SourceOrderVisitor, TraversalSignal};
use ruff_python_ast::{AnyNodeRef, Expr as AExpr, Stmt as AStmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::ir::{
    Attr, Body, Call, Case, CmpOp, Comprehension, Expr, ExprKind, For, Generator, Handler, Keyword, Module, Name,
    Range, Scope, ScopeId, ScopeKind, Stmt, Target, Var, WithItem, MAX_KEPT_STR,
};
use crate::{nesting, stack, tables};

/// Deeper than anything CPython compiles (it stops at 100 blocks and 200 parentheses), with a wide margin.
/// An `elif` counts as a level, as it is a nested `if` in the `ir` (and in CPython's own tree).
pub(crate) const MAX_DEPTH: u32 = 1_000;

/// The deepest syntax tree that is measured and dropped. The byte scan of `nesting` keeps real trees
/// within about [`MAX_DEPTH`]; this catches whatever it misjudges.
const MAX_TREE_DEPTH: u32 = 4 * MAX_DEPTH;

pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl SyntaxError {
    fn too_deep(start: u32, end: u32) -> SyntaxError {
        SyntaxError {
            message: format!(
                "too deeply nested to analyse (more than {MAX_DEPTH} levels; CPython allows 100 indented blocks \
                 and 200 parentheses)"
            ),
            start,
            end,
        }
    }
}

/// Parses and lowers one file; `api` says which calls acquire (the scopes holding one get the dataflow).
pub(crate) fn parse(text: &str, api: &tables::Api) -> Result<Module, SyntaxError> {
    if let Err(too_deep) = nesting::check(text, MAX_DEPTH) {
        let at = u32::try_from(too_deep.offset).unwrap_or(u32::MAX);
        return Err(SyntaxError::too_deep(at, at));
    }
    let parsed =
        ruff_python_parser::parse_unchecked(text, ruff_python_parser::ParseOptions::from(ast::PySourceType::Python));
    let error = parsed.errors().first().map(|error| SyntaxError {
        message: error.error.to_string(),
        start: error.location.start().to_u32(),
        end: error.location.end().to_u32(),
    });
    let syntax = parsed.into_syntax();
    let mut depth = TreeDepth { depth: 0, limit: MAX_TREE_DEPTH, too_deep: None, skim: true };
    depth.visit_mod(&syntax);
    if let Some(range) = depth.too_deep {
        // Dropping the tree would recurse once per level on a stack nobody grows. The memory is the file's
        // own size times a constant, and the process (or fuzzing run) goes on.
        std::mem::forget(syntax);
        return Err(error.unwrap_or_else(|| SyntaxError::too_deep(range.start().to_u32(), range.end().to_u32())));
    }
    if let Some(error) = error {
        return Err(error);
    }
    let ast::Mod::Module(module) = syntax else {
        unreachable!("a `PySourceType::Python` parse yields a module");
    };
    lower(text, module, api)
}

/// Measures a syntax tree's depth, down to `limit` and no further.
///
/// Most subtrees are too short to reach the limit, and their length shows it without a walk: every node's
/// range holds its children's, and at most [`NODES_PER_RANGE`] nodes in a row share one range (an
/// expression statement and its expression, a parameter and its default-less wrapper), so each level
/// below those either is one of them or is at least a byte shorter. A subtree over `n` bytes is therefore at
/// most `NODES_PER_RANGE * (n + 1)` nodes deep, and it is walked only when that could pass the limit. A test
/// checks both facts on every file it is given, and compares the result with a full walk.
struct TreeDepth {
    depth: u32,
    limit: u32,
    too_deep: Option<TextRange>,
    /// Skip the subtrees whose length bounds their depth; off only in the test that compares with a full walk.
    skim: bool,
}

/// The most nodes on one path of ruff's tree that share a range, with a margin: the longest known run is
/// four, a lambda's only parameter (`lambda x: ...`: parameters, parameter with default, parameter, name).
const NODES_PER_RANGE: u32 = 6;

impl TreeDepth {
    /// Whether the subtree over `range`, entered at the current depth, may go past the limit.
    fn may_pass_limit(&self, range: TextRange) -> bool {
        if !self.skim {
            return true;
        }
        let bound = NODES_PER_RANGE.saturating_mul(u32::from(range.len()).saturating_add(1));
        self.depth.saturating_add(bound) > self.limit
    }
}

impl<'a> SourceOrderVisitor<'a> for TreeDepth {
    fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
        self.depth += 1;
        if self.depth > self.limit {
            self.too_deep.get_or_insert(node.range());
            return TraversalSignal::Skip;
        }
        TraversalSignal::Traverse
    }

    fn leave_node(&mut self, _node: AnyNodeRef<'a>) {
        self.depth -= 1;
    }

    fn visit_stmt(&mut self, stmt: &'a AStmt) {
        if self.may_pass_limit(stmt.range()) {
            stack::guard(|| source_order::walk_stmt(self, stmt));
        }
    }

    fn visit_expr(&mut self, expr: &'a AExpr) {
        if self.may_pass_limit(expr.range()) {
            stack::guard(|| source_order::walk_expr(self, expr));
        }
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        if self.may_pass_limit(pattern.range()) {
            stack::guard(|| source_order::walk_pattern(self, pattern));
        }
    }
}

/// Lowers a module, dropping its statements as soon as they are lowered (see [`DROP_DEPTH`]).
fn lower(text: &str, mut module: ast::ModModule, api: &tables::Api) -> Result<Module, SyntaxError> {
    let mut lowerer = Lowerer {
        api,
        scopes: Vec::new(),
        stack: Vec::new(),
        imports: FxHashMap::default(),
        depth: 0,
        too_deep: None,
        comp_counter: 0,
        external_calls: Vec::new(),
        codec_calls: Vec::new(),
    };
    collect_imports(&module.body, &mut lowerer.imports);
    let range = TextRange::up_to(ruff_text_size::TextSize::of(text));
    lowerer.push_scope(ScopeKind::Module, "<module>".into(), range);
    let body = lowerer.body(&mut module.body);
    lowerer.pop_scope(body);
    if let Some(range) = lowerer.too_deep {
        return Err(SyntaxError::too_deep(range.start, range.end));
    }
    let mut scopes: Vec<Scope> = lowerer.scopes.into_iter().map(|s| s.expect("every pushed scope is popped")).collect();
    scopes.shrink_to_fit();
    let mut external_calls = lowerer.external_calls;
    external_calls.sort();
    external_calls.dedup();
    Ok(Module { scopes, external_calls, codec_calls: lowerer.codec_calls })
}

/// How many blocks deep lowering drops each syntax statement as soon as it is lowered. Freed while its nodes
/// are still in the cache, a statement costs less to drop than in a walk over the whole tree after lowering,
/// and the form's nodes reuse its memory. The drop of a statement recurses through what is left of it on the
/// stack of the level that lowered it; this few levels down, that is about the stack the whole tree's drop
/// had at the top, which is what the tree-depth limit ([`MAX_TREE_DEPTH`]) was set for.
const DROP_DEPTH: u32 = 4;

/// Flags of a scope's variable while it is lowered.
const ASSIGNED: u8 = 1;
const LOADED: u8 = 2;

struct ScopeBuilder {
    id: ScopeId,
    parent: Option<ScopeId>,
    params: Vec<Var>,
    is_async: bool,
    local_calls: Vec<Name>,
    bases: Vec<Name>,
    is_generator: bool,
    kind: ScopeKind,
    name: Name,
    range: Range,
    vars: Vec<Name>,
    index: FxHashMap<Name, Var>,
    escaping: Vec<Var>,
    /// For each variable, whether the scope binds it ([`ASSIGNED`]) and reads it ([`LOADED`]).
    var_flags: Vec<u8>,
    /// Free names of nested scopes, to be re-exported if this scope does not bind them.
    nested_free: FxHashSet<Name>,
    /// Names a comprehension renames, innermost last.
    renames: Vec<(Name, Var)>,
    local_imports: FxHashMap<Name, Name>,
    /// Functions defined by `def` in this (non-module) scope so far: calls to them are local calls.
    local_defs: FxHashSet<Name>,
    interesting: bool,
    lends_yields: bool,
}

struct Lowerer<'a> {
    api: &'a tables::Api,
    /// Finished scopes by id; `None` while a scope is still being lowered.
    scopes: Vec<Option<Scope>>,
    stack: Vec<ScopeBuilder>,
    /// Module-level imports: local name → dotted path.
    imports: FxHashMap<Name, Name>,
    depth: u32,
    too_deep: Option<Range>,
    external_calls: Vec<Name>,
    /// See [`Module::codec_calls`].
    codec_calls: Vec<Call>,
    comp_counter: u32,
}

fn range(r: TextRange) -> Range {
    Range { start: r.start().to_u32(), end: r.end().to_u32() }
}

/// Module-level imports anywhere in the module's own statements (also inside `if`/`try`), so that a call can
/// be resolved whatever the order of definitions.
fn collect_imports(body: &[AStmt], out: &mut FxHashMap<Name, Name>) {
    for stmt in body {
        match stmt {
            AStmt::Import(_) | AStmt::ImportFrom(_) => record_import(stmt, out),
            // A module's own `def open` or `open = TarFile.open` shadows the builtin: `@name` marks it local.
            AStmt::FunctionDef(ast::StmtFunctionDef { name, .. }) | AStmt::ClassDef(ast::StmtClassDef { name, .. }) => {
                out.entry(name.id.as_str().into())
                    .or_insert_with(|| compact_str::format_compact!("@{}", name.id.as_str()));
            }
            AStmt::Assign(s) => {
                for target in &s.targets {
                    if let AExpr::Name(n) = target {
                        out.entry(n.id.as_str().into())
                            .or_insert_with(|| compact_str::format_compact!("@{}", n.id.as_str()));
                    }
                }
            }
            AStmt::If(s) => {
                collect_imports(&s.body, out);
                for clause in &s.elif_else_clauses {
                    collect_imports(&clause.body, out);
                }
            }
            AStmt::Try(s) => {
                collect_imports(&s.body, out);
                for ast::ExceptHandler::ExceptHandler(h) in &s.handlers {
                    collect_imports(&h.body, out);
                }
                collect_imports(&s.orelse, out);
                collect_imports(&s.finalbody, out);
            }
            _ => {}
        }
    }
}

fn record_import(stmt: &AStmt, out: &mut FxHashMap<Name, Name>) {
    match stmt {
        AStmt::Import(s) => {
            for alias in &s.names {
                let full = alias.name.id.as_str();
                match &alias.asname {
                    Some(asname) => {
                        out.insert(asname.id.as_str().into(), full.into());
                    }
                    None => {
                        // `import os.path` binds `os`.
                        let head = full.split('.').next().unwrap_or(full);
                        out.insert(head.into(), head.into());
                    }
                }
            }
        }
        AStmt::ImportFrom(s) => {
            let module = s.module.as_ref().map_or("", |m| m.id.as_str());
            for alias in &s.names {
                let name = alias.name.id.as_str();
                if name == "*" {
                    continue;
                }
                let local = alias.asname.as_ref().map_or(name, |a| a.id.as_str());
                let mut path = Name::default();
                for _ in 0..s.level {
                    path.push('.');
                }
                // `from . import util`: the sibling module, relative to this package.
                if !module.is_empty() {
                    path.push_str(module);
                    path.push('.');
                }
                path.push_str(name);
                out.insert(local.into(), path);
            }
        }
        _ => {}
    }
}

impl Lowerer<'_> {
    fn push_scope(&mut self, kind: ScopeKind, name: Name, r: TextRange) -> ScopeId {
        let id = self.scopes.len() as ScopeId;
        self.scopes.push(None);
        let parent = self.stack.last().map(|s| s.id);
        self.stack.push(ScopeBuilder {
            id,
            parent,
            params: Vec::new(),
            is_async: false,
            local_calls: Vec::new(),
            bases: Vec::new(),
            is_generator: false,
            kind,
            name,
            range: range(r),
            vars: Vec::new(),
            index: FxHashMap::default(),
            escaping: Vec::new(),
            var_flags: Vec::new(),
            nested_free: FxHashSet::default(),
            renames: Vec::new(),
            local_imports: FxHashMap::default(),
            local_defs: FxHashSet::default(),
            interesting: false,
            lends_yields: false,
        });
        id
    }

    fn pop_scope(&mut self, body: Body) -> ScopeId {
        let b = self.stack.pop().expect("push_scope and pop_scope are paired");
        let mut free: Vec<Name> = b
            .vars
            .iter()
            .zip(&b.var_flags)
            .filter(|(_, flags)| *flags & LOADED != 0)
            .map(|(name, _)| name)
            .chain(b.nested_free.iter())
            .filter(|name| {
                let assigned = b.index.get(&***name).is_some_and(|&var| b.var_flags[var as usize] & ASSIGNED != 0);
                !assigned || b.escaping.iter().any(|&v| b.vars[v as usize] == **name)
            })
            .cloned()
            .collect();
        free.sort();
        free.dedup();
        if let Some(parent) = self.stack.last_mut() {
            // Class bodies are not visible to the functions nested in them.
            if b.kind != ScopeKind::Class {
                parent.nested_free.extend(free.iter().cloned());
            }
        }
        let mut local_calls = b.local_calls;
        local_calls.sort();
        local_calls.dedup();
        let scope = Scope {
            kind: b.kind,
            name: b.name,
            parent: b.parent,
            params: b.params,
            is_async: b.is_async,
            local_calls,
            bases: b.bases,
            is_generator: b.is_generator,
            range: b.range,
            body,
            vars: b.vars,
            escaping_vars: b.escaping,
            free_names: free,
            has_calls_of_interest: b.interesting,
            lends_yields: b.lends_yields,
        };
        self.scopes[b.id as usize] = Some(scope);
        b.id
    }

    fn scope(&mut self) -> &mut ScopeBuilder {
        self.stack.last_mut().expect("lowering always happens inside a scope")
    }

    fn intern(&mut self, name: &str) -> Var {
        let scope = self.scope();
        if let Some(&(_, var)) = scope.renames.iter().rev().find(|(n, _)| &**n == name) {
            return var;
        }
        if let Some(&var) = scope.index.get(name) {
            return var;
        }
        let var = scope.vars.len() as Var;
        scope.vars.push(name.into());
        scope.var_flags.push(0);
        scope.index.insert(name.into(), var);
        var
    }

    fn bind(&mut self, name: &str) -> Var {
        let var = self.intern(name);
        if !self.scope().renames.iter().any(|(n, _)| &**n == name) {
            self.scope().var_flags[var as usize] |= ASSIGNED;
        }
        var
    }

    fn load(&mut self, name: &str) -> Var {
        let var = self.intern(name);
        if !self.scope().renames.iter().any(|(n, _)| &**n == name) {
            self.scope().var_flags[var as usize] |= LOADED;
        }
        var
    }

    fn deeper(&mut self, r: TextRange) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.too_deep.get_or_insert(range(r));
            return false;
        }
        true
    }

    /// Lowers a block. Down to [`DROP_DEPTH`] each syntax statement is dropped right after it is lowered, while
    /// its nodes are still in the cache; deeper ones go with the statement that holds them.
    fn body<B>(&mut self, stmts: &mut B) -> Body
    where
        B: Default + IntoIterator<Item = AStmt> + std::ops::DerefMut<Target = [AStmt]>,
    {
        let mut out = Vec::with_capacity(stmts.len());
        if self.depth < DROP_DEPTH {
            for mut stmt in std::mem::take(stmts) {
                self.stmt(&mut stmt, &mut out);
            }
        } else {
            for stmt in stmts.iter_mut() {
                self.stmt(stmt, &mut out);
            }
        }
        out.into_boxed_slice()
    }

    fn stmt(&mut self, stmt: &mut AStmt, out: &mut Vec<Stmt>) {
        if !self.deeper(stmt.range()) {
            self.depth -= 1;
            return;
        }
        stack::guard(|| self.stmt_inner(stmt, out));
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, stmt: &mut AStmt, out: &mut Vec<Stmt>) {
        let r = range(stmt.range());
        match stmt {
            AStmt::Expr(s) => out.push(Stmt::Expr(self.expr(&s.value))),
            AStmt::Assign(s) => {
                if let [single] = s.targets.as_slice() {
                    if let AExpr::If(ifexp) = &*s.value {
                        // `x = a if c else b` → `if c: x = a` / `else: x = b`, so each branch is its own path.
                        let test = self.expr(&ifexp.test);
                        let body = Box::new([Stmt::Assign {
                            targets: Box::new([self.target(single)]),
                            value: self.expr(&ifexp.body),
                            range: r,
                        }]);
                        let orelse = Box::new([Stmt::Assign {
                            targets: Box::new([self.target(single)]),
                            value: self.expr(&ifexp.orelse),
                            range: r,
                        }]);
                        out.push(Stmt::If { test, body, orelse });
                        return;
                    }
                }
                let value = self.expr(&s.value);
                let targets = s.targets.iter().map(|t| self.target(t)).collect();
                out.push(Stmt::Assign { targets, value, range: r });
            }
            AStmt::AugAssign(s) => {
                let current = self.expr(&s.target);
                let value = self.expr(&s.value);
                let value = Expr { kind: ExprKind::Other(Box::new([current, value])), range: r };
                let targets = Box::new([self.target(&s.target)]);
                out.push(Stmt::Assign { targets, value, range: r });
            }
            AStmt::AnnAssign(s) => {
                if let Some(value) = &s.value {
                    let value = self.expr(value);
                    let targets = Box::new([self.target(&s.target)]);
                    out.push(Stmt::Assign { targets, value, range: r });
                }
            }
            AStmt::Return(s) => {
                if let Some(value) = &s.value {
                    if let AExpr::If(ifexp) = &**value {
                        let test = self.expr(&ifexp.test);
                        let body = Box::new([Stmt::Return { value: Some(self.expr(&ifexp.body)), range: r }]);
                        let orelse = Box::new([Stmt::Return { value: Some(self.expr(&ifexp.orelse)), range: r }]);
                        out.push(Stmt::If { test, body, orelse });
                        return;
                    }
                }
                let value = s.value.as_ref().map(|v| self.expr(v));
                out.push(Stmt::Return { value, range: r });
            }
            AStmt::Delete(s) => {
                let targets = s.targets.iter().map(|t| self.target(t)).collect();
                out.push(Stmt::Delete { targets, range: r });
            }
            AStmt::If(s) => {
                let test = self.expr(&s.test);
                let body = self.body(&mut s.body);
                let orelse = self.elif_chain(&mut s.elif_else_clauses);
                out.push(Stmt::If { test, body, orelse });
            }
            AStmt::While(s) => {
                let test = self.expr(&s.test);
                let body = self.body(&mut s.body);
                let orelse = self.body(&mut s.orelse);
                out.push(Stmt::While { test, body, orelse });
            }
            AStmt::For(s) => {
                let iter = self.expr(&s.iter);
                let target = self.target(&s.target);
                let body = self.body(&mut s.body);
                let orelse = self.body(&mut s.orelse);
                out.push(Stmt::For(Box::new(For { target, iter, body, orelse, range: r })));
            }
            AStmt::With(s) => {
                let items = s
                    .items
                    .iter()
                    .map(|item| WithItem {
                        context: self.expr(&item.context_expr),
                        target: item.optional_vars.as_ref().map(|t| self.target(t)),
                    })
                    .collect();
                let body = self.body(&mut s.body);
                out.push(Stmt::With { items, body, range: r });
            }
            AStmt::Try(s) => {
                let body = self.body(&mut s.body);
                let handlers = s
                    .handlers
                    .iter_mut()
                    .map(|ast::ExceptHandler::ExceptHandler(h)| {
                        let catch_all = h.type_.as_deref().is_none_or(catches_everything);
                        Handler {
                            type_: h.type_.as_ref().map(|t| self.expr(t)),
                            name: h.name.as_ref().map(|n| self.bind(n.id.as_str())),
                            body: self.body(&mut h.body),
                            catch_all,
                        }
                    })
                    .collect();
                let orelse = self.body(&mut s.orelse);
                let finalbody = self.body(&mut s.finalbody);
                out.push(Stmt::Try { body, handlers, orelse, finalbody });
            }
            AStmt::Raise(s) => {
                let exc = s.exc.as_ref().map(|e| self.boxed(e));
                let cause = s.cause.as_ref().map(|e| self.boxed(e));
                out.push(Stmt::Raise { exc, cause, range: r });
            }
            AStmt::Assert(s) => {
                let test = self.boxed(&s.test);
                let msg = s.msg.as_ref().map(|e| self.boxed(e));
                out.push(Stmt::Assert { test, msg, range: r });
            }
            AStmt::Break(_) => out.push(Stmt::Break),
            AStmt::Continue(_) => out.push(Stmt::Continue),
            AStmt::Pass(_) | AStmt::TypeAlias(_) | AStmt::IpyEscapeCommand(_) => {}
            AStmt::Import(_) | AStmt::ImportFrom(_) => {
                let mut local = FxHashMap::default();
                record_import(&*stmt, &mut local);
                for name in local.keys() {
                    self.bind(name);
                }
                if self.stack.len() > 1 {
                    self.scope().local_imports.extend(local);
                }
            }
            AStmt::Global(ast::StmtGlobal { names, .. }) | AStmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                for name in names {
                    let var = self.intern(name.id.as_str());
                    self.scope().escaping.push(var);
                }
            }
            AStmt::FunctionDef(s) => {
                let mut exprs: Vec<Expr> = s.decorator_list.iter().map(|d| self.expr(&d.expression)).collect();
                exprs.extend(parameter_defaults(&s.parameters).map(|d| self.expr(d)));
                let exprs = exprs.into_boxed_slice();
                let name = self.bind(s.name.id.as_str());
                if self.stack.len() > 1 {
                    self.scope().local_defs.insert(s.name.id.as_str().into());
                }
                let scope = self.push_scope(ScopeKind::Function, s.name.id.as_str().into(), s.range);
                self.scope().lends_yields = s.decorator_list.iter().any(|d| lends_yields(&d.expression));
                self.scope().is_async = s.is_async;
                self.params(&s.parameters);
                let body = self.body(&mut s.body);
                self.pop_scope(body);
                out.push(Stmt::Def { name: Some(name), scope, exprs, range: r });
            }
            AStmt::ClassDef(s) => {
                let mut exprs: Vec<Expr> = s.decorator_list.iter().map(|d| self.expr(&d.expression)).collect();
                if let Some(arguments) = &s.arguments {
                    exprs.extend(arguments.args.iter().map(|a| self.expr(a)));
                    exprs.extend(arguments.keywords.iter().map(|k| self.expr(&k.value)));
                }
                let exprs = exprs.into_boxed_slice();
                let name = self.bind(s.name.id.as_str());
                let scope = self.push_scope(ScopeKind::Class, s.name.id.as_str().into(), s.range);
                if let Some(arguments) = &s.arguments {
                    // A base that is not a plain name (`pkg.Base`) is recorded as `?`: not this file's class.
                    let bases = arguments.args.iter().map(|a| a.as_name_expr().map_or("?", |n| n.id.as_str()).into());
                    self.scope().bases.extend(bases);
                }
                let body = self.body(&mut s.body);
                self.pop_scope(body);
                out.push(Stmt::Def { name: Some(name), scope, exprs, range: r });
            }
            AStmt::Match(s) => {
                let subject = self.expr(&s.subject);
                let cases = s
                    .cases
                    .iter_mut()
                    .map(|case| {
                        let mut bindings = Vec::new();
                        let mut values = Vec::new();
                        self.pattern(&case.pattern, &mut bindings, &mut values);
                        let guard = case.guard.as_ref().map(|g| self.expr(g));
                        let irrefutable =
                            guard.is_none() && matches!(&case.pattern, ast::Pattern::MatchAs(p) if p.pattern.is_none());
                        let mut body = Vec::new();
                        if !values.is_empty() {
                            let values = values.into_boxed_slice();
                            body.push(Stmt::Expr(Expr { kind: ExprKind::Other(values), range: range(case.range) }));
                        }
                        body.extend(self.body(&mut case.body));
                        Case { bindings: bindings.into(), guard, body: body.into(), irrefutable }
                    })
                    .collect();
                out.push(Stmt::Match { subject, cases });
            }
        }
    }

    fn elif_chain(&mut self, clauses: &mut [ast::ElifElseClause]) -> Body {
        let Some((first, rest)) = clauses.split_first_mut() else {
            return Body::default();
        };
        let Some(test) = &first.test else {
            return self.body(&mut first.body);
        };
        // An `elif` is an `if` nested in the `else` of the one before: one level deeper.
        if !self.deeper(first.range()) {
            self.depth -= 1;
            return Body::default();
        }
        let chain = stack::guard(|| {
            let test = self.expr(test);
            let body = self.body(&mut first.body);
            let orelse = self.elif_chain(rest);
            Box::new([Stmt::If { test, body, orelse }]) as Body
        });
        self.depth -= 1;
        chain
    }

    fn pattern(&mut self, pattern: &ast::Pattern, bindings: &mut Vec<Var>, values: &mut Vec<Expr>) {
        match pattern {
            ast::Pattern::MatchValue(p) => values.push(self.expr(&p.value)),
            ast::Pattern::MatchSingleton(_) => {}
            ast::Pattern::MatchSequence(p) => {
                for p in &p.patterns {
                    self.pattern(p, bindings, values);
                }
            }
            ast::Pattern::MatchMapping(p) => {
                for key in &p.keys {
                    values.push(self.expr(key));
                }
                for p in &p.patterns {
                    self.pattern(p, bindings, values);
                }
                if let Some(rest) = &p.rest {
                    bindings.push(self.bind(rest.id.as_str()));
                }
            }
            ast::Pattern::MatchClass(p) => {
                values.push(self.expr(&p.cls));
                for p in &p.arguments.patterns {
                    self.pattern(p, bindings, values);
                }
                for k in &p.arguments.keywords {
                    self.pattern(&k.pattern, bindings, values);
                }
            }
            ast::Pattern::MatchStar(p) => {
                if let Some(name) = &p.name {
                    bindings.push(self.bind(name.id.as_str()));
                }
            }
            ast::Pattern::MatchAs(p) => {
                if let Some(inner) = &p.pattern {
                    self.pattern(inner, bindings, values);
                }
                if let Some(name) = &p.name {
                    bindings.push(self.bind(name.id.as_str()));
                }
            }
            ast::Pattern::MatchOr(p) => {
                for p in &p.patterns {
                    self.pattern(p, bindings, values);
                }
            }
        }
    }

    /// Parameters are locals bound on entry to values the caller owns.
    fn params(&mut self, parameters: &ast::Parameters) {
        for p in parameters.posonlyargs.iter().chain(&parameters.args).chain(&parameters.kwonlyargs) {
            let var = self.bind(p.parameter.name.id.as_str());
            self.scope().params.push(var);
        }
        for p in parameters.vararg.iter().chain(&parameters.kwarg) {
            self.bind(p.name.id.as_str());
        }
    }

    fn target(&mut self, target: &AExpr) -> Target {
        match target {
            AExpr::Name(n) => Target::Var(self.bind(n.id.as_str())),
            AExpr::Tuple(t) => Target::Unpack(t.elts.iter().map(|e| self.target(e)).collect()),
            AExpr::List(t) => Target::Unpack(t.elts.iter().map(|e| self.target(e)).collect()),
            AExpr::Starred(s) => Target::Starred(Box::new(self.target(&s.value))),
            AExpr::Attribute(a) => {
                Target::Attr(Box::new(Attr { value: self.expr(&a.value), attr: a.attr.id.as_str().into() }))
            }
            AExpr::Subscript(s) => Target::Store(Box::new([self.expr(&s.value), self.expr(&s.slice)])),
            other => Target::Store(Box::new([self.expr(other)])),
        }
    }

    fn expr(&mut self, expr: &AExpr) -> Expr {
        let r = range(expr.range());
        if !self.deeper(expr.range()) {
            self.depth -= 1;
            return Expr { kind: ExprKind::Other(Box::default()), range: r };
        }
        let kind = stack::guard(|| self.expr_kind(expr));
        self.depth -= 1;
        Expr { kind, range: r }
    }

    fn boxed(&mut self, expr: &AExpr) -> Box<Expr> {
        Box::new(self.expr(expr))
    }

    fn exprs<'e>(&mut self, exprs: impl IntoIterator<Item = &'e AExpr>) -> Box<[Expr]> {
        exprs.into_iter().map(|e| self.expr(e)).collect()
    }

    fn expr_kind(&mut self, expr: &AExpr) -> ExprKind {
        match expr {
            AExpr::Name(n) => ExprKind::Var(self.load(n.id.as_str())),
            AExpr::Attribute(a) => {
                ExprKind::Attr(Box::new(Attr { value: self.expr(&a.value), attr: a.attr.id.as_str().into() }))
            }
            AExpr::Call(c) => {
                let (path, imported) = self.callee_path(&c.func).map_or((None, false), |(p, i)| (Some(p), i));
                let func = self.expr(&c.func);
                let args = self.exprs(c.arguments.args.iter());
                let keywords = c
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| Keyword { name: k.arg.as_ref().map(|a| a.id.as_str().into()), value: self.expr(&k.value) })
                    .collect();
                let call = Call { func, path, args, keywords };
                self.codec_calls.extend(crate::rules::codec_view(&call));
                if self.api.is_of_interest(&call) {
                    self.scope().interesting = true;
                }
                if let Some(path) = call.path.as_deref() {
                    if is_local_callee(path) {
                        self.scope().local_calls.push(path.into());
                    } else if imported && !path.starts_with('@') && self.api.acquirer(&call).is_none() {
                        // A call into another module that the tables do not already describe.
                        self.scope().local_calls.push(path.into());
                        self.external_calls.push(path.into());
                    }
                }
                ExprKind::Call(Box::new(call))
            }
            AExpr::Await(a) => ExprKind::Await(self.boxed(&a.value)),
            AExpr::Yield(y) => {
                self.scope().is_generator = true;
                ExprKind::Yield(y.value.as_ref().map(|v| self.boxed(v)))
            }
            AExpr::YieldFrom(y) => {
                self.scope().is_generator = true;
                let inner = self.expr(&y.value);
                ExprKind::Other(Box::new([inner, Expr { kind: ExprKind::Yield(None), range: range(y.range) }]))
            }
            AExpr::Tuple(t) => ExprKind::Tuple(self.exprs(&t.elts)),
            AExpr::List(t) => ExprKind::Tuple(self.exprs(&t.elts)),
            AExpr::Set(t) => ExprKind::Tuple(self.exprs(&t.elts)),
            AExpr::Dict(d) => {
                let mut items = Vec::with_capacity(d.items.len() * 2);
                for item in &d.items {
                    if let Some(key) = &item.key {
                        items.push(self.expr(key));
                    }
                    items.push(self.expr(&item.value));
                }
                ExprKind::Container(items.into_boxed_slice())
            }
            AExpr::StringLiteral(s) => {
                let text = s.value.to_str();
                if text.len() <= MAX_KEPT_STR {
                    ExprKind::Str(text.into())
                } else {
                    ExprKind::LongStr
                }
            }
            AExpr::NoneLiteral(_) => ExprKind::None,
            AExpr::BooleanLiteral(b) => ExprKind::Bool(b.value),
            AExpr::NumberLiteral(n) => match &n.value {
                ast::Number::Int(i) => i.as_i64().map_or(ExprKind::Other(Box::default()), ExprKind::Int),
                _ => ExprKind::Other(Box::default()),
            },
            AExpr::UnaryOp(u) if u.op == ast::UnaryOp::Not => ExprKind::Not(self.boxed(&u.operand)),
            AExpr::UnaryOp(u) => ExprKind::Other(Box::new([self.expr(&u.operand)])),
            AExpr::BoolOp(b) => ExprKind::BoolOp { and: b.op == ast::BoolOp::And, values: self.exprs(&b.values) },
            AExpr::Compare(c) if c.ops.len() == 1 => {
                let op = match c.ops[0] {
                    ast::CmpOp::Is => CmpOp::Is,
                    ast::CmpOp::IsNot => CmpOp::IsNot,
                    ast::CmpOp::Eq => CmpOp::Eq,
                    ast::CmpOp::NotEq => CmpOp::NotEq,
                    _ => CmpOp::Other,
                };
                ExprKind::Compare { left: self.boxed(&c.left), op, right: self.boxed(&c.comparators[0]) }
            }
            AExpr::Compare(c) => ExprKind::Other(self.exprs(std::iter::once(&*c.left).chain(c.comparators.iter()))),
            AExpr::If(i) => ExprKind::IfExp(Box::new([self.expr(&i.test), self.expr(&i.body), self.expr(&i.orelse)])),
            AExpr::Named(n) => {
                let value = self.boxed(&n.value);
                match &*n.target {
                    AExpr::Name(name) => ExprKind::Named { target: self.bind(name.id.as_str()), value },
                    _ => ExprKind::Other(Box::new([*value])),
                }
            }
            AExpr::Subscript(s) => ExprKind::Subscript { value: self.boxed(&s.value), index: self.boxed(&s.slice) },
            AExpr::Starred(s) => ExprKind::Starred(self.boxed(&s.value)),
            AExpr::Lambda(l) => {
                let defaults: Vec<Expr> =
                    l.parameters.iter().flat_map(|p| parameter_defaults(p)).map(|d| self.expr(d)).collect();
                let scope = self.push_scope(ScopeKind::Lambda, "<lambda>".into(), l.range);
                if let Some(parameters) = &l.parameters {
                    self.params(parameters);
                }
                let body = self.expr(&l.body);
                let r = body.range;
                self.pop_scope(Box::new([Stmt::Return { value: Some(body), range: r }]));
                if defaults.is_empty() {
                    ExprKind::Lambda(scope)
                } else {
                    ExprKind::Other(
                        defaults
                            .into_iter()
                            .chain([Expr { kind: ExprKind::Lambda(scope), range: range(l.range) }])
                            .collect(),
                    )
                }
            }
            AExpr::ListComp(c) => self.comprehension(&c.generators, [&*c.elt]),
            AExpr::SetComp(c) => self.comprehension(&c.generators, [&*c.elt]),
            AExpr::Generator(c) => self.comprehension(&c.generators, [&*c.elt]),
            AExpr::DictComp(c) => match &c.key {
                Some(key) => self.comprehension(&c.generators, [&**key, &*c.value]),
                None => self.comprehension(&c.generators, [&*c.value]),
            },
            _ => {
                let mut collector = SubExprs(Vec::new());
                ast::visitor::walk_expr(&mut collector, expr);
                ExprKind::Other(self.exprs(collector.0))
            }
        }
    }

    fn comprehension<'e>(
        &mut self,
        generators: &[ast::Comprehension],
        elements: impl IntoIterator<Item = &'e AExpr>,
    ) -> ExprKind {
        let mark = self.scope().renames.len();
        let mut lowered = Vec::with_capacity(generators.len());
        for generator in generators {
            // Each iterable is evaluated before the names its loop binds exist.
            let iter = self.expr(&generator.iter);
            let mut names = Vec::new();
            target_names(&generator.target, &mut names);
            for name in names {
                self.comp_counter += 1;
                let renamed = compact_str::format_compact!("{name}@{}", self.comp_counter);
                let var = self.intern(&renamed);
                self.scope().renames.push((name.into(), var));
            }
            let target = self.target(&generator.target);
            let ifs = self.exprs(&generator.ifs);
            lowered.push(Generator { target, iter, ifs });
        }
        let elements = self.exprs(elements);
        self.scope().renames.truncate(mark);
        ExprKind::Comprehension(Box::new(Comprehension { generators: lowered.into(), elements }))
    }

    /// `open`, `os.fdopen`, `pathlib.Path().open`: the callee as a dotted path through imports.
    /// Also says whether the root name came from an import, so that calls into other modules of the run are
    /// known.
    fn callee_path(&self, func: &AExpr) -> Option<(Name, bool)> {
        let mut parts: Vec<&str> = Vec::new();
        let mut current = func;
        let mut called = Vec::new();
        loop {
            match current {
                AExpr::Attribute(a) => {
                    parts.push(a.attr.id.as_str());
                    current = &a.value;
                }
                AExpr::Call(c) => {
                    // `pathlib.Path(p).open`: a call in the chain is kept as `()`.
                    called.push(parts.len());
                    current = &c.func;
                }
                AExpr::Name(n) => {
                    let name = n.id.as_str();
                    let scope = self.stack.last()?;
                    let imported = scope.local_imports.get(name).or_else(|| self.imports.get(name));
                    let root: &str = match imported {
                        Some(path) => path,
                        // A function defined in this scope: `@name`, resolved among the scope's own defs.
                        None if scope.local_defs.contains(name) && parts.is_empty() => {
                            return Some((compact_str::format_compact!("@{name}"), false));
                        }
                        None if scope
                            .index
                            .get(name)
                            .is_some_and(|&var| scope.var_flags[var as usize] & ASSIGNED != 0)
                            && parts.is_empty() =>
                        {
                            return None
                        }
                        None => name,
                    };
                    let mut out = Name::from(root);
                    for (i, part) in parts.iter().enumerate().rev() {
                        if called.contains(&(i + 1)) {
                            out.push_str("()");
                        }
                        out.push('.');
                        out.push_str(part);
                    }
                    if called.contains(&0) {
                        out.push_str("()");
                    }
                    return Some((out, imported.is_some()));
                }
                _ => return None,
            }
        }
    }
}

/// `@contextmanager`, `@contextlib.asynccontextmanager`, `@pytest.fixture(...)`: decorators whose generator
/// gets its yielded value back.
fn lends_yields(decorator: &AExpr) -> bool {
    let decorator = match decorator {
        AExpr::Call(c) => &*c.func,
        other => other,
    };
    let name = match decorator {
        AExpr::Name(n) => n.id.as_str(),
        AExpr::Attribute(a) => a.attr.id.as_str(),
        _ => return false,
    };
    matches!(name, "contextmanager" | "asynccontextmanager" | "fixture" | "yield_fixture")
}

/// `@helper` (a def of this file, as `collect_imports` marks them), `@Class.method`, `self.method`,
/// `cls.method`, `super().method`.
fn is_local_callee(path: &str) -> bool {
    if let Some(rest) = path.strip_prefix('@') {
        // `@helper`, and `@Class.method` for a class of this file.
        return !rest.is_empty() && rest.split('.').count() <= 2 && !rest.contains('(');
    }
    let rest =
        path.strip_prefix("self.").or_else(|| path.strip_prefix("cls.")).or_else(|| path.strip_prefix("super()."));
    rest.is_some_and(|name| !name.is_empty() && !name.contains('.') && !name.contains('('))
}

fn parameter_defaults(parameters: &ast::Parameters) -> impl Iterator<Item = &AExpr> {
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .chain(&parameters.kwonlyargs)
        .filter_map(|p| p.default.as_deref())
}

fn target_names<'e>(target: &'e AExpr, out: &mut Vec<&'e str>) {
    match target {
        AExpr::Name(n) => out.push(n.id.as_str()),
        AExpr::Tuple(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        AExpr::List(t) => t.elts.iter().for_each(|e| target_names(e, out)),
        AExpr::Starred(s) => target_names(&s.value, out),
        _ => {}
    }
}

/// `except:`, `except BaseException:` and `except Exception:` (a `KeyboardInterrupt` at an arbitrary point is
/// not a path worth reporting) catch everything a call can raise.
fn catches_everything(type_: &AExpr) -> bool {
    match type_ {
        AExpr::Name(n) => matches!(n.id.as_str(), "BaseException" | "Exception"),
        AExpr::Tuple(t) => t.elts.iter().any(catches_everything),
        _ => false,
    }
}

/// Collects the direct sub-expressions of an expression through ruff's visitor.
struct SubExprs<'a>(Vec<&'a AExpr>);

impl<'a> ast::visitor::Visitor<'a> for SubExprs<'a> {
    fn visit_expr(&mut self, expr: &'a AExpr) {
        self.0.push(expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deepest block that drops its statements as it lowers them, holding an expression as deep as the
    /// byte scan lets through: the statement is dropped on the lowering level's stack, which on a 2 MiB
    /// thread of a debug build must still be enough.
    #[test]
    fn a_deep_expression_is_dropped_where_it_was_lowered() {
        let n = (MAX_DEPTH - 10) as usize;
        let mut text = String::new();
        // The statements of the innermost `if` are `DROP_DEPTH` levels down: the last that are dropped one by one.
        for level in 0..DROP_DEPTH as usize - 1 {
            text.push_str(&format!("{}if x:\n", "    ".repeat(level)));
        }
        let indent = "    ".repeat(DROP_DEPTH as usize - 1);
        text.push_str(&format!("{indent}y = {}1{}\n{indent}z = open(y)\n", "[".repeat(n), "]".repeat(n)));
        let scopes = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || parse(&text, &tables::STANDARD).map(|module| module.scopes.len()))
            .expect("a thread starts")
            .join()
            .expect("lowering and dropping fit the thread's stack");
        assert!(matches!(scopes, Ok(1)), "{:?}", scopes.err().map(|e| e.message));
    }

    /// Checks the two facts the depth measure's shortcut rests on, on every node of every file
    /// [`nesting::nesting_test_texts`] gives: a node's range holds its children's, and no more than
    /// [`NODES_PER_RANGE`] nodes in a row share one range.
    struct RangeFacts {
        /// The open nodes' ranges, each with how many nodes in a row up to it share that range.
        open: Vec<(TextRange, u32)>,
        longest_run: u32,
        outside: Vec<(TextRange, TextRange)>,
    }

    impl<'a> SourceOrderVisitor<'a> for RangeFacts {
        fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
            let range = node.range();
            let run = match self.open.last() {
                Some(&(parent, run)) if parent == range => run + 1,
                Some(&(parent, _)) if !parent.contains_range(range) => {
                    self.outside.push((parent, range));
                    1
                }
                _ => 1,
            };
            self.longest_run = self.longest_run.max(run);
            self.open.push((range, run));
            TraversalSignal::Traverse
        }

        fn leave_node(&mut self, _node: AnyNodeRef<'a>) {
            self.open.pop();
        }
    }

    fn depth_past(syntax: &ast::Mod, limit: u32, skim: bool) -> Option<TextRange> {
        let mut depth = TreeDepth { depth: 0, limit, too_deep: None, skim };
        depth.visit_mod(syntax);
        depth.too_deep
    }

    /// The shortcut gives what a full walk gives, at the real limit and at limits small enough that most
    /// files pass them somewhere: `PYDEVCHECK_NESTING_DIRS=... cargo test --release -p pydevcheck_analyzer
    /// --lib parse -- --nocapture` runs it on other trees (the stdlib, the large corpus).
    #[test]
    fn tree_depth_shortcut_matches_a_full_walk() {
        let (dirs, paths, texts) = nesting::nesting_test_texts();
        assert!(!texts.is_empty(), "no Python file under {dirs:?}");
        let mut longest_run = 0;
        let mut differences = 0;
        let mut refusals = 0;
        for (path, text) in paths.iter().zip(&texts) {
            if nesting::check(text, MAX_DEPTH).is_err() {
                continue;
            }
            let syntax = ruff_python_parser::parse_unchecked(text, ast::PySourceType::Python.into()).into_syntax();
            let mut facts = RangeFacts { open: Vec::new(), longest_run: 0, outside: Vec::new() };
            facts.visit_mod(&syntax);
            assert!(facts.outside.is_empty(), "{}: child outside its parent: {:?}", path.display(), facts.outside);
            longest_run = longest_run.max(facts.longest_run);
            for limit in [MAX_TREE_DEPTH, 200, 40, 12, 5] {
                let full = depth_past(&syntax, limit, false);
                refusals += usize::from(full.is_some());
                if depth_past(&syntax, limit, true) != full {
                    differences += 1;
                    eprintln!("{}: limit {limit}: the shortcut differs from the full walk", path.display());
                }
            }
        }
        eprintln!(
            "{} files: {differences} differences, {refusals} refusals by the full walk, at most {longest_run} nodes \
             share a range",
            texts.len()
        );
        assert!(longest_run <= NODES_PER_RANGE, "{longest_run} nodes in a row share a range");
        assert!(refusals > 0, "no limit stopped the full walk: the comparison tested nothing");
        assert_eq!(differences, 0);
    }
}
