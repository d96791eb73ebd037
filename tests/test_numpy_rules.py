"""The rule table of the operators, NumPy functions and runtime helpers that s2sad had
first, checked by :func:`rulecase.check_case` (reverse, forward and second order
against finite differences; float32).  The ``test_rules_*`` modules hold the rows of
the other rule tables.
"""
import collections
import dataclasses
import math
import operator
from typing import Any

import numpy as np
import pytest

from s2sad import runtime
from s2sad.rules import attribute, method

from rulecase import BINARY, F64, M, M2, POS, SCALAR, UNIT, RuleCase, check_case, params


# --- elementwise unary ---

def f_sin(x):
    return np.sum(np.sin(np.sin(x)))


def f_cos(x):
    return np.sum(np.sin(np.cos(x)))


def f_tan(x):
    return np.sum(np.sin(np.tan(x)))


def f_arcsin(x):
    return np.sum(np.sin(np.arcsin(x)))


def f_arccos(x):
    return np.sum(np.sin(np.arccos(x)))


def f_arctan(x):
    return np.sum(np.sin(np.arctan(x)))


def f_sinh(x):
    return np.sum(np.sin(np.sinh(x)))


def f_cosh(x):
    return np.sum(np.sin(np.cosh(x)))


def f_tanh(x):
    return np.sum(np.sin(np.tanh(x)))


def f_exp(x):
    return np.sum(np.sin(np.exp(x)))


def f_expm1(x):
    return np.sum(np.sin(np.expm1(x)))


def f_exp2(x):
    return np.sum(np.sin(np.exp2(x)))


def f_log(x):
    return np.sum(np.sin(np.log(x)))


def f_log1p(x):
    return np.sum(np.sin(np.log1p(x)))


def f_log2(x):
    return np.sum(np.sin(np.log2(x)))


def f_log10(x):
    return np.sum(np.sin(np.log10(x)))


def f_sqrt(x):
    return np.sum(np.sin(np.sqrt(x)))


def f_cbrt(x):
    return np.sum(np.sin(np.cbrt(x)))


def f_square(x):
    return np.sum(np.sin(np.square(x)))


def f_reciprocal(x):
    return np.sum(np.sin(np.reciprocal(x)))


def f_abs(x):
    return np.sum(np.sin(np.abs(x)))


def f_absolute(x):
    return np.sum(np.sin(np.absolute(x)))


def f_np_negative(x):
    return np.sum(np.sin(np.negative(x)))


def f_np_positive(x):
    return np.sum(np.sin(np.positive(x)))


def f_neg(x):
    return np.sum(np.sin(-x))


def f_pos(x):
    return np.sum(np.sin(+x))


def f_real(x):
    return np.sum(np.sin(np.real(x)))


def f_real_attribute(x):
    return np.sum(np.sin(x.real))


# --- binary operators ---

def f_add(x, y):
    return np.sum(np.sin(x + y))


def f_sub(x, y):
    return np.sum(np.sin(x - y))


def f_mul(x, y):
    return np.sum(np.sin(x * y))


def f_truediv(x, y):
    return np.sum(np.sin(x / y))


def f_pow(x, y):
    return np.sum(np.sin(x ** y))


def f_pow_const(x):
    return np.sum(np.sin(x ** 2 + x ** 3.0 + x ** 0.5))


def f_builtin_pow(x, y):
    return np.sum(np.sin(pow(x, y)))


def f_np_add(x, y):
    return np.sum(np.sin(np.add(x, y)))


def f_np_subtract(x, y):
    return np.sum(np.sin(np.subtract(x, y)))


def f_np_multiply(x, y):
    return np.sum(np.sin(np.multiply(x, y)))


def f_np_divide(x, y):
    return np.sum(np.sin(np.divide(x, y)))


def f_np_true_divide(x, y):
    return np.sum(np.sin(np.true_divide(x, y)))


def f_np_power(x, y):
    return np.sum(np.sin(np.power(x, y)))


def f_maximum(x, y):
    return np.sum(np.sin(np.maximum(x, y)))


def f_minimum(x, y):
    return np.sum(np.sin(np.minimum(x, y)))


def f_logaddexp(x, y):
    return np.sum(np.sin(np.logaddexp(x, y)))


def f_arctan2(x, y):
    return np.sum(np.sin(np.arctan2(x, y)))


def f_hypot(x, y):
    return np.sum(np.sin(np.hypot(x, y)))


def f_where(x, y):
    return np.sum(np.sin(np.where(x > 0.0, x, y)))


