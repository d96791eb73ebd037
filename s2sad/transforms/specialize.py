"""Shape specialisation of a generated reverse sweep: the rewriting.

Input: statements and the :class:`~s2sad.transforms.shape_inference.Shapes` that
:func:`~s2sad.transforms.shape_inference.infer` found for them.  Output:
:func:`specialize` -- the statements with ``unbroadcast(e, x)`` dropped where ``e``
provably has ``x``'s shape, ``real_cotangent(g, x)`` dropped where ``g`` is provably
real or ``x`` complex, and the adjoint of a full reduction kept as a number
while only elementwise code reads it (``unreduce(b, x)`` -> ``b``), so that
``100.0 * bt`` costs nothing and ``bt * 2 * x`` is one pass, as written by hand;
:func:`propagate_numbers` and :func:`bind_number` substitute numbers the signature
fixes.
"""
import gast
import numpy as np

from ..syntax import astwalk
from .dataflow import statements
from .ops import resolve
from .optimize import simplify_stmt
from .shape_inference import (
    TOP, UNKNOWN, Evaluator, Shapes, assignments, broadcast_shapes, infer, runtime_name,
    signature,
)
from .shapes import drop_unbroadcasts

_REAL_KINDS = ("b", "i", "u", "f")

__all__ = ["specialize", "propagate_numbers", "bind_number", "infer", "signature", "Shapes"]


def specialize(stmts, shapes, bound, keep=()):
    """``stmts`` with shape bookkeeping that ``shapes`` proves trivial removed.

    ``bound`` maps the names the generated code uses for runtime helpers to the
    helpers; ``keep`` are names read after ``stmts`` (they stay arrays).  Returns the
    new statement list (rewritten in place where possible).
    """
    names = {name: func.__name__ for name, func in bound.items()
             if runtime_name(func) is not None}
    def same_field(expr, like):
        # real_cotangent(g, x) is g unless x is real and g complex
        g, x = shapes.of(expr)[1], shapes.of(like)[1]
        return g in _REAL_KINDS or x == "c"
    def conforms(expr, like):  # same shape, and no real projection to make
        target = shapes.shape(like)
        return target is not None and shapes.shape(expr) == target and same_field(expr, like)

    real = [name for name, helper in names.items() if helper == "real_cotangent"]
    stmts = [drop_unbroadcasts(s, real, same_field) for s in stmts]
    unbroadcast = [name for name, helper in names.items() if helper == "unbroadcast"]
    stmts = [drop_unbroadcasts(s, unbroadcast, conforms) for s in stmts]
    _keep_reductions_compact(stmts, shapes, names, keep)
    return propagate_numbers(stmts)


def _keep_reductions_compact(stmts, shapes, names, keep):
    """Keep the adjoint of a reduction compact while elementwise code reads it.

    ``bt = unreduce(b, t, axis)`` broadcasts ``b`` to ``t``'s shape; if every reader
    of ``bt`` is elementwise arithmetic whose result keeps its own shape anyway (or
    is itself such a compact value, or writes it into an array), the broadcast array
    is never needed: ``bt`` becomes ``b`` (``b[:, None]`` when an axis was dropped).
    """
    counts = {}
    for name, _ in assignments(stmts):
        counts[name] = counts.get(name, 0) + 1
    defs = {}
    for stmt in statements(stmts):
        if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                and counts.get(stmt.targets[0].id) == 1):
            defs[stmt.targets[0].id] = stmt
    lazy = {}  # name -> the compact shape of its value
    while True:  # grow: sources, and elementwise code on compact values
        grown = False
        for name, stmt in defs.items():
            full = shapes[name][0]
            if name in lazy or full is None:
                continue
            compact = _compact(stmt.value, shapes, names, lazy)
            if compact is not None:
                small = compact[1]
            elif _reads_any(stmt.value, lazy) and _elementwise(stmt.value, lazy,
                                                                shapes.namespace):
                small = _compact_shape(stmt.value, lazy, shapes)
            else:
                continue
            if small is not None and small != full and broadcast_shapes(small, full) == full:
                lazy[name] = small
                grown = True
        if not grown:
            break
    while lazy:  # shrink: every reader must accept the compact value
        bad = set(keep) & set(lazy)
        for stmt in statements(stmts):
            for name in _reads_in(stmt, lazy):
                if not _accepts_compact(stmt, name, lazy, shapes, defs, names):
                    bad.add(name)
        if not bad:
            break
        for name in bad:
            del lazy[name]
    for name in lazy:
        compact = _compact(defs[name].value, shapes, names, lazy)
        if compact is not None:
            defs[name].value = compact[0]


