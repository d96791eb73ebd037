"""The user-facing transforms: ``grad``, ``value_and_grad``, ``vjp`` and ``source``.

(The forward-mode and Jacobian transforms live in :mod:`s2sad.jacobians` and share
the helpers of this module.)

Responsibility: everything between the user and the compiler core
(:func:`s2sad.compiler.derivative`).  This module

* validates ``argnums``, input dtypes, outputs and cotangents, with JAX's
  parameters, return nesting and error wording (see ``shared/api.md``), and raises
  those errors here, at the API boundary, with ``from None``;
* compiles lazily: a transformed function compiles its derivative on its first call
  and keeps it in its closure, so later calls cost one Python call plus argument
  flattening (no cache lookup, no ``inspect``);
* *finalises* gradients: the core returns ``None`` for a symbolically zero leaf, and
  arrays that may be read-only broadcast views or of a wider dtype; the user gets
  owned, writeable arrays with the dtype and structure of the matching input.

Errors raised by the core (:mod:`s2sad.errors`) pass through unchanged.
"""
import collections
import functools
import inspect
import numbers
import sys
from typing import Any, Callable, Sequence, Tuple, Union

import numpy as np

from . import pytree
from .errors import InternalError, NonScalarOutputError
from .rules import generation as _rules_generation
from .transforms.calls import FunctionTable, frozen_table, is_function

__all__ = ["grad", "value_and_grad", "vjp", "source", "float0"]

#: The dtype of the gradient of an integer or boolean input (as ``jax.dtypes.float0``):
#: a zero-size structured dtype, since integers have no tangent space.
float0 = np.dtype([("float0", np.void, 0)])

ArgNums = Union[int, Sequence[int]]

#: ``source`` modes and the generated code each shows: the joint reverse sweep, the split
#: reverse sweeps (``f_forward``/``f_backward``) or the forward-mode function.
_SOURCE_MODES = {"grad": "grad", "value_and_grad": "grad", "vjp": "vjp", "jacrev": "vjp",
                 "jvp": "jvp", "linearize": "linearize", "jacfwd": "jvp", "hessian": "jvp"}
_DTYPE_OF_PYTHON = {
    float: np.dtype(np.float64), int: np.dtype(np.int64),
    bool: np.dtype(np.bool_), complex: np.dtype(np.complex128),
}


# --- small helpers -------------------------------------------------------------------

def _fun_name(fun):
    return getattr(fun, "__name__", None) or repr(fun)


def _describe(value):
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return "%s of type %s (%s)" % ("a value", type(value).__name__, text)


