"""The statements the aliasing pass inserts after a write, and the run-time checks it
emits where s2sad cannot decide at compile time (a mixin of
:class:`~.analysis.Analysis`).

Input: a written statement, the block (list) holding it, and the ``steps`` (and
``guarded``, ``item_guard``, ``pre_guard`` marks) that :class:`~.writes.Writes` left on
its sites; the host's ``bind_name``, ``namer`` and ``shared.reject``.  Output: the block
edited in place: ``alias_pre`` statements before the write (``in_place =
isinstance(...)``; ``if isinstance(arg, ...): raise aliasing_error``) and the modelling
statements after it (``z = y``, ``y[1:] = v``, ``v = y[1:]``; ``if in_place: ...``;
``raise aliasing_error``), all marked ``alias_fix``, the last one recording the installed
steps (``alias_steps``) so that installing the same steps again changes nothing.
:meth:`Guards.install` returns True if the block changed.
"""
import copy

import gast

from ...syntax.annotations import getanno, setanno
from .catalog import OPS
from .syntax import assignment, load, located, make_call, np_attr, quoted, store, unparse


class Guards:
    """Installing the statements that model writes (see the module docstring)."""

    def install(self, stmt, block):
        """Put the steps of the sites at ``stmt`` after it (replacing earlier ones); those of
        a site s2sad cannot decide at compile time run only if the value written into is
        an array, a list or a dict (``in_place = isinstance(...)``, taken before)."""
        plain, guarded, guard, checks = [], [], None, []
        for site in self.sites.values():
            if site.stmt is not stmt:
                continue
            if getattr(site, "pre_guard", None) is not None:
                checks.append(site.pre_guard)
            whole = getattr(site, "guarded", False)
            for step in getattr(site, "steps", ()):
                into = guarded if whole or step[0] == "raise" else plain
                if step not in into:
                    into.append(step)
            if whole or getattr(site, "item_guard", False):
                guard = site
        old = self.fixes.get(id(stmt), [])
        key = (plain, guarded, [id(check[1]) for check in checks])
        if (getanno(old[-1], "alias_steps") if old else ([], [], [])) == key:
            return False
        for fix in old:
            del block[next(i for i, s in enumerate(block) if s is fix)]
        new = [self.fix_statement(step, stmt, guard) for step in plain]
        pre = []
        for node, error, safe in checks:  # if isinstance(arg, (np.ndarray, list, dict)): raise
            test = self.in_place_test(copy.deepcopy(node), safe)
            pre.append(located(gast.If(test=test, body=[located(gast.Raise(
                exc=load(self.bind_name("aliasing_error", error)), cause=None), stmt)],
                orelse=[]), stmt))
            setanno(pre[-1], "alias_pre", True)
        if guarded:
            flag = self.namer.unique("in_place")
            value = load(guard.name) if guard.kind == "augname" else gast.Subscript(
                value=copy.deepcopy(stmt.target.value), slice=copy.deepcopy(stmt.target.slice),
                ctx=gast.Load())
            test = self.in_place_test(value)
            if guard.kind != "augname":  # an item of an array is part of its memory
                test = gast.BoolOp(op=gast.And(), values=[gast.UnaryOp(
                    op=gast.Not(), operand=make_call(load("isinstance"), [copy.deepcopy(
                        stmt.target.value), np_attr(self.bind_name, "ndarray")])), test])
            pre.append(assignment(store(flag), test, stmt))
            setanno(pre[-1], "alias_pre", True)
            body = [self.fix_statement(step, stmt, guard) for step in guarded]
            new.append(located(gast.If(test=load(flag), body=body, orelse=[]), stmt))
            setanno(new[-1], "alias_guard", True)
        for fix in pre + new:
            setanno(fix, "alias_fix", True)
        new = new or [located(gast.Pass(), stmt)]  # keeps the record of what is installed
        setanno(new[-1], "alias_fix", True)
        setanno(new[-1], "alias_steps", key)
        at = next(i for i, s in enumerate(block) if s is stmt)
        block[at + 1:at + 1] = new
        block[at:at] = pre
        self.fixes[id(stmt)] = pre + new
        return True

    def in_place_test(self, value, safe=()):
        """``isinstance(value, (np.ndarray, list, dict))``: is a write into it in place?
        With ``safe`` ndims (writes into arrays of those do not happen): ``isinstance(value,
        (list, dict)) or isinstance(value, np.ndarray) and value.ndim not in safe``."""
        if not safe:
            return make_call(load("isinstance"), [value, gast.Tuple(elts=[
                np_attr(self.bind_name, "ndarray"), load("list"), load("dict")],
                ctx=gast.Load())])
        container = make_call(load("isinstance"), [value, gast.Tuple(
            elts=[load("list"), load("dict")], ctx=gast.Load())])
        array = make_call(load("isinstance"), [copy.deepcopy(value),
                                               np_attr(self.bind_name, "ndarray")])
        ndim = gast.Compare(
            left=gast.Attribute(value=copy.deepcopy(value), attr="ndim", ctx=gast.Load()),
            ops=[gast.NotIn()], comparators=[gast.Tuple(
                elts=[gast.Constant(value=n, kind=None) for n in safe], ctx=gast.Load())])
        return gast.BoolOp(op=gast.Or(), values=[
            container, gast.BoolOp(op=gast.And(), values=[array, ndim])])

    def fix_statement(self, step, origin, site=None):
        """The statement doing ``step`` (kind, target, source, index) after ``origin``."""
        kind, target, source, index = step
        if kind == "raise":
            written = site.name if site.kind == "augname" else unparse(site.stmt.target)
            error = self.shared.reject(
                site.stmt, "`%s %s= ...` writing into %s in place (it is an array or a list), "
                "which %s may also refer to%s" % (
                    written, OPS.get(type(site.stmt.op), "?"), quoted(written), quoted(target),
                    self.binding(site.after, target, site.name)),
                "write through one name, or make a copy where the alias is made (`.copy()`)")
            return located(gast.Raise(exc=load(self.bind_name("aliasing_error", error)),
                                      cause=None), origin)
        if kind == "alias":
            stmt = assignment(store(target), load(source), origin)
        elif kind == "back":
            stmt = assignment(gast.Subscript(value=load(target), slice=copy.deepcopy(index),
                                             ctx=gast.Store()), load(source), origin)
        else:
            stmt = assignment(store(target), gast.Subscript(
                value=load(source), slice=copy.deepcopy(index), ctx=gast.Load()), origin)
        setanno(stmt, "alias_fix", True)
        setanno(stmt, "alias_step", step)
        return stmt
