//! Resource dataflow over one scope: every path, every exit, exception edges included.
//!
//! Python's control flow is structured, so the control-flow graph of a scope is the shape of its IR: this
//! module walks that shape and makes every edge explicit as it goes — normal fall-through, the exception edge
//! of every call, `await`, `yield`, `raise` and `assert` to the innermost handler (`except`, `finally`, a
//! suppressing `with`) or out of the scope, `return`/`break`/`continue` through every enclosing `finally`, and
//! loop back edges iterated to a fixed point. Walking the structure instead of materialising blocks gives the
//! same answers as a worklist over a graph (a `finally` body is run once over states tagged with the exit they
//! are taking, exactly as CPython duplicates it per exit), without building the graph for the vast majority of
//! scopes that acquire nothing.
//!
//! The abstract state is a small *set of path states*. Each path state maps locals to abstract values
//! (`Res`, `None`, truthy/falsy, …) and each acquisition site to its state (open, closed, handed over, …).
//! Keeping paths apart, instead of joining them at every merge, is what makes guards (`if f:`,
//! `if f is not None`, `if not f.closed`) and correlated conditions (`if verbose: log = open(p)` … `if
//! verbose: log.close()`) precise; a cap on the number of paths keeps the cost linear, joining the paths into
//! one when it is exceeded.

use std::rc::Rc;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::ir::{
    Call, CmpOp, Comprehension, Expr, ExprKind, Module, Range, Scope, ScopeId, ScopeKind, Stmt, Target, Var,
};
use crate::project::{Export, ModuleContext};
use crate::stack;
use crate::summary::{Callee, FileContext, ParamEffect, Summary};
use crate::tables::{self, ArgPolicy, Kind, Shape};

/// More distinct paths than this at one point are joined into one.
const MAX_PATHS: usize = 32;
/// Loop bodies are re-run until no new path reaches the head, at most this often.
const MAX_LOOP_ROUNDS: usize = 12;

/// An acquisition site: one call (one component of it for `os.pipe()`), with the instance it created last.
pub(crate) type SiteId = u32;
/// A second live instance of a site, created when a loop acquires again while the previous one is open.
const SHADOW: SiteId = 1 << 31;

pub(crate) struct Site {
    pub(crate) call: Range,
    pub(crate) kind: Kind,
    /// Whether `with` on it releases it.
    pub(crate) with_closes: bool,
    /// The methods that release it.
    pub(crate) releasers: &'static [&'static str],
    /// The local the resource was first bound to, for messages.
    pub(crate) name: Option<Var>,
}

/// How a resource got out of its scope still open.
#[derive(Debug, Clone)]
pub(crate) enum Exit {
    /// `return` at this statement (or the end of the body when `None`).
    Return(Option<Range>),
    /// The last reference was dropped by this statement: reassigned, deleted, or never bound.
    Dropped { at: Range, var: Option<Var>, deleted: bool },
    /// An exception raised at this point leaves the scope (or is caught and the scope then exits).
    Exception(Range),
}

#[derive(Debug, Clone)]
pub(crate) struct Leak {
    pub(crate) site: SiteId,
    /// Only an exception path leaks it.
    pub(crate) on_exception: bool,
    pub(crate) exit: Exit,
    /// When the leaking path went through an exception: where that exception came from.
    pub(crate) raised_at: Option<Range>,
}

/// `os.close` misuse: PDC301 and PDC302.
#[derive(Debug, Clone)]
pub(crate) enum FdMisuse {
    /// `os.close(f.fileno())` while `f` is open.
    ClosedBehindOwner { call: Range, owner: SiteId },
    /// `os.close(fd)` on an fd closed earlier on this path.
    DoubleClose { call: Range, fd: SiteId, first: Option<Range> },
    /// `os.close(fd)` where `fd = f.fileno()` and `f` is already closed.
    ClosedAfterOwnerClosed { call: Range, owner: SiteId },
    /// `os.close(fd)` after a file object took ownership of `fd`.
    ClosedAfterHandOver { call: Range, fd: SiteId, owner_call: Option<Range> },
}

impl FdMisuse {
    pub(crate) fn call(&self) -> Range {
        match self {
            FdMisuse::ClosedBehindOwner { call, .. }
            | FdMisuse::ClosedAfterOwnerClosed { call, .. }
            | FdMisuse::DoubleClose { call, .. }
            | FdMisuse::ClosedAfterHandOver { call, .. } => *call,
        }
    }
}

/// A resource stored on `self` that no release method of the class (`close`, `__exit__`, …) releases.
pub(crate) struct UnreleasedAttr {
    pub(crate) site: SiteId,
    pub(crate) attr: Box<str>,
    /// A method of the class that does release it, which no release method calls (`disconnect()`).
    pub(crate) released_by: Option<Box<str>>,
}

pub(crate) struct ScopeFacts {
    /// In summary mode: what the scope does with each parameter, and what fresh resources it returns.
    pub(crate) param_effects: Vec<ParamEffect>,
    /// `self.<attr> = <resource>` where no release method of the class releases `self.<attr>`.
    pub(crate) unreleased_attrs: Vec<UnreleasedAttr>,
    pub(crate) returned: Vec<(Kind, bool)>,
    /// Exception origins that are a `for` loop fetching its next item rather than a call.
    pub(crate) iteration_points: Vec<Range>,
    pub(crate) sites: Vec<Site>,
    pub(crate) leaks: Vec<Leak>,
    pub(crate) misuses: Vec<FdMisuse>,
}

/// Runs the dataflow on every scope that acquires something.
/// The facts of every scope with something to report, and what the module exports to the others.
pub(crate) struct Analysed {
    pub(crate) scopes: Vec<(usize, ScopeFacts)>,
    pub(crate) exports: Vec<(String, Export)>,
}

pub(crate) fn analyse(module: &Module, place: Option<ModuleContext<'_>>, api: &tables::Api) -> Analysed {
    let mut out = Vec::new();
    let file = FileContext::new(module, place, api);
    // What each analysed scope returns, from its normal run: an opener's export needs no second run.
    let mut returns: FxHashMap<ScopeId, (Kind, bool)> = FxHashMap::default();
    for index in 0..module.scopes.len() {
        if !file.is_interesting(index as ScopeId) {
            continue;
        }
        let mut facts = Analysis::new(&file, index as ScopeId, false).run();
        if let Some(&returned) = facts.returned.iter().find(|(kind, _)| *kind != Kind::Param) {
            returns.insert(index as ScopeId, returned);
        }
        facts.returned.clear();
        if !facts.leaks.is_empty() || !facts.misuses.is_empty() || !facts.unreleased_attrs.is_empty() {
            out.push((index, facts));
        }
    }
    let exports = file.exports(&returns, |function| {
        let file = &file;
        file.summary(function, || Analysis::new(file, function, true).summarise())
    });
    Analysed { scopes: out, exports }
}

// ---------------------------------------------------------------------------------------------------------
// Abstract values and states

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Val {
    Unknown,
    None,
    /// Known not to be `None`, truthiness unknown.
    NotNone,
    Truthy,
    Falsy,
    Res(SiteId),
    /// One of these resources: paths that bound different ones to the same name were joined.
    Either(Rc<[SiteId]>),
    /// `f.fileno()` of a tracked file.
    Fileno(SiteId),
    /// `f.close` as a value: whoever gets it will close `f`; it also keeps `f` alive.
    BoundClose(SiteId),
    Tuple(Rc<[Val]>),
}

impl Val {
    fn for_each_res(&self, f: &mut impl FnMut(SiteId)) {
        match self {
            Val::Res(id) | Val::BoundClose(id) => f(*id),
            Val::Either(ids) => ids.iter().for_each(|id| f(*id)),
            Val::Tuple(items) => items.iter().for_each(|v| v.for_each_res(f)),
            _ => {}
        }
    }

    /// The resources this value may be.
    fn resources(&self) -> SmallVec<[SiteId; 2]> {
        match self {
            Val::Res(id) => SmallVec::from_slice(&[*id]),
            Val::Either(ids) => ids.iter().copied().collect(),
            _ => SmallVec::new(),
        }
    }

    fn is_resource(&self) -> bool {
        matches!(self, Val::Res(_) | Val::Either(_))
    }

    /// A fact about a value that is not a resource and not `None`: what is dropped first when paths pile up.
    fn is_minor_fact(&self) -> bool {
        matches!(self, Val::Truthy | Val::Falsy | Val::NotNone)
    }

    fn refers_to(&self, site: SiteId) -> bool {
        let mut found = false;
        self.for_each_res(&mut |id| found |= id == site);
        found
    }
}

/// The locals of one path, with a hash of their values kept up to date: paths are compared each time one is
/// added to a set, and in a large function most comparisons are between locals that differ somewhere, which
/// the hashes tell in one step instead of a walk over every local.
///
/// The slots sit in chunks of `CHUNK`, each shared until it changes: a change copies one chunk and the list
/// of chunks rather than every local, and paths that share most chunks compare only the others.
#[derive(Debug, Clone)]
struct Vars {
    chunks: Rc<[Rc<[Val]>]>,
    /// The sum of every slot's hash, so that one slot's change updates it.
    hash: u64,
    /// How many slots hold a minor fact (`Val::is_minor_fact`), so that `States::collapse` knows which paths
    /// it changes without a walk over their locals.
    minor: u32,
}

const CHUNK: usize = 16;

impl Vars {
    fn new(vals: Vec<Val>) -> Vars {
        let hash = vals.iter().enumerate().fold(0u64, |sum, (i, v)| sum.wrapping_add(slot_hash(i, v)));
        let minor = vals.iter().filter(|v| v.is_minor_fact()).count() as u32;
        let chunks: Vec<Rc<[Val]>> = vals.chunks(CHUNK).map(Rc::from).collect();
        Vars { chunks: chunks.into(), hash, minor }
    }

    fn set(&mut self, i: usize, val: Val) {
        let old = &self.chunks[i / CHUNK][i % CHUNK];
        if *old != val {
            self.hash = self.hash.wrapping_sub(slot_hash(i, old)).wrapping_add(slot_hash(i, &val));
            self.minor = self.minor - u32::from(old.is_minor_fact()) + u32::from(val.is_minor_fact());
            let chunk = &mut Rc::make_mut(&mut self.chunks)[i / CHUNK];
            Rc::make_mut(chunk)[i % CHUNK] = val;
        }
    }

