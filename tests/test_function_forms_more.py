"""More ways to hand over a function (issue 13, part 2): differentiated values passed
to a helper's ``*args``, ``**kwargs`` and keyword-only parameters, ``zip(*pairs)``,
methods called on loop variables over a list of objects, and methods of unhashable
objects.  Every case: reverse vs forward vs central differences, second order, inputs
unchanged, a vjp function called twice."""
import dataclasses
from functools import partial

import numpy as np
import pytest

import s2sad
from s2sad.errors import UnsupportedSyntaxError
from s2sad.testing import numerical_grad

X0 = np.array([0.3, -0.7, 1.1])


def check(f, x=X0, atol=1e-5):
    """Reverse, forward, finite differences, second order, vjp twice, x unchanged."""
    x = np.array(x, dtype=float)
    kept = x.copy()
    want = numerical_grad(f, (x,))
    np.testing.assert_allclose(f(x), f(kept))
    g = s2sad.grad(f)(x)
    np.testing.assert_allclose(g, want, atol=atol)
    v = np.linspace(-1.0, 1.5, x.size).reshape(x.shape)
    value, t = s2sad.jvp(f, (x,), (v,))
    np.testing.assert_allclose(value, f(kept), rtol=1e-12)
    np.testing.assert_allclose(t, np.sum(want * v), atol=atol)
    np.testing.assert_allclose(s2sad.jacfwd(f)(x), want, atol=atol)
    out, vjp_fn = s2sad.vjp(f, x)
    first, second = vjp_fn(1.0)[0], vjp_fn(2.0)[0]
    np.testing.assert_allclose(first, want, atol=atol)
    np.testing.assert_allclose(second, 2 * want, atol=2 * atol)
    grad, eps = s2sad.grad(f), 1e-5
    h = s2sad.hessian(f)(x)
    columns = [(grad(x + eps * e) - grad(x - eps * e)) / (2 * eps) for e in np.eye(x.size)]
    np.testing.assert_allclose(h, np.array(columns).T, atol=1e-4)
    np.testing.assert_array_equal(x, kept)


# --- 1. differentiated values into *args, **kwargs and keyword-only parameters --------

def spread(*xs, s=1.0, **kw):
    out = s * np.sum(xs[0] * np.sin(xs[1]))
    for k, v in kw.items():
        out = out + np.sum(v ** 2) * (2.0 if k == "a" else 3.0)
    return out + len(xs)


def calls_spread(x):
    return spread(x, 2 * x, s=x[0], a=np.sin(x))


def calls_spread_three(x):
    return spread(x, x ** 2, np.cos(x)) + spread(x, x, b=x * x, a=x)


def only_keyword(x, *, scale, shift=0.5):
    return np.sum(np.tanh(scale * x + shift))


def calls_only_keyword(x):
    return only_keyword(x, scale=x[1]) + only_keyword(2 * x, shift=x[2], scale=1.5)


def summed(*xs):
    total = 0.0
    for x in xs:
        total = total + np.sum(x * x)
    return total


def calls_summed(x):
    return summed(x, np.exp(x), x[0]) * summed(x)


def named(**kw):
    return np.sum(kw["u"] * kw["v"]) + kw.get("w", 1.0)


def calls_named(x):
    return named(v=np.sin(x), u=x) + named(u=x, v=x, w=x[0] ** 3)


class Scaler:
    def __init__(self):
        self.k = 1.5

    def combine(self, *parts, weight=1.0):
        return weight * self.k * np.sum(parts[0] * parts[-1])

    def loss(self, x):
        return self.combine(x, np.cos(x), weight=x[2])


SCALER = Scaler()


def calls_method(x):
    return SCALER.combine(x, x ** 2, weight=x[0]) + SCALER.loss(x)


@pytest.mark.parametrize("f", [calls_spread, calls_spread_three, calls_only_keyword,
                               calls_summed, calls_named, calls_method, SCALER.loss])
def test_differentiated_values_into_star_args_kwargs_keyword_only(f):
    check(f)


def test_star_args_helper_called_from_a_loop_and_twice_with_other_shapes():
    def f(x):
        acc = 0.0
        for i in range(2):
            acc = acc + spread(x * i, x, a=x) + spread(x, x * x, x)
        return acc
    check(f)


