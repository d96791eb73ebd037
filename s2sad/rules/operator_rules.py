"""Derivative templates for binary operators and binary elementwise NumPy functions.

Same contract as :mod:`s2sad.rules.elementwise_rules` (see :mod:`s2sad.rules.registry`);
registered with it.  Adjoint contributions are reduced to the operand's shape and field
with :func:`~s2sad.runtime.unbroadcast` (the cotangent of a real operand of ``1j * x``
is real: JAX's convention).

Conventions at special points (documented per rule): ``maximum``/``minimum`` (and
``fmax``/``fmin``) split ties half and half, as JAX does; ``fmax``/``fmin`` give the
whole cotangent to the non-NaN operand; ``clip`` gives ties to ``a`` and, with
``a_min > a_max``, everything to ``a_max`` (NumPy's ``minimum(maximum(a, a_min),
a_max)``); ``hypot`` and ``arctan2`` have slope 0 at the origin; the derivative of
``x ** p`` is computed without ``0 ** negative`` (:func:`~s2sad.runtime.power_term`).
"""
import operator

import numpy as np

from .registry import adjoint, d, method, tangent
from ..runtime import (
    astype_like, broadcast_like, clip_where, fmax_wins, power_term, tie_share, unbroadcast, xlogy,
)

# --- arithmetic ---


