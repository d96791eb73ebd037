"""Small data-flow facts about ANF statement lists.

* :func:`written` — names a statement list may assign;
* :func:`read` — names it reads;
* :func:`upward_exposed` — names it may read before assigning them (their
  value flows in from before the statements, or from a previous iteration);
* :func:`has_own_break` — a loop body that may leave the loop early;
* :func:`statements` / :func:`blocks` — every statement / statement list, nested
  loop and branch bodies included.
"""
import gast
from ..syntax import astwalk



def statements(stmts):
    """Every statement of ``stmts``, then of the loop and branch bodies in it."""
    for stmt in stmts:
        yield stmt
        for field in ("body", "orelse"):
            yield from statements(getattr(stmt, field, None) or [])


def blocks(stmts):
    """``stmts`` and every non-empty loop or branch body nested in it (the lists
    themselves, to be edited in place)."""
    yield stmts
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner:
                yield from blocks(inner)


def written(stmts):
    """Names stored anywhere in ``stmts`` (loop targets included)."""
    return {n.id for s in stmts for n in astwalk.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def read(stmts):
    """Names loaded anywhere in ``stmts``."""
    return {n.id for s in stmts for n in astwalk.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def upward_exposed(stmts):
    """Names ``stmts`` may read before (definitely) assigning them."""
    exposed, _ = _exposed(stmts, set())
    return exposed


def definitely_assigned(stmts):
    """Names assigned on every path through ``stmts``."""
    return _exposed(stmts, set())[1]


def prefixes(stmts):
    """``[(written, assigned), ...]``: for each position ``i`` of ``stmts``, the names
    ``stmts[:i]`` may assign and those it assigns on every path (in one pass)."""
    out, maybe, surely = [], set(), set()
    for stmt in stmts:
        out.append((maybe, surely))
        maybe = maybe | written([stmt])
        surely = _exposed([stmt], surely)[1]
    return out


def _exposed(stmts, assigned):
    assigned = set(assigned)
    exposed = set()
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            exposed |= read([gast.Expr(value=stmt.test)]) - assigned
            body_exp, body_asg = _exposed(stmt.body, assigned)
            else_exp, else_asg = _exposed(stmt.orelse, assigned)
            exposed |= body_exp | else_exp
            assigned = body_asg & else_asg
        elif isinstance(stmt, (gast.For, gast.While)):
            head = stmt.iter if isinstance(stmt, gast.For) else stmt.test
            exposed |= read([gast.Expr(value=head)]) - assigned
            inner = set(assigned)
            if isinstance(stmt, gast.For):
                inner |= written([gast.Assign(targets=[stmt.target], value=head,
                                              type_comment=None)])
            body_exp, _ = _exposed(stmt.body, inner)
            exposed |= body_exp
        else:
            exposed |= read([stmt]) - assigned
            assigned |= written([stmt])
    return exposed, assigned


def overwritable(stmt):
    """Names ``stmt`` may assign more than once in one execution of it.

    Everything a loop assigns qualifies; in branches, the two sides of an
    ``if`` are alternatives, so ``if c: y = a`` / ``else: y = b`` assigns
    ``y`` once.
    """
    counts = _path_counts([stmt])
    return {name for name, n in counts.items() if n > 1}


def _path_counts(stmts):
    counts = {}
    for stmt in stmts:
        if isinstance(stmt, (gast.For, gast.While)):
            inner = {name: 2 for name in written([stmt])}
        elif isinstance(stmt, gast.If):
            body, orelse = _path_counts(stmt.body), _path_counts(stmt.orelse)
            inner = {n: max(body.get(n, 0), orelse.get(n, 0)) for n in set(body) | set(orelse)}
        else:
            inner = {name: 1 for name in written([stmt])}
        for name, n in inner.items():
            counts[name] = counts.get(name, 0) + n
    return counts


def has_own_break(body):
    """True if ``body`` contains a ``break`` for its own loop (not a nested one)."""
    for stmt in body:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, gast.If) and (has_own_break(stmt.body) or has_own_break(stmt.orelse)):
            return True
    return False
