"""Functions whose specialised code is printed for huge shapes (tests/test_shapecalc.py)."""
import numpy as np


def outer_sum(x):
    return np.sum(np.outer(x, x)) + np.sum(x[1:] * x[:-1]) + np.mean(np.outer(x, x), axis=0)[0]
