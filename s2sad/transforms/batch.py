"""Batched sweeps: one backward (or forward-mode) sweep for many basis vectors.

Input: a compiled :class:`~s2sad.compiler.Derivative` in split reverse mode
(``vjp``: its ``f_backward(residuals, bout)``) or forward mode (``jvp``: its
``jvp_f(*args, dx=...)``), with the gast functions the compiler kept.  Output: a
:class:`Batched` holding ``f_backward_batched`` / ``jvp_f_batched``, the same
function where the seed (tangent) parameters and everything computed from them
carry a leading batch axis: a value of primal shape ``s`` has shape
``(nb,) + s`` (see :mod:`s2sad.batched`).  Primal values stay unbatched and are
computed once per sweep; branches and loop counts depend on primal values only.

A dataflow marks the batched names; every statement reading one is rewritten
by the table of :mod:`~s2sad.transforms.batch_table`.  Anything outside it raises
:class:`NotBatchable`, and the caller falls back to one sweep per basis vector.
"""
import copy

import gast
import numpy as np

from ..syntax import astwalk
from ..syntax.printer import unparse
from ..runtime import batched as batched_module
from .. import runtime
from .batch_table import ELEMENTWISE, METHODS, REWRITES, SAFE_CALLS
from .ops import resolve

__all__ = ["rewrite", "all_helpers", "NotBatchable"]


class NotBatchable(Exception):
    """The sweep uses a construct that has no batch-aware form."""


def rewrite(dv, imports, batch_helper):
    """The batched form of the sweep of derivative ``dv`` (a gast ``FunctionDef``), and
    the batched sweeps of the user functions it calls.

    ``imports`` is a copy of ``dv.imports`` that the new names are bound in;
    ``batch_helper(helper)`` returns ``(batched sweep, None)`` or ``(None, reason)`` for
    a helper derivative ``dv`` calls.  Raises :class:`NotBatchable`.
    """
    if dv.mode not in ("vjp", "jvp") or not hasattr(dv, "functions"):
        raise NotBatchable("mode %s has no batched sweep" % dv.mode)
    if dv.mode == "vjp":
        fdef = next(f for f in dv.functions if f.name == dv.name + "_backward")
        roots = [fdef.args.args[1].id]
    else:
        fdef = dv.functions[0]
        roots = list(dv.tangent_params)
    rewriter = _Rewriter(dv, imports, roots, batch_helper)
    return rewriter.function(copy.deepcopy(fdef)), rewriter.helpers


# --- the rewrite ---------------------------------------------------------------------

def _reads(node):
    return {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _stores(node):
    return {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store)}


def _name(name, ctx=None):
    return gast.Name(id=name, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def _is_number(node):
    return isinstance(node, gast.Constant) and isinstance(node.value, (int, float, complex)) \
        and not isinstance(node.value, bool)


def _is_simple(node):
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    return isinstance(node, gast.Attribute) and _is_simple(node.value)


def _is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name)
            and stmt.value.id.startswith("__s2sad_comment_"))


