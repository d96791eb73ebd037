"""Forward mode: tangent statements interleaved with the primal ones.

Input: ANF statements and the set of active variables (varied and useful).
Output: the same statements, each assignment of an active variable ``y``
followed by the statement(s) computing its tangent ``dy``; branches and
loops keep their shape (no tape is needed: tangents travel with the primal
values).  Every active variable has a defined tangent; a constant assigned
to one gets ``zeros_like``.  Within one statement, tangents of inactive
inputs are symbolic zeros, and the terms of a tangent template that mention
them are dropped.
"""
import operator

import gast

from ..syntax import astwalk
from .. import rules, runtime
from ..syntax.annotations import getanno, setanno
from .templates import Contribution, instantiate
from .calls import bind_call, callee
from .ops import classify, is_among, missing_rule
from .optimize import is_zero, simplify_stmt, zero


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def assign(target, value):
    if isinstance(target, str):
        target = store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


class Forward:
    """Builds the tangent program; one instance per generated function."""

    def __init__(self, ctx, active):
        self.ctx = ctx
        self.active = set(active)
        self._names = {}

    def tan(self, name):
        """The tangent variable name of primal ``name`` (memoised, unique)."""
        if name not in self._names:
            self._names[name] = self.ctx.namer.unique(self.ctx.namer.tangent(name))
        return self._names[name]

    def tangent_of(self, node):
        """Tangent expression of call-site node ``node`` (None for a zero)."""
        if isinstance(node, gast.Name) and node.id in self.active and self.ctx.is_local(node.id):
            return load(self.tan(node.id))
        if isinstance(node, (gast.Tuple, gast.List)):
            parts = [self.tangent_of(e) for e in node.elts]
            if all(p is None for p in parts):
                return None
            return type(node)(elts=[p if p is not None else self.zeros(e)
                                    for p, e in zip(parts, node.elts)], ctx=gast.Load())
        return None

    def zeros(self, node):
        return gast.Call(func=load(self.ctx.imports.runtime("zeros_like")), args=[node],
                         keywords=[])

    # --- statements ---

    def body(self, stmts):
        out = []
        for stmt in stmts:
            new = self.statement(stmt)
            for s in new:
                if getanno(s, "origin") is None:
                    setanno(s, "origin", getanno(stmt, "origin"))
            out.extend(new)
        return out

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            name = stmt.targets[0].id
            if name not in self.active:
                return [stmt]
            return self.assignment(name, stmt)
        if isinstance(stmt, gast.If):
            stmt.body = self.body(stmt.body) or [gast.Pass()]
            stmt.orelse = self.body(stmt.orelse)
            return [stmt]
        if isinstance(stmt, (gast.For, gast.While)):
            stmt.body = self.body(stmt.body) or [gast.Pass()]
            return [stmt]
        if isinstance(stmt, gast.Assign):  # tuple targets of helper calls: not produced
            raise self.ctx.unsupported(stmt, "this assignment in forward mode", "")
        return [stmt]

    def assignment(self, name, stmt):
        value = stmt.value
        op = classify(value, self.ctx.namespace, self.ctx.is_local)
        dname = self.tan(name)
        if op.kind == "copy":
            tangent = self.tangent_of(op.args[0])
            return [stmt, assign(dname, tangent if tangent is not None
                                 else self.zeros(load(name)))]
        if op.kind in ("const", "nondiff"):
            return [stmt, assign(dname, self.zeros(load(name)))]
        if op.kind == "literal":
            return [stmt, assign(dname, self.literal(value))]
        if op.kind == "constructor":
            return [stmt, assign(dname, self.constructor(op))]
        if op.kind == "function":
            return self.function_call(name, op, stmt)
        if op.kind == "rule":
            return [stmt] + self.rule(name, op, stmt)
        raise missing_rule(self.ctx, op, stmt)

    def literal(self, value):
        if isinstance(value, gast.Dict):
            return gast.Dict(keys=list(value.keys), values=[
                self.tangent_of(v) or self.zeros(v) for v in value.values])
        return type(value)(elts=[self.tangent_of(e) or self.zeros(e) for e in value.elts],
                           ctx=gast.Load())

    def constructor(self, op):
        args = [self.tangent_of(a) or self.zeros(a) for a in op.args]
        keywords = [gast.keyword(arg=k, value=self.tangent_of(v) or self.zeros(v))
                    for k, v in op.keywords.items()]
        return gast.Call(func=load(self.ctx.imports.bind(op.func.__name__, op.func)),
                         args=args, keywords=keywords)

    def rule(self, name, op, stmt):
        rule = rules.lookup_tangent(op.key)
        if rule is None:
            if rules.is_linear(op.key):
                return [self.linear(name, op)]
            raise missing_rule(self.ctx, op, stmt, "it has an adjoint rule only")
        bindings = self.ctx.bind(rule, op, stmt)
        derivs = {param: self.tangent_of(node) for param, node in bindings.items()}
        if rule.coupled or is_among(op.key, STRUCTURAL):
            derivs = {param: deriv if deriv is not None else self.zeros(bindings[param])
                      for param, deriv in derivs.items()}
        out = []
        for item in instantiate(rule, load(name), bindings, derivs, self.ctx.namer,
                                self.ctx.imports):
            if isinstance(item, Contribution):
                expr = simplify_stmt(drop_zero_terms(item.expr, self.ctx.imports.bound),
                                     self.ctx.imports.bound)
                if is_zero(expr):
                    expr = self.zeros(load(name))
                out.append(assign(self.tan(name), expr))
            else:
                out.append(simplify_stmt(item, self.ctx.imports.bound))
        return out

    def linear(self, name, op):
        """``y = f(x, *rest)`` with ``f`` linear in ``x``: ``dy = f(dx, *rest)``."""
        first = op.args[0] if op.args else None
        tangent = self.tangent_of(first) if first is not None else None
        if tangent is None:
            return assign(self.tan(name), self.zeros(load(name)))
        if op.key is operator.neg:
            return assign(self.tan(name), gast.UnaryOp(op=gast.USub(), operand=tangent))
        if op.key is operator.pos:
            return assign(self.tan(name), tangent)
        if isinstance(op.key, tuple):  # a method key: x.sum(...) -> dx.sum(...)
            func = gast.Attribute(value=tangent, attr=op.key[1], ctx=gast.Load())
            args = op.args[1:]
        else:
            func = self.ctx.imports.reference(op.key, getattr(op.key, "__name__", "linear_fn"))
            args = [tangent] + op.args[1:]
        call = gast.Call(func=func, args=args,
                         keywords=[gast.keyword(arg=k, value=v) for k, v in op.keywords.items()])
        if isinstance(op.key, tuple) and op.key[0] == "attribute":
            call = gast.Attribute(value=tangent, attr=op.key[1], ctx=gast.Load())
        return assign(self.tan(name), call)

    def function_call(self, name, op, stmt):
        """``y = g(...)``: ``y, dy = g_jvp(..., d<active args>)``."""
        args, keywords, func, positions, statics = bind_call(self, op, stmt)
        jvp_fn, names = self.ctx.compile_jvp_helper(func, tuple(p for p, _ in positions),
                                                    statics)
        keywords = dict(keywords)
        for tname, (_, node) in zip(names, positions):
            keywords[tname] = self.tangent_of(node)
        call = gast.Call(func=load(jvp_fn), args=args,
                         keywords=[gast.keyword(arg=k, value=v) for k, v in keywords.items()])
        target = gast.Tuple(elts=[store(name), store(self.tan(name))], ctx=gast.Store())
        return [assign(target, call)]


