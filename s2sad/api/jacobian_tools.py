"""What the Jacobian transforms share: basis vectors, batches, checks, assembly.

Jacobian layout (as JAX): a leaf of the Jacobian has shape ``out.shape + in.shape``;
the output pytree is outside, the input pytree inside, and tuple ``argnums`` put a
tuple between them.  The helpers here build blocks of basis vectors
(``chunk_size`` at a time), check inputs and outputs, store the blocks the sweeps
return and assemble them in that layout; :class:`CompiledCache` keeps the compiled
derivative (and its batched sweep) of a transformed function.
"""
import functools

import numpy as np

from .. import pytree
from ..compiler import batched
from ..errors import InternalError
from ..rules import generation as _rules_generation
from .checks import (
    check_diff_inputs, describe_value, fun_name, is_integer, leaf_dtype, resolve_argnums,
    where_arg,
)
from .compiling import compile_derivative, scalar_positions, statics_of
from .results import float0, match_children, realize_result


def check_chunk_size(chunk_size, api_name):
    if chunk_size is None:
        return None
    if not is_integer(chunk_size):
        raise TypeError("%s: chunk_size must be a positive int or None, got %r (of type %s)"
                        % (api_name, chunk_size, type(chunk_size).__name__))
    if chunk_size < 1:
        raise ValueError("%s: chunk_size must be a positive int (the number of basis vectors "
                         "per group), got %d." % (api_name, chunk_size))
    return int(chunk_size)


def chunk_ranges(n, chunk_size):
    """``range(n)`` cut into groups of at most ``chunk_size`` (one group if None)."""
    step = n if chunk_size is None else chunk_size
    return [range(start, min(n, start + step)) for start in range(0, n, max(step, 1))]


def check_argnums_none(argnums, api_name):
    if argnums is None:
        raise TypeError("%s: argnums=None selects no argument; it is only meaningful with "
                        "grad_vars. Pass argnums=0 (the default) or a tuple of positions."
                        % api_name)


def grad_leaves(g, primal):
    """The leaves of ``g`` (a gradient or tangent with the structure of ``primal``),
    one per leaf of ``primal``; ``None`` stands for zero."""
    if type(primal) is np.ndarray or not pytree.is_node(primal):
        return [g]
    node, children = pytree.node_children(primal)
    parts = [None] * len(children) if g is None else match_children(
        g, node, len(children), primal)
    leaves = []
    for part, child in zip(parts, children):
        leaves.extend(grad_leaves(part, child))
    return leaves


def store_block(buf, index, g):
    """``buf[index] = g``; ``None`` is zero (buffers start zeroed)."""
    if g is None:
        return
    if buf.dtype.kind != "c" and np.iscomplexobj(g):
        g = np.real(g)
    buf[index] = g


def scalar_like(value, like):
    """A 0-d result as the kind of scalar ``like`` is (Python float in, float out)."""
    if type(like) is float:
        return float(np.real(value))
    if type(like) is complex:
        return complex(value)
    if isinstance(like, np.generic):
        return value.dtype.type(value[()]) if isinstance(value, np.ndarray) else value
    return value


def numeric_dtype(leaf):
    dtype = leaf_dtype(leaf)
    return dtype if dtype is not None and dtype.kind in "fc" else np.dtype(np.float64)


def check_outputs(leaves, fun, api_name, holomorphic, reverse):
    """Outputs must be numeric; jacrev needs real floats (complex with holomorphic)."""
    for leaf in leaves:
        dtype = leaf_dtype(leaf)
        if dtype is None or dtype.kind not in "fcbiu":
            raise TypeError("%s: %s returned %s, which is not an array; s2sad computes "
                            "Jacobians of functions whose outputs are arrays, floats or "
                            "pytrees of them." % (api_name, fun_name(fun), describe_value(leaf)))
        kind = dtype.kind
        if holomorphic:
            if kind != "c":
                raise TypeError("%s with holomorphic=True requires outputs with complex "
                                "dtype, but got %s." % (api_name, dtype.name))
        elif reverse and kind == "c":
            raise TypeError("%s requires real-valued outputs (output dtype that is a "
                            "sub-dtype of np.floating), but got %s. For holomorphic "
                            "differentiation, pass holomorphic=True. For differentiation of "
                            "non-holomorphic functions involving complex outputs, use "
                            "s2sad.vjp directly." % (api_name, dtype.name))
        elif reverse and kind != "f":
            raise TypeError("%s requires real-valued outputs (output dtype that is a "
                            "sub-dtype of np.floating), but got %s. For differentiation of "
                            "functions with integer outputs, use s2sad.vjp directly."
                            % (api_name, dtype.name))


def check_forward_inputs(fun, args, wrt, api_name, holomorphic):
    """jacfwd/hessian inputs: float (or complex) leaves; no integers, as JAX."""
    check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int=True)
    for i in wrt:
        if type(args[i]) is np.ndarray and args[i].dtype.kind in "fc":
            continue
        for leaf in pytree.tree_leaves(args[i]):
            dtype = leaf_dtype(leaf)
            if dtype.kind in "biu":
                raise TypeError(
                    "%s requires real-valued inputs (input dtype that is a sub-dtype of "
                    "np.floating), but got %s (%s). Convert it to a float array, or use "
                    "s2sad.jvp, which accepts integer inputs with float0 tangents."
                    % (api_name, dtype.name, where_arg(fun, i)))


def assemble_jacobian(out_def, inner, single):
    """The Jacobian pytree: output structure outside, argnums tuple, input structure inside.

    ``inner[i][j]`` is the pytree for output leaf ``i`` and differentiated argument ``j``.
    """
    return pytree.unflatten(out_def, [row[0] if single else tuple(row) for row in inner])


