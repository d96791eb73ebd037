"""``return_value`` ordering (api.md's table, row grad_vars=None); the rows with
``grad_vars`` are in tests/test_variables.py.

Every row checks the values against central finite differences at a point away from the
origin, and that the inputs are unchanged.
"""
import numpy as np
import pytest

import s2sad

X = np.array([0.4, -1.3, 0.9])
Y = np.array([1.5, 0.2, -0.6])


def loss(x, y):
    return np.sum(np.sin(x) * y) + x[0] * y[1] ** 2


def loss_aux(x, y):
    return np.sum(np.sin(x) * y) + x[0] * y[1] ** 2, {"n": x.size}


def vec(x, y):
    return np.sin(x) * y + x[0]


def vec_aux(x, y):
    return np.sin(x) * y + x[0], "aux"


def fd(f, args, i, eps=1e-6):
    cols = []
    for k in range(args[i].size):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[i][k] += eps
        minus[i][k] -= eps
        cols.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * eps))
    return np.stack(cols, axis=-1)


def fd_hess(f, args, i, j):
    # element [a, b] = d2f / d args[i][a] d args[j][b]
    return fd(lambda *a: fd(f, list(a), j), list(args), i, eps=1e-4).T


def _check_inputs():
    np.testing.assert_array_equal(X, np.array([0.4, -1.3, 0.9]))
    np.testing.assert_array_equal(Y, np.array([1.5, 0.2, -0.6]))


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_grad_return_value_table(argnums, has_aux, return_value):
    f = loss_aux if has_aux else loss
    res = s2sad.grad(f, argnums=argnums, has_aux=has_aux, return_value=return_value)(X, Y)
    if has_aux and return_value:
        g, value, aux = res
    elif return_value:
        (g, value), aux = res, None
    elif has_aux:
        (g, aux), value = res, None
    else:
        g, value, aux = res, None, None
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    want = tuple(fd(loss, [X, Y], i) for i in nums)
    got = g if isinstance(argnums, tuple) else (g,)
    assert isinstance(g, tuple) == isinstance(argnums, tuple)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
    if return_value:
        np.testing.assert_allclose(value, loss(X, Y))
    if has_aux:
        assert aux == {"n": 3}
    _check_inputs()


def test_value_and_grad_rejects_return_value():
    with pytest.raises(ValueError, match="always returns the value"):
        s2sad.value_and_grad(loss, return_value=True)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_jacobian_return_value_table(transform, has_aux, return_value):
    f = vec_aux if has_aux else vec
    res = getattr(s2sad, transform)(f, argnums=(0, 1), has_aux=has_aux,
                                    return_value=return_value)(X, Y)
    if has_aux and return_value:
        jac, value, aux = res
        assert aux == "aux"
    elif return_value:
        jac, value = res
    elif has_aux:
        (jac, aux), value = res, None
        assert aux == "aux"
    else:
        jac, value = res, None
    for i in (0, 1):
        np.testing.assert_allclose(jac[i], fd(vec, [X, Y], i), rtol=1e-6, atol=1e-8)
    if return_value:  # "loss" is the raw function output
        np.testing.assert_allclose(value, vec(X, Y))
    _check_inputs()


@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_hessian_return_value_table(has_aux, return_value):
    f = loss_aux if has_aux else loss
    res = s2sad.hessian(f, argnums=(0, 1), has_aux=has_aux, return_value=return_value)(X, Y)
    if has_aux and return_value:
        h, value, aux = res
    elif return_value:
        (h, value), aux = res, None
    elif has_aux:
        (h, aux), value = res, None
    else:
        h, value, aux = res, None, None
    for i in (0, 1):
        for j in (0, 1):
            np.testing.assert_allclose(h[i][j], fd_hess(loss, [X, Y], i, j),
                                       rtol=1e-5, atol=1e-6)
    if return_value:
        np.testing.assert_allclose(value, loss(X, Y))
    if has_aux:
        assert aux == {"n": 3}
    _check_inputs()
