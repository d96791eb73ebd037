"""custom_vjp, custom_jvp, checkpoint and stop_gradient, checked against finite
differences and against the derivative the rules stand for, in every mode and to
second order (JAX's semantics; where s2sad differs, the test says so)."""
import functools
import tracemalloc

import numpy as np
import pytest

import s2sad
from s2sad.testing import numerical_grad

RNG = np.random.RandomState(7)
X = np.array([0.3, 1.2, -0.7])
Y = np.array([1.5, -0.4, 2.0])
FAR = np.array([40.3, -25.2, 13.7])


def close(a, b, tol=1e-6):
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for u, v in zip(a, b):
            close(u, v, tol)
        return
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# --- custom_vjp: f(x, y) = sin(x) * y with its true derivative -----------------------

@s2sad.custom_vjp
def sin_times(x, y):
    return np.sin(x) * y


def sin_times_fwd(x, y):
    return sin_times(x, y), (np.cos(x), np.sin(x), y)


def sin_times_bwd(res, g):
    cos_x, sin_x, y = res
    return (cos_x * g * y, sin_x * g)


sin_times.defvjp(sin_times_fwd, sin_times_bwd)


def loop_loss(x, y):
    s = 0.0
    for i in range(3):
        if i % 2 == 0:
            s = s + np.sum(sin_times(x, y) ** 2)
        else:
            s = s + np.sum(sin_times(x * 0.5, y))
    return s


def plain_loop_loss(x, y):
    s = 0.0
    for i in range(3):
        if i % 2 == 0:
            s = s + np.sum((np.sin(x) * y) ** 2)
        else:
            s = s + np.sum(np.sin(x * 0.5) * y)
    return s


@pytest.mark.parametrize("point", [X, FAR])
def test_custom_vjp_in_loops_and_branches(point):
    x0, y0 = point.copy(), Y.copy()
    g = s2sad.grad(loop_loss, argnums=(0, 1))(point, Y)
    close(g, numerical_grad(plain_loop_loss, (point, Y), argnums=(0, 1)), 1e-5)
    close(g, s2sad.grad(plain_loop_loss, argnums=(0, 1))(point, Y))
    np.testing.assert_array_equal(point, x0)
    np.testing.assert_array_equal(Y, y0)


def test_custom_vjp_rule_is_what_runs():
    """The user's bwd is used, not the derivative of fun's source: a clipped gradient."""
    @s2sad.custom_vjp
    def clip_gradient(x):
        return x

    def fwd(x):
        return x, None

    def bwd(res, g):
        return (np.clip(g, -1.0, 1.0),)

    clip_gradient.defvjp(fwd, bwd)

    def loss(x):
        return np.sum(3.0 * clip_gradient(x))

    close(s2sad.grad(loss)(X), np.ones(3))
    out, pullback = s2sad.vjp(lambda x: 3.0 * clip_gradient(x), X)
    close(pullback(np.ones(3))[0], np.ones(3))
    close(pullback(0.1 * np.ones(3))[0], 0.3 * np.ones(3))  # called twice
    assert "bwd(" in s2sad.source(loss, mode="vjp")  # the printed sweep calls the rule


def test_custom_vjp_given_to_the_transforms_directly():
    close(s2sad.grad(sin_times)(1.0, 2.0), np.cos(1.0) * 2.0)
    jac = s2sad.jacrev(sin_times, argnums=(0, 1))(X, Y)
    close(jac[0], np.diag(np.cos(X) * Y))
    close(jac[1], np.diag(np.sin(X)))
    value, g = s2sad.value_and_grad(lambda x: np.sum(sin_times(x, Y)))(X)
    close(value, np.sum(np.sin(X) * Y))
    close(g, np.cos(X) * Y)
    out, pullback = s2sad.vjp(sin_times, X, Y)
    ct = RNG.randn(3)
    bx, by = pullback(ct)
    close(bx, np.cos(X) * Y * ct)
    close(by, np.sin(X) * ct)
    close(pullback(2 * ct)[0], 2 * bx)


def inner_loss(x):
    return np.sum(sin_times(x, Y) ** 2)


grad_inner = s2sad.grad(inner_loss)


def outer_loss(x):
    return np.sum(grad_inner(x) * np.array([1.0, -2.0, 0.5]))


