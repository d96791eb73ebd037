"""Tests of s2sad.vmap (as jax.vmap), s2sad.vector_grad and s2sad.elementwise_grad."""
import functools

import numpy as np
import pytest

import s2sad
from s2sad.testing import numerical_grad

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 3)) + 1.5
W = RNG.standard_normal(3) - 0.7
Y = RNG.standard_normal(5)


def loss(w, x, y):
    return (np.tanh(np.dot(x, w)) - y) ** 2 + 0.1 * np.sum(w ** 2)


def affine(x, w):
    return np.sin(x) * w + 1.0


def two_outputs(x, w):
    return {"s": np.sum(x * w), "v": x * w}


# ---------------------------------------------------------------- vmap semantics

def test_vmap_equals_stacking():
    got = s2sad.vmap(affine)(X, np.ones((5, 3)) * 2.0)
    want = np.stack([affine(X[i], 2.0 * np.ones(3)) for i in range(5)])
    np.testing.assert_allclose(got, want)


def test_in_axes_none_and_negative_axis():
    got = s2sad.vmap(affine, in_axes=(-1, None))(X.T, W)
    want = np.stack([affine(X[i], W) for i in range(5)])
    np.testing.assert_allclose(got, want)


def test_in_axes_list_and_out_axes():
    got = s2sad.vmap(affine, in_axes=[1, None], out_axes=1)(X.T, W)
    want = np.stack([affine(X[i], W) for i in range(5)], axis=1)
    assert got.shape == (3, 5)
    np.testing.assert_allclose(got, want)
    got = s2sad.vmap(affine, in_axes=(0, None), out_axes=-1)(X, W)
    np.testing.assert_allclose(got, want)


def test_pytree_in_axes_prefix_and_pytree_output():
    def f(p, x):
        return {"s": np.sum(p["w"] * x) + p["b"], "v": p["w"] * x}
    p = {"w": W, "b": np.arange(5.0)}
    got = s2sad.vmap(f, in_axes=({"w": None, "b": 0}, 0), out_axes={"s": 0, "v": 1})(p, X)
    for i in range(5):
        one = f({"w": W, "b": float(i)}, X[i])
        np.testing.assert_allclose(got["s"][i], one["s"])
        np.testing.assert_allclose(got["v"][:, i], one["v"])


def test_tuple_argument_with_one_axis_for_all_leaves():
    def f(pair):
        a, b = pair
        return a * b
    got = s2sad.vmap(f)((X, X + 1.0))
    np.testing.assert_allclose(got, X * (X + 1.0))


def test_out_axes_none_for_a_constant_output():
    def f(x):
        return np.sum(x), 7.0
    s, c = s2sad.vmap(f, out_axes=(0, None))(X)
    np.testing.assert_allclose(s, X.sum(axis=1))
    assert c == 7.0
    with pytest.raises(ValueError, match="out_axes is None"):
        s2sad.vmap(f, out_axes=None)(X)


def test_inconsistent_sizes():
    with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be "
                                         "mapped"):
        s2sad.vmap(affine)(X, np.ones((4, 3)))


def test_all_in_axes_none():
    with pytest.raises(ValueError, match="at least one non-None value in in_axes"):
        s2sad.vmap(affine, in_axes=None)(X, W)
    with pytest.raises(ValueError, match="at least one non-None"):
        s2sad.vmap(affine, in_axes=(None, None))(X, W)


def test_bad_specifications():
    with pytest.raises(ValueError, match="tree prefix"):
        s2sad.vmap(affine, in_axes=(0,))(X, W)
    with pytest.raises(ValueError, match="axis 2"):
        s2sad.vmap(affine, in_axes=(2, None))(X, W)
    with pytest.raises(TypeError, match="in_axes"):
        s2sad.vmap(affine, in_axes="0")
    with pytest.raises(TypeError, match="keyword"):
        s2sad.vmap(affine)(X, w=W)
    with pytest.raises(TypeError, match="callable"):
        s2sad.vmap(3)


def test_decorator_use():
    @s2sad.vmap
    def row_norm(x):
        return np.sqrt(np.sum(x ** 2))

    @functools.partial(s2sad.vmap, in_axes=(0, None))
    def scaled(x, w):
        return x * w

    np.testing.assert_allclose(row_norm(X), np.linalg.norm(X, axis=1))
    np.testing.assert_allclose(scaled(X, W), X * W)


# ---------------------------------------------------- per-example derivatives

