"""Numerical checks of s2sad's derivatives, public so users can test their own rules.

Responsibility: compare what s2sad computes with central finite differences.

* :func:`check_grads` (JAX's ``jax.test_util.check_grads``) checks forward mode
  (``'fwd'``: ``jvp`` along a random tangent ``v`` against ``(f(x+eps v) - f(x-eps v))
  / 2 eps``) and reverse mode (``'rev'``: draw a random output cotangent ``u`` and a
  random input direction ``v`` and compare ``<v, vjp(u)>`` with ``<J v, u>``, ``J v`` a
  central difference), the way autograd and JAX do. One random direction exercises
  every entry of the Jacobian, so a wrong rule is caught with high probability at the
  cost of two function evaluations per argument. Order ``k > 1`` checks the
  derivative maps ``(x, t) -> jvp`` and ``(x, u) -> vjp`` (differentiated again by
  s2sad) to order ``k - 1``.
* :func:`numerical_grad` is the plain element-by-element central difference of a
  scalar function, useful in tests and examples.

Everything is evaluated in float64 (complex128): float32 inputs are widened first,
since finite differences in single precision are too noisy to judge a rule.
"""
import copy
import inspect
import linecache
from typing import Any, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from .api.checks import ArgNums, Fun, check_argnums, fun_name, leaf_dtype, resolve_argnums
from .api.forward import jvp
from .api.gradients import pullback_of, vjp
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
    args, wrt = _checked_arguments(f, args, argnums)
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


_GENERATED = [0]


def _generated(name, params, body, namespace):
    """A function ``name(*params)`` built from source text that s2sad can read again.

    s2sad differentiates from source and does not support ``*args``, so the maps checked
    at higher order get fixed arities: their text is registered with :mod:`linecache`
    (as IPython does for its cells) under a unique ``<s2sad.testing-N>`` file name.
    """
    _GENERATED[0] += 1
    filename = "<s2sad.testing-%d>" % _GENERATED[0]
    text = "def %s(%s):\n%s" % (name, ", ".join(params),
                                 "".join("    %s\n" % line for line in body))
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102 (our own text)
    return namespace[name]


def _restrict(f, args, wrt):
    """``f`` as a function of the arguments in ``wrt`` only (the others are constants)."""
    if len(wrt) == len(args):
        return f
    namespace = {"f": f}
    call = []
    for i, a in enumerate(args):
        if i in wrt:
            call.append("x%d" % wrt.index(i))
        else:
            namespace["c%d" % i] = a
            call.append("c%d" % i)
    return _generated("restricted", ["x%d" % k for k in range(len(wrt))],
                      ["return f(%s)" % ", ".join(call)], namespace)


def _checked_arguments(f, args, argnums):
    """``args`` widened to float64 and the positions to check (``argnums``, or every
    float/complex argument)."""
    args = tuple(_widen(a) for a in args)
    if argnums is None:
        return args, _default_argnums(args)
    nums, _ = check_argnums(argnums, "check_grads")
    return args, resolve_argnums(nums, len(args), f, "check_grads")


def _jvp_of(f, n):
    """``(x_1..x_n, t_1..t_n) -> jvp(f, xs, ts)[1]``: what order 2 checks in 'fwd'."""
    xs = ["x%d" % k for k in range(n)]
    ts = ["t%d" % k for k in range(n)]
    return _generated("tangent_map", xs + ts,
                      ["_, tangent = jvp(f, (%s,), (%s,))" % (", ".join(xs), ", ".join(ts)),
                       "return tangent"], {"f": f, "jvp": jvp})


def _vjp_of(f, n):
    """``(x_1..x_n, u) -> vjp(f, *xs)[1](u)``: what order 2 checks in 'rev'."""
    xs = ["x%d" % k for k in range(n)]
    return _generated("cotangent_map", xs + ["u"],
                      ["_, pullback = vjp(f, %s)" % ", ".join(xs),
                       "return pullback(u)"], {"f": f, "vjp": vjp})


def _check_jvp(f, args, eps, rtol, atol, rng, what):
    """Forward mode: s2sad's jvp along a random tangent vs the central difference."""
    v = tuple(_random_like(a, rng) for a in args)
    _, t = jvp(f, tuple(args), v)
    plus = f(*(_axpy(eps, d, a) for a, d in zip(args, v)))
    minus = f(*(_axpy(-eps, d, a) for a, d in zip(args, v)))
    got_leaves, got_def = pytree.flatten(t)
    plus_leaves, plus_def = pytree.flatten(plus)
    minus_leaves = pytree.tree_leaves(minus)
    if got_def != plus_def:
        raise AssertionError("check_grads: the tangent of %s has structure %s but its "
                             "output has %s" % (what, got_def, plus_def))
    for k, (g, p, m) in enumerate(zip(got_leaves, plus_leaves, minus_leaves)):
        if not _is_inexact(p):
            continue
        num = (np.asarray(p) - np.asarray(m)) / (2.0 * eps)
        g = np.asarray(g)
        err = np.abs(g - num)
        tol = atol + rtol * np.abs(num)
        if g.shape != num.shape or not np.all(err <= tol):
            worst = int(np.argmax(err - tol)) if g.shape == num.shape else 0
            raise AssertionError(
                "check_grads: s2sad's forward-mode derivative (jvp) of %s disagrees with "
                "central finite differences along a random tangent: output leaf %d, "
                "element %d: jvp = %.10g but finite differences = %.10g (error %.3g > "
                "tolerance %.3g). A derivative rule used by %s is probably wrong."
                % (what, k, worst, np.ravel(g)[worst], np.ravel(num)[worst],
                   np.ravel(err)[worst], np.ravel(tol)[worst], what))
    return v