def test_custom_vjp_second_order_reverse_over_reverse():
    # the generated backward sweep calls sin_times_bwd, differentiated through its source
    close(s2sad.grad(outer_loss)(X), numerical_grad(outer_loss, (X,)), 1e-5)
    def plain(x):
        return np.sum((np.sin(x) * Y) ** 2)
    close(s2sad.jacrev(grad_inner)(X), s2sad.jacrev(s2sad.grad(plain))(X))


def test_custom_vjp_forward_mode_raises_as_jax():
    for call in (lambda: s2sad.jvp(inner_loss, (X,), (X,)),
                 lambda: s2sad.jacfwd(lambda x: sin_times(x, Y))(X),
                 lambda: s2sad.hessian(inner_loss)(X)):  # its fwd calls sin_times
        with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
            call()


@functools.partial(s2sad.custom_vjp, nondiff_argnums=(0,))
def scaled_exp(scale, x):
    return np.exp(scale * x)


def scaled_exp_fwd(scale, x):
    y = np.exp(scale * x)
    return y, y


def scaled_exp_bwd(scale, y, g):
    return (scale * y * g,)


scaled_exp.defvjp(scaled_exp_fwd, scaled_exp_bwd)


def test_custom_vjp_nondiff_argnums():
    def loss(x):
        return np.sum(scaled_exp(0.5, x))
    close(s2sad.grad(loss)(X), 0.5 * np.exp(0.5 * X))

    def bad(s, x):
        return np.sum(scaled_exp(s, x))
    with pytest.raises(TypeError, match="nondiff_argnums"):
        s2sad.grad(bad)(0.5, X)


def test_custom_vjp_none_cotangent_is_zero():
    @s2sad.custom_vjp
    def first(x, y):
        return x * 2.0 + 0.0 * y

    first.defvjp(lambda x, y: (first(x, y), None), lambda res, g: (2.0 * g, None))

    def loss(x, y):
        return np.sum(first(x, y))
    gx, gy = s2sad.grad(loss, argnums=(0, 1))(X, Y)
    close(gx, 2.0 * np.ones(3))
    close(gy, np.zeros(3))


@pytest.mark.parametrize("bwd, message", [
    (lambda res, g: [g, g], "must return a tuple"),
    (lambda res, g: (g,), "2 in all"),
    (lambda res, g: g, "returned a ndarray"),
    (lambda res, g: (g[:2], g), "shape"),
])
def test_custom_vjp_wrong_structure_names_the_rule(bwd, message):
    @s2sad.custom_vjp
    def twice(x, y):
        return 2.0 * x * y

    twice.defvjp(lambda x, y: (twice(x, y), (x, y)), bwd)

    def loss(x, y):
        return np.sum(twice(x, y))
    with pytest.raises(TypeError, match=message) as info:
        s2sad.grad(loss)(X, Y)
    assert "<lambda> (test_custom.py:" in str(info.value)
    assert "a custom_vjp backward rule" in str(info.value)


def test_custom_vjp_without_rules_says_so():
    @s2sad.custom_vjp
    def norules(x):
        return x * 2.0

    def loss(x):
        return np.sum(norules(x))
    close(loss(X), 2.0 * np.sum(X))  # calling it needs no rule
    with pytest.raises(AttributeError, match="No VJP defined.*defvjp"):
        s2sad.grad(loss)(X)


def test_custom_vjp_redefined_rules_recompile():
    @s2sad.custom_vjp
    def ident(x):
        return x

    ident.defvjp(lambda x: (x, None), lambda res, g: (g,))

    def loss(x):
        return np.sum(ident(x))
    grad = s2sad.grad(loss)
    close(grad(X), np.ones(3))
    ident.defvjp(lambda x: (x, None), lambda res, g: (5.0 * g,))
    close(grad(X), 5.0 * np.ones(3))


def make_custom(scale):
    """A custom_vjp made by a factory, closing over ``scale``."""
    @s2sad.custom_vjp
    def scaled(x):
        return scale * np.tanh(x)

    def fwd(x):
        t = np.tanh(x)
        return scale * t, t

    def bwd(t, g):
        return (scale * (1.0 - t * t) * g,)

    scaled.defvjp(fwd, bwd)
    return scaled


scaled3 = make_custom(3.0)


