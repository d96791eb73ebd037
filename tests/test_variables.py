"""BrainPy's ``grad_vars`` with ``s2sad.Variable`` state (api.md's table, rows with
grad_vars given), checked against central finite differences that perturb the
Variables' values, at points away from the origin; inputs and Variables are compared
before and after every call.
"""
import dataclasses
import functools
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from progen.loading import load as load_program

import s2sad
from s2sad.errors import HiddenStateError, UnsupportedSyntaxError

W = s2sad.Variable(np.array([[0.7, -1.2, 0.4], [2.1, 0.3, -0.8]]))
B = s2sad.Variable(np.array([0.5, -1.5, 2.5]))
X = np.array([1.3, -0.6])
Y = np.array([0.2, -0.4, 0.9])


def net(x):
    return np.tanh(x @ W.value + B.value)


def loss(x, y):
    return np.sum((net(x) - y) ** 2) + 0.1 * np.sum(W.value ** 2)


def loss_aux(x, y):
    return loss(x, y), {"n": 1}


def vec(x, y):
    return net(x) * y + B.value[0]


def vec_aux(x, y):
    return vec(x, y), "aux"


def _snapshot():
    return [a.copy() for a in (W.value, B.value, X, Y)]


def _unchanged(before):
    for a, b in zip(before, _snapshot()):
        np.testing.assert_array_equal(a, b)


def fd(f, target, eps=1e-6):
    """d f() / d target (a Variable or an array perturbed in place): out + in shape."""
    arr = target._value if isinstance(target, s2sad.Variable) else target
    cols = []
    for i in np.ndindex(arr.shape):
        old = arr[i]
        arr[i] = old + eps
        plus = np.asarray(f())
        arr[i] = old - eps
        minus = np.asarray(f())
        arr[i] = old
        cols.append((plus - minus) / (2 * eps))
    out = np.stack(cols, axis=-1)
    return out.reshape(out.shape[:-1] + arr.shape)


STRUCTURES = {
    "one": (W, lambda g: [g]),
    "list": ([W, B], list),
    "tuple": ((W, B), list),
    "dict": ({"W": W, "B": B}, lambda g: [g["B"], g["W"]]),  # sorted keys, as JAX
}
ORDER = {"one": [W], "list": [W, B], "tuple": [W, B], "dict": [B, W]}


def _split(res, has_aux, return_value):
    if has_aux and return_value:
        return res
    if return_value:
        return res[0], res[1], None
    if has_aux:
        return res[0], None, res[1]
    return res, None, None


def _check_structure(var_grads, structure):
    grad_vars = STRUCTURES[structure][0]
    if structure == "one":
        assert isinstance(var_grads, np.ndarray)
    else:
        assert type(var_grads) is type(grad_vars)
        if structure == "dict":
            assert set(var_grads) == set(grad_vars)
        else:
            assert len(var_grads) == len(grad_vars)


@pytest.mark.parametrize("structure", list(STRUCTURES))
@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_grad_table(structure, argnums, has_aux, return_value):
    grad_vars, as_list = STRUCTURES[structure]
    f = loss_aux if has_aux else loss
    kw = {} if argnums is None else {"argnums": argnums}
    before = _snapshot()
    res = s2sad.grad(f, grad_vars=grad_vars, has_aux=has_aux, return_value=return_value,
                     **kw)(X, Y)
    grads, value, aux = _split(res, has_aux, return_value)
    if argnums is None:
        var_grads = grads
    else:
        assert isinstance(grads, tuple) and len(grads) == 2
        var_grads, g = grads
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        got = g if isinstance(argnums, tuple) else (g,)
        assert isinstance(g, tuple) == isinstance(argnums, tuple)
        for i, gi in zip(nums, got):
            np.testing.assert_allclose(gi, fd(lambda: loss(X, Y), [X, Y][i]), rtol=1e-6,
                                       atol=1e-8)
    _check_structure(var_grads, structure)
    for gv, v in zip(as_list(var_grads), ORDER[structure]):
        np.testing.assert_allclose(gv, fd(lambda: loss(X, Y), v), rtol=1e-6, atol=1e-8)
    if return_value:
        np.testing.assert_allclose(value, loss(X, Y))
    if has_aux:
        assert aux == {"n": 1}
    _unchanged(before)


