"""Tests of s2sad.testing: check_grads must pass right rules and catch wrong ones."""
import numpy as np
import pytest

import s2sad
from s2sad.rules import adjoint, d
from s2sad.testing import check_grads, compare_vjp, numerical_grad


# Throwaway primitives: each gets a hand-written adjoint rule below.
def cube_right(x):
    return x * x * x


def cube_wrong(x):
    return x * x * x


@adjoint(cube_right)
def cube_right_adjoint(y, x):
    d[x] = d[y] * 3.0 * x * x


@adjoint(cube_wrong)
def cube_wrong_adjoint(y, x):
    d[x] = d[y] * 2.0 * x * x  # deliberately wrong: the factor should be 3


def uses_right(x):
    return np.sum(np.sin(cube_right(x)))


def uses_wrong(x):
    return np.sum(np.sin(cube_wrong(x)))


def uses_wrong_vector(x):
    return cube_wrong(x) * 2.0


def loss(w, x):
    return np.sum(np.tanh(np.dot(x, w)) ** 2)


def mixed(x, n, y):
    return np.sum(x * y) * n


def pytree_loss(p, x):
    return np.sum((x * p["w"] + p["b"]) ** 2)


X = np.array([0.3, -1.2, 0.7])


def test_check_grads_passes_for_a_right_rule():
    check_grads(uses_right, (X,), order=1, modes="rev")  # adjoint-only rule


def test_check_grads_catches_a_wrong_rule():
    with pytest.raises(AssertionError, match="uses_wrong") as info:
        check_grads(uses_wrong, (X,), order=1, modes="rev")
    message = str(info.value)
    assert "argument 0 ('x')" in message and "finite differences" in message


def test_check_grads_catches_a_wrong_rule_with_vector_output():
    with pytest.raises(AssertionError):
        check_grads(uses_wrong_vector, (X,), order=1, modes="rev")


def test_check_grads_on_builtin_rules():
    rng = np.random.default_rng(1)
    check_grads(loss, (rng.standard_normal(3), rng.standard_normal((4, 3))))


def test_check_grads_widens_float32():
    check_grads(loss, (np.ones(3, np.float32) * 0.1, np.ones((2, 3), np.float32)))


def test_check_grads_pytree_argument():
    check_grads(pytree_loss, ({"w": np.array([1.0, 2.0]), "b": 0.5}, np.array([0.3, 0.4])))


def test_default_argnums_skip_integer_arguments():
    _, rows = compare_vjp(mixed, (X, 3, X * 2))
    assert [r.argnum for r in rows] == [0, 2]
    assert all(r.ok for r in rows)


def test_explicit_argnums():
    _, rows = compare_vjp(loss, (np.ones(3), np.ones((2, 3))), argnums=1)
    assert [r.argnum for r in rows] == [1]


def test_invalid_order_and_mode():
    with pytest.raises(ValueError, match="order"):
        check_grads(loss, (X, np.ones((2, 3))), order=0)
    with pytest.raises(ValueError, match="mode"):
        check_grads(loss, (X, np.ones((2, 3))), modes=("rev", "backward"))


def test_forward_mode_of_an_adjoint_only_rule_is_refused():
    with pytest.raises(s2sad.MissingRuleError, match="adjoint rule only"):
        check_grads(uses_right, (X,), order=1, modes="fwd")


def test_numerical_grad_matches_closed_form():
    g = numerical_grad(uses_right, (X,))
    np.testing.assert_allclose(g, np.cos(X ** 3) * 3 * X ** 2, rtol=1e-6)


def test_numerical_grad_structure_follows_argnums():
    w, x = np.ones(3) * 0.1, np.ones((2, 3))
    gw, gx = numerical_grad(loss, (w, x), argnums=(0, 1))
    assert gw.shape == (3,) and gx.shape == (2, 3)
    np.testing.assert_allclose(gw, s2sad.grad(loss)(w, x), rtol=1e-6)


def test_numerical_grad_pytree_and_python_float():
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    x = np.array([0.3, 0.4])
    g = numerical_grad(pytree_loss, (p, x))
    assert type(g["b"]) is float
    exact = s2sad.grad(pytree_loss)(p, x)
    np.testing.assert_allclose(g["w"], exact["w"], rtol=1e-6)
    assert g["b"] == pytest.approx(exact["b"], rel=1e-6)