def drop_zero_terms(expr, namespace=None):
    """``expr`` without the top-level ``+``/``-`` terms that are zero because they
    are linear in a symbolic zero (the tangent of an inactive input)."""
    terms = []

    def collect(node, sign):
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub)):
            collect(node.left, sign)
            collect(node.right, sign if isinstance(node.op, gast.Add) else -sign)
        else:
            terms.append((sign, node))
    collect(expr, 1)
    kept = [(s, t) for s, t in terms if not is_zero_term(t, namespace)]
    if not kept:
        return zero()
    sign, result = kept[0]
    if sign < 0:
        result = gast.UnaryOp(op=gast.USub(), operand=result)
    for sign, term in kept[1:]:
        result = gast.BinOp(left=result, op=gast.Add() if sign > 0 else gast.Sub(), right=term)
    return result


# functions whose inputs fill separate slots of the result (not multilinear): the
# tangent of an inactive input there is an actual zero value, not a vanishing term
# (besides every rule whose template couples two tangents in one term: Rule.coupled)
STRUCTURAL = (runtime.append, runtime.extend, runtime.setitem, runtime.added_at,
              runtime.add_at)


def is_zero_term(node, namespace):
    """True if ``node`` contains a symbolic zero: tangent templates are sums of
    terms, each multilinear in the tangents it mentions."""
    return any(is_zero(n) for n in astwalk.walk(node))


__all__ = ["Forward", "drop_zero_terms", "callee"]
