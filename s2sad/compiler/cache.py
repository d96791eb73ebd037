"""The on-disk cache of generated modules.

Each generated module is written to the cache directory and imported from there, so
tracebacks and ``pdb`` show real lines.
"""
import hashlib
import importlib.util
import os
import re
import tempfile
import threading


def cache_dir():
    """Directory for generated modules (``$S2SAD_CACHE_DIR`` or ``~/.cache/s2sad``)."""
    path = os.environ.get("S2SAD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "s2sad")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    path = os.path.join(tempfile.gettempdir(), "s2sad-%d" % os.getuid())
    os.makedirs(path, exist_ok=True)
    return path


def load(source, stem, namespace):
    """Write ``source`` to the cache directory and import it.

    Args:
      source: module source text.
      stem: readable file-name stem (``model__dloss_dw``).
      namespace: names to pre-bind in the module (objects the header cannot
        import, such as the user's globals).
    """
    digest = hashlib.sha1(source.encode()).hexdigest()[:8]
    safe = re.sub(r"[^0-9A-Za-z_]", "_", stem)
    path = os.path.join(cache_dir(), "%s__%s.py" % (safe, digest))
    if not os.path.exists(path):
        tmp = "%s.%d.%d.tmp" % (path, os.getpid(), threading.get_ident())
        with open(tmp, "w") as handle:
            handle.write(source)
        os.replace(tmp, path)
    name = "s2sad_generated.%s__%s" % (safe, digest)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(namespace)
    spec.loader.exec_module(module)
    return module
