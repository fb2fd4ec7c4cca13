//! The intermediate form the analysis works on: a file lowered by `parse` into scopes of statements and
//! expressions that keep what resource reasoning needs and nothing else.
//!
//! Names are interned per scope into [`Var`]s, callees are resolved through the file's imports into dotted
//! paths (`os.fdopen`), and a few shapes are desugared so that the dataflow sees fewer cases: `elif` chains
//! become nested `If`s, `x = a if c else b` becomes an `If` whose branches assign, augmented assignments become
//! plain ones, and comprehension variables get names of their own so that they never clobber the scope's.

/// A byte range of the decoded source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Range {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// A local name of one scope.
pub(crate) type Var = u32;
/// Index of a scope in [`Module::scopes`].
pub(crate) type ScopeId = u32;

pub(crate) struct Module {
    /// Scope 0 is the module body; nested scopes follow in source order.
    pub(crate) scopes: Vec<Scope>,
    /// Calls through imports that the tables do not describe (`.util.open_log`, `pkg.util.open_log`):
    /// the calls another module of the run may explain. Sorted, without duplicates.
    pub(crate) external_calls: Vec<Box<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
}

pub(crate) struct Scope {
    pub(crate) kind: ScopeKind,
    pub(crate) name: Box<str>,
    /// The enclosing scope; a method's parent is its class body.
    pub(crate) parent: Option<ScopeId>,
    /// Named parameters in order (`self` first for a method); `*args` and `**kwargs` are not included.
    pub(crate) params: Vec<Var>,
    pub(crate) is_async: bool,
    /// The body yields: calling it makes a generator (an async generator when `is_async`), not a coroutine.
    pub(crate) is_generator: bool,
    /// Callees that may be functions of this run: this file's own (`@name` for a module-level def,
    /// `self.name`, `cls.name`) and imported ones (`.util.open_log`, `pkg.util.open_log`).
    pub(crate) local_calls: Vec<Box<str>>,
    /// A class's base classes written as plain names (`class A(B):`).
    pub(crate) bases: Vec<Box<str>>,
    pub(crate) range: Range,
    pub(crate) body: Vec<Stmt>,
    /// Interned names: `Var` indexes this.
    pub(crate) vars: Vec<Box<str>>,
    /// Vars declared `global` or `nonlocal`: assigning a resource to them hands it out of the scope.
    pub(crate) escaping_vars: Vec<Var>,
    /// Names this scope (or scopes nested in it) reads from an enclosing scope: a closure over them.
    pub(crate) free_names: Vec<Box<str>>,
    /// Whether any acquirer-looking call occurs in this scope's own body (not nested scopes): the cheap
    /// filter that lets most scopes skip the dataflow entirely.
    pub(crate) has_calls_of_interest: bool,
    /// A `@contextmanager` (or pytest fixture) generator: what it yields is lent to the `with` block and
    /// comes back, so `yield f` is not a hand-over.
    pub(crate) lends_yields: bool,
}

impl Scope {
    pub(crate) fn var_name(&self, var: Var) -> &str {
        &self.vars[var as usize]
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<Var> {
        self.vars.iter().position(|v| &**v == name).map(|i| i as Var)
    }
}

pub(crate) enum Stmt {
    Expr(Expr),
    Assign {
        targets: Vec<Target>,
        value: Expr,
        range: Range,
    },
    Return {
        value: Option<Expr>,
        range: Range,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        range: Range,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
        range: Range,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
        range: Range,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
        range: Range,
    },
    Break,
    Continue,
    Delete {
        targets: Vec<Target>,
        range: Range,
    },
    /// A nested `def`/`class`/`lambda` is evaluated where it stands: decorators, defaults and base classes
    /// are expressions of this scope; the body is scope `scope`, analysed on its own.
    Def {
        name: Option<Var>,
        scope: ScopeId,
        exprs: Vec<Expr>,
        range: Range,
    },
    Match {
        subject: Expr,
        cases: Vec<Case>,
    },
}

pub(crate) struct Handler {
    pub(crate) type_: Option<Expr>,
    pub(crate) name: Option<Var>,
    pub(crate) body: Vec<Stmt>,
    /// `except:` or `except BaseException`: nothing passes it uncaught.
    pub(crate) catch_all: bool,
}

pub(crate) struct WithItem {
    pub(crate) context: Expr,
    pub(crate) target: Option<Target>,
}

pub(crate) struct Case {
    pub(crate) bindings: Vec<Var>,
    pub(crate) guard: Option<Expr>,
    pub(crate) body: Vec<Stmt>,
    /// A wildcard or capture pattern without a guard: no subject falls past it.
    pub(crate) irrefutable: bool,
}

pub(crate) enum Target {
    Var(Var),
    /// `obj.attr = …`: the value is stored on an object that outlives the statement.
    Attr(Expr, Box<str>),
    /// `obj[k] = …` and other stores: the value is kept somewhere that outlives the statement.
    Store(Vec<Expr>),
    Unpack(Vec<Target>),
    /// `*rest` in an unpacking.
    Starred(Box<Target>),
}

pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) range: Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Is,
    IsNot,
    Eq,
    NotEq,
    Other,
}

pub(crate) enum ExprKind {
    Var(Var),
    Attr {
        value: Box<Expr>,
        attr: Box<str>,
    },
    Call(Box<Call>),
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    /// A tuple, list or set display: the value carries its elements, so that `r, w = a, b`, `t[0]` and a local
    /// list that dies with the function are followed.
    Tuple(Vec<Expr>),
    /// A dict display: whatever is put in it is stored there.
    Container(Vec<Expr>),
    Str(Box<str>),
    None,
    Bool(bool),
    Int(i64),
    Not(Box<Expr>),
    BoolOp {
        and: bool,
        values: Vec<Expr>,
    },
    Compare {
        left: Box<Expr>,
        op: CmpOp,
        right: Box<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Named {
        target: Var,
        value: Box<Expr>,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// A comprehension or generator expression, evaluated as one pass of its loop in this scope.
    Comprehension {
        generators: Vec<Generator>,
        elements: Vec<Expr>,
    },
    Lambda(ScopeId),
    Starred(Box<Expr>),
    /// Anything else: only its sub-expressions matter, evaluated in order.
    Other(Vec<Expr>),
}

pub(crate) struct Generator {
    pub(crate) target: Target,
    pub(crate) iter: Expr,
    pub(crate) ifs: Vec<Expr>,
}

pub(crate) struct Call {
    pub(crate) func: Expr,
    /// The callee as a dotted path through the file's imports (`os.fdopen`, `open`, `gzip.open`), when the
    /// callee is a name or an attribute chain rooted at a name that is not a local variable.
    pub(crate) path: Option<Box<str>>,
    pub(crate) args: Vec<Expr>,
    pub(crate) keywords: Vec<Keyword>,
}

pub(crate) struct Keyword {
    /// `None` for `**kwargs`.
    pub(crate) name: Option<Box<str>>,
    pub(crate) value: Expr,
}

impl Call {
    pub(crate) fn keyword(&self, name: &str) -> Option<&Expr> {
        self.keywords.iter().find(|k| k.name.as_deref() == Some(name)).map(|k| &k.value)
    }
}
