"""Clean up generated function bodies, to a fixed point.

Input: a list of gast statements (any shapes; comment markers are plain
``Expr(Name)`` nodes and are kept).  Output: an equivalent list where

* constant sub-expressions are folded and algebraic identities applied
  (``x ** 1``, ``x * 1``, ``x + 0``, ``0 * x`` with a symbolic zero, ...);
* copies ``a = b`` between single-assignment variables are propagated;
* assignments whose value is never read and whose right-hand side has no
  side effects are removed.

Passes only rewrite top-level straight-line statements; statements inside
loops and branches are simplified but never moved or deleted.
"""
import copy
import inspect
import numbers

import gast
import numpy as np

from ..syntax import astwalk
from .. import rules, runtime
from .dataflow import blocks
from .ops import resolve

MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
             "setdefault", "sort", "reverse", "fill", "put", "itemset", "resize",
             "popitem", "add", "discard"}
_PURE_MODULES = ("numpy", "math", "s2sad", "builtins", "operator", "_operator")


def optimize(body, namespace, keep=()):
    """Optimise ``body`` (a list of statements); ``keep`` are names read after it."""
    body = [simplify_stmt(s, namespace) for s in body]
    while True:
        size = len(body)
        common_subexpressions(body, namespace)
        body = propagate_copies(body, keep)
        body = eliminate_dead(body, namespace, keep)
        if len(body) == size:
            return body


# --- algebraic simplification ---

