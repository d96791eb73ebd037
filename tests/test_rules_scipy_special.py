"""The rule table of ``scipy.special`` and ``scipy.linalg`` (s2sad.rules.scipy_rules),
checked by :func:`rulecase.check_case` (reverse, forward and second order against
finite differences; float32), plus targeted tests of special points (``xlogy`` at 0,
``i1`` at 0, ``log_ndtr`` far in the tail against mpmath/asymptotics, ``logsumexp``
with ``-inf`` entries, signs and keyword forms, triangles that SciPy reads).

SciPy is optional: without it the module's tests are skipped and ``RULE_CASES`` is
empty (test_rule_coverage imports it either way).
"""
import math

import numpy as np
import pytest

import s2sad
from s2sad import runtime

from rulecase import BINARY, C128, M, POS, SCALAR, UNIT, RuleCase, check_case, params

try:
    import scipy.linalg as sla
    import scipy.special as sp
except ImportError:  # SciPy is optional
    sla = sp = None

pytestmark = pytest.mark.skipif(sp is None, reason="SciPy is not installed")

FAR_POS = (20.0, 60.0)
SMALL = (-0.5, 0.5)
SQUARE = ((3, 3),)
MATVEC = [((3, 3), (3,)), ((3, 3), (3, 2))]


# --- gamma family ---

def f_gammaln(x):
    return np.sum(np.sin(sp.gammaln(x)))


def f_digamma(x):
    return np.sum(np.sin(sp.digamma(x)))


def f_psi(x):
    return np.sum(np.sin(sp.psi(x)))


def f_polygamma(x):
    return np.sum(np.sin(sp.polygamma(1, x)) + sp.polygamma(2, x) + sp.polygamma(0, x))


def f_polygamma_orders(x):
    return np.sum(np.sin(sp.polygamma(np.array([0, 1, 2]), x)))


def f_gamma(x):
    return np.sum(np.sin(sp.gamma(x)))


def f_beta(a, b):
    return np.sum(np.sin(sp.beta(a, b)))


def f_betaln(a, b):
    return np.sum(np.sin(sp.betaln(a, b)))


# --- error functions and the normal distribution ---

def f_erf(x):
    return np.sum(np.sin(np.real(sp.erf(x))))


def f_erfc(x):
    return np.sum(np.sin(np.real(sp.erfc(x))))


def f_erfcx(x):
    return np.sum(np.sin(sp.erfcx(x)))


def f_erfinv(x):
    return np.sum(np.sin(sp.erfinv(x)))


def f_erfcinv(x):
    return np.sum(np.sin(sp.erfcinv(x)))


def f_ndtr(x):
    return np.sum(np.sin(sp.ndtr(x)))


def f_ndtri(p):
    return np.sum(np.sin(sp.ndtri(p)))


def f_log_ndtr(x):
    return np.sum(np.sin(sp.log_ndtr(x)))


def f_log_ndtr_tail(x):
    return np.sum(sp.log_ndtr(x) * 0.01)


# --- logistic, entropies, x log y ---

def f_expit(x):
    return np.sum(np.sin(sp.expit(x)))


def f_logit(x):
    return np.sum(np.sin(sp.logit(x)))


def f_xlogy(x, y):
    return np.sum(np.sin(sp.xlogy(x, y)))


def f_xlog1py(x, y):
    return np.sum(np.sin(sp.xlog1py(x, y)))


def f_entr(x):
    return np.sum(np.sin(sp.entr(x)))


def f_rel_entr(x, y):
    return np.sum(np.sin(sp.rel_entr(x, y)))


def f_kl_div(x, y):
    return np.sum(np.sin(sp.kl_div(x, y)))


# --- Bessel functions ---

def f_i0(x):
    return np.sum(np.sin(sp.i0(x)))


def f_i1(x):
    return np.sum(np.sin(sp.i1(x)))


def f_i0e(x):
    return np.sum(np.sin(sp.i0e(x)))


def f_i1e(x):
    return np.sum(np.sin(sp.i1e(x)))


# --- softmax family ---

def f_softmax(x):
    return np.sum(np.sin(sp.softmax(x)))


def f_softmax_axis(x):
    return np.sum(np.sin(sp.softmax(x, axis=1)))


def f_softmax_axes(x):
    return np.sum(np.sin(sp.softmax(x, axis=(0, -1))) * np.arange(24.0).reshape(2, 3, 4))