def _check_vjp(f, args, eps, rtol, atol, seed, labels, what):
    _, rows = compare_vjp(f, args, tuple(range(len(args))), eps=eps, rtol=rtol, atol=atol,
                          seed=seed)
    bad = [r for r in rows if not r.ok]
    if bad:
        lines = ["check_grads: s2sad's reverse-mode derivative of %s disagrees with central "
                 "finite differences (random directions, seed %d):" % (what, seed)]
        for r in bad:
            argnum, name = labels[r.argnum] if labels else (r.argnum, None)
            lines.append(
                "  argument %d%s: <v, vjp(u)> = %.10g but <J v, u> = %.10g "
                "(error %.3g > tolerance %.3g)"
                % (argnum, " (%r)" % name if name else "", r.analytic, r.numeric,
                   r.error, r.tolerance))
        lines.append("A derivative rule used by %s is probably wrong." % what)
        raise AssertionError("\n".join(lines))


def check_grads(f: Fun, args: Sequence[Any], order: int = 2,
                modes: Union[str, Sequence[str]] = ("fwd", "rev"),
                atol: Optional[float] = None, rtol: Optional[float] = None,
                eps: Optional[float] = None, *, argnums: Optional[ArgNums] = None,
                seed: int = 0) -> None:
    """Check s2sad's derivatives of ``f`` at ``args`` against finite differences (as JAX's
    ``jax.test_util.check_grads``).

    Args:
      f: the function to check; its output may be any pytree of float arrays.
      args: tuple of positional arguments (pytrees allowed).
      order: derivative order, 1 or more. Order ``k`` checks order ``k - 1`` of the
        derivative itself: in ``'fwd'`` the map ``(x, t) -> jvp(f, x, t)``, in ``'rev'``
        the map ``(x, u) -> vjp(f, x)(u)``, each differentiated again by s2sad.
      modes: ``'fwd'``, ``'rev'`` or both (a string or a sequence).

        * ``'fwd'``: ``jvp(f, x, v)`` along a random tangent ``v`` against the central
          difference ``(f(x + eps v) - f(x - eps v)) / (2 eps)``, element by element;
        * ``'rev'``: ``<v, vjp(u)>`` against ``<J v, u>`` (``J v`` a central difference)
          for a random cotangent ``u`` and a random direction ``v`` per argument.
      atol, rtol: the check passes when ``|analytic - numeric| <= atol + rtol * |numeric|``;
        defaults ``1e-6`` and ``1e-5`` (everything is evaluated in float64).
      eps: central-difference step; default ``1e-6``.
      argnums: (keyword) the arguments to check; by default every argument whose leaves
        are all float or complex. The others are held constant.
      seed: (keyword) seed of the random directions.

    Raises:
      AssertionError: with the function, argument and both numbers, on a mismatch.
      ValueError: an invalid ``order`` or ``modes``.

    Example:
      >>> import numpy as np
      >>> from s2sad.testing import check_grads
      >>> def f(x, y):
      ...     return np.sin(x) * y
      >>> check_grads(f, (np.array([0.5, 1.0]), np.array([2.0, 3.0])), order=2)
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError("check_grads: order must be an int >= 1, got %r" % (order,))
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    if not modes:
        raise ValueError("check_grads: modes is empty; use ('fwd', 'rev'), 'fwd' or 'rev'.")
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError("check_grads: unknown mode %r; use 'fwd' and/or 'rev'." % (mode,))
    atol = 1e-6 if atol is None else float(atol)
    rtol = 1e-5 if rtol is None else float(rtol)
    eps = 1e-6 if eps is None else float(eps)
    args, wrt = _checked_arguments(f, args, argnums)
    g = _restrict(f, args, wrt)
    xs = tuple(args[i] for i in wrt)
    names = _param_names(f)
    labels = [(i, names[i] if i < len(names) else None) for i in wrt]
    _check_order(g, xs, int(order), modes, eps, rtol, atol, seed, labels, fun_name(f))


def _check_order(f, xs, order, modes, eps, rtol, atol, seed, labels, what):
    """Check ``f`` at ``xs`` (every argument differentiated), then its derivative maps.

    ``what`` names ``f`` in messages (``jvp(f)``, ``vjp(f)`` at higher order).
    """
    rng = np.random.default_rng(seed)
    n = len(xs)
    if "fwd" in modes:
        v = _check_jvp(f, xs, eps, rtol, atol, rng, what)
        if order > 1:
            _check_order(_jvp_of(f, n), xs + v, order - 1, ("fwd",), eps, rtol, atol,
                         seed + 1, None, "jvp(%s)" % what)
    if "rev" in modes:
        _check_vjp(f, xs, eps, rtol, atol, seed, labels, what)
        if order > 1:
            u = _random_like(f(*xs), rng)
            _check_order(_vjp_of(f, n), xs + (u,), order - 1, ("rev",), eps, rtol, atol,
                         seed + 1, None, "vjp(%s)" % what)


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
