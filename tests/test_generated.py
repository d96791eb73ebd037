"""Differential testing of s2sad on generated programs (the generator and the checker
live in the package ``tests/progen/``; read its docstring).

* ``test_program[k]`` -- program ``k`` of a fixed seed (deterministic), checked at
  several points with every transform (grad, value_and_grad, vjp, jvp, jacrev, jacfwd,
  hessian, jvp of grad, grad of grad) against finite differences and each other.  A
  failure prints the program, the point, the check and expected vs got.  By default
  :data:`CI_PROGRAMS` programs of seed :data:`CI_SEED`; ``--fuzz N`` (or
  ``S2SAD_FUZZ=N``) runs N programs of a fresh random seed instead (printed in every
  failure; ``S2SAD_FUZZ_SEED=SEED`` repeats a run; one program:
  ``python tests/progen --seed SEED --start K --n 1 --show 1``).  In the CI set the
  second-order checks run on every :data:`CI_SECOND_ORDER_EVERY`-th program (they take
  half of the CPU time); ``--fuzz`` runs every check on every program.  The programs
  are checked in worker processes (``S2SAD_FUZZ_JOBS``, default: one per core) when the
  first of them runs; each test then reports its own program's result, and the outcome
  table is printed at the end of the pytest run.
* ``test_hypothesis_programs`` -- hypothesis searches programs (derandomized, so CI is
  deterministic) and *shrinks* the first failure it finds to a small program (at most
  ``S2SAD_SHRINK_SECONDS`` seconds of shrinking, default 45).
* ``test_checker_*`` -- the checker itself: a deliberately wrong gradient, a mutated
  argument, an internal error and an unlocated refusal must be reported; kinks and
  branch switches must not be.

Failures stay visible (no xfail): they are bugs of s2sad to fix.
"""
import os
import random
import time

import numpy as np
import pytest

import progen

CI_SEED = "ci-1"
CI_PROGRAMS = 200
CI_POINTS = 3
#: in the CI set, the second-order checks (hessian, jvp of grad, grad of grad: half of
#: the CPU time) run on every CI_SECOND_ORDER_EVERY-th program; --fuzz runs all.
CI_SECOND_ORDER_EVERY = 3
HYPOTHESIS_EXAMPLES = int(os.environ.get("S2SAD_HYPOTHESIS_EXAMPLES", "20"))


@pytest.fixture(scope="module", autouse=True)
def _s2sad_cache_in_a_temp_dir():
    """Keep the thousands of derivative modules s2sad writes out of ~/.cache."""
    old = os.environ.get("S2SAD_CACHE_DIR")
    os.environ["S2SAD_CACHE_DIR"] = os.path.join(progen.module_dir(), "s2sad_cache")
    yield
    if old is None:
        os.environ.pop("S2SAD_CACHE_DIR", None)
    else:
        os.environ["S2SAD_CACHE_DIR"] = old


def _fuzz(config):
    n = config.getoption("--fuzz", default=None)
    if n is None and os.environ.get("S2SAD_FUZZ"):
        n = int(os.environ["S2SAD_FUZZ"])
    return n


def _plan(config):
    """(seed, number of programs) for this run; the fuzz seed is drawn once."""
    plan = getattr(config, "_progen_plan", None)
    if plan is None:
        n = _fuzz(config)
        if n is None:
            plan = (CI_SEED, CI_PROGRAMS)
        else:
            seed = os.environ.get("S2SAD_FUZZ_SEED") or "fuzz-%d" % random.SystemRandom(
            ).randrange(10 ** 9)
            plan = (seed, n)
        config._progen_plan = plan
    return plan


def pytest_generate_tests(metafunc):
    if "program_index" in metafunc.fixturenames:
        seed, n = _plan(metafunc.config)
        metafunc.parametrize("program_index", range(n), ids=[str(k) for k in range(n)])


@pytest.fixture(scope="module")
def generated_results(request, _s2sad_cache_in_a_temp_dir):
    """Check every selected program once (in worker processes); k -> ProgramResult."""
    seed, n = _plan(request.config)
    ks = sorted({item.callspec.params["program_index"] for item in request.session.items
                 if hasattr(item, "callspec") and "program_index" in item.callspec.params})
    jobs = int(os.environ.get("S2SAD_FUZZ_JOBS", os.cpu_count() or 1))
    t0 = time.perf_counter()
    every = None if _fuzz(request.config) is not None else CI_SECOND_ORDER_EVERY
    results = dict(zip(ks, progen.run_many(seed, ks, npoints=CI_POINTS,
                                           jobs=min(jobs, max(len(ks), 1)),
                                           second_order_every=every)))
    wall = time.perf_counter() - t0
    rs = list(results.values())
    cpu = sum(r.cpu for r in rs)
    summary = ("%d generated programs of seed %r checked in %.1fs wall (%.2fs each; %.2fs "
               "CPU each, %d jobs)\n%s" % (len(rs), seed, wall, wall / max(len(rs), 1),
                                          cpu / max(len(rs), 1), jobs,
                                          progen.summary_table(rs, progen.CHECKS)))
    request.config._progen_summary = summary
    return seed, results