def test_vmap_grad_per_example_gradients():
    per_example = s2sad.vmap(s2sad.grad(loss), in_axes=(None, 0, 0))(W, X, Y)
    assert per_example.shape == (5, 3)
    for i in range(5):
        want = numerical_grad(loss, (W, X[i], Y[i]))
        np.testing.assert_allclose(per_example[i], want, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(per_example[i], s2sad.grad(loss)(W, X[i], Y[i]))


def test_vmap_value_and_grad_and_inputs_unchanged():
    w, x, y = W.copy(), X.copy(), Y.copy()
    values, grads = s2sad.vmap(s2sad.value_and_grad(loss), in_axes=(None, 0, 0))(w, x, y)
    np.testing.assert_allclose(values, [loss(W, X[i], Y[i]) for i in range(5)])
    for i in range(5):
        np.testing.assert_allclose(grads[i], numerical_grad(loss, (W, X[i], Y[i])),
                                   rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(w, W)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(y, Y)


def test_vmap_jacrev_matches_jacfwd():
    jr = s2sad.vmap(s2sad.jacrev(affine), in_axes=(0, None))(X, W)
    jf = s2sad.vmap(s2sad.jacfwd(affine), in_axes=(0, None))(X, W)
    assert jr.shape == (5, 3, 3)
    np.testing.assert_allclose(jr, jf, rtol=1e-12)
    for i in range(5):
        np.testing.assert_allclose(jr[i], np.diag(np.cos(X[i]) * W), rtol=1e-12)


def test_grad_of_a_sum_over_vmap_is_the_sum_of_per_example_gradients():
    per_example = s2sad.vmap(s2sad.grad(loss), in_axes=(None, 0, 0))(W, X, Y)
    total = sum(s2sad.grad(loss)(W, X[i], Y[i]) for i in range(5))
    np.testing.assert_allclose(per_example.sum(axis=0), total, rtol=1e-12)


# ------------------------------------------------- vector_grad / elementwise_grad

def cube(x):
    return x ** 3


def scaled_sin(x, a):
    return np.sin(x) * a


def with_aux(x):
    return np.exp(x), "aux"


def test_elementwise_grad_is_the_diagonal():
    x = np.array([0.5, -2.0, 3.0])
    np.testing.assert_allclose(s2sad.elementwise_grad(cube)(x), 3 * x ** 2)


def test_vector_grad_equals_grad_of_sum_and_finite_differences():
    a = np.array([1.5, -0.5, 2.0])
    x = np.array([0.3, 1.7, -2.2])

    def summed(x, a):
        return np.sum(scaled_sin(x, a))
    gx, ga = s2sad.vector_grad(scaled_sin, argnums=(0, 1))(x, a)
    want = numerical_grad(summed, (x, a), argnums=(0, 1))
    np.testing.assert_allclose(gx, want[0], rtol=1e-6)
    np.testing.assert_allclose(ga, want[1], rtol=1e-6)
    np.testing.assert_allclose(s2sad.vector_grad(scaled_sin, argnums=-1)(x, a), np.sin(x))


def test_vector_grad_return_value_and_aux_ordering():
    x = np.array([0.2, 1.1])
    g, value = s2sad.vector_grad(cube, return_value=True)(x)
    np.testing.assert_allclose(g, 3 * x ** 2)
    np.testing.assert_allclose(value, x ** 3)
    g, aux = s2sad.vector_grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(g, np.exp(x))
    assert aux == "aux"
    g, value, aux = s2sad.vector_grad(with_aux, has_aux=True, return_value=True)(x)
    np.testing.assert_allclose(g, np.exp(x))
    np.testing.assert_allclose(value, np.exp(x))
    assert aux == "aux"


def test_vector_grad_pytree_output_uses_ones_for_every_leaf():
    x = np.array([0.4, -1.0, 2.5])
    w = np.array([1.0, 2.0, 3.0])
    g = s2sad.vector_grad(two_outputs)(x, w)
    np.testing.assert_allclose(g, 2 * w)  # d/dx of sum(x*w) + sum(x*w)


def test_vector_grad_refusals():
    with pytest.raises(TypeError, match="complex"):
        s2sad.vector_grad(complex_out)(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="real- or complex-valued"):
        s2sad.vector_grad(cube)(np.array([1, 2]))
    with pytest.raises(ValueError, match="argnums"):
        s2sad.elementwise_grad(cube, argnums=())
    with pytest.raises(TypeError, match="keyword"):
        s2sad.vector_grad(scaled_sin)(np.ones(2), a=np.ones(2))


def complex_out(x):
    return x * 1j


def test_vmap_of_vector_grad():
    got = s2sad.vmap(s2sad.vector_grad(scaled_sin), in_axes=(0, None))(X, W)
    np.testing.assert_allclose(got, np.cos(X) * W, rtol=1e-12)


def writes_into_its_argument(x):
    x *= 2.0
    return np.sum(x)


def test_vmap_passes_copies_of_the_slices():
    x = X.copy()
    got = s2sad.vmap(writes_into_its_argument)(x)
    np.testing.assert_allclose(got, 2.0 * X.sum(axis=1))
    np.testing.assert_array_equal(x, X)
