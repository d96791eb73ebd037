"""Derivative templates for unary elementwise NumPy functions, casts and complex parts.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``; tangents are written as a sum of terms, each
linear in one ``d[input]``.  Every free name used in a template is a module-level name
of this module; the compiler imports them by name.  Binary operators and binary
ufuncs are in :mod:`s2sad.rules.operator_rules`.

Complex numbers follow JAX's convention: holomorphic functions (``exp``, ``log``,
``sqrt``, ``square``, the trigonometric and hyperbolic functions and their inverses)
have ``d[x] = d[y] * f'(x)`` with no conjugate; ``abs``, ``real``, ``imag``, ``conj``
and ``angle`` are not holomorphic and place the conjugates so that
``df = Re(sum(d[x] * dx))``; the cotangent of a real operand is real
(:func:`~s2sad.runtime.real_cotangent`).  Special points: where the derivative is
infinite (``sqrt``, ``log``, ``arcsin`` at the boundary) the rules give inf; at kinks
(``abs``, ``fabs`` at 0) the subgradient 0; they never give NaN where the derivative
exists.  The rules of the runtime helpers of :mod:`s2sad.runtime.elementwise` are at
the end (for higher order).
"""
import math
import operator

import numpy as np

from .registry import adjoint, attribute, d, linear, method, nondifferentiable, tangent
from ..runtime import (
    abs_sign, angle_unit, astype_like, clip_where, fmax_wins, power_term, real_cotangent,
    unbroadcast, xlogy,
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



@adjoint(np.arcsinh)
def arcsinh_adjoint(y, x):
    d[x] = d[y] / np.sqrt(1.0 + x * x)


@tangent(np.arcsinh)
def arcsinh_tangent(y, x):
    d[y] = d[x] / np.sqrt(1.0 + x * x)


# sqrt(x - 1) * sqrt(x + 1), not sqrt(x * x - 1): the principal branch for complex x
@adjoint(np.arccosh)
def arccosh_adjoint(y, x):
    d[x] = d[y] / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@tangent(np.arccosh)
def arccosh_tangent(y, x):
    d[y] = d[x] / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))


