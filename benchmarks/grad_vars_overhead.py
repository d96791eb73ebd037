"""What ``grad_vars`` costs: a BrainPy-style model against the same model taking its
parameters as arguments, and against a hand-written gradient.

    python benchmarks/grad_vars_overhead.py [--batch 64] [--hidden 128] [--repeats 200]

The model is written as BrainPy users write one: a class whose ``__init__`` puts the
parameters in ``s2sad.Variable`` boxes and whose methods read ``self.W.value`` (the
loss calls ``self.forward``).  ``s2sad.grad(model.loss, grad_vars=...)`` is timed
interleaved with ``s2sad.grad(loss, argnums=(0, 1, 2, 3))`` of the same computation
written with explicit parameters (the same structure: the loss calls a forward
helper), and with the hand-written backpropagation; printed
are the medians (microseconds) and the ratios to hand-written NumPy from one run.
All three gradients are checked against each other first.
"""
import argparse

import numpy as np
from interleave import interleaved_medians

import s2sad


class MLP:
    def __init__(self, rng, n_in, n_hidden, n_out):
        self.W1 = s2sad.Variable(rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_hidden)))
        self.b1 = s2sad.Variable(np.zeros(n_hidden))
        self.W2 = s2sad.Variable(rng.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, n_out)))
        self.b2 = s2sad.Variable(np.zeros(n_out))

    def forward(self, X):
        h = np.tanh(X @ self.W1.value + self.b1.value)
        return h @ self.W2.value + self.b2.value

    def loss(self, X, Y):
        return np.mean((self.forward(X) - Y) ** 2)


def explicit_forward(W1, b1, W2, b2, X):
    h = np.tanh(X @ W1 + b1)
    return h @ W2 + b2


def explicit_loss(W1, b1, W2, b2, X, Y):  # the same structure: a loss calling forward
    return np.mean((explicit_forward(W1, b1, W2, b2, X) - Y) ** 2)


def hand_written(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    r = h @ W2 + b2 - Y
    g = 2.0 * r / r.size
    gh = (g @ W2.T) * (1.0 - h ** 2)
    return X.T @ gh, gh.sum(axis=0), h.T @ g, g.sum(axis=0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--inputs", type=int, default=784)
    parser.add_argument("--repeats", type=int, default=200)
    opts = parser.parse_args()
    rng = np.random.default_rng(0)
    model = MLP(rng, opts.inputs, opts.hidden, 10)
    X = rng.normal(size=(opts.batch, opts.inputs))
    Y = rng.normal(size=(opts.batch, 10))
    variables = [model.W1, model.b1, model.W2, model.b2]
    values = [v.value for v in variables]
    with_vars = s2sad.grad(model.loss, grad_vars=variables)
    explicit = s2sad.grad(explicit_loss, argnums=(0, 1, 2, 3))
    runs = {"grad_vars": lambda: with_vars(X, Y),
            "argnums": lambda: explicit(*values, X, Y),
            "hand-written": lambda: hand_written(*values, X, Y)}
    results = {name: run() for name, run in runs.items()}
    for name in ("grad_vars", "argnums"):
        for got, want in zip(results[name], results["hand-written"]):
            assert np.allclose(got, want, rtol=1e-10, atol=1e-12), name + " differs"
    medians = interleaved_medians(runs, opts.repeats)
    print("MLP %d-%d-10, batch %d, %d interleaved repeats"
          % (opts.inputs, opts.hidden, opts.batch, opts.repeats))
    print("%-13s %12s %10s" % ("version", "median us", "/ hand"))
    for name in runs:
        print("%-13s %12.1f %10.2f" % (name, 1e6 * medians[name],
                                       medians[name] / medians["hand-written"]))


if __name__ == "__main__":
    main()
