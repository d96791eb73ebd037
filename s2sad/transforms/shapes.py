"""Static same-shape classes, to drop ``unbroadcast`` calls that do nothing.

Input: the primal ANF statements (for the classes), then generated adjoint
statements.  Output: those statements where ``unbroadcast(e, x)`` is replaced
by ``e`` whenever every array in ``e`` provably has the shape of ``x``.

Two variables share a class when one is computed from the other by an
elementwise operation whose other operands are Python numbers or in the same
class (``z = x * 2.0``, ``y = np.tanh(z)``, ``t = y * y``), by a copy, or when
one is the adjoint of the other.  Only variables assigned exactly once are
used, so the facts hold on every path.
"""
import gast
import numpy as np

from ..syntax import astwalk
from .dataflow import statements
from .ops import resolve

_ELEMENTWISE = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)


SCALAR = "<scalar>"


class ShapeClasses:
    """Union-find over variable names; the class of :data:`SCALAR` holds the
    variables known to be numbers (shape ``()``)."""

    def __init__(self, counts=None):
        self.parent = {}
        self.counts = counts or {}

    def bind_adjoint(self, adjoint, primal):
        """The adjoint of a single-assignment variable, or of a number, has its shape."""
        if self.counts.get(primal, 0) <= 1 or self.same(primal, SCALAR):
            self.union(adjoint, primal)

    def find(self, name):
        root = self.parent.setdefault(name, name)
        if root != name:
            root = self.parent[name] = self.find(root)
        return root

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def same(self, a, b):
        return self.find(a) == self.find(b)


def shape_classes(primal, namespace, scalars=(), ndims=None, params=()):
    """Build :class:`ShapeClasses` from single-assignment primal statements.

    ``scalars`` are parameters known to be Python numbers; numbers computed
    from them (with arithmetic, ``math`` or NumPy ufuncs) join their class.
    ``params`` are all parameters: the others hold what the caller passed, not
    known to be numbers (even if the body assigns them numbers too).
    """
    counts = {}
    for stmt in primal:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                counts[node.id] = counts.get(node.id, 0) + 1
    classes = ShapeClasses(counts)
    for name in _scalar_variables(primal, namespace, scalars, ndims or {},
                                  set(params) - set(scalars)):
        classes.union(name, SCALAR)
    for stmt in statements(primal):
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            continue
        target = stmt.targets[0].id
        if counts.get(target) != 1:
            continue
        operands = _elementwise_operands(stmt.value, namespace) or []
        names = [o.id for o in operands if isinstance(o, gast.Name)]
        if not names or any(counts.get(n, 0) > 1 for n in names):
            continue
        if all(classes.same(names[0], n) for n in names) and all(
                isinstance(o, gast.Name) or _is_number(o) for o in operands):
            classes.union(target, names[0])
    return classes


def _scalar_variables(primal, namespace, scalars, ndims, unknown=()):
    """Variables every assignment of which produces a number (a fixed point);
    ``unknown`` names hold a value of unknown kind on entry."""
    assigns = {name: [None] for name in unknown}
    for stmt in statements(primal):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            assigns.setdefault(stmt.targets[0].id, []).append(stmt.value)
        elif (isinstance(stmt, gast.For) and isinstance(stmt.target, gast.Name)
              and isinstance(stmt.iter, gast.Call) and isinstance(stmt.iter.func, gast.Name)
              and stmt.iter.func.id == "range"):
            assigns.setdefault(stmt.target.id, []).append(gast.Constant(value=0, kind=None))
        elif isinstance(stmt, (gast.Assign, gast.AugAssign, gast.For)):
            target = stmt.targets[0] if isinstance(stmt, gast.Assign) else stmt.target
            for node in astwalk.walk(target):
                if isinstance(node, gast.Name):
                    assigns.setdefault(node.id, []).append(None)
    # greatest fixed point: assume every candidate is a number, then drop any
    # variable with an assignment that may not produce one (loops are circular)
    known = set(scalars) | set(assigns)
    changed = True
    while changed:
        changed = False
        for name, values in assigns.items():
            if name in known and not all(_is_scalar_expr(v, known, namespace, ndims)
                                         for v in values):
                known.discard(name)
                changed = True
    return known


def _is_scalar_expr(value, known, namespace, ndims):
    if value is None:
        return False
    if _is_number(value):
        return True
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        # x[i] of a 1-d array (x[i, j] of a 2-d one) with number indices is a number
        index = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
        return ndims.get(value.value.id) == len(index) and all(
            (isinstance(i, gast.Constant) and isinstance(i.value, int))
            or (isinstance(i, gast.Name) and i.id in known) for i in index)
    if isinstance(value, gast.Name):
        return value.id in known
    operands = _elementwise_operands(value, namespace)
    if operands is None and isinstance(value, gast.Call) and not value.keywords:
        try:
            func = resolve(value.func, namespace)
        except KeyError:
            return False
        if getattr(func, "__module__", None) == "math" or func in (float, abs, min, max):
            operands = value.args
    return operands is not None and all(
        _is_number(o) or (isinstance(o, gast.Name) and o.id in known) for o in operands)


def _is_number(node):
    return isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool)


def _elementwise_operands(value, namespace):
    if isinstance(value, gast.Name):
        return [value]
    if isinstance(value, gast.BinOp) and isinstance(value.op, _ELEMENTWISE):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, (gast.USub, gast.UAdd)):
        return [value.operand]
    if isinstance(value, gast.Call) and not value.keywords:
        try:
            func = resolve(value.func, namespace)
        except KeyError:
            return None
        if isinstance(func, np.ufunc) and func.nout == 1 and len(value.args) == func.nin:
            return list(value.args)
    return None


def drop_unbroadcasts(node, names, conforms, replace=None):
    """Replace ``unbroadcast(e, x)`` calls (the helper bound to one of ``names``) by
    ``e``, or by ``replace(e, x)``, where ``conforms(e, x)`` proves them trivial."""
    return _Dropper(set(names), conforms, replace).visit(node)


def conforms_by_class(classes):
    """``conforms(e, x)`` for :func:`drop_unbroadcasts`: every array in ``e`` is in
    the same-shape class as the variable ``x``."""
    def conforms(expr, like):
        return isinstance(like, gast.Name) and _conforms(classes, expr, like.id)
    return conforms


class _Dropper(gast.NodeTransformer):
    def __init__(self, names, conforms, replace):
        self.names = names
        self.conforms = conforms
        self.replace = replace

    def visit_Call(self, node):
        self.generic_visit(node)
        if (isinstance(node.func, gast.Name) and node.func.id in self.names
                and len(node.args) == 2 and not node.keywords
                and self.conforms(*node.args)):
            return node.args[0] if self.replace is None else self.replace(*node.args)
        return node


def _conforms(classes, expr, target):
    if isinstance(expr, gast.Name):
        return classes.same(expr.id, target)
    if _is_number(expr):  # a number must still be broadcast to an array x's shape
        return classes.same(target, SCALAR)
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, _ELEMENTWISE):
        parts = [expr.left, expr.right]
        return all(_conforms(classes, p, target) or _is_number(p) for p in parts) and any(
            not _is_number(p) for p in parts)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return _conforms(classes, expr.operand, target)
    return False
