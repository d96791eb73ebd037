"""Targeted tests of the ``numpy.linalg`` rules (:mod:`s2sad.rules.decomposition_rules`):
special points (kinks of norms, degenerate eigen- and singular values, rank deficiency),
keyword forms, NumPy-version semantics, complex inputs, float32 and the errors for
derivatives that are not defined.  The rule rows are in ``test_rules_linalg``.
"""
import numpy as np
import pytest

import s2sad
from s2sad.errors import RuleError
from s2sad.testing import numerical_grad

from test_rules_linalg import (
    NUMPY2, _dominant, _spd, f_cholesky, f_det, f_eig, f_eigh, f_inv, f_norm_svd_ords, f_qr,
    f_slogdet, f_svd,
)

RNG = np.random.default_rng(12)


def _close(a, b, tol=1e-6):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_norm_complex_gradient_has_the_conjugate():
    def f(x):
        return np.linalg.norm(x * (1 + 2j))

    x = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
    # |c x| = |c| |x|: gradient |c| conj(x) / |x| (JAX's convention)
    _close(s2sad.grad(f)(x), abs(1 + 2j) * np.conj(x) / np.linalg.norm(x))
    _close(s2sad.grad(f)(x), numerical_grad(f, (x,)))


def test_norm_kinks_take_the_zero_subgradient():
    def two(x):
        return np.linalg.norm(x) + np.sum(np.linalg.norm(x, axis=1))

    def one(x):
        return np.linalg.norm(x, 1) + np.linalg.norm(x[0], 1)

    x = np.zeros((2, 3))
    for f in (two, one):
        g = s2sad.grad(f)(x)
        assert np.all(np.isfinite(g))
        _close(g, np.zeros((2, 3)))
    # a zero row next to a nonzero one
    x = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    _close(s2sad.grad(two)(x), np.array([[0.0, 0.0, 0.0], [1.2, 1.6, 0.0]]))


def test_norm_ties_share_and_count_has_no_derivative():
    def inf(x):
        return np.linalg.norm(x, np.inf)

    def count(x):
        return np.linalg.norm(x, 0) * 2.0

    x = np.array([3.0, -3.0, 1.0])
    _close(s2sad.grad(inf)(x), np.array([0.5, -0.5, 0.0]))
    _close(s2sad.grad(count)(x), np.zeros(3))
    _close(s2sad.jvp(inf, (x,), (np.array([1.0, -1.0, 5.0]),))[1], 1.0)


def test_norm_keepdims_and_axis_forms():
    def f(x):
        return (np.sum(np.linalg.norm(x, axis=(0, 2), keepdims=True) * x)
                + np.sum(np.linalg.norm(x, 'fro', axis=(-1, 0)))
                + np.sum(np.linalg.norm(x, -1, axis=(2, 1), keepdims=True)))

    x = RNG.uniform(0.5, 2.0, (3, 2, 4))
    _close(s2sad.grad(f)(x), numerical_grad(f, (x,)))


def test_norm_orders_match_finite_differences_for_stacks():
    def f(x):
        return sum(np.sum(np.linalg.norm(x, o, axis=(1, 2)) * (i + 1.0))
                   for i, o in enumerate([None, 'fro', 'nuc', 2, -2, 1, -1, np.inf, -np.inf]))

    x = RNG.uniform(-2.0, 2.0, (2, 3, 4))
    _close(s2sad.grad(f)(x), numerical_grad(f, (x,)), 1e-5)


def test_norm_invalid_order_raises_like_numpy():
    def f(x):
        return np.linalg.norm(x, 'fro')

    with pytest.raises(ValueError):
        s2sad.grad(f)(np.ones(3))


