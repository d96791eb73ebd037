"""The reverse-mode transforms: ``grad``, ``value_and_grad`` and ``vjp``.

Responsibility: everything between the user and the compiler
(:func:`s2sad.compiler.derivative`) for reverse mode.  The arguments are checked
(:mod:`~s2sad.api.checks`); the derivative compiles lazily, on the first call, and is
kept for the argument signature (:mod:`~s2sad.api.compiling`), so later calls cost
one Python call plus argument flattening; the gradients are finalised
(:mod:`~s2sad.api.results`): owned, writeable arrays with the dtype and structure of
the matching input.  Errors raised by the compiler (:mod:`s2sad.errors`) pass through
unchanged.
"""
import functools
from typing import Any, Callable, Literal, Tuple, Union, overload

from .. import pytree
from ..errors import InternalError
from ..rules import generation as _rules_generation
from .checks import (
    ArgNums, Fun, Pullback, check_argnums, check_callable, check_cotangent, check_diff_inputs,
    check_scalar_output, check_vjp_inputs, cotangent_spec, diagnose, fun_name,
    resolve_argnums,
)
from .compiling import (
    MAX_COMPILED, MAX_SPECIALISED, Compiled, array_ndims, compile_derivative, scalar_positions,
    signature_of, static_key, statics_of,
)
from .results import Owner, finalize_grads, own_plain, realize_result
from . import variables
from .variables import DEFAULT_ARGNUM

__all__ = ["grad", "value_and_grad", "vjp"]


# --- small helpers -------------------------------------------------------------------


# --- argnums -------------------------------------------------------------------------


# --- input, output and cotangent checks ----------------------------------------------


# --- finalisation --------------------------------------------------------------------


# --- grad and value_and_grad ---------------------------------------------------------


def _grad_transform(fun, argnums, has_aux, holomorphic, allow_int, create_graph, realize,
                    grad_vars, return_value, api_name, with_value):
    fun = check_callable(fun, api_name)
    if grad_vars is not None:
        return variables.transform(
            value_and_grad if with_value else grad, api_name, fun, grad_vars, argnums,
            has_aux, return_value, api_name, holomorphic=holomorphic, allow_int=allow_int,
            create_graph=create_graph, realize=realize)
    if argnums is None:
        raise TypeError("%s: argnums=None selects no argument; it is only meaningful with "
                        "grad_vars. Pass argnums=0 (the default) or a tuple of positions."
                        % api_name)
    if with_value and return_value:
        raise ValueError("value_and_grad: return_value=True is only meaningful for grad; "
                         "value_and_grad always returns the value.")
    nums, single = check_argnums(argnums, api_name)
    # Compiled joint functions keyed on the arguments' signatures (shapes, dtype kinds,
    # number types): up to MAX_SPECIALISED are shape-specialised, later signatures share
    # code specialised on number positions and array ndims only.
    compiled = {}
    want_value = bool(with_value or return_value or has_aux or holomorphic)

    def compile_for(args, key):
        wrt = resolve_argnums(nums, len(args), fun, api_name)
        generation = _rules_generation()
        scalars, ndims = scalar_positions(args), array_ndims(args)
        # the signature fixes the dtype of plain array and number arguments: check
        # those once here, and pytrees on every call
        check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
        specialised = sum(e.specialised for e in compiled.values()) < MAX_SPECIALISED
        statics = statics_of(args, wrt)
        if len(compiled) >= MAX_COMPILED and statics:  # per-call lambdas: do not pile up
            compiled.clear()
        signatures = tuple(None if static_key(k) is not None else k for k in key)
        dv = compile_derivative(fun, "grad", wrt, has_aux, scalars=scalars, ndims=ndims,
                         signatures=signatures if specialised else None,
                         want_value=want_value, in_place=specialised and not create_graph,
                         statics=statics)
        recheck = any(key[i] is None for i in wrt)
        value_free = getattr(dv, "value_free", False)
        plain = value_free and all(k is not None for k in key)  # no pytree, no Dask
        # the compiler proved the gradients are new float64 arrays of the right shapes
        owned = plain and getattr(dv, "owned_returns", False)
        entry = compiled[key] = Compiled(dv.function, wrt, generation, specialised,
                                          value_free, recheck, plain, owned,
                                          dv.env if dv.env.depends() else None)
        return entry

    def wrapper(*args, **kwargs):
        key = signature_of(args)
        entry = compiled.get(key)
        if (entry is None or entry.generation != _rules_generation()
                or (entry.env is not None and not entry.env.check())):
            entry = compile_for(args, key)
        function, wrt = entry.function, entry.wrt
        if entry.recheck:
            check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
        try:
            out = function(*args, **kwargs)
        except Exception as error:
            diagnose(error, fun, args, kwargs, has_aux, api_name, holomorphic)
            raise
        if entry.owned:
            return out if single or len(wrt) > 1 else (out,)
        if entry.plain:  # value-free, NumPy arrays and Python numbers only
            if len(wrt) == 1:
                g = own_plain(out, args[wrt[0]], args, ())
                return g if single else (g,)
            grads = []
            for g, i in zip(out, wrt):
                grads.append(own_plain(g, args[i], args, grads))
            return tuple(grads)
        if entry.value_free:  # the value is provably a real number and nobody wants it
            grads = out
        else:
            out, grads = out
            if has_aux:
                value, aux = out
            else:
                value = out
            check_scalar_output(value, api_name, holomorphic)
        if len(wrt) == 1:
            grads = (grads,)
        owner = Owner(args)
        grads = tuple(finalize_grads(g, args[i], owner) for g, i in zip(grads, wrt))
        g = grads[0] if single else grads
        if with_value:
            result = ((value, aux), g) if has_aux else (value, g)
        elif return_value:
            result = (g, value, aux) if has_aux else (g, value)
        else:
            result = (g, aux) if has_aux else g
        return realize_result(result, realize)

    functools.update_wrapper(wrapper, fun)
    # The core unwraps ``__wrapped__`` to reach decorated user code; a derivative must
    # never be mistaken for the function it differentiates.
    del wrapper.__wrapped__
    wrapper.__s2sad_transform__ = {
        "api": api_name, "fun": fun, "argnums": argnums, "has_aux": has_aux,
        "create_graph": create_graph, "holomorphic": holomorphic, "allow_int": allow_int,
        "return_value": return_value,
    }
    return wrapper


