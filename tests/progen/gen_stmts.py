"""Statements (a mixin of :class:`~.program.Gen`): blocks, the dispatch over statement
kinds, and assignments -- plain, re-assignments, augmented, tuple, swap, self.

Input: a :class:`~.scopes.Scope`, the nesting level ``nest``, the list of output
``lines`` and the indentation ``ind``.  Output of :meth:`Statements.block` and of every
``s_<kind>``: ``(scope after it, terminated)``, the statement's lines appended to
``lines``; ``terminated`` means that control does not reach what follows (a return,
break or continue ended the block).  :meth:`Statements.rhs` and
:meth:`Statements.fresh` give right-hand sides (``fresh``: a new array, never a view of
or another name for an existing one; buffers and returns need that).

Uses from the host: the utilities and expressions, and the statement kinds of
:class:`~.gen_control.ControlFlow`, :class:`~.gen_containers.Containers` and
:class:`~.gen_functions.Functions`, reached through the dispatch.
Imports: ``collections``, :mod:`.grammar`.
"""
import collections

from .grammar import CAP, STMT_WEIGHTS, E


class Statements:
    """Blocks and assignments (see the module docstring)."""

    def block(self, sc, n, nest, lines, ind, first=None):
        """Generate up to ``n`` statements; returns (scope, terminated)."""
        for k in range(n):
            sc, term = self.stmt(sc, nest, lines, ind)
            if term:
                return sc, True
        return sc, False

    def stmt(self, sc, nest, lines, ind):
        self.fuel = 4
        fn = sc.fn
        kinds = []
        bufs = [v for v in sc.vars.values() if v.buffer and not v.ro]
        scal = [v for v in sc.vars.values() if v.shape == () and not v.ro]
        nonbuf = [v for v in sc.vars.values() if not v.buffer and not v.ro]
        rw = [v for v in sc.vars.values() if not v.ro]
        for k, w in STMT_WEIGHTS.items():
            w = self.cfg.w("stmt." + k, w)
            if w <= 0:
                continue
            if k in ("if", "for_range", "for_iter", "zip", "enumerate", "while", "list",
                     "buffer") and nest >= self.cfg.max_nest:
                continue
            if k in ("break", "continue") and sc.loop is None:
                continue
            if k == "continue" and sc.loop == "while_true":
                continue
            if k == "aug" and not (scal or bufs):
                continue
            if k == "setitem" and not bufs:
                continue
            if k == "call" and not [c for c in fn.callables if c.tuple_ret]:
                continue
            if k == "swap" and not self.same_shape_pair(nonbuf):
                continue
            if k in ("zip", "enumerate") and not any(
                    v.shape and not v.buffer for v in sc.vars.values()):
                continue
            if k in ("reassign", "self") and not rw:
                continue
            if sc.loop is not None and k in ("reassign", "aug"):
                w *= 2          # loops should update accumulators
            kinds.append((w, k))
        k = self.pick(kinds)
        return getattr(self, "s_" + k)(sc, nest, lines, ind)

    def same_shape_pair(self, vs):
        by = collections.defaultdict(list)
        for v in vs:
            by[v.shape].append(v)
        return [g for g in by.values() if len(g) >= 2]

    def rhs(self, sc, shape, buffer, prefer=None, depth=None):
        d = self.edepth() if depth is None else depth
        if buffer:
            return self.fresh(sc, shape, max(d, 1), prefer)
        return self.expr(sc, shape, d, bind=True, prefer=prefer)

    def fresh(self, sc, shape, depth, prefer=None):
        e = self.expr(sc, shape, depth, bind=False, prefer=prefer)
        if e.fresh or shape == ():
            return e
        self.tag("copy")
        t = self.pick([(2, "{a}.copy()"), (1, "np.array({c})"), (1, "1.0 * {a}")])
        return E(t.format(a=e.p(), c=e.code), shape, e.bound, atom=not t.startswith("1.0"))

    def s_assign(self, sc, nest, lines, ind):
        shape = self.pick_shape(sc)
        buffer = bool(shape) and self.ch.bool(0.25)
        e = self.rhs(sc, shape, buffer)
        name = self.new_name(sc, ("mbuf" if len(shape) == 2 else "buf") if buffer else
                             ("scalar" if shape == () else "vec" if len(shape) == 1 else "mat"))
        self.claim(sc, name, shape)
        lines.append("%s%s = %s" % (ind, name, e.code))
        sc.define(name, shape, e.bound, buffer, dep=sc.mentions(e.code))
        self.tag("assign")
        return sc, False

    def recent(self, sc, vs):
        return self.pick([(1 + (3 if not v.param else 0) + (2 if v.uses == 0 else 0), v)
                          for v in vs])

    def s_reassign(self, sc, nest, lines, ind):
        v = self.recent(sc, [v for v in sc.vars.values() if not v.ro])
        e = self.rhs(sc, v.shape, v.buffer, prefer=v.name)
        lines.append("%s%s = %s" % (ind, v.name, e.code))
        sc.define(v.name, v.shape, e.bound, dep=sc.mentions(e.code))
        self.tag("reassign" + ("_param" if v.param else ""))
        return sc, False

    def s_aug(self, sc, nest, lines, ind):
        cands = [v for v in sc.vars.values() if (v.shape == () or v.buffer) and not v.ro]
        v = self.recent(sc, cands)
        op = self.pick([(4, "+="), (2, "-="), (2, "*="), (1, "/=")])
        shapes = [(3, v.shape), (1, ())] if v.shape else [(1, ())]
        if len(v.shape) == 2:
            shapes.append((1, (v.shape[1],)))
        s = self.pick(shapes)
        d = self.edepth()
        if op == "*=":
            e = self.sub(sc, s, d + 1, 2.0)
            nb = v.bound * e.bound
        elif op == "/=":
            b = self.sub(sc, s, d + 1, CAP)
            e = E("(1.0 + %s ** 2)" % b.p(), s, 1.0)
            nb = v.bound
        else:
            e = self.sub(sc, s, d + 1, CAP, prefer=v.name if self.ch.bool(0.3) else None)
            nb = v.bound + e.bound
        lines.append("%s%s %s %s" % (ind, v.name, op, e.code))
        v.dep = v.dep or sc.mentions(e.code)
        v.bound = min(nb, 1e6)
        self.tag("aug" + (":array" if v.shape else ":scalar") + (":param" if v.param else ""))
        return sc, False

    def s_tuple(self, sc, nest, lines, ind):
        nonbuf = [v for v in sc.vars.values() if not v.buffer and not v.ro]
        if nonbuf and self.ch.bool(0.5):
            # x, x_prev = 0.5 * x + a, x
            v = self.recent(sc, nonbuf)
            e = self.expr(sc, v.shape, self.edepth(), bind=True, prefer=v.name)
            others = [w for w in nonbuf if w.shape == v.shape and w is not v and not w.param]
            if others and self.ch.bool(0.5):
                w = self.ch.choice(others)
                wname = w.name
            else:
                wname = self.new_name(sc, "scalar" if v.shape == () else
                                      "vec" if len(v.shape) == 1 else "mat")
                self.claim(sc, wname, v.shape)
            lines.append("%s%s, %s = %s, %s" % (ind, v.name, wname, e.code, v.name))
            old, olddep = v.bound, v.dep
            sc.define(v.name, v.shape, e.bound, dep=sc.mentions(e.code))
            sc.define(wname, v.shape, old, dep=olddep)
            self.tag("tuple_assign:shift")
            return sc, False
        n = self.pick([(3, 2), (1, 3)])
        names, codes, defs = [], [], []
        for _ in range(n):
            shape = self.pick_shape(sc)
            e = self.expr(sc, shape, self.edepth(), bind=True)
            name = self.new_name(sc, "scalar" if shape == () else
                                 "vec" if len(shape) == 1 else "mat")
            self.claim(sc, name, shape)
            names.append(name)
            codes.append(e.code)
            defs.append((name, shape, e.bound, sc.mentions(e.code)))
        lines.append("%s%s = %s" % (ind, ", ".join(names), ", ".join(codes)))
        for n, sh, b, dp in defs:
            sc.define(n, sh, b, dep=dp)
        self.tag("tuple_assign")
        return sc, False

    def s_swap(self, sc, nest, lines, ind):
        nonbuf = [v for v in sc.vars.values() if not v.buffer and not v.ro]
        group = self.ch.choice(self.same_shape_pair(nonbuf))
        a = self.ch.choice(group)
        b = self.ch.choice([v for v in group if v is not a])
        lines.append("%s%s, %s = %s, %s" % (ind, a.name, b.name, b.name, a.name))
        a.bound = b.bound = max(a.bound, b.bound)
        a.dep, b.dep = b.dep, a.dep
        a.uses += 1
        b.uses += 1
        self.tag("swap")
        return sc, False

    def s_self(self, sc, nest, lines, ind):
        v = self.ch.choice([v for v in sc.vars.values() if not v.ro])
        lines.append("%s%s = %s" % (ind, v.name, v.name))
        self.tag("self_assign")
        return sc, False