def test_custom_vjp_nested_definition():
    def loss(x):
        return np.sum(scaled3(x) ** 2)

    def plain(x):
        return np.sum((3.0 * np.tanh(x)) ** 2)
    close(s2sad.grad(loss)(X), s2sad.grad(plain)(X))
    close(s2sad.grad(loss)(X), numerical_grad(plain, (X,)), 1e-5)


# --- custom_jvp ---------------------------------------------------------------------

@s2sad.custom_jvp
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defjvp
def softplus_jvp(primals, tangents):
    x, = primals
    dx, = tangents
    return softplus(x), dx / (1.0 + np.exp(-x))


def softplus_loss(x, w):
    return np.sum(softplus(x * w) ** 2)


def plain_softplus_loss(x, w):
    return np.sum(np.log1p(np.exp(x * w)) ** 2)


@pytest.mark.parametrize("point", [X, 0.05 * FAR])
def test_custom_jvp_every_mode(point):
    args = (point, Y)
    want = s2sad.grad(plain_softplus_loss, argnums=(0, 1))(*args)
    close(want, numerical_grad(plain_softplus_loss, args, argnums=(0, 1)), 1e-5)
    close(s2sad.grad(softplus_loss, argnums=(0, 1))(*args), want)  # reverse: transposed
    tangent = (RNG.randn(3), RNG.randn(3))
    _, t = s2sad.jvp(softplus_loss, args, tangent)
    close(t, np.dot(want[0], tangent[0]) + np.dot(want[1], tangent[1]))
    close(s2sad.jacfwd(softplus_loss, argnums=(0, 1))(*args), want)
    close(s2sad.hessian(softplus_loss)(*args), s2sad.hessian(plain_softplus_loss)(*args))
    close(s2sad.jacrev(s2sad.grad(softplus_loss))(*args),
          s2sad.jacrev(s2sad.grad(plain_softplus_loss))(*args))
    out, f_jvp = s2sad.linearize(softplus_loss, *args)
    close(f_jvp(*tangent), t)


def test_custom_jvp_rule_is_what_runs():
    @s2sad.custom_jvp
    def f(x):
        return np.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return f(primals[0]), 10.0 * tangents[0]  # not the true derivative, on purpose

    def loss(x):
        return np.sum(f(x))
    close(s2sad.grad(loss)(X), 10.0 * np.ones(3))
    close(s2sad.jvp(loss, (X,), (np.ones(3),))[1], 30.0)


def test_custom_jvp_nondiff_argnums_and_defjvps():
    @functools.partial(s2sad.custom_jvp, nondiff_argnums=(0,))
    def power(n, x):
        return x ** n

    @power.defjvp
    def power_jvp(n, primals, tangents):
        x, = primals
        dx, = tangents
        return x ** n, n * x ** (n - 1) * dx

    def loss(x):
        return np.sum(power(3, x))
    close(s2sad.grad(loss)(X), 3 * X ** 2)
    close(s2sad.jvp(loss, (X,), (np.ones(3),))[1], np.sum(3 * X ** 2))

    @s2sad.custom_jvp
    def mul(x, y):
        return x * y

    mul.defjvps(lambda dx, out, x, y: dx * y, lambda dy, out, x, y: x * dy)

    def loss2(x, y):
        return np.sum(mul(x, y) ** 2)
    gx, gy = s2sad.grad(loss2, argnums=(0, 1))(X, Y)
    close(gx, 2 * X * Y * Y)
    close(gy, 2 * X * Y * X)
    close(s2sad.hessian(loss2)(X, Y), np.diag(2 * Y * Y))


# --- checkpoint ---------------------------------------------------------------------

def rnn_step(h, W, x):
    return np.tanh(W @ h + x)


checkpointed_step = s2sad.checkpoint(rnn_step)


def rnn(W, h, xs):
    for x in xs:
        h = checkpointed_step(h, W, x)
    return np.sum(h ** 2)


def rnn_inline(W, h, xs):
    for x in xs:
        h = s2sad.checkpoint(rnn_step)(h, W, x)
    return np.sum(h ** 2)


def plain_rnn(W, h, xs):
    for x in xs:
        h = rnn_step(h, W, x)
    return np.sum(h ** 2)


