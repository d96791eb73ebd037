"""Batch-aware counterparts of :mod:`s2sad.runtime.arrays`, called by batched sweeps.

A *batched* value carries one leading batch axis of length ``nb``: the batched
adjoint or tangent of a primal value of shape ``s`` has shape ``(nb,) + s``
(a Python-number primal gets shape ``(nb,)``).  Containers (tuples, lists,
dicts) of batched values are batched values too.  Primal values are never
batched.  The functions here take the batched value first, as the
:mod:`s2sad.runtime.arrays` helper of the same name does, and treat its leading axis
as the batch; ``None`` stands for a symbolic zero, as there.

Generated batched code (see :mod:`s2sad.transforms.batch`) imports this module
as ``batched`` and calls, for instance, ``batched.unbroadcast(bt4, _t2)`` where
the one-sweep code calls ``unbroadcast(bt4, _t2)``.  Mixed arithmetic between a
batched value and a primal one is written ``batched.lift(t, u) * u``: ``lift``
inserts length-1 axes after the batch axis so that NumPy's right-aligned
broadcasting pairs the primal axes correctly.
"""
import numbers

import numpy as np

from . import arrays, containers

__all__ = [
    "size", "lift", "zeros_like", "broadcast", "get", "unbroadcast", "broadcast_like",
    "unreduce", "unreduce_mean", "unreduce_extremum", "unreduce_prod", "unslice", "add_at",
    "added_at", "setitem", "tie_share", "sum", "mean", "reshape", "transpose",
    "matmul_left", "matmul_right", "dot_left", "dot_right", "matmul_adjoint_a",
    "matmul_adjoint_b", "dot_adjoint_a", "dot_adjoint_b", "apply", "matmul_both",
    "outer", "T", "example", "per_example", "assign",
]

_shape = arrays._shape


def size(t):
    """The batch size of batched value ``t`` (the first leaf's leading length)."""
    if isinstance(t, (tuple, list)):
        for item in t:
            n = size(item)
            if n is not None:
                return n
        return None
    if isinstance(t, dict):
        return size(list(t.values()))
    if t is None:
        return None
    return _shape(t)[0]


def lift(t, *likes):
    """``t`` with length-1 axes inserted after its batch axis, so that its primal
    rank is at least that of every primal value in ``likes``.

    >>> lift(np.ones((4, 3)), np.ones((2, 3))).shape
    (4, 1, 3)
    """
    rank = max(len(_shape(u)) for u in likes)
    tshape = _shape(t)
    missing = rank - len(tshape) + 1
    if missing <= 0:
        return t
    return np.reshape(t, tshape[:1] + (1,) * missing + tshape[1:])


def _float_dtype(x):
    dtype = np.result_type(x)
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def zeros_like(x, nb):
    """Batched zeros for primal ``x`` (structure-aware, as ``runtime.zeros_like``)."""
    if x is None:
        return None
    if isinstance(x, (bool, int, float)):
        return np.zeros(nb)
    if isinstance(x, complex):
        return np.zeros(nb, complex)
    if isinstance(x, tuple):
        items = [zeros_like(v, nb) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, list):
        return [zeros_like(v, nb) for v in x]
    if isinstance(x, dict):
        return type(x)((k, zeros_like(v, nb)) for k, v in x.items())
    if not hasattr(x, "shape") and not hasattr(x, "__array__"):
        return None
    return np.zeros((nb,) + _shape(x), _float_dtype(x))


def broadcast(v, nb):
    """The unbatched value ``v`` repeated ``nb`` times along a new leading axis."""
    if v is None:
        return None
    if isinstance(v, tuple):
        items = [broadcast(u, nb) for u in v]
        return type(v)(*items) if hasattr(v, "_fields") else tuple(items)
    if isinstance(v, list):
        return [broadcast(u, nb) for u in v]
    if isinstance(v, dict):
        return type(v)((k, broadcast(u, nb)) for k, u in v.items())
    v = np.asarray(v)
    return np.array(np.broadcast_to(v, (nb,) + v.shape))


