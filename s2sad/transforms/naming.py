"""Deterministic, readable, unique names for generated code.

Temporaries are named after the expression they hold (``x_plus_y``,
``tanh_z``); a name longer than :data:`MAX_LEN` falls back to ``_t1``,
``_t2``, ...  Collisions get ``2``, ``3``, ... appended.  Adjoints are ``b`` +
the primal name, tangents ``d`` + the primal name.  :func:`local_names` gives the
names a function already binds, which a :class:`Namer` must not reuse.
"""
import builtins
import keyword

import gast

from ..syntax import astwalk

#: names a generated name must never be
_RESERVED = frozenset(keyword.kwlist) | frozenset(getattr(keyword, "softkwlist", ())) | \
    frozenset(dir(builtins))

MAX_LEN = 15

_OPS = {
    gast.Add: "plus", gast.Sub: "minus", gast.Mult: "times", gast.Div: "over",
    gast.Pow: "pow", gast.MatMult: "at", gast.FloorDiv: "floordiv", gast.Mod: "mod",
}
_NUMBER_WORDS = {0: "zero", 1: "one", 2: "two", 3: "three", 10: "ten", 0.5: "half",
                 -1: "minus_one"}
_WITH_NUMBER = {gast.Mult: "scaled", gast.Div: "scaled", gast.Add: "shifted",
                gast.Sub: "shifted"}


def _is_number(node):
    return isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
        and not isinstance(node.value, bool)


_COMPARE = {gast.Gt: "gt", gast.Lt: "lt", gast.GtE: "ge", gast.LtE: "le", gast.Eq: "eq",
            gast.NotEq: "ne"}
_UNARY = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not", gast.Invert: "inv"}


class Namer:
    """Hands out names unique within one generated module."""

    def __init__(self, taken=(), modules=()):
        self.taken = set(taken)
        self.modules = set(modules)
        self._counter = 0

    def reserve(self, names):
        """Mark ``names`` as used."""
        self.taken.update(names)

    def unique(self, base):
        """``base`` if free, else ``base2``, ``base3``, ... (never a keyword or a builtin:
        the tangent of ``el`` is not ``del``, a temporary never hides ``sum``)."""
        base = base or "_t"
        if base not in self.taken and base not in _RESERVED:
            self.taken.add(base)
            return base
        stem = base.rstrip("0123456789") or base
        n = 2
        while "%s%d" % (stem, n) in self.taken:
            n += 1
        name = "%s%d" % (stem, n)
        self.taken.add(name)
        return name

    def temp(self, expr=None):
        """A fresh name describing ``expr`` (a gast expression)."""
        base = describe(expr, self.modules) if expr is not None else None
        if not base or len(base) > MAX_LEN:
            self._counter += 1
            while "_t%d" % self._counter in self.taken:
                self._counter += 1
            name = "_t%d" % self._counter
            self.taken.add(name)
            return name
        return self.unique(base)

    def adjoint(self, name):
        """The adjoint name of primal ``name`` (not reserved: deterministic)."""
        return "b" + name.lstrip("_") if name.startswith("_") else "b" + name

    def tangent(self, name):
        """The tangent name of primal ``name``."""
        return "d" + name.lstrip("_") if name.startswith("_") else "d" + name


def describe(node, modules=()):
    """A short identifier describing expression ``node``, or None.

    ``modules`` are names bound to modules: ``np.tanh(z)`` is ``tanh_z``.
    """
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None:
            return str(value).lower()
        if isinstance(value, (int, float)):
            return _NUMBER_WORDS.get(value)
        return None
    if isinstance(node, gast.BinOp):
        left, right = describe(node.left, modules), describe(node.right, modules)
        op = _OPS.get(type(node.op))
        if left and right and op:
            return "%s_%s_%s" % (left, op, right)
        other = left or right
        if other and op and _is_number(node.left if right else node.right):
            return "%s_%s" % (other, _WITH_NUMBER.get(type(node.op), op))  # 0.01 * acc
        return op
    if isinstance(node, gast.UnaryOp):
        inner = describe(node.operand, modules)
        return "%s_%s" % (_UNARY.get(type(node.op), "op"), inner) if inner else None
    if isinstance(node, gast.Call):
        func = node.func
        fname = func.attr if isinstance(func, gast.Attribute) else describe(func, modules)
        if not fname:
            return None
        first = None
        on_module = isinstance(func.value, gast.Name) and func.value.id in modules \
            if isinstance(func, gast.Attribute) else False
        if isinstance(func, gast.Attribute) and not on_module:
            first = describe(func.value, modules)
        elif node.args:
            first = describe(node.args[0], modules)
        return "%s_%s" % (fname, first) if first else fname
    if isinstance(node, gast.Attribute):
        inner = describe(node.value, modules)
        return "%s_%s" % (inner, node.attr) if inner else node.attr
    if isinstance(node, gast.Subscript):
        inner = describe(node.value, modules)
        idx = describe(node.slice, modules)
        if inner and idx:
            return "%s_%s" % (inner, idx)
        return "%s_item" % inner if inner else None
    if isinstance(node, gast.Compare) and len(node.ops) == 1:
        left, right = describe(node.left, modules), describe(node.comparators[0], modules)
        op = _COMPARE.get(type(node.ops[0]))
        if left and right and op:
            return "%s_%s_%s" % (left, op, right)
        if (left or right) and op:
            return "%s_%s" % (left or right, op)
        return "cond"
    return None


def local_names(fdef):
    """Parameter names and every name the body assigns."""
    args = fdef.args
    names = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.add(extra.id)
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
            names.add(node.id)
    return names
