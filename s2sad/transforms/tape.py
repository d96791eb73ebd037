"""Tape markers of the reverse sweep and their resolution (see ``Reverse.resolve_tape``).

Input: statement lists holding marker statements (``Expr`` nodes annotated ``tape`` =
``(kind, name, region)``, kind ``"push"``, ``"pop"`` or ``"init"``), made by
:func:`marker` while the primal and adjoint sweeps are built, before it is known which
values the backward sweep reads.  Output: :func:`live_reads` and :func:`has_live`, the
facts the fixpoint over needed names uses (a compound statement holding only markers of
names nobody needs vanishes, its test and header with it), and :func:`replace_markers`,
the lists with each marker of a needed name replaced by the real push or pop (``init``:
``name = None`` for a needed name the region may overwrite before it is bound).
Imports nothing from the other passes.
"""
import gast

from ..syntax.annotations import getanno, setanno
from .dataflow import read

__all__ = ["marker", "live_reads", "has_live", "replace_markers"]


def live_reads(stmts, wanted):
    """Names ``stmts`` read, but not the tests and loop headers of compound statements
    that hold nothing but tape markers for names outside ``wanted`` (they vanish)."""
    names = set()
    for stmt in stmts:
        mark = getanno(stmt, "tape")
        if mark is not None:
            continue
        if isinstance(stmt, (gast.If, gast.For, gast.While)):
            inner = live_reads(stmt.body + stmt.orelse, wanted)
            if inner or has_live(stmt.body + stmt.orelse, wanted):
                head = stmt.test if not isinstance(stmt, gast.For) else stmt.iter
                names |= inner | read([gast.Expr(value=head)])
            continue
        names |= read([stmt])
    return names


def has_live(stmts, wanted):
    """``stmts`` hold code, or a tape marker of a name in ``wanted``."""
    for stmt in stmts:
        mark = getanno(stmt, "tape")
        if mark is None:
            if not isinstance(stmt, (gast.If, gast.For, gast.While)):
                return True
            if has_live(stmt.body + stmt.orelse, wanted):
                return True
        elif mark[0] != "init" and mark[1] in wanted:
            return True
    return False


def marker(kind, name, region):
    """A marker statement: a push or pop of ``name`` (or the region's ``init``)."""
    node = gast.Expr(value=gast.Constant(value=None, kind=None))
    setanno(node, "tape", (kind, name, region))
    return node


def replace_markers(stmts, needed, push, pop):
    """``stmts`` with markers of the names ``needed[region]`` replaced by ``push(name)`` /
    ``pop(name)`` statements, and the others dropped."""
    out = []
    for stmt in stmts:
        mark = getanno(stmt, "tape")
        if mark is not None:
            kind, name, region = mark
            wanted = needed.get(region, set())
            if kind == "init":
                overwritten, existing = getanno(stmt, "tape_init")
                out.extend(_bind_none(v)
                           for v in sorted((wanted & overwritten) - existing))
            elif name in wanted:
                new = push(name) if kind == "push" else pop(name)
                setanno(new, "origin", getanno(stmt, "origin"))
                out.append(new)
            continue
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and block:
                setattr(stmt, field, replace_markers(block, needed, push, pop)
                        or [gast.Pass()])
        out.append(stmt)
    return out


def _bind_none(name):
    return gast.Assign(targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                          type_comment=None)],
                       value=gast.Constant(value=None, kind=None), type_comment=None)
