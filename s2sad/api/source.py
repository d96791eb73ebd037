"""``s2sad.source``: the generated derivative of a function, as text.

Shows the code a transform runs: the joint reverse sweep (``grad``), the split sweeps
(``vjp``, and the batched backward sweep ``jacrev`` runs), the forward-mode function
(``jvp``, ``jacfwd``, ``hessian``) or the ``linearize`` pair; ``shapes=`` shows the
shape-specialised gradient ``grad`` runs for arrays of those shapes.
"""
import inspect
from typing import Any

import numpy as np

from ..compiler import batched
from .checks import (
    ArgNums, Fun, check_argnums, check_callable, fun_name, is_integer, resolve_argnums,
)
from .compiling import array_ndims, compile_derivative, scalar_positions, signature_of
from .standins import seeded_gradient

#: ``source`` modes and the generated code each shows: the joint reverse sweep, the split
#: reverse sweeps (``f_forward``/``f_backward``) or the forward-mode function.
_SOURCE_MODES = {"grad": "grad", "value_and_grad": "grad", "vjp": "vjp", "jacrev": "vjp",
                 "jvp": "jvp", "linearize": "linearize", "jacfwd": "jvp", "hessian": "jvp"}


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
        elif isinstance(shape, tuple) and all(is_integer(n) and n >= 0 for n in shape):
            args.append(np.zeros(shape))
        else:
            raise TypeError("source: each entry of shapes is a shape tuple (an array) or "
                            "float (a Python number), got %r" % (shape,))
    dv = compile_derivative(fun, "grad", wrt, has_aux, scalars=scalar_positions(args),
                     ndims=array_ndims(args), signatures=signature_of(args),
                     want_value=mode != "grad" or has_aux)
    return dv.source


_SOURCE_OPTIONS = ("has_aux", "optimize", "scalars", "shapes")


def source(fun: Fun, mode: str = "grad", argnums: ArgNums = 0, **options: Any) -> str:
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
    fun = check_callable(fun, "source", reverse=core_mode not in ("jvp", "linearize"))
    unknown = sorted(set(options) - set(_SOURCE_OPTIONS))
    if unknown:
        raise TypeError("source: unknown option%s %s; the options are %s"
                        % ("s" if len(unknown) > 1 else "", ", ".join(unknown),
                           ", ".join(_SOURCE_OPTIONS)))
    nums, _ = check_argnums(argnums, "source")
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
        wrt = resolve_argnums(nums, nargs, fun, "source")
    elif any(a < 0 for a in nums):
        raise ValueError("source: negative argnums need a fixed number of positional "
                         "parameters, but %s takes *args; pass non-negative argnums."
                         % fun_name(fun))
    else:
        wrt = nums
    has_aux = bool(options.get("has_aux", False))
    if mode == "hessian":  # forward mode over the generated gradient
        fun, _ = seeded_gradient(fun, wrt, has_aux)
        has_aux = True
    scalars = tuple(options.get("scalars", ()))
    if not all(is_integer(i) for i in scalars):
        raise TypeError("source: scalars must be a tuple of argument positions, got %r"
                        % (options.get("scalars"),))
    shapes = options.get("shapes")
    if shapes is not None:
        return _specialised_source(fun, mode, wrt, has_aux, shapes)
    dv = compile_derivative(fun, core_mode, wrt, has_aux,
                            optimize=bool(options.get("optimize", True)), scalars=scalars)
    if mode in ("jacrev", "jacfwd", "hessian"):  # the batched sweep, when there is one
        found = batched(dv)
        if found is not None:
            return found.source
    return dv.source
