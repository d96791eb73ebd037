"""The checks (mixins of :class:`~.checker.Checker`) and the per-point references they
share (:class:`PointCtx`).

Input: a :class:`PointCtx` -- the point's arguments, f's value and aux there, a random
tangent, and finite-difference references built when first asked for.  Output: every
``c_<check>`` returns ``("ok" | "skip", None)`` or raises
:class:`~.outcomes.CheckFailure` (the numbers disagree), :class:`~.outcomes.Mutated`
(an argument changed) or whatever s2sad raised (the checker classifies it).
:class:`FirstOrderChecks`: value (value_and_grad), grad, nograph
(``create_graph=False``), vjp, jvp, jacrev, jacfwd; :class:`SecondOrderChecks`:
hessian, hvp (jvp of grad), grad2 (grad of grad).  Where finite differences are
unusable (a kink or a branch switch within the step), a result is compared with
s2sad.grad instead.

Uses from the host: ``s2sad``, ``f``, ``layout``, ``P``, ``argnums``, ``aux``, ``rng``,
``float_param``, ``fns``, ``F``, ``tangents``, ``call`` and ``transform``.
Imports: ``numpy``, :mod:`.fdref`, :mod:`.outcomes`.
"""
import numpy as np

from .fdref import FDFailure, FDRef, compare_fd, compare_tight
from .outcomes import CheckFailure, _short


class FirstOrderChecks:
    """value, grad, nograph, vjp, jvp, jacrev, jacfwd (see the module docstring)."""

    def _grad_vs(self, ctx, g, what):
        """Compare a flat gradient with FD (trusted components) or with grad."""
        st_, info = compare_fd(g, ctx.fd_grad())
        if st_ == "wrong":
            info["ref"] = "central finite differences of f"
            raise CheckFailure(what + " vs finite differences", info)
        if ctx.grad_flat is not None and what != "grad":
            # where finite differences are unusable (a kink or a branch switch within
            # the step), compare with s2sad.grad instead: the modes must agree
            mask = np.ones(np.shape(ctx.grad_flat), bool) if not info else \
                np.ravel(info["untrusted"])
            if mask.any():
                g_ = np.asarray(g, float).ravel()
                st2, info2 = compare_tight(g_[mask], ctx.grad_flat[mask])
                if st2 == "wrong":
                    where = np.flatnonzero(mask)
                    info2 = {"expected": ctx.grad_flat, "got": g_,
                             "ref": "s2sad.grad (finite differences unusable there)",
                             "bad": [int(where[i[0]]) for i in info2.get("bad", [])]}
                    raise CheckFailure(what + " vs grad", info2)
        return st_, None

    def _check_aux(self, ctx, aux, what):
        if not self.aux:
            return
        a0 = ctx.aux0
        if np.shape(aux) != np.shape(a0):
            raise CheckFailure(what + " aux", {"why": "aux of shape %s, f gives %s" % (
                np.shape(aux), np.shape(a0)), "expected": a0, "got": aux})
        st_, info = compare_tight(aux, a0)
        if st_ == "wrong":
            info["ref"] = "f's aux"
            raise CheckFailure(what + " aux", info)

    def _check_value(self, ctx, v, what):
        if np.ndim(v) != 0:
            raise CheckFailure(what + " value", {"why": "value of shape %s" % (np.shape(v),)})
        st_, info = compare_tight(float(v), ctx.v0)
        if st_ == "wrong":
            info["ref"] = "f itself"
            raise CheckFailure(what + " value", info)

    def c_value(self, ctx):
        fn = self.transform("vag", lambda: self.s2sad.value_and_grad(
            self.f, argnums=self.argnums, has_aux=self.aux))
        out = self.call(fn, *ctx.args)
        if self.aux:
            (v, aux), g = out
            self._check_aux(ctx, aux, "value_and_grad")
        else:
            v, g = out
        self._check_value(ctx, v, "value_and_grad")
        return self._grad_vs(ctx, self.layout.flat_tree(g, "value_and_grad"),
                             "value_and_grad gradient")

    def c_grad(self, ctx):
        g = ctx.grad()
        return self._grad_vs(ctx, g, "grad")

    def c_nograph(self, ctx):
        fn = self.transform("nograph", lambda: self.s2sad.grad(
            self.f, argnums=self.argnums, has_aux=self.aux, create_graph=False))
        out = self.call(fn, *ctx.args)
        g = out[0] if self.aux else out
        if self.aux:
            self._check_aux(ctx, out[1], "grad(create_graph=False)")
        return self._grad_vs(ctx, self.layout.flat_tree(g, "grad(create_graph=False)"),
                             "grad(create_graph=False)")

    def c_vjp(self, ctx):
        out = self.call(self.s2sad.vjp, self.f, *ctx.args, has_aux=self.aux)
        if self.aux:
            v, pull, aux = out
            self._check_aux(ctx, aux, "vjp")
        else:
            v, pull = out
        self._check_value(ctx, v, "vjp")
        c = float(self.rng.uniform(0.5, 2.0))
        if isinstance(v, np.ndarray):
            ct = np.full_like(v, c)
        elif isinstance(v, np.floating):
            ct = type(v)(c)
        else:
            ct = c
        r1 = self.layout.flat_tree(self.call(pull, ct, watch=ctx.args), "vjp pullback")
        r2 = self.layout.flat_tree(self.call(pull, ct, watch=ctx.args),
                                   "vjp pullback (second call)")
        if not np.array_equal(r1, r2, equal_nan=True):
            raise CheckFailure("pullback not repeatable", {
                "why": "the pullback gave different results when called twice",
                "expected": r1, "got": r2, "ref": "first call"})
        st_, _ = self._grad_vs(ctx, r1 / c, "vjp pullback / cotangent")
        return st_, None

    def c_jvp(self, ctx):
        t = ctx.tangent
        out = self.call(self.s2sad.jvp, self.f, tuple(ctx.args), tuple(t), has_aux=self.aux)
        if self.aux:
            v, tv, aux = out
            self._check_aux(ctx, aux, "jvp")
        else:
            v, tv = out
        self._check_value(ctx, v, "jvp")
        if np.ndim(tv) != 0:
            raise CheckFailure("tangent shape", {"why": "tangent output of shape %s" % (
                np.shape(tv),)})
        st_, info = compare_fd([float(tv)], ctx.fd_dir())
        if st_ == "wrong":
            info["ref"] = "directional finite difference of f along the tangent"
            raise CheckFailure("jvp tangent vs finite differences", info)
        if st_ == "skip" and ctx.grad_flat is not None:
            st2, info2 = compare_tight([float(tv)], [float(ctx.grad_flat @ ctx.tflat)])
            if st2 == "wrong":
                info2["ref"] = "<s2sad.grad, tangent> (FD unusable here)"
                raise CheckFailure("jvp tangent vs grad", info2)
        return st_, None

    def _jac(self, ctx, which):
        make = self.s2sad.jacrev if which == "jacrev" else self.s2sad.jacfwd
        fn = self.transform(which, lambda: make(self.f, argnums=self.argnums,
                                                has_aux=self.aux))
        out = self.call(fn, *ctx.args)
        if self.aux:
            J, aux = out
            self._check_aux(ctx, aux, which)
        else:
            J = out
        return self._grad_vs(ctx, self.layout.flat_tree(J, which), which)

    def c_jacrev(self, ctx):
        return self._jac(ctx, "jacrev")

    def c_jacfwd(self, ctx):
        return self._jac(ctx, "jacfwd")


