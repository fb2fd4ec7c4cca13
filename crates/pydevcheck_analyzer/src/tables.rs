//! What the standard library's APIs do with resources: one place to add an API.
//!
//! Callees are matched by their dotted path as resolved through the file's imports (`os.fdopen`,
//! `pathlib.Path().open`). The dataflow asks these tables three questions about a call: does it create a
//! resource (an *acquirer*, with the kind and shape of what it returns and what it does with its argument),
//! does it only look at its arguments (a *borrower*), or does it release one (`os.close`)? Any other callee
//! that receives a resource is assumed to take ownership of it: precision first.

use crate::ir::Call;

/// What must be done to a resource to release it; each kind has its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A file-like object: released by `.close()` or `with`.
    File,
    /// A raw file descriptor (an `int`): released by `os.close(fd)` or by handing it to an owner.
    Fd,
    /// A socket or a client holding one (`urlopen`, `HTTPConnection`, `SMTP`, a selector).
    Socket,
    /// A `subprocess.Popen`: released by `wait()`/`communicate()` or `with`.
    Process,
    /// `tempfile.TemporaryDirectory`: released by `cleanup()` or `with`.
    TempDir,
    /// `tempfile.NamedTemporaryFile` and friends: released by `close()` or `with`.
    TempFile,
    /// `multiprocessing.Pool`: released by `close()`/`terminate()` or `with`.
    Pool,
    /// An asyncio event loop made by `new_event_loop()`: released by `close()`.
    Loop,
    /// An asyncio `StreamWriter` or server: released by `close()` (or `async with` for a server).
    Stream,
    /// The coroutine of a call to a project `async def`: released by awaiting or scheduling it.
    Coroutine,
    /// A parameter, while a function's summary is computed: whatever the caller passes.
    Param,
}

impl Kind {
    /// Methods that release a resource of this kind.
    pub(crate) fn releasers(self) -> &'static [&'static str] {
        match self {
            Kind::File | Kind::TempFile | Kind::Loop | Kind::Stream => &["close"],
            Kind::Fd => &[],
            // `quit()` of smtplib/ftplib/poplib closes the connection too; `logout()` of imaplib shuts it down.
            Kind::Socket => &["close", "quit", "logout"],
            Kind::Process => &["wait", "communicate"],
            Kind::TempDir => &["cleanup"],
            Kind::Pool => &["close", "terminate"],
            // `coro.close()` finalises a coroutine that will never run.
            Kind::Coroutine => &["close"],
            Kind::Param => &["close", "quit", "logout", "wait", "communicate", "cleanup", "terminate"],
        }
    }

    /// "is not closed", "is never waited for": what a leak of this kind failed to do.
    pub(crate) fn unreleased(self) -> &'static str {
        match self {
            Kind::Process => "is never waited for",
            Kind::TempDir | Kind::TempFile => "is not cleaned up",
            Kind::Coroutine => "is never awaited",
            _ => "is not closed",
        }
    }

    /// "open", "running": the state a leak leaves it in.
    pub(crate) fn unreleased_state(self) -> &'static str {
        match self {
            Kind::Process | Kind::Pool => "running",
            _ => "open",
        }
    }

    /// What the kind is called in messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Fd => "file descriptor",
            Kind::Socket => "socket",
            Kind::Process => "subprocess",
            Kind::TempDir => "temporary directory",
            Kind::TempFile => "temporary file",
            Kind::Pool => "pool",
            Kind::Loop => "event loop",
            Kind::Stream => "stream",
            Kind::Coroutine => "coroutine",
            Kind::Param => "argument",
        }
    }
}

/// The shape of an acquirer's return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    One,
    /// `os.pipe()`, `os.openpty()`: a tuple of two resources.
    Pair,
    /// `tempfile.mkstemp()`: `(fd, path)`.
    FdAndPath,
    /// `asyncio.open_connection()`: `(reader, writer)`, the writer holding the obligation.
    ReaderWriter,
}

/// What an acquirer does with a resource passed as its first argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgPolicy {
    /// Nothing to do with resources.
    Plain,
    /// `open(fd)`, `os.fdopen(fd)`: a raw fd argument is owned by the new file unless `closefd=False`.
    OwnsFd,
    /// `gzip.open(fileobj)`, `zipfile.ZipFile(fileobj)`: given an open file, the result wraps it without
    /// owning it, and closing the wrapper leaves the file open; so the result is no new obligation.
    BorrowsFile,
    /// `io.TextIOWrapper(raw)`: the wrapper owns the raw file and closes it; one obligation moves to it.
    WrapsFile,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Acquirer {
    pub(crate) path: &'static str,
    pub(crate) kind: Kind,
    pub(crate) shape: Shape,
    pub(crate) policy: ArgPolicy,
    /// Whether `with acquire() as x:` releases it (a sqlite3 connection's does not).
    pub(crate) with_closes: bool,
}

