"""``vmap``: map a function over an axis of its arguments, with JAX's ``in_axes``/``out_axes``.

Responsibility: check the axis specifications (an int, ``None``, or a pytree prefix of
the arguments / outputs made of tuples, lists and dicts), check that every mapped axis
has the same size, and return the stacked results.

Implementation: for ``vmap(grad(f))`` (per-example gradients) **one batched sweep**
where :mod:`s2sad.api.vmap_grad` can run it (the mapped arguments carry a batch axis
through ``f``'s generated gradient); otherwise, and for every other ``fun``, **a Python
loop over the batch**: ``fun`` is called once per batch element on the slices of the
mapped arguments and the outputs are stacked along ``out_axes``.  The loop is correct
for any ``fun``; the batched sweep answers only when it can be sure, else the loop
runs.  ``vmapped.last_path`` says which ran for the last call.
"""
import functools
from typing import Any, Callable

import numpy as np

from .. import pytree
from .checks import Fun, fun_name, is_integer
from .vmap_grad import candidate, per_example_gradients

__all__ = ["vmap"]


def _is_axis(spec):
    return spec is None or is_integer(spec)


def _check_spec(spec, what):
    if _is_axis(spec):
        return
    if isinstance(spec, (tuple, list)):
        for s in spec:
            _check_spec(s, what)
        return
    if isinstance(spec, dict):
        for s in spec.values():
            _check_spec(s, what)
        return
    raise TypeError("vmap %s must be an int, None, or a (nested) tuple/list/dict of them, "
                    "got %r of type %s" % (what, spec, type(spec).__name__))


def _spec_axes(spec):
    """Every axis entry of an axis specification."""
    if _is_axis(spec):
        return [spec]
    parts = spec.values() if isinstance(spec, dict) else spec
    return [a for part in parts for a in _spec_axes(part)]


def _broadcast(spec, tree, what):
    """Pair each leaf of ``tree`` with its axis from the prefix ``spec``: a list of pairs."""
    if _is_axis(spec):
        return [(leaf, spec) for leaf in pytree.tree_leaves(tree)]
    if isinstance(spec, dict):
        if not isinstance(tree, dict) or set(spec) != set(tree):
            raise ValueError("vmap %s specification %r must be a tree prefix of the "
                             "corresponding value, got a dict for %s"
                             % (what, spec, type(tree).__name__))
        pairs = []
        for key in sorted(tree):
            pairs.extend(_broadcast(spec[key], tree[key], what))
        return pairs
    if type(tree) is not type(spec) and not (isinstance(tree, tuple)
                                              and isinstance(spec, tuple)):
        raise ValueError("vmap %s specification %r must be a tree prefix of the "
                         "corresponding value, got %s for a %s"
                         % (what, spec, type(tree).__name__, type(spec).__name__))
    if len(tree) != len(spec):
        raise ValueError("vmap %s specification must be a tree prefix of the corresponding "
                         "value: %s has length %d but the value has length %d"
                         % (what, type(spec).__name__, len(spec), len(tree)))
    pairs = []
    for s, t in zip(spec, tree):
        pairs.extend(_broadcast(s, t, what))
    return pairs


def _normalise(axis, ndim, what):
    if not -ndim <= axis < ndim:
        if what == "in_axes":
            raise ValueError("vmap was requested to map its argument along axis %d, which "
                             "implies that its rank should be at least %d, but is only %d"
                             % (axis, axis + 1 if axis >= 0 else -axis, ndim))
        raise ValueError("vmap out_axes %d is out of bounds for an output of rank %d"
                         % (axis, ndim))
    return axis % ndim