def f_where_const(x):
    return np.sum(np.sin(np.where(x > 0.0, x, 0.5)))


def f_clip(x, lo, hi):
    return np.sum(np.sin(np.clip(x, lo, hi)))


def f_clip_const(x):
    return np.sum(np.sin(np.clip(x, -0.5, 0.5) + np.clip(x, None, 1.0)))


# --- reductions ---

def f_sum(x):
    return np.sum(np.sin(np.sum(x)))


def f_sum_axis(x):
    return np.sum(np.sin(np.sum(x, axis=1)))


def f_sum_keepdims(x):
    return np.sum(np.sin(np.sum(x, axis=-1, keepdims=True) * x))


def f_sum_axes(x):
    return np.sum(np.sin(np.sum(x, axis=(0, 2))))


def f_sum_method(x):
    return np.sum(np.sin(x.sum(axis=0)))


def f_mean(x):
    return np.sum(np.sin(np.mean(x, axis=0) + np.mean(x)))


def f_mean_keepdims(x):
    return np.sum(np.sin(x - np.mean(x, axis=1, keepdims=True)))


def f_mean_method(x):
    return np.sum(np.sin(x.mean(axis=1)))


def f_prod(x):
    return np.sum(np.sin(np.prod(x, axis=1) + np.prod(x)))


def f_prod_method(x):
    return np.sum(np.sin(x.prod(axis=0)))


def f_max(x):
    return np.sum(np.sin(np.max(x, axis=1) + np.max(x)))


def f_amax(x):
    return np.sum(np.sin(np.amax(x, axis=0, keepdims=True) * x))


def f_min(x):
    return np.sum(np.sin(np.min(x, axis=-1) + np.min(x)))


def f_amin(x):
    return np.sum(np.sin(np.amin(x, axis=0)))


def f_max_method(x):
    return np.sum(np.sin(x.max(axis=1)))


def f_min_method(x):
    return np.sum(np.sin(x.min() * x))


def f_var(x):
    return np.sum(np.sin(np.var(x, axis=0) + np.var(x, ddof=1)))


def f_std(x):
    return np.sum(np.sin(np.std(x, axis=-1, keepdims=True) * x + np.std(x)))


def f_norm(x):
    return np.sum(np.sin(np.linalg.norm(x, axis=1) + np.linalg.norm(x)))


def f_cumsum(x):
    return np.sum(np.sin(np.cumsum(x, axis=0) + np.cumsum(x)[3]))


# --- shape ---

def f_reshape(x):
    return np.sum(np.sin(np.reshape(x, (4, 3)) * np.arange(3.0)))


def f_reshape_method(x):
    return np.sum(np.sin(x.reshape(2, 6) * np.arange(6.0) + x.reshape((6, 2))[0, 0]))


def f_ravel(x):
    return np.sum(np.sin(np.ravel(x) * np.arange(12.0)))


def f_ravel_method(x):
    return np.sum(np.sin(x.ravel() * np.arange(12.0)))


def f_flatten(x):
    return np.sum(np.sin(x.flatten() * np.arange(12.0)))


def f_squeeze(x):
    return np.sum(np.sin(np.squeeze(x) * np.arange(4.0)))


def f_squeeze_method(x):
    return np.sum(np.sin(x.squeeze(axis=0) * np.arange(4.0)))


def f_expand_dims(x):
    return np.sum(np.sin(np.expand_dims(x, -1) * np.arange(2.0)))


def f_transpose(x):
    return np.sum(np.sin(np.transpose(x) * np.arange(3.0)))


def f_transpose_axes(x):
    return np.sum(np.sin(np.transpose(x, (2, 0, 1)) * np.arange(2.0)))


def f_transpose_method(x):
    return (np.sum(np.sin(x.transpose() * np.arange(2.0)))
            + np.sum(np.sin(x.transpose(1, 0, 2) * np.arange(2.0)))
            + np.sum(np.sin(x.transpose((0, 2, 1)) * np.arange(3.0))))


def f_T(x):
    return np.sum(np.sin(x.T * np.arange(3.0)))


def f_roll(x):
    return np.sum(np.sin(np.roll(x, 1) * np.arange(12.0).reshape(3, 4) + np.roll(x, -2, 1)
                         + np.roll(x, (1, 1), (0, 1))))


def f_flip(x):
    return np.sum(np.sin(np.flip(x, 1) * np.arange(4.0) + np.flip(x)))


def f_swapaxes(x):
    return np.sum(np.sin(np.swapaxes(x, 0, 2) * np.arange(3.0)))


def f_moveaxis(x):
    return np.sum(np.sin(np.moveaxis(x, 0, -1) * np.arange(2.0)))