class SecondOrderChecks:
    """hessian, hvp, grad2 (see the module docstring)."""

    def c_hessian(self, ctx):
        fn = self.transform("hessian", lambda: self.s2sad.hessian(
            self.f, argnums=self.argnums, has_aux=self.aux))
        out = self.call(fn, *ctx.args)
        if self.aux:
            H, aux = out
            self._check_aux(ctx, aux, "hessian")
        else:
            H = out
        Hm = self.flat_hessian(H)
        st_, info = compare_tight(Hm, Hm.T)
        if st_ == "wrong":
            info["ref"] = "its own transpose"
            raise CheckFailure("hessian not symmetric", info)
        t = ctx.tflat
        # t^T H t against the second difference of f along t (independent of s2sad), and
        # every column against finite differences of s2sad's own gradient
        return _second_order(
            ctx, t @ Hm @ t, ("hessian t^T H t vs finite differences",
                              "second finite difference of f along a random direction"),
            Hm, ctx.fd_gradjac(), ("hessian vs finite differences of grad",
                                   "finite differences of s2sad.grad"))

    def flat_hessian(self, H):
        n = self.layout.n
        if not isinstance(H, (tuple, list)) or len(H) != self.P:
            raise CheckFailure("structure", {"why": "hessian: expected a %d-tuple of "
                                             "tuples, got %s" % (self.P, _short(H))})
        M = np.zeros((n, n))
        offs = np.cumsum([0] + self.layout.sizes)
        for i, row in enumerate(H):
            if not isinstance(row, (tuple, list)) or len(row) != self.P:
                raise CheckFailure("structure", {"why": "hessian row %d: %s" % (
                    i, _short(row))})
            for j, blk in enumerate(row):
                si = () if self.layout.kinds[i] == "float" else self.layout.kinds[i]
                sj = () if self.layout.kinds[j] == "float" else self.layout.kinds[j]
                if np.shape(blk) != si + sj:
                    raise CheckFailure("shape", {"why": "hessian block (%d, %d) of shape %s,"
                                                 " expected %s" % (i, j, np.shape(blk),
                                                                   si + sj)})
                M[offs[i]:offs[i + 1], offs[j]:offs[j + 1]] = \
                    np.asarray(blk, float).reshape(self.layout.sizes[i], self.layout.sizes[j])
        return M

    def c_hvp(self, ctx):
        g = self.transform("grad", lambda: self.s2sad.grad(
            self.f, argnums=self.argnums, has_aux=self.aux))
        out = self.call(self.s2sad.jvp, g, tuple(ctx.args), tuple(ctx.tangent),
                        has_aux=self.aux)
        if self.aux:
            gv, hv, aux = out
            self._check_aux(ctx, aux, "jvp(grad)")
        else:
            gv, hv = out
        self._grad_vs(ctx, self.layout.flat_tree(gv, "jvp(grad) primal output"),
                      "jvp(grad) primal output")
        hv = self.layout.flat_tree(hv, "jvp(grad) tangent output")
        return _second_order(
            ctx, ctx.tflat @ hv, ("t^T (H t) vs finite differences",
                                  "second finite difference of f along the tangent"),
            hv, ctx.fd_graddir(), ("H t vs finite differences of grad",
                                   "directional finite difference of s2sad.grad"))

    def c_grad2(self, ctx):
        i = self.float_param
        g1 = self.transform("grad_i", lambda: self.s2sad.grad(self.f, argnums=i,
                                                              has_aux=self.aux))
        g2 = self.transform("grad_grad_i", lambda: self.s2sad.grad(g1, argnums=i,
                                                                   has_aux=self.aux))
        out = self.call(g2, *ctx.args)
        if self.aux:
            d2, aux = out
            self._check_aux(ctx, aux, "grad(grad)")
        else:
            d2 = out
        if np.ndim(d2) != 0:
            raise CheckFailure("shape", {"why": "grad(grad) of shape %s" % (np.shape(d2),)})
        e = np.zeros(self.layout.n)
        e[int(np.cumsum([0] + self.layout.sizes)[i])] = 1.0
        st_, info = compare_fd([float(d2)], ctx.fd_dir2(e))
        if st_ == "wrong":
            info["ref"] = "second finite difference of f"
            raise CheckFailure("grad(grad) vs finite differences", info)
        return st_, None


