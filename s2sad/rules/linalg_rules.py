"""Derivative templates for products: ``dot``, ``matmul``, ``outer``, ``inner``, ``kron``,
``tensordot``, ``einsum``, ``vdot``, ``cross``, ``multi_dot``, ``matrix_power``
(``numpy.linalg``'s decompositions are in :mod:`s2sad.rules.decomposition_rules`).

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Adjoint contributions are reduced to the
operand's shape with :func:`~s2sad.runtime.unbroadcast`; tangents are written as a
sum of terms, each linear in one ``d[input]``.  Every free name used in a template is
a module-level name of this module; the compiler imports them by name.
"""
import operator

import numpy as np

from .registry import adjoint, d, method, tangent
from ..runtime import (
    dot_adjoint_a, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b,
)

# --- linear algebra ---


@adjoint(np.dot, method('dot'))
def dot_adjoint(y, a, b):
    d[a] = dot_adjoint_a(d[y], a, b)
    d[b] = dot_adjoint_b(d[y], a, b)


@tangent(np.dot, method('dot'))
def dot_tangent(y, a, b):
    d[y] = np.dot(d[a], b) + np.dot(a, d[b])


@adjoint(np.matmul, operator.matmul)
def matmul_adjoint(z, x, y):
    d[x] = matmul_adjoint_a(d[z], x, y)
    d[y] = matmul_adjoint_b(d[z], x, y)


@tangent(np.matmul, operator.matmul)
def matmul_tangent(z, x, y):
    d[z] = np.matmul(d[x], y) + np.matmul(x, d[y])


@adjoint(np.outer)
def outer_adjoint(y, a, b):
    d[a] = np.reshape(np.dot(d[y], np.ravel(b)), np.shape(a))
    d[b] = np.reshape(np.dot(np.ravel(a), d[y]), np.shape(b))


@tangent(np.outer)
def outer_tangent(y, a, b):
    d[y] = np.outer(d[a], b) + np.outer(a, d[b])
