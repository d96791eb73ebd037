"""The forward-mode pipeline: ``jvp_f(*args, *tangents)``.

Input: a :class:`~s2sad.compiler.prepare.Prepared` function.  The tangent statements
of :mod:`s2sad.transforms.forward` are interleaved with the primal ones (``dx``
beside ``x``), optimised and commented; the generated function returns
``(result, tangent of the output)`` and takes one tangent parameter per
differentiated argument (keyword-only after ``*args``).  Calls of the user's own
functions call their generated ``jvp_`` helpers (:meth:`Context.compile_jvp_helper`).
"""
import gast

from ..transforms.forward import Forward
from ..transforms.optimize import optimize as optimize_body
from ..transforms.reverse import assign, load as load_name
from .assemble import (
    finish, function_def, read_names, tuple_of, with_comments, with_param, zeros_of,
)

__all__ = ["build"]


def build(prep, optimize):
    """Forward mode: ``jvp_f(*args, *tangents) -> (result, tangent_of_output)`` from the
    :class:`~s2sad.compiler.prepare.Prepared` function ``prep``."""
    ctx, fdef, body, wrt_names = prep.ctx, prep.fdef, prep.body, prep.wrt_names
    value, aux, active = prep.value, prep.aux, prep.active
    fwd = Forward(ctx, active)
    tangents = [fwd.tan(w) for w in wrt_names]
    ctx.jvp_self = (ctx.parsed.func, tuple(ctx.wrt), tangents)
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    start = [assign(fwd.tan(p), zeros_of(ctx, load_name(p)))
             for p in params if p in active and p not in wrt_names]  # active via a loop
    tbody = start + fwd.body(body[:-1])
    out_tangent = tuple_of([fwd.tangent_of(e) or zeros_of(ctx, e) for e in value.elts]) \
        if isinstance(value, gast.Tuple) else (fwd.tangent_of(value) or zeros_of(ctx, value))
    result = value if aux is None else gast.Tuple(elts=[value, aux], ctx=gast.Load())
    final = gast.Return(value=tuple_of([result, out_tangent]))
    if optimize:
        tbody = optimize_body(tbody, ctx.imports.bound, read_names(final))
    tbody = with_comments(ctx, tbody, prefix="")
    name = ctx.namer.unique("jvp_" + fdef.name)
    args = fdef.args
    for tangent in tangents:
        args = with_param(args, tangent, None)
    derivative = finish(ctx, fdef, [function_def(name, args, tbody + [final])], name, "jvp",
                         "forward", wrt_names)
    derivative.tangent_params = tangents
    return derivative
