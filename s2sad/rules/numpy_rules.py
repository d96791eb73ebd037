"""Derivative templates for NumPy functions, array methods and Python operators.

Adjoint and tangent templates sit side by side, grouped by section.  The
contract is in :mod:`s2sad.rules`: the first parameter is the primal result,
the others mirror the call (array methods take the array first), ``d[x]`` is
the derivative of ``x``.  Adjoint contributions are reduced to the operand's
shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a sum
of terms, each linear in one ``d[input]``.  Longer logic lives in
:mod:`s2sad.runtime`, whose helpers also get rules here (last section) so
that generated code can be differentiated again.

Every free name used in a template (``np``, ``math``, runtime helpers) is a
module-level name of this module; the compiler imports them by name.
"""
import math
import operator

import numpy as np

from .registry import adjoint, attribute, d, linear, method, nondifferentiable, tangent
from ..runtime import (
    abs_sign, add_grad, astype_like, broadcast_like, clip_mask, dot_adjoint_a, dot_adjoint_b,
    fill_zeros, invert_axes, matmul_adjoint_a, matmul_adjoint_b, method_axes, tie_share,
    unbroadcast, unconcatenate, unpack_like, unreduce, unreduce_extremum, unreduce_mean,
    unreduce_prod, unslice, unstack, xlogy, zeros_like,
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


# at a zero vector the norm has a kink: the derivative taken there is 0 (the smallest
# subgradient, as for abs), not 0 / 0


@adjoint(np.linalg.norm)
def norm_adjoint(y, x, *, axis=None, keepdims=False):
    d[x] = x * unreduce(d[y] / np.where(y == 0, 1.0, y), x, axis, keepdims)


@tangent(np.linalg.norm)
def norm_tangent(y, x, *, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * x, axis=axis, keepdims=keepdims) / np.where(y == 0, 1.0, y)


@adjoint(np.cumsum)
def cumsum_adjoint(y, a, axis=None):
    d[a] = np.reshape(np.flip(np.cumsum(np.flip(d[y], axis), axis), axis), np.shape(a))


linear(np.cumsum)


# --- shape ---


@adjoint(np.reshape)
def reshape_adjoint(y, a, shape):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(method('reshape'))
def reshape_method_adjoint(y, x, *shape):
    d[x] = np.reshape(d[y], np.shape(x))


@adjoint(np.ravel, method('ravel'), method('flatten'))
def ravel_adjoint(y, a):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.squeeze, method('squeeze'))
def squeeze_adjoint(y, a, axis=None):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.expand_dims)
def expand_dims_adjoint(y, a, axis):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.transpose)
def transpose_adjoint(y, a, axes=None):
    d[a] = np.transpose(d[y], invert_axes(axes))


@adjoint(method('transpose'))
def transpose_method_adjoint(y, x, *axes):
    d[x] = np.transpose(d[y], invert_axes(axes))


@adjoint(attribute('T'))
def transpose_attribute_adjoint(y, x):
    d[x] = np.transpose(d[y])


@tangent(attribute('T'))
def transpose_attribute_tangent(y, x):
    d[y] = np.transpose(d[x])


@adjoint(np.flip)
def flip_adjoint(y, m, axis=None):
    d[m] = np.flip(d[y], axis)


@adjoint(np.roll)
def roll_adjoint(y, a, shift, axis=None):
    d[a] = np.roll(d[y], np.negative(shift), axis)


@adjoint(np.swapaxes)
def swapaxes_adjoint(y, a, axis1, axis2):
    d[a] = np.swapaxes(d[y], axis1, axis2)


@adjoint(np.moveaxis)
def moveaxis_adjoint(y, a, source, destination):
    d[a] = np.moveaxis(d[y], destination, source)


@adjoint(np.broadcast_to)
def broadcast_to_adjoint(y, array, shape):
    d[array] = unbroadcast(d[y], array)


@adjoint(np.concatenate)
def concatenate_adjoint(y, arrays, axis=0):
    d[arrays] = unconcatenate(d[y], arrays, axis)


@adjoint(np.stack)
def stack_adjoint(y, arrays, axis=0):
    d[arrays] = unstack(d[y], arrays, axis)


