"""Statements in the points-to analysis (a mixin of :class:`~.analysis.Analysis`): the
flow-sensitive walk over a structured body, with fixed points over loops, the exit flags
of desugaring followed path by path, bindings (must-alias classes, view facts) and the
sites where objects are written into.

Input: a block of statements and the :class:`~.domain.State` before it; the host's
``fdef``, ``flags`` (exit flag -> role), ``locals``, ``recording`` (whether sites keep
the states around them), and expression evaluation.  Output (:meth:`Statements.block`):
the state after the block (None when no path reaches its end); ``sites`` (statement,
kind, name) -> :class:`~.domain.Site` with, while recording, the states before and after
the write and the block holding it; ``nested``, ``partials``, ``functions``, ``exits``,
and the returned values (``ret_reach``, ``ret_kind``, ``ret_functions``, ``captured``).
"""
import functools

import gast

from ...syntax import astwalk
from ... import runtime as runtime_module
from ...syntax.annotations import getanno
from ..ops import resolve
from .domain import INT, Site, Val, is_ndarray, join_states, kjoin
from .facts import free_reads
from .syntax import index_parts, is_sliced, load, unparse


class Statements:
    """The walk over statements (see the module docstring)."""

    def block(self, stmts, st):
        for stmt in stmts:
            if stmts is self.fdef.body and isinstance(stmt, gast.Return):
                st = join_states(st, *self.exits)  # the paths that returned early meet here
            if st is None:  # after an early return, break or continue
                return None
            st = self.stmt(stmt, st, stmts)
        return st

    def stmt(self, s, st, block):
        if getanno(s, "alias_guard"):  # taken when the value is written into in place
            return self.block(s.body, st)
        if isinstance(s, (gast.If, gast.For, gast.While)):
            self.header(s, st, block)  # calls in the test or iterable
            if isinstance(s, gast.If):
                taken = self.flag_test(s.test)
                if taken is not None:  # `if not returned:`: on the paths still running
                    return self.block(s.body if taken else s.orelse, st)
                return join_states(self.block(s.body, st.copy()), self.block(s.orelse, st.copy()))
            return self.loop(s, st)
        if isinstance(s, gast.FunctionDef):
            self.nested[s.name] = s
            self.bind(st, s.name, Val(), s)
            return st
        if self.exit_flag(s, st):
            return None
        self.pending, self.now = [], s
        before = st.copy() if self.recording else None
        getattr(self, "do_" + type(s).__name__, self.do_other)(s, st)
        if self.recording and self.pending:
            after = st.copy()
            for site in self.pending:
                site.before, site.after, site.block = before, after, block
        return st

    def exit_flag(self, s, st):
        """``returned = True`` (``broke``, ``skip``) of the desugared exits: the state goes
        where the exit goes (the end of the function, the loop's exit, its next step)."""
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in self.flags and s.value.value is True):
            return False
        role = self.flags[s.targets[0].id]
        if role == "returned" or not self.loops:
            self.exits.append(st.copy())
        else:
            self.loops[-1][role].append(st.copy())
        return True

    def flag_test(self, test):
        """The value of a test made of exit flags on the paths still running (all flags
        false there), or None."""
        if isinstance(test, gast.Name) and test.id in self.flags:
            return False
        if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
            inner = self.flag_test(test.operand)
            return None if inner is None else not inner
        if isinstance(test, gast.BoolOp):
            values = [self.flag_test(v) for v in test.values]
            if None not in values:
                return any(values) if isinstance(test.op, gast.Or) else all(values)
        return None

    def header(self, s, st, block):
        self.pending, self.now = [], s
        before = st.copy() if self.recording else None
        self.ev(s.iter if isinstance(s, gast.For) else s.test, st)
        for site in self.pending:
            site.before, site.after, site.block = before, st.copy(), block

    def loop(self, s, st):
        recording, self.recording = self.recording, False
        head = st
        for _ in range(200):
            end, breaks = self.iteration(s, head)
            new = join_states(head, end)
            if new.key() == head.key():
                break
            head = new
        else:
            raise self.shared.reject(s, "this loop (the aliasing analysis did not converge)",
                                     "simplify the loop")
        self.recording = recording
        if recording:
            _, breaks = self.iteration(s, head)
        if isinstance(s, gast.While):
            self.ev(s.test, head)
        return join_states(head, *breaks)

    def iteration(self, s, head):
        """The state after one more step of loop ``s`` from ``head`` (continues included),
        and the states leaving it by ``break``."""
        self.loops.append({"broke": [], "skip": []})
        end = self.block(s.body, self.enter(s, head.copy()))
        exits = self.loops.pop()
        return join_states(end, *exits["skip"]), exits["broke"]

    def enter(self, s, st):
        if isinstance(s, gast.For):
            self.assign(s.target, INT, st, s, None)
        else:
            self.ev(s.test, st)
        return st

    def site(self, stmt, kind, name, depth=1, info=None, key=None):
        if getanno(stmt, "alias_fix"):
            return
        ident = (id(stmt), kind, name, key)
        site = self.sites.get(ident)
        if site is None:
            site = self.sites[ident] = Site(stmt, kind, name, depth, info)
        if self.recording:
            site.info = info
            self.pending.append(site)

    def bind(self, st, name, val, stmt, copy_of=None, view=None):
        fact = st.views.get(copy_of) if copy_of else view
        st.kill(name)
        st.env[name] = val
        if copy_of and copy_of != name:
            group = st.same.get(copy_of, {copy_of}) | {name}
            for member in group:
                st.same[member] = frozenset(group)
        if fact and fact[0] != name and name not in fact[2]:
            st.views[name] = fact
        if not getanno(stmt, "alias_fix"):
            st.origin[name] = frozenset({stmt})

    def assign(self, target, val, st, stmt, node):
        if isinstance(target, gast.Name):
            local = isinstance(node, gast.Name) and node.id in self.locals
            view = self.view_fact(node, st) if isinstance(node, gast.Subscript) else None
            self.bind(st, target.id, val, stmt, node.id if local else None, view)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for elt in target.elts:
                self.assign(elt, self.element(val, st), st, stmt, None)
        elif isinstance(target, gast.Subscript):
            root, depth = target, 0
            while isinstance(root, gast.Subscript):
                root, depth = root.value, depth + 1
            base = self.ev(target.value, st)
            for part in index_parts(target.slice):
                self.ev(part, st)
            self.add_contents(base, val.tokens, st)
            self.check_inner_indices(target, st, stmt)
            if isinstance(root, gast.Name):
                self.site(stmt, "store", root.id, depth)
        elif isinstance(target, gast.Starred):
            self.assign(target.value, st.alloc(target, ("list", None), val.tokens), st,
                        stmt, None)

    def check_inner_indices(self, target, st, stmt):
        """``y[i][j] = v`` writes into ``y`` only if ``y[i]`` is a view (of an array, by a
        basic index) or an element (of a list or dict, by a key); an index array or a
        list slice makes a copy, and NumPy's write would be lost."""
        inner = target.value
        while isinstance(inner, gast.Subscript):
            kind = self.ev(inner.value, st.copy()).kind
            parts = index_parts(inner.slice)
            vals = [self.ev(p, st.copy()) for p in parts]
            scalar = all(v.kind is not None and v.kind[0] in ("int", "scalar") and not v.tokens
                         and not isinstance(p, gast.Slice) for p, v in zip(parts, vals))
            basic = all(is_sliced(p) or (
                v.kind is not None and v.kind[0] in ("int", "scalar", "slice"))
                for p, v in zip(parts, vals))
            container = kind is not None and kind[0] in ("list", "tuple", "dict")
            if not ((is_ndarray(kind) and basic) or (container and not any(
                    isinstance(p, gast.Slice) for p in parts)) or scalar):
                raise self.shared.reject(stmt, "writing into `%s`, which may be a copy (an "
                                         "index array or a list slice copies)" % unparse(inner),
                                         "write into the whole with one index, or bind the "
                                         "part, write into it and store it back")
            inner = inner.value

    def view_fact(self, node, st):
        """``(base, index, index names, is_view)`` if ``node`` reads a part of a local
        ``base`` that shares its memory, by an index that reads only numbers: a view of an
        ndarray (``is_view``: a write into the base shows through it), or an element
        (of an array, a list, a dict: a write into it shows through the base)."""
        base = node.value
        if not (isinstance(base, gast.Name) and base.id in self.locals):
            return None
        kind = st.env.get(base.id, Val()).kind
        parts, names = index_parts(node.slice), set()
        for part in parts:
            for sub in astwalk.walk(part):
                if isinstance(sub, gast.Name):
                    if sub.id not in st.env or st.env[sub.id].tokens:
                        return None  # unbound, or not a number
                    names.add(sub.id)
                elif not isinstance(sub, (gast.Slice, gast.Constant, gast.BinOp, gast.UnaryOp,
                                          gast.operator, gast.unaryop, gast.expr_context)):
                    return None
        sliced = any(is_sliced(p, (Ellipsis,)) for p in parts)
        if any(isinstance(p, gast.Constant) and p.value is None for p in parts):
            return None
        if is_ndarray(kind) and (sliced or len(parts) < (kind[1] or 0)):
            return (base.id, node.slice, frozenset(names), True)
        if not sliced and not (kind is not None and kind[0] in ("tuple", "int", "scalar")):
            return (base.id, node.slice, frozenset(names), False)  # an element
        return None

    def do_Assign(self, s, st):
        value, targets = s.value, s.targets
        name = targets[0].id if len(targets) == 1 and isinstance(targets[0], gast.Name) else None
        if getanno(s, "alias_rebind"):
            self.ev(value, st)
            self.site(s, "rebind", getanno(s, "alias_rebind"))
            return
        if name and isinstance(value, gast.Lambda):
            self.nested[name] = value
            return self.bind(st, name, Val(), s)
        if name and isinstance(value, gast.Name) and value.id != name:
            for table in (self.nested, self.functions):  # g = f, of a function: the same one
                if value.id in table:
                    table[name] = table[value.id]
        if name and isinstance(value, gast.Call) and value.args and self.is_partial(value.func):
            fixed = self.items(value.args[1:], st)
            kws = {k.arg: self.ev(k.value, st) for k in value.keywords}
            self.partials[name] = (value.args[0], fixed, kws)
            held = self.union(fixed + list(kws.values())) if fixed or kws else Val()
            return self.bind(st, name, Val({(o, False) for o, _ in held.tokens}), s)
        if (name and isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                and value.func.attr == "pop" and not value.args and not value.keywords
                and isinstance(value.func.value, gast.Name)
                and value.func.value.id in self.locals):
            self.site(s, "pop", value.func.value.id)
            return self.bind(st, name, self.element(self.ev(value.func.value, st), st), s)
        if len(targets) == 1 and isinstance(targets[0], (gast.Tuple, gast.List)) and isinstance(
                value, (gast.Tuple, gast.List)) and len(value.elts) == len(targets[0].elts) and \
                not any(isinstance(v, gast.Starred) for v in value.elts):
            for target, val in zip(targets[0].elts, [self.ev(v, st) for v in value.elts]):
                self.assign(target, val, st, s, None)
            return
        if (name and isinstance(value, gast.Call) and len(value.args) == 1 and isinstance(
                value.args[0], gast.Name) and value.args[0].id in self.locals
                and self.resolves(value.func, runtime_module.as_sequence)):
            value = value.args[0]  # items = as_sequence(xs): the same object as xs
        val = self.ev(value, st)
        if name and id(value) in self.made:
            self.functions[name] = self.made[id(value)]
        for target in targets:
            self.assign(target, val, st, s, value)

    def resolves(self, func, obj):
        try:
            return resolve(func, self.namespace) is obj
        except KeyError:
            return False

    def is_partial(self, func):
        return self.resolves(func, functools.partial)

    def do_AnnAssign(self, s, st):
        if s.value is not None:
            self.assign(s.target, self.ev(s.value, st), st, s, s.value)

    def do_AugAssign(self, s, st):
        value, target = self.ev(s.value, st), s.target
        if isinstance(target, gast.Name):
            old = self.ev_Name(target, st)
            kind = old.kind
            if not old.tokens or (kind and kind[0] in ("int", "scalar", "tuple", "none")):
                return self.bind(st, target.id, self.binop(s, old, value, s.op, st), s)
            if kind is None or kind[0] == "list":
                self.add_contents(old, self.element(value, st).tokens, st)
            self.site(s, "augname", target.id)
            return
        root, depth = target, 0
        while isinstance(root, gast.Subscript):
            root, depth = root.value, depth + 1
        item = self.ev(gast.Subscript(value=target.value, slice=target.slice,
                                      ctx=gast.Load()), st)
        self.add_contents(item, self.element(value, st).tokens, st)
        if isinstance(root, gast.Name):
            self.site(s, "augitem", root.id, depth)

    def do_Expr(self, s, st):
        call = s.value
        if getanno(s, "alias_sort"):
            self.ev(call, st)
            return self.site(s, "sort", call.func.value.id)
        if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr in ("append", "extend") and len(call.args) == 1
                and isinstance(call.func.value, gast.Name) and call.func.value.id in self.locals):
            self.ev(call, st)
            return self.site(s, "append", call.func.value.id)
        self.ev(call, st)

    def do_Return(self, s, st):
        value = s.value
        if isinstance(value, gast.Lambda):
            self.nested["lambda_%d" % id(value)] = value
            value = load("lambda_%d" % id(value))
        if isinstance(value, gast.Name) and value.id in self.nested:
            # a factory: what the function it returns writes into, and what it reads later
            inner = self.nested_summary(value.id)
            self.ret_functions.append(inner)
            reads = free_reads(self.nested[value.id]) | inner.written_outer
            held = self.union([self.ev_Name(load(n), st) for n in sorted(reads)
                               if n in self.locals or n in self.outer] or [Val()])
            self.captured |= self.reach(held.tokens, st)
            written = self.union([self.ev_Name(load(n), st) for n in inner.written_outer]
                                 or [Val()])
            self.written.extend((o, s) for o in self.reach(written.tokens, st))
            return
        val = self.ev(s.value, st) if s.value is not None else Val()
        self.ret_reach |= self.reach(val.tokens, st)
        self.ret_kind = val.kind if self.ret_kind == "-" else kjoin(self.ret_kind, val.kind)

    def do_other(self, s, st):
        for child in gast.iter_child_nodes(s):
            if isinstance(child, gast.expr):
                self.ev(child, st)