W0 = 0.4 * RNG.randn(4, 4)
H0 = RNG.randn(4)
XS = [RNG.randn(4) for _ in range(6)]


@pytest.mark.parametrize("fn", [rnn, rnn_inline])
def test_checkpoint_gradients(fn):
    want = s2sad.grad(plain_rnn, argnums=(0, 1))(W0, H0, XS)
    close(want, numerical_grad(plain_rnn, (W0, H0, XS), argnums=(0, 1)), 1e-5)
    close(s2sad.grad(fn, argnums=(0, 1))(W0, H0, XS), want)
    close(s2sad.hessian(fn, argnums=1)(W0, H0, XS), s2sad.hessian(plain_rnn, argnums=1)(
        W0, H0, XS))
    close(s2sad.jacrev(s2sad.grad(fn, argnums=1), argnums=1)(W0, H0, XS),
          s2sad.hessian(plain_rnn, argnums=1)(W0, H0, XS))
    tangent = RNG.randn(4)
    close(s2sad.jvp(lambda h: fn(W0, h, XS), (H0,), (tangent,))[1],
          np.dot(want[1], tangent))


def test_checkpoint_keeps_less_on_the_tape():
    def residual_bytes(fn):
        tracemalloc.start()
        out, pullback = s2sad.vjp(fn, W, H, xs)
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size, pullback

    W, H = 0.1 * RNG.randn(64, 64), RNG.randn(64, 256)
    xs = [RNG.randn(64, 256) for _ in range(30)]
    s2sad.vjp(rnn, W, H, xs)  # compiled before measuring
    s2sad.vjp(plain_rnn, W, H, xs)
    with_checkpoint, pull_c = residual_bytes(rnn)
    without, pull_p = residual_bytes(plain_rnn)
    # without: every step keeps W @ h + x and tanh of it; with: the step's inputs only
    assert with_checkpoint < 0.6 * without, (with_checkpoint, without)
    close(pull_c(1.0)[0], pull_p(1.0)[0])


def test_checkpoint_as_decorator_and_given_to_grad():
    @s2sad.checkpoint
    def f(x):
        return np.sum(np.sin(x) ** 2)
    close(s2sad.grad(f)(X), 2 * np.sin(X) * np.cos(X))
    assert s2sad.remat is s2sad.checkpoint


# --- stop_gradient ------------------------------------------------------------------

def stopped(x):
    return np.sum(x * s2sad.stop_gradient(x)) + np.sum(x)


def stopped_tree(x):
    tree = s2sad.stop_gradient({"a": x, "b": (2.0 * x, x ** 2)})
    return np.sum(x * tree["a"] + tree["b"][0] * tree["b"][1])


def test_stop_gradient_every_mode():
    close(s2sad.grad(stopped)(X), X + 1.0)
    close(s2sad.jvp(stopped, (X,), (np.ones(3),))[1], np.sum(X + 1.0))
    close(s2sad.hessian(stopped)(X), np.zeros((3, 3)))
    close(s2sad.jacrev(s2sad.grad(stopped))(X), np.zeros((3, 3)))
    close(s2sad.grad(stopped_tree)(X), X)
    close(s2sad.jvp(stopped_tree, (X,), (np.ones(3),))[1], np.sum(X))
    close(s2sad.hessian(stopped_tree)(X), np.zeros((3, 3)))
    assert s2sad.stop_gradient({"a": X})["a"] is X


# --- property: custom rules that state the true derivative change nothing -----------

def _custom_of(f, df, kind):
    """``f`` as a custom_vjp / custom_jvp / checkpoint whose rule is its derivative."""
    if kind == "vjp":
        made = s2sad.custom_vjp(f)
        made.defvjp(lambda x: (f(x), x), lambda x, g: (g * df(x),))
    elif kind == "jvp":
        made = s2sad.custom_jvp(f)
        made.defjvp(lambda primals, tangents: (f(primals[0]), tangents[0] * df(primals[0])))
    else:
        made = s2sad.checkpoint(f)
    return made


def _sin(x):
    return np.sin(x)


def _square(x):
    return x * x


def _tanh(x):
    return np.tanh(x)


PLAIN = [(_sin, np.cos), (_square, lambda x: 2.0 * x),
         (_tanh, lambda x: 1.0 - np.tanh(x) ** 2)]
