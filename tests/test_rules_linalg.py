"""Rule rows of ``numpy.linalg`` (norms, inverses, solves, determinants and
decompositions: :mod:`s2sad.rules.decomposition_rules`) and of the ``la_*`` runtime
helpers, checked by :func:`rulecase.check_case`; the targeted tests of their edge
semantics are in ``test_linalg_edges``.

Inputs are made well conditioned inside the case functions: ``x @ x^T + n I`` for
symmetric positive definite matrices, ``x + 4 I`` for general ones.  Outputs that are
defined only up to signs or phases (eigenvectors, singular vectors) enter through
invariant functions (``|v|^2``, ``U diag(s) Vh``, projections).
"""
import numpy as np
import pytest

from s2sad import runtime

from rulecase import C128, RuleCase, check_case, params

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"
SQ = ((3, 3),)
SQ4 = ((4, 4),)
STACK = ((2, 3, 3),)


def _conj(x):
    return 2.0 * np.real(x) - x  # np.conj, from functions with rules


def _spd(x):
    n = x.shape[-1]
    return x @ _conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)


def _herm(x):
    return x + _conj(np.swapaxes(x, -1, -2))


def _dominant(x):
    return x + 4.0 * np.eye(x.shape[-1])


def _weights(shape):
    return np.reshape(np.arange(1.0, 1.0 + np.prod(shape)), shape) / np.prod(shape)


# --- norms ---

def f_norm(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=1) + np.linalg.norm(x)))


def f_norm_keepdims(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=-1, keepdims=True) * x))


def f_norm_vector_ords(x):
    return np.sum(np.sin(np.linalg.norm(x, 1, axis=1) + np.linalg.norm(x, np.inf, axis=1)
                         + np.linalg.norm(x, -np.inf, axis=1) + np.linalg.norm(x, 3, axis=1)
                         + np.linalg.norm(x, 0, axis=1) + np.linalg.norm(x, 2, axis=1)))


def f_norm_p(x):
    return np.linalg.norm(x[0], 1.5) + np.linalg.norm(x[1], -1) + np.linalg.norm(x[2], 0.5)


def f_norm_fro(x):
    return np.sin(np.linalg.norm(x, 'fro')) + np.sum(np.linalg.norm(x, axis=(0, 1)))


def f_norm_matrix_ords(x):
    return (np.linalg.norm(x, 1) + 2.0 * np.linalg.norm(x, -1) + 3.0 * np.linalg.norm(x, np.inf)
            + 4.0 * np.linalg.norm(x, -np.inf))


def f_norm_svd_ords(x):
    return (np.sin(np.linalg.norm(x, 'nuc')) + np.linalg.norm(x, 2) ** 2
            + np.sin(np.linalg.norm(x, -2)))


def f_norm_axes(x):
    return (np.sum(np.sin(np.linalg.norm(x, 'nuc', axis=(2, 1)) + np.linalg.norm(x, 1, axis=(1, 2))
                          + np.linalg.norm(x, 2, axis=(-1, -2), keepdims=True)[:, 0, 0]))
            + np.sum(np.linalg.norm(x, -np.inf, axis=(0, 2)) * np.arange(4.0)))


def f_norm_complex(x):
    return (np.linalg.norm(x * (1 + 2j)) + np.sum(np.linalg.norm(x, axis=0) ** 2)
            + np.linalg.norm(x, 'nuc') + np.linalg.norm(x, 1) + np.linalg.norm(x[0], 3)
            + np.linalg.norm(x[1], np.inf))


# --- inverses, solves ---

def f_inv(x):
    return np.sum(np.sin(np.linalg.inv(_dominant(x))))


def f_inv_complex(x):
    return np.real(np.sum(np.linalg.inv(_dominant(x)) * (1 + 2j)))


def f_solve(a, b):
    return np.sum(np.sin(np.linalg.solve(_dominant(a), b)))


def f_solve_complex(a, b):
    return np.real(np.sum(np.linalg.solve(_dominant(a), b) * (2 - 1j)))


def f_pinv(x):
    return np.sum(np.sin(np.linalg.pinv(x)))


def f_pinv_complex(x):
    return np.real(np.sum(np.linalg.pinv(x) * (1 - 2j)))


