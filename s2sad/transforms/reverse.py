"""Reverse mode: adjoint statements for an ANF function body.

Input: ANF statements (see :mod:`s2sad.transforms.anf`), the set of active
variables, and the seeds (adjoint names of the outputs, already defined).
Output: the adjoint statements, in backward order, for every statement that
assigns an active variable.  Each carries the ``origin`` annotation of its
primal statement, for ``# Grad of:`` comments.

Adjoints start as *symbolic zeros*: the first contribution to ``x`` assigns
``bx = expr``; later ones accumulate ``bx = bx + expr`` (``add_grad`` for
values that may be containers).  Statements whose result has a zero adjoint
produce nothing.
"""
import copy
import inspect

import gast
import numpy as np

from ..syntax import astwalk
from .. import rules, runtime
from ..syntax.annotations import getanno, setanno
from .templates import Contribution, instantiate
from .calls import function_call
from .dataflow import (
    has_own_break, overwritable, prefixes, read, statements, upward_exposed, written,
)
from .ops import classify, missing_rule, resolve
from .optimize import simplify_stmt
from .shapes import SCALAR, conforms_by_class, drop_unbroadcasts
from .tape import live_reads as _live_reads, marker as _marker
from .tape import replace_markers as _replace_markers


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def assign(name, value):
    return gast.Assign(targets=[store(name)], value=value, type_comment=None)


