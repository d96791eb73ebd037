"""The Jacobian transforms: ``jacrev`` and ``jacfwd``.

``jacrev`` runs the forward sweep once and the batched backward sweep
(:mod:`s2sad.compiler.build_batched`) once per chunk of ``chunk_size`` output basis
vectors (all by default); ``jacfwd`` runs the batched forward-mode function once per
chunk of input basis vectors.  A sweep with no batched form falls back to one sweep
per basis vector.  Layout and shared helpers: :mod:`~s2sad.api.jacobian_tools`.
"""
from typing import Any, Callable, Optional

import numpy as np

from .. import pytree
from .checks import (
    ArgNums, Fun, check_argnums, check_callable, check_diff_inputs, leaf_dtype,
)
from .results import float0
from .standins import tangent_params
from . import variables
from .variables import DEFAULT_ARGNUM
from .jacobian_tools import (
    assemble_jacobian, basis_block, basis_of, batched_leaf, check_argnums_none, check_chunk_size,
    check_forward_inputs, check_outputs, chunk_ranges, CompiledCache, finish_fwd, finish_rev,
    grad_leaves, jacobian_result, mark_transform, numeric_dtype, store_block,
)

__all__ = ["jacfwd", "jacrev"]




# --- jacrev --------------------------------------------------------------------------


