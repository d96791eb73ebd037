"""Rule table of shape, indexing-like, joining and splitting functions
(:mod:`s2sad.rules.shape_rules`, helpers in :mod:`s2sad.runtime.shaping`).

Each row wraps one operation as ``np.sum(np.sin(op(...)))`` (every output element gets
its own cotangent, and the Hessian is not zero, so second order checks that the
helpers the rules call have rules of their own); integer arguments (indices, axes,
repeats) are constants inside the case functions.  Targeted tests at the end: unused
split parts, index arguments computed from the input, refused keywords and modes.
"""
import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad import rules
from s2sad.errors import UnsupportedSyntaxError
from s2sad.rules import method
from s2sad.testing import numerical_grad

from rulecase import C128, RuleCase, SCALAR, check_case, params

#: np.row_stack (a deprecated alias of vstack in NumPy 2) is still tested where it exists
pytestmark = pytest.mark.filterwarnings("ignore:.*row_stack:DeprecationWarning")

# --- axes and orientation ---


def f_swapaxes_method(x):
    return np.sum(np.sin(x.swapaxes(0, -1) * np.arange(2.0) + x.swapaxes(1, 2)[0, 0, 0]))


def f_swapaxes_negative(x):
    return np.sum(np.sin(np.swapaxes(x, -1, -3) * np.arange(2.0)))


def f_moveaxis_tuple(x):
    return np.sum(np.sin(np.moveaxis(x, (0, -1), (-1, 0)) * np.arange(2.0)))


def f_rollaxis(x):
    return (np.sum(np.sin(np.rollaxis(x, 2) * np.arange(4.0)))
            + np.sum(np.sin(np.rollaxis(x, -1, 1) * np.arange(4.0)))
            + np.sum(np.sin(np.rollaxis(x, 0, 3) * np.arange(2.0))))


def f_rollaxis_start(x):
    return np.sum(np.sin(np.rollaxis(x, 1, -1) * 2.0)) + np.sum(np.sin(np.rollaxis(x, -3, -1)))


def f_flip_axes(x):
    return np.sum(np.sin(np.flip(x, (0, 2)) * np.arange(4.0) + np.flip(x, -2)))


def f_flipud(x):
    return np.sum(np.sin(np.flipud(x) * np.arange(np.shape(x)[-1] * 1.0)))


def f_fliplr(x):
    return np.sum(np.sin(np.fliplr(x) * np.arange(np.shape(x)[-1] * 1.0)))


def f_rot90(x):
    return np.sum(np.sin(np.rot90(x) * np.arange(4.0))) + np.sum(np.sin(np.rot90(x, 2)[0]))


def f_rot90_k(x):
    return np.sum(np.sin(np.rot90(x, -1, (1, 2)) * np.arange(3.0))
                  + np.sin(np.rot90(x, k=3, axes=(2, 0))))


def f_array_forms(x):
    return (np.sum(np.sin(np.array(x, copy=True)[None] * 2.0))
            + np.sum(np.sin(np.asarray(x, order='F')))
            + np.sum(np.sin(x.astype(np.float64, copy=False) * 3.0)))


def f_squeeze_tuple(x):
    return np.sum(np.sin(np.squeeze(x, axis=(0, 2)) * np.arange(3.0))
                  + np.sin(x.squeeze((0, -1))))


def f_expand_dims_tuple(x):
    return np.sum(np.sin(np.expand_dims(x, (0, -1)) * np.arange(2.0)))


def f_roll_negative(x):
    return np.sum(np.sin(np.roll(x, (2, -1), (-1, 0)) * np.arange(4.0) + np.roll(x, 5)))


def f_atleast_1d(x):
    return np.sum(np.sin(np.atleast_1d(x) * 2.0))


def f_atleast_several(x, y, z):
    a, b, c = np.atleast_1d(x, y, z)
    p, q, r = np.atleast_2d(x, y, z)
    u, v, w = np.atleast_3d(x, y, z)
    return (np.sum(np.sin(a)) + np.sum(np.sin(b * np.sum(c))) + np.sum(np.sin(p * q[0, 0]))
            + np.sum(np.sin(r)) + np.sum(np.sin(u + w[0, 0, 0])) + np.sum(np.sin(v)))


def f_atleast_2d(x):
    return np.sum(np.sin(np.atleast_2d(x) * np.arange(3.0)))


def f_atleast_3d(x):
    return np.sum(np.sin(np.atleast_3d(x) * 3.0))


def f_triu(x):
    return np.sum(np.sin(np.triu(x) + np.triu(x, 1) * 2.0 + np.triu(x, k=-1) * 3.0))


def f_tril(x):
    return np.sum(np.sin(np.tril(x) + np.tril(x, 2) * 2.0 + np.tril(x, k=-1) * 3.0))


# --- selections ---


