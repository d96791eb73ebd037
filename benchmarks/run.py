# ruff: noqa: E402  (thread and allocator settings must precede the NumPy import)
"""Benchmark s2sad against hand-written NumPy gradients and peer AD systems.

    python benchmarks/run.py [--quick] [--only NAME[,NAME...]] [--json out.json]

See benchmarks/README.md for what is measured and how to read the table.
"""

import os
import sys

# Single-threaded everything, before NumPy (or any BLAS user) is imported.
for _var in (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _tune_malloc():
    """Keep freed array buffers in the heap (glibc only).

    With glibc's default, dynamic thresholds, whether a buffer of ~100 KB..32 MB comes
    back from the heap or from fresh, page-faulting memory depends on the heap's
    history, so the same NumPy code measured 1x-7x apart from one process to the next.
    A fixed mmap threshold and no trimming make the timings reproducible; every
    NumPy-based contender gets the same allocator.  --no-malloc-tuning turns this off.
    """
    if "--no-malloc-tuning" in sys.argv[1:]:
        return "glibc defaults (--no-malloc-tuning)"
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        ok = (
            libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
            and libc.mallopt(m_trim_threshold, 1 << 30)
            and libc.mallopt(m_top_pad, 64 * 1024 * 1024)
        )
        return "glibc mmap threshold 32 MiB, no trimming" if ok else "mallopt refused; defaults"
    except Exception:
        return "default allocator"


MALLOC = _tune_malloc()

import argparse
import datetime
import fnmatch
import gc
import importlib.util
import inspect
import json
import platform
import shutil
import statistics
import tempfile
import time
import tracemalloc
import traceback
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import peers as peers_mod  # noqa: E402
import workloads as wl_mod  # noqa: E402

try:  # keep BLAS at one thread even if it ignored the environment
    import threadpoolctl

    _THREAD_LIMIT = threadpoolctl.threadpool_limits(1)
except Exception:  # threadpoolctl is optional
    threadpoolctl = None


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


class Timer:
    def __init__(self, min_sample, n_samples, warmup):
        self.min_sample = min_sample
        self.n_samples = n_samples
        self.warmup = warmup

    def measure(self, call):
        """Median seconds per call over n_samples samples, each at least min_sample long."""
        for _ in range(self.warmup):
            call()
        # Calibrate the number of inner loops so one sample lasts >= min_sample.
        inner = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(inner):
                call()
            dt = time.perf_counter() - t0
            if dt >= self.min_sample:
                break
            grow = self.min_sample / max(dt, 1e-9) * 1.2
            inner = max(inner + 1, min(int(inner * grow) + 1, inner * 100))
        samples = [dt / inner]
        gc_was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            while len(samples) < self.n_samples:
                t0 = time.perf_counter()
                for _ in range(inner):
                    call()
                samples.append((time.perf_counter() - t0) / inner)
        finally:
            if gc_was_enabled:
                gc.enable()
        return {
            "median": statistics.median(samples),
            "min": min(samples),
            "samples": samples,
            "inner_loops": inner,
        }


# ---------------------------------------------------------------------------
# Checking gradients
# ---------------------------------------------------------------------------


def _nums(argnums):
    return tuple(argnums) if isinstance(argnums, (tuple, list)) else (argnums,)


def _as_tuple(grads, argnums):
    return tuple(grads) if isinstance(argnums, (tuple, list)) else (grads,)


def finite_differences(f, args, argnums, rel_eps=1e-6):
    """Central differences of scalar f wrt each argument in argnums (float64)."""
    out = []
    for i in _nums(argnums):
        a = args[i]
        if isinstance(a, float):
            h = rel_eps * max(1.0, abs(a))
            lo, hi = list(args), list(args)
            lo[i], hi[i] = a - h, a + h
            out.append((float(f(*hi)) - float(f(*lo))) / (2 * h))
            continue
        a = np.asarray(a, dtype=np.float64)
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            h = rel_eps * max(1.0, abs(a[idx]))
            ap, am = a.copy(), a.copy()
            ap[idx] += h
            am[idx] -= h
            hi, lo = list(args), list(args)
            hi[i], lo[i] = ap, am
            g[idx] = (float(f(*hi)) - float(f(*lo))) / (2 * h)
        out.append(g)
    return tuple(out)


def compare(got, want, argnums, rtol, what):
    """Return None if got matches want (the hand-written gradient), else a reason."""
    want_t = _as_tuple(want, argnums)
    if isinstance(argnums, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return "%s returned %s, expected a tuple of %d gradients" % (
                what,
                type(got).__name__,
                len(want_t),
            )
        got_t = tuple(got)
    else:
        got_t = (got,)
    if len(got_t) != len(want_t):
        return "%s returned %d gradients, expected %d" % (what, len(got_t), len(want_t))
    for k, (g, w) in enumerate(zip(got_t, want_t)):
        try:
            g = np.asarray(g, dtype=np.float64)
        except Exception as exc:
            return "%s gradient %d is not numeric (%s)" % (what, k, type(exc).__name__)
        w = np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            return "%s gradient %d has shape %s, expected %s" % (what, k, g.shape, w.shape)
        scale = float(np.max(np.abs(w))) if w.size else 0.0
        err = float(np.max(np.abs(g - w))) if w.size else 0.0
        if not np.all(np.isfinite(g)) or err > rtol * max(scale, 1e-12):
            return "%s gradient %d differs: max abs err %.3g (scale %.3g)" % (what, k, err, scale)
    return None


def check_hand_gradients(workloads, log):
    """Every hand-written gradient against central finite differences, small instances."""
    results = {}
    for w in workloads:
        rng = np.random.default_rng(1234)
        args = w.make_small(rng)
        hand = w.hand(*args)
        fd = finite_differences(w.f, args, w.argnums)
        reference = fd if isinstance(w.argnums, (tuple, list)) else fd[0]
        reason = compare(hand, reference, w.argnums, 1e-5, "hand-written")
        results[w.name] = "ok" if reason is None else "FAIL: " + reason
        if reason is not None:
            log("FAIL  hand-written gradient of %s vs finite differences: %s" % (w.name, reason))
    return results


# ---------------------------------------------------------------------------
# s2sad access
# ---------------------------------------------------------------------------


def load_s2sad():
    try:
        import s2sad

        s2sad.grad  # noqa: B018 - must exist
        return s2sad, None
    except Exception as exc:
        return None, "%s: %s" % (type(exc).__name__, exc)


def clear_s2sad_cache(s2sad):
    """Clear s2sad's derivative cache if it exposes a way; return what was called."""
    done = []
    for modname in ("compiler", "cache"):
        mod = getattr(s2sad, modname, None)
        if mod is None:
            try:
                mod = importlib.import_module("s2sad." + modname)
            except Exception:
                continue
        for attr in ("clear_cache", "cache_clear"):
            fn = getattr(mod, attr, None)
            if callable(fn):
                try:
                    fn()
                    done.append("s2sad.%s.%s" % (modname, attr))
                except Exception:
                    pass
    for attr in ("clear_cache", "cache_clear"):
        fn = getattr(s2sad, attr, None)
        if callable(fn):
            try:
                fn()
                done.append("s2sad." + attr)
            except Exception:
                pass
    return done


class FreshCopies:
    """Fresh copies of workload functions, from a new source file each time.

    The copy's source carries a unique comment, so no cache keyed on the code object
    or on a hash of the source can serve it: s2sad must parse and transform again.
    """

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="s2sad_bench_")

    def make(self, f):
        src = inspect.getsource(f)
        lines = src.splitlines(True)
        body_indent = "    "
        for line in lines[1:]:
            if line.strip():
                body_indent = line[: len(line) - len(line.lstrip())]
                break
        nonce = uuid.uuid4().hex
        lines.insert(1, "%s# fresh copy %s\n" % (body_indent, nonce))
        name = "fresh_%s_%s" % (f.__name__, nonce[:12])
        path = os.path.join(self.dir, name + ".py")
        with open(path, "w") as fh:
            fh.write("import math\nimport numpy as np\n\n\n" + "".join(lines))
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        for key, value in f.__globals__.items():  # the helpers and imports f uses
            if not key.startswith("__"):
                mod.__dict__.setdefault(key, value)
        return getattr(mod, f.__name__)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def find_generated_function(s2sad, f, argnums, wrapper):
    """The compiled derivative behind the grad wrapper, if s2sad exposes it."""
    candidates = []
    compiler = getattr(s2sad, "compiler", None)
    if compiler is None:
        try:
            compiler = importlib.import_module("s2sad.compiler")
        except Exception:
            compiler = None
    deriv = getattr(compiler, "derivative", None) if compiler is not None else None
    if callable(deriv):
        for call_args in ((f, "grad", _nums(argnums)), (f, "grad", argnums)):
            try:
                d = deriv(*call_args)
            except Exception:
                continue
            for attr in ("function", "fn", "func", "compiled"):
                fn = getattr(d, attr, None)
                if callable(fn):
                    candidates.append(
                        ("s2sad.compiler.derivative(f, 'grad', %r).%s" % (call_args[2], attr), fn)
                    )
            if callable(d):
                candidates.append(
                    ("s2sad.compiler.derivative(f, 'grad', %r)" % (call_args[2],), d)
                )
    for attr in (
        "function",
        "_function",
        "compiled",
        "_compiled",
        "generated",
        "_generated",
        "derivative",
        "_derivative",
        "_fn",
        "fn",
        "__s2sad_function__",
    ):
        obj = getattr(wrapper, attr, None)
        if obj is None or obj is f or obj is wrapper:
            continue
        inner = getattr(obj, "function", obj)
        if callable(inner):
            candidates.append(("grad wrapper .%s" % attr, inner))
    return candidates


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


def short_exc(exc):
    return type(exc).__name__


def fmt_time(t):
    if t is None:
        return "—"
    if t < 1e-6:
        return "%.0f ns" % (t * 1e9)
    if t < 1e-3:
        return "%.1f us" % (t * 1e6)
    if t < 1.0:
        return "%.2f ms" % (t * 1e3)
    return "%.2f s" % t


def fmt_bytes(n):
    if n is None:
        return "—"
    if n < 1024:
        return "%d B" % n
    if n < 1024**2:
        return "%.1f KiB" % (n / 1024)
    return "%.2f MiB" % (n / 1024**2)


def machine_info(peer_list):
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = None
    if threadpoolctl is not None:
        try:
            infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
            if infos:
                blas = ", ".join(
                    "%s %s (%s threads)"
                    % (i.get("internal_api"), i.get("version"), i.get("num_threads"))
                    for i in infos
                )
        except Exception:
            pass
    if blas is None:
        try:
            cfg = np.show_config(mode="dicts")
            b = cfg["Build Dependencies"]["blas"]
            blas = "%s %s" % (b.get("name"), b.get("version"))
        except Exception:
            blas = "?"
    versions = {}
    for p in peer_list:
        if p.available():
            versions[p.name] = p.version()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "blas": blas,
        "python": platform.python_version(),
        "malloc": MALLOC,
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "peers": versions,
    }


