"""Lower runtime helpers to plain NumPy where shape specialisation allows it.

Input: the optimised statements of a shape-specialised joint reverse sweep, the
:class:`~s2sad.transforms.shape_inference.Shapes` of its variables, and the code
generator's :class:`~s2sad.codegen.Imports`.  Output: the same statements where a
helper call whose general case is not needed is written as the NumPy a person
would write:

* ``bx = unslice(g, x, i)`` -> ``bx = np.zeros_like(x)`` and ``bx[i] = g``;
  ``zeros_like(x)`` of a float array -> ``np.zeros_like(x)``;
* ``bx = add_at(bx, i, g)`` -> ``bx[i] += g`` (``bx`` is an array this code owns);
* ``matmul_adjoint_a(g, a, b)`` / ``matmul_adjoint_b(g, a, b)`` (and the ``np.dot``
  adjoints) for 1-d and 2-d operands -> ``np.outer(g, b)``, ``g @ b.T``, ``a.T @ g``,
  ``g @ a``, ...
* ``real_cotangent(g, x)`` -> ``g`` where ``g`` is real or ``x`` complex;
* ``unbroadcast(g, b)`` -> ``g.sum(axis=0)``, ``g.sum(axis=1, keepdims=True)``,
  ``g.sum()`` (the reduction the shapes call for);
* ``unreduce_extremum(g, m, x, axis, True)`` -> ``np.where(x == m, g, 0.0) /
  (x == m).sum(axis=axis, keepdims=True)`` (ties share the adjoint);
* ``np.sum(x, axis=1)`` (``mean``, ``max``, ``min``, ``prod``) of an array ->
  ``x.sum(axis=1)``: the method skips NumPy's Python-level dispatch.

Only basic indices (integers, slices with integer bounds) are lowered: advanced
indices need ``np.add.at`` to accumulate repeated positions.
"""
import gast
import numpy as np

from ..syntax import astwalk
from .. import runtime
from ..syntax.annotations import copyanno
from .dataflow import read, statements, upward_exposed
from .ops import resolve
from .reverse import load


def lower(stmts, shapes, imports):
    """``stmts`` with helpers lowered (see the module docstring); a new list."""
    helpers = {name: runtime.helper_name(func) for name, func in imports.bound.items()
               if runtime.helper_name(func) is not None}
    out = []
    for stmt in stmts:
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and block:
                setattr(stmt, field, lower(block, shapes, imports))
        out.extend(_Lowering(shapes, imports, helpers).statement(stmt))
    return out


