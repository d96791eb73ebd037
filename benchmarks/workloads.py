"""Benchmark workloads for s2sad: plain NumPy functions and their hand-written gradients.

Every workload is a module-level function written the way a user would write it
(straight Python + NumPy, readable source), so that s2sad can read and transform it.
Beside it sits a hand-written NumPy gradient, the reference that s2sad should match
in speed, and an input generator.  Workloads with Python loops have a hand-written
gradient that loops the same way (a hand-written backpropagation through time), so
the ratio s2sad/hand compares like with like.

`run.py` checks every hand-written gradient against central finite differences on a
small instance before timing anything.

Peer versions (autograd, JAX, PyTorch) live in `peers.py`.
"""

import math
from dataclasses import dataclass, field
from typing import Callable, Tuple

import numpy as np


# ---------------------------------------------------------------------------
# 1. One-layer network, mean squared error  (the headline workload)
# ---------------------------------------------------------------------------


def mlp_mse(W, b, X, y):
    return np.mean((np.tanh(X @ W + b) - y) ** 2)


def mlp_mse_grad(W, b, X, y):
    a = np.tanh(X @ W + b)
    r = a - y
    dz = (2.0 / r.size) * r * (1.0 - a * a)
    return X.T @ dz, dz.sum(axis=0)


def make_mlp_mse(rng, batch=64, n_in=784, n_out=128):
    W = rng.standard_normal((n_in, n_out)) / math.sqrt(n_in)
    b = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    y = rng.uniform(-1.0, 1.0, (batch, n_out))
    return W, b, X, y


# ---------------------------------------------------------------------------
# 2. Rosenbrock, vectorised
# ---------------------------------------------------------------------------


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    head = x[:-1]
    t = x[1:] - head**2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * t * head - 2.0 * (1.0 - head)
    g[1:] += 200.0 * t
    return g


def make_rosenbrock(rng, n=1000):
    return (rng.uniform(-1.5, 1.5, n),)


# ---------------------------------------------------------------------------
# 3. Two-layer network, tanh, softmax cross-entropy via logsumexp
# ---------------------------------------------------------------------------


def mlp_xent(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * (logits - lse), axis=1))


def mlp_xent_grad(W1, b1, W2, b2, X, Y):
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    # d loss / d logits = (softmax * rowsum(Y) - Y) / n; rows of Y sum to 1 here,
    # but keep the general form so the gradient is exact for any Y.
    dlogits = (p * np.sum(Y, axis=1, keepdims=True) - Y) / n
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dz = (dlogits @ W2.T) * (1.0 - h * h)
    dW1 = X.T @ dz
    db1 = dz.sum(axis=0)
    return dW1, db1, dW2, db2


def make_mlp_xent(rng, batch=64, n_in=784, n_hidden=128, n_out=10):
    W1 = rng.standard_normal((n_in, n_hidden)) / math.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / math.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    return W1, b1, W2, b2, X, Y


# ---------------------------------------------------------------------------
# 4. Recurrent network, Python for-loop over time
# ---------------------------------------------------------------------------


def rnn(W, U, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h**2)


def rnn_grad(W, U, xs):
    hs = [np.zeros(W.shape[0])]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t]))
    gW = np.zeros_like(W)
    gU = np.zeros_like(U)
    bh = 2.0 * hs[-1]
    for t in range(xs.shape[0] - 1, -1, -1):
        bz = bh * (1.0 - hs[t + 1] ** 2)
        gW += np.outer(bz, hs[t])
        gU += np.outer(bz, xs[t])
        bh = W.T @ bz
    return gW, gU


def make_rnn(rng, hidden=32, n_in=16, steps=50):
    W = 0.9 * rng.standard_normal((hidden, hidden)) / math.sqrt(hidden)
    U = rng.standard_normal((hidden, n_in)) / math.sqrt(n_in)
    xs = rng.standard_normal((steps, n_in))
    return W, U, xs


# ---------------------------------------------------------------------------
# 5. Explicit Euler of a damped oscillator on Python floats
# ---------------------------------------------------------------------------


def euler_oscillator(k, c):
    pos, vel = 1.0, 0.0
    for _ in range(200):
        acc = -k * pos - c * vel
        vel = vel + 0.01 * acc
        pos = pos + 0.01 * vel
    return pos**2


def euler_oscillator_grad(k, c):
    dt = 0.01
    pos, vel = 1.0, 0.0
    states = []
    for _ in range(200):
        states.append((pos, vel))
        acc = -k * pos - c * vel
        vel = vel + dt * acc
        pos = pos + dt * vel
    bpos = 2.0 * pos
    bvel = 0.0
    bk = 0.0
    bc = 0.0
    for pos0, vel0 in reversed(states):
        # pos1 = pos0 + dt * vel1
        bvel = bvel + dt * bpos
        # vel1 = vel0 + dt * acc
        bacc = dt * bvel
        # acc = -k * pos0 - c * vel0
        bk = bk - bacc * pos0
        bc = bc - bacc * vel0
        bpos = bpos - k * bacc
        bvel = bvel - c * bacc
    return bk, bc


