"""Derivative templates for elementwise NumPy functions and Python operators.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a
sum of terms, each linear in one ``d[input]``.  Every free name used in a template is
a module-level name of this module; the compiler imports them by name.
"""
import math
import operator

import numpy as np

from .registry import adjoint, attribute, d, linear, tangent
from ..runtime import (
    abs_sign, broadcast_like, clip_mask, tie_share, unbroadcast, xlogy,
)

# --- elementwise unary ---


@adjoint(np.sin)
def sin_adjoint(y, x):
    d[x] = d[y] * np.cos(x)


@tangent(np.sin)
def sin_tangent(y, x):
    d[y] = d[x] * np.cos(x)


@adjoint(np.cos)
def cos_adjoint(y, x):
    d[x] = -d[y] * np.sin(x)


@tangent(np.cos)
def cos_tangent(y, x):
    d[y] = -d[x] * np.sin(x)


@adjoint(np.tan)
def tan_adjoint(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(np.tan)
def tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(np.arcsin)
def arcsin_adjoint(y, x):
    d[x] = d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def arcsin_tangent(y, x):
    d[y] = d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arccos)
def arccos_adjoint(y, x):
    d[x] = -d[y] / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def arccos_tangent(y, x):
    d[y] = -d[x] / np.sqrt(1.0 - x * x)


@adjoint(np.arctan)
def arctan_adjoint(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(np.arctan)
def arctan_tangent(y, x):
    d[y] = d[x] / (1.0 + x * x)


@adjoint(np.sinh)
def sinh_adjoint(y, x):
    d[x] = d[y] * np.cosh(x)


@tangent(np.sinh)
def sinh_tangent(y, x):
    d[y] = d[x] * np.cosh(x)


@adjoint(np.cosh)
def cosh_adjoint(y, x):
    d[x] = d[y] * np.sinh(x)


@tangent(np.cosh)
def cosh_tangent(y, x):
    d[y] = d[x] * np.sinh(x)


@adjoint(np.tanh)
def tanh_adjoint(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(np.tanh)
def tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(np.exp)
def exp_adjoint(y, x):
    d[x] = d[y] * y


@tangent(np.exp)
def exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(np.expm1)
def expm1_adjoint(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(np.expm1)
def expm1_tangent(y, x):
    d[y] = d[x] * (y + 1.0)


@adjoint(np.exp2)
def exp2_adjoint(y, x):
    d[x] = d[y] * y * math.log(2.0)


@tangent(np.exp2)
def exp2_tangent(y, x):
    d[y] = d[x] * y * math.log(2.0)


@adjoint(np.log)
def log_adjoint(y, x):
    d[x] = d[y] / x


@tangent(np.log)
def log_tangent(y, x):
    d[y] = d[x] / x


@adjoint(np.log1p)
def log1p_adjoint(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(np.log1p)
def log1p_tangent(y, x):
    d[y] = d[x] / (1.0 + x)


@adjoint(np.log2)
def log2_adjoint(y, x):
    d[x] = d[y] / (x * math.log(2.0))


@tangent(np.log2)
def log2_tangent(y, x):
    d[y] = d[x] / (x * math.log(2.0))


@adjoint(np.log10)
def log10_adjoint(y, x):
    d[x] = d[y] / (x * math.log(10.0))


@tangent(np.log10)
def log10_tangent(y, x):
    d[y] = d[x] / (x * math.log(10.0))


@adjoint(np.sqrt)
def sqrt_adjoint(y, x):
    d[x] = d[y] / (2.0 * y)


@tangent(np.sqrt)
def sqrt_tangent(y, x):
    d[y] = d[x] / (2.0 * y)


@adjoint(np.cbrt)
def cbrt_adjoint(y, x):
    d[x] = d[y] / (3.0 * y * y)


@tangent(np.cbrt)
def cbrt_tangent(y, x):
    d[y] = d[x] / (3.0 * y * y)


@adjoint(np.square)
def square_adjoint(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(np.square)
def square_tangent(y, x):
    d[y] = d[x] * 2.0 * x


@adjoint(np.reciprocal)
def reciprocal_adjoint(y, x):
    d[x] = -d[y] * y * y


@tangent(np.reciprocal)
def reciprocal_tangent(y, x):
    d[y] = -d[x] * y * y


@adjoint(np.abs, np.absolute)
def abs_adjoint(y, x):
    d[x] = d[y] * abs_sign(x)


@tangent(np.abs, np.absolute)
def abs_tangent(y, x):
    d[y] = np.real(d[x] * abs_sign(x))


@adjoint(np.negative, operator.neg)
def negative_adjoint(y, x):
    d[x] = -d[y]


@adjoint(np.positive, operator.pos)
def positive_adjoint(y, x):
    d[x] = d[y]


linear(np.negative, operator.neg, np.positive, operator.pos)


@adjoint(np.real, attribute('real'))
def real_adjoint(y, x):
    d[x] = d[y]


@tangent(np.real, attribute('real'))
def real_tangent(y, x):
    d[y] = np.real(d[x])


# --- binary operators ---


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


@adjoint(operator.pow, np.power, pow)
def power_adjoint(z, x, p):
    d[x] = unbroadcast(d[z] * p * x ** (p - 1), x)
    d[p] = unbroadcast(d[z] * xlogy(z, x), p)


@tangent(operator.pow, np.power, pow)
def power_tangent(z, x, p):
    d[z] = d[x] * p * x ** (p - 1) + d[p] * xlogy(z, x)


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


@adjoint(np.logaddexp)
def logaddexp_adjoint(z, x, y):
    d[x] = unbroadcast(d[z] * np.exp(x - z), x)
    d[y] = unbroadcast(d[z] * np.exp(y - z), y)


@tangent(np.logaddexp)
def logaddexp_tangent(z, x, y):
    d[z] = d[x] * np.exp(x - z) + d[y] * np.exp(y - z)


@adjoint(np.arctan2)
def arctan2_adjoint(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2 / (x1 * x1 + x2 * x2), x1)
    d[x2] = unbroadcast(-d[z] * x1 / (x1 * x1 + x2 * x2), x2)


@tangent(np.arctan2)
def arctan2_tangent(z, x1, x2):
    d[z] = d[x1] * x2 / (x1 * x1 + x2 * x2) + -d[x2] * x1 / (x1 * x1 + x2 * x2)


@adjoint(np.hypot)
def hypot_adjoint(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x1 / z, x1)
    d[x2] = unbroadcast(d[z] * x2 / z, x2)


@tangent(np.hypot)
def hypot_tangent(z, x1, x2):
    d[z] = d[x1] * x1 / z + d[x2] * x2 / z


@adjoint(np.where)
def where_adjoint(z, condition, x=None, y=None):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


@tangent(np.where)
def where_tangent(z, condition, x=None, y=None):
    d[z] = (broadcast_like(np.where(condition, d[x], 0.0), z)
            + broadcast_like(np.where(condition, 0.0, d[y]), z))


@adjoint(np.clip)
def clip_adjoint(y, a, a_min=None, a_max=None):
    d[a] = unbroadcast(np.where(clip_mask(a, a_min, a_max), d[y], 0.0), a)
    d[a_min] = unbroadcast(np.where(a < a_min, d[y], 0.0), a_min)
    d[a_max] = unbroadcast(np.where(a > a_max, d[y], 0.0), a_max)


@tangent(np.clip)
def clip_tangent(y, a, a_min=None, a_max=None):
    d[y] = (np.where(clip_mask(a, a_min, a_max), d[a], 0.0) + np.where(a < a_min, d[a_min], 0.0)
            + np.where(a > a_max, d[a_max], 0.0))
