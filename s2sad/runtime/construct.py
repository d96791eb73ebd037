"""Helpers of the rules for array constructors and index builders (``numpy_rules``).

* ``np.r_[...]`` / ``np.c_[...]``: :func:`concat_probe` applies the index builder to
  position ids (1, 2, ... through the array and scalar parts, zeros for the constant
  slice parts: ``np.r_[x, 0:3]``), so NumPy itself decides where each element goes
  (axis, promotion of scalars, 1-d parts as columns, integer directives ``'0,2'``);
  :func:`concat_parts` (the adjoint: one cotangent per part, None for constants) and
  :func:`concat_join` (the tangent: the parts' tangents placed in the result, zeros
  at constants) are each other's transposes, built on the join helpers of the
  ``*stack`` functions (:func:`~s2sad.runtime.shaping.unjoin`/``rejoin``).
* ``np.linspace(start, stop, num, endpoint, retstep, dtype, axis)`` is linear in
  ``(start, stop)``: sample ``k`` is ``(1 - t_k) start + t_k stop`` with
  ``t_k = k / div`` (``div = num - 1`` with the endpoint, else ``num``), and the step
  ``(stop - start) / div``.  :func:`linspace_spread` (the tangent, of both inputs),
  :func:`linspace_expand` (of one input) and :func:`linspace_collapse` (the
  cotangent of one input, summed over the samples and unbroadcast) are linear; a
  result with ``retstep=True`` is the pair ``(samples, step)`` in all three.  An
  integer ``dtype`` floors the samples: they carry no derivative (the step does).

* ``np.arange([start,] stop[, step])``: element ``k`` is ``start + k step`` (the
  number of elements is piecewise constant: ``stop`` carries no derivative);
  :func:`arange_parts` (the cotangents of the arguments) and :func:`arange_join` (the
  tangent) are each other's transposes.

Conventions: cotangents and tangents keep the dtype of the arrays they come from
(float32 stays float32); no NaN where the derivative exists.
"""
import numpy as np

from .arrays import unbroadcast, zeros_like
from .shaping import rejoin, unjoin

__all__ = [
    "concat_probe", "concat_parts", "concat_join",
    "linspace_spread", "linspace_expand", "linspace_collapse",
    "arange_parts", "arange_join",
]

_BUILDERS = {"r_": np.r_, "c_": np.c_}


def _is_part(p):
    """An array or number part (not a slice or a directive string)."""
    return not isinstance(p, (slice, str))


def concat_probe(kind, parts):
    """``np.r_[parts]`` (``kind`` ``"r_"``) or ``np.c_[parts]`` on position ids: for each
    element of the result, its flat position among the array and number parts counted
    one after the other, or -1 where it comes from a slice part.

    >>> concat_probe("r_", (np.zeros(2), 5.0, slice(0, 2)))
    array([ 0,  1,  2, -1, -1])
    """
    ids, start = [], 1
    for p in parts:
        if isinstance(p, str):
            if p.strip() in ("r", "c") or not all(
                    s.strip().lstrip("-").isdigit() for s in p.split(",")):
                raise NotImplementedError(
                    "s2sad differentiates np.%s with integer directives ('0,2'), not %r "
                    "(a matrix or unknown directive)" % (kind, p))
            ids.append(p)
        elif isinstance(p, slice):
            ids.append(np.zeros(np.shape(np.r_[p]), dtype=np.int64))
        else:
            n = int(np.size(p))
            ids.append(np.arange(start, start + n, dtype=np.int64).reshape(np.shape(p)))
            start += n
    return np.asarray(_BUILDERS[kind][tuple(ids)]).astype(np.int64) - 1


def _dtype(values):
    found = [v for v in values if v is not None]
    dtype = np.result_type(*found) if found else np.float64
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _real_like(g, x):
    """The cotangent ``g`` of a real ``x`` is real (JAX's convention)."""
    return np.real(g) if np.iscomplexobj(g) and not np.iscomplexobj(x) else g


def concat_parts(g, probe, parts):
    """Adjoint of ``np.r_[parts]``/``np.c_[parts]`` with :func:`concat_probe` ``probe``:
    a tuple with the part of ``g`` of each array or number part (shaped like it, real
    for a real part; a number's part is a NumPy scalar), None for the slice and
    directive parts.  The probe counts positions like :func:`~.shaping.join_probe`, so
    this is :func:`~.shaping.unjoin` of the array and number parts."""
    pieces = iter(unjoin(g, probe, [p for p in parts if _is_part(p)]))
    out = []
    for p in parts:
        part = next(pieces) if _is_part(p) else None
        out.append(part[()] if part is not None and np.ndim(p) == 0 else part)
    return tuple(out)


def concat_join(ts, probe, parts):
    """Tangent of ``np.r_[parts]``/``np.c_[parts]``: the tangents ``ts`` of the parts (a
    tuple like ``parts``; None entries, or ``ts`` None, are zeros) placed where
    :func:`concat_probe` ``probe`` puts them (:func:`~.shaping.rejoin`, in the dtype of
    the tangents: a constant part does not promote them); the transpose of
    :func:`concat_parts`."""
    if ts is None:
        ts = (None,) * len(parts)
    kept = [(t, p) for t, p in zip(ts, parts) if _is_part(p)]
    dtype = _dtype([t for t, _ in kept])
    joined = rejoin([t for t, _ in kept], probe, [p for _, p in kept])
    return joined.astype(dtype, copy=False)


