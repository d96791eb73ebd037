"""Runtime helpers of SciPy derivative rules (``scipy.special``, ``scipy.linalg``).

SciPy is optional: nothing here imports it.  The helpers only rearrange values
(re-insert reduced axes, pick the value of ``logsumexp(..., return_sign=True)``, mask a
triangle, transpose on a flag); they never compute special functions themselves, so
the rule tables (:mod:`s2sad.rules.scipy_rules`) express every derivative in terms of
SciPy and NumPy functions that have rules.

Unsupported uses (complex ``trans='C'``, an ``assume_a`` without a rule) raise
``NotImplementedError`` when the derivative runs, as ``no_complex_curvature`` does.

The exception is :func:`special_polyval`, a polynomial with constant coefficients (the
large-``x`` series of ``erfcx``'s derivative): its derivative is itself with ``n + 1``.

Conventions: adjoint-like helpers take the cotangent first; ``None`` is a symbolic zero
and passes through.  Each helper is linear in its first argument (rules: ``linear`` plus
an adjoint that is the transpose helper) or non-differentiable (it returns flags and
integers only).  Names are prefixed ``special_`` / ``linalg_`` (the area).
"""
import numpy as np

__all__ = [
    "special_keepdims", "special_dropdims", "special_weight", "special_lse_value",
    "special_lse_unvalue", "special_lse_sign", "special_weighted_sum",
    "linalg_triangle", "linalg_transpose_if", "linalg_symmetrize", "linalg_unsymmetrize",
    "linalg_trans_code", "linalg_flip_trans", "linalg_factor_lower", "linalg_factor_unlower",
    "linalg_structure", "linalg_unstructure", "special_polyval",
]


# --- scipy.special.logsumexp ---

def _axes(axis):
    return axis if isinstance(axis, tuple) else (axis,)


def special_keepdims(g, axis=None, keepdims=False):
    """``g`` (a reduction's result) with the reduced axes re-inserted as length 1, so that
    it broadcasts against the reduced operand; ``g`` itself when ``keepdims``, for
    ``axis=None`` and for a scalar ``g`` (a scalar broadcasts already).

    >>> special_keepdims(np.zeros((2, 4)), (0, 2)).shape
    (1, 2, 1, 4)
    """
    if g is None or keepdims or axis is None or np.ndim(g) == 0:
        return g
    return np.expand_dims(g, _axes(axis))


def special_dropdims(g, axis=None, keepdims=False):
    """Adjoint of :func:`special_keepdims`: the length-1 axes removed again."""
    if g is None or keepdims or axis is None or np.ndim(g) == 0:
        return g
    return np.squeeze(g, _axes(axis))


def special_weight(b):
    """The weights ``b`` of ``logsumexp``; 1.0 for ``b=None`` (identity otherwise)."""
    return 1.0 if b is None else b


def special_lse_value(y, return_sign=False):
    """The value part of ``logsumexp``'s result (``y[0]`` when ``return_sign``)."""
    if return_sign and isinstance(y, tuple):
        return y[0]
    return y


def special_lse_unvalue(g, y, return_sign=False):
    """Adjoint of :func:`special_lse_value`: ``(g, 0)`` when ``return_sign`` (the sign
    carries no derivative), else ``g``.  Also the tangent of ``logsumexp``'s result."""
    if return_sign and isinstance(y, tuple):
        return (g, np.zeros_like(y[1]))
    return g


def special_lse_sign(y, return_sign=False):
    """The sign of ``logsumexp``'s sum: ``y[1]`` when ``return_sign``, else 1.0 (SciPy
    returns NaN for a negative sum without ``return_sign``).  Non-differentiable."""
    if return_sign and isinstance(y, tuple):
        return y[1]
    return 1.0


def special_weighted_sum(t, w, axis=None, keepdims=False):
    """``np.sum(t * w, axis, keepdims=keepdims)``; 0.0 for ``t=None`` (the tangent of an
    absent argument, such as ``logsumexp``'s ``b=None``).  Bilinear in ``t`` and ``w``."""
    if t is None or w is None:
        return 0.0
    return np.sum(t * w, axis=axis, keepdims=keepdims)


# --- scipy.linalg: triangles, transposes, structure ---

def _tri_mask(n, lower, diagonal, dtype):
    mask = np.tril(np.ones((n, n)), -1) if lower else np.triu(np.ones((n, n)), 1)
    mask = mask + diagonal * np.eye(n)
    return mask.astype(dtype) if np.issubdtype(dtype, np.inexact) else mask


def linalg_triangle(m, lower=False, diagonal=1.0):
    """The lower (or upper) triangle of ``m`` (last two axes), its diagonal scaled by
    ``diagonal`` (1: the triangle, 0: strict triangle (unit diagonal), 0.5: the half
    diagonal of Cholesky derivatives).  Linear and self-adjoint.

    >>> linalg_triangle(np.ones((2, 2)), lower=True, diagonal=0.5)
    array([[0.5, 0. ],
           [1. , 0.5]])
    """
    if m is None:
        return None
    m = np.asarray(m)
    return m * _tri_mask(m.shape[-1], lower, diagonal, m.dtype)


