"""Derivative templates for Python builtins and the ``math`` module.

Same contract as :mod:`s2sad.rules.elementwise_rules` (see :mod:`s2sad.rules.registry`).
``math`` functions take and return Python floats, so their rules use ``math``
too and need no unbroadcasting; the results stay Python floats.  Builtins
that only inspect values (``len``, ``isinstance``, ``int``, ...) are declared
non-differentiable.
"""
import math
import operator

import numpy as np

from .registry import adjoint, d, nondifferentiable, tangent
from ..runtime import (
    abs_sign, broadcast_like, extremum_parts, extremum_tangent, log_base, power_term,
    unbroadcast, xlogy,
)

# --- elementwise unary ---


@adjoint(math.sin)
def math_sin_adjoint(y, x):
    d[x] = d[y] * math.cos(x)


@tangent(math.sin)
def math_sin_tangent(y, x):
    d[y] = d[x] * math.cos(x)


@adjoint(math.cos)
def math_cos_adjoint(y, x):
    d[x] = -d[y] * math.sin(x)


@tangent(math.cos)
def math_cos_tangent(y, x):
    d[y] = -d[x] * math.sin(x)


@adjoint(math.tan)
def math_tan_adjoint(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(math.tan)
def math_tan_tangent(y, x):
    d[y] = d[x] * (1.0 + y * y)


@adjoint(math.tanh)
def math_tanh_adjoint(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(math.tanh)
def math_tanh_tangent(y, x):
    d[y] = d[x] * (1.0 - y * y)


@adjoint(math.exp)
def math_exp_adjoint(y, x):
    d[x] = d[y] * y


@tangent(math.exp)
def math_exp_tangent(y, x):
    d[y] = d[x] * y


@adjoint(math.sqrt)
def math_sqrt_adjoint(y, x):
    d[x] = d[y] / (2.0 * y)


@tangent(math.sqrt)
def math_sqrt_tangent(y, x):
    d[y] = d[x] / (2.0 * y)


@adjoint(math.log)
def math_log_adjoint(y, x, base=None):
    d[x] = d[y] / (x * log_base(base))
    d[base] = -d[y] * y / (base * log_base(base))


@tangent(math.log)
def math_log_tangent(y, x, base=None):
    d[y] = d[x] / (x * log_base(base)) + -d[base] * y / (base * log_base(base))


@adjoint(abs)
def builtin_abs_adjoint(y, x):
    d[x] = d[y] * abs_sign(x)


@tangent(abs)
def builtin_abs_tangent(y, x):
    d[y] = np.real(d[x] * abs_sign(x))


@adjoint(float)
def builtin_float_adjoint(y, x):
    d[x] = unbroadcast(d[y], x)


@tangent(float)
def builtin_float_tangent(y, x):
    d[y] = d[x]


# --- binary operators ---


# as operator.pow (operator_rules): no 0.0 ** negative at x == 0 (power_term)
@adjoint(math.pow)
def math_pow_adjoint(z, x, p):
    d[x] = d[z] * power_term(p, x, p - 1)
    d[p] = d[z] * xlogy(z, x)


@tangent(math.pow)
def math_pow_tangent(z, x, p):
    d[z] = d[x] * power_term(p, x, p - 1) + d[p] * xlogy(z, x)


@adjoint(math.atan2)
def math_atan2_adjoint(t, y, x):
    d[y] = d[t] * x / (x * x + y * y)
    d[x] = -d[t] * y / (x * x + y * y)


@tangent(math.atan2)
def math_atan2_tangent(t, y, x):
    d[t] = d[y] * x / (x * x + y * y) + -d[x] * y / (x * x + y * y)


@adjoint(max, min)
def builtin_extremum_adjoint(y, *args):
    d[args] = extremum_parts(d[y], y, args)


@tangent(max, min)
def builtin_extremum_tangent(y, *args):
    d[y] = extremum_tangent(y, args, d[args])


@adjoint(operator.mod, np.mod, np.remainder)
def mod_adjoint(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z] * np.floor_divide(x, y), y)


@tangent(operator.mod, np.mod, np.remainder)
def mod_tangent(z, x, y):
    d[z] = broadcast_like(d[x], z) + broadcast_like(-d[y] * np.floor_divide(x, y), z)


# --- non-differentiable ---

nondifferentiable(
    len, range, isinstance, issubclass, hasattr, callable, type, id, hash, repr, str, print,
    int, bool, round, slice,
    math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite, math.isclose,
    math.factorial, math.gcd, math.comb, math.perm,
)
