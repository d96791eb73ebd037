"""A-normal form, the expression half: atoms, simple expressions and calls.

:class:`Expressions` is the part of :class:`~s2sad.transforms.anf.ANF` that turns one
expression into an *atom* (a Name, a Constant, or a read-only attribute chain on a
free name such as ``np.pi``), emitting the statements that compute it: conditional
and boolean expressions, comprehensions, lambdas, binary and unary operations,
comparisons, calls (inlining function factories and functions passed function
values, :mod:`~s2sad.transforms.inline`), attributes, subscripts and displays.  The
statement half, and the grammar of the output, are in :mod:`~s2sad.transforms.anf`.
"""
import functools

import gast

from .. import runtime
from ..syntax import astwalk
from ..syntax.annotations import setanno
from .inline import FunctionValue, comprehension, function_value, inline_call, map_comprehension
from .inline import writes_in_place
from .ops import resolve

__all__ = ["Expressions", "load", "assign_stmt"]


class Expressions:
    """Mixin of :class:`~s2sad.transforms.anf.ANF`: the ``expr_*`` handlers and atoms.

    It uses the statement half's ``emit``, ``assign_name``, ``renames`` and namer."""

    def is_atom(self, node):
        if isinstance(node, (gast.Name, gast.Constant)):
            return True
        if isinstance(node, gast.Attribute):
            root = node
            while isinstance(root, gast.Attribute):
                root = root.value
            return (isinstance(root, gast.Name) and root.id in self.free
                    and root.id not in self.defined)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
            return isinstance(node.operand, gast.Constant)
        return False

    def is_simple(self, node):
        """True if ``node`` is already one operation on atoms."""
        return self.is_atom(node) and not isinstance(node, gast.UnaryOp)

    def load_atom(self, node):
        if isinstance(node, gast.Name) and node.id in self.nested:
            raise self.where(node, "a nested function used as a value",
                             "call it directly, or define it at module level")
        if isinstance(node, gast.Name):
            return load(self.renames.get(node.id, node.id))
        if isinstance(node, gast.UnaryOp):  # -1.0 -> constant
            value = node.operand.value
            return gast.Constant(value=-value if isinstance(node.op, gast.USub) else value,
                                 kind=None)
        return node

    def atom(self, expr):
        """An atom holding ``expr``'s value (emitting statements as needed)."""
        if self.is_atom(expr):
            return self.load_atom(expr)
        simple = self.simple(expr)
        self.no_function(simple)
        if self.is_atom(simple):
            return simple
        name = self.namer.temp(simple)
        self.defined.add(name)
        self.emit(gast.Assign(
            targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)],
            value=simple, type_comment=None))
        return load(name)

    def no_function(self, value):
        if isinstance(value, FunctionValue):
            raise self.where(value.node, "a function value used as a value (stored, "
                             "passed on or returned)", "call it where it is made, or pass "
                             "a module-level function")

    def simple(self, expr):
        """``expr`` as one operation on atoms."""
        if self.is_atom(expr):
            return self.load_atom(expr)
        method = getattr(self, "expr_" + type(expr).__name__, None)
        if method is None:  # kept whole (boolean logic, f-strings, ...)
            return self.rename_loads(expr)
        return method(expr)

    def rename_loads(self, node):
        """``node`` with reads of SSA-renamed variables pointing at the new names."""
        for sub in astwalk.walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
                sub.id = self.renames.get(sub.id, sub.id)
        return node

    def expr_IfExp(self, e):
        name = self.namer.temp()
        test = self.atom(e.test)
        self.depth += 1
        body = self.body([assign_stmt(name, e.body, self.origin)])
        orelse = self.body([assign_stmt(name, e.orelse, self.origin)])
        self.depth -= 1
        self.emit(gast.If(test=test, body=body, orelse=orelse))
        self.defined.add(name)
        return load(name)

    def expr_BoolOp(self, e):
        """``a and b`` evaluates ``b`` only when ``a`` is true: an if statement."""
        name = self.namer.temp()
        first = self.atom(e.values[0])
        self.assign_name(name, first, fresh=True)
        rest = e.values[1:]
        rest_value = rest[0] if len(rest) == 1 else gast.BoolOp(op=e.op, values=rest)
        # the test reads the first value, not `name`, which the branch overwrites (the
        # backward sweep of the branch must see the test as the forward one did)
        test = first
        if isinstance(e.op, gast.Or):
            test = self.atom(gast.UnaryOp(op=gast.Not(), operand=first))
        self.depth += 1
        body = self.body([assign_stmt(name, rest_value, self.origin)])
        self.depth -= 1
        self.emit(gast.If(test=test, body=body, orelse=[]))
        return load(name)

    def expr_ListComp(self, e):
        return comprehension(self, e)

    expr_GeneratorExp = expr_ListComp

    def expr_Lambda(self, e):
        raise self.where(e, "a lambda used as a value", "call it, or bind it to a name "
                         "that the function calls")

    def expr_BinOp(self, e):
        if (isinstance(e.op, gast.Add) and type(e.left) is type(e.right)
                and isinstance(e.left, (gast.Tuple, gast.List))):
            # ``(a, b) + (c,)``, ``[a] + [b]``: one display holding both (exact: both
            # operands are sequences of the same kind)
            return self.simple(gast.copy_location(type(e.left)(
                elts=e.left.elts + e.right.elts, ctx=gast.Load()), e))
        left, right = self.atom(e.left), self.atom(e.right)
        if isinstance(e.op, gast.Add) and any(self.is_list(x) for x in (left, right)):
            # list concatenation, not arithmetic: a call with adjoints of its own
            return gast.Call(func=load(self.runtime("extend")), args=[left, right],
                             keywords=[])
        return gast.BinOp(left=left, op=e.op, right=right)

    def is_list(self, atom):
        """``atom`` is a variable every assignment of which so far made a list."""
        return (isinstance(atom, gast.Name) and atom.id in self.lists
                and atom.id not in self.not_lists)

    def expr_UnaryOp(self, e):
        return gast.UnaryOp(op=e.op, operand=self.atom(e.operand))

    def expr_Compare(self, e):
        if len(e.ops) == 1:
            return gast.Compare(left=self.atom(e.left), ops=e.ops,
                                comparators=[self.atom(e.comparators[0])])
        parts = []
        left = self.atom(e.left)
        for op, right in zip(e.ops, e.comparators):
            right = self.atom(right)
            parts.append(self.atom(gast.Compare(left=left, ops=[op], comparators=[right])))
            left = right
        return gast.BoolOp(op=gast.And(), values=parts)

    def resolves_to(self, node, obj):
        """True if ``node`` names ``obj`` through the function's free names."""
        try:
            return resolve(node, self.namespace) is obj
        except KeyError:
            return False

    def expr_Call(self, e):
        func = e.func
        if isinstance(func, gast.Name) and func.id in self.partials:
            fixed = self.partials[func.id]
            e = gast.Call(func=fixed.args[0], args=fixed.args[1:] + e.args,
                          keywords=fixed.keywords + e.keywords)
            return self.expr_Call(e)
        if isinstance(func, gast.Name) and self.namespace.get(func.id) is runtime.add_at:
            # generated code accumulates in place into buffers it owns; differentiated
            # again, the accumulation must be a value: added_at returns a new buffer
            func = load(self.runtime("added_at"))
        if isinstance(func, gast.Name) and func.id in self.nested:
            return inline_call(self, self.nested[func.id], e)
        if isinstance(func, gast.Lambda):
            return inline_call(self, func, e)
        if isinstance(func, gast.Call):
            if self.resolves_to(func.func, functools.partial) and func.args:
                return self.expr_Call(gast.Call(  # functools.partial(f, a)(x) -> f(a, x)
                    func=func.args[0], args=func.args[1:] + e.args,
                    keywords=func.keywords + e.keywords))
            made = function_value(self, func)  # make_scale(a)(3.0)
            if made is not None:
                return inline_call(self, made.node, e)
        if not (isinstance(func, gast.Name) and func.id in self.nested) and any(
                isinstance(a, (gast.Lambda, FunctionValue)) or (
                    isinstance(a, gast.Name) and a.id in self.nested)
                for a in list(e.args) + [k.value for k in e.keywords]):
            # apply(lambda z: k * z, x), integrate(rhs, y0) with a nested def rhs: the
            # user's function is inlined here, its parameter holding the function value
            fdef = self.factory(func, True)
            if fdef is not None:
                return inline_call(self, fdef, e)
        if self.inline_helpers and isinstance(func, (gast.Name, gast.Attribute)):
            fdef = self.factory(func, True)  # one function body, for the batched sweeps
            if fdef is not None and not writes_in_place(fdef):
                return inline_call(self, fdef, e)
        if self.resolves_to(func, map) and len(e.args) >= 2 and not e.keywords:
            return self.simple(map_comprehension(e, self.namer))
        if not self.is_atom(func):
            if isinstance(func, gast.Attribute):
                func = gast.Attribute(value=self.atom(func.value), attr=func.attr,
                                      ctx=gast.Load())
            else:
                func = self.atom(func)
        args = [gast.Starred(value=self.atom(a.value), ctx=gast.Load())
                if isinstance(a, gast.Starred) else self.argument(a) for a in e.args]
        keywords = [gast.keyword(arg=k.arg, value=self.argument(k.value)) for k in e.keywords]
        return gast.Call(func=func, args=args, keywords=keywords)

    def argument(self, a):
        if isinstance(a, (gast.Tuple, gast.List)):
            return type(a)(elts=[self.argument(x) for x in a.elts], ctx=gast.Load())
        return self.atom(a)

    def expr_Attribute(self, e):
        return gast.Attribute(value=self.atom(e.value), attr=e.attr, ctx=gast.Load())

    def expr_Subscript(self, e):
        return gast.Subscript(value=self.atom(e.value), slice=self.index(e.slice),
                              ctx=gast.Load())

    def index(self, idx):
        if isinstance(idx, gast.Slice):
            return gast.Slice(*(None if p is None else self.atom(p)
                                for p in (idx.lower, idx.upper, idx.step)))
        if isinstance(idx, gast.Tuple):
            return gast.Tuple(elts=[self.index(x) for x in idx.elts], ctx=gast.Load())
        return self.atom(idx)

    def expr_Tuple(self, e):
        return type(e)(elts=[self.atom(x) for x in e.elts], ctx=gast.Load())

    expr_List = expr_Tuple

    def expr_Dict(self, e):
        return gast.Dict(keys=[None if k is None else self.atom(k) for k in e.keys],
                         values=[self.atom(v) for v in e.values])


def load(name):
    """A read of ``name``."""
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def assign_stmt(name, value, origin):
    """``name = value``, located at and annotated with its ``origin`` statement."""
    stmt = gast.Assign(targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                          type_comment=None)], value=value, type_comment=None)
    setanno(stmt, "origin", origin)
    return gast.copy_location(stmt, origin)