@adjoint(operator.add, np.add)
def add_adjoint(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@tangent(operator.add, np.add)
def add_tangent(z, x, y):
    d[z] = broadcast_like(d[x], z) + broadcast_like(d[y], z)


@adjoint(operator.sub, np.subtract)
def subtract_adjoint(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@tangent(operator.sub, np.subtract)
def subtract_tangent(z, x, y):
    d[z] = broadcast_like(d[x], z) + broadcast_like(-d[y], z)


@adjoint(operator.mul, np.multiply)
def multiply_adjoint(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(x * d[z], y)


@tangent(operator.mul, np.multiply)
def multiply_tangent(z, x, y):
    d[z] = d[x] * y + x * d[y]


@adjoint(operator.truediv, np.divide, np.true_divide)
def divide_adjoint(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@tangent(operator.truediv, np.divide, np.true_divide)
def divide_tangent(z, x, y):
    d[z] = d[x] / y + -d[y] * z / y


# d/dx x**p = p * x**(p - 1), 0 where p == 0 (power_term); d/dp x**p = log(x) * x**p,
# 0 where x**p == 0 (xlogy).  The exponent's term is dropped when it is constant.
@adjoint(operator.pow, np.power, pow)
def power_adjoint(z, x, p):
    d[x] = unbroadcast(d[z] * power_term(p, x, p - 1), x)
    d[p] = unbroadcast(d[z] * xlogy(z, x), p)


@tangent(operator.pow, np.power, pow)
def power_tangent(z, x, p):
    d[z] = d[x] * power_term(p, x, p - 1) + d[p] * xlogy(z, x)


# float_power computes in float64 (complex128): cotangents go back in the inputs' dtypes
@adjoint(np.float_power)
def float_power_adjoint(z, x, p):
    d[x] = astype_like(unbroadcast(d[z] * power_term(p, x, p - 1), x), x)
    d[p] = astype_like(unbroadcast(d[z] * xlogy(z, x), p), p)


@tangent(np.float_power)
def float_power_tangent(z, x, p):
    d[z] = astype_like(d[x] * power_term(p, x, p - 1), z) + astype_like(d[p] * xlogy(z, x), z)


# --- extrema (real operands): ties split half and half, as JAX's maximum/minimum ---


@adjoint(np.maximum)
def maximum_adjoint(z, x, y):
    d[x] = unbroadcast(tie_share(d[z], x > y, x == y), x)
    d[y] = unbroadcast(tie_share(d[z], y > x, x == y), y)


@tangent(np.maximum)
def maximum_tangent(z, x, y):
    d[z] = tie_share(d[x], x > y, x == y) + tie_share(d[y], y > x, x == y)


@adjoint(np.minimum)
def minimum_adjoint(z, x, y):
    d[x] = unbroadcast(tie_share(d[z], x < y, x == y), x)
    d[y] = unbroadcast(tie_share(d[z], y < x, x == y), y)


@tangent(np.minimum)
def minimum_tangent(z, x, y):
    d[z] = tie_share(d[x], x < y, x == y) + tie_share(d[y], y < x, x == y)


# fmax/fmin: as maximum/minimum, but a NaN operand loses to the other one
@adjoint(np.fmax)
def fmax_adjoint(z, x, y):
    d[x] = unbroadcast(tie_share(d[z], fmax_wins(x, y), x == y), x)
    d[y] = unbroadcast(tie_share(d[z], fmax_wins(y, x), x == y), y)


@tangent(np.fmax)
def fmax_tangent(z, x, y):
    d[z] = tie_share(d[x], fmax_wins(x, y), x == y) + tie_share(d[y], fmax_wins(y, x), x == y)


@adjoint(np.fmin)
def fmin_adjoint(z, x, y):
    d[x] = unbroadcast(tie_share(d[z], fmax_wins(x, y, True), x == y), x)
    d[y] = unbroadcast(tie_share(d[z], fmax_wins(y, x, True), x == y), y)


@tangent(np.fmin)
def fmin_tangent(z, x, y):
    d[z] = (tie_share(d[x], fmax_wins(x, y, True), x == y)
            + tie_share(d[y], fmax_wins(y, x, True), x == y))


# --- other binary functions ---


@adjoint(np.logaddexp)
def logaddexp_adjoint(z, x, y):
    d[x] = unbroadcast(d[z] * np.exp(x - z), x)
    d[y] = unbroadcast(d[z] * np.exp(y - z), y)


@tangent(np.logaddexp)
def logaddexp_tangent(z, x, y):
    d[z] = d[x] * np.exp(x - z) + d[y] * np.exp(y - z)


@adjoint(np.logaddexp2)
def logaddexp2_adjoint(z, x, y):
    d[x] = unbroadcast(d[z] * np.exp2(x - z), x)
    d[y] = unbroadcast(d[z] * np.exp2(y - z), y)


@tangent(np.logaddexp2)
def logaddexp2_tangent(z, x, y):
    d[z] = d[x] * np.exp2(x - z) + d[y] * np.exp2(y - z)


# arctan2(x1, x2) = angle of (x2, x1): slopes (x2, -x1) / r2; 0 at the origin
@adjoint(np.arctan2)
def arctan2_adjoint(z, x1, x2):
    r2 = x1 * x1 + x2 * x2
    safe = np.where(r2 == 0, 1.0, r2)
    d[x1] = unbroadcast(d[z] * x2 / safe, x1)
    d[x2] = unbroadcast(-d[z] * x1 / safe, x2)


@tangent(np.arctan2)
def arctan2_tangent(z, x1, x2):
    r2 = x1 * x1 + x2 * x2
    safe = np.where(r2 == 0, 1.0, r2)
    d[z] = d[x1] * x2 / safe + -d[x2] * x1 / safe


# hypot: slopes x / z; 0 at the origin (like abs and norm)
@adjoint(np.hypot)
def hypot_adjoint(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x1 / np.where(z == 0, 1.0, z), x1)
    d[x2] = unbroadcast(d[z] * x2 / np.where(z == 0, 1.0, z), x2)


@tangent(np.hypot)
def hypot_tangent(z, x1, x2):
    d[z] = d[x1] * x1 / np.where(z == 0, 1.0, z) + d[x2] * x2 / np.where(z == 0, 1.0, z)


# fmod(x, y) = x - trunc(x / y) * y; trunc(x / y) read back exactly as (x - z) / y
@adjoint(np.fmod)
def fmod_adjoint(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.round((x - z) / y), y)


@tangent(np.fmod)
def fmod_tangent(z, x, y):
    d[z] = broadcast_like(d[x], z) + broadcast_like(-d[y] * np.round((x - z) / y), z)


# copysign(x1, x2) = |x1| * sign(x2): slope +-1 in x1; piecewise constant in x2
@adjoint(np.copysign)
def copysign_adjoint(y, x1, x2):
    d[x1] = unbroadcast(d[y] * (np.copysign(1.0, x1) * np.copysign(1.0, x2)), x1)


@tangent(np.copysign)
def copysign_tangent(y, x1, x2):
    d[y] = d[x1] * (np.copysign(1.0, x1) * np.copysign(1.0, x2))


# heaviside(x1, x2): 0 almost everywhere in x1 (no derivative); x2 where x1 == 0
@adjoint(np.heaviside)
def heaviside_adjoint(y, x1, x2):
    d[x2] = unbroadcast(np.where(x1 == 0, d[y], 0.0), x2)


@tangent(np.heaviside)
def heaviside_tangent(y, x1, x2):
    d[y] = broadcast_like(np.where(x1 == 0, d[x2], 0.0), y)


# --- selection ---


@adjoint(np.where)
def where_adjoint(z, condition, x=None, y=None):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


@tangent(np.where)
def where_tangent(z, condition, x=None, y=None):
    d[z] = (broadcast_like(np.where(condition, d[x], 0.0), z)
            + broadcast_like(np.where(condition, 0.0, d[y]), z))


# clip(a, lo, hi) = minimum(maximum(a, lo), hi): ties go to a; lo > hi gives hi everywhere.
# NumPy >= 2.1 also spells the bounds min=/max=.
@adjoint(np.clip)
def clip_adjoint(y, a, a_min=None, a_max=None, min=None, max=None):
    low = clip_where("min", a, a_min, a_max, min, max)
    high = clip_where("max", a, a_min, a_max, min, max)
    d[a] = unbroadcast(np.where(clip_where("a", a, a_min, a_max, min, max), d[y], 0.0), a)
    d[a_min] = unbroadcast(np.where(low, d[y], 0.0), a_min)
    d[min] = unbroadcast(np.where(low, d[y], 0.0), min)
    d[a_max] = unbroadcast(np.where(high, d[y], 0.0), a_max)
    d[max] = unbroadcast(np.where(high, d[y], 0.0), max)


@tangent(np.clip)
def clip_tangent(y, a, a_min=None, a_max=None, min=None, max=None):
    low = clip_where("min", a, a_min, a_max, min, max)
    high = clip_where("max", a, a_min, a_max, min, max)
    d[y] = (np.where(clip_where("a", a, a_min, a_max, min, max), d[a], 0.0)
            + np.where(low, d[a_min], 0.0) + np.where(low, d[min], 0.0)
            + np.where(high, d[a_max], 0.0) + np.where(high, d[max], 0.0))


@adjoint(method('clip'))
def clip_method_adjoint(y, x, min=None, max=None):
    d[x] = unbroadcast(np.where(clip_where("a", x, min, max), d[y], 0.0), x)
    d[min] = unbroadcast(np.where(clip_where("min", x, min, max), d[y], 0.0), min)
    d[max] = unbroadcast(np.where(clip_where("max", x, min, max), d[y], 0.0), max)


@tangent(method('clip'))
def clip_method_tangent(y, x, min=None, max=None):
    d[y] = (np.where(clip_where("a", x, min, max), d[x], 0.0)
            + np.where(clip_where("min", x, min, max), d[min], 0.0)
            + np.where(clip_where("max", x, min, max), d[max], 0.0))