def f_broadcast_to(x):
    return np.sum(np.sin(np.broadcast_to(x, (2, 3, 4)) * np.arange(4.0)))


def f_concatenate(x, y):
    return np.sum(np.sin(np.concatenate((x, y), axis=1) * np.arange(7.0)))


def f_concatenate_list(x, y):
    return np.sum(np.sin(np.concatenate([x, x * y]) * np.arange(6.0)))


def f_stack(x, y):
    return np.sum(np.sin(np.stack((x, y), axis=-1) * np.arange(2.0)))


def f_stack_list(x, y):
    return np.sum(np.sin(np.stack([x, y, x]) * np.arange(3.0)[:, None]))


def f_copy(x):
    return np.sum(np.sin(np.copy(x)))


def f_copy_method(x):
    return np.sum(np.sin(x.copy()))


def f_astype(x):
    return np.sum(np.sin(x.astype(np.float64)))


def f_array(x, y):
    return np.sum(np.sin(np.array([x, y]) * np.arange(2.0)[:, None]))


def f_asarray(x):
    return np.sum(np.sin(np.asarray(x)))


def f_full(x):
    return np.sum(np.sin(np.full((2, 3), x) * np.arange(3.0)))


def f_full_like(x):
    return np.sum(np.sin(np.full_like(np.zeros((2, 3)), x) * np.arange(3.0)))


def f_getitem(x):
    return np.sum(np.sin(x[:2] * x[0] + x[-1, 2] + x[::2, 1:3].sum()))


def f_getitem_slice_start(x):
    return np.sum(np.sin(x[1:]))


def f_getitem_advanced(x):
    return np.sum(np.sin(x[[0, 0, 2]] + x[:, np.array([1, 1])].sum() + x[x > 0.0].sum()))


def f_getitem_tuple(x, y):
    t = (x, y)
    return np.sum(np.sin(t[0] * t[1]))


# --- linear algebra ---

def f_dot(x, y):
    return np.sum(np.sin(np.dot(x, y)))


def f_dot_method(x, y):
    return np.sum(np.sin(x.dot(y)))


def f_matmul(x, y):
    return np.sum(np.sin(x @ y))


def f_np_matmul(x, y):
    return np.sum(np.sin(np.matmul(x, y)))


def f_outer(x, y):
    return np.sum(np.sin(np.outer(x, y)))


# --- math and builtins ---

def f_math_sin(x):
    return np.sin(math.sin(x))


def f_math_cos(x):
    return np.sin(math.cos(x))


def f_math_tan(x):
    return np.sin(math.tan(x))


def f_math_exp(x):
    return np.sin(math.exp(x))


def f_math_log(x):
    return np.sin(math.log(x))


def f_math_log_base(x, b):
    return np.sin(math.log(x, b))


def f_math_sqrt(x):
    return np.sin(math.sqrt(x))


def f_math_tanh(x):
    return np.sin(math.tanh(x))


def f_math_pow(x, y):
    return np.sin(math.pow(x, y))


def f_math_atan2(x, y):
    return np.sin(math.atan2(x, y))


def f_builtin_abs(x):
    return np.sum(np.sin(abs(x)))


def f_builtin_max(x, y):
    return np.sin(max(x, y) * 2.0 + max(y, 0.0))


def f_builtin_min(x, y):
    return np.sin(min(x, y) * 2.0 + min(y, 0.0))


def f_builtin_float(x):
    return np.sin(float(x) * 2.0)


# --- runtime helpers (what generated code calls) ---

def f_unbroadcast(g):
    return np.sum(np.sin(runtime.unbroadcast(g, np.zeros((3, 1)))))


def f_broadcast_like(t):
    return np.sum(np.sin(runtime.broadcast_like(t, np.zeros((2, 3, 4))) * np.arange(4.0)))


def f_unreduce(g):
    return np.sum(np.sin(runtime.unreduce(g, np.zeros((3, 4)), 1, False) * np.arange(4.0)))


def f_unslice(g):
    return np.sum(np.sin(runtime.unslice(g, np.zeros(5), np.array([0, 0, 3]))))


def f_tie_share(g, x):
    return np.sum(np.sin(runtime.tie_share(g, x > 0.0, x == 1.0)))


def f_unreduce_extremum(g):
    x = np.array([[1.0, 3.0, 3.0], [0.5, 2.0, 0.0]])
    return np.sum(np.sin(runtime.unreduce_extremum(g, np.max(x, axis=1), x, 1, False)))


