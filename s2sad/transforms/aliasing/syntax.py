"""Small AST builders and readers shared by the aliasing pass.

Input: gast nodes (and, for :func:`np_attr`, the ``bind(name, obj) -> name`` callback of
the compilation).  Output: new gast nodes (located at an origin statement, carrying its
``origin`` annotation), the text of a node for messages, the parts of an index, the
expressions and statements a statement holds.  No analysis state; it imports no other
module of the package.
"""
import copy

import gast
import numpy as np

from ...syntax import astwalk, printer
from ...syntax.annotations import getanno, setanno


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def make_call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def whole_target(node):
    """``node[...]`` as a store target."""
    return gast.Subscript(value=copy.deepcopy(node),
                          slice=gast.Constant(value=Ellipsis, kind=None), ctx=gast.Store())


def assignment(target, value, origin):
    """``target = value``, located at (and annotated as coming from) ``origin``."""
    stmt = gast.Assign(targets=[target], value=value, type_comment=None)
    return located(stmt, origin)


def located(stmt, origin):
    """``stmt`` with every node at ``origin``'s position and ``origin``'s origin."""
    for node in astwalk.walk(stmt):
        if isinstance(node, (gast.stmt, gast.expr)):
            gast.copy_location(node, origin)
    setanno(stmt, "origin", getanno(origin, "origin") or origin)
    return stmt


def np_attr(bind, attr):
    """``np.attr``, NumPy bound under the name ``bind`` gives it."""
    return gast.Attribute(value=load(bind("np", np)), attr=attr, ctx=gast.Load())


def bind_into(namespace, name, obj):
    """Bind ``obj`` in ``namespace`` under ``name`` (or a free variant of it); the name."""
    if namespace.get(name) is obj:
        return name
    new = "_s2sad_" + name
    while new in namespace and namespace[new] is not obj:
        new += "_"
    namespace[new] = obj
    return new


def unparse(node):
    """The first line of ``node``'s source text (for messages)."""
    return printer.unparse(node).split("\n")[0]


def quoted(name):
    return "`%s`" % name


def index_parts(idx):
    """The parts of an index (``y[i, j]``: ``[i, j]``; ``y[i]``: ``[i]``)."""
    return idx.elts if isinstance(idx, gast.Tuple) else [idx]


def is_sliced(part, markers=(None, Ellipsis)):
    """True if index part ``part`` is a slice or one of the constants ``markers``."""
    return isinstance(part, gast.Slice) or (isinstance(part, gast.Constant)
                                            and part.value in markers)


def expressions(stmt):
    """The nodes of ``stmt`` outside the statements nested in it (scanned on their own)."""
    todo = [c for c in gast.iter_child_nodes(stmt) if not isinstance(c, gast.stmt)]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(gast.iter_child_nodes(node))


def own_statements(stmts):
    """Statements of ``stmts`` and their loop/branch bodies, not nested functions'."""
    for stmt in stmts:
        yield stmt
        if not isinstance(stmt, gast.FunctionDef):
            for field in ("body", "orelse"):
                yield from own_statements(getattr(stmt, field, None) or [])
