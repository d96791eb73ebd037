"""Fuse single-use temporaries into the expression that reads them.

Input: the final statements of a generated function.  Output: the same code where
``t = E`` followed (in the same block) by the only statement reading ``t`` is
written as one expression, ``y = x - x_head ** 2`` rather than two lines, as a
person writes it; the simplifier then folds what meets (``-(2.0 * t)`` ->
``-2.0 * t``).  Python-number code saves a store and a load per temporary.

A temporary is fused only if it is assigned and read exactly once in the whole
function, its value has no side effects, nothing between the two statements
writes a name it reads (or mutates an array it reads), the read is not inside a
nested loop or branch body, and the fused expression stays small.
"""
import copy
import inspect

import gast

from ..syntax import astwalk
from .dataflow import blocks
from .optimize import MUTATING_METHODS, is_pure, name_counts as _counts, simplify_stmt

_MAX_OPERATORS = 5  # larger fused expressions are harder to read than two lines


def fuse(stmts, namespace, after=()):
    """``stmts`` with single-use temporaries fused (see the module docstring);
    ``after`` are statements that follow them (their reads count, they are kept)."""
    stores, loads = _counts(list(stmts) + list(after))
    stmts = _fuse_block(stmts, namespace, stores, loads)
    stmts = _absorb_negations(stmts, namespace, after)
    stmts = _copies_into_updates(stmts, namespace)
    return _merge_increments(stmts, namespace)


def _copies_into_updates(stmts, namespace):
    """``v = a`` whose next mention is ``v = v + e`` -> ``v = a + e``."""
    for block in blocks(stmts):
        i = 0
        while i < len(block):
            stmt = block[i]
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name)):
                i += 1
                continue
            name, source = stmt.targets[0].id, stmt.value.id
            for j in range(i + 1, len(block)):
                later = block[j]
                mentions = {n.id for n in astwalk.walk(later) if isinstance(n, gast.Name)}
                if (isinstance(later, gast.Assign) and isinstance(later.targets[0], gast.Name)
                        and later.targets[0].id == name and isinstance(later.value, gast.BinOp)
                        and isinstance(later.value.left, gast.Name)
                        and later.value.left.id == name
                        and name not in {n.id for n in astwalk.walk(later.value.right)
                                         if isinstance(n, gast.Name)}):
                    later.value.left = gast.Name(id=source, ctx=gast.Load(), annotation=None,
                                                 type_comment=None)
                    del block[i]
                    break
                if name in mentions or source in _writes(later, namespace):
                    i += 1
                    break
            else:
                i += 1
    return stmts


def return_copies(stmts, final):
    """Drop ``r = v`` copies whose only reader is the ``final`` return statement, which
    then returns ``v`` (``bu0 = bu`` ... ``return bu0``), so ``v`` has no alias.
    ``final`` is changed in place; returns the new statement list."""
    stores, loads = _counts(stmts)
    returned = {n.id for n in astwalk.walk(final) if isinstance(n, gast.Name)}
    for i in range(len(stmts) - 1, -1, -1):
        stmt = stmts[i]
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, gast.Name)):
            continue
        name, source = stmt.targets[0].id, stmt.value.id
        if (name not in returned or stores.get(name) != 1 or loads.get(name, 0)
                or any(source in _writes(later) for later in stmts[i + 1:])):
            continue
        _Substitute(name, gast.Name(id=source, ctx=gast.Load(), annotation=None,
                                    type_comment=None)).visit(final)
        del stmts[i]
    return stmts


def _absorb_negations(stmts, namespace, after):
    """``t = -a`` read only where the sign folds away (``b + t * c`` -> ``b - a * c``)."""
    stores, loads = _counts(list(stmts) + list(after))
    for block in blocks(stmts):
        for i, stmt in enumerate(block):
            if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.UnaryOp)
                    and isinstance(stmt.value.op, gast.USub)
                    and isinstance(stmt.value.operand, gast.Name)):
                continue
            name, operand = stmt.targets[0].id, stmt.value.operand.id
            if stores.get(name) != 1 or stores.get(operand) != 1:
                continue
            readers = [j for j in range(i + 1, len(block)) if any(
                isinstance(n, gast.Name) and n.id == name for n in astwalk.walk(block[j]))]
            if any(not isinstance(block[j], gast.Assign) for j in readers) or not readers:
                continue
            if any(operand in _writes(block[k], namespace)
                   for k in range(i + 1, readers[-1])):
                continue  # `a` changes before a reader (a loop body assigns it later)
            if loads.get(name, 0) != sum(
                       1 for j in readers for n in astwalk.walk(block[j])
                       if isinstance(n, gast.Name) and n.id == name):
                continue  # read in a nested block too
            rewritten = [simplify_stmt(_Substitute(name, stmt.value).visit(
                copy.deepcopy(block[j])), namespace) for j in readers]
            if any(_negates(r, operand) for r in rewritten):
                continue
            for j, new in zip(readers, rewritten):
                block[j] = new
            block[i] = gast.Pass()
    return _without_pass(stmts)


