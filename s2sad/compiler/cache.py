"""The on-disk cache of generated modules.

Each generated module is written to the cache directory and run from there, so
tracebacks, ``pdb`` and editors show real lines.  The contract:

* **What runs is the source asked for.**  :func:`load` compiles its own ``source``
  string, never the file's bytes nor bytecode (no ``.pyc`` is read or written, so a
  stale ``__pycache__`` cannot serve old code); the file is for tools to read.
* **A file is trusted only if its bytes are the source.**  Its name is
  ``<stem>__<digest>.py``, the digest a SHA-256 of the source and of the Python and
  s2sad versions (another Python never shares a file).  An existing file is read and
  compared byte for byte; if it differs (edited, truncated, empty, unreadable) it is
  rewritten atomically (a temporary file in the same directory, then ``os.replace``):
  concurrent processes and threads only ever see complete files.
* **The source is in memory too** (in :mod:`linecache` while the module lives):
  tracebacks, ``inspect`` and s2sad's parser work on if the file is pruned or edited.
* **Bounded.**  At most ``$S2SAD_CACHE_MAX_FILES`` (default 2000) files are kept, the
  least recently used deleted first (reuse refreshes the mtime); a process prunes after
  its first write, then every bound/10 writes.  ``0``: no files (source in memory only).
  :func:`clear` deletes all of s2sad's files.  Both only touch names of the form above
  (with their temporary files and legacy ``__pycache__`` entries).
* A failing disk (read-only, full, deleted directory) falls back to memory: the cache
  never makes :func:`load` fail.
"""
import hashlib
import importlib.util
import linecache
import os
import re
import sys
import tempfile
import threading
import time
import weakref

from .._version import __version__

DEFAULT_MAX_FILES = 2000
DIGEST = 20  # hex digits of SHA-256 in a file name (80 bits)
MAX_STEM = 120  # file names stay well under the usual 255-byte limit
TOUCH_AFTER = 60.0  # seconds: a reused file older than this has its mtime refreshed
STALE_TEMP = 3600.0  # seconds: a temporary file older than this was abandoned
#: s2sad's files: a module (legacy names had 8 hex digits), a temporary file, old bytecode
OURS = re.compile(r"\w+__[0-9a-f]{8,64}\.py\Z", re.ASCII)
TEMP = re.compile(r"\w+__[0-9a-f]{8,64}\.py(\.[0-9a-f]+)+\.tmp\Z", re.ASCII)
BYTECODE = re.compile(r"\w+__[0-9a-f]{8,64}\.[\w-]+(\.opt-\d)?\.pyc\Z", re.ASCII)

_LOCK = threading.RLock()
_DIRS = {}  # environment -> resolved directory (None: no usable directory)
_WRITES = {}  # directory -> writes of this process there (it prunes at 0, bound/10, ...)
_LINES = {}  # path -> [linecache entry, live modules using it]


def cache_dir():
    """Directory for generated modules (``$S2SAD_CACHE_DIR`` or ``~/.cache/s2sad``,
    else a per-user temporary directory), created if needed."""
    path = os.environ.get("S2SAD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "s2sad")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    path = os.path.join(tempfile.gettempdir(), "s2sad-%d" % getattr(os, "getuid", int)())
    os.makedirs(path, exist_ok=True)
    return path


def max_files():
    """The bound on files, ``$S2SAD_CACHE_MAX_FILES`` (0: no files)."""
    try:
        return max(0, int(os.environ.get("S2SAD_CACHE_MAX_FILES", DEFAULT_MAX_FILES)))
    except ValueError:
        return DEFAULT_MAX_FILES


def _directory():
    key = tuple(os.environ.get(k) for k in ("S2SAD_CACHE_DIR", "XDG_CACHE_HOME", "HOME"))
    if key not in _DIRS:
        try:
            _DIRS[key] = cache_dir()
        except OSError:
            _DIRS[key] = None
    return _DIRS[key]


def _tag():
    return ("s2sad %s %s %s\n" % (__version__, sys.implementation.name,
                                  ".".join(map(str, sys.version_info[:3])))).encode()


class _Loader:
    """The loader of a generated module: serves its source to ``linecache``/``inspect``."""

    def __init__(self, source):
        self.source = source

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(self.source, module.__file__, "exec", dont_inherit=True), module.__dict__)

    def get_source(self, name):
        return self.source


