"""Expressions (a mixin of :class:`~.program.Gen`): the dispatch over expression kinds,
leaves, constants, elementwise unary and binary operations, ``np.where`` and ``if``
expressions, reductions to a scalar, indexing, builtins, and conditions.

Input: a :class:`~.scopes.Scope`, the target shape, a depth budget, ``bind`` (the value
will be bound to a name: no buffer may be read directly) and ``prefer`` (a name leaves
favour).  Output: an :class:`~.grammar.E` (code, shape, bound on |value|) of that
shape; :meth:`Expressions.cond` gives the code of a condition.  Every operand is made
by :meth:`Expressions.sub`, which squashes it into the bound its operation allows
(:meth:`~.gen_base.GenBase.fit`).  An ``x_<kind>`` may return None (no form of the
kind fits): the dispatch then falls back to a leaf.

Uses from the host: the utilities of :class:`~.gen_base.GenBase`; the kinds of
:class:`~.gen_arrays.ArrayExpressions`, ``x_call``/``callables_for``
(:class:`~.gen_functions.Functions`) and ``x_comp``/``x_listop``
(:class:`~.gen_containers.Containers`), reached through the dispatch.
Imports: :mod:`.grammar`.
"""
import math
import re

from .grammar import (BINARY, CAP, CONCATS, DENOMS, EXPR_WEIGHTS, MATMULS, MODULE_CONSTS,
                      ONE_D, REDUCE, RESHAPES, SHAPES, SLICES, STACKS, TWO_D, UNARY,
                      AXIS_REDUCE, E, nelem, shape_code)


