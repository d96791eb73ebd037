"""``hessian``: forward-over-reverse.

Forward mode over the generated gradient (:func:`s2sad.api.standins.seeded_gradient`),
one batched forward sweep per chunk of input basis vectors; the layout is
:func:`s2sad.jacfwd`'s of :func:`s2sad.jacrev`'s.
"""
from typing import Any, Callable

import numpy as np

from .. import pytree
from ..rules import generation as _rules_generation
from .checks import (
    ArgNums, Fun, check_argnums, check_callable, describe_value, fun_name, leaf_dtype,
    resolve_argnums,
)
from .compiling import compile_derivative, statics_of
from .jacobians import jacfwd_call
from .standins import seeded_gradient
from . import variables
from .variables import DEFAULT_ARGNUM
from .jacobian_tools import (
    assemble_jacobian, batched_of, check_argnums_none, check_forward_inputs, check_outputs,
    jacobian_result, mark_transform, NotScalar,
)


def hessian(fun: Fun, argnums: ArgNums = DEFAULT_ARGNUM, has_aux: bool = False,
            holomorphic: bool = False, *, grad_vars: Any = None,
            return_value: bool = False, create_graph: bool = True) -> Callable[..., Any]:
    """Hessian of ``fun`` by forward-over-reverse: ``jacfwd`` of the generated gradient.

    The generated gradient (reverse mode, joint sweep) is differentiated again in
    forward mode, with one batched sweep for all input elements where it can be. For a
    function with an array output, the gradient is seeded with each output basis vector
    in turn, so the Hessian has
    shape ``out.shape + in.shape + in.shape``.

    Args:
      fun: a Python function with readable source returning a float array (usually
        a scalar).
      argnums: position(s) of the differentiated positional arguments. A tuple gives
        the nested blocks ``((H00, H01), (H10, H11))``.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is returned, not
        differentiated.
      holomorphic: ``fun`` is holomorphic; inputs and output must be complex.
      grad_vars: :class:`s2sad.Variable` state, as for :func:`s2sad.grad`: the
        derivatives with respect to it come first (``var_grads``, or ``(var_grads,
        jac)`` with ``argnums`` given).
      return_value: also return the function's output: ``(H, value)``, or
        ``(H, value, aux)`` with ``has_aux``.
      create_graph: ``True`` (default) keeps the result differentiable by s2sad;
        ``False`` makes differentiating it again raise a clear ``TypeError``.

    Returns:
      A function returning the Hessian; leaves have the dtype of the input.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs, complex
        outputs without ``holomorphic``, a tuple output, invalid ``argnums``.
      ValueError: empty, duplicated or out-of-range ``argnums``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return x[0] ** 2 * x[1] + x[1] ** 3
      >>> s2sad.hessian(f)(np.array([1.0, 2.0]))
      array([[ 4.,  2.],
             [ 2., 12.]])
    """
    original = fun
    fun = check_callable(fun, "hessian")
    if grad_vars is not None:
        return variables.transform(hessian, "hessian", fun, grad_vars, argnums, has_aux,
                                   return_value, "hessian", holomorphic=holomorphic,
                                   create_graph=create_graph)
    check_argnums_none(argnums, "hessian")
    nums, single = check_argnums(argnums, "hessian")
    state = {"compiled": (None, None)}

    def compile_for(args):
        """``(dv, wrt, seed, batched)``; one tuple, replaced whole (threads share it)."""
        wrt = resolve_argnums(nums, len(args), fun, "hessian")
        statics = statics_of(args, wrt)
        key = (len(args), statics, _rules_generation())
        found_key, found = state["compiled"]
        if found_key == key and found[0].env.check():
            return found
        try:
            inner, seed = seeded_gradient(fun, wrt, has_aux, statics)
        except TypeError as error:
            if "Gradient only defined for scalar-output" not in str(error):
                raise
            raise TypeError(
                "hessian: %s returns a tuple; hessian supports functions with one "
                "array output. Take the Hessian of each output separately, or pass "
                "has_aux=True if the extra values are auxiliary data."
                % fun_name(fun)) from None
        dv = compile_derivative(inner, "jvp", wrt, True)
        found = (dv, wrt, seed, batched_of(dv))
        state["compiled"] = (key, found)
        return found

    def value_of(vaux):
        return vaux[0] if has_aux else vaux

    def check_value(value, scalar_required):
        check_outputs([value], fun, "hessian", holomorphic, True)
        if pytree.is_node(value):
            raise TypeError("hessian: %s returned %s; hessian supports functions with one "
                            "array output." % (fun_name(fun), describe_value(value)))
        if scalar_required and np.ndim(value) != 0:
            raise NotScalar(value)

    def wrapper(*args, **kwargs):
        dv, wrt, seed, bdv = compile_for(args)
        check_forward_inputs(fun, args, wrt, "hessian", holomorphic)

        def like(g):  # the gradient has the structure and dtypes of the inputs
            return args[wrt[0]] if len(wrt) == 1 else tuple(args[i] for i in wrt)

        def run(seed_value, scalar_required):
            kw = dict(kwargs)
            kw[seed] = seed_value
            return jacfwd_call(dv, wrt, args, kw, fun, True, holomorphic, None, "hessian",
                                out_like=like, first=lambda g, vaux: check_value(
                                    value_of(vaux), scalar_required),
                                bdv=bdv)

        try:
            g_def, inner, _, vaux = run(1.0, True)
            hess = assemble_jacobian(g_def, inner, single)
        except NotScalar as not_scalar:
            hess, vaux = _seeded_hessians(run, not_scalar.args[0], single)
        if not single and len(wrt) == 1:  # argnums=(i,): the generated gradient is not a tuple
            hess = (hess,)
        value = value_of(vaux)
        return jacobian_result(hess, value, vaux[1] if has_aux else None, has_aux, return_value)

    return mark_transform(wrapper, original, fun, "hessian", argnums=argnums,
                 has_aux=has_aux, holomorphic=holomorphic, return_value=return_value,
                 grad_vars=grad_vars, create_graph=create_graph)


def _seeded_hessians(run, value, single):
    """Hessian of an array-output function: one seeded Hessian per output element,
    stacked so that leaves have shape ``out.shape + in.shape + in.shape``."""
    seed = np.zeros(np.shape(value), leaf_dtype(value))
    flat = seed.reshape(-1)
    blocks, treedef, vaux = [], None, None
    for k in range(flat.size):
        flat[:] = 0
        flat[k] = 1
        g_def, inner, _, vaux = run(seed, False)
        leaves, treedef = pytree.flatten(assemble_jacobian(g_def, inner, single))
        blocks.append([np.asarray(x) for x in leaves])
    if treedef is None:
        raise ValueError("hessian: the output is an empty array of shape %s; there is "
                         "nothing to differentiate." % (np.shape(value),))
    stacked = [np.stack([b[n] for b in blocks]).reshape(np.shape(value) + blocks[0][n].shape)
               for n in range(len(blocks[0]))]
    return pytree.unflatten(treedef, stacked), vaux