def f_tile(x):
    return np.sum(np.sin(np.tile(x, 2) * 1.5)) + np.sum(np.sin(np.tile(x, (2, 1, 1))[0, 0]))


def f_tile_short(x):
    return np.sum(np.sin(np.tile(x, (3,)) * np.arange(3.0 * np.shape(x)[-1])))


def f_repeat(x):
    return (np.sum(np.sin(np.repeat(x, 2) * np.arange(24.0)))
            + np.sum(np.sin(np.repeat(x, 3, axis=1))))


def f_repeat_array(x):
    return (np.sum(np.sin(np.repeat(x, [1, 0, 2], axis=0) * 2.0))
            + np.sum(np.sin(np.repeat(x, [2, 1, 1, 3], axis=-1))))


def f_repeat_method(x):
    return np.sum(np.sin(x.repeat(2, axis=-1) * 2.0)) + np.sum(np.sin(x.repeat(3)))


def f_take(x):
    return (np.sum(np.sin(np.take(x, [0, 5, 5, 11]) * 2.0))
            + np.sum(np.sin(np.take(x, [2, 0, 2], axis=1))))


def f_take_modes(x):
    return (np.sum(np.sin(np.take(x, [-1, 4, 7], axis=-1, mode='wrap')))
            + np.sum(np.sin(np.take(x, [[0, 9], [-3, 1]], axis=0, mode='clip') * 2.0)))


def f_take_method(x):
    return np.sum(np.sin(x.take([1, 1, 0], axis=0) * 2.0)) + np.sin(x.take(3))


def f_take_along_axis(x):
    idx = np.array([[0, 2, 2, 1], [1, 1, 0, 0]])
    return (np.sum(np.sin(np.take_along_axis(x, idx, axis=0) * 2.0))
            + np.sum(np.sin(np.take_along_axis(x, np.argsort(x, axis=-1), -1))))


def f_take_along_none(x):
    return np.sum(np.sin(np.take_along_axis(x, np.array([3, 3, 0, 11]), None)
                         * np.arange(4.0)))


def f_diag_1d(x):
    return (np.sum(np.sin(np.diag(x) + 1.0)) + np.sum(np.sin(np.diag(x, 1) * 2.0))
            + np.sum(np.sin(np.diag(x, k=-2))))


def f_diag_2d(x):
    return (np.sum(np.sin(np.diag(x) * 2.0)) + np.sum(np.sin(np.diag(x, 1)))
            + np.sum(np.sin(np.diag(x, -2))))


def f_diagonal(x):
    return (np.sum(np.sin(np.diagonal(x) * 2.0)) + np.sum(np.sin(np.diagonal(x, 1, 0, 2)))
            + np.sum(np.sin(np.diagonal(x, offset=-1, axis1=-1, axis2=1))))


def f_diagonal_method(x):
    return np.sum(np.sin(x.diagonal() * 2.0)) + np.sum(np.sin(x.diagonal(offset=1)))


def f_trace(x):
    return np.sin(np.trace(x)) + np.sin(np.trace(x, 1) * 2.0) + np.sin(np.trace(x, offset=-1))


def f_trace_axes(x):
    return (np.sum(np.sin(np.trace(x, 0, 0, 2) * np.arange(2.0)))
            + np.sum(np.sin(np.trace(x, offset=1, axis1=-1, axis2=-2))))


def f_trace_method(x):
    return np.sin(x.trace()) + np.sin(x.trace(offset=1) * 2.0) + np.sin(x.trace(-1, 0, 1))


def f_delete(x):
    return (np.sum(np.sin(np.delete(x, 2) * 2.0)) + np.sum(np.sin(np.delete(x, [0, 3], axis=1)))
            + np.sum(np.sin(np.delete(x, slice(0, 2), -2))))


def f_pad(x):
    return np.sum(np.sin(np.pad(x, 1) * 2.0)) + np.sum(np.sin(np.pad(x, ((1, 2), (0, 1)))))


def f_pad_modes(x):
    return (np.sum(np.sin(np.pad(x, 2, mode='edge') * 2.0))
            + np.sum(np.sin(np.pad(x, ((1, 2), (2, 1)), 'reflect')))
            + np.sum(np.sin(np.pad(x, (3, 1), mode='symmetric') * 1.5))
            + np.sum(np.sin(np.pad(x, ((0, 5), (2, 0)), mode='wrap'))))


def f_pad_constant(x, c):
    return np.sum(np.sin(np.pad(x, ((1, 0), (2, 1)), constant_values=c) * 2.0))


def f_pad_constant_pairs(x, c):
    return np.sum(np.sin(np.pad(x, 1, mode='constant', constant_values=c) * 2.0))


def f_sort(x):
    return np.sum(np.sin(np.sort(x) * np.arange(np.shape(x)[-1] * 1.0)))


