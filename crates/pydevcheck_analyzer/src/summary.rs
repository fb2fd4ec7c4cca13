//! What this file's own functions and classes do with resources, computed on demand for the dataflow.
//!
//! A call to a function of the same file (`helper(f)`, `self.method(f)`) is resolved to its scope, and the
//! callee's summary says what the call does: it returns a fresh resource (an *opener*), and for each parameter
//! it closes, keeps or only borrows what it is given. A summary is computed by running the same dataflow over
//! the callee with each parameter bound to a placeholder resource, the first time a caller needs it, and
//! memoised; recursion gets the conservative answer (keeps everything, returns nothing) while a summary is being
//! computed, which makes call cycles terminate. Calls to a project `async def` make a coroutine that must be
//! awaited or handed on, and a class that stores a resource on `self` and releases it in `close`/`__exit__`
//! is an owner: constructing it is an acquisition of that resource's kind.

use std::cell::RefCell;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::ir::{Expr, ExprKind, Module, Scope, ScopeId, ScopeKind, Stmt, Target, Var};
use crate::ir_walk::children;
use crate::project::{Export, ModuleContext};
use crate::tables::{self, Kind};

/// What a function does with one of its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamEffect {
    /// Uses it during the call and leaves it to the caller.
    Borrows,
    /// Releases it on every normal path.
    Closes,
    /// Stores, returns or hands it on: the caller is no longer responsible.
    Keeps,
}

#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// The kind of fresh resource it returns on some path, and whether `with` releases it.
    pub(crate) returns: Option<(Kind, bool)>,
    /// One per named parameter, in order.
    pub(crate) params: Vec<ParamEffect>,
    pub(crate) is_async: bool,
}

impl Summary {
    fn conservative(scope: &Scope) -> Summary {
        Summary {
            returns: None,
            params: vec![ParamEffect::Keeps; scope.params.len()],
            is_async: makes_coroutine(scope),
        }
    }
}

/// What a call resolves to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Callee {
    /// A function; `bound` when called through `self.`/`cls.`, so that argument `i` is parameter `i + 1`.
    Function { scope: ScopeId, bound: bool },
    /// A class defined in this file, called to construct it.
    Class(ScopeId),
}

