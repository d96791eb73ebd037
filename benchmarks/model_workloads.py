"""Model workloads that need linear algebra, einsum and SciPy (issue 12).

Four objectives as people write them, each beside a hand-written NumPy gradient:

* ``gp_nlml``: the negative log marginal likelihood of a Gaussian process with an RBF
  kernel (``np.linalg.cholesky``, ``scipy.linalg.solve_triangular``, ``np.diag``),
  differentiated with respect to its three log-hyperparameters;
* ``attention``: one multi-head self-attention layer written with ``np.einsum`` and a
  max-shifted softmax, squared error against a target, wrt the four projections;
* ``gmm``: the log-likelihood of a diagonal Gaussian mixture with
  ``scipy.special.logsumexp``, wrt the mixture logits, means and log-scales;
* ``vi_blr``: a reparameterised ELBO of Bayesian linear regression with
  ``scipy.stats.norm.logpdf`` (fixed noise draws), wrt the variational mean and
  log-scale.

``workloads.py`` adds them to ``WORKLOADS`` when SciPy imports.
"""
import math

import numpy as np
import scipy.linalg
import scipy.special
from scipy.stats import norm


# ---------------------------------------------------------------------------
# Gaussian-process negative log marginal likelihood
# ---------------------------------------------------------------------------


