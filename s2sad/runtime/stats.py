"""Runtime helpers of the ``scipy.stats`` and ``scipy.integrate`` derivative rules.

Contract: helpers touch NumPy, the standard library and (guarded: SciPy is optional)
``scipy.integrate.odeint``.  Their rules are in :mod:`s2sad.rules.scipy_stats_rules`:

* :func:`stats_no_derivative` stands for a derivative that has no closed form (the
  ``cdf`` of ``t``/``gamma``/``beta`` with respect to a shape parameter): the rules
  use it as the contribution of that parameter, so it runs, and raises, only when the
  parameter is actually differentiated (a constant or inactive parameter's
  contribution is dropped by the compiler).  It is non-differentiable (it never
  returns).
* :func:`stats_checked` is the identity on its first argument, or raises
  ``ValueError`` naming an unsupported form of a call (``allow_singular=True``, a
  non-matrix ``cov``, a Dirichlet ``x`` with one component fewer than ``alpha``); it
  is linear and its adjoint is itself.
* :func:`odeint_vjp` and :func:`odeint_tangent` differentiate
  ``ys = scipy.integrate.odeint(func, y0, t, args)``: reverse mode integrates the
  adjoint system backwards between consecutive output times, forward mode the
  sensitivity equations.  They need vector-Jacobian and Jacobian-vector products of
  the user's ``func`` at run time, i.e. ``s2sad.vjp``/``s2sad.jvp``, which this layer
  cannot import: :mod:`s2sad.api` registers them with :func:`install_ode_api` when it
  is imported (as it fills ``s2sad.transforms.hooks.API``).  Their own derivatives
  (second order through ``odeint``) are not supported: their rules raise.
"""
import numpy as np

from ..errors import MissingRuleError

try:
    from scipy.integrate import odeint as _odeint
except ImportError:  # SciPy is optional
    _odeint = None

__all__ = ["stats_no_derivative", "stats_checked", "odeint_vjp", "odeint_tangent"]

#: ``s2sad.vjp`` and ``s2sad.jvp``, registered by :mod:`s2sad.api` (see the docstring)
ODE_API = {"vjp": None, "jvp": None}


def install_ode_api(vjp, jvp):
    """Register ``s2sad.vjp`` and ``s2sad.jvp`` for the ``odeint`` helpers."""
    ODE_API["vjp"], ODE_API["jvp"] = vjp, jvp


class NoClosedFormError(MissingRuleError):
    """A derivative the rules cannot give (raised by :func:`stats_no_derivative`)."""

    def __init__(self, name, param, why):
        NotImplementedError.__init__(
            self, "s2sad cannot differentiate %s with respect to %s: %s. Pass %s as a "
            "constant (not computed from the differentiated arguments), or differentiate "
            "with respect to the other arguments only (argnums)" % (name, param, why, param))
        self.name, self.where = "%s with respect to %s" % (name, param), "run time"


def stats_no_derivative(g, name, param, why="that derivative has no closed form"):
    """Raise: the derivative of ``name`` with respect to ``param`` is not available.

    ``g`` is the cotangent or tangent of ``param`` that would be needed.
    """
    raise NoClosedFormError(name, param, why)


def stats_checked(x, ok, message):
    """``x`` itself if ``ok``; otherwise raise ``ValueError(message)``."""
    if not ok:
        raise ValueError("s2sad cannot differentiate this call: %s" % message)
    return x


# --- scipy.integrate.odeint ---


def _ode_setup(kind, func, args):
    if ODE_API[kind] is None or _odeint is None:
        raise MissingRuleError("scipy.integrate.odeint", "run time",
                               "s2sad.api is not imported or SciPy is missing")
    return ODE_API[kind], (args if isinstance(args, tuple) else (args,))


def _flat(values):
    """One float vector of ``values`` (float0 cotangents of integer arguments give 0)."""
    return np.concatenate([np.zeros(np.size(v)) if np.asarray(v).dtype.kind in "biuV" else
                           np.ravel(np.asarray(v, dtype=float)) for v in values] + [[]])


def _arg_tangents(targs, dargs):
    """Tangents for ``jvp(func, (y, t, *args), ...)``: zeros (float0 for integers) where
    the compiler passed a zero, the tangents as given elsewhere."""
    if not isinstance(dargs, (tuple, list)):
        dargs = (dargs,) * len(targs) if len(targs) != 1 else (dargs,)
    out = []
    for a, da in zip(targs, dargs):
        if np.asarray(a).dtype.kind in "biu":
            out.append(np.zeros(np.shape(a), dtype=[("float0", np.void, 0)]))
        elif isinstance(a, float):
            out.append(float(np.asarray(da)))
        else:
            out.append(np.broadcast_to(np.asarray(da, dtype=np.asarray(a).dtype),
                                       np.shape(a)))
    return tuple(out)