def f_log_softmax(x):
    return np.sum(np.sin(sp.log_softmax(x)))


def f_log_softmax_axis(x):
    return np.sum(np.sin(sp.log_softmax(x, axis=-1)))


def f_logsumexp(a):
    return np.sin(sp.logsumexp(a))


def f_logsumexp_axis(a):
    return np.sum(np.sin(sp.logsumexp(a, axis=1)))


def f_logsumexp_negaxis_keepdims(a):
    return np.sum(np.sin(sp.logsumexp(a, axis=-1, keepdims=True)) * np.arange(1.0, 4.0)[:, None])


def f_logsumexp_tuple_axis(a):
    return np.sum(np.sin(sp.logsumexp(a, axis=(0, 2))))


def f_logsumexp_b(a, b):
    return np.sum(np.sin(sp.logsumexp(a, axis=0, b=b)))


def f_logsumexp_b_keyword_all(a, b):
    return np.sin(sp.logsumexp(a, b=b, keepdims=True)[0, 0])


def f_logsumexp_sign(a, b):
    # a weight of -2 in every row makes some sums negative: sign -1
    r, s = sp.logsumexp(a, axis=1, b=b * np.array([1.0, -2.0, 1.0, 0.5]), return_sign=True)
    return np.sum(np.sin(r) * s)


def f_logsumexp_large(a):
    return np.sum(np.sin(sp.logsumexp(a, axis=0) - 500.0))


# --- the runtime helpers of these rules (second and higher order call them) ---

def f_special_keepdims(g):
    w = np.arange(12.0).reshape(3, 1, 4)
    return np.sum(np.sin(runtime.special_keepdims(g, 1) * w))


def f_special_dropdims(g):
    return np.sum(np.sin(runtime.special_dropdims(g, -1, False)) * np.arange(3.0))


def f_special_weight(b):
    return np.sum(np.sin(runtime.special_weight(b)))


def f_special_lse_parts(a, b):
    y = (a, np.sign(b))
    r = runtime.special_lse_value(runtime.special_lse_unvalue(a * b, y, True), True)
    return np.sum(np.sin(r) * runtime.special_lse_sign(y, True))


def f_special_weighted_sum(t, w):
    return np.sum(np.sin(runtime.special_weighted_sum(t, w, 0)))


def f_special_polyval(z):
    c = (0.5, -1.0, 2.0, 3.0)
    return np.sum(np.sin(runtime.special_polyval(c, z)) + runtime.special_polyval(c, z, 1))