def f_sort_axes(x):
    return (np.sum(np.sin(np.sort(x, axis=0) * 2.0)) + np.sum(np.sin(np.sort(x, axis=None)))
            + np.sum(np.sin(np.sort(x, -1, kind='stable') * 0.5)))


def f_partition(x):
    return (np.sum(np.sin(np.partition(x, 2) * 2.0))
            + np.sum(np.sin(np.partition(x, [0, 2], axis=0))))


def f_choose(x, y):
    a = np.array([[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0]])
    return np.sum(np.sin(np.choose(a, [x, y]) * 2.0))


def f_choose_array(x):
    a = np.array([[0, 1, 2, 0], [2, 2, 1, 0], [1, 0, 5, -1]])
    return np.sum(np.sin(np.choose(a, x, mode='wrap') * 2.0)
                  + np.sin(np.choose(a, x, mode='clip')))


def f_select(x, y):
    return np.sum(np.sin(np.select([x > 0.5, x < -0.5], [x * y, y]) * 2.0))


def f_select_default(x, y, c):
    return np.sum(np.sin(np.select([x > 0.5, x < -0.5, y > 1.0], [x, y, x * y], c)))


def f_select_default_array(x, y):
    return np.sum(np.sin(np.select([x > 0.0], [x], default=y) * 2.0))


# --- several arrays in or out ---


def f_broadcast_arrays(x, y):
    a, b = np.broadcast_arrays(x, y)
    return np.sum(np.sin(a * 2.0 + b * b))


def f_broadcast_three(x, y, z):
    a, b, c = np.broadcast_arrays(x, y, z)
    return np.sum(np.sin(a)) + np.sum(np.sin(b * c))


def f_meshgrid(x, y):
    a, b = np.meshgrid(x, y)
    c, e = np.meshgrid(x, y, indexing='ij')
    return np.sum(np.sin(a * b + a)) + np.sum(np.sin(c - 2.0 * e))


def f_meshgrid_sparse(x, y, z):
    a, b, c = np.meshgrid(x, y, z, sparse=True)
    p, q, r = np.meshgrid(x, y, z, indexing='ij', sparse=True, copy=False)
    return np.sum(np.sin(a * b + c)) + np.sum(np.sin(p + q * r))


def f_meshgrid_one(x):
    (a,) = np.meshgrid(x)
    return np.sum(np.sin(a * 2.0))


def f_vstack(x, y):
    return np.sum(np.sin(np.vstack((x, y)) * 2.0) + np.sin(np.vstack([y])[0]))


def f_vstack_1d(x, y, z):
    return np.sum(np.sin(np.vstack([x, y, z]) * np.arange(3.0)))


def f_row_stack(x, y):
    return np.sum(np.sin(np.row_stack((x, y)) * 2.0))


def f_hstack(x, y, z):
    return np.sum(np.sin(np.hstack((x, y, z)) * 2.0))


def f_column_stack(x, y):
    return np.sum(np.sin(np.column_stack((x, y, x * 2.0)) * np.arange(5.0)))


def f_dstack(x, y):
    return np.sum(np.sin(np.dstack([x, y]) * 2.0))


def f_concatenate_none(x, y):
    return np.sum(np.sin(np.concatenate((x, y), axis=None) * 2.0))


def f_stack_negative(x, y):
    return np.sum(np.sin(np.stack((x, y, x), axis=-2) * np.arange(4.0)))


def f_append(x, y):
    return np.sum(np.sin(np.append(x, y) * 2.0)) + np.sum(np.sin(np.append(x, x[:1], axis=0)))


def f_append_scalar(x, c):
    return np.sum(np.sin(np.append(x, c) * np.arange(5.0)))


def f_insert(x, y):
    return (np.sum(np.sin(np.insert(x, 2, y) * 2.0))
            + np.sum(np.sin(np.insert(x, [1, 1], y * 0.5))))


def f_insert_axis(x, y):
    return (np.sum(np.sin(np.insert(x, 1, y, axis=1) * 2.0))
            + np.sum(np.sin(np.insert(x, [0, 3], np.sum(y) * 3.0, axis=-1))))


def f_split(x):
    a, b, c = np.split(x, 3)
    p, q = np.split(x, [2], axis=1)
    return np.sum(np.sin(a * b + c)) + np.sum(np.sin(p)) + np.sum(np.sin(q * 2.0))


def f_split_unused(x):
    parts = np.split(x, [1, 2, 4], axis=-1)
    return np.sum(np.sin(parts[1] * 2.0)) + np.sum(np.sin(parts[3]))


def f_array_split(x):
    a, b, c, e = np.array_split(x, 4, axis=1)
    return np.sum(np.sin(a)) + np.sum(np.sin(b * 2.0)) + np.sum(np.sin(c + e[0, 0]))


