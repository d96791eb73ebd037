"""Fit a Gaussian process's hyperparameters by minimising the negative log marginal
likelihood, with gradients from s2sad through np.linalg.cholesky,
scipy.linalg.solve_triangular, np.diag, and (second version) np.linalg.solve and
np.linalg.slogdet.

Run: python examples/gaussian_process.py   (needs SciPy: pip install s2sad[scipy])
"""
import math

import numpy as np
import scipy.linalg

import s2sad
from s2sad.testing import numerical_grad


def rbf_kernel(X, params):
    """Squared-exponential kernel; params holds log-lengthscale and log-signal."""
    sq = np.sum(X ** 2, axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * X @ X.T
    return np.exp(2.0 * params["log_signal"]) * np.exp(
        -0.5 * d2 / np.exp(2.0 * params["log_lengthscale"]))


def nlml(params, X, y):
    """Negative log marginal likelihood via the Cholesky factor."""
    n = y.shape[0]
    K = rbf_kernel(X, params) + np.exp(2.0 * params["log_noise"]) * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = scipy.linalg.solve_triangular(L, y, lower=True)
    return 0.5 * alpha @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * math.log(2 * math.pi)


def nlml_solve(params, X, y):
    """The same quantity via np.linalg.solve and np.linalg.slogdet."""
    n = y.shape[0]
    K = rbf_kernel(X, params) + np.exp(2.0 * params["log_noise"]) * np.eye(n)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet + 0.5 * n * math.log(2 * math.pi)


def make_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3.0, 3.0, (n, 1))
    y = np.sin(2.0 * X[:, 0]) + 0.1 * rng.standard_normal(n)
    return X, y


def main():
    X, y = make_data()
    params = {"log_lengthscale": 0.5, "log_signal": 0.0, "log_noise": -1.0}
    grad = s2sad.grad(nlml)
    # check both forms against finite differences before optimising
    g, g2 = grad(params, X, y), s2sad.grad(nlml_solve)(params, X, y)
    keys = sorted(params)
    flat = np.array([params[k] for k in keys])

    def as_params(v):
        return dict(zip(keys, v))

    numeric = numerical_grad(lambda v: nlml(as_params(v), X, y), (flat,))
    for i, k in enumerate(keys):
        assert abs(g[k] - numeric[i]) < 1e-5 * (1 + abs(numeric[i])), (k, g[k], numeric[i])
        assert abs(g2[k] - g[k]) < 1e-8 * (1 + abs(g[k])), (k, g2[k], g[k])
    first = nlml(params, X, y)
    for step in range(101):
        g = grad(params, X, y)
        params = {k: params[k] - 0.01 * g[k] for k in keys}
        if step % 25 == 0:
            print("step %3d  nlml %.4f  lengthscale %.3f  noise %.3f" % (
                step, nlml(params, X, y), math.exp(params["log_lengthscale"]),
                math.exp(params["log_noise"])))
    final = nlml(params, X, y)
    print("nlml %.4f -> %.4f" % (first, final))
    assert final < first - 1.0, "gradient descent did not reduce the NLML"


if __name__ == "__main__":
    main()