def jacobian_result(jac, value, aux, has_aux, return_value, realize=True):
    """Order the results as api.md's table (derivative, value, aux); with ``realize``,
    compute lazy (Dask) leaves together in one pass."""
    if return_value:
        result = (jac, value, aux) if has_aux else (jac, value)
    else:
        result = (jac, aux) if has_aux else jac
    return realize_result(result, realize)


class CompiledCache:
    """The compiled derivative of one transformed function, per call signature.

    Recompiled only when the number of positional arguments, the positions holding
    Python numbers (for reverse mode) or the rule registry change.
    """

    __slots__ = ("state",)

    def __init__(self):
        self.state = (None, None, None, None)

    def get(self, fun, mode, nums, args, has_aux, api_name):
        """``(dv, wrt, batched)``, compiled again when the key or the environment the
        derivative was compiled against changed (one tuple: threads share it)."""
        scalars = scalar_positions(args) if mode == "vjp" else ()
        wrt = resolve_argnums(nums, len(args), fun, api_name)
        statics = statics_of(args, wrt)
        key = (len(args), scalars, statics, _rules_generation())
        state = self.state
        if key != state[0] or not state[1].env.check():
            dv = compile_derivative(fun, mode, wrt, has_aux, scalars=scalars, statics=statics)
            state = self.state = (key, dv, wrt, batched_of(dv))
        return state[1:]


def batched_of(dv):
    """The batched sweep of ``dv`` (:mod:`s2sad.compiler.build_batched`), or None: then
    Jacobians fall back to one sweep per basis vector."""
    return batched(dv)


def basis_block(leaves, start, stop):
    """One-hot seeds for the global basis vectors ``start:stop`` over ``leaves``.

    Returns, per leaf, a batched array of shape ``(stop - start,) + leaf.shape`` and
    the ``(lo, hi, offset)`` range of the leaf's own elements it covers.
    """
    seeds, spans, offset = [], [], 0
    c = stop - start
    for leaf in leaves:
        m = int(np.size(leaf))
        seed = np.zeros((c,) + np.shape(leaf), numeric_dtype(leaf))
        lo, hi = max(start, offset), min(stop, offset + m)
        if lo < hi:
            seed.reshape(c, m)[np.arange(lo - start, hi - start), np.arange(lo - offset,
                                                                          hi - offset)] = 1
        seeds.append(seed)
        spans.append((lo - offset, hi - offset, lo - start, hi - start))
        offset += m
    return seeds, spans


def batched_leaf(value, c, like, api_name):
    """A leaf of a batched sweep's result, checked to have shape ``(c,) + like.shape``."""
    if value is None:
        return None
    value = np.asarray(value)
    want = (c,) + np.shape(like)
    if value.shape != want:
        raise InternalError("%s: the batched sweep returned shape %s where %s was expected; "
                            "please report this bug with the function differentiated"
                            % (api_name, value.shape, want))
    return value


def mark_transform(wrapper, original, fun, api_name, create_graph=True, **info):
    """Give ``wrapper`` the metadata of ``original`` (what the user passed) and record
    the transform of plain function ``fun`` for higher-order differentiation
    (``create_graph=False``: differentiating ``wrapper`` again raises a clear error)."""
    functools.update_wrapper(wrapper, original)
    wrapper.__dict__.pop("__s2sad_shim__", None)  # copied from an s2sad wrapper: not ours
    # The core unwraps ``__wrapped__`` to reach decorated user code; a derivative must
    # never be mistaken for the function it differentiates.
    del wrapper.__wrapped__
    wrapper.__s2sad_transform__ = dict(api=api_name, fun=fun, create_graph=bool(create_graph),
                                       **info)
    return wrapper


def private_copy(leaf):
    """A copy of an array leaf (the caller may mutate theirs later); others as they are."""
    return leaf.copy() if isinstance(leaf, np.ndarray) else leaf


def zero_tangent(leaf):
    dtype = leaf_dtype(leaf)
    if dtype is None:
        return leaf  # rejected with a clear message by the checks
    if dtype.kind in "biu":
        return np.zeros(np.shape(leaf), float0)
    if type(leaf) in (float, complex):
        return type(leaf)(0)
    if isinstance(leaf, np.generic):
        return dtype.type(0)
    return np.zeros(np.shape(leaf), dtype)


def basis_of(leaf):
    """``(zero, one_hot(k))`` for ``leaf``: its zero, and the basis vector with a one at
    flat index ``k`` (Python and NumPy scalars as such, arrays in one reused buffer)."""
    dtype = leaf_dtype(leaf)
    if type(leaf) in (float, complex):
        return type(leaf)(0), lambda k: type(leaf)(1)
    if isinstance(leaf, np.generic):
        return dtype.type(0), lambda k: dtype.type(1)
    buf = np.zeros(np.shape(leaf), dtype)
    flat = buf.reshape(-1)
    last = [0]

    def one_hot(k):
        flat[last[0]] = 0
        flat[k] = 1
        last[0] = k
        return buf
    return np.zeros(np.shape(leaf), dtype), one_hot


def finish_rev(buf, out_leaf, in_leaf):
    out_shape, in_shape = np.shape(out_leaf), np.shape(in_leaf)
    if out_shape == ():
        value = buf[0]
        return scalar_like(np.asarray(value), in_leaf) if in_shape == () else value
    return buf.reshape(out_shape + in_shape)


def finish_fwd(buf, out_leaf, in_leaf):
    out_shape, in_shape = np.shape(out_leaf), np.shape(in_leaf)
    if in_shape == ():
        value = buf[..., 0]
        return scalar_like(value, out_leaf) if out_shape == () else value
    return buf.reshape(out_shape + in_shape)


class NotScalar(Exception):
    """The first sweep of :func:`hessian`'s scalar path found a non-scalar output."""