@adjoint(np.copy, method('copy'))
def copy_adjoint(y, a):
    d[a] = d[y]


@adjoint(method('astype'))
def astype_adjoint(y, x, dtype):
    d[x] = astype_like(d[y], x)


@adjoint(np.array, np.asarray)
def array_adjoint(y, a, dtype=None):
    d[a] = unpack_like(d[y], a)


@adjoint(operator.getitem)
def getitem_adjoint(y, x, index):
    d[x] = unslice(d[y], x, index)


@tangent(operator.getitem)
def getitem_tangent(y, x, index):
    d[y] = d[x][index]


linear(np.reshape, method('reshape'), np.ravel, method('ravel'), method('flatten'), np.squeeze,
       method('squeeze'), np.expand_dims, np.transpose, method('transpose'), np.broadcast_to,
       np.concatenate, np.stack, np.copy, method('copy'), method('astype'), np.array,
       np.asarray, np.flip, np.roll, np.swapaxes, np.moveaxis)


@adjoint(np.full)
def full_adjoint(y, shape, fill_value, dtype=None):
    d[fill_value] = unbroadcast(d[y], fill_value)


@tangent(np.full)
def full_tangent(y, shape, fill_value, dtype=None):
    d[y] = broadcast_like(d[fill_value], y)


@adjoint(np.full_like)
def full_like_adjoint(y, a, fill_value, dtype=None):
    d[fill_value] = unbroadcast(d[y], fill_value)


@tangent(np.full_like)
def full_like_tangent(y, a, fill_value, dtype=None):
    d[y] = broadcast_like(d[fill_value], y)


# --- linear algebra ---


@adjoint(np.dot, method('dot'))
def dot_adjoint(y, a, b):
    d[a] = dot_adjoint_a(d[y], a, b)
    d[b] = dot_adjoint_b(d[y], a, b)


@tangent(np.dot, method('dot'))
def dot_tangent(y, a, b):
    d[y] = np.dot(d[a], b) + np.dot(a, d[b])


@adjoint(np.matmul, operator.matmul)
def matmul_adjoint(z, x, y):
    d[x] = matmul_adjoint_a(d[z], x, y)
    d[y] = matmul_adjoint_b(d[z], x, y)


@tangent(np.matmul, operator.matmul)
def matmul_tangent(z, x, y):
    d[z] = np.matmul(d[x], y) + np.matmul(x, d[y])


@adjoint(np.outer)
def outer_adjoint(y, a, b):
    d[a] = np.reshape(np.dot(d[y], np.ravel(b)), np.shape(a))
    d[b] = np.reshape(np.dot(np.ravel(a), d[y]), np.shape(b))


@tangent(np.outer)
def outer_tangent(y, a, b):
    d[y] = np.outer(d[a], b) + np.outer(a, d[b])


# --- non-differentiable ---

nondifferentiable(
    # shapes, constructors, indices
    np.shape, np.ndim, np.size, np.zeros, np.ones, np.empty, np.arange, np.linspace, np.eye,
    np.identity, np.zeros_like, np.ones_like, np.empty_like, np.argmax, np.argmin, np.argsort,
    np.nonzero, np.flatnonzero, np.argwhere, np.count_nonzero, np.searchsorted, np.digitize,
    np.result_type, np.broadcast_shapes, np.iscomplexobj, np.isrealobj, np.isscalar,
    # piecewise constant
    np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
    np.floor_divide, operator.floordiv,
    # predicates and comparisons
    np.isnan, np.isfinite, np.isinf, np.isclose, np.allclose, np.array_equal, np.all, np.any,
    np.equal, np.not_equal, np.greater, np.greater_equal, np.less, np.less_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    operator.not_, operator.truth, operator.is_, operator.is_not, operator.contains,
    # methods and attributes
    method('argmax'), method('argmin'), method('argsort'), method('nonzero'), method('all'),
    method('any'), attribute('shape'), attribute('ndim'), attribute('size'),
    attribute('dtype'), attribute('itemsize'), attribute('nbytes'),
    # runtime helpers whose results carry no derivative
    zeros_like, invert_axes, method_axes, clip_mask,
)