def test_solve_vector_semantics_of_the_numpy_version():
    a = _dominant(RNG.standard_normal((2, 3, 3)))
    b = RNG.standard_normal((2, 3))

    def f(a, b):
        return np.sum(np.sin(np.linalg.solve(a, b)))

    if NUMPY2:  # a (2, 3) b is a matrix of 2 rows: it cannot pair with 3x3 matrices
        with pytest.raises(ValueError):
            f(a, b)
        b = RNG.standard_normal((2, 3, 1))
    ga, gb = s2sad.grad(f, argnums=(0, 1))(a, b)
    na, nb = numerical_grad(f, (a, b), argnums=(0, 1))
    _close(ga, na)
    _close(gb, nb)


def test_det_gradient_is_the_cofactor_matrix():
    a = _dominant(RNG.standard_normal((3, 3)))
    g = s2sad.grad(np.linalg.det)(a)
    _close(g, np.linalg.det(a) * np.linalg.inv(a).T)


def test_slogdet_tuple_and_fields():
    a = _dominant(RNG.standard_normal((3, 3)))
    a[0] *= -1.0  # negative determinant

    def unpacked(a):
        sign, logdet = np.linalg.slogdet(a)
        return logdet * sign

    def field(a):
        return np.linalg.slogdet(a).logabsdet

    def sign_only(a):
        return np.linalg.slogdet(a)[0] * 3.0

    want = np.linalg.inv(a).T
    _close(s2sad.grad(field)(a), want)
    _close(s2sad.grad(unpacked)(a), -want)
    _close(s2sad.grad(sign_only)(a), np.zeros((3, 3)))
    _close(s2sad.jvp(field, (a,), (np.eye(3),))[1], np.trace(np.linalg.inv(a)))


def test_cholesky_adjoint_is_symmetric_and_ignores_the_upper_cotangent():
    a = _spd(RNG.standard_normal((4, 4)))

    def f(a):
        return np.sum(np.linalg.cholesky(a) * np.arange(16.0).reshape(4, 4))

    g = s2sad.grad(f)(a)
    _close(g, g.T)

    def sym(x):
        return f(0.5 * (x + x.T))

    _close(g, numerical_grad(sym, (a,)))


def test_eigh_degenerate_eigenvalues_keep_eigenvalue_gradients():
    def values(a):
        w, v = np.linalg.eigh(a)
        return np.sum(w ** 2)  # = |A|_F^2: gradient 2 A

    def vectors(a):
        w, v = np.linalg.eigh(a)
        return np.sum(w) + np.sum(v ** 2)

    def eigvalsh(a):
        return np.sum(np.linalg.eigvalsh(a) ** 2)

    for a in (np.eye(3), np.diag([1.0, 1.0, 2.0])):
        _close(s2sad.grad(values)(a), 2 * a)
        _close(s2sad.grad(eigvalsh)(a), 2 * a)
        assert np.all(np.isfinite(s2sad.grad(vectors)(a)))
        assert np.all(np.isfinite(s2sad.hessian(values)(a)))


