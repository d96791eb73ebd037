"""Defer outer-product accumulations in loops to one matrix product after the loop.

Input: the statements of a shape-specialised gradient, their
:class:`~s2sad.transforms.shape_inference.Shapes`, the code generator's imports and a
function making unique names.  Output: the same code where a loop that only
accumulates ``bW = bW + np.outer(a, b)`` (a rank-one update per step, as the adjoint
of ``W @ h`` in a recurrence) instead collects ``a`` and ``b`` and, after the loop,
adds them all at once::

    bt1_rows = []                           # before the loop
    h_rows = []
    for t in reversed(range(n)):
        ...
        bt1_rows.append(bt1)                # was: bW = bW + np.outer(bt1, h)
        h_rows.append(h)
    bW = bW + np.array(bt1_rows).T @ np.array(h_rows)

(and inside the loop, every 64 steps, the same addition and ``bt1_rows.clear()``,
``h_rows.clear()``: memory stays bounded).  A few matrix products replace ``n``
rank-one updates, each of which writes a full ``bW``-sized array.  The sum is the
same up to rounding order.  Applies when ``bW`` is read and written nowhere else in
the loop, ``a`` and ``b`` are 1-d and never updated
in place anywhere in the function (the lists keep references), and the loop is not
nested in another loop (the rows would mix the outer iterations).
"""
import builtins
import copy

import gast
import numpy as np

from ..syntax import astwalk
from ..syntax.annotations import copyanno
from .ops import resolve
from .reverse import assign, load


def defer_outer_products(stmts, shapes, imports, unique):
    """``stmts`` with loop outer-product accumulations deferred (module docstring)."""
    mutated = _mutated_in_place(stmts)
    namespace = dict(imports.bound)
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.For):
            before, after = _defer(stmt, shapes, imports, unique, mutated, namespace)
            out.extend(before + [stmt] + after)
        else:
            out.append(stmt)
    return out


def _defer(loop, shapes, imports, unique, mutated, namespace):
    """Rewrite ``loop`` in place; return the statements to put before and after it."""
    if any(isinstance(n, (gast.For, gast.While)) for s in loop.body for n in astwalk.walk(s)):
        return [], []
    found = []
    for i, stmt in enumerate(loop.body):
        parts = _outer_update(stmt, namespace)
        if parts is None:
            continue
        target, a, b = parts
        if not _fits(shapes, target, a, b) or {a.id, b.id} & mutated:
            continue
        others = loop.body[:i] + loop.body[i + 1:]
        if any(isinstance(n, gast.Name) and n.id == target for s in others
               for n in astwalk.walk(s)):
            continue
        found.append((i, target, a, b))
    if not found:
        return [], []
    rows = {}  # the name of a row vector -> the list collecting it
    before, after = [], []
    for _, target, a, b in found:
        for vector in (a, b):
            if vector.id not in rows:
                rows[vector.id] = unique(vector.id + "_rows")
                before.append(assign(rows[vector.id], gast.List(elts=[], ctx=gast.Load())))
        product = gast.BinOp(left=_transposed(_stacked(rows[a.id], imports)), op=gast.MatMult(),
                             right=_stacked(rows[b.id], imports))
        after.append(copyanno(loop, assign(target, gast.BinOp(
            left=load(target), op=gast.Add(), right=product))))
    appended = set()
    body = []
    updates = {i: (a, b) for i, _, a, b in found}
    for i, stmt in enumerate(loop.body):
        if i not in updates:
            body.append(stmt)
            continue
        for vector in updates[i]:
            if vector.id not in appended:
                appended.add(vector.id)
                body.append(copyanno(stmt, _method(rows[vector.id], "append",
                                                   [load(vector.id)])))
    # every CHUNK steps, add what was collected: memory stays bounded by CHUNK rows
    first = rows[found[0][2].id]
    length = load(imports.bind("len", builtins.len))
    full = gast.Compare(left=gast.Call(func=length, args=[load(first)], keywords=[]),
                        ops=[gast.GtE()], comparators=[gast.Constant(value=CHUNK, kind=None)])
    flush = [copy_statement(s) for s in after] + [
        _method(name, "clear", []) for name in rows.values()]
    body.append(copyanno(loop, gast.If(test=full, body=flush, orelse=[])))
    loop.body = body
    return before, after


#: rows collected before they are added (a matrix product of CHUNK rows per flush)
CHUNK = 64


def _method(name, method, args):
    return gast.Expr(value=gast.Call(
        func=gast.Attribute(value=load(name), attr=method, ctx=gast.Load()),
        args=args, keywords=[]))


def copy_statement(stmt):
    return copyanno(stmt, copy.deepcopy(stmt))


def _outer_update(stmt, namespace):
    """``(target, a, b)`` for ``target = target + np.outer(a, b)`` (names a, b)."""
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
        return None
    target, value = stmt.targets[0].id, stmt.value
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)
            and isinstance(value.left, gast.Name) and value.left.id == target
            and isinstance(value.right, gast.Call) and len(value.right.args) == 2
            and not value.right.keywords
            and all(isinstance(a, gast.Name) for a in value.right.args)):
        return None
    try:
        func = resolve(value.right.func, namespace)
    except (KeyError, AttributeError):
        return None
    if func is not np.outer:
        return None
    return (target,) + tuple(value.right.args)


def _fits(shapes, target, a, b):
    shape_a, shape_b = shapes.shape(a), shapes.shape(b)
    return (shape_a is not None and shape_b is not None and len(shape_a) == 1
            and len(shape_b) == 1 and shapes[target][0] == shape_a + shape_b
            and shapes[target][1] in ("f", "c"))


def _mutated_in_place(stmts):
    """Names whose array some statement updates in place (``x[i] = v``, ``x += v``)."""
    out = set()
    for stmt in stmts:
        for node in astwalk.walk(stmt):
            target = None
            if isinstance(node, gast.AugAssign):
                target = node.target
            elif isinstance(node, gast.Assign):
                target = node.targets[0]
            if isinstance(target, (gast.Subscript, gast.Attribute)):
                out |= {n.id for n in astwalk.walk(target) if isinstance(n, gast.Name)}
            elif isinstance(node, gast.AugAssign) and isinstance(target, gast.Name):
                out.add(target.id)
    return out


def _stacked(name, imports):
    return gast.Call(func=imports.reference(np.array, "array"), args=[load(name)],
                     keywords=[])


def _transposed(node):
    return gast.Attribute(value=node, attr="T", ctx=gast.Load())