def _leaf_dtype(x):
    """The NumPy dtype of a leaf, or None if the leaf is not numeric."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    dtype = _DTYPE_OF_PYTHON.get(type(x))
    if dtype is not None:
        return dtype
    dtype = getattr(x, "dtype", None)  # Dask, CuPy and other NumPy-like arrays
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(x, numbers.Number):
        return np.asarray(x).dtype
    return None


def _check_callable(fun, api_name, reverse=None):
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
                % (api_name, _fun_name(fun), info["api"]))
        from .higher import FORWARD_APIS, shim
        return shim(fun, reverse=api_name not in FORWARD_APIS if reverse is None else reverse)
    return fun


def _param_name(fun, index):
    """Name of positional parameter ``index`` of ``fun`` (error paths only)."""
    try:
        params = [p for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return None
    return params[index].name if index < len(params) else None


def _where_arg(fun, index):
    name = _param_name(fun, index)
    return "argument %d%s of %s" % (index, " (%r)" % name if name else "", _fun_name(fun))


# --- argnums -------------------------------------------------------------------------

def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_argnums(argnums, api_name):
    """Validate ``argnums`` when the transform is created.

    Returns:
      ``(nums, single)``: a tuple of ints (possibly negative) and whether ``argnums``
      was a single int (then the transform returns one gradient, not a tuple).
    """
    if _is_int(argnums):
        return (int(argnums),), True
    if isinstance(argnums, (tuple, list)):
        if not argnums:
            raise ValueError(
                "%s: argnums is empty, so there is nothing to differentiate; pass the "
                "position of at least one argument, e.g. argnums=0 or argnums=(0, 1)."
                % api_name)
        for a in argnums:
            if not _is_int(a):
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


def _resolve_argnums(nums, nargs, fun, api_name):
    """Turn possibly negative ``nums`` into positions among ``nargs`` positional args."""
    wrt = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                "%s: argnums %d is out of range for the %d positional argument%s of %s; "
                "argnums must be in [%d, %d]. Pass the differentiated arguments "
                "positionally (keyword arguments are not differentiated)."
                % (api_name, a, nargs, "" if nargs == 1 else "s", _fun_name(fun),
                   -nargs, nargs - 1))
        wrt.append(a % nargs)
    if len(set(wrt)) != len(wrt):
        raise ValueError("%s: argnums %r name the same argument twice once negative "
                         "positions are counted from the end of the %d arguments; list "
                         "each position once." % (api_name, nums, nargs))
    return tuple(wrt)


# --- input, output and cotangent checks ----------------------------------------------

def _check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int):
    """Check the dtype of every leaf of every differentiated argument."""
    for i in wrt:
        arg = args[i]
        if type(arg) is np.ndarray and arg.dtype.kind == "f" and not holomorphic:
            continue  # the common case, checked without flattening
        for leaf in pytree.tree_leaves(arg):
            dtype = _leaf_dtype(leaf)
            kind = None if dtype is None else dtype.kind
            if kind is None or kind not in "fcbiu":
                raise TypeError(
                    "%s: %s contains %s, which cannot be differentiated: s2sad "
                    "differentiates float or complex arrays, Python floats and pytrees of "
                    "them. Leave this argument out of argnums (it is then a constant), or "
                    "convert it to a float array." % (api_name, _where_arg(fun, i),
                                                      _describe(leaf)))
            if holomorphic:
                if kind != "c":
                    raise TypeError("%s with holomorphic=True requires inputs with complex "
                                    "dtype, but got %s (%s)."
                                    % (api_name, dtype.name, _where_arg(fun, i)))
            elif kind in "biu" and not allow_int:
                raise TypeError(
                    "%s requires real- or complex-valued inputs (input dtype that is a "
                    "sub-dtype of np.inexact), but got %s (%s). If you want to use Boolean- "
                    "or integer-valued inputs, use vjp or set allow_int to True."
                    % (api_name, dtype.name, _where_arg(fun, i)))


def _check_primal_leaves(fun, i, leaves, api_name):
    """Every leaf of primal ``i`` must be numeric (shared by vjp, jvp and linearize)."""
    for leaf in leaves:
        dtype = _leaf_dtype(leaf)
        if dtype is None or dtype.kind not in "fcbiu":
            raise TypeError(
                "%s: %s contains %s, which cannot be differentiated: s2sad "
                "differentiates float or complex arrays, Python floats and pytrees of "
                "them. Close over it instead of passing it as a primal (e.g. with a "
                "def that fixes it), or convert it to a float array."
                % (api_name, _where_arg(fun, i), _describe(leaf)))


def _check_vjp_inputs(fun, primals):
    for i, primal in enumerate(primals):
        _check_primal_leaves(fun, i, pytree.tree_leaves(primal), "vjp")


def _check_scalar_output(value, api_name, holomorphic):
    dtype = _leaf_dtype(value)
    if dtype is None:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            hint = ("; if it returns (output, aux), pass has_aux=True")
        else:
            hint = "; return a scalar (for example with .sum())"
        raise TypeError(
            "Gradient only defined for scalar-output functions. Output was %s%s, or use "
            "s2sad.vjp for non-scalar outputs." % (_describe(value), hint))
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


def _diagnose(error, fun, args, kwargs, has_aux, api_name, holomorphic):
    """After the joint sweep failed: raise the API error if the output was not valid.

    The generated code seeds its backward sweep with ``1.0`` before the API can look at
    the output, so a tuple or non-scalar output can fail inside the generated code. On
    that error path only, run ``fun`` again to report what was really wrong.
    """
    from .errors import S2SADError
    if isinstance(error, S2SADError):
        return
    try:
        out = fun(*args, **kwargs)
    except Exception:
        return  # fun itself fails: the original error is the right one
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("%s: %s with has_aux=True must return a (output, aux) pair, got "
                            "%s" % (api_name, _fun_name(fun), _describe(out))) from None
        out = out[0]
    try:
        _check_scalar_output(out, api_name, holomorphic)
    except TypeError as reason:
        raise reason.with_traceback(None) from None


def _cotangent_spec(out_leaves, fun):
    specs = []
    for leaf in out_leaves:
        dtype = _leaf_dtype(leaf)
        if dtype is None:
            raise TypeError("vjp: %s returned %s, which is not an array; s2sad can only "
                            "pull back numeric outputs." % (_fun_name(fun), _describe(leaf)))
        specs.append((np.shape(leaf), dtype))
    return specs


def _check_cotangent(ct, out_def, specs):
    ct_leaves, ct_def = pytree.flatten(ct)
    if ct_def != out_def:
        raise ValueError("vjp_fn: the cotangent must have the structure of the function's "
                         "output: expected %s, got %s." % (out_def, ct_def))
    for i, (leaf, (shape, dtype)) in enumerate(zip(ct_leaves, specs)):
        where = "" if out_def.is_leaf else " (leaf %d of the output)" % i
        got_dtype = _leaf_dtype(leaf)
        got_shape = np.shape(leaf) if got_dtype is not None else None
        if got_dtype is None:
            raise ValueError("vjp_fn: expected a cotangent of shape %s and dtype %s%s, got %s."
                             % (shape, dtype.name, where, _describe(leaf)))
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


# --- finalisation --------------------------------------------------------------------

class _Owner:
    """Makes sure no returned array aliases an input or another returned array."""

    __slots__ = ("args", "_inputs", "seen")

    def __init__(self, args):
        self.args = args
        self._inputs = None
        self.seen = []

    def inputs(self):
        if self._inputs is None:
            self._inputs = [x for x in pytree.tree_leaves(self.args)
                            if isinstance(x, np.ndarray)]
        return self._inputs

    def own(self, g):
        if not g.flags.writeable:
            g = g.copy()
        elif not g.flags.owndata or any(g is x for x in self.seen) or any(
                g is x for x in self.inputs()):
            if any(np.may_share_memory(g, x) for x in self.inputs() + self.seen):
                g = g.copy()
        self.seen.append(g)
        return g


def _as_scalar(g, primal):
    arr = np.asarray(g)
    if arr.shape != ():
        if arr.size != 1:
            raise InternalError("the gradient of a scalar input has shape %s" % (arr.shape,))
        arr = arr.reshape(())
    return arr


def _finalize_leaf(g, primal, owner):
    ptype = type(primal)
    if (ptype is np.ndarray and type(g) is np.ndarray and g.dtype == primal.dtype
            and g.shape == primal.shape):
        return owner.own(g)  # the common case
    if ptype is float:
        return 0.0 if g is None else float(np.real(_as_scalar(g, primal)))
    if ptype is complex:
        return 0j if g is None else complex(_as_scalar(g, primal))
    dtype = _leaf_dtype(primal)
    if dtype.kind in "biu":
        return np.zeros(np.shape(primal), float0)
    if isinstance(primal, np.generic):
        if g is None:
            return dtype.type(0)
        g = _as_scalar(g, primal)
        if dtype.kind != "c":
            g = np.real(g)
        return dtype.type(g)
    if not isinstance(primal, np.ndarray):  # Dask, CuPy, ...: let the array type decide
        if g is None:
            return np.zeros_like(primal)
        if getattr(g, "dtype", None) != dtype:
            g = (np.real(g) if dtype.kind != "c" else g).astype(dtype)
        return g
    if g is None:
        return np.zeros_like(primal)
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    if g.shape != primal.shape:
        if g.ndim != 0:
            raise InternalError("the gradient of an input of shape %s has shape %s"
                                % (primal.shape, g.shape))
        if dtype.kind != "c":
            g = np.real(g)
        return np.full(primal.shape, g, dtype=dtype)
    if g.dtype != dtype:
        if dtype.kind != "c" and g.dtype.kind == "c":
            g = np.real(g)
        return g.astype(dtype)
    return owner.own(g)


def _match_children(g, node, n_children, primal):
    keys = pytree.node_keys(node)
    if keys is not None and isinstance(g, dict):
        extra = set(g) - set(keys)
        if extra:
            raise InternalError("the gradient of a dict has unknown keys %s" % sorted(extra))
        return [g.get(k) for k in keys]
    if pytree.is_node(g) and type(g) is type(primal):
        children = pytree.node_children(g)[1]
        if len(children) == n_children:
            return children
    if isinstance(g, (tuple, list)) and len(g) == n_children:
        return list(g)
    raise InternalError("the gradient %r does not match the structure of its input %s"
                        % (g, pytree.tree_structure(primal)))


def _own_plain(g, primal, args, seen):
    """:func:`_finalize` for a gradient of a plain argument (array or number) when
    every argument is plain: the common case without building an :class:`_Owner`."""
    if (type(g) is np.ndarray and type(primal) is np.ndarray and g.base is None
            and g.shape == primal.shape and g.dtype == primal.dtype):
        if any(g is a for a in args) or any(g is s for s in seen):
            return g.copy()
        return g
    if type(primal) is float and type(g) is float:
        return g
    owner = _Owner(args)
    owner.seen.extend(seen)
    return _finalize(g, primal, owner)


def _finalize(g, primal, owner):
    """Pair gradient ``g`` with ``primal``: same structure, dtypes, owned arrays."""
    if type(primal) is float and type(g) is float:
        return g  # the common case of a Python number
    if type(primal) is np.ndarray or not pytree.is_node(primal):
        return _finalize_leaf(g, primal, owner)
    node, children = pytree.node_children(primal)
    if g is None:
        g_children = [None] * len(children)
    else:
        g_children = _match_children(g, node, len(children), primal)
    return pytree.rebuild_node(
        node, [_finalize(gc, pc, owner) for gc, pc in zip(g_children, children)])


def _realize(result, realize):
    """Compute lazy (Dask) leaves of ``result`` together, in one pass."""
    if not realize or "dask" not in sys.modules:
        return result
    import dask
    leaves, treedef = pytree.flatten(result)
    lazy = [i for i, x in enumerate(leaves) if dask.is_dask_collection(x)]
    if not lazy:
        return result
    computed = dask.compute(*[leaves[i] for i in lazy])
    for i, value in zip(lazy, computed):
        leaves[i] = value
    return pytree.unflatten(treedef, leaves)


# --- grad and value_and_grad ---------------------------------------------------------

def _reject_grad_vars(grad_vars, api_name):
    if grad_vars is not None:
        raise ValueError(
            "%s: grad_vars is not available yet in this version of s2sad; pass the state "
            "as an explicit argument and select it with argnums." % api_name)


def _derivative(fun, mode, wrt, has_aux, optimize=True, scalars=(), ndims=(), **specialised):
    from .compiler import derivative
    return derivative(fun, mode, wrt=wrt, has_aux=has_aux, optimize=optimize,
                      scalars=scalars, ndims=ndims, **specialised)


_NUMBERS = (float, int)


_MAX_SPECIALISED = 8  # shape-specialised compilations per transformed function
_MAX_COMPILED = 32  # compilations kept per transformed function (function arguments)

#: One compiled gradient of a transformed function, for one argument signature:
#: ``specialised`` (shape-specialised code), ``value_free`` (returns the gradients
#: only), ``recheck`` (pytree arguments: check their dtypes on every call), ``plain``
#: (value-free, and every argument a NumPy array or Python number), ``owned`` (plain,
#: and the gradients are proven new float64 arrays: returned as they are).
_Compiled = collections.namedtuple("_Compiled", "function wrt generation specialised "
                                   "value_free recheck plain owned env")


def _signature(args):
    """What the generated gradient is specialised on: shape and dtype of each array
    argument, the type of each Python number (:func:`.transforms.specialize.signature`
    of each argument, inlined: this runs on every call), and the function object of
    each function argument (see :func:`_statics`)."""
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else
                  type(a) if type(a) in _SIGNED else _static_key(a) for a in args])


_SIGNED = (float, int, bool, complex)


def _static_key(a):
    """What the code is specialised on for a function argument: ``a`` itself, or for a
    list, tuple or dict of functions a hashable copy (:func:`.transforms.tables.
    frozen_table`); None for any other argument."""
    if is_function(a):
        try:
            hash(a)
        except TypeError:
            return None
        return a
    if type(a) in (list, tuple, dict, FunctionTable):
        return frozen_table(a)
    return None


def _statics(args, wrt):
    """``(position, function or table)`` of the function arguments (and lists, tuples
    and dicts of functions) that are not differentiated: the derivative is compiled for
    those function objects."""
    return tuple((i, _static_key(a)) for i, a in enumerate(args)
                 if i not in wrt and _static_key(a) is not None)


def _scalar_positions(args):
    """Positions of arguments that are Python numbers: the generated code is
    specialised for them (no broadcasting bookkeeping, a smaller tape)."""
    return tuple([i for i, a in enumerate(args) if type(a) in _NUMBERS])


def _array_ndims(args):
    """``(position, ndim)`` of the NumPy array arguments (``x[i]`` of a 1-d array is a
    number: the generated code is specialised for it)."""
    return tuple([(i, a.ndim) for i, a in enumerate(args) if type(a) is np.ndarray])


def _grad_transform(fun, argnums, has_aux, holomorphic, allow_int, create_graph, realize,
                    grad_vars, return_value, api_name, with_value):
    fun = _check_callable(fun, api_name)
    _reject_grad_vars(grad_vars, api_name)
    if argnums is None:
        raise TypeError("%s: argnums=None selects no argument; it is only meaningful with "
                        "grad_vars. Pass argnums=0 (the default) or a tuple of positions."
                        % api_name)
    if with_value and return_value:
        raise ValueError("value_and_grad: return_value=True is only meaningful for grad; "
                         "value_and_grad always returns the value.")
    nums, single = _check_argnums(argnums, api_name)
    # Compiled joint functions keyed on the arguments' signatures (shapes, dtype kinds,
    # number types): up to _MAX_SPECIALISED are shape-specialised, later signatures share
    # code specialised on number positions and array ndims only.
    compiled = {}
    want_value = bool(with_value or return_value or has_aux or holomorphic)

    def compile_for(args, key):
        wrt = _resolve_argnums(nums, len(args), fun, api_name)
        generation = _rules_generation()
        scalars, ndims = _scalar_positions(args), _array_ndims(args)
        # the signature fixes the dtype of plain array and number arguments: check
        # those once here, and pytrees on every call
        _check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
        specialised = sum(e.specialised for e in compiled.values()) < _MAX_SPECIALISED
        statics = _statics(args, wrt)
        if len(compiled) >= _MAX_COMPILED and statics:  # per-call lambdas: do not pile up
            compiled.clear()
        signatures = tuple(None if _static_key(k) is not None else k for k in key)
        dv = _derivative(fun, "grad", wrt, has_aux, scalars=scalars, ndims=ndims,
                         signatures=signatures if specialised else None,
                         want_value=want_value, in_place=specialised and not create_graph,
                         statics=statics)
        recheck = any(key[i] is None for i in wrt)
        value_free = getattr(dv, "value_free", False)
        plain = value_free and all(k is not None for k in key)  # no pytree, no Dask
        # the compiler proved the gradients are new float64 arrays of the right shapes
        owned = plain and getattr(dv, "owned_returns", False)
        entry = compiled[key] = _Compiled(dv.function, wrt, generation, specialised,
                                          value_free, recheck, plain, owned,
                                          dv.env if dv.env.depends() else None)
        return entry

    def wrapper(*args, **kwargs):
        key = _signature(args)
        entry = compiled.get(key)
        if (entry is None or entry.generation != _rules_generation()
                or (entry.env is not None and not entry.env.check())):
            entry = compile_for(args, key)
        function, wrt = entry.function, entry.wrt
        if entry.recheck:
            _check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
        try:
            out = function(*args, **kwargs)
        except Exception as error:
            _diagnose(error, fun, args, kwargs, has_aux, api_name, holomorphic)
            raise
        if entry.owned:
            return out if single or len(wrt) > 1 else (out,)
        if entry.plain:  # value-free, NumPy arrays and Python numbers only
            if len(wrt) == 1:
                g = _own_plain(out, args[wrt[0]], args, ())
                return g if single else (g,)
            grads = []
            for g, i in zip(out, wrt):
                grads.append(_own_plain(g, args[i], args, grads))
            return tuple(grads)
        if entry.value_free:  # the value is provably a real number and nobody wants it
            grads = out
        else:
            out, grads = out
            if has_aux:
                value, aux = out
            else:
                value = out
            _check_scalar_output(value, api_name, holomorphic)
        if len(wrt) == 1:
            grads = (grads,)
        owner = _Owner(args)
        grads = tuple(_finalize(g, args[i], owner) for g, i in zip(grads, wrt))
        g = grads[0] if single else grads
        if with_value:
            result = ((value, aux), g) if has_aux else (value, g)
        elif return_value:
            result = (g, value, aux) if has_aux else (g, value)
        else:
            result = (g, aux) if has_aux else g
        return _realize(result, realize)

    functools.update_wrapper(wrapper, fun)
    # The core unwraps ``__wrapped__`` to reach decorated user code; a derivative must
    # never be mistaken for the function it differentiates.
    del wrapper.__wrapped__
    wrapper.__s2sad_transform__ = {
        "api": api_name, "fun": fun, "argnums": argnums, "has_aux": has_aux,
        "create_graph": create_graph,
    }
    return wrapper


def grad(fun: Callable, argnums: ArgNums = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False, *, create_graph: bool = True,
         realize: bool = True, grad_vars: Any = None, return_value: bool = False
         ) -> Callable:
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
        allows faster non-differentiable code; the generated code is currently
        identical, but the result refuses to be differentiated again.
      realize: materialise lazy (Dask) results before returning, all in one pass.
        NumPy results are always materialised.
      grad_vars: not available yet (raises ``ValueError`` when given).
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


def value_and_grad(fun: Callable, argnums: ArgNums = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False, *,
                   create_graph: bool = True, realize: bool = True, grad_vars: Any = None,
                   return_value: bool = False) -> Callable:
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

def _pullback(fun, args, wrt, has_aux, api_name="vjp"):
    """Run the forward sweep of ``fun`` at ``args``; shared by :func:`vjp` and testing.

    Returns:
      ``(out, aux, pullback)`` where ``pullback(ct)`` checks the cotangent and returns
      a tuple with one finalised gradient per position in ``wrt``.
    """
    dv = _derivative(fun, "vjp", wrt, has_aux, scalars=_scalar_positions(args),
                     ndims=_array_ndims(args))
    out, residuals = dv.forward(*args)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    specs = _cotangent_spec(out_leaves, fun)
    backward = dv.backward

    def pullback(ct):
        _check_cotangent(ct, out_def, specs)
        grads = backward(residuals, ct)
        if len(grads) != len(wrt):
            raise InternalError("the backward sweep returned %d gradients for %d inputs"
                                % (len(grads), len(wrt)))
        owner = _Owner((args, ct))  # a gradient may be the cotangent passed straight through
        return tuple(_finalize(g, args[i], owner) for g, i in zip(grads, wrt))

    return out, aux, pullback


def vjp(fun: Callable, *primals: Any, has_aux: bool = False, create_graph: bool = True
        ) -> Tuple[Any, ...]:
    """Evaluate ``fun`` and return its pullback (vector-Jacobian product).

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      *primals: the point; every positional argument is differentiated. Integer
        primals get :data:`s2sad.float0` cotangents.
      has_aux: ``fun`` returns ``(output, aux)``.
      create_graph: ``True`` (default) keeps the pullback differentiable; ``False``
        is currently identical.

    Returns:
      ``(out, vjp_fn)``, or ``(out, vjp_fn, aux)`` with ``has_aux``. ``vjp_fn(ct)``
      takes a cotangent with the structure, shapes and dtypes of ``out`` and returns a
      tuple of ``len(primals)`` gradients. It may be called many times.

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
    fun = _check_callable(fun, "vjp")
    if not primals:
        raise TypeError("vjp: no primals given; pass the point to differentiate at, as in "
                        "s2sad.vjp(f, x, y).")
    _check_vjp_inputs(fun, primals)
    out, aux, pullback = _pullback(fun, primals, tuple(range(len(primals))), has_aux)
    functools.update_wrapper(pullback, fun, assigned=("__doc__",), updated=())
    pullback.__name__ = pullback.__qualname__ = "vjp_" + _fun_name(fun)
    if has_aux:
        return out, pullback, aux
    return out, pullback