class Reverse:
    """Builds adjoint statements; one instance per generated function.

    Args:
      ctx: the compilation context (namer, imports, namespace, parsed, ...).
      active: names of active variables.
      containers: names whose adjoint may be a container (accumulated with
        ``add_grad`` rather than ``+``).
    """

    def __init__(self, ctx, active, containers=(), classes=None, params=()):
        self.ctx = ctx
        self.classes = classes
        self.params = set(params)
        self.active = set(active)
        self.containers = set(containers)
        self.defined = set()
        self._names = {}
        self._adjoint_of = {}
        self.owned = set()  # primal names whose adjoint is a buffer only this code holds
        self.recomputed = set()  # loop values the backward sweep recomputes, not tapes
        self.region = 0  # numbers the top-level compound statements (tape regions)
        self.region_stmt = None
        self.assign_counts = {}
        self.stack_name = None
        self.overwritten = None  # names written by the enclosing top-level compound
        self.restored = set()  # loop targets the backward loops set themselves
        self.defined_before = set(params)  # names assigned before the current statement
        self.statements = []  # the whole ANF body (to see how values are read)
        self.assured = set(params)  # names bound on every path before the current statement
        self.unbound = set()  # names a padding zeros_like reads that may be unbound there

    def adj(self, name):
        """The adjoint variable name of primal ``name`` (memoised, unique)."""
        if name not in self._names:
            self._names[name] = self.ctx.namer.unique(self.ctx.namer.adjoint(name))
            self._adjoint_of[self._names[name]] = name
            if self.classes is not None:
                self.classes.bind_adjoint(self._names[name], name)
        return self._names[name]

    def adjoint_names(self):
        """Map primal name -> adjoint name for every adjoint created so far."""
        return dict(self._names)

    def seed(self, name):
        """Mark the adjoint of ``name`` as defined (a parameter or given value)."""
        self.defined.add(name)
        return self.adj(name)

    def accumulate(self, name, expr):
        """``bname = expr`` for the first contribution, ``bname = bname + expr`` after.

        A contribution ``unslice(g, x, i)`` (from ``y = x[i]``) to an adjoint that
        is a buffer the generated code owns (created here, never shared) is added
        in place instead: ``bx = add_at(bx, i, g)``, as a hand-written gradient
        would, so a loop over ``x[i]`` costs O(1) per step, not O(len(x)).
        """
        target = self.adj(name)
        if isinstance(expr, gast.Name) and expr.id in self._adjoint_of:
            self.owned.discard(self._adjoint_of[expr.id])  # now shared
        if name not in self.defined:
            self.defined.add(name)
            self.owned.discard(name)  # whatever an earlier path made, this is the buffer
            if self._is_call(expr, "unslice") or self._is_call(expr, "zeros_like"):
                self.owned.add(name)
            return assign(target, expr)
        if (self._is_call(expr, "unslice") and name in self.owned
                and (self.overwritten is None or name not in self.overwritten)):
            g, _, index = expr.args
            value = gast.Call(func=load(self.ctx.imports.runtime("add_at")),
                              args=[load(target), index, g], keywords=[])
        elif name in self.containers or name in self.unbound or name in self.maybe_none():
            # add_grad: containers add elementwise, and the adjoint of a variable that
            # may hold None on the path taken (x = None; if c: x = ...) is None there
            value = gast.Call(func=load(self.ctx.imports.runtime("add_grad")),
                              args=[load(target), expr], keywords=[])
            self.owned.discard(name)
        else:
            value = gast.BinOp(left=load(target), op=gast.Add(), right=expr)
            self.owned.add(name)  # `+` makes a new array
        return assign(target, value)

    def maybe_none(self):
        """Names the function assigns ``None`` somewhere (then maybe something else)."""
        found = getattr(self, "_maybe_none", None)
        if found is None:
            found = self._maybe_none = {
                t.id for stmt in getattr(self, "statements", ()) for n in astwalk.walk(stmt)
                if isinstance(n, gast.Assign) and isinstance(n.value, gast.Constant)
                and n.value.value is None for t in n.targets if isinstance(t, gast.Name)}
        return found

    def _is_call(self, expr, helper):
        return (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
                and self.ctx.imports.bound.get(expr.func.id) is getattr(runtime, helper))

    # --- statements ---

    def body(self, stmts):
        """``(primal, adjoint)`` for ``stmts``: the primal statements with the
        tape pushes they need, and the adjoint statements in backward order."""
        primal, adjoint = [], []
        top = self.overwritten is None
        before = prefixes(stmts) if top else None
        for i in range(len(stmts) - 1, -1, -1):
            stmt = stmts[i]
            if top:
                self.defined_before = self.params | before[i][0]
                self.assured = self.params | before[i][1]
            p, a = self.statement(stmt)
            for s in a:
                if getanno(s, "origin") is None:
                    setanno(s, "origin", getanno(stmt, "origin"))
            primal[:0] = p
            adjoint.extend(a)
        return primal, adjoint

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            name = stmt.targets[0].id
            op = None
            if name in self.active and name in self.defined:
                op = classify(stmt.value, self.ctx.namespace, self.ctx.is_local)
            if op is not None and op.kind == "function":
                return self.function_call(name, op, stmt)
            adjoint = self.assignment(name, stmt.value, stmt)
            self.defined.discard(name)  # an earlier value of `name` starts at zero
            if (self.overwritten is None or name in self.restored
                    or name not in self.overwritten or name in self.recomputed):
                return [stmt], adjoint
            # inside control flow: restore the overwritten value after the adjoint,
            # if the backward sweep reads it (decided by `finish_tape`)
            return ([_marker("push", name, self.region), stmt],
                    adjoint + [_marker("pop", name, self.region)])
        if isinstance(stmt, gast.If):
            return self.if_stmt(stmt)
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt)
        if isinstance(stmt, (gast.Expr, gast.Assert, gast.Raise, gast.Pass, gast.Break)):
            return [stmt], []
        raise self.ctx.unsupported(stmt, type(stmt).__name__, "")

    def function_call(self, name, op, stmt):
        """``name = g(...)`` for a user function ``g``: call its generated sweeps."""
        primal, adjoint, res = function_call(self, name, op, stmt)
        self.ctx.locals.add(res)
        setanno(primal, "origin", getanno(stmt, "origin"))
        self.defined.discard(name)
        if self.overwritten is None:
            return [primal], adjoint
        if name in self.overwritten:
            self.overwritten.add(res)
        marks = [n for n in (name, res) if n in self.overwritten and n not in self.restored]
        return ([_marker("push", n, self.region) for n in marks] + [primal],
                adjoint + [_marker("pop", n, self.region) for n in reversed(marks)])

    def used_elements(self, name):
        """The positions ``k`` of ``name[k]`` that active code reads, when every read
        of ``name`` is such a constant-index read (tuple unpacking in ANF); None when
        ``name`` is read otherwise.  The adjoints of the other elements are zero."""
        reads = sum(1 for n in astwalk.walk(gast.Module(body=self.statements, type_ignores=[]))
                    if isinstance(n, gast.Name) and n.id == name and isinstance(n.ctx, gast.Load))
        used, seen = set(), 0
        for stmt in statements(self.statements):
            value = getattr(stmt, "value", None)
            if (isinstance(stmt, gast.Assign) and isinstance(value, gast.Subscript)
                    and isinstance(value.value, gast.Name) and value.value.id == name
                    and isinstance(value.slice, gast.Constant)
                    and type(value.slice.value) is int and value.slice.value >= 0):
                seen += 1
                if any(t.id in self.active for t in stmt.targets if isinstance(t, gast.Name)):
                    used.add(value.slice.value)
        return tuple(sorted(used)) if seen == reads else None

    # --- tape ---

    def stack(self):
        """Name of the tape (a list), created on first use."""
        if self.stack_name is None:
            self.stack_name = self.ctx.namer.unique("_stack")
        return self.stack_name

    def push(self, name):
        call = gast.Call(func=gast.Attribute(value=load(self.stack()), attr="append",
                                             ctx=gast.Load()), args=[load(name)], keywords=[])
        return gast.Expr(value=call)

    def pop(self, name):
        call = gast.Call(func=gast.Attribute(value=load(self.stack()), attr="pop",
                                             ctx=gast.Load()), args=[], keywords=[])
        return assign(name, call)

    def resolve_tape(self, primal, adjoint):
        """Turn tape markers into pushes and pops of the values the (optimised)
        backward sweep of their compound statement reads; returns the new
        ``(primal, adjoint)``.  Values that a loop may push before they first
        exist are set to None in front of the loop."""
        needed = {}
        changed = True
        while changed:  # a branch holding only pops is needed once one of its pops is
            changed = False
            for stmt in adjoint:
                region = getanno(stmt, "tape_region")
                if region is not None:
                    wanted = needed.setdefault(region, set())
                    reads = _live_reads([stmt], wanted) & self.ctx.locals
                    if not reads <= wanted:
                        wanted |= reads
                        changed = True
        return (_replace_markers(primal, needed, self.push, self.pop),
                _replace_markers(adjoint, needed, self.push, self.pop))

    # --- control flow ---

    def compound(self, stmt):
        """Enter ``stmt``: returns the adjoint initialisations it needs, and the
        state to restore with :meth:`leave`."""
        top = self.overwritten is None
        if top:
            self.region += 1
            self.region_stmt = stmt
            # values the compound may assign twice, or that it reads before assigning
            # them (their old value is read by the backward sweep after it changed)
            self.overwritten = overwritable(stmt) | (written([stmt]) & upward_exposed([stmt]))
        needed = self.contributed(stmt) & upward_exposed([stmt]) - self.defined
        scalar = {v for v in needed if self.classes and self.classes.same(v, SCALAR)}
        self.owned = self.owned - self.overwritten
        targets = {stmt.target.id} if isinstance(stmt, gast.For) else set()
        entry = set(self.defined)
        if isinstance(stmt, gast.If):
            # each branch starts the adjoints it adds to (bx = ...) and pads the
            # others with zeros at its end: no zeros-then-add when both branches add.
            # Such an adjoint may be a view or another adjoint (bx = unreduce(g, x)):
            # not owned, so nothing adds into it in place
            return [], (top, entry, targets, set(self.owned), entry | needed)
        self.owned |= needed - scalar  # started with zeros below
        inits = [assign(self.adj(v), self.zeros(v)) for v in sorted(needed)]
        for init in inits:
            setanno(init, "origin", _NO_COMMENT)
        self.defined |= needed
        return inits, (top, set(self.defined), targets, set(self.owned), set(self.defined))

    def leave(self, state, primal, adjoint):
        """Leave a compound statement: returns its final ``(primal, adjoint)``."""
        top, _, targets, owned, exit_defined = state
        self.defined = set(exit_defined)
        self.owned = owned
        if top:
            init = _marker("init", None, self.region)
            setanno(init, "tape_init", (self.overwritten,
                                        self.defined_before | self.restored | targets))
            primal = [init] + primal
            for stmt in adjoint:
                setanno(stmt, "tape_region", self.region)
            self.overwritten = None
        return primal, adjoint

    def branch(self, stmts, state):
        """Primal and adjoint of a branch or loop body, padded so the same
        adjoints are defined at its end as at its start."""
        self.defined, self.owned = set(state[1]), set(state[3])
        primal, adjoint = self.body(stmts)
        padded = sorted(state[4] - self.defined)
        # a branch not taken may leave v unbound (it is assigned in the other branch
        # only): the compiler binds such v to None up front, and zeros_like(None) is None
        self.unbound.update(v for v in padded if v not in self.assured)
        adjoint += [assign(self.adj(v), self.zeros(v)) for v in padded]
        self.defined = set(state[4])
        return primal, adjoint

    def if_stmt(self, stmt):
        inits, state = self.compound(stmt)
        scope = [self.region_stmt]
        remats = [self.recomputable(stmt.body, scope), self.recomputable(stmt.orelse, scope)]
        for remat in remats:
            self.recomputed.update(s.targets[0].id for s in remat)
        body_p, body_a = self.branch(stmt.body, state)
        else_p, else_a = self.branch(stmt.orelse, state)
        body_a = self.recompute(remats[0], body_a) if remats[0] else body_a
        else_a = self.recompute(remats[1], else_a) if remats[1] else else_a
        primal = gast.If(test=stmt.test, body=body_p or [gast.Pass()], orelse=else_p)
        adjoint = []
        if body_a or else_a:  # tape markers too: a pop must stay with its push
            # a node of its own: passes that rename loads of the primal must not touch it
            adjoint = [gast.If(test=copy.deepcopy(stmt.test), body=body_a or [gast.Pass()],
                               orelse=else_a)]
        return self.leave(state, [primal], inits + adjoint)

    def loop(self, stmt):
        inits, state = self.compound(stmt)
        is_for = isinstance(stmt, gast.For)
        target = stmt.target.id if is_for else None
        restored = self.restored
        if target and target not in written(stmt.body):
            self.restored = restored | {target}
        remat = self.recomputable(stmt.body, [stmt], {target}) \
            if is_for and target in self.restored else []
        self.recomputed.update(s.targets[0].id for s in remat)
        body_p, body_a = self.branch(stmt.body, state)
        self.restored = restored
        if remat:
            body_a = self.recompute(remat, body_a)
        count = None
        if not is_for or has_own_break(stmt.body):
            count = self.ctx.namer.unique("n_iter")
            self.overwritten.add(count)
            self.ctx.locals.add(count)
            one = gast.BinOp(left=load(count), op=gast.Add(),
                             right=gast.Constant(value=1, kind=None))
            body_p = [assign(count, one)] + body_p
        if is_for:
            primal = gast.For(target=stmt.target, iter=stmt.iter, body=body_p, orelse=[],
                              type_comment=None)
        else:
            primal = gast.While(test=stmt.test, body=body_p, orelse=[])
        primal = ([assign(count, gast.Constant(value=0, kind=None))] if count else []) + [primal]
        if not body_a:  # (tape markers count: a pop must stay with its push)
            # the adjoints the loop would add to are defined from here on: keep their zeros
            return self.leave(state, primal, inits)
        if target and target in _reads_of(body_a):
            seq = stmt.iter if count is None else gast.Subscript(
                value=stmt.iter, slice=gast.Slice(lower=None, upper=load(count), step=None),
                ctx=gast.Load())
            header = gast.Call(func=load("reversed"), args=[seq], keywords=[])
            back_target = gast.Name(id=target, ctx=gast.Store(), annotation=None,
                                    type_comment=None)
        else:
            header = stmt.iter if count is None and is_for else gast.Call(
                func=load("range"), args=[load(count)], keywords=[])
            back_target = gast.Name(id="_", ctx=gast.Store(), annotation=None, type_comment=None)
        adjoint = gast.For(target=back_target, iter=header, body=body_a, orelse=[],
                           type_comment=None)
        adjoint = [adjoint]
        if count and not state[0]:  # a nested loop: its trip count goes on the tape
            primal = primal + [_marker("push", count, self.region)]
            adjoint = [_marker("pop", count, self.region)] + adjoint
        return self.leave(state, primal, inits + adjoint)

    def recomputable(self, stmts, scope, extra=()):
        """Statements at the top of ``stmts`` (a loop or branch body) that the
        backward sweep can recompute instead of taping: cheap, pure, assigned once
        in the function, local to one pass through ``stmts``, and reading only
        values that are the same in the backward sweep.

        The proof: a recomputation runs at the start of the body's backward sweep,
        above every pop of the body.  So each value it reads must hold, there, what
        it held when the original ran.  That is true of names ``scope`` (the
        enclosing top-level compound statement) never writes, parameters included
        only if never written there, of loop indices the backward loops restore,
        and of values recomputed the same way.  Any other read (a name the
        compound overwrites) is no proof: the value is taped instead."""
        changed = written(scope)
        stable = (set(extra) | set(self.recomputed) | set(self.restored)
                  | ((self.ctx.locals | self.params) - changed))
        exposed = upward_exposed(stmts)
        out = []
        for stmt in stmts:
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
                continue
            name = stmt.targets[0].id
            if (self.assign_counts.get(name) == 1 and name not in exposed
                    and _cheap(stmt.value, self.classes, self.ctx.namespace)
                    and _reads_of([stmt]) <= stable | set(self.ctx.namespace)):
                out.append(stmt)
                stable.add(name)
        return out

    def recompute(self, remat, body_a):
        """``body_a`` preceded by the recomputations it reads (in forward order)."""
        wanted = _reads_of(body_a)
        keep = []
        for stmt in reversed(remat):
            if stmt.targets[0].id in wanted:
                keep.append(stmt)
                wanted |= _reads_of([stmt.value])
        copies = [copy.deepcopy(s) for s in reversed(keep)]
        for s in copies:
            setanno(s, "origin", _NO_COMMENT)
        return copies + body_a

    def contributed(self, stmt):
        """Active variables a statement's backward sweep may add adjoint to."""
        names = set()
        for node in astwalk.walk(stmt):
            if (isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name)
                    and node.targets[0].id in self.active):
                op = classify(node.value, self.ctx.namespace, self.ctx.is_local)
                if op.kind == "literal":
                    names.update(_reads_of([node.value]))
                elif op.kind not in ("const", "nondiff"):
                    names.update(op.inputs())
        return names & self.active

    def zeros(self, name):
        if self.classes is not None and self.classes.same(name, SCALAR):
            return gast.Constant(value=0.0, kind=None)
        return gast.Call(func=load(self.ctx.imports.runtime("zeros_like")), args=[load(name)],
                         keywords=[])

    def assignment(self, name, value, stmt):
        if name not in self.active or name not in self.defined:
            return []
        op = classify(value, self.ctx.namespace, self.ctx.is_local)
        bres = load(self.adj(name))
        if op.kind == "copy":
            return self.contribute(op.args[0], bres)
        if op.kind == "literal":
            return self.literal(value, bres)
        if op.kind in ("const", "nondiff"):
            return []
        if op.kind == "rule":
            return self.rule(op, load(name), bres, stmt)
        if op.kind == "constructor":
            return self.constructor(op, bres, stmt)
        raise missing_rule(self.ctx, op, stmt)

    def constructor(self, op, bres, stmt):
        """``y = Record(a, b=c)``: each argument gets its field of ``by``."""
        try:
            bound = inspect.signature(op.func).bind(*op.args, **op.keywords)
        except TypeError as err:
            raise self.ctx.unsupported(stmt, "this call to %s (%s)" % (op.func.__name__, err),
                                       "") from None
        out = []
        for field, node in bound.arguments.items():
            part = gast.Attribute(value=bres, attr=field, ctx=gast.Load())
            out.extend(self.contribute(node, part))
        return out

    def contribute(self, target, expr):
        """Statements adding ``expr`` to the adjoint of call-site node ``target``."""
        if isinstance(target, gast.Name):
            if target.id in self.active and self.ctx.is_local(target.id):
                return [self.accumulate(target.id, expr)]
            return []
        if isinstance(target, (gast.Tuple, gast.List)):
            if not self._has_active(target):
                return []
            seen, parts, after = set(), [], []
            for elt in target.elts:
                if not self._has_active(elt):
                    parts.append("_")
                elif (isinstance(elt, gast.Name) and elt.id not in self.defined
                        and elt.id not in seen):
                    parts.append(self.adj(elt.id))  # a first contribution: unpack into it
                    seen.add(elt.id)
                    self.defined.add(elt.id)
                else:
                    base = self.adj(elt.id) if isinstance(elt, gast.Name) else "bpart"
                    part = self.ctx.namer.unique("_" + base)
                    parts.append(part)
                    after.extend(self.contribute(elt, load(part)))
            unpack = gast.Assign(
                targets=[gast.Tuple(elts=[store(p) for p in parts], ctx=gast.Store())],
                value=expr, type_comment=None)
            return [unpack] + after
        return []

    def _has_active(self, node):
        return any(isinstance(n, gast.Name) and n.id in self.active and self.ctx.is_local(n.id)
                   for n in astwalk.walk(node))

    def literal(self, value, bres):
        out = []
        if isinstance(value, gast.Dict):
            pairs = zip(value.keys, value.values)
        else:
            pairs = ((gast.Constant(value=i, kind=None), e) for i, e in enumerate(value.elts))
        for key, elt in pairs:
            if key is not None:
                part = gast.Subscript(value=bres, slice=key, ctx=gast.Load())
                out.extend(self.contribute(elt, part))
        return out

    def rule(self, op, result, bres, stmt):
        rule = rules.lookup_adjoint(op.key)
        if rule is None:
            raise missing_rule(self.ctx, op, stmt, "it has a tangent rule only")
        bindings = self.ctx.bind(rule, op, stmt)
        out = []
        items = instantiate(rule, result, bindings, {rule.result: bres},
                            self.ctx.namer, self.ctx.imports)
        for item in items:
            if isinstance(item, Contribution):
                out.extend(self.contribute(item.target, self.tidy(item.expr)))
            else:
                out.append(self.tidy(item))
        return out

    def tidy(self, node):
        """Fold constants and drop ``unbroadcast`` calls that provably do nothing."""
        node = simplify_stmt(node, self.ctx.imports.bound)
        if self.classes is not None and "unbroadcast" in self.ctx.imports.bound:
            # same shape: what is left of unbroadcast is the real projection
            node = drop_unbroadcasts(node, [self.ctx.imports.runtime("unbroadcast")],
                                     conforms_by_class(self.classes),
                                     replace=self._real_cotangent)
        return node

    def _real_cotangent(self, g, x):
        func = gast.Name(id=self.ctx.imports.runtime("real_cotangent"), ctx=gast.Load(),
                         annotation=None, type_comment=None)
        return gast.Call(func=func, args=[g, x], keywords=[])


def _reads_of(stmts):
    return read(stmts)


def _cheap(value, classes, namespace):
    """Cheap to evaluate again: indexing, attributes, comparisons, and arithmetic
    or ufuncs on numbers (on arrays they cost a pass over the data: tape those)."""
    if isinstance(value, (gast.Subscript, gast.Attribute, gast.Compare, gast.Name,
                          gast.Constant)):
        return True
    if classes is None:
        return False
    if isinstance(value, (gast.BinOp, gast.UnaryOp)):
        operands = [value.operand] if isinstance(value, gast.UnaryOp) else [value.left,
                                                                           value.right]
    elif isinstance(value, gast.Call) and not value.keywords:
        try:
            func = resolve(value.func, namespace)
        except KeyError:
            return False
        if not isinstance(func, np.ufunc):
            return False
        operands = value.args
    else:
        return False
    return all(isinstance(o, gast.Constant) or (
        isinstance(o, gast.Name) and classes.same(o.id, SCALAR)) for o in operands)


_NO_COMMENT = gast.Pass()  # origin of statements that get no "Grad of" comment