def _compact(value, shapes, names, lazy):
    """For ``unreduce(b, x, axis, keepdims)`` / ``unreduce_mean(b, y, x, axis, keepdims)``
    with constant axis: ``(expression, shape)`` of the value broadcasting to the
    result (``b`` with the reduced axes as length 1), else None."""
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)):
        return None
    helper = names.get(value.func.id)
    if helper not in ("unreduce", "unreduce_mean") or value.keywords:
        return None
    args = value.args
    first = 2 if helper == "unreduce" else 3
    if len(args) < first or len(args) > first + 2:
        return None
    options = [_literal(a) for a in args[first:]]
    if any(o is _NOT_LITERAL for o in options):
        return None
    axis, keepdims = (options + [None, False])[:2]
    full = shapes.shape(args[first - 1])
    small = _compact_shape(args[0], lazy, shapes)
    if full is None or small is None or not full:
        return None
    expr = args[0]
    if helper == "unreduce_mean":
        reduced = shapes.shape(args[1])
        if reduced is None:
            return None
        ratio = int(np.prod(full)) // max(int(np.prod(reduced)), 1)
        expr = gast.BinOp(left=expr, op=gast.Div(), right=gast.Constant(value=float(ratio),
                                                                           kind=None))
    if small == () or keepdims:
        return (expr, small) if broadcast_shapes(small, full) == full else None
    axes = (axis,) if isinstance(axis, int) else axis
    if not isinstance(axes, tuple) or len(small) + len(axes) != len(full):
        return None
    axes = sorted(a % len(full) for a in axes)
    index, kept = [], iter(small)
    shape = []
    for i in range(len(full)):
        if i in axes:
            index.append(gast.Constant(value=None, kind=None))
            shape.append(1)
        else:
            index.append(gast.Slice(lower=None, upper=None, step=None))
            shape.append(next(kept))
    while index and isinstance(index[-1], gast.Slice):
        index.pop()
    sub = gast.Subscript(value=expr, slice=gast.Tuple(elts=index, ctx=gast.Load())
                         if len(index) > 1 else index[0], ctx=gast.Load())
    return (sub, tuple(shape)) if broadcast_shapes(tuple(shape), full) == full else None


_NOT_LITERAL = object()


def _literal(node):
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return _NOT_LITERAL


def _compact_shape(node, lazy, shapes):
    """Shape of ``node`` when the ``lazy`` names hold their compact values."""
    env = dict(shapes.env)
    for name, small in lazy.items():
        old = env.get(name, UNKNOWN)
        env[name] = (small, old[1] if old is not TOP else None, None)
    value = Evaluator(env, shapes.namespace).visit(node)
    return None if value is TOP else value[0]


def _accepts_compact(stmt, name, lazy, shapes, defs, names):
    """Can ``stmt`` read ``name``'s compact value instead of the broadcast array?"""
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
        return False
    target = stmt.targets[0].id
    if target in lazy and defs.get(target) is stmt:
        return True
    value = stmt.value
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and len(
            value.args) == 3 and not value.keywords:
        # writing into an array broadcasts the written value: unslice(g, x, i),
        # add_at(buf, i, g)
        helper = names.get(value.func.id)
        where, written = {"unslice": (1, 0), "add_at": (0, 2), "added_at": (0, 2)}.get(
            helper, (None, None))
        if where is not None and not _reads_any(gast.Tuple(elts=[
                a for i, a in enumerate(value.args) if i != written], ctx=gast.Load()), lazy):
            return shapes.of(value.args[where])[1] in ("f", "c") and isinstance(
                value.args[written], gast.Name)
        return False
    if not _elementwise(value, lazy, shapes.namespace):
        return False
    full = shapes[target][0]
    return full is not None and _compact_shape(value, lazy, shapes) == full


def _reads_any(node, names):
    return any(isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in names
               for n in astwalk.walk(node))


def _reads_in(stmt, names):
    """Names of ``names`` read by ``stmt`` itself (not by nested statements)."""
    if isinstance(stmt, (gast.For, gast.If, gast.While)):
        parts = [stmt.iter] if isinstance(stmt, gast.For) else [stmt.test]
    else:
        parts = [stmt]
    return {n.id for p in parts for n in astwalk.walk(p)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in names}


def _elementwise(node, lazy, namespace):
    """Only arithmetic and NumPy ufuncs lie between ``node`` and its reads of the
    ``lazy`` names (parts that read none of them may be anything)."""
    if isinstance(node, (gast.Name, gast.Constant)) or not _reads_any(node, lazy):
        return True
    if isinstance(node, gast.BinOp):
        return isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)) and \
            _elementwise(node.left, lazy, namespace) and _elementwise(node.right, lazy,
                                                                         namespace)
    if isinstance(node, gast.UnaryOp):
        return isinstance(node.op, (gast.USub, gast.UAdd)) and _elementwise(
            node.operand, lazy, namespace)
    if isinstance(node, gast.Call) and not node.keywords:
        try:
            func = resolve(node.func, namespace)
        except (KeyError, AttributeError):
            return False
        return isinstance(func, np.ufunc) and func.signature is None and func.nout == 1 and all(
            _elementwise(a, lazy, namespace) for a in node.args)
    return False


def propagate_numbers(stmts):
    """Read the number itself wherever a variable assigned once holds a number."""
    counts = {}
    for name, _ in assignments(stmts):
        counts[name] = counts.get(name, 0) + 1
    done = set()
    while True:
        numbers_of = {}
        for stmt in statements(stmts):
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and counts.get(stmt.targets[0].id) == 1 and stmt.targets[0].id not in done
                    and isinstance(stmt.value, gast.Constant)
                    and type(stmt.value.value) in (int, float)):
                numbers_of[stmt.targets[0].id] = stmt.value.value
        if not numbers_of:
            return stmts
        for name, value in numbers_of.items():
            stmts = bind_number(stmts, name, value)
            done.add(name)
        stmts = [simplify_stmt(s) for s in stmts]


def bind_number(stmts, name, value):
    """``stmts`` reading the number ``value`` wherever they read ``name``, except
    where it is indexed or has an attribute taken (``b[...]``, ``b.real``): a number
    literal there would not be valid Python."""
    class _Bind(gast.NodeTransformer):
        def visit_Name(self, node):
            if node.id == name and isinstance(node.ctx, gast.Load):
                return gast.Constant(value=value, kind=None)
            return node

        def visit_Subscript(self, node):
            if not isinstance(node.value, gast.Name):
                node.value = self.visit(node.value)
            node.slice = self.visit(node.slice)
            return node

        def visit_Attribute(self, node):
            if not isinstance(node.value, gast.Name):
                node.value = self.visit(node.value)
            return node
    return [_Bind().visit(s) for s in stmts]