class Expressions:
    """Expressions of a given shape, and conditions (see the module docstring)."""

    def expr(self, sc, shape, depth, bind=False, prefer=None):
        if depth <= 0:
            return self.leaf(sc, shape, bind, prefer)
        kinds = []
        nd = len(shape)
        for k, w in EXPR_WEIGHTS.items():
            w = self.cfg.w("expr." + k, w)
            if w <= 0:
                continue
            if k in ("reduce", "index", "builtin") and nd != 0:
                continue
            if k == "axis_reduce" and shape not in ((2,), (3,)):
                continue
            if k == "slice" and not SLICES.get(shape):
                continue
            if k == "reshape" and shape not in RESHAPES:
                continue
            if k == "matmul" and shape not in MATMULS:
                continue
            if k == "outer" and nd != 2:
                continue
            if k == "concat" and shape not in CONCATS:
                continue
            if k == "stack" and shape not in STACKS:
                continue
            if k in ("cumsum", "flip", "where", "broadcast") and nd == 0:
                continue
            if k == "call" and not self.callables_for(sc, shape):
                continue
            if k == "listop" and not any(s == shape or shape == () for s in sc.lists.values()):
                continue
            kinds.append((w, k))
        k = self.pick(kinds)
        if k == "leaf":
            return self.leaf(sc, shape, bind, prefer)
        e = getattr(self, "x_" + k)(sc, shape, depth, bind, prefer)
        if e is None:
            return self.leaf(sc, shape, bind, prefer)
        return e

    def sub(self, sc, shape, depth, maxb=CAP, bind=False, prefer=None):
        return self.fit(self.expr(sc, shape, depth - 1, bind, prefer), maxb)

    def leaf(self, sc, shape, bind=False, prefer=None):
        opts = []
        for v in sc.vars.values():
            if v.shape != shape or (bind and v.buffer):
                continue
            w = 8 if v.uses == 0 else 4
            if not v.param:
                w += 2
            if v.dep:
                w *= 3
            if prefer == v.name:
                w += 30
            opts.append((w, ("var", v)))
        if shape == ():
            for n, ub in sc.ints.items():
                opts.append((1, ("int", n, ub)))
        nv = len(opts)
        opts.append((1 if nv or self.fuel > 0 else 3, ("const",)))
        if self.fuel > 0:
            opts.append((1 if nv else 12, ("derive",)))
        c = self.pick(opts)
        if c[0] == "var":
            v = c[1]
            v.uses += 1
            return E(v.name, shape, v.bound, atom=True, fresh=False)
        if c[0] == "int":
            self.tag("int_in_expr")
            form = self.pick([(2, "(0.5 * %s)"), (1, "float(%s)")])
            return E(form % c[1], (), 0.5 * c[2] if form.startswith("(") else c[2],
                     atom=True)
        if c[0] == "derive":
            self.fuel -= 1
            k = self.derive_kind(sc, shape)
            if k is not None:
                e = getattr(self, "x_" + k)(sc, shape, 1, bind, prefer)
                if e is not None:
                    return e
        return self.const(shape)

    def derive_kind(self, sc, shape):
        """How to build a value of ``shape`` from the variables of other shapes."""
        nd = len(shape)
        have = set(v.shape for v in sc.vars.values() if v.dep)
        arrays = any(have - {()})
        opts = []
        if nd == 0:
            opts += [(4 * (1 + 3 * arrays), "reduce"), (2 * (1 + 3 * arrays), "index")]
        if SLICES.get(shape):
            opts.append((3 * (1 + 3 * any(s in have for _, s, _ in SLICES[shape])), "slice"))
        if shape in RESHAPES:
            opts.append((2 * (1 + 3 * any(s in have for _, s, _ in RESHAPES[shape])),
                         "reshape"))
        if shape in ((2,), (3,)):
            opts.append((2 * (1 + 3 * any(len(s) == 2 for s in have)), "axis_reduce"))
        if nd == 2:
            opts.append((2 * (1 + 3 * ((shape[0],) in have or (shape[1],) in have)), "outer"))
        if nd >= 1:
            opts.append((3 * (1 + 3 * (() in have)), "broadcast"))
        if shape in STACKS:
            opts.append((1 + 3 * (() in have), "stack"))
        return self.pick(opts) if opts else None

    def const(self, shape):
        if shape == ():
            c = self.const_scalar()
            return E(c, (), abs(float(c)), atom=not c.startswith("-"))
        k = self.pick([(3, "module"), (2, "ones"), (1, "full"),
                       (2 if len(shape) == 1 else 0, "linspace")])
        self.tag("const_array")
        if k == "module":
            name, src = MODULE_CONSTS[shape]
            self.consts[name] = src
            return E(name, shape, 2.0, fresh=False)
        if k == "ones":
            return E("np.ones(%s)" % shape_code(shape), shape, 1.0)
        if k == "full":
            c = self.const_scalar()
            return E("np.full(%s, %s)" % (shape_code(shape), c), shape, abs(float(c)))
        return E("np.linspace(-1.0, 1.0, %d)" % shape[0], shape, 1.0)

    # --- expression kinds -----------------------------------------------------------

    def x_unary(self, sc, shape, depth, bind, prefer):
        opts = []
        for k, (w, _, _, _, where) in UNARY.items():
            if where == "array" and shape == ():
                continue
            if where == "scalar" and shape != ():
                continue
            opts.append((self.w("op", k, w), k))
        k = self.pick(opts)
        _, maxarg, tmpl, bfn, _ = UNARY[k]
        a = self.sub(sc, shape, depth, maxarg, prefer=prefer)
        self.tag("op:" + k)
        if k.startswith("math"):
            self.uses_math = True
        if k == "scale":
            c = self.ch.choice(["0.5", "2.0", "-1.5", "0.1", "3.0", "0.9"])
            return E("%s * %s" % (c, a.p()), shape, abs(float(c)) * a.bound, atom=False)
        if k == "shift":
            c = self.ch.choice(["1.0", "0.5", "-0.25", "2.0"])
            return E("%s + %s" % (a.p(), c), shape, a.bound + abs(float(c)), atom=False)
        code = tmpl.format(a=a.p(), c=a.code)
        atom = tmpl.startswith(("np.", "math.", "abs(", "float(", "{a}.")) and \
            tmpl.endswith(")")
        return E(code, shape, bfn(a.bound), atom=atom)

    def operand_shapes(self, shape):
        if shape == ():
            return [(1, ((), ()))]
        if len(shape) == 1:
            return [(5, (shape, shape)), (2, (shape, ())), (2, ((), shape))]
        return [(5, (shape, shape)), (2, (shape, ())), (1, ((), shape)),
                (2, (shape, (shape[1],))), (1, ((shape[1],), shape))]

    def x_binop(self, sc, shape, depth, bind, prefer):
        sa, sb = self.pick(self.operand_shapes(shape))
        k = self.pick([(self.w("op", k, v[0]), k) for k, v in BINARY.items()])
        self.tag("op:" + k)
        w, tmpl, bfn, maxb = BINARY[k]
        if k == "div":
            a = self.sub(sc, sa, depth, CAP, prefer=prefer)
            dw, dt, dmax = self.pick([(x[0], x) for x in DENOMS])
            if dt == "2.0":
                # a constant denominator: the numerator must have the target shape
                a = self.sub(sc, shape, depth, CAP, prefer=prefer)
                form = "%s / 2.0" % a.p()
                self.tag("div:const")
                return E(form, shape, a.bound / 2, atom=False)
            b = self.sub(sc, sb, depth, dmax)
            den = dt.format(b=b.p(), c=b.code)
            if self.ch.bool(0.15):
                return E("np.divide(%s, %s)" % (a.code, den), shape, a.bound)
            return E("%s / %s" % (a.p(), den), shape, a.bound, atom=False)
        a = self.sub(sc, sa, depth, maxb, prefer=prefer)
        b = self.sub(sc, sb, depth, maxb)
        if k in ("sub", "np_sub") and a.code == b.code:
            k, tmpl, bfn = "add", BINARY["add"][1], BINARY["add"][2]
        if k in ("powvar", "powbase", "arctan2"):
            # the first operand's shape must be the target's for these forms
            if k == "powbase":
                b = self.sub(sc, shape, depth, maxb)
            else:
                a = self.sub(sc, shape, depth, maxb, prefer=prefer)
                if k == "powvar":
                    b = self.sub(sc, sb if sb == () else shape, depth, maxb)
        code = tmpl.format(a=a.p(), b=b.p(), c=a.code, d=b.code)
        return E(code, shape, bfn(a.bound, b.bound), atom=tmpl.startswith("np."))

    def cond_array(self, sc, shape, depth):
        s = self.pick([(3, shape), (1, ())] + ([(1, (shape[1],))] if len(shape) == 2 else []))
        a = self.sub(sc, s, max(depth - 1, 1))
        k = self.pick([(3, "c"), (2, "e"), (1, "and")])
        op = self.ch.choice([">", "<", ">=", "<="])
        if k == "c":
            return "%s %s %s" % (a.p(), op, self.ch.choice(["0.0", "0.5", "-0.5", "1.0"]))
        b = self.sub(sc, shape, max(depth - 1, 1))
        if k == "e":
            return "%s %s %s" % (a.p(), op, b.p())
        return "(%s > 0.0) & (%s < 1.0)" % (a.p(), b.p())

    def x_where(self, sc, shape, depth, bind, prefer):
        self.tag("np.where")
        cond = self.cond_array(sc, shape, depth)
        a = self.sub(sc, shape, depth, prefer=prefer)
        b = self.sub(sc, self.pick([(3, shape), (1, ())]), depth)
        return E("np.where(%s, %s, %s)" % (cond, a.code, b.code), shape,
                 max(a.bound, b.bound))

    def x_ifexp(self, sc, shape, depth, bind, prefer):
        self.tag("ifexp")
        c = self.cond(sc, depth - 1)
        a = self.expr(sc, shape, depth - 1, bind, prefer)
        b = self.expr(sc, shape, depth - 1, bind)
        return E("%s if %s else %s" % (a.p(), c, b.p()), shape, max(a.bound, b.bound),
                 atom=False, fresh=a.fresh and b.fresh)

    def x_reduce(self, sc, shape, depth, bind, prefer):
        opts = [(self.w("op", k, v[0]), k) for k, v in REDUCE.items()]
        k = self.pick(opts)
        w, tmpl, bfn, maxb, where = REDUCE[k]
        cands = (ONE_D if where == "1d" else [(2, 2), (3, 3)] if where == "square"
                 else [s for s in SHAPES if s])
        s = self.src_shape(sc, cands)
        n = nelem(s)
        self.tag("reduce:" + k)
        if self.ch.bool(0.2) and k in ("sum", "mean"):
            # a dot product / masked sum instead
            sub = self.pick([(3, "dot"), (1, "masked")]) if len(s) == 1 else "masked"
            if sub == "dot":
                m = MATMULS[()]
                _, _, _, t = self.pick([(x[0], x) for x in m])
                a = self.sub(sc, s, depth, math.sqrt(CAP / n), prefer=prefer)
                b = self.sub(sc, s, depth, math.sqrt(CAP / n))
                self.tag("dot")
                return E(t.format(a=a.p(), b=b.p(), c=a.code, d=b.code), (),
                         n * a.bound * b.bound, atom=not t.startswith("{a} @"))
            vs = [v for v in sc.vars.values() if v.shape == s]
            if vs:
                v = self.ch.choice(vs)
                v.uses += 1
                self.tag("masked_sum")
                return E("np.sum(%s[%s > %s])" % (v.name, v.name,
                                                 self.ch.choice(["0.0", "0.5", "-0.5"])),
                         (), n * v.bound)
        a = self.sub(sc, s, depth, maxb, prefer=prefer)
        c = a.code
        if k == "norm" and (any(v.buffer and re.search(r"\b%s\b" % v.name, c)
                                for v in sc.vars.values()) or "np.zeros" in c or a.bound < 1e-9):
            c = "%s + 1.0" % a.p()
        code = tmpl.format(a=a.p(), c=c, n=s[0])
        return E(code, (), bfn(a.bound, n))

    def x_index(self, sc, shape, depth, bind, prefer):
        s = self.src_shape(sc, [s for s in SHAPES if s])
        a = self.sub(sc, s, depth, prefer=prefer)
        self.tag("index_scalar")
        idx = []
        for L in s:
            i = self.int_for(sc, L) if self.ch.bool(0.5) else None
            if i is not None:
                self.tag("index_loopvar")
                idx.append(i)
            else:
                idx.append(self.ch.choice(["0", "-1", str(L - 1), "1"]))
        return E("%s[%s]" % (a.p(), ", ".join(idx)), (), a.bound)

    def x_axis_reduce(self, sc, shape, depth, bind, prefer):
        L = shape[0]
        srcs = [(s, ax) for s in TWO_D for ax in (0, 1) if s[1 - ax] == L]
        s, ax = self.pick([(5 if s in self.scope_shapes(sc) else 1, (s, ax)) for s, ax in srcs])
        w, tmpl, bfn = self.pick([(x[0], x) for x in AXIS_REDUCE])
        a = self.sub(sc, s, depth, prefer=prefer)
        self.tag("axis_reduce")
        return E(tmpl.format(a=a.p(), c=a.code, ax=ax), shape, bfn(a.bound, s[ax]))

    def x_builtin(self, sc, shape, depth, bind, prefer):
        k = self.pick([(2, "max"), (2, "min"), (1, "pow")])
        a = self.sub(sc, (), depth, prefer=prefer)
        self.tag("builtin:" + k)
        if k == "pow":
            a = self.fit(a, 10.0)
            return E("pow(%s, 2)" % a.code, (), a.bound ** 2)
        b = self.sub(sc, (), depth)
        return E("%s(%s, %s)" % (k, a.code, b.code), (), max(a.bound, b.bound))

    # --- conditions -----------------------------------------------------------------

    def cond(self, sc, depth=1, level=0):
        depth = max(depth, 1)
        opts = [(4, "cmp"), (3, "sum"), (1, "two"), (1, "anyall"), (1, "elem")]
        if level == 0:
            opts += [(1, "and"), (1, "not")]
        if sc.ints:
            opts.append((2, "int"))
        k = self.pick(opts)
        op = self.ch.choice([">", "<", ">=", "<="])
        self.tag("cond:" + k)
        if k == "cmp":
            a = self.sub(sc, (), depth)
            return "%s %s %s" % (a.p(), op, self.ch.choice(["0.0", "0.3", "1.0", "-0.5", "2.0"]))
        if k == "sum":
            s = self.src_shape(sc, [s for s in SHAPES if s])
            a = self.sub(sc, s, depth)
            f = self.ch.choice(["np.sum", "np.mean", "np.max"])
            return "%s(%s) %s %s" % (f, a.code, op, self.ch.choice(["0.0", "0.3", "1.0", "-1.0"]))
        if k == "two":
            a = self.sub(sc, (), depth)
            b = self.sub(sc, (), depth)
            return "%s %s %s" % (a.p(), op, b.p())
        if k == "anyall":
            s = self.src_shape(sc, [s for s in SHAPES if s])
            a = self.sub(sc, s, depth)
            return "np.%s(%s > %s)" % (self.ch.choice(["all", "any"]), a.p(),
                                       self.ch.choice(["0.0", "-0.5", "0.5"]))
        if k == "and":
            return "%s %s %s" % (self.cond(sc, depth - 1, 1), self.ch.choice(["and", "or"]),
                                 self.cond(sc, depth - 1, 1))
        if k == "not":
            return "not (%s)" % self.cond(sc, depth - 1, 1)
        if k == "elem":
            s = self.src_shape(sc, ONE_D)
            vs = [v for v in sc.vars.values() if v.shape == s]
            if vs:
                v = self.ch.choice(vs)
                v.uses += 1
                return "%s[0] %s %s[-1]" % (v.name, op, v.name)
            a = self.sub(sc, (), depth)
            return "%s %s 0.0" % (a.p(), op)
        n = self.ch.choice(list(sc.ints))
        return self.ch.choice(["%s %% 2 == 0" % n, "%s < 2" % n, "%s == 1" % n,
                               "%s > 0" % n])