def outer_spread(*xs, s=1.0):
    return inner_spread(*xs) if False else inner_spread(xs[0], xs[1], t=s)


def inner_spread(a, b, t=2.0):
    return np.sum(a * b) * t


def calls_outer(x):
    return outer_spread(np.sin(x), x, s=x[1])


def test_nested_helpers_with_star_args():
    check(calls_outer)


def keyed(x, **kw):
    kw["extra"] = 1.0
    return np.sum(x * kw["a"]) + ("extra" in kw) + len(kw)


def calls_keyed(x):
    return keyed(x, a=np.sin(x))


def forwards(*xs, **kw):
    return inner_spread(*xs, **kw) + spread(*xs, **kw)


def calls_forwards(x):
    return forwards(x, np.exp(x), t=x[0]) if False else forwards(x, x * x, t=x[0]) + forwards(
        np.cos(x), x)


@pytest.mark.parametrize("f", [calls_keyed, calls_forwards])
def test_packed_parameters_passed_on_or_written(f):
    check(f)


def test_linearize_through_star_args():
    for f in (calls_spread, calls_only_keyword, calls_method):
        y, f_jvp = s2sad.linearize(f, X0)
        v = np.array([0.5, -1.0, 2.0])
        np.testing.assert_allclose(y, f(X0))
        np.testing.assert_allclose(f_jvp(v), numerical_grad(f, (X0,)) @ v, atol=1e-5)
        np.testing.assert_allclose(f_jvp(2 * v), 2 * numerical_grad(f, (X0,)) @ v, atol=1e-5)


def test_unpacking_a_runtime_list_into_a_helper_is_a_located_refusal():
    def f(x):
        parts = [x, 2 * x]
        if x[0] > 0:
            parts.append(x)
        return summed(*parts)
    with pytest.raises(UnsupportedSyntaxError, match="unpacking arguments") as err:
        s2sad.grad(f)(X0)
    assert "test_function_forms_more.py" in str(err.value)


# --- 2. zip(*pairs) -------------------------------------------------------------------

def zip_display(x):
    pairs = [(x, 2 * x), (np.sin(x), x ** 2)]
    xs, ys = zip(*pairs)
    out = np.sum(xs[0] * ys[1]) + np.sum(xs[1] * ys[0])
    for a, b in zip(*pairs):
        out = out + np.sum(a * np.cos(b))
    return out


def zip_built_in_a_loop(x):
    pairs = []
    for i in range(3):
        pairs.append((x[i] * x, np.sin(x) * (i + 1.0), x ** 2))
    xs, ys, zs = zip(*pairs)
    out = np.sum(xs[0] * ys[1]) + np.sum(xs[2] * zs[2]) + len(xs)
    for a, b, c in zip(*pairs):
        out = out + np.sum(a * b * c)
    return out + sum(np.sum(a * b) for a, b, _ in zip(*pairs))


def zip_of_a_tuple_and_list(x):
    columns = tuple(zip(*((x, x * x, np.exp(x)), (np.tanh(x), x, x))))
    rows = list(zip(*[[x[0], x[1]], [x[2], 2.0]]))
    return np.sum(columns[2][0] * columns[1][1]) + rows[1][0] * rows[0][1]


def zip_unpacked_directly(x):
    a, b = zip(x[:2] * x[1:], np.sin(x))
    return a[0] * b[1] + a[1] * b[0]


def scaled_sin(a, x):
    return a * np.sin(x)


def maps_a_partial(x):
    parts = list(map(partial(scaled_sin, x[0]), [x, x * x]))
    return sum(np.sum(v) for v in map(partial(scaled_sin, 2.0), [x, x ** 3])) + np.sum(
        parts[1] * parts[0])


def zip_of_array_rows(x):
    a = np.stack([x, x ** 2])  # zip(*a): the columns of a, as tuples of numbers
    cols = list(zip(*a))
    out = 0.0
    for u, v in zip(*a):
        out = out + u * v
    return out + cols[1][0] * cols[2][1]


@pytest.mark.parametrize("f", [zip_display, zip_built_in_a_loop, zip_of_a_tuple_and_list,
                               zip_unpacked_directly, maps_a_partial, zip_of_array_rows])