def load(source, stem, namespace):
    """Write ``source`` to the cache directory (or check the file there) and import it.

    Args:
      source: module source text.
      stem: readable file-name stem (``model__dloss_dw``).
      namespace: names to pre-bind in the module (objects the header cannot
        import, such as the user's globals).
    Returns:
      a new module (not in ``sys.modules``) running ``source``.
    Raises:
      SyntaxError: ``source`` does not compile (its file is kept, for reading).
    """
    data = source.encode("utf-8")
    name = "%s__%s" % (re.sub(r"[^0-9A-Za-z_]", "_", stem)[:MAX_STEM],
                       hashlib.sha256(_tag() + data).hexdigest()[:DIGEST])
    directory, bound = (_directory(), max_files())
    path = os.path.join(directory, name + ".py") if directory and bound else None
    if path is not None and not _store(path, data):
        path = None
    if path is None:
        path = os.path.join("<s2sad>", name + ".py")  # no such file: linecache serves it
    loader = _Loader(source)
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_loader("s2sad_generated." + name, loader, origin=path))
    module.__file__ = path
    module.__dict__.update(namespace)
    _register(path, source, loader)
    loader.exec_module(module)
    return module


def _store(path, data):
    """Make the file at ``path`` hold exactly ``data``; False if the disk will not."""
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            same = stat.st_size == len(data) and handle.read(len(data) + 1) == data
    except OSError:  # missing or unreadable: (re)write below
        same = False
    if same:
        if time.time() - stat.st_mtime > TOUCH_AFTER:
            _try(path, os.utime)  # refresh the mtime (pruning goes by it), if we may
        return True
    directory = os.path.dirname(path)
    try:
        _replace(path, data)
    except FileNotFoundError:  # the directory was deleted under us: make it again
        try:
            os.makedirs(directory, exist_ok=True)
            _replace(path, data)
        except OSError:
            return False
    except OSError:  # read-only, full, or a directory in the way
        return False
    with _LOCK:
        writes = _WRITES[directory] = _WRITES.get(directory, -1) + 1
        bound = max_files()
        if writes % max(1, bound // 10) == 0:
            prune(directory, bound)
    return True


def _replace(path, data):
    """Atomically make ``path`` hold ``data``: readers see the old file or the new one."""
    tmp = "%s.%x.%x.%s.tmp" % (path, os.getpid(), threading.get_ident(), os.urandom(4).hex())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        _try(tmp)
        raise


def _try(path, call=os.unlink):
    """``call(path)`` (delete it, by default); False if the file system refuses."""
    try:
        call(path)
        return True
    except OSError:
        return False


def _register(path, source, loader):
    """Serve ``source`` as the lines of ``path`` while ``loader``'s module lives."""
    with _LOCK:
        held = _LINES.get(path)
        if held is None or linecache.cache.get(path) is not held[0]:
            held = _LINES[path] = [(len(source), None, source.splitlines(True), path), 0]
        linecache.cache[path] = held[0]  # mtime None: linecache.checkcache keeps it
        held[1] += 1
    weakref.finalize(loader, _release, path, held).atexit = False


def _release(path, held):
    with _LOCK:
        held[1] -= 1
        if held[1] <= 0 and _LINES.get(path) is held:
            del _LINES[path]
            if linecache.cache.get(path) is held[0]:
                del linecache.cache[path]


def _ours(directory, stale=STALE_TEMP):
    """s2sad's modules in ``directory`` (``os.DirEntry``, not yet stat-ed); deletes its
    temporary files older than ``stale`` seconds and legacy bytecode on the way."""
    found = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if OURS.match(entry.name):
                    found.append(entry)
                elif TEMP.match(entry.name):
                    if stale < 0 or time.time() - _mtime(entry) > stale:
                        _try(entry.path)
                elif entry.name == "__pycache__" and entry.is_dir():
                    for name in os.listdir(entry.path):
                        if BYTECODE.match(name):
                            _try(os.path.join(entry.path, name))
                    _try(entry.path, os.rmdir)  # if empty now
    except OSError:
        pass  # gone meanwhile
    return found


def _mtime(entry):
    try:
        return entry.stat().st_mtime
    except OSError:
        return 0.0


def prune(directory, keep):
    """Delete the least recently used of s2sad's modules in ``directory`` beyond ``keep``;
    returns how many.  Harmless to a process running one: it runs its own copy of the
    source and reads its lines from memory.  Costs a directory listing, and a ``stat``
    per file only when there are more than ``keep``."""
    found = _ours(directory)
    if len(found) <= keep:
        return 0
    found.sort(key=_mtime)
    return sum(_try(entry.path) for entry in found[:len(found) - keep])


def clear():
    """Delete all of s2sad's files in :func:`cache_dir` (nothing else there); returns
    how many modules."""
    directory = _directory()
    return sum(_try(entry.path) for entry in _ours(directory, -1)) if directory else 0
