"""Mean-field variational inference for Bayesian linear regression: maximise a
reparameterised ELBO written with scipy.stats.norm.logpdf; gradients from s2sad,
checked against finite differences first, then compared with the exact posterior.

Run: python examples/variational_inference.py   (needs SciPy: pip install s2sad[scipy])
"""
import numpy as np
from scipy.stats import norm

import s2sad
from s2sad.testing import numerical_grad


def elbo(mu, log_sigma, X, y, eps, noise):
    """Monte Carlo ELBO with fixed standard-normal draws eps (samples, dim)."""
    total = 0.0
    for s in range(eps.shape[0]):
        w = mu + np.exp(log_sigma) * eps[s]
        log_lik = np.sum(norm.logpdf(y, loc=X @ w, scale=noise))
        log_prior = np.sum(norm.logpdf(w, loc=0.0, scale=1.0))
        total = total + log_lik + log_prior
    entropy = np.sum(log_sigma)  # of the Gaussian q, up to a constant
    return total / eps.shape[0] + entropy


def main():
    rng = np.random.default_rng(2)
    n, dim, noise = 100, 3, 0.5
    X = rng.standard_normal((n, dim))
    y = X @ np.array([1.0, -2.0, 0.5]) + noise * rng.standard_normal(n)
    eps = rng.standard_normal((16, dim))
    mu, log_sigma = np.zeros(dim), np.full(dim, -1.0)
    grad = s2sad.grad(elbo, argnums=(0, 1))
    g_mu, g_ls = grad(mu, log_sigma, X, y, eps, noise)
    n_mu, n_ls = numerical_grad(elbo, (mu, log_sigma, X, y, eps, noise), argnums=(0, 1))
    assert np.allclose(g_mu, n_mu, rtol=1e-5) and np.allclose(g_ls, n_ls, rtol=1e-5)
    for step in range(2001):
        g_mu, g_ls = grad(mu, log_sigma, X, y, eps, noise)
        mu, log_sigma = mu + 1e-3 * g_mu, log_sigma + 1e-3 * g_ls
        if step % 500 == 0:
            print("step %4d  elbo %.3f" % (step, elbo(mu, log_sigma, X, y, eps, noise)))
    # the exact posterior mean of w (prior N(0, I), noise variance noise^2)
    precision = X.T @ X / noise ** 2 + np.eye(dim)
    exact = np.linalg.solve(precision, X.T @ y / noise ** 2)
    print("variational mean", np.round(mu, 3), " exact posterior mean", np.round(exact, 3))
    assert np.allclose(mu, exact, atol=0.05), (mu, exact)


if __name__ == "__main__":
    main()
