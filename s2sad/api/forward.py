"""The forward-mode transforms: ``jvp`` and ``linearize``.

Both run the generated forward-mode code (``jvp_f(*args, dx=...)``; ``linearize``:
the split pair ``f_linearize``/``f_tangent``, see :mod:`s2sad.compiler`), with JAX's
parameters, return nesting and error wording (``shared/api.md``).
"""
from typing import Any, Callable, Literal, Tuple, Union, overload

import numpy as np

from .. import pytree
from .checks import (
    Fun, Primals, check_callable, check_primal_leaves, describe_value, fun_name, leaf_dtype,
    where_arg,
)
from .compiling import compile_derivative
from .results import Owner, finalize_grads, float0, realize_result
from .standins import tangent_params
from .jacobian_tools import (
    check_outputs, private_copy, zero_tangent,
)


def _check_tangent_leaf(p, t, where):
    pd, td = leaf_dtype(p), leaf_dtype(t)
    if pd.kind in "biu":
        if td != float0:
            raise TypeError(
                "primal and tangent arguments to s2sad.jvp do not match; dtypes must be "
                "equal, or in case of int/bool primal dtype the tangent dtype must be "
                "float0. Got primal dtype %s and so expected tangent dtype float0, but got "
                "tangent %s instead (%s). Pass np.zeros(shape, s2sad.float0)."
                % (pd.name, describe_value(t) if td is None else "dtype " + td.name, where))
    elif td is None or td.kind not in "fc" or (pd.kind == "f" and td.kind == "c"):
        raise TypeError(
            "primal and tangent arguments to s2sad.jvp do not match; dtypes must be equal. "
            "Got primal dtype %s and so expected tangent dtype %s, but got tangent %s "
            "instead (%s)." % (pd.name, pd.name,
                               describe_value(t) if td is None else "dtype " + td.name, where))
    elif (td != pd and type(t) not in (float, complex) and type(p) not in (float, complex)):
        raise TypeError(
            "primal and tangent arguments to s2sad.jvp do not match; dtypes must be equal. "
            "Got primal dtype %s and so expected tangent dtype %s, but got tangent dtype "
            "%s instead (%s)." % (pd.name, pd.name, td.name, where))
    if np.shape(p) != np.shape(t):
        raise ValueError("jvp called with different primal and tangent shapes; got primal "
                         "shape %s and tangent shape %s (%s)."
                         % (np.shape(p), np.shape(t), where))


def _check_jvp_args(fun, primals, tangents, api_name):
    """Validate primals and tangents; return the positions with float leaves and the
    tangent trees to pass (integer leaves replaced by zeros)."""
    wrt, passed = [], []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_def = pytree.flatten(p)
        check_primal_leaves(fun, i, p_leaves, api_name)
        t_leaves, t_def = pytree.flatten(t)
        if t_def != p_def:
            raise TypeError("primal and tangent arguments to s2sad.%s must have the same "
                            "tree structure; primal %d has tree structure %s whereas its "
                            "tangent has tree structure %s." % (api_name, i, p_def, t_def))
        where = ("" if p_def.is_leaf else "a leaf of ") + where_arg(fun, i)
        floats = False
        for pl, tl in zip(p_leaves, t_leaves):
            _check_tangent_leaf(pl, tl, where)
            floats = floats or leaf_dtype(pl).kind in "fc"
        if floats:
            wrt.append(i)
            if len(p_leaves) != len([x for x in p_leaves if leaf_dtype(x).kind in "fc"]):
                t_leaves = [tl if leaf_dtype(pl).kind in "fc" else
                            (0.0 if not isinstance(pl, np.ndarray) else np.zeros(pl.shape))
                            for pl, tl in zip(p_leaves, t_leaves)]
                t = pytree.unflatten(t_def, t_leaves)
            passed.append(t)
    return tuple(wrt), passed


def _check_sequences(primals, tangents, api_name):
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primal and tangent arguments to s2sad.%s must be tuples or lists; "
                        "found %s and %s." % (api_name, type(primals).__name__,
                                              type(tangents).__name__))
    if len(primals) != len(tangents):
        raise TypeError("primal and tangent arguments to s2sad.%s must have the same tree "
                        "structure; got %d primals and %d tangents."
                        % (api_name, len(primals), len(tangents)))