def f_vsplit(x):
    a, b = np.vsplit(x, 2)
    return np.sum(np.sin(a * b + a))


def f_hsplit(x):
    a, b = np.hsplit(x, [1])
    return np.sum(np.sin(a * 2.0)) + np.sum(np.sin(b))


def f_dsplit(x):
    a, b = np.dsplit(x, 2)
    return np.sum(np.sin(a * 2.0 + b))


# --- runtime helpers (their own rules, for higher order) ---


def f_probe_take(x):
    probe = runtime.index_probe("pad", np.zeros((3, 4)), 1)
    return np.sum(np.sin(runtime.probe_take(x, probe) * 2.0))


def f_probe_untake(g):
    probe = runtime.index_probe("repeat", np.zeros(4), 2)[:np.size(g)].reshape(np.shape(g))
    return np.sum(np.sin(runtime.probe_untake(g, probe, np.zeros(4)) * 2.0))


def f_unjoin(g):
    arrays = [np.zeros(4), np.zeros((2, 4))]
    a, b = runtime.unjoin(g, runtime.join_probe("vstack", arrays), arrays)
    return np.sum(np.sin(a * 2.0)) + np.sum(np.sin(b))


def f_rejoin(x, y):
    arrays = (np.zeros(4), np.zeros((2, 4)))
    return np.sum(np.sin(runtime.rejoin([x, y], runtime.join_probe("vstack", arrays), arrays)
                         * 2.0))


def f_reshape_like(x, y):
    a, b = runtime.reshape_like((x, y), (np.zeros((1, 3)), np.zeros((2, 2, 1))))
    return np.sum(np.sin(a * 2.0)) + np.sum(np.sin(b))


def f_unbroadcast_parts(x, y):
    a, b = runtime.unbroadcast_parts((x, y), (np.zeros((3, 1)), np.zeros(4)))
    return np.sum(np.sin(a * 2.0)) + np.sum(np.sin(b))


def f_broadcast_parts(x, y):
    a, b = runtime.broadcast_parts((x, y), (np.zeros((3, 1)), np.zeros(4)))
    return np.sum(np.sin(a * 2.0 + b))


def f_unmeshgrid(x, y):
    a, b = runtime.unmeshgrid((x, y), (np.zeros(4), np.zeros(3)), False, 'xy')
    return np.sum(np.sin(a * 2.0)) + np.sum(np.sin(b))


def f_meshgrid_parts(x, y):
    a, b = runtime.meshgrid_parts((x, y), (np.zeros(3), np.zeros(2)), False, 'ij')
    return np.sum(np.sin(a * 2.0 + b))


def f_unchoose(g):
    a = np.array([[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0]])
    p, q = runtime.unchoose(g, a, [np.zeros((3, 4)), np.zeros(4)], 'raise')
    return np.sum(np.sin(p * 2.0)) + np.sum(np.sin(q))


def f_unselect(g):
    conds = [np.array([True, False, True]), np.array([True, True, False])]
    p, q = runtime.unselect(g, conds, [np.zeros(3), np.zeros(())])
    return np.sum(np.sin(p * 2.0)) + np.sum(np.sin(q))


def f_pad_constants(t):
    return np.sum(np.sin(runtime.pad_constants(t, np.zeros((2, 3)), ((1, 0), (2, 1))) * 2.0))


def f_pad_constants_adjoint(g):
    return np.sum(np.sin(runtime.pad_constants_adjoint(g, np.zeros((2, 3)), 1, np.zeros(2))))


# --- complex inputs (JAX's convention: the gradient of a real f is df/dx - i df/dy) ---


def f_complex_selections(z):
    w = np.tile(z, (2, 1))[1] + np.take(z, [3, 3, 0], axis=1)[:, 1][:, None] * 1j
    return np.sum(np.real(np.sin(w) * (1.0 - 2.0j)))


def f_complex_pad(z, c):
    return np.sum(np.real(np.sin(np.pad(z, 1, constant_values=c)) * (2.0 + 1.0j)))


def f_complex_join_split(z, w):
    a, b = np.split(np.vstack((z, w)), [1])
    return np.sum(np.real(np.sin(a * np.diagonal(b)[0]) * (0.5 + 1.0j)))


def f_complex_sort(z):
    return np.sum(np.real(np.sin(np.sort(z, axis=0)) * np.arange(4.0) * (1.0 + 1.0j)))


ROW_STACK = getattr(np, "row_stack", None)

