"""Derivative templates for NumPy reductions and statistics.

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unreduce` (all ``axis``/``keepdims`` forms:
None, int, negative, tuple); tangents are written as a sum of terms, each linear in one
``d[input]``.  Every free name used in a template is a module-level name of this
module; the compiler imports them by name.  The rules of the runtime helpers these
templates call (:mod:`s2sad.runtime.reductions`, ``unreduce_prod``) are at the end, so
that generated code can be differentiated again.

Semantics at special points (documented, tested in ``tests/test_rules_reductions``):

* ``max``/``min``/``ptp``/``nanmax``/``nanmin`` and order statistics (``median``,
  ``percentile``, ``quantile``): tied elements share the gradient evenly;
* ``prod``/``cumprod``/``nanprod`` are exact with zeros to second order;
* ``std`` at a constant group (std 0, not differentiable): gradient 0;
* ``nan*`` functions: gradient 0 at NaN positions;
* complex input: ``sum``/``mean``/``prod``/``cumsum``/``cumprod``/``average``/``diff``/
  ``gradient`` are holomorphic (no conjugates, JAX's convention); ``var``/``std`` are
  real-valued, gradient ``2 conj(x - mean) / (N - ddof)`` per unit of ``var``.
"""

import numpy as np

from .registry import adjoint, d, linear, method, nondifferentiable, sequence_result, tangent
from ..runtime import (
    gradient_apply, prod_curvature, prod_fourth_order, prod_pair_apply, prod_triple_apply,
    broadcast_like, cum_last, cum_unlast, cumulative_rows, diff_embed, diff_part, nan_count,
    nan_mask, order_adjoint, order_tangent, order_weights, outer_axes, outer_shape,
    quantile_weights, stat_conj, stat_count, stat_flat, unbroadcast, uncumsum, uncumulative_rows,
    undiff, ungradient, unreduce, unreduce_extremum, unreduce_mean, unreduce_prod,
    where_mask, where_ratio, average_weights, unaverage_weights,
)

# --- sum and mean (linear: the tangent is the call on the tangent, `where=` included) ---


@adjoint(np.sum, method('sum'))
def sum_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False, where=True):
    d[a] = where_mask(unreduce(d[y], a, axis, keepdims), where)


@adjoint(np.mean, method('mean'))
def mean_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False, where=True):
    d[a] = where_mask(unreduce_mean(d[y] * where_ratio(y, a, axis, keepdims, where), y, a,
                                    axis, keepdims), where)


linear(np.sum, method('sum'), np.mean, method('mean'))


@adjoint(np.add.reduce)
def add_reduce_adjoint(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce(d[y], a, axis, keepdims)


@tangent(np.add.reduce)
def add_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a], axis=axis, keepdims=keepdims)


# --- products: exact with zeros (unreduce_prod; its rules give exact second order) ---


@adjoint(np.prod, method('prod'))
def prod_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = unreduce_prod(d[y], y, a, axis, keepdims)


