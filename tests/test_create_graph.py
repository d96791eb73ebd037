"""``create_graph`` and ``realize`` on every transform (api.md, "create_graph and realize").

``create_graph=False``: the values are those of ``create_graph=True`` (checked against
finite differences), and differentiating the result again raises the clear TypeError
naming ``create_graph=False``; ``create_graph=True`` results differentiate again
(second derivatives checked against finite differences).  ``realize``: with Dask
inputs, ``realize=True`` returns NumPy arrays with the right values and
``realize=False`` returns the Dask arrays unevaluated.
"""
import numpy as np
import pytest

import s2sad
from s2sad import pytree

X = np.array([0.3, 1.2, -0.7])
T = np.array([0.5, -1.0, 2.0])


def vec(x):
    return np.sin(x) * x + x[0] * x[2]


def elementwise(x):
    return np.sin(x) * x


def loss(x):
    return np.sum(np.sin(x) * x) + x[0] * x[1] ** 2


def fd_jac(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def fd_grad(f, x):
    return fd_jac(lambda y: np.array(f(y)), x)


def fd_hess(f, x):
    return fd_jac(lambda y: fd_grad(f, y), x, eps=1e-4)


# --- create_graph ----------------------------------------------------------------------

NO_AGAIN = "create_graph=False"


@pytest.mark.parametrize("again", [s2sad.grad, s2sad.jacrev, s2sad.jacfwd])
@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_create_graph_false_refuses_and_keeps_values(transform, again):
    make = getattr(s2sad, transform)
    x = X.copy()
    slow, fast = make(vec), make(vec, create_graph=False)
    np.testing.assert_allclose(fast(x), fd_jac(vec, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(fast(x), slow(x))
    np.testing.assert_array_equal(x, X)
    with pytest.raises(TypeError, match=NO_AGAIN):
        again(fast)


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_create_graph_true_differentiates_again(transform):
    # d/dx of the Jacobian of grad(loss): the Hessian's derivative is checked through
    # jacfwd(jacrev(grad)) = third derivative contracted; here jac of grad = Hessian
    h = getattr(s2sad, transform)(s2sad.grad(loss))
    np.testing.assert_allclose(h(X), fd_hess(loss, X), rtol=1e-5, atol=1e-6)
    jj = s2sad.jacfwd(getattr(s2sad, transform)(vec))  # second order of a vector function
    num = np.stack([fd_jac(lambda y, i=i: s2sad.jacrev(vec)(y)[i], X) for i in range(3)])
    np.testing.assert_allclose(jj(X), num, rtol=1e-5, atol=1e-6)


def test_hessian_create_graph_false():
    fast = s2sad.hessian(loss, create_graph=False)
    np.testing.assert_allclose(fast(X), fd_hess(loss, X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(fast(X), s2sad.hessian(loss)(X))
    with pytest.raises(TypeError, match=NO_AGAIN):
        s2sad.jacfwd(fast)


def test_hessian_create_graph_true_differentiates_again():
    third = s2sad.jacfwd(s2sad.hessian(loss))(X)
    num = fd_jac(lambda y: s2sad.hessian(loss)(y), X)
    np.testing.assert_allclose(third, num, rtol=1e-5, atol=1e-6)


def test_linearize_create_graph():
    out, f_jvp = s2sad.linearize(vec, X, create_graph=False)
    np.testing.assert_allclose(out, vec(X))
    np.testing.assert_allclose(f_jvp(T), fd_jac(vec, X) @ T, rtol=1e-6, atol=1e-8)
    with pytest.raises(TypeError, match=NO_AGAIN):
        s2sad.jacfwd(f_jvp)
    _, f_jvp = s2sad.linearize(vec, X)
    assert f_jvp.__s2sad_transform__["create_graph"] is True


def test_vjp_create_graph_false_refuses():
    out, f_vjp = s2sad.vjp(vec, X, create_graph=False)
    np.testing.assert_allclose(f_vjp(T)[0], T @ fd_jac(vec, X), rtol=1e-6, atol=1e-8)
    for again in (s2sad.grad, s2sad.jacrev, s2sad.jacfwd):
        with pytest.raises(TypeError, match=NO_AGAIN):
            again(f_vjp)
    _, f_vjp = s2sad.vjp(vec, X)
    assert not hasattr(f_vjp, "__s2sad_transform__")


def directional_default(x):
    _, t = s2sad.jvp(vec, (x,), (T,), create_graph=True)
    return np.sum(t ** 2)


def directional_frozen(x):
    _, t = s2sad.jvp(vec, (x,), (T,), create_graph=False)
    return np.sum(t ** 2)


def pulled_frozen(x):
    _, pull = s2sad.vjp(vec, x, create_graph=False)
    return np.sum(pull(T)[0])


def test_jvp_create_graph():
    out, t = s2sad.jvp(vec, (X,), (T,), create_graph=False)
    np.testing.assert_allclose(t, fd_jac(vec, X) @ T, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s2sad.grad(directional_default)(X),
                               fd_grad(directional_default, X), rtol=1e-5, atol=1e-7)
    for frozen in (directional_frozen, pulled_frozen):
        with pytest.raises(s2sad.UnsupportedSyntaxError, match=NO_AGAIN) as info:
            s2sad.grad(frozen)(X)
        assert info.value.lineno == frozen.__code__.co_firstlineno + 1
    np.testing.assert_array_equal(X, np.array([0.3, 1.2, -0.7]))


# --- realize ----------------------------------------------------------------------------

def _dask():
    da = pytest.importorskip("dask.array")
    return da, da.from_array(X, chunks=2), da.from_array(T, chunks=2)


def _is_lazy(x):
    import dask
    return dask.is_dask_collection(x)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_realize_grad_and_value_and_grad():
    _, xd, _ = _dask()
    want = fd_grad(loss, X)
    for make in (s2sad.grad, s2sad.value_and_grad):
        now, lazy = make(loss)(xd), make(loss, realize=False)(xd)
        now_leaves, lazy_leaves = pytree.tree_leaves(now), pytree.tree_leaves(lazy)
        assert not any(_is_lazy(v) for v in now_leaves)
        assert any(_is_lazy(v) for v in lazy_leaves)
        g_now = now[1] if make is s2sad.value_and_grad else now
        g_lazy = lazy[1] if make is s2sad.value_and_grad else lazy
        np.testing.assert_allclose(g_now, want, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(g_lazy.compute()), want, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_realize_vjp():
    _, xd, td = _dask()
    want = T @ fd_jac(vec, X)
    out, f_vjp = s2sad.vjp(vec, xd)
    assert isinstance(out, np.ndarray) and isinstance(f_vjp(td)[0], np.ndarray)
    np.testing.assert_allclose(out, vec(X))
    np.testing.assert_allclose(f_vjp(td)[0], want, rtol=1e-6)
    out, f_vjp = s2sad.vjp(vec, xd, realize=False)
    assert _is_lazy(out) and _is_lazy(f_vjp(td)[0])
    np.testing.assert_allclose(f_vjp(td)[0].compute(), want, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_realize_jvp_and_linearize():
    _, xd, td = _dask()
    want = fd_jac(vec, X) @ T
    out, t_out = s2sad.jvp(vec, (xd,), (td,))
    assert isinstance(out, np.ndarray) and isinstance(t_out, np.ndarray)
    np.testing.assert_allclose(t_out, want, rtol=1e-6)
    out, t_out = s2sad.jvp(vec, (xd,), (td,), realize=False)
    assert _is_lazy(out) and _is_lazy(t_out)
    np.testing.assert_allclose(t_out.compute(), want, rtol=1e-6)
    out, f_jvp = s2sad.linearize(vec, xd)
    assert isinstance(out, np.ndarray) and isinstance(f_jvp(td), np.ndarray)
    np.testing.assert_allclose(f_jvp(td), want, rtol=1e-6)
    out, f_jvp = s2sad.linearize(vec, xd, realize=False)
    assert _is_lazy(out) and _is_lazy(f_jvp(td))
    np.testing.assert_allclose(f_jvp(td).compute(), want, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_realize_jacobians_value(transform):
    # the Jacobian is assembled into NumPy; the returned value is what realize governs
    _, xd, _ = _dask()
    make = getattr(s2sad, transform)
    jac, value = make(elementwise, return_value=True)(xd)
    assert isinstance(value, np.ndarray)
    np.testing.assert_allclose(value, elementwise(X))
    np.testing.assert_allclose(jac, fd_jac(elementwise, X), rtol=1e-6, atol=1e-8)
    jac, value = make(elementwise, return_value=True, realize=False)(xd)
    assert _is_lazy(value)
    np.testing.assert_allclose(value.compute(), elementwise(X))
    np.testing.assert_allclose(jac, fd_jac(elementwise, X), rtol=1e-6, atol=1e-8)
