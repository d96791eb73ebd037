"""Shape-specialised gradients: what ``s2sad.grad`` runs for arguments of known shapes.

Every function of the table is differentiated three ways -- the specialised code the
API runs, the shape-generic code (``compiler.derivative`` without signatures) and
central finite differences -- and the three must agree.  Other tests pin down that the
printed code is free of bookkeeping, that errors the value check catches still
surface when the value is left out, that ``create_graph=False`` accumulates in place,
and the shape inference itself.
"""
import gast
import numpy as np
import pytest

import s2sad
from s2sad import compiler
from s2sad.api import compiling
from s2sad.errors import NonScalarOutputError
from s2sad.testing import numerical_grad
from s2sad.transforms import specialize

RNG = np.random.default_rng(11)


def _u(*shape):
    return RNG.uniform(-1.0, 1.0, shape)


# --- the table ------------------------------------------------------------------------

def bias_broadcast(A, b):
    return np.sum((A + b) ** 2)


def column_bias(A, c):
    return np.sum(np.tanh(A * c))


def normalise_rows(A):
    return np.sum(A / np.sum(A ** 2, axis=1, keepdims=True))


def mean_of_axis(A):
    return np.sum(np.sin(np.mean(A, axis=0)))


def max_keepdims(A):
    return np.sum(np.exp(A - np.max(A, axis=1, keepdims=True)))


def max_all(A):
    return np.max(A) * np.sum(A)


def logsumexp_rows(A):
    m = np.max(A, axis=1, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(A - m), axis=1, keepdims=True)))


def matvec(A, x):
    return np.sum(np.sin(A @ x))


def vecmat(x, A):
    return np.sum(np.sin(x @ A))


def matmat(A, B):
    return np.sum(np.tanh(A @ B))


def dot_vectors(x, y):
    return np.sin(x @ y)


def rnn_loop(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h ** 2)


