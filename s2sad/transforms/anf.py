"""A-normal form: one operation per statement.

Input: a fenced ``gast.FunctionDef``.  Output: the same function whose body
holds only these statement shapes (``a``, ``b`` are *atoms*: a Name, a
Constant, or a read-only chain of attributes on a free name such as
``np.pi``)::

    x = a                       x = a <binop> b        x = <unaryop> a
    x = a <cmp> b               x = f(a, *b, k=a)      x = a.attr
    x = a[i]                    x = (a, b)  [a, b]  {k: a}
    x = <boolean/format expression kept whole>  (non-differentiable)
    return a      return (a, b)      f(a)  (expression statement)
    if a: ...     for x in a: ...    while ...: ...    assert/raise/break/continue

Call arguments, subscripts and slices may hold inline tuples/lists of atoms
(``np.concatenate((a, b))``, ``x[1:n, None]``).  Desugaring done here:
``x += y`` becomes ``x = x + y``; ``a, b = e`` becomes element reads;
chained comparisons become ``and`` of single ones; ``return expr`` stores
``expr`` in a variable named after the function.

In straight-line code a variable that is assigned again is renamed (SSA):
``x = x * 2`` becomes ``x2 = x * 2`` and later reads use ``x2``, so the
backward sweep can read every intermediate value without a tape.

Every produced statement carries the annotation ``origin``: the user's
statement it came from (for ``# Grad of:`` comments and error locations).

This module holds the statement handlers; the expression handlers are the
:class:`~s2sad.transforms.anf_expressions.Expressions` mixin.
"""
import functools

import gast

from ..syntax import astwalk
from .. import rules, runtime
from ..syntax.annotations import getanno, setanno
from .inline import function_value
from .anf_expressions import Expressions, assign_stmt, load
from .ops import classify, index_expr