RULE_CASES = [
    # axes and orientation
    RuleCase(method("swapaxes"), f_swapaxes_method, [((2, 3, 2),)]),
    RuleCase(np.swapaxes, f_swapaxes_negative, [((2, 3, 2),)]),
    RuleCase(np.moveaxis, f_moveaxis_tuple, [((2, 3, 2),)]),
    RuleCase(np.rollaxis, f_rollaxis, [((2, 4, 3),)]),
    RuleCase(np.rollaxis, f_rollaxis_start, [((2, 3, 4),), ((3, 4, 4, 2),)]),
    RuleCase(np.flip, f_flip_axes, [((2, 3, 4),)]),
    RuleCase(np.flipud, f_flipud, [((3, 4),), ((4,),), ((2, 3, 2),)]),
    RuleCase(np.fliplr, f_fliplr, [((3, 4),), ((2, 3, 2),)]),
    RuleCase(np.rot90, f_rot90, [((4, 3),)]),
    RuleCase(np.rot90, f_rot90_k, [((3, 3, 3),)]),
    RuleCase(np.array, f_array_forms, [((3,),), ((2, 3),)]),
    RuleCase(np.asarray, f_array_forms, [((3,),)]),
    RuleCase(method("astype"), f_array_forms, [((3,),)]),
    RuleCase(np.squeeze, f_squeeze_tuple, [((1, 3, 1),)]),
    RuleCase(method("squeeze"), f_squeeze_tuple, [((1, 3, 1),)]),
    RuleCase(np.expand_dims, f_expand_dims_tuple, [((3,),), ((2, 3),)]),
    RuleCase(np.roll, f_roll_negative, [((3, 4),)]),
    RuleCase(np.atleast_1d, f_atleast_1d, [((),), ((3,),), ((2, 2),)]),
    RuleCase(np.atleast_1d, f_atleast_several, [((), (3,), (2, 2))]),
    RuleCase(np.atleast_2d, f_atleast_several, [((), (3,), (2, 2)), ((2, 3, 1), (), (1,))]),
    RuleCase(np.atleast_2d, f_atleast_2d, [((3,),), ((2, 3),)]),
    RuleCase(np.atleast_3d, f_atleast_several, [((), (3,), (2, 2))]),
    RuleCase(np.atleast_3d, f_atleast_3d, [((),), ((3,),), ((2, 3),), ((2, 1, 3, 2),)]),
    RuleCase(np.triu, f_triu, [((3, 4),), ((4, 3),), ((2, 3, 3),), ((3,),)]),
    RuleCase(np.tril, f_tril, [((3, 4),), ((2, 3, 3),), ((4,),)]),
    # selections
    RuleCase(np.tile, f_tile, [((3,),), ((2, 3),)]),
    RuleCase(np.tile, f_tile_short, [((2, 3),), ((2, 2, 2),)]),
    RuleCase(np.repeat, f_repeat, [((3, 4),)]),
    RuleCase(np.repeat, f_repeat_array, [((3, 4),)]),
    RuleCase(method("repeat"), f_repeat_method, [((3, 4),), ((2, 1, 3),)]),
    RuleCase(np.take, f_take, [((3, 4),)]),
    RuleCase(np.take, f_take_modes, [((3, 4),)]),
    RuleCase(method("take"), f_take_method, [((3, 4),), ((2, 3, 2),)]),
    RuleCase(np.take_along_axis, f_take_along_axis, [((3, 4),)]),
    RuleCase(np.take_along_axis, f_take_along_none, [((3, 4),)]),
    RuleCase(np.diag, f_diag_1d, [((3,),), ((1,),)]),
    RuleCase(np.diag, f_diag_2d, [((3, 4),), ((4, 3),), ((3, 3),)]),
    RuleCase(np.diagonal, f_diagonal, [((3, 4, 3),)]),
    RuleCase(method("diagonal"), f_diagonal_method, [((3, 4),), ((3, 3, 2),)]),
    RuleCase(np.trace, f_trace, [((3, 4),), ((4, 4),)]),
    RuleCase(np.trace, f_trace_axes, [((3, 2, 3),)]),
    RuleCase(method("trace"), f_trace_method, [((3, 4),), ((3, 3),)]),
    RuleCase(np.delete, f_delete, [((3, 4),)]),
    RuleCase(np.pad, f_pad, [((3, 4),), ((2, 2),)]),
    RuleCase(np.pad, f_pad_modes, [((3, 4),)]),
    RuleCase(np.pad, f_pad_constant, [((3, 4), SCALAR), ((2, 3), ()), ((2, 3), (2,)),
                                      ((2, 3), (2, 2)), ((2, 3), (2, 1))]),
    RuleCase(np.pad, f_pad_constant_pairs, [((2, 3), (2, 2)), ((3, 2), (1, 2))]),
    RuleCase(np.sort, f_sort, [((5,),), ((3, 4),)]),
    RuleCase(np.sort, f_sort_axes, [((3, 4),), ((2, 3, 2),)]),
    RuleCase(np.partition, f_partition, [((3, 4),), ((4, 3),)]),
    RuleCase(np.choose, f_choose, [((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 1))]),
    RuleCase(np.choose, f_choose_array, [((3, 3, 4),), ((3, 1, 4),)]),
    RuleCase(np.select, f_select, [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 1))]),
    RuleCase(np.select, f_select_default, [((3, 4), (3, 4), SCALAR), ((3, 4), (4,), (3, 1))]),
    RuleCase(np.select, f_select_default_array, [((3, 4), (3, 4)), ((4,), (3, 4))]),
    # several arrays in or out
    RuleCase(np.broadcast_arrays, f_broadcast_arrays, [((3, 1), (1, 4)), ((3, 4), (4,))]),
    RuleCase(np.broadcast_arrays, f_broadcast_three, [((2, 1, 3), (), (4, 1))]),
    RuleCase(np.meshgrid, f_meshgrid, [((3,), (2,)), ((2, 2), (3,))]),
    RuleCase(np.meshgrid, f_meshgrid_sparse, [((3,), (2,), (4,))]),
    RuleCase(np.meshgrid, f_meshgrid_one, [((3,),)]),
    RuleCase(np.vstack, f_vstack, [((3,), (3,)), ((2, 3), (1, 3)), ((2, 3), (3,))]),
    RuleCase(np.vstack, f_vstack_1d, [((3,), (3,), (3,)), ((2, 3), (1, 3), (3,))]),
    RuleCase(np.hstack, f_hstack, [((3,), (2,), (1,)), ((2, 3), (2, 1), (2, 2)), ((), (), ())]),
    RuleCase(np.column_stack, f_column_stack, [((3,), (3, 3)), ((3, 1), (3, 3))]),
    RuleCase(np.dstack, f_dstack, [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]),
    RuleCase(np.concatenate, f_concatenate_none, [((3, 4), (2, 2)), ((4, 2, 2), (4,))]),
    RuleCase(np.stack, f_stack_negative, [((3, 4), (3, 4))]),
    RuleCase(np.append, f_append, [((3, 4), (2,)), ((2, 4), (3, 2))]),
    RuleCase(np.append, f_append_scalar, [((4,), SCALAR), ((2, 2), ())]),
    RuleCase(np.insert, f_insert, [((5,), ()), ((5,), (2,)), ((2, 3), (1,))]),
    RuleCase(np.insert, f_insert_axis, [((3, 4), (3,)), ((3, 4), ())]),
    RuleCase(np.split, f_split, [((6, 4),)]),
    RuleCase(np.split, f_split_unused, [((3, 5),), ((2, 1, 6),)]),
    RuleCase(np.array_split, f_array_split, [((3, 6),), ((2, 5),)]),
    RuleCase(np.vsplit, f_vsplit, [((4, 3),), ((2, 2, 2),)]),
    RuleCase(np.hsplit, f_hsplit, [((5,),), ((3, 4),), ((2, 3, 2),)]),
    RuleCase(np.dsplit, f_dsplit, [((2, 3, 4),)]),
    # runtime helpers
    RuleCase(runtime.probe_take, f_probe_take, [((3, 4),)]),
    RuleCase(runtime.probe_untake, f_probe_untake, [((8,),), ((4, 2),)]),
    RuleCase(runtime.unjoin, f_unjoin, [((3, 4),)]),
    RuleCase(runtime.rejoin, f_rejoin, [((4,), (2, 4))]),
    RuleCase(runtime.reshape_like, f_reshape_like, [((3,), (2, 2))]),
    RuleCase(runtime.unbroadcast_parts, f_unbroadcast_parts, [((3, 4), (3, 4))]),
    RuleCase(runtime.broadcast_parts, f_broadcast_parts, [((3, 1), (4,))]),
    RuleCase(runtime.unmeshgrid, f_unmeshgrid, [((3, 4), (3, 4))]),
    RuleCase(runtime.meshgrid_parts, f_meshgrid_parts, [((3,), (2,))]),
    RuleCase(runtime.unchoose, f_unchoose, [((3, 4),)]),
    RuleCase(runtime.unselect, f_unselect, [((3,),)]),
    RuleCase(runtime.pad_constants, f_pad_constants, [((),), ((2,),), ((2, 2),)]),
    RuleCase(runtime.pad_constants_adjoint, f_pad_constants_adjoint, [((4, 5),)]),
    # complex
    RuleCase(np.tile, f_complex_selections, [((3, 4),)], dtypes=(C128,)),
    RuleCase(np.take, f_complex_selections, [((3, 4),)], dtypes=(C128,)),
    RuleCase(np.pad, f_complex_pad, [((2, 3), ()), ((2, 3), (2, 2))], dtypes=(C128,)),
    RuleCase(np.vstack, f_complex_join_split, [((3,), (2, 3))], dtypes=(C128,)),
    RuleCase(np.split, f_complex_join_split, [((3,), (2, 3))], dtypes=(C128,)),
    RuleCase(np.diagonal, f_complex_join_split, [((3,), (2, 3))], dtypes=(C128,)),
    RuleCase(np.sort, f_complex_sort, [((3, 4),)], dtypes=(C128,)),
]

