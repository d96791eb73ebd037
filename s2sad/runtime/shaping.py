"""Runtime helpers of shape, indexing, joining and splitting derivative rules.

Most of these NumPy functions *select*: every output element is one input element
(``tile``, ``repeat``, ``take``, ``pad``, ``diagonal``, ``sort`` values, ``vstack``) or
a new zero (``pad`` with ``mode='constant'``, off-diagonal ``diag``).  Their adjoints
use one mechanism instead of one transpose per function: an **index probe**, the
function applied to the flat positions ``1..n`` of its input, minus one
(:func:`index_probe`, :func:`join_probe` for sequences of arrays), so an entry holds
the flat position its element comes from and ``-1`` where the function put a zero.
:func:`probe_take` applies a probe (the selection itself); :func:`probe_untake` is its
transpose (repeated positions accumulate).  Probes carry no derivative.

Conventions as in :mod:`s2sad.runtime.arrays`: adjoints ``g`` come first, ``None``
stands for a zero part of a list/tuple cotangent, nothing mutates its inputs,
cotangents keep their float dtype (float32 stays float32).  Every helper has rules in
:mod:`s2sad.rules.shape_rules` (the linear ones are transposes of each other in pairs:
``probe_take``/``probe_untake``, ``unjoin``/``rejoin``,
``unbroadcast_parts``/``broadcast_parts``, ``unmeshgrid``/``meshgrid_parts``;
``reshape_like`` is its own transpose).
"""
import math

import numpy as np

from .arrays import unbroadcast, zeros_like

__all__ = [
    "index_probe", "join_probe", "pad_probe", "pad_mode", "trace_probe", "insert_probe",
    "probe_take", "probe_untake", "unjoin", "rejoin", "reshape_like", "unbroadcast_parts",
    "broadcast_parts", "unmeshgrid", "meshgrid_parts", "unchoose", "unselect", "select_rest",
    "rollaxis_destination", "hsplit_axis", "pad_constants", "pad_constants_adjoint",
]


def _grad_dtype(g, like):
    dtype = np.result_type(g, like) if np.size(like) else np.result_type(g)
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


def _real_like(g, x):
    """The cotangent ``g`` of a real ``x`` is real (JAX's convention), also when ``x``
    went into a complex result (``np.vstack((real, complex))``)."""
    return np.real(g) if np.iscomplexobj(g) and not np.iscomplexobj(x) else g


def _positions(shape, start=1):
    return np.arange(start, start + math.prod(shape)).reshape(shape)


# --- index probes (no derivative) ---

def index_probe(name, x, *args, **kwargs):
    """``np.<name>(positions of x, *args, **kwargs)``: for each element of the result, the
    flat position in ``x`` it is taken from, or -1 where the function puts a zero.

    >>> index_probe("pad", np.zeros(2), 1)
    array([-1,  0,  1, -1])
    """
    return getattr(np, name)(_positions(np.shape(x)), *args, **kwargs) - 1


def join_probe(name, arrays, *args, **kwargs):
    """:func:`index_probe` of a function of a sequence of arrays (``np.vstack(arrays)``):
    positions count through the arrays one after the other."""
    ids, start = [], 1
    for a in arrays:
        ids.append(_positions(np.shape(a), start))
        start += np.size(a)
    return getattr(np, name)(ids, *args, **kwargs) - 1


def trace_probe(a, offset=0, axis1=0, axis2=1):
    """Probe of the diagonal ``np.trace(a, offset, axis1, axis2)`` sums, the diagonal axis
    first (so the cotangent of the trace broadcasts along it)."""
    return np.moveaxis(index_probe("diagonal", a, offset, axis1, axis2), -1, 0)


_SELECTING_PADS = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_mode(mode):
    """``mode`` of ``np.pad`` if it copies elements (constant, edge, reflect, symmetric,
    wrap); the statistics and ramp modes are refused (``"maximum"`` is not even linear,
    ``"empty"`` leaves garbage)."""
    if not isinstance(mode, str) or mode not in _SELECTING_PADS:
        raise NotImplementedError(
            "s2sad differentiates np.pad with mode in %s, not mode=%r"
            % (", ".join(_SELECTING_PADS), mode))
    return mode