class _Lowering(gast.NodeTransformer):
    def __init__(self, shapes, imports, helpers):
        self.shapes = shapes
        self.imports = imports
        self.helpers = helpers

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            target = stmt.targets[0].id
            call = stmt.value
            helper = self._helper(call)
            if helper == "unslice" and self._array(call.args[1], "fc") and self._fits(
                    call.args[0], call.args[1]) and target not in read(
                        [gast.Expr(value=call.args[0]), gast.Expr(value=call.args[2])]):
                # (by = unslice(by, y, i) is not by = zeros; by[i] = by)
                index = self._index(call.args[2])
                if index is not None:
                    zeros = gast.Call(func=self.imports.reference(np.zeros_like, "zeros_like"),
                                      args=[call.args[1]], keywords=[])
                    return [_assign(stmt, gast.Name(id=target, ctx=gast.Store(),
                                                    annotation=None, type_comment=None),
                                    zeros),
                            _assign(stmt, _subscript(target, index, gast.Store()),
                                    call.args[0])]
            if (helper == "add_at" and isinstance(call.args[0], gast.Name)
                    and call.args[0].id == target and self._array(call.args[0], "fc")
                    and self._fits(call.args[2], call.args[0])):
                index = self._index(call.args[1])
                if index is not None:
                    new = gast.AugAssign(target=_subscript(target, index, gast.Store()),
                                         op=gast.Add(), value=call.args[2])
                    return [copyanno(stmt, gast.copy_location(new, stmt))]
        return [self.visit(stmt)]

    def visit_Call(self, node):
        self.generic_visit(node)
        method = self._reduction_method(node)
        if method is not None:
            return method
        helper = self._helper(node)
        if helper in _PRODUCT_ADJOINTS and len(node.args) == 3:
            # np.dot and @ agree on 1-d and 2-d operands, the only ones lowered
            lowered = self._matmul(_PRODUCT_ADJOINTS[helper], *node.args)
            if lowered is not None:
                return lowered
        if helper == "item_at" and len(node.args) == 2 and self.shapes.shape(node.args[0]):
            index = self._index(node.args[1])  # an array adjoint: plain indexing
            if index is not None:
                return gast.Subscript(value=node.args[0], slice=index, ctx=gast.Load())
        if helper == "zeros_like" and len(node.args) == 1:
            shape, kind, _ = self.shapes.of(node.args[0])
            if shape and kind in ("f", "c"):
                return gast.Call(func=self.imports.reference(np.zeros_like, "zeros_like"),
                                 args=node.args, keywords=[])
        if helper == "unreduce_extremum" and 3 <= len(node.args) <= 5:
            lowered = self._extremum(*node.args)
            if lowered is not None:
                return lowered
        if helper == "real_cotangent" and len(node.args) == 2 and (
                self.shapes.of(node.args[0])[1] in ("b", "i", "u", "f")
                or self.shapes.of(node.args[1])[1] == "c"):
            return node.args[0]  # a real cotangent, or a complex x: nothing to project
        if helper == "unbroadcast" and len(node.args) == 2:
            lowered = self._unbroadcast(*node.args)
            if lowered is not None:
                return lowered
        return node

    def _extremum(self, g, y, x, axis=None, keepdims=None):
        """``np.where(x == y, g, 0.0) / (x == y).sum(axis, keepdims=True)``: the
        adjoint of a max/min reduction that keeps its axes (or reduces them all)."""
        full = self.shapes.shape(x)
        whole = axis is None or (isinstance(axis, gast.Constant) and axis.value is None)
        kept = isinstance(keepdims, gast.Constant) and keepdims.value is True
        if not full or self.shapes.of(x)[1] != "f" or not (whole or kept):
            return None
        if whole and self.shapes.shape(y) != () and not kept:
            return None

        def ties():
            return gast.Compare(left=x, ops=[gast.Eq()], comparators=[y])

        keywords = [] if whole else [gast.keyword(arg="axis", value=axis)]
        keywords.append(gast.keyword(arg="keepdims",
                                     value=gast.Constant(value=True, kind=None)))
        count = gast.Call(func=gast.Attribute(value=ties(), attr="sum", ctx=gast.Load()),
                          args=[], keywords=keywords)
        where = gast.Call(func=self.imports.reference(np.where, "where"),
                          args=[ties(), g, gast.Constant(value=0.0, kind=None)], keywords=[])
        return gast.BinOp(left=where, op=gast.Div(), right=count)

    def _unbroadcast(self, g, x):
        """``g.sum(axis=...)`` when ``g`` has extra leading axes or length-n axes where
        ``x`` has length 1 (not both)."""
        shape, like = self.shapes.shape(g), self.shapes.shape(x)
        if not shape or like is None or len(like) > len(shape):
            return None
        if self.shapes.of(g)[1] not in ("b", "i", "u", "f") and self.shapes.of(x)[1] != "c":
            return None  # unbroadcast also takes the real part for a real x
        lead = len(shape) - len(like)
        kept = tuple(lead + i for i, n in enumerate(like) if n == 1 and shape[lead + i] != 1)
        if any(n != shape[lead + i] and n != 1 for i, n in enumerate(like)):
            return None
        if lead and kept:
            return None
        axes = kept or tuple(range(lead))
        keywords = [gast.keyword(arg="axis", value=gast.Constant(value=axes[0], kind=None)
                                 if len(axes) == 1 else _constant_tuple(axes))]
        if kept:
            keywords.append(gast.keyword(arg="keepdims", value=gast.Constant(value=True,
                                                                             kind=None)))
        if not like:
            keywords = []
        negated = isinstance(g, gast.UnaryOp) and isinstance(g.op, gast.USub)
        method = gast.Attribute(value=g.operand if negated else g, attr="sum", ctx=gast.Load())
        total = gast.Call(func=method, args=[], keywords=keywords)
        return gast.UnaryOp(op=gast.USub(), operand=total) if negated else total

    def _reduction_method(self, node):
        """``np.sum(x, axis=1)`` -> ``x.sum(axis=1)`` for an array ``x``: the method
        skips NumPy's Python-level dispatch (a microsecond on small arrays)."""
        if not (isinstance(node.func, gast.Attribute) and len(node.args) == 1
                and self._array(node.args[0], "bifc")):
            return None
        try:
            func = resolve(node.func, self.imports.bound)
        except (KeyError, AttributeError):
            return None
        name = _REDUCTIONS.get(func)
        if name is None or not {k.arg for k in node.keywords} <= {"axis", "keepdims"}:
            return None
        return gast.Call(func=gast.Attribute(value=node.args[0], attr=name, ctx=gast.Load()),
                         args=[], keywords=node.keywords)

    def _helper(self, node):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and not node.keywords:
            return self.helpers.get(node.func.id)
        return None

    def _array(self, node, kinds):
        shape, kind, _ = self.shapes.of(node)
        return bool(shape) and kind is not None and kind in kinds

    def _fits(self, value, array):
        """``value``'s dtype kind does not exceed ``array``'s (no promotion needed)."""
        kind, akind = self.shapes.of(value)[1], self.shapes.of(array)[1]
        return kind is not None and akind is not None and "bifc".index(kind) <= "bifc".index(
            akind)

    def _index(self, node):
        """``node`` as subscript syntax if it is a basic index, else None."""
        if isinstance(node, gast.Tuple):
            parts = [self._index(e) for e in node.elts]
            return None if any(p is None for p in parts) else gast.Tuple(elts=parts,
                                                                          ctx=gast.Load())
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id == "slice" and not node.keywords and len(node.args) <= 3:
            bounds = [None if _is_none(a) else a for a in node.args]
            if not all(b is None or self._integer(b) for b in bounds):
                return None
            if len(bounds) == 1:
                bounds = [None] + bounds
            bounds += [None] * (3 - len(bounds))
            return gast.Slice(lower=bounds[0], upper=bounds[1], step=bounds[2])
        if self._integer(node):
            return node
        return None

    def _integer(self, node):
        if isinstance(node, gast.Constant):
            return type(node.value) is int
        shape, kind, _ = self.shapes.of(node)
        return shape == () and kind == "i"

    def _matmul(self, helper, g, a, b):
        ga, gb = self.shapes.shape(a), self.shapes.shape(b)
        gg = self.shapes.shape(g)
        if ga is None or gb is None or gg is None or not (1 <= len(ga) <= 2 and
                                                          1 <= len(gb) <= 2):
            return None
        vector_a, vector_b = len(ga) == 1, len(gb) == 1
        if gg != _matmul_shape(ga, gb):
            return None
        np_ref = self.imports.reference
        if helper == "matmul_adjoint_a":
            if vector_a and vector_b:
                return gast.BinOp(left=g, op=gast.Mult(), right=b)
            if vector_b:
                return gast.Call(func=np_ref(np.outer, "outer"), args=[g, b], keywords=[])
            if vector_a:
                return gast.BinOp(left=b, op=gast.MatMult(), right=g)
            return gast.BinOp(left=g, op=gast.MatMult(), right=_transposed(b))
        if vector_a and vector_b:
            return gast.BinOp(left=g, op=gast.Mult(), right=a)
        if vector_a:
            return gast.Call(func=np_ref(np.outer, "outer"), args=[a, g], keywords=[])
        if vector_b:
            return gast.BinOp(left=g, op=gast.MatMult(), right=a)
        return gast.BinOp(left=_transposed(a), op=gast.MatMult(), right=g)