@tangent(np.prod, method('prod'))
def prod_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_prod(1.0, y, a, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(np.multiply.reduce)
def multiply_reduce_adjoint(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce_prod(d[y], y, a, axis, keepdims)


@tangent(np.multiply.reduce)
def multiply_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_prod(1.0, y, a, axis, keepdims), axis=axis, keepdims=keepdims)


# --- extrema: ties share the gradient evenly (unreduce_extremum); NaN never wins in
# nanmax/nanmin because NaN == y is false ---


@adjoint(np.max, np.amax, np.min, np.amin, method('max'), method('min'), np.nanmax,
         np.nanmin)
def extremum_adjoint(y, a, axis=None, out=None, keepdims=False):
    d[a] = unreduce_extremum(d[y], y, a, axis, keepdims)


@tangent(np.max, np.amax, np.min, np.amin, method('max'), method('min'), np.nanmax,
         np.nanmin)
def extremum_tangent(y, a, axis=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_extremum(1.0, y, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(np.maximum.reduce, np.minimum.reduce)
def extremum_reduce_adjoint(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[a] = unreduce_extremum(d[y], y, a, axis, keepdims)


@tangent(np.maximum.reduce, np.minimum.reduce)
def extremum_reduce_tangent(y, a, axis=0, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * unreduce_extremum(1.0, y, a, axis, keepdims), axis=axis,
                  keepdims=keepdims)


# np.ptp = max - min; the method exists on NumPy 1.x only
PTP_KEYS = (np.ptp,) + ((method('ptp'),) if hasattr(np.ndarray, "ptp") else ())


@adjoint(*PTP_KEYS)
def ptp_adjoint(y, a, axis=None, out=None, keepdims=False):
    d[a] = (unreduce_extremum(d[y], np.max(a, axis=axis, keepdims=keepdims), a, axis, keepdims)
            - unreduce_extremum(d[y], np.min(a, axis=axis, keepdims=keepdims), a, axis,
                                keepdims))


@tangent(*PTP_KEYS)
def ptp_tangent(y, a, axis=None, out=None, keepdims=False):
    d[y] = np.sum(d[a] * (
        unreduce_extremum(1.0, np.max(a, axis=axis, keepdims=keepdims), a, axis, keepdims)
        - unreduce_extremum(1.0, np.min(a, axis=axis, keepdims=keepdims), a, axis, keepdims)),
        axis=axis, keepdims=keepdims)


# --- variance and standard deviation: var = sum |a - mean|^2 / (N - ddof), so
# d var = 2 Re(sum(conj(a - mean) da)) / (N - ddof) (the mean's term sums to 0) ---


@adjoint(np.var, method('var'))
def var_adjoint(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    c = stat_conj(a - np.mean(a, axis=axis, keepdims=True))
    d[a] = unreduce(d[y] * (2.0 / stat_count(a, y, ddof)), a, axis, keepdims) * c


@tangent(np.var, method('var'))
def var_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    c = stat_conj(a - np.mean(a, axis=axis, keepdims=True))
    d[y] = np.real(np.sum(d[a] * c, axis=axis, keepdims=keepdims)) * (
        2.0 / stat_count(a, y, ddof))


# d std = d var / (2 std); at std == 0 (a constant group) the gradient taken is 0


@adjoint(np.std, method('std'))
def std_adjoint(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    # a constant group (std 0 up to rounding) is a kink: its gradient is 0
    flat = stat_flat(y, a, axis, keepdims)
    c = stat_conj(a - np.mean(a, axis=axis, keepdims=True))
    s = np.where(flat, 1.0, y) * stat_count(a, y, ddof)
    d[a] = unreduce(np.where(flat, 0.0, d[y]) / s, a, axis, keepdims) * c


@tangent(np.std, method('std'))
def std_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    flat = stat_flat(y, a, axis, keepdims)
    c = stat_conj(a - np.mean(a, axis=axis, keepdims=True))
    s = np.where(flat, 1.0, y) * stat_count(a, y, ddof)
    d[y] = np.where(flat, 0.0, np.real(np.sum(d[a] * c, axis=axis, keepdims=keepdims)) / s)


# --- NaN-ignoring reductions: gradient 0 at NaN positions ---


@adjoint(np.nansum)
def nansum_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = nan_mask(unreduce(d[y], a, axis, keepdims), a)


@tangent(np.nansum)
def nansum_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(nan_mask(d[a], a), axis=axis, keepdims=keepdims)


@adjoint(np.nanmean)
def nanmean_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = nan_mask(unreduce(d[y] / nan_count(a, axis, keepdims), a, axis, keepdims), a)


@tangent(np.nanmean)
def nanmean_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(nan_mask(d[a], a), axis=axis, keepdims=keepdims) / nan_count(a, axis,
                                                                                keepdims)


@adjoint(np.nanvar)
def nanvar_adjoint(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    c = stat_conj(nan_mask(a - np.nanmean(a, axis=axis, keepdims=True), a))
    d[a] = unreduce(d[y] * 2.0 / nan_count(a, axis, keepdims, ddof), a, axis, keepdims) * c


@tangent(np.nanvar)
def nanvar_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    c = stat_conj(nan_mask(a - np.nanmean(a, axis=axis, keepdims=True), a))
    d[y] = np.real(np.sum(nan_mask(d[a], a) * c, axis=axis, keepdims=keepdims)) * 2.0 / (
        nan_count(a, axis, keepdims, ddof))


@adjoint(np.nanstd)
def nanstd_adjoint(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    flat = stat_flat(y, a, axis, keepdims)  # as std: 0 at constant groups
    c = stat_conj(nan_mask(a - np.nanmean(a, axis=axis, keepdims=True), a))
    s = np.where(flat, 1.0, y) * nan_count(a, axis, keepdims, ddof)
    d[a] = unreduce(np.where(flat, 0.0, d[y]) / s, a, axis, keepdims) * c


@tangent(np.nanstd)
def nanstd_tangent(y, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    flat = stat_flat(y, a, axis, keepdims)
    c = stat_conj(nan_mask(a - np.nanmean(a, axis=axis, keepdims=True), a))
    s = np.where(flat, 1.0, y) * nan_count(a, axis, keepdims, ddof)
    d[y] = np.where(flat, 0.0, np.real(np.sum(nan_mask(d[a], a) * c, axis=axis,
                                              keepdims=keepdims)) / s)


# nanprod: NaN counts as 1 in the product and gets gradient 0


@adjoint(np.nanprod)
def nanprod_adjoint(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[a] = nan_mask(unreduce_prod(d[y], y, np.where(np.isnan(a), 1.0, a), axis, keepdims), a)


@tangent(np.nanprod)
def nanprod_tangent(y, a, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(nan_mask(d[a], a) * unreduce_prod(1.0, y, np.where(np.isnan(a), 1.0, a),
                                                    axis, keepdims), axis=axis,
                  keepdims=keepdims)


# --- weighted average: y = sum(w a) / sum(w); d y / d w = (a - y) / sum(w) ---


@adjoint(np.average)
def average_adjoint(y, a, axis=None, weights=None, returned=False, keepdims=False):
    w = average_weights(weights, a, axis, returned)
    g = unreduce(d[y] / np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=keepdims),
                 a, axis, keepdims)
    d[a] = g * w
    d[weights] = unaverage_weights(g * (a - unreduce(y, a, axis, keepdims)), weights, a, axis)


@tangent(np.average)
def average_tangent(y, a, axis=None, weights=None, returned=False, keepdims=False):
    w = average_weights(weights, a, axis, returned)
    s = np.sum(np.broadcast_to(w, np.shape(a)), axis=axis, keepdims=keepdims)
    d[y] = (np.sum(d[a] * w, axis=axis, keepdims=keepdims) / s
            + np.sum(average_weights(d[weights], a, axis) * (a - unreduce(y, a, axis, keepdims)),
                     axis=axis, keepdims=keepdims) / s)


# --- order statistics: y = sum(w a) with piecewise-constant weights (quantile_weights:
# 'linear' interpolation splits between the two neighbours; ties share); q carries no
# derivative ---


@adjoint(np.median)
def median_adjoint(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[a] = order_adjoint(d[y], order_weights(a, axis, overwrite_input), a, axis, keepdims)


@tangent(np.median)
def median_tangent(y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    d[y] = order_tangent(d[a], order_weights(a, axis, overwrite_input), a, axis, keepdims)


@adjoint(np.quantile)
def quantile_adjoint(y, a, q, axis=None, out=None, overwrite_input=False, method='linear',
                     keepdims=False):
    d[a] = order_adjoint(d[y], quantile_weights(a, q, axis, method, overwrite_input), a, axis,
                         keepdims)


@tangent(np.quantile)
def quantile_tangent(y, a, q, axis=None, out=None, overwrite_input=False, method='linear',
                     keepdims=False):
    d[y] = order_tangent(d[a], quantile_weights(a, q, axis, method, overwrite_input), a, axis,
                         keepdims)


@adjoint(np.percentile)
def percentile_adjoint(y, a, q, axis=None, out=None, overwrite_input=False, method='linear',
                       keepdims=False):
    d[a] = order_adjoint(d[y], quantile_weights(a, q, axis, method, overwrite_input, 100.0),
                         a, axis, keepdims)


@tangent(np.percentile)
def percentile_tangent(y, a, q, axis=None, out=None, overwrite_input=False, method='linear',
                       keepdims=False):
    d[y] = order_tangent(d[a], quantile_weights(a, q, axis, method, overwrite_input, 100.0),
                         a, axis, keepdims)


# --- cumulative sums and products (axis=None flattens) ---


@adjoint(np.cumsum, method('cumsum'))
def cumsum_adjoint(y, a, axis=None, dtype=None, out=None):
    d[a] = uncumsum(d[y], a, axis)


linear(np.cumsum, method('cumsum'))


@adjoint(np.add.accumulate)
def add_accumulate_adjoint(y, a, axis=0, dtype=None, out=None):
    d[a] = uncumsum(d[y], a, axis)


@tangent(np.add.accumulate)
def add_accumulate_tangent(y, a, axis=0, dtype=None, out=None):
    d[y] = np.cumsum(d[a], axis=axis)


# cumprod(a)_i = prod(rows[i]) with rows[i] = (a_0, .., a_i, 1, .., 1) (cumulative_rows):
# the rules of np.prod (exact with zeros, to second order) do the rest; O(n^2) memory.


@adjoint(np.cumprod, method('cumprod'))
def cumprod_adjoint(y, a, axis=None, dtype=None, out=None):
    rows = cumulative_rows(a, axis, 1.0)
    d[a] = uncumulative_rows(unreduce_prod(cum_last(d[y], axis), cum_last(y, axis), rows, -1,
                                           False), a, axis)


@tangent(np.cumprod, method('cumprod'))
def cumprod_tangent(y, a, axis=None, dtype=None, out=None):
    rows = cumulative_rows(a, axis, 1.0)
    d[y] = cum_unlast(np.sum(cumulative_rows(d[a], axis, 0.0) * unreduce_prod(
        1.0, cum_last(y, axis), rows, -1, False), axis=-1), axis)


@adjoint(np.multiply.accumulate)
def multiply_accumulate_adjoint(y, a, axis=0, dtype=None, out=None):
    rows = cumulative_rows(a, axis, 1.0)
    d[a] = uncumulative_rows(unreduce_prod(cum_last(d[y], axis), cum_last(y, axis), rows, -1,
                                           False), a, axis)


@tangent(np.multiply.accumulate)
def multiply_accumulate_tangent(y, a, axis=0, dtype=None, out=None):
    rows = cumulative_rows(a, axis, 1.0)
    d[y] = cum_unlast(np.sum(cumulative_rows(d[a], axis, 0.0) * unreduce_prod(
        1.0, cum_last(y, axis), rows, -1, False), axis=-1), axis)


# --- differences: np.diff(concatenate([prepend, a, append], axis), n, axis) is linear in
# all three pieces (diff_part / diff_embed cut and place them) ---


@adjoint(np.diff)
def diff_adjoint(y, a, n=1, axis=-1, prepend=None, append=None):
    g = undiff(d[y], n, axis)
    d[a] = diff_part(g, 1, a, prepend, append, axis)
    d[prepend] = diff_part(g, 0, a, prepend, append, axis)
    d[append] = diff_part(g, 2, a, prepend, append, axis)


@tangent(np.diff)
def diff_tangent(y, a, n=1, axis=-1, prepend=None, append=None):
    d[y] = (np.diff(diff_embed(d[a], 1, a, prepend, append, axis), n, axis)
            + np.diff(diff_embed(d[prepend], 0, a, prepend, append, axis), n, axis)
            + np.diff(diff_embed(d[append], 2, a, prepend, append, axis), n, axis))


# np.gradient is linear in f for a fixed spacing; the spacing (scalars or coordinate
# arrays) carries no derivative: coordinates are treated as constants.


@adjoint(np.gradient)
def gradient_adjoint(y, f, *varargs, axis=None, edge_order=1):
    d[f] = ungradient(d[y], f, varargs, axis, edge_order)


linear(np.gradient)


# --- ufunc.outer ---


@adjoint(np.add.outer)
def add_outer_adjoint(y, A, B):
    d[A] = unbroadcast(np.sum(d[y], axis=outer_axes(A, B, 1)), A)
    d[B] = unbroadcast(np.sum(d[y], axis=outer_axes(A, B, 0)), B)


@tangent(np.add.outer)
def add_outer_tangent(y, A, B):
    d[y] = broadcast_like(np.reshape(d[A], outer_shape(A, B)), y) + broadcast_like(d[B], y)


@adjoint(np.subtract.outer)
def subtract_outer_adjoint(y, A, B):
    d[A] = unbroadcast(np.sum(d[y], axis=outer_axes(A, B, 1)), A)
    d[B] = -unbroadcast(np.sum(d[y], axis=outer_axes(A, B, 0)), B)


@tangent(np.subtract.outer)
def subtract_outer_tangent(y, A, B):
    d[y] = broadcast_like(np.reshape(d[A], outer_shape(A, B)), y) - broadcast_like(d[B], y)


@adjoint(np.multiply.outer)
def multiply_outer_adjoint(y, A, B):
    d[A] = unbroadcast(np.sum(d[y] * B, axis=outer_axes(A, B, 1)), A)
    d[B] = unbroadcast(np.sum(d[y] * np.reshape(A, outer_shape(A, B)), axis=outer_axes(A, B, 0)),
                       B)


@tangent(np.multiply.outer)
def multiply_outer_tangent(y, A, B):
    d[y] = np.multiply.outer(d[A], B) + np.multiply.outer(A, d[B])


# --- rules of the runtime helpers (for differentiating generated code again) ---

nondifferentiable(stat_count, stat_flat, nan_count, where_ratio, quantile_weights, order_weights,
                  outer_axes, outer_shape, prod_fourth_order)


# unreduce_prod(g, y, x) = unreduce(g) * (product of the other elements of x's group),
# with y = prod(x): its whole derivative is taken through x (none through y), so that
# second derivatives of np.prod are exact with zeros (prod_pair_apply)


@adjoint(unreduce_prod)
def unreduce_prod_adjoint(z, g, y, x, axis=None, keepdims=False):
    d[g] = unbroadcast(np.sum(d[z] * unreduce_prod(1.0, y, x, axis, keepdims), axis=axis,
                              keepdims=keepdims), g)
    d[x] = prod_pair_apply(d[z] * unreduce(g, x, axis, keepdims), x, axis)


@tangent(unreduce_prod)
def unreduce_prod_tangent(z, g, y, x, axis=None, keepdims=False):
    d[z] = (unreduce_prod(d[g], y, x, axis, keepdims)
            + unreduce(g, x, axis, keepdims) * prod_pair_apply(d[x], x, axis))


# the Hessian (prod_pair_apply) and third derivative (prod_triple_apply) of prod are
# symmetric tensors, so each is its own transpose; the derivative of prod_triple_apply in
# x (fourth derivatives of np.prod) raises NotImplementedError


@adjoint(prod_pair_apply)
def prod_pair_apply_adjoint(z, v, x, axis=None):
    d[v] = unbroadcast(prod_pair_apply(d[z], x, axis), v)
    d[x] = prod_triple_apply(v, d[z], x, axis)


@tangent(prod_pair_apply)
def prod_pair_apply_tangent(z, v, x, axis=None):
    d[z] = prod_pair_apply(d[v], x, axis) + prod_triple_apply(v, d[x], x, axis)


@adjoint(prod_triple_apply)
def prod_triple_apply_adjoint(z, v, w, x, axis=None):
    d[v] = unbroadcast(prod_triple_apply(d[z], w, x, axis), v)
    d[w] = unbroadcast(prod_triple_apply(v, d[z], x, axis), w)
    d[x] = prod_fourth_order(d[z], x)


@tangent(prod_triple_apply)
def prod_triple_apply_tangent(z, v, w, x, axis=None):
    d[z] = (prod_triple_apply(d[v], w, x, axis) + prod_triple_apply(v, d[w], x, axis)
            + prod_fourth_order(d[x], x))


@adjoint(prod_curvature)
def prod_curvature_adjoint(z, g, y, x):
    d[g] = prod_curvature(d[z], y, x)


# conj is its own transpose under JAX's convention (Re(sum(g conj(dx))) =
# Re(sum(conj(g) dx))); the masks are self-adjoint


@adjoint(stat_conj)
def stat_conj_adjoint(y, x):
    d[x] = stat_conj(d[y])


@adjoint(nan_mask)
def nan_mask_adjoint(z, g, a):
    d[g] = unbroadcast(nan_mask(d[z], a), g)


@adjoint(where_mask)
def where_mask_adjoint(z, g, where=True):
    d[g] = unbroadcast(where_mask(d[z], where), g)


@adjoint(order_tangent)
def order_tangent_adjoint(z, t, w, a, axis=None, keepdims=False):
    d[t] = unbroadcast(order_adjoint(d[z], w, a, axis, keepdims), t)


@adjoint(order_adjoint)
def order_adjoint_adjoint(z, g, w, a, axis=None, keepdims=False):
    d[g] = order_tangent(d[z], w, a, axis, keepdims)


@adjoint(uncumsum)
def uncumsum_adjoint(z, g, a, axis=None):
    d[g] = np.cumsum(d[z], axis)


@adjoint(cumulative_rows)
def cumulative_rows_adjoint(z, x, axis=None, fill=1.0):
    d[x] = uncumulative_rows(d[z], x, axis)


@tangent(cumulative_rows)
def cumulative_rows_tangent(z, x, axis=None, fill=1.0):
    d[z] = cumulative_rows(d[x], axis, 0.0)


@adjoint(uncumulative_rows)
def uncumulative_rows_adjoint(z, g, x, axis=None):
    d[g] = cumulative_rows(d[z], axis, 0.0)


@adjoint(cum_last)
def cum_last_adjoint(z, g, axis=None):
    d[g] = cum_unlast(d[z], axis)


@adjoint(cum_unlast)
def cum_unlast_adjoint(z, g, axis=None):
    d[g] = cum_last(d[z], axis)


@adjoint(undiff)
def undiff_adjoint(z, g, n=1, axis=-1):
    d[g] = np.diff(d[z], n, axis)


@adjoint(diff_part)
def diff_part_adjoint(z, g, part, a, prepend=None, append=None, axis=-1):
    d[g] = diff_embed(d[z], part, a, prepend, append, axis)


@adjoint(diff_embed)
def diff_embed_adjoint(z, t, part, a, prepend=None, append=None, axis=-1):
    d[t] = unbroadcast(diff_part(d[z], part, a, prepend, append, axis), t)


@adjoint(ungradient)
def ungradient_adjoint(z, g, f, varargs=(), axis=None, edge_order=1):
    d[g] = gradient_apply(d[z], f, varargs, axis, edge_order)


@adjoint(gradient_apply)
def gradient_apply_adjoint(z, t, f, varargs=(), axis=None, edge_order=1):
    d[t] = ungradient(d[z], f, varargs, axis, edge_order)


@adjoint(average_weights)
def average_weights_adjoint(z, w, a, axis=None, returned=False):
    d[w] = unaverage_weights(d[z], w, a, axis)


@adjoint(unaverage_weights)
def unaverage_weights_adjoint(z, g, w, a, axis=None):
    d[g] = broadcast_like(average_weights(d[z], a, axis), g)


linear(prod_curvature, stat_conj, nan_mask, where_mask, order_tangent, order_adjoint, uncumsum,
       uncumulative_rows, cum_last, cum_unlast, undiff, diff_part, diff_embed, ungradient,
       gradient_apply, average_weights, unaverage_weights)


# results that are a list of arrays for several axes
sequence_result(np.gradient)