class ANF(Expressions):
    """Flatten a function body; see the module docstring for the grammar."""

    def __init__(self, namer, free_names, func_name, runtime=None, where=None, factory=None,
                 inline=False):
        self.namer = namer
        self.inline_helpers = inline  # every call of a module-level function is inlined
        self.runtime = runtime or (lambda name: name)
        self.where = where
        self.nested = {}
        self.partials = {}
        self.inlining = []
        self.free = free_names if isinstance(free_names, dict) else set(free_names)
        self.namespace = free_names if isinstance(free_names, dict) else {}
        self.func_name = func_name
        self.renames = {}
        self.defined = set()
        self.depth = 0
        self.out = None
        self.origin = None
        self.read = set()
        self.computed = set()  # names assigned something an adjoint may read back
        self.bound = set()  # names certainly assigned by the top-level code so far
        self.prelude = []  # `name = None` for names a compound's renaming copy may read
        self.bindings = {}  # name -> how many statements of the function bind it
        self.lists, self.not_lists = set(), set()  # names assigned lists / anything else
        self.factory = factory or (lambda func: None)
        self.loop_written = set()

    # --- entry point ---

    def function(self, fdef):
        args = fdef.args
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            self.defined.add(a.id)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                self.defined.add(extra.id)
        self.bound |= self.defined
        for node in astwalk.walk(fdef):
            if isinstance(node, gast.FunctionDef) and node is not fdef:
                self.bindings[node.name] = self.bindings.get(node.name, 0) + 1
            elif isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                self.bindings[node.id] = self.bindings.get(node.id, 0) + 1
        fdef.body = self.body(fdef.body)
        fdef.body[:0] = self.prelude
        return fdef

    def body(self, stmts):
        saved, origin = self.out, self.origin
        self.out = []
        for stmt in stmts:
            self.origin = getanno(stmt, "origin") or stmt
            self.stmt(stmt)
        result, self.out, self.origin = self.out, saved, origin
        return result

    def emit(self, stmt):
        self.read.update(n.id for n in astwalk.walk(stmt)
                         if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load))
        if self.depth:
            self.loop_written.update(_written([stmt]))
        if not isinstance(stmt, gast.Assign) or self.result_read(stmt.value):
            self.computed.update(_written([stmt]))
        if not self.depth and isinstance(stmt, gast.Assign):
            self.bound.update(_written([stmt]))
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            value, name = stmt.value, stmt.targets[0].id
            made_list = isinstance(value, (gast.List, gast.ListComp)) or (
                isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                and self.namespace.get(value.func.id) in (runtime.append, runtime.extend))
            (self.lists if made_list else self.not_lists).add(name)
        elif isinstance(stmt, (gast.Assign, gast.For)):
            self.not_lists.update(_written([stmt]))
        setanno(stmt, "origin", self.origin)
        gast.copy_location(stmt, self.origin)
        self.out.append(stmt)
        return stmt

    def result_read(self, value):
        """May the backward sweep of ``x = value`` read ``x`` (its own result)?"""
        op = classify(value, self.namespace, self.defined.__contains__)
        if op.kind in ("const", "copy", "literal", "nondiff", "constructor"):
            return False
        if op.kind == "rule":
            rule = rules.lookup_adjoint(op.key)
            return rule is None or rule.reads_result
        return True

    # --- statements ---

    def stmt(self, s):
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            self.emit(self.rename_loads(s))
        else:
            method(s)

    def stmt_Expr(self, s):
        if isinstance(s.value, gast.Constant):  # docstring or bare constant
            return
        call = s.value
        if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr in ("append", "extend")
                and isinstance(call.func.value, gast.Name)
                and call.func.value.id in self.defined and len(call.args) == 1
                and not call.keywords):
            # ys.append(v) -> ys = append(ys, v): lists are values to the AD transforms
            name = call.func.value.id
            self.assign_name(name, gast.Call(
                func=load(self.runtime(call.func.attr)),
                args=[self.load_atom(call.func.value), self.atom(call.args[0])], keywords=[]))
            return
        self.emit(gast.Expr(value=self.simple(s.value)))

    def stmt_Pass(self, s):
        return

    def stmt_FunctionDef(self, s):
        self.bind_function(s.name, s, s)  # expanded at each call (see transforms/inline.py)

    def bind_function(self, name, node, stmt):
        """``name`` holds the function ``node`` (a def or lambda AST) from here on."""
        if self.depth and self.bindings.get(name, 0) > 1:
            raise self.where(stmt, "binding %s to a function inside a branch or loop, when "
                             "%s is bound elsewhere too" % (name, name),
                             "give each function its own name, or define it at module level")
        self.nested[name] = node

    def stmt_Assign(self, s):
        if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
            value = s.value
            if (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                    and value.func.attr == "pop" and not value.args and not value.keywords
                    and isinstance(value.func.value, gast.Name)
                    and value.func.value.id in self.defined):
                # v = xs.pop() -> v = xs[-1]; xs = xs[:-1]: lists are values here
                xs = value.func.value
                last = gast.Subscript(value=xs, slice=gast.Constant(value=-1, kind=None),
                                      ctx=gast.Load())
                self.assign_name(s.targets[0].id, self.simple(last))
                rest = gast.Subscript(value=xs, slice=gast.Slice(
                    lower=None, upper=gast.Constant(value=-1, kind=None), step=None),
                    ctx=gast.Load())
                self.assign_name(xs.id, self.simple(rest))
                return
            made = function_value(self, s.value)
            if made is not None:  # g = lambda ...; g = make_g(a); g = f (a nested def)
                self.bind_function(s.targets[0].id, made.node, s)
                return
            if isinstance(value, gast.Call) and self.resolves_to(value.func, functools.partial) \
                    and value.args:
                # g = functools.partial(f, a, k=v): calls g(...) become f(a, ..., k=v),
                # with the values a and v had here (kept in fresh variables)
                self.partials[s.targets[0].id] = gast.Call(
                    func=value.func, args=[value.args[0]] + [
                        self.snapshot(a) for a in value.args[1:]],
                    keywords=[gast.keyword(arg=k.arg, value=self.snapshot(k.value))
                              for k in value.keywords])
                return
            self.assign_name(s.targets[0].id, self.simple(s.value))
            return
        value = s.value
        if len(s.targets) > 1 or not self.is_atom(value):
            if all(isinstance(t, gast.Name) for t in s.targets) or not isinstance(
                    value, (gast.Tuple, gast.List)):
                value = self.atom(value)
        for target in s.targets:
            self.assign(target, value)

    def stmt_AnnAssign(self, s):
        if s.value is not None:
            self.assign(s.target, self.simple(s.value))

    def stmt_AugAssign(self, s):
        target = s.target
        if isinstance(target, gast.Name):
            load = gast.Name(id=target.id, ctx=gast.Load(), annotation=None, type_comment=None)
            value = gast.BinOp(left=load, op=s.op, right=s.value)
            self.assign_name(target.id, self.simple(value))
        elif isinstance(target, gast.Subscript):
            current = gast.Subscript(value=target.value, slice=target.slice, ctx=gast.Load())
            self.write_item(target, self.atom(gast.BinOp(left=current, op=s.op,
                                                         right=s.value)))
        else:
            raise self.where(target, "augmented assignment to %s" % type(target).__name__, "")

    def stmt_Return(self, s):
        value = s.value
        if value is None:
            value = gast.Constant(value=None, kind=None)
        if isinstance(value, gast.Tuple):  # the first value is the output: it gets the name
            value = gast.Tuple(elts=[self.returned(e, i == 0) for i, e in enumerate(value.elts)],
                               ctx=gast.Load())
        else:
            value = self.returned(value)
        self.emit(gast.Return(value=value))

    def returned(self, expr, output=True):
        if self.is_atom(expr):
            atom = self.load_atom(expr)
            if not (isinstance(atom, gast.Name) and atom.id in self.loop_written):
                return atom
        if not output:
            atom = self.atom(expr)
            if isinstance(atom, gast.Name) and atom.id in self.loop_written:
                # the backward sweep restores loop variables: return a copy of the value
                name = self.namer.unique(atom.id)
                self.assign_name(name, atom, fresh=True)
                return load(name)
            return atom
        name = self.namer.unique(self.func_name)
        self.assign_name(name, self.simple(expr), fresh=True)
        return load(name)

    def stmt_If(self, s):
        self.enter_compound(s)
        test = self.atom(s.test)
        if isinstance(test, gast.Name) and test.id in _written(s.body + s.orelse):
            test = self.atom(gast.Call(func=load("bool"), args=[test], keywords=[]))
        self.depth += 1
        node = gast.If(test=test, body=self.body(s.body), orelse=self.body(s.orelse))
        self.depth -= 1
        self.emit(node)

    def stmt_For(self, s):
        self.enter_compound(s)
        it = s.iter
        if (isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and it.func.id == "range"
                and not it.keywords):  # for i in range(a, b): the range stays in the header
            it = gast.Call(func=it.func, args=[self.atom(x) for x in it.args], keywords=[])
        else:
            it = self.atom(it)
        self.depth += 1
        target = s.target
        body = s.body
        if not isinstance(target, gast.Name):
            tmp = self.namer.temp()
            unpack = gast.Assign(targets=[target], value=load(tmp), type_comment=None)
            gast.copy_location(unpack, s)
            setanno(unpack, "origin", s)
            body = [unpack] + body
            target = gast.Name(id=tmp, ctx=gast.Store(), annotation=None, type_comment=None)
        else:
            target = gast.Name(id=self.store_name(target.id), ctx=gast.Store(),
                               annotation=None, type_comment=None)
        node = gast.For(target=target, iter=it, body=self.body(body),
                        orelse=self.body(s.orelse), type_comment=None)
        self.depth -= 1
        self.emit(node)

    def stmt_While(self, s):
        self.enter_compound(s)
        self.depth += 1
        test_name = self.namer.temp(s.test) if not isinstance(s.test, gast.Name) else None
        if test_name:
            self.assign_name(test_name, s.test, fresh=True)
            test = load(test_name)
            again = gast.Assign(targets=[gast.Name(id=test_name, ctx=gast.Store(),
                                                   annotation=None, type_comment=None)],
                                value=s.test, type_comment=None)
            gast.copy_location(again, s)
            stmts = list(s.body)
            last = stmts[-1] if stmts else None
            if (isinstance(last, gast.If) and isinstance(last.test, gast.Name)
                    and not last.orelse and len(last.body) == 1
                    and isinstance(last.body[0], gast.Break)):
                # the desugared `if broke: break` stays last (an iteration that breaks
                # is then a whole one for the tape), and the test is evaluated again
                # only if the loop goes on, as Python does
                again = gast.copy_location(gast.If(
                    test=gast.UnaryOp(op=gast.Not(), operand=load(last.test.id)),
                    body=[again], orelse=[]), s)
                stmts = stmts[:-1] + [again, last]
            else:
                stmts.append(again)
            body = self.body(stmts)
        else:
            test = self.load_atom(s.test)
            body = self.body(s.body)
        node = gast.While(test=test, body=body, orelse=[])
        self.depth -= 1
        self.emit(node)

    def enter_compound(self, s):
        """Before a top-level compound statement, give a fresh SSA name to each
        variable it overwrites that earlier code read, or that holds a computed
        value (a rule's adjoint may read its own result, ``tanh``'s for one), so
        the backward sweep of that earlier code still sees the value it saw.

        With this, a top-level compound statement writes only variables no earlier
        statement's backward sweep reads: the tape of each compound only has to
        restore what its own backward sweep reads."""
        if self.depth:
            return
        for name in sorted(_changed([s])):
            current = self.renames.get(name, name)
            if name in self.defined and (current in self.read or current in self.computed):
                if current not in self.bound:  # assigned on some paths only: bind it first
                    self.prelude.append(assign_stmt(current, gast.Constant(value=None,
                                                                            kind=None), s))
                    self.bound.add(current)
                new = self.namer.unique(name)
                self.emit(gast.Assign(targets=[gast.Name(id=new, ctx=gast.Store(),
                                                         annotation=None, type_comment=None)],
                                      value=load(current), type_comment=None))
                self.renames[name] = new
                self.defined.add(new)

    # --- assignment helpers ---

    def assign(self, target, value):
        if isinstance(target, gast.Name):
            self.assign_name(target.id, value)
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                # evaluate every element before binding any target (a, b = b, a)
                elts = [self.atom(e) if not isinstance(e, gast.Constant) else e
                        for e in value.elts]
                if self.depth:  # no SSA renaming here: keep the values a target overwrites
                    stored = {self.renames.get(n, n) for n in _stored_names(target)}
                    elts = [self.keep_value(e.id) if isinstance(e, gast.Name)
                            and e.id in stored else e for e in elts]
                for t, e in zip(target.elts, elts):
                    self.assign(t, e)
            else:
                value = self.atom(value)
                stored = {self.renames.get(n, n) for n in _stored_names(target)}
                if isinstance(value, gast.Name) and value.id in stored:
                    # a, x = x: every element is read from the value x had before
                    value = self.keep_value(value.id)
                for i, t in enumerate(target.elts):
                    index = gast.Constant(value=i, kind=None)
                    self.assign(t, gast.Subscript(value=value, slice=index, ctx=gast.Load()))
        elif isinstance(target, gast.Subscript):
            self.write_item(target, self.atom(value))
        else:
            raise self.where(target, "assigning to %s" % type(target).__name__, "")

    def snapshot(self, expr):
        """An atom holding ``expr``'s value now, which later assignments never change."""
        if isinstance(expr, gast.Starred):
            return gast.Starred(value=self.snapshot(expr.value), ctx=gast.Load())
        atom = self.atom(expr)
        if not isinstance(atom, gast.Name) or (atom.id in self.namespace
                                               and atom.id not in self.defined):
            return atom  # a constant, or a free name: nothing in the function rebinds it
        return self.keep_value(atom.id)

    def keep_value(self, name):
        """A fresh variable holding the current value of ``name`` (which a tuple
        assignment is about to overwrite before reading it)."""
        old = self.namer.unique("old_" + name)
        self.defined.add(old)
        self.emit(gast.Assign(targets=[gast.Name(id=old, ctx=gast.Store(), annotation=None,
                                                 type_comment=None)],
                              value=load(name), type_comment=None))
        return load(old)

    def write_item(self, target, value):
        """``y[i] = v`` as ``y = setitem(y, i, v)``: a new array, never a mutation
        (so a differentiated argument is never modified, and old values stay
        available to the backward sweep)."""
        base = target.value
        index = index_expr(self.index(target.slice))
        if isinstance(base, gast.Subscript):  # y[i][j] = v
            inner = self.atom(gast.Subscript(value=base.value, slice=base.slice,
                                             ctx=gast.Load()))
            updated = self.atom(gast.Call(func=load(self.runtime("setitem")),
                                          args=[inner, index, value], keywords=[]))
            self.write_item(base, updated)
        elif isinstance(base, gast.Name):
            call = gast.Call(func=load(self.runtime("setitem")),
                             args=[self.load_atom(base), index, value], keywords=[])
            self.assign_name(base.id, call)
        else:
            raise self.where(target, "writing into an item of %s" % type(base).__name__,
                             "copy it into a local variable first")

    def assign_name(self, name, value, fresh=False):
        if not self.is_simple(value):
            value = self.simple(value)
        self.no_function(value)
        if self.depth and not self.is_atom(value) and self.renames.get(name, name) in {
                n.id for n in astwalk.walk(value) if isinstance(n, gast.Name)}:
            # x = f(x) inside control flow: keep the old x apart from the new one
            value = self.atom(value)
        if (not fresh and self.depth and isinstance(value, gast.Name)
                and value.id == self.renames.get(name, name)):
            return  # x = x: nothing changes
        target = name if fresh else self.store_name(name)
        self.emit(gast.Assign(
            targets=[gast.Name(id=target, ctx=gast.Store(), annotation=None, type_comment=None)],
            value=value, type_comment=None))

    def store_name(self, name):
        """The SSA name a store to ``name`` writes (renamed in straight-line code)."""
        if name in self.defined and self.depth == 0:
            new = self.namer.unique(name)
            self.renames[name] = new
            self.defined.add(new)
            return new
        self.defined.add(name)
        return self.renames.get(name, name)



