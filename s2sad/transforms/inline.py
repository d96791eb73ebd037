"""Nested functions, lambdas and comprehensions, expanded in place during ANF.

A nested ``def`` or a lambda bound to a name is not compiled on its own: it
closes over the enclosing function's variables, so each call is *inlined*
(its parameters and locals get fresh names; reads of enclosing variables see
their values at the call, as Python's late binding does).  A list
comprehension or generator expression becomes a loop that appends to a fresh
list.  Both hand ordinary statements back to the ANF pass.

Function values known when compiling are inlined the same way
(:func:`function_value`): a module-level *factory* that returns a nested def or
a lambda (``step = make_step(a); step(t)``, ``make_scale(a)(3.0)``) is inlined
where it is called, and its result is the nested function, closing over the
factory's (renamed) variables.  A module-level function called with a lambda or a
nested def as an argument (``integrate(lambda t, y: -k * y, y0)``) is inlined the
same way, its parameter bound to that function.  ``map(f, xs, ...)`` becomes a list comprehension
of ``f`` over ``zip(xs, ...)``.
"""
import copy

import gast

from ..syntax import astwalk
from ..syntax.annotations import getanno, setanno
from .desugar import ExitLowering, _normalize


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _rename(nodes, renames):
    for root in nodes:
        for node in astwalk.walk(root):
            if isinstance(node, gast.Name) and node.id in renames:
                node.id = renames[node.id]
            elif isinstance(node, gast.FunctionDef) and node.name in renames:
                node.name = renames[node.name]


def _locals(body):
    names = set()
    for stmt in body:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                names.add(node.id)
    return names


def inline_call(anf, fn, call):
    """Emit the body of nested function ``fn`` for ``call``; returns the result atom."""
    origin = getanno(fn, "function") or fn  # the live function of a module-level def
    if origin in [getanno(f, "function") or f for f in anf.inlining]:
        raise anf.where(call, "a recursive function that is inlined (a nested def, or a "
                        "function receiving a lambda or nested def)",
                        "pass a module-level function instead, or define it at module level")
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
    defs = {n.name for stmt in body for n in astwalk.walk(stmt) if isinstance(n, gast.FunctionDef)}
    renames = {name: anf.namer.unique(name)
               for name in sorted(set(params) | _locals(body) | defs)}
    _rename(body, renames)
    for param in params:
        value = bound.get(param, defaults.get(param))
        if value is None:
            raise anf.where(call, "this call to %s without argument %r"
                            % (getattr(fn, "name", "a lambda"), param), "")
        made = function_value(anf, value)
        if made is not None:  # a lambda or nested def passed in: calls of it are inlined
            anf.bind_function(renames[param], made.node, call)
            continue
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
    made = function_value(anf, result)
    return made if made is not None else anf.atom(result)


class FunctionValue:
    """A function value known when compiling: the AST of a nested def or lambda."""

    def __init__(self, node):
        self.node = node


def function_value(anf, expr):
    """The :class:`FunctionValue` ``expr`` evaluates to, or None when it is not one
    known when compiling.  A call returning a function (a factory) is inlined here:
    only once it is known, from its source, to return a function."""
    if isinstance(expr, FunctionValue):
        return expr
    if isinstance(expr, gast.Name) and expr.id in anf.nested:
        return FunctionValue(anf.nested[expr.id])
    if isinstance(expr, gast.Lambda):
        return FunctionValue(expr)
    if not isinstance(expr, gast.Call):
        return None
    callee = None
    if isinstance(expr.func, (gast.Name, gast.Lambda, gast.Call)):
        callee = function_value(anf, expr.func)
    callee = callee.node if callee is not None else anf.factory(expr.func)
    if callee is None or not returns_function(callee):
        return None
    made = inline_call(anf, callee, expr)
    if not isinstance(made, FunctionValue):
        raise anf.where(expr, "a call that returns a function on some paths only",
                        "return the same kind of value on every path")
    return made


#: methods that change the object they are called on
_MUTATING = {"append", "extend", "insert", "pop", "remove", "sort", "fill", "put", "resize",
             "itemset", "setflags", "clear", "update", "setdefault", "popitem", "reverse",
             "partition", "at", "__setitem__", "__iadd__"}


def writes_in_place(fdef):
    """True if ``fdef`` may change a value in place: a write into an item or attribute,
    an augmented assignment (in place on arrays), an ``out=`` argument, a mutating
    method, or a NumPy function that writes into its argument.  Inlining such a
    function into its caller (for ``vmap(grad(f))``) is not done: the aliasing pass that
    models in-place writes has run on the caller already."""
    for node in astwalk.walk(fdef):
        if isinstance(node, (gast.AugAssign, gast.Global, gast.Nonlocal)):
            return True
        if isinstance(node, (gast.Subscript, gast.Attribute)) and isinstance(
                node.ctx, (gast.Store, gast.Del)):
            return True
        if isinstance(node, gast.Call):
            if any(k.arg == "out" for k in node.keywords):
                return True
            func = node.func
            if isinstance(func, gast.Attribute) and (
                    func.attr in _MUTATING or func.attr in ("copyto", "place", "putmask")):
                return True
    return False


def returns_function(fn):
    """True if every ``return`` of nested def, lambda or factory ``fn`` returns a nested
    def of it or a lambda."""
    if isinstance(fn, gast.Lambda):
        return isinstance(fn.body, gast.Lambda)
    nested = {s.name for s in astwalk.walk(fn) if isinstance(s, gast.FunctionDef)
              and s is not fn}
    returns = [n for n in _own_nodes(fn) if isinstance(n, gast.Return)]
    return bool(returns) and all(
        isinstance(r.value, gast.Lambda) or (isinstance(r.value, gast.Name)
                                             and r.value.id in nested) for r in returns)


def _own_nodes(fdef):
    """The nodes of ``fdef``'s body, not entering nested functions."""
    todo = list(fdef.body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (gast.FunctionDef, gast.Lambda)):
            todo.extend(gast.iter_child_nodes(node))


def map_comprehension(call, namer):
    """``map(f, xs, ys)`` as ``[f(x, y) for x, y in zip(xs, ys)]`` (a list, not an
    iterator: the same values for the pure functions s2sad differentiates)."""
    func, sequences = call.args[0], call.args[1:]
    items = [namer.unique("item") for _ in sequences]
    if len(sequences) == 1:
        target, iterable = _name(items[0], gast.Store()), sequences[0]
    else:
        target = gast.Tuple(elts=[_name(n, gast.Store()) for n in items], ctx=gast.Store())
        iterable = gast.Call(func=_name("zip"), args=list(sequences), keywords=[])
    element = gast.Call(func=func, args=[_name(n) for n in items], keywords=[])
    return gast.ListComp(elt=element, generators=[gast.comprehension(
        target=target, iter=iterable, ifs=[], is_async=0)])


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
        for node in astwalk.walk(gen.target):
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
        for sub in astwalk.walk(node):
            if isinstance(sub, (gast.stmt, gast.expr)):
                gast.copy_location(sub, expr)
            if isinstance(sub, gast.stmt):
                setanno(sub, "origin", anf.origin)
    for stmt in _normalized(inner, anf.namer, anf.runtime):
        anf.stmt(stmt)
    return _name(result)