pub(crate) struct FileContext<'m> {
    pub(crate) module: &'m Module,
    /// The tables of the run, with the project's configured APIs.
    pub(crate) api: &'m tables::Api,
    /// Where the file sits among the modules of the run, with what the others export.
    place: Option<ModuleContext<'m>>,
    functions: FxHashMap<&'m str, ScopeId>,
    classes: FxHashMap<&'m str, ScopeId>,
    methods: FxHashMap<(ScopeId, &'m str), ScopeId>,
    /// Functions defined inside a function, by (enclosing function, name).
    nested: FxHashMap<(ScopeId, &'m str), ScopeId>,
    /// Functions that may return a fresh resource: they acquire one or call such a function.
    may_open: FxHashSet<ScopeId>,
    /// Classes that own a resource: they store one on `self` and have `close` or `__exit__`.
    owners: FxHashMap<ScopeId, Kind>,
    summaries: RefCell<FxHashMap<ScopeId, Option<Summary>>>,
    /// Per method, the attributes of `self` it releases (with the releasing method's name) or hands on
    /// (`None`).
    /// Built on the first question about a class: most files never store a resource on `self`.
    released: std::cell::OnceCell<FxHashMap<ScopeId, Vec<Released>>>,
}

impl<'m> FileContext<'m> {
    pub(crate) fn new(module: &'m Module, place: Option<ModuleContext<'m>>, api: &'m tables::Api) -> Self {
        let mut functions = FxHashMap::default();
        let mut classes = FxHashMap::default();
        let mut methods = FxHashMap::default();
        let mut nested = FxHashMap::default();
        for (id, scope) in module.scopes.iter().enumerate() {
            let id = id as ScopeId;
            match (scope.kind, scope.parent.map(|p| &module.scopes[p as usize])) {
                (ScopeKind::Function, Some(parent)) if parent.kind == ScopeKind::Module => {
                    functions.insert(&*scope.name, id);
                }
                (ScopeKind::Class, Some(parent)) if parent.kind == ScopeKind::Module => {
                    classes.insert(&*scope.name, id);
                }
                (ScopeKind::Function, Some(parent)) if parent.kind == ScopeKind::Class => {
                    methods.insert((scope.parent.unwrap_or(0), &*scope.name), id);
                }
                (ScopeKind::Function, Some(parent)) if parent.kind == ScopeKind::Function => {
                    nested.insert((scope.parent.unwrap_or(0), &*scope.name), id);
                }
                _ => {}
            }
        }
        let mut cx = FileContext {
            module,
            api,
            place,
            functions,
            classes,
            methods,
            nested,
            may_open: FxHashSet::default(),
            owners: FxHashMap::default(),
            summaries: RefCell::new(FxHashMap::default()),
            released: std::cell::OnceCell::new(),
        };
        cx.find_openers();
        cx.find_owners();
        cx
    }

    /// Fixed point over the call graph: a function that acquires, calls what another module exports as an
    /// opener or an owner, or calls one of this file's functions that may open, may open.
    fn find_openers(&mut self) {
        for (id, scope) in self.module.scopes.iter().enumerate() {
            let id = id as ScopeId;
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let calls_external_opener = || {
                scope.local_calls.iter().any(|path| {
                    self.resolve_path(id, path).is_none()
                        && self.external(path).is_some_and(|export| {
                            export.owner.is_some() || export.summary.as_ref().is_some_and(|s| s.returns.is_some())
                        })
                })
            };
            if scope.has_calls_of_interest || calls_external_opener() {
                self.may_open.insert(id);
            }
        }
        loop {
            let mut grew = false;
            for (id, scope) in self.module.scopes.iter().enumerate() {
                let id = id as ScopeId;
                if scope.kind != ScopeKind::Function || self.may_open.contains(&id) {
                    continue;
                }
                let calls_opener = scope.local_calls.iter().any(|path| match self.resolve_path(id, path) {
                    Some(Callee::Function { scope, .. }) => self.may_open.contains(&scope),
                    _ => false,
                });
                if calls_opener {
                    self.may_open.insert(id);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
    }

    /// A class whose methods store an acquisition on `self` and that has `close` or `__exit__`.
    fn find_owners(&mut self) {
        for (&(class, name), &method) in &self.methods {
            let _ = name;
            if !self.has_method(class, "close") && !self.has_method(class, "__exit__") {
                continue;
            }
            if let Some(kind) = stored_acquisition(&self.module.scopes[method as usize].body, self.api) {
                self.owners.entry(class).or_insert(kind);
            }
        }
    }

    fn released(&self) -> &FxHashMap<ScopeId, Vec<Released>> {
        self.released.get_or_init(|| {
            let mut all = FxHashMap::default();
            for &method in self.methods.values() {
                let scope = &self.module.scopes[method as usize];
                let Some(&this) = scope.params.first() else { continue };
                let mut released = Vec::new();
                ReleaseScan { this, released: &mut released, api: self.api }.stmts(&scope.body);
                if !released.is_empty() {
                    all.insert(method, released);
                }
            }
            all
        })
    }

    /// The classes a method lookup on `class` visits, in order (the class, then its bases depth first), or
    /// `None` when a base is defined elsewhere: its methods are unknown.
    fn mro(&self, class: ScopeId) -> Option<Vec<ScopeId>> {
        let mut order = Vec::new();
        let mut pending = vec![class];
        while let Some(class) = pending.pop() {
            if order.contains(&class) {
                continue;
            }
            order.push(class);
            for base in self.module.scopes[class as usize].bases.iter().rev() {
                match self.classes.get(&**base) {
                    Some(&base) => pending.push(base),
                    None if &**base == "object" => {}
                    None => return None,
                }
            }
        }
        Some(order)
    }

    /// The method `name` as seen from `mro[from..]`, with the index of the class that defines it.
    fn lookup(&self, mro: &[ScopeId], name: &str, from: usize) -> Option<(ScopeId, usize)> {
        mro.iter().enumerate().skip(from).find_map(|(i, class)| self.methods.get(&(*class, name)).map(|&m| (m, i)))
    }

    /// Whether `class` releases `self.<attr>` with one of `releasers`: in `close`, `__exit__`, `__del__`,
    /// `aclose` or `__aexit__`, or a method they call (`self.m()`, `super().m()`), looked up as Python would.
    /// A class with a base defined elsewhere is given the benefit of the doubt.
    pub(crate) fn releases(&self, class: ScopeId, attr: &str, releasers: &[&str]) -> bool {
        let Some(mro) = self.mro(class) else {
            return true;
        };
        let registered = mro.iter().any(|&class| {
            self.methods.iter().filter(|((c, _), _)| *c == class).any(|(_, method)| {
                self.released().get(method).is_some_and(|facts| {
                    facts.iter().any(|(a, how)| &**a == attr && how.as_deref() == Some(REGISTERED))
                })
            })
        });
        if registered {
            return true;
        }
        let mut pending: Vec<(ScopeId, usize)> =
            RELEASE_METHODS.iter().filter_map(|name| self.lookup(&mro, name, 0)).collect();
        let mut seen = FxHashSet::default();
        while let Some((method, defined_in)) = pending.pop() {
            if !seen.insert(method) {
                continue;
            }
            let facts = self.released().get(&method).map_or(&[][..], Vec::as_slice);
            let released = facts
                .iter()
                .any(|(a, how)| &**a == attr && how.as_deref().is_none_or(|m| self.releases_with(m, releasers)));
            if released {
                return true;
            }
            for path in &self.module.scopes[method as usize].local_calls {
                if let Some(name) = path.strip_prefix("self.").or_else(|| path.strip_prefix("cls.")) {
                    pending.extend(self.lookup(&mro, name, 0));
                } else if let Some(name) = path.strip_prefix("super().") {
                    pending.extend(self.lookup(&mro, name, defined_in + 1));
                }
            }
        }
        false
    }

    /// Whether calling method `method` on a resource whose kind is released by `releasers` releases it.
    fn releases_with(&self, method: &str, releasers: &[&str]) -> bool {
        releasers.contains(&method) || method == "close" || self.api.releases_receiver(method)
    }

    /// The first method, in source order, of `class` or of a base defined in this file, that releases
    /// `self.<attr>` with one of `releasers` although no release method calls it (`disconnect()`, `_close()`):
    /// what a PDC103 finding names, for [`Self::releases`] said no.
    pub(crate) fn releasing_method(&self, class: ScopeId, attr: &str, releasers: &[&str]) -> Option<&'m str> {
        let mro = self.mro(class)?;
        let releases = |method: &ScopeId| {
            self.released().get(method).is_some_and(|facts| {
                facts
                    .iter()
                    .any(|(a, how)| &**a == attr && how.as_deref().is_some_and(|m| self.releases_with(m, releasers)))
            })
        };
        mro.iter().find_map(|&class| {
            self.methods
                .iter()
                .filter(|((c, _), method)| *c == class && releases(method))
                .min_by_key(|(_, &method)| method)
                .map(|((_, name), _)| *name)
        })
    }

    fn has_method(&self, class: ScopeId, name: &str) -> bool {
        self.methods.contains_key(&(class, name))
    }

    /// Whether a scope needs the dataflow: it acquires, or calls something of this file that may.
    pub(crate) fn is_interesting(&self, id: ScopeId) -> bool {
        let scope = &self.module.scopes[id as usize];
        scope.has_calls_of_interest
            || scope.local_calls.iter().any(|path| match self.resolve_path(id, path) {
                Some(Callee::Function { scope: callee, .. }) => {
                    self.may_open.contains(&callee) || makes_coroutine(&self.module.scopes[callee as usize])
                }
                Some(Callee::Class(class)) => self.owners.contains_key(&class),
                None => self.external(path).is_some_and(Export::matters),
            })
    }

    pub(crate) fn resolve_path(&self, caller: ScopeId, path: &str) -> Option<Callee> {
        if let Some(name) = path.strip_prefix('@') {
            if let Some((class, method)) = name.split_once('.') {
                // `Store.load(k)`: a classmethod gets `cls` bound; a staticmethod gets nothing bound.
                let class = *self.classes.get(class)?;
                let scope = *self.methods.get(&(class, method))?;
                let first = self.module.scopes[scope as usize].params.first();
                let bound = first.is_some_and(|&p| self.module.scopes[scope as usize].var_name(p) == "cls");
                return Some(Callee::Function { scope, bound });
            }
            if let Some(&scope) = self.nested.get(&(caller, name)) {
                return Some(Callee::Function { scope, bound: false });
            }
            if let Some(&scope) = self.functions.get(name) {
                return Some(Callee::Function { scope, bound: false });
            }
            return self.classes.get(name).map(|&class| Callee::Class(class));
        }
        let name = path.strip_prefix("self.").or_else(|| path.strip_prefix("cls."))?;
        let method = &self.module.scopes[caller as usize];
        let class = method.parent?;
        if self.module.scopes[class as usize].kind != ScopeKind::Class {
            return None;
        }
        self.methods.get(&(class, name)).map(|&scope| Callee::Function { scope, bound: true })
    }

    /// A callee in another module of the run, through what that module exports.
    pub(crate) fn external(&self, path: &str) -> Option<&'m Export> {
        self.place?.lookup(path)
    }

    /// This file's module-level functions and classes whose behaviour matters to other modules.
    /// `returns` holds what each scope analysed in the normal run returns; only a function that may release a
    /// parameter needs the dataflow again, in summary mode.
    pub(crate) fn exports(
        &self,
        returns: &FxHashMap<ScopeId, (Kind, bool)>,
        mut summarise: impl FnMut(ScopeId) -> Summary,
    ) -> Vec<(String, Export)> {
        // Only the check that knew no other module's exports publishes them (see `passes`): a check that
        // knows them need not compute its own.
        let Some(place) = self.place.filter(|place| place.exports.is_none()) else {
            return Vec::new();
        };
        let qualify =
            |name: &str| if place.name.is_empty() { name.to_owned() } else { format!("{}.{name}", place.name) };
        let mut out = Vec::new();
        let mut functions: Vec<(&&str, &ScopeId)> = self.functions.iter().collect();
        functions.sort();
        for (name, &function) in functions {
            let scope = &self.module.scopes[function as usize];
            let coroutine = makes_coroutine(scope);
            let summary = if may_release_param(scope, self.api) {
                Some(summarise(function))
            } else {
                let params = syntactic_param_effects(scope, self.api);
                let returns = returns.get(&function).copied();
                (returns.is_some() || params.contains(&ParamEffect::Borrows)).then_some(Summary {
                    returns,
                    params,
                    is_async: false,
                })
            };
            let export = Export { summary, coroutine, owner: None };
            if export.matters() {
                out.push((qualify(name), export));
            }
        }
        for (name, class) in &self.classes {
            if let Some(&kind) = self.owners.get(class) {
                out.push((qualify(name), Export { summary: None, coroutine: false, owner: Some(kind) }));
            }
        }
        out
    }

    pub(crate) fn owner_kind(&self, class: ScopeId) -> Option<Kind> {
        self.owners.get(&class).copied()
    }

    pub(crate) fn may_open(&self, function: ScopeId) -> bool {
        self.may_open.contains(&function)
    }

    /// The summary of a function, computing it on first use; `None` means "being computed" to the caller,
    /// which then gets the conservative summary.
    pub(crate) fn summary(&self, function: ScopeId, compute: impl FnOnce() -> Summary) -> Summary {
        let scope = &self.module.scopes[function as usize];
        if let Some(known) = self.summaries.borrow().get(&function) {
            return known.clone().unwrap_or_else(|| Summary::conservative(scope));
        }
        self.summaries.borrow_mut().insert(function, None);
        let summary = compute();
        self.summaries.borrow_mut().insert(function, Some(summary.clone()));
        summary
    }
}

/// Calling it makes a coroutine: an `async def` that is not an async generator.
pub(crate) fn makes_coroutine(scope: &Scope) -> bool {
    scope.is_async && !scope.is_generator
}

/// `self.x = open(...)` anywhere in a method body: the kind of the first acquisition stored on `self`.
fn stored_acquisition(body: &[Stmt], api: &tables::Api) -> Option<Kind> {
    for stmt in body {
        let found = match stmt {
            Stmt::Assign { targets, value, .. } => {
                let on_self = targets.iter().any(|t| matches!(t, Target::Attr(..)));
                match &value.kind {
                    ExprKind::Call(call) if on_self => api.acquirer(call).map(|a| a.kind),
                    _ => None,
                }
            }
            Stmt::If { body, orelse, .. } => stored_acquisition(body, api).or_else(|| stored_acquisition(orelse, api)),
            Stmt::Try { body, handlers, orelse, finalbody } => stored_acquisition(body, api)
                .or_else(|| handlers.iter().find_map(|h| stored_acquisition(&h.body, api)))
                .or_else(|| stored_acquisition(orelse, api))
                .or_else(|| stored_acquisition(finalbody, api)),
            Stmt::With { body, .. } | Stmt::While { body, .. } => stored_acquisition(body, api),
            Stmt::For(f) => stored_acquisition(&f.body, api),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// An attribute of `self` a method releases: with the releasing method's name (`close`), or `None` when handed
/// on.
type Released = (Box<str>, Option<Box<str>>);

/// The attributes of `self` that a method releases or hands on: `self.f.close()`, `with self.f:`,
/// `os.close(self.fd)`, `self.addCleanup(self.f.close)`, `return self.f`, `f = self.f`. Precision first: any
/// use other than a plain method call or attribute read counts.
struct ReleaseScan<'a> {
    this: Var,
    released: &'a mut Vec<Released>,
    api: &'a tables::Api,
}

impl ReleaseScan<'_> {
    /// `self.name` → `name`.
    fn own_attr<'e>(&self, expr: &'e Expr) -> Option<&'e str> {
        match &expr.kind {
            ExprKind::Attr(attr) if matches!(attr.value.kind, ExprKind::Var(v) if v == self.this) => Some(&attr.attr),
            _ => None,
        }
    }

    /// Every `self.x` inside an expression that is handed somewhere.
    fn handed(&mut self, expr: &Expr) {
        if let Some(attr) = self.own_attr(expr) {
            self.released.push((attr.into(), None));
        }
        // `weakref.finalize(self, self.f.close)`, `atexit.register(self.proc.wait)`: a cleanup registered
        // from any method.
        if let ExprKind::Attr(attr) = &expr.kind {
            if let Some(own) = self.own_attr(&attr.value) {
                if releasing(&attr.attr, self.api) {
                    self.released.push((own.into(), Some(REGISTERED.into())));
                }
            }
        }
        self.children(expr, &mut |scan, child| scan.handed(child));
    }

    fn children(&mut self, expr: &Expr, f: &mut impl FnMut(&mut Self, &Expr)) {
        children(expr, &mut |child| f(self, child));
    }

    /// An expression evaluated for its value: calls release their receiver (when the method releases) and
    /// hand on their arguments.
    fn expr(&mut self, expr: &Expr) {
        if let ExprKind::Call(call) = &expr.kind {
            if let ExprKind::Attr(attr) = &call.func.kind {
                if let Some(own) = self.own_attr(&attr.value) {
                    self.released.push((own.into(), Some(attr.attr.as_str().into())));
                }
            }
            call.args.iter().for_each(|a| self.handed(a));
            call.keywords.iter().for_each(|k| self.handed(&k.value));
        }
        self.children(expr, &mut |scan, child| scan.expr(child));
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            match stmt {
                Stmt::Expr(e) => self.expr(e),
                Stmt::Assign { targets, value, .. } => {
                    // `f = self.f` moves it to a local that the method then deals with.
                    if targets.iter().any(|t| matches!(t, Target::Var(_) | Target::Unpack(_))) {
                        self.handed(value);
                    }
                    self.expr(value);
                }
                Stmt::Return { value: Some(value), .. } => self.handed(value),
                Stmt::Return { value: None, .. } | Stmt::Break | Stmt::Continue | Stmt::Def { .. } => {}
                Stmt::If { test, body, orelse } | Stmt::While { test, body, orelse } => {
                    self.expr(test);
                    self.stmts(body);
                    self.stmts(orelse);
                }
                Stmt::For(f) => {
                    let (iter, body, orelse) = (&f.iter, &f.body, &f.orelse);
                    // `for s in self.socks: s.close()` releases what the container holds.
                    if let Some(own) = self.own_attr(iter) {
                        if stmts_call_a_releaser(body, self.api) {
                            self.released.push((own.into(), None));
                        }
                    }
                    self.expr(iter);
                    self.stmts(body);
                    self.stmts(orelse);
                }
                Stmt::Try { body, handlers, orelse, finalbody } => {
                    self.stmts(body);
                    handlers.iter().for_each(|h| self.stmts(&h.body));
                    self.stmts(orelse);
                    self.stmts(finalbody);
                }
                Stmt::With { items, body, .. } => {
                    items.iter().for_each(|item| self.handed(&item.context));
                    self.stmts(body);
                }
                Stmt::Raise { exc, cause, .. } => {
                    exc.iter().chain(cause).for_each(|e| self.expr(e));
                }
                Stmt::Assert { test, .. } => self.expr(test),
                Stmt::Delete { .. } => {}
                Stmt::Match { subject, cases } => {
                    self.expr(subject);
                    cases.iter().for_each(|c| self.stmts(&c.body));
                }
            }
        }
    }
}