def _rows():
    return [
        RuleCase(sp.gammaln, f_gammaln, [M, ((4,),)], domain=POS),
        RuleCase(sp.gammaln, f_gammaln, [((4,),)], domain=FAR_POS),
        RuleCase(sp.digamma, f_digamma, [M, (SCALAR,)], domain=POS),
        RuleCase(sp.psi, f_psi, [((4,),)], domain=FAR_POS),
        RuleCase(sp.polygamma, f_polygamma, [M, (SCALAR,)], domain=POS),
        RuleCase(sp.polygamma, f_polygamma_orders, [((3,),), ((2, 3),)], domain=POS),
        RuleCase(sp.gamma, f_gamma, [M, (SCALAR,)], domain=POS),
        RuleCase(sp.beta, f_beta, BINARY, domain=POS),
        RuleCase(sp.betaln, f_betaln, BINARY, domain=POS),
        RuleCase(sp.betaln, f_betaln, [((4,), (4,))], domain=FAR_POS),
        RuleCase(sp.erf, f_erf, [M, (SCALAR,)]),
        RuleCase(sp.erf, f_erf, [((3,),)], domain=(-1.0, 1.0), dtypes=(C128,)),
        RuleCase(sp.erfc, f_erfc, [M, (SCALAR,)]),
        RuleCase(sp.erfc, f_erfc, [((3,),)], domain=(-1.0, 1.0), dtypes=(C128,)),
        RuleCase(sp.erfc, f_erfc, [((4,),)], domain=(2.0, 5.0)),
        RuleCase(sp.erfcx, f_erfcx, [M, (SCALAR,)], domain=(-2.0, 3.0)),
        RuleCase(sp.erfcx, f_erfcx, [((4,),)], domain=(10.0, 60.0)),
        RuleCase(sp.erfinv, f_erfinv, [M, (SCALAR,)], domain=UNIT),
        RuleCase(sp.erfcinv, f_erfcinv, [M], domain=(0.1, 1.9)),
        RuleCase(sp.ndtr, f_ndtr, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.ndtri, f_ndtri, [M], domain=(0.05, 0.95)),
        RuleCase(sp.log_ndtr, f_log_ndtr, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.log_ndtr, f_log_ndtr_tail, [((4,),)], domain=(-40.0, -20.0)),
        RuleCase(sp.expit, f_expit, [M, (SCALAR,)], domain=(-5.0, 5.0)),
        RuleCase(sp.logit, f_logit, [M, (SCALAR,)], domain=(0.05, 0.95)),
        RuleCase(sp.xlogy, f_xlogy, BINARY, domain=[(-2.0, 2.0), POS]),
        RuleCase(sp.xlog1py, f_xlog1py, BINARY, domain=[(-2.0, 2.0), (-0.5, 2.0)]),
        RuleCase(sp.entr, f_entr, [M, (SCALAR,)], domain=POS),
        RuleCase(sp.rel_entr, f_rel_entr, BINARY, domain=POS),
        RuleCase(sp.kl_div, f_kl_div, BINARY, domain=POS),
        RuleCase(sp.i0, f_i0, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.i1, f_i1, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.i0e, f_i0e, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.i1e, f_i1e, [M, (SCALAR,)], domain=(-3.0, 3.0)),
        RuleCase(sp.i0e, f_i0e, [((4,),)], domain=(30.0, 60.0)),
        RuleCase(sp.softmax, f_softmax, [M, ((5,),)]),
        RuleCase(sp.softmax, f_softmax_axis, [M]),
        RuleCase(sp.softmax, f_softmax_axes, [((2, 3, 4),)]),
        RuleCase(sp.log_softmax, f_log_softmax, [M]),
        RuleCase(sp.log_softmax, f_log_softmax_axis, [M, ((2, 3, 4),)]),
        RuleCase(sp.logsumexp, f_logsumexp, [M, ((5,),)]),
        RuleCase(sp.logsumexp, f_logsumexp_axis, [M]),
        RuleCase(sp.logsumexp, f_logsumexp_negaxis_keepdims, [M]),
        RuleCase(sp.logsumexp, f_logsumexp_tuple_axis, [((2, 3, 4),)]),
        RuleCase(sp.logsumexp, f_logsumexp_b, [M2B, ((3, 4), (4,)), ((3, 4), (3, 1))],
                 domain=[(-2.0, 2.0), POS]),
        RuleCase(sp.logsumexp, f_logsumexp_b_keyword_all, [M2B], domain=[(-2.0, 2.0), POS]),
        RuleCase(sp.logsumexp, f_logsumexp_sign, [M2B], domain=[(-1.0, 1.0), POS]),
        RuleCase(sp.logsumexp, f_logsumexp_large, [M], domain=(495.0, 505.0)),
        RuleCase(runtime.special_keepdims, f_special_keepdims, [M]),
        RuleCase(runtime.special_dropdims, f_special_dropdims, [((3, 1),)]),
        RuleCase(runtime.special_weight, f_special_weight, [M]),
        RuleCase(runtime.special_polyval, f_special_polyval, [M, (SCALAR,)]),
        RuleCase(runtime.special_lse_value, f_special_lse_parts, [M2B]),
        RuleCase(runtime.special_lse_unvalue, f_special_lse_parts, [M2B]),
        RuleCase(runtime.special_weighted_sum, f_special_weighted_sum,
                 [M2B, ((3, 4), (4,))]),
    ]


M2B = ((3, 4), (3, 4))

RULE_CASES = _rows() if sp is not None else []


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted tests: special points and far tails ---

def _mp_log_ndtr_derivatives(x):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60

    def f(t):
        return mpmath.log(mpmath.ncdf(t))
    return float(mpmath.diff(f, x)), float(mpmath.diff(f, x, 2))


def f_log_ndtr_sum(x):
    return np.sum(sp.log_ndtr(x))


@pytest.mark.parametrize("x", [-30.0, -100.0, -141.0, -142.0, -1000.0, -1e4, -1e6, -3.0, 0.0,
                               5.0])
