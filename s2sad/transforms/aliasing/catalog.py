"""What the aliasing analysis knows about the functions, methods and attributes it does
not read: which create new objects, which return views of (or parts of) their arguments,
which write into them in place.

Input: nothing (module constants, built from NumPy and :mod:`s2sad.runtime` at import).
Output: the tables below, the NumPy functions named in a string (:func:`numpy_names`),
the operator symbols of messages (:data:`OPS`) and :func:`is_value_object` (is a global a
value whose methods act on it).  Pure data: it imports no other module of the package.
"""
import operator
import types

import gast
import numpy as np

from ... import runtime as runtime_module


def numpy_names(names):
    """The NumPy functions named (space-separated) in ``names`` that this NumPy has."""
    out = [getattr(np, n, None) for n in names.split()]
    return [o for o in out if o is not None]


VIEW_FUNCS = numpy_names(
    "reshape ravel transpose swapaxes moveaxis rollaxis squeeze expand_dims atleast_1d "
    "atleast_2d atleast_3d broadcast_to diagonal diag real imag asarray asanyarray "
    "ascontiguousarray asfortranarray require flip fliplr flipud rot90 einsum trim_zeros "
    "matrix_transpose permute_dims split array_split hsplit vsplit dsplit broadcast_arrays "
    "meshgrid unstack") + [
    np.lib.stride_tricks.as_strided, np.lib.stride_tricks.sliding_window_view,
    runtime_module.as_sequence]
FRESH_FUNCS = numpy_names(
    "zeros ones empty full zeros_like ones_like empty_like full_like arange linspace logspace "
    "eye identity array copy concatenate stack vstack hstack dstack column_stack block sort "
    "argsort unique tile repeat pad diff cumsum cumprod convolve correlate kron cross trace "
    "tensordot inner outer dot vdot where select choose take compress clip sum mean prod max "
    "min amax amin std var median percentile quantile average argmax argmin nonzero "
    "flatnonzero count_nonzero searchsorted digitize histogram bincount roll triu tril interp "
    "round around nan_to_num")
MUTATING_FUNCS = numpy_names("place putmask fill_diagonal put_along_axis") + [
    np.random.shuffle, setattr, delattr, operator.setitem, operator.delitem, operator.iadd,
    operator.isub, operator.imul, operator.itruediv, operator.ifloordiv, operator.imod,
    operator.ipow, operator.imatmul, operator.iconcat]
# the creators whose result's ndim the analysis reads off their arguments
SHAPED_FUNCS = numpy_names("zeros ones empty full")
LIKE_FUNCS = numpy_names("zeros_like ones_like empty_like full_like")
RANGE_FUNCS = numpy_names("arange linspace logspace")
EYE_FUNCS = numpy_names("eye identity")

VIEW_METHODS = {"reshape", "ravel", "view", "squeeze", "transpose", "swapaxes", "diagonal",
                "__array__", "keys", "values", "items", "get", "__getitem__"}
FRESH_METHODS = {"copy", "flatten", "sum", "mean", "prod", "max", "min", "std", "var",
                 "cumsum", "cumprod", "dot", "round", "clip", "astype", "tolist", "argsort",
                 "argmax", "argmin", "nonzero", "all", "any", "conj", "conjugate", "trace",
                 "repeat", "take", "compress", "searchsorted", "ptp", "item", "count", "index"}
VIEW_ATTRS = {"T", "mT", "real", "imag", "flat", "base"}
SCALAR_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
                    "setdefault", "sort", "reverse", "fill", "put", "itemset", "resize",
                    "popitem", "add", "discard", "partition", "shuffle", "setfield"}
METHOD_HINTS = {
    "insert": "build a new list: ys = ys[:i] + [v] + ys[i:]",
    "remove": "build a new list without the item", "clear": "bind a new empty list",
    "update": "build a new dict: d = {**d, **other}", "setdefault": "read with d.get",
    "popitem": "read the item, then build a new dict", "pop": "read ys[i], then "
    "ys = ys[:i] + ys[i + 1:] (only v = ys.pop() is rewritten for you)",
    "resize": "build a new array with np.resize", "itemset": "write y[i] = v",
}
CONTAINERS = {list: "list", tuple: "tuple", sorted: "list", dict: "dict", zip: "list",
              enumerate: "list", reversed: "list"}
SCALAR_BUILTINS = {len, int, float, bool, str, repr, isinstance, issubclass, callable,
                   hasattr, hash, id, print, range, type, complex}

OPS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.MatMult: "@",
       gast.Pow: "**", gast.FloorDiv: "//", gast.Mod: "%"}


def is_value_object(obj):
    """A global whose methods act on it (an array, a list, an object), not a namespace
    of functions (a module, a class, a ufunc)."""
    return isinstance(obj, (np.ndarray, list, dict, tuple)) or not (
        callable(obj) or isinstance(obj, types.ModuleType))