    /// Whether both hold their locals in the same allocation.
    fn same_allocation(&self, other: &Vars) -> bool {
        Rc::ptr_eq(&self.chunks, &other.chunks)
    }

    /// `hash` once every minor fact is forgotten.
    fn hash_without_minor_facts(&self) -> u64 {
        let mut hash = self.hash;
        for (i, v) in self.iter().enumerate().filter(|(_, v)| v.is_minor_fact()) {
            hash = hash.wrapping_sub(slot_hash(i, v)).wrapping_add(slot_hash(i, &Val::Unknown));
        }
        hash
    }

    /// Whether these locals, which hold no minor fact, equal `other` once its minor facts are forgotten.
    fn is_without_minor_facts(&self, other: &Vars) -> bool {
        self.chunks.len() == other.chunks.len()
            && self.chunks.iter().zip(other.chunks.iter()).all(|(mine, theirs)| {
                // A shared chunk holds no minor fact, since these locals hold none.
                Rc::ptr_eq(mine, theirs)
                    || (mine.len() == theirs.len()
                        && mine.iter().zip(theirs.iter()).all(|(mine, theirs)| {
                            if theirs.is_minor_fact() {
                                *mine == Val::Unknown
                            } else {
                                mine == theirs
                            }
                        }))
            })
    }

    /// Forgets every minor fact: those slots become `Val::Unknown`.
    fn drop_minor_facts(&mut self) {
        for i in 0..self.len() {
            if self.minor == 0 {
                break;
            }
            if self[i].is_minor_fact() {
                self.set(i, Val::Unknown);
            }
        }
    }

    fn len(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.len()).sum()
    }

    fn iter(&self) -> impl Iterator<Item = &Val> {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }
}

impl std::ops::Index<usize> for Vars {
    type Output = Val;

    fn index(&self, i: usize) -> &Val {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl PartialEq for Vars {
    fn eq(&self, other: &Self) -> bool {
        // Paths usually share their locals (copy on write): compare the pointers before the contents.
        self.hash == other.hash
            && (self.same_allocation(other)
                || (self.chunks.len() == other.chunks.len()
                    && self.chunks.iter().zip(other.chunks.iter()).all(|(a, b)| Rc::ptr_eq(a, b) || a == b)))
    }
}

/// One slot's share of `Vars::hash`. FxHasher alone will not do: it multiplies and adds, so a sum of its
/// outputs is close to linear in the values, and two paths that swap `Truthy` and `Falsy` between two slots
/// (what a pair of `if`s makes) sum to the same hash. On Salt, 86 % of the paths with equal hashes had
/// different locals before the finaliser below (splitmix64's).
fn slot_hash(i: usize, val: &Val) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    (i, val).hash(&mut hasher);
    mix(hasher.finish())
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A site's state on one path; after a join, the union of several.
type Bits = u8;
const NOT_ACQUIRED: Bits = 1;
const OPEN: Bits = 2;
const CLOSED: Bits = 4;
/// Handed over (returned, stored, passed to an owner), managed by `with`, or already reported.
const GONE: Bits = 8;
/// A raw fd now owned by a file object.
const OWNED: Bits = 16;
/// Open, and this path went through an exception edge since the acquisition.
const EXPOSED: Bits = 32;
/// Open inside a `with` block that closes it on every way out: alive, but never a leak.
const MANAGED: Bits = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Normal,
    Exception,
    Return,
    Break,
    Continue,
}

#[derive(Debug, Clone)]
struct PathState {
    vars: Vars,
    /// Sorted by site id.
    res: SmallVec<[(SiteId, Bits); 4]>,
    /// Values held by the interpreter rather than a name: the iterable of a running `for`.
    held: SmallVec<[Val; 2]>,
    tag: Tag,
    /// Where the pending exit of this path came from (a `return` or the raising call); not part of identity.
    origin: Option<Range>,
    /// For each site that was open at an exception edge: the first such edge. Not part of identity.
    exposed_at: SmallVec<[(SiteId, Range); 2]>,
    /// The path ended inside the statement being evaluated (`sys.exit()`, `os._exit()`).
    dead: bool,
}

impl PartialEq for PathState {
    fn eq(&self, other: &Self) -> bool {
        self.is(&other.vars, other.tag, &other.res, &other.held)
    }
}

impl PathState {
    /// Whether this path is the one with these locals, tag, resources and held values: what identifies a path.
    fn is(&self, vars: &Vars, tag: Tag, res: &[(SiteId, Bits)], held: &[Val]) -> bool {
        // The locals' running hash tells most unequal paths apart for the price of one comparison.
        self.vars.hash == vars.hash
            && self.tag == tag
            && self.res[..] == *res
            && self.held[..] == *held
            && self.vars == *vars
    }

    fn bits(&self, site: SiteId) -> Bits {
        self.res.iter().find(|(id, _)| *id == site).map_or(NOT_ACQUIRED, |(_, b)| *b)
    }

    fn set(&mut self, site: SiteId, bits: Bits) {
        match self.res.binary_search_by_key(&site, |(id, _)| *id) {
            Ok(i) => self.res[i].1 = bits,
            Err(i) => self.res.insert(i, (site, bits)),
        }
    }

    fn is_open(&self, site: SiteId) -> bool {
        self.bits(site) & (OPEN | EXPOSED) != 0
    }

    fn var(&self, var: Var) -> &Val {
        &self.vars[var as usize]
    }

    fn set_var(&mut self, var: Var, val: Val) {
        self.vars.set(var as usize, val);
    }

    /// This path's locals, when they equal `vars` in another allocation: the other path can take them.
    fn shared_with(&self, vars: &Vars) -> Option<Vars> {
        (!self.vars.same_allocation(vars)).then(|| self.vars.clone())
    }

    fn exposed_at(&self, site: SiteId) -> Option<Range> {
        self.exposed_at.iter().find(|(id, _)| *id == site).map(|(_, at)| *at)
    }

    fn referenced(&self, site: SiteId) -> bool {
        self.vars.iter().chain(self.held.iter()).any(|v| v.refers_to(site))
    }

    /// Joins `other` into `self` (same tag): equal values stay, differing ones become unknown, except that a
    /// resource wins so that a later `close` through that name is still seen.
    fn join(&mut self, other: &PathState) {
        if self.vars != other.vars {
            for (i, theirs) in other.vars.iter().enumerate() {
                let mine = &self.vars[i];
                if mine != theirs {
                    let joined = if mine.is_resource() && theirs.is_resource() {
                        let mut ids = mine.resources();
                        ids.extend(theirs.resources());
                        ids.sort_unstable();
                        ids.dedup();
                        Val::Either(ids.as_slice().into())
                    } else if mine.is_resource() {
                        mine.clone()
                    } else if theirs.is_resource() {
                        theirs.clone()
                    } else {
                        Val::Unknown
                    };
                    self.vars.set(i, joined);
                }
            }
        }
        let mut merged: SmallVec<[(SiteId, Bits); 4]> = SmallVec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.res.len() || j < other.res.len() {
            let a = self.res.get(i).copied();
            let b = other.res.get(j).copied();
            match (a, b) {
                (Some((x, bx)), Some((y, by))) if x == y => {
                    merged.push((x, bx | by));
                    i += 1;
                    j += 1;
                }
                (Some((x, bx)), Some((y, _))) if x < y => {
                    merged.push((x, bx | NOT_ACQUIRED));
                    i += 1;
                }
                (Some((x, bx)), None) => {
                    merged.push((x, bx | NOT_ACQUIRED));
                    i += 1;
                }
                (_, Some((y, by))) => {
                    merged.push((y, by | NOT_ACQUIRED));
                    j += 1;
                }
                (None, None) => break,
            }
        }
        self.res = merged;
        if self.held != other.held {
            self.held.clear();
        }
    }
}

/// A set of path states; duplicates are dropped, and too many are joined per tag.
#[derive(Debug, Clone, Default)]
struct States(Vec<PathState>);

impl States {
    fn push(&mut self, state: PathState) {
        self.push_shared(state);
    }

    /// Adds `state` unless an equal one is there; if that one keeps its locals in another allocation,
    /// returns them so that the caller can share them.
    fn push_shared(&mut self, state: PathState) -> Option<Vars> {
        if let Some(existing) = self.find(&state.vars, state.tag, &state.res, &state.held) {
            return existing.shared_with(&state.vars);
        }
        self.push_new(state);
        None
    }

    /// The path of this set with these locals, tag, resources and held values.
    fn find(&self, vars: &Vars, tag: Tag, res: &[(SiteId, Bits)], held: &[Val]) -> Option<&PathState> {
        self.0.iter().find(|s| s.is(vars, tag, res, held))
    }

    /// Adds a path that `find` did not find.
    fn push_new(&mut self, state: PathState) {
        self.0.push(state);
        if self.0.len() > MAX_PATHS {
            self.collapse();
        }
    }

    fn extend(&mut self, other: States) {
        for s in other.0 {
            self.push(s);
        }
    }