def _second_order(ctx, along, along_what, dense, dense_ref, dense_what):
    """``("ok" | "skip", None)``: ``along`` (t^T H t) against the second difference of
    f along the point's direction, and ``dense`` against ``dense_ref`` (finite
    differences of s2sad's gradient; None: not usable); ``*_what`` are (check, reference)
    texts for the failure."""
    results = []
    for got, ref, (what, ref_text) in ((([along]), ctx.fd_dir2(), along_what),
                                      (dense, dense_ref, dense_what)):
        if ref is None:
            results.append("skip")
            continue
        status, info = compare_fd(got, ref)
        if status == "wrong":
            info["ref"] = ref_text
            raise CheckFailure(what, info)
        results.append(status)
    return ("ok" if "ok" in results else "skip"), None


class PointCtx:
    """Per-point references, computed lazily and shared by the checks."""

    def __init__(self, ck, args, v0, aux0):
        self.ck = ck
        self.args = args
        self.v0 = v0
        self.aux0 = aux0
        self.x = ck.layout.flat(args)
        self.tangent = ck.tangents()
        self.tflat = ck.layout.flat(self.tangent)
        self._fd = {}
        self.grad_flat = None
        self._grad_done = False

    def fd_grad(self):
        if "g" not in self._fd:
            self._fd["g"] = FDRef(self.ck.F, self.x)
        return self._fd["g"]

    def fd_dir(self):
        if "d" not in self._fd:
            self._fd["d"] = FDRef(self.ck.F, self.x, self.tflat)
        return self._fd["d"]

    def fd_dir2(self, d=None):
        key = ("d2", None if d is None else tuple(d))
        if key not in self._fd:
            self._fd[key] = FDRef(self.ck.F, self.x, self.tflat if d is None else d, order=2)
        return self._fd[key]

    def grad(self):
        """s2sad.grad at this point (flat); raises whatever it raises."""
        ck = self.ck
        fn = ck.transform("grad", lambda: ck.s2sad.grad(ck.f, argnums=ck.argnums,
                                                        has_aux=ck.aux))
        out = ck.call(fn, *self.args)
        if ck.aux:
            g, aux = out
            ck._check_aux(self, aux, "grad")
        else:
            g = out
        self.grad_flat = ck.layout.flat_tree(g, "grad")
        return self.grad_flat

    def _G(self, vec):
        ck = self.ck
        fn = ck.fns.get("grad")
        try:
            out = fn(*ck.layout.unflat(vec))
            g = out[0] if ck.aux else out
            r = ck.layout.flat_tree(g, "grad")
        except Exception as e:  # noqa: BLE001
            raise FDFailure(repr(e))
        if not np.all(np.isfinite(r)):
            raise FDFailure("non-finite gradient")
        return r

    def fd_gradjac(self):
        if self.grad_flat is None or "grad" not in self.ck.fns:
            return None
        if "gj" not in self._fd:
            self._fd["gj"] = FDRef(self._G, self.x)
        return self._fd["gj"]

    def fd_graddir(self):
        if self.grad_flat is None or "grad" not in self.ck.fns:
            return None
        if "gd" not in self._fd:
            self._fd["gd"] = FDRef(self._G, self.x, self.tflat)
        return self._fd["gd"]
