"""Writing generated programs into module files and importing them.

Input: a :class:`~.program.Program` (its ``source`` and ``label``).  Output:
:func:`load` gives ``(f, module name)``; :func:`module_dir` is the temp dir (on
``sys.path``) the modules are written into, removed when the process that made it exits
(``S2SAD_PROGEN_KEEP=1`` keeps it); :func:`_reset_moddir` is the initializer of worker
processes, which write into subdirectories of their parent's dir.

Imports: the standard library.
"""
import importlib
import os
import re
import sys
import tempfile

_MODDIR = None
_PARENT_DIR = None
_MODCOUNT = [0]


def module_dir():
    """The temp dir (on sys.path) where generated modules are written; removed when the
    process that made it exits (set S2SAD_PROGEN_KEEP=1 to keep it).  A worker
    process writes into a subdirectory of its parent's."""
    global _MODDIR
    if _MODDIR is None:
        _MODDIR = tempfile.mkdtemp(prefix="s2sad_progen_", dir=_PARENT_DIR)
        sys.path.insert(0, _MODDIR)
        if _PARENT_DIR is None and not os.environ.get("S2SAD_PROGEN_KEEP"):
            import atexit
            import shutil
            pid = os.getpid()
            atexit.register(lambda: os.getpid() == pid and shutil.rmtree(
                _MODDIR_ROOT[0], ignore_errors=True))
        if _PARENT_DIR is None:
            _MODDIR_ROOT[0] = _MODDIR
    return _MODDIR


_MODDIR_ROOT = [None]


def _slug(text):
    return re.sub(r"[^0-9A-Za-z]+", "_", str(text)).strip("_")[:40] or "p"


def load(prog, modname=None):
    """Write ``prog`` to its own module file, import it, return (function, module name)."""
    d = module_dir()
    _MODCOUNT[0] += 1
    if modname is None:
        modname = "gen_%s_%d_%d" % (_slug(prog.label), os.getpid(), _MODCOUNT[0])
    path = os.path.join(d, modname + ".py")
    with open(path, "w") as fh:
        fh.write(prog.source)
    importlib.invalidate_caches()
    mod = importlib.import_module(modname)
    return mod.f, modname


def _reset_moddir():
    global _MODDIR, _PARENT_DIR
    _PARENT_DIR = _MODDIR_ROOT[0]
    _MODDIR = None