def _check_pair(result, fun, api_name):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("%s: %s with has_aux=True must return a (output, aux) pair, got %s"
                        % (api_name, fun_name(fun), describe_value(result)))
    return result


def _run_jvp(fun, primals, tangents, has_aux, api_name):
    """One forward-mode sweep: ``(out, t_out, aux)`` with ``t_out`` finalised."""
    wrt, passed = _check_jvp_args(fun, primals, tangents, api_name)
    if not wrt:  # nothing to differentiate: every tangent is zero
        result, t_out = fun(*primals), None
        if has_aux:
            result = _check_pair(result, fun, api_name)
    else:
        dv = compile_derivative(fun, "jvp", wrt, has_aux)
        names = tangent_params(dv)
        result, t_out = dv.function(*primals, **dict(zip(names, passed)))
    out, aux = result if has_aux else (result, None)
    out_leaves = pytree.tree_leaves(out)
    check_outputs(out_leaves, fun, api_name, False, False)
    return out, finalize_grads(t_out, out, Owner((primals, tangents))), aux


@overload
def jvp(fun: Fun, primals: Primals, tangents: Primals, *, has_aux: Literal[False] = False,
        create_graph: bool = True, realize: bool = True) -> Tuple[Any, Any]:
    ...


@overload
def jvp(fun: Fun, primals: Primals, tangents: Primals, *, has_aux: Literal[True],
        create_graph: bool = True, realize: bool = True) -> Tuple[Any, Any, Any]:
    ...


@overload
def jvp(fun: Fun, primals: Primals, tangents: Primals, *, has_aux: bool,
        create_graph: bool = True, realize: bool = True
        ) -> Union[Tuple[Any, Any], Tuple[Any, Any, Any]]:
    ...


def jvp(fun: Fun, primals: Primals, tangents: Primals, *, has_aux: bool = False,
        create_graph: bool = True, realize: bool = True
        ) -> Union[Tuple[Any, Any], Tuple[Any, Any, Any]]:
    """Jacobian-vector product: evaluate ``fun`` and its directional derivative.

    Runs the generated forward-mode function (tangents interleaved with the primal
    statements) once.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      primals: a tuple or list with one value per positional argument of ``fun``.
      tangents: a tuple or list with the structure, shapes and dtypes of ``primals``.
        The tangent of an integer or boolean primal must have dtype
        :data:`s2sad.float0` (as JAX); it carries no derivative.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is returned, not
        differentiated.
      create_graph: ``True`` (default): a function that calls ``jvp`` can itself be
        differentiated by s2sad (``grad`` of a function computing a directional
        derivative). ``False``: it cannot; differentiating a function that calls
        ``s2sad.jvp(..., create_graph=False)`` raises a located
        :class:`~s2sad.errors.UnsupportedSyntaxError` (as for ``vjp``).
      realize: materialise lazy (Dask) results before returning, all in one pass;
        ``False`` returns them as they are.

    Returns:
      ``(out, t_out)``, or ``(out, t_out, aux)`` with ``has_aux``. ``t_out`` has the
      structure of ``out``; its leaves have the output's dtypes (:data:`s2sad.float0`
      for integer outputs) and are zero where the output does not depend on the
      inputs.
      Statically (``mypy``): a 2-tuple for ``has_aux=False``, a 3-tuple for
      ``has_aux=True``, and the union of both when ``has_aux`` is a ``bool`` variable.

    Raises:
      TypeError: primals or tangents that are not tuples/lists or differ in tree
        structure or dtype; a primal that is not numeric; a has_aux function that does
        not return a pair.
      ValueError: a tangent whose shape differs from its primal's (both are named).

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.sin(x) * 2.0
      >>> out, t_out = s2sad.jvp(f, (np.array([0.0, 1.0]),), (np.array([1.0, 0.0]),))
      >>> t_out
      array([2., 0.])
    """
    fun = check_callable(fun, "jvp")
    _check_sequences(primals, tangents, "jvp")
    out, t_out, aux = _run_jvp(fun, tuple(primals), tuple(tangents), has_aux, "jvp")
    return realize_result((out, t_out, aux) if has_aux else (out, t_out), realize)


@overload
def linearize(fun: Fun, *primals: Any, has_aux: Literal[False] = False,
              create_graph: bool = True, realize: bool = True
              ) -> Tuple[Any, Callable[..., Any]]:
    ...


