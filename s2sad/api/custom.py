"""Derivatives you write yourself: ``custom_vjp``, ``custom_jvp``, ``checkpoint``, and
``stop_gradient`` (as JAX).

Contract:

* ``custom_vjp(fun, nondiff_argnums=())`` and ``custom_jvp(fun, nondiff_argnums=())``
  return a callable object that calls ``fun``; used as a decorator too
  (``@functools.partial(s2sad.custom_vjp, nondiff_argnums=(0,))``).  ``fun`` is a
  Python function with positional parameters (defaults allowed).
* ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, residuals)``;
  ``bwd(*nondiff_args, residuals, g) -> tuple`` with one cotangent per argument not in
  ``nondiff_argnums`` (``None`` for zero).  Anything else raises ``TypeError`` naming
  the rule and the expected structure when the backward sweep runs.  Forward mode of
  a ``custom_vjp`` function raises JAX's ``TypeError``.
* ``f.defjvp(rule)``: ``rule(*nondiff_args, primals, tangents) -> (out, t_out)``;
  ``f.defjvps(*jvps)``: one ``jvp_i(t_i, out, *primals)`` (or None) per differentiable
  argument, summed.  Reverse mode transposes the rule (it must be linear in the
  tangents, as JAX requires).
* ``checkpoint(fun)`` (alias ``remat``): the same function; in reverse mode its
  forward values are recomputed in the backward sweep instead of stored.
* The rules are found wherever ``f`` is called: by the function you differentiate,
  its helpers, in loops and branches, and when ``f`` itself is given to a transform.
  Calling ``defvjp``/``defjvp`` again replaces the rules; derivatives compiled before
  are compiled again.
"""
import inspect
from typing import Any, Callable, Optional

from .. import rules
from ..compiler import custom as compiled
from ..runtime.custom import stop_gradient

__all__ = ["custom_vjp", "custom_jvp", "checkpoint", "remat", "stop_gradient"]


def _check_fun(fun, api):
    if not inspect.isfunction(fun):
        raise TypeError("s2sad.%s expects a Python function (a def or a lambda), got %r"
                        % (api, fun))
    kinds = {p.kind for p in inspect.signature(fun).parameters.values()}
    if kinds - {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY}:
        raise TypeError("s2sad.%s supports functions with named positional parameters; "
                        "%s has *args, **kwargs or keyword-only parameters: give each "
                        "value its own parameter" % (api, fun.__qualname__))


def _nondiff(fun, nondiff_argnums, api):
    n = len(inspect.signature(fun).parameters)
    if isinstance(nondiff_argnums, int):
        nondiff_argnums = (nondiff_argnums,)
    out = []
    for i in nondiff_argnums:
        if not isinstance(i, int) or isinstance(i, bool) or not -n <= i < n:
            raise ValueError("s2sad.%s: nondiff_argnums entry %r is not a position of the "
                             "%d parameters of %s" % (api, i, n, fun.__qualname__))
        out.append(i % n)
    if len(set(out)) != len(out):
        raise ValueError("s2sad.%s: nondiff_argnums %r repeats a position"
                         % (api, nondiff_argnums))
    return tuple(sorted(out))


def _check_rule(rule, what, api):
    if not callable(rule):
        raise TypeError("%s.%s expects functions, got %r" % (api, what, rule))


class _Custom:
    """What the three kinds share: calling ``fun``, the name, the compiler's view."""

    _api = ""

    def __init__(self, fun, nondiff_argnums=()):
        _check_fun(fun, self._api)
        self.fun = fun
        self.nondiff_argnums = _nondiff(fun, nondiff_argnums, self._api)
        self.__name__, self.__qualname__ = fun.__name__, fun.__qualname__
        self.__module__, self.__doc__ = fun.__module__, fun.__doc__
        self.__signature__ = inspect.signature(fun)
        self.__s2sad_custom__ = compiled.Spec(self._kind, fun, self.nondiff_argnums,
                                              owner=self)

    def _set(self, spec):
        self.__s2sad_custom__ = spec
        rules.registry.changed()  # derivatives compiled with the old rules are stale

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def __s2sad_stand_in__(self):
        """The function a call of this object is compiled as (s2sad.compiler.custom)."""
        return compiled.stand_in(self)

    def __repr__(self):
        return "<s2sad.%s %s>" % (self._api, self.__qualname__)


class custom_vjp(_Custom):  # noqa: N801  (JAX's name)
    """A function with a reverse-mode derivative you write (see the module docstring).

    >>> import numpy as np, s2sad
    >>> @s2sad.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def clip_fwd(x):
    ...     return x, None
    >>> def clip_bwd(res, g):
    ...     return (np.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(clip_fwd, clip_bwd)
    >>> s2sad.grad(lambda x: 3.0 * clip_gradient(x))(2.0)
    1.0
    """

    _api, _kind = "custom_vjp", "vjp"

    def defvjp(self, fwd: Callable[..., Any], bwd: Callable[..., Any]) -> None:
        """Set the rules: ``fwd(*args) -> (out, residuals)`` and
        ``bwd(*nondiff_args, residuals, g) -> tuple of cotangents``."""
        _check_rule(fwd, "defvjp", self._api)
        _check_rule(bwd, "defvjp", self._api)
        self._set(compiled.Spec("vjp", self.fun, self.nondiff_argnums, fwd=fwd, bwd=bwd,
                                owner=self))


class custom_jvp(_Custom):  # noqa: N801  (JAX's name)
    """A function with a forward-mode derivative you write (see the module docstring);
    reverse mode transposes it."""

    _api, _kind = "custom_jvp", "jvp"

    def defjvp(self, jvp: Callable[..., Any]) -> Callable[..., Any]:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, t_out)``; returns
        it, so it works as a decorator (``@f.defjvp``)."""
        _check_rule(jvp, "defjvp", self._api)
        self._set(compiled.Spec("jvp", self.fun, self.nondiff_argnums, jvp=jvp, owner=self))
        return jvp

    def defjvps(self, *jvps: Optional[Callable[..., Any]]) -> None:
        """One rule per differentiable argument, ``jvp_i(t_i, out, *primals)`` (None: that
        argument does not change the output); the tangent is their sum."""
        n = len(inspect.signature(self.fun).parameters) - len(self.nondiff_argnums)
        if len(jvps) != n:
            raise TypeError("custom_jvp %s: defjvps expects %d rules, one per "
                            "differentiable argument, got %d" % (self.__name__, n, len(jvps)))
        for rule in jvps:
            if rule is not None:
                _check_rule(rule, "defjvps", self._api)
        self.defjvp(compiled.summed_rule(self, jvps))


class checkpoint(_Custom):  # noqa: N801  (JAX's name)
    """``fun`` itself; in reverse mode its intermediate values are recomputed in the
    backward sweep instead of stored (less memory, one more forward pass)."""

    _api, _kind = "checkpoint", "checkpoint"


remat = checkpoint
