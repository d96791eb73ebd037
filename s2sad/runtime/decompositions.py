"""Runtime helpers of ``numpy.linalg`` derivative rules (norms, solves, determinants,
decompositions).

Conventions: matrices are the last two axes (``(..., m, n)`` stacks), as in NumPy.
The linear helpers (``la_conj``, ``la_mH``, ``la_diag``, ``la_diag_embed``,
``la_tril``, ``la_phi``, ``la_cho_lower``, ``la_as_matrix``/``la_from_matrix``) have
rules in :mod:`s2sad.rules.decomposition_rules`: each is ``linear`` and its adjoint is
its transpose under JAX's convention (cotangents are not conjugated, so the adjoint of
``conj`` is ``conj`` and of the conjugate transpose is the conjugate transpose).
``la_gap_inverse`` is differentiable (``y = 1/x`` off the masked entries).  The
others (``la_*_spec``, ``la_*_check``, ``la_eye_like``, ``la_solve_vector``) only
touch primal values or raise, and are declared non-differentiable.  Names are
prefixed ``la_`` to stay clear of the other runtime modules.
"""
import numpy as np

from ..errors import RuleError

__all__ = [
    "la_conj", "la_mH", "la_diag", "la_diag_embed", "la_tril", "la_phi", "la_cho_lower",
    "la_as_matrix", "la_from_matrix", "la_result_like", "la_gap_inverse", "la_eye_like",
    "la_solve_vector",
    "la_norm_spec", "la_keep_shape", "la_svd_check", "la_qr_check", "la_lstsq_check",
    "la_cond_check",
]

#: NumPy 2 treats ``solve(a, b)``'s ``b`` as a vector only when it is 1-D; NumPy 1.x
#: when ``b.ndim == a.ndim - 1``
_NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def la_conj(x):
    """``np.conj(x)``; ``x`` itself when it is real (no copy, dtype kept)."""
    return np.conj(x) if np.iscomplexobj(x) else x


def la_mH(x):
    """The conjugate transpose of the last two axes."""
    return la_conj(np.swapaxes(x, -1, -2))


def la_diag(x):
    """The diagonals of a stack of square matrices: ``(..., n, n) -> (..., n)`` (a copy:
    NumPy's diagonal is a view)."""
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


def la_diag_embed(v):
    """Diagonal matrices from a stack of vectors: ``(..., n) -> (..., n, n)``."""
    v = np.asarray(v)
    n = v.shape[-1]
    return v[..., None] * np.eye(n, dtype=v.dtype if v.dtype.kind in "fc" else None)


def la_tril(x, k=0):
    """``np.tril`` of the last two axes (a mask: its own transpose)."""
    return np.tril(x, k)


def la_phi(x):
    """The lower triangle with the diagonal halved (Murray 2016's Phi; a mask)."""
    n, m = np.shape(x)[-2:]
    mask = np.tril(np.ones((n, m)), -1) + 0.5 * np.eye(n, m)
    return x * mask.astype(np.result_type(x).type(0).real.dtype)


def la_cho_lower(x, upper=False):
    """The lower factor from ``cholesky``'s result: ``x^H`` when ``upper`` (self-adjoint)."""
    return la_mH(x) if upper else x


def la_as_matrix(b, vec):
    """``b[..., None]`` when ``b`` is a vector right-hand side, else ``b``."""
    return np.expand_dims(b, -1) if vec else b


def la_from_matrix(x, vec):
    """Inverse of :func:`la_as_matrix`: ``x[..., 0]`` when ``vec``."""
    return x[..., 0].copy() if vec else x


def la_result_like(parts, y):
    """The tuple ``parts`` as the type of the result ``y`` (NumPy 2's namedtuples:
    ``EighResult``, ``SlogdetResult``, ...), so that tangents have ``y``'s fields."""
    if isinstance(y, tuple) and hasattr(y, "_fields"):
        return type(y)(*parts)
    return tuple(parts)


def la_solve_vector(a, b):
    """Whether ``np.linalg.solve(a, b)`` treats ``b`` as (a stack of) vectors."""
    nb = np.ndim(b)
    return nb == 1 if _NUMPY2 else (nb == 1 or nb == np.ndim(a) - 1)


def la_eye_like(a):
    """The identity matrix of ``a``'s last axis, in ``a``'s (inexact) dtype."""
    dtype = np.result_type(a)
    return np.eye(np.shape(a)[-1], dtype=dtype if dtype.kind in "fc" else np.float64)


