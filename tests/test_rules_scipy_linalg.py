"""The rule table of ``scipy.linalg`` (s2sad.rules.scipy_rules), checked by
:func:`rulecase.check_case` (reverse, forward and second order against finite
differences; float32; complex rows), plus targeted tests: the gradient lies on the
triangle SciPy reads (``solve_triangular``, ``cholesky``, ``cho_factor``), refusals
(complex ``trans='C'``, unsupported ``assume_a``) and ``expm``'s known gradient.

SciPy is optional: without it the module's tests are skipped and ``RULE_CASES`` is
empty (test_rule_coverage imports it either way).
"""
import inspect

import numpy as np
import pytest

import s2sad
from s2sad import runtime

from rulecase import C128, F64, RuleCase, check_case, params

try:
    import scipy.linalg as sla
except ImportError:  # SciPy is optional
    sla = None

pytestmark = pytest.mark.skipif(sla is None, reason="SciPy is not installed")

SMALL = (-0.5, 0.5)
SQUARE = ((3, 3),)
MATVEC = [((3, 3), (3,)), ((3, 3), (3, 2))]


# --- scipy.linalg (matrices shifted by 3 I: well conditioned, the triangles read from
# them positive definite) ---

def _well(a):
    return a + 3.0 * np.eye(3)


TRIL = np.tril(np.ones((3, 3)))
TRIU = np.triu(np.ones((3, 3)))


def f_solve_triangular(a, b):
    return np.sum(np.sin(sla.solve_triangular(_well(a), b, lower=True)))


def f_solve_triangular_upper_trans(a, b):
    return np.sum(np.sin(sla.solve_triangular(_well(a), b, trans=1)))


def f_solve_triangular_keywords(a, b):
    return np.sum(np.sin(sla.solve_triangular(_well(a), b, trans="T", lower=True,
                                              unit_diagonal=True)))


def f_solve_triangular_c(a, b):
    return np.sum(np.sin(sla.solve_triangular(_well(a), b, 'C', False, True)))


def f_cholesky(a):
    return np.sum(np.sin(sla.cholesky(_well(a))))


def f_cholesky_lower(a):
    return np.sum(np.sin(sla.cholesky(_well(a), lower=True)))


def f_cholesky_gram(a):
    return np.sum(np.sin(sla.cholesky(a @ a.T + np.eye(3), lower=True)))


def f_cho_factor(a):
    c, low = sla.cho_factor(_well(a))
    return np.sum(np.sin(c) * TRIU)


def f_cho_factor_lower(a):
    c = sla.cho_factor(_well(a), lower=True)
    return np.sum(np.sin(c[0]) * TRIL)


def f_cho_solve(a, b):
    return np.sum(np.sin(sla.cho_solve(sla.cho_factor(_well(a)), b)))


def f_cho_solve_lower_tuple(a, b):
    c, low = sla.cho_factor(_well(a), lower=True)
    return np.sum(np.sin(sla.cho_solve((c, low), b)))


def f_expm(a):
    return np.sum(np.sin(sla.expm(a)))


def f_expm_scaled(a):
    return np.sum(np.sin(sla.expm(2.0 * a) * 0.1))


def f_solve(a, b):
    return np.sum(np.sin(sla.solve(_well(a), b)))


def f_solve_transposed(a, b):
    return np.sum(np.sin(sla.solve(_well(a), b, transposed=True)))


def f_solve_sym(a, b):
    return np.sum(np.sin(sla.solve(_well(a), b, assume_a="sym", lower=True)))


def f_solve_pos(a, b):
    return np.sum(np.sin(sla.solve(_well(a), b, assume_a="pos")))


def f_inv(a):
    return np.sum(np.sin(sla.inv(_well(a))))


def f_inv_pos(a):
    return np.sum(np.sin(sla.inv(_well(a), assume_a="pos", lower=True)))


def f_det(a):
    return np.sin(sla.det(_well(a)))


