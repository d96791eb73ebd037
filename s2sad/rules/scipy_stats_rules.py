"""Derivative templates for ``scipy.stats`` distributions.

Registered only when SciPy imports (SciPy is an optional dependency: the ``scipy``
extra); without it this module registers nothing.  Keys are the bound methods of the
distribution instances (``scipy.stats.norm.logpdf``; bound methods compare equal, so
``from scipy.stats import norm; norm.logpdf(...)`` finds the same rule); the
decorators :func:`_adjoint`/:func:`_tangent` take the key as a dotted path below
``scipy`` and register nothing without SciPy.  Frozen distributions
(``norm(loc, scale).logpdf(x)``) are not supported: the compiler reports the method
call ``x.logpdf(...)`` as having no rule.

Conventions:

* location-scale families: ``z = (x - loc) / scale``; with ``g = d logpdf_std / dz``
  the partials are ``g / scale`` (x), ``-g / scale`` (loc), ``-(g z + 1) / scale``
  (scale).  ``pdf`` rules are the ``logpdf`` ones times the result ``y``.
* ``cdf``: ``d/dx = pdf``; ``logcdf``: ``d/dx = exp(logpdf - logcdf)`` (stable in the
  far tail: both are large negative numbers, their difference is moderate); ``sf`` and
  ``logsf`` the same with the opposite sign.  The shape parameters of the ``cdf`` of
  ``t``, ``gamma`` and ``beta`` have no closed-form derivative: their contribution is
  :func:`~s2sad.runtime.stats_no_derivative`, which raises when (and only when) such a
  parameter is differentiated.
* outside the support (``gamma``/``beta``) the density is constant: the derivatives of
  ``pdf`` are 0 there, those of ``logpdf`` (-inf there) finite; never NaN (masks with
  ``np.where``, safe denominators).  Poisson's ``mu`` is taken positive.
* Every function a template calls has rules (NumPy, ``scipy.special.digamma``,
  the distributions' own methods, the helpers of :mod:`s2sad.runtime.stats`), so
  second order works.
"""
import numpy as np

from .registry import adjoint, d, linear, nondifferentiable, tangent
from ..runtime import stats_checked, stats_no_derivative, unbroadcast

try:
    import scipy.integrate
    import scipy.special
    import scipy.stats
except ImportError:  # SciPy is optional
    scipy = None


def _register(decorator, paths):
    if scipy is None:
        return lambda func: func
    keys = []
    for path in paths:
        obj = scipy
        for part in path.split("."):
            obj = getattr(obj, part)
        keys.append(obj)
    return decorator(*keys)


def _adjoint(*paths):
    """``adjoint`` of ``scipy.<path>`` for each path, or nothing without SciPy."""
    return _register(adjoint, paths)


def _tangent(*paths):
    """``tangent`` of ``scipy.<path>`` for each path, or nothing without SciPy."""
    return _register(tangent, paths)


nondifferentiable(stats_no_derivative)
linear(stats_checked)


@adjoint(stats_checked)
def stats_checked_adjoint(y, x, ok, message):
    d[x] = stats_checked(d[y], ok, message)


# --- norm ---