/// Whether a function may release one of its parameters: `p.close()`, `os.close(p)`, `with p:`. Only such
/// functions (and openers) get a summary exported to other modules.
pub(crate) fn may_release_param(scope: &Scope, api: &tables::Api) -> bool {
    fn expr_releases(expr: &Expr, params: &[Var], api: &tables::Api) -> bool {
        let is_param = |e: &Expr| matches!(e.kind, ExprKind::Var(v) if params.contains(&v));
        if let ExprKind::Call(call) = &expr.kind {
            if let ExprKind::Attr(attr) = &call.func.kind {
                if is_param(&attr.value) && releasing(&attr.attr, api) {
                    return true;
                }
            }
            if (tables::is_fd_close(call) || api.releases_argument(call)) && call.args.first().is_some_and(is_param) {
                return true;
            }
        }
        let mut found = false;
        children(expr, &mut |child| found |= expr_releases(child, params, api));
        found
    }
    fn stmts_release(stmts: &[Stmt], params: &[Var], api: &tables::Api) -> bool {
        stmts.iter().any(|stmt| match stmt {
            Stmt::Expr(e) => expr_releases(e, params, api),
            Stmt::Assign { value, .. } => expr_releases(value, params, api),
            Stmt::Return { value: Some(v), .. } => expr_releases(v, params, api),
            Stmt::If { test, body, orelse } | Stmt::While { test, body, orelse } => {
                expr_releases(test, params, api)
                    || stmts_release(body, params, api)
                    || stmts_release(orelse, params, api)
            }
            Stmt::For(f) => stmts_release(&f.body, params, api) || stmts_release(&f.orelse, params, api),
            Stmt::Try { body, handlers, orelse, finalbody } => {
                stmts_release(body, params, api)
                    || handlers.iter().any(|h| stmts_release(&h.body, params, api))
                    || stmts_release(orelse, params, api)
                    || stmts_release(finalbody, params, api)
            }
            Stmt::With { items, body, .. } => {
                items.iter().any(|i| matches!(i.context.kind, ExprKind::Var(v) if params.contains(&v)))
                    || stmts_release(body, params, api)
            }
            Stmt::Match { cases, .. } => cases.iter().any(|c| stmts_release(&c.body, params, api)),
            _ => false,
        })
    }
    !scope.params.is_empty() && stmts_release(&scope.body, &scope.params, api)
}

