"""Derivative templates for ``scipy.special`` and ``scipy.linalg``.

Registered only when SciPy imports (SciPy is an optional dependency: the ``scipy``
extra); without it this module registers only the rules of its runtime helpers
(:mod:`s2sad.runtime.special`, which never import SciPy).  The template contract is in
:mod:`s2sad.rules.registry`; SciPy's ufuncs (``gammaln``, ``erf``, ...) and its Python
functions (``logsumexp``, ``solve_triangular``, ...) are keys by identity.

Conventions:

* every derivative is written with SciPy/NumPy functions that have rules themselves
  (``gammaln`` -> ``digamma`` -> ``polygamma(1, .)`` -> ``polygamma(2, .)`` ...), so
  second and higher order work;
* elementwise binary functions reduce their adjoints with ``unbroadcast``;
* special points: ``xlogy``/``xlog1py``/``rel_entr``/``kl_div`` take 0 as the
  derivative in ``y`` where ``x == 0`` (the function is 0 there), ``xlogy``'s
  derivative in ``x`` at ``x == y == 0`` is taken as 0 (as s2sad's runtime ``xlogy``);
  ``i1``'s derivative at 0 is its limit 1/2; ``i0e``/``i1e`` use ``sign(0) = 0`` at
  their kink; ``entr``'s derivative at 0 is ``+inf`` (the true one-sided slope);
* ``log_ndtr``'s derivative pdf/cdf is never a quotient of the two (both underflow for
  very negative ``x``): the Mills-ratio form ``sqrt(2/pi) / erfcx(-x/sqrt(2))`` for
  ``x <= 0``, JAX's ``exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi)`` for ``x > 0``; ``erfcx``'s
  own derivative switches to its asymptotic series for ``x > 30`` (no cancellation);
* ``polygamma`` computes in float64: its values in derivatives are cast back to the
  argument's dtype (float32 gradients stay float32);
* ``scipy.linalg`` functions that read one triangle of a matrix (``solve_triangular``,
  ``cholesky``, ``cho_factor``, ``cho_solve``, ``solve(assume_a='sym'/'pos')``) have
  gradients only on the entries they read: the true derivative of what SciPy computes
  (``cho_factor``'s ``c`` holds unspecified values outside the factor's triangle: they
  get no derivative).  JAX's complex convention throughout (no conjugation; ``expm``'s
  adjoint is the Frechet derivative at ``A^T``); complex ``trans='C'`` and
  ``assume_a='her'``/``'pos'`` are not holomorphic and raise ``NotImplementedError``.
"""
import math

import numpy as np

from .registry import adjoint, d, linear, nondifferentiable, tangent
from ..runtime import (
    astype_like, linalg_factor_lower, linalg_factor_unlower, linalg_flip_trans,
    linalg_structure, linalg_symmetrize, linalg_trans_code, linalg_transpose_if,
    linalg_triangle, linalg_unstructure, linalg_unsymmetrize, matmul_adjoint_a,
    special_dropdims, special_keepdims, special_lse_sign, special_lse_unvalue,
    special_lse_value, special_polyval, special_weight, special_weighted_sum, unbroadcast,
)

try:
    import scipy.linalg as sla
    import scipy.special as sp
except ImportError:  # SciPy is optional: no rules without it
    sla = sp = None

TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2.0 * math.pi)
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
SQRT_HALF = math.sqrt(0.5)
#: (-1)^n (2n - 1)!! for n = 8 .. 1, highest power first: erfcx's large-x series
ERFCX_SERIES = (2027025.0, -135135.0, 10395.0, -945.0, 105.0, -15.0, 3.0, -1.0)

# --- runtime helpers of this table (linear: adjoint = the transpose helper) ---


@adjoint(special_keepdims)
def special_keepdims_adjoint(y, g, axis=None, keepdims=False):
    d[g] = special_dropdims(d[y], axis, keepdims)


@adjoint(special_dropdims)
def special_dropdims_adjoint(y, g, axis=None, keepdims=False):
    d[g] = special_keepdims(d[y], axis, keepdims)


@adjoint(special_weight)
def special_weight_adjoint(y, b):
    d[b] = d[y]


@adjoint(special_lse_value)
def special_lse_value_adjoint(r, y, return_sign=False):
    d[y] = special_lse_unvalue(d[r], y, return_sign)