def _jacrev_call(dv, wrt, args, kwargs, fun, has_aux, holomorphic, chunk_size, api_name,
                 bdv=None):
    """The Jacobian by reverse mode: with a batched backward sweep ``bdv``, one sweep
    per chunk of output basis vectors, else one per basis vector."""
    out, residuals = dv.forward(*args, **kwargs)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    check_outputs(out_leaves, fun, api_name, holomorphic, True)
    in_leaves = [pytree.tree_leaves(args[i]) for i in wrt]
    in_defs = [pytree.tree_structure(args[i]) for i in wrt]
    if bdv is not None:
        return _jacrev_batched(bdv, residuals, out, out_leaves, out_def, aux, wrt, args,
                               in_leaves, in_defs, chunk_size, api_name)
    cts = []
    hots = []
    for leaf in out_leaves:
        zero, one_hot = basis_of(leaf)
        cts.append(zero)
        hots.append(one_hot)
    inner = []
    for i, out_leaf in enumerate(out_leaves):
        m = int(np.size(out_leaf))
        bufs = [[None if leaf_dtype(x).kind in "biu" else
                 np.zeros((m,) + np.shape(x), numeric_dtype(x)) for x in leaves]
                for leaves in in_leaves]
        zero = cts[i]
        for group in chunk_ranges(m, chunk_size):
            for k in group:  # one backward sweep per basis vector (rules not batched yet)
                cts[i] = hots[i](k)
                grads = dv.backward(residuals, pytree.unflatten(out_def, cts))
                for j, (g, pos) in enumerate(zip(grads, wrt)):
                    for buf, gl in zip(bufs[j], grad_leaves(g, args[pos])):
                        if buf is not None:
                            store_block(buf, k, gl)
        cts[i] = zero
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(out_leaf) + np.shape(x), float0) if buf is None
                        else finish_rev(buf, out_leaf, x) for buf, x in zip(bufs[j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return out_def, inner, out, aux


def _jacrev_batched(bdv, residuals, out, out_leaves, out_def, aux, wrt, args, in_leaves,
                    in_defs, chunk_size, api_name):
    """Batched backward sweeps over chunks of the output basis (all output leaves)."""
    sizes = [int(np.size(o)) for o in out_leaves]
    bufs = [[[None if leaf_dtype(x).kind in "biu" else
              np.zeros((m,) + np.shape(x), numeric_dtype(x)) for x in leaves]
             for leaves in in_leaves] for m in sizes]
    for group in chunk_ranges(sum(sizes), chunk_size):
        if not len(group):
            continue
        c = len(group)
        seeds, spans = basis_block(out_leaves, group.start, group.stop)
        grads = bdv.backward(residuals, pytree.unflatten(out_def, seeds))
        for j, (g, pos) in enumerate(zip(grads, wrt)):
            for n, gl in enumerate(grad_leaves(g, args[pos])):
                gl = batched_leaf(gl, c, in_leaves[j][n], api_name)
                for i, (lo, hi, a, b) in enumerate(spans):
                    if lo < hi and bufs[i][j][n] is not None:
                        store_block(bufs[i][j][n], slice(lo, hi), None if gl is None else gl[a:b])
    inner = []
    for i, out_leaf in enumerate(out_leaves):
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(out_leaf) + np.shape(x), float0) if buf is None
                        else finish_rev(buf, out_leaf, x)
                        for buf, x in zip(bufs[i][j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return out_def, inner, out, aux


def jacrev(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False, *,
           chunk_size: Optional[int] = None, grad_vars: Any = None,
           return_value: bool = False, create_graph: bool = True,
           realize: bool = True) -> Callable[..., Any]:
    """Jacobian of ``fun`` by reverse mode: one forward sweep, one batched backward sweep.

    The generated forward sweep runs once; the batched backward sweep then runs once
    on all one-hot cotangents (a leading batch axis on every adjoint), or once per
    ``chunk_size`` of them.  A sweep using something with no batched form (see the
    README) runs once per output element instead; the results are the same.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        float arrays.
      argnums: position(s) of the differentiated positional arguments, as in
        :func:`s2sad.grad` (int, tuple or list; negative values count from the end).
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` may be any Python object.
      holomorphic: ``fun`` is holomorphic; inputs and outputs must be complex.
      allow_int: allow integer or boolean differentiated inputs; their Jacobian
        blocks are zeros of dtype :data:`s2sad.float0`.
      chunk_size: ``None`` or a positive int: the number of basis vectors per
        batched sweep (bounds memory; the results do not depend on it).
      grad_vars: :class:`s2sad.Variable` state, as for :func:`s2sad.grad`: the
        derivatives with respect to it come first (``var_grads``, or ``(var_grads,
        jac)`` with ``argnums`` given).
      return_value: also return the function's output: ``(jac, value)``, or
        ``(jac, value, aux)`` with ``has_aux``.
      create_graph: ``True`` (default) keeps the result differentiable by s2sad;
        ``False`` makes differentiating it again raise a clear ``TypeError``.
      realize: materialise lazy (Dask) results before returning, all in one pass;
        ``False`` returns them as they are.

    Returns:
      A function with the signature of ``fun`` returning the Jacobian: a leaf has
      shape ``out.shape + in.shape`` and the dtype of the input; the output pytree is
      outside, the input pytree inside, and tuple ``argnums`` give a tuple between
      them. ``(jac, aux)`` with ``has_aux``.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs (see
        ``allow_int``), complex or integer outputs (see ``holomorphic``), invalid
        ``argnums`` or ``chunk_size``, a has_aux function that does not return a pair.
      ValueError: empty, duplicated or out-of-range ``argnums``, ``chunk_size < 1``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.array([x[0] * x[1], np.sin(x[1])])
      >>> s2sad.jacrev(f)(np.array([2.0, 0.0]))
      array([[0., 2.],
             [0., 1.]])
    """
    return jacobian_transform(fun, argnums, has_aux, holomorphic, allow_int, chunk_size,
                               grad_vars, return_value, "jacrev", create_graph, realize)


# --- jacfwd --------------------------------------------------------------------------


def jacfwd_call(dv, wrt, args, kwargs, fun, has_aux, holomorphic, chunk_size, api_name,
                 out_like=None, first=None, bdv=None):
    """The Jacobian by forward mode: with a batched forward-mode function ``bdv``, one
    sweep per chunk of input basis vectors (all differentiated leaves together), else
    one sweep per basis vector.

    ``out_like(out)`` gives the tree whose structure and dtypes the output tangent
    is paired with (default: the output itself); ``first(out, aux)`` runs after the
    first sweep (it may raise).
    """
    names = tangent_params(dv)
    in_leaves = [pytree.tree_leaves(args[i]) for i in wrt]
    in_defs = [pytree.tree_structure(args[i]) for i in wrt]
    zeros, hots = [], []
    for leaves in in_leaves:
        pairs = [basis_of(x) for x in leaves]
        zeros.append([p[0] for p in pairs])
        hots.append([p[1] for p in pairs])
    tangents = [list(z) for z in zeros]
    state = {}

    def sweep(function=dv.function):
        trees = {name: pytree.unflatten(in_defs[j], tangents[j])
                 for j, name in enumerate(names)}
        result, t_out = function(*args, **kwargs, **trees)
        if not state:
            out, aux = result if has_aux else (result, None)
            if first is not None:
                first(out, aux)
            like = out if out_like is None else out_like(out)
            like_leaves, like_def = pytree.flatten(like)
            check_outputs(like_leaves, fun, api_name, holomorphic, False)
            state.update(out=out, aux=aux, like=like, leaves=like_leaves, treedef=like_def)
            state["bufs"] = [[[None if leaf_dtype(o).kind in "biu" else
                               np.zeros(np.shape(o) + (int(np.size(x)),), numeric_dtype(o))
                               for x in leaves] for leaves in in_leaves]
                             for o in like_leaves]
        return grad_leaves(t_out, state["like"])

    flat = [x for leaves in in_leaves for x in leaves]
    groups = chunk_ranges(sum(int(np.size(x)) for x in flat), chunk_size) \
        if bdv is not None else []
    for group in groups:
        if not len(group):
            continue
        c = len(group)
        seeds, spans = basis_block(flat, group.start, group.stop)
        it = iter(seeds)
        for j, leaves in enumerate(in_leaves):
            tangents[j] = [next(it) for _ in leaves]
        t_leaves = sweep(bdv.function)
        it = iter(spans)
        for j, leaves in enumerate(in_leaves):
            for n, x in enumerate(leaves):
                lo, hi, a, b = next(it)
                if lo >= hi:
                    continue
                for i, tl in enumerate(t_leaves):
                    buf = state["bufs"][i][j][n]
                    if buf is None or tl is None:
                        continue
                    tl = batched_leaf(tl, c, state["leaves"][i], api_name)
                    store_block(buf, (Ellipsis, slice(lo, hi)), np.moveaxis(tl[a:b], 0, -1))
    if bdv is not None:
        tangents = [list(z) for z in zeros]
    for j, leaves in enumerate(in_leaves if bdv is None else ()):
        for n, x in enumerate(leaves):
            for group in chunk_ranges(int(np.size(x)), chunk_size):
                for k in group:  # one forward sweep per basis vector
                    tangents[j][n] = hots[j][n](k)
                    t_leaves = sweep()
                    for i, tl in enumerate(t_leaves):
                        buf = state["bufs"][i][j][n]
                        if buf is not None:
                            store_block(buf, (Ellipsis, k), tl)
            tangents[j][n] = zeros[j][n]
    if not state:  # no input elements at all: one sweep for the output
        sweep()
    inner = []
    for i, o in enumerate(state["leaves"]):
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(o) + np.shape(x), float0) if buf is None
                        else finish_fwd(buf, o, x)
                        for buf, x in zip(state["bufs"][i][j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return state["treedef"], inner, state["out"], state["aux"]


def jacfwd(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
           holomorphic: bool = False, *, chunk_size: Optional[int] = None,
           grad_vars: Any = None, return_value: bool = False, create_graph: bool = True,
           realize: bool = True) -> Callable[..., Any]:
    """Jacobian of ``fun`` by forward mode: one batched forward-mode sweep.

    Runs the batched forward-mode function once on all one-hot tangents of all
    differentiated leaves (a leading batch axis on every tangent), or once per
    ``chunk_size`` of them; the primal computation runs once per sweep.  A function
    with no batched form runs once per input element instead.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      argnums: position(s) of the differentiated positional arguments, as in
        :func:`s2sad.grad`.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` may be any Python object
        (JAX requires arrays; s2sad does not).
      holomorphic: ``fun`` is holomorphic; inputs and outputs must be complex.
      chunk_size: ``None`` or a positive int: the number of basis vectors per
        batched sweep (bounds memory; the results do not depend on it).
      grad_vars: :class:`s2sad.Variable` state, as for :func:`s2sad.grad`: the
        derivatives with respect to it come first (``var_grads``, or ``(var_grads,
        jac)`` with ``argnums`` given).
      return_value: also return the function's output: ``(jac, value)``, or
        ``(jac, value, aux)`` with ``has_aux``.
      create_graph: ``True`` (default) keeps the result differentiable by s2sad;
        ``False`` makes differentiating it again raise a clear ``TypeError``.
      realize: materialise lazy (Dask) results before returning, all in one pass;
        ``False`` returns them as they are.

    Returns:
      A function returning the Jacobian, laid out as in :func:`jacrev`; leaves have
      the dtype of the output.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs, non-complex
        values with ``holomorphic``, invalid ``argnums`` or ``chunk_size``, a has_aux
        function that does not return a pair.
      ValueError: empty, duplicated or out-of-range ``argnums``, ``chunk_size < 1``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, y):
      ...     return x * y
      >>> jx, jy = s2sad.jacfwd(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      >>> jx
      array([[3., 0.],
             [0., 4.]])
    """
    return jacobian_transform(fun, argnums, has_aux, holomorphic, False, chunk_size,
                               grad_vars, return_value, "jacfwd", create_graph, realize)


def jacobian_transform(fun, argnums, has_aux, holomorphic, allow_int, chunk_size, grad_vars,
                        return_value, api_name, create_graph=True, realize=True):
    original = fun
    fun = check_callable(fun, api_name)
    if grad_vars is not None:
        options = dict(holomorphic=holomorphic, chunk_size=chunk_size,
                       create_graph=create_graph, realize=realize)
        if api_name == "jacrev":
            options["allow_int"] = allow_int
        return variables.transform(jacrev if api_name == "jacrev" else jacfwd, "jac", fun,
                                   grad_vars, argnums, has_aux, return_value, api_name,
                                   **options)
    check_argnums_none(argnums, api_name)
    nums, single = check_argnums(argnums, api_name)
    chunk_size = check_chunk_size(chunk_size, api_name)
    reverse = api_name == "jacrev"
    cache = CompiledCache()

    def wrapper(*args, **kwargs):
        dv, wrt, bdv = cache.get(fun, "vjp" if reverse else "jvp", nums, args, has_aux,
                                 api_name)
        if reverse:
            check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
            out_def, inner, out, aux = _jacrev_call(dv, wrt, args, kwargs, fun, has_aux,
                                                    holomorphic, chunk_size, api_name, bdv)
        else:
            check_forward_inputs(fun, args, wrt, api_name, holomorphic)
            out_def, inner, out, aux = jacfwd_call(dv, wrt, args, kwargs, fun, has_aux,
                                                    holomorphic, chunk_size, api_name,
                                                    bdv=bdv)
        return jacobian_result(assemble_jacobian(out_def, inner, single), out, aux, has_aux,
                               return_value, realize)

    return mark_transform(wrapper, original, fun, api_name, argnums=argnums,
                 has_aux=has_aux, holomorphic=holomorphic, return_value=return_value,
                 grad_vars=grad_vars, create_graph=create_graph)


# --- hessian -------------------------------------------------------------------------


