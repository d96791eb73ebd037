"""Array helpers called by generated derivative code.

Every function here is small, calls NumPy's own functions (so arrays that
implement ``__array_function__``/``__array_ufunc__`` flow through unchanged),
never mutates its inputs, and returns early when there is nothing to do,
because generated gradients call them on every step.

Adjoint helpers (``unbroadcast``, ``unreduce``, ``unslice`` and the
``*_adjoint_*`` family) take the incoming adjoint ``g`` first and the primal
values they need after it.  ``None`` stands for a symbolic zero adjoint.
Each helper that can appear in generated code has derivative rules of its own
in :mod:`s2sad.rules.numpy_rules`, so generated code can be differentiated
again.
"""
import dataclasses
import math
import numbers

import numpy as np


__all__ = [
    "unbroadcast", "broadcast_like", "unreduce", "unslice", "add_grad", "zeros_like",
    "unreduce_extremum", "unreduce_prod", "tie_share",
    "clip_mask", "xlogy", "log_base", "invert_axes", "method_axes", "astype_like",
    "dot_adjoint_a", "dot_adjoint_b", "matmul_adjoint_a", "matmul_adjoint_b",
    "unconcatenate", "unstack", "unpack_like", "fill_zeros", "unreduce_mean", "abs_sign",
    "add_at", "added_at", "no_complex_curvature", "prod_curvature",
    "extremum_parts", "extremum_tangent",
]

_PY_SCALARS = (bool, int, float, complex)


def _weak_to_array(g, x):
    """``g`` as an array with ``x``'s float dtype when ``g`` is a Python number.

    Python numbers are "weak" in NumPy's promotion rules; once broadcast into
    an array they would become float64 and silently upcast float32 gradients.
    """
    if isinstance(g, _PY_SCALARS):
        dtype = np.result_type(x, g)
        if not np.issubdtype(dtype, np.inexact):
            dtype = np.float64
        return np.asarray(g, dtype=dtype)
    return g


# --- broadcasting ---

def _shape(x):
    """``np.shape(x)``, without NumPy's conversion cost for numbers and arrays."""
    if type(x) in _PY_SCALARS:
        return ()
    shape = getattr(x, "shape", None)
    return shape if isinstance(shape, tuple) else np.shape(x)


def _is_complex(v):
    """Complex number or complex array (cheap: no conversion of lists)."""
    return isinstance(v, complex) or getattr(getattr(v, "dtype", None), "kind", "") == "c"


def unbroadcast(g, x):
    """Reduce the adjoint ``g`` of a broadcast result to the shape of ``x``.

    Sums the leading axes ``g`` has in excess and the axes where ``x`` has
    length 1; returns ``g`` itself when the shapes already match.  If ``x`` is
    a scalar the result is a scalar.

    The cotangent of a real ``x`` is real (JAX's convention): a complex ``g`` (from
    ``1j * x``, say) is projected on its real part.

    >>> unbroadcast(np.ones((2, 3)), np.ones(3))
    array([2., 2., 2.])
    """
    if _is_complex(g) and not _is_complex(x):
        g = np.real(g)
    shape, gshape = _shape(x), _shape(g)
    if gshape == shape:
        return g
    if isinstance(x, (list, tuple)) and isinstance(g, (list, tuple)):
        raise TypeError(
            "s2sad differentiated `a + b` as arithmetic, but it concatenates sequences "
            "(a list or tuple of length %d): s2sad could not see that an operand is a list. "
            "Concatenate with a.extend(b), [*a, *b], or build the list in the function"
            % len(x))
    lead = len(gshape) - len(shape)
    if lead < 0:
        return np.broadcast_to(_weak_to_array(g, x), shape)
    kept = [i for i, (gn, xn) in enumerate(zip(gshape[lead:], shape)) if xn == 1 and gn != 1]
    if not kept:
        g = np.sum(g, axis=tuple(range(lead))) if lead else g
    else:
        g = np.sum(g, axis=tuple(range(lead)) + tuple(lead + i for i in kept), keepdims=True)
        g = np.reshape(g, np.shape(g)[lead:])
    if np.shape(g) != shape:  # g had length-1 axes where x is longer
        g = np.broadcast_to(g, shape)
    return g


