"""Ways a user hands over a function: lambdas, functools.partial objects, sequence
concatenation with ``+``, and functions without source (issue 13)."""
import dataclasses
from functools import partial

import numpy as np
import pytest

import s2sad
from s2sad.errors import SourceUnavailableError
from s2sad.testing import numerical_grad


def loss(w, X, y):
    return np.sum(np.tanh(X @ w - y) ** 2)


X = np.arange(6.0).reshape(2, 3) * 0.1 + 0.3
Y = np.array([1.0, -2.0])
W = np.array([0.3, -0.2, 0.5])

sq, cube = (lambda x: np.sum(np.sin(x) ** 2)), (lambda x: np.sum(x ** 3))


def test_two_lambdas_on_one_line():
    for fn in (sq, cube):
        np.testing.assert_allclose(s2sad.grad(fn)(W), numerical_grad(fn, (W,)), atol=1e-6)
        _, t = s2sad.jvp(fn, (W,), (np.ones(3),))
        np.testing.assert_allclose(t, numerical_grad(fn, (W,)).sum(), atol=1e-6)


def test_partial_keywords_reverse_forward_second_order():
    f = partial(loss, X=X, y=Y)
    w = W.copy()
    np.testing.assert_allclose(s2sad.grad(f)(w), numerical_grad(f, (w,)), atol=1e-6)
    np.testing.assert_array_equal(w, W)
    v = np.array([1.0, -0.5, 2.0])
    _, t = s2sad.jvp(f, (w,), (v,))
    np.testing.assert_allclose(t, numerical_grad(f, (w,)) @ v, atol=1e-6)
    h = s2sad.hessian(f)(w)
    num = np.stack([numerical_grad(lambda u: s2sad.grad(f)(u)[i], (w,)) for i in range(3)])
    np.testing.assert_allclose(h, num, atol=1e-5)
    # a keyword the partial fixed can be overridden at call time, as with the partial
    g = s2sad.grad(f)(w, X=2 * X)
    np.testing.assert_allclose(g, numerical_grad(partial(loss, X=2 * X, y=Y), (w,)), atol=1e-6)


def test_partial_positional_argnums_count_remaining_parameters():
    g = partial(loss, W)
    np.testing.assert_allclose(s2sad.grad(g)(X, Y), numerical_grad(g, (X, Y)), atol=1e-6)
    np.testing.assert_allclose(s2sad.grad(g, argnums=1)(X, Y),
                               numerical_grad(g, (X, Y), argnums=1), atol=1e-6)
    _, t = s2sad.jvp(g, (X, Y), (np.ones_like(X), np.zeros_like(Y)))
    np.testing.assert_allclose(t, numerical_grad(g, (X, Y)).sum(), atol=1e-6)


def tuple_concat(x):
    t = (x, 2 * x) + (x ** 2,)
    return np.sum(t[2] * t[1] + np.sin(t[0]))


def list_concat(x):
    parts = [x, 2 * x] + [np.ones(3)] + [x * x]
    return np.sum(parts[0] * parts[1] + parts[2] * x + parts[3])


@pytest.mark.parametrize("fn", [tuple_concat, list_concat])
def test_display_concatenation(fn):
    x = np.array([0.7, -1.3, 2.1])
    np.testing.assert_allclose(s2sad.grad(fn)(x), numerical_grad(fn, (x,)), atol=1e-5)
    v = np.array([0.2, 1.0, -1.0])
    _, t = s2sad.jvp(fn, (x,), (v,))
    np.testing.assert_allclose(t, numerical_grad(fn, (x,)) @ v, atol=1e-5)


def test_function_without_source_says_what_to_do():
    ns = {"np": np}
    exec(compile("def r(x):\n    return np.sum(x ** 2)\n", "<stdin>", "exec"), ns)
    with pytest.raises(SourceUnavailableError, match="REPL.*IPython/Jupyter"):
        s2sad.grad(ns["r"])(W)


def test_autograd_numpy_is_refused_with_the_fix(monkeypatch):
    import sys
    import types
    fake = types.ModuleType("autograd.numpy")
    fake.sum, fake.tanh = np.sum, np.tanh
    package = types.ModuleType("autograd")
    package.numpy = fake
    monkeypatch.setitem(sys.modules, "autograd", package)
    monkeypatch.setitem(sys.modules, "autograd.numpy", fake)
    ns = {}
    exec("import autograd.numpy as anp\n", ns)

    def f(x):
        return anp.sum(anp.tanh(x))

    anp = ns["anp"]
    with pytest.raises(s2sad.errors.AutogradNumpyError, match="import numpy as np"):
        s2sad.grad(f)(W)

    def primitive_sum(x):
        return np.sum(x)
    primitive_sum._is_autograd_primitive = True

    def g(x):
        return primitive_sum(x * x)
    with pytest.raises(s2sad.errors.AutogradNumpyError, match="autograd primitive"):
        s2sad.jvp(g, (W,), (W,))


