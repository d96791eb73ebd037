"""Split forward mode (``linearize``): a primal function that saves residuals and a
tangent function that replays only the tangent work.

Input: the interleaved forward-mode body built by :class:`LinearizeForward` (the
statements of :mod:`s2sad.transforms.forward`, with calls to the user's own functions
already split into ``y, g_res = g_linearize(...)`` and ``dy = g_tangent(g_res, ...)``),
and the set of tangent names.  Output (:func:`split`): two statement lists,

* the primal body: every statement that computes a primal value, in order, plus
  ``_tape.append(v)`` wherever a tangent statement is about to read a primal value
  ``v`` that the primal sweep may overwrite later (assigned in a loop, or more than
  once);
* the tangent body: the tangent statements under the same ``if``/``for``/``while``
  skeleton, each preceded by ``v = next(_tape)`` for those values (FIFO: the tangent
  sweep reads them back in the order the primal sweep saved them).

Values assigned once, outside loops (and the parameters), are *named residuals*:
returned by the primal function and unpacked by the tangent function, never taped.
A tangent ``if`` reads its saved condition (an ``if`` holding a ``break`` or
``continue`` of a replayed loop is replayed too); a tangent ``for`` re-iterates its saved
iterable (after loop normalisation a ``range`` of saved numbers) with the same target,
which is then not taped; a ``while`` reads the saved value of its test at entry and
after each iteration.  Branches and loops without tangent work are left out of the
tangent body.

Reuse criterion (:func:`hoist`): the tangent function never recomputes a primal value
that costs more than a name, attribute or subscript read.  A tangent-free
subexpression of a tangent statement (``np.cos(x)`` in ``dy = dx * np.cos(x)``,
``1.0 - h * h``) is moved into the primal body as a new residual when it only feeds
arithmetic or a NumPy function; in other positions (the whole right-hand side, a
container element, an argument of s2sad's structural helpers such as ``setitem``) it
builds a zero or a container that becomes part of a returned tangent, so it stays in
the tangent function: sharing it across calls would let one call's result alias the
next one's.
"""
import copy

import gast
import numpy as np

from ..syntax import astwalk
from ..syntax.annotations import getanno, setanno
from ..errors import InternalError
from .calls import bind_call, stem
from .dataflow import written
from .forward import Forward, assign, load, store
from .ops import resolve

__all__ = ["LinearizeForward", "hoist", "split", "tangent_closure"]


class LinearizeForward(Forward):
    """Forward mode whose calls to the user's own functions are split in two:
    ``y, g_res = g_linearize(...)`` (primal) and ``dy = g_tangent(g_res, dx=...)``."""

    def __init__(self, ctx, active, compile_helper):
        super().__init__(ctx, active)
        self.compile_helper = compile_helper

    def tangent_names(self):
        """Every tangent variable name handed out so far."""
        return set(self._names.values())

    def function_call(self, name, op, stmt):
        args, keywords, func, positions, statics = bind_call(self, op, stmt)
        forward, tangent, names = self.compile_helper(func, tuple(p for p, _ in positions),
                                                      statics)
        res = self.ctx.namer.unique(stem(func).lstrip("_") + "_res")
        call = gast.Call(func=load(forward), args=args,
                         keywords=[gast.keyword(arg=k, value=v) for k, v in keywords.items()])
        primal = assign(gast.Tuple(elts=[store(name), store(res)], ctx=gast.Store()), call)
        tangents = [gast.keyword(arg=t, value=self.tangent_of(node))
                    for t, (_, node) in zip(names, positions)]
        tan = assign(self.tan(name), gast.Call(func=load(tangent), args=[load(res)],
                                               keywords=tangents))
        return [primal, tan]


# --- which statements are tangent work -------------------------------------------------

