"""Runtime helpers of elementwise and complex derivative rules.

Called by the templates of :mod:`s2sad.rules.elementwise_rules` and
:mod:`s2sad.rules.builtins_rules`; their own derivative rules are in
:mod:`s2sad.rules.elementwise_rules` (so generated code can be differentiated again).

* :func:`power_term` is ``c * x ** q`` with 0 wherever ``c`` is 0: the derivative of
  ``x ** p`` (``power_term(p, x, p - 1)``) at ``x = 0``, ``p = 0`` is 0, not
  ``0 * 0 ** -1`` (NaN for arrays, ZeroDivisionError for Python floats);
* :func:`real_cotangent` projects an adjoint onto the field of its primal: the
  cotangent of a real operand of a complex operation is real (JAX's convention);
* the masks (:func:`clip_where`, :func:`fmax_wins`) and :func:`angle_unit` only read
  primal values: they are declared non-differentiable.

Python numbers in give Python numbers out (``math.pow``'s rule stays in floats).
"""
import math
import numbers

import numpy as np

__all__ = ["power_term", "real_cotangent", "clip_where", "fmax_wins", "angle_unit"]

_PY = (bool, int, float)


def power_term(c, x, q):
    """``c * x ** q``, exactly 0 wherever ``c`` is 0 (even where ``x ** q`` is infinite).

    >>> power_term(0.0, 0.0, -1.0)
    0.0
    >>> power_term(np.array([0.0, 2.0]), np.array([0.0, 3.0]), np.array([-1.0, 1.0]))
    array([0., 6.])
    """
    if type(c) in _PY and type(x) in _PY and type(q) in _PY:
        if c == 0:
            return 0.0
        try:
            return c * x ** q
        except ZeroDivisionError:  # 0.0 ** negative: NumPy's (signed) infinity
            return c * math.copysign(math.inf, x) if q % 2 == 1 else c * math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        value = c * np.power(x, q)
    if np.ndim(c) == 0:
        return value if c != 0 else np.zeros_like(value)
    return np.where(c == 0, 0.0, value)


def _is_complex(x):
    if type(x) is np.ndarray:
        return x.dtype.kind == "c"
    return np.iscomplexobj(x)


def real_cotangent(g, x):
    """The adjoint ``g`` of the operand ``x``: its real part when ``x`` is real and ``g``
    complex (``1j * x`` for a real ``x`` sends ``Re(1j * g)`` to ``x``), else ``g``."""
    if type(g) is np.ndarray:
        if g.dtype.kind != "c":
            return g
    elif isinstance(g, numbers.Real) or not _is_complex(g):
        return g
    return g if _is_complex(x) else np.real(g)


def _bound(value, alias):
    return alias if value is None else value


def clip_where(which, a, a_min=None, a_max=None, lo=None, hi=None):
    """Where ``np.clip(a, a_min, a_max) == minimum(maximum(a, a_min), a_max)`` takes its
    value from ``which`` (``"a"``, ``"min"`` or ``"max"``); ``lo``/``hi`` are the
    ``min=``/``max=`` spellings.  Ties go to ``a``; with ``a_min > a_max`` the result is
    ``a_max`` everywhere, as in NumPy."""
    a_min, a_max = _bound(a_min, lo), _bound(a_max, hi)
    if which == "a":
        if a_min is None:
            return a <= a_max
        if a_max is None:
            return a >= a_min
        return np.logical_and(a >= a_min, a <= a_max)
    if which == "min":
        if a_min is None:
            return False
        below = a < a_min
        return below if a_max is None else np.logical_and(below, a_min <= a_max)
    if a_max is None:
        return False
    above = a > a_max
    return above if a_min is None else np.logical_or(above, a_min > a_max)


def fmax_wins(x, y, smaller=False):
    """Where ``np.fmax(x, y)`` (``np.fmin`` if ``smaller``) takes ``x`` strictly: ``x``
    beats ``y``, or ``y`` is NaN and ``x`` is not.  Ties (``x == y``) are not wins."""
    beats = x < y if smaller else x > y
    return np.logical_or(beats, np.logical_and(np.isnan(y), np.logical_not(np.isnan(x))))


def angle_unit(deg=False):
    """Radians per unit of ``np.angle(z, deg)``'s result: ``180 / pi`` or 1."""
    return 180.0 / math.pi if deg else 1.0