@pytest.mark.parametrize("argnums", [None, 1])
@pytest.mark.parametrize("has_aux", [False, True])
def test_value_and_grad(argnums, has_aux):
    f = loss_aux if has_aux else loss
    kw = {} if argnums is None else {"argnums": argnums}
    out, grads = s2sad.value_and_grad(f, grad_vars={"W": W}, has_aux=has_aux, **kw)(X, Y)
    value = out[0] if has_aux else out
    np.testing.assert_allclose(value, loss(X, Y))
    var_grads = grads if argnums is None else grads[0]
    np.testing.assert_allclose(var_grads["W"], fd(lambda: loss(X, Y), W), rtol=1e-6)
    if argnums is not None:
        np.testing.assert_allclose(grads[1], fd(lambda: loss(X, Y), Y), rtol=1e-6)
    if has_aux:
        assert out[1] == {"n": 1}


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("argnums", [None, 0, (0, 1)])
@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_jacobian_table(transform, argnums, has_aux, return_value):
    f = vec_aux if has_aux else vec
    kw = {} if argnums is None else {"argnums": argnums}
    before = _snapshot()
    res = getattr(s2sad, transform)(f, grad_vars=[W, B], has_aux=has_aux,
                                    return_value=return_value, **kw)(X, Y)
    jac, value, aux = _split(res, has_aux, return_value)
    var_jac = jac if argnums is None else jac[0]
    assert isinstance(var_jac, list) and len(var_jac) == 2
    for j, v in zip(var_jac, [W, B]):
        np.testing.assert_allclose(j, fd(lambda: vec(X, Y), v), rtol=1e-6, atol=1e-8)
    if argnums is not None:
        nums = argnums if isinstance(argnums, tuple) else (argnums,)
        got = jac[1] if isinstance(argnums, tuple) else (jac[1],)
        for i, j in zip(nums, got):
            np.testing.assert_allclose(j, fd(lambda: vec(X, Y), [X, Y][i]), rtol=1e-6,
                                       atol=1e-8)
    if return_value:  # "loss" is the raw function output
        np.testing.assert_allclose(value, vec(X, Y))
    if has_aux:
        assert aux == "aux"
    _unchanged(before)


def dict_out(x):
    return {"a": net(x), "s": np.sum(W.value) * x[0]}


@pytest.mark.parametrize("transform", ["jacrev", "jacfwd"])
def test_jacobian_of_a_pytree_output(transform):
    var_jac, g = getattr(s2sad, transform)(dict_out, grad_vars={"B": B}, argnums=0)(X)
    for key in ("a", "s"):
        np.testing.assert_allclose(var_jac[key]["B"], fd(lambda: dict_out(X)[key], B),
                                   atol=1e-8)
        np.testing.assert_allclose(g[key], fd(lambda: dict_out(X)[key], X), atol=1e-8)


def _fd_hess(f, a, b):
    return fd(lambda: fd(f, b, eps=1e-5), a, eps=1e-5)


@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
def test_hessian_table(has_aux, return_value):
    f = loss_aux if has_aux else loss
    before = _snapshot()
    res = s2sad.hessian(f, grad_vars=B, has_aux=has_aux, return_value=return_value)(X, Y)
    hess, value, aux = _split(res, has_aux, return_value)
    np.testing.assert_allclose(hess, _fd_hess(lambda: loss(X, Y), B, B).T, rtol=1e-4,
                               atol=1e-6)
    if return_value:
        np.testing.assert_allclose(value, loss(X, Y))
    if has_aux:
        assert aux == {"n": 1}
    _unchanged(before)


