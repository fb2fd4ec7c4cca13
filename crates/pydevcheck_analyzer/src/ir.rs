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

/// A name (variable, attribute, keyword, dotted callee): up to 24 bytes are held inline, without allocation.
pub(crate) type Name = compact_str::CompactString;

/// The longest string literal the form keeps the text of: the values that matter (modes, codec names,
/// attribute names) are short, and a docstring need not be copied.
pub(crate) const MAX_KEPT_STR: usize = 256;

pub(crate) struct Module {
    /// Scope 0 is the module body; nested scopes follow in source order.
    pub(crate) scopes: Vec<Scope>,
    /// Calls through imports that the tables do not describe (`.util.open_log`, `pkg.util.open_log`):
    /// the calls another module of the run may explain. Sorted, without duplicates.
    pub(crate) external_calls: Vec<Name>,
    /// The calls the codec rules (PDC601–603) look at, in the order lowering met them, each copied with only
    /// what those rules read (see `rules::encoding::codec_view`): collected while the call is lowered, so that
    /// the rules need no second walk over the file.
    pub(crate) codec_calls: Vec<Call>,
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
    pub(crate) name: Name,
    /// The enclosing scope; a method's parent is its class body.
    pub(crate) parent: Option<ScopeId>,
    /// Named parameters in order (`self` first for a method); `*args` and `**kwargs` are not included.
    pub(crate) params: Vec<Var>,
    pub(crate) is_async: bool,
    /// The body yields: calling it makes a generator (an async generator when `is_async`), not a coroutine.
    pub(crate) is_generator: bool,
    /// Callees that may be functions of this run: this file's own (`@name` for a module-level def,
    /// `self.name`, `cls.name`) and imported ones (`.util.open_log`, `pkg.util.open_log`).
    pub(crate) local_calls: Vec<Name>,
    /// A class's base classes written as plain names (`class A(B):`).
    pub(crate) bases: Vec<Name>,
    pub(crate) range: Range,
    pub(crate) body: Box<[Stmt]>,
    /// Interned names: `Var` indexes this.
    pub(crate) vars: Vec<Name>,
    /// Vars declared `global` or `nonlocal`: assigning a resource to them hands it out of the scope.
    pub(crate) escaping_vars: Vec<Var>,
    /// Names this scope (or scopes nested in it) reads from an enclosing scope: a closure over them.
    pub(crate) free_names: Vec<Name>,
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

pub(crate) type Body = Box<[Stmt]>;

pub(crate) enum Stmt {
    Expr(Expr),
    Assign {
        targets: Box<[Target]>,
        value: Expr,
        range: Range,
    },
    Return {
        value: Option<Expr>,
        range: Range,
    },
    If {
        test: Expr,
        body: Body,
        orelse: Body,
    },
    While {
        test: Expr,
        body: Body,
        orelse: Body,
    },
    For(Box<For>),
    Try {
        body: Body,
        handlers: Box<[Handler]>,
        orelse: Body,
        finalbody: Body,
    },
    With {
        items: Box<[WithItem]>,
        body: Body,
        range: Range,
    },
    Raise {
        exc: Option<Box<Expr>>,
        cause: Option<Box<Expr>>,
        range: Range,
    },
    Assert {
        test: Box<Expr>,
        msg: Option<Box<Expr>>,
        range: Range,
    },
    Break,
    Continue,
    Delete {
        targets: Box<[Target]>,
        range: Range,
    },
    /// A nested `def`/`class`/`lambda` is evaluated where it stands: decorators, defaults and base classes
    /// are expressions of this scope; the body is scope `scope`, analysed on its own.
    Def {
        name: Option<Var>,
        scope: ScopeId,
        exprs: Box<[Expr]>,
        range: Range,
    },
    Match {
        subject: Expr,
        cases: Box<[Case]>,
    },
}

pub(crate) struct For {
    pub(crate) target: Target,
    pub(crate) iter: Expr,
    pub(crate) body: Body,
    pub(crate) orelse: Body,
    pub(crate) range: Range,
}

pub(crate) struct Handler {
    pub(crate) type_: Option<Expr>,
    pub(crate) name: Option<Var>,
    pub(crate) body: Body,
    /// `except:` or `except BaseException`: nothing passes it uncaught.
    pub(crate) catch_all: bool,
}

pub(crate) struct WithItem {
    pub(crate) context: Expr,
    pub(crate) target: Option<Target>,
}

pub(crate) struct Case {
    pub(crate) bindings: Box<[Var]>,
    pub(crate) guard: Option<Expr>,
    pub(crate) body: Body,
    /// A wildcard or capture pattern without a guard: no subject falls past it.
    pub(crate) irrefutable: bool,
}

pub(crate) enum Target {
    Var(Var),
    /// `obj.attr = …`: the value is stored on an object that outlives the statement.
    Attr(Box<Attr>),
    /// `obj[k] = …` and other stores: the value is kept somewhere that outlives the statement.
    Store(Box<[Expr]>),
    Unpack(Box<[Target]>),
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
    Attr(Box<Attr>),
    Call(Box<Call>),
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    /// A tuple, list or set display: the value carries its elements, so that `r, w = a, b`, `t[0]` and a local
    /// list that dies with the function are followed.
    Tuple(Box<[Expr]>),
    /// A dict display: whatever is put in it is stored there.
    Container(Box<[Expr]>),
    /// A string literal of at most [`MAX_KEPT_STR`] bytes.
    Str(Box<str>),
    /// A longer string literal: only its truth (it is not empty) is kept.
    LongStr,
    None,
    Bool(bool),
    Int(i64),
    Not(Box<Expr>),
    BoolOp {
        and: bool,
        values: Box<[Expr]>,
    },
    Compare {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `body if test else orelse`: test, body, orelse.
    IfExp(Box<[Expr; 3]>),
    Named {
        target: Var,
        value: Box<Expr>,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// A comprehension or generator expression, evaluated as one pass of its loop in this scope.
    Comprehension(Box<Comprehension>),
    Lambda(ScopeId),
    Starred(Box<Expr>),
    /// Anything else: only its sub-expressions matter, evaluated in order.
    Other(Box<[Expr]>),
}

/// `value.attr`, as read or as assigned to.
pub(crate) struct Attr {
    pub(crate) value: Expr,
    pub(crate) attr: Name,
}

pub(crate) struct Comprehension {
    pub(crate) generators: Box<[Generator]>,
    pub(crate) elements: Box<[Expr]>,
}

pub(crate) struct Generator {
    pub(crate) target: Target,
    pub(crate) iter: Expr,
    pub(crate) ifs: Box<[Expr]>,
}

pub(crate) struct Call {
    pub(crate) func: Expr,
    /// The callee as a dotted path through the file's imports (`os.fdopen`, `open`, `gzip.open`), when the
    /// callee is a name or an attribute chain rooted at a name that is not a local variable.
    pub(crate) path: Option<Name>,
    pub(crate) args: Box<[Expr]>,
    pub(crate) keywords: Box<[Keyword]>,
}

pub(crate) struct Keyword {
    /// `None` for `**kwargs`.
    pub(crate) name: Option<Name>,
    pub(crate) value: Expr,
}

impl Call {
    pub(crate) fn keyword(&self, name: &str) -> Option<&Expr> {
        self.keywords.iter().find(|k| k.name.as_deref() == Some(name)).map(|k| &k.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form is allocated node by node: its sizes are what a file's lowering costs.
    #[test]
    fn nodes_stay_small() {
        assert!(std::mem::size_of::<Expr>() <= 32, "Expr: {} bytes", std::mem::size_of::<Expr>());
        assert!(std::mem::size_of::<Stmt>() <= 72, "Stmt: {} bytes", std::mem::size_of::<Stmt>());
        assert!(std::mem::size_of::<Target>() <= 24, "Target: {} bytes", std::mem::size_of::<Target>());
    }
}
