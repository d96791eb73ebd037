"""Fit a diagonal Gaussian mixture by gradient ascent on its log-likelihood, written
with scipy.special.logsumexp; gradients from s2sad (value_and_grad over a dict of
parameters), checked against finite differences first.

Run: python examples/mixture_model.py   (needs SciPy: pip install s2sad[scipy])
"""
import math

import numpy as np
from scipy.special import logsumexp

import s2sad
from s2sad.testing import numerical_grad


def component_logpdf(X, means, log_scales):
    """log N(x_n | mean_k, diag(scale_k^2)) for every point n and component k."""
    z = (X[:, None, :] - means[None, :, :]) / np.exp(log_scales)[None, :, :]
    return np.sum(-0.5 * z ** 2 - log_scales[None, :, :], axis=2) \
        - 0.5 * X.shape[1] * math.log(2 * math.pi)


def log_likelihood(params, X):
    log_weights = params["logits"] - logsumexp(params["logits"])
    joint = log_weights[None, :] + component_logpdf(X, params["means"], params["log_scales"])
    return np.mean(logsumexp(joint, axis=1))


def make_data(rng, n=300):
    centres = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]])
    labels = rng.integers(0, 3, n)
    return centres[labels] + 0.5 * rng.standard_normal((n, 2))


def main():
    rng = np.random.default_rng(1)
    X = make_data(rng)
    params = {"logits": np.zeros(3), "means": rng.standard_normal((3, 2)),
              "log_scales": np.zeros((3, 2))}
    value_and_grad = s2sad.value_and_grad(log_likelihood)
    first, g = value_and_grad(params, X)
    for name in params:
        def of(w, name=name):
            return log_likelihood(dict(params, **{name: w}), X)
        assert np.allclose(g[name], numerical_grad(of, (params[name],)), rtol=1e-5,
                           atol=1e-8), name
    for step in range(401):
        value, g = value_and_grad(params, X)
        params = {k: params[k] + 0.2 * g[k] for k in params}
        if step % 100 == 0:
            print("step %3d  mean log-likelihood %.4f" % (step, value))
    print("mean log-likelihood %.4f -> %.4f" % (first, value))
    assert value > first + 0.5, "gradient ascent did not improve the fit"


if __name__ == "__main__":
    main()