const fn file(path: &'static str, policy: ArgPolicy) -> Acquirer {
    Acquirer { path, kind: Kind::File, shape: Shape::One, policy, with_closes: true }
}

const fn fd(path: &'static str, shape: Shape) -> Acquirer {
    Acquirer { path, kind: Kind::Fd, shape, policy: ArgPolicy::Plain, with_closes: false }
}

const fn other(path: &'static str, kind: Kind) -> Acquirer {
    Acquirer { path, kind, shape: Shape::One, policy: ArgPolicy::Plain, with_closes: true }
}

use ArgPolicy::{BorrowsFile, OwnsFd, Plain, WrapsFile};

static ACQUIRERS: &[Acquirer] = &[
    file("open", OwnsFd),
    file("io.open", OwnsFd),
    file("builtins.open", OwnsFd),
    file("io.FileIO", OwnsFd),
    file("os.fdopen", OwnsFd),
    file("codecs.open", Plain),
    file("tokenize.open", Plain),
    file("gzip.open", BorrowsFile),
    file("gzip.GzipFile", BorrowsFile),
    file("bz2.open", BorrowsFile),
    file("bz2.BZ2File", BorrowsFile),
    file("lzma.open", BorrowsFile),
    file("lzma.LZMAFile", BorrowsFile),
    file("zipfile.ZipFile", BorrowsFile),
    file("zipfile.PyZipFile", BorrowsFile),
    file("tarfile.open", BorrowsFile),
    file("tarfile.TarFile", BorrowsFile),
    file("tarfile.TarFile.open", BorrowsFile),
    file("shelve.open", Plain),
    file("dbm.open", Plain),
    file("dbm.gnu.open", Plain),
    file("dbm.ndbm.open", Plain),
    file("dbm.dumb.open", Plain),
    file("mmap.mmap", Plain),
    file("wave.open", BorrowsFile),
    file("fileinput.input", Plain),
    file("fileinput.FileInput", Plain),
    Acquirer { path: "sqlite3.connect", kind: Kind::File, shape: Shape::One, policy: Plain, with_closes: false },
    file("io.TextIOWrapper", WrapsFile),
    file("io.BufferedReader", WrapsFile),
    file("io.BufferedWriter", WrapsFile),
    file("io.BufferedRandom", WrapsFile),
    file("pathlib.Path().open", Plain),
    file("pathlib.PosixPath().open", Plain),
    file("pathlib.WindowsPath().open", Plain),
    fd("os.open", Shape::One),
    fd("os.dup", Shape::One),
    fd("os.memfd_create", Shape::One),
    fd("os.eventfd", Shape::One),
    fd("os.posix_openpt", Shape::One),
    fd("os.pipe", Shape::Pair),
    fd("os.pipe2", Shape::Pair),
    fd("os.openpty", Shape::Pair),
    fd("pty.openpty", Shape::Pair),
    fd("tempfile.mkstemp", Shape::FdAndPath),
    other("socket.socket", Kind::Socket),
    other("socket.create_connection", Kind::Socket),
    other("socket.create_server", Kind::Socket),
    other("socket.fromfd", Kind::Socket),
    Acquirer { path: "socket.socketpair", kind: Kind::Socket, shape: Shape::Pair, policy: Plain, with_closes: true },
    Acquirer { path: "ssl.wrap_socket", kind: Kind::Socket, shape: Shape::One, policy: WrapsFile, with_closes: true },
    other("urllib.request.urlopen", Kind::Socket),
    other("http.client.HTTPConnection", Kind::Socket),
    other("http.client.HTTPSConnection", Kind::Socket),
    other("selectors.DefaultSelector", Kind::Socket),
    other("selectors.SelectSelector", Kind::Socket),
    other("selectors.PollSelector", Kind::Socket),
    other("selectors.EpollSelector", Kind::Socket),
    other("selectors.KqueueSelector", Kind::Socket),
    other("selectors.DevpollSelector", Kind::Socket),
    other("smtplib.SMTP", Kind::Socket),
    other("smtplib.SMTP_SSL", Kind::Socket),
    other("smtplib.LMTP", Kind::Socket),
    other("ftplib.FTP", Kind::Socket),
    other("ftplib.FTP_TLS", Kind::Socket),
    other("poplib.POP3", Kind::Socket),
    other("poplib.POP3_SSL", Kind::Socket),
    other("imaplib.IMAP4", Kind::Socket),
    other("imaplib.IMAP4_SSL", Kind::Socket),
    other("subprocess.Popen", Kind::Process),
    other("tempfile.TemporaryDirectory", Kind::TempDir),
    other("tempfile.NamedTemporaryFile", Kind::TempFile),
    other("tempfile.TemporaryFile", Kind::TempFile),
    other("tempfile.SpooledTemporaryFile", Kind::TempFile),
    other("multiprocessing.Pool", Kind::Pool),
    other("multiprocessing.pool.Pool", Kind::Pool),
    other("multiprocessing.pool.ThreadPool", Kind::Pool),
    other("multiprocessing.dummy.Pool", Kind::Pool),
    Acquirer { path: "asyncio.new_event_loop", kind: Kind::Loop, shape: Shape::One, policy: Plain, with_closes: false },
    Acquirer {
        path: "asyncio.get_event_loop_policy().new_event_loop",
        kind: Kind::Loop,
        shape: Shape::One,
        policy: Plain,
        with_closes: false,
    },
    Acquirer {
        path: "asyncio.SelectorEventLoop",
        kind: Kind::Loop,
        shape: Shape::One,
        policy: Plain,
        with_closes: false,
    },
    Acquirer {
        path: "asyncio.ProactorEventLoop",
        kind: Kind::Loop,
        shape: Shape::One,
        policy: Plain,
        with_closes: false,
    },
    Acquirer {
        path: "asyncio.open_connection",
        kind: Kind::Stream,
        shape: Shape::ReaderWriter,
        policy: Plain,
        with_closes: false,
    },
    Acquirer {
        path: "asyncio.open_unix_connection",
        kind: Kind::Stream,
        shape: Shape::ReaderWriter,
        policy: Plain,
        with_closes: false,
    },
    other("asyncio.start_server", Kind::Stream),
    other("asyncio.start_unix_server", Kind::Stream),
];