    /// Too many paths: first forget the truthiness of values that are neither resources nor `None`, which
    /// keeps guards on resources exact; join what is still too many.
    ///
    /// The paths are distinct on entry (each came in through `push`), so a path without minor facts can only
    /// equal one that lost some here; and a path that loses some is compared with the kept ones before its
    /// locals are copied, so that a path that turns out to repeat another costs no allocation.
    fn collapse(&mut self) {
        let states = std::mem::take(&mut self.0);
        debug_assert!(states.iter().enumerate().all(|(i, a)| states[..i].iter().all(|b| a != b)));
        // Indices in `self.0` of the kept paths that lost minor facts.
        let mut stripped: SmallVec<[usize; 8]> = SmallVec::new();
        for mut s in states {
            if s.vars.minor == 0 {
                if !stripped.iter().any(|&k| self.0[k] == s) {
                    self.0.push(s);
                }
                continue;
            }
            let hash = s.vars.hash_without_minor_facts();
            let repeats = |k: &PathState| {
                k.vars.hash == hash
                    && k.tag == s.tag
                    && k.res == s.res
                    && k.held == s.held
                    && k.vars.is_without_minor_facts(&s.vars)
            };
            if !self.0.iter().any(repeats) {
                s.vars.drop_minor_facts();
                stripped.push(self.0.len());
                self.0.push(s);
            }
        }
        if self.0.len() <= MAX_PATHS {
            return;
        }
        let mut joined: Vec<PathState> = Vec::new();
        for s in self.0.drain(..) {
            match joined.iter_mut().find(|j| j.tag == s.tag) {
                Some(j) => j.join(&s),
                None => joined.push(s),
            }
        }
        self.0 = joined;
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where the edges that leave a statement go.
///
/// `held` in a frame that catches exceptions: how many `for` loops run around the statement that pushed it.
/// An exception that reaches the frame has left the loops and comprehensions inside it, whose iterables
/// Python drops as it unwinds, so the path that arrives there holds only that many values (`PathState::held`).
enum Frame {
    Loop {
        breaks: States,
        continues: States,
    },
    /// Inside a `try` body with handlers: exceptions go to the handlers, and on past them unless one of them
    /// catches everything.
    Handlers {
        caught: States,
        catch_all: bool,
        held: usize,
    },
    /// Inside a `try` with `finally`: every exit waits for the `finally` body, tagged with where it goes next.
    Finally {
        pending: States,
        held: usize,
    },
    /// Inside `with contextlib.suppress(...)`: an exception resumes after the `with`.
    Suppress {
        resumed: States,
        held: usize,
    },
}

impl Frame {
    /// Where an exception that reaches this frame goes: the set, the tag the path takes there, whether it
    /// stops there (a handler that catches everything, a `finally`, a `suppress`) and how many held values it
    /// keeps. `None` for a loop, which exceptions pass through.
    fn catching(&mut self) -> Option<(&mut States, Tag, bool, usize)> {
        match self {
            Frame::Loop { .. } => None,
            Frame::Handlers { caught, catch_all, held } => Some((caught, Tag::Normal, *catch_all, *held)),
            Frame::Finally { pending, held } => Some((pending, Tag::Exception, true, *held)),
            Frame::Suppress { resumed, held } => Some((resumed, Tag::Normal, true, *held)),
        }
    }
}

struct Analysis<'m> {
    file: &'m FileContext<'m>,
    module: &'m Module,
    scope_id: ScopeId,
    scope: &'m Scope,
    /// Computing the scope's summary: parameters are bound to placeholder resources.
    summary_mode: bool,
    param_sites: Vec<SiteId>,
    /// Kinds of the fresh resources `return` hands to the caller.
    returned: Vec<(Kind, bool)>,
    param_effects: Vec<ParamEffect>,
    unreleased_attrs: Vec<UnreleasedAttr>,
    sites: Vec<Site>,
    site_index: FxHashMap<(u32, u8), SiteId>,
    frames: Vec<Frame>,
    returns: States,
    raised: States,
    leaks: Vec<Leak>,
    misuses: Vec<FdMisuse>,
    /// Where an fd was first closed and where it was handed to an owner, for PDC302 messages.
    first_close: FxHashMap<SiteId, Range>,
    owner_call: FxHashMap<SiteId, Range>,
    iteration_points: Vec<Range>,
    /// How many `for` loops run around the statement being evaluated: each holds its iterable.
    loops: usize,
    /// Which file object owns an fd, and the sites whose leak is already explained by a PDC301/PDC302: one
    /// finding per resource.
    owned_by: FxHashMap<SiteId, SiteId>,
    superseded: Vec<SiteId>,
    /// Inside `with assertRaises(...)` blocks.
    expecting_raise: u32,
}

impl<'m> Analysis<'m> {
    fn new(file: &'m FileContext<'m>, scope_id: ScopeId, summary_mode: bool) -> Self {
        let module = file.module;
        Analysis {
            file,
            module,
            scope_id,
            scope: &module.scopes[scope_id as usize],
            summary_mode,
            param_sites: Vec::new(),
            returned: Vec::new(),
            param_effects: Vec::new(),
            unreleased_attrs: Vec::new(),
            sites: Vec::new(),
            site_index: FxHashMap::default(),
            frames: Vec::new(),
            returns: States::default(),
            raised: States::default(),
            leaks: Vec::new(),
            misuses: Vec::new(),
            first_close: FxHashMap::default(),
            owner_call: FxHashMap::default(),
            iteration_points: Vec::new(),
            loops: 0,
            owned_by: FxHashMap::default(),
            superseded: Vec::new(),
            expecting_raise: 0,
        }
    }

    fn run(mut self) -> ScopeFacts {
        let entry = PathState {
            vars: Vars::new(vec![Val::Unknown; self.scope.vars.len()]),
            res: SmallVec::new(),
            held: SmallVec::new(),
            tag: Tag::Normal,
            origin: None,
            exposed_at: SmallVec::new(),
            dead: false,
        };
        let mut entry = entry;
        if self.summary_mode {
            for (i, &var) in self.scope.params.iter().enumerate() {
                let placeholder = Range { start: u32::MAX - i as u32, end: u32::MAX - i as u32 };
                let id = self.open(placeholder, 0, Kind::Param, true, &mut entry);
                self.param_sites.push(id);
                entry.set_var(var, Val::Res(id));
            }
        }
        let mut states = States::default();
        states.push(entry);
        let end = self.block(&self.scope.body, states);
        let mut exits = std::mem::take(&mut self.returns);
        exits.extend(end);
        if self.summary_mode {
            self.summarise_params(&exits);
        }
        let keeps_names = matches!(self.scope.kind, ScopeKind::Module | ScopeKind::Class);
        for state in &exits.0 {
            for &(site, bits) in &state.res {
                if bits & (OPEN | EXPOSED) == 0 {
                    continue;
                }
                // Module and class bodies bind names that outlive the body: only the dropped ones leak.
                if keeps_names && state.referenced(site) {
                    continue;
                }
                self.leak(site, bits, Exit::Return(state.origin), state.exposed_at(site));
            }
        }
        if !keeps_names {
            let raised = std::mem::take(&mut self.raised);
            for state in &raised.0 {
                for &(site, bits) in &state.res {
                    if bits & (OPEN | EXPOSED) != 0 {
                        let at = state.exposed_at(site).or(state.origin).unwrap_or(self.scope.range);
                        self.leak(site, bits, Exit::Exception(at), Some(at));
                    }
                }
            }
        }
        let superseded = std::mem::take(&mut self.superseded);
        self.leaks.retain(|l| !superseded.contains(&l.site));
        self.leaks.sort_by_key(|l| (l.site, l.on_exception, exit_start(&l.exit)));
        self.leaks.dedup_by_key(|l| l.site & !SHADOW);
        self.misuses.sort_by_key(|m| m.call().start);
        self.misuses.dedup_by_key(|m| m.call().start);
        ScopeFacts {
            iteration_points: self.iteration_points,
            sites: self.sites,
            leaks: self.leaks,
            misuses: self.misuses,
            param_effects: self.param_effects,
            returned: self.returned,
            unreleased_attrs: self.unreleased_attrs,
        }
    }

    /// What the function did to each placeholder parameter, over every normal exit.
    fn summarise_params(&mut self, exits: &States) {
        self.param_effects = self
            .param_sites
            .iter()
            .map(|&site| {
                let bits = exits.0.iter().fold(0, |acc, st| acc | st.bits(site));
                if bits & GONE != 0 {
                    ParamEffect::Keeps
                } else if bits & (OPEN | EXPOSED) == 0 && bits & (CLOSED | MANAGED) != 0 {
                    ParamEffect::Closes
                } else {
                    ParamEffect::Borrows
                }
            })
            .collect();
    }

    /// This scope's summary, for its callers.
    fn summarise(self) -> Summary {
        let is_async = crate::summary::makes_coroutine(self.scope);
        let facts = self.run();
        let returns = facts.returned.iter().copied().find(|(kind, _)| *kind != Kind::Param);
        Summary { returns, params: facts.param_effects, is_async }
    }

    fn leak(&mut self, site: SiteId, bits: Bits, exit: Exit, raised_at: Option<Range>) {
        // A path that went through an exception edge while the resource was open is an exception path, even
        // when a handler caught it and the scope then returned normally.
        let on_exception = matches!(exit, Exit::Exception(_)) || bits & EXPOSED != 0;
        self.leaks.push(Leak { site: site & !SHADOW, on_exception, exit, raised_at });
    }

    // -----------------------------------------------------------------------------------------------------
    // Edges

    /// The exception edge from `at`: a copy of `current` goes to the innermost frame that catches exceptions
    /// (and on to the outer ones past handlers that do not catch everything), or out of the scope. Most edges
    /// repeat a path their handler already holds (two calls in a row with nothing between them that changes
    /// the state), so the path is looked for there before it is copied. When the handler holds it with the
    /// same locals in another allocation, `current` takes that allocation: the next edge from this path then
    /// compares them by pointer.
    fn raise(&mut self, current: &mut PathState, at: Range) {
        if current.dead {
            return;
        }
        let mut res = current.res.clone();
        for entry in res.iter_mut() {
            if entry.1 & OPEN != 0 {
                entry.1 |= EXPOSED;
            }
        }
        let mut shared = None;
        let mut delivered = false;
        for i in (0..self.frames.len()).rev() {
            let Some((target, tag, last, held)) = self.frames[i].catching() else { continue };
            shared = shared.or(raised_into(target, current, &res, tag, held, at));
            if last {
                delivered = true;
                break;
            }
        }
        if !delivered {
            shared = shared.or(raised_into(&mut self.raised, current, &res, Tag::Normal, 0, at));
        }
        if let Some(shared) = shared {
            current.vars = shared;
        }
    }

    /// Returns the locals of the first path found equal to `state` where it went, when they sit in another
    /// allocation.
    fn raise_from(&mut self, top: usize, mut state: PathState) -> Option<Vars> {
        let mut shared = None;
        for i in (0..top).rev() {
            let Some((target, tag, last, held)) = self.frames[i].catching() else { continue };
            state.tag = tag;
            state.held.truncate(held);
            if last {
                return shared.or(target.push_shared(state));
            }
            shared = shared.or(target.push_shared(state.clone()));
        }
        state.tag = Tag::Normal;
        state.held.clear();
        shared.or(self.raised.push_shared(state))
    }