@adjoint(np.arctanh)
def arctanh_adjoint(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(np.arctanh)
def arctanh_tangent(y, x):
    d[y] = d[x] / (1.0 - x * x)


# d/dx sinc(x) = (cos(pi x) - sinc(x)) / x; near 0 (cancellation, and the limit 0 at 0)
# its Taylor series to x**9 (error < 1e-13 for |x| < 0.1), so second order is right at 0
# too (-pi**2 / 3).
@adjoint(np.sinc)
def sinc_adjoint(y, x):
    small = np.abs(x) < 0.1
    safe = np.where(small, 1.0, x)
    p2 = x * x * (math.pi * math.pi)
    series = (x * math.pi * math.pi) * (-1.0 / 3 + p2 * (1.0 / 30 + p2 * (
        -1.0 / 840 + p2 * (1.0 / 45360 - p2 / 3991680))))
    d[x] = d[y] * np.where(small, series, (np.cos(math.pi * safe) - y) / safe)


@tangent(np.sinc)
def sinc_tangent(y, x):
    small = np.abs(x) < 0.1
    safe = np.where(small, 1.0, x)
    p2 = x * x * (math.pi * math.pi)
    series = (x * math.pi * math.pi) * (-1.0 / 3 + p2 * (1.0 / 30 + p2 * (
        -1.0 / 840 + p2 * (1.0 / 45360 - p2 / 3991680))))
    d[y] = d[x] * np.where(small, series, (np.cos(math.pi * safe) - y) / safe)


@adjoint(np.abs, np.absolute)
def abs_adjoint(y, x):
    d[x] = d[y] * abs_sign(x)


@tangent(np.abs, np.absolute)
def abs_tangent(y, x):
    d[y] = np.real(d[x] * abs_sign(x))


# fabs takes real input only; 0 at 0 like abs
@adjoint(np.fabs)
def fabs_adjoint(y, x):
    d[x] = d[y] * np.sign(x)


@tangent(np.fabs)
def fabs_tangent(y, x):
    d[y] = d[x] * np.sign(x)


@adjoint(np.negative, operator.neg)
def negative_adjoint(y, x):
    d[x] = -d[y]


@adjoint(np.positive, operator.pos)
def positive_adjoint(y, x):
    d[x] = d[y]


# degrees <-> radians: scalings, each its own transpose
@adjoint(np.deg2rad, np.radians)
def deg2rad_adjoint(y, x):
    d[x] = np.deg2rad(d[y])


@adjoint(np.rad2deg, np.degrees)
def rad2deg_adjoint(y, x):
    d[x] = np.rad2deg(d[y])


linear(np.negative, operator.neg, np.positive, operator.pos, np.deg2rad, np.radians,
       np.rad2deg, np.degrees)


# nan_to_num: slope 1 where x is finite, 0 where it is replaced; the replacement values
# get the cotangent of the elements they replace.  (Complex x: an element counts as
# replaced when either part is.)
@adjoint(np.nan_to_num)
def nan_to_num_adjoint(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = np.where(np.isfinite(x), d[y], 0.0)
    d[nan] = unbroadcast(np.where(np.isnan(x), d[y], 0.0), nan)
    d[posinf] = unbroadcast(np.where(np.logical_and(np.isinf(x), x > 0), d[y], 0.0), posinf)
    d[neginf] = unbroadcast(np.where(np.logical_and(np.isinf(x), x < 0), d[y], 0.0), neginf)


@tangent(np.nan_to_num)
def nan_to_num_tangent(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[y] = (np.where(np.isfinite(x), d[x], 0.0) + np.where(np.isnan(x), d[nan], 0.0)
            + np.where(np.logical_and(np.isinf(x), x > 0), d[posinf], 0.0)
            + np.where(np.logical_and(np.isinf(x), x < 0), d[neginf], 0.0))


# --- casts: the cotangent goes back in the input's dtype (real part for a real input) ---

_CASTS = (np.float64, np.float32, np.complex128)


@adjoint(*_CASTS)
def cast_adjoint(y, x):
    d[x] = astype_like(d[y], x)


linear(*_CASTS)

# --- complex parts (JAX's convention: df = Re(sum(d[z] * dz))) ---


# real: dy = Re(dz), so d[z] = d[y] (real: the cotangent of a real output)
@adjoint(np.real, attribute('real'))
def real_adjoint(y, x):
    d[x] = np.real(d[y])


@tangent(np.real, attribute('real'))
def real_tangent(y, x):
    d[y] = np.real(d[x])


# imag: dy = Im(dz) = Re(-1j * dz), so d[z] = -1j * d[y] (0 for a real z)
@adjoint(np.imag, attribute('imag'))
def imag_adjoint(y, x):
    d[x] = real_cotangent(-1j * d[y], x)


@tangent(np.imag, attribute('imag'))
def imag_tangent(y, x):
    d[y] = np.imag(d[x])


# conj: dy = conj(dz), and Re(g * conj(dz)) = Re(conj(g) * dz)
@adjoint(np.conj, np.conjugate, method('conj'), method('conjugate'))
def conj_adjoint(y, x):
    d[x] = np.conj(d[y])


linear(np.conj, np.conjugate, method('conj'), method('conjugate'))


# angle: dy = Im(dz / z) = Re(-1j / z * dz), so d[z] = -1j * d[y] / z; 0 at z = 0
# (a real z: piecewise constant, 0)
@adjoint(np.angle)
def angle_adjoint(y, z, deg=False):
    d[z] = real_cotangent(d[y] * angle_unit(deg) * np.where(
        z == 0, 0.0, -1j / np.where(z == 0, 1.0, z)), z)


@tangent(np.angle)
def angle_tangent(y, z, deg=False):
    d[y] = np.imag(d[z] * np.where(z == 0, 0.0, 1.0 / np.where(z == 0, 1.0, z))) * angle_unit(
        deg)


# --- rules of the runtime helpers of s2sad.runtime.elementwise (for higher order) ---


# power_term(c, x, q) = c * x ** q (0 where c == 0)
@adjoint(power_term)
def power_term_adjoint(y, c, x, q):
    d[c] = unbroadcast(d[y] * power_term(1.0, x, q), c)
    d[x] = unbroadcast(d[y] * power_term(c * q, x, q - 1), x)
    d[q] = unbroadcast(d[y] * xlogy(y, x), q)


@tangent(power_term)
def power_term_tangent(y, c, x, q):
    d[y] = (d[c] * power_term(1.0, x, q) + d[x] * power_term(c * q, x, q - 1)
            + d[q] * xlogy(y, x))


# real_cotangent(g, x) is Re(g) or g: its transpose embeds the real cotangent
@adjoint(real_cotangent)
def real_cotangent_adjoint(y, g, x):
    d[g] = d[y]


linear(real_cotangent)

nondifferentiable(clip_where, fmax_wins, angle_unit)
