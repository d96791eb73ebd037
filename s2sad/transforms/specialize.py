"""Shape specialisation of a generated reverse sweep.

Input: the primal and backward statements of a reverse-mode function (before the
tape is resolved: tape markers are ignored), the names and signatures of its
parameters (:func:`signature` of each argument: a shape and dtype kind for an
array, a kind for a Python number) and the namespace of bound names.  Output:

* :func:`infer` -- the shape, dtype kind and (for shape arithmetic) value of every
  variable whose every assignment agrees, by an optimistic fixed point over all
  statements, loop bodies included;
* :func:`specialize` -- the statements with ``unbroadcast(e, x)`` dropped where ``e``
  provably has ``x``'s shape, and the adjoint of a full reduction kept as a number
  while only elementwise code reads it (``unreduce(b, x)`` -> ``b``), so that
  ``100.0 * bt`` costs nothing and ``bt * 2 * x`` is one pass, as written by hand.

The facts are only as good as the signature: the caller compiles one function per
signature and dispatches on it (see :mod:`s2sad.api`).
"""
import gast
import numpy as np

from ..syntax import astwalk
from .. import runtime
from .dataflow import statements
from .ops import resolve
from .optimize import simplify_stmt
from .shapecalc import IndexArray, indexed_shape, reduced_shape
from .shapes import drop_unbroadcasts

UNKNOWN = (None, None, None)  # (shape, kind, value)
_TOP = object()  # not assigned yet (optimistic start of the fixed point)
_COUNTER = object()  # stands for the value of a range loop's variable
_UNKNOWN_INDEX = object()
_KINDS = "bifc"
_ARITH = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv, gast.Mod)
_INT_OPS = {gast.Add: int.__add__, gast.Sub: int.__sub__, gast.Mult: int.__mul__,
            gast.FloorDiv: int.__floordiv__}
_SUM_LIKE = {np.sum: "sum", np.prod: "sum", np.mean: "mean", np.std: "mean", np.var: "mean",
             np.max: "same", np.min: "same", np.amax: "same", np.amin: "same"}


def signature(arg):
    """The part of an argument the generated code is specialised on (hashable): shape
    and dtype of an array, the type of a Python number, None for anything else."""
    kind = type(arg)
    if kind is np.ndarray:
        return (arg.shape, arg.dtype)
    if kind is float or kind is int or kind is bool or kind is complex:
        return kind
    return None


def _from_signature(sig):
    if isinstance(sig, tuple):
        shape, dtype = sig
        kind = getattr(dtype, "kind", dtype)  # a dtype, or just its kind ("f")
        return (shape, kind if kind in _KINDS else None, None)
    if sig in (float, int, bool, complex):
        return ((), {float: "f", int: "i", bool: "b", complex: "c"}[sig], None)
    return UNKNOWN


def _join(a, b):
    if a is _TOP:
        return b
    if b is _TOP or a == b:
        return a
    return tuple(x if x == y else None for x, y in zip(a, b))


def _max_kind(*kinds):
    if any(k is None or k not in _KINDS for k in kinds):
        return None
    return max(kinds, key=_KINDS.index)