def _index(index):
    return (slice(None),) + (index if isinstance(index, tuple) else (index,))


def _separated(index):
    """True when ``index`` holds array indices apart from other array or integer
    indices, with a slice between: NumPy moves their axes first, so prepending the
    batch axis would put it in the wrong place; such indices go one batch row at a
    time."""
    if not isinstance(index, tuple):
        return False
    picks = [i for i, e in enumerate(index)
             if not (isinstance(e, slice) or e is None or e is Ellipsis)]
    if len(picks) < 2 or all(isinstance(index[i], numbers.Integral) for i in picks):
        return False
    return picks[-1] - picks[0] + 1 != len(picks)


def get(t, index):
    """``t[index]`` of the primal: the batch axis is kept for arrays, containers are
    indexed as they are."""
    if isinstance(t, (tuple, list, dict)):
        return t[index]
    if _separated(index):
        return np.stack([row[index] for row in t])
    return t[_index(index)]


# --- broadcasting and reductions ---

def unbroadcast(g, x):
    """Reduce batched ``g`` to the primal shape of ``x`` (batched: ``(nb,) + x.shape``),
    real when ``x`` is (as :func:`s2sad.runtime.unbroadcast`)."""
    if g is None:
        return None
    if arrays._is_complex(g) and not arrays._is_complex(x):
        g = np.real(g)
    shape, gshape = _shape(x), _shape(g)
    if gshape[1:] == shape:
        return g
    lead = len(gshape) - 1 - len(shape)
    if lead < 0:
        return np.broadcast_to(lift(g, x), gshape[:1] + shape)
    kept = tuple(1 + lead + i for i, (gn, xn) in enumerate(zip(gshape[1 + lead:], shape))
                 if xn == 1 and gn != 1)
    axes = tuple(range(1, 1 + lead)) + kept
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
        g = np.reshape(g, gshape[:1] + _shape(g)[1 + lead:])
    if _shape(g)[1:] != shape:
        g = np.broadcast_to(g, gshape[:1] + shape)
    return g


def broadcast_like(t, y):
    """Batched ``t`` broadcast to the primal shape of ``y``."""
    shape = _shape(y)
    tshape = _shape(t)
    if tshape[1:] == shape:
        return t
    return np.broadcast_to(lift(t, y), tshape[:1] + shape)