/// Methods of a tracked resource that create a new one: `conn, addr = sock.accept()`.
pub(crate) fn method_acquirer(kind: Kind, method: &str) -> Option<(Kind, Shape)> {
    match (kind, method) {
        (Kind::Socket, "accept") => Some((Kind::Socket, Shape::FdAndPath)),
        (Kind::Socket, "dup") => Some((Kind::Socket, Shape::One)),
        // The socket gives its descriptor away and becomes closed.
        (Kind::Socket, "detach") => Some((Kind::Fd, Shape::One)),
        _ => None,
    }
}

/// Methods that construct a resource whatever the receiver: `multiprocessing.get_context("spawn").Pool(2)`.
pub(crate) fn constructor_method(method: &str) -> Option<Kind> {
    matches!(method, "Pool" | "ThreadPool").then_some(Kind::Pool)
}

/// `asyncio.wait_for(aw, t)`, `asyncio.shield(aw)`: awaiting them gives what awaiting `aw` gives.
pub(crate) fn passes_through(call: &Call) -> bool {
    matches!(call.path.as_deref(), Some("asyncio.wait_for" | "asyncio.shield"))
}

/// Acquirers whose release differs from their kind's: an IMAP client's `close()` only closes the mailbox.
pub(crate) fn releasers_of(path: &str) -> Option<&'static [&'static str]> {
    match path {
        "imaplib.IMAP4" | "imaplib.IMAP4_SSL" => Some(&["logout", "shutdown"]),
        _ => None,
    }
}

/// `ctx.wrap_socket(sock)`: the TLS socket takes over `sock` whatever the receiver is.
pub(crate) fn wrapping_method(method: &str) -> Option<Kind> {
    (method == "wrap_socket").then_some(Kind::Socket)
}

