"""Derivative templates for products: ``dot``, ``matmul``, ``outer``, ``inner``, ``kron``,
``tensordot``, ``einsum``, ``vdot``, ``cross``, ``multi_dot``, ``matrix_power``
(``numpy.linalg``'s decompositions are in :mod:`s2sad.rules.decomposition_rules`).

The template contract is in :mod:`s2sad.rules.registry`: the first parameter is the
primal result, the others mirror the call (array methods take the array first),
``d[x]`` is the derivative of ``x``.  Tangents are sums of terms, each linear in one
``d[input]``.  Every free name used in a template is a module-level name of this module;
the compiler imports them by name.

Conventions: products are bilinear (multilinear), so JAX's complex convention means no
conjugates (``vdot`` conjugates its first argument itself, and its rule says so).
``einsum``, ``multi_dot`` and ``matrix_power`` are partial derivatives of one
multilinear form (:mod:`s2sad.runtime.linalg`): their adjoints are the form's other
partial derivatives (:func:`~s2sad.runtime.mlin_parts`), their tangents its Hessian
applied to the tangents (:func:`~s2sad.runtime.mlin_hvp`), and those helpers'
derivatives are the same helpers on a larger form, so every order closes.  The fixed
bilinear products (``tensordot``, ``inner``, ``kron``) have einsum adjoints, ``cross``
has cross-product adjoints (``<g, a x b> = <a, b x g>``).
"""
import operator

import numpy as np