_REDUCTIONS = {np.sum: "sum", np.mean: "mean", np.max: "max", np.min: "min",
               np.amax: "max", np.amin: "min", np.prod: "prod"}
_PRODUCT_ADJOINTS = {"matmul_adjoint_a": "matmul_adjoint_a", "dot_adjoint_a": "matmul_adjoint_a",
                     "matmul_adjoint_b": "matmul_adjoint_b", "dot_adjoint_b": "matmul_adjoint_b"}


def _matmul_shape(a, b):
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(b) == 1:
        return a[:-1]
    if len(a) == 1:
        return b[-1:]
    return (a[0], b[1])


def _constant_tuple(values):
    return gast.Tuple(elts=[gast.Constant(value=v, kind=None) for v in values],
                      ctx=gast.Load())


def _transposed(node):
    return gast.Attribute(value=node, attr="T", ctx=gast.Load())


def _is_none(node):
    return isinstance(node, gast.Constant) and node.value is None


def _subscript(name, index, ctx):
    return gast.Subscript(value=load(name), slice=index, ctx=ctx)


def _assign(origin, target, value):
    new = gast.Assign(targets=[target], value=value, type_comment=None)
    return copyanno(origin, gast.copy_location(new, origin))


# --- in-place accumulation (create_graph=False) ----------------------------------

