"""The checker: every s2sad transform of one program, against finite differences of the
plain function and against each other, at several points.

Input: a :class:`~.program.Program` (:func:`check_program` imports it with
:func:`~.loading.load`), the number of points or the points themselves, the checks to
run, a seed for the points (default: :func:`point_seed`, from the program's label), a
limit of CPU seconds, optionally a replacement for the s2sad module.  Output: a
:class:`~.outcomes.ProgramResult`.  The points come in tiers (far from the origin,
close to it, mixed); per check, the first failing point makes the check fail (``crash``,
``wrong``, ``mutated``), a refusal that names ``file:line`` in the generated module
makes it ``refused``, otherwise it is ``ok`` if some point could be compared and
``skipped`` if none.

Imports: ``numpy``, :mod:`.loading`, :mod:`.fdref`, :mod:`.outcomes`, :mod:`.checks`
(s2sad when a :class:`Checker` is made).
"""
import collections
import contextlib
import math
import re
import signal
import time
import traceback
import warnings

import numpy as np

from .checks import FirstOrderChecks, PointCtx, SecondOrderChecks
from .fdref import FDFailure
from .loading import load
from .outcomes import (CHECKS, CheckFailure, Layout, Mutated, PointFailure, ProgramResult,
                       Timeout, _copyargs, _fmt, _group_text, _origin)


class Checker(FirstOrderChecks, SecondOrderChecks):
    """Runs the checks of one imported program (see the module docstring)."""

    def __init__(self, prog, f, modname, npoints=4, checks=None, seed=None, s2sad=None,
                 points=None):
        self.given_points = points
        import s2sad as _s2sad
        self.s2sad = s2sad or _s2sad
        self.prog = prog
        self.f = f
        self.modname = modname
        self.layout = Layout(prog.params)
        self.P = len(prog.params)
        self.argnums = tuple(range(self.P))
        self.aux = prog.has_aux
        self.npoints = npoints
        self.checks = list(checks or CHECKS)
        if seed is None:
            seed = point_seed(prog)
        self.point_seed = seed
        self.rng = np.random.default_rng(seed)
        self.current = None
        self.result = ProgramResult(prog, modname)
        self.fns = {}
        self.float_param = next((i for i, (_, k) in enumerate(prog.params) if k == "float"),
                                None)

    # --- points ---------------------------------------------------------------------

    def points(self):
        if self.given_points is not None:
            return [list(p) for p in self.given_points]
        tiers = [1.5, 10.0, 0.05, "mixed", 4.0, 7.0]
        pts = []
        for j in range(self.npoints):
            tier = tiers[j % len(tiers)]
            args = []
            for _, k in self.prog.params:
                shape = () if k == "float" else k
                if tier == "mixed":
                    scale = self.rng.choice([0.05, 1.0, 5.0, 10.0], size=shape)
                else:
                    scale = tier
                v = self.rng.uniform(-1.0, 1.0, size=shape) * scale
                args.append(float(v) if k == "float" else np.asarray(v, float))
            pts.append(args)
        return pts

    def tangents(self):
        return [float(self.rng.uniform(-1, 1)) if k == "float" else
                self.rng.uniform(-1, 1, size=k) for _, k in self.prog.params]

    # --- calling -------------------------------------------------------------------

    def ref(self, args):
        """f on copies: (value, aux)."""
        out = self.f(*_copyargs(args))
        if self.aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("has_aux program did not return a pair")
            return out[0], out[1]
        return out, None

    def F(self, vec):
        try:
            v, _ = self.ref(self.layout.unflat(vec))
            v = float(v)
        except Exception as e:  # noqa: BLE001 - the reference must just be skipped
            raise FDFailure(repr(e))
        if not math.isfinite(v):
            raise FDFailure("non-finite")
        return np.array([v])

    def call(self, fn, *args, watch=(), **kw):
        """Call an s2sad-made function on the caller's ``args``; check that no array in
        them (or in ``watch``, e.g. the primals a pullback closes over) changed."""
        arrays = []

        def collect(x):
            if isinstance(x, np.ndarray):
                arrays.append(x)
            elif isinstance(x, (tuple, list)):
                for y in x:
                    collect(y)
        collect(args)
        collect(list(watch))
        snaps = [a.copy() for a in arrays]
        out = fn(*args, **kw)
        for a, s in zip(arrays, snaps):
            if not np.array_equal(a, s, equal_nan=True):
                raise Mutated("argument changed from %s to %s" % (_fmt(s), _fmt(a)))
        return out

    def transform(self, key, make):
        if key not in self.fns:
            self.fns[key] = make()
        return self.fns[key]

    # --- the run -------------------------------------------------------------------

    def run(self):
        t0 = time.perf_counter()
        c0 = time.process_time()
        res = self.result
        pts = self.points()
        self.states = states = {c: None for c in self.checks}  # None / "refused" / failure
        self.okpts = okpts = collections.Counter()
        self.ctxs = ctxs = []
        self.t0, self.c0 = t0, c0
        for j, args in enumerate(pts):
            try:
                v0, aux0 = self.ref(args)
                v0 = float(v0)
            except Exception as e:  # noqa: BLE001
                res.invalid = "f raised %s: %s" % (type(e).__name__, e)
                break
            if not math.isfinite(v0):
                res.points[("*", "nonfinite")] += 1
                continue
            ctx = PointCtx(self, args, v0, aux0)
            ctxs.append(ctx)
            for c in self.checks:
                if states[c] is not None:
                    continue
                self.current = c
                if c == "grad2" and self.float_param is None:
                    states[c] = "n/a"
                    continue
                st_, info = self.run_check(c, ctx)
                if st_ == "ok":
                    okpts[c] += 1
                    res.points[(c, "ok")] += 1
                elif st_ == "skip":
                    res.points[(c, "skip")] += 1
                elif st_ == "refused":
                    states[c] = "refused"
                    res.refusals[c] = info
                else:
                    states[c] = st_
                    res.failures[c] = info
        return self.finish()

    def finish(self):
        res, states, okpts, ctxs = self.result, self.states, self.okpts, self.ctxs
        gmax = [np.max(np.abs(c.fd_grad().cache[0][0])) for c in ctxs
                if c._fd.get("g") is not None and c.fd_grad().cache.get(0) is not None]
        res.max_fd_grad = max(gmax) if gmax else None
        for c in self.checks:
            s = states[c]
            if res.invalid:
                res.status[c] = "n/a"
            elif s is None:
                res.status[c] = "ok" if okpts[c] else "skipped"
            else:
                res.status[c] = s
        res.seconds = time.perf_counter() - self.t0
        res.cpu = time.process_time() - self.c0
        return res

    def run_check(self, c, ctx):
        t = time.process_time()
        try:
            return self._run_check(c, ctx)
        finally:
            self.result.check_cpu[c] += time.process_time() - t

    def _run_check(self, c, ctx):
        try:
            return getattr(self, "c_" + c)(ctx)
        except Timeout:
            raise
        except CheckFailure as e:
            return "wrong", self.failure("wrong", c, e.what, ctx, e.info)
        except Mutated as e:
            return "mutated", self.failure("mutated", c, "argument mutated", ctx,
                                           {"why": str(e)})
        except Exception as e:  # noqa: BLE001 - classify every other exception
            s2 = self.s2sad
            msg = "%s: %s" % (type(e).__name__, e)
            if isinstance(e, s2.S2SADError) and not isinstance(e, s2.InternalError):
                if re.search(re.escape(self.modname) + r"\.py:\d+", str(e)):
                    return "refused", msg
                what = "unlocated refusal"
            elif isinstance(e, s2.InternalError):
                what = "InternalError"
            else:
                what = "exception from %s" % _origin(e)
            tb = "".join(traceback.format_exception(type(e), e, e.__traceback__)[-6:])
            return "crash", self.failure("crash", c, what, ctx, {"why": msg, "tb": tb}, exc=e)

    def failure(self, status, c, what, ctx, info, exc=None):
        lines = []
        if "why" in info:
            lines.append(str(info["why"]))
        if "expected" in info:
            lines.append("expected (%s): %s" % (info.get("ref", "reference"),
                                                _fmt(info["expected"])))
            lines.append("got:      %s" % _fmt(info["got"]))
            if info.get("bad"):
                lines.append("mismatching components: %s" % info["bad"][:8])
        if "tb" in info:
            lines.append(info["tb"].rstrip())
        detail = "\n".join(lines)
        if status == "crash":
            key = "%s: crash: %s: %s" % (c, what, _group_text("%s: %s" % (
                type(exc).__name__, exc), self.modname))
        elif status == "wrong":
            key = "%s: wrong: %s" % (c, what)
        else:
            key = "%s: mutated" % c
        return PointFailure(status, c, what, ctx.args, detail, key)