/// Marks a bound release method handed to a registrar, which counts from whatever method it happens in.
const REGISTERED: &str = "<registered>";

/// The methods that must release what an instance holds (DESIGN.md, section 3).
/// unittest's `tearDown` family runs after every test as surely as `__exit__` after a `with` block.
const RELEASE_METHODS: &[&str] =
    &["close", "__exit__", "__del__", "aclose", "__aexit__", "tearDown", "tearDownClass", "asyncTearDown"];

fn stmts_call_a_releaser(stmts: &[Stmt], api: &tables::Api) -> bool {
    fn expr_calls(expr: &Expr, api: &tables::Api) -> bool {
        if let ExprKind::Call(call) = &expr.kind {
            if matches!(&call.func.kind, ExprKind::Attr(attr) if releasing(&attr.attr, api)) {
                return true;
            }
        }
        let mut found = false;
        children(expr, &mut |child| found |= expr_calls(child, api));
        found
    }
    stmts.iter().any(|stmt| match stmt {
        Stmt::Expr(e) => expr_calls(e, api),
        Stmt::If { body, orelse, .. } | Stmt::While { body, orelse, .. } => {
            stmts_call_a_releaser(body, api) || stmts_call_a_releaser(orelse, api)
        }
        Stmt::For(f) => stmts_call_a_releaser(&f.body, api) || stmts_call_a_releaser(&f.orelse, api),
        Stmt::Try { body, handlers, finalbody, .. } => {
            stmts_call_a_releaser(body, api)
                || handlers.iter().any(|h| stmts_call_a_releaser(&h.body, api))
                || stmts_call_a_releaser(finalbody, api)
        }
        Stmt::With { body, .. } => stmts_call_a_releaser(body, api),
        _ => false,
    })
}