def test_zip_star_pairs_and_map(f):
    check(f)


def test_zip_star_of_uneven_rows_truncates_as_python_does():
    def f(x):
        rows = []
        for i in range(2):
            rows.append((x * i, x ** 2, np.sin(x)))
        rows.append((x, np.cos(x)))
        firsts, seconds = zip(*rows)
        return np.sum(firsts[2] * seconds[0]) + np.sum(seconds[2]) * len(firsts)
    check(f)


def test_a_zip_object_kept_in_a_variable_is_a_located_refusal():
    def f(x):
        pairs = [(x, 2 * x), (x, x)]
        z = zip(*pairs)
        a, b = next(z)
        return np.sum(a * b)
    with pytest.raises(s2sad.errors.S2SADError) as err:
        s2sad.grad(f)(X0)
    assert "test_function_forms_more.py" in str(err.value)


# --- 3. methods called on loop variables over a list of objects -----------------------

class Layer:
    def __init__(self, k):
        self.W = np.arange(9.0).reshape(3, 3) * 0.1 * k - 0.2
        self.b = np.array([0.1, -0.2, 0.3]) * k

    def forward(self, x):
        return np.tanh(self.W @ x + self.b) + self.skip(x)

    def skip(self, x):
        return 0.1 * x


class Net:
    def __init__(self, scales):
        self.layers = [Layer(k) for k in scales]
        self.heads = (Layer(0.3),)

    def loss(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        for i, head in enumerate(self.heads):
            x = head.forward(x) * (i + 1.0) + head.b
        return np.sum(x ** 2)

    def __call__(self, x):
        return self.loss(x) + np.sum(x)


NET = Net([1.0, -0.5, 0.7])
LAYERS = [Layer(0.4), Layer(-1.2)]


def through_a_global_list(x):
    for layer in LAYERS:
        x = layer.forward(x) * layer.b[0]
    return np.sum(np.sin(x)) + NET(x)


@pytest.mark.parametrize("f", [NET.loss, NET, through_a_global_list],
                         ids=["method", "callable", "global_list"])
def test_methods_of_loop_variables_over_a_list_of_objects(f):
    check(f)


def test_a_changed_list_of_objects_is_compiled_again_or_refused():
    net = Net([1.0, 2.0])
    x = X0.copy()
    np.testing.assert_allclose(s2sad.grad(net.loss)(x), numerical_grad(net.loss, (x,)),
                               atol=1e-6)
    net.layers.append(Layer(-0.3))  # the method's own key sees it: compiled again
    np.testing.assert_allclose(s2sad.grad(net.loss)(x), numerical_grad(net.loss, (x,)),
                               atol=1e-6)
    net.layers[0] = Layer(0.5)
    np.testing.assert_allclose(s2sad.grad(net.loss)(x), numerical_grad(net.loss, (x,)),
                               atol=1e-6)
    s2sad.grad(through_a_global_list)(x)
    saved = list(LAYERS)
    try:
        LAYERS[1] = Layer(3.0)  # compiled into the caller: the check compiles again
        np.testing.assert_allclose(s2sad.grad(through_a_global_list)(x),
                                   numerical_grad(through_a_global_list, (x,)), atol=1e-6)
    finally:
        LAYERS[:] = saved
    np.testing.assert_allclose(s2sad.grad(through_a_global_list)(x),
                               numerical_grad(through_a_global_list, (x,)), atol=1e-6)


def test_a_method_of_an_object_reached_through_a_parameter_is_still_refused():
    def f(layers, x):
        for layer in layers:
            x = layer.forward(x)
        return np.sum(x)
    with pytest.raises(s2sad.errors.MissingRuleError, match="module-level function"):
        s2sad.grad(f, argnums=1)(LAYERS, X0)


# --- 4. methods of unhashable objects (a dataclass with eq=True) ------------------------

@dataclasses.dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)

    def loss(self, x):
        return np.sum(self.forward(x) ** 2) + self.penalty(x)

    def penalty(self, x):
        return 0.1 * np.sum(x ** 4)

    def __call__(self, x):
        return self.loss(x) * 2.0


AFFINE = Affine(np.arange(9.0).reshape(3, 3) * 0.1, np.array([0.1, -0.2, 0.3]))
TWIN = Affine(AFFINE.W.copy(), AFFINE.b.copy())  # equal to AFFINE, another object