def make_euler(rng):
    return 4.0 + float(rng.uniform(-0.5, 0.5)), 0.3 + float(rng.uniform(-0.1, 0.1))


# ---------------------------------------------------------------------------
# 6. Logistic regression with an L2 penalty
# ---------------------------------------------------------------------------


def logreg(w, X, y, lam):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z)) + lam * np.sum(w**2)


def logreg_grad(w, X, y, lam):
    z = X @ w
    # d/dz log(1 + exp(-y z)) = -y * sigmoid(-y z) = -y * exp(-logaddexp(0, y z))
    dz = -y * np.exp(-np.logaddexp(0.0, y * z)) / z.shape[0]
    return X.T @ dz + 2.0 * lam * w


def make_logreg(rng, n=1000, d=100, lam=0.01):
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d) / math.sqrt(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    w = 0.1 * rng.standard_normal(d)
    return w, X, y, lam


# ---------------------------------------------------------------------------
# 7. Branchy loop: a piecewise function applied element by element
# ---------------------------------------------------------------------------


def branchy(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            total = total + np.sin(x[i]) * x[i]
        else:
            total = total + np.exp(x[i]) - 1.0
    return total


def branchy_grad(x):
    g = np.empty_like(x)
    for i in range(x.shape[0]):
        if x[i] > 0:
            g[i] = np.cos(x[i]) * x[i] + np.sin(x[i])
        else:
            g[i] = np.exp(x[i])
    return g


def make_branchy(rng, n=100):
    return (rng.standard_normal(n),)


# ---------------------------------------------------------------------------
# 8. Heat equation: explicit time stepping on a periodic grid, per-cell diffusivity
# ---------------------------------------------------------------------------


def heat(c, u0):
    u = u0
    for _ in range(100):
        lap = np.roll(u, 1) - 2.0 * u + np.roll(u, -1)
        u = u + 0.1 * c * lap
    return np.sum(u ** 2)


def heat_grad(c, u0):
    us = [u0]
    u = u0
    for _ in range(100):
        u = u + 0.1 * c * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1))
        us.append(u)
    bu = 2.0 * us[-1]
    bc = np.zeros_like(c)
    for u in reversed(us[:-1]):
        lap = np.roll(u, 1) - 2.0 * u + np.roll(u, -1)
        bc += 0.1 * bu * lap
        blap = 0.1 * c * bu
        bu = bu + np.roll(blap, -1) - 2.0 * blap + np.roll(blap, 1)
    return bc, bu


def make_heat(rng, n=100_000):
    return rng.uniform(0.5, 1.5, n), rng.uniform(-1.0, 1.0, n)


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


@dataclass
class Workload:
    name: str
    f: Callable
    hand: Callable
    argnums: object  # int or tuple of ints, as jax.grad
    make: Callable  # rng -> args, the benchmarked size
    make_small: Callable  # rng -> args, for the finite-difference check
    needs: Tuple[str, ...] = ()
    peer_key: str = ""  # which entry of peers.py implements it (default: f's name)
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self):
        return self.peer_key or self.f.__name__


def _sized(maker, **kw):
    def make(rng):
        return maker(rng, **kw)

    return make