def slices(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def element_loop(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            total = total + np.sin(x[i]) * x[i]
        else:
            total = total + np.exp(x[i]) - 1.0
    return total


def float_loop(k, c):
    pos, vel = 1.0, 0.0
    for _ in range(30):
        acc = -k * pos - c * vel
        vel = vel + 0.05 * acc
        pos = pos + 0.05 * vel
    return pos ** 2


def scalar_and_array(a, x):
    return a * np.sum(x ** 2) + np.mean(np.exp(a * x))


def loop_variable_after_loop(x):
    for i in range(3):
        v = x[i] * x[i + 1]
    return v * i


def slice_written_twice(x):
    y = np.sin(x[1:])
    z = np.cos(x[:-1])
    return np.sum(y * z) + np.sum(x[1:] * x[:-1])


def reshape_and_transpose(A):
    return np.sum(np.sin(A.T @ A))


CASES = [
    (bias_broadcast, (_u(4, 3), _u(3))),
    (column_bias, (_u(4, 3), _u(4, 1))),
    (normalise_rows, (_u(3, 4) + 2.0,)),
    (mean_of_axis, (_u(3, 4),)),
    (max_keepdims, (_u(3, 4),)),
    (max_all, (_u(3, 4),)),
    (logsumexp_rows, (_u(5, 4),)),
    (matvec, (_u(3, 4), _u(4))),
    (vecmat, (_u(3), _u(3, 4))),
    (matmat, (_u(3, 4), _u(4, 2))),
    (dot_vectors, (_u(4), _u(4))),
    (rnn_loop, (_u(3, 3), _u(5, 3))),
    (slices, (_u(6),)),
    (element_loop, (_u(7),)),
    (float_loop, (2.0, 0.3)),
    (scalar_and_array, (0.7, _u(5))),
    (loop_variable_after_loop, (_u(4),)),
    (slice_written_twice, (_u(5),)),
    (reshape_and_transpose, (_u(3, 2),)),
]
IDS = [f.__name__ for f, _ in CASES]


def _all(args):
    return tuple(range(len(args)))


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("create_graph", [True, False])
@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_specialised_gradient_matches_generic_code_and_finite_differences(
        f, args, create_graph):
    wrt = _all(args)
    got = s2sad.grad(f, argnums=wrt, create_graph=create_graph)(*args)
    _, generic = compiler.derivative(f, "grad", wrt).function(*args)
    generic = generic if len(wrt) > 1 else (generic,)
    numeric = numerical_grad(f, args, wrt)
    for g, h, n in zip(got, generic, numeric):
        _close(g, h)
        _close(g, n)
        assert np.shape(g) == np.shape(n)


@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_value_and_grad_of_specialised_code(f, args):
    value, grads = s2sad.value_and_grad(f, argnums=_all(args))(*args)
    assert value == pytest.approx(f(*args), rel=1e-12, abs=1e-12)
    for g, n in zip(grads, numerical_grad(f, args, _all(args))):
        _close(g, n)


def _specialised_source(f, args, **options):
    return s2sad.source(f, argnums=options.pop("argnums", 0),
                        shapes=tuple(float if type(a) is float else a.shape for a in args),
                        **options)


def test_printed_code_is_what_a_person_writes():
    text = _specialised_source(slices, (_u(10),))
    body = "\n".join(line for line in text[text.index("def "):].splitlines()
                     if not line.strip().startswith("#"))
    for helper in ("unbroadcast", "unreduce", "unslice", "add_at", "np.sum("):
        assert helper not in body  # no bookkeeping, and no value in a pure gradient
    assert "bx[1:] += " in body
    text = _specialised_source(bias_broadcast, (_u(4, 3), _u(3)), argnums=(0, 1))
    assert ".sum(axis=0)" in text and "unbroadcast" not in text


def test_value_is_computed_when_it_cannot_be_proved_real():
    def complex_valued(x):
        return np.sum(x * 1j)

    with pytest.raises(TypeError, match="real-valued outputs"):
        s2sad.grad(complex_valued)(np.ones(3))


def test_errors_of_the_value_check_still_surface():
    def vector(x):
        return np.sin(x)

    def integer(x):
        return np.sum(x > 0)

    with pytest.raises(NonScalarOutputError):
        s2sad.grad(vector)(np.ones(3))
    with pytest.raises(TypeError, match="real-valued outputs"):
        s2sad.grad(integer)(np.ones(3))


def test_gradients_never_alias_the_arguments():
    def linear(x, y):
        return np.sum(x * y)

    x, y = _u(3), _u(3)
    gx, gy = s2sad.grad(linear, argnums=(0, 1))(x, y)
    assert gx is not y and gy is not x
    gx[0] = 100.0
    assert y[0] != 100.0


def test_float32_arguments_keep_their_dtype():
    x = _u(5).astype(np.float32)
    g = s2sad.grad(slices)(x)
    assert g.dtype == np.float32
    _close(g, numerical_grad(slices, (x.astype(np.float64),)))


def diffusion(c, u0):
    u = u0
    for _ in range(20):
        u = u + 0.1 * c * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1))
    return np.sum(u ** 2)


def test_create_graph_false_accumulates_in_place():
    args = (_u(6) + 1.0, _u(6))
    text = s2sad.source(diffusion, argnums=(0, 1), shapes=((6,), (6,)))
    assert "bc_scaled = bc_scaled + " in text and "+=" not in text
    g = s2sad.grad(diffusion, argnums=(0, 1), create_graph=False)
    got = g(*args)
    generated = [d for d in compiler.cached(diffusion).values()
                 if "in-place accumulation" in d.source]
    assert generated and "bc_scaled += " in generated[0].source
    for a, b in zip(got, numerical_grad(diffusion, args, (0, 1))):
        _close(a, b)
    inner = s2sad.grad(diffusion, create_graph=False)

    def second(c, u0):
        return np.sum(inner(c, u0))

    with pytest.raises(TypeError, match="create_graph=False"):
        s2sad.grad(second)(*args)