@contextlib.contextmanager
def _deadline(seconds):
    """Raise :class:`Timeout` after ``seconds`` of CPU time (not wall time: a loaded
    machine must not turn slow programs into failures)."""
    if not seconds or not hasattr(signal, "SIGVTALRM"):
        yield
        return

    def handler(signum, frame):
        raise Timeout("checking the program took more than %s s of CPU time" % seconds)

    old = signal.signal(signal.SIGVTALRM, handler)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, old)


def point_seed(prog):
    """The seed of the points a program is checked at (from its label)."""
    import zlib
    return zlib.crc32(("points/" + str(prog.label)).encode())


def check_program(prog, npoints=4, checks=None, seed=None, timeout=120.0, points=None,
                  s2sad=None):
    """Import ``prog`` and run the checks; returns a :class:`ProgramResult`.

    ``points`` (a list of argument lists) replaces the random points; ``s2sad`` replaces
    the s2sad module (the checker's own tests pass a deliberately broken one)."""
    try:
        f, modname = load(prog)
    except Exception as e:  # noqa: BLE001
        r = ProgramResult(prog, "?")
        r.invalid = "import failed: %s: %s" % (type(e).__name__, e)
        for c in checks or CHECKS:
            r.status[c] = "n/a"
        return r
    ck = Checker(prog, f, modname, npoints=npoints, checks=checks, seed=seed, s2sad=s2sad,
                 points=points)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            with _deadline(timeout):
                return ck.run()
        except Timeout as e:
            c = ck.current
            if c is not None:
                ck.states[c] = "crash"
                ck.result.failures[c] = PointFailure("crash", c, "timeout", [], str(e),
                                                     "%s: crash: timeout" % c)
            return ck.finish()
