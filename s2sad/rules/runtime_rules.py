"""Rules for the runtime helpers that derivative templates call.

Generated code calls :mod:`s2sad.runtime` helpers (``spread`` for the adjoint of
``sum(xs)``, ``extremum_parts`` for ``max``, ...; the rules of the reduction helpers,
``unreduce_prod`` included, are in :mod:`s2sad.rules.reduction_rules`).
Differentiating generated code again (``grad(grad(f))``, ``hessian``) differentiates
those calls, so every helper has an adjoint and a tangent here.  Most are linear in
their first argument: their tangent is the helper applied to the tangent, and their
adjoint is the *transpose* helper, whose own adjoint is the helper again, so any
order works.  Winners of ``max``/``min`` and signs are piecewise constant: they
carry no derivative.
"""
import builtins

import numpy as np

from .registry import adjoint, d, linear, nondifferentiable, tangent
from ..runtime import (
    abs_sign, add_grad, astype_like, broadcast_like, dot_adjoint_a, dot_adjoint_b,
    embed_list, extremum_parts, extremum_tangent, fill_zeros, item_at, item_of, log_base,
    matmul_adjoint_a, matmul_adjoint_b, no_complex_curvature, restack,
    sequence_adjoint, slice_list, split_list, spread, tail_list, tie_share, unattr,
    unbroadcast, unconcatenate, unitem, unpack_like, unreduce, unreduce_extremum,
    unrestack, unslice, unspread, unstack, xlogy,
)

# --- sums and lists ---


@adjoint(spread)
def spread_adjoint(y, g, xs):
    d[g] = unspread(d[y], g, xs)


@adjoint(unspread)
def unspread_adjoint(y, b, g, xs):
    d[b] = spread(d[y], xs)


@adjoint(sequence_adjoint)
def sequence_adjoint_adjoint(y, g, x):
    d[g] = sequence_adjoint(d[y], x)


@adjoint(split_list)
def split_list_adjoint(y, g, xs):
    d[g] = embed_list(d[y], g, 0)


@adjoint(tail_list)
def tail_list_adjoint(y, g, xs):
    d[g] = embed_list(d[y], g, builtins.len(xs))


@adjoint(slice_list)
def slice_list_adjoint(y, g, start, stop):
    d[g] = embed_list(d[y], g, start)


@adjoint(embed_list)
def embed_list_adjoint(y, b, like, start):
    d[b] = slice_list(d[y], start, start + builtins.len(b))


@adjoint(restack)
def restack_adjoint(y, g, x):
    d[g] = unrestack(d[y], g, x)


@adjoint(unrestack)
def unrestack_adjoint(y, b, g, x):
    d[b] = restack(d[y], x)


linear(spread, unspread, sequence_adjoint, split_list, tail_list, slice_list, embed_list,
       restack, unrestack)

# --- fields and items ---


@adjoint(unattr)
def unattr_adjoint(y, g, x, name):
    d[g] = builtins.getattr(d[y], name)


@adjoint(unitem)
def unitem_adjoint(y, g, x, args):
    d[g] = item_of(d[y], args)


@adjoint(item_of)
def item_of_adjoint(y, t, args):
    d[t] = unitem(d[y], t, args)


@adjoint(item_at)
def item_at_adjoint(y, g, index):
    d[g] = unslice(d[y], g, index)


linear(unattr, unitem, item_of, item_at)

# --- builtin max and min: the winners are piecewise constant ---


@adjoint(extremum_parts)
def extremum_parts_adjoint(parts, g, y, args):
    d[g] = extremum_tangent(y, args, d[parts])


@adjoint(extremum_tangent)
def extremum_tangent_adjoint(t, y, args, tangents):
    d[tangents] = extremum_parts(d[t], y, args)


@tangent(extremum_tangent)
def extremum_tangent_tangent(t, y, args, tangents):
    d[t] = extremum_tangent(y, args, d[tangents])


linear(extremum_parts)

# --- elementwise helpers ---


@adjoint(abs_sign)
def abs_sign_adjoint(y, x):
    d[x] = no_complex_curvature(d[y], x)


@tangent(abs_sign)
def abs_sign_tangent(y, x):
    d[y] = no_complex_curvature(d[x], x)


@adjoint(xlogy)
def xlogy_adjoint(y, a, b):
    d[a] = unbroadcast(d[y] * np.log(np.where(np.logical_and(a == 0, b == 0), 1.0, b)), a)
    d[b] = unbroadcast(d[y] * np.where(a == 0, 0.0, a / np.where(a == 0, 1.0, b)), b)


@tangent(xlogy)
def xlogy_tangent(y, a, b):
    d[y] = (d[a] * np.log(np.where(np.logical_and(a == 0, b == 0), 1.0, b))
            + d[b] * np.where(a == 0, 0.0, a / np.where(a == 0, 1.0, b)))


@adjoint(log_base)
def log_base_adjoint(y, base):
    d[base] = d[y] / base


@tangent(log_base)
def log_base_tangent(y, base):
    d[y] = d[base] / base


nondifferentiable(np.logical_and)


@adjoint(no_complex_curvature)
def no_complex_curvature_adjoint(y, t, x):
    d[t] = no_complex_curvature(d[y], x)


linear(no_complex_curvature)


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
