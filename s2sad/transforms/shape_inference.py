"""Shape inference over a generated reverse sweep, for shape specialisation.

Input: the primal and backward statements of a reverse-mode function (before the
tape is resolved: tape markers are ignored), the names and signatures of its
parameters (:func:`signature` of each argument: a shape and dtype kind for an
array, a kind for a Python number) and the namespace of bound names.  Output:
:func:`infer` -- a :class:`Shapes`: the shape, dtype kind and (for shape arithmetic)
value of every variable whose every assignment agrees, by an optimistic fixed point
over all statements, loop bodies included.  :mod:`~s2sad.transforms.specialize`
rewrites the statements with these facts.

The facts are only as good as the signature: the caller compiles one function per
signature and dispatches on it (see :mod:`s2sad.api.compiling`).
"""
import gast
import numpy as np

from ..syntax import astwalk
from .. import runtime
from .ops import resolve
from .shapecalc import IndexArray, indexed_shape, reduced_shape

UNKNOWN = (None, None, None)  # (shape, kind, value)
TOP = object()  # not assigned yet (optimistic start of the fixed point)
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
    if a is TOP:
        return b
    if b is TOP or a == b:
        return a
    return tuple(x if x == y else None for x, y in zip(a, b))


def _max_kind(*kinds):
    if any(k is None or k not in _KINDS for k in kinds):
        return None
    return max(kinds, key=_KINDS.index)


def broadcast_shapes(*shapes):
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
        return UNKNOWN if value is TOP else value

    def shape(self, node):
        """The shape of expression ``node`` (None if unknown)."""
        value = Evaluator(self.env, self.namespace).visit(node)
        return None if value is TOP else value[0]

    def of(self, node):
        value = Evaluator(self.env, self.namespace).visit(node)
        return UNKNOWN if value is TOP else value


def infer(stmts, params, signatures, namespace):
    """:class:`Shapes` of the variables of ``stmts`` given the parameters' signatures."""
    env = {p: _from_signature(s) for p, s in zip(params, signatures)}
    flat = list(assignments(stmts))
    for name, _ in flat:
        if name not in env:
            env[name] = TOP
    for _ in range(50):
        changed = False
        evaluator = Evaluator(env, namespace)
        for name, value in flat:
            if isinstance(value, gast.Constant) and value.value is None:
                continue  # only the tape sets locals to None, for values restored later
            if value is _COUNTER:
                new = ((), "i", None)
            else:
                new = UNKNOWN if value is None else evaluator.visit(value)
            if new is TOP:
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
        if value is TOP:
            env[name] = UNKNOWN
    return Shapes(env, namespace)


def assignments(stmts):
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
            yield from assignments(getattr(stmt, field, None) or [])


def _is_range(node):
    if not isinstance(node, gast.Call) or not isinstance(node.func, gast.Name):
        return False
    if node.func.id == "reversed" and node.args:
        return _is_range(node.args[0])
    return node.func.id == "range"


class Evaluator(gast.NodeVisitor):
    """Abstract value of an expression: ``(shape, kind, value)``, UNKNOWN or TOP."""

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
        if any(p is TOP for p in parts):
            return TOP
        values = tuple(p[2] for p in parts)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return (None, "tuple", values)
        return UNKNOWN

    def visit_BinOp(self, node):
        left, right = self.visit(node.left), self.visit(node.right)
        if left is TOP or right is TOP:
            return TOP
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
        return (broadcast_shapes(left[0], right[0]), kind, value)

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if operand is TOP:
            return TOP
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
        if any(p is TOP for p in parts):
            return TOP
        if len(parts) != 2 or any(p[1] == "tuple" for p in parts):
            return UNKNOWN
        return (broadcast_shapes(parts[0][0], parts[1][0]), "b", None)

    def visit_Attribute(self, node):
        base = self.visit(node.value)
        if base is TOP:
            return TOP
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
        if base is TOP:
            return TOP
        shape, kind, value = base
        index = self._index(node.slice)
        if index is TOP:
            return TOP
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
            if any(p is TOP for p in parts):
                return TOP
            if any(p is _UNKNOWN_INDEX for p in parts):
                return _UNKNOWN_INDEX
            return tuple(parts)
        if isinstance(node, gast.Slice):
            bounds = [None if b is None else self.visit(b)
                      for b in (node.lower, node.upper, node.step)]
            if any(b is TOP for b in bounds):
                return TOP
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
        if value is TOP:
            return TOP
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
            return TOP  # the tape restores an earlier value of the same variable
        func = self._callee(node.func)
        if func is None or any(isinstance(a, gast.Starred) for a in node.args):
            return UNKNOWN
        args = [self.visit(a) for a in node.args]
        keywords = {k.arg: k.value for k in node.keywords}
        if any(a is TOP for a in args):
            return TOP
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
    if value is not TOP and value[2] is not None:
        return value[2], True
    return None, False


def _call(func, args, keywords, evaluator):
    """Abstract result of ``func(*args, **keywords)`` for the functions known here."""
    shapes = [a[0] for a in args]
    kinds = [a[1] for a in args]
    if isinstance(func, np.ufunc) and func.signature is None:
        if func.nout != 1 or len(args) != func.nin or keywords:
            return UNKNOWN
        return (broadcast_shapes(*shapes), _ufunc_kind(func, kinds), None)
    helper = _HELPERS.get(runtime_name(func))
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
        return (broadcast_shapes(*shapes), kinds[0], None)
    if func is np.where and len(args) == 3 and not keywords:
        return (broadcast_shapes(*shapes), _max_kind(kinds[1], kinds[2]), None)
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
    batch = broadcast_shapes(a[:-2], b[:-2])
    return None if batch is None else batch + (a[-2], b[-1])


def _dot(a, b):
    if a is None or b is None or len(a) > 2 or len(b) > 2:
        return None
    if not a or not b:
        return broadcast_shapes(a, b)
    return _matmul(a, b)


def runtime_name(func):
    return runtime.helper_name(func)


def _adjoint_of(position):
    """A helper whose result has the shape of argument ``position`` and the kind of
    its first argument (at least float)."""
    def result(args):
        kind = args[0][1]
        return (args[position][0], None if kind is None else _max_kind(kind, "f"), None)
    return result


_HELPERS = {
    "unbroadcast": lambda args: (args[1][0], _real_cotangent_kind(
        _at_least_float(args[0][1]), args[1][1]), None),
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
    "real_cotangent": lambda args: (args[0][0], _real_cotangent_kind(args[0][1], args[1][1]),
                                    None),
}


def _at_least_float(kind):
    return None if kind is None else _max_kind(kind, "f")


def _real_cotangent_kind(g, x):
    """The dtype kind of ``real_cotangent(g, x)``: real when ``x`` is real."""
    if g is None or x is None:
        return None
    return "f" if g == "c" and x != "c" else g