_NON_RETAINING = (gast.BinOp, gast.UnaryOp, gast.Compare)


def accumulate_in_place(stmts, shapes, namespace):
    """``v = v + e`` -> ``v += e`` (and ``-``) for every array ``v`` this code owns alone.

    ``v`` qualifies when it is never read before this code assigns it (so a
    parameter, the caller's array, never does), each of its assignments makes a fresh
    array (arithmetic,
    a ufunc, ``np.zeros_like``/``zeros_like``, a ``.sum`` reduction) or is such an
    accumulation, and each read in ``stmts`` only computes with it (arithmetic,
    ufuncs, ``np.outer``); the function may return it.  Not differentiable again:
    for derivatives made with ``create_graph=False``.
    """
    assigns, reads = {}, {}
    for stmt in statements(stmts):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            assigns.setdefault(stmt.targets[0].id, []).append(stmt)
        elif isinstance(stmt, (gast.Assign, gast.AugAssign, gast.For)):
            target = stmt.targets[0] if isinstance(stmt, gast.Assign) else stmt.target
            for node in astwalk.walk(target):
                if isinstance(node, gast.Name):
                    assigns.setdefault(node.id, []).append(None)
    _collect_reads(stmts, reads)
    outside = upward_exposed(stmts)  # parameters and other values made elsewhere
    owned = {name for name, values in assigns.items()
             if name not in outside
             and all(v is not None and (_is_accumulation(v) or _fresh(v.value, namespace))
                     for v in values)
             and reads.get(name, True) and shapes.shape(_name(name))}
    for stmt in statements(stmts):
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                block[:] = [_augmented(s, owned, shapes) for s in block]
    return [_augmented(s, owned, shapes) for s in stmts]


def _name(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _is_accumulation(stmt):
    value = stmt.value
    name = stmt.targets[0].id
    return (isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub))
            and isinstance(value.left, gast.Name) and value.left.id == name
            and not any(isinstance(n, gast.Name) and n.id == name
                        for n in astwalk.walk(value.right)))


def _fresh(value, namespace):
    """``value`` evaluates to a new array (or a number) nobody else holds."""
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        return True
    if not isinstance(value, gast.Call):
        return False
    if isinstance(value.func, gast.Attribute) and value.func.attr == "sum":
        return True
    try:
        func = resolve(value.func, namespace)
    except (KeyError, AttributeError):
        return False
    return func in (np.zeros_like, np.zeros, np.outer, runtime.zeros_like) or (
        isinstance(func, np.ufunc) and func.nout == 1)


