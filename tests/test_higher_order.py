"""Tests of higher-order derivatives: grad of grad, jvp of grad, hessian,
jacfwd(jacrev(f)), jacrev(jacrev(f)) and third derivatives, against closed forms and
finite differences of lower-order derivatives."""
import functools

import numpy as np
import pytest

import s2sad

EPS = 1e-5


# --- functions under test ------------------------------------------------------------

def poly(x):
    return 3.0 * x ** 4 - 2.0 * x ** 3 + x


def sin_exp(x):
    return np.sin(x) * np.exp(x)


def power_loop(x):
    s = 1.0
    for i in range(5):
        s = s * x
    return s


def piecewise(x):
    if x > 0.0:
        y = x ** 3
    else:
        y = -x ** 2
    return y


def loop_and_branch(x):
    s = 0.0
    for i in range(3):
        if s < 100.0:
            y = np.sin(x)
            s = s + y * y
    return s


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] += -400.0 * x[i]
        h[i + 1, i] += -400.0 * x[i]
    return h


def mlp_loss(theta, x, y):
    w1 = np.reshape(theta[:6], (3, 2))
    b1 = theta[6:9]
    w2 = theta[9:12]
    hidden = np.tanh(np.dot(x, w1.T) + b1)
    pred = np.dot(hidden, w2)
    return np.mean((pred - y) ** 2)


def mlp_dict_loss(params, x, y):
    hidden = np.tanh(np.dot(x, params["w1"]) + params["b1"])
    pred = np.dot(hidden, params["w2"])
    return np.mean((pred - y) ** 2)


def vector_fn(x):
    return np.sin(x) * np.sum(x ** 2)


def vector_loop(x):
    y = x
    for i in range(2):
        y = np.tanh(y) * x
    return y


def two_args(x, y):
    return np.sum(x ** 2 * y ** 3)


def with_aux(x):
    return np.sum(np.sin(x)), "aux"


def pair_out(x):
    return x, x


def cube_complex(z):
    return z ** 3


def complex_value(x):
    return np.sum(x) * 1j


def int_in(x, n):
    return np.sum(x) * n


def sin_times_square(x):
    return np.sum(np.sin(x) * x[0] ** 2)


def keyword_only(x, *, scale):
    return np.sum(np.sin(x)) * scale


def numerical_jacobian(f, x, eps=EPS):
    x = np.asarray(x, dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(cols[0]) + x.shape)


X = np.array([0.3, -0.6, 0.9])


# --- second and third derivatives of scalar functions ---------------------------------

SCALAR_CASES = [
    # f, x, f'', f'''
    (poly, 0.7, lambda x: 36 * x ** 2 - 12 * x, lambda x: 72 * x - 12),
    (sin_exp, 0.4, lambda x: 2 * np.cos(x) * np.exp(x),
     lambda x: 2 * np.exp(x) * (np.cos(x) - np.sin(x))),
    (power_loop, 1.3, lambda x: 20 * x ** 3, lambda x: 60 * x ** 2),
    (piecewise, 0.8, lambda x: 6 * x, lambda x: 6.0),
    (piecewise, -0.8, lambda x: -2.0, lambda x: 0.0),
]
SCALAR_IDS = ["%s(%s)" % (f.__name__, x) for f, x, _, _ in SCALAR_CASES]