def _reads(node):
    return {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _targets(stmt):
    return {n.id for t in stmt.targets for n in astwalk.walk(t) if isinstance(n, gast.Name)}


def _assigns(stmts):
    for stmt in stmts:
        if isinstance(stmt, gast.Assign):
            yield stmt
        elif isinstance(stmt, (gast.If, gast.For, gast.While)):
            yield from _assigns(stmt.body)
            yield from _assigns(stmt.orelse)


def tangent_closure(body, seeds):
    """``seeds`` (the tangent variables) and every name assigned from a value that
    reads one: the names the tangent function computes."""
    names = set(seeds)
    changed = True
    while changed:
        changed = False
        for stmt in _assigns(body):
            if _reads(stmt.value) & names and not _targets(stmt) <= names:
                names |= _targets(stmt)
                changed = True
    return names


def _is_tangent(stmt, tangents):
    return isinstance(stmt, gast.Assign) and bool(_targets(stmt) & tangents)


def _has_work(stmt, tangents, exits=True):
    """Whether the tangent body needs ``stmt``: it computes a tangent, or (``exits``) it
    is a ``break``/``continue`` of a loop the tangent body replays, or holds one."""
    if isinstance(stmt, (gast.Break, gast.Continue)):
        return exits
    if isinstance(stmt, gast.If):
        return any(_has_work(s, tangents, exits) for s in stmt.body + stmt.orelse)
    if isinstance(stmt, (gast.For, gast.While)):
        return any(_has_work(s, tangents, False) for s in stmt.body + stmt.orelse)
    return _is_tangent(stmt, tangents)


# --- hoisting primal subexpressions out of tangent statements ---------------------------

def _cheap(node):
    """A name, constant, or attribute/subscript/tuple of them: recomputed, not saved."""
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.Attribute):
        return _cheap(node.value)
    if isinstance(node, gast.Subscript):
        return _cheap(node.value) and _cheap(node.slice)
    if isinstance(node, gast.Slice):
        return all(p is None or _cheap(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, gast.Tuple):
        return all(_cheap(e) for e in node.elts)
    return False


def _is_numpy(func, namespace):
    try:
        obj = resolve(func, namespace)
    except (KeyError, AttributeError, TypeError):
        return False
    module = getattr(obj, "__module__", None) or ""
    return isinstance(obj, np.ufunc) or module == "numpy" or module.startswith("numpy.")


def hoist(body, tangents, namer, namespace):
    """Move the tangent-free, non-cheap subexpressions of tangent statements into
    primal assignments placed just before them (see the module docstring); returns the
    new body.  The new names are primal values the tangent statements read."""
    out = []
    for stmt in body:
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            stmt.body = hoist(stmt.body, tangents, namer, namespace)
            stmt.orelse = hoist(stmt.orelse, tangents, namer, namespace)
        elif _is_tangent(stmt, tangents):
            pre, seen = [], {}
            stmt.value = _hoist_expr(stmt.value, False, pre, seen, tangents, namer, namespace)
            for new in pre:
                setanno(new, "origin", getanno(stmt, "origin"))
            out.extend(pre)
        out.append(stmt)
    return out


def _hoist_expr(node, allowed, pre, seen, tangents, namer, namespace):
    if allowed and not _cheap(node) and not (_reads(node) & tangents) and not any(
            isinstance(n, (gast.Lambda, gast.Starred)) for n in astwalk.walk(node)):
        key = gast.dump(node)
        if key not in seen:
            seen[key] = namer.temp(node)
            pre.append(assign(seen[key], node))
        return load(seen[key])

    def sub(child, ok):
        return _hoist_expr(child, ok, pre, seen, tangents, namer, namespace)

    if isinstance(node, gast.BinOp):
        node.left, node.right = sub(node.left, True), sub(node.right, True)
    elif isinstance(node, gast.UnaryOp):
        node.operand = sub(node.operand, True)
    elif isinstance(node, gast.Call):
        ok = _is_numpy(node.func, namespace)
        node.args = [sub(a, ok) for a in node.args]
        for kw in node.keywords:
            kw.value = sub(kw.value, ok)
    elif isinstance(node, (gast.Tuple, gast.List)):
        node.elts = [sub(e, False) for e in node.elts]
    elif isinstance(node, gast.Dict):
        node.values = [sub(v, False) for v in node.values]
    return node


# --- the split --------------------------------------------------------------------------

class _Splitter:
    """Builds the primal and tangent bodies; records the named residuals it uses."""

    def __init__(self, tangents, locals_, stable, loop_locals, tape, next_name, dummy):
        self.tangents = tangents
        self.locals = locals_
        self.stable = stable
        self.loop_locals = loop_locals
        self.tape = tape
        self.next = next_name
        self.dummy = dummy
        self.residuals = set()
        self.tape_used = False

    def load(self, names, loaded, origin):
        """``(saves, loads)`` making primal ``names`` readable in the tangent body."""
        saves, loads = [], []
        for name in sorted(names):
            if (name in self.tangents or name not in self.locals or name in self.loop_locals
                    or name in loaded):
                continue
            if name in self.stable:
                self.residuals.add(name)
                continue
            self.tape_used = True
            saves.append(gast.Expr(value=gast.Call(
                func=gast.Attribute(value=load(self.tape), attr="append", ctx=gast.Load()),
                args=[load(name)], keywords=[])))
            loads.append(assign(name, gast.Call(func=load(self.next), args=[load(self.tape)],
                                                keywords=[])))
            loaded.add(name)
        for stmt in saves + loads:
            setanno(stmt, "origin", origin)
        return saves, loads

    def block(self, stmts, loaded):
        """``(primal, tangent, loaded)`` for ``stmts``; ``loaded``: primal names the
        tangent body holds (with their current values) at the start, then at the end."""
        primal, tangent = [], []
        loaded = set(loaded)
        for stmt in stmts:
            origin = getanno(stmt, "origin")
            if not _has_work(stmt, self.tangents):
                if _reads(stmt) & self.tangents:
                    raise InternalError("linearize: a primal statement reads a tangent",
                                        gast.dump(stmt))
                primal.append(stmt)
                loaded -= written([stmt])
                continue
            if isinstance(stmt, (gast.Break, gast.Continue)):
                primal.append(stmt)
                tangent.append(type(stmt)())
                continue
            if isinstance(stmt, gast.Assign):
                saves, loads = self.load(_reads(stmt.value), loaded, origin)
                primal += saves
                tangent += loads + [stmt]
                loaded -= _targets(stmt) - self.tangents
                continue
            after = loaded - written([stmt])
            if isinstance(stmt, gast.If):
                saves, loads = self.load(_reads(stmt.test), loaded, origin)
                p_body, t_body, _ = self.block(stmt.body, loaded)
                p_else, t_else, _ = self.block(stmt.orelse, loaded)
                new_p = gast.If(test=stmt.test, body=p_body or [gast.Pass()], orelse=p_else)
                new_t = gast.If(test=_copy(stmt.test), body=t_body or [gast.Pass()],
                                orelse=t_else)
            elif stmt.orelse:
                raise InternalError("linearize: a loop with an else clause that does tangent "
                                    "work", gast.dump(stmt))
            elif isinstance(stmt, gast.For):
                saves, loads = self.load(_reads(stmt.iter), loaded, origin)
                p_body, t_body, _ = self.block(stmt.body, after)
                target = stmt.target
                if not (isinstance(target, gast.Name) and target.id in self.loop_locals):
                    target = store(self.dummy)
                new_p = gast.For(target=stmt.target, iter=stmt.iter, body=p_body,
                                 orelse=[], type_comment=None)
                new_t = gast.For(target=target, iter=_copy(stmt.iter),
                                 body=t_body or [gast.Pass()], orelse=[], type_comment=None)
            else:  # While: the test's value at entry and after every iteration
                test_reads = _reads(stmt.test)
                saves, loads = self.load(test_reads, set(loaded), origin)
                p_body, t_body, _ = self.block(stmt.body, after)
                again_p, again_t = self.load(test_reads, set(), origin)
                new_p = gast.While(test=stmt.test, body=p_body + again_p, orelse=[])
                new_t = gast.While(test=_copy(stmt.test), body=t_body + again_t, orelse=[])
            for new in (new_p, new_t):
                setanno(new, "origin", origin)
            primal += saves + [new_p]
            tangent += loads + [new_t]
            loaded = after
        return primal, tangent, loaded


def _copy(node):
    return copy.deepcopy(node)


def _assignment_sites(stmts, in_loop, sites):
    """``sites[name]``: list of ``(kind, in_loop, stmt)`` for every store of ``name``."""
    for stmt in stmts:
        if isinstance(stmt, gast.For):
            for n in astwalk.walk(stmt.target):
                if isinstance(n, gast.Name):
                    sites.setdefault(n.id, []).append(("for", True, stmt))
            _assignment_sites(stmt.body, True, sites)
        elif isinstance(stmt, gast.While):
            _assignment_sites(stmt.body, True, sites)
        elif isinstance(stmt, gast.If):
            _assignment_sites(stmt.body, in_loop, sites)
            _assignment_sites(stmt.orelse, in_loop, sites)
        else:
            for name in written([stmt]):
                sites.setdefault(name, []).append(("assign", in_loop, stmt))
    return sites


def split(body, tangents, params, tape, next_name, dummy):
    """Split interleaved forward-mode ``body`` (hoisted, see :func:`hoist`).

    Args:
      body: the statements (the final ``return`` excluded).
      tangents: the names the tangent function computes (:func:`tangent_closure`),
        its parameters included.
      params: the primal function's parameter names.
      tape: the name of the tape list.
      next_name: the name bound to builtin ``next``.
      dummy: a free name, the target of a replayed ``for`` whose own target is taped.
    Returns:
      ``(primal, tangent, splitter, loaded)``: the two bodies; the splitter, whose
      :meth:`load` makes further reads (the returned tangent) available and whose
      ``residuals`` / ``tape_used`` say what the tangent function needs; the names
      the tangent body holds at its end.
    """
    sites = _assignment_sites(body, False, {})
    stable = {p for p in params if p not in sites}
    stable |= {n for n, s in sites.items() if len(s) == 1 and not s[0][1] and n not in params}
    loop_locals = {n for n, s in sites.items() if n not in params
                   and all(kind == "for" and _has_work(st, tangents) for kind, _, st in s)}
    locals_ = set(params) | set(sites)
    splitter = _Splitter(tangents, locals_, stable, loop_locals, tape, next_name, dummy)
    primal, tangent, loaded = splitter.block(body, set())
    return primal, tangent, splitter, loaded