def test_outer_products_in_a_loop_become_one_matrix_product():
    text = s2sad.source(rnn_loop, argnums=(0, 1), shapes=((3, 3), (5, 3)))
    assert "np.array(bt1_rows).T @ np.array(h_rows)" in text
    assert "np.outer" not in text


def test_shapes_option_checks_its_input():
    with pytest.raises(TypeError, match="shape tuple"):
        s2sad.source(slices, shapes=("ten",))
    with pytest.raises(ValueError, match="'grad' or 'value_and_grad'"):
        s2sad.source(slices, mode="jvp", shapes=((3,),))


# --- the inference --------------------------------------------------------------------

def _infer(text, **signatures):
    stmts = gast.parse(text).body
    params = list(signatures)
    return specialize.infer(stmts, params, [signatures[p] for p in params], {"np": np})


@pytest.mark.parametrize("text, name, shape", [
    ("y = x.T", "y", (4, 3)),
    ("y = x @ v", "y", (3,)),
    ("y = v @ x.T", "y", (3,)),
    ("y = np.sum(x, axis=0)", "y", (4,)),
    ("y = np.max(x, axis=1, keepdims=True)", "y", (3, 1)),
    ("y = np.mean(x)", "y", ()),
    ("y = x[1:]", "y", (2, 4)),
    ("y = x[:, None]", "y", (3, 1, 4)),
    ("y = x[0]", "y", (4,)),
    ("y = np.tanh(x) + v", "y", (3, 4)),
    ("n = x.shape[0]\ny = np.zeros(n)", "y", (3,)),
    ("h = np.zeros(3)\nfor t in range(5):\n    h = np.tanh(x @ v + h)", "h", (3,)),
    ("y = np.outer(v, v)", "y", (4, 4)),
    ("y = np.where(x > 0, x, 0.0)", "y", (3, 4)),
])
def test_inferred_shapes(text, name, shape):
    shapes = _infer(text, x=((3, 4), "f"), v=((4,), "f"))
    assert shapes[name][0] == shape


def test_a_variable_with_two_shapes_is_unknown():
    shapes = _infer("y = x\nif c:\n    y = v", x=((3, 4), "f"), v=((4,), "f"), c=bool)
    assert shapes["y"][0] is None


def test_kinds_follow_numpy():
    shapes = _infer("a = x > 0\nb = np.sum(a)\nc = b / 2\nd = x * 1j",
                    x=((3,), "f"))
    assert [shapes[n][1] for n in "abcd"] == ["b", "i", "f", "c"]


def test_each_signature_compiles_once():
    def fresh(x):
        return np.sum(x ** 3)

    g = s2sad.grad(fresh)
    before = compiler.stats["transforms"]
    g(np.ones(3))
    g(np.ones(3) * 2.0)
    g(np.ones((2, 2)))
    g(np.ones(3))
    assert compiler.stats["transforms"] - before == 2
    assert compiling.MAX_SPECIALISED >= 2


def test_gradients_handed_out_directly_are_new_arrays():
    x = _u(6)
    g = s2sad.grad(slices)
    first, second = g(x), g(x)
    assert first is not second and first is not x and first.dtype == np.float64
    first[0] = 1e6
    _close(second, numerical_grad(slices, (x,)))
    generated = [d for d in compiler.cached(slices).values()
                 if getattr(d, "owned_returns", False)]
    assert generated  # the compiler proved the gradient is a new float64 array


def test_mixed_integer_and_float32_arguments_still_finalise():
    def weighted(x, idx):
        return np.sum(x[idx] ** 2)

    idx = np.array([0, 2, 2])
    x32 = _u(4).astype(np.float32)
    g = s2sad.grad(weighted)(x32, idx)
    assert g.dtype == np.float32
    _close(g, numerical_grad(weighted, (x32.astype(np.float64), idx)))