CUSTOM = {kind: [_custom_of(f, df, kind) for f, df in PLAIN]
          for kind in ("vjp", "jvp", "checkpoint")}


def chain(x, w, ops):
    for op in ops:
        x = op(x * w) + x
    return np.sum(x ** 2)


def test_generated_chains_match_the_plain_derivative():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(
        ["vjp", "jvp", "checkpoint", "plain"])), min_size=1, max_size=4),
        st.floats(-3.0, 3.0), st.floats(0.2, 1.5))
    def check(picks, shift, scale):
        ops = tuple(PLAIN[i][0] if kind == "plain" else CUSTOM[kind][i] for i, kind in picks)
        plain = tuple(PLAIN[i][0] for i, _ in picks)
        x, w = X * scale + shift, Y * 0.3
        want = s2sad.grad(chain, argnums=(0, 1))(x, w, plain)
        close(want, numerical_grad(chain, (x, w, plain), argnums=(0, 1)), 1e-4)
        close(s2sad.grad(chain, argnums=(0, 1))(x, w, ops), want, 1e-9)
        if all(kind != "vjp" for _, kind in picks):  # forward mode: not through custom_vjp
            v = RNG.randn(3)
            close(s2sad.jvp(lambda x: chain(x, w, ops), (x,), (v,))[1], np.dot(want[0], v),
                  1e-9)
            close(s2sad.hessian(chain)(x, w, ops), s2sad.hessian(chain)(x, w, plain), 1e-8)
        # (second order of a custom_vjp: test_custom_vjp_second_order_reverse_over_reverse;
        # jacrev(grad(chain)) cannot take the functions in ops, custom or not)

    check()


def test_matches_jax_on_the_readme_program():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    jax.config.update("jax_enable_x64", True)

    @jax.custom_vjp
    def clip(x):
        return x
    clip.defvjp(lambda x: (x, None), lambda r, g: (jnp.clip(g, -1.0, 1.0),))

    @jax.custom_jvp
    def soft(x):
        return jnp.log1p(jnp.exp(x))

    @soft.defjvp
    def soft_jvp(p, t):
        return soft(p[0]), t[0] / (1.0 + jnp.exp(-p[0]))

    def jax_loss(W, h, xs):
        for x in xs:
            h = jax.checkpoint(lambda h, W, x: jnp.tanh(W @ h + x))(h, W, x)
        y = soft(3.0 * clip(h))
        return jnp.sum(y * jax.lax.stop_gradient(y))

    want = np.asarray(jax.grad(jax_loss)(W0, H0, XS))
    close(s2sad.grad(readme_loss)(W0, H0, XS), want, 1e-10)


@s2sad.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda r, g: (np.clip(g, -1.0, 1.0),))


def readme_loss(W, h, xs):
    for x in xs:
        h = s2sad.checkpoint(rnn_cell)(h, W, x)
    y = softplus(3.0 * clip_gradient(h))
    return np.sum(y * s2sad.stop_gradient(y))


def rnn_cell(h, W, x):
    return np.tanh(W @ h + x)


@s2sad.custom_vjp
def two_outputs(p, k):
    return p["a"] * k, np.sin(p["b"])


def two_outputs_fwd(p, k):
    return two_outputs(p, k), (p, k)


def two_outputs_bwd(res, g):
    p, k = res
    ga, gb = g
    return ({"a": ga * k, "b": gb * np.cos(p["b"])}, None)


two_outputs.defvjp(two_outputs_fwd, two_outputs_bwd)


def test_custom_vjp_pytrees_tuple_outputs_and_keywords():
    def loss(p, x):
        u, v = two_outputs(p, k=3.0)
        return np.sum(u * x) + np.sum(v ** 2)

    def plain(p, x):
        return np.sum(p["a"] * 3.0 * x) + np.sum(np.sin(p["b"]) ** 2)
    p = {"a": np.array([0.5, 1.0]), "b": np.array([0.2, -0.3])}
    x = np.array([1.0, 2.0])
    got, want = s2sad.grad(loss)(p, x), s2sad.grad(plain)(p, x)
    assert set(got) == {"a", "b"}
    close([got["a"], got["b"]], [want["a"], want["b"]])
    fd = numerical_grad(plain, (p, x))
    close([got["a"], got["b"]], [fd["a"], fd["b"]], 1e-5)