class _Rewriter:
    """Rewrites one generated function into its batched form."""

    def __init__(self, dv, imports, roots, batch_helper):
        self.dv, self.imports, self.roots = dv, imports, roots
        self.batch_helper = batch_helper
        self.helpers = []
        self.module = None
        self.nb_used = False

    # names
    def batched_ref(self, attr):
        if self.module is None:
            self.module = self.imports.bind("batched", batched_module)
        return gast.Attribute(value=_name(self.module), attr=attr, ctx=gast.Load())

    def nb(self):
        self.nb_used = True
        return _name(self.nb_name)

    # dataflow
    def analyse(self, fdef):
        self.batched = set(self.roots)
        changed = True
        while changed:
            before = len(self.batched)
            for node in astwalk.walk(fdef):
                if isinstance(node, gast.Assign) and _reads(node.value) & self.batched:
                    for target in node.targets:
                        self.batched |= _stores(self.batched_part(target, node.value))
                elif isinstance(node, gast.AugAssign) and _reads(node) & self.batched:
                    self.batched |= _stores(node.target)
            changed = len(self.batched) != before
        taken = {n.id for n in astwalk.walk(fdef) if isinstance(n, gast.Name)}
        self.temps = iter("_u%d" % i for i in range(1, 10 ** 6) if "_u%d" % i not in taken)
        self.nb_name = "nb" if "nb" not in taken else next(
            n for n in ("_nb", "nb_", "_nb_") if n not in taken)
        self.arrays = self.known_arrays(fdef)

    def batched_part(self, target, value):
        """The part of assignment target ``target`` that receives batched values: the
        tangent of ``(y, dy) = jvp_f(...)``, else all of it."""
        if self.dv.mode == "jvp" and isinstance(value, gast.Call):
            try:
                func = resolve(value.func, self.imports.bound)
            except KeyError:
                return target
            if self.helper(func) is not None:
                if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                    raise NotBatchable("the result of a forward-mode helper is not unpacked")
                return target.elts[1]
        return target

    def known_arrays(self, fdef):
        """Batched names that are arrays on every assignment (not containers)."""
        kinds = {}
        for node in astwalk.walk(fdef):
            if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], gast.Name):
                array = isinstance(node.value, (gast.BinOp, gast.UnaryOp))
                name = node.targets[0].id
                kinds[name] = kinds.get(name, True) and array
            else:
                for name in _stores(node) if isinstance(node, (gast.Assign, gast.For)) else ():
                    kinds[name] = False
        return {n for n, array in kinds.items() if array}

    def is_batched(self, node):
        return bool(_reads(node) & self.batched)

    # functions
    def function(self, fdef):
        self.analyse(fdef)
        body = self.block(fdef.body)
        if self.nb_used:
            root = self.roots[0]
            body.insert(0, gast.Assign(targets=[_name(self.nb_name, gast.Store())],
                                       value=_call(self.batched_ref("size"), [_name(root)]),
                                       type_comment=None))
        fdef.body = body
        fdef.name = fdef.name + "_batched"
        return fdef

    def block(self, stmts):
        out = []
        for stmt in stmts:
            out.extend(self.statement(stmt))
        return out

    def statement(self, stmt):
        if _is_comment(stmt):
            return [stmt]
        if isinstance(stmt, gast.AugAssign):
            stmt = gast.Assign(targets=[_rename_ctx(stmt.target, gast.Store())],
                               value=gast.BinOp(left=_rename_ctx(stmt.target, gast.Load()),
                                                op=stmt.op, right=stmt.value),
                               type_comment=None)
        if isinstance(stmt, gast.Assign):
            return self.assign(stmt)
        if isinstance(stmt, (gast.For, gast.While, gast.If)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            if self.is_batched(head):
                raise NotBatchable("a batched value decides control flow")
            if isinstance(stmt, gast.For) and _stores(stmt.target) & self.batched:
                raise NotBatchable("a loop variable is batched")
            stmt.body = self.block(stmt.body)
            stmt.orelse = self.block(stmt.orelse)
            return [stmt]
        if isinstance(stmt, gast.Return):
            return self.ret(stmt)
        if isinstance(stmt, (gast.Pass, gast.Break, gast.Continue)):
            return [stmt]
        if isinstance(stmt, gast.Expr) and not self.is_batched(stmt):
            return [stmt]
        raise NotBatchable("statement %s with a batched value" % type(stmt).__name__)

    def assign(self, stmt):
        targets = set().union(*(_stores(t) for t in stmt.targets))
        for target in stmt.targets:
            if not isinstance(target, (gast.Name, gast.Tuple, gast.List)):
                if self.is_batched(target) or self.is_batched(stmt.value):
                    raise NotBatchable("a write into a batched value")
                return [stmt]
        if not self.is_batched(stmt.value):
            if targets & self.batched:  # an adjoint initialised from primal values
                if not all(isinstance(t, gast.Name) for t in stmt.targets):
                    raise NotBatchable("unpacking a primal value into batched names")
                stmt.value = self.to_batched(stmt.value)
            return [stmt]
        pre = []
        stmt.value = self.expr(stmt.value, pre)
        return pre + [stmt]

    def ret(self, stmt):
        pre = []
        value = stmt.value
        if not isinstance(value, gast.Tuple):
            raise NotBatchable("a return that is not a tuple")
        if self.dv.mode == "vjp":
            value.elts = [self.batched_operand(e, pre) for e in value.elts]
        else:
            value.elts[1] = self.batched_operand(value.elts[1], pre)
            if self.is_batched(value.elts[0]):
                raise NotBatchable("a batched value in the primal output")
        return pre + [stmt]

    def batched_operand(self, node, pre):
        """``node`` as a batched value (primal values are broadcast over the batch)."""
        if isinstance(node, (gast.Tuple, gast.List)):  # each element on its own
            node.elts = [self.batched_operand(e, pre) for e in node.elts]
            return node
        if self.is_batched(node):
            return self.expr(node, pre)
        return self.to_batched(node)

    def to_batched(self, node):
        if isinstance(node, gast.Constant) and node.value is None:
            return node
        if isinstance(node, gast.Tuple):
            node.elts = [self.to_batched(e) for e in node.elts]
            return node
        if isinstance(node, gast.Call) and not node.keywords and len(node.args) == 1:
            try:
                func = resolve(node.func, self.imports.bound)
            except KeyError:
                func = None
            if func is runtime.zeros_like:
                return _call(self.batched_ref("zeros_like"), [node.args[0], self.nb()])
        return _call(self.batched_ref("broadcast"), [node, self.nb()])

    # expressions
    def hoist(self, node, pre):
        """``node`` as a simple operand, assigning it to a temporary first if needed."""
        if _is_simple(node):
            return node
        name = next(self.temps)
        pre.append(gast.Assign(targets=[_name(name, gast.Store())], value=node,
                               type_comment=None))
        return _name(name)

    def lift(self, node, others, pre):
        """Batched ``node`` lifted to the rank of the primal operands ``others``."""
        likes = [self.hoist(o, pre) for o in others if not _is_number(o)]
        if not likes:
            return node, others
        # hoisted operands replace the originals (each is evaluated once)
        it = iter(likes)
        others = [o if _is_number(o) else next(it) for o in others]
        lifted = _call(self.batched_ref("lift"), [node] + [copy.deepcopy(x) for x in likes])
        return lifted, others

    def expr(self, node, pre):
        if not self.is_batched(node):
            return node
        if isinstance(node, gast.Name):
            return node
        if isinstance(node, gast.BinOp):
            return self.binop(node, pre)
        if isinstance(node, gast.UnaryOp):
            if not isinstance(node.op, (gast.USub, gast.UAdd)):
                raise NotBatchable("operator %s on a batched value" % type(node.op).__name__)
            node.operand = self.expr(node.operand, pre)
            return node
        if isinstance(node, (gast.Tuple, gast.List)):  # a batched container: every leaf
            node.elts = [self.batched_operand(e, pre) for e in node.elts]
            return node
        if isinstance(node, gast.Dict):
            if any(k is not None and self.is_batched(k) for k in node.keys):
                raise NotBatchable("a batched dict key")
            node.values = [self.batched_operand(v, pre) for v in node.values]
            return node
        if isinstance(node, gast.Subscript):
            return self.subscript(node, pre)
        if isinstance(node, gast.Attribute):
            if node.attr in ("real", "imag"):
                node.value = self.expr(node.value, pre)
                return node
            raise NotBatchable("attribute .%s of a batched value" % node.attr)
        if isinstance(node, gast.Call):
            return self.call(node, pre)
        raise NotBatchable("%s with a batched value" % type(node).__name__)

    def binop(self, node, pre):
        lb, rb = self.is_batched(node.left), self.is_batched(node.right)
        left, right = self.expr(node.left, pre), self.expr(node.right, pre)
        op = node.op
        if isinstance(op, gast.MatMult):
            if lb and rb:
                raise NotBatchable("a product of two batched values")
            func = "matmul_left" if lb else "matmul_right"
            return _call(self.batched_ref(func), [left, right])
        if not isinstance(op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)):
            raise NotBatchable("operator %s on a batched value" % type(op).__name__)
        if lb and rb:
            if not isinstance(op, (gast.Add, gast.Sub)):
                raise NotBatchable("a product of two batched values")
            node.left, node.right = left, right
            return node
        if isinstance(op, gast.Pow):
            if rb or not _is_number(right):
                raise NotBatchable("** with a batched exponent or a primal array exponent")
            node.left = left
            return node
        if lb:
            node.left, (node.right,) = self.lift(left, [right], pre)
        else:
            node.right, (node.left,) = self.lift(right, [left], pre)
        return node

    def subscript(self, node, pre):
        if self.is_batched(node.slice):
            raise NotBatchable("a batched index")
        if _separated_advanced(node.slice):
            raise NotBatchable("indices that may be arrays separated by a slice "
                               "(x[i, :, j]): NumPy moves their axes first")
        value = self.expr(node.value, pre)
        index = node.slice
        if isinstance(index, gast.Constant) and isinstance(index.value, str):
            node.value = value
            return node  # a dict key: containers are indexed as they are
        if isinstance(value, gast.Name) and value.id in self.arrays:
            full = gast.Slice(lower=None, upper=None, step=None)
            elts = index.elts if isinstance(index, gast.Tuple) else [index]
            node.value, node.slice = value, gast.Tuple(elts=[full] + list(elts),
                                                       ctx=gast.Load())
            return node
        return _call(self.batched_ref("get"), [value, _slice_expr(index)])

    def call(self, node, pre):
        func_node = node.func
        if isinstance(func_node, gast.Attribute) and self.is_batched(func_node.value):
            return self.method(node, pre)
        if any(isinstance(a, gast.Starred) for a in node.args):
            raise NotBatchable("*args in a call with batched arguments")
        try:
            func = resolve(func_node, self.imports.bound)
        except KeyError:
            raise NotBatchable("a call of %s" % _text(func_node)) from None
        flags = [self.is_batched(a) for a in node.args]
        kflags = {k.arg: self.is_batched(k.value) for k in node.keywords}
        if _among(func, SAFE_CALLS):
            return self.plain_call(node, pre)
        if _among(func, ELEMENTWISE):
            if any(kflags.values()):
                raise NotBatchable("a batched keyword argument of %s" % _text(func_node))
            return self.elementwise(node, flags, pre)
        rewrite = _get(REWRITES, func)
        if rewrite is not None:
            target, positions, optional = (rewrite + ((),))[:3]
            if any(kflags.values()) or any(f and i not in positions for i, f in enumerate(flags)):
                raise NotBatchable("%s with a batched argument in a position that is not "
                                   "batch-aware" % _text(func_node))
            args = [self.batched_operand(a, pre) if i in positions and i not in optional
                    else self.expr(a, pre) if f else a
                    for i, (a, f) in enumerate(zip(node.args, flags))]
            node.func, node.args = self.batched_ref(target.__name__), args
            if func is runtime.setitem and len(flags) == 3 and not flags[2]:
                node.keywords = [gast.keyword(arg="primal_value",
                                              value=gast.Constant(value=True, kind=None))]
            return node
        if func is np.matmul or func is np.dot:
            if len(node.args) != 2 or node.keywords or all(flags):
                raise NotBatchable("%s of two batched values" % _text(func_node))
            side = "left" if flags[0] else "right"
            name = ("matmul_" if func is np.matmul else "dot_") + side
            return _call(self.batched_ref(name), [self.expr(a, pre) for a in node.args])
        helper = self.helper(func)
        if helper is not None:
            return self.helper_call(node, func, helper, flags, kflags, pre)
        raise NotBatchable("a call of %s with a batched argument" % _text(func_node))

    def plain_call(self, node, pre):
        node.args = [self.expr(a, pre) for a in node.args]
        for k in node.keywords:
            k.value = self.expr(k.value, pre)
        return node

    def elementwise(self, node, flags, pre):
        if sum(flags) > 1:
            if node.func and _text(node.func).endswith("where") and not flags[0]:
                node.args = [self.expr(a, pre) for a in node.args]
                return node  # both branches batched, the condition primal
            raise NotBatchable("%s of two batched values" % _text(node.func))
        if flags and flags[0] and _text(node.func).endswith("where"):
            raise NotBatchable("np.where with a batched condition")
        i = flags.index(True)
        others = [a for j, a in enumerate(node.args) if j != i]
        lifted, others = self.lift(self.expr(node.args[i], pre), others, pre)
        it = iter(others)
        node.args = [lifted if j == i else next(it) for j in range(len(node.args))]
        return node

    def method(self, node, pre):
        attr = node.func.attr
        if attr not in METHODS:
            raise NotBatchable("method .%s of a batched value" % attr)
        if any(self.is_batched(a) for a in node.args) or any(
                self.is_batched(k.value) for k in node.keywords):
            raise NotBatchable("a batched argument of .%s" % attr)
        value = self.expr(node.func.value, pre)
        target = METHODS[attr]
        if target is None:
            node.func.value = value
            return node
        return _call(self.batched_ref(target.__name__), [value] + node.args, node.keywords)

    # user functions (their generated sweeps)
    def helper(self, func):
        for h in all_helpers(self.dv):
            if self.dv.mode == "vjp" and getattr(h, "backward", None) is func:
                return h
            if self.dv.mode == "jvp" and getattr(h, "function", None) is func:
                return h
        if getattr(func, "__module__", "") and "s2sad" in type(func).__module__:
            raise NotBatchable("a recursive function")
        return None

    def helper_call(self, node, func, helper, flags, kflags, pre):
        found, why = self.batch_helper(helper)
        if found is None:
            raise NotBatchable("user function %s: %s" % (helper.name, why))
        if found not in self.helpers:
            self.helpers.append(found)
            self.helpers.extend(h for h in getattr(found, "_helpers", []) if h not in
                                self.helpers)
        name = self.imports.bind(_text(node.func) + "_batched",
                                 found.backward if helper.mode == "vjp" else found.function)
        if helper.mode == "vjp":  # f_backward(residuals, bout)
            if flags[0] or len(node.args) != 2:
                raise NotBatchable("a batched residual of %s" % helper.name)
            node.args[1] = self.batched_operand(node.args[1], pre)
        else:  # jvp_f(*primals, dx=...): tangents are keywords
            if any(flags):
                raise NotBatchable("a batched primal argument of %s" % helper.name)
            tangents = set(helper.tangent_params)
            for k in node.keywords:
                if k.arg in tangents:
                    k.value = self.batched_operand(k.value, pre)
                elif kflags.get(k.arg):
                    raise NotBatchable("a batched argument of %s" % helper.name)
        node.func = _name(name)
        return node


