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
    def read_lines(listing_path):
        lines = {}
        if listing_path:
            try:
                with _io.FileIO(listing_path) as listing:
                    for entry in listing.read().decode("utf-8").splitlines():
                        path, _, line = entry.rpartition("\t")
                        if path and line.isdigit():
                            lines.setdefault(path, set()).add(int(line))
            except OSError:
                pass
        return lines

    flagged = read_lines(os.environ.get("PYDEVCHECK_FLAGGED"))
    # path -> lines of unknown codec names and error handlers (PDC601/PDC602): dev mode raises a plain
    # `LookupError` there, an exception like any other, which only a guard around the line can see.
    codec_lines = read_lines(os.environ.get("PYDEVCHECK_CODEC_LINES"))

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
        paths = project_paths
        while frame is not None and depth < 300 and len(stack) < max_frames:
            filename = frame.f_code.co_filename
            path = paths.get(filename)
            if path is None:
                path = in_project(filename)
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

    builtin_function = type(len)

    def named(wrapper, original):
        if isinstance(original, builtin_function):
            # A builtin stored on a class does not bind as a method, and code relies on it: pathlib's
            # `_NormalAccessor.open = os.open` before 3.11. A Python function would bind, so the wrapper
            # becomes an instance whose `__call__` is a staticmethod: no binding, and no extra frame.
            wrapper = type(original.__name__, (object,), {"__call__": staticmethod(wrapper)})()
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

    # Last components of the module names of flagged files (`pkg.util` for `pkg/util.py`, `pkg` for
    # `pkg/__init__.py`): a module whose name ends otherwise cannot be flagged, and is left alone cheaply.
    # Filled in below when flagged lines are marked at import.
    marked_stems = set()
    mark_spec = [None]

    class PatchingFinder(object):
        def __init__(self):
            self._busy = set()

        def find_spec(self, name, path=None, target=None):
            if name in self._busy:
                return None
            patched = name in patches
            if not patched and name.rpartition(".")[2] not in marked_stems:
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
            if spec is None or spec.loader is None:
                return spec
            if not patched:
                try:
                    mark_spec[0](spec)
                except Exception:
                    pass
                return spec
            if not hasattr(spec.loader, "exec_module"):
                return spec
            spec.loader = PatchingLoader(spec.loader, name)
            return spec

    for name in list(patches):
        if name in sys.modules:
            apply_patch(name, sys.modules[name])
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

    # --- flagged lines marked at import (before 3.12) -------------------------------------------

    # Before 3.12 the only way to see a line run is `sys.settrace`, and a tracer that does nothing at all
    # already makes pytest 1.6x slower on 3.11 (every instruction of every frame goes through the tracing
    # path). So a flagged module is compiled, when it is imported, from its syntax tree with a marker on
    # each flagged line: `__pydevcheck_reached__[K] or open(path)` around each call that starts on the line,
    # else `__pydevcheck_reached__[K]` as a statement before the innermost statement holding the line.
    # The marker is a dict in `builtins`: its first lookup of K runs `__missing__`, which reports the line;
    # later lookups are a C-level hit that yields None, so `or` goes on to the call. The marked code is
    # never written to a bytecode cache. Code that no import compiles (the main script, a loader we do not
    # know) falls back to the frame-limited tracer below.
    #
    # Before 3.12 a statement holding a PDC601/PDC602 line is guarded the same way:
    # `try: STATEMENT` / `except LookupError: __pydevcheck_reached__.lookup(K); raise`. The bare `raise`
    # re-raises with the traceback untouched; `lookup` records only a codec's plain `LookupError` out of
    # a call made on that very line (not a `KeyError`).

    marker_name = "__pydevcheck_reached__"
    marker_sites = []
    marked_files = set()
    traced_files = set()

    class ReachedMarkers(dict):
        __slots__ = ()

        def __missing__(self, key):
            self[key] = None
            try:
                path, line = marker_sites[key]
                reached(path, line)
            except Exception:
                pass
            return None

        def lookup(self, key):
            try:
                error = sys.exc_info()[1]
                if type(error) is not LookupError:
                    return
                path, line = marker_sites[key]
                frame = getframe(1)
                # The traceback starts at the frame that caught it: this one, at the guarded line.
                traceback = error.__traceback__
                if traceback is None or traceback.tb_frame is not frame or traceback.tb_lineno != line:
                    return
                record_codec_error(path, line, error, frame)
            except Exception:
                pass

    def record_codec_error(path, line, error, frame):
        """A codec's `LookupError` out of a call made on a PDC601/PDC602 line of `frame`."""
        if type(error) is not LookupError or line not in codec_lines.get(path, ()):
            return
        # Not a `KeyError` (a subclass), nor a `LookupError` of the program's own.
        if not str(error).startswith(("unknown encoding", "unknown error handler")):
            return
        reached(path, line)
        stack = [[path, line, frame.f_code.co_name]] + project_stack(frame.f_back)
        emit({"kind": "lookup_error", "text": str(error), "stack": stack[:max_frames]})

    marking = {"reach": False}

    def markable(filename):
        """The real path of `filename` when it has lines to mark or guard, else ''."""
        path = in_project(filename)
        if path in codec_lines or (marking["reach"] and flagged.get(path)):
            return path
        return ""

    def add_markers(tree, path):
        import ast

        lines = frozenset(flagged.get(path, ()) if marking["reach"] else ())
        guarded = frozenset(codec_lines.get(path, ()))
        old_index = sys.version_info < (3, 9)

        def marker(line, at):
            marker_sites.append((path, line))
            key = ast.Constant(len(marker_sites) - 1)
            node = ast.Subscript(
                value=ast.Name(id=marker_name, ctx=ast.Load()),
                slice=ast.Index(value=key) if old_index else key,
                ctx=ast.Load(),
            )
            for child in ast.walk(node):
                child.lineno = child.end_lineno = at.lineno
                child.col_offset = child.end_col_offset = at.col_offset
            return node

        def holds(node, wanted):
            start = getattr(node, "lineno", None)
            if start is None:
                return True
            # Decorators sit above the `def` or `class` line that starts the node.
            for decorator in getattr(node, "decorator_list", ()):
                start = min(start, decorator.lineno)
            end = getattr(node, "end_lineno", None) or start
            return any(start <= line <= end for line in wanted)

        wrapped = set()

        def wrap_calls(node):
            for field, value in ast.iter_fields(node):
                # Annotations may be stringified from the tree (`from __future__ import annotations`).
                if field in ("annotation", "returns"):
                    continue
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST) and holds(item, lines):
                            value[index] = wrap_calls(item)
                elif isinstance(value, ast.AST) and holds(value, lines):
                    setattr(node, field, wrap_calls(value))
            if isinstance(node, ast.Call) and node.lineno in lines:
                wrapped.add(node.lineno)
                both = ast.BoolOp(op=ast.Or(), values=[marker(node.lineno, node), node])
                return ast.copy_location(both, node)
            return node

        def guard(statement, line):
            marker_sites.append((path, line))
            call = ast.Call(
                func=ast.Attribute(value=ast.Name(id=marker_name, ctx=ast.Load()), attr="lookup", ctx=ast.Load()),
                args=[ast.Constant(len(marker_sites) - 1)],
                keywords=[],
            )
            handler = ast.ExceptHandler(
                type=ast.Name(id="LookupError", ctx=ast.Load()),
                name=None,
                body=[ast.Expr(value=call), ast.Raise(exc=None, cause=None)],
            )
            node = ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
            original = set(map(id, ast.walk(statement)))
            for child in ast.walk(node):
                if id(child) not in original:
                    ast.copy_location(child, statement)
            return node

        def mark_statement(body, line, wrap):
            for index, statement in enumerate(body):
                if not isinstance(statement, ast.stmt) or not holds(statement, (line,)):
                    continue
                inner = [statement.body] if isinstance(getattr(statement, "body", None), list) else []
                inner += [getattr(statement, field, None) or [] for field in ("orelse", "finalbody")]
                for part in getattr(statement, "handlers", None) or getattr(statement, "cases", None) or []:
                    inner.append(part.body)
                if any(mark_statement(block, line, wrap) for block in inner):
                    return True
                if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                    return False
                if wrap:
                    body[index] = guard(statement, line)
                else:
                    body.insert(index, ast.copy_location(ast.Expr(value=marker(line, statement)), statement))
                return True
            return False

        wrap_calls(tree)
        for line in sorted(lines - wrapped):
            mark_statement(tree.body, line, False)
        for line in sorted(guarded):
            mark_statement(tree.body, line, True)
        marked_files.add(path)

    def marked_code(data, filename, path):
        import ast

        tree = compile(data, filename, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        add_markers(tree, path)
        return compile(tree, filename, "exec", dont_inherit=True)

    def mark_source_spec(spec):
        import importlib.machinery

        source_loader = importlib.machinery.SourceFileLoader
        if type(spec.loader) is not source_loader or not spec.origin:
            return
        path = markable(spec.origin)
        if not path:
            return

        class MarkingLoader(source_loader):
            def get_code(self, fullname):
                filename = self.get_filename(fullname)
                try:
                    data = self.get_data(filename)
                    # Never cached: a later run without the shim must not meet our markers.
                    return marked_code(data, filename, path)
                except Exception:
                    # A syntax error is for the real loader to raise; anything else falls back to tracing.
                    start_tracer(path)
                    return source_loader.get_code(self, fullname)

        spec.loader = MarkingLoader(spec.loader.name, spec.loader.path)

    def patch_pytest_rewrite(module):
        """pytest compiles test files and conftests itself (assertion rewriting) and caches the result."""
        read_pyc, write_pyc, rewrite_asserts = module._read_pyc, module._write_pyc, module.rewrite_asserts

        def _read_pyc(source, pyc, *args, **kwargs):
            if markable(str(source)):
                return None
            return read_pyc(source, pyc, *args, **kwargs)

        def _write_pyc(state, co, *args, **kwargs):
            if in_project(getattr(co, "co_filename", "")) in marked_files:
                return False
            return write_pyc(state, co, *args, **kwargs)

        def rewrite(mod, source, module_path=None, config=None):
            rewrite_asserts(mod, source, module_path, config)
            path = markable(str(module_path)) if module_path is not None else ""
            if path:
                try:
                    add_markers(mod, path)
                except Exception:
                    start_tracer(path)

        module._read_pyc = named(_read_pyc, read_pyc)
        module._write_pyc = named(_write_pyc, write_pyc)
        module.rewrite_asserts = named(rewrite, rewrite_asserts)

    def install_markers(reach):
        import builtins

        marking["reach"] = reach
        setattr(builtins, marker_name, ReachedMarkers())
        for path in list(flagged if reach else ()) + list(codec_lines):
            name = os.path.basename(path)
            if name == "__init__.py":
                marked_stems.add(os.path.basename(os.path.dirname(path)))
            elif name.endswith(".py"):
                marked_stems.add(name[:-3])
        mark_spec[0] = mark_source_spec
        patches["_pytest.assertion.rewrite"] = patch_pytest_rewrite
        if "_pytest.assertion.rewrite" in sys.modules:
            apply_patch("_pytest.assertion.rewrite", sys.modules["_pytest.assertion.rewrite"])
        # The main script is compiled by the interpreter itself, after this module ran.
        script = sys.argv[0] if sys.argv else ""
        path = in_project(script) if script not in ("", "-c", "-m", "-") else ""
        # `--no-line-tracing` promises no tracer: its PDC601/PDC602 lines then go unwatched.
        if path and reach and (flagged.get(path) or codec_lines.get(path)):
            start_tracer(path)

    # A frame-limited tracer for flagged files that were not marked: it looks only at frames of those
    # files, at each line until it ran, and goes away once every flagged line of those files ran. It costs
    # the whole process (see above), so it starts only when such a file is about to run.
    tracer = {"on": False}
    # co_filename -> whether its frames are traced (a lookup of a string, whose hash Python caches).
    traced = {}

    def start_tracer(path):
        if not marking["reach"]:
            return
        traced_files.add(path)
        traced.clear()
        if tracer["on"]:
            return
        tracer["on"] = True
        import threading

        def local_trace(frame, event, arg):
            if event == "line" and reached(in_project(frame.f_code.co_filename), frame.f_lineno):
                # Lines that may raise `LookupError` stay watched: it may happen on a later run of them.
                if not any(flagged.get(path) or codec_lines.get(path) for path in traced_files):
                    sys.settrace(None)
                    threading.settrace(None)
            elif event == "exception":
                traceback = arg[2]
                # Fired in each frame the exception leaves through; the traceback starts at this one.
                if traceback is not None and traceback.tb_frame is frame:
                    record_codec_error(in_project(frame.f_code.co_filename), traceback.tb_lineno, arg[1], frame)
            return local_trace

        def global_trace(frame, _event, _arg):
            filename = frame.f_code.co_filename
            wanted = traced.get(filename)
            if wanted is None:
                path = in_project(filename)
                wanted = path in traced_files
                traced[filename] = wanted
            path = in_project(filename)
            return local_trace if wanted and (flagged.get(path) or codec_lines.get(path)) else None

        sys.settrace(global_trace)
        threading.settrace(global_trace)

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
            wanted = events.PY_START
            if codec_lines:
                # RAISE is a global event: one call per exception raised anywhere, dismissed at once
                # unless it is a plain `LookupError` in a file with PDC601/PDC602 lines.
                def on_raise(code, offset, error):
                    if type(error) is not LookupError:
                        return
                    path = in_project(code.co_filename)
                    if path not in codec_lines:
                        return
                    for start, end, line in code.co_lines():
                        if start <= offset < end:
                            record_codec_error(path, line, error, getframe(1))
                            return

                monitoring.register_callback(tool, events.RAISE, on_raise)
                wanted |= events.RAISE
            monitoring.set_events(tool, wanted)
    reach_by_markers = (
        bool(flagged) and not hasattr(sys, "monitoring") and not os.environ.get("PYDEVCHECK_NO_LINE_TRACING")
    )
    if reach_by_markers or (codec_lines and not hasattr(sys, "monitoring")):
        install_markers(reach_by_markers)

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
