"""What ``s2sad.checkpoint`` saves: the tape of an RNN with and without it.

    python benchmarks/checkpoint_memory.py [--steps 50] [--hidden 128] [--batch 256]

An Elman RNN over a sequence, written as users write one (parameters in a dict, the
cell a helper function).  The checkpointed version wraps the cell in
``s2sad.checkpoint``: its backward sweep recomputes the cell's intermediate values
instead of reading them from the tape.  Printed, from one run:

* tape: the memory held between the forward and the backward sweep (``s2sad.vjp``'s
  pullback alive), measured with tracemalloc;
* peak: the peak memory of one ``grad`` call;
* time: the median ``grad`` time, the two versions timed interleaved, and their ratio.
"""
import argparse
import time
import tracemalloc

import numpy as np

import s2sad


def cell(params, h, x):
    pre = params["W"] @ h + params["U"] @ x + params["b"][:, None]
    return np.tanh(pre) * params["gain"]


checkpointed_cell = s2sad.checkpoint(cell)


def rnn_loss(params, h, xs, target):
    for x in xs:
        h = cell(params, h, x)
    return np.mean((h - target) ** 2)


def rnn_loss_checkpointed(params, h, xs, target):
    for x in xs:
        h = checkpointed_cell(params, h, x)
    return np.mean((h - target) ** 2)


def held_by_tape(fn, args):
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out, pullback = s2sad.vjp(fn, *args)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del pullback
    return held


def peak_of_grad(grad, args):
    tracemalloc.start()
    grad(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()
    rng = np.random.default_rng(0)
    n, b = opts.hidden, opts.batch
    params = {"W": rng.normal(0, 0.5 / np.sqrt(n), (n, n)),
              "U": rng.normal(0, 0.5 / np.sqrt(n), (n, n)),
              "b": rng.normal(0, 0.1, n), "gain": 1.5}
    args = (params, rng.normal(size=(n, b)), [rng.normal(size=(n, b))
                                                for _ in range(opts.steps)],
            rng.normal(size=(n, b)))
    plain, ckpt = s2sad.grad(rnn_loss), s2sad.grad(rnn_loss_checkpointed)
    g1, g2 = plain(*args), ckpt(*args)
    assert all(np.allclose(g1[k], g2[k], rtol=1e-10, atol=1e-12) for k in g1), \
        "checkpointed gradient differs"
    times = {"plain": [], "checkpoint": []}
    for _ in range(opts.repeats):  # interleaved: the machine's noise hits both alike
        for name, grad in (("plain", plain), ("checkpoint", ckpt)):
            start = time.perf_counter()
            grad(*args)
            times[name].append(time.perf_counter() - start)
    mib = 1024.0 ** 2
    rows = [("plain", rnn_loss, plain), ("checkpoint", rnn_loss_checkpointed, ckpt)]
    print("RNN: %d steps, hidden %d, batch %d (sequence inputs %.1f MiB)"
          % (opts.steps, n, b, opts.steps * n * b * 8 / mib))
    print("%-11s %12s %12s %10s" % ("version", "tape MiB", "peak MiB", "grad ms"))
    medians = {}
    for name, fn, grad in rows:
        medians[name] = float(np.median(times[name]))
        print("%-11s %12.1f %12.1f %10.1f" % (name, held_by_tape(fn, args) / mib,
                                              peak_of_grad(grad, args) / mib,
                                              1e3 * medians[name]))
    print("checkpoint/plain time ratio: %.2f" % (medians["checkpoint"] / medians["plain"]))


if __name__ == "__main__":
    main()