def run(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="fewer and shorter samples")
    ap.add_argument(
        "--only",
        default=None,
        help="comma-separated workload names or glob patterns (e.g. rosen_*)",
    )
    ap.add_argument("--json", default=None, metavar="PATH", help="write every figure to PATH")
    ap.add_argument("--no-peers", action="store_true", help="skip autograd/JAX/PyTorch")
    ap.add_argument(
        "--no-malloc-tuning",
        action="store_true",
        help="keep glibc's default malloc thresholds (timings of large arrays get noisy)",
    )
    args = ap.parse_args(argv)

    timer = (
        Timer(min_sample=0.02, n_samples=3, warmup=1)
        if args.quick
        else Timer(min_sample=0.2, n_samples=5, warmup=2)
    )

    selected = wl_mod.WORKLOADS
    if args.only:
        pats = [p.strip() for p in args.only.split(",") if p.strip()]
        selected = [
            w for w in wl_mod.WORKLOADS if any(fnmatch.fnmatchcase(w.name, p) for p in pats)
        ]
        if not selected:
            ap.error("no workload matches %r; known: %s" % (args.only, ", ".join(wl_mod.BY_NAME)))

    # Generated modules go to a private cache directory for this run (unless the user
    # chose one), so no earlier run's files are reused and none are left behind.
    own_cache = None
    if not os.environ.get("S2SAD_CACHE_DIR"):
        own_cache = tempfile.mkdtemp(prefix="s2sad_bench_cache_")
        os.environ["S2SAD_CACHE_DIR"] = own_cache
    try:
        return _run(args, timer, selected, ap)
    finally:
        if own_cache:
            shutil.rmtree(own_cache, ignore_errors=True)