def rbf_kernel(X, log_lengthscale, log_signal):
    sq = np.sum(X ** 2, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * X @ X.T
    return np.exp(2.0 * log_signal) * np.exp(-0.5 * d2 / np.exp(2.0 * log_lengthscale))


def gp_nlml(theta, X, y):
    n = y.shape[0]
    K = rbf_kernel(X, theta[0], theta[1]) + np.exp(2.0 * theta[2]) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = scipy.linalg.solve_triangular(L, y, lower=True)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * math.log(2 * math.pi)


def gp_nlml_grad(theta, X, y):
    n = y.shape[0]
    sq = np.sum(X ** 2, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * X @ X.T
    ell2 = np.exp(2.0 * theta[0])
    Kf = np.exp(2.0 * theta[1]) * np.exp(-0.5 * d2 / ell2)
    noise = np.exp(2.0 * theta[2])
    L = np.linalg.cholesky(Kf + noise * np.eye(n))
    a = scipy.linalg.cho_solve((L, True), y)
    # dNLML/dtheta = 0.5 tr((K^-1 - a a^T) dK/dtheta)
    W = scipy.linalg.cho_solve((L, True), np.eye(n)) - np.outer(a, a)
    dK_ell = Kf * d2 / ell2
    dK_sig = 2.0 * Kf
    return 0.5 * np.array([np.sum(W * dK_ell), np.sum(W * dK_sig), 2.0 * noise * np.trace(W)])


def make_gp(rng, n=200, dim=3):
    X = rng.standard_normal((n, dim))
    y = np.sin(X @ np.array([1.0, -0.5, 0.25][:dim])) + 0.1 * rng.standard_normal(n)
    theta = np.array([0.1, 0.2, -1.0])
    return theta, X, y


# ---------------------------------------------------------------------------
# Multi-head self-attention with einsum
# ---------------------------------------------------------------------------


def softmax_last(s):
    e = np.exp(s - np.max(s, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def attention(Wq, Wk, Wv, Wo, x, target):
    d = Wq.shape[2]
    q = np.einsum("bte,ehd->bthd", x, Wq)
    k = np.einsum("bte,ehd->bthd", x, Wk)
    v = np.einsum("bte,ehd->bthd", x, Wv)
    weights = softmax_last(np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d))
    out = np.einsum("bhqk,bkhd->bqhd", weights, v)
    y = np.einsum("bqhd,hde->bqe", out, Wo)
    return np.mean((y - target) ** 2)


def attention_grad(Wq, Wk, Wv, Wo, x, target):
    d = Wq.shape[2]
    q = np.einsum("bte,ehd->bthd", x, Wq)
    k = np.einsum("bte,ehd->bthd", x, Wk)
    v = np.einsum("bte,ehd->bthd", x, Wv)
    P = softmax_last(np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d))
    out = np.einsum("bhqk,bkhd->bqhd", P, v)
    y = np.einsum("bqhd,hde->bqe", out, Wo)
    gy = 2.0 * (y - target) / y.size
    gWo = np.einsum("bqhd,bqe->hde", out, gy)
    gout = np.einsum("bqe,hde->bqhd", gy, Wo)
    gP = np.einsum("bqhd,bkhd->bhqk", gout, v)
    gv = np.einsum("bhqk,bqhd->bkhd", P, gout)
    gS = P * (gP - np.sum(gP * P, axis=-1, keepdims=True)) / math.sqrt(d)
    gq = np.einsum("bhqk,bkhd->bqhd", gS, k)
    gk = np.einsum("bhqk,bqhd->bkhd", gS, q)
    return (np.einsum("bte,bthd->ehd", x, gq), np.einsum("bte,bthd->ehd", x, gk),
            np.einsum("bte,bthd->ehd", x, gv), gWo)


def make_attention(rng, batch=8, seq=32, embed=64, heads=4, head_dim=16):
    scale = 1.0 / math.sqrt(embed)
    Wq, Wk, Wv = (scale * rng.standard_normal((embed, heads, head_dim)) for _ in range(3))
    Wo = rng.standard_normal((heads, head_dim, embed)) / math.sqrt(heads * head_dim)
    x = rng.standard_normal((batch, seq, embed))
    target = rng.standard_normal((batch, seq, embed))
    return Wq, Wk, Wv, Wo, x, target


# ---------------------------------------------------------------------------
# Diagonal Gaussian mixture log-likelihood with logsumexp
# ---------------------------------------------------------------------------


def gmm_loglik(logits, means, log_scales, X):
    log_weights = logits - scipy.special.logsumexp(logits)
    z = (X[:, None, :] - means[None, :, :]) / np.exp(log_scales)[None, :, :]
    log_comp = np.sum(-0.5 * z ** 2 - log_scales[None, :, :], axis=2) \
        - 0.5 * X.shape[1] * math.log(2 * math.pi)
    return np.sum(scipy.special.logsumexp(log_weights[None, :] + log_comp, axis=1))


def gmm_loglik_grad(logits, means, log_scales, X):
    w = np.exp(logits - scipy.special.logsumexp(logits))
    inv = np.exp(-log_scales)
    z = (X[:, None, :] - means[None, :, :]) * inv[None, :, :]
    log_comp = np.sum(-0.5 * z ** 2 - log_scales[None, :, :], axis=2) \
        - 0.5 * X.shape[1] * math.log(2 * math.pi)
    joint = np.log(w)[None, :] + log_comp
    r = np.exp(joint - scipy.special.logsumexp(joint, axis=1, keepdims=True))
    g_logits = np.sum(r, axis=0) - X.shape[0] * w
    g_means = np.einsum("nk,nkd->kd", r, z * inv[None, :, :])
    g_log_scales = np.einsum("nk,nkd->kd", r, z ** 2 - 1.0)
    return g_logits, g_means, g_log_scales


def make_gmm(rng, n=2000, k=8, dim=4):
    X = rng.standard_normal((n, dim)) * 2.0
    return (0.1 * rng.standard_normal(k), rng.standard_normal((k, dim)),
            0.1 * rng.standard_normal((k, dim)), X)


# ---------------------------------------------------------------------------
# Reparameterised ELBO of Bayesian linear regression with norm.logpdf
# ---------------------------------------------------------------------------


def vi_elbo(mu, log_sigma, X, y, eps, noise):
    total = 0.0
    for s in range(eps.shape[0]):
        w = mu + np.exp(log_sigma) * eps[s]
        total = total + np.sum(norm.logpdf(y, loc=X @ w, scale=noise)) \
            + np.sum(norm.logpdf(w))
    return total / eps.shape[0] + np.sum(log_sigma)


def vi_elbo_grad(mu, log_sigma, X, y, eps, noise):
    sigma = np.exp(log_sigma)
    g_mu = np.zeros_like(mu)
    g_ls = np.zeros_like(log_sigma)
    for s in range(eps.shape[0]):
        w = mu + sigma * eps[s]
        gw = X.T @ ((y - X @ w) / noise ** 2) - w
        g_mu += gw
        g_ls += gw * sigma * eps[s]
    return g_mu / eps.shape[0], g_ls / eps.shape[0] + 1.0


def make_vi(rng, n=500, dim=20, samples=8):
    X = rng.standard_normal((n, dim))
    y = X @ rng.standard_normal(dim) + 0.5 * rng.standard_normal(n)
    return (0.1 * rng.standard_normal(dim), -1.0 + 0.1 * rng.standard_normal(dim), X, y,
            rng.standard_normal((samples, dim)), 0.5)