def test_log_ndtr_tail_against_mpmath(x):
    want1, want2 = _mp_log_ndtr_derivatives(x)
    got1 = s2sad.grad(f_log_ndtr_sum)(np.array([x]))[0]
    got2 = s2sad.hessian(f_log_ndtr_sum)(np.array([x]))[0, 0]
    np.testing.assert_allclose(got1, want1, rtol=1e-13)
    np.testing.assert_allclose(got2, want2, rtol=1e-10)
    rev = s2sad.jacrev(s2sad.grad(f_log_ndtr_sum))(np.array([x]))[0, 0]
    np.testing.assert_allclose(rev, want2, rtol=1e-10)


def test_log_ndtr_extremes_are_finite():
    # as far as log_ndtr(x) ~ -x^2/2 is finite (|x| < 1.8e154)
    x = np.array([-1e150, -1e8, 40.0, 1e3])
    g = s2sad.grad(f_log_ndtr_sum)(x)
    np.testing.assert_allclose(g[:2], -x[:2], rtol=1e-14)  # the asymptote -x - 1/x
    assert np.all(g[2:] == 0.0) and np.all(np.isfinite(g))
    h = np.diag(s2sad.hessian(f_log_ndtr_sum)(x))
    np.testing.assert_allclose(h, [-1.0, -1.0, 0.0, 0.0], rtol=1e-12)


def f_erfcx_sum(x):
    return np.sum(sp.erfcx(x))


@pytest.mark.parametrize("x", [3.0, 29.0, 31.0, 50.0, 500.0, 1e4, 1e8])
def test_erfcx_derivatives_against_mpmath(x):
    # the asymptotic series takes over at x > 30, where 2 x erfcx(x) - 2/sqrt(pi) cancels
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    t = mpmath.mpf(x)
    e = mpmath.exp(t * t) * mpmath.erfc(t)
    first = 2 * t * e - 2 / mpmath.sqrt(mpmath.pi)
    second = 2 * e + 2 * t * first
    np.testing.assert_allclose(s2sad.grad(f_erfcx_sum)(np.array([x])), [float(first)],
                               rtol=1e-12)
    np.testing.assert_allclose(s2sad.hessian(f_erfcx_sum)(np.array([x])), [[float(second)]],
                               rtol=1e-9)


def f_expit_sum(x):
    return np.sum(sp.expit(x))


def test_expit_far_tail_is_relatively_accurate():
    x = np.array([40.0, -40.0, 700.0])
    want = np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))) ** 2
    np.testing.assert_allclose(s2sad.grad(f_expit_sum)(x), want, rtol=1e-12)


def f_xlogy_sum(x, y):
    return np.sum(sp.xlogy(x, y))


def f_xlog1py_sum(x, y):
    return np.sum(sp.xlog1py(x, y))


def test_xlogy_at_zero():
    x, y = np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 3.0])
    gx, gy = s2sad.grad(f_xlogy_sum, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, [math.log(2.0), 0.0, math.log(3.0)])
    np.testing.assert_allclose(gy, [0.0, 0.0, 2.0 / 3.0])
    (hxx, hxy), (hyx, hyy) = s2sad.hessian(f_xlogy_sum, argnums=(0, 1))(x, y)
    assert np.all(np.isfinite(hxy)) and np.all(np.isfinite(hyy))
    np.testing.assert_allclose(np.diag(hxy), [0.5, 0.0, 1.0 / 3.0])
    np.testing.assert_allclose(np.diag(hyy), [0.0, 0.0, -2.0 / 9.0])
    gx, gy = s2sad.grad(f_xlog1py_sum, argnums=(0, 1))(x, y - 1.0)
    np.testing.assert_allclose(gx, [math.log(2.0), 0.0, math.log(3.0)])
    np.testing.assert_allclose(gy, [0.0, 0.0, 2.0 / 3.0])


def f_rel_entr_sum(x, y):
    return np.sum(sp.rel_entr(x, y) + sp.kl_div(x, y))


def test_entropies_at_zero_x():
    # the slope in x at x = 0 is -inf (one-sided); in y, x = 0 contributes only kl_div's 1
    with np.errstate(divide="ignore"):
        gx, gy = s2sad.grad(f_rel_entr_sum, argnums=(0, 1))(np.array([0.0, 1.0]),
                                                             np.array([1.0, 2.0]))
    np.testing.assert_allclose(gy, [1.0, -0.5 + 0.5])
    assert gx[0] == -np.inf and np.isclose(gx[1], 2 * math.log(0.5) + 1.0)
    gy = s2sad.grad(f_rel_entr_sum, argnums=1)(np.array([0.0]), np.array([0.0]))
    np.testing.assert_allclose(gy, [1.0])


