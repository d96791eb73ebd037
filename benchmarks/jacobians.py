# ruff: noqa: E402  (thread settings must precede the NumPy import)
"""Jacobian and Hessian benchmarks: s2sad against a per-basis-vector loop and peers.

    python benchmarks/jacobians.py [--quick] [--help]

Rows: ``jacrev`` and ``jacfwd`` of ``tanh(A @ x)`` with x in R^100 (output R^100), and
``hessian`` of the Rosenbrock function with n = 100.  Each is checked against the
per-basis-vector loop of our own pullback (or pushforward) before it is timed, and
against ``autograd.jacobian``/``autograd.hessian`` and ``jax.jacrev``/``jax.jacfwd``/
``jax.hessian`` (eager, no jit) where installed.  Single-threaded; median of samples
of at least 0.2 s each.  The ``sweeps`` column says whether s2sad ran one batched sweep
(``batched``) or fell back to one sweep per basis vector (``per-basis``).
"""
import os
import sys

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import s2sad
from run import Timer, fmt_time


def tanh_layer(x, A):
    return np.tanh(A @ x)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def pullback_loop(f, x, *rest):
    """The Jacobian with one call of our pullback per output element."""
    out, f_vjp = s2sad.vjp(lambda_free(f, rest), x)
    eye = np.eye(np.size(out))
    return np.stack([f_vjp(e.reshape(np.shape(out)))[0] for e in eye])


def pushforward_loop(f, x, *rest):
    """The Jacobian with one call of our pushforward (jvp) per input element."""
    g = lambda_free(f, rest) if rest else f
    eye = np.eye(np.size(x))
    cols = [s2sad.jvp(g, (x,), (e.reshape(np.shape(x)),))[1] for e in eye]
    return np.stack(cols, axis=-1)


_BOUND = {}


def lambda_free(f, rest):
    """``tanh_layer`` with ``A`` fixed, as a def s2sad can read (cached)."""
    key = (f, tuple(id(r) for r in rest))
    if key not in _BOUND:
        A = rest[0]

        def bound(x):
            return np.tanh(A @ x)
        _BOUND[key] = bound
    return _BOUND[key]


def peers():
    out = {}
    try:
        import autograd
        import autograd.numpy as anp
        out["autograd"] = (autograd, anp)
    except Exception:
        pass
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        out["jax"] = (jax, jnp)
    except Exception:
        pass
    return out


def sweeps(fun, mode, has_aux=False):
    """``batched`` when the Jacobian of ``fun`` runs batched sweeps, else ``per-basis``."""
    from s2sad.compiler import batched_derivative
    found = batched_derivative(fun, mode, (0,), has_aux)
    return "batched" if found is not None else "per-basis"


def main(argv):
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return
    quick = "--quick" in argv
    timer = Timer(0.05 if quick else 0.2, 3 if quick else 5, 1)
    rng = np.random.default_rng(0)
    n = 100
    A = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n) * 0.5
    xr = rng.uniform(-1.0, 1.5, n)
    p = peers()
    rows = []

    def row(name, ours, loop, peer_calls, path):
        want = loop()
        got = ours()
        if not np.allclose(got, want, rtol=1e-8, atol=1e-10):
            raise SystemExit("FAIL: %s disagrees with the per-basis loop" % name)
        t_ours, t_loop = timer.measure(ours)["median"], timer.measure(loop)["median"]
        cells = [name, path, fmt_time(t_ours), "%.2fx" % (t_loop / t_ours)]
        for peer in ("autograd", "jax"):
            call = peer_calls.get(peer)
            if call is None:
                cells.append("—")
                continue
            ref = np.asarray(call())
            if not np.allclose(ref, want, rtol=1e-6, atol=1e-8):
                raise SystemExit("FAIL: %s of %s disagrees" % (peer, name))
            cells.append("%.2fx" % (timer.measure(call)["median"] / t_ours))
        rows.append(cells)

    jr = s2sad.jacrev(tanh_layer)
    jf = s2sad.jacfwd(tanh_layer)
    hs = s2sad.hessian(rosenbrock)
    calls = {}
    if "autograd" in p:
        ag, anp = p["autograd"]
        calls["jacrev"] = {"autograd": lambda: ag.jacobian(lambda v: anp.tanh(A @ v))(x)}
        calls["jacfwd"] = calls["jacrev"]
        ros_ag = lambda v: anp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)  # noqa
        calls["hessian"] = {"autograd": lambda: ag.hessian(ros_ag)(xr)}
    if "jax" in p:
        jax, jnp = p["jax"]
        Aj, xj, xrj = jnp.asarray(A), jnp.asarray(x), jnp.asarray(xr)
        layer = lambda v: jnp.tanh(Aj @ v)  # noqa: E731
        ros_j = lambda v: jnp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1.0 - v[:-1]) ** 2)  # noqa
        calls.setdefault("jacrev", {})["jax"] = lambda: jax.jacrev(layer)(xj).block_until_ready()
        calls.setdefault("jacfwd", {})["jax"] = lambda: jax.jacfwd(layer)(xj).block_until_ready()
        calls.setdefault("hessian", {})["jax"] = (
            lambda: jax.hessian(ros_j)(xrj).block_until_ready())
    from s2sad.api.standins import seeded_gradient
    row("jacrev tanh(A@x), n=100", lambda: jr(x, A), lambda: pullback_loop(tanh_layer, x, A),
        calls.get("jacrev", {}), sweeps(tanh_layer, "vjp"))
    row("jacfwd tanh(A@x), n=100", lambda: jf(x, A), lambda: pushforward_loop(tanh_layer, x, A),
        calls.get("jacfwd", {}), sweeps(tanh_layer, "jvp"))
    grad_r = s2sad.grad(rosenbrock)
    row("hessian rosenbrock, n=100", lambda: hs(xr),
        lambda: pushforward_loop(grad_r, xr), calls.get("hessian", {}),
        sweeps(seeded_gradient(rosenbrock, (0,), False)[0], "jvp", True))
    header = ["workload", "sweeps", "s2sad", "loop/s2sad", "autograd/s2sad", "jax eager/s2sad"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print("(ratios above 1 mean s2sad is faster; 'loop' is one call of our own pullback or "
          "pushforward per basis vector)")


if __name__ == "__main__":
    main(sys.argv[1:])
