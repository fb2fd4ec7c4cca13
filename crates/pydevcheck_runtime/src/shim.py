"""pydevcheck's dev-mode shim, loaded as `sitecustomize` in every Python process of a `pydevcheck confirm` run.

It records where resources are created, captures what Python's Development Mode reports about them, and
appends one JSON object per event to a file of its own in the private directory named by
`PYDEVCHECK_EVENT_DIR`. It never writes to the process's stdout or stderr and never changes its exit code:
every hook calls on to what it replaced, and every failure inside the shim is swallowed.

The source must stay valid Python 3.8 syntax (a test parses it with `feature_version=(3, 8)`).
"""

import os
import sys


def _pydevcheck_install(event_dir):
    import _io
    import _thread
    import errno
    import json
    import warnings
    import weakref

    real_open = os.open
    real_write = os.write
    real_close = os.close
    getpid = os.getpid
    getframe = sys._getframe
    create_flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
    append_flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
    # A symlink planted in the event directory must not redirect our writes.
    create_flags |= getattr(os, "O_NOFOLLOW", 0)
    append_flags |= getattr(os, "O_NOFOLLOW", 0)

    max_events = 20000
    max_text = 2000
    max_frames = 12
    max_tracked = 100000

    roots = []
    for root in os.environ.get("PYDEVCHECK_ROOTS", "").split(os.pathsep):
        if root:
            roots.append(os.path.realpath(root))
    dir_roots = tuple(os.path.join(root, "") for root in roots)
    file_roots = frozenset(roots)

    # Copied into every event: the runner ignores events without its run's nonce.
    run_token = os.environ.get("PYDEVCHECK_RUN_TOKEN", "")
    state = {"pid": None, "path": None, "count": 0}
    guard = _thread._local()

    # --- the event file -------------------------------------------------------------------------

    def new_event_file(pid):
        # Created exclusively: a pid reused across the run, or a name planted in advance, gets a new name.
        for attempt in range(100):
            path = os.path.join(event_dir, "events-{}-{}.jsonl".format(pid, attempt))
            try:
                fd = real_open(path, create_flags, 0o600)
            except FileExistsError:
                continue
            real_close(fd)
            state["pid"] = pid
            state["path"] = path
            state["count"] = 0
            return True
        return False

    def emit(event):
        if getattr(guard, "busy", False):
            return
        guard.busy = True
        try:
            pid = getpid()
            if state["pid"] != pid and not new_event_file(pid):
                return
            if state["count"] > max_events:
                return
            state["count"] += 1
            if state["count"] > max_events:
                event = {"kind": "truncated", "limit": max_events}
            event["pid"] = pid
            event["run"] = run_token
            text = event.get("text")
            if isinstance(text, str) and len(text) > max_text:
                event["text"] = text[:max_text] + "..."
            data = (json.dumps(event, default=repr) + "\n").encode("utf-8", "replace")
            # Opened per event: a double close in the code under test must never hit a descriptor of ours.
            fd = real_open(state["path"], append_flags)
            try:
                real_write(fd, data)
            finally:
                real_close(fd)
        except Exception:
            pass
        finally:
            guard.busy = False

    # --- which frames belong to the analysed project ------------------------------------------

    # --- which flagged lines run -----------------------------------------------------------

    # path -> lines of static findings not seen running yet.
    flagged = {}
    flagged_file = os.environ.get("PYDEVCHECK_FLAGGED")
    if flagged_file:
        try:
            with _io.FileIO(flagged_file) as listing:
                for entry in listing.read().decode("utf-8").splitlines():
                    path, _, line = entry.rpartition("\t")
                    if path and line.isdigit():
                        flagged.setdefault(path, set()).add(int(line))
        except OSError:
            pass

    def reached(path, line):
        lines = flagged.get(path)
        if not lines or line not in lines:
            return False
        lines.discard(line)
        emit({"kind": "reached", "file": path, "line": line})
        return True

    project_paths = {}

    def in_project(filename):
        """The real path of `filename` when it lies under an analysed path, else ''."""
        path = project_paths.get(filename)
        if path is not None:
            return path
        path = ""
        if filename and not filename.startswith("<"):
            real = os.path.realpath(filename)
            if real in file_roots or real.startswith(dir_roots):
                path = real
        project_paths[filename] = path
        return path

    def project_stack(frame):
        """The project frames from `frame` outwards, innermost first: [path, line, function]."""
        stack = []
        depth = 0
        while frame is not None and depth < 300 and len(stack) < max_frames:
            path = in_project(frame.f_code.co_filename)
            if path:
                stack.append([path, frame.f_lineno, frame.f_code.co_name])
                # Every frame of an acquisition we wrapped is running a line: free evidence of reach.
                if path in flagged:
                    reached(path, frame.f_lineno)
            frame = frame.f_back
            depth += 1
        return stack

    # --- creation sites -------------------------------------------------------------------------

    # id(object) -> (weak reference or None, type name, stack). Entries are not dropped when the object
    # dies: the garbage collector clears weak references *before* it runs the finalizers that warn, so the
    # entry must outlive the reference. The type name guards against an id reused by another type.
    sites = {}
    fd_sites = {}
    tempdir_sites = {}
    closed_behind = {}

    def remember(table, obj, stack):
        if not stack:
            return
        if len(table) >= max_tracked:
            for key in [k for k, v in table.items() if v[0] is None or v[0]() is None]:
                del table[key]
            if len(table) >= max_tracked:
                table.clear()
        try:
            ref = weakref.ref(obj)
        except TypeError:
            ref = None
        table[id(obj)] = (ref, type(obj).__name__, stack)

    def lookup(table, obj):
        entry = table.get(id(obj))
        if entry is None:
            return None
        ref, type_name, stack = entry
        if type(obj).__name__ != type_name:
            return None
        if ref is not None:
            alive = ref()
            if alive is not None and alive is not obj:
                return None
        return stack

    def named(wrapper, original):
        for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(wrapper, attribute, getattr(original, attribute))
            except (AttributeError, TypeError):
                pass
        wrapper.__wrapped__ = original
        return wrapper

    files = {}

    def track_file(result, stack):
        remember(sites, result, stack)
        remember(files, result, stack)

    def wrap_file_opener(original):
        def opener(*args, **kwargs):
            result = original(*args, **kwargs)
            if not getattr(guard, "busy", False):
                track_file(result, project_stack(getframe(1)))
            return result

        return named(opener, original)

    def wrap_fd_opener(original, pick):
        def opener(*args, **kwargs):
            result = original(*args, **kwargs)
            if not getattr(guard, "busy", False):
                stack = project_stack(getframe(1))
                if stack:
                    if len(fd_sites) >= max_tracked:
                        fd_sites.clear()
                    for fd in pick(result):
                        fd_sites[fd] = stack
            return result

        return named(opener, original)

    def wrap_init(cls, record):
        original = cls.__init__

        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if not getattr(guard, "busy", False):
                try:
                    record(self, project_stack(getframe(1)))
                except Exception:
                    pass

        cls.__init__ = named(__init__, original)

    import builtins
    import io

    file_open = wrap_file_opener(io.open)
    builtins.open = file_open
    io.open = file_open
    os.fdopen = wrap_file_opener(os.fdopen)
    os.open = wrap_fd_opener(os.open, lambda fd: (fd,))
    os.pipe = wrap_fd_opener(os.pipe, lambda fds: fds)
    os.dup = wrap_fd_opener(os.dup, lambda fd: (fd,))

    def owners(fd):
        """Tracked file objects still open on `fd`, with their buffer and raw layers."""
        found = []
        for ref, _type_name, _stack in list(files.values()):
            obj = ref() if ref is not None else None
            if obj is None:
                continue
            try:
                if obj.closed or obj.fileno() != fd:
                    continue
            except (OSError, ValueError, AttributeError):
                continue
            found.append(obj)
            inner = getattr(obj, "buffer", None)
            if inner is not None:
                found.append(inner)
                raw = getattr(inner, "raw", None)
                if raw is not None:
                    found.append(raw)
            raw = getattr(obj, "raw", None)
            if raw is not None:
                found.append(raw)
        return found

    def close(fd):
        caller = getframe(1)
        stack = None
        if not getattr(guard, "busy", False) and in_project(caller.f_code.co_filename):
            stack = project_stack(caller)
            # The object whose fd this is will fail with EBADF when it is finalized: remember who closed it.
            for obj in owners(fd):
                remember(closed_behind, obj, stack)
        try:
            return real_close(fd)
        except OSError as error:
            if stack and error.errno == errno.EBADF:
                event = {"kind": "ebadf", "via": "os.close", "text": str(error), "stack": stack}
                if fd in fd_sites:
                    event["fd_acquired"] = fd_sites[fd]
                emit(event)
            raise

    os.close = named(close, real_close)

    # Modules that are not imported yet are patched when they are, so that start-up stays cheap.
    def patch_socket(module):
        wrap_init(module.socket, lambda obj, stack: remember(sites, obj, stack))

    def patch_subprocess(module):
        wrap_init(module.Popen, lambda obj, stack: remember(sites, obj, stack))

    def patch_tempfile(module):
        module.mkstemp = wrap_fd_opener(module.mkstemp, lambda result: (result[0],))

        def record_tempdir(obj, stack):
            remember(sites, obj, stack)
            if stack:
                tempdir_sites[obj.name] = stack

        wrap_init(module.TemporaryDirectory, record_tempdir)
        # Its `__del__` warns with `source=self`, and before 3.12 tracemalloc has no traceback for it.
        wrap_init(module.SpooledTemporaryFile, lambda obj, stack: remember(sites, obj, stack))

    def patch_multiprocessing_pool(module):
        # A pool's `__dict__` is managed by the interpreter: tracemalloc has no traceback for it before 3.12.
        # `ThreadPool.__init__` calls this one; the walk out to the project frame finds the caller's line.
        wrap_init(module.Pool, lambda obj, stack: remember(sites, obj, stack))

    def patch_asyncio(module):
        wrap_init(module.BaseEventLoop, lambda obj, stack: remember(sites, obj, stack))
        import logging

        class AsyncioReports(logging.Handler):
            def emit(self, record):
                try:
                    text = record.getMessage()
                    if record.exc_info and record.exc_info[1] is not None:
                        text = "{}: {!r}".format(text, record.exc_info[1])
                    emit({"kind": "asyncio", "text": text, "stack": sites_in_text(text)})
                except Exception:
                    pass

        logging.getLogger("asyncio").addHandler(AsyncioReports(logging.WARNING))

    patches = {
        "socket": patch_socket,
        "subprocess": patch_subprocess,
        "tempfile": patch_tempfile,
        "asyncio.base_events": patch_asyncio,
        "multiprocessing.pool": patch_multiprocessing_pool,
    }

    def apply_patch(name, module):
        patch = patches.pop(name, None)
        if patch is not None:
            try:
                patch(module)
            except Exception:
                pass

    class PatchingLoader(object):
        def __init__(self, loader, name):
            self._loader = loader
            self._name = name

        def create_module(self, spec):
            return self._loader.create_module(spec)

        def exec_module(self, module):
            # Give the module its real loader back before its code runs: we only want to know when it ends.
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader
            self._loader.exec_module(module)
            apply_patch(self._name, module)

        def __getattr__(self, attribute):
            return getattr(self._loader, attribute)

    class PatchingFinder(object):
        def __init__(self):
            self._busy = set()

        def find_spec(self, name, path=None, target=None):
            if name not in patches or name in self._busy:
                return None
            self._busy.add(name)
            try:
                spec = None
                for finder in sys.meta_path:
                    if finder is self or not hasattr(finder, "find_spec"):
                        continue
                    spec = finder.find_spec(name, path, target)
                    if spec is not None:
                        break
            finally:
                self._busy.discard(name)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            spec.loader = PatchingLoader(spec.loader, name)
            return spec

    for name in list(patches):
        if name in sys.modules:
            apply_patch(name, sys.modules[name])
    if patches:
        sys.meta_path.insert(0, PatchingFinder())

    # --- what dev mode reports ---------------------------------------------------------------

    import re

    site_pattern = re.compile(r"""(?:File "|(?:created|running|defined) at )([^"\s]+?)(?:", line |:)(\d+)""")

    def sites_in_text(text):
        stack = []
        for match in site_pattern.finditer(text):
            path = in_project(match.group(1))
            if path:
                stack.append([path, int(match.group(2)), ""])
        return stack

    def tracemalloc_stack(source):
        try:
            import tracemalloc

            if not tracemalloc.is_tracing():
                return []
            traceback = tracemalloc.get_object_traceback(source)
        except Exception:
            return []
        if traceback is None:
            return []
        stack = []
        # tracemalloc lists frames from the oldest to the most recent call.
        for frame in reversed(list(traceback)):
            path = in_project(frame.filename)
            if path:
                stack.append([path, frame.lineno, ""])
        return stack[:max_frames]

    tempdir_pattern = re.compile(r"<TemporaryDirectory '(.*)'>")

    def record_warning(message):
        category = message.category
        text = str(message.message)
        source = getattr(message, "source", None)
        if issubclass(category, ResourceWarning):
            stack, via = None, None
            if source is not None:
                stack = lookup(sites, source)
                via = "wrapper" if stack else None
                if not stack:
                    stack = tracemalloc_stack(source)
                    via = "tracemalloc" if stack else None
            if not stack:
                match = tempdir_pattern.search(text)
                if match is not None and match.group(1) in tempdir_sites:
                    stack, via = tempdir_sites[match.group(1)], "wrapper"
            event = {"kind": "resource_warning", "text": text, "stack": stack or [], "via": via}
            closed_at = lookup(closed_behind, source) if source is not None else None
            if closed_at:
                event["closed_behind"] = closed_at
            emit(event)
            return
        if issubclass(category, RuntimeWarning) and "was never awaited" in text:
            stack = []
            for filename, line, function in getattr(source, "cr_origin", None) or ():
                path = in_project(filename)
                if path:
                    stack.append([path, line, function])
            if not stack:
                stack = sites_in_text(text)
            emit({"kind": "never_awaited", "text": text, "stack": stack})
            return
        path = in_project(message.filename or "")
        if path:
            emit({"kind": "warning", "category": category.__name__, "text": text, "stack": [[path, message.lineno, ""]]})

    real_showwarnmsg = warnings._showwarnmsg

    def showwarnmsg(message):
        if not getattr(guard, "busy", False):
            try:
                record_warning(message)
            except Exception:
                pass
        return real_showwarnmsg(message)

    # `catch_warnings` (pytest uses it around every test) swaps `showwarning` and `_showwarnmsg_impl`,
    # never `_showwarnmsg`, which is what the C warnings machinery calls.
    warnings._showwarnmsg = named(showwarnmsg, real_showwarnmsg)

    def first_action(category):
        for action, message, filter_category, module, _line in warnings.filters:
            if message is None and module is None and issubclass(category, filter_category):
                return action
        return warnings.defaultaction

    # Dev mode shows a warning once per location; finalizers warn from wherever the collector runs, so
    # leaks would hide behind each other. Every occurrence is recorded, unless the user chose otherwise.
    if first_action(ResourceWarning) == "default":
        warnings.filterwarnings("always", category=ResourceWarning)

    previous_unraisablehook = sys.unraisablehook

    def unraisablehook(report):
        try:
            error = report.exc_value
            if isinstance(error, OSError) and error.errno == errno.EBADF:
                stack = lookup(closed_behind, report.object) if report.object is not None else None
                text = "Exception ignored in: {!r}: {}".format(report.object, error)
                emit({"kind": "ebadf", "via": "destructor", "text": text, "stack": stack or []})
            else:
                stack = []
                traceback = getattr(error, "__traceback__", None)
                while traceback is not None:
                    path = in_project(traceback.tb_frame.f_code.co_filename)
                    if path:
                        stack.insert(0, [path, traceback.tb_lineno, traceback.tb_frame.f_code.co_name])
                    traceback = traceback.tb_next
                text = "{}: {!r}".format(report.err_msg or "Exception ignored in", report.object)
                text += ": {}: {}".format(type(error).__name__, error)
                emit({"kind": "unraisable", "text": text, "stack": stack[:max_frames]})
        except Exception:
            pass
        return previous_unraisablehook(report)

    sys.unraisablehook = unraisablehook

    try:
        sys.set_coroutine_origin_tracking_depth(max(sys.get_coroutine_origin_tracking_depth(), 8))
    except Exception:
        pass

    # --- fatal errors --------------------------------------------------------------------------

    def enable_faulthandler():
        import faulthandler

        if not faulthandler.is_enabled():
            return
        path = os.path.join(event_dir, "fault-{}.txt".format(getpid()))
        try:
            fd = real_open(path, create_flags, 0o600)
        except OSError:
            return
        # A raw fd, not a file object: an object would warn about itself at shutdown.
        faulthandler.enable(file=fd, all_threads=True)

    enable_faulthandler()

    # --- exact line coverage of the flagged lines ------------------------------------------

    if flagged and hasattr(sys, "monitoring"):
        monitoring = sys.monitoring
        tool = None
        for candidate in (4, 3):
            try:
                monitoring.use_tool_id(candidate, "pydevcheck")
            except ValueError:
                continue
            tool = candidate
            break
        if tool is not None:
            events = monitoring.events

            def on_start(code, _offset):
                if flagged.get(in_project(code.co_filename)):
                    monitoring.set_local_events(tool, code, events.LINE)
                return monitoring.DISABLE

            def on_line(code, line):
                reached(in_project(code.co_filename), line)
                return monitoring.DISABLE

            monitoring.register_callback(tool, events.PY_START, on_start)
            monitoring.register_callback(tool, events.LINE, on_line)
            monitoring.set_events(tool, events.PY_START)
    elif flagged and not os.environ.get("PYDEVCHECK_NO_LINE_TRACING"):
        # Before 3.12 line events need a global tracer, which alone slows pytest by about 1.5x. It looks
        # only at frames of flagged files, at each line until it ran, and goes away once all of them ran.
        code_lines = {}

        def local_trace(frame, event, _arg):
            if event == "line" and reached(in_project(frame.f_code.co_filename), frame.f_lineno):
                if not any(flagged.values()):
                    sys.settrace(None)
                    threading.settrace(None)
            return local_trace

        def global_trace(frame, _event, _arg):
            code = frame.f_code
            lines = code_lines.get(code)
            if lines is None:
                lines = flagged.get(in_project(code.co_filename)) or False
                code_lines[code] = lines
            return local_trace if lines else None

        import threading

        sys.settrace(global_trace)
        threading.settrace(global_trace)

    # --- the process's life -----------------------------------------------------------------

    def describe_start(kind):
        argv = getattr(sys, "orig_argv", None) or sys.argv
        emit({"kind": kind, "ppid": os.getppid(), "argv": list(argv)[:20], "python": sys.version.split()[0]})

    def after_fork():
        state["pid"] = None
        enable_faulthandler()
        describe_start("fork")

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=after_fork)

    import atexit

    def at_exit():
        # Objects kept alive only by reference cycles warn now, while the shim can still attribute them.
        try:
            import gc

            gc.collect()
        except Exception:
            pass
        emit({"kind": "exit"})

    atexit.register(at_exit)
    describe_start("start")


def _pydevcheck_chain():
    """Runs the `sitecustomize` this module shadows, the one the interpreter would have imported."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.realpath(__file__))
    search = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", search)
    if spec is None or spec.loader is None or spec.origin is None:
        return
    if os.path.realpath(spec.origin) == os.path.realpath(__file__):
        return
    module = importlib.util.module_from_spec(spec)
    # Its code sees itself as `sitecustomize`, as it would have without us.
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


if os.environ.get("PYDEVCHECK_EVENT_DIR") and not getattr(sys, "_pydevcheck_installed", False):
    sys._pydevcheck_installed = True
    try:
        _pydevcheck_install(os.environ["PYDEVCHECK_EVENT_DIR"])
    except Exception:
        pass
_pydevcheck_chain()