def broadcast_like(t, y):
    """``t`` broadcast to the shape of ``y``; ``t`` itself when shapes match.

    The tangent-mode counterpart (and the adjoint) of :func:`unbroadcast`.
    """
    shape = _shape(y)
    if _shape(t) == shape:
        return t
    return np.broadcast_to(_weak_to_array(t, y), shape)


# --- reductions ---

def unreduce(g, x, axis=None, keepdims=False):
    """Adjoint of a sum-like reduction of ``x`` over ``axis``.

    Broadcasts ``g`` back to ``x``'s shape (a read-only view), re-inserting
    the reduced axes first when ``keepdims`` is false.

    >>> unreduce(np.array([1.0, 2.0]), np.zeros((2, 3)), axis=1)
    array([[1., 1., 1.],
           [2., 2., 2.]])
    """
    if isinstance(x, (list, tuple)):  # np.sum(xs) over a list of arrays
        rows = unreduce(g, np.asarray(x), axis, keepdims)
        return type(x)(rows) if not hasattr(x, "_fields") else type(x)(*rows)
    shape = _shape(x)
    gshape = _shape(g)
    if gshape == shape:
        return g
    if not gshape and type(x) is np.ndarray and x.size <= _SMALL:
        # a filled small array is cheaper than NumPy's broadcast_to machinery
        return np.full(shape, g, dtype=np.result_type(x.dtype, g)
                       if x.dtype.kind in "fc" else np.float64)
    g = _weak_to_array(g, x)
    if axis is not None and not keepdims and np.ndim(g):
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


_SMALL = 1 << 14


def unreduce_mean(g, y, x, axis=None, keepdims=False):
    """Adjoint of ``y = mean(x, axis)``: :func:`unreduce` of ``g`` over the count."""
    return unreduce(g * (_size(y) / _size(x)), x, axis, keepdims)


def _size(x):
    if isinstance(x, (list, tuple)):
        return np.size(np.asarray(x))
    size = getattr(x, "size", None)
    return size if type(size) is int else np.size(x)


def unreduce_extremum(g, y, x, axis=None, keepdims=False):
    """Adjoint of ``max``/``min`` reductions; ties share ``g`` evenly."""
    dtype = np.result_type(x, g)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.float64
    mask = x == unreduce(y, x, axis, keepdims)
    count = np.sum(mask, axis=axis, keepdims=True, dtype=dtype)
    return np.where(mask, unreduce(g, x, axis, keepdims), 0.0) / count


def unreduce_prod(g, y, x, axis=None, keepdims=False):
    """Adjoint of ``np.prod(x, axis, keepdims=keepdims)``, exact with zeros in ``x``."""
    if np.all(x != 0):
        return unreduce(g * y, x, axis, keepdims) / x
    return unreduce(g, x, axis, keepdims) * _prod_of_others(x, axis)