def pad_probe(array, pad_width, mode):
    """:func:`index_probe` of ``np.pad`` (a mode :func:`pad_mode` accepts)."""
    return index_probe("pad", array, pad_width, pad_mode(mode))


def pad_constants(t, array, pad_width):
    """What ``constant_values=t`` adds to ``np.pad(array, pad_width)``: the padding of
    zeros shaped like ``array`` with the constants ``t`` (any form NumPy accepts)."""
    zeros = np.zeros(np.shape(array), dtype=_grad_dtype(t, array))
    return np.pad(zeros, pad_width, constant_values=t)


def pad_constants_adjoint(g, array, pad_width, constant_values):
    """Transpose of :func:`pad_constants`: for each (axis, side) constant the sum of
    ``g`` over the elements it fills (NumPy pads axis after axis, so a corner takes
    the constant of the last axis), reduced to the shape of ``constant_values``."""
    n = np.ndim(array)
    out = np.zeros((n, 2), dtype=_grad_dtype(g, constant_values))
    for k in range(2 * n):
        unit = np.zeros((n, 2))
        unit.flat[k] = 1.0
        out.flat[k] = np.sum(g * pad_constants(unit, array, pad_width))
    return _real_like(unbroadcast(out, constant_values), constant_values)


def insert_probe(arr, obj, values, axis=None, of_values=False):
    """Probe of ``np.insert(arr, obj, values, axis)`` for ``arr`` (the inserted elements
    are -1) or, with ``of_values``, for ``values`` (broadcast copies repeat a position;
    the elements of ``arr`` are -1)."""
    ids = _positions(np.shape(arr)) * (not of_values)
    new = _positions(np.shape(values)) * bool(of_values)
    return np.insert(ids, obj, new, axis) - 1


def probe_take(x, probe):
    """The elements of ``x`` at the flat positions ``probe`` (zeros where it is -1)."""
    flat = np.reshape(x, (-1,))
    if flat.size == 0:
        return np.zeros(np.shape(probe), dtype=_grad_dtype(x, x))
    return np.where(probe >= 0, flat[np.maximum(probe, 0)], 0)


def _untake(g, probe, size, dtype):
    g = np.broadcast_to(g, np.shape(probe))
    keep = probe >= 0
    out = np.zeros(size, dtype=dtype)
    np.add.at(out, probe[keep], g[keep])
    return out


def probe_untake(g, probe, like):
    """Transpose of :func:`probe_take`: ``g`` (broadcast to the probe's shape) summed into
    zeros shaped like ``like`` at the probe's positions."""
    out = _untake(g, probe, np.size(like), _grad_dtype(g, like)).reshape(np.shape(like))
    return _real_like(out, like)


def unjoin(g, probe, arrays):
    """Adjoint of a join (``vstack``, ...) with :func:`join_probe` ``probe``: one part of
    ``g`` per array of ``arrays``, in a list or tuple like ``arrays``."""
    sizes = [np.size(a) for a in arrays]
    flat = _untake(g, probe, sum(sizes), _grad_dtype(g, g))
    pieces = np.split(flat, np.cumsum(sizes)[:-1])
    parts = [_real_like(np.reshape(p, np.shape(a)), a) for p, a in zip(pieces, arrays)]
    return parts if isinstance(arrays, list) else tuple(parts)


def rejoin(parts, probe, arrays):
    """Transpose of :func:`unjoin`: the join of ``parts`` (``None`` parts are zeros)."""
    if parts is None:
        parts = [None] * len(arrays)
    flat = [np.reshape(p if p is not None else zeros_like(a), (-1,))
            for p, a in zip(parts, arrays)]
    return probe_take(np.concatenate(flat) if flat else np.zeros(0), probe)


# --- several arrays in, several out ---

def _parts(g, like):
    """``g`` as a list with one entry per item of ``like`` (None parts become zeros)."""
    if g is None:
        g = [None] * len(like)
    elif not isinstance(g, (list, tuple)):
        g = [g]
    return [p if p is not None else zeros_like(a) for p, a in zip(g, like)]


