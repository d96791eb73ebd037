"""Rules for Python containers and the functional writes the ANF pass emits.

``y[i] = v`` becomes ``y = setitem(y, i, v)`` and ``ys.append(v)`` becomes
``ys = append(ys, v)`` (:mod:`s2sad.transforms.anf`), so writes are ordinary
calls with adjoints of their own; builtin ``sum``, ``list`` and ``tuple``
over lists of arrays are here too.
"""
import builtins

import numpy as np

from .registry import adjoint, d, linear, method, tangent
from ..runtime import (
    add_at, added_at, append, as_sequence, extend, item_at, item_of, restack,
    sequence_adjoint, setitem, split_aux, split_list, spread, tail_list, unattr,
    unbroadcast, unitem, unreduce_mean,
)

# --- writes ---


@adjoint(setitem)
def setitem_adjoint(y, x, index, value):
    d[x] = setitem(d[y], index, 0.0)
    d[value] = unbroadcast(item_at(d[y], index), value)


@tangent(setitem)
def setitem_tangent(y, x, index, value):
    d[y] = setitem(d[x], index, d[value])


@adjoint(added_at, add_at)
def added_at_adjoint(y, buf, index, g):
    d[buf] = d[y]
    d[g] = unbroadcast(item_at(d[y], index), g)


@tangent(added_at, add_at)
def added_at_tangent(y, buf, index, g):
    d[y] = added_at(d[buf], index, d[g])


@adjoint(unreduce_mean)
def unreduce_mean_adjoint(z, g, y, x, axis=None, keepdims=False):
    d[g] = np.sum(d[z], axis=axis, keepdims=keepdims) * (np.size(y) / np.size(x))


linear(unreduce_mean)


@adjoint(as_sequence)
def as_sequence_adjoint(y, x):
    d[x] = sequence_adjoint(d[y], x)


linear(as_sequence)


@adjoint(method("item"))
def item_adjoint(y, x, *args):
    d[x] = unitem(d[y], x, args)


@tangent(method("item"))
def item_tangent(y, x, *args):
    d[y] = item_of(d[x], args)


# --- lists ---


@adjoint(append)
def append_adjoint(y, xs, value):
    d[xs] = split_list(d[y], xs)
    d[value] = d[y][-1]


@tangent(append)
def append_tangent(y, xs, value):
    d[y] = append(d[xs], d[value])


@adjoint(extend)
def extend_adjoint(y, xs, values):
    d[xs] = split_list(d[y], xs)
    d[values] = restack(tail_list(d[y], xs), values)


@tangent(extend)
def extend_tangent(y, xs, values):
    d[y] = extend(d[xs], d[values])


@adjoint(builtins.sum)
def sum_builtin_adjoint(y, xs, start=0):
    d[xs] = spread(d[y], xs)


@adjoint(builtins.list, builtins.tuple)
def list_adjoint(y, x):
    d[x] = restack(d[y], x)


linear(builtins.sum, builtins.list, builtins.tuple)


# --- fields of namedtuples and dataclasses ---


@adjoint(builtins.getattr)
def getattr_adjoint(y, x, name):
    d[x] = unattr(d[y], x, name)


linear(builtins.getattr)


# --- has_aux ---


@adjoint(split_aux)
def split_aux_adjoint(pair, out):
    d[out] = d[pair]


linear(split_aux)
