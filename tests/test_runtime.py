"""Numerical checks of the helpers in s2sad.runtime that generated code calls."""
import collections

import numpy as np
import pytest

from s2sad import runtime
from s2sad.runtime import (
    add_grad, astype_like, broadcast_like, dot_adjoint_a, dot_adjoint_b, invert_axes,
    matmul_adjoint_a, matmul_adjoint_b, split_aux, tie_share, unbroadcast, unconcatenate,
    unpack_like, unreduce, unreduce_extremum, unreduce_prod, unslice, unstack, xlogy,
    zeros_like,
)

RNG = np.random.default_rng(0)


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


# --- unbroadcast / broadcast_like ---

def test_unbroadcast_returns_same_object_when_shapes_match():
    g = randn(3, 4)
    assert unbroadcast(g, np.zeros((3, 4))) is g
    assert broadcast_like(g, np.zeros((3, 4))) is g


@pytest.mark.parametrize("gshape, xshape, axes", [
    ((2, 3), (3,), (0,)),
    ((2, 3), (1, 3), (0,)),
    ((2, 3), (2, 1), (1,)),
    ((4, 2, 3), (2, 1), (0, 2)),
    ((4, 2, 3), (1, 1, 1), (0, 1, 2)),
    ((2, 3), (), (0, 1)),
])
def test_unbroadcast_matches_explicit_sums(gshape, xshape, axes):
    g = randn(*gshape)
    expected = np.sum(g, axis=axes).reshape(xshape)
    out = unbroadcast(g, np.zeros(xshape))
    assert np.shape(out) == xshape
    np.testing.assert_allclose(out, expected)


def test_unbroadcast_to_python_scalar_gives_scalar():
    g = randn(2, 3)
    out = unbroadcast(g, 1.5)
    assert np.ndim(out) == 0
    np.testing.assert_allclose(out, g.sum())


def test_unbroadcast_keeps_float32():
    out = unbroadcast(randn(2, 3, dtype=np.float32), np.zeros(3, np.float32))
    assert out.dtype == np.float32


def test_unbroadcast_broadcasts_smaller_adjoint():
    out = unbroadcast(np.float32(2.0), np.zeros((2, 2), np.float32))
    np.testing.assert_array_equal(out, np.full((2, 2), 2.0))
    out = unbroadcast(2.0, np.zeros(3, np.float32))
    assert out.dtype == np.float32 and out.shape == (3,)


def test_broadcast_like_is_adjoint_of_unbroadcast():
    x, g = randn(3, 1), randn(2, 3, 4)
    h = randn(3, 1)
    # <unbroadcast(g), h> == <g, broadcast_like(h)>
    lhs = np.sum(unbroadcast(g, x) * h)
    rhs = np.sum(g * broadcast_like(h, g))
    np.testing.assert_allclose(lhs, rhs)


def test_broadcast_like_python_scalar_takes_array_dtype():
    out = broadcast_like(1.0, np.zeros((2, 3), np.float32))
    assert out.shape == (2, 3) and out.dtype == np.float32


# --- reductions ---

@pytest.mark.parametrize("axis, keepdims", [
    (None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 2), False),
    ((0, -1), True), (-2, True),
])
def test_unreduce_is_adjoint_of_sum(axis, keepdims):
    x = randn(2, 3, 4)
    y = np.sum(x, axis=axis, keepdims=keepdims)
    g = randn(*np.shape(y))
    out = unreduce(g, x, axis, keepdims)
    assert out.shape == x.shape
    h = randn(2, 3, 4)
    np.testing.assert_allclose(np.sum(out * h), np.sum(g * np.sum(h, axis=axis,
                                                                  keepdims=keepdims)))


def test_unreduce_seed_python_float_keeps_dtype():
    x = np.ones((2, 2), np.float32)
    out = unreduce(1.0, x)
    assert out.dtype == np.float32 and out.shape == (2, 2)
    assert np.all(out == 1.0)


def test_unreduce_does_not_copy():
    g = randn(3)
    out = unreduce(g, np.zeros((3, 5)), 1)
    assert np.shares_memory(out, g)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True), (-1, False)])
def test_unreduce_prod_matches_finite_differences(axis, keepdims):
    x = randn(3, 4)
    g = randn(*np.shape(np.prod(x, axis=axis, keepdims=keepdims)))
    out = unreduce_prod(g, np.prod(x, axis=axis, keepdims=keepdims), x, axis, keepdims)
    eps = 1e-6
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        fd = np.sum(g * (np.prod(xp, axis, keepdims=keepdims)
                         - np.prod(xm, axis, keepdims=keepdims))) / (2 * eps)
        np.testing.assert_allclose(out[idx], fd, rtol=1e-5, atol=1e-8)


