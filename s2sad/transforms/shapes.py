"""Static same-shape classes, to drop ``unbroadcast`` calls that do nothing.

Input: the primal ANF statements, the map primal name -> adjoint name, and the
generated body.  Output: the body where ``unbroadcast(e, x)`` is replaced by
``e`` whenever every array in ``e`` provably has the shape of ``x``.

Two variables share a class when one is computed from the other by an
elementwise operation whose other operands are Python numbers or in the same
class (``z = x * 2.0``, ``y = np.tanh(z)``, ``t = y * y``), by a copy, or when
one is the adjoint of the other.  Only variables assigned exactly once are
used, so the facts hold on every path.
"""
import gast
import numpy as np

from .ops import resolve

_ELEMENTWISE = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)


class ShapeClasses:
    """Union-find over variable names."""

    def __init__(self):
        self.parent = {}

    def find(self, name):
        root = self.parent.setdefault(name, name)
        if root != name:
            root = self.parent[name] = self.find(root)
        return root

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def same(self, a, b):
        return self.find(a) == self.find(b)


def shape_classes(primal, adjoint_names, namespace):
    """Build :class:`ShapeClasses` from single-assignment primal statements."""
    counts = {}
    for stmt in primal:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                counts[node.id] = counts.get(node.id, 0) + 1
    classes = ShapeClasses()
    for stmt in primal:
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
    for primal_name, adj in adjoint_names.items():
        if counts.get(primal_name, 0) <= 1:
            classes.union(adj, primal_name)
    return classes


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


def drop_unbroadcasts(body, classes, unbroadcast_name):
    """Replace provably trivial ``unbroadcast(e, x)`` calls by ``e`` in ``body``."""
    dropper = _Dropper(classes, unbroadcast_name)
    return [dropper.visit(stmt) for stmt in body]


class _Dropper(gast.NodeTransformer):
    def __init__(self, classes, name):
        self.classes = classes
        self.name = name

    def visit_Call(self, node):
        self.generic_visit(node)
        if (isinstance(node.func, gast.Name) and node.func.id == self.name
                and len(node.args) == 2 and isinstance(node.args[1], gast.Name)):
            expr, target = node.args
            if self._conforms(expr, target.id):
                return expr
        return node

    def _conforms(self, expr, target):
        if isinstance(expr, gast.Name):
            return self.classes.same(expr.id, target)
        if _is_number(expr):
            return False  # a Python number must still be broadcast to x's shape
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, _ELEMENTWISE):
            parts = [expr.left, expr.right]
            return all(self._conforms(p, target) or _is_number(p) for p in parts) and any(
                not _is_number(p) for p in parts)
        if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
            return self._conforms(expr.operand, target)
        return False