def _run(args, timer, selected, ap):
    problems = []

    def log(msg):
        print(msg, file=sys.stderr, flush=True)
        if msg.startswith(("FAIL", "ERROR")):
            problems.append(msg)

    peer_list = [] if args.no_peers else peers_mod.all_peers()
    machine = machine_info(peer_list)
    s2sad, s2sad_err = load_s2sad()
    if s2sad is None:
        log("note: s2sad is not usable (%s); its cells show n/a" % s2sad_err)
    else:
        machine["s2sad"] = getattr(s2sad, "__version__", "?")

    log("checking hand-written gradients against finite differences ...")
    fd_check = check_hand_gradients(selected, log)

    rows = []
    for w in selected:
        log("workload %s ..." % w.name)
        rng = np.random.default_rng(20240601)
        wargs = w.make(rng)
        want = w.hand(*wargs)
        row = {
            "name": w.name,
            "description": w.description,
            "needs": list(w.needs),
            "fd_check": fd_check[w.name],
            "times": {},
            "status": {},
            "compile": {},
        }
        row["times"]["f"] = timer.measure(lambda: w.f(*wargs))
        row["times"]["hand"] = timer.measure(lambda: w.hand(*wargs))

        # s2sad
        if s2sad is None:
            row["status"]["s2sad"] = "n/a (s2sad not importable)"
        else:
            try:
                g = s2sad.grad(w.f, argnums=w.argnums)
                got = g(*wargs)
            except Exception as exc:
                label = "unsupported: " if w.needs else ""
                row["status"]["s2sad"] = "n/a (%s%s)" % (label, short_exc(exc))
                row["s2sad_error"] = "%s: %s" % (type(exc).__name__, exc)
                if w.needs:
                    log(
                        "note: s2sad on %s (needs %s): %s"
                        % (w.name, ",".join(w.needs), row["s2sad_error"])
                    )
                else:
                    row["status"]["s2sad"] = "ERROR (%s)" % short_exc(exc)
                    log("ERROR s2sad on %s raised %s" % (w.name, row["s2sad_error"]))
                    log(traceback.format_exc())
            else:
                reason = compare(got, want, w.argnums, 1e-6, "s2sad")
                if reason is not None:
                    row["status"]["s2sad"] = "FAIL"
                    row["s2sad_error"] = reason
                    log(
                        "FAIL  s2sad gradient on %s does not match the hand-written one: %s"
                        % (w.name, reason)
                    )
                else:
                    row["status"]["s2sad"] = "ok"
                    row["times"]["s2sad"] = timer.measure(lambda: g(*wargs))
                    # create_graph=False: adjoints accumulate in place (not differentiable)
                    g_ng = s2sad.grad(w.f, argnums=w.argnums, create_graph=False)
                    if compare(g_ng(*wargs), want, w.argnums, 1e-6, "s2sad") is None:
                        row["times"]["s2sad_nograph"] = timer.measure(lambda: g_ng(*wargs))
                    else:
                        log("FAIL  s2sad create_graph=False gradient on %s" % w.name)

        # peers
        for p in peer_list:
            if not p.available():
                row["status"][p.name] = "—"
                continue
            try:
                prep = p.prepare(w, wargs)
                got = prep.to_numpy(prep.call())
            except Exception as exc:
                row["status"][p.name] = "n/a (%s)" % short_exc(exc)
                row.setdefault("peer_errors", {})[p.name] = "%s: %s" % (
                    type(exc).__name__,
                    str(exc)[:300],
                )
                log(
                    "note: %s on %s raised %s"
                    % (p.label, w.name, row["peer_errors"][p.name].splitlines()[0])
                )
                continue
            reason = compare(got, want, w.argnums, 1e-6, p.label)
            if reason is not None:
                row["status"][p.name] = "FAIL"
                log("FAIL  %s gradient on %s: %s" % (p.label, w.name, reason))
                continue
            row["status"][p.name] = "ok"
            if prep.compile_time is not None:
                row["compile"][p.name] = prep.compile_time
            row["times"][p.name] = timer.measure(prep.call)
        rows.append(row)

    extras = {}
    if s2sad is not None:
        log("s2sad first-call (transform) times ...")
        extras["first_call"] = first_call_times(s2sad, selected, rows, log)
        log("cached-call overhead ...")
        extras["overhead"] = call_overhead(s2sad, timer, peer_list, log)
        log("create_graph=False against the default, interleaved ...")
        extras["create_graph_ab"] = create_graph_ab(s2sad, selected, timer, log)
    if any(w.name.startswith("rnn") for w in selected) or args.only is None:
        log("RNN tape memory at 1,000 steps ...")
        extras["rnn_memory"] = rnn_memory(s2sad, peer_list, log)

    text = render(machine, rows, extras, peer_list, args.quick)
    print(text)
    if problems:
        print("\nPROBLEMS:")
        for p in problems:
            print("  " + p.splitlines()[0])

    if args.json:
        out = {
            "machine": machine,
            "quick": args.quick,
            "timer": {"min_sample_s": timer.min_sample, "samples": timer.n_samples},
            "workloads": rows,
            "extras": extras,
            "problems": problems,
        }
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
        print("\nwrote %s" % args.json)
    return 1 if problems else 0


