"""Lists, comprehensions and buffers (a mixin of :class:`~.program.Gen`).

Input and output as in :mod:`.gen_exprs` for ``x_comp`` (comprehensions) and
``x_listop`` (reductions and elements of completed lists), as in :mod:`.gen_stmts` for
``s_list`` (a list built by ``append`` in a loop, then consumed), ``s_buffer`` (an array
made by ``np.zeros`` and friends, then written into, often in a loop) and ``s_setitem``
(one more write into a buffer).  :meth:`Containers.iterable` gives something to loop
over -- ``(code, element shape, length or None, bound)`` -- and
:meth:`Containers.write` one write into a buffer (``h[i] = e``, ``h[1:] += e``, ...).

Uses from the host: ``expr``/``sub``, ``loop_body`` and the utilities.
Imports: :mod:`.grammar`.
"""
from .grammar import CAP, SHAPES, E, shape_code


class Containers:
    """Lists, comprehensions and in-place buffers (see the module docstring)."""

    def iterable(self, sc, depth, allow_lists=True):
        """Something to loop over: (code, element shape, length, bound)."""
        opts = []
        for v in sc.vars.values():
            if v.shape and not v.buffer:
                opts.append((4, ("var", v)))
        if allow_lists:
            for n, s in sc.lists.items():
                opts.append((3, ("list", n, s)))
        opts.append((1, ("expr",)))
        c = self.pick(opts)
        if c[0] == "var":
            v = c[1]
            v.uses += 1
            if len(v.shape) == 2 and self.ch.bool(0.25):
                self.tag("iter_transpose")
                return "%s.T" % v.name, (v.shape[0],), v.shape[1], v.bound
            return v.name, v.shape[1:], v.shape[0], v.bound
        if c[0] == "list":
            self.tag("iter_list")
            return c[1], c[2], None, CAP
        s = self.pick([(2, (3,)), (2, (2, 3)), (1, (4,)), (1, (3, 2))])
        e = self.expr(sc, s, max(depth - 1, 1), bind=True)
        return e.p(), s[1:], s[0], e.bound

    def x_comp(self, sc, shape, depth, bind, prefer):
        self.tag("comprehension")
        code, es, n, b = self.iterable(sc, depth, allow_lists=False)
        inner = sc.copy()
        t = self.new_name(sc, "elem" if es == () else "row")
        self.claim(sc, t, es)
        inner.define(t, es, b, dep=sc.mentions(code))
        if shape == ():
            body = self.sub(inner, (), depth, prefer=t)
            return E("sum(%s for %s in %s)" % (body.code, t, code), (), n * body.bound)
        if len(shape) == 1 and n == shape[0]:
            body = self.sub(inner, (), depth, prefer=t)
            return E("np.array([%s for %s in %s])" % (body.code, t, code), shape, body.bound)
        if len(shape) == 2 and n == shape[0]:
            body = self.sub(inner, shape[1:], depth, prefer=t)
            return E("np.stack([%s for %s in %s])" % (body.code, t, code), shape, body.bound)
        body = self.sub(inner, shape, depth, prefer=t)
        return E("sum([%s for %s in %s])" % (body.code, t, code), shape, n * body.bound)

    def x_listop(self, sc, shape, depth, bind, prefer):
        opts = [(n, s) for n, s in sc.lists.items() if s == shape or shape == ()]
        n, s = self.ch.choice(opts)
        self.tag("list_reduce")
        if s == shape:
            t = self.pick([(3, "sum({n})"), (1, "{n}[-1]"), (1, "{n}[0]")])
            if shape != () and not t.startswith("sum") and bind:
                t = "sum({n})"
            return E(t.format(n=n), shape, CAP, fresh=t.startswith("sum") or shape == ())
        t = self.pick([(2, "np.sum({n})"), (1, "np.mean({n})")])
        return E(t.format(n=n), (), CAP)

    def s_list(self, sc, nest, lines, ind):
        name = self.new_name(sc, "list")
        self.claim(sc, name, "list")
        es = self.pick_shape(sc, [(), (2,), (3,), (4,), (2, 3)])
        self.tag("list_build")
        lines.append("%s%s = []" % (ind, name))
        bi = ind + "    "

        listdep = []

        def first(body, lines, bi):
            e = self.expr(body, es, self.edepth(), bind=True)
            lines.append("%s%s.append(%s)" % (bi, name, e.code))
            listdep.append(body.mentions(e.code))

        if self.ch.bool(0.6):
            n = self.pick([(1, 1), (3, 2), (3, 3), (1, 4)])
            i = self.new_name(sc, "int")
            self.claim(sc, i, "int")
            lines.append("%sfor %s in range(%d):" % (ind, i, n))
            sc = self.loop_body(sc, nest, lines, bi, [(i, "int", n, True)], "for", n, first)
        else:
            code, ts, n, b = self.iterable(sc, 1, allow_lists=False)
            t = self.new_name(sc, "elem" if ts == () else "row")
            self.claim(sc, t, ts)
            lines.append("%sfor %s in %s:" % (ind, t, code))
            sc = self.loop_body(sc, nest, lines, bi, [(t, ts, b, False, sc.mentions(code))],
                                "for", n, first)
        # consume the list
        target_shape = es
        if es == ():
            t = self.pick([(2, "sum({n})"), (2, "np.sum({n})"), (1, "np.mean({n})"),
                           (1, "max({n})")])
        else:
            t = self.pick([(3, "sum({n})"), (2, "np.sum(np.stack({n}), axis=0)"),
                           (1, "np.mean(np.stack({n}), axis=0)"),
                           (1, "np.stack({n}).sum(axis=0)"), (1, "np.sum({n})")])
            if t == "np.sum({n})":
                target_shape = ()
        self.tag("list_consume:" + t.split("(")[0])
        vname = self.new_name(sc, "scalar" if target_shape == () else
                              "vec" if len(target_shape) == 1 else "mat")
        self.claim(sc, vname, target_shape)
        lines.append("%s%s = %s" % (ind, vname, t.format(n=name)))
        sc.define(vname, target_shape, CAP, dep=any(listdep))
        sc.lists[name] = es
        return sc, False

    def s_buffer(self, sc, nest, lines, ind):
        arrs = [v for v in sc.vars.values() if v.shape]
        shape = self.pick_shape(sc, [s for s in SHAPES if s])
        init = self.pick([(4, "zeros"), (1, "ones"), (2, "zeros_like"), (1, "copy"),
                          (1, "npcopy"), (1, "array")])
        same = [v for v in arrs if v.shape == shape]
        if init in ("zeros_like", "copy", "npcopy", "array") and not same:
            init = "zeros"
        if init == "zeros":
            code, b = "np.zeros(%s)" % shape_code(shape), 0.0
        elif init == "ones":
            code, b = "np.ones(%s)" % shape_code(shape), 1.0
        else:
            v = self.ch.choice(same)
            v.uses += 1
            b = v.bound if init != "zeros_like" else 0.0
            code = {"zeros_like": "np.zeros_like(%s)", "copy": "%s.copy()",
                    "npcopy": "np.copy(%s)", "array": "np.array(%s)"}[init] % v.name
        name = self.new_name(sc, "mbuf" if len(shape) == 2 else "buf")
        self.claim(sc, name, shape)
        lines.append("%s%s = %s" % (ind, name, code))
        sc.define(name, shape, b, buffer=True, dep=sc.mentions(code) and init != "zeros_like")
        self.tag("buffer:" + init)
        if self.ch.bool(0.6):
            n = self.pick([(1, 1), (2, 2), (2, shape[0])])
            n = min(n, shape[0])
            i = self.new_name(sc, "int")
            self.claim(sc, i, "int")
            lines.append("%sfor %s in range(%d):" % (ind, i, n))

            def first(body, lines, bi):
                self.write(body, body.vars[name], lines, bi, loopvar=i)

            sc = self.loop_body(sc, nest, lines, ind + "    ", [(i, "int", n, True)], "for", n,
                                first)
        else:
            self.write(sc, sc.vars[name], lines, ind)
        return sc, False

    def write(self, sc, v, lines, ind, loopvar=None):
        """One write into buffer ``v`` (``h[i] = e``, ``h[1:] += e``, ...)."""
        shape = v.shape
        opts = []
        if loopvar is not None and sc.ints.get(loopvar, 99) <= shape[0]:
            opts.append((6, ("[%s]" % loopvar, shape[1:])))
        opts += [(2, ("[0]", shape[1:])), (1, ("[-1]", shape[1:])),
                 (2, ("[1:]", (shape[0] - 1,) + shape[1:])),
                 (1, ("[:-1]", (shape[0] - 1,) + shape[1:]))]
        if len(shape) == 2:
            opts += [(1, ("[:, 0]", (shape[0],))), (1, ("[0, 1]", ()))]
            if loopvar is not None and sc.ints.get(loopvar, 99) <= shape[0]:
                opts.append((2, ("[%s, 0]" % loopvar, ())))
        if len(shape) == 1 and shape[0] % 2 == 0:
            opts.append((1, ("[::2]", (shape[0] // 2,))))
        idx, rs = self.pick(opts)
        op = self.pick([(4, "="), (3, "+="), (1, "-="), (1, "*=")])
        es = self.pick([(3, rs), (1, ())]) if rs else ()
        if es and es not in SHAPES:
            es = ()
        if op == "*=":
            e = self.sub(sc, es, self.edepth() + 1, 2.0)
        else:
            e = self.sub(sc, es, self.edepth() + 1, CAP)
        lines.append("%s%s%s %s %s" % (ind, v.name, idx, op, e.code))
        v.dep = v.dep or sc.mentions(e.code)
        v.bound = max(v.bound, e.bound) if op == "=" else min(v.bound + e.bound * 2, 1e6)
        self.tag("setitem" + ("" if op == "=" else ":aug") + (":param" if v.param else ""))

    def s_setitem(self, sc, nest, lines, ind):
        v = self.ch.choice([v for v in sc.vars.values() if v.buffer and not v.ro])
        loopvar = self.int_for(sc, v.shape[0])
        self.write(sc, v, lines, ind, loopvar)
        return sc, False
