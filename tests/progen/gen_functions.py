"""Functions and calls (a mixin of :class:`~.program.Gen`): calls of helpers, nested defs
and lambdas (as expressions, and as statements unpacking a tuple), return statements,
the module-level helpers, the nested defs and lambdas at the top of ``f``, and ``f``.

Input: as in :mod:`.gen_exprs` and :mod:`.gen_stmts`; :meth:`Functions.helper` takes the
helper's index, :meth:`Functions.main` nothing.  Output: :meth:`Functions.helper` the
lines of one helper (recorded in ``helpers``: callable from later helpers and ``f``);
:meth:`Functions.main` ``(lines of f, params, has_aux, aux_shape)``;
:meth:`Functions.ret` appends a return statement (``f`` returns a loss-like scalar built
by :meth:`Functions.summary`, with its aux when it has one).

Uses from the host: ``block``, ``expr``/``sub``, ``fresh``, ``s_guard_return`` and the
utilities.  Imports: :mod:`.grammar`, :mod:`.scopes`.
"""
from .grammar import CAP, PARAM_BOUND, PARAM_KINDS, E
from .scopes import Callable_, Fn, Scope, _copy_var


class Functions:
    """Calls, returns and the functions of a program (see the module docstring)."""

    def callables_for(self, sc, shape):
        return [c for c in sc.fn.callables if shape in c.rets]

    def call_args(self, sc, c, depth):
        return ", ".join(self.sub(sc, s, depth).code for s in c.params)

    def x_call(self, sc, shape, depth, bind, prefer):
        c = self.ch.choice(self.callables_for(sc, shape))
        args = self.call_args(sc, c, depth)
        self.tag("call:" + c.kind)
        if c.tuple_ret:
            idx = [i for i, s in enumerate(c.rets) if s == shape]
            i = self.ch.choice(idx)
            self.tag("call:tuple_index")
            return E("%s(%s)[%d]" % (c.name, args, i), shape, CAP)
        return E("%s(%s)" % (c.name, args), shape, CAP)

    def s_call(self, sc, nest, lines, ind):
        c = self.ch.choice([c for c in sc.fn.callables if c.tuple_ret])
        args = self.call_args(sc, c, self.edepth() + 1)
        targets, defs = [], []
        for s in c.rets:
            k = self.pick([(4, "new"), (1, "unused"), (1, "existing")])
            ex = [v for v in sc.vars.values()
                  if v.shape == s and not v.param and not v.buffer and not v.ro]
            if k == "existing" and ex:
                v = self.ch.choice(ex)
                targets.append(v.name)
                defs.append((v.name, s))
            elif k == "unused" and len(c.rets) > 1:
                targets.append("_")
                self.tag("call:unused_output")
            else:
                n = self.new_name(sc, "scalar" if s == () else "vec" if len(s) == 1 else "mat")
                self.claim(sc, n, s)
                targets.append(n)
                defs.append((n, s))
        if all(t == "_" for t in targets):
            targets[0] = self.new_name(sc, "scalar" if c.rets[0] == () else "vec"
                                       if len(c.rets[0]) == 1 else "mat")
            self.claim(sc, targets[0], c.rets[0])
            defs.append((targets[0], c.rets[0]))
        if len(targets) == 1:
            lines.append("%s%s = %s(%s)[0]" % (ind, targets[0], c.name, args))
        else:
            lines.append("%s%s = %s(%s)" % (ind, ", ".join(targets), c.name, args))
        dp = sc.mentions(args)
        for n, s in defs:
            sc.define(n, s, CAP, dep=dp)
        self.tag("call:" + c.kind + ":tuple")
        return sc, False

    # --- returns --------------------------------------------------------------------

    def summary(self, sc):
        """A scalar built from recently computed values (what a loss looks like)."""
        vs = list(sc.vars.values())
        k = self.pick([(3, 1), (3, 2), (1, 3)])
        terms = []
        for _ in range(k):
            v = self.pick([((1 + (4 if not v.param else 0) + (4 if v.uses == 0 else 0)
                             + (2 if v.born >= sc.fn.clock - 3 else 0)) * (8 if v.dep else 1),
                            v) for v in vs])
            v.uses += 1
            if v.shape == ():
                t = self.pick([(4, "{n}"), (1, "np.tanh({n})"), (1, "2.0 * {n}")])
            else:
                sq = "np.mean({n} ** 2)" if v.bound <= 10 else "np.mean({n})"
                t = self.pick([(4, "np.sum({n})"), (2, "np.mean({n})"), (1, "{n}.sum()"),
                               (1, "np.sum(np.tanh({n}))"), (1, sq)])
            terms.append(t.format(n=v.name))
        if self.ch.bool(0.1):
            code = self.sub(sc, (), self.edepth() + 1).code
            if sc.mentions(code):
                return code
        op = self.ch.choice([" + ", " + ", " - ", " * "]) if len(terms) > 1 else ""
        if op == " * ":
            code = " * ".join("np.tanh(%s)" % t for t in terms)
        else:
            code = op.join(terms) if op else terms[0]
        deps = [v for v in vs if v.dep]
        if deps and not sc.mentions(code):
            # make the output depend on the inputs
            v = self.ch.choice(deps)
            code = "%s + %s" % (code, "np.sum(%s)" % v.name if v.shape else v.name)
        return code

    def ret(self, sc, lines, ind):
        fn = sc.fn
        if fn.kind == "main":
            r = self.summary(sc)
            if fn.has_aux:
                aux = self.expr(sc, fn.aux_shape, self.pick([(3, 0), (1, 1)]))
                lines.append("%sreturn %s, %s" % (ind, r, aux.code))
            else:
                lines.append("%sreturn %s" % (ind, r))
            return
        outs = []
        for s in fn.rets:
            outs.append(self.fresh(sc, s, self.pick([(2, 1), (2, 2), (1, 0)]) or 1).code)
        if fn.tuple_ret and len(outs) == 1:
            lines.append("%sreturn %s," % (ind, outs[0]))
        else:
            lines.append("%sreturn %s" % (ind, ", ".join(outs)))

    # --- functions ------------------------------------------------------------------

    def helper(self, idx):
        np_ = self.pick([(3, 1), (3, 2), (1, 3)])
        pshapes = [self.pick([(3, ()), (3, (3,)), (1, (2,)), (1, (4,)), (2, (2, 3))])
                   for _ in range(np_)]
        nr = self.pick([(2, 1), (4, 2), (1, 3)])
        rets = [self.pick([(4, ()), (3, pshapes[0] if pshapes[0] else (3,)), (1, (2,))])
                for _ in range(nr)]
        tuple_ret = nr > 1 or self.ch.bool(0.2)
        fn = Fn("helper", rets, tuple_ret)
        fn.callables = list(self.helpers)
        name = self.ch.choice(["_helper", "_step", "_layer", "_mix"]) + str(idx)
        sc = Scope(fn)
        pnames = []
        for s in pshapes:
            n = self.new_name(sc, "scalar" if s == () else "vec" if len(s) == 1 else "mat")
            self.claim(sc, n, s)
            sc.define(n, s, CAP, param=True)
            pnames.append(n)
        lines = ["def %s(%s):" % (name, ", ".join(pnames))]
        sc, term = self.block(sc, self.pick([(2, 0), (3, 1), (2, 2), (1, 3)]), 1, lines, "    ")
        if not term:
            self.ret(sc, lines, "    ")
        c = Callable_(name, pshapes, rets, tuple_ret, "helper")
        self.helpers.append(c)
        self.tag("helper")
        return lines

    def inner_def(self, sc, lines, ind):
        """A nested def or a lambda at the top of the main function."""
        kind = self.pick([(2, "def"), (2, "lambda")])
        pshapes = [self.pick([(3, ()), (3, (3,)), (1, (2, 3))])]
        if kind == "def" and self.ch.bool(0.3):
            pshapes.append(self.pick([(3, ()), (2, (3,))]))
        rshape = pshapes[0] if self.ch.bool(0.6) else ()
        fn = Fn("inner", [rshape], False)
        fn.callables = list(self.helpers)
        fn.names = dict(sc.fn.names)
        isc = Scope(fn)
        for v in sc.vars.values():          # closure over the outer parameters
            isc.vars[v.name] = _copy_var(v)
            isc.vars[v.name].ro = True
        pn = []
        for s in pshapes:
            n = self.new_name(isc, "elem" if s == () else "row")
            self.claim(isc, n, s)
            isc.define(n, s, CAP, param=True)
            pn.append(n)
        name = self.new_name(sc, "inner" if kind == "def" else "lambda")
        self.claim(sc, name, "fn")
        if kind == "lambda":
            e = self.fresh(isc, rshape, self.pick([(2, 1), (2, 2)]), prefer=pn[0])
            lines.append("%s%s = lambda %s: %s" % (ind, name, ", ".join(pn), e.code))
            self.tag("lambda")
        else:
            lines.append("%sdef %s(%s):" % (ind, name, ", ".join(pn)))
            isc, term = self.block(isc, self.pick([(2, 0), (2, 1), (1, 2)]), 1, lines,
                                   ind + "    ")
            e = self.fresh(isc, rshape, self.pick([(2, 1), (2, 2)]), prefer=pn[0])
            lines.append("%s    return %s" % (ind, e.code))
            self.tag("nested_def")
        for n in fn.names:
            sc.fn.names.setdefault(n, fn.names[n])
        sc.fn.callables.append(Callable_(name, pshapes, [rshape], False,
                                         "lambda" if kind == "lambda" else "inner"))

    def main(self):
        ch = self.ch
        nparams = self.pick([(3, 1), (4, 2), (2, 3)][: self.cfg.max_params])
        kinds = [self.pick(PARAM_KINDS) for _ in range(nparams)]
        has_aux = ch.bool(0.2)
        aux_shape = self.pick([(3, ()), (2, kinds[0] if kinds[0] != "float" else ())]) \
            if has_aux else None
        fn = Fn("main", [()], False, has_aux, aux_shape)
        fn.callables = list(self.helpers)
        sc = Scope(fn)
        params = []
        for k in kinds:
            pool = {"float": ["a", "b", "c"], (3,): ["x", "y", "z"],
                    (4,): ["x", "y", "z"], (2, 3): ["W", "A", "X"]}[k]
            name = [n for n in pool if n not in fn.names][0]
            shape = () if k == "float" else k
            fn.names[name] = shape
            params.append((name, k))
            mutable = bool(shape) and ch.bool(0.25)
            sc.define(name, shape, PARAM_BOUND, buffer=mutable, param=True)
            if mutable:
                self.tag("mutable_param")
        lines = ["def f(%s):" % ", ".join(n for n, _ in params)]
        ind = "    "
        for _ in range(self.pick([(6, 0), (2, 1), (1, 2)])):
            self.inner_def(sc, lines, ind)
        if ch.bool(0.15):
            self.s_guard_return(sc, 0, lines, ind)
            self.tag("guard_clause")
        sc, term = self.block(sc, self.pick([(1, 1), (2, 2), (2, 3), (2, 4), (1, 5),
                                             (1, 6)][: self.cfg.max_stmts]), 0, lines, ind)
        if not term:
            self.ret(sc, lines, ind)
        if has_aux:
            self.tag("has_aux")
        return lines, params, has_aux, aux_shape