def f_solve_triangular_complex(a, b):
    return np.sum(np.abs(sla.solve_triangular(_well(a), b, lower=True)) ** 2)


def f_expm_complex(a):
    return np.sum(np.real(sla.expm(a)) + np.real(-1j * sla.expm(a)) ** 2)


def f_linalg_triangle(m):
    return np.sum(np.sin(runtime.linalg_triangle(m, True, 0.5) * np.arange(9.0).reshape(3, 3)))


def f_linalg_transpose_if(m):
    return np.sum(np.sin(runtime.linalg_transpose_if(m, True)) * np.arange(6.0).reshape(3, 2))


def f_linalg_symmetrize(m):
    w = np.arange(9.0).reshape(3, 3)
    return np.sum(np.sin(runtime.linalg_symmetrize(runtime.linalg_unsymmetrize(m, True), False)
                         * w))


def f_linalg_structure(m):
    w = np.arange(9.0).reshape(3, 3)
    s = runtime.linalg_structure(m, m, "sym", True)
    return np.sum(np.sin(runtime.linalg_unstructure(s * w, m, "sym", False)))


def f_linalg_factor(m):
    w = np.arange(9.0).reshape(3, 3)
    pair = runtime.linalg_factor_unlower(m * w, (m, False), False)
    return np.sum(np.sin(runtime.linalg_factor_lower(pair, False) * w))


def _rows():
    rows = [
        RuleCase(runtime.linalg_triangle, f_linalg_triangle, [SQUARE]),
        RuleCase(runtime.linalg_transpose_if, f_linalg_transpose_if, [((2, 3),)]),
        RuleCase(runtime.linalg_symmetrize, f_linalg_symmetrize, [SQUARE]),
        RuleCase(runtime.linalg_unsymmetrize, f_linalg_symmetrize, [SQUARE]),
        RuleCase(runtime.linalg_structure, f_linalg_structure, [SQUARE]),
        RuleCase(runtime.linalg_unstructure, f_linalg_structure, [SQUARE]),
        RuleCase(runtime.linalg_factor_lower, f_linalg_factor, [SQUARE]),
        RuleCase(runtime.linalg_factor_unlower, f_linalg_factor, [SQUARE]),
        RuleCase(sla.solve_triangular, f_solve_triangular, MATVEC, domain=SMALL),
        RuleCase(sla.solve_triangular, f_solve_triangular_upper_trans, MATVEC, domain=SMALL),
        RuleCase(sla.solve_triangular, f_solve_triangular_keywords, MATVEC, domain=SMALL),
        RuleCase(sla.solve_triangular, f_solve_triangular_c, MATVEC, domain=SMALL),
        RuleCase(sla.solve_triangular, f_solve_triangular_complex, MATVEC, domain=SMALL,
                 dtypes=(C128,)),
        RuleCase(sla.cholesky, f_cholesky, [SQUARE], domain=SMALL),
        RuleCase(sla.cholesky, f_cholesky_lower, [SQUARE], domain=SMALL),
        RuleCase(sla.cholesky, f_cholesky_gram, [SQUARE]),
        RuleCase(sla.cho_factor, f_cho_factor, [SQUARE], domain=SMALL),
        RuleCase(sla.cho_factor, f_cho_factor_lower, [SQUARE], domain=SMALL),
        RuleCase(sla.cho_solve, f_cho_solve, MATVEC, domain=SMALL),
        RuleCase(sla.cho_solve, f_cho_solve_lower_tuple, MATVEC, domain=SMALL),
        RuleCase(sla.expm, f_expm, [SQUARE, ((2, 3, 3),)], domain=(-1.0, 1.0)),
        RuleCase(sla.expm, f_expm_scaled, [SQUARE], domain=(-1.0, 1.0)),
        RuleCase(sla.expm, f_expm_complex, [SQUARE], domain=(-1.0, 1.0), dtypes=(C128,)),
        RuleCase(sla.solve, f_solve, MATVEC, domain=SMALL),
        RuleCase(sla.solve, f_solve_transposed, MATVEC, domain=SMALL),
        RuleCase(sla.solve, f_solve_sym, MATVEC, domain=SMALL),
        RuleCase(sla.solve, f_solve_pos, MATVEC, domain=SMALL),
        RuleCase(sla.inv, f_inv, [SQUARE], domain=SMALL),
        RuleCase(sla.det, f_det, [SQUARE], domain=SMALL, dtypes=(F64,)),
    ]
    if "assume_a" in inspect.signature(sla.inv).parameters:  # SciPy >= 1.17
        rows.append(RuleCase(sla.inv, f_inv_pos, [SQUARE], domain=SMALL))
    return rows