def _unflat(vector, likes, single):
    out, start = [], 0
    for like in likes:
        size = int(np.size(like))
        part = vector[start:start + size]
        start += size
        out.append(float(part[0]) if isinstance(like, (int, float)) else
                   np.reshape(part, np.shape(like)))
    return out[0] if single else tuple(out)


def _solver_options(rtol, atol):
    return {k: v for k, v in (("rtol", rtol), ("atol", atol)) if v is not None}


def odeint_vjp(g, ys, func, y0, t, args=(), rtol=None, atol=None):
    """Cotangents ``(y0, t, args)`` of ``ys = odeint(func, y0, t, args)`` for ``g``.

    The adjoint ``a`` of the state solves ``da/dt = -a^T df/dy`` backwards from each
    output time to the previous one, where it jumps by that time's cotangent; the
    cotangent of ``args`` accumulates ``int a^T df/dargs dt`` along the way (the
    augmented system ``[y, a, a^T df/dargs]``, as autograd's ``odeint`` VJP).  Times:
    ``g_i . f(y_i, t_i)`` for ``i > 0`` and ``-a(t_0) . f(y0, t_0)`` for the start.
    """
    vjp, targs = _ode_setup("vjp", func, args)
    g, ys, t = np.asarray(g, dtype=float), np.asarray(ys), np.asarray(t, dtype=float)
    shape, n = ys.shape[1:], int(np.size(ys[0]))  # func sees y as odeint gives it

    def augmented(state, time):
        out, pullback = vjp(func, np.reshape(state[:n], shape), float(time), *targs)
        cts = pullback(np.reshape(state[n:2 * n], np.shape(out)))
        return np.concatenate([np.ravel(out), -np.ravel(cts[0]), -_flat(cts[2:])])

    lam, abar, tbar = np.ravel(g[-1]), _flat([np.zeros_like(np.asarray(a, dtype=float))
                                               for a in targs]), np.zeros(len(t))
    for i in range(len(t) - 1, 0, -1):
        tbar[i] = np.vdot(g[i], func(ys[i], t[i], *targs))
        state = np.concatenate([np.ravel(ys[i]), lam, abar])
        end = _odeint(augmented, state, t[i - 1:i + 1][::-1], **_solver_options(rtol, atol))[-1]
        lam, abar = end[n:2 * n], end[2 * n:]
        if i > 1:
            lam = lam + np.ravel(g[i - 1])
    if len(t) > 1:  # ys[0] is y0 whatever t[0]: its cotangent g[0] does not move t[0]
        tbar[0] = -np.vdot(lam, func(ys[0], t[0], *targs))
        lam = lam + np.ravel(g[0])
    gy0 = float(lam[0]) if isinstance(y0, (int, float)) else np.reshape(lam, np.shape(y0))
    return gy0, tbar, _unflat(abar, targs, not isinstance(args, tuple))


def odeint_tangent(ys, func, y0, t, args, dy0, dt, dargs, rtol=None, atol=None):
    """Tangent of ``ys = odeint(func, y0, t, args)`` along ``(dy0, dt, dargs)``.

    The sensitivity ``s = dy`` solves ``ds/dt = df/dy s + df/dargs dargs`` from
    ``s(t_0) = dy0 - f(y0, t_0) dt_0``; each output moves by ``f(y_i, t_i) dt_i`` more.
    """
    jvp, targs = _ode_setup("jvp", func, args)
    tdargs = _arg_tangents(targs, dargs if isinstance(args, tuple) else (dargs,))
    t = np.asarray(t, dtype=float)
    dt = np.broadcast_to(np.asarray(dt, dtype=float), t.shape)
    shape, n = ys.shape[1:], int(np.size(ys[0]))
    y0 = np.reshape(np.asarray(y0, dtype=float), shape)

    def augmented(state, time):
        y, s = np.reshape(state[:n], shape), np.reshape(state[n:], shape)
        out, tan = jvp(func, (y, float(time)) + targs, (s, 0.0) + tdargs)
        return np.concatenate([np.ravel(out), np.ravel(tan)])

    s0 = np.broadcast_to(np.asarray(dy0, dtype=float), shape) - func(y0, t[0], *targs) * dt[0]
    sens = _odeint(augmented, np.concatenate([np.ravel(y0), np.ravel(s0)]), t,
                   **_solver_options(rtol, atol))[:, n:]
    moved = np.stack([np.ravel(func(ys[i], t[i], *targs)) * dt[i] for i in range(len(t))])
    return np.reshape(sens + moved, np.shape(ys))
