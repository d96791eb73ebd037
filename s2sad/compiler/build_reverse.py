"""The reverse-mode pipeline: joint motion (``grad``) and split motion (``vjp``).

Input: a :class:`~s2sad.compiler.prepare.Prepared` function.  The adjoint rules of
:mod:`s2sad.transforms.reverse` give a primal sweep and an adjoint sweep; the tape
is resolved, dead code removed and ``# Grad of:`` comments placed.

* ``mode="grad"``: ``d{f}_d{x}(*args, b{out}=1.0) -> (value, grads)`` (``((value,
  aux), grads)`` with ``has_aux``), one function running both sweeps; with
  ``signatures`` it is specialised for those argument shapes by
  :mod:`~s2sad.compiler.build_specialised`.
* ``mode="vjp"``: ``{f}_forward(*args) -> (out, residuals)`` and
  ``{f}_backward(residuals, b{out})`` returning one gradient per ``wrt``.
"""
import builtins

import gast
import numpy as np

from .. import rules
from ..syntax import astwalk
from ..syntax.annotations import setanno
from ..transforms.calls import callee
from ..transforms.dataflow import definitely_assigned
from ..transforms.ops import is_among, resolve
from ..transforms.optimize import optimize as optimize_body
from ..transforms.reverse import Reverse, assign, load as load_name
from . import build_specialised
from .assemble import (
    argument_list, drop_empty_comments, finish, free_reads, function_def, read_names,
    sections, tuple_of, with_comments, with_seed, zeros_of,
)
from .prepare import assign_counts

__all__ = ["build"]


def build(prep, mode, optimize, signatures, want_value, in_place):
    """The :class:`~s2sad.compiler.assemble.Derivative` of ``prep`` in ``mode`` (``"grad"``
    or ``"vjp"``); the options as :func:`s2sad.compiler.derivative` documents them."""
    ctx, fdef, body, params, wrt_names = prep.ctx, prep.fdef, prep.body, prep.params, \
        prep.wrt_names
    value, aux, active, classes, outputs = prep.value, prep.aux, prep.active, prep.classes, \
        prep.outputs
    wrt = ctx.wrt
    rev = Reverse(ctx, active, containers(body, ctx.namespace), classes, params)
    rev.assign_counts = assign_counts(body)
    rev.statements = body
    stem = "d%s_d%s" % (fdef.name, "_".join(wrt_names)) if mode == "grad" else fdef.name
    if mode == "grad":
        name = ctx.namer.unique(stem)
    else:
        if len(wrt_names) < len(params):  # several split sweeps of one function may coexist
            stem = "%s_wrt_%s" % (fdef.name, "_".join(wrt_names))
        name = stem
        while {name + "_forward", name + "_backward"} & ctx.namer.taken:
            name = ctx.namer.unique(stem)
        ctx.namer.reserve([name + "_forward", name + "_backward"])
    seed, seed_stmts = seed_of(ctx, rev, value, outputs)
    primal, adjoint = rev.body(body[:-1])
    primal[:0] = [assign(v, gast.Constant(value=None, kind=None)) for v in sorted(rev.unbound)]
    backward = seed_stmts + adjoint
    grads = [load_name(rev.adj(w)) if w in rev.defined else zeros_of(ctx, load_name(w))
             for w in wrt_names]
    result = value if aux is None else gast.Tuple(elts=[value, aux], ctx=gast.Load())
    if mode == "grad":
        grads_node = grads[0] if len(grads) == 1 else tuple_of(grads)
        final = gast.Return(value=tuple_of([result, grads_node]))
    else:
        final = gast.Return(value=tuple_of(grads))
    value_free = False
    if signatures is not None:
        primal, backward, value_free = build_specialised.specialize(
            ctx, params, signatures, primal, backward, seed, value,
            aux is None and not want_value, read_names(final))
        if value_free:
            final = gast.Return(value=grads[0] if len(grads) == 1 else tuple_of(grads))
    if optimize:
        backward = optimize_body(backward, ctx.imports.bound, read_names(final))
    primal, backward = rev.resolve_tape(primal, backward)
    if rev.stack_name:
        primal.insert(0, assign(rev.stack_name, gast.List(elts=[], ctx=gast.Load())))
    backward = with_comments(ctx, backward)
    for stmt in backward:
        setanno(stmt, "section", "backward")
    if mode == "grad":
        fbody = primal + backward
        if optimize:
            fbody = optimize_body(fbody, ctx.imports.bound, read_names(final))
        if signatures is not None:
            fbody, direct = build_specialised.lower(ctx, params, signatures, fbody, final,
                                                    in_place)
            owned_returns = value_free and build_specialised.plain64(signatures) and direct(
                [signatures[i] for i in wrt], len(wrt) == 1)
        fbody = sections(ctx, fbody) + [final]
        args = fdef.args if signatures is not None else with_seed(fdef.args, seed)
        functions = [function_def(name, args, fbody)]
    else:
        functions = _split_sweeps(ctx, fdef, params, rev, name, seed, primal, backward,
                                  result, final, optimize)
    kind = "reverse" if mode == "grad" else "split reverse"
    if signatures is not None:
        kind += " mode, specialised for %s%s" % (build_specialised.describe(params, signatures),
                                                 " with in-place accumulation" if in_place
                                                 else "")
    derivative = finish(ctx, fdef, functions, name, mode, kind, wrt_names)
    derivative.value_free = value_free
    derivative.owned_returns = signatures is not None and mode == "grad" and owned_returns
    return derivative


