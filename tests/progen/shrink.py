"""Shrinking a failing program (the CLI's ``--shrink``; under pytest, hypothesis shrinks).

Input: a failing :class:`~.program.Program`, its failure group, the failing check,
budgets (seconds, evaluations), optionally a replacement for s2sad.  Output:
:func:`shrink` gives a smaller program that still fails in the same group at the same
points; ``_ast_candidates`` gives the variants of a program's source that phase 2
tries.

Imports: :mod:`.program`, :mod:`.checker`, :mod:`.runner`.
"""
import re
import time

from .checker import check_program, point_seed
from .program import Program, replay
from .runner import checks_for


def shrink(prog, group, check, budget_seconds=120.0, max_evals=400, npoints=4, log=None,
           s2sad=None):
    """Shrink a failing program to a smaller one failing in the same ``group``.

    Two phases, both keeping a candidate only when it still fails with the same group
    key and its source is shorter: (1) on the recorded choice sequence, zero blocks of
    choices (big blocks first; a zero choice is "the simplest option"); (2) on the
    source (``ast``): delete statements, replace a compound statement by its body,
    replace an expression by one of its sub-expressions, drop unused parameters.
    The points are the original program's (same seed), so the failure stays put."""
    seed = point_seed(prog)
    checks = checks_for(check)
    t0 = time.perf_counter()
    state = {"best": prog, "evals": 0}
    seen = {}

    def out_of_budget():
        return state["evals"] >= max_evals or time.perf_counter() - t0 > budget_seconds

    def fails(cand):
        if len(cand.source) >= len(state["best"].source) or out_of_budget():
            return False
        key = (cand.source, tuple(cand.params))
        if key in seen:
            return seen[key]
        state["evals"] += 1
        r = check_program(cand, npoints=npoints, checks=checks, seed=seed, timeout=60.0,
                          s2sad=s2sad)
        seen[key] = ok = group in r.groups()
        if ok:
            state["best"] = cand
            if log:
                log("  %d lines (%d chars) after %d evals" % (
                    len(cand.source.splitlines()), len(cand.source), state["evals"]))
        return ok

    # phase 1: zero blocks of the choice sequence
    if prog.choices:
        choices = list(prog.choices)
        size = max(len(choices) // 2, 1)
        while size >= 1 and not out_of_budget() and \
                time.perf_counter() - t0 < 0.4 * budget_seconds:
            i = 0
            while i < len(choices) and not out_of_budget():
                if any(choices[i:i + size]):
                    cand = choices[:i] + [0] * len(choices[i:i + size]) + choices[i + size:]
                    c = replay(cand, cfg=prog.cfg, label="%s-shrink" % prog.label)
                    if fails(c):
                        choices = list(c.choices)
                        continue
                i += size
            size //= 2
    # phase 2: the source
    improved = True
    while improved and not out_of_budget():
        improved = False
        for cand in _ast_candidates(state["best"]):
            if out_of_budget():
                break
            if fails(cand):
                improved = True
                break
    return state["best"]


def _ast_candidates(prog):
    """Smaller variants of ``prog``'s source (lazily, roughly biggest cut first)."""
    import ast
    import copy as _copy
    try:
        tree = ast.parse(prog.source)
    except SyntaxError:
        return

    def emit(t, params=None):
        try:
            src = ast.unparse(t)
        except Exception:  # noqa: BLE001
            return None
        src = re.sub(r"\n(def |_[A-Za-z0-9]+ = )", r"\n\n\n\1", src)
        src = re.sub(r"\n{4,}", "\n\n\n", src)
        return Program("# shrunk from %s\n" % prog.label + src + "\n",
                       params if params is not None else prog.params, prog.has_aux,
                       prog.label, prog.tags, None, prog.aux_shape)

    # statement lists: (path to the list)
    lists = []

    def walk(node, path):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                lists.append(path + [(field, None)])
                for i, st in enumerate(value):
                    walk(st, path + [(field, i)])
            elif isinstance(value, ast.AST):
                walk(value, path + [(field, None)])

    walk(tree, [])

    def resolve(t, path):
        node = t
        for field, i in path:
            node = getattr(node, field)
            if i is not None:
                node = node[i]
        return node

    # 1. delete one statement (later statements first), 2. inline a compound statement
    for lp in reversed(lists):
        body = resolve(tree, lp)
        for i in reversed(range(len(body))):
            st = body[i]
            if isinstance(st, ast.Import) or (isinstance(st, ast.ImportFrom)):
                continue
            if isinstance(st, ast.FunctionDef) and st.name == "f":
                continue
            t = _copy.deepcopy(tree)
            b = resolve(t, lp)
            del b[i]
            if not b:
                b.append(ast.Pass())
            c = emit(t)
            if c:
                yield c
            if isinstance(st, (ast.If, ast.For, ast.While)):
                for field in ("body", "orelse"):
                    inner = getattr(st, field)
                    if not inner:
                        continue
                    t = _copy.deepcopy(tree)
                    b = resolve(t, lp)
                    b[i:i + 1] = _copy.deepcopy(inner)
                    c = emit(t)
                    if c:
                        yield c
    # 3. replace an expression by one of its sub-expressions
    exprs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.expr):
            for field, value in ast.iter_fields(node):
                if isinstance(value, ast.expr):
                    exprs.append((node, field, None))
                elif isinstance(value, list):
                    for i, v in enumerate(value):
                        if isinstance(v, ast.expr):
                            exprs.append((node, field, i))
    # parents of expressions: replace parent's reference to node by node's child
    parents = {}
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                parents[id(value)] = (node, field, None)
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, ast.expr):
                        parents[id(v)] = (node, field, i)
    ids = {id(n): n for n in ast.walk(tree)}
    order = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.Call, ast.BinOp, ast.IfExp,
                                                               ast.UnaryOp, ast.Subscript,
                                                               ast.Attribute, ast.Compare,
                                                               ast.BoolOp))
                    and id(n) in parents),
                   key=lambda n: -len(ast.unparse(n)))
    for node in order:
        kids = [v for f_, v in ast.iter_fields(node) if isinstance(v, ast.expr)]
        for f_, v in ast.iter_fields(node):
            if isinstance(v, list):
                kids += [x for x in v if isinstance(x, ast.expr)]
        if isinstance(node, ast.Attribute):
            kids = [node.value]
        for kid in kids:
            if isinstance(kid, ast.Name) and kid.id in ("np", "math"):
                continue
            t = _copy.deepcopy(tree)
            # find the copies of node and kid by position in a parallel walk
            mapping = dict(zip((id(n) for n in ast.walk(tree)), ast.walk(t)))
            pn, pf, pi = parents[id(node)]
            pcopy = mapping[id(pn)]
            kcopy = mapping[id(kid)]
            if pi is None:
                setattr(pcopy, pf, kcopy)
            else:
                getattr(pcopy, pf)[pi] = kcopy
            c = emit(t)
            if c:
                yield c
    del ids, exprs
    # 4. drop a parameter f does not read
    fdef = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f"),
                None)
    if fdef is not None and len(fdef.args.args) > 1:
        used = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)}
        for i, a in enumerate(fdef.args.args):
            if a.arg in used:
                continue
            t = _copy.deepcopy(tree)
            tf = next(n for n in t.body if isinstance(n, ast.FunctionDef) and n.name == "f")
            del tf.args.args[i]
            params = [p for p in prog.params if p[0] != a.arg]
            c = emit(t, params)
            if c:
                yield c