/// Callees that use their arguments during the call and keep nothing.
static BORROWERS: &[&str] = &[
    "print",
    "len",
    "str",
    "repr",
    "bytes",
    "bool",
    "int",
    "id",
    "hash",
    "type",
    "isinstance",
    "issubclass",
    "hasattr",
    "getattr",
    "callable",
    "iter",
    "next",
    "list",
    "tuple",
    "sorted",
    "sum",
    "any",
    "all",
    "max",
    "min",
    "enumerate",
    "json.load",
    "json.dump",
    "pickle.load",
    "pickle.dump",
    "marshal.load",
    "marshal.dump",
    "plistlib.load",
    "plistlib.dump",
    "tomllib.load",
    "yaml.load",
    "yaml.safe_load",
    "yaml.dump",
    "yaml.safe_dump",
    "csv.reader",
    "csv.writer",
    "csv.DictReader",
    "csv.DictWriter",
    "shutil.copyfileobj",
    "hashlib.file_digest",
    "email.message_from_file",
    "email.message_from_binary_file",
    "tokenize.detect_encoding",
    "os.fstat",
    "os.fsync",
    "os.fdatasync",
    "os.read",
    "os.write",
    "os.pread",
    "os.pwrite",
    "os.readv",
    "os.writev",
    "os.lseek",
    "os.ftruncate",
    "os.fchmod",
    "os.fchown",
    "os.fchdir",
    "os.fstatvfs",
    "os.isatty",
    "os.ttyname",
    "os.set_inheritable",
    "os.get_inheritable",
    "os.set_blocking",
    "os.get_blocking",
    "os.dup2",
    "os.sendfile",
    "os.posix_fallocate",
    "os.posix_fadvise",
    "os.lockf",
    "os.device_encoding",
    "os.get_terminal_size",
    "fcntl.fcntl",
    "fcntl.flock",
    "fcntl.lockf",
    "fcntl.ioctl",
    "termios.tcgetattr",
    "termios.tcsetattr",
    "tty.setraw",
    "tty.setcbreak",
    "select.select",
    "stat.S_ISREG",
];

/// Methods that hand a resource (or its bound `close`) to an object that will release it: `ExitStack`,
/// `unittest.TestCase.addCleanup`, `atexit.register`.
static RELEASING_METHODS: &[&str] =
    &["enter_context", "enter_async_context", "push", "callback", "addCleanup", "register"];

/// The tables of one run: the standard library's, plus the project's own APIs from configuration
/// (`extra-acquirers`, `extra-releasers`, `extra-borrowers`), which come first.
#[derive(Debug, Default)]
pub(crate) struct Api {
    acquirers: Vec<(Box<str>, Kind)>,
    /// Callees that release their first argument: every `extra-releasers` path.
    release_functions: Vec<Box<str>>,
    /// Methods that release their receiver: the last part of an `extra-releasers` path whose previous part
    /// names a class (`mycompany.db.Connection.dispose` makes `conn.dispose()` a release).
    release_methods: Vec<Box<str>>,
    borrowers: Vec<Box<str>>,
}

/// The tables with nothing configured.
pub(crate) static STANDARD: Api =
    Api { acquirers: Vec::new(), release_functions: Vec::new(), release_methods: Vec::new(), borrowers: Vec::new() };

impl Api {
    pub(crate) fn new(config: &crate::ApiConfig) -> Api {
        let acquirers = config
            .acquirers
            .iter()
            .map(|extra| {
                let kind = match extra.kind {
                    crate::ResourceKind::File => Kind::File,
                    crate::ResourceKind::Socket => Kind::Socket,
                    crate::ResourceKind::Fd => Kind::Fd,
                };
                (Box::from(extra.callee.as_str()), kind)
            })
            .collect();
        let release_methods = config
            .releasers
            .iter()
            .filter_map(|path| {
                let mut parts = path.rsplit('.');
                let method = parts.next()?;
                let owner = parts.next()?;
                owner.starts_with(|c: char| c.is_uppercase()).then(|| Box::from(method))
            })
            .collect();
        Api {
            acquirers,
            release_functions: config.releasers.iter().map(|p| Box::from(p.as_str())).collect(),
            release_methods,
            borrowers: config.borrowers.iter().map(|p| Box::from(p.as_str())).collect(),
        }
    }

    /// What a call acquires, if anything.
    pub(crate) fn acquirer(&self, call: &Call) -> Option<Acquirer> {
        let path = call.path.as_deref()?;
        if let Some(&(_, kind)) = self.acquirers.iter().find(|(p, _)| &**p == path) {
            // A configured acquirer is as plain as can be: it returns one resource and takes nothing over.
            let with_closes = kind != Kind::Fd;
            return Some(Acquirer { path: CONFIGURED, kind, shape: Shape::One, policy: ArgPolicy::Plain, with_closes });
        }
        ACQUIRERS_BY_PATH.get(path).copied()
    }

    pub(crate) fn is_borrower(&self, call: &Call) -> bool {
        call.path
            .as_deref()
            .is_some_and(|path| BORROWERS_BY_PATH.contains(path) || self.borrowers.iter().any(|b| &**b == path))
    }

    /// `mycompany.db.release(conn)`: a configured function that releases its first argument.
    pub(crate) fn releases_argument(&self, call: &Call) -> bool {
        call.path.as_deref().is_some_and(|path| self.release_functions.iter().any(|r| &**r == path))
    }

    /// `conn.dispose()`: a configured method that releases its receiver, whatever the receiver's kind.
    pub(crate) fn releases_receiver(&self, method: &str) -> bool {
        self.release_methods.iter().any(|m| &**m == method)
    }

