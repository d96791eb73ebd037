"""Checks at the API boundary: callables, ``argnums``, input dtypes, outputs, cotangents.

Every transform validates what the user passes with JAX's parameters and error
wording (``shared/api.md``) and raises here, at the boundary, with ``from None``.
:func:`check_callable` also turns a function made by an s2sad transform into its
differentiable stand-in (:mod:`~s2sad.api.standins`), and a library function with a
rule (``grad(np.sum)``, ``jvp(np.sin, ...)``, as in JAX) into a one-line Python
function calling it (:func:`library_stand_in`: library code is never read as user
source); :func:`diagnose` explains an error raised while the user's function ran
under a transform.
"""
import ast
import functools
import inspect
import keyword
import numbers
from typing import Any, Callable, List, Tuple, Union

import numpy as np

from .. import pytree, rules
from ..compiler.cache import load
from ..compiler.parsing import unwrap
from ..errors import (
    MissingRuleError, NonScalarOutputError, S2SADError, public_name, rule_key_text,
)
from ..transforms.calls import is_library_code, python_callee
from ..transforms.ops import library_reason
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
    """The name of ``fun`` in messages (a callable object by its public name, never a
    ``repr`` with an address)."""
    return getattr(fun, "__name__", None) or public_name(fun)


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
    """``fun``, or the differentiable stand-in of an s2sad transform (higher order), or
    of a library function (:func:`library_stand_in`: ``grad(np.sum)``).

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
    found = python_callee(unwrap(fun))
    if found is None or is_library_code(found[0]):
        return library_stand_in(fun, api_name)
    if isinstance(fun, functools.partial):
        return partial_stand_in(fun)
    if (found[1] is fun and not inspect.ismethod(fun) and not inspect.isfunction(fun)
            and not any(name.startswith("__s2sad") for name in dir(type(fun)))):
        return fun.__call__  # a user's callable object: its (bound) __call__ method
    return fun


_PARTIAL = "_s2sad_partial"


def partial_stand_in(fun):
    """A Python function with the remaining parameters of ``functools.partial`` ``fun``
    (``inspect.signature``: JAX's ``argnums`` count them) whose source calls ``fun``::

        def loss(w, *, X=_s2sad_default_0):
            return _s2sad_partial(w, X=X)

    The call of the partial inside is differentiated with its fixed arguments put
    back (as a call of a partial in user code)."""
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError) as e:
        raise TypeError("cannot read the parameters of %r: %s" % (fun, e)) from None
    names, call, namespace, star = [], [], {_PARTIAL: fun}, False
    for i, p in enumerate(params):
        text = p.name
        if p.default is not p.empty:
            namespace["_s2sad_default_%d" % i] = p.default
            text = "%s=_s2sad_default_%d" % (p.name, i)
        if p.kind == p.VAR_POSITIONAL:
            names.append("*" + p.name)
            call.append("*" + p.name)
            star = True
            continue
        if p.kind == p.VAR_KEYWORD:
            names.append("**" + p.name)
            call.append("**" + p.name)
            continue
        if p.kind == p.KEYWORD_ONLY and not star:
            names.append("*")
            star = True
        if p.kind == p.POSITIONAL_ONLY:
            names.append(text)
            call.append(p.name)
            if i + 1 == len(params) or params[i + 1].kind != p.POSITIONAL_ONLY:
                names.append("/")
            continue
        names.append(text)
        call.append(p.name if p.kind == p.POSITIONAL_OR_KEYWORD else "%s=%s" % (p.name, p.name))
    base = getattr(python_callee(fun)[0], "__name__", "f")
    if not base.isidentifier() or keyword.iskeyword(base) or base in namespace:
        base = "f"
    text = '"""s2sad\'s stand-in for functools.partial(%s)."""\n\n\n' \
        "def %s(%s):\n    return %s(%s)\n" % (base, base, ", ".join(names), _PARTIAL,
                                             ", ".join(call))
    return getattr(load(text, "partial__" + base, namespace), base)


_LIBRARY_STAND_INS = {}  # library function -> its stand-in
_TARGET = "_s2sad_library_function"


def library_stand_in(fun, api_name):
    """A Python function whose source calls library function ``fun`` (a C function, a
    ufunc, or library code) with the arguments its derivative rule names::

        def sum(a, axis=None, dtype=None, keepdims=False):
            return _s2sad_library_function(a, axis=axis, dtype=dtype, keepdims=keepdims)

    so that ``grad(np.sum)`` differentiates a call of ``np.sum`` through its rule.  A
    function declared non-differentiable is called with its arguments passed on.
    Raises MissingRuleError for a function with neither."""
    try:
        made = _LIBRARY_STAND_INS.get(fun)
    except TypeError:  # unhashable: no rule can be registered for it either
        made = None
    if made is not None and made[1] == rules.generation():
        return made[0]
    rule = rules.lookup_adjoint(fun) or rules.lookup_tangent(fun)
    if rule is None and not rules.is_nondifferentiable(fun):
        raise MissingRuleError(public_name(fun), "passed to s2sad.%s" % api_name,
                               library_reason(fun), key=rule_key_text(fun), located=False)
    name = getattr(fun, "__name__", None) or ""
    if not name.isidentifier() or keyword.iskeyword(name) or name == _TARGET:
        name = "f"
    params, call = _rule_parameters(rule, fun) if rule else _passed_on(fun)
    text = '"""s2sad\'s stand-in for %s, to differentiate it directly."""\n\n\n' \
        "def %s(%s):\n    return %s(%s)\n" % (public_name(fun).replace('"', "'"), name,
                                             ", ".join(params), _TARGET, ", ".join(call))
    made = getattr(load(text, "library__" + name, {_TARGET: fun}), name)
    try:
        _LIBRARY_STAND_INS[fun] = (made, rules.generation())
    except TypeError:
        pass
    return made


def _rule_parameters(rule, fun):
    """The stand-in's parameters and call arguments from template ``rule``: required
    parameters passed positionally, the others by keyword where ``fun`` takes the
    keyword (else positionally while the positions agree)."""
    try:
        real = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        real = None
    names = None if real is None else [p.name for p in real]
    any_keyword = real is None or any(p.kind == p.VAR_KEYWORD for p in real)
    params, call, positional = [], [], True
    for i, p in enumerate(list(rule.signature.parameters.values())[1:]):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name == "out":
            positional = False  # (out= would write into an argument: never passed)
            continue
        if p.default is p.empty:
            if not positional:
                break
            params.append(p.name)
            call.append(p.name)
            continue
        if any_keyword or p.name in names:
            text = "%s=%s" % (p.name, p.name)
        elif positional and names[i:i + 1] == [p.name]:
            text = p.name
        else:
            continue  # fun does not take it: leave it to its default
        if p.kind == p.KEYWORD_ONLY and "*" not in params:
            params.append("*")
        params.append("%s=%s" % (p.name, _literal(_default(p, real))))
        call.append(text)
        positional = positional and text == p.name
    return params, call


def _default(param, real):
    """The default of template parameter ``param``: the real function's own where it has
    a literal one (defaults that differ between library versions, such as ``pinv``'s
    ``rcond``), else the template's."""
    for p in real or ():
        if p.name == param.name and p.default is not p.empty:
            try:
                ast.literal_eval(repr(p.default))
            except (ValueError, SyntaxError):
                break
            return p.default
    return param.default


def _literal(value):
    """Source text of a template default (a literal; ``inf``/``nan`` spelled as floats)."""
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return "float(%r)" % text if isinstance(value, float) else text
    return text


def _passed_on(fun):
    """Parameters and call arguments for a non-differentiable ``fun``: its required
    positional parameters."""
    try:
        real = [p.name for p in inspect.signature(fun).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]
    except (TypeError, ValueError):
        real = ["x%d" % i for i in range(getattr(fun, "nin", 1))]
    names = [n if n.isidentifier() and n != _TARGET else "x%d" % i
             for i, n in enumerate(real)]
    return names, names


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