def grad(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False, *, create_graph: bool = True,
         realize: bool = True, grad_vars: Any = None, return_value: bool = False
         ) -> Callable[..., Any]:
    """Gradient of a scalar-valued function, compiled to Python source.

    Args:
      fun: a Python function with readable source, returning a real scalar (or an
        ``(output, aux)`` pair with ``has_aux=True``).
      argnums: position(s) of the differentiated positional arguments. An int gives
        one gradient with the structure of that argument; a tuple or list gives a
        tuple of gradients (``(0,)`` gives a 1-tuple). Negative values count from the
        end.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is returned, not
        differentiated.
      holomorphic: ``fun`` is holomorphic; inputs and output must be complex and the
        complex derivative is returned.
      allow_int: allow integer or boolean differentiated inputs; their gradient is a
        zero array of dtype :data:`s2sad.float0`.
      create_graph: ``True`` (default) keeps the derivative differentiable. ``False``
        allows faster non-differentiable code (in-place accumulation where the
        compiler has it); the result refuses to be differentiated again.
      realize: materialise lazy (Dask) results before returning, all in one pass.
        NumPy results are always materialised.
      grad_vars: :class:`s2sad.Variable` state the function reads as ``NAME.value``
        (a global, closure variable or attribute of ``self``, also inside helpers and
        loops): one Variable, or a list, tuple or dict of them. The derivatives with
        respect to them come first, in that structure (``var_grads``; with
        ``argnums`` given explicitly ``(var_grads, g)``); ``argnums`` then defaults
        to None. See README, "grad_vars and s2sad.Variable".
      return_value: also return the function's value: ``(g, value)``, or
        ``(g, value, aux)`` with ``has_aux``.

    Returns:
      A function with the signature of ``fun`` returning the gradient, as described
      above. Gradients have the dtype of their inputs; Python floats give Python
      floats.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs, non-scalar or
        complex outputs (see ``holomorphic``), invalid ``argnums``.
      ValueError: empty, duplicated or out-of-range ``argnums``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def loss(w, x):
      ...     return np.sum(np.dot(x, w) ** 2)
      >>> s2sad.grad(loss)(np.array([1.0, 2.0]), np.eye(2))
      array([2., 4.])
    """
    return _grad_transform(fun, argnums, has_aux, holomorphic, allow_int, create_graph,
                           realize, grad_vars, return_value, "grad", with_value=False)


def value_and_grad(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False, *,
                   create_graph: bool = True, realize: bool = True, grad_vars: Any = None,
                   return_value: bool = False) -> Callable[..., Any]:
    """Value and gradient of a scalar-valued function in one call.

    Takes the same arguments as :func:`grad` (``return_value`` must stay False, since
    the value is always returned). The returned function gives ``(value, g)``, or
    ``((value, aux), g)`` with ``has_aux=True``, as JAX does.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.sum(x ** 2)
      >>> value, g = s2sad.value_and_grad(f)(np.array([1.0, 3.0]))
      >>> float(value), g
      (10.0, array([2., 6.]))
    """
    return _grad_transform(fun, argnums, has_aux, holomorphic, allow_int, create_graph,
                           realize, grad_vars, return_value, "value_and_grad",
                           with_value=True)