/// What a function does with each parameter, read from its text alone: a parameter used only as the
/// receiver of non-releasing method calls and attribute reads (`f.read()`, `f.name`) is borrowed; any other
/// use is taken as a hand-over. Cheap enough to export for every module-level function.
pub(crate) fn syntactic_param_effects(scope: &Scope, api: &tables::Api) -> Vec<ParamEffect> {
    fn expr_ok(expr: &Expr, p: Var, api: &tables::Api) -> bool {
        match &expr.kind {
            ExprKind::Var(v) => *v != p,
            ExprKind::Attr(attr) if matches!(attr.value.kind, ExprKind::Var(v) if v == p) => {
                !releasing(&attr.attr, api) && attr.attr != "detach"
            }
            ExprKind::Named { target, value } => *target != p && expr_ok(value, p, api),
            _ => {
                let mut ok = true;
                children(expr, &mut |child| ok &= expr_ok(child, p, api));
                ok
            }
        }
    }
    fn target_ok(target: &Target, p: Var, api: &tables::Api) -> bool {
        match target {
            Target::Var(v) => *v != p,
            Target::Unpack(items) => items.iter().all(|t| target_ok(t, p, api)),
            Target::Starred(inner) => target_ok(inner, p, api),
            Target::Attr(attr) => expr_ok(&attr.value, p, api),
            Target::Store(exprs) => exprs.iter().all(|e| expr_ok(e, p, api)),
        }
    }
    fn stmts_ok(stmts: &[Stmt], p: Var, api: &tables::Api) -> bool {
        stmts.iter().all(|stmt| match stmt {
            Stmt::Expr(e) => expr_ok(e, p, api),
            Stmt::Assign { targets, value, .. } => {
                targets.iter().all(|t| target_ok(t, p, api)) && expr_ok(value, p, api)
            }
            Stmt::Return { value, .. } => value.as_ref().is_none_or(|v| expr_ok(v, p, api)),
            Stmt::If { test, body, orelse } | Stmt::While { test, body, orelse } => {
                expr_ok(test, p, api) && stmts_ok(body, p, api) && stmts_ok(orelse, p, api)
            }
            Stmt::For(f) => {
                target_ok(&f.target, p, api)
                    && expr_ok(&f.iter, p, api)
                    && stmts_ok(&f.body, p, api)
                    && stmts_ok(&f.orelse, p, api)
            }
            Stmt::Try { body, handlers, orelse, finalbody } => {
                stmts_ok(body, p, api)
                    && handlers.iter().all(|h| h.name != Some(p) && stmts_ok(&h.body, p, api))
                    && stmts_ok(orelse, p, api)
                    && stmts_ok(finalbody, p, api)
            }
            Stmt::With { items, body, .. } => {
                items
                    .iter()
                    .all(|i| expr_ok(&i.context, p, api) && i.target.as_ref().is_none_or(|t| target_ok(t, p, api)))
                    && stmts_ok(body, p, api)
            }
            Stmt::Raise { exc, cause, .. } => exc.iter().chain(cause).all(|e| expr_ok(e, p, api)),
            Stmt::Assert { test, msg, .. } => expr_ok(test, p, api) && msg.as_ref().is_none_or(|m| expr_ok(m, p, api)),
            Stmt::Break | Stmt::Continue => true,
            Stmt::Delete { targets, .. } => targets.iter().all(|t| target_ok(t, p, api)),
            // A nested function may capture the parameter and keep it.
            Stmt::Def { .. } => false,
            Stmt::Match { subject, cases } => {
                expr_ok(subject, p, api) && cases.iter().all(|c| !c.bindings.contains(&p) && stmts_ok(&c.body, p, api))
            }
        })
    }
    scope
        .params
        .iter()
        .map(|&p| if stmts_ok(&scope.body, p, api) { ParamEffect::Borrows } else { ParamEffect::Keeps })
        .collect()
}

/// Whether `name` is a method that releases some kind of resource, configured ones included.
fn releasing(name: &str, api: &tables::Api) -> bool {
    RELEASING.contains(&name) || api.releases_receiver(name)
}

/// Every method name that releases some kind of resource.
const RELEASING: &[&str] =
    &["close", "quit", "logout", "wait", "communicate", "cleanup", "terminate", "kill", "shutdown"];