class Model:
    K = 2.0

    def __init__(self):
        self.W = np.arange(6.0).reshape(2, 3) * 0.1

    def loss(self, x):
        return np.sum(np.tanh(self.W @ x))

    def forward(self, x):
        return np.tanh(self.W @ x)

    def __call__(self, x):
        return np.sum(self.forward(x) ** 2)

    @classmethod
    def scaled(cls, x):
        return np.sum(np.sin(x)) * cls.K

    @staticmethod
    def cubed(x):
        return np.sum(x ** 3)


MODEL = Model()


@pytest.mark.parametrize("fn", [MODEL.loss, MODEL, Model.scaled, Model.cubed, MODEL.scaled],
                         ids=["method", "callable", "classmethod", "staticmethod", "cm_inst"])
def test_methods_and_callable_objects(fn):
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(s2sad.grad(fn)(x), numerical_grad(fn, (x,)), atol=1e-6)
    v = np.array([1.0, 0.5, -2.0])
    _, t = s2sad.jvp(fn, (x,), (v,))
    np.testing.assert_allclose(t, numerical_grad(fn, (x,)) @ v, atol=1e-6)
    np.testing.assert_array_equal(MODEL.W, np.arange(6.0).reshape(2, 3) * 0.1)


def uses_the_model(x):
    """A function calling methods that call other methods of self."""
    return MODEL(x) + MODEL.loss(2.0 * x)


def test_methods_called_from_a_differentiated_function():
    x = np.array([0.3, -0.7, 1.1])
    want = numerical_grad(uses_the_model, (x,))
    np.testing.assert_allclose(s2sad.grad(uses_the_model)(x), want, atol=1e-6)
    np.testing.assert_allclose(s2sad.jvp(uses_the_model, (x,), (np.ones(3),))[1], np.sum(want),
                               atol=1e-6)
    h, grad, eps = s2sad.hessian(uses_the_model)(x), s2sad.grad(uses_the_model), 1e-6
    columns = [(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(h, np.array(columns).T, atol=1e-5)
    MODEL.W = MODEL.W * 1.0  # an attribute read at run time: a new value is seen
    np.testing.assert_allclose(s2sad.grad(uses_the_model)(x), want, atol=1e-6)


def test_hessian_of_callable_object():
    x = np.array([0.3, -0.7, 1.1])
    num = np.stack([numerical_grad(lambda u: s2sad.grad(MODEL)(u)[i], (x,)) for i in range(3)])
    np.testing.assert_allclose(s2sad.hessian(MODEL)(x), num, atol=1e-5)


def test_method_of_an_object_reached_through_a_list():
    class Net:
        def __init__(self):
            self.layers = [MODEL]

        def loss(self, x):
            for layer in self.layers:
                x = layer.forward(x)
            return np.sum(x)

    net = Net()
    np.testing.assert_allclose(s2sad.grad(net.loss)(W), numerical_grad(net.loss, (W,)),
                               atol=1e-6)

    def through_a_parameter(layers, x):  # its class is not known when compiling
        for layer in layers:
            x = layer.forward(x)
        return np.sum(x)

    class Plain:  # not callable: a list of them passed in is data, not a function table
        def forward(self, x):
            return np.sin(x)

    with pytest.raises(s2sad.errors.MissingRuleError, match="module-level function"):
        s2sad.grad(through_a_parameter, argnums=1)([Plain()], W)


@s2sad.register_dataclass
@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray


def dense(layer, x):
    return np.tanh(layer.W @ x + layer.b)


def mlp_loss(layers, x):
    for layer in layers:
        x = dense(layer, x)
    return np.sum(x ** 2)


def test_gradient_with_respect_to_registered_dataclasses():
    layer = Dense(np.arange(9.0).reshape(3, 3) * 0.1, np.array([0.1, -0.2, 0.3]))
    layers = [layer, Dense(layer.W * -0.5, layer.b + 1.0)]
    x = np.array([0.3, -0.7, 1.1])
    g, n = s2sad.grad(mlp_loss)(layers, x), numerical_grad(mlp_loss, (layers, x))
    for gl, nl in zip(g, n):
        np.testing.assert_allclose(gl.W, nl.W, atol=1e-6)
        np.testing.assert_allclose(gl.b, nl.b, atol=1e-6)
    tangent = [Dense(np.ones((3, 3)), np.zeros(3)), Dense(np.zeros((3, 3)), np.ones(3))]
    _, t = s2sad.jvp(mlp_loss, (layers, x), (tangent, np.zeros(3)))
    expected = sum(np.sum(nl.W * tl.W) + np.sum(nl.b * tl.b) for nl, tl in zip(n, tangent))
    np.testing.assert_allclose(t, expected, atol=1e-6)


def _sin_scaled(x, a):
    return np.sum(np.sin(a * x))


SIN3 = partial(_sin_scaled, a=3.0)


def test_grad_of_grad_of_a_partial():
    x = np.array([0.4, 1.2])
    second = s2sad.grad(lambda u: s2sad.grad(SIN3)(u)[0])(x)
    np.testing.assert_allclose(second, [-9.0 * np.sin(1.2), 0.0], atol=1e-10)