def first_call_times(s2sad, selected, rows, log):
    """Time of grad(f) + first call on a never-seen copy of f, minus one steady call."""
    fresh = FreshCopies()
    out = {}
    try:
        for w, row in zip(selected, rows):
            if row["status"].get("s2sad") != "ok":
                out[w.name] = None
                continue
            rng = np.random.default_rng(20240601)
            wargs = w.make(rng)
            cleared = clear_s2sad_cache(s2sad)
            try:
                f2 = fresh.make(w.f)
                t0 = time.perf_counter()
                g = s2sad.grad(f2, argnums=w.argnums)
                g(*wargs)
                first = time.perf_counter() - t0
                t0 = time.perf_counter()
                g(*wargs)
                second = time.perf_counter() - t0
            except Exception as exc:
                log("note: first-call measurement failed on %s: %s" % (w.name, short_exc(exc)))
                out[w.name] = None
                continue
            out[w.name] = {
                "first_call": first,
                "second_call": second,
                "transform_estimate": max(first - second, 0.0),
                "cache_cleared_by": cleared,
            }
    finally:
        fresh.close()
    return out


def call_overhead(s2sad, timer, peer_list, log):
    f, hand = wl_mod.scalar_poly, wl_mod.scalar_poly_grad
    x = 1.5
    res = {"function": "x * x + 3.0 * x at x = 1.5 (Python float)"}
    res["f"] = timer.measure(lambda: f(x))["median"]
    res["hand"] = timer.measure(lambda: hand(x))["median"]
    try:
        g = s2sad.grad(f)
        val = g(x)
        if abs(float(val) - hand(x)) > 1e-12:
            log("FAIL  s2sad.grad(scalar_poly)(1.5) = %r, expected %r" % (val, hand(x)))
            res["s2sad_wrapper"] = None
            return res
        res["s2sad_wrapper"] = timer.measure(lambda: g(x))["median"]
    except Exception as exc:
        log("ERROR s2sad.grad on the scalar function: %s: %s" % (type(exc).__name__, exc))
        res["s2sad_wrapper"] = None
        return res
    res["generated_direct"] = None
    res["generated_via"] = "n/a (no way to reach the generated function found)"
    for how, fn in find_generated_function(s2sad, f, 0, g):
        try:
            if not _returns_gradient(fn(x), hand(x)):
                continue
        except Exception:
            continue
        res["generated_direct"] = timer.measure(lambda: fn(x))["median"]
        res["generated_via"] = how
        break
    if res["generated_direct"] is not None:
        res["wrapper_overhead"] = res["s2sad_wrapper"] - res["generated_direct"]
    return res