def _axes(axis, ndim):
    """Primal ``axis`` (None, int or tuple) as batched axes (shifted by one)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, tuple):
        return tuple(a % ndim + 1 for a in axis)
    return axis % ndim + 1


def unreduce(g, x, axis=None, keepdims=False):
    """Batched adjoint of a sum-like reduction of ``x`` over ``axis``."""
    if g is None:
        return None
    if isinstance(x, (list, tuple)):
        full = unreduce(g, np.asarray(x), axis, keepdims)
        rows = [full[:, i] for i in range(len(x))]
        return type(x)(rows) if not hasattr(x, "_fields") else type(x)(*rows)
    shape, gshape = _shape(x), _shape(g)
    if gshape[1:] == shape:
        return g
    if not keepdims:
        if axis is None:
            g = np.reshape(g, gshape[:1] + (1,) * len(shape))
        else:
            g = np.expand_dims(g, _axes(axis, len(shape)))
    return np.broadcast_to(g, gshape[:1] + shape)


def unreduce_mean(g, y, x, axis=None, keepdims=False):
    """Batched adjoint of ``y = mean(x, axis)``."""
    return unreduce(g * (arrays._size(y) / arrays._size(x)), x, axis, keepdims)


def unreduce_extremum(g, y, x, axis=None, keepdims=False):
    """Batched adjoint of ``max``/``min`` reductions; ties share ``g`` evenly."""
    dtype = np.result_type(x, g)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    mask = x == arrays.unreduce(y, x, axis, keepdims)
    count = np.sum(mask, axis=axis, keepdims=True, dtype=dtype)
    return np.where(mask, unreduce(g, x, axis, keepdims), 0.0) / count


def unreduce_prod(g, y, x, axis=None, keepdims=False):
    """Batched adjoint of ``np.prod(x, axis, keepdims=keepdims)``."""
    if np.all(x != 0):
        return unreduce(lift(g, y) * y, x, axis, keepdims) / x
    return unreduce(g, x, axis, keepdims) * arrays._prod_of_others(x, axis)


def _stacked(t):
    """A batched list/tuple of arrays as one batched array (items on axis 1)."""
    return np.stack(t, axis=1) if isinstance(t, (list, tuple)) else t


def sum(t, axis=None, dtype=None, keepdims=False, where=True):  # noqa: A001 (NumPy's name)
    """``np.sum`` of the primal: reduces over the primal axes of batched ``t``
    (``where`` has the primal's shape: it broadcasts over the batch axis)."""
    t = _stacked(t)
    return np.sum(t, axis=_axes(axis, np.ndim(t) - 1), dtype=dtype, keepdims=keepdims,
                  where=where)


def mean(t, axis=None, dtype=None, keepdims=False, where=True):
    """``np.mean`` of the primal, for batched ``t``."""
    t = _stacked(t)
    return np.mean(t, axis=_axes(axis, np.ndim(t) - 1), dtype=dtype, keepdims=keepdims,
                   where=where)


# --- shape ---

def reshape(t, *shape):
    """``np.reshape(t, shape)`` (or ``t.reshape(*shape)``) of the primal."""
    if len(shape) == 1:
        shape = shape[0]
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return np.reshape(t, _shape(t)[:1] + shape)


def transpose(t, axes=None, *more):
    """``np.transpose(t, axes)`` of the primal (the batch axis stays first); also the
    method's forms ``t.transpose(1, 0, 2)`` and ``t.transpose((1, 0, 2))``."""
    n = np.ndim(t) - 1
    if more:
        axes = (axes,) + more
    axes = arrays.method_axes(axes) if isinstance(axes, tuple) else axes
    order = tuple(range(n))[::-1] if axes is None else tuple(a % n for a in axes)
    return np.transpose(t, (0,) + tuple(a + 1 for a in order))


# --- indexing ---

def _basic(index):
    return arrays._is_basic_index(index)


def unslice(g, x, index):
    """Batched adjoint of ``y = x[index]``: batched zeros like ``x``, ``g`` at ``index``."""
    if isinstance(x, (tuple, list, dict)):
        nb = size(g)
        if isinstance(x, dict):
            return type(x)((k, g if k == index else zeros_like(v, nb)) for k, v in x.items())
        out = [zeros_like(v, nb) for v in x]
        out[index] = list(g) if isinstance(index, slice) else g
        if isinstance(x, list):
            return out
        return type(x)(*out) if hasattr(x, "_fields") else tuple(out)
    dtype = np.result_type(g, x)
    if dtype.kind not in "fc":
        dtype = np.float64
    out = np.zeros(_shape(g)[:1] + _shape(x), dtype)
    if _separated(index):
        for row, part in zip(out, g):
            np.add.at(row, index, part)
    elif _basic(index):
        out[_index(index)] = g
    else:
        np.add.at(out, _index(index), g)
    return out


def add_at(buf, index, g):
    """``buf[index] += g`` for batched ``buf`` and ``g`` (in place when ``buf`` is a
    writable array the generated code owns); returns the result."""
    if type(buf) is np.ndarray:
        if not buf.flags.writeable:
            buf = buf.copy()
        if _separated(index):
            for row, part in zip(buf, g):
                np.add.at(row, index, part)
        elif _basic(index):
            buf[_index(index)] += g
        else:
            np.add.at(buf, _index(index), g)
        return buf
    if isinstance(buf, (list, dict)):
        buf[index] = arrays.add_grad(buf[index], g)
        return buf
    return _added_to_item(buf, index, g)


def _added_to_item(buf, index, g):
    """A copy of container ``buf`` (a batched adjoint) with ``g`` added at ``index``."""
    if isinstance(buf, dict):
        out = type(buf)(buf)
        out[index] = arrays.add_grad(out.get(index), g)
        return out
    items = list(buf)
    if isinstance(index, slice):
        items[index] = [arrays.add_grad(u, v) for u, v in zip(items[index], g)]
    else:
        items[index] = arrays.add_grad(items[index], g)
    if isinstance(buf, list):
        return items
    return type(buf)(*items) if hasattr(buf, "_fields") else tuple(items)


def added_at(buf, index, g):
    """Functional :func:`add_at`: a new batched adjoint, ``buf`` unchanged."""
    if type(buf) is np.ndarray:
        return add_at(buf.copy(), index, g)
    return _added_to_item(buf, index, g)


def setitem(x, index, value, primal_value=False):
    """Batched ``x`` with primal ``x[index] = value`` applied to a copy: ``value`` is
    batched (its leading axis is the batch), or with ``primal_value`` a primal value
    broadcast over the batch."""
    if isinstance(x, (list, dict, tuple)):
        return containers.setitem(x, index, value)
    out = np.array(x, copy=True, subok=True)
    if _separated(index):
        for i, row in enumerate(out):
            row[index] = value if primal_value else value[i]
    elif primal_value:
        out[_index(index)] = value
    else:  # line the batch axes up: length-1 axes after the value's batch axis
        out[_index(index)] = lift(value, out[0][index])
    return out


def tie_share(g, win, tie):
    """Batched ``tie_share``: ``g`` where ``win``, half where ``tie``, else 0."""
    if isinstance(win, (bool, np.bool_)):
        return g if win else (0.5 * g if tie else 0.0 * g)
    g = lift(g, win)
    return np.where(win, g, np.where(tie, 0.5 * g, 0.0))


# --- linear algebra ---

def _per_item(func, t, *rest, first=True):
    """The generic path: ``func`` once per batch item, stacked."""
    return np.stack([func(ti, *rest) if first else func(*rest, ti) for ti in t])


def matmul_left(t, b):
    """``np.matmul(a, b)`` with ``a`` batched (``t``)."""
    if np.ndim(t) == 2:  # a is 1-d
        return np.matmul(t, b) if np.ndim(b) <= 2 else _per_item(np.matmul, t, b)
    return np.matmul(lift(t, b), b)


def matmul_right(a, t):
    """``np.matmul(a, b)`` with ``b`` batched (``t``)."""
    na = np.ndim(a)
    if np.ndim(t) == 2:  # b is 1-d
        if na == 1:
            return np.matmul(t, a)
        if na == 2:
            return np.matmul(t, np.swapaxes(a, -1, -2))
        return _per_item(np.matmul, t, a, first=False)
    return np.matmul(a, lift(t, a))


def dot_left(t, b):
    """``np.dot(a, b)`` with ``a`` batched (``t``)."""
    if np.ndim(t) == 1 or np.ndim(b) == 0:  # a scalar operand: elementwise
        return lift(t, b) * b
    return np.dot(t, b)


def dot_right(a, t):
    """``np.dot(a, b)`` with ``b`` batched (``t``)."""
    na, nb = np.ndim(a), np.ndim(t) - 1
    if na == 0 or nb == 0:
        return lift(t, a) * a
    if nb == 1 and na <= 2:
        return np.matmul(t, a) if na == 1 else np.matmul(t, np.swapaxes(a, -1, -2))
    if na == 1 or (na == 2 and nb == 2):
        return np.matmul(a, t)
    return _per_item(np.dot, t, a, first=False)


def matmul_adjoint_a(g, a, b):
    """Batched adjoint of ``a @ b`` with respect to ``a``."""
    if g is None:
        return None
    na, nb = np.ndim(a), np.ndim(b)
    if nb == 1:
        ga = g[..., None] * b
    elif na == 1:
        ga = np.matmul(g, np.swapaxes(b, -1, -2)) if nb == 2 else \
            _per_item(arrays.matmul_adjoint_a, g, a, b)
    else:
        ga = np.matmul(g, np.swapaxes(b, -1, -2))
    return unbroadcast(ga, a)


def matmul_adjoint_b(g, a, b):
    """Batched adjoint of ``a @ b`` with respect to ``b``."""
    if g is None:
        return None
    na, nb = np.ndim(a), np.ndim(b)
    if na == 1:
        if nb == 1:
            gb = g[:, None] * a
        elif nb == 2:
            gb = a[:, None] * g[:, None, :]
        else:
            return _per_item(arrays.matmul_adjoint_b, g, a, b)
    elif nb == 1:
        gb = np.matmul(g, a) if na == 2 else _per_item(arrays.matmul_adjoint_b, g, a, b)
    else:
        gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(gb, b)


def dot_adjoint_a(g, a, b):
    """Batched adjoint of ``np.dot(a, b)`` with respect to ``a``."""
    if g is None:
        return None
    if np.ndim(a) <= 2 and 1 <= np.ndim(b) <= 2 and np.ndim(a) >= 1:
        return matmul_adjoint_a(g, a, b)
    return _per_item(arrays.dot_adjoint_a, g, a, b)


def dot_adjoint_b(g, a, b):
    """Batched adjoint of ``np.dot(a, b)`` with respect to ``b``."""
    if g is None:
        return None
    if np.ndim(b) <= 2 and 1 <= np.ndim(a) <= 2 and np.ndim(b) >= 1:
        return matmul_adjoint_b(g, a, b)
    return _per_item(arrays.dot_adjoint_b, g, a, b)


def is_number(x):
    """True for Python and NumPy numbers (rank-0 primal values)."""
    return isinstance(x, (numbers.Number, np.generic))


# --- batched primal values (vmap(grad(f)): s2sad.transforms.batch_primal) ---

def _aligned(flags, args):
    """``args`` with length-1 axes inserted after the batch axis of the batched ones
    (``flags``), so that every batched value has the same primal rank as the highest
    primal rank among all of them: NumPy's right-aligned broadcasting then pairs the
    primal axes as the one-example code does, and the batch axes with each other."""
    ranks = [np.ndim(a) - 1 if f else np.ndim(a) for f, a in zip(flags, args)]
    top = max(ranks)
    out = []
    for f, a, r in zip(flags, args, ranks):
        if f:
            if not isinstance(a, np.ndarray):
                raise TypeError("a batched value that is not an array: %s" % type(a).__name__)
            if r < top:
                a = np.reshape(a, a.shape[:1] + (1,) * (top - r) + a.shape[1:])
        out.append(a)
    return out


def apply(func, flags, *args):
    """``func(*args)`` of an elementwise, broadcasting ``func`` (a ufunc, ``np.where``)
    where the arguments flagged in ``flags`` are batched.  Every argument must be an
    array, a number or None: a container would be combined elementwise here where the
    one-example code concatenates or repeats it."""
    for a in args:
        if not (a is None or isinstance(a, (np.ndarray, np.generic, numbers.Number))):
            raise TypeError("batched.apply: an argument of type %s" % type(a).__name__)
    return func(*_aligned(flags, args))


def matmul_both(a, b):
    """``np.matmul(a, b)`` of the primals with both ``a`` and ``b`` batched."""
    ra, rb = np.ndim(a) - 1, np.ndim(b) - 1
    if ra == 0 or rb == 0:
        raise ValueError("matmul: an operand is a scalar")
    if ra == 1 and rb == 1:
        return np.einsum("bi,bi->b", a, b)
    if ra == 1:  # (k,) @ (..., k, m): a as (1, k), the 1 dropped after
        a = np.reshape(a, a.shape[:1] + (1,) * (rb - 1) + a.shape[1:])
        return np.squeeze(np.matmul(a, b), axis=-2)
    if rb == 1:  # (..., n, k) @ (k,): b as (k, 1), the 1 dropped after
        b = np.reshape(b, b.shape[:1] + (1,) * (ra - 2) + b.shape[1:] + (1,))
        return np.squeeze(np.matmul(a, b), axis=-1)
    a, b = _aligned((True, True), (a, b))
    return np.matmul(a, b)


def outer(flags, a, b):
    """``np.outer(a, b)`` of the primals (each flattened, as NumPy does); ``flags``
    tells which of ``a``, ``b`` is batched."""
    a = np.reshape(a, (np.shape(a)[0], -1)) if flags[0] else np.reshape(a, (1, -1))
    b = np.reshape(b, (np.shape(b)[0], -1)) if flags[1] else np.reshape(b, (1, -1))
    return a[:, :, None] * b[:, None, :]


def T(t):  # noqa: N802 (the attribute's name)
    """``x.T`` of the primal: its axes reversed, the batch axis kept first."""
    return transpose(t)


def example(t):
    """One example of batched array ``t`` (for code that reads only its shape and dtype;
    a container is refused: its first item is not an example)."""
    if not isinstance(t, np.ndarray):
        raise TypeError("batched.example: a batched %s is not an array" % type(t).__name__)
    return t[0]


def per_example(func, flags, *args):
    """``func`` once per example of the batched (``flags``) array arguments, the others
    passed whole, the results stacked; the common shapes of the matmul adjoints are
    computed at once instead."""
    fast = _FAST.get(func)
    if fast is not None:
        found = fast(tuple(flags), *args)
        if found is not None:
            return found
    sizes = set()
    for f, a in zip(flags, args):
        if f:
            if not isinstance(a, np.ndarray):
                raise TypeError("batched.per_example: a batched %s" % type(a).__name__)
            sizes.add(a.shape[0])
    if len(sizes) != 1:
        raise ValueError("batched.per_example: batch sizes %s" % sorted(sizes))
    rows = [func(*[a[i] if f else a for f, a in zip(flags, args)])
            for i in range(sizes.pop())]
    if any(r is None or isinstance(r, (tuple, list, dict)) for r in rows):
        raise TypeError("batched.per_example: %s gave a non-array result" % func.__name__)
    return np.stack([np.asarray(r) for r in rows])


def _outer_a(flags, g, a, b):
    """``matmul_adjoint_a`` of ``a @ b`` with ``a`` a matrix, ``b`` one vector per
    example: one outer product per example."""
    if flags == (True, False, True) and np.ndim(g) == 2 and np.ndim(a) == 2 \
            and np.ndim(b) == 2:
        return g[:, :, None] * b[:, None, :]
    return None


def _outer_b(flags, g, a, b):
    """``matmul_adjoint_b`` of ``a @ b`` with ``a`` one vector per example, ``b`` a
    matrix."""
    if flags == (True, True, False) and np.ndim(g) == 2 and np.ndim(a) == 2 \
            and np.ndim(b) == 2:
        return a[:, :, None] * g[:, None, :]
    return None


_FAST = {arrays.matmul_adjoint_a: _outer_a, arrays.matmul_adjoint_b: _outer_b}


def assign(buf, index, value, batched):
    """``buf[index] = value`` of every example of batched array ``buf``; ``value`` is
    batched too when ``batched`` (its primal axes are aligned to the right, as in the
    one-example assignment)."""
    if not isinstance(buf, np.ndarray):
        raise TypeError("batched.assign: a batched %s" % type(buf).__name__)
    full = (slice(None),) + (index if isinstance(index, tuple) else (index,))
    if batched:
        value = np.asarray(value)
        rank = np.ndim(buf[full]) - 1
        missing = rank - (value.ndim - 1)
        if missing > 0:
            value = np.reshape(value, value.shape[:1] + (1,) * missing + value.shape[1:])
    buf[full] = value