# --- vjp -----------------------------------------------------------------------------

def pullback_of(fun, args, wrt, has_aux, api_name="vjp", realize=False):
    """Run the forward sweep of ``fun`` at ``args``; shared by :func:`vjp` and testing.

    Returns:
      ``(out, aux, pullback)`` where ``pullback(ct)`` checks the cotangent and returns
      a tuple with one finalised gradient per position in ``wrt``.
    """
    dv = compile_derivative(fun, "vjp", wrt, has_aux, scalars=scalar_positions(args),
                     ndims=array_ndims(args))
    out, residuals = dv.forward(*args)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    specs = cotangent_spec(out_leaves, fun)
    backward = dv.backward

    def pullback(ct):
        check_cotangent(ct, out_def, specs)
        grads = backward(residuals, ct)
        if len(grads) != len(wrt):
            raise InternalError("the backward sweep returned %d gradients for %d inputs"
                                % (len(grads), len(wrt)))
        owner = Owner((args, ct))  # a gradient may be the cotangent passed straight through
        return realize_result(
            tuple(finalize_grads(g, args[i], owner) for g, i in zip(grads, wrt)), realize)

    return out, aux, pullback


@overload
def vjp(fun: Fun, *primals: Any, has_aux: Literal[False] = False, create_graph: bool = True,
        realize: bool = True) -> Tuple[Any, Pullback]:
    ...


@overload
def vjp(fun: Fun, *primals: Any, has_aux: Literal[True], create_graph: bool = True,
        realize: bool = True) -> Tuple[Any, Pullback, Any]:
    ...


@overload
def vjp(fun: Fun, *primals: Any, has_aux: bool, create_graph: bool = True,
        realize: bool = True) -> Union[Tuple[Any, Pullback], Tuple[Any, Pullback, Any]]:
    ...


def vjp(fun: Fun, *primals: Any, has_aux: bool = False, create_graph: bool = True,
        realize: bool = True) -> Union[Tuple[Any, Pullback], Tuple[Any, Pullback, Any]]:
    """Evaluate ``fun`` and return its pullback (vector-Jacobian product).

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      *primals: the point; every positional argument is differentiated. Integer
        primals get :data:`s2sad.float0` cotangents.
      has_aux: ``fun`` returns ``(output, aux)``.
      create_graph: ``False`` marks ``vjp_fn`` so that differentiating it again raises
        a clear ``TypeError``; ``True`` (default) leaves it unmarked.
      realize: materialise lazy (Dask) outputs (here and from ``vjp_fn``) before
        returning, all in one pass; ``False`` returns them as they are.

    Returns:
      ``(out, vjp_fn)``, or ``(out, vjp_fn, aux)`` with ``has_aux``. ``vjp_fn(ct)``
      takes a cotangent with the structure, shapes and dtypes of ``out`` and returns a
      tuple of ``len(primals)`` gradients. It may be called many times.
      Statically (``mypy``): a 2-tuple for ``has_aux=False``, a 3-tuple for
      ``has_aux=True``, and the union of both when ``has_aux`` is a ``bool`` variable.

    Raises:
      TypeError: a primal that is not numeric.
      ValueError: (from ``vjp_fn``) a cotangent of the wrong structure, shape or dtype.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, y):
      ...     return x * y
      >>> out, f_vjp = s2sad.vjp(f, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      >>> f_vjp(np.ones(2))
      (array([3., 4.]), array([1., 2.]))
    """
    fun = check_callable(fun, "vjp")
    if not primals:
        raise TypeError("vjp: no primals given; pass the point to differentiate at, as in "
                        "s2sad.vjp(f, x, y).")
    check_vjp_inputs(fun, primals)
    out, aux, pullback = pullback_of(fun, primals, tuple(range(len(primals))), has_aux,
                                     realize=realize)
    functools.update_wrapper(pullback, fun, assigned=("__doc__",), updated=())
    pullback.__name__ = pullback.__qualname__ = "vjp_" + fun_name(fun)
    if not create_graph:
        pullback.__s2sad_transform__ = {"api": "vjp", "fun": fun, "argnums": None,
                                        "has_aux": has_aux, "create_graph": False}
    if has_aux:
        return realize_result((out, pullback, aux), realize)
    return realize_result((out, pullback), realize)


# --- source --------------------------------------------------------------------------


