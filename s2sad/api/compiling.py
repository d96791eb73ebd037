"""How a transformed function compiles: lazily, and keyed on its arguments.

A function made by ``s2sad.grad`` & co. compiles its derivative on the first call
(:func:`compile_derivative`, through :func:`s2sad.compiler.derivative`) and keeps
it; later calls with the same argument *signature* (:func:`signature_of`: array
shapes and dtypes, number types, function arguments) reuse it, up to
:data:`MAX_SPECIALISED` shape-specialised and :data:`MAX_COMPILED` compilations
per transformed function.
"""
import collections

import numpy as np

from ..compiler import derivative
from ..transforms.calls import FunctionTable, frozen_table, is_function

def compile_derivative(fun, mode, wrt, has_aux, optimize=True, scalars=(), ndims=(),
                       **specialised):
    """:func:`s2sad.compiler.derivative` of ``fun`` (the options as it documents them)."""
    return derivative(fun, mode, wrt=wrt, has_aux=has_aux, optimize=optimize,
                      scalars=scalars, ndims=ndims, **specialised)


_NUMBERS = (float, int)


MAX_SPECIALISED = 8  # shape-specialised compilations per transformed function


MAX_COMPILED = 32  # compilations kept per transformed function (function arguments)


#: One compiled gradient of a transformed function, for one argument signature:
#: ``specialised`` (shape-specialised code), ``value_free`` (returns the gradients
#: only), ``recheck`` (pytree arguments: check their dtypes on every call), ``plain``
#: (value-free, and every argument a NumPy array or Python number), ``owned`` (plain,
#: and the gradients are proven new float64 arrays: returned as they are).
Compiled = collections.namedtuple("Compiled", "function wrt generation specialised "
                                   "value_free recheck plain owned env")


def signature_of(args):
    """What the generated gradient is specialised on: shape and dtype of each array
    argument, the type of each Python number (:func:`s2sad.transforms.shape_inference.signature`
    of each argument, inlined: this runs on every call), and the function object of
    each function argument (see :func:`statics_of`)."""
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else
                  type(a) if type(a) in _SIGNED else static_key(a) for a in args])


_SIGNED = (float, int, bool, complex)


def static_key(a):
    """What the code is specialised on for a function argument: ``a`` itself, or for a
    list, tuple or dict of functions a hashable copy (:func:`.transforms.tables.
    frozen_table`); None for any other argument."""
    if is_function(a):
        try:
            hash(a)
        except TypeError:
            return None
        return a
    if type(a) in (list, tuple, dict, FunctionTable):
        return frozen_table(a)
    return None


def statics_of(args, wrt):
    """``(position, function or table)`` of the function arguments (and lists, tuples
    and dicts of functions) that are not differentiated: the derivative is compiled for
    those function objects."""
    return tuple((i, static_key(a)) for i, a in enumerate(args)
                 if i not in wrt and static_key(a) is not None)


def scalar_positions(args):
    """Positions of arguments that are Python numbers: the generated code is
    specialised for them (no broadcasting bookkeeping, a smaller tape)."""
    return tuple([i for i, a in enumerate(args) if type(a) in _NUMBERS])


def array_ndims(args):
    """``(position, ndim)`` of the NumPy array arguments (``x[i]`` of a 1-d array is a
    number: the generated code is specialised for it)."""
    return tuple([(i, a.ndim) for i, a in enumerate(args) if type(a) is np.ndarray])