def vmap(fun: Fun, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Vectorise ``fun`` over an axis of its inputs (as ``jax.vmap``).

    Args:
      fun: any callable (it may itself be an s2sad transform: ``vmap(grad(f))`` gives
        per-example gradients).
      in_axes: an int, ``None`` (argument not mapped, passed whole to every call), or a
        tuple/list with one entry per positional argument, each entry an int, ``None``
        or a pytree prefix (tuple/list/dict) of that argument. Negative axes count from
        the end. A tuple/list ``in_axes`` must have one entry per argument.
      out_axes: the same for the output pytree: where the batch axis goes in each leaf.
        ``None`` is allowed only for outputs that do not depend on the batch element
        (checked: equal for every element, else ``ValueError``).

    Returns:
      A function with ``fun``'s arguments whose result equals stacking ``fun`` over
      the mapped axis.

    ``vmap(grad(f))`` runs as one batched sweep where it can; anything else is **a
    Python loop** over the batch (one call of ``fun`` per element); see the module
    docstring.  ``.last_path`` of the result says which ran for the last call.

    Raises:
      ValueError: mapped axes of different sizes ("vmap got inconsistent sizes for
        array axes to be mapped"), all in_axes ``None``, an axis out of range, or an
        ``in_axes`` that is not a prefix of the arguments.
      TypeError: an axis that is not an int or ``None``; keyword arguments.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, w):
      ...     return np.dot(x, w)
      >>> s2sad.vmap(f, in_axes=(0, None))(np.ones((3, 2)), np.array([1.0, 2.0]))
      array([3., 3., 3.])
    """
    if not callable(fun):
        raise TypeError("vmap: expected a callable value, got %r" % (fun,))
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    _check_spec(in_axes, "in_axes")
    _check_spec(out_axes, "out_axes")
    if isinstance(in_axes, dict):
        raise TypeError("vmap in_axes must be an int, None, or a tuple of entries "
                        "corresponding to the positional arguments passed to the function, "
                        "but got %r." % (in_axes,))

    grad_info = candidate(fun)
    if grad_info is not None and None in _spec_axes(out_axes):
        grad_info = None  # out_axes None: the loop checks the outputs are equal
    sweeps = {}

    def _one_sweep(args, spec, fronts, leaves, treedef):
        mapped = []
        for i, (arg, s) in enumerate(zip(args, spec)):
            if type(arg) is np.ndarray and _is_axis(s) and s is not None:
                mapped.append(i)
            elif any(a is not None for _, a in _broadcast(s, arg, "in_axes")):
                return None, "mapped argument %d is not one NumPy array" % i
        moved = pytree.unflatten(treedef, [leaf if f is None else f
                                           for leaf, f in zip(leaves, fronts)])
        grads, why = per_example_gradients(grad_info, list(moved), mapped, sweeps)
        if grads is None:
            return None, why
        pairs = _broadcast(out_axes, grads, "out_axes")
        out_leaves, out_def = pytree.flatten(grads)
        return pytree.unflatten(out_def, [
            np.moveaxis(g, 0, _normalise(int(a), np.ndim(g), "out_axes"))
            for g, (_, a) in zip(out_leaves, pairs)]), None

    @functools.wraps(fun)
    def batched(*args, **kwargs):
        if kwargs:
            raise TypeError("vmap: keyword arguments (%s) are not supported; pass them "
                            "positionally and give them an in_axes entry (None for an "
                            "unmapped argument)." % ", ".join(sorted(kwargs)))
        if isinstance(in_axes, tuple):
            if len(in_axes) != len(args):
                raise ValueError("vmap in_axes specification must be a tree prefix of the "
                                 "corresponding value, got specification %r for value "
                                 "tree of %d positional arguments"
                                 % (in_axes, len(args)))
            spec = in_axes
        else:
            spec = (in_axes,) * len(args)
        leaves, treedef = pytree.flatten(tuple(args))
        pairs = _broadcast(spec, tuple(args), "in_axes")
        axes = []
        sizes = []
        for leaf, axis in pairs:
            if axis is None:
                axes.append(None)
                continue
            a = _normalise(int(axis), np.ndim(leaf), "in_axes")
            axes.append(a)
            sizes.append(np.shape(leaf)[a])
        if not sizes:
            raise ValueError("vmap must have at least one non-None value in in_axes")
        if len(set(sizes)) != 1:
            detail = ", ".join("axis %s of an argument of shape %s has size %d"
                               % (a, np.shape(leaf), np.shape(leaf)[a])
                               for (leaf, _), a in zip(pairs, axes) if a is not None)
            raise ValueError("vmap got inconsistent sizes for array axes to be mapped: "
                             + detail)
        size = sizes[0]
        # the batch axis moved to the front; each slice is a copy, so a ``fun`` that
        # writes into its argument cannot change the caller's array
        fronts = [None if a is None else np.moveaxis(np.asarray(leaf), a, 0)
                  for leaf, a in zip(leaves, axes)]
        if grad_info is not None and size:
            found, why = _one_sweep(args, spec, fronts, leaves, treedef)
            batched.last_path = "one batched sweep" if why is None else "a loop: " + why
            if found is not None:
                return found
        results = []
        for b in range(size):
            sliced = [leaf if front is None else front[b].copy()
                      for leaf, front in zip(leaves, fronts)]
            results.append(fun(*pytree.unflatten(treedef, sliced)))
        if size == 0:
            raise ValueError("vmap: the mapped axis has size 0; %s is never called, so "
                             "the shape of its output is unknown." % fun_name(fun))
        return _stack(results, out_axes)

    batched.last_path = None
    return batched


def _stack(results, out_axes):
    first = results[0]
    out_leaves, out_def = pytree.flatten(first)
    per_elem = []
    for r in results:
        leaves, d = pytree.flatten(r)
        if d != out_def:
            raise ValueError("vmap: %s returned outputs of different tree structures for "
                             "different batch elements (%s and %s)" % ("fun", out_def, d))
        per_elem.append(leaves)
    axes = [a for _, a in _broadcast(out_axes, first, "out_axes")]
    stacked = []
    for j, axis in enumerate(axes):
        column = [leaves[j] for leaves in per_elem]
        if axis is None:
            for other in column[1:]:
                if not np.array_equal(np.asarray(other), np.asarray(column[0])):
                    raise ValueError("vmap has mapped output but out_axes is None: output "
                                     "leaf %d differs between batch elements" % j)
            stacked.append(column[0])
            continue
        a = _normalise(int(axis), np.ndim(column[0]) + 1, "out_axes")
        stacked.append(np.stack([np.asarray(c) for c in column], axis=a))
    return pytree.unflatten(out_def, stacked)