    fn return_from(&mut self, top: usize, mut state: PathState) {
        for i in (0..top).rev() {
            if let Frame::Finally { pending, .. } = &mut self.frames[i] {
                state.tag = Tag::Return;
                pending.push(state);
                return;
            }
        }
        state.tag = Tag::Normal;
        self.returns.push(state);
    }

    fn jump_from(&mut self, top: usize, mut state: PathState, tag: Tag) {
        for i in (0..top).rev() {
            match &mut self.frames[i] {
                Frame::Finally { pending, .. } => {
                    state.tag = tag;
                    pending.push(state);
                    return;
                }
                Frame::Loop { breaks, continues } => {
                    state.tag = Tag::Normal;
                    if tag == Tag::Break {
                        breaks.push(state)
                    } else {
                        continues.push(state)
                    }
                    return;
                }
                _ => {}
            }
        }
        // `break` outside a loop does not compile; nothing to follow.
    }

    // -----------------------------------------------------------------------------------------------------
    // Statements

    fn block(&mut self, stmts: &'m [Stmt], mut states: States) -> States {
        for stmt in stmts {
            if states.is_empty() {
                break;
            }
            states = self.stmt(stmt, states);
        }
        states
    }

    fn each(&mut self, states: States, mut f: impl FnMut(&mut Self, &mut PathState)) -> States {
        let mut out = States::default();
        for mut state in states.0 {
            f(self, &mut state);
            if !state.dead {
                out.push(state);
            }
        }
        out
    }

    fn stmt(&mut self, stmt: &'m Stmt, states: States) -> States {
        stack::guard(|| self.stmt_unguarded(stmt, states))
    }

    fn stmt_unguarded(&mut self, stmt: &'m Stmt, states: States) -> States {
        match stmt {
            Stmt::Expr(expr) => self.each(states, |a, st| {
                a.eval(expr, st);
                a.sweep(st, expr.range, None, false);
            }),
            Stmt::Assign { targets, value, range } => self.each(states, |a, st| {
                let val = a.eval(value, st);
                for target in targets {
                    a.bind(target, val.clone(), st);
                }
                let var = match &**targets {
                    [Target::Var(var)] => Some(*var),
                    _ => None,
                };
                a.sweep(st, *range, var, false);
            }),
            Stmt::Delete { targets, range } => self.each(states, |a, st| {
                let mut deleted = None;
                for target in targets {
                    match target {
                        Target::Var(var) => {
                            st.set_var(*var, Val::Unknown);
                            deleted = Some(*var);
                        }
                        other => a.bind(other, Val::Unknown, st),
                    }
                }
                a.sweep(st, *range, deleted, true);
            }),
            Stmt::Return { value, range } => {
                for mut st in states.0 {
                    if let Some(value) = value {
                        let val = self.eval(value, &mut st);
                        {
                            val.for_each_res(&mut |id| {
                                let site = &self.sites[(id & !SHADOW) as usize];
                                if st.is_open(id) && !self.returned.contains(&(site.kind, site.with_closes)) {
                                    self.returned.push((site.kind, site.with_closes));
                                }
                            });
                        }
                        self.escape(&val, &mut st);
                    }
                    st.origin = Some(*range);
                    if !st.dead {
                        self.return_from(self.frames.len(), st);
                    }
                }
                States::default()
            }
            Stmt::If { test, body, orelse } => {
                let (yes, no) = self.condition(test, states);
                let mut out = self.block(body, yes);
                out.extend(self.block(orelse, no));
                out
            }
            Stmt::While { test, body, orelse } => self.while_loop(test, body, orelse, states),
            Stmt::For(f) => self.for_loop(&f.target, &f.iter, &f.body, &f.orelse, f.range, states),
            Stmt::Try { body, handlers, orelse, finalbody } => self.try_stmt(body, handlers, orelse, finalbody, states),
            Stmt::With { items, body, range } => self.with_stmt(items, body, *range, states),
            Stmt::Raise { exc, cause, range } => {
                for mut st in states.0 {
                    if let Some(exc) = exc {
                        self.eval(exc, &mut st);
                    }
                    if let Some(cause) = cause {
                        self.eval(cause, &mut st);
                    }
                    self.raise(&mut st, *range);
                }
                States::default()
            }
            Stmt::Assert { test, msg, range } => {
                let (yes, no) = self.condition(test, states);
                for mut st in no.0 {
                    if let Some(msg) = msg {
                        self.eval(msg, &mut st);
                    }
                    self.raise(&mut st, *range);
                }
                yes
            }
            Stmt::Break => {
                for st in states.0 {
                    self.jump_from(self.frames.len(), st, Tag::Break);
                }
                States::default()
            }
            Stmt::Continue => {
                for st in states.0 {
                    self.jump_from(self.frames.len(), st, Tag::Continue);
                }
                States::default()
            }
            Stmt::Def { name, scope, exprs, range } => self.each(states, |a, st| {
                for expr in exprs {
                    a.eval(expr, st);
                }
                // A nested function that reads a local holding a resource keeps it alive: the function value
                // carries what it captures, and whoever gets the function gets the resource.
                let closure = a.capture(*scope, st);
                match name {
                    Some(name) => a.bind_var(*name, closure, st),
                    None => a.escape(&closure, st),
                }
                a.sweep(st, *range, None, false);
            }),
            Stmt::Match { subject, cases } => {
                let mut pending = self.each(states, |a, st| {
                    a.eval(subject, st);
                });
                let mut out = States::default();
                for case in cases {
                    if pending.is_empty() {
                        break;
                    }
                    let mut entered = pending.clone();
                    for st in entered.0.iter_mut() {
                        for var in &case.bindings {
                            st.set_var(*var, Val::Unknown);
                        }
                    }
                    if let Some(guard) = &case.guard {
                        let (yes, no) = self.condition(guard, entered);
                        entered = yes;
                        pending.extend(no);
                    }
                    out.extend(self.block(&case.body, entered));
                    if case.irrefutable {
                        pending = States::default();
                    }
                }
                out.extend(pending);
                out
            }
        }
    }

    fn while_loop(&mut self, test: &'m Expr, body: &'m [Stmt], orelse: &'m [Stmt], states: States) -> States {
        let mut exits = States::default();
        let breaks = self.iterate(states, |a, head| {
            let (yes, no) = a.condition(test, head);
            exits.extend(no);
            a.block(body, yes)
        });
        let mut out = self.block(orelse, exits);
        out.extend(breaks);
        out
    }

    fn for_loop(
        &mut self,
        target: &'m Target,
        iter: &'m Expr,
        body: &'m [Stmt],
        orelse: &'m [Stmt],
        range: Range,
        states: States,
    ) -> States {
        let states = self.each(states, |a, st| {
            let val = a.eval(iter, st);
            if let Val::Tuple(items) = &val {
                // Iterating over a tuple of resources hands them to the loop variable one by one: treat them
                // as handed over rather than follow each element.
                for item in items.iter() {
                    a.escape(item, st);
                }
            }
            st.held.push(val);
        });
        if !self.iteration_points.contains(&iter.range) {
            self.iteration_points.push(iter.range);
        }
        let mut exits = States::default();
        self.loops += 1;
        let breaks = self.iterate(states, |a, head| {
            exits.extend(head.clone());
            let entered = a.each(head, |a, st| {
                // Reading the next line of a file may fail; stepping through a list or a range does not, and
                // other iterables are given the benefit of the doubt.
                if st.held.last().is_some_and(|v| v.is_resource()) {
                    a.raise(st, iter.range);
                }
                a.bind(target, Val::Unknown, st);
            });
            a.block(body, entered)
        });
        let mut out = self.block(orelse, exits);
        self.loops -= 1;
        out.extend(breaks);
        self.each(out, |a, st| {
            st.held.pop();
            a.sweep(st, range, None, false);
        })
    }

    /// Runs a loop body to a fixed point: `step` gets the states at the head (only those not seen before) and
    /// returns the states at the end of the body. Returns the states that `break` out.
    fn iterate(&mut self, states: States, mut step: impl FnMut(&mut Self, States) -> States) -> States {
        let mut seen = States::default();
        let mut head = states;
        let mut breaks = States::default();
        for _ in 0..MAX_LOOP_ROUNDS {
            let fresh: Vec<PathState> = head.0.into_iter().filter(|s| !seen.0.contains(s)).collect();
            if fresh.is_empty() {
                break;
            }
            for s in &fresh {
                seen.0.push(s.clone());
            }
            self.frames.push(Frame::Loop { breaks: States::default(), continues: States::default() });
            let end = step(self, States(fresh));
            let Some(Frame::Loop { breaks: b, continues }) = self.frames.pop() else {
                unreachable!("frames are pushed and popped in pairs");
            };
            breaks.extend(b);
            head = end;
            head.extend(continues);
        }
        breaks
    }

    fn try_stmt(
        &mut self,
        body: &'m [Stmt],
        handlers: &'m [crate::ir::Handler],
        orelse: &'m [Stmt],
        finalbody: &'m [Stmt],
        states: States,
    ) -> States {
        let has_finally = !finalbody.is_empty();
        if has_finally {
            self.frames.push(Frame::Finally { pending: States::default(), held: self.loops });
        }
        let mut out;
        if handlers.is_empty() {
            out = self.block(body, states);
            out = self.block(orelse, out);
        } else {
            let catch_all = handlers.iter().any(|h| h.catch_all);
            self.frames.push(Frame::Handlers { caught: States::default(), catch_all, held: self.loops });
            let after_body = self.block(body, states);
            let Some(Frame::Handlers { caught, .. }) = self.frames.pop() else {
                unreachable!("frames are pushed and popped in pairs");
            };
            out = self.block(orelse, after_body);
            for handler in handlers {
                let mut entered = caught.clone();
                for st in entered.0.iter_mut() {
                    if let Some(type_) = &handler.type_ {
                        self.eval_quiet(type_, st);
                    }
                    if let Some(name) = handler.name {
                        st.set_var(name, Val::NotNone);
                    }
                }
                let mut done = self.block(&handler.body, entered);
                if let Some(name) = handler.name {
                    for st in done.0.iter_mut() {
                        st.set_var(name, Val::Unknown);
                    }
                }
                out.extend(done);
            }
        }
        if !has_finally {
            return out;
        }
        let Some(Frame::Finally { pending, .. }) = self.frames.pop() else {
            unreachable!("frames are pushed and popped in pairs");
        };
        let mut entering = out;
        entering.extend(pending);
        let finished = self.block(finalbody, entering);
        let mut resumed = States::default();
        let top = self.frames.len();
        for mut st in finished.0 {
            match st.tag {
                Tag::Normal => resumed.push(st),
                Tag::Exception => {
                    st.tag = Tag::Normal;
                    self.raise_from(top, st);
                }
                Tag::Return => self.return_from(top, st),
                Tag::Break => self.jump_from(top, st, Tag::Break),
                Tag::Continue => self.jump_from(top, st, Tag::Continue),
            }
        }
        resumed
    }

