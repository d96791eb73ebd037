"""Runtime helpers of reduction and statistics derivative rules.

Conventions (as :mod:`s2sad.runtime.arrays`): adjoint helpers take the incoming adjoint
``g`` first, then the primal values they need; tangent helpers take the tangent first.
Every helper that is linear in its first argument has its transpose here too, and the
rules in :mod:`s2sad.rules.reduction_rules` make each the other's adjoint, so generated
code can be differentiated again.  Helpers named ``*_weights``/``*_count``/``*_axes``
only read primal values and are non-differentiable (piecewise constant).

Reduction groups: an ``axis`` argument (None, an int, a negative int or a tuple) is
normalised by :func:`_groups`, which moves the reduced axes last and flattens them, so
that helpers work on ``(..., n)`` arrays and move the result back.
"""
import numpy as np

from .arrays import _size, unbroadcast

__all__ = [
    "stat_conj", "stat_count", "stat_flat", "nan_mask", "nan_count", "where_mask", "where_ratio",
    "prod_pair_apply", "prod_triple_apply", "prod_fourth_order",
    "order_weights", "quantile_weights", "order_adjoint", "order_tangent",
    "uncumsum", "cumulative_rows", "uncumulative_rows", "cum_last", "cum_unlast",
    "undiff", "diff_part", "diff_embed", "ungradient", "gradient_apply",
    "average_weights", "unaverage_weights", "outer_axes", "outer_shape",
]


# --- reduction groups ---

def _axes(ndim, axis):
    """The reduced axes of ``axis`` (None, int, negative, tuple) as sorted positives."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(int(a) % ndim for a in axes)) if ndim else ()


def _groups(x, axis):
    """``x`` with the reduced axes moved last and flattened, and the moved shape."""
    x = np.asarray(x)
    axes = _axes(x.ndim, axis)
    last = tuple(range(x.ndim - len(axes), x.ndim))
    moved = np.moveaxis(x, axes, last)
    return np.reshape(moved, moved.shape[:x.ndim - len(axes)] + (-1,)), moved.shape, axes, last


def _ungroup(flat, moved_shape, axes, last):
    return np.moveaxis(np.reshape(flat, moved_shape), last, axes)


def _real_dtype(x):
    dtype = np.result_type(x)
    if dtype.kind == "c":
        return np.finfo(dtype).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


# --- complex and counts ---

def stat_conj(x):
    """``np.conj(x)`` for complex ``x``, ``x`` itself otherwise (var/std of complex)."""
    return np.conj(x) if np.iscomplexobj(x) else x


def stat_count(a, y, ddof=0):
    """``N - ddof`` of ``var``/``std``: elements per reduction group, a Python float."""
    return np.size(a) / max(np.size(y), 1) - ddof


def stat_flat(y, a, axis=None, keepdims=False):
    """True (per reduction group, shaped like ``y``) where ``std`` is rounding noise: the
    group is constant up to a few ulps of its largest element (``np.std(c * ones)`` is
    1e-17, not 0).  ``std`` is not differentiable there; its rules give 0, as at
    ``y == 0``, instead of dividing rounding noise by rounding noise."""
    magnitude = np.abs(a)
    magnitude = np.where(np.isnan(magnitude), 0.0, magnitude)  # nanstd's groups
    scale = np.max(magnitude, axis=axis, keepdims=keepdims) if np.size(a) else 0.0
    eps = np.finfo(np.result_type(a, np.float32)).eps
    return np.abs(y) <= 8.0 * eps * scale


def nan_mask(g, a):
    """``g`` with zeros where ``a`` is NaN (``g`` itself when ``a`` has no NaN)."""
    nan = np.isnan(a)
    if not np.any(nan):
        return g
    return np.where(nan, 0.0, g)


def nan_count(a, axis=None, keepdims=False, ddof=0):
    """Non-NaN elements per reduction group, minus ``ddof``, in ``a``'s real dtype."""
    return np.sum(~np.isnan(a), axis=axis, keepdims=keepdims, dtype=_real_dtype(a)) - ddof


def where_mask(g, where=True):
    """``g`` where ``where`` holds, else 0 (``where=`` of ``np.sum``/``np.mean``)."""
    if where is True:
        return g
    return np.where(where, g, 0.0)


def where_ratio(y, a, axis=None, keepdims=False, where=True):
    """``np.mean(a, where=where)``'s divisor relative to the full group size: 1.0 when
    ``where`` is True, else (elements per group) / (selected elements per group)."""
    if where is True:
        return 1.0
    mask = np.broadcast_to(where, np.shape(a))
    count = np.sum(mask, axis=axis, keepdims=keepdims, dtype=_real_dtype(a))
    return (_size(a) / max(_size(y), 1)) / count


# --- np.prod: second derivatives, exact with zeros ---