def _broadcast(*shapes):
    if any(s is None for s in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


class Shapes:
    """What is known about each variable; see :func:`infer`."""

    def __init__(self, env, namespace):
        self.env = env
        self.namespace = namespace

    def __getitem__(self, name):
        value = self.env.get(name, UNKNOWN)
        return UNKNOWN if value is _TOP else value

    def shape(self, node):
        """The shape of expression ``node`` (None if unknown)."""
        value = _Evaluator(self.env, self.namespace).visit(node)
        return None if value is _TOP else value[0]

    def of(self, node):
        value = _Evaluator(self.env, self.namespace).visit(node)
        return UNKNOWN if value is _TOP else value


def infer(stmts, params, signatures, namespace):
    """:class:`Shapes` of the variables of ``stmts`` given the parameters' signatures."""
    env = {p: _from_signature(s) for p, s in zip(params, signatures)}
    flat = list(_assignments(stmts))
    for name, _ in flat:
        if name not in env:
            env[name] = _TOP
    for _ in range(50):
        changed = False
        evaluator = _Evaluator(env, namespace)
        for name, value in flat:
            if isinstance(value, gast.Constant) and value.value is None:
                continue  # only the tape sets locals to None, for values restored later
            if value is _COUNTER:
                new = ((), "i", None)
            else:
                new = UNKNOWN if value is None else evaluator.visit(value)
            if new is _TOP:
                continue
            joined = _join(env[name], new)
            if joined != env[name]:
                env[name] = joined
                changed = True
        if not changed:
            break
    else:  # pragma: no cover - the lattice is finite; a guard, not a path
        env = {name: UNKNOWN for name in env}
    for name, value in env.items():
        if value is _TOP:
            env[name] = UNKNOWN
    return Shapes(env, namespace)


def _assignments(stmts):
    """``(name, value node or None)`` for every store into a plain name."""
    for stmt in stmts:
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                yield target.id, stmt.value
            else:
                for node in astwalk.walk(target):
                    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                        yield node.id, None
        elif isinstance(stmt, gast.For):
            counted = _is_range(stmt.iter)
            for node in astwalk.walk(stmt.target):
                if isinstance(node, gast.Name):
                    yield node.id, (_COUNTER if counted else None)
        elif isinstance(stmt, gast.AugAssign):
            for node in astwalk.walk(stmt.target):
                if isinstance(node, gast.Name):
                    yield node.id, None
        for field in ("body", "orelse"):
            yield from _assignments(getattr(stmt, field, None) or [])


def _is_range(node):
    if not isinstance(node, gast.Call) or not isinstance(node.func, gast.Name):
        return False
    if node.func.id == "reversed" and node.args:
        return _is_range(node.args[0])
    return node.func.id == "range"


class _Evaluator(gast.NodeVisitor):
    """Abstract value of an expression: ``(shape, kind, value)``, UNKNOWN or _TOP."""

    def __init__(self, env, namespace):
        self.env = env
        self.namespace = namespace

    def generic_visit(self, node):
        return UNKNOWN

    def visit_Constant(self, node):
        v = node.value
        if isinstance(v, bool):
            return ((), "b", v)
        if isinstance(v, int):
            return ((), "i", v)
        if isinstance(v, float):
            return ((), "f", v)
        if isinstance(v, complex):
            return ((), "c", v)
        return UNKNOWN

    def visit_Name(self, node):
        return self.env.get(node.id, UNKNOWN)

    def visit_Tuple(self, node):
        parts = [self.visit(e) for e in node.elts]
        if any(p is _TOP for p in parts):
            return _TOP
        values = tuple(p[2] for p in parts)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return (None, "tuple", values)
        return UNKNOWN

    def visit_BinOp(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if left is _TOP or right is _TOP:
            return _TOP
        if isinstance(node.op, gast.MatMult):
            return (_matmul(left[0], right[0]), _max_kind(left[1], right[1]), None)
        if not isinstance(node.op, _ARITH) or "tuple" in (left[1], right[1]):
            return UNKNOWN
        kind = _max_kind(left[1], right[1])
        if isinstance(node.op, gast.Div) and kind is not None:
            kind = _max_kind(kind, "f")
        value = None
        op = _INT_OPS.get(type(node.op))
        if op is not None and type(left[2]) is int and type(right[2]) is int:
            value = op(left[2], right[2])
        return (_broadcast(left[0], right[0]), kind, value)

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if operand is _TOP:
            return _TOP
        if isinstance(node.op, gast.Not):
            return ((), "b", None)
        if not isinstance(node.op, (gast.USub, gast.UAdd)) or operand[1] == "tuple":
            return UNKNOWN
        value = -operand[2] if type(operand[2]) is int and isinstance(
            node.op, gast.USub) else None
        kind = "i" if operand[1] == "b" else operand[1]
        return (operand[0], kind, value)

    def visit_Compare(self, node):
        parts = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
        if any(p is _TOP for p in parts):
            return _TOP
        if len(parts) != 2 or any(p[1] == "tuple" for p in parts):
            return UNKNOWN
        return (_broadcast(parts[0][0], parts[1][0]), "b", None)

    def visit_Attribute(self, node):
        base = self.visit(node.value)
        if base is _TOP:
            return _TOP
        shape, kind, _ = base
        if shape is None or kind == "tuple":
            return UNKNOWN
        if node.attr == "shape":
            return (None, "tuple", shape)
        if node.attr == "T":
            return (shape[::-1], kind, None)
        if node.attr in ("ndim", "size"):
            return ((), "i", len(shape) if node.attr == "ndim" else int(np.prod(shape)))
        if node.attr in ("real", "imag"):
            return (shape, "f" if kind == "c" else kind, None)
        return UNKNOWN

    def visit_Subscript(self, node):
        base = self.visit(node.value)
        if base is _TOP:
            return _TOP
        shape, kind, value = base
        index = self._index(node.slice)
        if index is _TOP:
            return _TOP
        if index is _UNKNOWN_INDEX:
            return UNKNOWN
        if kind == "tuple":
            try:
                item = value[index]
            except (TypeError, IndexError):
                return UNKNOWN
            return ((), "i", item) if type(item) is int else (None, "tuple", item)
        if shape is None:
            return UNKNOWN
        found = indexed_shape(shape, index)
        return UNKNOWN if found is None else (found, kind, None)

    def _index(self, node):
        """A stand-in index with the same result shape, _UNKNOWN_INDEX if unknown."""
        if isinstance(node, gast.Tuple):
            parts = [self._index(e) for e in node.elts]
            if any(p is _TOP for p in parts):
                return _TOP
            if any(p is _UNKNOWN_INDEX for p in parts):
                return _UNKNOWN_INDEX
            return tuple(parts)
        if isinstance(node, gast.Slice):
            bounds = [None if b is None else self.visit(b)
                      for b in (node.lower, node.upper, node.step)]
            if any(b is _TOP for b in bounds):
                return _TOP
            values = []
            for b, raw in zip(bounds, (node.lower, node.upper, node.step)):
                if raw is None or (isinstance(raw, gast.Constant) and raw.value is None):
                    values.append(None)
                elif type(b[2]) is int:
                    values.append(b[2])
                else:
                    return _UNKNOWN_INDEX
            return slice(*values)
        if isinstance(node, gast.Constant) and (node.value is None or node.value is Ellipsis):
            return node.value
        value = self.visit(node)
        if value is _TOP:
            return _TOP
        shape, kind, known = value
        if type(known) is int:
            return known
        if kind == "i" and shape == ():
            return 0  # the result shape does not depend on its value
        if kind == "i" and shape is not None:  # an integer index array
            return IndexArray(shape)
        return _UNKNOWN_INDEX

    def visit_Call(self, node):
        if (isinstance(node.func, gast.Attribute) and node.func.attr == "pop"
                and isinstance(node.func.value, gast.Name)
                and node.func.value.id.startswith("_stack") and not node.args):
            return _TOP  # the tape restores an earlier value of the same variable
        func = self._callee(node.func)
        if func is None or any(isinstance(a, gast.Starred) for a in node.args):
            return UNKNOWN
        args = [self.visit(a) for a in node.args]
        keywords = {k.arg: k.value for k in node.keywords}
        if any(a is _TOP for a in args):
            return _TOP
        if any(a[1] == "tuple" for a in args) and not _takes_shape(func):
            return UNKNOWN
        return _call(func, args, keywords, self)

    def _callee(self, node):
        try:
            return resolve(node, self.namespace)
        except (KeyError, AttributeError):
            return None


def _takes_shape(func):
    return func in (np.zeros, np.ones, np.empty, np.full, np.reshape)


def _constant(node, evaluator):
    if node is None:
        return None, True
    if isinstance(node, gast.Constant):
        return node.value, True
    value = evaluator.visit(node)
    if value is not _TOP and value[2] is not None:
        return value[2], True
    return None, False


def _call(func, args, keywords, evaluator):
    """Abstract result of ``func(*args, **keywords)`` for the functions known here."""
    shapes = [a[0] for a in args]
    kinds = [a[1] for a in args]
    if isinstance(func, np.ufunc) and func.signature is None:
        if func.nout != 1 or len(args) != func.nin or keywords:
            return UNKNOWN
        return (_broadcast(*shapes), _ufunc_kind(func, kinds), None)
    helper = _HELPERS.get(_runtime_name(func))
    if helper is not None:
        return helper(args)
    if func in _SUM_LIKE and len(args) == 1 and set(keywords) <= {"axis", "keepdims"}:
        axis, ok = _constant(keywords.get("axis"), evaluator)
        keepdims, ok2 = _constant(keywords.get("keepdims"), evaluator)
        if not (ok and ok2) or shapes[0] is None:
            return UNKNOWN
        shape = reduced_shape(shapes[0], axis, bool(keepdims))
        if shape is None:
            return UNKNOWN
        how = _SUM_LIKE[func]
        kind = kinds[0]
        if how == "sum" and kind == "b":
            kind = "i"
        elif how == "mean" and kind is not None:
            kind = _max_kind(kind, "f")
        return (shape, kind, None)
    if func in (np.zeros, np.ones, np.empty) and len(args) == 1 and not keywords:
        return (_as_shape(args[0]), "f", None)
    if func in (np.zeros_like, np.ones_like, np.empty_like) and len(args) == 1 \
            and not keywords:
        return (shapes[0], kinds[0], None)
    if func in _SAME_SHAPE and args:
        return (shapes[0], kinds[0], None)
    if func is np.clip and len(args) == 3 and not keywords:
        return (_broadcast(*shapes), kinds[0], None)
    if func is np.where and len(args) == 3 and not keywords:
        return (_broadcast(*shapes), _max_kind(kinds[1], kinds[2]), None)
    if func is np.matmul and len(args) == 2 and not keywords:
        return (_matmul(*shapes), _max_kind(*kinds), None)
    if func is np.dot and len(args) == 2 and not keywords:
        return (_dot(*shapes), _max_kind(*kinds), None)
    if func is np.outer and len(args) == 2 and not keywords and None not in shapes:
        return ((int(np.prod(shapes[0])), int(np.prod(shapes[1]))), _max_kind(*kinds), None)
    if func is np.transpose and len(args) == 1 and not keywords and shapes[0] is not None:
        return (shapes[0][::-1], kinds[0], None)
    if func is len and len(args) == 1 and shapes[0]:
        return ((), "i", shapes[0][0])
    if func is float and len(args) == 1:
        return ((), "f", None)
    return UNKNOWN


#: functions whose result has the shape and dtype of their first argument
_SAME_SHAPE = {np.roll, np.flip, np.fliplr, np.flipud, np.copy, np.sort, np.nan_to_num}


def _as_shape(value):
    if value[1] == "tuple":
        return value[2]
    if value[1] == "i" and type(value[2]) is int:
        return (value[2],)
    return None


_UFUNC_KINDS = {}


def _ufunc_kind(func, kinds):
    if any(k is None or k not in _KINDS for k in kinds):
        return None
    key = (func, tuple(kinds))
    if key not in _UFUNC_KINDS:
        samples = [np.ones((), {"b": np.bool_, "i": np.int64, "f": np.float64,
                                "c": np.complex128}[k]) for k in kinds]
        try:
            with np.errstate(all="ignore"):
                _UFUNC_KINDS[key] = np.asarray(func(*samples)).dtype.kind
        except (TypeError, ValueError):
            _UFUNC_KINDS[key] = None
    kind = _UFUNC_KINDS[key]
    return kind if kind in _KINDS else None


def _matmul(a, b):
    if a is None or b is None or not a or not b:
        return None
    if len(a) == 1 and len(b) == 1:
        return () if a == b else None
    if len(b) == 1:
        return a[:-1] if a[-1] == b[0] else None
    if len(a) == 1:
        return b[:-2] + b[-1:] if a[0] == b[-2] else None
    if a[-1] != b[-2]:
        return None
    batch = _broadcast(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


def _dot(a, b):
    if a is None or b is None or len(a) > 2 or len(b) > 2:
        return None
    if not a or not b:
        return _broadcast(a, b)
    return _matmul(a, b)


def _runtime_name(func):
    return runtime.helper_name(func)


def _adjoint_of(position):
    """A helper whose result has the shape of argument ``position`` and the kind of
    its first argument (at least float)."""
    def result(args):
        kind = args[0][1]
        return (args[position][0], None if kind is None else _max_kind(kind, "f"), None)
    return result


_HELPERS = {
    "unbroadcast": _adjoint_of(1),
    "unreduce": _adjoint_of(1),
    "unreduce_mean": _adjoint_of(2),
    "unreduce_extremum": _adjoint_of(2),
    "unslice": _adjoint_of(1),
    "add_at": lambda args: (args[0][0], args[0][1], None),
    "added_at": lambda args: (args[0][0], args[0][1], None),
    "zeros_like": lambda args: (args[0][0], "f" if args[0][1] in ("b", "i", "f") else None,
                                None),
    "matmul_adjoint_a": _adjoint_of(1),
    "matmul_adjoint_b": _adjoint_of(2),
    "dot_adjoint_a": _adjoint_of(1),
    "dot_adjoint_b": _adjoint_of(2),
    "broadcast_like": _adjoint_of(1),
    "abs_sign": lambda args: (args[0][0], args[0][1], None),
}


# --- rewriting -------------------------------------------------------------------

def specialize(stmts, shapes, bound, keep=()):
    """``stmts`` with shape bookkeeping that ``shapes`` proves trivial removed.

    ``bound`` maps the names the generated code uses for runtime helpers to the
    helpers; ``keep`` are names read after ``stmts`` (they stay arrays).  Returns the
    new statement list (rewritten in place where possible).
    """
    names = {name: func.__name__ for name, func in bound.items()
             if _runtime_name(func) is not None}
    def conforms(expr, like):
        target = shapes.shape(like)
        return target is not None and shapes.shape(expr) == target

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
    for name, _ in _assignments(stmts):
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
            if small is not None and small != full and _broadcast(small, full) == full:
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
        return (expr, small) if _broadcast(small, full) == full else None
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
    return (sub, tuple(shape)) if _broadcast(tuple(shape), full) == full else None


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
        env[name] = (small, old[1] if old is not _TOP else None, None)
    value = _Evaluator(env, shapes.namespace).visit(node)
    return None if value is _TOP else value[0]


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
    for name, _ in _assignments(stmts):
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