WORKLOADS = [
    Workload(
        "mlp_mse",
        mlp_mse,
        mlp_mse_grad,
        (0, 1),
        _sized(make_mlp_mse),
        _sized(make_mlp_mse, batch=4, n_in=5, n_out=3),
        description="tanh layer + MSE, X 64x784, W 784x128; grad wrt (W, b)",
    ),
    Workload(
        "rosen_10",
        rosenbrock,
        rosenbrock_grad,
        0,
        _sized(make_rosenbrock, n=10),
        _sized(make_rosenbrock, n=10),
        description="vectorised Rosenbrock, n=10",
    ),
    Workload(
        "rosen_1k",
        rosenbrock,
        rosenbrock_grad,
        0,
        _sized(make_rosenbrock, n=1000),
        _sized(make_rosenbrock, n=12),
        description="vectorised Rosenbrock, n=1,000",
    ),
    Workload(
        "rosen_100k",
        rosenbrock,
        rosenbrock_grad,
        0,
        _sized(make_rosenbrock, n=100_000),
        _sized(make_rosenbrock, n=12),
        description="vectorised Rosenbrock, n=100,000",
    ),
    Workload(
        "xent_64x784",
        mlp_xent,
        mlp_xent_grad,
        (0, 1, 2, 3),
        _sized(make_mlp_xent),
        _sized(make_mlp_xent, batch=5, n_in=4, n_hidden=3, n_out=3),
        description="2-layer tanh MLP + softmax cross-entropy, 64 x 784-128-10",
    ),
    Workload(
        "xent_8x16",
        mlp_xent,
        mlp_xent_grad,
        (0, 1, 2, 3),
        _sized(make_mlp_xent, batch=8, n_in=16, n_hidden=16, n_out=4),
        _sized(make_mlp_xent, batch=5, n_in=4, n_hidden=3, n_out=3),
        description="2-layer tanh MLP + softmax cross-entropy, 8 x 16-16-4",
    ),
    Workload(
        "rnn_h32",
        rnn,
        rnn_grad,
        (0, 1),
        _sized(make_rnn, hidden=32, n_in=16, steps=50),
        _sized(make_rnn, hidden=3, n_in=2, steps=4),
        needs=("loops",),
        description="tanh RNN, 50 steps, hidden 32, input 16; grad wrt (W, U)",
    ),
    Workload(
        "rnn_h256",
        rnn,
        rnn_grad,
        (0, 1),
        _sized(make_rnn, hidden=256, n_in=64, steps=50),
        _sized(make_rnn, hidden=3, n_in=2, steps=4),
        needs=("loops",),
        description="tanh RNN, 50 steps, hidden 256, input 64; grad wrt (W, U)",
    ),
    Workload(
        "euler_200",
        euler_oscillator,
        euler_oscillator_grad,
        (0, 1),
        make_euler,
        make_euler,
        needs=("loops",),
        description="200 explicit Euler steps on Python floats; grad wrt (k, c)",
    ),
    Workload(
        "logreg",
        logreg,
        logreg_grad,
        0,
        _sized(make_logreg),
        _sized(make_logreg, n=7, d=4),
        description="L2-penalised logistic regression (logaddexp), X 1000x100; grad wrt w",
    ),
    Workload(
        "branchy",
        branchy,
        branchy_grad,
        0,
        _sized(make_branchy, n=100),
        _sized(make_branchy, n=8),
        needs=("loops", "branches"),
        description="if/else per element in a Python loop, n=100",
    ),
    Workload(
        "heat_100k",
        heat,
        heat_grad,
        (0, 1),
        _sized(make_heat, n=100_000),
        _sized(make_heat, n=6),
        needs=("loops",),
        description="100 explicit steps of a periodic heat equation, n=100,000; "
        "grad wrt (diffusivity, initial state)",
    ),
]


def _model_workloads():
    """The linear-algebra / einsum / SciPy model workloads (model_workloads.py), when
    SciPy imports."""
    try:
        import model_workloads as m
    except ImportError:  # SciPy missing
        return []
    return [
        Workload("gp_nlml", m.gp_nlml, m.gp_nlml_grad, 0, _sized(m.make_gp, n=200),
                 _sized(m.make_gp, n=8),
                 description="Gaussian-process negative log marginal likelihood, RBF kernel, "
                 "n=200 (cholesky, solve_triangular, diag); grad wrt 3 log-hyperparameters"),
        Workload("attention", m.attention, m.attention_grad, (0, 1, 2, 3),
                 _sized(m.make_attention), _sized(m.make_attention, batch=2, seq=3, embed=4,
                                                  heads=2, head_dim=3),
                 description="multi-head self-attention in einsum, batch 8 x 32 tokens, "
                 "embed 64, 4 heads; grad wrt Wq, Wk, Wv, Wo"),
        Workload("gmm", m.gmm_loglik, m.gmm_loglik_grad, (0, 1, 2), _sized(m.make_gmm),
                 _sized(m.make_gmm, n=12, k=3, dim=2),
                 description="diagonal Gaussian mixture log-likelihood with "
                 "scipy.special.logsumexp, 2000 x 4, 8 components"),
        Workload("vi_blr", m.vi_elbo, m.vi_elbo_grad, (0, 1), _sized(m.make_vi),
                 _sized(m.make_vi, n=10, dim=3, samples=2), needs=("loops",),
                 description="reparameterised ELBO of Bayesian linear regression with "
                 "scipy.stats.norm.logpdf, 500 x 20, 8 samples; grad wrt (mu, log_sigma)"),
    ]


WORKLOADS += _model_workloads()

BY_NAME = {w.name: w for w in WORKLOADS}


# A scalar function for the cached-call overhead measurement.
def scalar_poly(x):
    return x * x + 3.0 * x


def scalar_poly_grad(x):
    return 2.0 * x + 3.0