def f_bessel_sum(x):
    return np.sum(sp.i0(x) + sp.i1(x) + sp.i1e(x))


def test_bessel_at_zero():
    x = np.array([0.0])
    np.testing.assert_allclose(s2sad.grad(f_bessel_sum)(x), [1.0])  # 0 + 1/2 + 1/2
    # i0'' (0) = 1/2, i1'' (0) = 0, i1e'' has a kink at 0 (-sign(0) = 0 taken)
    np.testing.assert_allclose(s2sad.hessian(f_bessel_sum)(x), [[0.5]], atol=1e-12)


def f_lse(a):
    return sp.logsumexp(a)


def f_lse_axis(a):
    return np.sum(sp.logsumexp(a, axis=1) * np.array([1.0, 2.0]))


def test_logsumexp_minus_inf_entries():
    a = np.array([-np.inf, 0.0, 1.0])
    g = s2sad.grad(f_lse)(a)
    np.testing.assert_allclose(g, sp.softmax(a))
    assert g[0] == 0.0
    rows = np.array([[-np.inf, -np.inf, -np.inf], [-np.inf, 2.0, 2.0]])
    g = s2sad.grad(f_lse_axis)(rows)
    np.testing.assert_allclose(g, [[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    h = s2sad.hessian(f_lse)(a)
    assert np.all(np.isfinite(h))
    s = sp.softmax(a)
    np.testing.assert_allclose(h, np.diag(s) - np.outer(s, s), atol=1e-15)


def test_logsumexp_large_values_float32():
    a = np.array([1000.0, 1001.0, 999.0], dtype=np.float32)
    g = s2sad.grad(f_lse)(a)
    assert g.dtype == np.float32
    # float32 inputs near 1000 are spaced 6e-5 apart: the weights are that accurate
    np.testing.assert_allclose(g, sp.softmax(a.astype(float)), rtol=2e-4)


def f_lse_sign(a, b):
    r, s = sp.logsumexp(a, b=b, return_sign=True)
    return r * s


def test_logsumexp_negative_sum_and_weights():
    a, b = np.array([0.0, 1.0]), np.array([1.0, -2.0])
    r, s = sp.logsumexp(a, b=b, return_sign=True)
    assert s == -1.0
    ga, gb = s2sad.grad(f_lse_sign, argnums=(0, 1))(a, b)
    total = np.sum(b * np.exp(a))
    np.testing.assert_allclose(ga, -(b * np.exp(a)) / total)
    np.testing.assert_allclose(gb, -np.exp(a) / total)
    primal, tangent = s2sad.jvp(f_lse_sign, (a, b), (np.array([1.0, 0.0]), np.zeros(2)))
    np.testing.assert_allclose(tangent, ga[0])


def f_softmax_vec(x):
    return sp.softmax(x)


def test_softmax_jacobians():
    x = np.array([0.5, -1.0, 2.0])
    s = sp.softmax(x)
    want = np.diag(s) - np.outer(s, s)
    np.testing.assert_allclose(s2sad.jacrev(f_softmax_vec)(x), want, atol=1e-15)
    np.testing.assert_allclose(s2sad.jacfwd(f_softmax_vec)(x), want, atol=1e-15)


def f_polygamma_sum(x):
    return np.sum(sp.polygamma(3, x))


def test_polygamma_order_chain():
    x = np.array([1.5, 4.0])
    np.testing.assert_allclose(s2sad.grad(f_polygamma_sum)(x), sp.polygamma(4, x))
    np.testing.assert_allclose(np.diag(s2sad.hessian(f_polygamma_sum)(x)), sp.polygamma(5, x))


def test_import_without_scipy(tmp_path):
    import subprocess
    import sys
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import s2sad, s2sad.rules as r\n"
            "sys.path.insert(0, %r)\n"
            "import test_rules_scipy_special as t\n"
            "assert t.RULE_CASES == []\n"
            "names = {getattr(k, '__module__', '') or '' for k in r.registered_keys()}\n"
            "assert not any(n.startswith('scipy') for n in names), names\n"
            "print('ok')\n" % str(__import__('pathlib').Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__('os').environ}, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
