"""Derivative templates for ``scipy.integrate.odeint``.

Registered only when SciPy imports (as :mod:`s2sad.rules.scipy_stats_rules`, whose
conditional decorators it uses).  ``ys = odeint(func, y0, t, args=(...), rtol=...,
atol=...)`` is differentiated with respect to ``y0``, ``t`` and the arrays/floats in
``args``; ``func`` is the user's function ``func(y, t, *args)``, differentiated at run
time by ``s2sad.vjp``/``s2sad.jvp`` (see :mod:`s2sad.runtime.stats`); parameters reach
it through ``args`` (the compiler refuses nested functions and lambdas as values, so
``func`` cannot capture a differentiated value).  Other ``odeint`` keywords (``Dfun``,
``full_output``, ...) are rejected by the template signature.  Second order through
``odeint`` is not supported: the rules of the helpers raise.
"""
from .registry import adjoint, d, tangent
from .scipy_stats_rules import _adjoint, _tangent
from ..runtime import odeint_tangent, odeint_vjp, stats_no_derivative

_SECOND = "second-order derivatives through scipy.integrate.odeint are not supported"


@_adjoint("integrate.odeint")
def odeint_adjoint(ys, func, y0, t, args=(), rtol=None, atol=None):
    g = odeint_vjp(d[ys], ys, func, y0, t, args, rtol, atol)
    d[y0] = g[0]
    d[t] = g[1]
    d[args] = g[2]


@_tangent("integrate.odeint")
def odeint_tangent_rule(ys, func, y0, t, args=(), rtol=None, atol=None):
    d[ys] = odeint_tangent(ys, func, y0, t, args, d[y0], d[t], d[args], rtol, atol)


@adjoint(odeint_vjp)
def odeint_vjp_adjoint(r, g, ys, func, y0, t, args=(), rtol=None, atol=None):
    d[g] = stats_no_derivative(d[r], "the derivative of odeint", "g", _SECOND)
    d[ys] = stats_no_derivative(d[r], "the derivative of odeint", "ys", _SECOND)
    d[y0] = stats_no_derivative(d[r], "the derivative of odeint", "y0", _SECOND)
    d[t] = stats_no_derivative(d[r], "the derivative of odeint", "t", _SECOND)
    d[args] = stats_no_derivative(d[r], "the derivative of odeint", "args", _SECOND)


@tangent(odeint_vjp)
def odeint_vjp_tangent(r, g, ys, func, y0, t, args=(), rtol=None, atol=None):
    d[r] = stats_no_derivative((d[g], d[ys], d[y0], d[t], d[args]),
                               "the derivative of odeint", "its inputs", _SECOND)


@adjoint(odeint_tangent)
def odeint_tangent_adjoint(r, ys, func, y0, t, args, dy0, dt, dargs, rtol=None, atol=None):
    d[ys] = stats_no_derivative(d[r], "the tangent of odeint", "ys", _SECOND)
    d[y0] = stats_no_derivative(d[r], "the tangent of odeint", "y0", _SECOND)
    d[t] = stats_no_derivative(d[r], "the tangent of odeint", "t", _SECOND)
    d[args] = stats_no_derivative(d[r], "the tangent of odeint", "args", _SECOND)
    d[dy0] = stats_no_derivative(d[r], "the tangent of odeint", "dy0", _SECOND)
    d[dt] = stats_no_derivative(d[r], "the tangent of odeint", "dt", _SECOND)
    d[dargs] = stats_no_derivative(d[r], "the tangent of odeint", "dargs", _SECOND)


@tangent(odeint_tangent)
def odeint_tangent_tangent(r, ys, func, y0, t, args, dy0, dt, dargs, rtol=None, atol=None):
    d[r] = stats_no_derivative((d[ys], d[y0], d[t], d[args], d[dy0], d[dt], d[dargs]),
                               "the tangent of odeint", "its inputs", _SECOND)
