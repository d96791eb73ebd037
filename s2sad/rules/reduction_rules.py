"""Derivative templates for NumPy reductions and statistics.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a
sum of terms, each linear in one ``d[input]``.  Every free name used in a template is
a module-level name of this module; the compiler imports them by name.
"""

import numpy as np

from .registry import adjoint, d, linear, method, tangent
from ..runtime import (
    unreduce, unreduce_extremum, unreduce_mean, unreduce_prod,
)

# --- reductions ---


@adjoint(np.sum)
def sum_adjoint(y, a, axis=None, dtype=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims)


@adjoint(method('sum'))
def sum_method_adjoint(y, x, axis=None, dtype=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims)


@adjoint(np.mean)
def mean_adjoint(y, a, axis=None, dtype=None, keepdims=False):
    d[a] = unreduce_mean(d[y], y, a, axis, keepdims)


@adjoint(method('mean'))
def mean_method_adjoint(y, x, axis=None, dtype=None, keepdims=False):
    d[x] = unreduce_mean(d[y], y, x, axis, keepdims)


linear(np.sum, method('sum'), np.mean, method('mean'))


@adjoint(np.prod)
def prod_adjoint(y, a, axis=None, dtype=None, keepdims=False):
    d[a] = unreduce_prod(d[y], y, a, axis, keepdims)


@tangent(np.prod)
def prod_tangent(y, a, axis=None, dtype=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_prod(1.0, y, a, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(method('prod'))
def prod_method_adjoint(y, x, axis=None, dtype=None, keepdims=False):
    d[x] = unreduce_prod(d[y], y, x, axis, keepdims)


@tangent(method('prod'))
def prod_method_tangent(y, x, axis=None, dtype=None, keepdims=False):
    d[y] = np.sum(d[x] * unreduce_prod(1.0, y, x, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(np.max, np.amax, np.min, np.amin)
def extremum_adjoint(y, a, axis=None, keepdims=False):
    d[a] = unreduce_extremum(d[y], y, a, axis, keepdims)


@tangent(np.max, np.amax, np.min, np.amin)
def extremum_tangent(y, a, axis=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_extremum(1.0, y, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(method('max'), method('min'))
def extremum_method_adjoint(y, x, axis=None, keepdims=False):
    d[x] = unreduce_extremum(d[y], y, x, axis, keepdims)


@tangent(method('max'), method('min'))
def extremum_method_tangent(y, x, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * unreduce_extremum(1.0, y, x, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(np.var)
def var_adjoint(y, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[a] = (unreduce(d[y] * (2.0 * np.size(y) / (np.size(a) - ddof * np.size(y))), a, axis,
                     keepdims) * (a - np.mean(a, axis=axis, keepdims=True)))


@tangent(np.var)
def var_tangent(y, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[y] = (np.sum(d[a] * (a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                   keepdims=keepdims) * (2.0 * np.size(y) / (np.size(a) - ddof * np.size(y))))


@adjoint(np.std)
def std_adjoint(y, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[a] = (unreduce(d[y] / y * (np.size(y) / (np.size(a) - ddof * np.size(y))), a, axis,
                     keepdims) * (a - np.mean(a, axis=axis, keepdims=True)))


@tangent(np.std)
def std_tangent(y, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[y] = (np.sum(d[a] * (a - np.mean(a, axis=axis, keepdims=True)), axis=axis,
                   keepdims=keepdims) / y * (np.size(y) / (np.size(a) - ddof * np.size(y))))


@adjoint(np.cumsum)
def cumsum_adjoint(y, a, axis=None):
    d[a] = np.reshape(np.flip(np.cumsum(np.flip(d[y], axis), axis), axis), np.shape(a))


linear(np.cumsum)