def _written(stmts):
    """Names stored anywhere in ``stmts``."""
    return {n.id for s in stmts for n in astwalk.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _changed(stmts):
    """Names whose value ``stmts`` (not yet in ANF) may change: those stored, and those
    written through a subscript (``x[0] = v`` rebinds ``x`` to a new value in ANF) or a
    list or dict method (``ys.append(v)``)."""
    out = set()
    for s in stmts:
        for n in astwalk.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                out.add(n.id)
            elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store):
                out.add(_root_name(n))
            elif (isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                  and n.func.attr in _MUTATING_METHODS):
                out.add(_root_name(n.func))
    out.discard(None)
    return out


_MUTATING_METHODS = frozenset(("append", "extend", "insert", "pop", "remove", "clear",
                               "update", "setdefault", "popitem", "sort", "reverse"))


def _root_name(node):
    """The name at the root of ``x[i][j]`` / ``x.a.b`` (None if there is none)."""
    node = node.value
    while isinstance(node, (gast.Subscript, gast.Attribute)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _stored_names(target):
    return {n.id for n in astwalk.walk(target) if isinstance(n, gast.Name)}


def anf(fdef, namer, free_names, runtime=None, reject=None, factory=None, inline=False):
    """Rewrite ``fdef`` in place into A-normal form; returns it.

    ``runtime(name)`` binds an :mod:`s2sad.runtime` helper and returns the name
    to call it by; ``reject(node, construct, hint)`` builds the error for
    constructs found unsupported here; ``factory(node)`` gives the prepared
    ``FunctionDef`` of the module-level function a call's ``func`` node names, if
    it returns a function (it is then inlined), else None; with ``inline`` every call
    of a module-level function is inlined (``factory(node, True)``).
    """
    return ANF(namer, free_names, fdef.name, runtime, reject, factory, inline).function(fdef)