def _negates(stmt, name):
    return any(isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.USub)
               and isinstance(n.operand, gast.Name) and n.operand.id == name
               for n in astwalk.walk(stmt))


def _merge_increments(stmts, namespace):
    """``x[i] += a`` (or ``x[i] = a``) directly followed by ``x[i] += b`` ->
    ``x[i] += a + b`` (``x[i] = a + b``)."""
    for block in blocks(stmts):
        i = 0
        while i + 1 < len(block):
            a, b = block[i], block[i + 1]
            target = a.target if isinstance(a, gast.AugAssign) else (
                a.targets[0] if isinstance(a, gast.Assign) and len(a.targets) == 1 else None)
            if (target is not None and (isinstance(a, gast.Assign) or isinstance(a.op, gast.Add))
                    and isinstance(b, gast.AugAssign) and isinstance(b.op, gast.Add)
                    and isinstance(target, gast.Subscript)
                    and gast.dump(target) == gast.dump(b.target)
                    and _simple_index(target.slice)
                    and not _writes(a, namespace) & {n.id for n in astwalk.walk(b.value)
                                                     if isinstance(n, gast.Name)}):
                a.value = gast.BinOp(left=a.value, op=gast.Add(), right=b.value)
                del block[i + 1]
                continue
            i += 1
    return stmts


def _simple_index(node):
    parts = node.elts if isinstance(node, gast.Tuple) else [node]
    return all(isinstance(p, (gast.Name, gast.Constant, gast.Slice)) for p in parts)


def _without_pass(stmts):
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.Pass):
            continue
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and block:
                setattr(stmt, field, _without_pass(block) or [gast.Pass()])
        out.append(stmt)
    return out


def _fuse_block(stmts, namespace, stores, loads):
    stmts = list(stmts)
    for stmt in stmts:
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and block:
                setattr(stmt, field, _fuse_block(block, namespace, stores, loads))
    i = 0
    while i < len(stmts):
        j = _fusable(stmts, i, namespace, stores, loads)
        if j is None:
            i += 1
            continue
        name, value = stmts[i].targets[0].id, stmts[i].value
        stmts[j] = simplify_stmt(_Substitute(name, value).visit(stmts[j]), namespace)
        del stmts[i]
        stores[name] = loads[name] = 0
    return stmts


def _fusable(stmts, i, namespace, stores, loads):
    """Index of the statement ``stmts[i]``'s temporary can be fused into, or None."""
    stmt = stmts[i]
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)):
        return None
    name = stmt.targets[0].id
    if stores.get(name) != 1 or loads.get(name) != 1 or not is_pure(stmt.value, namespace):
        return None
    reads = {n.id for n in astwalk.walk(stmt.value) if isinstance(n, gast.Name)}
    for j in range(i + 1, len(stmts)):
        own = _own_expressions(stmts[j])
        if any(isinstance(n, gast.Name) and n.id == name for t in _store_targets(stmts[j])
               for n in astwalk.walk(t)):
            return None  # x = zeros(...); x[i] = v: the array is written, not read
        if any(isinstance(n, gast.Name) and n.id == name for part in own
               for n in astwalk.walk(part)):
            size = _operators(stmt.value) + sum(_operators(p) for p in own)
            return j if size <= _MAX_OPERATORS else None
        if any(isinstance(n, gast.Name) and n.id == name for n in astwalk.walk(stmts[j])):
            return None  # read in a nested body: once per iteration or branch
        if _writes(stmts[j], namespace) & reads:
            return None
    return None


def _store_targets(stmt):
    if isinstance(stmt, gast.Assign):
        return stmt.targets
    if isinstance(stmt, (gast.AugAssign, gast.For)):
        return [stmt.target]
    return []


def _own_expressions(stmt):
    """The parts of ``stmt`` evaluated once, where it stands."""
    if isinstance(stmt, gast.For):
        return [stmt.iter]
    if isinstance(stmt, (gast.If, gast.While)):
        return [stmt.test]
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return [stmt]
    return []


def _writes(stmt, namespace=None):
    """Names ``stmt`` assigns or mutates (``x[i] = v`` and ``x.append(v)`` mutate x;
    ``x.sum()`` and a module's function, ``np.sin(v)``, mutate nothing)."""
    out = set()
    for node in astwalk.walk(stmt):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            out.add(node.id)
        elif isinstance(node, (gast.Subscript, gast.Attribute)) and isinstance(
                node.ctx, gast.Store):
            out |= {n.id for n in astwalk.walk(node.value) if isinstance(n, gast.Name)}
        elif (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
              and node.func.attr in MUTATING_METHODS):
            out |= {n.id for n in astwalk.walk(node.func.value) if isinstance(n, gast.Name)
                    and not inspect.ismodule((namespace or {}).get(n.id))}
    return out


def _operators(node):
    return sum(isinstance(n, (gast.BinOp, gast.UnaryOp, gast.Call, gast.Compare))
               for n in astwalk.walk(node))


class _Substitute(gast.NodeTransformer):
    def __init__(self, name, value):
        self.name = name
        self.value = value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, gast.Load):
            return self.value
        return node