def _prod_others_along(x, axis, vs):
    """The mixed directional derivative, along each direction of ``vs`` once, of the
    products of the other elements of each group: exact with zeros (the product rule
    run on prefix and suffix products with nilpotent directions, one step per element).
    Returns (flat result, ungroup arguments)."""
    flat, moved, axes, last = _groups(x, axis)
    dirs = [_groups(np.broadcast_to(v, np.shape(x)), axis)[0] for v in vs]
    n, k = flat.shape[-1], len(dirs)
    dtype = np.result_type(flat, *dirs)
    subsets = range(1 << k)  # coefficient of prod_{b in subset} t_b
    left = [np.zeros(flat.shape, dtype) for _ in subsets]
    right = [np.zeros(flat.shape, dtype) for _ in subsets]
    left[0][..., 0] = right[0][..., n - 1] = 1.0

    def step(acc, src, dst, i):
        for s in subsets:
            value = acc[s][..., src] * flat[..., src]
            for b in range(k):
                if s >> b & 1:
                    value = value + acc[s ^ (1 << b)][..., src] * dirs[b][..., src]
            acc[s][..., dst] = value
    for i in range(1, n):
        step(left, i - 1, i, i)
        step(right, n - i, n - 1 - i, i)
    full = (1 << k) - 1
    out = sum(left[s] * right[full ^ s] for s in subsets)
    return out, (moved, axes, last)


def prod_pair_apply(v, x, axis=None):
    """``out_i = sum_{j != i} v_j prod_{k != i, j} x_k`` per reduction group of ``x``:
    the Hessian of ``np.prod`` applied to ``v`` (symmetric).  Exact with zeros: without
    zeros it is ``(P / x_i) * (sum(v / x) - v_i / x_i)``."""
    flat, moved, axes, last = _groups(x, axis)
    if np.all(flat != 0):
        ratio = _groups(np.broadcast_to(v, np.shape(x)), axis)[0] / flat
        others = np.prod(flat, axis=-1, keepdims=True) / flat
        out = others * (np.sum(ratio, axis=-1, keepdims=True) - ratio)
        return _ungroup(out, moved, axes, last)
    out, where = _prod_others_along(x, axis, (v,))
    return _ungroup(out, *where)


def prod_triple_apply(v, w, x, axis=None):
    """The third derivative of ``np.prod`` applied to ``v`` and ``w``:
    ``out_i = sum_{j, k distinct, != i} v_j w_k prod_{m != i, j, k} x_m`` (symmetric in
    ``v``, ``w`` and the output).  Without zeros, with ``a = v/x``, ``b = w/x``:
    ``(P/x_i) ((sum b - b_i)(sum a - a_i) - sum(a b) + a_i b_i)``."""
    flat, moved, axes, last = _groups(x, axis)
    if np.all(flat != 0):
        a = _groups(np.broadcast_to(v, np.shape(x)), axis)[0] / flat
        b = _groups(np.broadcast_to(w, np.shape(x)), axis)[0] / flat
        others = np.prod(flat, axis=-1, keepdims=True) / flat
        sa, sb = np.sum(a, axis=-1, keepdims=True), np.sum(b, axis=-1, keepdims=True)
        out = others * ((sb - b) * (sa - a) - np.sum(a * b, axis=-1, keepdims=True) + a * b)
        return _ungroup(out, moved, axes, last)
    out, where = _prod_others_along(x, axis, (v, w))
    return _ungroup(out, *where)


def prod_fourth_order(t, x):
    """Guard on the derivative of :func:`prod_triple_apply` with respect to ``x``:
    fourth derivatives of ``np.prod`` are not computed."""
    raise NotImplementedError(
        "s2sad does not compute fourth derivatives of np.prod (up to third order is exact)")


# --- order statistics: median, percentile, quantile, nanmedian ---

