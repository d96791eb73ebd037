"""Tests of s2sad.testing.check_grads with JAX's signature: orders 1-3, 'fwd' and 'rev'."""
import numpy as np
import pytest

from s2sad.rules import adjoint, d, tangent
from s2sad.testing import check_grads


def square_right(x):
    return x * x


def square_wrong_tangent(x):
    return x * x


@adjoint(square_right)
def _square_right_adjoint(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(square_right)
def _square_right_tangent(y, x):
    d[y] = 2.0 * x * d[x]


@adjoint(square_wrong_tangent)
def _square_wrong_tangent_adjoint(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(square_wrong_tangent)
def _square_wrong_tangent_tangent(y, x):
    d[y] = 3.0 * x * d[x]  # wrong: only forward mode sees it


def uses_right(x):
    return np.sin(square_right(x)) * 2.0


def uses_wrong_tangent(x):
    return np.sin(square_wrong_tangent(x))


def f_builtin(x, y):
    return np.tanh(x * y) + np.exp(0.3 * x) * y ** 2


def f_pytree(p, x):
    return {"a": np.sum(np.sin(p["w"] * x)), "b": np.cos(p["b"] * x)}


def f_with_int(x, n):
    return np.sum(x ** 3) * n


def f_python_float(x):
    return x * x * 3.0 + 1.0


X = np.array([0.4, -1.3, 2.1])
Y = np.array([1.5, 0.7, -0.6])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("modes", ["fwd", "rev", ("fwd", "rev")])
def test_right_derivatives_pass(order, modes):
    check_grads(f_builtin, (X, Y), order=order, modes=modes)


def test_defaults_are_order_2_both_modes():
    # the signature is JAX's: (f, args, order=2, modes=("fwd", "rev"), atol, rtol, eps)
    import inspect
    sig = inspect.signature(check_grads)
    assert list(sig.parameters)[:7] == ["f", "args", "order", "modes", "atol", "rtol", "eps"]
    assert sig.parameters["order"].default == 2
    assert tuple(sig.parameters["modes"].default) == ("fwd", "rev")
    check_grads(f_builtin, (X, Y), 2, ("fwd", "rev"), 1e-6, 1e-5, 1e-6)


def test_pytree_arguments_and_outputs_order_2():
    check_grads(f_pytree, ({"w": X, "b": 0.3}, Y))


def test_integer_argument_is_held_constant():
    check_grads(f_with_int, (X, 3))
    check_grads(f_with_int, (X, 3), argnums=0, order=2)


def test_python_float_argument():
    check_grads(f_python_float, (1.7,), order=2)


def test_user_rules_with_both_modes_pass():
    check_grads(uses_right, (X,), order=1)


def test_wrong_tangent_rule_caught_by_fwd_only():
    with pytest.raises(AssertionError, match="forward-mode") as info:
        check_grads(uses_wrong_tangent, (X,), order=1, modes="fwd")
    assert "uses_wrong_tangent" in str(info.value)
    assert "finite differences" in str(info.value)
    # reverse mode uses the (right) adjoint rule
    check_grads(uses_wrong_tangent, (X,), order=1, modes="rev")


def wrong_hessian_rule(x):
    return x * x * x


@adjoint(wrong_hessian_rule)
def _wrong_hessian_rule_adjoint(y, x):
    # right first derivative, 3 x^2, but written via a helper s2sad differentiates with
    # a deliberately wrong rule below: order 1 passes, order 2 must fail
    d[x] = d[y] * bad_three_x_squared(x)


def bad_three_x_squared(x):
    return 3.0 * x * x


@adjoint(bad_three_x_squared)
def _bad_three_x_squared_adjoint(y, x):
    d[x] = d[y] * 5.0 * x  # wrong: should be 6 x


def uses_wrong_hessian(x):
    return np.sum(wrong_hessian_rule(x))


def test_order_2_catches_a_wrong_second_derivative():
    check_grads(uses_wrong_hessian, (X,), order=1, modes="rev")
    with pytest.raises(AssertionError, match="vjp\\(uses_wrong_hessian\\)"):
        check_grads(uses_wrong_hessian, (X,), order=2, modes="rev")


def test_wrong_forward_rule_after_a_right_one_in_the_same_process():
    # the generated higher-order maps have the same text for every function: make sure
    # nothing is shared between them
    check_grads(uses_right, (X,), order=2, modes="rev")
    with pytest.raises(AssertionError):
        check_grads(uses_wrong_hessian, (X,), order=2, modes="rev")
    check_grads(uses_right, (X,), order=2, modes="rev")


def test_tolerances_are_used():
    # finite differences with a huge step are inaccurate; a tight tolerance fails,
    # a loose one passes
    with pytest.raises(AssertionError):
        check_grads(f_builtin, (X, Y), order=1, modes="fwd", eps=0.5, rtol=1e-8, atol=1e-8)
    check_grads(f_builtin, (X, Y), order=1, modes="fwd", eps=0.5, rtol=0.5, atol=0.5)


def test_inputs_unchanged():
    x, y = X.copy(), Y.copy()
    check_grads(f_builtin, (x, y))
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(y, Y)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_invalid_order(bad):
    with pytest.raises(ValueError, match="order"):
        check_grads(f_builtin, (X, Y), order=bad)


def test_invalid_modes():
    with pytest.raises(ValueError, match="mode"):
        check_grads(f_builtin, (X, Y), modes="backward")
    with pytest.raises(ValueError, match="modes"):
        check_grads(f_builtin, (X, Y), modes=())


def test_float32_inputs_widened_for_second_order():
    check_grads(f_builtin, (X.astype(np.float32), Y.astype(np.float32)), order=2)


def test_complex_input_real_output():
    check_grads(abs_squared, (np.array([1.0 + 2.0j, -0.5 + 0.1j]),), order=1)


def abs_squared(z):
    return np.sum(np.real(z * np.conj(z)))
