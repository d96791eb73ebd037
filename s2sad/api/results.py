"""Finalising results: what the generated code returns, as the user receives it.

The compiler returns ``None`` for a symbolically zero gradient leaf, and arrays that
may be read-only broadcast views, of a wider dtype, or shared with the caller's
inputs.  :func:`finalize_grads` gives owned, writeable arrays with the dtype and
structure of the matching input (``float0`` for integer inputs, as JAX), and
:func:`realize_result` computes lazy (Dask) results when ``realize=True``.
"""
import sys

import numpy as np

from .. import pytree
from ..errors import InternalError
from .checks import leaf_dtype

#: The dtype of the gradient of an integer or boolean input (as ``jax.dtypes.float0``):
#: a zero-size structured dtype, since integers have no tangent space.
float0: "np.dtype[np.void]" = np.dtype([("float0", np.void, 0)])


class Owner:
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


def as_scalar(g, primal):
    arr = np.asarray(g)
    if arr.shape != ():
        if arr.size != 1:
            raise InternalError("the gradient of a scalar input has shape %s" % (arr.shape,))
        arr = arr.reshape(())
    return arr


def finalize_leaf(g, primal, owner):
    ptype = type(primal)
    if (ptype is np.ndarray and type(g) is np.ndarray and g.dtype == primal.dtype
            and g.shape == primal.shape):
        return owner.own(g)  # the common case
    if ptype is float:
        return 0.0 if g is None else float(np.real(as_scalar(g, primal)))
    if ptype is complex:
        return 0j if g is None else complex(as_scalar(g, primal))
    dtype = leaf_dtype(primal)
    if dtype.kind in "biu":
        return np.zeros(np.shape(primal), float0)
    if isinstance(primal, np.generic):
        if g is None:
            return dtype.type(0)
        g = as_scalar(g, primal)
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


def match_children(g, node, n_children, primal):
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


def own_plain(g, primal, args, seen):
    """:func:`finalize_grads` for a gradient of a plain argument (array or number) when
    every argument is plain: the common case without building an :class:`Owner`."""
    if (type(g) is np.ndarray and type(primal) is np.ndarray and g.base is None
            and g.shape == primal.shape and g.dtype == primal.dtype):
        if any(g is a for a in args) or any(g is s for s in seen):
            return g.copy()
        return g
    if type(primal) is float and type(g) is float:
        return g
    owner = Owner(args)
    owner.seen.extend(seen)
    return finalize_grads(g, primal, owner)


def finalize_grads(g, primal, owner):
    """Pair gradient ``g`` with ``primal``: same structure, dtypes, owned arrays."""
    if type(primal) is float and type(g) is float:
        return g  # the common case of a Python number
    if type(primal) is np.ndarray or not pytree.is_node(primal):
        return finalize_leaf(g, primal, owner)
    node, children = pytree.node_children(primal)
    if g is None:
        g_children = [None] * len(children)
    else:
        g_children = match_children(g, node, len(children), primal)
    return pytree.rebuild_node(
        node, [finalize_grads(gc, pc, owner) for gc, pc in zip(g_children, children)])


def realize_result(result, realize):
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
