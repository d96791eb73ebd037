"""``vmap(grad(f))``: per-example gradients as one batched sweep.

:func:`per_example_gradients` is what :func:`s2sad.vmap` tries first when the mapped
function is ``s2sad.grad(f, argnums)`` (no ``has_aux``, ``holomorphic``,
``return_value``, ``grad_vars``): it compiles ``f``'s joint gradient for one example
(the slices' shapes; module-level helpers that write nothing in place inlined, so
that it is one function), rewrites it so that the mapped parameters carry a leading batch
axis (:func:`s2sad.compiler.build_batched.batched_primal`), runs it once on the whole
batch and returns the gradients with the batch axis first.

It answers ``(None, reason)`` instead whenever it cannot be sure: a mapped argument
that is not a floating-point NumPy array (integer labels, pytrees, Python numbers), a
generated gradient using something without a batched form (control flow on a mapped
value, a helper function, ...), a result of an unexpected shape, or any error while the
batched sweep runs.  :func:`s2sad.vmap` then loops over the examples, so the numbers
are those of the loop either way.
"""
import numpy as np

from .. import pytree, rules
from ..compiler.build_batched import batched_primal
from ..compiler.driver import BoundDerivative
from .checks import check_diff_inputs, resolve_argnums
from .compiling import array_ndims, compile_derivative, scalar_positions, signature_of
from .compiling import statics_of

__all__ = ["per_example_gradients", "candidate"]

_OPTIONS_OFF = ("has_aux", "holomorphic", "allow_int", "return_value")


def candidate(fun):
    """The ``__s2sad_transform__`` record of ``fun`` if it is a plain ``s2sad.grad``
    transform the batched path can run, else None."""
    info = getattr(fun, "__s2sad_transform__", None)
    if (info is None or info.get("api") != "grad" or info.get("grad_vars") is not None
            or any(info.get(k) for k in _OPTIONS_OFF) or "holomorphic" not in info):
        return None
    return info


def per_example_gradients(info, args, mapped, cache):
    """``(gradients, None)`` with a leading batch axis on every leaf, or ``(None,
    reason)``.

    ``args``: the positional arguments with each mapped one's batch axis moved first;
    ``mapped``: the positions of the mapped arguments; ``cache``: a dict kept by the
    caller (compiled sweeps per example signature)."""
    for i in mapped:
        a = args[i]
        if type(a) is not np.ndarray or a.dtype.kind != "f" or a.ndim == 0:
            return None, "mapped argument %d is not a floating-point NumPy array" % i
    # one example: a number of a float64 array as a Python float, so that the gradient
    # is specialised for a number there (as grad(f)(w, 0.5) is)
    example = [(float(a[0]) if a.ndim == 1 and a.dtype == np.float64 else a[0])
               if i in mapped else a for i, a in enumerate(args)]
    key = (signature_of(example), tuple(mapped), rules.generation())
    entry = cache.get(key)
    # a global or cell the function reads changed: refreshed, or compiled again
    if entry is None or (entry[4] is not None and not entry[4].check()):
        try:
            entry = _compile(info, example, mapped)
        except Exception as err:  # the loop raises it where the user expects it
            entry = (None, (), False, "%s: %s" % (type(err).__name__, err), None)
        cache[key] = entry
    function, wrt, value_free, why, _ = entry
    if function is None:
        return None, why
    nb = args[mapped[0]].shape[0]
    try:
        out = function(*args)
        grads = out if value_free else out[1]
        if len(wrt) == 1:
            grads = (grads,)
        inputs = [leaf for a in args for leaf in pytree.tree_leaves(a)
                  if isinstance(leaf, np.ndarray)]
        result = tuple(_finish(g, example[i], nb, inputs) for g, i in zip(grads, wrt))
    except _Unexpected as err:
        return None, str(err)
    except Exception as err:  # the loop then gives the user's own error, or the numbers
        return None, "the batched sweep raised %s: %s" % (type(err).__name__, err)
    single = not isinstance(info["argnums"], (tuple, list))
    return (result[0] if single else result), None


def _compile(info, example, mapped):
    fun = info["fun"]
    nums = info["argnums"]
    nums = (nums,) if not isinstance(nums, (tuple, list)) else tuple(nums)
    wrt = resolve_argnums(nums, len(example), fun, "vmap(grad)")
    check_diff_inputs(fun, example, wrt, "grad", False, False)
    dv = compile_derivative(fun, "grad", wrt, False, scalars=scalar_positions(example),
                            ndims=array_ndims(example), signatures=signature_of(example),
                            want_value=False, statics=statics_of(example, wrt),
                            inline_helpers=True)
    if isinstance(dv, BoundDerivative):
        return None, wrt, False, "a bound method", None
    fdef = dv.functions[0] if getattr(dv, "functions", None) else None
    params = [] if fdef is None else [a.id for a in fdef.args.posonlyargs + fdef.args.args]
    if len(params) < len(example):
        return None, wrt, False, "the generated gradient's parameters", None
    function, why = batched_primal(dv, [params[i] for i in mapped])
    env = dv.env if dv.env.depends() else None
    return function, wrt, bool(getattr(dv, "value_free", False)), why, env


class _Unexpected(Exception):
    pass


def _finish(g, primal, nb, inputs):
    """Per-example gradient ``g`` (batched) of ``primal``: same structure, the dtype of
    each leaf, a new array (never one of the caller's), shape ``(nb,) + leaf shape``."""
    if pytree.is_node(primal) and type(primal) is not np.ndarray:
        node, children = pytree.node_children(primal)
        if g is None:
            parts = [None] * len(children)
        else:
            g_node, parts = pytree.node_children(g)
            if g_node != node:
                raise _Unexpected("a gradient of another structure")
        return pytree.rebuild_node(node, [_finish(gc, pc, nb, inputs)
                                          for gc, pc in zip(parts, children)])
    shape = (nb,) + np.shape(primal)
    dtype = primal.dtype if isinstance(primal, np.ndarray) else np.result_type(float)
    if dtype.kind != "f":
        raise _Unexpected("a gradient of a non-float input")
    if g is None:
        return np.zeros(shape, dtype)
    g = np.asarray(g)
    if g.shape != shape:
        raise _Unexpected("a gradient of shape %s where %s was expected" % (g.shape, shape))
    if g.dtype != dtype:
        return g.astype(dtype)
    if any(np.may_share_memory(g, a) for a in inputs):
        return g.copy()
    return g
