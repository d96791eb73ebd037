"""Checks at the API boundary: callables, ``argnums``, input dtypes, outputs, cotangents.

Every transform validates what the user passes with JAX's parameters and error
wording (``shared/api.md``) and raises here, at the boundary, with ``from None``.
:func:`check_callable` also turns a function made by an s2sad transform into its
differentiable stand-in (:mod:`~s2sad.api.standins`), and :func:`diagnose` explains
an error raised while the user's function ran under a transform.
"""
import inspect
import numbers
from typing import Any, Callable, List, Tuple, Union

import numpy as np

from .. import pytree
from ..errors import NonScalarOutputError, S2SADError
from .standins import FORWARD_APIS, shim

#: ``argnums``: one position, or a tuple or list of positions (what
#: :func:`check_argnums` accepts; ``numpy`` integers are accepted too at run time)
ArgNums = Union[int, Tuple[int, ...], List[int]]

#: A function to differentiate, or one a transform returns. Arguments and results are
#: arrays, Python numbers or pytrees of them, so they are typed ``Any``.
Fun = Callable[..., Any]

#: ``jvp``'s ``primals`` and ``tangents``: a tuple or list with one entry per argument.
Primals = Union[Tuple[Any, ...], List[Any]]

#: The ``vjp_fn`` of :func:`s2sad.vjp`: one cotangent in, one gradient per primal out.
Pullback = Callable[[Any], Tuple[Any, ...]]

DTYPE_OF_PYTHON = {
    float: np.dtype(np.float64), int: np.dtype(np.int64),
    bool: np.dtype(np.bool_), complex: np.dtype(np.complex128),
}


def fun_name(fun):
    return getattr(fun, "__name__", None) or repr(fun)


def describe_value(value):
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return "%s of type %s (%s)" % ("a value", type(value).__name__, text)