    /// Whether a call can start an obligation: scopes without one skip the dataflow.
    pub(crate) fn is_of_interest(&self, call: &Call) -> bool {
        if self.acquirer(call).is_some() {
            return true;
        }
        match &call.func.kind {
            crate::ir::ExprKind::Attr(attr) => {
                matches!(attr.attr.as_str(), "accept" | "dup" | "wrap_socket" | "Pool" | "ThreadPool")
            }
            _ => false,
        }
    }
}

/// [`ACQUIRERS`] by path: every call of every file asks.
static ACQUIRERS_BY_PATH: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, Acquirer>> =
    std::sync::LazyLock::new(|| ACQUIRERS.iter().rev().map(|a| (a.path, *a)).collect());

static BORROWERS_BY_PATH: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
    std::sync::LazyLock::new(|| BORROWERS.iter().copied().collect());

/// The `path` of an acquirer that comes from configuration.
const CONFIGURED: &str = "<configured>";

/// Borrowers that do not raise on the arguments code passes them in practice: not exception edges.
static CANNOT_RAISE: &[&str] =
    &["len", "id", "type", "isinstance", "issubclass", "hasattr", "getattr", "callable", "bool"];

pub(crate) fn cannot_raise(call: &Call) -> bool {
    call.path.as_deref().is_some_and(|path| CANNOT_RAISE.contains(&path))
}

pub(crate) fn is_releasing_method(name: &str) -> bool {
    RELEASING_METHODS.contains(&name)
}

/// Calls after which the code that follows does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Termination {
    /// The process ends at once; the operating system releases everything.
    Process,
    /// `sys.exit()` and friends raise `SystemExit`.
    Raise,
}

pub(crate) fn termination(call: &Call) -> Option<Termination> {
    let path = call.path.as_deref()?;
    match path {
        "os._exit" | "os.abort" => Some(Termination::Process),
        _ if path.starts_with("os.exec") => Some(Termination::Process),
        "sys.exit" | "exit" | "quit" => Some(Termination::Raise),
        _ => None,
    }
}

/// `os.close(fd)`.
pub(crate) fn is_fd_close(call: &Call) -> bool {
    call.path.as_deref() == Some("os.close")
}

/// `contextlib.suppress(...)` swallows exceptions of its `with` body.
pub(crate) fn is_suppress(call: &Call) -> bool {
    matches!(call.path.as_deref(), Some("contextlib.suppress" | "suppress"))
}

/// `self.assertRaises(E)`, `pytest.raises(E)`: the block is expected to raise, and the exception is caught.
pub(crate) fn expects_raise(call: &Call) -> bool {
    let Some(path) = call.path.as_deref() else {
        return false;
    };
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(last, "assertRaises" | "assertRaisesRegex" | "assertRaisesRegexp")
        || path == "pytest.raises"
        || path == "raises"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Expr, ExprKind, Range};
    use crate::{ApiConfig, ExtraAcquirer, ResourceKind};

    fn call(path: &str) -> Call {
        let func = Expr { kind: ExprKind::None, range: Range { start: 0, end: 0 } };
        Call { func, path: Some(path.into()), args: Box::default(), keywords: Box::default() }
    }

    #[test]
    fn configured_apis_extend_the_tables() {
        let config = ApiConfig {
            acquirers: vec![ExtraAcquirer { callee: "acme.db.connect".into(), kind: ResourceKind::Socket }],
            releasers: vec!["acme.db.Connection.dispose".into(), "acme.db.release".into()],
            borrowers: vec!["acme.log.dump_to".into()],
        };
        let api = Api::new(&config);
        let acquirer = api.acquirer(&call("acme.db.connect")).expect("configured acquirer");
        assert_eq!((acquirer.kind, acquirer.shape, acquirer.with_closes), (Kind::Socket, Shape::One, true));
        assert!(api.is_of_interest(&call("acme.db.connect")));
        // The built-in tables still answer.
        assert_eq!(api.acquirer(&call("open")).map(|a| a.kind), Some(Kind::File));
        assert!(api.releases_argument(&call("acme.db.release")));
        assert!(api.releases_argument(&call("acme.db.Connection.dispose")));
        // Only a `Class.method` path names a method; `release` is a function.
        assert!(api.releases_receiver("dispose"));
        assert!(!api.releases_receiver("release"));
        assert!(api.is_borrower(&call("acme.log.dump_to")) && api.is_borrower(&call("print")));
        assert!(STANDARD.acquirer(&call("acme.db.connect")).is_none());
        assert!(!STANDARD.releases_receiver("dispose"));
    }
}