@adjoint(special_lse_unvalue)
def special_lse_unvalue_adjoint(r, g, y, return_sign=False):
    d[g] = special_lse_value(d[r], return_sign)


@adjoint(special_weighted_sum)
def special_weighted_sum_adjoint(r, t, w, axis=None, keepdims=False):
    d[t] = unbroadcast(special_keepdims(d[r], axis, keepdims) * w, t)
    d[w] = unbroadcast(special_keepdims(d[r], axis, keepdims) * t, w)


@tangent(special_weighted_sum)
def special_weighted_sum_tangent(r, t, w, axis=None, keepdims=False):
    d[r] = (special_weighted_sum(d[t], w, axis, keepdims)
            + special_weighted_sum(t, d[w], axis, keepdims))


# the n-th derivative of a polynomial in z; the coefficients c are constants
@adjoint(special_polyval)
def special_polyval_adjoint(y, c, z, n=0):
    d[z] = d[y] * special_polyval(c, z, n + 1)


@tangent(special_polyval)
def special_polyval_tangent(y, c, z, n=0):
    d[y] = d[z] * special_polyval(c, z, n + 1)


@adjoint(linalg_triangle)
def linalg_triangle_adjoint(y, m, lower=False, diagonal=1.0):
    d[m] = linalg_triangle(d[y], lower, diagonal)


@adjoint(linalg_transpose_if)
def linalg_transpose_if_adjoint(y, m, flag):
    d[m] = linalg_transpose_if(d[y], flag)


@adjoint(linalg_symmetrize)
def linalg_symmetrize_adjoint(y, m, lower=False):
    d[m] = linalg_unsymmetrize(d[y], lower)


@adjoint(linalg_unsymmetrize)
def linalg_unsymmetrize_adjoint(y, g, lower=False):
    d[g] = linalg_symmetrize(d[y], lower)


@adjoint(linalg_structure)
def linalg_structure_adjoint(y, m, a, assume_a=None, lower=False):
    d[m] = linalg_unstructure(d[y], a, assume_a, lower)


@adjoint(linalg_unstructure)
def linalg_unstructure_adjoint(y, g, a, assume_a=None, lower=False):
    d[g] = linalg_structure(d[y], a, assume_a, lower)


@adjoint(linalg_factor_lower)
def linalg_factor_lower_adjoint(r, y, lower=False):
    d[y] = linalg_factor_unlower(d[r], y, lower)


@adjoint(linalg_factor_unlower)
def linalg_factor_unlower_adjoint(r, g, like, lower=False):
    d[g] = linalg_factor_lower(d[r], lower)


linear(special_keepdims, special_dropdims, special_weight, special_lse_value,
       special_lse_unvalue, linalg_triangle, linalg_transpose_if, linalg_symmetrize,
       linalg_unsymmetrize, linalg_structure, linalg_unstructure, linalg_factor_lower,
       linalg_factor_unlower)
nondifferentiable(special_lse_sign, linalg_trans_code, linalg_flip_trans)

# --- scipy.special ---