@_adjoint("stats.norm.logpdf")
def norm_logpdf_adjoint(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[x] = unbroadcast(-d[y] * z / scale, x)
    d[loc] = unbroadcast(d[y] * z / scale, loc)
    d[scale] = unbroadcast(d[y] * (z * z - 1.0) / scale, scale)


@_tangent("stats.norm.logpdf")
def norm_logpdf_tangent(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[y] = -d[x] * z / scale + d[loc] * z / scale + d[scale] * (z * z - 1.0) / scale


@_adjoint("stats.norm.pdf")
def norm_pdf_adjoint(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[x] = unbroadcast(-d[y] * y * z / scale, x)
    d[loc] = unbroadcast(d[y] * y * z / scale, loc)
    d[scale] = unbroadcast(d[y] * y * (z * z - 1.0) / scale, scale)


@_tangent("stats.norm.pdf")
def norm_pdf_tangent(y, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[y] = -d[x] * y * z / scale + d[loc] * y * z / scale + d[scale] * y * (z * z - 1.0) / scale


# cdf-type functions: p = d y / d x; d y / d loc = -p, d y / d scale = -p z


@_adjoint("stats.norm.cdf")
def norm_cdf_adjoint(y, x, loc=0.0, scale=1.0):
    p = scipy.stats.norm.pdf(x, loc, scale)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)


@_tangent("stats.norm.cdf")
def norm_cdf_tangent(y, x, loc=0.0, scale=1.0):
    p = scipy.stats.norm.pdf(x, loc, scale)
    d[y] = d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale


@_adjoint("stats.norm.sf")
def norm_sf_adjoint(y, x, loc=0.0, scale=1.0):
    p = scipy.stats.norm.pdf(x, loc, scale)
    d[x] = unbroadcast(-d[y] * p, x)
    d[loc] = unbroadcast(d[y] * p, loc)
    d[scale] = unbroadcast(d[y] * p * (x - loc) / scale, scale)


@_tangent("stats.norm.sf")
def norm_sf_tangent(y, x, loc=0.0, scale=1.0):
    p = scipy.stats.norm.pdf(x, loc, scale)
    d[y] = -d[x] * p + d[loc] * p + d[scale] * p * (x - loc) / scale


# log_ndtr's ratio pdf / cdf as exp(logpdf - logcdf): at x = -30 both are about -450
# and the ratio is about -x, with no overflow or 0 / 0


@_adjoint("stats.norm.logcdf")
def norm_logcdf_adjoint(y, x, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.norm.logpdf(x, loc, scale) - y)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)


@_tangent("stats.norm.logcdf")
def norm_logcdf_tangent(y, x, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.norm.logpdf(x, loc, scale) - y)
    d[y] = d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale


@_adjoint("stats.norm.logsf")
def norm_logsf_adjoint(y, x, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.norm.logpdf(x, loc, scale) - y)
    d[x] = unbroadcast(-d[y] * p, x)
    d[loc] = unbroadcast(d[y] * p, loc)
    d[scale] = unbroadcast(d[y] * p * (x - loc) / scale, scale)


@_tangent("stats.norm.logsf")
def norm_logsf_tangent(y, x, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.norm.logpdf(x, loc, scale) - y)
    d[y] = -d[x] * p + d[loc] * p + d[scale] * p * (x - loc) / scale


# --- t (df, loc, scale) ---
# logpdf = gammaln((df + 1) / 2) - gammaln(df / 2) - log(df pi) / 2
#          - (df + 1) / 2 log1p(z^2 / df) - log(scale)
# d/dz = -(df + 1) z / (df + z^2)
# d/ddf = (digamma((df + 1) / 2) - digamma(df / 2) - 1 / df - log1p(z^2 / df)) / 2
#         + (df + 1) z^2 / (2 df (df + z^2))


@_adjoint("stats.t.logpdf")
def t_logpdf_adjoint(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    g = -(df + 1.0) * z / (df + z * z)
    d[x] = unbroadcast(d[y] * g / scale, x)
    d[loc] = unbroadcast(-d[y] * g / scale, loc)
    d[scale] = unbroadcast(-d[y] * (g * z + 1.0) / scale, scale)
    d[df] = unbroadcast(d[y] * 0.5 * (
        scipy.special.digamma(0.5 * (df + 1.0)) - scipy.special.digamma(0.5 * df) - 1.0 / df
        - np.log1p(z * z / df) - g * z / df), df)


@_tangent("stats.t.logpdf")
def t_logpdf_tangent(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    g = -(df + 1.0) * z / (df + z * z)
    d[y] = (d[x] * g / scale - d[loc] * g / scale - d[scale] * (g * z + 1.0) / scale
            + d[df] * 0.5 * (scipy.special.digamma(0.5 * (df + 1.0))
                             - scipy.special.digamma(0.5 * df) - 1.0 / df
                             - np.log1p(z * z / df) - g * z / df))


@_adjoint("stats.t.pdf")
def t_pdf_adjoint(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    g = -(df + 1.0) * z / (df + z * z)
    d[x] = unbroadcast(d[y] * y * g / scale, x)
    d[loc] = unbroadcast(-d[y] * y * g / scale, loc)
    d[scale] = unbroadcast(-d[y] * y * (g * z + 1.0) / scale, scale)
    d[df] = unbroadcast(d[y] * y * 0.5 * (
        scipy.special.digamma(0.5 * (df + 1.0)) - scipy.special.digamma(0.5 * df) - 1.0 / df
        - np.log1p(z * z / df) - g * z / df), df)


@_tangent("stats.t.pdf")
def t_pdf_tangent(y, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    g = -(df + 1.0) * z / (df + z * z)
    d[y] = (d[x] * y * g / scale - d[loc] * y * g / scale - d[scale] * y * (g * z + 1.0) / scale
            + d[df] * y * 0.5 * (scipy.special.digamma(0.5 * (df + 1.0))
                                 - scipy.special.digamma(0.5 * df) - 1.0 / df
                                 - np.log1p(z * z / df) - g * z / df))


@_adjoint("stats.t.cdf")
def t_cdf_adjoint(y, x, df, loc=0.0, scale=1.0):
    p = scipy.stats.t.pdf(x, df, loc, scale)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[df] = stats_no_derivative(d[y], "scipy.stats.t.cdf", "df")


@_tangent("stats.t.cdf")
def t_cdf_tangent(y, x, df, loc=0.0, scale=1.0):
    p = scipy.stats.t.pdf(x, df, loc, scale)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[df], "scipy.stats.t.cdf", "df"))


# --- gamma (a, loc, scale) ---
# logpdf = (a - 1) log z - z - gammaln(a) - log(scale) on z > 0;
# d/dz = (a - 1) / z - 1, d/da = log z - digamma(a)


@_adjoint("stats.gamma.logpdf")
def gamma_logpdf_adjoint(y, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    zs = np.where(z > 0.0, z, 1.0)
    g = np.where(z > 0.0, (a - 1.0) / zs - 1.0, 0.0)
    d[x] = unbroadcast(d[y] * g / scale, x)
    d[loc] = unbroadcast(-d[y] * g / scale, loc)
    d[scale] = unbroadcast(-d[y] * (g * z + 1.0) / scale, scale)
    d[a] = unbroadcast(d[y] * np.where(z > 0.0, np.log(zs) - scipy.special.digamma(a), 0.0), a)


@_tangent("stats.gamma.logpdf")
def gamma_logpdf_tangent(y, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    zs = np.where(z > 0.0, z, 1.0)
    g = np.where(z > 0.0, (a - 1.0) / zs - 1.0, 0.0)
    d[y] = (d[x] * g / scale - d[loc] * g / scale - d[scale] * (g * z + 1.0) / scale
            + d[a] * np.where(z > 0.0, np.log(zs) - scipy.special.digamma(a), 0.0))


@_adjoint("stats.gamma.pdf")
def gamma_pdf_adjoint(y, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    zs = np.where(z > 0.0, z, 1.0)
    w = d[y] * y
    g = np.where(z > 0.0, (a - 1.0) / zs - 1.0, 0.0)
    d[x] = unbroadcast(w * g / scale, x)
    d[loc] = unbroadcast(-w * g / scale, loc)
    d[scale] = unbroadcast(-w * (g * z + 1.0) / scale, scale)
    d[a] = unbroadcast(w * np.where(z > 0.0, np.log(zs) - scipy.special.digamma(a), 0.0), a)


@_tangent("stats.gamma.pdf")
def gamma_pdf_tangent(y, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    zs = np.where(z > 0.0, z, 1.0)
    g = np.where(z > 0.0, (a - 1.0) / zs - 1.0, 0.0)
    d[y] = (d[x] * y * g / scale - d[loc] * y * g / scale - d[scale] * y * (g * z + 1.0) / scale
            + d[a] * y * np.where(z > 0.0, np.log(zs) - scipy.special.digamma(a), 0.0))


# --- beta (a, b, loc, scale) ---
# logpdf = (a - 1) log z + (b - 1) log(1 - z) - betaln(a, b) - log(scale) on 0 < z < 1;
# d/dz = (a - 1) / z - (b - 1) / (1 - z), d/da = log z - digamma(a) + digamma(a + b)


@_adjoint("stats.beta.logpdf")
def beta_logpdf_adjoint(y, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    inside = np.logical_and(z > 0.0, z < 1.0)
    zs = np.where(inside, z, 0.5)
    w = d[y]
    g = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
    d[x] = unbroadcast(w * g / scale, x)
    d[loc] = unbroadcast(-w * g / scale, loc)
    d[scale] = unbroadcast(-w * (g * z + 1.0) / scale, scale)
    d[a] = unbroadcast(w * np.where(inside, np.log(zs) - scipy.special.digamma(a)
                                    + scipy.special.digamma(a + b), 0.0), a)
    d[b] = unbroadcast(w * np.where(inside, np.log1p(-zs) - scipy.special.digamma(b)
                                    + scipy.special.digamma(a + b), 0.0), b)


@_tangent("stats.beta.logpdf")
def beta_logpdf_tangent(y, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    inside = np.logical_and(z > 0.0, z < 1.0)
    zs = np.where(inside, z, 0.5)
    g = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
    d[y] = (d[x] * g / scale - d[loc] * g / scale - d[scale] * (g * z + 1.0) / scale
            + d[a] * np.where(inside, np.log(zs) - scipy.special.digamma(a)
                              + scipy.special.digamma(a + b), 0.0)
            + d[b] * np.where(inside, np.log1p(-zs) - scipy.special.digamma(b)
                              + scipy.special.digamma(a + b), 0.0))


@_adjoint("stats.beta.pdf")
def beta_pdf_adjoint(y, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    inside = np.logical_and(z > 0.0, z < 1.0)
    zs = np.where(inside, z, 0.5)
    w = d[y] * y
    g = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
    d[x] = unbroadcast(w * g / scale, x)
    d[loc] = unbroadcast(-w * g / scale, loc)
    d[scale] = unbroadcast(-w * (g * z + 1.0) / scale, scale)
    d[a] = unbroadcast(w * np.where(inside, np.log(zs) - scipy.special.digamma(a)
                                    + scipy.special.digamma(a + b), 0.0), a)
    d[b] = unbroadcast(w * np.where(inside, np.log1p(-zs) - scipy.special.digamma(b)
                                    + scipy.special.digamma(a + b), 0.0), b)


@_tangent("stats.beta.pdf")
def beta_pdf_tangent(y, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    inside = np.logical_and(z > 0.0, z < 1.0)
    zs = np.where(inside, z, 0.5)
    g = np.where(inside, (a - 1.0) / zs - (b - 1.0) / (1.0 - zs), 0.0)
    d[y] = (d[x] * y * g / scale - d[loc] * y * g / scale - d[scale] * y * (g * z + 1.0) / scale
            + d[a] * y * np.where(inside, np.log(zs) - scipy.special.digamma(a)
                              + scipy.special.digamma(a + b), 0.0)
            + d[b] * y * np.where(inside, np.log1p(-zs) - scipy.special.digamma(b)
                              + scipy.special.digamma(a + b), 0.0))


@_adjoint("stats.t.logcdf")
def t_logcdf_adjoint(y, x, df, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.t.logpdf(x, df, loc, scale) - y)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[df] = stats_no_derivative(d[y], "scipy.stats.t.logcdf", "df")


@_tangent("stats.t.logcdf")
def t_logcdf_tangent(y, x, df, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.t.logpdf(x, df, loc, scale) - y)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[df], "scipy.stats.t.logcdf", "df"))


@_adjoint("stats.gamma.cdf")
def gamma_cdf_adjoint(y, x, a, loc=0.0, scale=1.0):
    p = scipy.stats.gamma.pdf(x, a, loc, scale)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[a] = stats_no_derivative(d[y], "scipy.stats.gamma.cdf", "a")


@_tangent("stats.gamma.cdf")
def gamma_cdf_tangent(y, x, a, loc=0.0, scale=1.0):
    p = scipy.stats.gamma.pdf(x, a, loc, scale)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[a], "scipy.stats.gamma.cdf", "a"))


@_adjoint("stats.gamma.logcdf")
def gamma_logcdf_adjoint(y, x, a, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.gamma.logpdf(x, a, loc, scale) - y)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[a] = stats_no_derivative(d[y], "scipy.stats.gamma.logcdf", "a")


@_tangent("stats.gamma.logcdf")
def gamma_logcdf_tangent(y, x, a, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.gamma.logpdf(x, a, loc, scale) - y)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[a], "scipy.stats.gamma.logcdf", "a"))


@_adjoint("stats.beta.cdf")
def beta_cdf_adjoint(y, x, a, b, loc=0.0, scale=1.0):
    p = scipy.stats.beta.pdf(x, a, b, loc, scale)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[a] = stats_no_derivative(d[y], "scipy.stats.beta.cdf", "a")
    d[b] = stats_no_derivative(d[y], "scipy.stats.beta.cdf", "b")


@_tangent("stats.beta.cdf")
def beta_cdf_tangent(y, x, a, b, loc=0.0, scale=1.0):
    p = scipy.stats.beta.pdf(x, a, b, loc, scale)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[a], "scipy.stats.beta.cdf", "a")
            + stats_no_derivative(d[b], "scipy.stats.beta.cdf", "b"))


@_adjoint("stats.beta.logcdf")
def beta_logcdf_adjoint(y, x, a, b, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.beta.logpdf(x, a, b, loc, scale) - y)
    d[x] = unbroadcast(d[y] * p, x)
    d[loc] = unbroadcast(-d[y] * p, loc)
    d[scale] = unbroadcast(-d[y] * p * (x - loc) / scale, scale)
    d[a] = stats_no_derivative(d[y], "scipy.stats.beta.logcdf", "a")
    d[b] = stats_no_derivative(d[y], "scipy.stats.beta.logcdf", "b")


@_tangent("stats.beta.logcdf")
def beta_logcdf_tangent(y, x, a, b, loc=0.0, scale=1.0):
    p = np.exp(scipy.stats.beta.logpdf(x, a, b, loc, scale) - y)
    d[y] = (d[x] * p - d[loc] * p - d[scale] * p * (x - loc) / scale
            + stats_no_derivative(d[a], "scipy.stats.beta.logcdf", "a")
            + stats_no_derivative(d[b], "scipy.stats.beta.logcdf", "b"))


# --- poisson (mu, loc): k is integer data (no derivative); loc an integer shift ---
# logpmf = k log mu - mu - gammaln(k + 1): d/dmu = k / mu - 1 (0 off the support);
# cdf(k) = Q(floor(k) + 1, mu): d/dmu = -pmf(floor(k), mu); sf: +pmf(floor(k), mu)


@_adjoint("stats.poisson.logpmf")
def poisson_logpmf_adjoint(y, k, mu, loc=0):
    j = k - loc
    on = np.logical_and(j >= 0, j == np.floor(j))
    d[mu] = unbroadcast(d[y] * np.where(on, j / np.where(j == 0, 1.0, mu) - 1.0, 0.0), mu)


@_tangent("stats.poisson.logpmf")
def poisson_logpmf_tangent(y, k, mu, loc=0):
    j = k - loc
    on = np.logical_and(j >= 0, j == np.floor(j))
    d[y] = d[mu] * np.where(on, j / np.where(j == 0, 1.0, mu) - 1.0, 0.0)


@_adjoint("stats.poisson.pmf")
def poisson_pmf_adjoint(y, k, mu, loc=0):
    j = k - loc
    on = np.logical_and(j >= 0, j == np.floor(j))
    d[mu] = unbroadcast(d[y] * y * np.where(on, j / np.where(j == 0, 1.0, mu) - 1.0, 0.0), mu)


@_tangent("stats.poisson.pmf")
def poisson_pmf_tangent(y, k, mu, loc=0):
    j = k - loc
    on = np.logical_and(j >= 0, j == np.floor(j))
    d[y] = d[mu] * y * np.where(on, j / np.where(j == 0, 1.0, mu) - 1.0, 0.0)


@_adjoint("stats.poisson.cdf")
def poisson_cdf_adjoint(y, k, mu, loc=0):
    d[mu] = unbroadcast(-d[y] * scipy.stats.poisson.pmf(np.floor(k - loc), mu), mu)


@_tangent("stats.poisson.cdf")
def poisson_cdf_tangent(y, k, mu, loc=0):
    d[y] = -d[mu] * scipy.stats.poisson.pmf(np.floor(k - loc), mu)


@_adjoint("stats.poisson.sf")
def poisson_sf_adjoint(y, k, mu, loc=0):
    d[mu] = unbroadcast(d[y] * scipy.stats.poisson.pmf(np.floor(k - loc), mu), mu)


@_tangent("stats.poisson.sf")
def poisson_sf_tangent(y, k, mu, loc=0):
    d[y] = d[mu] * scipy.stats.poisson.pmf(np.floor(k - loc), mu)


# below the support (k < loc) the cdf is 0 and logcdf -inf: the ratio is then 0, not nan


@_adjoint("stats.poisson.logcdf")
def poisson_logcdf_adjoint(y, k, mu, loc=0):
    j = np.floor(k - loc)
    p = np.exp(scipy.stats.poisson.logpmf(j, mu) - np.where(j >= 0, y, 0.0))
    d[mu] = unbroadcast(-d[y] * p, mu)


@_tangent("stats.poisson.logcdf")
def poisson_logcdf_tangent(y, k, mu, loc=0):
    j = np.floor(k - loc)
    d[y] = -d[mu] * np.exp(scipy.stats.poisson.logpmf(j, mu) - np.where(j >= 0, y, 0.0))


# --- dirichlet (alpha): x holds all K components along its first axis, (K,) or (K, n) ---
# logpdf = sum_i (alpha_i - 1) log x_i - sum_i gammaln(alpha_i) + gammaln(sum alpha):
# d/dx_i = (alpha_i - 1) / x_i, d/dalpha_i = log x_i - digamma(alpha_i) + digamma(sum alpha)
_DIRICHLET_FORM = ("scipy.stats.dirichlet.logpdf/pdf with x of one component fewer than "
                   "alpha; pass all K components (x[K-1] = 1 - sum(x[:K-1]))")


@_adjoint("stats.dirichlet.logpdf")
def dirichlet_logpdf_adjoint(y, x, alpha):
    xs = stats_checked(x, np.shape(x)[0] == np.shape(alpha)[0], _DIRICHLET_FORM)
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(xs) - 1))
    w = d[y]
    d[x] = w * (a - 1.0) / xs
    d[alpha] = (np.sum(np.reshape(w * (np.log(xs) - scipy.special.digamma(a)),
                                  (np.shape(a)[0], -1)), axis=1)
                + np.sum(w) * scipy.special.digamma(np.sum(alpha)))


@_tangent("stats.dirichlet.logpdf")
def dirichlet_logpdf_tangent(y, x, alpha):
    xs = stats_checked(x, np.shape(x)[0] == np.shape(alpha)[0], _DIRICHLET_FORM)
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(xs) - 1))
    d[y] = (np.sum(d[x] * (a - 1.0) / xs, axis=0)
            + np.sum(np.reshape(d[alpha], np.shape(a)) * (np.log(xs) - scipy.special.digamma(a)
                     + scipy.special.digamma(np.sum(alpha))), axis=0))