    fn with_stmt(
        &mut self,
        items: &'m [crate::ir::WithItem],
        body: &'m [Stmt],
        range: Range,
        states: States,
    ) -> States {
        let mut suppress = false;
        let mut expects_raise = false;
        let states = self.each(states, |a, st| {
            for item in items {
                let val = a.eval(&item.context, st);
                if let ExprKind::Call(call) = &item.context.kind {
                    suppress |= tables::is_suppress(call);
                    expects_raise |= tables::expects_raise(call);
                }
                // `with x:` closes `x` on every exit of the block, exceptions included (not a sqlite3
                // connection: its `__exit__` only commits or rolls back).
                for id in val.resources() {
                    if st.is_open(id) && a.sites[(id & !SHADOW) as usize].with_closes {
                        st.set(id, MANAGED);
                    }
                }
                if let Some(target) = &item.target {
                    a.bind(target, val, st);
                }
            }
            a.sweep(st, range, None, false);
        });
        if !suppress && !expects_raise {
            return self.block(body, states);
        }
        // `with self.assertRaises(E):` and `pytest.raises` swallow the exception like `suppress`, and an
        // acquisition inside is the call expected to fail: it creates nothing.
        self.frames.push(Frame::Suppress { resumed: States::default(), held: self.loops });
        self.expecting_raise += u32::from(expects_raise);
        let mut out = self.block(body, states);
        self.expecting_raise -= u32::from(expects_raise);
        let Some(Frame::Suppress { resumed, .. }) = self.frames.pop() else {
            unreachable!("frames are pushed and popped in pairs");
        };
        out.extend(resumed);
        out
    }

    // -----------------------------------------------------------------------------------------------------
    // Conditions

    /// Evaluates a test and splits the paths into those where it holds and those where it does not.
    fn condition(&mut self, test: &'m Expr, states: States) -> (States, States) {
        let states = self.each(states, |a, st| {
            a.eval(test, st);
            // A temporary made by the test (`if open(p).read():`) is dropped before either branch runs.
            a.sweep(st, test.range, None, false);
        });
        let mut yes = States::default();
        let mut no = States::default();
        for st in states.0 {
            let (y, n) = self.split(test, st);
            y.into_iter().for_each(|s| yes.push(s));
            n.into_iter().for_each(|s| no.push(s));
        }
        (yes, no)
    }

    fn split(&self, test: &Expr, st: PathState) -> (Vec<PathState>, Vec<PathState>) {
        stack::guard(|| self.split_unguarded(test, st))
    }

    fn split_unguarded(&self, test: &Expr, st: PathState) -> (Vec<PathState>, Vec<PathState>) {
        match &test.kind {
            ExprKind::Not(inner) => {
                let (y, n) = self.split(inner, st);
                (n, y)
            }
            ExprKind::BoolOp { and, values } => {
                // `a and b` holds where every operand held; `a or b` fails where every operand failed. The
                // paths still undecided go on to the next operand.
                let mut undecided = vec![st];
                let mut decided = Vec::new();
                for value in values {
                    let mut next = Vec::new();
                    for s in undecided {
                        let (y, n) = self.split(value, s);
                        if *and {
                            next.extend(y);
                            decided.extend(n);
                        } else {
                            decided.extend(y);
                            next.extend(n);
                        }
                    }
                    undecided = next;
                }
                if *and {
                    (undecided, decided)
                } else {
                    (decided, undecided)
                }
            }
            ExprKind::Var(var) | ExprKind::Named { target: var, .. } => self.split_truth(*var, st),
            ExprKind::Compare { left, op, right } if self.polled_process(left, &st).is_some() => {
                // `proc.poll() is None` holds while the child runs; once it returned a code, it is reaped.
                let id = self.polled_process(left, &st).unwrap_or_default();
                let mut reaped = st.clone();
                reaped.set(id, CLOSED);
                match (op, &right.kind) {
                    (CmpOp::Is | CmpOp::Eq, ExprKind::None) => (vec![st], vec![reaped]),
                    (CmpOp::IsNot | CmpOp::NotEq, ExprKind::None) => (vec![reaped], vec![st]),
                    _ => (vec![st.clone()], vec![st]),
                }
            }
            ExprKind::Compare { left, op, right } => {
                let (var, other) = match (&left.kind, &right.kind) {
                    (ExprKind::Var(v), _) => (*v, &right.kind),
                    (_, ExprKind::Var(v)) => (*v, &left.kind),
                    _ => return (vec![st.clone()], vec![st]),
                };
                if !matches!(other, ExprKind::None) {
                    // A resource this scope just created is identical to nothing that existed before it.
                    let fresh =
                        st.var(var).is_resource() && !matches!(other, ExprKind::Var(o) if st.var(*o) == st.var(var));
                    return match op {
                        CmpOp::Is if fresh => (vec![], vec![st]),
                        CmpOp::IsNot if fresh => (vec![st], vec![]),
                        _ => (vec![st.clone()], vec![st]),
                    };
                }
                let (is_none, not_none) = self.split_none(var, st);
                match op {
                    CmpOp::Is | CmpOp::Eq => (is_none, not_none),
                    CmpOp::IsNot | CmpOp::NotEq => (not_none, is_none),
                    CmpOp::Other => {
                        let mut all = is_none;
                        all.extend(not_none);
                        (all.clone(), all)
                    }
                }
            }
            ExprKind::Attr(attr) if attr.attr == "closed" => {
                let ExprKind::Var(var) = attr.value.kind else {
                    return (vec![st.clone()], vec![st]);
                };
                let Val::Res(id) = *st.var(var) else {
                    return (vec![st.clone()], vec![st]);
                };
                let bits = st.bits(id);
                let mut yes = Vec::new();
                let mut no = Vec::new();
                if bits & !(OPEN | EXPOSED) != 0 {
                    yes.push(st.clone());
                }
                if bits & (OPEN | EXPOSED) != 0 {
                    no.push(st);
                }
                (yes, no)
            }
            ExprKind::Bool(b) => {
                if *b {
                    (vec![st], vec![])
                } else {
                    (vec![], vec![st])
                }
            }
            ExprKind::Int(i) => {
                if *i != 0 {
                    (vec![st], vec![])
                } else {
                    (vec![], vec![st])
                }
            }
            ExprKind::None => (vec![], vec![st]),
            _ => (vec![st.clone()], vec![st]),
        }
    }

    /// `proc.poll()` on a tracked, running subprocess: its site.
    fn polled_process(&self, expr: &Expr, st: &PathState) -> Option<SiteId> {
        let ExprKind::Call(call) = &expr.kind else { return None };
        let ExprKind::Attr(attr) = &call.func.kind else { return None };
        let ExprKind::Var(var) = attr.value.kind else { return None };
        let Val::Res(id) = *st.var(var) else { return None };
        (attr.attr == "poll" && self.sites[(id & !SHADOW) as usize].kind == Kind::Process && st.is_open(id))
            .then_some(id)
    }

    fn split_truth(&self, var: Var, st: PathState) -> (Vec<PathState>, Vec<PathState>) {
        match st.var(var) {
            Val::Res(_) | Val::Either(_) | Val::Truthy | Val::BoundClose(_) => (vec![st], vec![]),
            Val::Tuple(items) if !items.is_empty() => (vec![st], vec![]),
            Val::None | Val::Falsy => (vec![], vec![st]),
            Val::Unknown | Val::NotNone | Val::Fileno(_) | Val::Tuple(_) => {
                let mut yes = st.clone();
                let mut no = st;
                if matches!(yes.var(var), Val::Unknown | Val::NotNone) {
                    yes.set_var(var, Val::Truthy);
                    no.set_var(var, Val::Falsy);
                }
                (vec![yes], vec![no])
            }
        }
    }

    fn split_none(&self, var: Var, st: PathState) -> (Vec<PathState>, Vec<PathState>) {
        match st.var(var) {
            Val::None => (vec![st], vec![]),
            Val::Unknown => {
                let mut yes = st.clone();
                let mut no = st;
                yes.set_var(var, Val::None);
                no.set_var(var, Val::NotNone);
                (vec![yes], vec![no])
            }
            Val::Falsy => (vec![st.clone()], vec![st]),
            _ => (vec![], vec![st]),
        }
    }

    // -----------------------------------------------------------------------------------------------------
    // Expressions

    /// Evaluates without side effects on resources: names in an `except` clause and the like.
    fn eval_quiet(&mut self, expr: &'m Expr, st: &mut PathState) {
        let mut copy = st.clone();
        self.eval(expr, &mut copy);
    }

    fn eval(&mut self, expr: &'m Expr, st: &mut PathState) -> Val {
        stack::guard(|| self.eval_unguarded(expr, st))
    }