def _split_sweeps(ctx, fdef, params, rev, name, seed, primal, backward, result, final,
                  optimize):
    """``{name}_forward(*args) -> (result, residuals)`` and
    ``{name}_backward(residuals, seed)``: the residuals are what the backward sweep
    reads of the forward one (the tape included)."""
    if optimize:  # what the tape made dead (replayed branches and loops with no work)
        backward = optimize_body(backward, ctx.imports.bound, read_names(final))
    residuals = sorted(free_reads(backward + [final])
                       & (ctx.locals | set(params) | {rev.stack_name}) - {seed})
    res_node = tuple_of([load_name(r) for r in residuals])
    fwd_ret = gast.Return(value=tuple_of([result, res_node]))
    if optimize:
        primal = optimize_body(primal, ctx.imports.bound, read_names(fwd_ret))
    all_params = {a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
    all_params |= {a.id for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None}
    maybe_unset = set(residuals) - definitely_assigned(primal) - all_params
    primal = [assign(r, gast.Constant(value=None, kind=None))
              for r in sorted(maybe_unset)] + primal
    unpack = [gast.Assign(targets=[gast.Tuple(
        elts=[gast.Name(id=r, ctx=gast.Store(), annotation=None, type_comment=None)
              for r in residuals], ctx=gast.Store())],
        value=load_name("residuals"), type_comment=None)]
    if rev.stack_name in residuals:  # the backward sweep pops: work on a copy
        unpack.append(assign(rev.stack_name, gast.Call(
            func=load_name("list"), args=[load_name(rev.stack_name)], keywords=[])))
    functions = [
        function_def(name + "_forward", fdef.args, primal + [fwd_ret]),
        function_def(name + "_backward", argument_list(["residuals", seed]),
                     (unpack if residuals else []) + drop_empty_comments(backward) + [final]),
    ]
    return functions


def seed_of(ctx, rev, value, outputs=None):
    """The seed parameter name, and statements spreading it over tuple outputs
    (those in ``outputs``, if given: the others have a zero cotangent)."""
    if not isinstance(value, gast.Tuple):
        if isinstance(value, gast.Name) and value.id in rev.active:
            return rev.seed(value.id), []
        return ctx.namer.unique("bout"), []
    seed = ctx.namer.unique("bout")
    stmts = []
    for i, elt in enumerate(value.elts):
        if outputs is not None and i not in outputs:
            continue
        if isinstance(elt, gast.Name) and elt.id in rev.active:
            part = gast.Subscript(value=load_name(seed), slice=gast.Constant(value=i, kind=None),
                                  ctx=gast.Load())
            stmts.append(rev.accumulate(elt.id, part))
    return seed, stmts


_SEQUENCE_CONSUMERS = {
    np.stack, np.concatenate, np.vstack, np.hstack, np.dstack, np.column_stack, np.array,
    np.asarray, np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin,
    builtins.sum, builtins.list, builtins.tuple, builtins.max, builtins.min, builtins.sorted,
    builtins.zip, builtins.enumerate,
}


def containers(body, namespace):
    """Variables whose adjoint may be a container (tuple/list/dict): accumulated
    with ``add_grad`` instead of ``+`` (which would concatenate lists)."""
    names = set()
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Assign) and isinstance(node.value, (gast.Tuple, gast.List,
                                                                     gast.Dict)):
            names.update(t.id for t in node.targets if isinstance(t, gast.Name))
        if (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
                and not isinstance(node.slice, (gast.Slice, gast.Tuple))):
            names.add(node.value.id)
        if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name):
            key = rules.attribute(node.attr)
            if rules.lookup_adjoint(key) is None and not rules.is_nondifferentiable(key):
                names.add(node.value.id)  # a namedtuple or dataclass field
        if isinstance(node, gast.Call):
            try:
                func = resolve(node.func, namespace)
            except KeyError:
                func = None
            if func is None or is_among(func, _SEQUENCE_CONSUMERS) or callee(func):
                # a sequence consumer, or a user function: its adjoints may be containers
                names.update(a.id for a in node.args if isinstance(a, gast.Name))
        if (isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name)
                and isinstance(node.value, gast.Call)):
            try:
                func = resolve(node.value.func, namespace)
            except KeyError:
                func = None
            if func is None or callee(func) is not None:
                names.add(node.targets[0].id)  # what a user function returns may be a tuple
    return names - _array_results(body, namespace)


def _array_results(body, namespace):
    """Variables every assignment of which is arithmetic or a NumPy call returning one
    array (not one declared with :func:`s2sad.rules.sequence_result`): arrays."""
    kinds = {}
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
            value = node.value
            array = isinstance(value, (gast.BinOp, gast.UnaryOp))
            if isinstance(value, gast.Call):
                try:
                    func = resolve(value.func, namespace)
                except KeyError:
                    func = None
                array = ((getattr(func, "__module__", None) or "").startswith("numpy")
                         or isinstance(func, np.ufunc) and func.nout == 1) \
                    and not rules.returns_sequence(func)
            name = node.targets[0].id
            kinds[name] = kinds.get(name, True) and array
    return {name for name, array in kinds.items() if array}