def linalg_transpose_if(m, flag):
    """``m`` transposed (last two axes) if ``flag``, else ``m``.  Linear and self-adjoint
    (under the non-conjugating pairing of JAX's convention)."""
    if m is None or not flag:
        return m
    return np.swapaxes(m, -1, -2)


def linalg_symmetrize(m, lower=False):
    """The symmetric matrix read from one triangle of ``m``: ``T + T^T`` with
    ``T = linalg_triangle(m, lower, 0.5)``.  Linear; adjoint :func:`linalg_unsymmetrize`."""
    if m is None:
        return None
    t = linalg_triangle(m, lower, 0.5)
    return t + np.swapaxes(t, -1, -2)


def linalg_unsymmetrize(g, lower=False):
    """Adjoint of :func:`linalg_symmetrize`: ``linalg_triangle(g + g^T, lower, 0.5)``."""
    if g is None:
        return None
    return linalg_triangle(g + np.swapaxes(g, -1, -2), lower, 0.5)


_TRANS = {0: 0, "N": 0, "n": 0, 1: 1, "T": 1, "t": 1, 2: 2, "C": 2, "c": 2}


def linalg_trans_code(trans, a):
    """``solve_triangular``'s ``trans`` as 0 (none) or 1 (transposed); ``'C'`` is 1 for
    real ``a``.  Complex ``a`` with ``'C'`` is not holomorphic: an error."""
    code = _TRANS.get(trans)
    if code is None:
        raise ValueError("invalid trans %r" % (trans,))
    if code == 2:
        if np.iscomplexobj(a):
            raise NotImplementedError(
                "s2sad does not differentiate solve_triangular(..., trans='C') of a complex "
                "matrix (not holomorphic); pass np.conj(a) with trans='T'")
        code = 1
    return code


def linalg_flip_trans(trans, a):
    """The ``trans`` of the adjoint solve: 1 - :func:`linalg_trans_code`."""
    return 1 - linalg_trans_code(trans, a)


def linalg_factor_lower(y, lower=False):
    """The lower Cholesky factor held by ``y``: the result of ``cholesky(a, lower)``, the
    ``(c, lower)`` of ``cho_factor`` (only the triangle it fills is read: SciPy leaves
    the other one unspecified) or its tangent/cotangent.  Linear in ``y``; adjoint
    :func:`linalg_factor_unlower`."""
    if isinstance(y, (tuple, list)):
        y = y[0]
    return linalg_transpose_if(linalg_triangle(y, lower), not lower)


def linalg_factor_unlower(g, like, lower=False):
    """Adjoint of :func:`linalg_factor_lower`: ``g`` (for a lower factor) as the factor
    triangle of ``like`` (``cholesky``'s result, or ``(c, lower)`` with a zero for the
    flag).  Also the tangent of ``cholesky``/``cho_factor`` from that of the factor."""
    c = linalg_triangle(linalg_transpose_if(g, not lower), lower)
    if isinstance(like, (tuple, list)):
        return type(like)((c, 0.0))
    return c


_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric")
_HERMITIAN = ("her", "hermitian", "pos", "positive definite")  # symmetric when real


def _symmetric(assume_a, a):
    """True when ``assume_a`` makes SciPy read one triangle as a symmetric matrix."""
    if assume_a in _GENERAL:
        return False
    if assume_a in _SYMMETRIC or (assume_a in _HERMITIAN and not np.iscomplexobj(a)):
        return True
    raise NotImplementedError(
        "s2sad differentiates scipy.linalg.solve/inv with assume_a None, 'gen', 'sym', or "
        "'her'/'pos' of a real matrix, not %r%s"
        % (assume_a, " of a complex matrix" if assume_a in _HERMITIAN else ""))


def linalg_structure(m, a, assume_a=None, lower=False):
    """The matrix ``scipy.linalg.solve(a, ..., assume_a=...)`` reads from ``m`` (a
    tangent of ``a``): ``m`` itself in general, the symmetric matrix of its ``lower``
    (or upper) triangle for ``'sym'``/``'pos'``.  Linear; adjoint
    :func:`linalg_unstructure`."""
    if m is None or not _symmetric(assume_a, a):
        return m
    return linalg_symmetrize(m, lower)


def linalg_unstructure(g, a, assume_a=None, lower=False):
    """Adjoint of :func:`linalg_structure`: the gradient on the entries that are read."""
    if g is None or not _symmetric(assume_a, a):
        return g
    return linalg_unsymmetrize(g, lower)


# --- polynomials with constant coefficients ---


def special_polyval(c, z, n=0):
    """The ``n``-th derivative in ``z`` of the polynomial with coefficients ``c``
    (Python floats, highest power first), by Horner's scheme as the nested form
    ``c[-1] + z * (c[-2] + z * (...))`` (the same roundings)."""
    c = list(c)
    for _ in range(n):
        c = [ci * (len(c) - 1 - i) for i, ci in enumerate(c[:-1])]
    y = np.zeros_like(z) + (c[0] if c else 0.0)
    for ci in c[1:]:
        y = y * z + ci
    return y