# --- runtime helpers (rules for differentiating generated code again) ---


@adjoint(unbroadcast)
def unbroadcast_adjoint(y, g, x):
    d[g] = broadcast_like(d[y], g)


@adjoint(broadcast_like)
def broadcast_like_adjoint(z, t, y):
    d[t] = unbroadcast(d[z], t)


@adjoint(unreduce)
def unreduce_adjoint(y, g, x, axis=None, keepdims=False):
    d[g] = unbroadcast(np.sum(d[y], axis=axis, keepdims=keepdims), g)


@adjoint(unslice)
def unslice_adjoint(y, g, x, index):
    d[g] = d[y][index]


@adjoint(tie_share)
def tie_share_adjoint(y, g, win, tie):
    d[g] = unbroadcast(tie_share(d[y], win, tie), g)


@adjoint(unreduce_extremum)
def unreduce_extremum_adjoint(r, g, y, x, axis=None, keepdims=False):
    d[g] = unbroadcast(np.sum(d[r] * unreduce_extremum(1.0, y, x, axis, keepdims), axis=axis,
                              keepdims=keepdims), g)


@adjoint(astype_like)
def astype_like_adjoint(y, g, x):
    d[g] = astype_like(d[y], g)


@adjoint(unconcatenate)
def unconcatenate_adjoint(r, g, arrays, axis=0):
    d[g] = np.concatenate(fill_zeros(d[r], arrays), axis)


@adjoint(unstack)
def unstack_adjoint(r, g, arrays, axis=0):
    d[g] = np.stack(fill_zeros(d[r], arrays), axis)


@adjoint(unpack_like)
def unpack_like_adjoint(r, g, a):
    d[g] = unbroadcast(np.asarray(fill_zeros(d[r], a)), g)


@adjoint(fill_zeros)
def fill_zeros_adjoint(r, parts, like):
    d[parts] = d[r]


linear(unbroadcast, broadcast_like, unreduce, unslice, tie_share, unreduce_extremum,
       astype_like, unconcatenate, unstack, unpack_like, fill_zeros)


@adjoint(add_grad)
def add_grad_adjoint(y, a, b):
    d[a] = d[y]
    d[b] = d[y]


@tangent(add_grad)
def add_grad_tangent(y, a, b):
    d[y] = add_grad(d[a], d[b])


@adjoint(dot_adjoint_a)
def dot_adjoint_a_adjoint(r, g, a, b):
    d[g] = np.dot(d[r], b)
    d[b] = dot_adjoint_b(g, d[r], b)


@tangent(dot_adjoint_a)
def dot_adjoint_a_tangent(r, g, a, b):
    d[r] = dot_adjoint_a(d[g], a, b) + dot_adjoint_a(g, a, d[b])


@adjoint(dot_adjoint_b)
def dot_adjoint_b_adjoint(r, g, a, b):
    d[g] = np.dot(a, d[r])
    d[a] = dot_adjoint_a(g, a, d[r])


@tangent(dot_adjoint_b)
def dot_adjoint_b_tangent(r, g, a, b):
    d[r] = dot_adjoint_b(d[g], a, b) + dot_adjoint_b(g, d[a], b)


@adjoint(matmul_adjoint_a)
def matmul_adjoint_a_adjoint(r, g, a, b):
    d[g] = unbroadcast(np.matmul(d[r], b), g)
    d[b] = matmul_adjoint_b(g, d[r], b)


@tangent(matmul_adjoint_a)
def matmul_adjoint_a_tangent(r, g, a, b):
    d[r] = matmul_adjoint_a(d[g], a, b) + matmul_adjoint_a(g, a, d[b])


@adjoint(matmul_adjoint_b)
def matmul_adjoint_b_adjoint(r, g, a, b):
    d[g] = unbroadcast(np.matmul(a, d[r]), g)
    d[a] = matmul_adjoint_a(g, a, d[r])


@tangent(matmul_adjoint_b)
def matmul_adjoint_b_tangent(r, g, a, b):
    d[r] = matmul_adjoint_b(d[g], a, b) + matmul_adjoint_b(g, d[a], b)