    fn eval_unguarded(&mut self, expr: &'m Expr, st: &mut PathState) -> Val {
        match &expr.kind {
            ExprKind::Var(var) => st.var(*var).clone(),
            ExprKind::Attr(attr) => match self.eval(&attr.value, st) {
                // `f.close`, `proc.wait`, `tmp.cleanup` as values: whoever gets them releases the resource.
                Val::Res(id) if self.sites[(id & !SHADOW) as usize].releasers.contains(&attr.attr.as_str()) => {
                    Val::BoundClose(id)
                }
                _ => Val::Unknown,
            },
            ExprKind::Call(call) => self.call(call, expr.range, st),
            ExprKind::Await(inner) => {
                // `await asyncio.open_connection()`: what an async acquirer makes is what the await yields.
                let val = self.eval(inner, st);
                for id in val.resources() {
                    if self.sites[(id & !SHADOW) as usize].kind == Kind::Coroutine && st.is_open(id) {
                        st.set(id, CLOSED);
                    }
                }
                self.raise(st, expr.range);
                if val.resources().iter().any(|&id| self.sites[(id & !SHADOW) as usize].kind == Kind::Coroutine) {
                    return Val::Unknown;
                }
                match val {
                    Val::Res(_) | Val::Tuple(_) => val,
                    _ => Val::Unknown,
                }
            }
            ExprKind::Yield(value) => {
                if let Some(value) = value {
                    let val = self.eval(value, st);
                    if !self.scope.lends_yields {
                        self.escape(&val, st);
                    }
                }
                // A suspended generator may be closed: `GeneratorExit` is raised at the `yield`.
                self.raise(st, expr.range);
                Val::Unknown
            }
            ExprKind::Tuple(items) => {
                let vals: Vec<Val> = items.iter().map(|e| self.eval(e, st)).collect();
                if vals.iter().any(|v| !matches!(v, Val::Unknown | Val::None | Val::Truthy | Val::Falsy | Val::NotNone))
                {
                    Val::Tuple(vals.into())
                } else if vals.is_empty() {
                    Val::Falsy
                } else {
                    Val::Truthy
                }
            }
            ExprKind::Container(items) => {
                for item in items {
                    let val = self.eval(item, st);
                    self.escape(&val, st);
                }
                Val::NotNone
            }
            ExprKind::Str(s) => {
                if s.is_empty() {
                    Val::Falsy
                } else {
                    Val::Truthy
                }
            }
            ExprKind::LongStr => Val::Truthy,
            ExprKind::None => Val::None,
            ExprKind::Bool(b) => {
                if *b {
                    Val::Truthy
                } else {
                    Val::Falsy
                }
            }
            ExprKind::Int(i) => {
                if *i != 0 {
                    Val::Truthy
                } else {
                    Val::Falsy
                }
            }
            ExprKind::Not(inner) => match self.eval(inner, st) {
                Val::Truthy | Val::Res(_) => Val::Falsy,
                Val::Falsy | Val::None => Val::Truthy,
                _ => Val::Unknown,
            },
            ExprKind::BoolOp { values, .. } => {
                let mut result = Val::Unknown;
                for value in values {
                    let val = self.eval(value, st);
                    if matches!(val, Val::Res(_)) || matches!(result, Val::Unknown) {
                        result = val;
                    }
                }
                result
            }
            ExprKind::Compare { left, right, .. } => {
                self.eval(left, st);
                self.eval(right, st);
                Val::Unknown
            }
            ExprKind::IfExp(parts) => {
                let [test, body, orelse] = &**parts;
                // Only one branch runs; the value may be either branch's resource.
                self.eval(test, st);
                let a = self.eval(body, st);
                let b = self.eval(orelse, st);
                let mut ids = a.resources();
                ids.extend(b.resources());
                match ids.len() {
                    0 => a,
                    1 if a.is_resource() => a,
                    1 => b,
                    _ => Val::Either(ids.as_slice().into()),
                }
            }
            ExprKind::Named { target, value } => {
                let val = self.eval(value, st);
                self.bind_var(*target, val.clone(), st);
                val
            }
            ExprKind::Subscript { value, index } => {
                let val = self.eval(value, st);
                self.eval(index, st);
                match (&val, &index.kind) {
                    (Val::Tuple(items), ExprKind::Int(i)) => {
                        let i = if *i < 0 { items.len() as i64 + *i } else { *i };
                        usize::try_from(i).ok().and_then(|i| items.get(i)).cloned().unwrap_or(Val::Unknown)
                    }
                    _ => Val::Unknown,
                }
            }
            ExprKind::Comprehension(comprehension) => {
                let Comprehension { generators, elements } = &**comprehension;
                for generator in generators {
                    let val = self.eval(&generator.iter, st);
                    self.raise(st, generator.iter.range);
                    // The iterable lives while the comprehension runs; a temporary one is dropped after it.
                    st.held.push(val);
                    self.bind(&generator.target, Val::Unknown, st);
                    for cond in &generator.ifs {
                        self.eval(cond, st);
                    }
                }
                for element in elements {
                    let val = self.eval(element, st);
                    self.escape(&val, st);
                }
                for _ in generators {
                    st.held.pop();
                }
                Val::NotNone
            }
            ExprKind::Lambda(scope) => self.capture(*scope, st),
            ExprKind::Starred(inner) => self.eval(inner, st),
            ExprKind::Other(children) => {
                for child in children {
                    self.eval(child, st);
                }
                Val::Unknown
            }
        }
    }