# --- source --------------------------------------------------------------------------

def _specialised_source(fun, mode, wrt, has_aux, shapes):
    """The code :func:`grad` (or :func:`value_and_grad`) runs for arguments of
    ``shapes`` (float64 arrays, or ``float`` for Python numbers)."""
    if mode not in ("grad", "value_and_grad"):
        raise ValueError("source: shapes specialise the code of mode 'grad' or "
                         "'value_and_grad', not %r." % (mode,))
    if not isinstance(shapes, (tuple, list)):
        raise TypeError("source: shapes must be a tuple with one entry per positional "
                        "argument, got %r" % (shapes,))
    args = []
    for shape in shapes:
        if shape is float:
            args.append(1.0)
        elif isinstance(shape, tuple) and all(_is_int(n) and n >= 0 for n in shape):
            args.append(np.zeros(shape))
        else:
            raise TypeError("source: each entry of shapes is a shape tuple (an array) or "
                            "float (a Python number), got %r" % (shape,))
    dv = _derivative(fun, "grad", wrt, has_aux, scalars=_scalar_positions(args),
                     ndims=_array_ndims(args), signatures=_signature(args),
                     want_value=mode != "grad" or has_aux)
    return dv.source


_SOURCE_OPTIONS = ("has_aux", "optimize", "scalars", "shapes")