def test_program(program_index, generated_results):
    seed, results = generated_results
    r = results[program_index]
    if r.invalid:
        pytest.fail("generator produced an invalid program (a bug in tests/progen):\n"
                    + r.report(), pytrace=False)
    if r.failed:
        groups = "\n".join("  " + g for g in r.groups())
        pytest.fail("s2sad fails on generated program %d of seed %r:\n%s\n\n%s\n\n"
                    "rerun: python tests/progen --seed %s --start %d --n 1 --show 1"
                    % (program_index, seed, groups, r.report(), seed, program_index),
                    pytrace=False)


# --- hypothesis: search and shrink -----------------------------------------------------

class ProgramFailed(AssertionError):
    pass


def test_hypothesis_programs():
    from hypothesis import HealthCheck, Phase, given, settings

    budget = float(os.environ.get("S2SAD_SHRINK_SECONDS", "45"))
    memo = {}
    first = {}      # the first failure: when, and its group (shrinking keeps to it)

    @settings(max_examples=HYPOTHESIS_EXAMPLES, derandomize=True, database=None,
              deadline=None, suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False, phases=[Phase.generate, Phase.shrink],
              print_blob=False)
    @given(progen.programs())
    def check(prog):
        r = memo.get(prog.source)
        if r is None:
            if first and time.perf_counter() - first["t"] > budget:
                return   # the shrink budget is spent: unseen programs count as passing
            if first:
                # shrinking: run only what reproduces the first failure (much cheaper)
                r = progen.check_program(prog, npoints=3,
                                         checks=progen.checks_for(first["check"]))
                r.keep = first["group"] in r.groups()
            else:
                r = progen.check_program(prog, npoints=3)
                r.keep = r.failed
            memo[prog.source] = r
        if r.invalid:
            raise ProgramFailed("invalid generated program (generator bug):\n" + r.report())
        if r.keep:
            if not first:
                g = r.groups()[0]
                first.update(t=time.perf_counter(), group=g, check=g.split(":")[0])
            raise ProgramFailed("s2sad fails on this (shrunk) generated program:\n%s\n\n%s" % (
                "\n".join("  " + g for g in r.groups()), r.report()))

    check()


# --- the checker itself -------------------------------------------------------------

SIMPLE = """\
import numpy as np


def f(x, a):
    y = np.tanh(x) * a
    for i in range(2):
        y = y + np.sin(y) * 0.5
    return np.sum(y ** 2) + a * a
"""

KINK = """\
import numpy as np


def f(x, a):
    if x[0] > 0.3:
        return np.sum(x ** 2) + 5.0 * a
    return np.sum(np.abs(x)) * a
"""


class _Broken:
    """s2sad with one transform replaced."""

    def __init__(self, **repl):
        import s2sad
        self._s2sad = s2sad
        self.__dict__.update(repl)

    def __getattr__(self, name):
        return getattr(self._s2sad, name)


def _scaled_grad(scale, offset=0.0):
    import s2sad

    def grad(f, argnums=0, has_aux=False, **kw):
        g = s2sad.grad(f, argnums=argnums, has_aux=has_aux, **kw)

        def wrong(*args):
            out = g(*args)
            gs = out[0] if has_aux else out
            bad = tuple(v * scale + offset for v in gs)
            return (bad, out[1]) if has_aux else bad
        return wrong
    return grad


def _prog(src):
    return progen.program_from_source(src, [("x", (3,)), ("a", "float")])


def test_checker_accepts_correct_gradients():
    r = progen.check_program(_prog(SIMPLE), checks=["grad", "jvp", "hessian"])
    assert r.status == {"grad": "ok", "jvp": "ok", "hessian": "ok"}, r.report()


@pytest.mark.parametrize("scale, offset", [(1.0 + 1e-4, 0.0), (1.0, 1e-4), (-1.0, 0.0)])
def test_checker_reports_a_wrong_gradient(scale, offset):
    broken = _Broken(grad=_scaled_grad(scale, offset))
    r = progen.check_program(_prog(SIMPLE), checks=["grad"], s2sad=broken)
    assert r.status["grad"] == "wrong", r.report()
    assert "expected" in r.report() and "got" in r.report()


