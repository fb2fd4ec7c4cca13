"""Prints what this interpreter's codec registry knows, one fact per line, for `cargo xtask codecs` and for
the analyzer's test that compares the checked-in table with the local CPython.

    version 3.11.7
    codec utf_8                  a module of the `encodings` package that registers a codec
    alias u8 utf_8               an `encodings.aliases.aliases` entry that `codecs.lookup` accepts
    unavailable mbcs             a codec module, or an alias of one, that does not import on this platform
    handler strict               an error handler `codecs.lookup_error` knows

Every codec and alias printed is one that `codecs.lookup` accepts on this interpreter.
"""

import codecs
import encodings
import encodings.aliases
import pkgutil
import platform
import sys

# The handlers CPython registers at start-up (Python/codecs.c `_PyCodecRegistry_Init`). There is no API
# that lists the registry, so each candidate is confirmed with `codecs.lookup_error`.
HANDLER_CANDIDATES = [
    "strict",
    "ignore",
    "replace",
    "xmlcharrefreplace",
    "backslashreplace",
    "namereplace",
    "surrogateescape",
    "surrogatepass",
]


def codec_module(name):
    """Imports `encodings.NAME` exactly as `encodings.search_function` does; None if it is not a codec."""
    try:
        module = __import__("encodings." + name, fromlist=["*"], level=0)
    except ImportError:
        return None
    return module if hasattr(module, "getregentry") else None


def main():
    out = ["version " + platform.python_version()]
    unavailable = set()
    valid = set()
    for info in pkgutil.iter_modules(encodings.__path__):
        name = info.name
        module = codec_module(name)
        if module is None:
            # `aliases` is no codec at all; `mbcs` and `oem` import only on Windows.
            try:
                __import__("encodings." + name, fromlist=["*"], level=0)
            except ImportError:
                unavailable.add(name)
            continue
        if hasattr(module, "getaliases"):
            sys.exit("encodings.%s registers aliases at run time; the table cannot model that" % name)
        codecs.lookup(name)
        valid.add(name)
    for name in sorted(valid):
        out.append("codec " + name)
    for alias, target in sorted(encodings.aliases.aliases.items()):
        if target in valid:
            # `csHPRoman8` is a dead key: lookups lowercase the name before they consult the aliases.
            try:
                codecs.lookup(alias)
            except LookupError:
                continue
            out.append("alias %s %s" % (alias, target))
        elif target in unavailable:
            unavailable.add(alias)
    for name in sorted(unavailable):
        out.append("unavailable " + name)
    for name in sorted(HANDLER_CANDIDATES):
        try:
            codecs.lookup_error(name)
        except LookupError:
            continue
        out.append("handler " + name)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
