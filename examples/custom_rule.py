"""Register a derivative rule for your own function and check it.

s2sad differentiates Python functions by reading their source.  When you want a
different derivative (a numerically stable one, or for a function whose source
s2sad cannot read), register an adjoint *template* for it with
``s2sad.rules.adjoint``: the first parameter is the result, the others mirror the
call, and ``d[x] = ...`` contributes to the gradient of ``x``.

Run: python examples/custom_rule.py
"""
import numpy as np

import s2sad
from s2sad.rules import adjoint, d
from s2sad.testing import check_grads


def softplus(x):
    """log(1 + exp(x)), computed stably."""
    return np.logaddexp(0.0, x)


@adjoint(softplus)
def softplus_adjoint(y, x):
    # d/dx log(1 + e^x) = sigmoid(x) = exp(x - y), since y = log(1 + e^x).
    d[x] = d[y] * np.exp(x - y)


def loss(x):
    return np.sum(softplus(x) ** 2)


def main():
    print(s2sad.source(loss))
    x = np.array([-30.0, -1.0, 0.0, 2.0, 30.0])
    g = s2sad.grad(loss)(x)
    sigmoid = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(g, 2 * softplus(x) * sigmoid, rtol=1e-12)
    check_grads(loss, (np.array([-1.5, 0.2, 1.0]),), order=1, modes="rev")  # adjoint only
    print("gradient:", g)
    print("the custom rule agrees with the closed form and with finite differences.")


if __name__ == "__main__":
    main()
