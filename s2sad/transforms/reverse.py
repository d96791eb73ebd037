"""Reverse mode: adjoint statements for an ANF function body.

Input: ANF statements (see :mod:`s2sad.transforms.anf`), the set of active
variables, and the seeds (adjoint names of the outputs, already defined).
Output: the adjoint statements, in backward order, for every statement that
assigns an active variable.  Each carries the ``origin`` annotation of its
primal statement, for ``# Grad of:`` comments.

Adjoints start as *symbolic zeros*: the first contribution to ``x`` assigns
``bx = expr``; later ones accumulate ``bx = bx + expr`` (``add_grad`` for
values that may be containers).  Statements whose result has a zero adjoint
produce nothing.
"""
import gast

from .. import rules
from ..annotations import getanno, setanno
from ..errors import MissingRuleError, RuleError
from ..templates import Contribution, instantiate
from .ops import classify


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def assign(name, value):
    return gast.Assign(targets=[store(name)], value=value, type_comment=None)


class Reverse:
    """Builds adjoint statements; one instance per generated function.

    Args:
      ctx: the compilation context (namer, imports, namespace, parsed, ...).
      active: names of active variables.
      containers: names whose adjoint may be a container (accumulated with
        ``add_grad`` rather than ``+``).
    """

    def __init__(self, ctx, active, containers=()):
        self.ctx = ctx
        self.active = set(active)
        self.containers = set(containers)
        self.defined = set()
        self._names = {}

    def adj(self, name):
        """The adjoint variable name of primal ``name`` (memoised, unique)."""
        if name not in self._names:
            self._names[name] = self.ctx.namer.unique(self.ctx.namer.adjoint(name))
        return self._names[name]

    def adjoint_names(self):
        """Map primal name -> adjoint name for every adjoint created so far."""
        return dict(self._names)

    def seed(self, name):
        """Mark the adjoint of ``name`` as defined (a parameter or given value)."""
        self.defined.add(name)
        return self.adj(name)

    def accumulate(self, name, expr):
        """``bname = expr`` for the first contribution, ``bname = bname + expr`` after."""
        target = self.adj(name)
        if name not in self.defined:
            self.defined.add(name)
            return assign(target, expr)
        if name in self.containers:
            value = gast.Call(func=load(self.ctx.imports.runtime("add_grad")),
                              args=[load(target), expr], keywords=[])
        else:
            value = gast.BinOp(left=load(target), op=gast.Add(), right=expr)
        return assign(target, value)

    # --- statements ---

    def body(self, stmts):
        """Adjoint statements of ``stmts`` (processed last to first)."""
        out = []
        for stmt in reversed(stmts):
            new = self.statement(stmt)
            for s in new:
                if getanno(s, "origin") is None:
                    setanno(s, "origin", getanno(stmt, "origin"))
            out.extend(new)
        return out

    def statement(self, stmt):
        if isinstance(stmt, gast.Assign):
            target = stmt.targets[0]
            if isinstance(target, gast.Name):
                return self.assignment(target.id, stmt.value, stmt)
        if isinstance(stmt, (gast.Expr, gast.Assert, gast.Raise, gast.Pass)):
            return []
        if isinstance(stmt, gast.Assign) or isinstance(stmt, gast.AugAssign):
            raise self.ctx.unsupported(stmt, "assigning into an array or container",
                                       "build a new array (np.concatenate, np.where) instead")
        raise self.ctx.unsupported(stmt, "control flow (%s) in reverse mode"
                                   % type(stmt).__name__.lower(), "")

    def assignment(self, name, value, stmt):
        if name not in self.active or name not in self.defined:
            return []
        op = classify(value, self.ctx.namespace, self.ctx.is_local)
        bres = load(self.adj(name))
        if op.kind == "copy":
            return self.contribute(op.args[0], bres)
        if op.kind == "literal":
            return self.literal(value, bres)
        if op.kind in ("const", "nondiff"):
            return []
        if op.kind == "rule":
            return self.rule(op, load(name), bres, stmt)
        where = self.ctx.parsed.where(stmt)
        raise MissingRuleError(_key_name(op), where)

    def contribute(self, target, expr):
        """Statements adding ``expr`` to the adjoint of call-site node ``target``."""
        if isinstance(target, gast.Name):
            if target.id in self.active and self.ctx.is_local(target.id):
                return [self.accumulate(target.id, expr)]
            return []
        if isinstance(target, (gast.Tuple, gast.List)):
            names = [e.id if isinstance(e, gast.Name) and e.id in self.active else None
                     for e in target.elts]
            if not any(names):
                return []
            parts = [self.ctx.namer.unique("_" + self.adj(n)) if n else "_"
                     for n in names]
            unpack = gast.Assign(
                targets=[gast.Tuple(elts=[store(p) for p in parts], ctx=gast.Store())],
                value=expr, type_comment=None)
            return [unpack] + [self.accumulate(n, load(p))
                               for n, p in zip(names, parts) if n]
        return []

    def literal(self, value, bres):
        out = []
        if isinstance(value, gast.Dict):
            pairs = zip(value.keys, value.values)
        else:
            pairs = ((gast.Constant(value=i, kind=None), e) for i, e in enumerate(value.elts))
        for key, elt in pairs:
            if key is not None:
                part = gast.Subscript(value=bres, slice=key, ctx=gast.Load())
                out.extend(self.contribute(elt, part))
        return out

    def rule(self, op, result, bres, stmt):
        rule = rules.lookup_adjoint(op.key)
        where = self.ctx.parsed.where(stmt)
        if rule is None:
            raise MissingRuleError(_key_name(op), where, "it has a tangent rule only")
        try:
            bindings = rule.bind(op.args, op.keywords, where)
        except RuleError as err:
            raise self.ctx.unsupported(stmt, str(err).split(": ", 1)[-1], "") from None
        out = []
        items = instantiate(rule, result, bindings, {rule.result: bres},
                            self.ctx.namer, self.ctx.imports)
        for item in items:
            if isinstance(item, Contribution):
                out.extend(self.contribute(item.target, item.expr))
            else:
                out.append(item)
        return out


def _key_name(op):
    key = op.key
    name = getattr(key, "__name__", None)
    module = getattr(key, "__module__", None)
    if name and module:
        return "%s.%s" % (module, name)
    return repr(key)
