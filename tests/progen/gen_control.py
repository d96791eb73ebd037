"""Control flow (a mixin of :class:`~.program.Gen`): ``if``/``elif``/``else`` (branches may
end in return / break / continue), guard returns, ``break`` and ``continue`` under a
condition, ``for`` loops over ranges, arrays, ``zip`` and ``enumerate``, and ``while``
loops (a counter with or without a condition, or ``while True`` with a break).

Input and output as in :mod:`.gen_stmts`.  The scope after an ``if`` holds what every
branch that falls through defines (:func:`~.scopes.merge_scopes`); after a loop, the
bounds of the values it updates grow with the number of iterations
(:meth:`ControlFlow.after_loop`).  :meth:`ControlFlow.loop_body` writes the body of every
``for`` loop (those of :mod:`.gen_containers` too; ``first`` writes its first
statement).

Uses from the host: ``block``, ``s_assign``, ``cond``, ``iterable``, ``ret`` and the
utilities.  Imports: :mod:`.scopes`.
"""
from .scopes import merge_scopes


class ControlFlow:
    """Branches and loops (see the module docstring)."""

    def body_n(self):
        return self.pick([(3, 1), (3, 2), (2, 3), (1, 4)])

    def s_if(self, sc, nest, lines, ind):
        self.tag("if")
        c = self.cond(sc, self.pick([(2, 1), (1, 2)]))
        lines.append("%sif %s:" % (ind, c))
        ti = ind + "    "
        branches = []
        branches.append(self.branch(sc, nest, lines, ti))
        if self.ch.bool(0.25):
            self.tag("elif")
            c2 = self.cond(sc)
            lines.append("%selif %s:" % (ind, c2))
            branches.append(self.branch(sc, nest, lines, ti))
        has_else = self.ch.bool(0.5)
        if has_else:
            self.tag("else")
            lines.append("%selse:" % ind)
            start = len(lines)
            s3, t3 = self.branch(sc, nest, lines, ti)
            if t3 and all(t for _, t in branches):
                # keep the code after the if reachable: the else falls through
                del lines[start:]
                s3, t3 = sc.copy(), False
                self.s_assign(s3, nest + 1, lines, ti)
            branches.append((s3, t3))
        else:
            branches.append((sc, False))
        out = merge_scopes(sc, branches)
        return out, False

    def branch(self, sc, nest, lines, ind):
        """The body of an if branch; sometimes it ends in return / break / continue."""
        s, t = self.block(sc.copy(), self.body_n(), nest + 1, lines, ind)
        if not t and self.ch.bool(0.2):
            opts = [(1, "return")]
            if s.loop is not None:
                opts += [(2, "break")] + ([(1, "continue")] if s.loop != "while_true" else [])
            k = self.pick(opts)
            if k == "return":
                self.ret(s, lines, ind)
                self.tag("return_in_branch" if s.loop is None else "return_in_loop")
            else:
                lines.append(ind + k)
                self.tag(k)
            t = True
        return s, t

    def s_guard_return(self, sc, nest, lines, ind):
        self.tag("early_return" if sc.loop is None else "return_in_loop")
        c = self.cond(sc)
        lines.append("%sif %s:" % (ind, c))
        self.ret(sc, lines, ind + "    ")
        return sc, False

    def s_break(self, sc, nest, lines, ind):
        self.tag("break")
        lines.append("%sif %s:" % (ind, self.cond(sc)))
        lines.append("%s    break" % ind)
        return sc, False

    def s_continue(self, sc, nest, lines, ind):
        self.tag("continue")
        lines.append("%sif %s:" % (ind, self.cond(sc)))
        lines.append("%s    continue" % ind)
        return sc, False

    def after_loop(self, sc, body, n):
        """Variables of ``sc`` stay visible after the loop; their bound grows."""
        for name, v in sc.vars.items():
            bv = body.vars.get(name)
            if bv is not None and bv.bound > v.bound:
                ratio = bv.bound / max(v.bound, 1e-3)
                v.bound = min(max(v.bound * ratio ** n, bv.bound), 1e6)
            if bv is not None:
                v.uses = max(v.uses, bv.uses)
                v.dep = v.dep or bv.dep
        return sc

    def loop_body(self, sc, nest, lines, ind, defs, kind, n, first=None):
        body = sc.copy(loop=kind)
        for d in defs:
            name, shape, bound, is_int = d[:4]
            if is_int:
                body.ints[name] = bound
            else:
                body.define(name, shape, bound, dep=d[4] if len(d) > 4 else True)
        self.loops += 1
        if first:
            first(body, lines, ind)
        body, term = self.block(body, self.body_n(), nest + 1, lines, ind)
        self.loops -= 1
        return self.after_loop(sc, body, n)

    def s_for_range(self, sc, nest, lines, ind):
        n = self.pick([(2, 1), (4, 2), (4, 3), (2, 4)])
        i = self.new_name(sc, "int")
        self.claim(sc, i, "int")
        form = self.pick([(6, "plain"), (1, "start"), (1, "rev"), (2, "len")])
        arrs = [v for v in sc.vars.values() if v.shape]
        if form == "len" and arrs:
            v = self.ch.choice(arrs)
            n = v.shape[0]
            hdr = "for %s in range(len(%s)):" % (i, v.name)
            ub = n
        elif form == "start":
            hdr = "for %s in range(1, %d):" % (i, n + 1)
            ub = n + 1
        elif form == "rev":
            hdr = "for %s in range(%d, -1, -1):" % (i, n - 1)
            ub = n
        else:
            hdr = "for %s in range(%d):" % (i, n)
            ub = n
        self.tag("for_range")
        lines.append(ind + hdr)
        sc = self.loop_body(sc, nest, lines, ind + "    ", [(i, "int", ub, True)], "for", n)
        return sc, False

    def s_for_iter(self, sc, nest, lines, ind):
        code, es, n, b = self.iterable(sc, 1)
        t = self.new_name(sc, "elem" if es == () else "row")
        self.claim(sc, t, es)
        self.tag("for_iter" + ("_rows" if es else "_elems"))
        lines.append("%sfor %s in %s:" % (ind, t, code))
        sc = self.loop_body(sc, nest, lines, ind + "    ",
                            [(t, es, b, False, sc.mentions(code))], "for", n or 3)
        return sc, False

    def s_zip(self, sc, nest, lines, ind):
        c1, e1, n1, b1 = self.iterable(sc, 1)
        c2, e2, n2, b2 = self.iterable(sc, 1)
        t1 = self.new_name(sc, "elem" if e1 == () else "row")
        self.claim(sc, t1, e1)
        t2 = self.new_name(sc, "elem" if e2 == () else "row")
        self.claim(sc, t2, e2)
        self.tag("zip")
        lines.append("%sfor %s, %s in zip(%s, %s):" % (ind, t1, t2, c1, c2))
        sc = self.loop_body(sc, nest, lines, ind + "    ",
                            [(t1, e1, b1, False, sc.mentions(c1)),
                             (t2, e2, b2, False, sc.mentions(c2))], "for", 3)
        return sc, False

    def s_enumerate(self, sc, nest, lines, ind):
        code, es, n, b = self.iterable(sc, 1, allow_lists=False)
        j = self.new_name(sc, "int")
        self.claim(sc, j, "int")
        t = self.new_name(sc, "elem" if es == () else "row")
        self.claim(sc, t, es)
        self.tag("enumerate")
        lines.append("%sfor %s, %s in enumerate(%s):" % (ind, j, t, code))
        sc = self.loop_body(sc, nest, lines, ind + "    ",
                            [(j, "int", n, True), (t, es, b, False, sc.mentions(code))],
                            "for", n)
        return sc, False

    def s_while(self, sc, nest, lines, ind):
        k = self.new_name(sc, "int")
        self.claim(sc, k, "int")
        K = self.pick([(1, 1), (3, 2), (3, 3), (1, 4)])
        form = self.pick([(3, "cond"), (1, "plain"), (1, "true")])
        self.tag("while:" + form)
        lines.append("%s%s = 0" % (ind, k))
        bi = ind + "    "
        if form == "cond":
            lines.append("%swhile %s < %d and (%s):" % (ind, k, K, self.cond(sc)))
        elif form == "plain":
            lines.append("%swhile %s < %d:" % (ind, k, K))
        else:
            lines.append("%swhile True:" % ind)
        lines.append("%s%s += 1" % (bi, k))
        body = sc.copy(loop="while_true" if form == "true" else "while")
        body.ints[k] = K + 1
        self.loops += 1
        body, term = self.block(body, self.body_n(), nest + 1, lines, bi)
        self.loops -= 1
        if form == "true" and not term:
            lines.append("%sif %s >= %d or (%s):" % (bi, k, K, self.cond(body)))
            lines.append("%s    break" % bi)
        elif form == "true":
            # the body ended in a return: the loop must still stop
            pass
        sc = self.after_loop(sc, body, K)
        sc.ints[k] = K + 1
        return sc, False
