"""Functions reading module globals, closure cells and defaults (tests/test_environment.py).

Tests rebind the globals below and check that every derivative sees the new values.
"""
import numpy as np

X = np.array([1.0, 2.0, 3.0])
scale = 2.0
PARAMS = {"w": np.array([0.5, -0.5, 1.0]), "b": 0.25}


def activation(z):
    return np.tanh(z)


def loss(w):
    """A minibatch loss: reads the data X and the factor scale at call time."""
    return np.sum(activation(X * w + PARAMS["b"]) ** 2) * scale


def make_loss(offset):
    """A closure over ``offset``; ``set_offset`` rebinds the cell."""
    def closed(w):
        return np.sum((w - offset) ** 2 * np.cos(w))

    def set_offset(value):
        nonlocal offset
        offset = value
    return closed, set_offset


def with_default(w, data=X):
    return np.sum(np.sin(data * w))


def thread_case(x, k):
    """Fresh copies of this function are differentiated from many threads at once."""
    y = x
    for i in range(3):
        y = y + np.tanh(y * k)
    return np.sum(y * y) + k * np.sum(x)


def recursive_case(x, n):
    """Reads itself as a global: a weak-keyed cache would keep it alive."""
    if n <= 0:
        return np.sum(x * x)
    return recursive_case(np.sin(x), n - 1) + np.sum(x)