class ZeroSimplifier(gast.NodeTransformer):
    """Fold constants and drop identities bottom-up.

    With a ``namespace``, calls to s2sad's runtime helpers also lose trailing
    arguments equal to their defaults (``unreduce(g, x, None, False)`` ->
    ``unreduce(g, x)``).
    """

    def __init__(self, namespace=None):
        self.namespace = namespace or {}

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right, op = node.left, node.right, node.op
        lv, rv = _number(left), _number(right)
        if lv is not None and rv is not None:
            folded = _fold(op, lv, rv)
            if folded is not None:
                return gast.Constant(value=folded, kind=None)
        if isinstance(op, gast.Mult):
            if lv == 1:
                return right
            if rv == 1:
                return left
            if is_zero(left) or is_zero(right):
                return zero()
            if rv is not None and _negation(left):  # (-a) * 2 -> a * -2
                return gast.BinOp(left=left.operand, op=op,
                                  right=gast.Constant(value=-rv, kind=None))
            if lv is not None and _negation(right):  # 2 * (-a) -> -2 * a
                return gast.BinOp(left=gast.Constant(value=-lv, kind=None), op=op,
                                  right=right.operand)
            inner = _number(right.left) if isinstance(right, gast.BinOp) and isinstance(
                right.op, gast.Mult) else None
            if lv is not None and inner is not None:  # 2 * (3 * a) -> 6 * a
                folded = _fold(op, lv, inner)
                if folded is not None:
                    return gast.BinOp(left=gast.Constant(value=folded, kind=None), op=op,
                                      right=right.right)
        if isinstance(op, gast.Div):
            if rv == 1:
                return left
            if is_zero(left):
                return zero()
        if isinstance(op, (gast.Add, gast.Sub)) and isinstance(right, gast.BinOp) and \
                isinstance(right.op, gast.Mult) and _negation(right.left) != _negation(
                    right.right):
            # a + (-b) * c -> a - b * c
            product = gast.BinOp(left=_unnegated(right.left), op=right.op,
                                 right=_unnegated(right.right))
            flipped = gast.Sub() if isinstance(op, gast.Add) else gast.Add()
            return gast.BinOp(left=left, op=flipped, right=product)
        if isinstance(op, (gast.Add, gast.Sub)) and isinstance(right, gast.BinOp) and \
                isinstance(right.op, gast.Mult) and _is_negative(_number(right.left)):
            # a + -2.0 * b -> a - 2.0 * b
            product = gast.BinOp(left=gast.Constant(value=-_number(right.left), kind=None),
                                 op=right.op, right=right.right)
            flipped = gast.Sub() if isinstance(op, gast.Add) else gast.Add()
            return gast.BinOp(left=left, op=flipped, right=product)
        if isinstance(op, gast.Add):
            if is_zero(left):
                return right
            if is_zero(right):
                return left
            if isinstance(right, gast.UnaryOp) and isinstance(right.op, gast.USub):
                return gast.BinOp(left=left, op=gast.Sub(), right=right.operand)  # a + -b
        if isinstance(op, gast.Sub) and isinstance(right, gast.UnaryOp) and isinstance(
                right.op, gast.USub):
            return gast.BinOp(left=left, op=gast.Add(), right=right.operand)  # a - -b
        if isinstance(op, gast.Sub):
            if is_zero(right):
                return left
            if is_zero(left):
                return gast.UnaryOp(op=gast.USub(), operand=right)
        if isinstance(op, gast.Pow) and rv == 1:
            return left
        if isinstance(op, gast.MatMult) and (is_zero(left) or is_zero(right)):
            return zero()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.USub):
            if is_zero(node.operand):
                return zero()
            value = _number(node.operand)
            if value is not None:
                return gast.Constant(value=-value, kind=None)
            if isinstance(node.operand, gast.UnaryOp) and isinstance(node.operand.op, gast.USub):
                return node.operand.operand
            operand = node.operand
            if isinstance(operand, gast.BinOp) and isinstance(operand.op, gast.Mult):
                lv = _number(operand.left)
                if lv is not None:  # -(2 * a) -> -2 * a
                    return gast.BinOp(left=gast.Constant(value=-lv, kind=None), op=operand.op,
                                      right=operand.right)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        # a linear function of a symbolic zero is zero (tangents of inactive inputs)
        if node.args and is_zero(node.args[0]) and getattr(node.func, "_s2sad_linear", False):
            return zero()
        if isinstance(node.func, gast.Name):
            func = self.namespace.get(node.func.id)
            if func is runtime.item_at and len(node.args) == 2 and not _whole(node.args[1]):
                # only a whole-array index may meet a number adjoint: else plain indexing
                return gast.Subscript(value=node.args[0], slice=node.args[1], ctx=gast.Load())
            if runtime.helper_name(func) is not None:
                _drop_default_args(node, func)
                fold = _HELPER_FOLDS.get(func)
                folded = fold(node.args) if fold is not None and not node.keywords else None
                if folded is not None:
                    return self.visit(folded)
        elif isinstance(node.func, gast.Attribute) and self.namespace:
            try:
                func = resolve(node.func, self.namespace)
            except (KeyError, AttributeError):
                return node
            if func is np.negative and len(node.args) == 1 and not node.keywords:
                value = _number(node.args[0])
                if value is not None:  # np.negative(-1) -> 1, from the np.roll rule
                    return gast.Constant(value=-value, kind=None)
            if func in _TRAILING_NONE:  # np.roll(g, 1, None) -> np.roll(g, 1)
                while len(node.args) > _TRAILING_NONE[func] and isinstance(
                        node.args[-1], gast.Constant) and node.args[-1].value is None:
                    node.args.pop()
        return node


def _fold_power_term(args):
    """``power_term(c, x, q)`` is ``c * x ** q`` with 0 where ``c`` is 0: with a nonzero
    number ``c`` and a number ``q >= 0`` (no ``0 ** negative``) it is just that."""
    if len(args) != 3:
        return None
    c, q = _number(args[0]), _number(args[2])
    if c is None or q is None or c == 0 or isinstance(c, complex) or isinstance(
            q, complex) or q < 0:
        return None
    power = args[1] if q == 1 else gast.BinOp(left=args[1], op=gast.Pow(), right=args[2])
    if q == 0:
        return None  # c * x ** 0 is c broadcast like x: keep the helper
    return gast.BinOp(left=args[0], op=gast.Mult(), right=power)