@_adjoint("stats.dirichlet.pdf")
def dirichlet_pdf_adjoint(y, x, alpha):
    xs = stats_checked(x, np.shape(x)[0] == np.shape(alpha)[0], _DIRICHLET_FORM)
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(xs) - 1))
    w = d[y] * y
    d[x] = w * (a - 1.0) / xs
    d[alpha] = (np.sum(np.reshape(w * (np.log(xs) - scipy.special.digamma(a)),
                                  (np.shape(a)[0], -1)), axis=1)
                + np.sum(w) * scipy.special.digamma(np.sum(alpha)))


@_tangent("stats.dirichlet.pdf")
def dirichlet_pdf_tangent(y, x, alpha):
    xs = stats_checked(x, np.shape(x)[0] == np.shape(alpha)[0], _DIRICHLET_FORM)
    a = np.reshape(alpha, np.shape(alpha) + (1,) * (np.ndim(xs) - 1))
    d[y] = (np.sum(d[x] * y * (a - 1.0) / xs, axis=0)
            + np.sum(np.reshape(d[alpha], np.shape(a)) * y * (np.log(xs) - scipy.special.digamma(a)
                     + scipy.special.digamma(np.sum(alpha))), axis=0))


# --- multivariate_normal (mean, cov): x of shape (d,) or (n, d), cov a (d, d) matrix ---
# logpdf = -r^T cov^-1 r / 2 - log det(cov) / 2 - d log(2 pi) / 2 with r = x - mean:
# d/dx = -cov^-1 r, d/dmean = cov^-1 r, d/dcov = (cov^-1 r r^T cov^-1 - cov^-1) / 2
# (the symmetric gradient, as for a symmetric matrix argument: SciPy reads cov through
# its eigendecomposition)
_MVN_FORM = ("scipy.stats.multivariate_normal.logpdf/pdf needs mean and cov given, cov "
             "as a (d, d) matrix, and allow_singular=False")


