"""Numerical checks of s2sad's derivatives, public so users can test their own rules.

Responsibility: compare what s2sad computes with central finite differences.

* :func:`check_grads` checks reverse mode the way autograd and JAX do: draw a random
  output cotangent ``u`` and a random input direction ``v`` and compare
  ``<v, vjp(u)>`` (s2sad) with ``<J v, u>`` where ``J v`` is a central difference.
  One random direction exercises every entry of the Jacobian, so a wrong rule is
  caught with high probability at the cost of two function evaluations per argument.
* :func:`numerical_grad` is the plain element-by-element central difference of a
  scalar function, useful in tests and examples.

Everything is evaluated in float64 (complex128): float32 inputs are widened first,
since finite differences in single precision are too noisy to judge a rule.
"""
import copy
import inspect
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from .api.checks import ArgNums, Fun, check_argnums, fun_name, leaf_dtype, resolve_argnums
from .api.gradients import pullback_of
from . import pytree

__all__ = ["check_grads", "numerical_grad", "CheckResult"]


class CheckResult(NamedTuple):
    """One row of the :func:`check_grads` comparison (one differentiated argument)."""

    argnum: int
    name: Optional[str]
    analytic: float    #: <v, vjp(u)> computed by s2sad
    numeric: float     #: <J v, u> by central differences
    error: float       #: |analytic - numeric|
    tolerance: float   #: atol + rtol * |numeric|

    @property
    def ok(self) -> bool:
        return bool(self.error <= self.tolerance)


def _widen_leaf(x):
    if type(x) in (float, complex):
        return x
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "fc":
        return np.asarray(x, dtype=np.complex128 if dtype.kind == "c" else np.float64)
    return x


def _widen(tree):
    return pytree.tree_map(_widen_leaf, tree)