def la_gap_inverse(x, matrix=True):
    """``1 / x`` with zeros where ``|x|`` is tiny relative to the largest ``|x|`` of its
    matrix (``matrix=True``: the last two axes) or vector (the last axis), and at exact
    zeros: the ``F`` matrices of eigen- and singular-vector derivatives (``x`` a matrix
    of eigenvalue gaps, whose diagonal is 0), where degenerate pairs contribute nothing
    (their vectors are not unique; see the rules' comments), and ``1 / s`` of singular
    values with 0 for zero ones."""
    x = np.asarray(x)
    tol = 64 * np.finfo(x.dtype if x.dtype.kind in "fc" else np.float64).eps
    axes = (-2, -1) if matrix else (-1,)
    bound = tol * np.max(np.abs(x), axis=axes, keepdims=True) if x.size else 0
    mask = np.abs(x) <= bound
    return np.where(mask, 0, 1 / np.where(mask, 1, x))


def la_keep_shape(x, axes):
    """``x``'s shape with ``axes`` set to 1 (a reduction's result with keepdims)."""
    shape = list(np.shape(x))
    for ax in axes:
        shape[ax] = 1
    return tuple(shape)


def la_norm_spec(x, ord, axis):
    """``(kind, axes, p)`` for ``np.linalg.norm(x, ord, axis)``, resolved as NumPy does.

    kind: ``"two"`` (2-norm of the entries over ``axes``: vector ``None``/2, ``'fro'``,
    ``ord=None`` with ``axis=None``), ``"p"`` (vector ``p``-norm), ``"max"``/``"min"``
    (vector ``inf``/``-inf``), ``"zero"`` (vector ``ord=0``, a count), ``"colmax"``,
    ``"colmin"`` (matrix ``1``/``-1``: ``axes = (summed, reduced)``), ``"rowmax"``,
    ``"rowmin"`` (``inf``/``-inf``), ``"nuc"``, ``"spec"``/``"specmin"`` (2/-2).
    """
    nd = np.ndim(x)
    if axis is None:
        if ord is None:
            return "two", tuple(range(nd)), 2
        axes = tuple(range(nd))
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(int(a) % nd for a in axes)
    if len(axes) == 1:
        if ord is None or ord == 2:
            return "two", axes, 2
        if ord == np.inf:
            return "max", axes, ord
        if ord == -np.inf:
            return "min", axes, ord
        if ord == 0:
            return "zero", axes, ord
        if isinstance(ord, str):
            raise ValueError("Invalid norm order '%s' for vectors" % ord)
        return "p", axes, float(ord)
    if len(axes) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    row, col = axes
    kinds = {None: ("two", axes), "fro": ("two", axes), "nuc": ("nuc", axes),
             2: ("spec", axes), -2: ("specmin", axes), 1: ("colmax", axes),
             -1: ("colmin", axes), np.inf: ("rowmax", (col, row)),
             -np.inf: ("rowmin", (col, row))}
    if ord not in kinds:
        raise ValueError("Invalid norm order for matrices.")
    kind, axes = kinds[ord]
    return kind, axes, ord


def la_svd_check(a, full_matrices, compute_uv):
    """Raise for the SVDs whose derivative is not defined (non-unique extra vectors)."""
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise RuleError(
            "s2sad differentiates np.linalg.svd(a, full_matrices=True) only for square "
            "matrices (the extra singular vectors of a %dx%d matrix are not unique); "
            "pass full_matrices=False" % (m, n))
    return a


def la_qr_check(a, mode):
    """Raise for the QR forms whose derivative is not defined here."""
    m, n = np.shape(a)[-2:]
    if mode not in ("reduced", "complete", "r"):
        raise RuleError("s2sad does not differentiate np.linalg.qr(mode=%r)" % (mode,))
    if m < n:
        raise RuleError("s2sad differentiates np.linalg.qr only for m >= n (got a %dx%d "
                        "matrix): R's trailing columns make Q not a smooth function" % (m, n))
    if mode == "complete" and m != n:
        raise RuleError("s2sad differentiates np.linalg.qr(mode='complete') only for "
                        "square matrices (the extra columns of Q are not unique)")
    return a


def la_lstsq_check(a, rank):
    """Raise unless ``a`` has full column rank (the solution is then smooth in ``a``)."""
    n = np.shape(a)[-1]
    if rank < n:
        raise RuleError("s2sad differentiates np.linalg.lstsq only for matrices of full "
                        "column rank (got rank %d < %d columns)" % (rank, n))
    return a


def la_cond_check(p):
    """Raise for the orders of ``np.linalg.cond`` not differentiated (not from the SVD)."""
    if p not in (None, 2, -2):
        raise RuleError("s2sad differentiates np.linalg.cond only for p=None, 2 and -2 "
                        "(got p=%r)" % (p,))
    return p