_ORDER_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def quantile_weights(a, q, axis=None, method="linear", overwrite_input=False, scale=1.0):
    """Weights ``w`` (shape ``np.shape(q) + np.shape(a)``) with
    ``np.quantile(a, q, axis, method=method) == sum(w * a)`` over the reduced axes.

    Each order statistic's weight is shared evenly by the elements equal to it (ties
    share the gradient, as ``max`` does).  Methods: 'linear' (default: the weights of
    the two neighbours are ``1 - frac`` and ``frac``), 'lower', 'higher', 'nearest',
    'midpoint'; any other method raises ``NotImplementedError`` naming it.  ``q`` is
    divided by ``scale`` (100 for percentiles).  ``overwrite_input=True`` is refused:
    the primal call has reordered ``a`` before the derivative reads it.
    """
    if overwrite_input:
        raise NotImplementedError(
            "s2sad cannot differentiate np.median/np.percentile/np.quantile with "
            "overwrite_input=True (the call reorders its input); leave it False")
    if method not in _ORDER_METHODS:
        raise NotImplementedError(
            "s2sad differentiates np.quantile/np.percentile with method in %s, not %r"
            % (", ".join(repr(m) for m in _ORDER_METHODS), method))
    flat, moved, axes, last = _groups(a, axis)
    n = flat.shape[-1]
    qs = np.asarray(q, dtype=np.float64) / scale
    ordered = np.sort(flat, axis=-1)
    weights = []
    for qk in qs.reshape(-1):
        h = qk * (n - 1)
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        frac = h - lo
        if method == "lower":
            pairs = [(lo, 1.0)]
        elif method == "higher":
            pairs = [(int(np.ceil(h)), 1.0)]
        elif method == "nearest":
            pairs = [(int(np.around(h)), 1.0)]
        elif method == "midpoint":
            pairs = [(lo, 0.5), (int(np.ceil(h)), 0.5)]
        else:
            pairs = [(lo, 1.0 - frac), (hi, frac)]
        w = np.zeros(flat.shape, dtype=_real_dtype(a))
        for k, share in pairs:
            if share == 0.0:
                continue
            tied = flat == ordered[..., k:k + 1]
            w = w + share * tied / np.sum(tied, axis=-1, keepdims=True)
        weights.append(_ungroup(w, moved, axes, last))
    return np.reshape(np.stack(weights), qs.shape + np.shape(a))


def order_weights(a, axis=None, overwrite_input=False):
    """Weights of ``np.median(a, axis)``: :func:`quantile_weights` at ``q = 0.5``."""
    return quantile_weights(a, 0.5, axis, "linear", overwrite_input)


def _order_axes(w, a, axis):
    lead = np.ndim(w) - np.ndim(a)
    return tuple(lead + i for i in _axes(np.ndim(a), axis))


def order_tangent(t, w, a, axis=None, keepdims=False):
    """Tangent of an order statistic with weights ``w``: ``sum(w * t)`` over the reduced
    axes (leading axes of ``w`` are those of ``q``)."""
    return np.sum(w * t, axis=_order_axes(w, a, axis), keepdims=keepdims)


def order_adjoint(g, w, a, axis=None, keepdims=False):
    """Adjoint of :func:`order_tangent` in ``t`` (shape of ``a``)."""
    lead = np.ndim(w) - np.ndim(a)
    axes = _order_axes(w, a, axis)
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.sum(g * w, axis=tuple(range(lead))) if lead else g * w


# --- cumsum ---

def uncumsum(g, a, axis=None):
    """Adjoint of ``np.cumsum(a, axis)``: reversed cumulative sums, shaped like ``a``."""
    ax = -1 if axis is None else axis
    return np.reshape(np.flip(np.cumsum(np.flip(g, ax), ax), ax), np.shape(a))


# --- cumprod as products of rows: row i holds x_0..x_i, then ones ---

def _cum_moved(x, axis):
    return np.ravel(x) if axis is None else np.moveaxis(x, axis, -1)


def cumulative_rows(x, axis=None, fill=1.0):
    """``(..., n, n)``: row ``i`` is ``x`` along ``axis`` (flattened for None) up to ``i``,
    then ``fill``; ``np.prod(rows, -1)`` is ``np.cumprod(x, axis)`` moved last."""
    moved = _cum_moved(x, axis)
    n = np.shape(moved)[-1]
    lower = np.tri(n, dtype=bool)
    return np.where(lower, moved[..., None, :], fill)


def uncumulative_rows(g, x, axis=None):
    """Adjoint of ``cumulative_rows(t, axis, 0.0)``: shaped like ``x``."""
    n = np.shape(g)[-1]
    summed = np.sum(np.where(np.tri(n, dtype=bool), g, 0.0), axis=-2)
    if axis is None:
        return np.reshape(summed, np.shape(x))
    return np.moveaxis(summed, -1, axis)


def cum_last(g, axis=None):
    """``g`` (shaped like a cumulative result) with ``axis`` moved last."""
    return g if axis is None else np.moveaxis(g, axis, -1)


def cum_unlast(g, axis=None):
    """Inverse (and adjoint) of :func:`cum_last`."""
    return g if axis is None else np.moveaxis(g, -1, axis)


# --- np.diff ---

def undiff(g, n=1, axis=-1):
    """Adjoint of ``np.diff(x, n, axis)`` without prepend/append: ``n`` times
    ``-diff(g padded with a zero at both ends)``."""
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0.0, append=0.0)
    return g


def _diff_pieces(a, prepend, append, axis):
    """Lengths along ``axis`` of (prepend, a, append) in ``np.diff``'s concatenation."""
    shape = np.shape(a)
    ax = axis % len(shape)

    def length(p):
        if p is None:
            return 0
        return 1 if np.ndim(p) == 0 else np.shape(p)[ax]
    return length(prepend), shape[ax], length(append), ax