def test_unreduce_prod_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    y = np.prod(x, axis=1)
    out = unreduce_prod(np.ones(3), y, x, 1, False)
    expected = np.array([[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])
    np.testing.assert_allclose(out, expected)
    out = unreduce_prod(1.0, np.prod(x[0]), x[0], None, False)
    np.testing.assert_allclose(out, [0.0, 6.0, 0.0])


def test_unreduce_extremum_splits_ties_evenly():
    x = np.array([[1.0, 3.0, 3.0], [5.0, 2.0, 0.0]])
    out = unreduce_extremum(np.array([2.0, 1.0]), np.max(x, axis=1), x, 1, False)
    np.testing.assert_allclose(out, [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    out = unreduce_extremum(1.0, np.min(x), x)
    np.testing.assert_allclose(out, [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    x32 = x.astype(np.float32)
    assert unreduce_extremum(1.0, np.max(x32), x32).dtype == np.float32


def test_tie_share():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    g = np.array([4.0, 4.0, 4.0])
    np.testing.assert_allclose(tie_share(g, x > y, x == y), [0.0, 2.0, 4.0])
    np.testing.assert_allclose(tie_share(g, y > x, x == y), [4.0, 2.0, 0.0])
    assert tie_share(2.0, 1.0 > 3.0, 1.0 == 3.0) == 0.0
    assert tie_share(2.0, False, True) == 1.0 and tie_share(2.0, np.True_, False) == 2.0
    assert isinstance(tie_share(2.0, False, True), float)


def test_xlogy_is_zero_where_first_argument_is_zero():
    np.testing.assert_allclose(xlogy(np.array([0.0, 2.0]), np.array([0.0, np.e])), [0.0, 2.0])
    assert xlogy(0.0, 0.0) == 0.0
    assert xlogy(3.0, 1.0) == 0.0


# --- indexing ---

def test_unslice_basic_index():
    x = randn(4, 5)
    g = randn(2, 5)
    out = unslice(g, x, (slice(1, 3),))
    expected = np.zeros((4, 5))
    expected[1:3] = g
    np.testing.assert_array_equal(out, expected)
    out = unslice(2.0, x, (-1, 2))
    assert out[-1, 2] == 2.0 and np.count_nonzero(out) == 1
    out = unslice(randn(5), x, (None, 0, Ellipsis))
    assert out.shape == x.shape and np.count_nonzero(out[1:]) == 0


def test_unslice_repeated_advanced_indices_accumulate():
    x = np.zeros(4)
    out = unslice(np.array([1.0, 2.0, 3.0]), x, np.array([1, 1, 3]))
    np.testing.assert_array_equal(out, [0.0, 3.0, 0.0, 3.0])
    out = unslice(np.array([1.0, 2.0]), x, [0, 0])
    np.testing.assert_array_equal(out, [3.0, 0.0, 0.0, 0.0])
    x2 = np.zeros((3, 2))
    out = unslice(np.ones((2, 2)), x2, (np.array([2, 2]), slice(None)))
    np.testing.assert_array_equal(out, [[0, 0], [0, 0], [2, 2]])


def test_unslice_boolean_mask():
    x = np.arange(5.0)
    mask = x > 2
    out = unslice(np.array([10.0, 20.0]), x, mask)
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 10.0, 20.0])


def test_unslice_dtype_and_input_untouched():
    x = np.ones(3, np.float32)
    out = unslice(np.float32(1.0), x, 0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(x, np.ones(3))
    assert unslice(1.0, np.arange(3), 1).dtype == np.float64


def test_unslice_containers():
    g = np.ones(2)
    out = unslice(g, (1.0, np.zeros(2), 3.0), 1)
    assert out[0] == 0.0 and out[1] is g and out[2] == 0.0 and isinstance(out, tuple)
    out = unslice(g, [np.ones(3), 2.0], -1)
    assert isinstance(out, list) and np.array_equal(out[0], np.zeros(3)) and out[1] is g
    assert unslice((4.0, 5.0), (1.0, 2.0, 3.0), slice(0, 2)) == (4.0, 5.0, 0.0)
    assert unslice(g, {"a": 1.0, "b": 2.0}, "b") == {"a": 0.0, "b": g}
    assert unslice(g, ("label", 2.0), 1) == (None, g)


# --- containers ---

def test_add_grad_none_and_arrays():
    a = randn(3)
    assert add_grad(None, a) is a
    assert add_grad(a, None) is a
    assert add_grad(None, None) is None
    np.testing.assert_array_equal(add_grad(a, a), 2 * a)


def test_add_grad_containers():
    a, b = randn(2), randn(2)
    out = add_grad((a, None, [1.0, None]), (b, 2.0, [None, 3.0]))
    np.testing.assert_allclose(out[0], a + b)
    assert out[1] == 2.0 and out[2] == [1.0, 3.0]
    assert add_grad({"x": 1.0, "y": None}, {"y": 2.0}) == {"x": 1.0, "y": 2.0}
    Point = collections.namedtuple("Point", "x y")
    out = add_grad(Point(1.0, None), Point(2.0, 3.0))
    assert isinstance(out, Point) and out == Point(3.0, 3.0)


def test_zeros_like():
    assert zeros_like(3) == 0.0 and isinstance(zeros_like(3), float)
    assert zeros_like(2.5) == 0.0 and zeros_like(None) is None
    z = zeros_like(np.arange(3))
    assert z.dtype == np.float64 and np.all(z == 0)
    assert zeros_like(np.ones(2, np.float32)).dtype == np.float32
    out = zeros_like({"a": (1.0, [np.ones(2)]), "b": None})
    assert out["a"][0] == 0.0 and np.all(out["a"][1][0] == 0.0) and out["b"] is None
    x = np.ones(2)
    zeros_like(x)
    assert np.all(x == 1.0)


def test_split_aux():
    assert split_aux((1.0, "aux")) == (1.0, "aux")
    assert split_aux([1.0, 2.0]) == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"has_aux=True must return a \(output, aux\) pair"):
        split_aux(1.0)
    with pytest.raises(TypeError, match="length 3"):
        split_aux((1.0, 2.0, 3.0))


# --- shape helpers ---

def test_invert_axes():
    x = randn(2, 3, 4)
    for axes in [(1, 2, 0), (2, 0, 1), (0, -1, 1)]:
        y = np.transpose(x, axes)
        np.testing.assert_array_equal(np.transpose(y, invert_axes(axes)), x)
    assert invert_axes(None) is None
    assert invert_axes(()) is None
    assert invert_axes(((1, 0),)) == (1, 0)


def test_unconcatenate_and_unstack():
    a, b = randn(2, 3), randn(4, 3)
    g = randn(6, 3)
    pa, pb = unconcatenate(g, (a, b), 0)
    np.testing.assert_array_equal(pa, g[:2])
    np.testing.assert_array_equal(pb, g[2:])
    pieces = unconcatenate(randn(2, 7), [randn(2, 3), randn(2, 4)], -1)
    assert isinstance(pieces, list) and [p.shape for p in pieces] == [(2, 3), (2, 4)]
    pa, pb = unconcatenate(np.arange(10.0), (a, randn(4)), None)
    assert pa.shape == (2, 3) and pb.shape == (4,)
    np.testing.assert_array_equal(pb, [6.0, 7.0, 8.0, 9.0])
    g = randn(3, 2, 4)
    parts = unstack(g, (0, 0), axis=1)
    np.testing.assert_array_equal(parts[1], g[:, 1])
    parts = unstack(g, [0, 0, 0, 0], axis=-1)
    np.testing.assert_array_equal(parts[3], g[..., 3])


def test_unpack_like():
    g = np.arange(6.0).reshape(2, 3)
    out = unpack_like(g, [np.zeros(3), (1.0, 2.0, 3.0)])
    np.testing.assert_array_equal(out[0], [0.0, 1.0, 2.0])
    assert out[1] == (3.0, 4.0, 5.0)
    assert unpack_like(g, np.zeros((2, 3))) is g


def test_astype_like():
    g = np.ones(3, np.float32)
    assert astype_like(g, np.zeros(3)).dtype == np.float64
    assert astype_like(g, np.zeros(3, np.float32)) is g
    assert astype_like(np.ones(3) + 1j, np.zeros(3)).dtype == np.float64


# --- linear algebra: check <adjoint(g), h> == <g, d op(h)> ---

MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((5, 3, 4), (4, 2)), ((3, 4), (5, 4, 2)), ((5, 3, 4), (4,)), ((4,), (5, 4, 2)),
                 ((1, 3, 4), (5, 4, 2))]


@pytest.mark.parametrize("ashape, bshape", MATMUL_SHAPES)
def test_matmul_adjoints(ashape, bshape):
    a, b = randn(*ashape), randn(*bshape)
    g = randn(*np.shape(np.matmul(a, b)))
    ha, hb = randn(*ashape), randn(*bshape)
    ga, gb = matmul_adjoint_a(g, a, b), matmul_adjoint_b(g, a, b)
    assert np.shape(ga) == ashape and np.shape(gb) == bshape
    np.testing.assert_allclose(np.sum(ga * ha), np.sum(g * np.matmul(ha, b)))
    np.testing.assert_allclose(np.sum(gb * hb), np.sum(g * np.matmul(a, hb)))


DOT_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((), (3,)),
              ((3, 2), ()), ((2, 3, 4), (4,)), ((2, 3, 4), (5, 4, 6)), ((4,), (5, 4, 6))]


@pytest.mark.parametrize("ashape, bshape", DOT_SHAPES)
def test_dot_adjoints(ashape, bshape):
    a, b = randn(*ashape), randn(*bshape)
    g = randn(*np.shape(np.dot(a, b)))
    ha, hb = randn(*ashape), randn(*bshape)
    ga, gb = dot_adjoint_a(g, a, b), dot_adjoint_b(g, a, b)
    assert np.shape(ga) == ashape and np.shape(gb) == bshape
    np.testing.assert_allclose(np.sum(ga * ha), np.sum(g * np.dot(ha, b)))
    np.testing.assert_allclose(np.sum(gb * hb), np.sum(g * np.dot(a, hb)))


def test_helpers_do_not_mutate_inputs():
    x = randn(3, 4)
    copy = x.copy()
    unslice(np.ones((2, 4)), x, [0, 0])
    unbroadcast(x, np.zeros(4))
    unreduce_prod(np.ones(3), np.prod(x, 1), x, 1)
    np.testing.assert_array_equal(x, copy)


def test_all_exports_exist():
    for name in runtime.__all__:
        assert callable(getattr(runtime, name))
