"""Annotations on AST nodes, kept under one node attribute.

Passes attach facts to nodes (the user's source line, the original statement a
temporary came from, resolved live objects) without changing the node's
fields, so ``gast``/``ast`` tooling never sees them.
"""

_FIELD = "_s2sad"


def setanno(node, key, value):
    """Attach ``value`` to ``node`` under ``key``."""
    annos = node.__dict__.setdefault(_FIELD, {})
    annos[key] = value


def getanno(node, key, default=None):
    """The annotation ``key`` of ``node``, or ``default``."""
    return node.__dict__.get(_FIELD, {}).get(key, default)


def hasanno(node, key):
    """True if ``node`` carries annotation ``key``."""
    return key in node.__dict__.get(_FIELD, {})


def copyanno(src, dst):
    """Copy all annotations of ``src`` onto ``dst``; returns ``dst``."""
    if _FIELD in src.__dict__:
        dst.__dict__[_FIELD] = dict(src.__dict__[_FIELD])
    return dst
