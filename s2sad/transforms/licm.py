"""Loop-invariant code motion on ANF bodies.

Input: ANF statements.  Output: the same statements where an assignment at
the top level of a loop body whose value depends on nothing the loop changes
(``neg_k = -k``) is moved in front of the loop.  Only variables assigned once
in the whole function (never a parameter: a loop that does not run must leave
it alone) and side-effect-free values move, so the program's results are
unchanged; the backward sweep then never saves such values on the tape.
"""
import gast

from ..syntax import astwalk
from .dataflow import read, written
from .optimize import is_pure


def hoist_invariants(stmts, namespace, counts=None, params=()):
    """``stmts`` with loop-invariant assignments hoisted out of loops (``params``: the
    function's parameters, which count as assigned once already)."""
    if counts is None:
        counts = {name: 1 for name in params}
        for node in astwalk.walk(gast.Module(body=stmts, type_ignores=[])):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                counts[node.id] = counts.get(node.id, 0) + 1
    out = []
    for stmt in stmts:
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and block:
                setattr(stmt, field, hoist_invariants(block, namespace, counts))
        if isinstance(stmt, (gast.For, gast.While)):
            out.extend(_hoist(stmt, namespace, counts))
        out.append(stmt)
    return out


def _hoist(loop, namespace, counts):
    changed = written([loop])
    hoisted, kept = [], []
    for stmt in loop.body:
        if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                and counts.get(stmt.targets[0].id) == 1
                and not read([stmt]) & changed
                and not isinstance(stmt.value, (gast.List, gast.Dict))
                and is_pure(stmt.value, namespace)):
            hoisted.append(stmt)
            changed.discard(stmt.targets[0].id)
        else:
            kept.append(stmt)
    loop.body = kept or [gast.Pass()]
    return hoisted
