"""Train one multi-head self-attention layer, written with np.einsum, to copy a
target sequence transformation; gradients from s2sad, checked against finite
differences first.

Run: python examples/attention.py
"""
import math

import numpy as np

import s2sad
from s2sad.testing import numerical_grad


def softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def attention_layer(params, x):
    """x: (batch, tokens, embed); params: projections of shape (embed, heads, dim)
    and an output projection (heads, dim, embed)."""
    d = params["Wq"].shape[2]
    q = np.einsum("bte,ehd->bthd", x, params["Wq"])
    k = np.einsum("bte,ehd->bthd", x, params["Wk"])
    v = np.einsum("bte,ehd->bthd", x, params["Wv"])
    weights = softmax(np.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d))
    out = np.einsum("bhqk,bkhd->bqhd", weights, v)
    return x + np.einsum("bqhd,hde->bqe", out, params["Wo"])


def loss(params, x, target):
    return np.mean((attention_layer(params, x) - target) ** 2)


def init(rng, embed=8, heads=2, dim=4):
    s = 1.0 / math.sqrt(embed)
    return {"Wq": s * rng.standard_normal((embed, heads, dim)),
            "Wk": s * rng.standard_normal((embed, heads, dim)),
            "Wv": s * rng.standard_normal((embed, heads, dim)),
            "Wo": 0.1 * rng.standard_normal((heads, dim, embed))}


def main():
    rng = np.random.default_rng(0)
    params = init(rng)
    x = rng.standard_normal((4, 6, 8))
    target = x + np.mean(x, axis=1, keepdims=True)  # add the sequence mean to every token
    value_and_grad = s2sad.value_and_grad(loss)
    value, g = value_and_grad(params, x, target)
    for name in params:
        def of(w, name=name):
            return loss(dict(params, **{name: w}), x, target)
        numeric = numerical_grad(of, (params[name],))
        assert np.allclose(g[name], numeric, rtol=1e-5, atol=1e-8), name
    first = value
    for step in range(301):
        value, g = value_and_grad(params, x, target)
        params = {k: params[k] - 0.5 * g[k] for k in params}
        if step % 100 == 0:
            print("step %3d  loss %.5f" % (step, value))
    print("loss %.5f -> %.5f" % (first, value))
    assert value < 0.5 * first, "training did not reduce the loss"


if __name__ == "__main__":
    main()