def test_hessian_with_argnums_is_the_block_matrix():
    (h_vv, h_vx), (h_xv, h_xx) = s2sad.hessian(loss, grad_vars=B, argnums=0)(X, Y)
    f = lambda: loss(X, Y)  # noqa: E731
    np.testing.assert_allclose(h_vv, _fd_hess(f, B, B).T, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h_vx, _fd_hess(f, B, X).T, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h_xv, _fd_hess(f, X, B).T, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(h_xx, _fd_hess(f, X, X).T, rtol=1e-4, atol=1e-6)
    (hw,), = s2sad.hessian(loss, grad_vars=[W])(X, Y)
    assert hw.shape == W.value.shape * 2


class Model:
    """State on self, read by methods that call each other, in a loop."""

    def __init__(self):
        self.W = s2sad.Variable(np.array([[0.5, -0.2], [0.3, 0.8]]))
        self.b = s2sad.Variable(np.array([0.1, -0.4]))
        self.frozen = s2sad.Variable(np.array([2.0, 3.0]))  # read, not differentiated

    def forward(self, x):
        return np.tanh(self.W.value @ x + self.b.value) * self.frozen.value

    def loss(self, x):
        h = x
        for _ in range(3):
            h = self.forward(h)
        return np.sum(h ** 2)

    def __call__(self, x):
        return self.loss(x)


@pytest.mark.parametrize("bound", ["method", "callable object"])
def test_state_on_self_through_methods_and_loops(bound):
    model = Model()
    x = np.array([0.9, -1.7])
    f = model.loss if bound == "method" else model
    gw, gb = s2sad.grad(f, grad_vars=[model.W, model.b])(x)
    np.testing.assert_allclose(gw, fd(lambda: model.loss(x), model.W), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gb, fd(lambda: model.loss(x), model.b), rtol=1e-6, atol=1e-9)
    hb = s2sad.hessian(f, grad_vars=model.b)(x)
    np.testing.assert_allclose(hb, _fd_hess(lambda: model.loss(x), model.b, model.b).T,
                               rtol=1e-4, atol=1e-6)


def make_closure():
    V = s2sad.Variable(np.array([1.1, -2.0, 0.7]))

    def helper(s):
        acc = 0.0
        for i in range(3):
            acc = acc + V.value[i] ** 2 * s
        return acc

    def f(s):
        return np.sum(np.sin(V.value) * s) + helper(s)

    return f, V


def test_closure_variable_read_in_a_helper_loop():
    f, V = make_closure()
    g = s2sad.grad(f, grad_vars=V)
    np.testing.assert_allclose(g(2.5), 2.5 * np.cos(V.value) + 5.0 * V.value, rtol=1e-12)
    vg, ds = s2sad.grad(f, grad_vars=V, argnums=0)(2.5)
    np.testing.assert_allclose(ds, np.sum(np.sin(V.value)) + np.sum(V.value ** 2))


def depth(n, x):
    if n == 0:
        return np.sum(B.value * x)
    return np.sin(depth(n - 1, x)) + B.value[1]


def test_recursive_helper():
    g = s2sad.grad(lambda x: depth(3, x), grad_vars=B)(X[0])
    np.testing.assert_allclose(g, fd(lambda: depth(3, X[0]), B), rtol=1e-6, atol=1e-9)


def test_new_values_are_read_on_every_call():
    g = s2sad.grad(loss, grad_vars=B)
    first = g(X, Y)
    old = B.value.copy()
    try:
        B.value = B.value * -0.5
        np.testing.assert_allclose(g(X, Y), fd(lambda: loss(X, Y), B), rtol=1e-6)
        assert not np.allclose(g(X, Y), first)
    finally:
        B.value = old


SCALE = 2.0


def scaled(x):
    return SCALE * np.sum(B.value * x)


def test_a_rebound_global_recompiles():
    global SCALE
    g = s2sad.grad(scaled, grad_vars=B)
    np.testing.assert_allclose(g(X[0]), 2.0 * X[0] * np.ones(3))
    try:
        SCALE = -3.0
        np.testing.assert_allclose(g(X[0]), -3.0 * X[0] * np.ones(3))
    finally:
        SCALE = 2.0


def fixed(x, scale):
    return np.sum(np.exp(B.value) * x) * scale


def test_partial_of_a_function_reading_state():
    g = s2sad.grad(functools.partial(fixed, scale=3.0), grad_vars=B)(X[1])
    np.testing.assert_allclose(g, 3.0 * X[1] * np.exp(B.value))

    def calls_partial(x):
        return PARTIAL(x) ** 2

    g = s2sad.grad(calls_partial, grad_vars=B)(X[1])
    np.testing.assert_allclose(g, fd(lambda: calls_partial(X[1]), B), rtol=1e-6)


PARTIAL = functools.partial(fixed, scale=-2.0)
LIST = [B]


def read_through_a_loop_variable(x):
    total = 0.0
    for v in LIST:
        total = total + np.sum(v.value * x)
    return total


def test_a_read_the_rewrite_cannot_see_is_an_error_not_a_zero():
    with pytest.raises(HiddenStateError, match="did not see statically"):
        s2sad.grad(read_through_a_loop_variable, grad_vars=B)(1.0)
    # the Variable works again once the call is over
    assert read_through_a_loop_variable(1.0) == pytest.approx(np.sum(B.value))


def writes_state(x):
    B.value = B.value * x
    return np.sum(B.value)


def test_writing_state_is_refused_located():
    with pytest.raises(UnsupportedSyntaxError, match="writing a Variable") as info:
        s2sad.grad(writes_state, grad_vars=B)(1.0)
    assert info.value.lineno == writes_state.__code__.co_firstlineno + 1


def test_bad_grad_vars():
    with pytest.raises(TypeError, match="s2sad.Variable"):
        s2sad.grad(loss, grad_vars=[np.ones(3)])
    with pytest.raises(ValueError, match="more than once"):
        s2sad.grad(loss, grad_vars=[B, B])
    with pytest.raises(ValueError, match="holds no"):
        s2sad.grad(loss, grad_vars=[])
    with pytest.raises(TypeError, match="grad_vars"):  # differentiated again
        s2sad.jacrev(s2sad.grad(loss, grad_vars=B))(X, Y)


def test_explicit_argnums_zero_is_not_the_default():
    assert isinstance(s2sad.grad(loss, grad_vars=B)(X, Y), np.ndarray)
    vg, g = s2sad.grad(loss, grad_vars=B, argnums=0)(X, Y)
    np.testing.assert_allclose(g, fd(lambda: loss(X, Y), X), rtol=1e-6)


@dataclasses.dataclass
class Layer:
    W: s2sad.Variable


LAYER = Layer(s2sad.Variable(np.array([0.3, -0.9])))
TABLE = {"w": s2sad.Variable(np.array([1.5, 0.5]))}


def reads_attributes_and_items(x):
    return np.sum(LAYER.W.value * x) * np.sum(TABLE["w"].value ** 2)


def test_attribute_and_constant_subscript_chains():
    gl, gt = s2sad.grad(reads_attributes_and_items, grad_vars=[LAYER.W, TABLE["w"]])(X)
    f = lambda: reads_attributes_and_items(X)  # noqa: E731
    np.testing.assert_allclose(gl, fd(f, LAYER.W), rtol=1e-6)
    np.testing.assert_allclose(gt, fd(f, TABLE["w"]), rtol=1e-6)


# --- generated programs: grad_vars must equal the same program with explicit arguments

_OPS = ["np.sin({})", "np.tanh({})", "({}) * 0.7", "({}) ** 2", "np.exp(0.3 * {})",
        "({}) + np.cos({})", "({}) * ({})"]


@st.composite
def programs(draw):
    leaves = ["V.value", "x", "U.value[1]"]
    exprs = list(leaves)
    for _ in range(draw(st.integers(2, 6))):
        op = draw(st.sampled_from(_OPS))
        args = [draw(st.sampled_from(exprs)) for _ in range(op.count("{}"))]
        exprs.append(op.format(*args))
    body = exprs[-1]
    helper = draw(st.booleans())
    return body, helper


def _module(text):
    _, name = load_program(types.SimpleNamespace(source=text, label="grad_vars"))
    return sys.modules[name]


@settings(max_examples=40, deadline=None)
@given(programs(), st.floats(-2.0, 2.0), st.floats(0.5, 3.0))
def test_generated_programs_match_explicit_arguments(program, x, scale):
    body, helper = program
    explicit = body.replace("V.value", "v").replace("U.value", "u")
    if helper:
        text = ("import numpy as np\nimport s2sad\n"
                "V = s2sad.Variable(None)\nU = s2sad.Variable(None)\n"
                "def inner(x):\n    return np.sum(%s)\n"
                "def f(x):\n    return inner(x) * 1.5\n"
                "def g(v, u, x):\n    return np.sum(%s) * 1.5\n" % (body, explicit))
    else:
        text = ("import numpy as np\nimport s2sad\n"
                "V = s2sad.Variable(None)\nU = s2sad.Variable(None)\n"
                "def f(x):\n    return np.sum(%s)\n"
                "def g(v, u, x):\n    return np.sum(%s)\n" % (body, explicit))
    m = _module(text)
    m.V.value = np.array([0.4, -1.1, 2.0]) * scale
    m.U.value = np.array([-0.3, 1.7]) * scale
    v, u = m.V.value.copy(), m.U.value.copy()
    gv, gu = s2sad.grad(m.f, grad_vars=[m.V, m.U])(x)
    want = s2sad.grad(m.g, argnums=(0, 1))(v, u, x)
    np.testing.assert_allclose(gv, want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gu, want[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gv, fd(lambda: m.f(x), m.V), rtol=1e-5, atol=1e-6)
    hv = s2sad.hessian(m.f, grad_vars=m.V)(x)
    np.testing.assert_allclose(hv, s2sad.hessian(m.g)(v, u, x), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(m.V.value, v)


@pytest.mark.parametrize("transform", ["vector_grad", "elementwise_grad"])
def test_vector_grad(transform):
    (vg, g), value = getattr(s2sad, transform)(vec, grad_vars=B, argnums=1,
                                               return_value=True)(X, Y)
    np.testing.assert_allclose(vg, fd(lambda: np.sum(vec(X, Y)), B), rtol=1e-6)
    np.testing.assert_allclose(g, fd(lambda: np.sum(vec(X, Y)), Y), rtol=1e-6)
    np.testing.assert_allclose(value, vec(X, Y))


def _once(x):
    return B.value * x


def _twice(x):
    return 2.0 * B.value ** 2 * x


HELPER = _once


def calls_a_global_helper(x):
    return np.sum(HELPER(x))


def test_a_rebound_helper_is_followed():
    global HELPER
    g = s2sad.grad(calls_a_global_helper, grad_vars=B)
    np.testing.assert_allclose(g(1.5), 1.5 * np.ones(3))
    try:
        HELPER = _twice
        np.testing.assert_allclose(g(1.5), 6.0 * B.value)
    finally:
        HELPER = _once
    np.testing.assert_allclose(g(1.5), 1.5 * np.ones(3))


COUNTS = s2sad.Variable(np.array([1, 2, 3]))


def reads_counts(x):
    return np.sum(COUNTS.value * x)


def test_a_variable_holding_integers_is_named():
    with pytest.raises(TypeError, match="COUNTS.value in grad_vars holds int64"):
        s2sad.grad(reads_counts, grad_vars=COUNTS)(1.0)
    with pytest.raises(TypeError, match="COUNTS.value in grad_vars holds int64"):
        s2sad.jacrev(reads_counts, grad_vars=COUNTS)(1.0)