def reshape_like(g, like):
    """Each part of ``g`` reshaped like the matching item of ``like``: the adjoint (and
    tangent) of ``np.atleast_1d(*arys)`` and friends, its own transpose.

    A sequence ``like`` gives a tuple/list like it; an array ``like`` (one argument)
    takes the single part of ``g``.
    """
    if isinstance(like, (list, tuple)):
        parts = [np.reshape(p, np.shape(a)) for p, a in zip(_parts(g, like), like)]
        return parts if isinstance(like, list) else tuple(parts)
    if isinstance(g, (list, tuple)):
        g = g[0]
    return np.reshape(g if g is not None else zeros_like(like), np.shape(like))


def unbroadcast_parts(g, like):
    """Adjoint of ``np.broadcast_arrays(*like)``: each part reduced to its argument."""
    return tuple(unbroadcast(p, a) for p, a in zip(_parts(g, like), like))


def broadcast_parts(parts, like):
    """``parts`` broadcast to the common shape of ``like`` (tangent of
    ``np.broadcast_arrays``; transpose of :func:`unbroadcast_parts`)."""
    shape = np.broadcast_shapes(*[np.shape(a) for a in like])
    return tuple(np.broadcast_to(p, shape) for p in _parts(parts, like))


def _meshgrid_axis(i, n, indexing):
    if indexing == "xy" and n >= 2 and i < 2:
        return 1 - i
    return i


def unmeshgrid(g, xi, sparse=False, indexing="xy"):
    """Adjoint of ``np.meshgrid(*xi, sparse=sparse, indexing=indexing)``: output ``i``
    varies along one axis only; its cotangent summed over the others is ``xi[i]``'s."""
    n = len(xi)
    out = []
    for i, (p, x) in enumerate(zip(_parts(g, xi), xi)):
        axis = _meshgrid_axis(i, n, indexing)
        others = tuple(k for k in range(np.ndim(p)) if k != axis)
        out.append(np.reshape(np.sum(p, axis=others), np.shape(x)))
    return tuple(out)


def meshgrid_parts(parts, xi, sparse=False, indexing="xy"):
    """``np.meshgrid(*parts, ...)`` as a tuple (None parts are zeros like ``xi``'s): the
    tangent of ``np.meshgrid`` and the transpose of :func:`unmeshgrid`."""
    return tuple(np.meshgrid(*_parts(parts, xi), sparse=sparse, indexing=indexing))


# --- choose and select ---

def _choice_index(a, n, mode):
    a = np.asarray(a)
    if mode == "wrap":
        return a % n
    if mode == "clip":
        return np.clip(a, 0, n - 1)
    return a


def unchoose(g, a, choices, mode="raise"):
    """Adjoint of ``np.choose(a, choices, mode=mode)`` with respect to ``choices``: each
    choice gets ``g`` where it was chosen (reduced to its shape)."""
    index = _choice_index(a, len(choices), mode)
    parts = [_real_like(unbroadcast(np.where(index == i, g, 0), c), c)
             for i, c in enumerate(choices)]
    if isinstance(choices, np.ndarray):
        return np.stack(parts)
    return parts if isinstance(choices, list) else tuple(parts)


def select_rest(condlist):
    """Where no condition of ``np.select(condlist, ...)`` holds (its default is taken)."""
    taken = np.zeros((), dtype=bool)
    for cond in condlist:
        taken = np.logical_or(taken, cond)
    return np.logical_not(taken)


def unselect(g, condlist, choicelist):
    """Adjoint of ``np.select(condlist, choicelist, default)`` with respect to
    ``choicelist``: each choice gets ``g`` where its condition is the first that holds."""
    taken = np.zeros((), dtype=bool)
    parts = []
    for cond, choice in zip(condlist, choicelist):
        mask = np.logical_and(cond, np.logical_not(taken))
        parts.append(_real_like(unbroadcast(np.where(mask, g, 0), choice), choice))
        taken = np.logical_or(taken, cond)
    return parts if isinstance(choicelist, list) else tuple(parts)


# --- axes (no derivative) ---

def rollaxis_destination(a, axis, start=0):
    """Where ``np.rollaxis(a, axis, start)`` moves ``axis`` to, as for ``np.moveaxis``."""
    n = np.ndim(a)
    axis = axis % n
    start = start + n if start < 0 else start
    return start - 1 if axis < start else start


def hsplit_axis(ary):
    """The axis ``np.hsplit`` splits along: 1, or 0 for 1-D arrays."""
    return 1 if np.ndim(ary) > 1 else 0
