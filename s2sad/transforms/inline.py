"""Nested functions, lambdas and comprehensions, expanded in place during ANF.

A nested ``def`` or a lambda bound to a name is not compiled on its own: it
closes over the enclosing function's variables, so each call is *inlined*
(its parameters and locals get fresh names; reads of enclosing variables see
their values at the call, as Python's late binding does).  A list
comprehension or generator expression becomes a loop that appends to a fresh
list.  Both hand ordinary statements back to the ANF pass.
"""
import copy

import gast

from ..annotations import setanno
from .desugar import ExitLowering, _normalize


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _rename(nodes, renames):
    for root in nodes:
        for node in gast.walk(root):
            if isinstance(node, gast.Name) and node.id in renames:
                node.id = renames[node.id]


def _locals(body):
    names = set()
    for stmt in body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                names.add(node.id)
    return names


def inline_call(anf, fn, call):
    """Emit the body of nested function ``fn`` for ``call``; returns the result atom."""
    if fn in anf.inlining:
        raise anf.where(call, "a recursive nested function", "define it at module level")
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise anf.where(call, "a nested function with *args, **kwargs or keyword-only "
                        "parameters", "define it at module level")
    if any(isinstance(a, gast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        raise anf.where(call, "calling a nested function with *args or **kwargs", "")
    params = [a.id for a in args.args]
    bound = dict(zip(params, call.args))
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in bound:
            raise anf.where(call, "this call to nested function %s" % getattr(fn, "name",
                                                                             "lambda"), "")
        bound[keyword.arg] = keyword.value
    defaults = dict(zip(params[len(params) - len(args.defaults):], args.defaults))
    body = copy.deepcopy(fn.body) if isinstance(fn, gast.FunctionDef) else [
        gast.copy_location(gast.Return(value=copy.deepcopy(fn.body)), call)]
    renames = {name: anf.namer.unique(name) for name in sorted(set(params) | _locals(body))}
    _rename(body, renames)
    for param in params:
        value = bound.get(param, defaults.get(param))
        if value is None:
            raise anf.where(call, "this call to %s without argument %r"
                            % (getattr(fn, "name", "a lambda"), param), "")
        anf.assign_name(renames[param], anf.simple(value), fresh=True)
    holder = gast.FunctionDef(name="inlined", args=args, body=body, decorator_list=[],
                              returns=None, type_comment=None, type_params=[])
    ExitLowering(anf.namer).function(holder)
    body = holder.body
    result = None
    if body and isinstance(body[-1], gast.Return):
        result = body.pop().value
    anf.inlining.append(fn)
    for stmt in _normalized(body, anf.namer, anf.runtime):
        anf.stmt(stmt)
    anf.inlining.pop()
    if result is None:
        return gast.Constant(value=None, kind=None)
    return anf.atom(result)


def _normalized(stmts, namer, runtime):
    out = []
    for stmt in stmts:
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                setattr(stmt, field, _normalized(block, namer, runtime))
        out.extend(_normalize(stmt, namer, runtime) if isinstance(stmt, gast.For) else [stmt])
    return out


def comprehension(anf, expr):
    """Emit a loop building the list of ``expr`` (a ListComp or GeneratorExp)."""
    result = anf.namer.unique("items")
    anf.assign_name(result, gast.List(elts=[], ctx=gast.Load()), fresh=True)
    anf.defined.add(result)
    renames = {}
    generators = copy.deepcopy(expr.generators)
    elt = copy.deepcopy(expr.elt)
    for gen in generators:
        _rename([gen.iter], renames)
        for node in gast.walk(gen.target):
            if isinstance(node, gast.Name):
                renames[node.id] = anf.namer.unique(node.id)
        _rename([gen.target] + gen.ifs, renames)
    _rename([elt], renames)
    append = gast.Expr(value=gast.Call(
        func=gast.Attribute(value=_name(result), attr="append", ctx=gast.Load()),
        args=[elt], keywords=[]))
    inner = [append]
    for gen in reversed(generators):
        for cond in reversed(gen.ifs):
            inner = [gast.If(test=cond, body=inner, orelse=[])]
        inner = [gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[],
                          type_comment=None)]
    for node in inner:
        for sub in gast.walk(node):
            if isinstance(sub, (gast.stmt, gast.expr)):
                gast.copy_location(sub, expr)
            if isinstance(sub, gast.stmt):
                setanno(sub, "origin", anf.origin)
    for stmt in _normalized(inner, anf.namer, anf.runtime):
        anf.stmt(stmt)
    return _name(result)
