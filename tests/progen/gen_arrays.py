"""Array expressions (a mixin of :class:`~.program.Gen`): the kinds that take parts of
arrays or change and build shapes -- slices and views, reshapes and transposes, matrix
and outer products, concatenation, stacking, ``cumsum``, flips and rolls,
broadcasting.

Input and output as in :mod:`.gen_exprs`: a scope, the target shape, a depth budget,
``bind`` and ``prefer``; an :class:`~.grammar.E`, or None from :meth:`~ArrayExpressions.x_slice`
when no slice of the target shape fits the scope.  The forms come from the tables of
:mod:`.grammar` (:data:`~.grammar.SLICES`, :data:`~.grammar.RESHAPES`,
:data:`~.grammar.MATMULS`, ...); views are marked ``fresh=False`` (binding one to a
name would alias another array).

Uses from the host: ``expr``/``sub`` (:class:`~.gen_exprs.Expressions`) and the
utilities of :class:`~.gen_base.GenBase`.  Imports: :mod:`.grammar`.
"""
import math

from .grammar import (CAP, CONCATS, MATMULS, ONE_D, OUTERS, RESHAPES, SLICES, STACKS, E,
                      shape_code)


class ArrayExpressions:
    """Views, reshapes, products and stacks (see the module docstring)."""

    def x_slice(self, sc, shape, depth, bind, prefer):
        opts = []
        for w, s, t in SLICES[shape]:
            if "{i}" in t and self.int_for(sc, s[0]) is None:
                continue
            if "{j}" in t and self.int_for(sc, s[1]) is None:
                continue
            present = s in self.scope_shapes(sc)
            opts.append((w * (3 if present else 1), (s, t)))
        if not opts:
            return None
        s, t = self.pick(opts)
        a = self.expr(sc, s, depth - 1, bind, prefer)
        self.tag("slice")
        i = self.int_for(sc, s[0]) if "{i}" in t else None
        j = self.int_for(sc, s[1]) if "{j}" in t else None
        if i or j:
            self.tag("index_loopvar")
        return E(t.format(a=a.p(), i=i, j=j), shape, a.bound, fresh=False)

    def x_reshape(self, sc, shape, depth, bind, prefer):
        w, s, t = self.pick([(x[0], x) for x in RESHAPES[shape]])
        a = self.expr(sc, s, depth - 1, bind, prefer)
        self.tag("transpose" if "T" in t or "transpose" in t else "reshape")
        return E(t.format(a=a.p(), c=a.code), shape, a.bound, fresh=False)

    def x_matmul(self, sc, shape, depth, bind, prefer):
        w, sa, sb, t = self.pick([(x[0], x) for x in MATMULS[shape]])
        if sa == "1":
            sa = sb = self.src_shape(sc, ONE_D)
        n = sa[-1] if not (t.startswith("{a}.T")) else sa[0]
        lim = math.sqrt(CAP / n)
        a = self.sub(sc, sa, depth, lim, prefer=prefer)
        b = self.sub(sc, sb, depth, lim)
        self.tag("matmul")
        code = t.format(a=a.p(), b=b.p(), c=a.code, d=b.code)
        return E(code, shape, n * a.bound * b.bound,
                 atom=t.startswith("np.") or t == "{a}.dot({d})")

    def x_outer(self, sc, shape, depth, bind, prefer):
        w, t = self.pick([(x[0], x) for x in OUTERS])
        a = self.sub(sc, (shape[0],), depth, 10.0, prefer=prefer)
        b = self.sub(sc, (shape[1],), depth, 10.0)
        self.tag("outer")
        code = t.format(a=a.p(), b=b.p(), c=a.code, d=b.code)
        return E(code, shape, a.bound * b.bound, atom=t.startswith("np."))

    def x_concat(self, sc, shape, depth, bind, prefer):
        return self._joined(CONCATS[shape], ("concatenate", "hstack"), sc, shape, depth,
                            prefer)

    def x_stack(self, sc, shape, depth, bind, prefer):
        return self._joined(STACKS[shape], ("stack", "np.array_of_list"), sc, shape, depth,
                            prefer)

    def _joined(self, table, tags, sc, shape, depth, prefer):
        """One template of ``table`` (weight, part shapes, format) over new parts; tagged
        ``tags[0]`` if the template names it, else ``tags[1]``."""
        w, parts, t = self.pick([(x[0], x) for x in table])
        es = [self.sub(sc, s, depth, prefer=prefer if i == 0 else None)
              for i, s in enumerate(parts)]
        self.tag(tags[0] if tags[0] in t else tags[1])
        return E(t.format(*[e.code for e in es]), shape, max(e.bound for e in es))

    def x_cumsum(self, sc, shape, depth, bind, prefer):
        a = self.sub(sc, shape, depth, prefer=prefer)
        self.tag("cumsum")
        if len(shape) == 1:
            form = self.pick([(3, "np.cumsum(%s)"), (1, "%s.cumsum()")])
            return E(form % (a.code if form.startswith("np.") else a.p()), shape,
                     a.bound * shape[0])
        ax = self.ch.int(0, 1)
        return E("np.cumsum(%s, axis=%d)" % (a.code, ax), shape, a.bound * shape[ax])

    def x_flip(self, sc, shape, depth, bind, prefer):
        a = self.expr(sc, shape, depth - 1, bind, prefer)
        if len(shape) == 1:
            t = self.pick([(2, "np.flip({c})"), (2, "np.roll({c}, 1)"), (1, "np.roll({c}, -1)")])
        else:
            t = self.pick([(2, "np.flip({c})"), (1, "np.flip({c}, axis=1)")])
        self.tag("flip" if "flip" in t else "roll")
        fresh = "roll" in t
        if not fresh and bind:
            # np.flip is a view: build it from something that is not a buffer
            a = self.expr(sc, shape, depth - 1, True, prefer)
        return E(t.format(c=a.code), shape, a.bound, fresh=fresh)

    def x_broadcast(self, sc, shape, depth, bind, prefer):
        k = self.pick([(3, "zeros"), (2, "full"), (1, "bcast")])
        self.tag("broadcast")
        if k == "bcast" and len(shape) == 2:
            a = self.expr(sc, (shape[1],), depth - 1, bind, prefer)
            return E("np.broadcast_to(%s, %s)" % (a.code, shape_code(shape)), shape, a.bound,
                     fresh=False)
        a = self.sub(sc, (), depth, prefer=prefer)
        if k == "full":
            return E("np.full(%s, %s)" % (shape_code(shape), a.code), shape, a.bound)
        return E("%s * np.ones(%s)" % (a.p(), shape_code(shape)), shape, a.bound, atom=False)