def uses_two_equal_objects(x):
    return AFFINE.loss(x) + TWIN(2.0 * x)


@pytest.mark.parametrize("f", [AFFINE.loss, AFFINE, uses_two_equal_objects],
                         ids=["method", "callable", "from_a_function"])
def test_methods_of_unhashable_objects(f):
    check(f)


def test_equal_unhashable_objects_are_not_confused():
    a = Affine(AFFINE.W.copy(), AFFINE.b.copy())
    b = Affine(AFFINE.W.copy(), AFFINE.b.copy())
    np.testing.assert_allclose(s2sad.grad(a.loss)(X0), s2sad.grad(b.loss)(X0))
    b.W = b.W * -2.0  # read when the derivative runs
    np.testing.assert_allclose(s2sad.grad(b.loss)(X0), numerical_grad(b.loss, (X0,)), atol=1e-6)
    np.testing.assert_allclose(s2sad.grad(a.loss)(X0), numerical_grad(a.loss, (X0,)), atol=1e-6)


class Named:
    """Hashable, equal by name: two such objects still have their own arrays."""

    def __init__(self, name, k):
        self.name, self.W = name, np.eye(3) * k

    def __eq__(self, other):
        return isinstance(other, Named) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def loss(self, x):
        return np.sum(np.sin(self.W @ x))


def test_equal_hashable_objects_are_not_confused():
    a, b = Named("m", 1.0), Named("m", -3.0)
    assert a == b and hash(a) == hash(b)
    for m in (a, b, a):
        np.testing.assert_allclose(s2sad.grad(m.loss)(X0), numerical_grad(m.loss, (X0,)),
                                   atol=1e-6)


class Plain:
    def loss(self, x):
        return np.sum(np.sin(x) ** 2)

    def __call__(self, x):
        return np.sum(x ** 3)


@pytest.mark.parametrize("x", [np.array([0.3, 0.5]), np.array([0.3, -0.7, 1.1])])
def test_bound_method_whose_value_is_provably_real(x):
    """The compiled gradient leaves such a value out: a bound method's must be read so
    too (it was unpacked as (value, gradient): a wrong gradient for two inputs)."""
    np.testing.assert_allclose(s2sad.grad(Plain().loss)(x), np.sin(2 * x), atol=1e-12)
    np.testing.assert_allclose(s2sad.grad(Plain())(x), 3 * x ** 2, atol=1e-12)
    value, g = s2sad.value_and_grad(Plain().loss)(x)
    np.testing.assert_allclose(value, np.sum(np.sin(x) ** 2))
    np.testing.assert_allclose(g, np.sin(2 * x), atol=1e-12)


def keyword_function(x, *, s, act=np.tanh):
    return np.sum(act(s * x))


def calls_keyword_function(x):
    return keyword_function(x, s=x[0], act=np.sin) + keyword_function(2 * x, s=x[1])


class Activations:
    def __init__(self):
        self.acts = [np.sin, np.tanh]

    def loss(self, x):
        for g in self.acts:
            x = g(x) * 2.0
        return np.sum(x)


@pytest.mark.parametrize("f", [calls_keyword_function, Activations().loss])
def test_function_arguments_with_keyword_only_and_function_lists_of_self(f):
    check(f)


def packed_everywhere(*xs, **kw):
    s = np.stack(xs)
    acc = 0.0
    for i, x in enumerate(xs):
        acc = acc + i * np.sum(x)
    for k in kw:
        acc = acc + np.sum(kw[k]) ** 2
    ws = [kw[k] * 2 for k in sorted(kw)]
    return np.sum(s ** 2) + np.sum(sum(xs)) * acc + sum(np.sum(w) for w in ws) + len(kw)


def calls_packed_everywhere(x):
    return packed_everywhere(x, np.sin(x), x * x, b=x[0] * x, a=np.cos(x)) + \
        packed_everywhere(x)


def test_packed_parameters_stacked_enumerated_and_keys_sorted():
    check(calls_packed_everywhere)


