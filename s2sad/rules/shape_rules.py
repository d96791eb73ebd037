"""Derivative templates for NumPy shape, indexing, joining and splitting functions.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a
sum of terms, each linear in one ``d[input]``.  Every free name used in a template is
a module-level name of this module; the compiler imports them by name.
"""
import operator

import numpy as np

from .registry import adjoint, attribute, d, linear, method, tangent
from ..runtime import (
    astype_like, broadcast_like, invert_axes, unbroadcast, unconcatenate, unpack_like,
    unslice, unstack,
)

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