def diff_part(g, part, a, prepend=None, append=None, axis=-1):
    """The piece of ``g`` (shaped like the concatenation) that belongs to ``part``:
    0 = prepend, 1 = a, 2 = append; summed to a scalar ``prepend``/``append``."""
    npre, na, _, ax = _diff_pieces(a, prepend, append, axis)
    start = (0, npre, npre + na)[part]
    like = (prepend, a, append)[part]
    if part == 1 and npre == 0 and np.shape(g)[ax] == na:
        return g
    stop = start + (na if part == 1 else (1 if np.ndim(like) == 0 else np.shape(like)[ax]))
    piece = np.take(g, np.arange(start, stop), axis=ax)
    return unbroadcast(np.sum(piece) if np.ndim(like) == 0 else piece, like)


def diff_embed(t, part, a, prepend=None, append=None, axis=-1):
    """Transpose of :func:`diff_part`: ``t`` placed at ``part`` of the concatenation."""
    npre, na, napp, ax = _diff_pieces(a, prepend, append, axis)
    if npre == 0 and napp == 0:
        return t
    shape = list(np.shape(a))
    pieces = []
    for k, length in enumerate((npre, na, napp)):
        shape[ax] = length
        if k == part:
            pieces.append(np.broadcast_to(t, shape))
        elif length:
            pieces.append(np.zeros(shape, dtype=np.result_type(t, 0.0)))
    return np.concatenate(pieces, axis=ax)


# --- np.gradient (linear in f for a fixed spacing) ---

def _gradient_axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))


def _gradient_spacing(varargs, axes, k):
    if not varargs:
        return ()
    return (varargs[0],) if len(varargs) == 1 else (varargs[k],)


def ungradient(g, f, varargs=(), axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, *varargs, axis=axis, edge_order=edge_order)`` in
    ``f``: per axis, the transpose of the difference matrix (``np.gradient`` of the
    identity, so any spacing NumPy accepts is exact).  ``g`` is an array or a list/
    tuple of arrays (one per axis)."""
    axes = _gradient_axes(np.ndim(f), axis)
    parts = list(g) if isinstance(g, (list, tuple)) else [g]
    total = None
    for k, (ax, part) in enumerate(zip(axes, parts)):
        n = np.shape(f)[ax]
        matrix = np.gradient(np.eye(n), *_gradient_spacing(varargs, axes, k), axis=0,
                             edge_order=edge_order)
        back = np.moveaxis(np.tensordot(matrix.T, np.moveaxis(part, ax, 0), axes=1), 0, ax)
        back = back.astype(np.result_type(part, f, 0.0), copy=False)
        total = back if total is None else total + back
    return total


def gradient_apply(t, f, varargs=(), axis=None, edge_order=1):
    """``np.gradient(t, *varargs, axis=axis, edge_order=edge_order)`` (the adjoint of
    :func:`ungradient`); ``f`` is unused but keeps the signatures parallel."""
    return np.gradient(t, *varargs, axis=axis, edge_order=edge_order)


# --- np.average ---

def average_weights(w, a, axis=None, returned=False):
    """``np.average``'s weights broadcastable against ``a`` (1-D weights along ``axis``
    reshaped); ones shaped like ``a`` for ``w=None``.  ``returned=True`` is refused."""
    if returned:
        raise NotImplementedError(
            "s2sad does not differentiate np.average(..., returned=True); compute the "
            "sum of the weights with np.sum next to np.average(..., returned=False)")
    if w is None:
        return np.ones(np.shape(a), dtype=_real_dtype(a))
    if np.ndim(w) == np.ndim(a) or np.ndim(w) == 0:
        return w
    shape = [1] * np.ndim(a)
    shape[axis % np.ndim(a)] = np.shape(w)[0]
    return np.reshape(w, shape)


def unaverage_weights(g, w, a, axis=None):
    """Adjoint of :func:`average_weights` in ``w``: ``g`` (broadcast shape) summed to
    the weights' shape."""
    if np.ndim(w) == np.ndim(a) or np.ndim(w) == 0:
        return unbroadcast(g, w)
    ax = axis % np.ndim(a)
    g = np.sum(g, axis=tuple(i for i in range(np.ndim(g)) if i != ax))
    return np.reshape(g, np.shape(w))


# --- ufunc.outer ---

def outer_axes(a, b, which):
    """Axes of ``np.<ufunc>.outer(a, b)`` belonging to ``b`` (which=1) or to ``a`` (0)."""
    na, nb = np.ndim(a), np.ndim(b)
    return tuple(range(na, na + nb)) if which == 1 else tuple(range(na))


def outer_shape(a, b):
    """``a``'s shape padded with ones for ``b``'s axes (``a`` as an outer operand)."""
    return np.shape(a) + (1,) * np.ndim(b)