@_adjoint("stats.multivariate_normal.logpdf")
def multivariate_normal_logpdf_adjoint(y, x, mean=None, cov=1, allow_singular=False):
    c = stats_checked(cov, np.ndim(cov) == 2 and mean is not None and not allow_singular,
                      _MVN_FORM)
    al = np.transpose(np.linalg.solve(c, np.transpose(x - mean)))
    w = d[y]
    wa = np.expand_dims(w, -1) * al
    d[x] = unbroadcast(-wa, x)
    d[mean] = unbroadcast(wa, mean)
    d[cov] = 0.5 * (np.matmul(np.transpose(np.reshape(wa, (-1, np.shape(c)[0]))),
                              np.reshape(al, (-1, np.shape(c)[0])))
                    - np.sum(w) * np.linalg.inv(c))


@_tangent("stats.multivariate_normal.logpdf")
def multivariate_normal_logpdf_tangent(y, x, mean=None, cov=1, allow_singular=False):
    c = stats_checked(cov, np.ndim(cov) == 2 and mean is not None and not allow_singular,
                      _MVN_FORM)
    al = np.transpose(np.linalg.solve(c, np.transpose(x - mean)))
    d[y] = (-np.sum(al * d[x], axis=-1) + np.sum(al * d[mean], axis=-1)
            + np.sum((np.expand_dims(al, -1) * np.expand_dims(al, -2) - np.linalg.inv(c))
                     * d[cov], axis=(-2, -1)) * 0.5)


