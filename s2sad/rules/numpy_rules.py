"""Non-differentiable NumPy functions, operators, methods and attributes.

Functions declared here carry no derivative: their results are constants
(shapes, indices, predicates, piecewise-constant functions).  The differentiable
NumPy functions are in the ``*_rules`` modules beside this one.
"""
import operator

import numpy as np

from .registry import attribute, method, nondifferentiable
from ..runtime import (
    clip_mask, invert_axes, method_axes, zeros_like,
)

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