RULE_CASES = _rows() if sla is not None else []


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted tests: scipy.linalg ---

def f_tri_sum(a, b):
    return np.sum(sla.solve_triangular(a, b, lower=True, unit_diagonal=True))


def test_solve_triangular_gradient_on_read_triangle():
    a = np.array([[5.0, 7.0, 7.0], [1.0, 5.0, 7.0], [2.0, 3.0, 5.0]])
    ga = s2sad.grad(f_tri_sum)(a, np.array([1.0, 2.0, 3.0]))
    assert np.all(np.triu(ga) == 0.0)  # neither the upper triangle nor the diagonal is read
    assert np.all(np.tril(ga, -1)[np.tril_indices(3, -1)] != 0.0)


def f_tri_c_complex(a, b):
    return np.sum(np.abs(sla.solve_triangular(a, b, trans="C")) ** 2)


def test_solve_triangular_complex_conjugate_transpose_is_refused():
    a = np.eye(3) * (2.0 + 1.0j)
    with pytest.raises(NotImplementedError, match="trans='C'"):
        s2sad.grad(f_tri_c_complex)(a, np.ones(3, dtype=complex))


def f_cho_factor_other_triangle(a):
    c, low = sla.cho_factor(a)
    return np.sum(c * np.tril(np.ones((3, 3)), -1))


def test_cho_factor_unspecified_triangle_has_no_derivative():
    # SciPy leaves the strict lower triangle of an upper cho_factor unspecified (a copy of
    # a's): s2sad gives it no derivative, whatever SciPy puts there
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    assert np.all(s2sad.grad(f_cho_factor_other_triangle)(a) == 0.0)


def f_cholesky_sum(a):
    return np.sum(sla.cholesky(a, lower=True))


def test_cholesky_reads_lower_triangle_only():
    a = np.array([[4.0, 9.0, 9.0], [1.0, 3.0, 9.0], [0.5, 0.2, 2.0]])
    g = s2sad.grad(f_cholesky_sum)(a)
    assert np.all(np.triu(g, 1) == 0.0)
    sym = np.tril(a) + np.tril(a, -1).T
    g_sym = s2sad.grad(f_cholesky_sum)(sym)
    np.testing.assert_allclose(g, np.tril(g_sym + g_sym.T) - np.diag(np.diag(g_sym)))


def f_solve_hermitian(a, b):
    return np.sum(np.abs(sla.solve(a, b, assume_a="her")) ** 2)


def test_solve_complex_hermitian_is_refused():
    # 'her' reads one triangle as a Hermitian matrix: not holomorphic in a
    a = np.eye(3) * (2.0 + 0.0j)
    with pytest.raises(NotImplementedError, match="assume_a"):
        s2sad.grad(f_solve_hermitian)(a, np.ones(3, dtype=complex))


def f_expm_trace(a):
    return np.sum(sla.expm(a) * np.eye(3))


def test_expm_gradient_of_trace():
    # d tr(expm(A)) / dA = expm(A)^T
    a = np.array([[0.1, 0.4, -0.2], [0.3, -0.5, 0.1], [0.0, 0.2, 0.3]])
    np.testing.assert_allclose(s2sad.grad(f_expm_trace)(a), sla.expm(a).T, rtol=1e-12)