class Heads:
    def __init__(self):
        self.heads = [Layer(0.5), Layer(-0.8), Layer(1.3)]

    def loss(self, x):
        outs = [head.forward(x) for head in self.heads]
        total = sum(np.sum(h.forward(x) * i) for i, h in enumerate(self.heads))
        return np.sum(outs[0] * outs[2]) + total + np.sum(outs[1])


def test_comprehensions_over_a_list_of_objects():
    check(Heads().loss)


def mixed(a, b=2.0, *rest, k, m=0.5, **more):
    out = np.sum(a * b) * k + m
    for i, r in enumerate(rest):
        out = out + (i + 1.0) * np.sum(np.sin(r) * a)
    for name in more:
        out = out + np.sum(more[name] ** 3) * (1.0 if name < "n" else -2.0)
    return out


CALLS = [
    lambda x: mixed(x, k=x[0]),
    lambda x: mixed(x, x[1], k=2.0),
    lambda x: mixed(x, 3.0, x, x * x, k=x[2], m=x[0] ** 2),
    lambda x: mixed(b=x, a=np.cos(x), k=x[1], zz=x, aa=2 * x),
    lambda x: mixed(x, x, np.exp(x), k=1.5, q=x[0] * x),
]


@pytest.mark.parametrize("f", CALLS, ids=[str(i) for i in range(len(CALLS))])
def test_every_shape_of_call(f):
    check(f)


class Scaled:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return np.sin(self.k * x)


class Ensemble:
    def __init__(self):
        self.heads = [Scaled(0.5), Scaled(-2.0)]

    def loss(self, x):
        return sum(np.sum(head(x)) for head in self.heads)


ENSEMBLE = Ensemble()


def calls_the_ensemble(x):
    return ENSEMBLE.loss(x * x)


def test_callable_objects_in_a_list_and_a_changed_list_behind_a_global():
    check(ENSEMBLE.loss)
    check(calls_the_ensemble)
    saved = list(ENSEMBLE.heads)
    try:
        ENSEMBLE.heads.append(Scaled(3.0))
        np.testing.assert_allclose(s2sad.grad(ENSEMBLE.loss)(X0),
                                   numerical_grad(ENSEMBLE.loss, (X0,)), atol=1e-6)
        with pytest.raises(s2sad.errors.S2SADError, match="heads is not what it was"):
            s2sad.grad(calls_the_ensemble)(X0)  # compiled in: checked when it runs
        s2sad.clear_cache(disk=False)
        np.testing.assert_allclose(s2sad.grad(calls_the_ensemble)(X0),
                                   numerical_grad(calls_the_ensemble, (X0,)), atol=1e-6)
    finally:
        ENSEMBLE.heads[:] = saved



class Block:
    def __init__(self, k):
        self.W = np.eye(3) * k

    def forward(self, x):
        return np.sin(self.W @ x)


class WithBlock:
    def __init__(self):
        self.block = Block(1.0)

    def loss(self, x):
        return np.sum(self.block.forward(x))


HOLDER = WithBlock()


def calls_a_global_object(x):
    return HOLDER.loss(x) * 2.0


def test_an_object_whose_methods_were_compiled_in_is_never_silently_replaced():
    global HOLDER
    m = WithBlock()
    g = s2sad.grad(m.loss)
    np.testing.assert_allclose(g(X0), np.cos(X0), atol=1e-12)
    m.block = Block(-3.0)
    # a new transform sees the new block (the method's key records it) ...
    np.testing.assert_allclose(s2sad.grad(m.loss)(X0), -3.0 * np.cos(-3.0 * X0), atol=1e-12)
    # ... the old one, compiled for the old block, refuses to run
    with pytest.raises(s2sad.errors.S2SADError, match="self.block is not what it was"):
        g(X0)
    h = s2sad.grad(calls_a_global_object)
    np.testing.assert_allclose(h(X0), 2.0 * np.cos(X0), atol=1e-12)
    saved = HOLDER
    try:
        HOLDER = WithBlock()
        HOLDER.block = Block(0.5)
        # a rebound global object: its environment check compiles again
        np.testing.assert_allclose(h(X0), np.cos(0.5 * X0), atol=1e-12)
        np.testing.assert_allclose(s2sad.grad(calls_a_global_object)(X0),
                                   np.cos(0.5 * X0), atol=1e-12)
    finally:
        HOLDER = saved