def all_helpers(dv):
    """The helper derivatives ``dv`` calls, recursively, each once."""
    out, todo = [], list(getattr(dv, "helpers", []))
    while todo:
        h = todo.pop()
        if h not in out:
            out.append(h)
            todo.extend(getattr(h, "helpers", []))
    return out


def _among(obj, items):
    return any(obj is item for item in items)


def _get(table, key):
    try:
        return table.get(key)
    except TypeError:
        return None


def _text(node):
    return unparse(copy.deepcopy(node))


def _rename_ctx(node, ctx):
    node = copy.deepcopy(node)
    node.ctx = ctx
    return node


def _slice_expr(index):
    """A subscript's index as an ordinary expression (``1:`` -> ``slice(1, None)``)."""
    if isinstance(index, gast.Slice):
        parts = [index.lower, index.upper, index.step]
        parts = [p if p is not None else gast.Constant(value=None, kind=None) for p in parts]
        if index.step is None:
            parts = parts[:2]
        return _call(_name("slice"), parts)
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[_slice_expr(e) for e in index.elts], ctx=gast.Load())
    return index


def _separated_advanced(index):
    """True if ``index`` has entries that may be integer arrays (anything but a slice,
    ``None``, ``...`` or an int literal) apart from each other or from int literals,
    with a slice between them: NumPy then puts the indexed axes first, ahead of the
    batch axis."""
    if not isinstance(index, gast.Tuple):
        return False
    basic = [isinstance(e, gast.Slice) or (isinstance(e, gast.Constant) and (
        e.value is None or e.value is Ellipsis)) for e in index.elts]
    picks = [i for i, b in enumerate(basic) if not b]
    if len(picks) < 2 or all(isinstance(index.elts[i], gast.Constant) for i in picks):
        return False
    return picks[-1] - picks[0] + 1 != len(picks)
