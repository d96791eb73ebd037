"""``elementwise_grad`` (autograd) and ``vector_grad`` (BrainPy): the gradient of a sum.

Responsibility: for a function with array (or pytree) output, return the gradient of
``sum(fun(...))`` over every output leaf, i.e. one reverse sweep whose cotangent is all
ones (one array of ones per output leaf). For an elementwise ``fun`` this is the
diagonal of the Jacobian, hence the name. Both are thin layers over
:func:`~s2sad.api.gradients.pullback_of`; no new derivative code is generated.

Result ordering follows api.md: gradients first, then the value, then aux.
Complex outputs are refused (``TypeError``), as ``grad`` refuses them without
``holomorphic``; integer output leaves get a zero cotangent (they carry no derivative).
"""
import functools
from typing import Any, Callable

import numpy as np

from .. import pytree
from .checks import (ArgNums, Fun, check_argnums, check_callable, check_diff_inputs,
                     fun_name, leaf_dtype, resolve_argnums)
from .gradients import pullback_of
from . import variables
from .variables import DEFAULT_ARGNUM

__all__ = ["elementwise_grad", "vector_grad"]


def _ones_cotangent(out, fun, api_name):
    def ones(leaf):
        dtype = leaf_dtype(leaf)
        if dtype is None:
            raise TypeError("%s: %s returned a non-numeric output leaf of type %s."
                            % (api_name, fun_name(fun), type(leaf).__name__))
        if dtype.kind == "c":
            raise TypeError("%s: %s returned a complex output (dtype %s); the gradient of "
                            "the sum of a complex output is not defined. Use vjp with an "
                            "explicit cotangent." % (api_name, fun_name(fun), dtype.name))
        if type(leaf) is float:
            return 1.0
        if dtype.kind in "biu":
            return np.zeros(np.shape(leaf), dtype)
        return np.ones(np.shape(leaf), dtype)
    return pytree.tree_map(ones, out)


def _sum_gradient(fun, argnums, has_aux, return_value, api_name, grad_vars=None):
    target = check_callable(fun, api_name, reverse=True)
    if grad_vars is not None:
        make = vector_grad if api_name == "vector_grad" else elementwise_grad
        return variables.transform(make, "grad", target, grad_vars, argnums, has_aux,
                                   return_value, api_name)
    if argnums is DEFAULT_ARGNUM:
        argnums = 0
    nums, single = check_argnums(argnums, api_name)
    if not isinstance(has_aux, bool):
        raise TypeError("%s: has_aux must be a bool, got %r" % (api_name, has_aux))
    if not isinstance(return_value, bool):
        raise TypeError("%s: return_value must be a bool, got %r" % (api_name, return_value))

    @functools.wraps(fun)
    def wrapper(*args, **kwargs):
        if kwargs:
            raise TypeError("%s: keyword arguments (%s) are not supported; pass every "
                            "argument of %s positionally."
                            % (api_name, ", ".join(sorted(kwargs)), fun_name(fun)))
        wrt = resolve_argnums(nums, len(args), fun, api_name)
        check_diff_inputs(fun, args, wrt, api_name, holomorphic=False, allow_int=False)
        out, aux, pullback = pullback_of(target, args, wrt, has_aux, api_name=api_name,
                                         realize=True)
        grads = pullback(_ones_cotangent(out, fun, api_name))
        g = grads[0] if single else tuple(grads)
        result = (g,)
        if return_value:
            result += (out,)
        if has_aux:
            result += (aux,)
        return result[0] if len(result) == 1 else result

    return wrapper


def vector_grad(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
                return_value: bool = False, *, grad_vars: Any = None) -> Callable:
    """Gradient of ``sum(fun(*args))`` (BrainPy's ``vector_grad``): a vjp with ones.

    Args:
      fun: a function with readable source; its output may be an array or any pytree
        of real arrays (each leaf gets a cotangent of ones).
      argnums: int or tuple of ints (negative counts from the end), as in ``grad``.
      has_aux: ``fun`` returns ``(output, aux)``; aux is passed through.
      return_value: also return ``fun``'s output.
      grad_vars: :class:`s2sad.Variable` state ``fun`` reads (one, or a list, tuple
        or dict of them); see :func:`s2sad.grad`. ``argnums`` then defaults to None.

    Returns:
      ``g``; ``(g, value)`` with ``return_value``; ``(g, aux)`` with ``has_aux``;
      ``(g, value, aux)`` with both. ``g`` has the structure of the argument (int
      ``argnums``) or is a tuple (tuple ``argnums``); with ``grad_vars`` it is
      ``var_grads`` or ``(var_grads, g)``, as for :func:`s2sad.grad`.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.sin(x)
      >>> np.allclose(s2sad.vector_grad(f)(np.array([0.0, 1.0])), np.cos([0.0, 1.0]))
      True
    """
    return _sum_gradient(fun, argnums, has_aux, return_value, "vector_grad", grad_vars)


def elementwise_grad(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
                     return_value: bool = False, *, grad_vars: Any = None) -> Callable:
    """Gradient of ``sum(fun(*args))`` (autograd's ``elementwise_grad``).

    Same as :func:`vector_grad` (same parameters and result ordering); for an
    elementwise ``fun`` the result is the derivative of each output element with
    respect to the matching input element.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return x ** 3
      >>> s2sad.elementwise_grad(f)(np.array([1.0, 2.0]))
      array([ 3., 12.])
    """
    return _sum_gradient(fun, argnums, has_aux, return_value, "elementwise_grad",
                         grad_vars)
