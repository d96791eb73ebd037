"""Print the derivative s2sad generates for a small loss, then check it numerically.

Run: python examples/show_source.py
"""
import numpy as np

import s2sad
from s2sad.testing import numerical_grad


def loss(w, x):
    return np.sum(np.tanh(np.dot(x, w)) ** 2)


def main():
    # the code s2sad.grad runs for a vector w of length 3 and a 4x3 matrix x
    print(s2sad.source(loss, shapes=((3,), (4, 3))))

    rng = np.random.default_rng(0)
    w, x = rng.standard_normal(3), rng.standard_normal((4, 3))
    g = s2sad.grad(loss)(w, x)
    expected = numerical_grad(loss, (w, x))
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    print("gradient at a random point:", np.round(g, 6))
    print("agrees with finite differences.")


if __name__ == "__main__":
    main()