def test_svd_degenerate_and_zero_singular_values_stay_finite():
    def f(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return np.sum(s ** 2)

    q = np.linalg.qr(RNG.standard_normal((4, 3)))[0]  # singular values all 1
    _close(s2sad.grad(f)(q), 2 * q)
    rank2 = np.outer([1.0, 2.0, 3.0, 4.0], [1.0, 0.0, 1.0]) + np.outer(
        [0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0])
    g = s2sad.grad(f)(rank2)
    assert np.all(np.isfinite(g))
    _close(g, 2 * rank2)


def test_svd_keyword_forms():
    a = RNG.standard_normal((3, 3))

    def full(a):
        u, s, vh = np.linalg.svd(a, full_matrices=True, hermitian=False)
        return np.sum(np.sin((u * s) @ vh))

    _close(s2sad.grad(full)(a), np.cos(a))
    h = _spd(a)

    def herm(h):
        return np.sum(np.sin(np.linalg.svd(h, hermitian=True, compute_uv=False)))

    def plain(h):
        return np.sum(np.sin(np.linalg.svd(h, compute_uv=False)))

    _close(s2sad.grad(herm)(h), s2sad.grad(plain)(h))


def test_undefined_decomposition_derivatives_raise():
    def svd_full(a):
        return np.sum(np.linalg.svd(a)[0])

    def qr_complete(a):
        return np.sum(np.linalg.qr(a, mode='complete')[0])

    def qr_wide(a):
        return np.sum(np.linalg.qr(a)[1])

    def lstsq_deficient(a):
        return np.sum(np.linalg.lstsq(a, np.ones(4), rcond=None)[0])

    def cond_fro(a):
        return np.linalg.cond(a, 'fro')

    tall = RNG.standard_normal((4, 3))
    for f, x, word in ((svd_full, tall, "full_matrices"), (qr_complete, tall, "complete"),
                       (qr_wide, tall.T, "m >= n"),
                       (lstsq_deficient, np.outer(np.ones(4), [1.0, 2.0, 3.0]), "rank"),
                       (cond_fro, tall[:3], "p=None")):
        with pytest.raises(RuleError, match=word):
            s2sad.grad(f)(x)
    _close(np.linalg.svd(tall)[1], np.linalg.svd(tall, compute_uv=False))  # primal untouched


def test_pinv_keywords_and_rank_deficiency():
    a = RNG.standard_normal((4, 3))

    def f(a):
        return np.sum(np.sin(np.linalg.pinv(a, rcond=1e-12)))

    _close(s2sad.grad(f)(a), numerical_grad(f, (a,)))
    h = _spd(RNG.standard_normal((3, 3)))

    def herm(h):
        return np.sum(np.sin(np.linalg.pinv(h, hermitian=True)))

    def plain(h):
        return np.sum(np.sin(np.linalg.pinv(h)))

    _close(s2sad.grad(herm)(h), s2sad.grad(plain)(h))
    # rank 1: pinv is discontinuous; along rank-preserving directions the jvp is exact
    u, v = np.array([1.0, 2.0, 0.5, -1.0]), np.array([0.5, -1.0, 2.0])
    du, dv = RNG.standard_normal(4), RNG.standard_normal(3)
    a1 = np.outer(u, v)
    tangent = np.outer(du, v) + np.outer(u, dv)
    eps = 1e-6
    numeric = (np.linalg.pinv(np.outer(u + eps * du, v + eps * dv))
               - np.linalg.pinv(np.outer(u - eps * du, v - eps * dv))) / (2 * eps)
    _close(s2sad.jvp(plain, (a1,), (tangent,))[1], np.sum(np.cos(np.linalg.pinv(a1)) * numeric),
           1e-5)


def test_matrix_rank_has_no_derivative():
    def f(a):
        return np.linalg.matrix_rank(a) * np.sum(a)

    a = RNG.standard_normal((3, 3))
    _close(s2sad.grad(f)(a), 3.0 * np.ones((3, 3)))


def test_eig_vectors_forward_and_reverse_on_complex_spectra():
    rot = np.array([[0.0, -3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

    def f(x):
        # spectral projectors of a real matrix with complex eigenvalues
        w, v = np.linalg.eig(rot + 0.2 * x)
        p = (v * np.array([1.0, 2.0, 3.0])) @ np.linalg.inv(v)
        return np.real(np.sum(p * (1 + 2j))) + np.real(np.sum(w * w))

    x = RNG.standard_normal((3, 3))
    g = s2sad.grad(f)(x)
    assert g.dtype == np.float64
    _close(g, numerical_grad(f, (x,)), 1e-5)
    t = RNG.standard_normal((3, 3))
    _close(s2sad.jvp(f, (x,), (t,))[1], np.sum(g * t), 1e-5)


def test_float32_stays_float32():
    a = _spd(RNG.standard_normal((3, 3))).astype(np.float32)
    for f in (f_cholesky, f_eigh, f_svd, f_qr, f_inv, f_det, f_slogdet, f_eig, f_norm_svd_ords):
        assert s2sad.grad(f)(a).dtype == np.float32, f.__name__