def test_checker_reports_a_mutated_argument():
    import s2sad

    def grad(f, **kw):
        g = s2sad.grad(f, **kw)

        def mutating(*args):
            out = g(*args)
            args[0][0] += 1.0
            return out
        return mutating

    r = progen.check_program(_prog(SIMPLE), checks=["grad"], s2sad=_Broken(grad=grad))
    assert r.status["grad"] == "mutated", r.report()

    def jvp(f, primals, tangents, **kw):
        out = s2sad.jvp(f, primals, tangents, **kw)
        primals[0][1] *= 2.0
        return out

    r = progen.check_program(_prog(SIMPLE), checks=["jvp"], s2sad=_Broken(jvp=jvp))
    assert r.status["jvp"] == "mutated", r.report()


def test_checker_classifies_errors():
    import s2sad

    def internal(f, **kw):
        raise s2sad.InternalError("boom")

    def unlocated(f, **kw):
        raise s2sad.MissingRuleError("numpy.foo", "somewhere")

    r = progen.check_program(_prog(SIMPLE), checks=["grad"], s2sad=_Broken(grad=internal))
    assert r.status["grad"] == "crash" and "InternalError" in r.failures["grad"].group
    r = progen.check_program(_prog(SIMPLE), checks=["grad"], s2sad=_Broken(grad=unlocated))
    assert r.status["grad"] == "crash" and "unlocated" in r.failures["grad"].group
    located = SIMPLE.replace("    y = np.tanh(x) * a\n",
                             "    try:\n        y = np.tanh(x) * a\n    except ValueError:\n"
                             "        y = x\n")
    r = progen.check_program(_prog(located), checks=["grad"])
    assert r.status["grad"] == "refused", r.report()


def test_checker_skips_kinks_instead_of_reporting_them():
    # points within a finite-difference step of the branch switch and of |x|'s kink
    pts = [[np.array([0.3 + 1e-9, 0.5, -0.2]), 1.5],
           [np.array([0.3 - 1e-9, 0.5, -0.2]), 1.5],
           [np.array([-0.1, 1e-9, 2.0]), 0.7]]
    r = progen.check_program(_prog(KINK), points=pts, checks=["grad", "jvp"])
    assert not r.failed, r.report()
    # the directional derivative crosses the switch at every point: nothing to compare
    assert r.points[("jvp", "skip")] == 3


def test_checker_compares_far_from_the_origin():
    # a wrong gradient that only shows for large inputs must be found
    import s2sad

    def grad(f, argnums=0, **kw):
        g = s2sad.grad(f, argnums=argnums, **kw)

        def wrong(*args):
            out = g(*args)
            big = np.max(np.abs(args[0])) > 3.0
            return tuple(v * (1.01 if big else 1.0) for v in out)
        return wrong

    r = progen.check_program(_prog(SIMPLE), checks=["grad"], s2sad=_Broken(grad=grad))
    assert r.status["grad"] == "wrong", r.report()


def test_generator_is_deterministic_and_valid():
    a = progen.program_for("determinism", 3)
    b = progen.program_for("determinism", 3)
    assert a.source == b.source
    assert progen.replay(a.choices, label=a.label).source == a.source
    for k in range(30):
        p = progen.program_for("valid", k)
        f, _ = progen.load(p)
        rng = np.random.default_rng(k)
        args = [float(rng.uniform(-5, 5)) if kind == "float" else rng.uniform(-5, 5, kind)
                for _, kind in p.params]
        out = f(*args)
        v = out[0] if p.has_aux else out
        assert np.ndim(v) == 0 and np.isfinite(v), p.source


def test_shrinking_keeps_the_failure_and_makes_the_program_small():
    import s2sad

    def grad(f, argnums=0, has_aux=False, **kw):
        g = s2sad.grad(f, argnums=argnums, has_aux=has_aux, **kw)

        def wrong(*args):      # wrong whenever f calls a sine
            out = g(*args)
            if "sin" not in f.__code__.co_names:
                return out
            gs = out[0] if has_aux else out
            bad = tuple(2.0 * v + 1.0 for v in gs)
            return (bad, out[1]) if has_aux else bad
        return wrong

    broken = _Broken(grad=grad)
    prog = next(p for p in (progen.program_for("shrink", k) for k in range(200))
                if "np.sin(" in p.source.split("def f(")[1] and len(p.source) > 900)
    r = progen.check_program(prog, checks=["grad"], s2sad=broken)
    group = r.failures["grad"].group
    small = progen.shrink(prog, group, "grad", budget_seconds=60, max_evals=150,
                          npoints=2, s2sad=broken)
    assert len(small.source) < len(prog.source) / 2, small.source
    r2 = progen.check_program(small, checks=["grad"], s2sad=broken,
                              seed=progen.point_seed(prog), npoints=2)
    assert group in r2.groups(), r2.report()