# --- linspace ---

def _linspace_weights(num, endpoint, dtype, end):
    """``(w, s)``: the weights of ``stop`` (``end``) or ``start`` in the ``num`` samples
    and in the step (0 when there is no step: one sample with the endpoint)."""
    num = int(num)
    div = num - 1 if endpoint else num
    t = np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)
    w = t if end else 1.0 - t
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        w = np.zeros(num)  # integer samples are floored: piecewise constant
    s = 0.0 if div <= 0 else (1.0 / div if end else -1.0 / div)
    return w, s


def _samples_like(like):
    return like[0] if isinstance(like, (tuple, list)) else like


def linspace_expand(t, num, endpoint, dtype, end, like, axis=0):
    """Tangent of ``np.linspace`` from the tangent ``t`` of ``stop`` (``end``) or of
    ``start`` alone: shaped like the result ``like`` (a pair ``(samples, step)`` with
    ``retstep=True``)."""
    w, s = _linspace_weights(num, endpoint, dtype, end)
    samples = _samples_like(like)
    dtype_out = _dtype([t, samples]) if np.iscomplexobj(t) else _dtype([samples])
    moved = np.shape(np.moveaxis(np.empty(np.shape(samples), dtype=np.int8), axis, 0))
    wcol = np.reshape(w.astype(dtype_out), (-1,) + (1,) * (len(moved) - 1))
    out = np.moveaxis(wcol * np.broadcast_to(t, moved[1:]), 0, axis).astype(dtype_out,
                                                                             copy=False)
    if isinstance(like, (tuple, list)):
        step = like[1]
        return out, np.broadcast_to(t, np.shape(step)) * s
    return out


def linspace_spread(ta, tb, num, endpoint, dtype, like, axis=0):
    """Tangent of ``np.linspace`` from the tangents ``ta`` of ``start`` and ``tb`` of
    ``stop`` (None is zero)."""
    parts = [linspace_expand(t, num, endpoint, dtype, end, like, axis)
             for t, end in ((ta, False), (tb, True)) if t is not None]
    if not parts:
        return zeros_like(like)
    if len(parts) == 1:
        return parts[0]
    a, b = parts
    if isinstance(a, tuple):
        return a[0] + b[0], a[1] + b[1]
    return a + b


def linspace_collapse(g, num, endpoint, dtype, end, like, axis=0):
    """Cotangent of ``stop`` (``end``) or ``start`` (shaped like ``like``) from the
    cotangent ``g`` of ``np.linspace``'s result (a pair with ``retstep=True``); the
    transpose of :func:`linspace_expand`."""
    w, s = _linspace_weights(num, endpoint, dtype, end)
    step = None
    if isinstance(g, (tuple, list)):
        g, step = g
    moved = np.moveaxis(np.asarray(g), axis, 0)
    wcol = np.reshape(w.astype(_dtype([moved])), (-1,) + (1,) * (moved.ndim - 1))
    total = np.sum(wcol * moved, axis=0)
    if step is not None:
        total = total + np.asarray(step) * s
    return unbroadcast(_real_like(total, like), like)


# --- arange ---

def _arange_ks(args, dtype, n):
    """The multipliers ``k`` of the step, or None when the values carry no derivative
    (an integer ``dtype``)."""
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        return None
    return np.arange(n, dtype=np.float64)


def arange_parts(g, args, dtype=None):
    """Adjoint of ``np.arange(*args, dtype=dtype)``: a tuple with one cotangent per
    argument (``start``: the sum of ``g``; ``step``: ``sum(k g)``; ``stop``, and the
    only argument of ``np.arange(stop)``: zero)."""
    ks = _arange_ks(args, dtype, np.size(g))
    out = [zeros_like(a) for a in args]
    if ks is None or len(args) < 2:
        return tuple(out)
    out[0] = _real_like(np.sum(g), args[0])
    if len(args) > 2:
        out[2] = _real_like(np.sum(g * ks.astype(_dtype([np.asarray(g)]))), args[2])
    return tuple(out)


def arange_join(ts, args, dtype, like):
    """Tangent of ``np.arange(*args, dtype=dtype)`` (shaped like the result ``like``)
    from the tangents ``ts`` of the arguments (None entries, or ``ts`` None, are zero);
    the transpose of :func:`arange_parts`."""
    n = np.size(like)
    out_dtype = _dtype([like])
    ks = _arange_ks(args, dtype, n)
    out = np.zeros(n, dtype=out_dtype)
    if ks is None or ts is None or len(args) < 2:
        return out
    if ts[0] is not None:
        out = out + ts[0]
    if len(args) > 2 and ts[2] is not None:
        out = out + ks.astype(out_dtype) * ts[2]
    return out.astype(np.result_type(out_dtype, *[t for t in ts if t is not None]),
                      copy=False)