from .registry import adjoint, d, linear, method, nondifferentiable, tangent
from ..runtime import (
    add_grad, cross_adjoint_a, cross_adjoint_b, dot_adjoint_a, dot_adjoint_b, einsum_spec,
    einsum_sublists, kron_split, matmul_adjoint_a, matmul_adjoint_b, matrix_power_base,
    matrix_power_spec, mlin_aug, mlin_aug_spec, mlin_hvp, mlin_join, mlin_layer, mlin_parts,
    mlin_repeat, mlin_spread, mlin_sum, mlin_unlayer, multi_dot_subscripts, product_conj,
    product_subscripts,
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


# --- einsum and the products written as einsum: the multilinear-form helpers ---
# np.einsum(s, *ops) is dF/dg of the form F(g, *ops) = <g, einsum(s, *ops)>; its adjoints
# are the other partial derivatives of F, its tangent the Hessian of F applied to
# (0, *d[ops]) in slot 0 (s2sad.runtime.linalg).  `optimize` does not change values.


@adjoint(np.einsum)
def einsum_adjoint(y, subscripts, *operands, optimize=False):
    d[subscripts] = einsum_sublists(subscripts)  # raises: only an operand carries one
    d[operands] = mlin_parts(einsum_spec(subscripts, operands), mlin_join(d[y], operands))[1:]


@tangent(np.einsum)
def einsum_tangent(y, subscripts, *operands, optimize=False):
    d[y] = (mlin_hvp(einsum_spec(subscripts, operands), mlin_join(y, operands),
                     mlin_join(None, d[operands]))[0]
            + einsum_sublists(d[subscripts]))


@adjoint(np.linalg.multi_dot)
def multi_dot_adjoint(y, arrays, out=None):
    d[arrays] = mlin_parts(einsum_spec(multi_dot_subscripts(arrays), arrays),
                           mlin_join(d[y], arrays))[1:]


@tangent(np.linalg.multi_dot)
def multi_dot_tangent(y, arrays, out=None):
    d[y] = mlin_hvp(einsum_spec(multi_dot_subscripts(arrays), arrays), mlin_join(y, arrays),
                    mlin_join(None, d[arrays]))[0]


@adjoint(np.linalg.matrix_power)
def matrix_power_adjoint(y, a, n):
    # y = b @ ... @ b (|n| factors), b = a or inv(a): the factors' adjoints summed, then
    # through b = inv(a) (d[a] = -b^T d[b] b^T, products of the inverse)
    b = matrix_power_base(a, n)
    gb = mlin_sum(mlin_parts(matrix_power_spec(a, n), mlin_join(d[y], mlin_repeat(b, n)))[1:],
                  a)
    d[a] = gb if n >= 0 else -np.matmul(np.matmul(np.swapaxes(b, -1, -2), gb),
                                        np.swapaxes(b, -1, -2))


@tangent(np.linalg.matrix_power)
def matrix_power_tangent(y, a, n):
    b = matrix_power_base(a, n)
    tb = d[a] if n >= 0 else -np.matmul(np.matmul(b, d[a]), b)
    d[y] = mlin_hvp(matrix_power_spec(a, n), mlin_join(y, mlin_repeat(b, n)),
                    mlin_join(None, mlin_repeat(tb, n)))[0]


@adjoint(matrix_power_base)
def matrix_power_base_adjoint(y, a, n):
    d[a] = d[y] if n >= 0 else -np.matmul(np.matmul(np.swapaxes(y, -1, -2), d[y]),
                                          np.swapaxes(y, -1, -2))


@tangent(matrix_power_base)
def matrix_power_base_tangent(y, a, n):
    d[y] = d[a] if n >= 0 else -np.matmul(np.matmul(y, d[a]), y)


# the form's helpers: derivatives of the parts are the Hessian; derivatives of the
# Hessian are the Hessian of the augmented form (slots stacked with their directions)


@adjoint(mlin_parts)
def mlin_parts_adjoint(y, spec, xs):
    d[xs] = mlin_hvp(spec, xs, d[y])  # the Hessian is symmetric


@tangent(mlin_parts)
def mlin_parts_tangent(y, spec, xs):
    d[y] = mlin_hvp(spec, xs, d[xs])


@adjoint(mlin_hvp)
def mlin_hvp_adjoint(y, spec, xs, ts):
    d[ts] = mlin_hvp(spec, xs, d[y])
    d[xs] = mlin_layer(mlin_hvp(mlin_aug_spec(spec), mlin_aug(xs, ts), mlin_unlayer(d[y], 0)), 0)


@tangent(mlin_hvp)
def mlin_hvp_tangent(y, spec, xs, ts):
    d[y] = add_grad(mlin_hvp(spec, xs, d[ts]),
                    mlin_layer(mlin_hvp(mlin_aug_spec(spec), mlin_aug(xs, ts),
                                        mlin_unlayer(d[xs], 0)), 0))


@adjoint(mlin_join)
def mlin_join_adjoint(y, a, xs):
    d[a] = d[y][0]
    d[xs] = d[y][1:]


@tangent(mlin_join)
def mlin_join_tangent(y, a, xs):
    d[y] = mlin_join(d[a], d[xs])


@adjoint(mlin_aug)
def mlin_aug_adjoint(y, xs, ts):
    d[xs] = mlin_layer(d[y], 0)
    d[ts] = mlin_layer(d[y], 1)


@tangent(mlin_aug)
def mlin_aug_tangent(y, xs, ts):
    d[y] = add_grad(mlin_unlayer(d[xs], 0), mlin_unlayer(d[ts], 1))


@adjoint(mlin_layer)
def mlin_layer_adjoint(y, parts, layer):
    d[parts] = mlin_unlayer(d[y], layer)


@adjoint(mlin_unlayer)
def mlin_unlayer_adjoint(y, ts, layer):
    d[ts] = mlin_layer(d[y], layer)


@adjoint(mlin_sum)
def mlin_sum_adjoint(y, parts, like):
    d[parts] = mlin_spread(d[y], parts)


@adjoint(mlin_spread)
def mlin_spread_adjoint(y, g, parts):
    d[g] = mlin_sum(d[y], g)


@adjoint(mlin_repeat)
def mlin_repeat_adjoint(y, x, n):
    d[x] = mlin_sum(d[y], x)


@adjoint(product_conj)
def product_conj_adjoint(y, x):
    d[x] = product_conj(d[y])  # JAX's convention: Re(g conj(dx)) = Re(conj(g) dx)


linear(mlin_layer, mlin_unlayer, mlin_sum, mlin_spread, mlin_repeat, product_conj)
nondifferentiable(einsum_spec, einsum_sublists, mlin_aug_spec, matrix_power_spec,
                  product_subscripts, multi_dot_subscripts, kron_split)

# --- fixed bilinear products: adjoints are einsums of the cotangent with the other
# operand, tangents the product of each tangent with the other operand ---


@adjoint(np.tensordot)
def tensordot_adjoint(y, a, b, axes=2):
    d[a] = np.einsum(product_subscripts('tensordot', a, b, axes, 1), d[y], b)
    d[b] = np.einsum(product_subscripts('tensordot', a, b, axes, 2), a, d[y])


@tangent(np.tensordot)
def tensordot_tangent(y, a, b, axes=2):
    d[y] = np.tensordot(d[a], b, axes) + np.tensordot(a, d[b], axes)


@adjoint(np.inner)
def inner_adjoint(y, a, b):
    d[a] = np.einsum(product_subscripts('inner', a, b, None, 1), d[y], b)
    d[b] = np.einsum(product_subscripts('inner', a, b, None, 2), a, d[y])


@tangent(np.inner)
def inner_tangent(y, a, b):
    d[y] = np.inner(d[a], b) + np.inner(a, d[b])


@adjoint(np.kron)
def kron_adjoint(y, a, b):
    # kron(a, b) reshaped to interleaved axes (a0, b0, a1, b1, ...) is an outer product
    shapes = kron_split(a, b)
    d[a] = np.reshape(np.einsum(product_subscripts('kron', a, b, None, 1),
                                np.reshape(d[y], shapes[2]), np.reshape(b, shapes[1])),
                      np.shape(a))
    d[b] = np.reshape(np.einsum(product_subscripts('kron', a, b, None, 2),
                                np.reshape(a, shapes[0]), np.reshape(d[y], shapes[2])),
                      np.shape(b))


@tangent(np.kron)
def kron_tangent(y, a, b):
    d[y] = np.kron(d[a], b) + np.kron(a, d[b])


@adjoint(np.vdot)
def vdot_adjoint(y, a, b):
    # y = sum(conj(a) * b): holomorphic in b; in a, Re(g * conj(da) * b) gives conj(g * b)
    d[a] = np.reshape(product_conj(d[y] * np.ravel(b)), np.shape(a))
    d[b] = np.reshape(d[y] * product_conj(np.ravel(a)), np.shape(b))


@tangent(np.vdot)
def vdot_tangent(y, a, b):
    d[y] = np.vdot(d[a], b) + np.vdot(a, d[b])


@adjoint(np.cross)
def cross_adjoint(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[a] = cross_adjoint_a(d[y], a, b, (axisa, axisb, axisc, axis))
    d[b] = cross_adjoint_b(d[y], a, b, (axisa, axisb, axisc, axis))


@tangent(np.cross)
def cross_tangent(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[y] = (np.cross(d[a], b, axisa, axisb, axisc, axis)
            + np.cross(a, d[b], axisa, axisb, axisc, axis))


# <g, a x b> = <r, cross_adjoint_a(g, a, b)> with r = d[a]'s cotangent is <g, r x b>


@adjoint(cross_adjoint_a)
def cross_adjoint_a_adjoint(r, g, a, b, axes):
    d[g] = np.cross(d[r], b, axes[0], axes[1], axes[2], axes[3])
    d[b] = cross_adjoint_b(g, d[r], b, axes)


@tangent(cross_adjoint_a)
def cross_adjoint_a_tangent(r, g, a, b, axes):
    d[r] = cross_adjoint_a(d[g], a, b, axes) + cross_adjoint_a(g, a, d[b], axes)


@adjoint(cross_adjoint_b)
def cross_adjoint_b_adjoint(r, g, a, b, axes):
    d[g] = np.cross(a, d[r], axes[0], axes[1], axes[2], axes[3])
    d[a] = cross_adjoint_a(g, a, d[r], axes)


@tangent(cross_adjoint_b)
def cross_adjoint_b_tangent(r, g, a, b, axes):
    d[r] = cross_adjoint_b(d[g], a, b, axes) + cross_adjoint_b(g, d[a], b, axes)