def _collect_reads(stmts, reads):
    """``reads[name]`` is False when some read of ``name`` may keep a reference."""
    for stmt in statements(stmts):
        if isinstance(stmt, gast.For):
            parts = [stmt.iter]
        elif isinstance(stmt, (gast.If, gast.While)):
            parts = [stmt.test]
        elif isinstance(stmt, (gast.Assign, gast.AugAssign)) and isinstance(
                _target(stmt), gast.Subscript) and isinstance(_target(stmt).value, gast.Name):
            parts = [_target(stmt).slice, stmt.value]  # x[i] = v writes into x, keeps nothing
        else:
            parts = [stmt]
        for part in parts:
            _mark(part, None, reads)


def _target(stmt):
    return stmt.targets[0] if isinstance(stmt, gast.Assign) else stmt.target


def _mark(node, parent, reads):
    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
        safe = isinstance(parent, _NON_RETAINING) or (
            isinstance(parent, gast.Call) and node is not parent.func and _computes(parent))
        reads[node.id] = reads.get(node.id, True) and safe
        return
    for child in gast.iter_child_nodes(node):
        _mark(child, node, reads)


def _computes(call):
    """A call that only computes with its arguments: a method ``.sum`` or a NumPy
    function known not to return (a view of) its argument."""
    func = call.func
    if isinstance(func, gast.Attribute) and func.attr == "sum":
        return True
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
        func.attr in _COMPUTING


_COMPUTING = {"outer", "exp", "log", "tanh", "sin", "cos", "sqrt", "dot", "matmul"}


def _augmented(stmt, owned, shapes):
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
            and stmt.targets[0].id in owned and _is_accumulation(stmt)):
        return stmt
    name = stmt.targets[0].id
    shape, kind, _ = shapes.of(_name(name))
    added, added_kind, _ = shapes.of(stmt.value.right)
    if (shape is None or added is None or kind is None or added_kind is None
            or np.broadcast_shapes(shape, added) != shape
            or "bifc".index(added_kind) > "bifc".index(kind)):
        return stmt
    new = gast.AugAssign(target=gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                          type_comment=None),
                         op=type(stmt.value.op)(), value=stmt.value.right)
    return copyanno(stmt, gast.copy_location(new, stmt))


def returns_fresh_arrays(stmts, final, shapes, namespace, signatures, single):
    """True if ``final`` returns, for each differentiated argument (``signatures``),
    an array of its shape and dtype (float64) that the code made itself and nobody
    else holds: the API may then hand the gradients out as they are.  The caller
    makes sure every argument is float64, integer or boolean (so float arrays the
    code computes are float64)."""
    value = final.value
    names = [value] if single else getattr(value, "elts", None)
    if names is None or len(names) != len(signatures) or not all(
            isinstance(n, gast.Name) for n in names):
        return False
    if len({n.id for n in names}) != len(names):
        return False
    assigned, reads = {}, {}
    for stmt in statements(stmts):
        if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.For)):
            target = stmt.targets[0] if isinstance(stmt, gast.Assign) else stmt.target
            if isinstance(target, gast.Name):
                assigned.setdefault(target.id, []).append(stmt)
    _collect_reads(stmts, reads)
    for node, sig in zip(names, signatures):
        if not (isinstance(sig, tuple) and sig[1] == np.float64 and sig[0]):
            return False
        if shapes[node.id][:2] != (sig[0], "f") or not reads.get(node.id, True):
            return False
        for stmt in assigned.get(node.id, [None]):
            if not (isinstance(stmt, gast.Assign) and _fresh(stmt.value, namespace)) \
                    and not isinstance(stmt, gast.AugAssign):
                return False
    return True
