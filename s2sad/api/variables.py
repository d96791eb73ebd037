"""BrainPy's ``grad_vars``: derivatives with respect to :class:`~s2sad.Variable` state.

:func:`transform` is what ``grad``, ``value_and_grad``, ``jacrev``, ``jacfwd`` and
``hessian`` do when ``grad_vars`` is given.  The function becomes its stand-in
(:func:`s2sad.compiler.variables.stand_in`: the Variables' values as leading
parameters), the same transform differentiates the stand-in with respect to those
parameters and the selected arguments, and the results are regrouped as api.md's
table says: gradients first (``var_grads`` in the structure of ``grad_vars``, then
``g`` when ``argnums`` is given), then the value (``return_value``), then aux.

``argnums`` defaults to None (no argument gradients) when ``grad_vars`` is given: the
transforms' default is :data:`DEFAULT_ARGNUM`, an int 0 that is told apart from an
explicit ``argnums=0``.
"""
import functools

import numpy as np

from .. import pytree
from ..compiler.variables import Variable, stand_in, unwatch, watch
from .checks import check_argnums, leaf_dtype, resolve_argnums
from .jacobian_tools import jacobian_result

__all__ = ["DEFAULT_ARGNUM", "transform", "variable_leaves"]


class _DefaultArgnum(int):
    """``argnums``'s default (0): an explicit ``argnums=0`` is not this object."""

    def __repr__(self):
        return "0"


DEFAULT_ARGNUM = _DefaultArgnum(0)


def variable_leaves(grad_vars, api_name):
    """``(variables, treedef)`` of ``grad_vars`` (a Variable, or a list, tuple or dict
    of them, nested as a pytree)."""
    leaves, treedef = pytree.flatten(grad_vars, is_leaf=lambda v: isinstance(v, Variable))
    if not leaves:
        raise ValueError("%s: grad_vars=%r holds no s2sad.Variable" % (api_name, grad_vars))
    for leaf in leaves:
        if not isinstance(leaf, Variable):
            raise TypeError(
                "%s: grad_vars must be an s2sad.Variable, or a list, tuple or dict of them; "
                "got a leaf of type %s. Wrap state in s2sad.Variable(value) and read it as "
                "NAME.value, or pass arrays as arguments and select them with argnums."
                % (api_name, type(leaf).__name__))
    if len({id(v) for v in leaves}) != len(leaves):
        raise ValueError("%s: grad_vars lists the same Variable more than once; list each "
                         "once" % api_name)
    return leaves, treedef


def transform(make, kind, fun, grad_vars, argnums, has_aux, return_value, api_name,
              **options):
    """The ``grad_vars`` form of transform ``make`` (``kind``: ``"grad"``,
    ``"value_and_grad"``, ``"jac"`` or ``"hessian"``); ``options`` go to ``make``."""
    leaves, treedef = variable_leaves(grad_vars, api_name)
    if argnums is DEFAULT_ARGNUM:
        argnums = None
    nums, single = (None, False) if argnums is None else check_argnums(argnums, api_name)
    if not isinstance(return_value, bool):
        raise TypeError("%s: return_value must be a bool, got %r" % (api_name, return_value))
    k = len(leaves)
    ids = frozenset(id(v) for v in leaves)
    state, checked = {}, set()

    def group(parts):
        """``var_grads`` or ``(var_grads, g)`` from the k + m derivatives."""
        var_part = treedef.unflatten(parts[:k])
        if nums is None:
            return var_part
        return var_part, (parts[k] if single else tuple(parts[k:]))

    def base_for(nargs):
        standin = state.get("standin")
        if standin is None or not standin.valid():
            state.clear()
            standin = state["standin"] = stand_in(fun, leaves)
        made = state.get(nargs)
        if made is None:
            wrt = () if nums is None else resolve_argnums(nums, nargs, fun, api_name)
            inner = dict(options, argnums=tuple(range(k)) + tuple(i + k for i in wrt),
                         has_aux=has_aux)
            if kind != "value_and_grad":
                inner["return_value"] = return_value if kind == "grad" else True
            made = state[nargs] = make(standin.function, **inner)
        return made

    def wrapper(*args, **kwargs):
        base = base_for(len(args))
        values = [v._value for v in leaves]
        kinds = tuple(v.dtype if type(v) is np.ndarray else None for v in values)
        if None in kinds or kinds not in checked:  # arrays of a dtype seen are fine
            _check_values(values, state["standin"].names, api_name,
                          options.get("allow_int", False), options.get("holomorphic", False))
            checked.add(kinds)
        before = watch(ids)
        try:
            out = base(*values, *args, **kwargs)
        finally:
            unwatch(before)
        if kind == "value_and_grad":
            return out[0], group(out[1])
        if kind == "grad":
            if has_aux or return_value:
                return (group(out[0]),) + tuple(out[1:])
            return group(out)
        jac, value = out[0], out[1]
        out_def = pytree.tree_structure(value)
        blocks = _up_to(out_def, jac)
        if kind == "hessian":
            blocks = [group([group(row) for row in rows]) for rows in blocks]
        else:
            blocks = [group(parts) for parts in blocks]
        if nums is None:
            result = out_def.unflatten(blocks)
        else:
            result = (out_def.unflatten([b[0] for b in blocks]),
                      out_def.unflatten([b[1] for b in blocks]))
        return jacobian_result(result, value, out[2] if has_aux else None, has_aux,
                               return_value, realize=False)

    functools.update_wrapper(wrapper, fun)
    del wrapper.__wrapped__
    wrapper.__s2sad_transform__ = {
        "api": api_name, "fun": fun, "argnums": argnums, "has_aux": has_aux,
        "create_graph": options.get("create_graph", True), "grad_vars": grad_vars,
        "return_value": return_value,
    }
    return wrapper


def _check_values(values, names, api_name, allow_int, holomorphic):
    """A Variable holding integers, booleans or non-numbers is named (as the Variable
    read as ``NAME.value``, not as an argument of the stand-in)."""
    for value, name in zip(values, names):
        for leaf in pytree.tree_leaves(value):
            dtype = leaf_dtype(leaf)
            if dtype is None:
                raise TypeError("%s: the Variable read as %s.value in grad_vars holds a %s, "
                                "which is not differentiable" % (api_name, name,
                                                                 type(leaf).__name__))
            if dtype.kind in "biu" and not allow_int:
                raise TypeError(
                    "%s requires real- or complex-valued inputs, but the Variable read as "
                    "%s.value in grad_vars holds %s values. Store floats in it, or set "
                    "allow_int=True." % (api_name, name, dtype.name))
            if holomorphic and dtype.kind != "c":
                raise TypeError("%s with holomorphic=True requires complex inputs, but the "
                                "Variable read as %s.value holds %s values"
                                % (api_name, name, dtype.name))


def _up_to(treedef, tree):
    """The subtrees of ``tree`` at the leaves of ``treedef`` (``tree`` has at least
    that structure), in order."""
    if treedef.is_leaf:
        return [tree]
    _, children = pytree.node_children(tree)
    found = []
    for child_def, child in zip(treedef.children, children):
        found.extend(_up_to(child_def, child))
    return found