@overload
def linearize(fun: Fun, *primals: Any, has_aux: Literal[True],
              create_graph: bool = True, realize: bool = True
              ) -> Tuple[Any, Callable[..., Any], Any]:
    ...


@overload
def linearize(fun: Fun, *primals: Any, has_aux: bool,
              create_graph: bool = True, realize: bool = True
              ) -> Union[Tuple[Any, Callable[..., Any]], Tuple[Any, Callable[..., Any], Any]]:
    ...


def linearize(fun: Fun, *primals: Any, has_aux: bool = False,
              create_graph: bool = True, realize: bool = True
              ) -> Union[Tuple[Any, Callable[..., Any]], Tuple[Any, Callable[..., Any], Any]]:
    """Evaluate ``fun`` and return its linearization ``f_jvp`` at ``primals``.

    The primal computation runs once, in the generated ``{f}_linearize`` function,
    which saves the values the tangent computation reads (named values, and a tape
    for values overwritten in loops and branches); each ``f_jvp(*tangents)`` runs only
    the generated ``{f}_tangent`` function on them (``s2sad.source(f, "linearize")``
    prints both). The primals are copied first, so mutating them (or ``out``) later
    does not change ``f_jvp``.

    Args:
      fun: a Python function with readable source.
      *primals: the point; every positional argument is linearized.
      has_aux: ``fun`` returns ``(output, aux)``.
      create_graph: ``True`` (default) keeps ``f_jvp`` differentiable by s2sad;
        ``False`` makes differentiating it again raise a clear ``TypeError``.
      realize: materialise lazy (Dask) results (``out``, ``aux`` and those of
        ``f_jvp``) before returning, all in one pass; ``False`` returns them as they are.

    Returns:
      ``(out, f_jvp)``, or ``(out, f_jvp, aux)`` with ``has_aux``. ``f_jvp`` takes one
      tangent per primal (same structure, shapes and dtypes, checked as in
      :func:`jvp`) and returns the output tangent; it may be called any number of
      times.
      Statically (``mypy``): a 2-tuple for ``has_aux=False``, a 3-tuple for
      ``has_aux=True``, and the union of both when ``has_aux`` is a ``bool`` variable.

    Raises:
      TypeError: no primals, a primal that is not numeric, a has_aux function that
        does not return a pair; from ``f_jvp``, tangents that differ from the primals
        in number, tree structure or dtype.
      ValueError: from ``f_jvp``, a tangent whose shape differs from its primal's.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, y):
      ...     return x * y
      >>> out, f_jvp = s2sad.linearize(f, 2.0, 3.0)
      >>> out, f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
      (6.0, 3.0, 2.0)
    """
    fun = check_callable(fun, "linearize")
    if not primals:
        raise TypeError("linearize: no primals given; pass the point to linearize at, as "
                        "in s2sad.linearize(f, x, y).")
    primals = tuple(pytree.tree_map(private_copy, p) for p in primals)
    zeros = tuple(pytree.tree_map(zero_tangent, p) for p in primals)
    wrt, _ = _check_jvp_args(fun, primals, zeros, "linearize")
    if wrt:
        dv = compile_derivative(fun, "linearize", wrt, has_aux)
        tangent_fn, names = dv.tangent, tangent_params(dv)
        result, residuals = dv.forward(*primals)
    else:  # nothing to differentiate: every output tangent is zero
        result = fun(*primals)
    if has_aux:
        result = _check_pair(result, fun, "linearize")
    out, aux = result if has_aux else (result, None)
    check_outputs(pytree.tree_leaves(out), fun, "linearize", False, False)
    out = pytree.tree_map(private_copy, out)  # the residuals may hold out's arrays
    aux = pytree.tree_map(private_copy, aux) if has_aux else None

    def f_jvp(*tangents):
        _check_sequences(primals, tangents, "linearize")
        _, passed = _check_jvp_args(fun, primals, tangents, "linearize")
        t_out = tangent_fn(residuals, **dict(zip(names, passed))) if wrt else None
        return realize_result(finalize_grads(t_out, out, Owner((primals, tangents))), realize)

    f_jvp.__name__ = f_jvp.__qualname__ = "jvp_" + fun_name(fun)
    f_jvp.__s2sad_transform__ = {"api": "linearize", "fun": fun, "argnums": None,
                                 "has_aux": has_aux, "create_graph": bool(create_graph)}
    return realize_result((out, f_jvp, aux) if has_aux else (out, f_jvp), realize)
