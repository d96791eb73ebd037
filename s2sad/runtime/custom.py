"""Runtime helpers of user-defined derivative rules (``s2sad.custom_vjp``, ``stop_gradient``).

Contract:

* :func:`stop_gradient` is the identity on any value; its rules (``s2sad.rules``)
  declare it non-differentiable, so its derivative is zero in every mode and order.
* :func:`custom_cotangents` checks what a ``custom_vjp`` backward rule returned, one
  cotangent per differentiable argument in a tuple (``None`` meaning zero, a Python or
  NumPy number for a number), with the argument's shape; it raises ``TypeError``
  naming the rule and the expected structure otherwise, and returns the cotangents of
  the arguments at ``wrt`` (zeros for ``None``).  It is linear in the cotangents, and
  :func:`uncustom_cotangents` is its transpose, so the generated backward sweep can be
  differentiated again.
"""
from typing import TypeVar

import numpy as np

from .arrays import zeros_like

__all__ = ["stop_gradient", "custom_cotangents", "uncustom_cotangents"]

T = TypeVar("T")


def stop_gradient(x: T) -> T:
    """``x`` itself, with a zero derivative (any pytree: arrays, numbers, containers)."""
    return x


def _describe(primals):
    parts = []
    for p in primals:
        shape = np.shape(p) if hasattr(p, "shape") or isinstance(p, (int, float, complex)) \
            else None
        parts.append("an array of shape %s" % (shape,) if shape else
                     "a number" if shape == () else type(p).__name__)
    return "(%s)" % ", ".join(parts) if len(parts) != 1 else "(%s,)" % parts[0]


def _rule_text(rule):
    if isinstance(rule, str):
        return rule
    code = getattr(rule, "__code__", None)
    where = " (%s:%d)" % (code.co_filename.rsplit("/", 1)[-1], code.co_firstlineno) \
        if code is not None else ""
    return "%s%s, a custom_vjp backward rule," % (getattr(rule, "__qualname__", rule), where)


def custom_cotangents(ct, primals, wrt, rule):
    """The cotangents at positions ``wrt`` of ``ct``, the tuple the backward rule
    ``rule`` (the function, or a description) returned for the differentiable arguments
    ``primals``."""
    rule = _rule_text(rule)
    if not isinstance(ct, tuple) or len(ct) != len(primals):
        got = ("a %s of length %d" % (type(ct).__name__, len(ct))
               if isinstance(ct, (tuple, list)) else "a %s" % type(ct).__name__)
        raise TypeError(
            "%s must return a tuple with one cotangent per differentiable argument, %d "
            "in all: %s (None for a zero cotangent); it returned %s"
            % (rule, len(primals), _describe(primals), got))
    out = []
    for i in wrt:
        value, primal = ct[i], primals[i]
        if value is None:
            out.append(zeros_like(primal))
            continue
        if (hasattr(primal, "shape") or isinstance(primal, (int, float, complex))) and (
                np.shape(value) != np.shape(primal)):
            raise TypeError(
                "%s returned a cotangent of shape %s for argument %d, whose shape is %s; "
                "it must return one cotangent per differentiable argument, with that "
                "argument's shape: %s" % (rule, np.shape(value), i, np.shape(primal),
                                          _describe(primals)))
        out.append(value)
    return tuple(out)


def uncustom_cotangents(cts, ct, wrt):
    """The transpose of :func:`custom_cotangents`: ``cts`` (one per ``wrt`` position)
    placed back into a tuple shaped like ``ct`` (zeros elsewhere, None where ``ct``
    holds None)."""
    out = [None if v is None else zeros_like(v) for v in ct]
    for i, value in zip(wrt, cts):
        if ct[i] is not None:
            out[i] = value
    return tuple(out)
