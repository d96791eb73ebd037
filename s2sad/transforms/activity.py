"""Activity analysis: which variables need derivatives.

Input: an ANF function body, the names of the differentiated parameters and
the names whose derivative is wanted at the end (the output).  Output: the set
of *active* variables, those that both depend on a differentiated input
(*varied*) and influence the output (*useful*).  The analysis is
flow-insensitive and iterates to a fixed point, so it is sound for loops and
branches: a variable is active if any assignment to it is.
"""
import gast

from ..syntax import astwalk
from .. import rules
from .ops import classify

_NO_DERIVATIVE = ("const", "nondiff")


def assignments(body):
    """Yield ``(target_node, value_node, stmt)`` for every assignment in ``body``.

    For loops yield their target with the iterated value; subscript stores
    (``y[i] = v``) yield the subscript as target.
    """
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            yield stmt.targets[0], stmt.value, stmt
        elif isinstance(stmt, gast.AugAssign):
            yield stmt.target, stmt.value, stmt
        elif isinstance(stmt, gast.For):
            yield stmt.target, stmt.iter, stmt
        for field in ("body", "orelse"):
            yield from assignments(getattr(stmt, field, ()))


def _stored(target):
    if isinstance(target, gast.Subscript):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


def _reads(stmt, value, namespace, is_local):
    if isinstance(stmt, (gast.For, gast.AugAssign)):
        return [n.id for n in astwalk.walk(value) if isinstance(n, gast.Name)]
    op = classify(value, namespace, is_local)
    if op.kind in _NO_DERIVATIVE:
        return []
    if op.kind == "literal":
        return [n.id for n in astwalk.walk(value) if isinstance(n, gast.Name)]
    if op.kind == "rule":
        return _differentiable_reads(op)
    return op.inputs()


def _differentiable_reads(op):
    """Names read by the arguments of a rule's call that have a derivative (not the
    index of ``x[i]`` or the ``axis`` of a sum): only those make the result vary."""
    found = [r for r in (rules.lookup_adjoint(op.key), rules.lookup_tangent(op.key))
             if r is not None]
    try:
        bound = [(r, r.bind(op.args, op.keywords, "")) for r in found]
    except rules.RuleError:
        return op.inputs()  # the transform reports the unsupported call
    if not bound or rules.is_linear(op.key):
        return op.inputs()
    names = set()
    for rule, bindings in bound:
        for param in rule.differentiable:
            node = bindings.get(param)
            if node is not None:
                names.update(n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
                             and isinstance(n.ctx, gast.Load))
    return sorted(names)


def active_variables(body, wrt, outputs, namespace, is_local):
    """The set of variables that are varied and useful.

    Args:
      body: ANF statements.
      wrt: names of differentiated parameters.
      outputs: names whose derivatives are seeded (the returned values).
      namespace, is_local: as for :func:`~s2sad.transforms.ops.classify`.
    """
    edges = []
    for target, value, stmt in assignments(body):
        name = _stored(target)
        if name is not None:
            reads = set(_reads(stmt, value, namespace, is_local))
            if isinstance(target, gast.Subscript):
                reads.add(name)
            edges.append((name, reads))
    varied = set(wrt)
    changed = True
    while changed:
        changed = False
        for name, reads in edges:
            if name not in varied and reads & varied:
                varied.add(name)
                changed = True
    useful = set(outputs)
    changed = True
    while changed:
        changed = False
        for name, reads in edges:
            if name in useful:
                new = reads - useful
                if new:
                    useful |= new
                    changed = True
    return varied & useful