def f_astype_like(g):
    return np.sum(np.sin(runtime.astype_like(g, np.zeros(3))))


def f_add_grad(a, b):
    return np.sum(np.sin(runtime.add_grad(a, b)))


def f_dot_adjoint_a(g, b):
    return np.sum(np.sin(runtime.dot_adjoint_a(g, np.zeros((3, 4)), b)))


def f_dot_adjoint_b(g, a):
    return np.sum(np.sin(runtime.dot_adjoint_b(g, a, np.zeros((4, 2)))))


def f_matmul_adjoint_a(g, b):
    return np.sum(np.sin(runtime.matmul_adjoint_a(g, np.zeros((3, 4)), b)))


def f_matmul_adjoint_b(g, a):
    return np.sum(np.sin(runtime.matmul_adjoint_b(g, a, np.zeros((4, 2)))))


def f_unconcatenate(g):
    parts = runtime.unconcatenate(g, (np.zeros((2, 3)), np.zeros((1, 3))), 0)
    return np.sum(np.sin(parts[0])) + np.sum(np.sin(2.0 * parts[1]))


def f_unstack(g):
    parts = runtime.unstack(g, [np.zeros(3), np.zeros(3)], -1)
    return np.sum(np.sin(parts[0] * parts[1]))


def f_unpack_like(g):
    parts = runtime.unpack_like(g, [np.zeros(3), np.zeros(3)])
    return np.sum(np.sin(parts[0])) + np.sum(np.cos(parts[1]))


def f_fill_zeros(a, b):
    parts = runtime.fill_zeros((a, b), (np.zeros(3), np.zeros(3)))
    return np.sum(np.sin(parts[0] * parts[1]))


# --- containers and functional writes (s2sad.rules.structure_rules) ---

def f_setitem(x, v):
    y = np.zeros((3, 4))
    y[1] = v
    y[0, 1:3] = x[2, :2] * v[0]
    y[-1] += x[0]
    return np.sum(np.sin(y * x))


def f_append(x):
    ys = []
    ys.append(x[0])
    ys.append(np.sin(x[1]))
    return np.sum(np.sin(np.stack(ys) * x[2]))


def f_extend(x):
    ys = [x[0]]
    ys.extend([x[1] * 2.0, x[2]])
    return np.sum(np.sin(np.stack(ys)))


def f_sum_builtin(x):
    return np.sum(np.sin(sum([x[0], x[1] * x[2]]) + sum(x)))


def f_list_tuple(x):
    rows = list(x)
    pair = tuple(rows[:2])
    return np.sum(np.sin(rows[2] * pair[0] + pair[1]))


Pair = collections.namedtuple("Pair", "w b")


@dataclasses.dataclass
class Layer:
    w: Any
    b: Any


def f_getattr(x):
    p = Pair(x[0], x[1])
    layer = Layer(x[2] * 2.0, p.b)
    return np.sum(np.sin(p.w * layer.w + layer.b))


def f_added_at(g, x):
    buf = runtime.added_at(x * 1.5, 1, g[0])
    buf2 = runtime.add_at(buf * 2.0, [0, 0], g[1:3])
    return np.sum(np.sin(buf2 * buf))


def f_unreduce_mean(g, x):
    return np.sum(np.sin(runtime.unreduce_mean(g, np.mean(x, axis=0), x, 0) * x))


# --- runtime helpers that only derivatives call (second and higher order) ---

_PAIR = collections.namedtuple("_PAIR", "a b")


def f_spread(g, x):
    parts = runtime.spread(g, [x, x[0], 2.0])
    return np.sum(np.sin(parts[0] * x)) + np.sin(parts[1] * 3.0) + np.sin(parts[2])


def f_unspread(g, x):
    return np.sum(np.sin(runtime.unspread([g, g[0], 1.0], x, [x, x[0], 2.0]) * x))


def f_sequence_adjoint(g):
    return np.sum(np.sin(runtime.sequence_adjoint(g, np.zeros(3)) * 2.0))


def f_split_tail_list(a, b):
    items = [a, b, a * b]
    head, tail = runtime.split_list(items, [0.0, 0.0]), runtime.tail_list(items, [0.0, 0.0])
    return np.sum(np.sin(head[0] * head[1])) + np.sum(np.sin(tail[0]))


def f_slice_embed_list(a, b):
    inner = runtime.embed_list([a, b], [np.zeros(4), 0.0, np.zeros(4), 0.0], 1)
    part = runtime.slice_list(inner, 1, 3)
    return np.sum(np.sin(part[0] * part[1])) + np.sum(np.sin(inner[3] + 1.0))