if ROW_STACK is not None:
    RULE_CASES.append(RuleCase(ROW_STACK, f_row_stack, [((3,), (3,)), ((2, 3), (3,))]))


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted tests ---


def test_take_repeated_indices_accumulate():
    def f(x):
        return np.sum(np.take(x, [0, 0, 2, -1]) * np.array([1.0, 2.0, 3.0, 4.0]))
    x = np.arange(5.0)
    np.testing.assert_array_equal(s2sad.grad(f)(x), [3.0, 0.0, 3.0, 0.0, 4.0])
    _, t = s2sad.jvp(f, (x,), (np.ones(5),))
    assert t == 10.0


def f_unused_parts(x):
    parts = np.split(x, 3)
    return np.sum(parts[1] * np.array([2.0, 3.0]))


def f_third_part(x):
    return np.sum(np.sin(np.array_split(x, 4)[2]))


def test_split_unused_parts_get_zeros():
    g = s2sad.grad(f_unused_parts)(np.linspace(0.0, 1.0, 6))
    np.testing.assert_array_equal(g, [0.0, 0.0, 2.0, 3.0, 0.0, 0.0])
    h = s2sad.hessian(f_third_part)(np.arange(7.0))
    want = np.zeros((7, 7))
    want[4, 4], want[5, 5] = -np.sin(4.0), -np.sin(5.0)  # parts of 2, 2, 2, 1
    np.testing.assert_allclose(h, want, atol=1e-12)


