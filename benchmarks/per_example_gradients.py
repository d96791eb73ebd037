"""Per-example gradients: ``s2sad.vmap(s2sad.grad(loss))`` against the loop and against
a hand-vectorised NumPy version.

    python benchmarks/per_example_gradients.py [--batch 256] [--repeats 30]

Two workloads as users write them (the per-example loss of one example, mapped over
the rows of ``X``): a one-hidden-layer tanh MLP with a squared error, and an
L2-regularised logistic regression.  Timed interleaved from one run: the batched sweep
(``vmap(grad(f))``), the loop a user would write (``[grad(f)(w, x, y) for x, y in
...]``, stacked), and per-example gradients vectorised by hand.  All three are checked
against each other first; printed are medians (ms) and the ratios to hand-written.
"""
import argparse

import numpy as np
from interleave import interleaved_medians

import s2sad


def mlp_loss(W1, b1, W2, x, y):
    h = np.tanh(W1 @ x + b1)
    return np.sum((W2 @ h - y) ** 2)


def mlp_hand(W1, b1, W2, X, Y):
    H = np.tanh(X @ W1.T + b1)
    R = 2.0 * (H @ W2.T - Y)
    GH = (R @ W2) * (1.0 - H ** 2)
    return (GH[:, :, None] * X[:, None, :], GH, R[:, :, None] * H[:, None, :])


def logreg_loss(w, x, y):
    return np.logaddexp(0.0, -y * (x @ w)) + 0.01 * np.sum(w ** 2)


def logreg_hand(w, X, Y):
    z = -Y * (X @ w)
    s = np.exp(z - np.logaddexp(0.0, z))
    return (-Y * s)[:, None] * X + 0.02 * w


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=30)
    opts = parser.parse_args()
    rng = np.random.default_rng(0)
    n = opts.batch
    W1, b1, W2 = rng.normal(size=(32, 20)) / 5, rng.normal(size=32) / 5, \
        rng.normal(size=(4, 32)) / 5
    X, Y = rng.normal(size=(n, 20)), rng.normal(size=(n, 4))
    w, Xl, Yl = rng.normal(size=20), rng.normal(size=(n, 20)), np.sign(rng.normal(size=n))
    mlp_grad = s2sad.grad(mlp_loss, argnums=(0, 1, 2))
    mlp_vmap = s2sad.vmap(mlp_grad, in_axes=(None, None, None, 0, 0))
    log_grad = s2sad.grad(logreg_loss)
    log_vmap = s2sad.vmap(log_grad, in_axes=(None, 0, 0))
    workloads = {
        "mlp 20-32-4": {
            "vmap(grad)": lambda: mlp_vmap(W1, b1, W2, X, Y),
            "loop": lambda: tuple(np.stack(g) for g in zip(
                *[mlp_grad(W1, b1, W2, x, y) for x, y in zip(X, Y)])),
            "hand-written": lambda: mlp_hand(W1, b1, W2, X, Y)},
        "logreg 20": {
            "vmap(grad)": lambda: log_vmap(w, Xl, Yl),
            "loop": lambda: np.stack([log_grad(w, x, y) for x, y in zip(Xl, Yl)]),
            "hand-written": lambda: logreg_hand(w, Xl, Yl)},
    }
    for name, runs in workloads.items():
        results = {k: run() for k, run in runs.items()}
        for k in ("vmap(grad)", "loop"):
            got, want = results[k], results["hand-written"]
            for a, b in zip(got if isinstance(got, tuple) else (got,),
                            want if isinstance(want, tuple) else (want,)):
                assert np.allclose(a, b, rtol=1e-10, atol=1e-12), "%s %s differs" % (name, k)
    print("per-example gradients, batch %d, %d interleaved repeats" % (n, opts.repeats))
    print("vmap paths: mlp %s, logreg %s" % (mlp_vmap.last_path, log_vmap.last_path))
    print("%-13s %-13s %10s %8s" % ("workload", "version", "median ms", "/ hand"))
    for name, runs in workloads.items():
        medians = interleaved_medians(runs, opts.repeats)
        hand = medians["hand-written"]
        for k in runs:
            med = medians[k]
            print("%-13s %-13s %10.3f %8.2f" % (name, k, 1e3 * med, med / hand))


if __name__ == "__main__":
    main()