    fn call(&mut self, call: &'m Call, range: Range, st: &mut PathState) -> Val {
        let receiver = match &call.func.kind {
            ExprKind::Attr(attr) => Some((self.eval(&attr.value, st), attr.attr.as_str())),
            _ => {
                // Calling a local closure runs code that may close or await what it captured.
                let func = self.eval(&call.func, st);
                if matches!(func, Val::Tuple(_)) {
                    self.escape(&func, st);
                }
                None
            }
        };
        let args: SmallVec<[Val; 4]> = call.args.iter().map(|a| self.eval(a, st)).collect();
        let kwargs: SmallVec<[Val; 2]> = call.keywords.iter().map(|k| self.eval(&k.value, st)).collect();

        if let Some((Val::Res(id), method)) = &receiver {
            return self.resource_method(*id, method, &args, &kwargs, range, st);
        }
        if let Some((Val::Either(ids), method)) = &receiver {
            if *method == "close" || self.file.api.releases_receiver(method) {
                for &id in ids.iter() {
                    if st.is_open(id) {
                        st.set(id, CLOSED);
                    }
                }
            } else {
                self.raise(st, range);
            }
            return Val::Unknown;
        }
        if let Some(acquirer) = self.file.api.acquirer(call) {
            return self.acquire(&acquirer, call, &args, &kwargs, range, st);
        }
        if tables::is_fd_close(call) {
            // Like `f.close()`, `os.close` releases the number even when it reports an error: no exception edge.
            if let Some(fd) = args.first() {
                self.close_fd(fd, range, st);
            }
            return Val::Unknown;
        }
        if self.file.api.releases_argument(call) {
            // A configured releaser, like a `close()`: no exception edge.
            if let Some(val) = args.first() {
                for id in val.resources() {
                    if st.is_open(id) {
                        st.set(id, CLOSED);
                    }
                }
            }
            return Val::Unknown;
        }
        match tables::termination(call) {
            Some(tables::Termination::Process) => {
                // `os._exit()`, `os.abort()`, `os.execv()`: the process ends here and the OS closes everything.
                st.dead = true;
                return Val::Unknown;
            }
            Some(tables::Termination::Raise) => {
                self.raise(st, range);
                st.dead = true;
                return Val::Unknown;
            }
            None => {}
        }
        if self.file.api.is_borrower(call) {
            if !tables::cannot_raise(call) {
                self.raise(st, range);
            }
            return Val::Unknown;
        }
        if tables::passes_through(call) {
            // `await asyncio.wait_for(open_connection(...), t)`: the awaitable's result is the call's.
            self.raise(st, range);
            return args.first().cloned().unwrap_or(Val::Unknown);
        }
        if let Some(callee) = call.path.as_deref().and_then(|path| self.file.resolve_path(self.scope_id, path)) {
            return self.project_call(callee, call, &args, &kwargs, range, st);
        }
        if let Some(export) = call.path.as_deref().and_then(|path| self.file.external(path)) {
            return self.external_call(export, &args, &kwargs, range, st);
        }
        if let Some((_, method)) = &receiver {
            if let ExprKind::Attr(attr) = &call.func.kind {
                // `self.socks.append(sock)`: kept in a container on `self`.
                if let (ExprKind::Attr(held), true) = (
                    &attr.value.kind,
                    matches!(attr.attr.as_str(), "append" | "add" | "insert" | "extend" | "appendleft" | "setdefault"),
                ) {
                    let (object, held) = (&held.value, held.attr.as_str());
                    if let ExprKind::Var(var) = object.kind {
                        for val in args.iter().chain(&kwargs) {
                            self.note_stored_on_self(var, held, val, st);
                        }
                    }
                }
            }
            if matches!(*method, "accept" | "dup") && receiver_looks_like_socket(call, self.scope) {
                // `conn, addr = listener.accept()`, `copy = sock.dup()` on a socket this scope did not create.
                self.raise(st, range);
                let shape = if *method == "accept" { Shape::FdAndPath } else { Shape::One };
                return self.make(shape, Kind::Socket, true, range, st);
            }
            if let Some(kind) = tables::constructor_method(method) {
                // `ctx.Pool(2)` on a multiprocessing context.
                for val in args.iter().chain(&kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                return self.make(Shape::One, kind, true, range, st);
            }
            if let Some(kind) = tables::wrapping_method(method) {
                // `ctx.wrap_socket(sock)`: the new socket owns `sock` from the call on.
                for val in args.iter().chain(&kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                return self.make(Shape::One, kind, true, range, st);
            }
            if tables::is_releasing_method(method) {
                // `stack.enter_context(f)` returns `f`, now closed by the stack.
                for val in args.iter().chain(&kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                return match args.first() {
                    Some(Val::Res(id)) => Val::Res(*id),
                    _ => Val::Unknown,
                };
            }
        }
        // An unknown callee is assumed to take what it is given.
        for val in args.iter().chain(&kwargs) {
            self.escape(val, st);
        }
        self.raise(st, range);
        Val::Unknown
    }

    /// A call to a function or class of this file, through its summary.
    fn project_call(
        &mut self,
        callee: Callee,
        call: &Call,
        args: &[Val],
        kwargs: &[Val],
        range: Range,
        st: &mut PathState,
    ) -> Val {
        let (function, bound) = match callee {
            Callee::Class(class) => {
                // Constructing an owner class acquires what it owns; its arguments are taken as kept.
                for val in args.iter().chain(kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                return match self.file.owner_kind(class) {
                    Some(kind) => self.make(Shape::One, kind, true, range, st),
                    None => Val::Unknown,
                };
            }
            Callee::Function { scope, bound } => (scope, bound),
        };
        let callee_scope = &self.module.scopes[function as usize];
        let passes_resource =
            args.iter().chain(kwargs).any(|v| !v.resources().is_empty() || matches!(v, Val::Tuple(_)));
        let summary = if passes_resource || self.file.may_open(function) {
            let file = self.file;
            file.summary(function, || Analysis::new(file, function, true).summarise())
        } else {
            Summary { returns: None, params: Vec::new(), is_async: crate::summary::makes_coroutine(callee_scope) }
        };
        let offset = usize::from(bound);
        let effect_of = |index: usize| summary.params.get(index).copied().unwrap_or(ParamEffect::Keeps);
        let mut effects: SmallVec<[(Val, ParamEffect); 4]> = SmallVec::new();
        for (i, val) in args.iter().enumerate() {
            effects.push((val.clone(), effect_of(i + offset)));
        }
        for (keyword, val) in call.keywords.iter().zip(kwargs) {
            let index = keyword
                .name
                .as_deref()
                .and_then(|name| callee_scope.params.iter().position(|&p| callee_scope.var_name(p) == name));
            effects.push((val.clone(), index.map_or(ParamEffect::Keeps, effect_of)));
        }
        for (val, effect) in &effects {
            self.apply_effect(val, *effect, st);
        }
        self.raise(st, range);
        if summary.is_async {
            return self.make(Shape::One, Kind::Coroutine, false, range, st);
        }
        match summary.returns {
            Some((kind, with_closes)) => self.make(Shape::One, kind, with_closes, range, st),
            None => Val::Unknown,
        }
    }

    /// A call into another module of the run, through its export. Keyword arguments are taken as kept: the
    /// export has no parameter names.
    fn external_call(
        &mut self,
        export: &Export,
        args: &[Val],
        kwargs: &[Val],
        range: Range,
        st: &mut PathState,
    ) -> Val {
        let effect_of =
            |i: usize| export.summary.as_ref().and_then(|s| s.params.get(i).copied()).unwrap_or(ParamEffect::Keeps);
        for (i, val) in args.iter().enumerate() {
            self.apply_effect(val, effect_of(i), st);
        }
        for val in kwargs {
            self.escape(val, st);
        }
        self.raise(st, range);
        if let Some(kind) = export.owner {
            return self.make(Shape::One, kind, true, range, st);
        }
        if export.coroutine {
            return self.make(Shape::One, Kind::Coroutine, false, range, st);
        }
        match export.summary.as_ref().and_then(|s| s.returns) {
            Some((kind, with_closes)) => self.make(Shape::One, kind, with_closes, range, st),
            None => Val::Unknown,
        }
    }

    fn apply_effect(&mut self, val: &Val, effect: ParamEffect, st: &mut PathState) {
        match effect {
            // A function that calls methods on a coroutine (`coro.send(None)`) drives it: that is a use.
            ParamEffect::Borrows => {
                for id in val.resources() {
                    if self.sites[(id & !SHADOW) as usize].kind == Kind::Coroutine && st.is_open(id) {
                        st.set(id, GONE);
                    }
                }
            }
            ParamEffect::Keeps => self.escape(val, st),
            ParamEffect::Closes => {
                for id in val.resources() {
                    if st.is_open(id) {
                        st.set(id, CLOSED);
                    }
                }
            }
        }
    }

    fn resource_method(
        &mut self,
        id: SiteId,
        method: &str,
        args: &[Val],
        kwargs: &[Val],
        range: Range,
        st: &mut PathState,
    ) -> Val {
        let kind = self.sites[(id & !SHADOW) as usize].kind;
        // `coro.send(None)`, `coro.throw(...)`, `coro.__await__()`: whoever drives a coroutine uses it.
        let drives_coroutine = kind == Kind::Coroutine;
        if drives_coroutine
            || self.sites[(id & !SHADOW) as usize].releasers.contains(&method)
            || self.file.api.releases_receiver(method)
        {
            // A release is not an exception edge: `close()` releases the descriptor even when its final
            // flush fails, and `wait()` reaps the child before a timeout could matter.
            if st.is_open(id) {
                st.set(id, CLOSED);
            }
            return Val::Unknown;
        }
        if let Some((new_kind, shape)) = tables::method_acquirer(kind, method) {
            // `detach()` hands the descriptor out even if what follows fails.
            if method == "detach" {
                st.set(id, GONE);
            }
            self.raise(st, range);
            return self.make(shape, new_kind, new_kind != Kind::Fd, range, st);
        }
        match method {
            // `fileno()` of an open file cannot fail.
            "fileno" => Val::Fileno(id),
            "detach" => {
                st.set(id, GONE);
                self.raise(st, range);
                Val::Unknown
            }
            "__enter__" => {
                self.raise(st, range);
                Val::Res(id)
            }
            _ => {
                for val in args.iter().chain(kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                Val::Unknown
            }
        }
    }

    fn acquire(
        &mut self,
        acquirer: &tables::Acquirer,
        call: &Call,
        args: &[Val],
        kwargs: &[Val],
        range: Range,
        st: &mut PathState,
    ) -> Val {
        let first = args.first().cloned().or_else(|| {
            ["file", "fd", "fileobj", "buffer", "raw"]
                .iter()
                .find_map(|name| call.keywords.iter().position(|k| k.name.as_deref() == Some(name)))
                .map(|i| kwargs[i].clone())
        });
        let first_res = match first {
            Some(Val::Res(id)) => Some(id),
            _ => None,
        };
        let wraps_tracked_file = first_res.is_some_and(|id| self.sites[(id & !SHADOW) as usize].kind == Kind::File);
        let given_file_object =
            wraps_tracked_file || call.keyword("fileobj").is_some() || looks_like_file_object(call, self.scope);
        match acquirer.policy {
            ArgPolicy::BorrowsFile if given_file_object => {
                self.raise(st, range);
                return Val::Unknown;
            }
            // `io.TextIOWrapper(io.BytesIO())` holds no descriptor: only a wrapper of a tracked file is one.
            ArgPolicy::WrapsFile if !wraps_tracked_file => {
                for val in args.iter().chain(kwargs) {
                    self.escape(val, st);
                }
                self.raise(st, range);
                return Val::Unknown;
            }
            _ => {}
        }
        // Resource arguments other than the one the policy is about are handed over, even when the call fails:
        // a plain acquirer (`SelectorEventLoop(selector)`) takes over what it is given.
        for val in args.iter().chain(kwargs) {
            if acquirer.policy == ArgPolicy::Plain || !matches!(val, Val::Res(id) if Some(*id) == first_res) {
                self.escape(val, st);
            }
        }
        // A wrapper is handed its file even when its constructor fails (like an unknown callee); a raw fd
        // stays the caller's until `os.fdopen` succeeds, which is what the usual
        // `except: os.close(fd); raise` relies on.
        if acquirer.policy == ArgPolicy::WrapsFile {
            if let Some(id) = first_res {
                st.set(id, GONE);
            }
        }
        self.raise(st, range);
        if self.expecting_raise > 0 {
            return Val::Unknown;
        }
        if let Some(id) = first_res {
            let kind = self.sites[(id & !SHADOW) as usize].kind;
            match acquirer.policy {
                ArgPolicy::OwnsFd if kind == Kind::Fd => {
                    let borrowed = matches!(call.keyword("closefd").map(|e| &e.kind), Some(ExprKind::Bool(false)));
                    if !borrowed && st.is_open(id) {
                        st.set(id, OWNED);
                        self.owner_call.entry(id & !SHADOW).or_insert(range);
                    }
                }
                ArgPolicy::WrapsFile if kind == Kind::File && st.is_open(id) => st.set(id, GONE),
                _ => {}
            }
        }
        let val = self.make(acquirer.shape, acquirer.kind, acquirer.with_closes, range, st);
        if let Some(releasers) = tables::releasers_of(acquirer.path) {
            val.for_each_res(&mut |id| self.sites[(id & !SHADOW) as usize].releasers = releasers);
        }
        if let (Some(fd), ArgPolicy::OwnsFd, Val::Res(id)) = (first_res, acquirer.policy, &val) {
            self.owned_by.entry(fd & !SHADOW).or_insert(*id);
        }
        val
    }

    /// The value an acquisition returns: one new resource, or a tuple holding them.
    fn make(&mut self, shape: Shape, kind: Kind, with_closes: bool, range: Range, st: &mut PathState) -> Val {
        match shape {
            Shape::One => Val::Res(self.open(range, 0, kind, with_closes, st)),
            Shape::Pair => {
                let a = self.open(range, 0, kind, with_closes, st);
                let b = self.open(range, 1, kind, with_closes, st);
                Val::Tuple(Rc::from([Val::Res(a), Val::Res(b)]))
            }
            Shape::FdAndPath => {
                let a = self.open(range, 0, kind, with_closes, st);
                Val::Tuple(Rc::from([Val::Res(a), Val::Truthy]))
            }
            Shape::ReaderWriter => {
                let writer = self.open(range, 1, kind, with_closes, st);
                Val::Tuple(Rc::from([Val::NotNone, Val::Res(writer)]))
            }
        }
    }

    /// A new instance of a site. If the previous instance is still open on this path (a loop came round), it
    /// keeps living under the shadow id so that dropping it is still seen.
    fn open(&mut self, call: Range, component: u8, kind: Kind, with_closes: bool, st: &mut PathState) -> SiteId {
        let next = self.sites.len() as SiteId;
        let id = *self.site_index.entry((call.start, component)).or_insert(next);
        if id == next {
            self.sites.push(Site { call, kind, with_closes, releasers: kind.releasers(), name: None });
        }
        if st.is_open(id) {
            let shadow = id | SHADOW;
            let bits = st.bits(id);
            st.set(shadow, bits);
            if let Some(at) = st.exposed_at(id) {
                st.exposed_at.retain(|(site, _)| *site != shadow);
                st.exposed_at.push((shadow, at));
            }
            let vars: Vec<Val> = st.vars.iter().map(|v| rename(v, id, shadow)).collect();
            st.vars = Vars::new(vars);
            let held: SmallVec<[Val; 2]> = st.held.iter().map(|v| rename(v, id, shadow)).collect();
            st.held = held;
        }
        st.set(id, OPEN);
        st.exposed_at.retain(|(site, _)| *site != id);
        id
    }

    fn close_fd(&mut self, fd: &Val, call: Range, st: &mut PathState) {
        match fd {
            Val::Res(id) => {
                let site = id & !SHADOW;
                if self.sites[site as usize].kind != Kind::Fd {
                    return;
                }
                let bits = st.bits(*id);
                if bits & OWNED != 0 {
                    if let Some(owner) = self.owned_by.get(&site) {
                        self.superseded.push(*owner);
                    }
                    self.misuses.push(FdMisuse::ClosedAfterHandOver {
                        call,
                        fd: site,
                        owner_call: self.owner_call.get(&site).copied(),
                    });
                } else if bits & CLOSED != 0 && bits & (OPEN | EXPOSED) == 0 {
                    self.misuses.push(FdMisuse::DoubleClose {
                        call,
                        fd: site,
                        first: self.first_close.get(&site).copied(),
                    });
                }
                if bits & (OPEN | EXPOSED) != 0 {
                    self.first_close.entry(site).or_insert(call);
                }
                st.set(*id, CLOSED);
            }
            Val::Fileno(id) if st.is_open(*id) || st.bits(*id) & MANAGED != 0 => {
                self.misuses.push(FdMisuse::ClosedBehindOwner { call, owner: id & !SHADOW });
                self.superseded.push(id & !SHADOW);
                st.set(*id, GONE);
            }
            Val::Fileno(id) if st.bits(*id) == CLOSED => {
                self.misuses.push(FdMisuse::ClosedAfterOwnerClosed { call, owner: id & !SHADOW });
            }
            _ => {}
        }
    }

    /// The value leaves this scope's responsibility: returned, stored, or given to a new owner.
    fn escape(&mut self, val: &Val, st: &mut PathState) {
        val.for_each_res(&mut |id| {
            if st.is_open(id) {
                st.set(id, GONE);
            }
        });
    }

    fn bind(&mut self, target: &'m Target, val: Val, st: &mut PathState) {
        match target {
            Target::Var(var) => self.bind_var(*var, val, st),
            Target::Unpack(targets) => {
                let items: Option<Rc<[Val]>> = match &val {
                    Val::Tuple(items) if items.len() == targets.len() => Some(items.clone()),
                    _ => None,
                };
                for (i, t) in targets.iter().enumerate() {
                    let item = items.as_ref().map_or(Val::Unknown, |items| items[i].clone());
                    self.bind(t, item, st);
                }
                if items.is_none() {
                    self.escape(&val, st);
                }
            }
            Target::Starred(inner) => {
                self.escape(&val, st);
                self.bind(inner, Val::NotNone, st);
            }
            Target::Attr(attr) => {
                self.eval(&attr.value, st);
                if let ExprKind::Var(var) = attr.value.kind {
                    self.note_stored_on_self(var, &attr.attr, &val, st);
                }
                self.escape(&val, st);
            }
            Target::Store(exprs) => {
                for e in exprs {
                    self.eval(e, st);
                }
                self.escape(&val, st);
            }
        }
    }

    /// `self.f = <resource>` in a method: the class must release `self.f` somewhere (PDC103).
    fn note_stored_on_self(&mut self, var: Var, attr: &str, val: &Val, st: &PathState) {
        if self.summary_mode || self.scope.params.first() != Some(&var) {
            return;
        }
        let Some(class) = self.scope.parent.filter(|&p| self.module.scopes[p as usize].kind == ScopeKind::Class) else {
            return;
        };
        for id in val.resources() {
            let kind = self.sites[(id & !SHADOW) as usize].kind;
            if matches!(kind, Kind::Param | Kind::Coroutine) || !st.is_open(id) {
                continue;
            }
            let releasers = self.sites[(id & !SHADOW) as usize].releasers;
            let site = id & !SHADOW;
            if !self.file.releases(class, attr, releasers) && !self.unreleased_attrs.iter().any(|u| u.site == site) {
                let released_by = self.file.releasing_method(class, attr, releasers).map(Into::into);
                self.unreleased_attrs.push(UnreleasedAttr { site, attr: attr.into(), released_by });
            }
        }
    }

    fn bind_var(&mut self, var: Var, val: Val, st: &mut PathState) {
        if let Val::Res(id) = val {
            let site = &mut self.sites[(id & !SHADOW) as usize];
            site.name.get_or_insert(var);
        }
        if self.scope.escaping_vars.contains(&var) {
            self.escape(&val, st);
        }
        st.set_var(var, val);
    }

    fn capture(&mut self, nested: u32, st: &PathState) -> Val {
        let Some(scope) = self.module.scopes.get(nested as usize) else {
            return Val::Truthy;
        };
        if self.scope.kind == ScopeKind::Class && scope.kind == ScopeKind::Function {
            return Val::Truthy;
        }
        let captured: Vec<Val> = scope
            .free_names
            .iter()
            .filter_map(|name| self.scope.lookup(name))
            .map(|var| st.var(var).clone())
            .filter(|val| !val.resources().is_empty() || matches!(val, Val::Tuple(_) | Val::BoundClose(_)))
            .collect();
        if captured.is_empty() {
            Val::Truthy
        } else {
            Val::Tuple(captured.into())
        }
    }

    /// At the end of a statement: an open resource that nothing refers to any more has leaked here.
    fn sweep(&mut self, st: &mut PathState, at: Range, var: Option<Var>, deleted: bool) {
        let mut dropped: SmallVec<[(SiteId, Bits); 2]> = SmallVec::new();
        for &(site, bits) in &st.res {
            if bits & (OPEN | EXPOSED) != 0 && !st.referenced(site) {
                dropped.push((site, bits));
            }
        }
        for (site, bits) in dropped {
            let bound = self.sites[(site & !SHADOW) as usize].name;
            let var = if bound.is_some() && (bound == var || site & SHADOW != 0) { bound } else { None };
            self.leak(site, bits, Exit::Dropped { at, var, deleted }, st.exposed_at(site));
            st.set(site, GONE);
        }
    }
}

/// `sock.accept()`, `self.server_socket.accept()`: a receiver named like a listening socket.
fn receiver_looks_like_socket(call: &Call, scope: &Scope) -> bool {
    let name = match &call.func.kind {
        ExprKind::Attr(attr) => match &attr.value.kind {
            ExprKind::Var(var) => scope.var_name(*var).to_ascii_lowercase(),
            ExprKind::Attr(inner) => inner.attr.as_str().to_ascii_lowercase(),
            _ => return false,
        },
        _ => return false,
    };
    name.contains("sock") || name.contains("server") || name.contains("listen")
}

/// `gzip.open(f)`, `wave.open(fp)`: these APIs take a path or a file object, and a file object passed in
/// stays the caller's. An untracked argument is taken for a file object when its name says so.
fn looks_like_file_object(call: &Call, scope: &Scope) -> bool {
    let Some(ExprKind::Var(var)) = call.args.first().map(|a| &a.kind) else {
        return false;
    };
    let name = scope.var_name(*var).trim_start_matches('_').to_ascii_lowercase();
    matches!(
        name.as_str(),
        "f" | "fp"
            | "fh"
            | "fo"
            | "fd"
            | "fobj"
            | "fileobj"
            | "file"
            | "fileobject"
            | "stream"
            | "buf"
            | "buffer"
            | "raw"
            | "fin"
            | "fout"
            | "infile"
            | "outfile"
            | "src"
            | "dst"
            | "sock"
            | "obj"
            | "data"
    ) || name.ends_with("_file")
        || name.ends_with("_fp")
        || name.ends_with("fileobj")
        || name.ends_with("_stream")
}

fn rename(val: &Val, from: SiteId, to: SiteId) -> Val {
    match val {
        Val::Res(id) if *id == from => Val::Res(to),
        Val::BoundClose(id) if *id == from => Val::BoundClose(to),
        Val::Fileno(id) if *id == from => Val::Fileno(to),
        Val::Tuple(items) => Val::Tuple(items.iter().map(|v| rename(v, from, to)).collect()),
        other => other.clone(),
    }
}

fn exit_start(exit: &Exit) -> u32 {
    match exit {
        Exit::Return(Some(r)) | Exit::Exception(r) => r.start,
        Exit::Dropped { at, .. } => at.start,
        Exit::Return(None) => u32::MAX,
    }
}

/// Adds to `target` the path of an exception raised at `at` from `current`, whose resources with the exposure
/// marked are `res` and which holds the first `held` of `current`'s held values there (the frame's), unless
/// `target` already holds it; returns the locals of the path found, when they sit in another allocation.
fn raised_into(
    target: &mut States,
    current: &PathState,
    res: &[(SiteId, Bits)],
    tag: Tag,
    held: usize,
    at: Range,
) -> Option<Vars> {
    let held = held.min(current.held.len());
    if let Some(existing) = target.find(&current.vars, tag, res, &current.held[..held]) {
        return existing.shared_with(&current.vars);
    }
    let mut state = current.clone();
    state.held.truncate(held);
    for &(site, bits) in &current.res {
        if bits & (OPEN | EXPOSED) != 0 && state.exposed_at(site).is_none() {
            state.exposed_at.push((site, at));
        }
    }
    state.res = SmallVec::from_slice(res);
    state.tag = tag;
    state.origin = Some(at);
    target.push_new(state);
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The messages of a file's findings.
    fn messages(source: &str) -> Vec<String> {
        let report = crate::check_bytes(Path::new("t.py"), source.as_bytes());
        report.diagnostics.into_iter().map(|diagnostic| diagnostic.message).collect()
    }

    /// An exception that leaves a `for` loop leaves its iterable behind: the path that reaches the `finally`
    /// must be the one that arrives there from other raising calls too, so that the exit named is the call
    /// in the `finally` that skips the `close`, not an earlier edge of a path that kept the iterable.
    #[test]
    fn an_exception_out_of_a_loop_drops_the_iterable() {
        let source = "\
import os


def save(path, content):
    fd = os.open(path, os.O_WRONLY)
    f = None
    try:
        for chunk in content.chunks():
            if f is None:
                f = os.fdopen(fd, \"wb\")
            f.write(chunk)
    finally:
        os.unlink(path)
        if f is not None:
            f.close()
        else:
            os.close(fd)
";
        assert_eq!(messages(source), ["an exception raised by `os.unlink(path)` at line 13 leaves file `f` open"],);
    }
}