def source(fun: Callable, mode: str = "grad", argnums: ArgNums = 0, **options: Any) -> str:
    """The generated derivative module of ``fun``, as ``s2sad show`` prints it.

    Args:
      fun: a Python function with readable source.
      mode: ``"grad"`` or ``"value_and_grad"`` (one function running the forward and
        backward sweeps); ``"vjp"`` or ``"jacrev"`` (the split sweeps ``f_forward`` /
        ``f_backward``; ``"jacrev"`` adds the batched backward sweep it runs);
        ``"jvp"`` or ``"jacfwd"`` (the forward-mode function ``jvp_f(*args, dx=...)``);
        ``"linearize"`` (split forward mode: ``f_linearize(*args)`` and
        ``f_tangent(residuals, dx, ...)``); ``"hessian"`` (the forward-mode function of the
        generated gradient: forward-over-reverse).
      argnums: differentiated position(s), as in :func:`grad`.
      **options: ``has_aux`` (default False); ``optimize`` (default True; False
        shows the code before dead-code removal and simplification); ``scalars``
        (positions of arguments that will be Python numbers: the code the
        transforms generate for such calls, without broadcasting bookkeeping);
        ``shapes`` (modes ``"grad"``/``"value_and_grad"``: one entry per positional
        argument, a shape tuple for a float64 array or ``float`` for a Python number:
        the shape-specialised code :func:`grad` runs for such arguments).

    Returns:
      The Python source of the generated module.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.sum(np.sin(x))
      >>> "def df_dx" in s2sad.source(f)
      True
    """
    core_mode = _SOURCE_MODES.get(mode) if isinstance(mode, str) else None
    if core_mode is None:
        raise ValueError("source: unknown mode %r; the available modes are %s."
                         % (mode, ", ".join(repr(m) for m in _SOURCE_MODES)))
    fun = _check_callable(fun, "source", reverse=core_mode not in ("jvp", "linearize"))
    unknown = sorted(set(options) - set(_SOURCE_OPTIONS))
    if unknown:
        raise TypeError("source: unknown option%s %s; the options are %s"
                        % ("s" if len(unknown) > 1 else "", ", ".join(unknown),
                           ", ".join(_SOURCE_OPTIONS)))
    nums, _ = _check_argnums(argnums, "source")
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        sig = None
    nargs = None
    if sig is not None:
        params = sig.parameters.values()
        if not any(p.kind == p.VAR_POSITIONAL for p in params):
            nargs = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
    if nargs is not None:
        wrt = _resolve_argnums(nums, nargs, fun, "source")
    elif any(a < 0 for a in nums):
        raise ValueError("source: negative argnums need a fixed number of positional "
                         "parameters, but %s takes *args; pass non-negative argnums."
                         % _fun_name(fun))
    else:
        wrt = nums
    has_aux = bool(options.get("has_aux", False))
    if mode == "hessian":  # forward mode over the generated gradient
        from .higher import seeded_gradient
        fun, _ = seeded_gradient(fun, wrt, has_aux)
        has_aux = True
    scalars = tuple(options.get("scalars", ()))
    if not all(_is_int(i) for i in scalars):
        raise TypeError("source: scalars must be a tuple of argument positions, got %r"
                        % (options.get("scalars"),))
    shapes = options.get("shapes")
    if shapes is not None:
        return _specialised_source(fun, mode, wrt, has_aux, shapes)
    dv = _derivative(fun, core_mode, wrt, has_aux, optimize=bool(options.get("optimize", True)),
                     scalars=scalars)
    if mode in ("jacrev", "jacfwd", "hessian"):  # the batched sweep, when there is one
        from .transforms.batch import batched
        found = batched(dv)
        if found is not None:
            return found.source
    return dv.source