def f_restack(g, x):
    rows = runtime.unrestack(runtime.restack([g, g * 2.0, np.sum(g)], x), [g, g, g], x)
    return np.sum(np.sin(rows[0] * rows[1] + rows[2]))


def f_unattr_item(g, x):
    fields = runtime.unattr(g, _PAIR(np.zeros(4), np.zeros(4)), "b")
    item = runtime.item_of(x * x, (1, 2))
    spot = runtime.unitem(item, x, ((0, 1),))
    return np.sum(np.sin(fields.b * 2.0 + fields.a)) + np.sum(np.sin(spot + x))


def f_extremum(g, x):
    args = (x, np.float64(0.25), np.float64(-1.0))
    y = max(args)
    parts = runtime.extremum_parts(g, y, args)
    return np.sin(runtime.extremum_tangent(y, args, (parts[0] * 3.0, parts[1], parts[2])))


def f_abs_sign(x):
    return np.sum(np.sin(runtime.abs_sign(x) * x))


def f_xlogy(a, b):
    return np.sum(np.sin(runtime.xlogy(a, b)))


def f_log_base(b):
    return np.sin(runtime.log_base(b) * 2.0)


def f_unreduce_prod(g, x):
    return np.sum(np.sin(runtime.unreduce_prod(g, np.prod(x, axis=1), x, 1, False)))


def f_item_at(g, x):
    whole = runtime.item_at(runtime.setitem(np.zeros(()), Ellipsis, x[0] * 2.0), ...)
    return np.sum(np.sin(runtime.item_at(g, slice(1, 3)) * whole)) + np.sin(runtime.item_at(
        x[1] * 1.5, ()))


def f_curvature_guards(t, x):
    return np.sum(np.sin(runtime.no_complex_curvature(t, x) + runtime.prod_curvature(t, x, x)))


def f_as_sequence(x):
    total = 0.0
    for row in x:
        total = total + np.sum(np.sin(row) * row)
    return total


def f_mod(x, y):
    return np.sum(np.sin(x % y + np.mod(x, 0.7) * np.remainder(y, 0.9)))


def f_builtin_max_min_variadic(x):
    return np.sin(max(x[0], x[1], x[2]) * min([x[3], x[1]]) + max(x) - min(x[::2]))


def f_item(x):
    return np.sin(x[0, 1].item() * x.item(5) + x.item((2, 3)))


def f_split_aux(x):
    pair = runtime.split_aux((x * 2.0, "label"))
    return np.sum(np.sin(pair[0]))