#: runtime helpers that reduce to plain code once their trailing default arguments are
#: dropped (``where_mask(g)`` -> ``g``): helper -> args -> replacement or None
_HELPER_FOLDS = {
    runtime.where_mask: lambda args: args[0] if len(args) == 1 else None,
    runtime.where_ratio: lambda args: gast.Constant(value=1.0, kind=None) if len(
        args) <= 4 else None,
    runtime.power_term: _fold_power_term,
}


#: NumPy functions whose trailing ``None`` arguments (beyond the count) are defaults
_TRAILING_NONE = {np.roll: 2, np.flip: 1, np.cumsum: 1, np.transpose: 1, np.sum: 1,
                  np.mean: 1}


def _whole(index):
    """``...`` or ``()``: an index that may select a whole 0-d array."""
    if isinstance(index, gast.Constant):
        return index.value is Ellipsis
    return isinstance(index, gast.Tuple) and not index.elts or not isinstance(
        index, (gast.Name, gast.Call, gast.Tuple))


def _drop_default_args(call, func):
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return
    while call.args and len(call.args) <= len(params):
        param, arg = params[len(call.args) - 1], call.args[-1]
        if (param.default is param.empty or not isinstance(arg, gast.Constant)
                or arg.value is not param.default and arg.value != param.default
                or type(arg.value) is not type(param.default)):
            return
        call.args.pop()


def _is_negative(value):
    """A real number below zero (complex numbers are never negative)."""
    return isinstance(value, numbers.Real) and value < 0


def _negation(node):
    return isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub)


def _unnegated(node):
    return node.operand if _negation(node) else node


def zero():
    """A symbolic zero: a 0.0 constant the simplifier may drop terms for."""
    node = gast.Constant(value=0.0, kind=None)
    node._s2sad_zero = True
    return node


def is_zero(node):
    """True for a symbolic zero made by :func:`zero`."""
    return isinstance(node, gast.Constant) and getattr(node, "_s2sad_zero", False)


def _number(node):
    if isinstance(node, gast.Constant) and isinstance(node.value, numbers.Number) \
            and not isinstance(node.value, bool):
        return node.value
    return None


def _fold(op, a, b):
    try:
        if isinstance(op, gast.Add):
            return a + b
        if isinstance(op, gast.Sub):
            return a - b
        if isinstance(op, gast.Mult):
            return a * b
        if isinstance(op, gast.Div) and b != 0:
            return a / b
    except (OverflowError, TypeError):
        return None
    return None


def simplify_stmt(stmt, namespace=None):
    """``stmt`` with its expressions simplified."""
    return ZeroSimplifier(namespace).visit(stmt)


# --- copy propagation and dead code ---

def _assign_counts(body):
    counts = {}
    for stmt in body:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _reads(node):
    return [n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)]


def common_subexpressions(body, namespace, available=None, counts=None, mutated=None):
    """Reuse an earlier result: ``y = x[i]`` after ``t = x[i]`` becomes ``y = t``
    when neither ``x``, ``i`` nor ``t`` changed in between (copy propagation then
    removes the copy).  Branch bodies see what was computed before the branch;
    loop bodies start afresh.  Only side-effect-free values are reused, and never
    for a buffer written in place (``bx = zeros_like(x)`` twice are two buffers that
    ``add_at`` and ``bx[i] += g`` change apart)."""
    if counts is None:
        counts = _assign_counts(body)
    if mutated is None:
        mutated = _mutated_in_place(body, namespace)
    available = dict(available or {})
    for stmt in body:
        if isinstance(stmt, gast.If):
            common_subexpressions(stmt.body, namespace, available, counts, mutated)
            common_subexpressions(stmt.orelse, namespace, available, counts, mutated)
        elif isinstance(stmt, (gast.For, gast.While)):
            common_subexpressions(stmt.body, namespace, {}, counts, mutated)
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, (gast.Subscript, gast.BinOp, gast.UnaryOp,
                                            gast.Compare, gast.Attribute, gast.Call))
                and is_pure(stmt.value, namespace)):
            key = gast.dump(stmt.value)
            target = stmt.targets[0].id
            earlier = available.get(key)
            if earlier is not None and counts.get(target) == 1 and not (
                    {target, earlier[0]} & mutated):
                stmt.value = gast.Name(id=earlier[0], ctx=gast.Load(), annotation=None,
                                       type_comment=None)
        changed = {n.id for n in astwalk.walk(stmt) if isinstance(n, gast.Name)
                   and isinstance(n.ctx, gast.Store)}
        if changed:
            available = {k: v for k, v in available.items()
                         if not (v[1] & changed) and v[0] not in changed}
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and not isinstance(stmt.value, gast.Name)
                and isinstance(stmt.value, (gast.Subscript, gast.BinOp, gast.UnaryOp,
                                            gast.Compare, gast.Attribute, gast.Call))
                and is_pure(stmt.value, namespace)):
            target = stmt.targets[0].id
            reads = set(_reads(stmt.value))
            if target not in reads:
                available.setdefault(gast.dump(stmt.value), (target, reads))
    return body