@_adjoint("stats.multivariate_normal.pdf")
def multivariate_normal_pdf_adjoint(y, x, mean=None, cov=1, allow_singular=False):
    c = stats_checked(cov, np.ndim(cov) == 2 and mean is not None and not allow_singular,
                      _MVN_FORM)
    al = np.transpose(np.linalg.solve(c, np.transpose(x - mean)))
    w = d[y] * y
    wa = np.expand_dims(w, -1) * al
    d[x] = unbroadcast(-wa, x)
    d[mean] = unbroadcast(wa, mean)
    d[cov] = 0.5 * (np.matmul(np.transpose(np.reshape(wa, (-1, np.shape(c)[0]))),
                              np.reshape(al, (-1, np.shape(c)[0])))
                    - np.sum(w) * np.linalg.inv(c))


@_tangent("stats.multivariate_normal.pdf")
def multivariate_normal_pdf_tangent(y, x, mean=None, cov=1, allow_singular=False):
    c = stats_checked(cov, np.ndim(cov) == 2 and mean is not None and not allow_singular,
                      _MVN_FORM)
    al = np.transpose(np.linalg.solve(c, np.transpose(x - mean)))
    d[y] = (-np.sum(al * d[x], axis=-1) * y + np.sum(al * d[mean], axis=-1) * y
            + np.sum((np.expand_dims(al, -1) * np.expand_dims(al, -2) - np.linalg.inv(c))
                     * d[cov], axis=(-2, -1)) * (0.5 * y))
