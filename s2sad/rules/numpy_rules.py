"""NumPy constructors and index builders, and the non-differentiable NumPy table.

* Constructors whose values depend on differentiable inputs: ``np.linspace`` (linear
  in ``start`` and ``stop``), and the index builders ``np.r_[...]``/``np.c_[...]``
  (the compiler turns ``np.r_[a, b, 0:3]`` into a call of the key ``np.r_`` with the
  parts as arguments, slices as ``slice(...)``: see ``transforms.ops``); their
  helpers are in :mod:`s2sad.runtime.construct`.
* Non-differentiable functions, operators, methods and attributes: their results
  are constants (shapes, indices, predicates, piecewise-constant functions).
  ``np.s_``/``np.index_exp``/``np.ogrid``/``np.mgrid`` build indices and grids of
  constants (the compiler classifies indexing them as non-differentiable).

The other differentiable NumPy functions are in the ``*_rules`` modules beside this one.
"""
import operator

import numpy as np

from .registry import (
    adjoint, attribute, d, linear, method, nondifferentiable, sequence_result, tangent,
)
from ..runtime import (
    arange_join, arange_parts, clip_mask, concat_join, concat_parts, concat_probe,
    invert_axes, linspace_collapse, linspace_expand, linspace_spread, method_axes, zeros_like,
)

# --- np.r_ / np.c_: concatenation through an index probe of position ids ---
# (a part is an array, a number, a slice -- a constant -- or a directive string)


@adjoint(np.r_)
def r_adjoint(y, *parts):
    d[parts] = concat_parts(d[y], concat_probe("r_", parts), parts)


@tangent(np.r_)
def r_tangent(y, *parts):
    d[y] = concat_join(d[parts], concat_probe("r_", parts), parts)


@adjoint(np.c_)
def c_adjoint(y, *parts):
    d[parts] = concat_parts(d[y], concat_probe("c_", parts), parts)


@tangent(np.c_)
def c_tangent(y, *parts):
    d[y] = concat_join(d[parts], concat_probe("c_", parts), parts)


@adjoint(concat_parts)
def concat_parts_adjoint(r, g, probe, parts):
    d[g] = concat_join(d[r], probe, parts)


@adjoint(concat_join)
def concat_join_adjoint(r, ts, probe, parts):
    d[ts] = concat_parts(d[r], probe, parts)


linear(concat_parts, concat_join)

# --- np.linspace: sample k is (1 - t_k) start + t_k stop (runtime.construct) ---
# retstep=True: the result is (samples, step), both differentiable; dtype=int floors
# the samples (no derivative), the step keeps one


@adjoint(np.linspace)
def linspace_adjoint(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0):
    d[start] = linspace_collapse(d[y], num, endpoint, dtype, False, start, axis)
    d[stop] = linspace_collapse(d[y], num, endpoint, dtype, True, stop, axis)


@tangent(np.linspace)
def linspace_tangent(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                     axis=0):
    d[y] = linspace_spread(d[start], d[stop], num, endpoint, dtype, y, axis)


@adjoint(linspace_spread)
def linspace_spread_adjoint(r, ta, tb, num, endpoint, dtype, like, axis=0):
    d[ta] = linspace_collapse(d[r], num, endpoint, dtype, False, ta, axis)
    d[tb] = linspace_collapse(d[r], num, endpoint, dtype, True, tb, axis)


@tangent(linspace_spread)
def linspace_spread_tangent(r, ta, tb, num, endpoint, dtype, like, axis=0):
    d[r] = linspace_spread(d[ta], d[tb], num, endpoint, dtype, like, axis)


@adjoint(linspace_expand)
def linspace_expand_adjoint(r, t, num, endpoint, dtype, end, like, axis=0):
    d[t] = linspace_collapse(d[r], num, endpoint, dtype, end, t, axis)


@adjoint(linspace_collapse)
def linspace_collapse_adjoint(r, g, num, endpoint, dtype, end, like, axis=0):
    d[g] = linspace_expand(d[r], num, endpoint, dtype, end, g, axis)


linear(linspace_expand, linspace_collapse)

# --- np.arange: element k is start + k * step; the length (stop) is piecewise constant ---


@adjoint(np.arange)
def arange_adjoint(y, *args, dtype=None):
    d[args] = arange_parts(d[y], args, dtype)


@tangent(np.arange)
def arange_tangent(y, *args, dtype=None):
    d[y] = arange_join(d[args], args, dtype, y)


@adjoint(arange_parts)
def arange_parts_adjoint(r, g, args, dtype=None):
    d[g] = arange_join(d[r], args, dtype, g)


@adjoint(arange_join)
def arange_join_adjoint(r, ts, args, dtype, like):
    d[ts] = arange_parts(d[r], args, dtype)


linear(arange_parts, arange_join)

# --- non-differentiable ---

nondifferentiable(
    # shapes, constructors, indices
    np.shape, np.ndim, np.size, np.zeros, np.ones, np.empty, np.eye,
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
    zeros_like, invert_axes, method_axes, clip_mask, concat_probe,
)


# results that are (samples, step) with retstep=True
sequence_result(np.linspace)
