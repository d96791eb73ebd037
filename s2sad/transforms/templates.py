"""Instantiate derivative-rule templates at a call site.

Input: a :class:`~s2sad.rules.Rule`, the call's bound argument nodes and the
derivative nodes to use for ``d[...]`` reads.  Output: fresh gast statements in
which parameters are replaced by the call's atoms, template temporaries by
unique names, and free names are recorded (with their live objects) for the
generated module's imports.  ``d[p] = expr`` statements are returned as
:class:`Contribution` records for the AD transform to place.
"""
import copy

import gast

from ..syntax import astwalk
from ..rules import is_d
from .optimize import zero


class Contribution:
    """``d[param] = expr`` from a template: ``target`` is the bound call-site node."""

    def __init__(self, param, target, expr):
        self.param = param
        self.target = target
        self.expr = expr


def instantiate(rule, result, bindings, derivs, namer, imports):
    """Paste ``rule``'s body at a call site.

    Args:
      rule: the template.
      result: gast node for the result parameter (the primal output).
      bindings: parameter name -> call-site gast node (from ``Rule.bind``).
      derivs: parameter name -> gast node for ``d[param]`` reads; a missing
        entry or ``None`` means a symbolic zero (only tangent templates read
        the derivatives of inputs, and their zero terms are simplified away
        by :func:`s2sad.transforms.optimize.simplify`).
      namer: the module's :class:`~s2sad.naming.Namer`.
      imports: the module's :class:`~s2sad.codegen.Imports`; free names of the
        template are bound there (and renamed if the user's code uses the name).
    Returns:
      list of gast statements and :class:`Contribution` records, in order.
    """
    params = dict(bindings)
    params[rule.result] = result
    body = copy.deepcopy(rule.body)
    local = set()
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            local.add(node.id)
    renames = {name: namer.unique("_" + name.lstrip("_")) for name in sorted(local)}
    subst = _Substitute(params, derivs, renames, rule, imports)
    out = []
    for stmt in body:
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and is_d(stmt.targets[0])):
            param = stmt.targets[0].slice.id
            out.append(Contribution(param, params.get(param), subst.visit(stmt.value)))
        else:
            out.append(subst.visit(stmt))
    return out


class _Substitute(gast.NodeTransformer):
    def __init__(self, params, derivs, renames, rule, imports):
        self.params = params
        self.derivs = derivs
        self.renames = renames
        self.rule = rule
        self.imports = imports

    def visit_Subscript(self, node):
        if is_d(node):
            deriv = self.derivs.get(node.slice.id)
            if deriv is None:
                return zero()
            return copy.deepcopy(deriv)
        return self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.renames:
            return gast.Name(id=self.renames[node.id], ctx=node.ctx, annotation=None,
                             type_comment=None)
        if node.id in self.params and isinstance(node.ctx, gast.Load):
            return copy.deepcopy(self.params[node.id])
        if isinstance(node.ctx, gast.Load) and node.id in self.rule.namespace:
            node.id = self.imports.bind(node.id, self.rule.namespace[node.id])
        return node