def create_graph_ab(s2sad, selected, timer, log, rounds=9):
    """``create_graph=False`` against the default on the loop workloads, timed in
    alternation (the two differ by a few percent; drift between separate table cells
    is larger than that).  Returns name -> ratio of the fastest rounds (below 1: False
    is faster); the minimum, as the code is the same apart from the accumulation and
    a slow round is another process, not the code."""
    out = {}
    for w in selected:
        if "loops" not in w.needs:
            continue
        args = w.make(np.random.default_rng(20240601))
        default = s2sad.grad(w.f, argnums=w.argnums)
        no_graph = s2sad.grad(w.f, argnums=w.argnums, create_graph=False)
        default(*args), no_graph(*args)
        inner = max(1, timer.measure(lambda: default(*args))["inner_loops"] // 4)
        times = {"default": [], "no_graph": []}
        for _ in range(rounds):
            for key, g in (("default", default), ("no_graph", no_graph)):
                t0 = time.perf_counter()
                for _ in range(inner):
                    g(*args)
                times[key].append((time.perf_counter() - t0) / inner)
        out[w.name] = min(times["no_graph"]) / min(times["default"])
        log("create_graph=False vs default on %s: %.3fx" % (w.name, out[w.name]))
    return out


def _returns_gradient(v, want):
    """Whether v is the gradient want, or a (value, gradient) pair / 1-tuple holding it."""

    def close(a):
        try:
            return abs(float(a) - want) <= 1e-12
        except Exception:
            return False

    if close(v):
        return True
    if isinstance(v, (tuple, list)) and v:
        last = v[-1]
        if close(last):
            return True
        if isinstance(last, (tuple, list)) and len(last) == 1 and close(last[0]):
            return True
    return False


def rnn_memory(s2sad, peer_list, log, steps=1000, hidden=256, n_in=64):
    """tracemalloc peak (bytes above the inputs) during one call, RNN with 1,000 steps."""
    rng = np.random.default_rng(7)
    W, U, xs = wl_mod.make_rnn(rng, hidden=hidden, n_in=n_in, steps=steps)
    res = {
        "config": "hidden %d, input %d, %d steps; peak bytes allocated during the call"
        % (hidden, n_in, steps)
    }
    want = wl_mod.rnn_grad(W, U, xs)

    def peak(call):
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            out = call()
            return tracemalloc.get_traced_memory()[1] - base, out
        finally:
            tracemalloc.stop()

    res["f"], _ = peak(lambda: wl_mod.rnn(W, U, xs))
    res["hand"], _ = peak(lambda: wl_mod.rnn_grad(W, U, xs))
    res["s2sad"] = None
    if s2sad is not None:
        try:
            g = s2sad.grad(wl_mod.rnn, argnums=(0, 1))
            g(W, U, xs)  # transform outside the measurement
            res["s2sad"], got = peak(lambda: g(W, U, xs))
            reason = compare(got, want, (0, 1), 1e-6, "s2sad")
            if reason:
                log("FAIL  s2sad RNN-1000 gradient: %s" % reason)
                res["s2sad"] = None
        except Exception as exc:
            res["s2sad_error"] = "n/a (unsupported: %s)" % short_exc(exc)
    for p in peer_list:
        if p.name == "autograd" and p.available():
            wl = wl_mod.BY_NAME["rnn_h32"]
            prep = p.prepare(wl, (W, U, xs))
            res["autograd"], _ = peak(prep.call)
    return res


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _table(header, body):
    widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]

    def line(r):
        return " | ".join(
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(r)
        )

    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([line(header), sep] + [line(r) for r in body])