@pytest.mark.parametrize("f, x, d2, d3", SCALAR_CASES, ids=SCALAR_IDS)
def test_second_derivative_every_way(f, x, d2, d3):
    want = d2(x)
    assert s2sad.grad(s2sad.grad(f))(x) == pytest.approx(want, rel=1e-10, abs=1e-10)
    assert s2sad.hessian(f)(x) == pytest.approx(want, rel=1e-10, abs=1e-10)
    assert s2sad.jacfwd(s2sad.grad(f))(x) == pytest.approx(want, rel=1e-10, abs=1e-10)
    assert s2sad.jacrev(s2sad.grad(f))(x) == pytest.approx(want, rel=1e-10, abs=1e-10)
    _, second = s2sad.jvp(s2sad.grad(f), (x,), (1.0,))
    assert second == pytest.approx(want, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("f, x, d2, d3", SCALAR_CASES, ids=SCALAR_IDS)
def test_third_derivative(f, x, d2, d3):
    want = d3(x)
    close = functools.partial(pytest.approx, rel=1e-9, abs=1e-9)
    assert s2sad.grad(s2sad.grad(s2sad.grad(f)))(x) == close(want)
    assert s2sad.jacfwd(s2sad.hessian(f))(x) == close(want)
    assert s2sad.jacfwd(s2sad.jacfwd(s2sad.grad(f)))(x) == close(want)


def test_hessian_of_python_float_is_a_python_float():
    assert type(s2sad.hessian(poly)(0.7)) is float


# --- Hessians of vector functions -----------------------------------------------------

def test_rosenbrock_hessian_closed_form_and_finite_differences():
    x = np.array([-1.2, 1.0, 0.5, 0.8, 1.1])
    h = s2sad.hessian(rosenbrock)(x)
    assert h.shape == (5, 5) and h.dtype == np.float64
    np.testing.assert_allclose(h, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(h, numerical_jacobian(s2sad.grad(rosenbrock), x), rtol=1e-6,
                               atol=1e-5)
    np.testing.assert_allclose(s2sad.jacfwd(s2sad.jacrev(rosenbrock))(x), h, rtol=1e-12,
                               atol=1e-10)
    np.testing.assert_allclose(s2sad.jacrev(s2sad.jacrev(rosenbrock))(x), h, rtol=1e-12,
                               atol=1e-10)


def test_mlp_loss_hessian_against_finite_differences_of_the_gradient():
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(12) * 0.5
    x, y = rng.standard_normal((4, 2)), rng.standard_normal(4)
    h = s2sad.hessian(mlp_loss)(theta, x, y)
    grad = s2sad.grad(mlp_loss)
    fd = numerical_jacobian(lambda t: grad(t, x, y), theta)
    assert h.shape == (12, 12)
    np.testing.assert_allclose(h, fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)


def test_mlp_hessian_with_dict_parameters():
    rng = np.random.default_rng(1)
    params = {"w1": rng.standard_normal((2, 3)) * 0.5, "b1": rng.standard_normal(3) * 0.1,
              "w2": rng.standard_normal(3)}
    x, y = rng.standard_normal((4, 2)), rng.standard_normal(4)
    h = s2sad.hessian(mlp_dict_loss)(params, x, y)
    assert set(h) == {"w1", "b1", "w2"} and set(h["w1"]) == {"w1", "b1", "w2"}
    assert h["w1"]["w1"].shape == (2, 3, 2, 3) and h["w1"]["b1"].shape == (2, 3, 3)
    grad = s2sad.grad(mlp_dict_loss)

    def grad_wrt(name):
        def g(value):
            return grad(dict(params, **{name: value}), x, y)
        return g
    for inner in ("w1", "b1", "w2"):
        for outer in ("w1", "b1", "w2"):
            column = numerical_jacobian(lambda v: grad_wrt(inner)(v)[outer], params[inner])
            np.testing.assert_allclose(h[outer][inner], column, rtol=1e-6, atol=1e-7)


def test_jvp_of_grad_is_a_hessian_vector_product():
    x = np.array([-1.2, 1.0, 0.5, 0.8, 1.1])
    v = np.array([0.3, -0.1, 0.2, 1.0, -0.5])
    value, hv = s2sad.jvp(s2sad.grad(rosenbrock), (x,), (v,))
    np.testing.assert_allclose(value, s2sad.grad(rosenbrock)(x))
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10)
    out, f_jvp = s2sad.linearize(s2sad.grad(rosenbrock), x)
    np.testing.assert_allclose(f_jvp(v), hv)


@pytest.mark.parametrize("f", [vector_fn, vector_loop])
def test_second_derivatives_of_a_vector_function(f):
    ffwd = s2sad.jacfwd(s2sad.jacrev(f))(X)
    frev = s2sad.jacrev(s2sad.jacrev(f))(X)
    fd = numerical_jacobian(s2sad.jacrev(f), X)
    assert ffwd.shape == (3, 3, 3)
    np.testing.assert_allclose(ffwd, fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(frev, ffwd, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s2sad.jacfwd(s2sad.jacfwd(f))(X), ffwd, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(s2sad.jacrev(s2sad.jacfwd(f))(X), ffwd, rtol=1e-12,
                               atol=1e-12)
    # hessian of a non-scalar function: out + in + in
    np.testing.assert_allclose(s2sad.hessian(f)(X), ffwd, rtol=1e-12, atol=1e-12)


def test_hessian_tuple_argnums_nests_the_blocks():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    (hxx, hxy), (hyx, hyy) = s2sad.hessian(two_args, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(hxx, np.diag(2 * y ** 3))
    np.testing.assert_allclose(hxy, np.diag(6 * x * y ** 2))
    np.testing.assert_allclose(hyx, np.diag(6 * x * y ** 2))
    np.testing.assert_allclose(hyy, np.diag(6 * x ** 2 * y))
    (only,), = s2sad.hessian(two_args, argnums=(1,))(x, y)
    np.testing.assert_allclose(only, hyy)
    np.testing.assert_allclose(s2sad.hessian(two_args, argnums=-1)(x, y), hyy)


def test_hessian_has_aux_and_return_value():
    h, aux = s2sad.hessian(with_aux, has_aux=True)(X)
    np.testing.assert_allclose(h, np.diag(-np.sin(X)))
    assert aux == "aux"
    h, value = s2sad.hessian(rosenbrock, return_value=True)(X)
    assert value == pytest.approx(rosenbrock(X))
    h, value, aux = s2sad.hessian(with_aux, has_aux=True, return_value=True)(X)
    assert value == pytest.approx(np.sum(np.sin(X))) and aux == "aux"


def test_hessian_holomorphic():
    z = np.array([1.0 + 2.0j, 0.5 - 1.0j])
    h = s2sad.hessian(cube_complex, holomorphic=True)(z)
    np.testing.assert_allclose(h, np.einsum("i,ij,ik->ijk", 6 * z, np.eye(2), np.eye(2)))


def test_hessian_errors():
    with pytest.raises(TypeError, match="int64"):
        s2sad.hessian(int_in, argnums=1)(X, np.int64(2))
    with pytest.raises(TypeError, match="tuple"):
        s2sad.hessian(pair_out)(X)
    with pytest.raises(TypeError, match="holomorphic"):
        s2sad.hessian(complex_value)(X)
    with pytest.raises(ValueError, match="grad_vars"):
        s2sad.hessian(rosenbrock, grad_vars=[])
    with pytest.raises(ValueError, match="out of range"):
        s2sad.hessian(rosenbrock, argnums=2)(X)
    with pytest.raises(TypeError, match=r"\(output, aux\) pair"):
        s2sad.hessian(triple, has_aux=True)(X)


def triple(x):
    return np.sum(x), 1, 2


def test_hessian_keyword_arguments_are_passed_through():
    h = s2sad.hessian(keyword_only)(X, scale=2.0)
    np.testing.assert_allclose(h, np.diag(-2.0 * np.sin(X)))


# --- what cannot be differentiated again ----------------------------------------------

def test_unsupported_stand_ins_raise_clear_type_errors():
    with pytest.raises(TypeError, match="argnums"):
        s2sad.jacfwd(s2sad.jacrev(vector_fn, argnums=(0,)))
    with pytest.raises(TypeError, match="has_aux"):
        s2sad.jacfwd(s2sad.jacrev(with_aux, has_aux=True))
    with pytest.raises(TypeError, match="return_value"):
        s2sad.jacrev(s2sad.jacfwd(vector_fn, return_value=True))
    _, f_jvp = s2sad.linearize(vector_fn, X)
    with pytest.raises(TypeError, match="linearize"):
        s2sad.jacfwd(f_jvp)


def test_stand_in_needs_an_array_output():
    with pytest.raises(TypeError, match="array output"):
        s2sad.jacfwd(s2sad.jacrev(pair_out))(X)
    with pytest.raises(TypeError, match="array output"):
        s2sad.jacrev(s2sad.jacfwd(pair_out))(X)


def test_hessian_stand_in_needs_a_scalar_output():
    with pytest.raises(TypeError, match="scalar-output"):
        s2sad.jacfwd(s2sad.hessian(vector_fn))(X)


# --- known core bugs ------------------------------------------------------------------

def test_forward_over_reverse_through_a_loop_with_a_branch():
    # loop_and_branch(x) = 3 sin(x)^2, second derivative 6 cos(2x)
    assert s2sad.hessian(loop_and_branch)(0.5) == pytest.approx(6 * np.cos(1.0))


def test_reverse_over_reverse_through_a_loop_with_a_branch():
    assert s2sad.grad(s2sad.grad(loop_and_branch))(0.5) == pytest.approx(6 * np.cos(1.0))


def test_reverse_over_forward_over_reverse():
    x = np.array([0.3, 0.5, 0.7])
    third = s2sad.jacrev(s2sad.hessian(sin_times_square))(x)
    np.testing.assert_allclose(third, s2sad.jacfwd(s2sad.hessian(sin_times_square))(x))


def test_third_derivative_tensor_by_forward_over_forward_over_reverse():
    x = np.array([0.3, 0.5, 0.7])
    third = s2sad.jacfwd(s2sad.hessian(sin_times_square))(x)
    fd = numerical_jacobian(s2sad.hessian(sin_times_square), x)
    assert third.shape == (3, 3, 3)
    np.testing.assert_allclose(third, fd, rtol=1e-6, atol=1e-7)


@s2sad.hessian
def decorated_hessian(x):
    """Docstring kept."""
    return np.sum(x ** 3)


def test_hessian_as_a_decorator_and_with_partial():
    np.testing.assert_allclose(decorated_hessian(X), np.diag(6 * X))
    assert decorated_hessian.__doc__ == "Docstring kept."
    h = functools.partial(s2sad.hessian, argnums=1)(two_args)
    np.testing.assert_allclose(h(X, X), np.diag(6 * X ** 2 * X))


def make_pair(x):
    return (x, x * 2.0)


def product_of_pair(t):
    return t[0] * t[1]


def sums_a_returned_pair_in_a_loop(x):
    t = make_pair(x)
    s = 0.0
    for i in range(2):
        s = s + product_of_pair(t)
    return s


def test_container_adjoint_accumulated_in_a_loop():
    # f(x) = 2 * (x * 2x) = 4 x^2
    assert s2sad.grad(sums_a_returned_pair_in_a_loop)(1.0) == pytest.approx(8.0)


# --- transforms called inside a differentiated function -------------------------------

def _energy(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + np.sin(x[i]) * x[i] ** 2
    return total


_denergy = s2sad.grad(_energy)


def calls_a_global_gradient(x):
    return np.sum(_denergy(x) * x)


def builds_a_gradient_inline(x):
    return np.sum(s2sad.grad(_energy)(x) ** 2)


def calls_jvp(x):
    out, tangent = s2sad.jvp(_energy, (x,), (np.cos(x),))
    return out * tangent


def _cube_with_max(y):
    return np.sum(y ** 3), np.max(y)


def calls_jvp_with_aux(x):
    out, tangent, aux = s2sad.jvp(_cube_with_max, [x], [x], has_aux=True)
    return out + tangent * aux


@pytest.mark.parametrize("f", [calls_a_global_gradient, builds_a_gradient_inline, calls_jvp,
                               calls_jvp_with_aux])
def test_grad_and_jvp_of_functions_that_call_transforms(f):
    x = np.array([0.3, -0.7, 1.1])
    want = numerical_jacobian(f, x)
    np.testing.assert_allclose(s2sad.grad(f)(x), want, rtol=1e-6, atol=1e-8)
    v = np.array([0.2, 0.5, -1.0])
    _, t = s2sad.jvp(f, (x,), (v,))
    np.testing.assert_allclose(t, want @ v, rtol=1e-6, atol=1e-8)


_denergy_no_graph = s2sad.grad(_energy, create_graph=False)


def calls_a_create_graph_false_gradient(x):
    return np.sum(_denergy_no_graph(x))


def test_calling_a_create_graph_false_derivative_inside_is_an_error():
    with pytest.raises(TypeError, match="create_graph=False"):
        s2sad.grad(calls_a_create_graph_false_gradient)(np.ones(3))


def _through(w, acts):
    h = w
    for act in acts:
        h = act(h)
    return np.sum(h ** 2) * w[0]


class _Scaled:  # a callable object without __name__
    def __call__(self, x):
        return np.tanh(x) * 1.5


@pytest.mark.parametrize("acts", [(np.tanh, np.sin), (_Scaled(),), (np.cos,)])
def test_second_derivatives_of_a_function_taking_functions(acts):
    """The stand-in of grad(f) is written per function argument (its statics)."""
    w = np.array([0.4, -1.3])
    want = s2sad.hessian(_through)(w, acts)
    num = np.stack([(s2sad.grad(_through)(w + e, acts) - s2sad.grad(_through)(w - e, acts))
                    / 2e-6 for e in np.eye(2) * 1e-6], axis=-1)
    np.testing.assert_allclose(want, num, rtol=1e-5, atol=1e-7)
    for second in (s2sad.jacrev, s2sad.jacfwd):
        np.testing.assert_allclose(second(s2sad.grad(_through))(w, acts), want,
                                   rtol=1e-10, atol=1e-12)
    t = np.array([1.0, -0.5])
    _, hvp = s2sad.jvp(lambda u: s2sad.grad(_through)(u, acts), (w,), (t,))
    np.testing.assert_allclose(hvp, want @ t, rtol=1e-10, atol=1e-12)