def f_lstsq(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + np.sum(res) + np.sum(np.sin(sv))


def f_lstsq_complex(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.real(np.sum(x * (1 + 1j))) + np.sum(res) + np.sum(sv)


# --- determinants ---

def f_det(x):
    return np.sum(np.sin(np.linalg.det(_dominant(x))))


def f_det_complex(x):
    return np.real(np.linalg.det(_dominant(x)) * (1 + 1j))


def f_slogdet(x):
    sign, logdet = np.linalg.slogdet(_dominant(x) - 2.0 * np.eye(x.shape[-1]))
    return np.sum(np.sin(logdet) * sign)


def f_slogdet_fields(x):
    r = np.linalg.slogdet(_dominant(x))
    return np.sum(r.logabsdet * r.sign)


def f_slogdet_field(x):
    r = np.linalg.slogdet(_dominant(x))
    return np.sum(np.sin(r.logabsdet))


def f_slogdet_complex(x):
    sign, logdet = np.linalg.slogdet(_dominant(x))
    return np.sum(logdet) + np.real(sign * (1 + 2j))


# --- decompositions ---

def f_cholesky(x):
    return np.sum(np.sin(np.linalg.cholesky(_spd(x))))


def f_cholesky_upper(x):
    return np.sum(np.sin(np.linalg.cholesky(_spd(x), upper=True)))


def f_cholesky_complex(x):
    return np.real(np.sum(np.linalg.cholesky(_spd(x)) * (1 + 2j)))


def f_qr(x):
    q, r = np.linalg.qr(x)
    return np.sum(np.sin(q)) + np.sum(np.sin(r))


def f_qr_modes(x):
    q, r = np.linalg.qr(x[:3], mode='complete')
    return np.sum(np.sin(q) * r) + np.sum(np.sin(np.linalg.qr(x, mode='r')))


def f_qr_complex(x):
    q, r = np.linalg.qr(x)
    return np.real(np.sum(q * (1 + 2j)) + np.sum(r * (2 - 1j)))


def f_eigh(x):
    w, v = np.linalg.eigh(_herm(x))
    return np.sum(np.sin(w)) + np.sum(v * v * _weights(v.shape))


def f_eigh_upper(x):
    w, v = np.linalg.eigh(_herm(x), UPLO='U')
    return np.sum(w ** 2) + np.sum(np.sin(v ** 2))


def f_eigh_field(x):
    return np.sum(np.sin(np.linalg.eigh(_herm(x)).eigenvectors ** 2))


def f_eigh_complex(x):
    w, v = np.linalg.eigh(_herm(x))
    # |v|^2 is phase-invariant; v diag(c) v^H too
    p = (v * np.arange(1.0, 1.0 + w.shape[-1])) @ _conj(v.T)
    return np.sum(np.sin(w)) + np.sum(np.abs(v) ** 2 * _weights(v.shape)) + np.real(np.sum(p))


def f_eigvalsh(x):
    return np.sum(np.sin(np.linalg.eigvalsh(_herm(x))))


def f_eigvalsh_complex(x):
    return np.sum(np.sin(np.linalg.eigvalsh(_herm(x), UPLO='U')))


def f_svd(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return (np.sum(np.sin(s)) + np.sum(u * u * _weights(u.shape))
            + np.sum(vh * vh * _weights(vh.shape)))


def f_svd_square(x):
    u, s, vh = np.linalg.svd(x)
    return np.sum(np.sin((u * np.sin(np.expand_dims(s, -2))) @ vh))


def f_svd_values(x):
    return np.sum(np.sin(np.linalg.svd(x, compute_uv=False)))


def f_svd_complex(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return (np.sum(np.sin(s)) + np.sum(np.abs(u) ** 2 * _weights(u.shape))
            + np.real(np.sum((u * s[None, :] ** 2) @ vh * (1 + 2j))))


def _real_spectrum(x):
    # eigenvalues near 1, 2.5, 4, ... (Gershgorin): real and distinct
    n = x.shape[-1]
    return 0.2 * x + np.diag(1.0 + 1.5 * np.arange(n))


def f_eig(x):
    w, v = np.linalg.eig(_real_spectrum(x))
    return np.sum(np.sin(np.real(w)))


def f_eig_vectors(x):
    # v v^T is sign-invariant
    # (NumPy >= 2.5 returns complex dtypes even for a real spectrum: take the real parts)
    w, v = np.linalg.eig(_real_spectrum(x))
    return np.sum(np.sin(np.real(w))) + np.sum(np.sin(np.real(v * v) * _weights(v.shape)))


def f_eig_projector(x):
    # spectral projectors v_i w_i^T / (w_i^T v_i) (left eigenvectors w = rows of V^{-1})
    # are invariant under any rescaling of v_i, complex phases included
    w, v = np.linalg.eig(_dominant(x))
    p = (v * np.arange(1.0, 1.0 + w.shape[-1])) @ np.linalg.inv(v)
    return np.real(np.sum(p * (1 + 2j))) + np.real(np.sum(w))


def f_eig_complex(x):
    w, v = np.linalg.eig(_dominant(x))
    return np.real(np.sum(w * w * (1 + 2j)))


def f_eigvals(x):
    return np.sum(np.sin(np.real(np.linalg.eigvals(_real_spectrum(x)))))


def f_eigvals_rotation(x):
    # complex-conjugate eigenvalues of a real matrix
    rot = np.array([[0.0, -3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    w = np.linalg.eigvals(rot + 0.2 * x)
    return np.real(np.sum(w * w * (1 + 2j)))


def f_cond(x):
    return np.sin(np.linalg.cond(x)) + np.linalg.cond(x, -2) + np.linalg.cond(x, 2)


# --- the runtime helpers of the templates (they are differentiated at second order) ---

def f_la_conj(x):
    return np.sum(np.sin(runtime.la_conj(x) * np.arange(4.0)))


def f_la_conj_complex(x):
    return np.real(np.sum(runtime.la_conj(x * x) * (1 + 2j)))


def f_la_mH(x):
    return np.sum(np.sin(runtime.la_mH(x) * np.arange(3.0)))


def f_la_mH_complex(x):
    return np.real(np.sum(runtime.la_mH(x * x) * (2 - 1j) * np.arange(3.0)))


def f_la_diag(x):
    return np.sum(np.sin(runtime.la_diag(x * x)))


def f_la_diag_embed(v):
    return np.sum(np.sin(runtime.la_diag_embed(v * v) + 1.0))


def f_la_tril(x):
    return np.sum(np.sin(runtime.la_tril(x * x, -1) + runtime.la_tril(x) * 2.0))


def f_la_phi(x):
    return np.sum(np.sin(runtime.la_phi(x * x)))


def f_la_cho_lower(x):
    return np.sum(np.sin(runtime.la_cho_lower(x * x, True) * np.arange(3.0)
                         + runtime.la_cho_lower(x, False)))


def f_la_as_matrix(b):
    return np.sum(np.sin(runtime.la_as_matrix(b * b, True) * np.arange(2.0)
                         + runtime.la_as_matrix(b, False)[..., None]))


def f_la_from_matrix(x):
    return np.sum(np.sin(runtime.la_from_matrix(x * x, True))) + np.sum(
        np.sin(runtime.la_from_matrix(x, False)))


def f_la_result_like(x):
    r = runtime.la_result_like((x * x, np.sin(x)), np.linalg.eigh(np.eye(2)))
    return np.sum(r[0] * np.cos(r[1]))


def f_la_gap_inverse(x):
    gaps = np.expand_dims(x, -2) - np.expand_dims(x, -1)
    return np.sum(np.sin(runtime.la_gap_inverse(gaps))) + np.sum(runtime.la_gap_inverse(x, False))


RULE_CASES = [
    RuleCase(runtime.la_conj, f_la_conj, [((3, 4),)]),
    RuleCase(runtime.la_conj, f_la_conj_complex, [((3, 4),)], dtypes=(C128,)),
    RuleCase(runtime.la_mH, f_la_mH, [((3, 4),), ((2, 3, 4),)]),
    RuleCase(runtime.la_mH, f_la_mH_complex, [((3, 4),)], dtypes=(C128,)),
    RuleCase(runtime.la_diag, f_la_diag, [SQ, STACK]),
    RuleCase(runtime.la_diag_embed, f_la_diag_embed, [((3,),), ((2, 3),)]),
    RuleCase(runtime.la_tril, f_la_tril, [SQ, ((2, 3, 4),)]),
    RuleCase(runtime.la_phi, f_la_phi, [SQ, STACK]),
    RuleCase(runtime.la_cho_lower, f_la_cho_lower, [SQ, STACK]),
    RuleCase(runtime.la_as_matrix, f_la_as_matrix, [((3,),), ((2, 3),)]),
    RuleCase(runtime.la_from_matrix, f_la_from_matrix, [((3, 1),), ((2, 3, 1),)]),
    RuleCase(runtime.la_result_like, f_la_result_like, [((3,),)]),
    RuleCase(runtime.la_gap_inverse, f_la_gap_inverse, [((4,),), ((2, 3),)], domain=(0.5, 3.0)),
    RuleCase(np.linalg.norm, f_norm, [((3, 4),)]),
    RuleCase(np.linalg.norm, f_norm_keepdims, [((3, 4),), ((2, 3, 2),)]),
    RuleCase(np.linalg.norm, f_norm_vector_ords, [((3, 4),)]),
    RuleCase(np.linalg.norm, f_norm_p, [((3, 4),)], domain=(0.5, 2.0)),
    RuleCase(np.linalg.norm, f_norm_fro, [((3, 4),)]),
    RuleCase(np.linalg.norm, f_norm_matrix_ords, [((3, 4),), SQ]),
    RuleCase(np.linalg.norm, f_norm_svd_ords, [((3, 4),), ((4, 3),)]),
    RuleCase(np.linalg.norm, f_norm_axes, [((3, 4, 2),)]),
    RuleCase(np.linalg.norm, f_norm_complex, [((3, 4),)], dtypes=(C128,)),
    RuleCase(np.linalg.inv, f_inv, [SQ, SQ4, STACK]),
    RuleCase(np.linalg.inv, f_inv_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.solve, f_solve, [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))]),
    # broadcasting a vector or a matrix right-hand side against a stack: NumPy 2's rules
    # (a 1-D b is a vector, any other b a matrix); NumPy 1.x: b is a stack of vectors
    # when b.ndim == a.ndim - 1
    RuleCase(np.linalg.solve, f_solve, [((2, 3, 3), (3,)), ((2, 3, 3), (3, 1))] if NUMPY2
             else [((2, 3, 3), (2, 3)), ((2, 3, 3), (1, 3, 2))]),
    RuleCase(np.linalg.solve, f_solve_complex, [((3, 3), (3,)), ((2, 3, 3), (2, 3, 2))],
             dtypes=(C128,)),
    RuleCase(np.linalg.pinv, f_pinv, [((3, 4),), ((4, 3),), ((2, 4, 3),), SQ]),
    RuleCase(np.linalg.pinv, f_pinv_complex, [((3, 4),), ((4, 3),)], dtypes=(C128,)),
    RuleCase(np.linalg.lstsq, f_lstsq, [((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3, 2))]),
    RuleCase(np.linalg.lstsq, f_lstsq_complex, [((5, 3), (5, 2))], dtypes=(C128,)),
    RuleCase(np.linalg.det, f_det, [SQ, SQ4, STACK]),
    RuleCase(np.linalg.det, f_det_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.slogdet, f_slogdet, [SQ, STACK]),
    RuleCase(np.linalg.slogdet, f_slogdet_field, [SQ4, STACK]),
    RuleCase(np.linalg.slogdet, f_slogdet_fields, [SQ4]),
    RuleCase(np.linalg.slogdet, f_slogdet_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.cholesky, f_cholesky, [SQ, SQ4, STACK]),
    RuleCase(np.linalg.cholesky, f_cholesky_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.qr, f_qr, [((4, 3),), SQ, ((2, 4, 3),)]),
    RuleCase(np.linalg.qr, f_qr_modes, [((4, 3),)]),
    RuleCase(np.linalg.qr, f_qr_complex, [((4, 3),), SQ], dtypes=(C128,)),
    RuleCase(np.linalg.eigh, f_eigh, [SQ, SQ4, STACK]),
    RuleCase(np.linalg.eigh, f_eigh_upper, [SQ]),
    RuleCase(np.linalg.eigh, f_eigh_field, [SQ4]),
    RuleCase(np.linalg.eigh, f_eigh_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.eigvalsh, f_eigvalsh, [SQ, STACK]),
    RuleCase(np.linalg.eigvalsh, f_eigvalsh_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.svd, f_svd, [((4, 3),), ((3, 4),), SQ, ((2, 4, 3),)]),
    RuleCase(np.linalg.svd, f_svd_square, [SQ, STACK]),
    RuleCase(np.linalg.svd, f_svd_values, [((4, 3),), ((2, 3, 4),)]),
    RuleCase(np.linalg.svd, f_svd_complex, [((4, 3),), ((3, 4),)], dtypes=(C128,)),
    RuleCase(np.linalg.eig, f_eig, [SQ, SQ4]),
    RuleCase(np.linalg.eig, f_eig_vectors, [SQ, SQ4, STACK]),
    RuleCase(np.linalg.eig, f_eig_projector, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.eig, f_eig_complex, [SQ], dtypes=(C128,)),
    RuleCase(np.linalg.eigvals, f_eigvals, [SQ, STACK]),
    RuleCase(np.linalg.eigvals, f_eigvals_rotation, [SQ]),
    RuleCase(np.linalg.cond, f_cond, [SQ, ((4, 3),)]),
]

def f_svdvals(x):
    return np.sum(np.sin(np.linalg.svdvals(x)))


if NUMPY2:
    RULE_CASES.append(RuleCase(np.linalg.cholesky, f_cholesky_upper, [SQ, STACK]))
    RULE_CASES.append(RuleCase(np.linalg.svdvals, f_svdvals, [((4, 3),), ((2, 3, 4),)]))
    RULE_CASES.append(RuleCase(np.linalg.svdvals, f_svdvals, [((3, 4),)], dtypes=(C128,)))


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)
