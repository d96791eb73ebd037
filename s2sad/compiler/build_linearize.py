"""Compile ``linearize``: the split forward-mode pair of a function .

:func:`build` is called by :func:`s2sad.compiler.derivative` for ``mode="linearize"``
with the function already prepared (:mod:`s2sad.compiler.prepare`).  It writes two
functions (see :mod:`s2sad.transforms.linearize` for how the body is split):

* ``{f}_linearize(*args) -> (result, residuals)``: the primal computation, once;
  ``result`` is the output, or ``(output, aux)`` with ``has_aux``;
* ``{f}_tangent(residuals, dx, ...) -> t_out``: only the tangent work, reading the
  saved values; it may be called any number of times (it never mutates the
  residuals: the tape is read through a fresh iterator each call).

Calls to the user's own functions call their generated pairs (compiled recursively,
recursion included: the pair is then looked up when first called).
"""
import builtins

import gast

from ..transforms.dataflow import definitely_assigned
from ..transforms.forward import assign, load, store
from ..transforms.linearize import LinearizeForward, hoist, split, tangent_closure
from ..transforms.optimize import optimize as optimize_body
from .assemble import (
    argument_list, drop_empty_comments, finish, function_def, read_names, tuple_of,
    with_comments, zeros_of,
)

__all__ = ["build"]


def build(prep, optimize):
    """The :class:`~s2sad.compiler.assemble.Derivative` of the
    :class:`~s2sad.compiler.prepare.Prepared` function ``prep`` holding ``forward``
    (the ``_linearize`` function) and ``tangent``."""
    ctx, fdef, body, wrt_names = prep.ctx, prep.fdef, prep.body, prep.wrt_names
    value, aux, active = prep.value, prep.aux, prep.active
    fwd = LinearizeForward(ctx, active, ctx.compile_linearize_helper)
    tangent_params = [fwd.tan(w) for w in wrt_names]
    ctx.linearize_self = (ctx.parsed.func, tuple(ctx.wrt), tangent_params)
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    params += [a.id for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None]
    start = [assign(fwd.tan(p), zeros_of(ctx, load(p)))
             for p in params if p in active and p not in wrt_names]  # active via a loop
    tbody = start + fwd.body(body[:-1])
    out_tangent = tuple_of([fwd.tangent_of(e) or zeros_of(ctx, e)
                                   for e in value.elts]) if isinstance(value, gast.Tuple) \
        else (fwd.tangent_of(value) or zeros_of(ctx, value))
    result = value if aux is None else gast.Tuple(elts=[value, aux], ctx=gast.Load())
    if optimize:
        tbody = optimize_body(tbody, ctx.imports.bound,
                              read_names(tuple_of([result, out_tangent])))
    tangents = tangent_closure(tbody, fwd.tangent_names() | set(tangent_params))
    # the returned tangent is one more tangent statement: hoist and split it with the body
    out_name = ctx.namer.unique("t_out")
    ret = assign(out_name, out_tangent)
    tangents.add(out_name)
    tbody = hoist(tbody + [ret], tangents, ctx.namer, ctx.imports.bound)
    tape, dummy = ctx.namer.unique("_tape"), ctx.namer.unique("_")
    next_name = ctx.imports.bind("next", builtins.next)
    primal, tangent, splitter, _ = split(tbody, tangents, params, tape, next_name, dummy)
    ret = tangent.pop()
    final_tangent = ret.value  # ``t_out = ...`` was last: return its value directly
    residuals = sorted(splitter.residuals)
    res_names = residuals + ([tape] if splitter.tape_used else [])
    fwd_return = gast.Return(value=tuple_of(
        [result, tuple_of([load(r) for r in res_names])]))
    maybe_unset = set(residuals) - definitely_assigned(primal) - set(params)
    primal = [assign(r, gast.Constant(value=None, kind=None)) for r in sorted(maybe_unset)] \
        + ([assign(tape, gast.List(elts=[], ctx=gast.Load()))] if splitter.tape_used else []) \
        + with_comments(ctx, primal, prefix="")
    unpack = []
    if res_names:
        unpack.append(assign(gast.Tuple(elts=[store(r) for r in res_names], ctx=gast.Store()),
                             load("residuals")))
    if splitter.tape_used:
        unpack.append(assign(tape, gast.Call(func=load(ctx.imports.bind("iter", builtins.iter)),
                                             args=[load(tape)], keywords=[])))
    tangent = drop_empty_comments(with_comments(ctx, tangent, prefix=""))
    name = stem = fdef.name if len(wrt_names) == len(params) else "%s_wrt_%s" % (
        fdef.name, "_".join(wrt_names))
    while {name + "_linearize", name + "_tangent"} & ctx.namer.taken:
        name = ctx.namer.unique(stem)
    ctx.namer.reserve([name + "_linearize", name + "_tangent"])
    functions = [
        function_def(name + "_linearize", fdef.args, primal + [fwd_return]),
        function_def(name + "_tangent", argument_list(["residuals"] + tangent_params),
                           unpack + tangent + [gast.Return(value=final_tangent)]),
    ]
    derivative = finish(ctx, fdef, functions, name, "linearize",
                                  "split forward", wrt_names)
    derivative.tangent_params = tangent_params
    return derivative