def _is_inexact(x):
    if type(x) in (float, complex):
        return True
    dtype = getattr(x, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind in "fc"


def _random_like(tree, rng):
    def draw(x):
        if not _is_inexact(x):
            return np.zeros(np.shape(x), leaf_dtype(x))
        shape = np.shape(x)
        value = rng.standard_normal(shape)
        if np.iscomplexobj(x):
            value = value + 1j * rng.standard_normal(shape)
        if type(x) in (float, complex):
            return type(x)(value)
        return np.asarray(value, dtype=np.asarray(x).dtype)
    return pytree.tree_map(draw, tree)


def _axpy(alpha, direction, tree):
    """``tree + alpha * direction`` on the inexact leaves."""
    def step(x, v):
        if not _is_inexact(x):
            return x
        value = x + alpha * v
        return type(x)(value) if type(x) in (float, complex) else value
    return pytree.tree_map(step, tree, direction)


def _inner(xs, ys):
    """Real inner product ``Re sum(conj(x) * y)`` over the inexact leaves of two trees."""
    total = 0.0
    for x, y in zip(pytree.tree_leaves(xs), pytree.tree_leaves(ys)):
        if _is_inexact(x) and _is_inexact(y):
            total += float(np.real(np.vdot(np.asarray(x).ravel(), np.asarray(y).ravel())))
    return total


def _conj(tree):
    def conj(x):
        if type(x) is complex:
            return x.conjugate()
        return np.conj(x) if np.iscomplexobj(x) else x
    return pytree.tree_map(conj, tree)


def _numeric_jvp(f, args, argnum, direction, eps):
    plus = list(args)
    minus = list(args)
    plus[argnum] = _axpy(eps, direction, args[argnum])
    minus[argnum] = _axpy(-eps, direction, args[argnum])
    f_plus, f_minus = f(*plus), f(*minus)
    return pytree.tree_map(lambda a, b: (np.asarray(a) - np.asarray(b)) / (2.0 * eps),
                           f_plus, f_minus)


def _default_argnums(args):
    argnums = []
    for i, arg in enumerate(args):
        leaves = pytree.tree_leaves(arg)
        if leaves and all(_is_inexact(x) for x in leaves):
            argnums.append(i)
    if not argnums:
        raise ValueError("check_grads: no argument is a float array or a pytree of float "
                         "arrays; pass argnums explicitly.")
    return tuple(argnums)


def _param_names(f):
    try:
        return [p.name for p in inspect.signature(f).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def compare_vjp(f: Fun, args: Sequence[Any], argnums: Optional[ArgNums] = None,
                eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6,
                seed: int = 0) -> Tuple[Any, List[CheckResult]]:
    """The comparison behind :func:`check_grads`, one row per argument, without raising.

    Returns:
      ``(value, rows)``: ``f``'s value at ``args`` (widened to float64) and a list of
      :class:`CheckResult`.
    """
    args = tuple(_widen(a) for a in args)
    if argnums is None:
        wrt = _default_argnums(args)
    else:
        nums, _ = check_argnums(argnums, "check_grads")
        wrt = resolve_argnums(nums, len(args), f, "check_grads")
    rng = np.random.default_rng(seed)
    out, _, pullback = pullback_of(f, args, wrt, has_aux=False, api_name="check_grads")
    expected = f(*args)
    for got, want in zip(pytree.tree_leaves(out), pytree.tree_leaves(expected)):
        if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
            raise AssertionError(
                "check_grads: the forward sweep of s2sad's derivative of %s returns %r, but "
                "%s itself returns %r." % (fun_name(f), got, fun_name(f), want))
    u = _random_like(out, rng)
    grads = _conj(pullback(_conj(u)))
    names = _param_names(f)
    rows = []
    for g, i in zip(grads, wrt):
        v = _random_like(args[i], rng)
        analytic = _inner(v, g)
        numeric = _inner(_numeric_jvp(f, args, i, v, eps), u)
        tol = atol + rtol * abs(numeric)
        rows.append(CheckResult(i, names[i] if i < len(names) else None, analytic, numeric,
                                abs(analytic - numeric), tol))
    return out, rows


def check_grads(f: Fun, args: Sequence[Any], argnums: Optional[ArgNums] = None,
                order: int = 1, modes: Union[str, Sequence[str]] = ("rev",),
                eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6,
                seed: int = 0) -> None:
    """Check s2sad's derivatives of ``f`` at ``args`` against finite differences.

    Args:
      f: the function to check; its output may be any pytree of float arrays.
      args: tuple of positional arguments (pytrees allowed).
      argnums: the arguments to check; by default every argument whose leaves are all
        float or complex.
      order: derivative order; only 1 is available (higher orders are planned).
      modes: ``("rev",)``; forward mode is planned.
      eps: central-difference step, in float64.
      rtol, atol: the check passes when
        ``|<v, vjp(u)> - <J v, u>| <= atol + rtol * |<J v, u>|``.
      seed: seed of the random directions ``u`` and ``v``.

    Raises:
      AssertionError: with the function, argument and both numbers, on a mismatch.
      ValueError: unavailable ``order`` or ``modes``.

    Example:
      >>> import numpy as np
      >>> from s2sad.testing import check_grads
      >>> def f(x, y):
      ...     return np.sin(x) * y
      >>> check_grads(f, (np.array([0.5, 1.0]), np.array([2.0, 3.0])))
    """
    if order != 1:
        raise ValueError("check_grads: order=%r is not available yet; higher-order "
                         "derivatives are planned. Use order=1." % (order,))
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    for mode in modes:
        if mode == "fwd":
            raise ValueError("check_grads: forward mode ('fwd') is planned but not available "
                             "yet; use modes=('rev',).")
        if mode != "rev":
            raise ValueError("check_grads: unknown mode %r; use modes=('rev',)." % (mode,))
    _, rows = compare_vjp(f, args, argnums, eps=eps, rtol=rtol, atol=atol, seed=seed)
    bad = [r for r in rows if not r.ok]
    if bad:
        lines = ["check_grads: s2sad's reverse-mode derivative of %s disagrees with central "
                 "finite differences (random directions, seed %d):" % (fun_name(f), seed)]
        for r in bad:
            lines.append(
                "  argument %d%s: <v, vjp(u)> = %.10g but <J v, u> = %.10g "
                "(error %.3g > tolerance %.3g)"
                % (r.argnum, " (%r)" % r.name if r.name else "", r.analytic, r.numeric,
                   r.error, r.tolerance))
        lines.append("A derivative rule used by %s is probably wrong." % fun_name(f))
        raise AssertionError("\n".join(lines))


def numerical_grad(f: Fun, args: Sequence[Any], argnums: ArgNums = 0,
                   eps: float = 1e-6) -> Any:
    """Gradient of the scalar function ``f`` by central differences, element by element.

    Args:
      f: a function of ``*args`` returning a real scalar.
      args: tuple of positional arguments; differentiated leaves are widened to float64.
      argnums: int or tuple, as in :func:`s2sad.grad` (same return structure).
      eps: the step.

    ``f`` is called on fresh copies of ``args`` each time (it may write into them).

    Returns:
      The gradient, shaped like :func:`s2sad.grad`'s: one value with the structure of
      the argument for an int ``argnums``, a tuple for a tuple. For a complex leaf
      ``z = x + iy`` the result is ``df/dx - i df/dy`` (JAX's convention).

    Example:
      >>> import numpy as np
      >>> from s2sad.testing import numerical_grad
      >>> def f(x):
      ...     return np.sum(x ** 2)
      >>> np.round(numerical_grad(f, (np.array([1.0, 2.0]),)), 6)
      array([2., 4.])
    """
    nums, single = check_argnums(argnums, "numerical_grad")
    args = tuple(_widen(a) for a in args)
    wrt = resolve_argnums(nums, len(args), f, "numerical_grad")
    results = []
    for i in wrt:
        leaves, treedef = pytree.flatten(args[i])
        grads = []
        for j, leaf in enumerate(leaves):
            if not _is_inexact(leaf):
                raise TypeError("numerical_grad: argument %d has a leaf of type %s; only "
                                "float and complex leaves can be differentiated"
                                % (i, type(leaf).__name__))
            base = np.array(leaf)
            g = np.zeros(base.shape, dtype=base.dtype)
            steps = (1.0, 1j) if np.iscomplexobj(base) else (1.0,)
            for k in np.ndindex(base.shape):
                for step in steps:
                    values = []
                    for sign in (1.0, -1.0):
                        x = base.copy()
                        x[k] = x[k] + sign * eps * step
                        new_leaf = x if isinstance(leaf, np.ndarray) else type(leaf)(x[()])
                        # on copies: a function that writes into its arguments (NumPy
                        # allows it) must not change the point of later evaluations
                        call = copy.deepcopy(list(args))
                        call[i] = pytree.unflatten(
                            treedef, [copy.deepcopy(v) for v in leaves[:j]] + [new_leaf]
                            + [copy.deepcopy(v) for v in leaves[j + 1:]])
                        values.append(float(np.real(f(*call))))
                    partial = (values[0] - values[1]) / (2.0 * eps)
                    g[k] += partial if step == 1.0 else -1j * partial
            grads.append(g if isinstance(leaf, np.ndarray) else type(leaf)(g[()]))
        results.append(pytree.unflatten(treedef, grads))
    return results[0] if single else tuple(results)
