"""Rules for the runtime helpers that derivative templates call.

Generated code calls :mod:`s2sad.runtime` helpers (``spread`` for the adjoint of
``sum(xs)``, ``extremum_parts`` for ``max``, ``unreduce_prod`` for ``np.prod``, ...).
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
    abs_sign, embed_list, extremum_parts, extremum_tangent, item_at, item_of, log_base,
    no_complex_curvature, prod_curvature, restack, sequence_adjoint, slice_list, split_list,
    spread, tail_list, unattr, unbroadcast, unitem, unreduce, unreduce_prod, unrestack, unslice,
    unspread, xlogy,
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


# --- np.prod: linear in g (exact with zeros); the rest g * y / x, away from zeros ---


@adjoint(unreduce_prod)
def unreduce_prod_adjoint(z, g, y, x, axis=None, keepdims=False):
    d[g] = np.sum(d[z] * unreduce_prod(1.0, y, x, axis, keepdims), axis=axis,
                  keepdims=keepdims)
    d[y] = np.sum(d[z] * unreduce(g, x, axis, keepdims) / prod_curvature(x, y, x),
                  axis=axis, keepdims=keepdims)
    d[x] = -d[z] * z / x


@tangent(unreduce_prod)
def unreduce_prod_tangent(z, g, y, x, axis=None, keepdims=False):
    d[z] = (unreduce_prod(d[g], y, x, axis, keepdims)
            + unreduce(g * d[y], x, axis, keepdims) / prod_curvature(x, y, x)
            - z * d[x] / x)


nondifferentiable(np.logical_and)


@adjoint(no_complex_curvature)
def no_complex_curvature_adjoint(y, t, x):
    d[t] = no_complex_curvature(d[y], x)


@adjoint(prod_curvature)
def prod_curvature_adjoint(z, g, y, x):
    d[g] = prod_curvature(d[z], y, x)


linear(no_complex_curvature, prod_curvature)