if sp is not None:

    @adjoint(sp.gammaln)
    def gammaln_adjoint(y, x):
        d[x] = d[y] * sp.digamma(x)

    @tangent(sp.gammaln)
    def gammaln_tangent(y, x):
        d[y] = d[x] * sp.digamma(x)

    # polygamma computes in float64: cast back to x's dtype (float32 stays float32)
    @adjoint(sp.digamma, sp.psi)
    def digamma_adjoint(y, x):
        d[x] = d[y] * astype_like(sp.polygamma(1, x), x)

    @tangent(sp.digamma, sp.psi)
    def digamma_tangent(y, x):
        d[y] = d[x] * astype_like(sp.polygamma(1, x), x)

    # the order n is an integer: no derivative
    @adjoint(sp.polygamma)
    def polygamma_adjoint(y, n, x):
        d[x] = unbroadcast(d[y] * astype_like(sp.polygamma(n + 1, x), x), x)

    @tangent(sp.polygamma)
    def polygamma_tangent(y, n, x):
        d[y] = d[x] * astype_like(sp.polygamma(n + 1, x), x)

    @adjoint(sp.gamma)
    def gamma_adjoint(y, x):
        d[x] = d[y] * y * sp.digamma(x)

    @tangent(sp.gamma)
    def gamma_tangent(y, x):
        d[y] = d[x] * y * sp.digamma(x)

    # d/da log B(a, b) = psi(a) - psi(a + b)
    @adjoint(sp.betaln)
    def betaln_adjoint(y, a, b):
        d[a] = unbroadcast(d[y] * (sp.digamma(a) - sp.digamma(a + b)), a)
        d[b] = unbroadcast(d[y] * (sp.digamma(b) - sp.digamma(a + b)), b)

    @tangent(sp.betaln)
    def betaln_tangent(y, a, b):
        d[y] = (d[a] * (sp.digamma(a) - sp.digamma(a + b))
                + d[b] * (sp.digamma(b) - sp.digamma(a + b)))

    @adjoint(sp.beta)
    def beta_adjoint(y, a, b):
        d[a] = unbroadcast(d[y] * y * (sp.digamma(a) - sp.digamma(a + b)), a)
        d[b] = unbroadcast(d[y] * y * (sp.digamma(b) - sp.digamma(a + b)), b)

    @tangent(sp.beta)
    def beta_tangent(y, a, b):
        d[y] = (d[a] * y * (sp.digamma(a) - sp.digamma(a + b))
                + d[b] * y * (sp.digamma(b) - sp.digamma(a + b)))

    @adjoint(sp.erf)
    def erf_adjoint(y, x):
        d[x] = d[y] * TWO_OVER_SQRT_PI * np.exp(-x * x)

    @tangent(sp.erf)
    def erf_tangent(y, x):
        d[y] = d[x] * TWO_OVER_SQRT_PI * np.exp(-x * x)

    @adjoint(sp.erfc)
    def erfc_adjoint(y, x):
        d[x] = -d[y] * TWO_OVER_SQRT_PI * np.exp(-x * x)

    @tangent(sp.erfc)
    def erfc_tangent(y, x):
        d[y] = -d[x] * TWO_OVER_SQRT_PI * np.exp(-x * x)

    # inverse functions: 1 / erf'(y)
    @adjoint(sp.erfinv)
    def erfinv_adjoint(y, x):
        d[x] = d[y] * HALF_SQRT_PI * np.exp(y * y)

    @tangent(sp.erfinv)
    def erfinv_tangent(y, x):
        d[y] = d[x] * HALF_SQRT_PI * np.exp(y * y)

    @adjoint(sp.erfcinv)
    def erfcinv_adjoint(y, x):
        d[x] = -d[y] * HALF_SQRT_PI * np.exp(y * y)

    @tangent(sp.erfcinv)
    def erfcinv_tangent(y, x):
        d[y] = -d[x] * HALF_SQRT_PI * np.exp(y * y)

    @adjoint(sp.ndtr)
    def ndtr_adjoint(y, x):
        d[x] = d[y] * np.exp(-0.5 * x * x) / SQRT_2PI

    @tangent(sp.ndtr)
    def ndtr_tangent(y, x):
        d[y] = d[x] * np.exp(-0.5 * x * x) / SQRT_2PI

    @adjoint(sp.ndtri)
    def ndtri_adjoint(y, p):
        d[p] = d[y] * SQRT_2PI * np.exp(0.5 * y * y)

    @tangent(sp.ndtri)
    def ndtri_tangent(y, p):
        d[y] = d[p] * SQRT_2PI * np.exp(0.5 * y * y)

    # erfcx(x) = exp(x^2) erfc(x): erfcx' = 2 x erfcx(x) - 2 / sqrt(pi), which cancels
    # for large x: there (x > 30) the asymptotic series (2 / sqrt(pi)) sum_{n >= 1}
    # (-1)^n (2n - 1)!! z^n, z = 1 / (2 x^2) (A&S 7.1.23), to full precision in 8 terms
    @adjoint(sp.erfcx)
    def erfcx_adjoint(y, x):
        z = 0.5 / np.square(np.where(x > 30.0, x, 30.0))
        d[x] = d[y] * np.where(x > 30.0, TWO_OVER_SQRT_PI * z * special_polyval(ERFCX_SERIES, z),
                               2.0 * x * y - TWO_OVER_SQRT_PI)

    @tangent(sp.erfcx)
    def erfcx_tangent(y, x):
        z = 0.5 / np.square(np.where(x > 30.0, x, 30.0))
        d[y] = d[x] * np.where(x > 30.0, TWO_OVER_SQRT_PI * z * special_polyval(ERFCX_SERIES, z),
                               2.0 * x * y - TWO_OVER_SQRT_PI)

    # log_ndtr' = pdf / cdf, never as a quotient of the two (both underflow for x << 0):
    # for x <= 0 the Mills-ratio form sqrt(2 / pi) / erfcx(-x / sqrt(2)) (exact and
    # stable, also in second order, as far as log_ndtr(x) is finite), for x > 0
    # exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi) (JAX's form; no cancellation there).  Each
    # branch only sees inputs of its side, so the other cannot make inf/NaN derivatives.
    @adjoint(sp.log_ndtr)
    def log_ndtr_adjoint(y, x):
        pos = x > 0
        xp = np.where(pos, x, 0.0)
        d[x] = d[y] * np.where(pos, np.exp(-0.5 * xp * xp - np.where(pos, y, 0.0) - LOG_SQRT_2PI),
                               SQRT_2_OVER_PI / sp.erfcx(np.where(pos, 0.0, x) * -SQRT_HALF))

    @tangent(sp.log_ndtr)
    def log_ndtr_tangent(y, x):
        pos = x > 0
        xp = np.where(pos, x, 0.0)
        d[y] = d[x] * np.where(pos, np.exp(-0.5 * xp * xp - np.where(pos, y, 0.0) - LOG_SQRT_2PI),
                               SQRT_2_OVER_PI / sp.erfcx(np.where(pos, 0.0, x) * -SQRT_HALF))

    # expit' = expit(x) expit(-x): no cancellation in 1 - y for large x
    @adjoint(sp.expit)
    def expit_adjoint(y, x):
        d[x] = d[y] * y * sp.expit(-x)

    @tangent(sp.expit)
    def expit_tangent(y, x):
        d[y] = d[x] * y * sp.expit(-x)

    @adjoint(sp.logit)
    def logit_adjoint(y, x):
        d[x] = d[y] / (x * (1.0 - x))

    @tangent(sp.logit)
    def logit_tangent(y, x):
        d[y] = d[x] / (x * (1.0 - x))

    # xlogy(x, y) = x log y: d/dx = log y (0 at x = y = 0), d/dy = x / y (0 where x = 0)
    @adjoint(sp.xlogy)
    def xlogy_adjoint(z, x, y):
        d[x] = unbroadcast(d[z] * np.log(np.where(np.logical_and(x == 0, y == 0), 1.0, y)), x)
        d[y] = unbroadcast(d[z] * x / np.where(x == 0, 1.0, y), y)

    @tangent(sp.xlogy)
    def xlogy_tangent(z, x, y):
        d[z] = (d[x] * np.log(np.where(np.logical_and(x == 0, y == 0), 1.0, y))
                + d[y] * x / np.where(x == 0, 1.0, y))

    # xlog1py(x, y) = x log1p(y): as xlogy with 1 + y
    @adjoint(sp.xlog1py)
    def xlog1py_adjoint(z, x, y):
        d[x] = unbroadcast(d[z] * np.log1p(np.where(np.logical_and(x == 0, y == -1), 0.0, y)), x)
        d[y] = unbroadcast(d[z] * x / np.where(x == 0, 1.0, 1.0 + y), y)

    @tangent(sp.xlog1py)
    def xlog1py_tangent(z, x, y):
        d[z] = (d[x] * np.log1p(np.where(np.logical_and(x == 0, y == -1), 0.0, y))
                + d[y] * x / np.where(x == 0, 1.0, 1.0 + y))

    # entr(x) = -x log x; the derivative -(1 + log x) is +inf at 0 (the true slope)
    @adjoint(sp.entr)
    def entr_adjoint(y, x):
        d[x] = -d[y] * (1.0 + np.log(x))

    @tangent(sp.entr)
    def entr_tangent(y, x):
        d[y] = -d[x] * (1.0 + np.log(x))

    # rel_entr(x, y) = x log(x / y): d/dx = log(x / y) + 1, d/dy = -x / y (0 where x = 0)
    @adjoint(sp.rel_entr)
    def rel_entr_adjoint(z, x, y):
        d[x] = unbroadcast(d[z] * (np.log(x / y) + 1.0), x)
        d[y] = unbroadcast(-d[z] * x / np.where(x == 0, 1.0, y), y)

    @tangent(sp.rel_entr)
    def rel_entr_tangent(z, x, y):
        d[z] = d[x] * (np.log(x / y) + 1.0) - d[y] * x / np.where(x == 0, 1.0, y)

    # kl_div(x, y) = x log(x / y) - x + y
    @adjoint(sp.kl_div)
    def kl_div_adjoint(z, x, y):
        d[x] = unbroadcast(d[z] * np.log(x / y), x)
        d[y] = unbroadcast(d[z] * (1.0 - x / np.where(x == 0, 1.0, y)), y)

    @tangent(sp.kl_div)
    def kl_div_tangent(z, x, y):
        d[z] = d[x] * np.log(x / y) + d[y] * (1.0 - x / np.where(x == 0, 1.0, y))

    @adjoint(sp.i0)
    def i0_adjoint(y, x):
        d[x] = d[y] * sp.i1(x)

    @tangent(sp.i0)
    def i0_tangent(y, x):
        d[y] = d[x] * sp.i1(x)

    # I1' = I0 - I1 / x, with the limit 1/2 at 0
    @adjoint(sp.i1)
    def i1_adjoint(y, x):
        d[x] = d[y] * np.where(x == 0, 0.5, sp.i0(x) - y / np.where(x == 0, 1.0, x))

    @tangent(sp.i1)
    def i1_tangent(y, x):
        d[y] = d[x] * np.where(x == 0, 0.5, sp.i0(x) - y / np.where(x == 0, 1.0, x))

    # i0e = exp(-|x|) i0: i1e - sign(x) i0e (sign(0) = 0 at the kink)
    @adjoint(sp.i0e)
    def i0e_adjoint(y, x):
        d[x] = d[y] * (sp.i1e(x) - np.sign(x) * y)

    @tangent(sp.i0e)
    def i0e_tangent(y, x):
        d[y] = d[x] * (sp.i1e(x) - np.sign(x) * y)

    @adjoint(sp.i1e)
    def i1e_adjoint(y, x):
        d[x] = d[y] * (np.where(x == 0, 0.5, sp.i0e(x) - y / np.where(x == 0, 1.0, x))
                       - np.sign(x) * y)

    @tangent(sp.i1e)
    def i1e_tangent(y, x):
        d[y] = d[x] * (np.where(x == 0, 0.5, sp.i0e(x) - y / np.where(x == 0, 1.0, x))
                       - np.sign(x) * y)

    @adjoint(sp.softmax)
    def softmax_adjoint(y, x, axis=None):
        d[x] = y * (d[y] - np.sum(d[y] * y, axis=axis, keepdims=True))

    @tangent(sp.softmax)
    def softmax_tangent(y, x, axis=None):
        d[y] = y * (d[x] - np.sum(d[x] * y, axis=axis, keepdims=True))

    @adjoint(sp.log_softmax)
    def log_softmax_adjoint(y, x, axis=None):
        d[x] = d[y] - np.exp(y) * np.sum(d[y], axis=axis, keepdims=True)

    @tangent(sp.log_softmax)
    def log_softmax_tangent(y, x, axis=None):
        d[y] = d[x] - np.sum(d[x] * np.exp(y), axis=axis, keepdims=True)

    # r = log|sum(b e^a)|, s its sign: dr = sum(s e^(a - r) (b da + db)); the weights
    # e^(a - r) are stable (softmax), 0 for a = -inf; r = -inf (all a = -inf) counts
    # as 0 there so that no -inf - -inf appears.  The sign carries no derivative.
    @adjoint(sp.logsumexp)
    def logsumexp_adjoint(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        r = special_keepdims(special_lse_value(y, return_sign), axis, keepdims)
        e = (np.exp(a - np.where(np.isfinite(r), r, 0.0))
             * special_keepdims(special_lse_sign(y, return_sign), axis, keepdims))
        g = special_keepdims(special_lse_value(d[y], return_sign), axis, keepdims)
        d[a] = unbroadcast(g * e * special_weight(b), a)
        d[b] = unbroadcast(g * e, b)

    @tangent(sp.logsumexp)
    def logsumexp_tangent(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        r = special_keepdims(special_lse_value(y, return_sign), axis, keepdims)
        e = (np.exp(a - np.where(np.isfinite(r), r, 0.0))
             * special_keepdims(special_lse_sign(y, return_sign), axis, keepdims))
        d[y] = special_lse_unvalue(
            special_weighted_sum(d[a], e * special_weight(b), axis, keepdims)
            + special_weighted_sum(d[b], e, axis, keepdims), y, return_sign)

# --- scipy.linalg ---

if sla is not None:

    # x = M^-1 b with M = op(T), T the triangle of a that is read (strict when
    # unit_diagonal: 1.0 - unit_diagonal is the diagonal's weight): b's cotangent is
    # M^-T g, M's is -gb x^T, mapped back through op and onto the triangle
    @adjoint(sla.solve_triangular)
    def solve_triangular_adjoint(x, a, b, trans=0, lower=False, unit_diagonal=False,
                                 overwrite_b=False, check_finite=True):
        gb = sla.solve_triangular(a, d[x], trans=linalg_flip_trans(trans, a), lower=lower,
                                  unit_diagonal=unit_diagonal)
        d[b] = gb
        d[a] = -linalg_triangle(linalg_transpose_if(matmul_adjoint_a(gb, a, x),
                                                    linalg_trans_code(trans, a) == 1),
                                lower, 1.0 - unit_diagonal)

    @tangent(sla.solve_triangular)
    def solve_triangular_tangent(x, a, b, trans=0, lower=False, unit_diagonal=False,
                                 overwrite_b=False, check_finite=True):
        d[x] = (sla.solve_triangular(a, d[b], trans=trans, lower=lower,
                                     unit_diagonal=unit_diagonal)
                - sla.solve_triangular(a, np.matmul(linalg_transpose_if(
                    linalg_triangle(d[a], lower, 1.0 - unit_diagonal),
                    linalg_trans_code(trans, a) == 1), x), trans=trans, lower=lower,
                    unit_diagonal=unit_diagonal))

    # S = L L^T with S read from one triangle of a (cholesky's upper factor is L^T;
    # cho_factor's c holds the factor in that triangle, its other triangle is
    # unspecified and gets no derivative).  Murray 2016 / JAX's cholesky_jvp:
    # dL = L Phi(L^-1 dS L^-T), Phi = lower triangle with half the diagonal; the
    # adjoint is S's cotangent Q = L^-T Phi(L^T gL) L^-1 folded onto the triangle read
    @adjoint(sla.cholesky, sla.cho_factor)
    def cholesky_adjoint(y, a, lower=False, overwrite_a=False, check_finite=True):
        factor = linalg_factor_lower(y, lower)
        phi = linalg_triangle(np.matmul(np.swapaxes(factor, -1, -2),
                                        linalg_factor_lower(d[y], lower)), True, 0.5)
        q = sla.solve_triangular(factor, np.swapaxes(sla.solve_triangular(
            factor, phi, trans=1, lower=True), -1, -2), trans=1, lower=True)
        d[a] = linalg_unsymmetrize(q, lower)

    @tangent(sla.cholesky, sla.cho_factor)
    def cholesky_tangent(y, a, lower=False, overwrite_a=False, check_finite=True):
        factor = linalg_factor_lower(y, lower)
        d[y] = linalg_factor_unlower(np.matmul(factor, linalg_triangle(sla.solve_triangular(
            factor, np.swapaxes(sla.solve_triangular(factor, linalg_symmetrize(d[a], lower),
                                                     lower=True), -1, -2), lower=True),
            True, 0.5)), y, lower)

    # x = S^-1 b, S = L L^T from the factor in (c, lower): b's cotangent is S^-1 g,
    # S's is -gb x^T, and L's (gS + gS^T) L on the factor's triangle
    @adjoint(sla.cho_solve)
    def cho_solve_adjoint(x, c_and_lower, b, overwrite_b=False, check_finite=True):
        gb = sla.cho_solve(c_and_lower, d[x])
        d[b] = gb
        factor = linalg_factor_lower(c_and_lower, c_and_lower[1])
        gs = matmul_adjoint_a(gb, factor, x)
        d[c_and_lower] = linalg_factor_unlower(
            -np.matmul(gs + np.swapaxes(gs, -1, -2), factor), c_and_lower, c_and_lower[1])

    @tangent(sla.cho_solve)
    def cho_solve_tangent(x, c_and_lower, b, overwrite_b=False, check_finite=True):
        factor = linalg_factor_lower(c_and_lower, c_and_lower[1])
        d[x] = (sla.cho_solve(c_and_lower, d[b])
                - sla.cho_solve(c_and_lower, np.matmul(
                    linalg_factor_lower(d[c_and_lower], c_and_lower[1]),
                    np.matmul(np.swapaxes(factor, -1, -2), x))
                    + np.matmul(factor, np.matmul(np.swapaxes(linalg_factor_lower(
                        d[c_and_lower], c_and_lower[1]), -1, -2), x))))

    # Frechet derivative: expm([[A, E], [0, A]]) = [[expm(A), L(A, E)], [0, expm(A)]]
    # (Higham 2008, thm 3.6); the adjoint is L(A^T, G) (JAX's convention)
    @adjoint(sla.expm)
    def expm_adjoint(y, A):
        n = np.shape(A)[-1]
        at = np.swapaxes(A, -1, -2)
        d[A] = sla.expm(np.concatenate([np.concatenate([at, d[y]], axis=-1),
                                        np.concatenate([np.zeros_like(at), at], axis=-1)],
                                       axis=-2))[..., :n, n:]

    @tangent(sla.expm)
    def expm_tangent(y, A):
        n = np.shape(A)[-1]
        d[y] = sla.expm(np.concatenate([np.concatenate([A, d[A]], axis=-1),
                                        np.concatenate([np.zeros_like(A), A], axis=-1)],
                                       axis=-2))[..., :n, n:]

    # x = M^-1 b with M = op(S), S = a or (assume_a 'sym'/'pos') the symmetric matrix of
    # a's lower/upper triangle; the derivative solves use M (or M^T) explicitly, as
    # general solves (SciPy < 1.11 rejects assume_a=None)
    @adjoint(sla.solve)
    def solve_adjoint(x, a, b, lower=False, overwrite_a=False, overwrite_b=False,
                      check_finite=True, assume_a=None, transposed=False):
        gb = sla.solve(linalg_transpose_if(linalg_structure(a, a, assume_a, lower),
                                           not transposed), d[x])
        d[b] = gb
        d[a] = -linalg_unstructure(linalg_transpose_if(matmul_adjoint_a(gb, a, x), transposed),
                                   a, assume_a, lower)

    @tangent(sla.solve)
    def solve_tangent(x, a, b, lower=False, overwrite_a=False, overwrite_b=False,
                      check_finite=True, assume_a=None, transposed=False):
        d[x] = (sla.solve(linalg_transpose_if(linalg_structure(a, a, assume_a, lower),
                                              transposed), d[b])
                - sla.solve(linalg_transpose_if(linalg_structure(a, a, assume_a, lower),
                                                transposed),
                            np.matmul(linalg_transpose_if(linalg_structure(
                                d[a], a, assume_a, lower), transposed), x)))

    # d(a^-1) = -a^-1 da a^-1 (on the entries read for assume_a 'sym'/'pos')
    @adjoint(sla.inv)
    def inv_adjoint(y, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
        d[a] = -linalg_unstructure(np.matmul(np.swapaxes(y, -1, -2), np.matmul(
            d[y], np.swapaxes(y, -1, -2))), a, assume_a, lower)

    @tangent(sla.inv)
    def inv_tangent(y, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
        d[y] = -np.matmul(y, np.matmul(linalg_structure(d[a], a, assume_a, lower), y))

    # Jacobi's formula: d det(a) = det(a) tr(a^-1 da) (a must be invertible)
    @adjoint(sla.det)
    def det_adjoint(y, a, overwrite_a=False, check_finite=True):
        d[a] = np.expand_dims(d[y] * y, (-2, -1)) * np.swapaxes(sla.inv(a), -1, -2)

    @tangent(sla.det)
    def det_tangent(y, a, overwrite_a=False, check_finite=True):
        d[y] = y * np.sum(np.swapaxes(sla.inv(a), -1, -2) * d[a], axis=(-2, -1))