def leaf_dtype(x):
    """The NumPy dtype of a leaf, or None if the leaf is not numeric."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    dtype = DTYPE_OF_PYTHON.get(type(x))
    if dtype is not None:
        return dtype
    dtype = getattr(x, "dtype", None)  # Dask, CuPy and other NumPy-like arrays
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(x, numbers.Number):
        return np.asarray(x).dtype
    return None


def check_callable(fun, api_name, reverse=None):
    """``fun``, or the differentiable stand-in of an s2sad transform (higher order).

    ``reverse``: whether the caller runs reverse mode over ``fun`` (default: decided
    from ``api_name``).
    """
    if not callable(fun):
        raise TypeError("%s: expected a callable value, got %r" % (api_name, fun))
    info = getattr(fun, "__s2sad_transform__", None)
    if info is not None:
        if not info["create_graph"]:
            raise TypeError(
                "%s: %s was created by s2sad.%s with create_graph=False, so it cannot be "
                "differentiated again; create it with create_graph=True (the default)."
                % (api_name, fun_name(fun), info["api"]))
        return shim(fun, reverse=api_name not in FORWARD_APIS if reverse is None else reverse)
    return fun


def param_name(fun, index):
    """Name of positional parameter ``index`` of ``fun`` (error paths only)."""
    try:
        params = [p for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return None
    return params[index].name if index < len(params) else None


def where_arg(fun, index):
    name = param_name(fun, index)
    return "argument %d%s of %s" % (index, " (%r)" % name if name else "", fun_name(fun))


def is_integer(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_argnums(argnums, api_name):
    """Validate ``argnums`` when the transform is created.

    Returns:
      ``(nums, single)``: a tuple of ints (possibly negative) and whether ``argnums``
      was a single int (then the transform returns one gradient, not a tuple).
    """
    if is_integer(argnums):
        return (int(argnums),), True
    if isinstance(argnums, (tuple, list)):
        if not argnums:
            raise ValueError(
                "%s: argnums is empty, so there is nothing to differentiate; pass the "
                "position of at least one argument, e.g. argnums=0 or argnums=(0, 1)."
                % api_name)
        for a in argnums:
            if not is_integer(a):
                raise TypeError("%s: argnums must contain ints, got %r (of type %s) in %r"
                                % (api_name, a, type(a).__name__, argnums))
        nums = tuple(int(a) for a in argnums)
        if len(set(nums)) != len(nums):
            dups = sorted({a for a in nums if nums.count(a) > 1})
            raise ValueError("%s: argnums %r lists argument %s more than once; list each "
                             "position once." % (api_name, tuple(argnums),
                                                 ", ".join(map(str, dups))))
        return nums, False
    raise TypeError("%s: argnums must be an int or a tuple/list of ints, got %r (of type %s)"
                    % (api_name, argnums, type(argnums).__name__))


def resolve_argnums(nums, nargs, fun, api_name):
    """Turn possibly negative ``nums`` into positions among ``nargs`` positional args."""
    wrt = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                "%s: argnums %d is out of range for the %d positional argument%s of %s; "
                "argnums must be in [%d, %d]. Pass the differentiated arguments "
                "positionally (keyword arguments are not differentiated)."
                % (api_name, a, nargs, "" if nargs == 1 else "s", fun_name(fun),
                   -nargs, nargs - 1))
        wrt.append(a % nargs)
    if len(set(wrt)) != len(wrt):
        raise ValueError("%s: argnums %r name the same argument twice once negative "
                         "positions are counted from the end of the %d arguments; list "
                         "each position once." % (api_name, nums, nargs))
    return tuple(wrt)


def check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int):
    """Check the dtype of every leaf of every differentiated argument."""
    for i in wrt:
        arg = args[i]
        if type(arg) is np.ndarray and arg.dtype.kind == "f" and not holomorphic:
            continue  # the common case, checked without flattening
        for leaf in pytree.tree_leaves(arg):
            dtype = leaf_dtype(leaf)
            kind = None if dtype is None else dtype.kind
            if kind is None or kind not in "fcbiu":
                raise TypeError(
                    "%s: %s contains %s, which cannot be differentiated: s2sad "
                    "differentiates float or complex arrays, Python floats and pytrees of "
                    "them. Leave this argument out of argnums (it is then a constant), or "
                    "convert it to a float array." % (api_name, where_arg(fun, i),
                                                      describe_value(leaf)))
            if holomorphic:
                if kind != "c":
                    raise TypeError("%s with holomorphic=True requires inputs with complex "
                                    "dtype, but got %s (%s)."
                                    % (api_name, dtype.name, where_arg(fun, i)))
            elif kind in "biu" and not allow_int:
                raise TypeError(
                    "%s requires real- or complex-valued inputs (input dtype that is a "
                    "sub-dtype of np.inexact), but got %s (%s). If you want to use Boolean- "
                    "or integer-valued inputs, use vjp or set allow_int to True."
                    % (api_name, dtype.name, where_arg(fun, i)))


def check_primal_leaves(fun, i, leaves, api_name):
    """Every leaf of primal ``i`` must be numeric (shared by vjp, jvp and linearize)."""
    for leaf in leaves:
        dtype = leaf_dtype(leaf)
        if dtype is None or dtype.kind not in "fcbiu":
            raise TypeError(
                "%s: %s contains %s, which cannot be differentiated: s2sad "
                "differentiates float or complex arrays, Python floats and pytrees of "
                "them. Close over it instead of passing it as a primal (e.g. with a "
                "def that fixes it), or convert it to a float array."
                % (api_name, where_arg(fun, i), describe_value(leaf)))


def check_vjp_inputs(fun, primals):
    for i, primal in enumerate(primals):
        check_primal_leaves(fun, i, pytree.tree_leaves(primal), "vjp")


def check_scalar_output(value, api_name, holomorphic):
    dtype = leaf_dtype(value)
    if dtype is None:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            hint = ("; if it returns (output, aux), pass has_aux=True")
        else:
            hint = "; return a scalar (for example with .sum())"
        raise TypeError(
            "Gradient only defined for scalar-output functions. Output was %s%s, or use "
            "s2sad.vjp for non-scalar outputs." % (describe_value(value), hint))
    if np.ndim(value) != 0:
        raise NonScalarOutputError(np.shape(value))
    kind = dtype.kind
    if holomorphic:
        if kind != "c":
            raise TypeError("%s with holomorphic=True requires outputs with complex dtype, "
                            "but got %s." % (api_name, dtype.name))
    elif kind != "f":
        hint = ("For holomorphic differentiation, pass holomorphic=True. For "
                "differentiation of non-holomorphic functions involving complex outputs, "
                "use s2sad.vjp directly." if kind == "c" else
                "Integer and Boolean outputs have no derivative; return a float.")
        raise TypeError("%s requires real-valued outputs (output dtype that is a sub-dtype "
                        "of np.floating), but got %s. %s" % (api_name, dtype.name, hint))


def diagnose(error, fun, args, kwargs, has_aux, api_name, holomorphic):
    """After the joint sweep failed: raise the API error if the output was not valid.

    The generated code seeds its backward sweep with ``1.0`` before the API can look at
    the output, so a tuple or non-scalar output can fail inside the generated code. On
    that error path only, run ``fun`` again to report what was really wrong.
    """
    if isinstance(error, S2SADError):
        return
    try:
        out = fun(*args, **kwargs)
    except Exception:
        return  # fun itself fails: the original error is the right one
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("%s: %s with has_aux=True must return a (output, aux) pair, got "
                            "%s" % (api_name, fun_name(fun), describe_value(out))) from None
        out = out[0]
    try:
        check_scalar_output(out, api_name, holomorphic)
    except TypeError as reason:
        raise reason.with_traceback(None) from None


def cotangent_spec(out_leaves, fun):
    specs = []
    for leaf in out_leaves:
        dtype = leaf_dtype(leaf)
        if dtype is None:
            raise TypeError("vjp: %s returned %s, which is not an array; s2sad can only "
                            "pull back numeric outputs." % (fun_name(fun), describe_value(leaf)))
        specs.append((np.shape(leaf), dtype))
    return specs


def check_cotangent(ct, out_def, specs):
    ct_leaves, ct_def = pytree.flatten(ct)
    if ct_def != out_def:
        raise ValueError("vjp_fn: the cotangent must have the structure of the function's "
                         "output: expected %s, got %s." % (out_def, ct_def))
    for i, (leaf, (shape, dtype)) in enumerate(zip(ct_leaves, specs)):
        where = "" if out_def.is_leaf else " (leaf %d of the output)" % i
        got_dtype = leaf_dtype(leaf)
        got_shape = np.shape(leaf) if got_dtype is not None else None
        if got_dtype is None:
            raise ValueError("vjp_fn: expected a cotangent of shape %s and dtype %s%s, got %s."
                             % (shape, dtype.name, where, describe_value(leaf)))
        if got_shape != shape:
            raise ValueError("vjp_fn: expected a cotangent of shape %s%s (the shape of the "
                             "output), got shape %s." % (shape, where, got_shape))
        if dtype.kind in "biu":
            continue  # integer outputs carry no derivative; any zero-like cotangent is fine
        python_scalar = type(leaf) in (float, int, complex)
        if python_scalar:
            ok = dtype.kind == "c" or type(leaf) is not complex
        else:
            ok = got_dtype == dtype
        if not ok:
            raise ValueError("vjp_fn: expected a cotangent of dtype %s%s (the dtype of the "
                             "output), got %s." % (dtype.name, where, got_dtype.name))


def reject_grad_vars(grad_vars, api_name):
    if grad_vars is not None:
        raise ValueError(
            "%s: grad_vars is not available yet in this version of s2sad; pass the state "
            "as an explicit argument and select it with argnums." % api_name)