def _mutated_in_place(body, namespace):
    """Names whose value the code changes in place: the buffer of ``add_at``, the
    target of ``x += v`` and ``x[i] = v``."""
    out = set()
    for stmt in body:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
                out.add(node.target.id)
            elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) \
                    and isinstance(node.value, gast.Name):
                out.add(node.value.id)
            elif (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
                  and namespace.get(node.func.id) is runtime.add_at and node.args
                  and isinstance(node.args[0], gast.Name)):
                out.add(node.args[0].id)
    return out


def propagate_copies(body, keep=()):
    """Remove copies ``a = b``: later reads of ``a`` read ``b``.

    Applies in every statement list (loop and branch bodies too) when ``a`` is
    assigned once in the function and all its reads follow the copy in the same
    list, before ``b`` changes.  A copy back ``b = a`` while ``b`` still holds
    that value is dropped first.
    """
    changed = True
    while changed:
        changed = False
        stores, loads = name_counts(body)
        written = _Written()
        for block in list(blocks(body)):
            while _drop_copy_back(block, stores, loads, written):
                changed = True
            i = 0
            while i < len(block):
                if _propagate_at(block, i, stores, loads, keep, written):
                    changed = True  # block[i] is gone: look at the same position again
                else:
                    i += 1
    return body


def name_counts(body):
    """``(stores, loads)``: how often each name is assigned and read in ``body``."""
    stores, loads = {}, {}
    for stmt in body:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Name):
                counts = stores if isinstance(node.ctx, gast.Store) else loads
                counts[node.id] = counts.get(node.id, 0) + 1
    return stores, loads


def _copy(stmt):
    if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.Name)):
        return stmt.targets[0].id, stmt.value.id
    return None


class _Written(dict):
    """Statement id -> the names it stores (copy propagation renames loads only, so
    this stays true during a pass)."""

    def __call__(self, stmt):
        found = self.get(id(stmt))
        if found is None:
            found = self[id(stmt)] = (stmt, {n.id for n in astwalk.walk(stmt) if isinstance(
                n, gast.Name) and isinstance(n.ctx, gast.Store)})
        return found[1]


def _drop_copy_back(block, stores, loads, written):
    for i, stmt in enumerate(block):
        pair = _copy(stmt)
        if pair is None:
            continue
        a, b = pair
        for k in range(i + 1, len(block)):
            back = _copy(block[k])
            if back == (b, a):
                del block[k]
                stores[b] -= 1
                loads[a] -= 1
                return True
            if a in written(block[k]) or b in written(block[k]):
                break
    return False


