"""Runtime helpers for containers: functional writes, lists, tuples, records.

Generated code calls these where the user's function writes into an array or a
list (``x[i] = v`` becomes ``x = setitem(x, i, v)`` on a copy), builds lists,
unpacks ``(output, aux)`` pairs, or reads fields of namedtuples and dataclasses;
their adjoints and transposes are here too.  Like :mod:`s2sad.runtime.arrays`,
nothing here mutates its inputs, and each helper has derivative rules of its own
(:mod:`s2sad.rules.structure_rules`, :mod:`s2sad.rules.runtime_rules`).
"""
import dataclasses
import numbers

import numpy as np

from ..errors import AuxOutputError
from .arrays import _shape, broadcast_like, unbroadcast, unreduce, zeros_like

__all__ = [
    "split_aux", "item_at", "setitem", "append", "extend", "unattr", "as_sequence",
    "sequence_adjoint", "unitem", "item_of", "split_list", "tail_list", "spread", "restack",
    "unspread", "slice_list", "embed_list", "unrestack",
]

def split_aux(out):
    """``(output, aux)`` from the result of a function differentiated with has_aux=True."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return out
    got = ("%s of length %d" % (type(out).__name__, len(out))
           if isinstance(out, (tuple, list)) else type(out).__name__)
    raise AuxOutputError("a function differentiated with has_aux=True must return a "
                         "(output, aux) pair, got %s" % got)


# --- functional writes and list building (see transforms/anf.py) ---

def item_at(g, index):
    """``g[index]``, where ``g`` (the adjoint of ``x[index] = v``'s result) may be a Python
    number for a 0-d array ``x`` written whole (``x[...] = v``): then ``g`` itself."""
    if isinstance(g, numbers.Number) and (index is Ellipsis or index == ()):
        return g
    return g[index]


def setitem(x, index, value):
    """``x`` with ``x[index] = value`` applied to a copy; ``x`` is never modified.

    Arrays keep their dtype (as an in-place write would); lists and dicts are
    copied shallowly.

    >>> setitem(np.zeros(3), 1, 5.0)
    array([0., 5., 0.])
    """
    if isinstance(x, list):
        out = list(x)
    elif isinstance(x, dict):
        out = type(x)(x)
    elif isinstance(x, tuple):
        raise TypeError("'tuple' object does not support item assignment")
    else:
        out = np.array(x, copy=True, subok=True)
    out[index] = value
    return out


def append(xs, value):
    """``xs + [value]``: the list ``xs.append(value)`` would leave, as a new list."""
    return list(xs) + [value]


def extend(xs, values):
    """``xs + list(values)``: the list ``xs.extend(values)`` would leave."""
    return list(xs) + list(values)


def unattr(g, x, name):
    """Adjoint of ``y = x.name`` for a namedtuple or dataclass ``x``: zeros like ``x``
    with ``g`` in field ``name``."""
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[g if f == name else zeros_like(getattr(x, f)) for f in x._fields])
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{
            f.name: g if f.name == name else zeros_like(getattr(x, f.name))
            for f in dataclasses.fields(x) if f.init})
    raise TypeError("s2sad cannot differentiate through attribute .%s of a %s object; only "
                    "namedtuple and dataclass fields carry derivatives"
                    % (name, type(x).__name__))


def as_sequence(x):
    """What a ``for`` loop over ``x`` visits, as an indexable sequence: arrays,
    lists, tuples and ranges themselves; the keys of a dict; any other
    iterable as a list."""
    if isinstance(x, (np.ndarray, list, tuple, range)):
        return x
    return list(x)


def sequence_adjoint(g, x):
    """Adjoint of :func:`as_sequence`: ``g`` itself, or zeros for a dict's keys."""
    if isinstance(x, (np.ndarray, list, tuple, range)):
        return g
    if isinstance(x, dict):
        return zeros_like(x)
    raise TypeError("s2sad cannot differentiate a loop over a %s; loop over a list, a "
                    "tuple or an array" % type(x).__name__)


def unitem(g, x, args):
    """Adjoint of ``y = x.item(*args)``: zeros like ``x`` with ``g`` at that element."""
    out = np.zeros(_shape(x), dtype=np.result_type(x, g) if np.iscomplexobj(x) or
                   np.iscomplexobj(g) else np.float64)
    if not args:
        out.reshape(-1)[0] = g
    elif len(args) == 1 and not isinstance(args[0], tuple):
        out.reshape(-1)[args[0]] = g
    else:
        out[args[0] if len(args) == 1 else args] = g
    return out


def item_of(t, args):
    """Tangent of ``x.item(*args)`` from the tangent ``t`` of ``x``."""
    return np.asarray(t).item(*args)


def split_list(g, xs):
    """Adjoint of ``xs + [...]`` for the ``xs`` part: the first ``len(xs)`` items."""
    return list(g[:len(xs)])


def tail_list(g, xs):
    """Adjoint of ``xs + values`` for the ``values`` part: the items after ``len(xs)``."""
    return list(g[len(xs):])


def spread(g, xs):
    """Adjoint of builtin ``sum(xs)``: ``g`` for every item (unbroadcast to it).

    For an array, ``sum`` adds along the first axis.
    """
    if isinstance(xs, (list, tuple)):
        return type(xs)(unbroadcast(g, x) for x in xs) if not hasattr(xs, "_fields") \
            else type(xs)(*(unbroadcast(g, x) for x in xs))
    return unreduce(g, xs, 0)


def restack(g, x):
    """Adjoint of ``list(x)``/``tuple(x)``: ``g`` in the form of ``x``."""
    if isinstance(x, (list, tuple)):
        return type(x)(g) if not hasattr(x, "_fields") else type(x)(*g)
    return np.stack([np.broadcast_to(gi, np.shape(x)[1:]) for gi in g]) if len(g) else \
        zeros_like(x)


# --- transposes of the linear helpers above (their adjoints, for higher order) ---

def unspread(b, g, xs):
    """Transpose of :func:`spread` in ``g``: the items of ``b`` summed back to ``g``."""
    if isinstance(xs, (list, tuple)):
        total = zeros_like(g)
        for item in b:
            if item is not None:
                total = total + broadcast_like(item, g)
        return total
    return unbroadcast(np.sum(b, axis=0), g)


def slice_list(g, start, stop):
    """``list(g[start:stop])``: the adjoint items of part of a concatenated list."""
    return list(g[start:stop])


def embed_list(b, like, start):
    """Transpose of :func:`slice_list`: a list like ``like`` holding ``b`` from
    ``start`` on and zeros elsewhere."""
    out = [zeros_like(v) for v in like]
    out[start:start + len(b)] = list(b)
    return out


def unrestack(b, g, x):
    """Transpose of :func:`restack` in ``g``: the items of ``b`` (in the form of
    ``x``) as a list, each reduced to the shape of the item of ``g``."""
    return [unbroadcast(bi, gi) for bi, gi in zip(b, g)]
