"""Derivative templates for NumPy shape, indexing, joining and splitting functions.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a
sum of terms, each linear in one ``d[input]``.  Every free name used in a template is
a module-level name of this module; the compiler imports them by name.

Nearly everything here is linear in its array argument(s): the tangent is the function
of the tangent (``linear``), the adjoint its transpose.  Permutations (``flip``,
``rot90``, ``rollaxis``) are undone by another permutation; *selections* (``tile``,
``repeat``, ``take``, ``pad``, ``diag``, ``sort`` values, ``vstack``, ...) sum
``d[y]`` back through an index probe (:mod:`s2sad.runtime.shaping`), so repeated
elements accumulate.  Indices, axes, repeats, conditions and choice indices carry no
derivative (they are never ``d[...]``; probes are ``nondifferentiable``).  Functions
returning a list or tuple (``split``, ``meshgrid``, ``broadcast_arrays``,
``atleast_1d`` of several arrays) read ``d[y]`` as a list of part cotangents, zeros
for parts the function does not use (``fill_zeros`` also guards against ``None``).
The rules of the runtime helpers called here are at the end of each section, so the
generated code can be differentiated again.
"""
import operator

import numpy as np

from .registry import (
    adjoint, attribute, d, linear, method, nondifferentiable, sequence_result, tangent,
)
from ..runtime import (
    astype_like, broadcast_like, broadcast_parts, fill_zeros, hsplit_axis, index_probe,
    insert_probe, invert_axes, join_probe, meshgrid_parts, pad_constants,
    pad_constants_adjoint, pad_mode, pad_probe, probe_take, probe_untake, rejoin, reshape_like,
    rollaxis_destination, select_rest, trace_probe, unbroadcast, unbroadcast_parts, unchoose,
    unconcatenate, unjoin, unmeshgrid, unpack_like, unselect, unslice, unstack,
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


# copy= and order= change no value (ndmin= is not accepted: unpack_like would index the
# axes it adds when a is a list)
@adjoint(method('astype'))
def astype_adjoint(y, x, dtype, *, copy=True):
    d[x] = astype_like(d[y], x)


@adjoint(np.array, np.asarray)
def array_adjoint(y, a, dtype=None, *, copy=None, order=None):
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


# --- axes and orientation: permutations, each undone by another one ---


@adjoint(method('swapaxes'))
def swapaxes_method_adjoint(y, x, axis1, axis2):
    d[x] = np.swapaxes(d[y], axis1, axis2)


@adjoint(np.rollaxis)
def rollaxis_adjoint(y, a, axis, start=0):
    d[a] = np.moveaxis(d[y], rollaxis_destination(a, axis, start), axis)


@adjoint(np.flipud)
def flipud_adjoint(y, m):
    d[m] = np.flip(d[y], 0)


@adjoint(np.fliplr)
def fliplr_adjoint(y, m):
    d[m] = np.flip(d[y], 1)


@adjoint(np.rot90)
def rot90_adjoint(y, m, k=1, axes=(0, 1)):
    d[m] = np.rot90(d[y], -k, axes)


# triu/tril keep a triangle: the same mask again; a 1-D m is first broadcast to a square
@adjoint(np.triu)
def triu_adjoint(y, m, k=0):
    d[m] = unbroadcast(np.triu(d[y], k), m)


@adjoint(np.tril)
def tril_adjoint(y, m, k=0):
    d[m] = unbroadcast(np.tril(d[y], k), m)


# --- selections: the adjoint sums d[y] back through the index probe (repeated elements
# accumulate; see s2sad.runtime.shaping); integer arguments carry no derivative ---


@adjoint(np.tile)
def tile_adjoint(y, A, reps):
    d[A] = probe_untake(d[y], index_probe("tile", A, reps), A)


@adjoint(np.repeat, method('repeat'))
def repeat_adjoint(y, a, repeats, axis=None):
    d[a] = probe_untake(d[y], index_probe("repeat", a, repeats, axis), a)


# out= (a write into a buffer) is not accepted
@adjoint(np.take, method('take'))
def take_adjoint(y, a, indices, axis=None, *, mode='raise'):
    d[a] = probe_untake(d[y], index_probe("take", a, indices, axis, mode=mode), a)


@adjoint(np.take_along_axis)
def take_along_axis_adjoint(y, arr, indices, axis=-1):
    d[arr] = probe_untake(d[y], index_probe("take_along_axis", arr, indices, axis), arr)


@adjoint(np.diag)
def diag_adjoint(y, v, k=0):
    d[v] = probe_untake(d[y], index_probe("diag", v, k), v)


@adjoint(np.diagonal, method('diagonal'))
def diagonal_adjoint(y, a, offset=0, axis1=0, axis2=1):
    d[a] = probe_untake(d[y], index_probe("diagonal", a, offset, axis1, axis2), a)


# the trace sums the diagonal: d[y] spread along it
@adjoint(np.trace, method('trace'))
def trace_adjoint(y, a, offset=0, axis1=0, axis2=1, dtype=None):
    d[a] = probe_untake(d[y], trace_probe(a, offset, axis1, axis2), a)


@adjoint(np.delete)
def delete_adjoint(y, arr, obj, axis=None):
    d[arr] = probe_untake(d[y], index_probe("delete", arr, obj, axis), arr)


# modes that copy elements only (pad_probe refuses the others); constant_values is
# differentiable: each constant receives the sum of d[y] over the padding it fills
@adjoint(np.pad)
def pad_adjoint(y, array, pad_width, mode='constant', constant_values=0):
    d[array] = probe_untake(d[y], pad_probe(array, pad_width, mode), array)
    d[constant_values] = pad_constants_adjoint(d[y], array, pad_width, constant_values)


@tangent(np.pad)
def pad_tangent(y, array, pad_width, mode='constant', constant_values=0):
    d[y] = (np.pad(d[array], pad_width, pad_mode(mode))
            + pad_constants(d[constant_values], array, pad_width))


# np.sort: the sorted values are differentiable (d[y] goes back through the sorting
# permutation; tied values are equal, so any order of ties is the same function); the
# permutation itself (np.argsort) is not.  np.partition likewise with np.argpartition.
@adjoint(np.sort)
def sort_adjoint(y, a, axis=-1, kind=None):
    d[a] = probe_untake(d[y], index_probe("take_along_axis", a,
                                          np.argsort(a, axis=axis, kind=kind), axis), a)


@tangent(np.sort)
def sort_tangent(y, a, axis=-1, kind=None):
    d[y] = probe_take(d[a], index_probe("take_along_axis", a,
                                        np.argsort(a, axis=axis, kind=kind), axis))


@adjoint(np.partition)
def partition_adjoint(y, a, kth, axis=-1, kind='introselect'):
    d[a] = probe_untake(d[y], index_probe(
        "take_along_axis", a, np.argpartition(a, kth, axis=axis, kind=kind), axis), a)


@tangent(np.partition)
def partition_tangent(y, a, kth, axis=-1, kind='introselect'):
    d[y] = probe_take(d[a], index_probe(
        "take_along_axis", a, np.argpartition(a, kth, axis=axis, kind=kind), axis))


nondifferentiable(np.argpartition, method('argpartition'), index_probe, join_probe, pad_mode,
                  pad_probe, insert_probe, trace_probe, rollaxis_destination, hsplit_axis,
                  select_rest)

# --- choices: each choice gets d[y] where it was taken; the index a and the
# conditions carry no derivative ---


@adjoint(np.choose)
def choose_adjoint(y, a, choices, *, mode='raise'):
    d[choices] = unchoose(d[y], a, choices, mode)


@tangent(np.choose)
def choose_tangent(y, a, choices, *, mode='raise'):
    d[y] = np.choose(a, d[choices], mode=mode)


@adjoint(np.select)
def select_adjoint(y, condlist, choicelist, default=0):
    d[choicelist] = unselect(d[y], condlist, choicelist)
    d[default] = unbroadcast(np.where(select_rest(condlist), d[y], 0.0), default)


@tangent(np.select)
def select_tangent(y, condlist, choicelist, default=0):
    d[y] = (broadcast_like(np.select(condlist, d[choicelist]), y)
            + broadcast_like(np.where(select_rest(condlist), d[default], 0.0), y))


linear(method('swapaxes'), np.rollaxis, np.flipud, np.fliplr, np.rot90, np.triu, np.tril,
       np.tile, np.repeat, method('repeat'), np.take, method('take'), np.take_along_axis,
       np.diag, np.diagonal, method('diagonal'), np.trace, method('trace'), np.delete)

# --- rules of the runtime helpers above (for higher order): transposes in pairs ---


@adjoint(probe_take)
def probe_take_adjoint(y, x, probe):
    d[x] = probe_untake(d[y], probe, x)


@adjoint(probe_untake)
def probe_untake_adjoint(r, g, probe, like):
    d[g] = unbroadcast(probe_take(d[r], probe), g)


@adjoint(pad_constants)
def pad_constants_rule(r, t, array, pad_width):
    d[t] = pad_constants_adjoint(d[r], array, pad_width, t)


@adjoint(pad_constants_adjoint)
def pad_constants_adjoint_rule(r, g, array, pad_width, constant_values):
    d[g] = pad_constants(d[r], array, pad_width)


@adjoint(unchoose)
def unchoose_adjoint(r, g, a, choices, mode='raise'):
    d[g] = broadcast_like(np.choose(a, fill_zeros(d[r], choices), mode=mode), g)


@adjoint(unselect)
def unselect_adjoint(r, g, condlist, choicelist):
    d[g] = broadcast_like(np.select(condlist, fill_zeros(d[r], choicelist)), g)


linear(probe_take, probe_untake, pad_constants, pad_constants_adjoint, unchoose, unselect)

# --- several arrays in or out ---


@adjoint(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_adjoint(y, *arys):
    d[arys] = reshape_like(d[y], arys)


@tangent(np.atleast_1d, np.atleast_2d, np.atleast_3d)
def atleast_tangent(y, *arys):
    d[y] = reshape_like(d[arys], y)


@adjoint(np.broadcast_arrays)
def broadcast_arrays_adjoint(y, *args):
    d[args] = unbroadcast_parts(d[y], args)


@tangent(np.broadcast_arrays)
def broadcast_arrays_tangent(y, *args):
    d[y] = broadcast_parts(d[args], args)


# output i of meshgrid is xi[i] spread along one axis (copy= changes no value)
@adjoint(np.meshgrid)
def meshgrid_adjoint(y, *xi, copy=True, sparse=False, indexing='xy'):
    d[xi] = unmeshgrid(d[y], xi, sparse, indexing)


@tangent(np.meshgrid)
def meshgrid_tangent(y, *xi, copy=True, sparse=False, indexing='xy'):
    d[y] = meshgrid_parts(d[xi], xi, sparse, indexing)


# --- joining: the adjoint splits d[y] back through the join's index probe ---


@adjoint(np.vstack)
def vstack_adjoint(y, tup):
    d[tup] = unjoin(d[y], join_probe("vstack", tup), tup)


@adjoint(np.hstack)
def hstack_adjoint(y, tup):
    d[tup] = unjoin(d[y], join_probe("hstack", tup), tup)


@adjoint(np.dstack)
def dstack_adjoint(y, tup):
    d[tup] = unjoin(d[y], join_probe("dstack", tup), tup)


@adjoint(np.column_stack)
def column_stack_adjoint(y, tup):
    d[tup] = unjoin(d[y], join_probe("column_stack", tup), tup)


linear(np.vstack, np.hstack, np.dstack, np.column_stack)

if getattr(np, "row_stack", None) is not None:  # removed from some NumPy versions
    @adjoint(np.row_stack)
    def row_stack_adjoint(y, tup):
        d[tup] = unjoin(d[y], join_probe("vstack", tup), tup)

    linear(np.row_stack)


# np.append flattens both operands when axis is None, as concatenate(axis=None) does
@adjoint(np.append)
def append_adjoint(y, arr, values, axis=None):
    d[arr] = unconcatenate(d[y], (arr, values), axis)[0]
    d[values] = unconcatenate(d[y], (arr, values), axis)[1]


@tangent(np.append)
def append_tangent(y, arr, values, axis=None):
    d[y] = np.append(d[arr], d[values], axis)


# the inserted values are differentiable (broadcast copies accumulate); obj is not
@adjoint(np.insert)
def insert_adjoint(y, arr, obj, values, axis=None):
    d[arr] = probe_untake(d[y], insert_probe(arr, obj, values, axis), arr)
    d[values] = probe_untake(d[y], insert_probe(arr, obj, values, axis, True), values)


@tangent(np.insert)
def insert_tangent(y, arr, obj, values, axis=None):
    d[y] = np.insert(d[arr], obj, d[values], axis)


# --- splitting: results are lists; the adjoint concatenates the parts' cotangents
# (zeros for parts the function does not use) ---


@adjoint(np.split, np.array_split)
def split_adjoint(y, ary, indices_or_sections, axis=0):
    d[ary] = np.concatenate(fill_zeros(d[y], y), axis)


@adjoint(np.vsplit)
def vsplit_adjoint(y, ary, indices_or_sections):
    d[ary] = np.concatenate(fill_zeros(d[y], y), 0)


@adjoint(np.hsplit)
def hsplit_adjoint(y, ary, indices_or_sections):
    d[ary] = np.concatenate(fill_zeros(d[y], y), hsplit_axis(ary))


@adjoint(np.dsplit)
def dsplit_adjoint(y, ary, indices_or_sections):
    d[ary] = np.concatenate(fill_zeros(d[y], y), 2)


linear(np.split, np.array_split, np.vsplit, np.hsplit, np.dsplit)

# --- rules of the runtime helpers of several arrays (for higher order) ---


@adjoint(unjoin)
def unjoin_adjoint(r, g, probe, arrays):
    d[g] = rejoin(d[r], probe, arrays)


@adjoint(rejoin)
def rejoin_adjoint(r, parts, probe, arrays):
    d[parts] = unjoin(d[r], probe, arrays)


@adjoint(reshape_like)
def reshape_like_adjoint(r, g, like):
    d[g] = reshape_like(d[r], g)


@adjoint(unbroadcast_parts)
def unbroadcast_parts_adjoint(r, g, like):
    d[g] = broadcast_parts(d[r], like)


@adjoint(broadcast_parts)
def broadcast_parts_adjoint(r, parts, like):
    d[parts] = unbroadcast_parts(d[r], like)


@adjoint(unmeshgrid)
def unmeshgrid_adjoint(r, g, xi, sparse=False, indexing='xy'):
    d[g] = meshgrid_parts(d[r], xi, sparse, indexing)


@adjoint(meshgrid_parts)
def meshgrid_parts_adjoint(r, parts, xi, sparse=False, indexing='xy'):
    d[parts] = unmeshgrid(d[r], xi, sparse, indexing)


linear(unjoin, rejoin, reshape_like, unbroadcast_parts, broadcast_parts, unmeshgrid,
       meshgrid_parts)


# results that are lists or tuples of arrays (atleast_*d of several arrays)
sequence_result(np.split, np.array_split, np.vsplit, np.hsplit, np.dsplit, np.meshgrid,
                np.broadcast_arrays, np.atleast_1d, np.atleast_2d, np.atleast_3d)