def _propagate_at(block, i, stores, loads, keep, written):
    """Propagate the copy ``a = b`` at ``block[i]`` if every read of ``a`` follows it
    in ``block`` before ``b`` changes; the counts are kept up to date."""
    pair = _copy(block[i])
    if pair is None:
        return False
    a, b = pair
    if a == b or a in keep or stores.get(a, 0) != 1:
        return False
    region = []
    for later in block[i + 1:]:
        if b in written(later):
            if isinstance(later, gast.Assign):  # its value is read before b changes
                region.append(later.value)
            break
        region.append(later)
    reads = [node for s in region for node in astwalk.walk(s)
             if isinstance(node, gast.Name) and node.id == a and isinstance(node.ctx, gast.Load)]
    if len(reads) != loads.get(a, 0):
        return False
    for node in reads:
        node.id = b
    del block[i]
    loads[b] = loads.get(b, 0) + len(reads) - 1
    loads[a], stores[a] = 0, 0
    return True


def eliminate_dead(body, namespace, keep=()):
    """Drop assignments whose value is never read (and has no side effects).

    Liveness flows backwards through branches and, to a fixed point, around
    loops, so dead statements inside loop and branch bodies go too.
    """
    body, _ = _dead(body, namespace, set(keep))
    return body


def _dead(stmts, namespace, live):
    """``(stmts without dead assignments, names live before them)``."""
    live = set(live)
    out = []
    for stmt in reversed(stmts):
        if isinstance(stmt, gast.If):
            body, live_body = _dead(stmt.body, namespace, live)
            orelse, live_else = _dead(stmt.orelse, namespace, live)
            if _empty(body) and _empty(orelse) and is_pure(stmt.test, namespace):
                continue
            live = live_body | live_else | set(_reads(stmt.test))
            stmt = copy.copy(stmt)  # never mutate: loops re-run this analysis
            stmt.body, stmt.orelse = body or [gast.Pass()], orelse
        elif isinstance(stmt, (gast.For, gast.While)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            loop_live = set(live) | set(_reads(head))
            while True:  # what the body reads may be live at its end, next iteration
                body, body_live = _dead(stmt.body, namespace, loop_live)
                if body_live <= loop_live:
                    break
                loop_live |= body_live
            sets = {n.id for n in astwalk.walk(stmt.target) if isinstance(n, gast.Name)} \
                if isinstance(stmt, gast.For) else set()
            if (_empty(body) and is_pure(head, namespace) and not _has_break(stmt.body)
                    and not sets & live):  # a loop variable read after the loop
                continue
            stmt = copy.copy(stmt)
            stmt.body = body or [gast.Pass()]
            # the loop sets its variable before the body reads it; after the loop a
            # read may still see an earlier value (the loop may not run)
            live = (loop_live - (sets - live)) | set(_reads(head))
        elif (isinstance(stmt, gast.Assign) and all(
                isinstance(t, (gast.Name, gast.Tuple)) for t in stmt.targets)):
            targets = {n.id for t in stmt.targets for n in astwalk.walk(t)
                       if isinstance(n, gast.Name)}
            if not targets & live and is_pure(stmt.value, namespace):
                continue
            live = (live - targets) | set(_reads(stmt.value))
        else:
            live |= set(_reads(stmt))
        out.append(stmt)
    return out[::-1], live


def _empty(stmts):
    """Only ``pass`` and comment markers."""
    return all(isinstance(s, gast.Pass) or (isinstance(s, gast.Expr) and isinstance(
        s.value, gast.Name) and s.value.id.startswith("__s2sad_comment_")) for s in stmts)


def _has_break(stmts):
    return any(isinstance(n, gast.Break) for s in stmts for n in astwalk.walk(s))


def is_pure(expr, namespace):
    """True if evaluating ``expr`` has no side effects we must keep."""
    for node in astwalk.walk(expr):
        if isinstance(node, gast.Call) and not _pure_call(node.func, namespace):
            return False
    return True


def _pure_call(func, namespace):
    if isinstance(func, gast.Attribute):
        root = func
        while isinstance(root, gast.Attribute):
            root = root.value
        if not (isinstance(root, gast.Name) and root.id in namespace):
            return func.attr not in MUTATING_METHODS
    try:
        obj = resolve(func, namespace)
    except KeyError:
        return False
    if rules.lookup_adjoint(obj) is not None or rules.is_nondifferentiable(obj):
        return True
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in _PURE_MODULES or type(obj).__name__ == "ufunc"