RULE_CASES = [
    # elementwise unary
    RuleCase(np.sin, f_sin, [M, ((),)]),
    RuleCase(np.cos, f_cos, [M]),
    RuleCase(np.tan, f_tan, [M], domain=(-1.2, 1.2)),
    RuleCase(np.arcsin, f_arcsin, [M], domain=UNIT),
    RuleCase(np.arccos, f_arccos, [M], domain=UNIT),
    RuleCase(np.arctan, f_arctan, [M]),
    RuleCase(np.sinh, f_sinh, [M]),
    RuleCase(np.cosh, f_cosh, [M]),
    RuleCase(np.tanh, f_tanh, [M, ((),)]),
    RuleCase(np.exp, f_exp, [M]),
    RuleCase(np.expm1, f_expm1, [M]),
    RuleCase(np.exp2, f_exp2, [M]),
    RuleCase(np.log, f_log, [M], domain=POS),
    RuleCase(np.log1p, f_log1p, [M], domain=POS),
    RuleCase(np.log2, f_log2, [M], domain=POS),
    RuleCase(np.log10, f_log10, [M], domain=POS),
    RuleCase(np.sqrt, f_sqrt, [M], domain=POS),
    RuleCase(np.cbrt, f_cbrt, [M], domain=POS),
    RuleCase(np.square, f_square, [M]),
    RuleCase(np.reciprocal, f_reciprocal, [M], domain=POS),
    RuleCase(np.abs, f_abs, [M]),
    RuleCase(np.absolute, f_absolute, [M]),
    RuleCase(np.negative, f_np_negative, [M]),
    RuleCase(np.positive, f_np_positive, [M]),
    RuleCase(operator.neg, f_neg, [M, ((SCALAR,))]),
    RuleCase(operator.pos, f_pos, [M]),
    RuleCase(np.real, f_real, [M]),
    RuleCase(attribute("real"), f_real_attribute, [M]),
    # binary operators
    RuleCase(operator.add, f_add, BINARY),
    RuleCase(operator.sub, f_sub, BINARY),
    RuleCase(operator.mul, f_mul, BINARY),
    RuleCase(operator.truediv, f_truediv, BINARY, domain=[(-2.0, 2.0), POS]),
    RuleCase(operator.pow, f_pow, BINARY[:3], domain=[POS, (-2.0, 2.0)]),
    RuleCase(operator.pow, f_pow_const, [M], domain=POS),
    RuleCase(pow, f_builtin_pow, [M2], domain=[POS, (-2.0, 2.0)]),
    RuleCase(np.add, f_np_add, BINARY[:3]),
    RuleCase(np.subtract, f_np_subtract, BINARY[:3]),
    RuleCase(np.multiply, f_np_multiply, BINARY[:3]),
    RuleCase(np.divide, f_np_divide, BINARY[:3], domain=[(-2.0, 2.0), POS]),
    RuleCase(np.true_divide, f_np_true_divide, [M2], domain=[(-2.0, 2.0), POS]),
    RuleCase(np.power, f_np_power, BINARY[:3], domain=[POS, (-2.0, 2.0)]),
    RuleCase(np.maximum, f_maximum, BINARY[:3]),
    RuleCase(np.minimum, f_minimum, BINARY[:3]),
    RuleCase(np.logaddexp, f_logaddexp, BINARY[:3]),
    RuleCase(np.arctan2, f_arctan2, BINARY[:3]),
    RuleCase(np.hypot, f_hypot, BINARY[:3]),
    RuleCase(np.where, f_where, BINARY[:3]),
    RuleCase(np.where, f_where_const, [M]),
    RuleCase(np.clip, f_clip, [((3, 4), (), ()), ((3, 4), (4,), (3, 1))],
             domain=[(-2.0, 2.0), (-1.0, -0.3), (0.3, 1.0)]),
    RuleCase(np.clip, f_clip_const, [M]),
    # reductions
    RuleCase(np.sum, f_sum, [M, ((SCALAR,))]),
    RuleCase(np.sum, f_sum_axis, [M]),
    RuleCase(np.sum, f_sum_keepdims, [M]),
    RuleCase(np.sum, f_sum_axes, [((2, 3, 4),)]),
    RuleCase(method("sum"), f_sum_method, [M]),
    RuleCase(np.mean, f_mean, [M]),
    RuleCase(np.mean, f_mean_keepdims, [M]),
    RuleCase(method("mean"), f_mean_method, [M]),
    RuleCase(np.prod, f_prod, [M], domain=POS),
    RuleCase(method("prod"), f_prod_method, [M], domain=POS),
    RuleCase(np.max, f_max, [M]),
    RuleCase(np.amax, f_amax, [M]),
    RuleCase(np.min, f_min, [M]),
    RuleCase(np.amin, f_amin, [M]),
    RuleCase(method("max"), f_max_method, [M]),
    RuleCase(method("min"), f_min_method, [M]),
    RuleCase(np.var, f_var, [M]),
    RuleCase(np.std, f_std, [M]),
    RuleCase(np.linalg.norm, f_norm, [M]),
    RuleCase(np.cumsum, f_cumsum, [M]),
    # shape
    RuleCase(np.reshape, f_reshape, [M]),
    RuleCase(method("reshape"), f_reshape_method, [M]),
    RuleCase(np.ravel, f_ravel, [M]),
    RuleCase(method("ravel"), f_ravel_method, [M]),
    RuleCase(method("flatten"), f_flatten, [M]),
    RuleCase(np.squeeze, f_squeeze, [((1, 4, 1),)]),
    RuleCase(method("squeeze"), f_squeeze_method, [((1, 4),)]),
    RuleCase(np.expand_dims, f_expand_dims, [M]),
    RuleCase(np.transpose, f_transpose, [((3, 4),)]),
    RuleCase(np.transpose, f_transpose_axes, [((3, 2, 4),)]),
    RuleCase(method("transpose"), f_transpose_method, [((2, 3, 2),)]),
    RuleCase(attribute("T"), f_T, [M]),
    RuleCase(np.flip, f_flip, [M]),
    RuleCase(np.roll, f_roll, [M]),
    RuleCase(np.swapaxes, f_swapaxes, [((3, 2, 4),)]),
    RuleCase(np.moveaxis, f_moveaxis, [((2, 3, 4),)]),
    RuleCase(np.broadcast_to, f_broadcast_to, [((3, 1),), ((4,),)]),
    RuleCase(np.concatenate, f_concatenate, [((2, 3), (2, 4))]),
    RuleCase(np.concatenate, f_concatenate_list, [((3,), ())]),
    RuleCase(np.stack, f_stack, [M2]),
    RuleCase(np.stack, f_stack_list, [M2]),
    RuleCase(np.copy, f_copy, [M]),
    RuleCase(method("copy"), f_copy_method, [M]),
    RuleCase(method("astype"), f_astype, [M], dtypes=(F64,)),
    RuleCase(np.array, f_array, [((3,), (3,)), ((), ())]),
    RuleCase(np.asarray, f_asarray, [M]),
    RuleCase(np.full, f_full, [((),)]),
    RuleCase(np.full_like, f_full_like, [((),), ((3,),)]),
    RuleCase(operator.getitem, f_getitem, [M]),
    RuleCase(operator.getitem, f_getitem_slice_start, [M]),
    RuleCase(operator.getitem, f_getitem_advanced, [M]),
    RuleCase(operator.getitem, f_getitem_tuple, [M2]),
    # linear algebra
    RuleCase(np.dot, f_dot, [((3, 4), (4,)), ((4,), (4,)), ((3, 4), (4, 2)), ((4,), (4, 2)),
                             ((), (3,)), ((2, 3, 4), (4, 2))]),
    RuleCase(method("dot"), f_dot_method, [((3, 4), (4, 2))]),
    RuleCase(operator.matmul, f_matmul, [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                         ((4,), (4,)), ((2, 3, 4), (4, 2)),
                                         ((2, 3, 4), (1, 4, 2))]),
    RuleCase(np.outer, f_outer, [((3,), (4,)), ((2, 2), (3,))]),
    RuleCase(np.matmul, f_np_matmul, [((3, 4), (4, 2)), ((2, 3, 4), (4,))]),
    # math and builtins
    RuleCase(math.sin, f_math_sin, [(SCALAR,)], dtypes=(F64,)),
    RuleCase(math.cos, f_math_cos, [(SCALAR,)], dtypes=(F64,)),
    RuleCase(math.tan, f_math_tan, [(SCALAR,)], domain=(-1.2, 1.2), dtypes=(F64,)),
    RuleCase(math.exp, f_math_exp, [(SCALAR,)], dtypes=(F64,)),
    RuleCase(math.log, f_math_log, [(SCALAR,)], domain=POS, dtypes=(F64,)),
    RuleCase(math.log, f_math_log_base, [(SCALAR, SCALAR)], domain=[POS, (1.5, 3.0)],
             dtypes=(F64,)),
    RuleCase(math.sqrt, f_math_sqrt, [(SCALAR,)], domain=POS, dtypes=(F64,)),
    RuleCase(math.tanh, f_math_tanh, [(SCALAR,)], dtypes=(F64,)),
    RuleCase(math.pow, f_math_pow, [(SCALAR, SCALAR)], domain=[POS, (-2.0, 2.0)],
             dtypes=(F64,)),
    RuleCase(math.atan2, f_math_atan2, [(SCALAR, SCALAR)], dtypes=(F64,)),
    RuleCase(abs, f_builtin_abs, [M, (SCALAR,)]),
    RuleCase(max, f_builtin_max, [(SCALAR, SCALAR)], dtypes=(F64,)),
    RuleCase(min, f_builtin_min, [(SCALAR, SCALAR)], dtypes=(F64,)),
    RuleCase(float, f_builtin_float, [((),), (SCALAR,)], dtypes=(F64,)),
    # runtime helpers
    RuleCase(runtime.unbroadcast, f_unbroadcast, [((2, 3, 4),), ((3, 1),)]),
    RuleCase(runtime.broadcast_like, f_broadcast_like, [((3, 1),), ((2, 3, 4),)]),
    RuleCase(runtime.unreduce, f_unreduce, [((3,),)]),
    RuleCase(runtime.unslice, f_unslice, [((3,),)]),
    RuleCase(runtime.tie_share, f_tie_share, [M2]),
    RuleCase(runtime.unreduce_extremum, f_unreduce_extremum, [((2,),)]),
    RuleCase(runtime.astype_like, f_astype_like, [((3,),)], dtypes=(F64,)),
    RuleCase(runtime.add_grad, f_add_grad, [M2]),
    RuleCase(runtime.unconcatenate, f_unconcatenate, [((3, 3),)]),
    RuleCase(runtime.unstack, f_unstack, [((3, 2),)]),
    RuleCase(runtime.unpack_like, f_unpack_like, [((2, 3),)]),
    RuleCase(runtime.fill_zeros, f_fill_zeros, [((3,), (3,))]),
    RuleCase(runtime.dot_adjoint_a, f_dot_adjoint_a, [((3, 2), (4, 2))]),
    RuleCase(runtime.dot_adjoint_b, f_dot_adjoint_b, [((3, 2), (3, 4))]),
    RuleCase(runtime.matmul_adjoint_a, f_matmul_adjoint_a, [((3, 2), (4, 2))]),
    RuleCase(runtime.matmul_adjoint_b, f_matmul_adjoint_b, [((3, 2), (3, 4))]),
    # containers and functional writes
    RuleCase(runtime.setitem, f_setitem, [((3, 4), (4,))]),
    RuleCase(runtime.append, f_append, [M]),
    RuleCase(runtime.extend, f_extend, [M]),
    RuleCase(sum, f_sum_builtin, [M]),
    RuleCase(list, f_list_tuple, [M]),
    RuleCase(tuple, f_list_tuple, [M]),
    RuleCase(getattr, f_getattr, [M]),
    RuleCase(runtime.split_aux, f_split_aux, [M]),
    RuleCase(method("item"), f_item, [M], dtypes=(F64,)),
    RuleCase(operator.mod, f_mod, [((3, 4), (3, 4))], domain=((0.1, 2.0), (0.3, 0.9))),
    RuleCase(np.mod, f_mod, [((3, 4), (3, 4))], domain=((0.1, 2.0), (0.3, 0.9))),
    RuleCase(np.remainder, f_mod, [((3, 4), (3, 4))], domain=((0.1, 2.0), (0.3, 0.9))),
    RuleCase(max, f_builtin_max_min_variadic, [((5,),)]),
    RuleCase(min, f_builtin_max_min_variadic, [((5,),)]),
    RuleCase(runtime.as_sequence, f_as_sequence, [M]),
    RuleCase(runtime.added_at, f_added_at, [((3,), (3,))]),
    RuleCase(runtime.add_at, f_added_at, [((3,), (3,))]),
    RuleCase(runtime.unreduce_mean, f_unreduce_mean, [((4,), (3, 4))]),
    # runtime helpers that only derivatives call (second and higher order)
    RuleCase(runtime.spread, f_spread, [((4,), (4,))], dtypes=(F64,)),
    RuleCase(runtime.unspread, f_unspread, [((4,), (4,))], dtypes=(F64,)),
    RuleCase(runtime.sequence_adjoint, f_sequence_adjoint, [((3,),)]),
    RuleCase(runtime.split_list, f_split_tail_list, [((4,), (4,))], dtypes=(F64,)),
    RuleCase(runtime.tail_list, f_split_tail_list, [((4,), (4,))], dtypes=(F64,)),
    RuleCase(runtime.slice_list, f_slice_embed_list, [((4,), SCALAR)], dtypes=(F64,)),
    RuleCase(runtime.embed_list, f_slice_embed_list, [((4,), SCALAR)], dtypes=(F64,)),
    RuleCase(runtime.restack, f_restack, [((3,), (3, 3))], dtypes=(F64,)),
    RuleCase(runtime.unrestack, f_restack, [((3,), (3, 3))], dtypes=(F64,)),
    RuleCase(runtime.unattr, f_unattr_item, [((4,), (2, 3))], dtypes=(F64,)),
    RuleCase(runtime.unitem, f_unattr_item, [((4,), (2, 3))], dtypes=(F64,)),
    RuleCase(runtime.item_of, f_unattr_item, [((4,), (2, 3))], dtypes=(F64,)),
    RuleCase(runtime.extremum_parts, f_extremum, [(SCALAR, ())], domain=(0.5, 2.0),
             dtypes=(F64,)),
    RuleCase(runtime.extremum_tangent, f_extremum, [(SCALAR, ())], domain=(0.5, 2.0),
             dtypes=(F64,)),
    RuleCase(runtime.abs_sign, f_abs_sign, [M], domain=(0.2, 2.0)),
    RuleCase(runtime.xlogy, f_xlogy, [M2], domain=(0.2, 2.0)),
    RuleCase(runtime.log_base, f_log_base, [(SCALAR,)], domain=(1.5, 4.0), dtypes=(F64,)),
    RuleCase(runtime.unreduce_prod, f_unreduce_prod, [((3,), (3, 4))], domain=(0.5, 1.5)),
    RuleCase(runtime.item_at, f_item_at, [((4,), (3,))], dtypes=(F64,)),
    RuleCase(runtime.no_complex_curvature, f_curvature_guards, [M2], domain=(0.5, 1.5)),
    RuleCase(runtime.prod_curvature, f_curvature_guards, [M2], domain=(0.5, 1.5)),
]


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)