def f_index_from_input(x):
    order = np.argsort(x)
    return np.sum(np.take(x, order) * np.arange(4.0))


def f_choose_from_input(x, y):
    a = (x > 0.0).astype(int)
    return np.sum(np.sin(np.choose(a, [x, y])))


def test_indices_computed_from_the_input_carry_no_derivative():
    x = np.array([0.3, -1.0, 2.0, 0.5])
    # take(x, argsort(x)) is sort(x): the gradient is the rank of each element
    np.testing.assert_array_equal(s2sad.grad(f_index_from_input)(x), [1.0, 0.0, 3.0, 2.0])
    y = np.array([1.0, 2.0, 3.0, 4.0])
    gx, gy = s2sad.grad(f_choose_from_input, argnums=(0, 1))(x, y)
    # a = 0 (x <= 0) takes x, a = 1 takes y
    np.testing.assert_allclose(gx, np.where(x > 0, 0.0, np.cos(x)))
    np.testing.assert_allclose(gy, np.where(x > 0, np.cos(y), 0.0))


def test_sort_ties_and_partition_values():
    def f(x):
        return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))
    g = s2sad.grad(f)(np.array([1.0, 1.0, 0.0]))
    assert sorted(g.tolist()) == [1.0, 2.0, 3.0] and g[2] == 1.0
    assert rules.is_nondifferentiable(np.argpartition)

    def p(x):
        return np.partition(x, 1)[1] * 3.0
    np.testing.assert_array_equal(s2sad.grad(p)(np.array([4.0, -1.0, 2.0, 7.0])),
                                  [0.0, 0.0, 3.0, 0.0])


def test_float32_stays_float32():
    x = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4)

    def f(x, c):
        y = np.pad(np.tile(x, 2), 1, constant_values=c)
        a, b = np.hsplit(np.sort(y, axis=0), 2)
        return np.sum(np.sin(np.vstack([a, b])) * np.diag(np.ones(10, np.float32))[0, 0])
    gx, gc = s2sad.grad(f, argnums=(0, 1))(x, np.float32(0.5))
    assert gx.dtype == np.float32 and np.result_type(gc) == np.float32
    _, t = s2sad.jvp(f, (x, np.float32(0.5)), (np.ones_like(x), np.float32(1.0)))
    assert np.result_type(t) == np.float32


def f_trace_only(x):
    return np.trace(x) + np.trace(x[None], axis1=1, axis2=2)[0]


def test_trace_keeps_float32_with_a_python_float_cotangent():
    g = s2sad.grad(f_trace_only)(np.ones((3, 3), np.float32))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, 2.0 * np.eye(3))


def f_list_output(x):
    return np.split(x * 2.0, 3)


def f_tuple_output(x, y):
    return np.broadcast_arrays(x, y)