def render(machine, rows, extras, peer_list, quick):
    out = []
    peers = " ".join("%s %s" % (k, v) for k, v in machine.get("peers", {}).items())
    out.append(
        "machine: %s (%s cores, run single-threaded) | numpy %s | BLAS %s | Python %s | %s"
        % (
            machine["cpu"],
            machine["cores"],
            machine["numpy"],
            machine["blas"],
            machine["python"],
            machine["date"],
        )
    )
    out.append(
        "versions: s2sad %s%s%s | malloc: %s"
        % (machine.get("s2sad", "not usable"), " | " if peers else "", peers, machine["malloc"])
    )
    out.append(
        "timing: median of %s; ratios are time / time of the hand-written gradient"
        % ("3 samples >= 20 ms (--quick)" if quick else "5 samples >= 0.2 s")
    )
    n_ok = sum(1 for r in rows if r["fd_check"] == "ok")
    out.append(
        "hand-written gradients vs central finite differences (float64, small instances): %d/%d ok"
        % (n_ok, len(rows))
    )
    out.append("")
    header = [
        "workload",
        "f",
        "hand",
        "s2sad",
        "s2sad/hand",
        "s2sad/f",
        "no-graph/hand",
        "autograd/hand",
        "jax/hand",
        "jit/hand",
        "torch/hand",
        "torch.func/hand",
    ]
    body = []
    for r in rows:
        t = r["times"]
        hand = t["hand"]["median"]
        f = t["f"]["median"]
        st = r["status"]
        if "s2sad" in t:
            s = t["s2sad"]["median"]
            s_cells = [fmt_time(s), "%.2fx" % (s / hand), "%.2fx" % (s / f)]
            ng = t.get("s2sad_nograph")
            s_cells.append("%.2fx" % (ng["median"] / hand) if ng else "—")
        else:
            s_cells = [st.get("s2sad", "n/a"), "—", "—", "—"]
        cells = [
            r["name"] + ("" if r["fd_check"] == "ok" else " (hand FD FAIL)"),
            fmt_time(f),
            fmt_time(hand),
        ] + s_cells
        for name in ("autograd", "jax", "jit", "torch", "torch.func"):
            if name in t:
                cells.append("%.2fx" % (t[name]["median"] / hand))
            else:
                cells.append(st.get(name, "—"))
        body.append(cells)
    out.append(_table(header, body))

    # Absolute peer times and compile/transform times.
    out.append("")
    header2 = [
        "workload",
        "s2sad 1st call",
        "autograd",
        "jax",
        "jax.jit",
        "jit compile",
        "torch",
        "torch.func",
    ]
    body2 = []
    fc = extras.get("first_call", {})
    for r in rows:
        t = r["times"]
        first = fc.get(r["name"])
        cells = [r["name"], fmt_time(first["first_call"]) if first else "—"]
        for name in ("autograd", "jax", "jit"):
            cells.append(fmt_time(t[name]["median"]) if name in t else "—")
        cells.append(
            fmt_time(r["compile"].get("jit")) if r["compile"].get("jit") is not None else "—"
        )
        for name in ("torch", "torch.func"):
            cells.append(fmt_time(t[name]["median"]) if name in t else "—")
        body2.append(cells)
    out.append("absolute times (s2sad 1st call = grad(f) + first call on a never-seen copy of f):")
    out.append(_table(header2, body2))

    ov = extras.get("overhead")
    if ov:
        out.append("")
        direct = ov.get("generated_direct")
        out.append(
            "cached-call overhead, %s: f %s | hand %s | s2sad.grad wrapper %s"
            " | generated fn direct %s%s"
            % (
                ov["function"],
                fmt_time(ov["f"]),
                fmt_time(ov["hand"]),
                fmt_time(ov.get("s2sad_wrapper")),
                fmt_time(direct) if direct is not None else ov.get("generated_via", "n/a"),
                " (via %s; wrapper adds %s)"
                % (ov["generated_via"], fmt_time(ov["wrapper_overhead"]))
                if direct is not None
                else "",
            )
        )
    ab = extras.get("create_graph_ab")
    if ab:
        out.append(
            "create_graph=False / default, timed in alternation (fastest of 9 rounds): "
            + " | ".join("%s %.3fx" % (name, ratio) for name, ratio in ab.items())
        )
    mem = extras.get("rnn_memory")
    if mem:
        out.append(
            "RNN tape memory (%s): f %s | hand %s | s2sad %s | autograd %s"
            % (
                mem["config"],
                fmt_bytes(mem["f"]),
                fmt_bytes(mem["hand"]),
                fmt_bytes(mem["s2sad"])
                if mem.get("s2sad") is not None
                else mem.get("s2sad_error", "n/a"),
                fmt_bytes(mem.get("autograd")),
            )
        )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(run())
