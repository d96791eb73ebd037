"""Derivative templates for ``numpy.linalg``: norms, inverses, solves, determinants and
decompositions (``cholesky``, ``qr``, ``eigh``, ``eig``, ``svd``).

The template contract is in :mod:`s2sad.rules.registry`.  Products (``dot``,
``matmul``, ``einsum``, ...) are in :mod:`s2sad.rules.linalg_rules`.
"""
import numpy as np

from .registry import adjoint, d, tangent
from ..runtime import unreduce


# at a zero vector the norm has a kink: the derivative taken there is 0 (the smallest
# subgradient, as for abs), not 0 / 0


@adjoint(np.linalg.norm)
def norm_adjoint(y, x, *, axis=None, keepdims=False):
    d[x] = x * unreduce(d[y] / np.where(y == 0, 1.0, y), x, axis, keepdims)


@tangent(np.linalg.norm)
def norm_tangent(y, x, *, axis=None, keepdims=False):
    d[y] = np.sum(d[x] * x, axis=axis, keepdims=keepdims) / np.where(y == 0, 1.0, y)
