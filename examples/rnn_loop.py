"""A recurrent network written as a plain Python loop, differentiated by s2sad.

The loop overwrites ``h`` at every step; the generated gradient saves on its tape
only the values its backward sweep needs.  The gradient is checked against
central finite differences.
"""
import numpy as np

import s2sad


def rnn_loss(W, U, xs, h0):
    h = h0
    for x in xs:
        h = np.tanh(W @ h + U @ x)
    return np.sum(h ** 2)


def main():
    rng = np.random.default_rng(0)
    W = 0.3 * rng.standard_normal((8, 8))
    U = rng.standard_normal((8, 3))
    xs = rng.standard_normal((20, 3))
    h0 = np.zeros(8)
    print(s2sad.source(rnn_loss, argnums=(0, 1)))
    gW, gU = s2sad.grad(rnn_loss, argnums=(0, 1))(W, U, xs, h0)
    eps, i, j = 1e-6, 2, 5
    Wp, Wm = W.copy(), W.copy()
    Wp[i, j] += eps
    Wm[i, j] -= eps
    numeric = (rnn_loss(Wp, U, xs, h0) - rnn_loss(Wm, U, xs, h0)) / (2 * eps)
    assert abs(gW[i, j] - numeric) < 1e-6 * max(1.0, abs(numeric)), (gW[i, j], numeric)
    print("dloss/dW[2, 5] = %.6f (finite differences: %.6f)" % (gW[i, j], numeric))


if __name__ == "__main__":
    main()