def _prod_of_others(x, axis):
    """For each element, the product of the other elements of its reduction group."""
    ndim = np.ndim(x)
    axes = tuple(range(ndim)) if axis is None else (
        axis if isinstance(axis, tuple) else (axis,))
    axes = tuple(a % ndim for a in axes)
    last = tuple(range(ndim - len(axes), ndim))
    moved = np.moveaxis(x, axes, last)
    flat = np.reshape(moved, np.shape(moved)[:ndim - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    rflat = flat[..., ::-1]
    right = np.cumprod(np.concatenate([ones, rflat[..., :-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(np.reshape(left * right, np.shape(moved)), last, axes)


# --- elementwise helpers ---

def tie_share(g, win, tie):
    """``g`` where ``win``, half of ``g`` where ``tie``, else 0 (maximum/minimum)."""
    if isinstance(win, (bool, np.bool_)):  # Python or NumPy scalars: stay scalars
        return g if win else (0.5 * g if tie else 0.0 * g)
    return np.where(win, g, np.where(tie, 0.5 * g, 0.0))


def _extremum_wins(y, args):
    """Items of builtin ``max``/``min``'s arguments equal to the result, and their count."""
    items = args[0] if len(args) == 1 else args
    if isinstance(items, np.ndarray):
        wins = items == y
        return wins, max(int(np.count_nonzero(wins)), 1)
    wins = [bool(np.all(item == y)) for item in items]
    return wins, max(sum(wins), 1)


def extremum_parts(g, y, args):
    """Adjoint of builtin ``max``/``min`` (of several arguments or of one iterable):
    ``g`` shared evenly by the items equal to the result (ties split it)."""
    wins, count = _extremum_wins(y, args)
    share = g / count
    if len(args) == 1:
        items = args[0]
        if isinstance(items, np.ndarray):
            return (np.where(wins, share, 0.0),)
        parts = [share if w else 0.0 * share for w in wins]
        return (type(items)(parts) if isinstance(items, (list, tuple)) else parts,)
    return tuple(share if w else 0.0 * share for w in wins)


def extremum_tangent(y, args, tangents):
    """Tangent of builtin ``max``/``min``: the mean tangent of the winning items."""
    wins, count = _extremum_wins(y, args)
    if len(args) == 1:
        items = tangents[0]
        if items is None:
            return None
        if isinstance(items, np.ndarray):
            return np.sum(np.where(wins, items, 0.0)) / count
        return sum(t for t, w in zip(items, wins) if w and t is not None) / count
    return sum(t for t, w in zip(tangents, wins) if w and t is not None) / count


def clip_mask(x, lo, hi):
    """Where ``np.clip(x, lo, hi)`` passes ``x`` through (bounds may be None)."""
    if lo is None:
        return x <= hi
    if hi is None:
        return x >= lo
    return (x >= lo) & (x <= hi)


def xlogy(a, b):
    """``a * log(b)``, defined as 0 where ``a`` is 0 (even when ``b`` is 0)."""
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return 0.0 if a == 0 else a * math.log(b)
    zero = a == 0
    return np.where(zero, 0.0, a * np.log(np.where(zero, 1.0, b)))


def log_base(base):
    """``log(base)``; 1.0 for ``base=None`` (natural logarithm)."""
    return 1.0 if base is None else math.log(base)


# --- shape ---

def method_axes(axes):
    """Normalize ``x.transpose(*axes)`` arguments: (), (None,), ((1, 0),) or (1, 0)."""
    if not axes or axes == (None,):
        return None
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        return tuple(axes[0])
    return tuple(axes)


def invert_axes(axes):
    """The permutation undoing ``np.transpose(x, axes)`` (None stays None).

    Also accepts the argument tuple of ``x.transpose(*axes)``.

    >>> invert_axes((1, 2, 0))
    (2, 0, 1)
    """
    axes = method_axes(axes) if isinstance(axes, tuple) else axes
    if axes is None:
        return None
    n = len(axes)
    inverse = [0] * n
    for i, a in enumerate(axes):
        inverse[a % n] = i
    return tuple(inverse)


def astype_like(g, x):
    """Cast an adjoint back to the dtype of ``x`` (adjoint of ``x.astype(...)``)."""
    dtype = np.result_type(x)
    if not np.issubdtype(dtype, np.inexact) or np.result_type(g) == dtype:
        return g
    if np.iscomplexobj(g) and not np.issubdtype(dtype, np.complexfloating):
        g = np.real(g)
    return g.astype(dtype) if hasattr(g, "astype") else dtype.type(g)


def unconcatenate(g, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: ``g`` split into one piece per array."""
    if axis is None:
        sizes = [np.size(a) for a in arrays]
        pieces = np.split(np.reshape(g, (-1,)), np.cumsum(sizes)[:-1])
        pieces = [np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)]
    else:
        sizes = [np.shape(a)[axis] for a in arrays]
        pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return list(pieces) if isinstance(arrays, list) else tuple(pieces)


def unstack(g, arrays, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``: the slices of ``g`` along ``axis``."""
    moved = np.moveaxis(g, axis, 0)
    pieces = [moved[i] for i in range(len(arrays))]
    return pieces if isinstance(arrays, list) else tuple(pieces)


def unpack_like(g, a):
    """Adjoint of ``np.array(a)``: ``g`` split to match a (nested) list or tuple ``a``."""
    if isinstance(a, (list, tuple)):
        pieces = [unpack_like(g[i], item) for i, item in enumerate(a)]
        return pieces if isinstance(a, list) else tuple(pieces)
    return unbroadcast(g, a)


def fill_zeros(parts, like):
    """Adjoints ``parts`` (a tuple/list, maybe nested) with ``None`` replaced by zeros.

    Each zero is shaped like the matching element of ``like``, so the pieces can be
    concatenated or stacked again.
    """
    if parts is None:
        return zeros_like(like)
    if isinstance(like, (tuple, list)):
        return [fill_zeros(p, item) for p, item in zip(parts, like)]
    return parts


# --- indexing ---

_BASIC = (int, slice, np.intp, type(None), type(Ellipsis))


def _is_basic_index(index):
    if isinstance(index, tuple):
        return all(not isinstance(i, tuple) and _is_basic_index(i) for i in index)
    return (index is None or index is Ellipsis or isinstance(index, slice)
            or (isinstance(index, numbers.Integral) and not isinstance(index, bool)))


def unslice(g, x, index):
    """Adjoint of ``y = x[index]``: zeros shaped like ``x`` with ``g`` added at ``index``.

    Repeated advanced indices accumulate.  For a tuple/list ``x`` the result
    has zeros like ``x``'s items everywhere except at ``index`` (an int or a
    slice); for a dict, everywhere except at key ``index``.  Zeros rather than
    ``None`` keep every item of a container adjoint usable in arithmetic.

    >>> unslice(1.0, np.zeros(3), [0, 0, 2])
    array([2., 0., 1.])
    """
    if isinstance(x, (tuple, list)):
        out = [zeros_like(v) for v in x]
        out[index] = list(g) if isinstance(index, slice) else g
        if isinstance(x, list):
            return out
        return type(x)(*out) if hasattr(x, "_fields") else tuple(out)
    if isinstance(x, dict):
        return type(x)((k, g if k == index else zeros_like(v)) for k, v in x.items())
    if type(g) is np.ndarray and type(x) is np.ndarray and g.dtype == x.dtype:
        dtype = x.dtype  # the common case, without NumPy's promotion machinery
    else:
        dtype = np.result_type(g, x)
    if dtype.kind not in "fc":
        dtype = np.float64
    out = np.zeros(_shape(x), dtype=dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def add_at(buf, index, g):
    """``buf[index] += g`` in place, on an adjoint buffer the generated code owns
    (``np.add.at`` for advanced indices, so repeated indices accumulate); returns
    ``buf``.  Re-differentiating generated code turns it into :func:`added_at`."""
    if type(buf) is np.ndarray:
        if type(index) in _BASIC or _is_basic_index(index):
            buf[index] += g
        else:
            np.add.at(buf, index, g)
        return buf
    if isinstance(buf, (list, dict)):
        buf[index] = add_grad(buf[index], g)
        return buf
    return add_grad(buf, unslice(g, buf, index))


def added_at(buf, index, g):
    """Functional :func:`add_at`: a new adjoint, ``buf`` unchanged."""
    return add_grad(buf, unslice(g, buf, index))


# --- linear algebra ---

def _vec_to_mat(v, shape):
    """Restore ``v`` as ``shape`` when the primal operand was 1-D."""
    return np.reshape(v, shape) if np.shape(v) != shape else v


def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (1-D and stacked operands)."""
    ashape, bshape = np.shape(a), np.shape(b)
    if len(bshape) == 1:
        ga = np.multiply.outer(g, b) if len(ashape) > 1 else g * b
    elif len(ashape) == 1:
        ga = np.matmul(b, g[..., None])[..., 0]
    else:
        ga = np.matmul(g, np.swapaxes(b, -1, -2))
    return unbroadcast(ga, a)


def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b`` (1-D and stacked operands)."""
    ashape, bshape = np.shape(a), np.shape(b)
    if len(ashape) == 1:
        gb = np.multiply.outer(a, g) if len(bshape) > 1 else g * a
        if len(bshape) > 2:
            gb = np.moveaxis(gb, 0, -2)
    elif len(bshape) == 1:
        gb = np.matmul(g[..., None, :], a)[..., 0, :] if np.ndim(g) > 1 else np.dot(g, a)
    else:
        gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(gb, b)


def dot_adjoint_a(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``a``."""
    nb = np.ndim(b)
    if np.ndim(a) == 0 or nb == 0:
        return unbroadcast(np.sum(g * b) if np.ndim(a) == 0 else g * b, a)
    if nb == 1:
        return np.multiply.outer(g, b) if np.ndim(a) > 1 else g * b
    # g has shape a.shape[:-1] + b.shape[:-2] + b.shape[-1:]
    axes = list(range(np.ndim(a) - 1, np.ndim(g)))
    b_axes = list(range(nb - 2)) + [nb - 1]
    return np.tensordot(g, b, axes=(axes, b_axes))


def dot_adjoint_b(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to ``b``."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return unbroadcast(np.sum(g * a) if nb == 0 else g * a, b)
    lead = list(range(na - 1))
    gb = np.tensordot(a, g, axes=(lead, lead))  # shape: (k,) + b.shape[:-2] + b.shape[-1:]
    if nb > 1:
        gb = np.moveaxis(gb, 0, -2)
    return gb


# --- containers ---

def add_grad(a, b):
    """Sum of two adjoints; ``None`` is zero and containers add elementwise.

    >>> add_grad((1.0, None), (2.0, 3.0))
    (3.0, 3.0)
    """
    if a is None:
        return b
    if b is None:
        return a
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return dataclasses.replace(a, **{f.name: add_grad(getattr(a, f.name), getattr(b, f.name))
                                         for f in dataclasses.fields(a) if f.init})
    if isinstance(a, tuple):
        items = [add_grad(u, v) for u, v in zip(a, b)]
        return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
    if isinstance(a, list):
        return [add_grad(u, v) for u, v in zip(a, b)]
    if isinstance(a, dict):
        return {k: add_grad(a.get(k), b.get(k)) for k in {**a, **b}}
    return a + b


def zeros_like(x):
    """Zeros with the structure of ``x`` (a float array/number per leaf, None stays None).

    >>> zeros_like((1, [np.arange(2)], None))
    (0.0, [array([0., 0.])], None)
    """
    if x is None:
        return None
    if isinstance(x, (bool, int, float)):
        return 0.0
    if isinstance(x, complex):
        return 0j
    if isinstance(x, tuple):
        items = [zeros_like(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, list):
        return [zeros_like(v) for v in x]
    if isinstance(x, dict):
        return type(x)((k, zeros_like(v)) for k, v in x.items())
    if not hasattr(x, "shape") and not hasattr(x, "__array__"):
        return None  # strings and other non-numeric objects carry no derivative
    dtype = np.result_type(x)
    return np.zeros_like(x, dtype=dtype if np.issubdtype(dtype, np.inexact) else np.float64)


# --- complex numbers ---

def abs_sign(x):
    """d|x|/dx in JAX's convention: ``sign(x)`` for reals, ``conj(x)/|x|`` for complex
    (0 at 0), so that ``grad(abs(z)**2)(z) == 2*conj(z)``."""
    if not np.iscomplexobj(x):
        return np.sign(x)
    magnitude = np.abs(x)
    return np.conj(x) / np.where(magnitude == 0, 1, magnitude)


def no_complex_curvature(t, x):
    """Derivative of ``abs_sign`` (which is piecewise constant for real ``x``): zero,
    or an error for complex ``x``, whose second derivatives of ``abs`` s2sad does not
    compute."""
    if np.iscomplexobj(x):
        raise NotImplementedError(
            "s2sad does not compute second derivatives of abs() of complex values; "
            "write abs(z) as np.sqrt(np.real(z) ** 2 + np.real(-1j * z) ** 2) to "
            "differentiate it again")
    return zeros_like(x) if t is not None else None


def prod_curvature(g, y, x):
    """Guard for derivatives of :func:`unreduce_prod` itself (second derivatives of
    ``np.prod``): they use ``y / x``, so ``x`` must have no zeros."""
    if np.any(np.asarray(x) == 0):
        raise NotImplementedError(
            "s2sad does not compute second derivatives of np.prod at inputs with zeros")
    return g
