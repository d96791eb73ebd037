"""Fit a logistic regression by gradient descent with s2sad's gradients.

Run: python examples/logistic_regression.py
"""
import numpy as np

import s2sad


def nll(params, x, y):
    """Mean negative log-likelihood of labels y in {0, 1}."""
    logits = np.dot(x, params["w"]) + params["b"]
    return np.mean(np.logaddexp(0.0, logits) - y * logits)


def make_data(n=200, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    true_w = rng.standard_normal(dim)
    x = rng.standard_normal((n, dim))
    y = (np.dot(x, true_w) + 0.3 * rng.standard_normal(n) > 0).astype(np.float64)
    return x, y


def main():
    x, y = make_data()
    params = {"w": np.zeros(x.shape[1]), "b": 0.0}
    value_and_grad = s2sad.value_and_grad(nll)
    first, _ = value_and_grad(params, x, y)
    for step in range(201):
        value, g = value_and_grad(params, x, y)
        params = {"w": params["w"] - 0.5 * g["w"], "b": params["b"] - 0.5 * g["b"]}
        if step % 50 == 0:
            print("step %3d  loss %.4f" % (step, value))
    final = nll(params, x, y)
    accuracy = np.mean((np.dot(x, params["w"]) + params["b"] > 0) == (y > 0.5))
    print("loss %.4f -> %.4f, training accuracy %.1f%%" % (first, final, 100 * accuracy))
    assert final < 0.5 * first, "gradient descent did not reduce the loss"


if __name__ == "__main__":
    main()