def test_list_and_tuple_outputs():
    x = np.arange(6.0)
    out, vjp_fn = s2sad.vjp(f_list_output, x)
    assert len(out) == 3
    (g,) = vjp_fn([np.ones(2), np.full(2, 2.0), np.full(2, 3.0)])
    np.testing.assert_array_equal(g, [2.0, 2.0, 4.0, 4.0, 6.0, 6.0])
    _, t = s2sad.jvp(f_list_output, (x,), (np.ones(6),))
    np.testing.assert_array_equal(np.concatenate(t), np.full(6, 2.0))
    y = np.arange(3.0)[:, None]
    out, vjp_fn = s2sad.vjp(f_tuple_output, np.arange(4.0), y)
    # a list in NumPy 1.x, a tuple in 2.x: the cotangent has the output's structure
    gx, gy = vjp_fn(type(out)([np.ones((3, 4)), np.full((3, 4), 2.0)]))
    np.testing.assert_array_equal(gx, np.full(4, 3.0))
    np.testing.assert_array_equal(gy, np.full((3, 1), 8.0))


def f_vector(x):
    y = np.concatenate([np.vstack((x, x * 2.0)).ravel(), np.repeat(x, 2), np.sort(x)])
    return np.roll(np.pad(y, (1, 0), mode='edge'), 1)


def test_jacobians():
    x = np.array([0.5, -1.0, 2.0])
    numeric = np.stack([numerical_grad(lambda v, i=i: f_vector(v)[i], [x])
                        for i in range(f_vector(x).size)])
    np.testing.assert_allclose(s2sad.jacrev(f_vector)(x), numeric, atol=1e-8)
    np.testing.assert_allclose(s2sad.jacfwd(f_vector)(x), numeric, atol=1e-8)


def f_meshgrid_values(x, y):
    a, b = np.meshgrid(x, y)
    return np.sum(a * b * b)


def test_meshgrid_and_select_values():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, -2.0])
    gx, gy = s2sad.grad(f_meshgrid_values, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, np.full(3, np.sum(y * y)))
    np.testing.assert_allclose(gy, 2.0 * y * np.sum(x))

    def f(x, c):
        return np.sum(np.select([x > 1.5, x > 0.5], [x * 10.0, x * 100.0], c))
    gx, gc = s2sad.grad(f, argnums=(0, 1))(np.array([0.0, 1.0, 2.0, 3.0]), 7.0)
    np.testing.assert_array_equal(gx, [0.0, 100.0, 10.0, 10.0])
    assert gc == 1.0


def f_stack_out(x):
    buf = np.zeros((2, 3))
    y = np.stack((x, x), out=buf)
    return np.sum(y)


def f_pad_mean(x):
    return np.sum(np.pad(x, 1, mode='mean'))


def f_pad_odd(x):
    return np.sum(np.pad(x, 1, mode='reflect', reflect_type='odd'))


def test_refused_forms():
    x = np.arange(3.0)
    # out= is a write into buf (the compiler turns it into a functional write first)
    np.testing.assert_array_equal(s2sad.grad(f_stack_out)(x), [2.0, 2.0, 2.0])
    with pytest.raises(NotImplementedError, match="mode='mean'"):
        s2sad.grad(f_pad_mean)(x)
    with pytest.raises(NotImplementedError, match="mode='mean'"):
        s2sad.jvp(f_pad_mean, (x,), (x,))
    with pytest.raises(UnsupportedSyntaxError, match="reflect_type"):
        s2sad.grad(f_pad_odd)(x)


def test_pad_corners_take_the_last_axis_constant():
    def f(x, c):
        return np.sum(np.pad(x, 1, constant_values=c) * np.arange(16.0).reshape(4, 4))
    x, c = np.ones((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]])
    _, gc = s2sad.grad(f, argnums=(0, 1))(x, c)
    weights = np.arange(16.0).reshape(4, 4)
    # axis 1 (padded last) fills columns 0 and 3 entirely; axis 0 the middle of rows 0, 3
    want = [[weights[0, 1:3].sum(), weights[3, 1:3].sum()],
            [weights[:, 0].sum(), weights[:, 3].sum()]]
    np.testing.assert_array_equal(gc, want)


def f_mixed_real_complex(x, z):
    y = np.vstack((x, z))
    w = np.select([np.real(y) > 0], [y], 0.0) + np.take(np.append(x, z[0]), [0, 4, 4])
    return np.sum(np.real(np.sin(w) * (1.0 + 2.0j)))


def test_real_input_of_a_complex_result_gets_a_real_cotangent():
    x = np.array([0.3, -1.2, 2.0])
    z = np.array([[0.5 + 1.0j, -0.3 + 0.2j, 1.5 - 0.7j]])
    gx, gz = s2sad.grad(f_mixed_real_complex, argnums=(0, 1))(x, z)
    assert not np.iscomplexobj(gx) and np.iscomplexobj(gz)
    nx, nz = numerical_grad(f_mixed_real_complex, (x, z), argnums=(0, 1))
    np.testing.assert_allclose(gx, nx, atol=1e-7)
    np.testing.assert_allclose(gz, nz, atol=1e-7)
