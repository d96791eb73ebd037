"""Tests of forward mode and Jacobians: ``jvp``, ``linearize``, ``jacfwd``, ``jacrev``.

Values are checked against central differences and against each other (forward
against reverse); every error path of api.md is exercised.
"""
import collections
import functools

import numpy as np
import pytest

import s2sad

EPS = 1e-6


# --- functions under test (module level: s2sad reads their source) -------------------

def straight(x, y):
    return np.sin(x) * np.exp(y) + x * y


def layer(w, b, x):
    return np.tanh(np.dot(w, x) + b)


def for_loop(x):
    for i in range(3):
        x = np.sin(x) * 1.1 + 0.5 * x
    return x


def while_loop(x):
    s = np.ones_like(x)
    k = 0
    while k < 4:
        s = s * x + 1.0
        k = k + 1
    return s


def branch(x):
    if np.sum(x) > 0.0:
        y = x ** 2
    else:
        y = -x ** 3
    return y * 2.0


def helper(a, b):
    total = 0.0
    for i in range(2):
        total = total + a * b
    return total


def calls_helper(x, y):
    return helper(np.cos(x), y) + x


def dict_in(p, x):
    return np.tanh(p["w"] * x + p["b"][0]) * p["b"][1]


def tuple_out(x):
    return np.sum(x ** 2), {"a": np.sin(x), "b": x[0] * x[1]}


def broadcasting(x, y):
    return np.sum(x[:, None] * y[None, :] ** 2, axis=0)


def scalars(a, b):
    return a * b + a ** 2 / b


def indexing(x):
    return np.where(x > 0.0, x, 0.1 * x)[1:] * np.max(x)


def with_aux(x):
    y = np.sin(x)
    return y * 2.0, {"note": "any object", "y": y}


def no_pair(x):
    return x, x, x


def not_a_pair_at_run_time(x):
    result = [x]
    return result


def constant_out(x):
    return np.ones(3)


def int_out(x):
    return np.arange(3)


def complex_out(x):
    return x * (1.0 + 2.0j)


def str_out(x):
    return "text"


def square(z):
    return z ** 2


def uses_int(x, n):
    return x * n


def mixed(p):
    return p["x"] * p["n"]


Pair = collections.namedtuple("Pair", ["u", "v"])


def namedtuple_in(p):
    return p.u * np.cos(p.v)


def with_keyword(x, scale=1.0):
    return np.sin(x) * scale


def keyword_only(x, *, scale):
    return np.sin(x) * scale


# --- numerical references ------------------------------------------------------------

def leaves(tree):
    return s2sad.pytree.tree_leaves(tree)


def central(f, args, i, direction, eps=EPS):
    """Directional derivative of f (pytree output) w.r.t. argument i, by central
    differences; ``direction`` has the structure of ``args[i]``."""
    def shifted(sign):
        moved = s2sad.pytree.tree_map(lambda a, d: a + sign * eps * d, args[i], direction)
        return f(*args[:i], moved, *args[i + 1:])
    plus, minus = shifted(1.0), shifted(-1.0)
    return s2sad.pytree.tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps),
                                 plus, minus)


def numerical_jacobian(f, args, i, eps=EPS):
    """d f / d args[i] for array-in, array-out: shape out.shape + in.shape."""
    x = np.asarray(args[i], dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        cols.append(np.asarray(central(f, args[:i] + (x,) + args[i + 1:], i,
                                       e.reshape(x.shape), eps)))
    out_shape = cols[0].shape
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


def random_like(tree, rng):
    return s2sad.pytree.tree_map(lambda a: rng.standard_normal(np.shape(a)) if np.ndim(a)
                                 else float(rng.standard_normal()), tree)


RNG = np.random.default_rng(0)
X3 = np.array([0.3, -0.7, 1.2])
CASES = [
    (straight, (X3, np.array([0.1, 0.2, -0.4]))),
    (layer, (RNG.standard_normal((2, 3)), np.array([0.1, -0.2]), X3)),
    (for_loop, (X3,)),
    (while_loop, (X3,)),
    (branch, (X3,)),
    (branch, (-X3,)),
    (calls_helper, (X3, np.array([1.0, 2.0, 3.0]))),
    (dict_in, ({"w": np.array([0.5, -1.0, 2.0]), "b": (0.3, np.array([1.0, 2.0, 3.0]))}, X3)),
    (tuple_out, (X3,)),
    (broadcasting, (X3, np.array([1.0, -2.0]))),
    (scalars, (1.5, 0.7)),
    (indexing, (np.array([0.5, -1.5, 2.0, 0.25]),)),
    (namedtuple_in, (Pair(X3, np.array([0.1, 0.2, 0.3])),)),
]
IDS = ["%s-%d" % (f.__name__, n) for n, (f, _) in enumerate(CASES)]


def assert_tree_close(got, want, rtol=1e-5, atol=1e-6):
    assert s2sad.pytree.tree_structure(got) == s2sad.pytree.tree_structure(want), (got, want)
    for g, w in zip(leaves(got), leaves(want)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=rtol, atol=atol)


# --- jvp -----------------------------------------------------------------------------

@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_jvp_matches_central_differences(f, args):
    rng = np.random.default_rng(1)
    tangents = tuple(random_like(a, rng) for a in args)
    out, t_out = s2sad.jvp(f, args, tangents)
    assert_tree_close(out, f(*args), rtol=1e-12, atol=1e-12)
    want = None
    for i in range(len(args)):
        part = central(f, args, i, tangents[i])
        want = part if want is None else s2sad.pytree.tree_map(np.add, want, part)
    assert_tree_close(t_out, want)


@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_forward_agrees_with_reverse(f, args):
    """<v, J u> from jvp equals <J^T v, u> from vjp."""
    rng = np.random.default_rng(2)
    u = tuple(random_like(a, rng) for a in args)
    out, t_out = s2sad.jvp(f, args, u)
    v = random_like(out, rng)
    _, f_vjp = s2sad.vjp(f, *args)
    grads = f_vjp(s2sad.pytree.tree_map(lambda o, c: np.asarray(c, np.result_type(o)), out, v))
    forward = sum(np.sum(a * b) for a, b in zip(leaves(t_out), leaves(v)))
    reverse = sum(np.sum(g * d) for g, d in zip(leaves(grads), leaves(u)))
    assert forward == pytest.approx(reverse, rel=1e-10, abs=1e-12)


def test_jvp_tuple_output_gives_tuple_of_tangents():
    out, t_out = s2sad.jvp(tuple_out, (X3,), (np.array([1.0, 0.0, 0.0]),))
    assert isinstance(t_out, tuple) and set(t_out[1]) == {"a", "b"}
    assert t_out[0] == pytest.approx(2 * X3[0])
    np.testing.assert_allclose(t_out[1]["a"], [np.cos(X3[0]), 0.0, 0.0])
    assert t_out[1]["b"] == pytest.approx(X3[1])


def test_jvp_lists_are_accepted():
    out, t_out = s2sad.jvp(straight, [1.0, 2.0], [1.0, 0.0])
    assert t_out == pytest.approx(np.cos(1.0) * np.exp(2.0) + 2.0)


def test_jvp_zero_tangent_for_a_constant_output():
    out, t_out = s2sad.jvp(constant_out, (X3,), (np.ones(3),))
    np.testing.assert_array_equal(t_out, np.zeros(3))
    assert t_out.dtype == np.float64


def test_jvp_dtypes_follow_the_output():
    x = np.array([1.0, 2.0], np.float32)
    out, t_out = s2sad.jvp(for_loop, (x,), (np.ones(2, np.float32),))
    assert out.dtype == np.float32 and t_out.dtype == np.float32
    out, t_out = s2sad.jvp(scalars, (1.5, 0.5), (1.0, 0.0))
    assert type(t_out) is float and t_out == pytest.approx(0.5 + 2 * 1.5 / 0.5)


def test_jvp_integer_primal_needs_float0_tangent():
    x = np.array([1.0, 2.0])
    out, t_out = s2sad.jvp(uses_int, (x, 3), (np.ones(2), np.zeros((), s2sad.float0)))
    np.testing.assert_allclose(t_out, [3.0, 3.0])
    with pytest.raises(TypeError, match="float0"):
        s2sad.jvp(uses_int, (x, 3), (np.ones(2), 1.0))


def test_jvp_integer_leaf_in_a_container():
    p = {"x": np.array([1.0, 2.0]), "n": np.array([2, 3])}
    t = {"x": np.array([1.0, 1.0]), "n": np.zeros(2, s2sad.float0)}
    out, t_out = s2sad.jvp(mixed, (p,), (t,))
    np.testing.assert_allclose(t_out, [2.0, 3.0])


def test_jvp_integer_output_has_float0_tangent():
    out, t_out = s2sad.jvp(int_out, (X3,), (np.ones(3),))
    assert t_out.dtype == s2sad.float0 and t_out.shape == (3,)


def test_jvp_has_aux():
    out, t_out, aux = s2sad.jvp(with_aux, (X3,), (np.ones(3),), has_aux=True)
    np.testing.assert_allclose(t_out, 2 * np.cos(X3))
    assert aux["note"] == "any object"
    np.testing.assert_allclose(aux["y"], np.sin(X3))


def test_jvp_create_graph_is_accepted():
    out, t_out = s2sad.jvp(for_loop, (X3,), (np.ones(3),), create_graph=False)
    np.testing.assert_allclose(t_out, s2sad.jvp(for_loop, (X3,), (np.ones(3),))[1])


def test_jvp_does_not_alias_its_tangent():
    t = np.ones(3)
    _, t_out = s2sad.jvp(identity, (X3,), (t,))
    t_out[0] = 5.0
    assert t[0] == 1.0


def identity(x):
    return x


# jvp errors

def test_jvp_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"primal shape \(3,\).*tangent shape \(2,\)"):
        s2sad.jvp(for_loop, (X3,), (np.ones(2),))


def test_jvp_primals_must_be_a_tuple_or_list():
    with pytest.raises(TypeError, match="tuples or lists"):
        s2sad.jvp(for_loop, X3, (np.ones(3),))
    with pytest.raises(TypeError, match="tuples or lists"):
        s2sad.jvp(for_loop, (X3,), np.ones(3))


def test_jvp_number_of_tangents_must_match():
    with pytest.raises(TypeError, match="2 primals and 1 tangents"):
        s2sad.jvp(straight, (X3, X3), (X3,))


def test_jvp_tree_structure_must_match():
    p = {"w": np.ones(3), "b": (0.3, np.ones(3))}
    with pytest.raises(TypeError, match="tree structure"):
        s2sad.jvp(dict_in, (p, X3), ({"w": np.ones(3), "b": np.ones(3)}, X3))


def test_jvp_dtype_must_match():
    x = np.ones(3, np.float32)
    with pytest.raises(TypeError, match="float32.*float64"):
        s2sad.jvp(for_loop, (x,), (np.ones(3),))
    with pytest.raises(TypeError, match="int64"):
        s2sad.jvp(for_loop, (X3,), (np.ones(3, np.int64),))
    with pytest.raises(TypeError, match="complex"):
        s2sad.jvp(for_loop, (X3,), (np.ones(3, complex),))


def test_jvp_has_aux_without_a_pair():
    with pytest.raises(TypeError, match=r"\(output, aux\) pair"):
        s2sad.jvp(no_pair, (X3,), (X3,), has_aux=True)
    with pytest.raises(TypeError, match=r"\(output, aux\) pair"):
        s2sad.jvp(not_a_pair_at_run_time, (X3,), (X3,), has_aux=True)


def test_jvp_non_numeric_primal():
    with pytest.raises(TypeError, match="str"):
        s2sad.jvp(uses_int, (X3, "3"), (X3, "3"))


def test_jvp_non_numeric_output():
    with pytest.raises(TypeError, match="not an array"):
        s2sad.jvp(str_out, (X3,), (X3,))


# --- linearize -----------------------------------------------------------------------

def test_linearize_matches_jvp():
    args = (X3, np.array([0.1, 0.2, -0.4]))
    out, f_jvp = s2sad.linearize(straight, *args)
    np.testing.assert_allclose(out, straight(*args))
    rng = np.random.default_rng(3)
    for _ in range(3):
        t = tuple(rng.standard_normal(3) for _ in args)
        np.testing.assert_allclose(f_jvp(*t), s2sad.jvp(straight, args, t)[1])


def test_linearize_has_aux_and_checks_tangents():
    out, f_jvp, aux = s2sad.linearize(with_aux, X3, has_aux=True)
    np.testing.assert_allclose(f_jvp(np.ones(3)), 2 * np.cos(X3))
    assert aux["note"] == "any object"
    with pytest.raises(ValueError, match="tangent shape"):
        f_jvp(np.ones(4))
    with pytest.raises(TypeError, match="1 primals and 2 tangents"):
        f_jvp(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="no primals"):
        s2sad.linearize(for_loop)


def test_linearize_through_control_flow():
    out, f_jvp = s2sad.linearize(while_loop, X3)
    e = np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(f_jvp(e), central(while_loop, (X3,), 0, e), rtol=1e-6)


# --- jacfwd and jacrev ---------------------------------------------------------------

ARRAY_CASES = [
    (layer, (RNG.standard_normal((2, 3)), np.array([0.1, -0.2]), X3), 2),
    (for_loop, (X3,), 0),
    (while_loop, (X3,), 0),
    (branch, (X3,), 0),
    (branch, (-X3,), 0),
    (calls_helper, (X3, np.array([1.0, 2.0, 3.0])), 0),
    (calls_helper, (X3, np.array([1.0, 2.0, 3.0])), 1),
    (broadcasting, (X3, np.array([1.0, -2.0])), 1),
    (indexing, (np.array([0.5, -1.5, 2.0, 0.25]),), 0),
    (layer, (RNG.standard_normal((2, 3)), np.array([0.1, -0.2]), X3), 0),
]
ARRAY_IDS = ["%s-%d-arg%d" % (f.__name__, n, a) for n, (f, _, a) in enumerate(ARRAY_CASES)]


@pytest.mark.parametrize("f, args, argnum", ARRAY_CASES, ids=ARRAY_IDS)
@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_jacobian_matches_finite_differences(transform, f, args, argnum):
    jac = transform(f, argnums=argnum)(*args)
    want = numerical_jacobian(f, args, argnum)
    assert jac.shape == want.shape
    np.testing.assert_allclose(jac, want, rtol=1e-5, atol=1e-6)


def test_pytree_in_and_out_layout():
    p = {"w": np.array([0.5, -1.0, 2.0]), "b": (0.3, np.array([1.0, 2.0, 3.0]))}
    fwd = s2sad.jacfwd(pytree_composite)(p)
    rev = s2sad.jacrev(pytree_composite)(p)
    assert_tree_close(fwd, rev, rtol=1e-10, atol=1e-12)
    # output structure outside: (scalar, {"a": (3,), "b": scalar}); input inside
    assert isinstance(rev, tuple) and set(rev[1]) == {"a", "b"}
    assert set(rev[0]) == {"w", "b"} and isinstance(rev[0]["b"], tuple)
    assert rev[0]["w"].shape == (3,) and np.shape(rev[0]["b"][0]) == ()
    assert rev[1]["a"]["w"].shape == (3, 3) and rev[1]["a"]["b"][1].shape == (3, 3)
    assert rev[1]["b"]["w"].shape == (3,)
    # each block against central differences along each input leaf direction
    for path_in, direction in [
            (("w",), {"w": np.array([1.0, 0.0, 0.0]), "b": (0.0, np.zeros(3))}),
            (("b", 0), {"w": np.zeros(3), "b": (1.0, np.zeros(3))}),
            (("b", 1), {"w": np.zeros(3), "b": (0.0, np.array([0.0, 0.0, 1.0]))})]:
        want = central(pytree_composite, (p,), 0, direction)
        index = {("w",): (0,), ("b", 0): (), ("b", 1): (2,)}[path_in]

        def block(tree):
            for key in path_in:
                tree = tree[key]
            return np.asarray(tree)[(Ellipsis,) + index]
        np.testing.assert_allclose(block(rev[0]), want[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(block(rev[1]["a"]), want[1]["a"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(block(rev[1]["b"]), want[1]["b"], rtol=1e-5, atol=1e-6)


def pytree_composite(p):
    return tuple_out(dict_in(p, X3))


def test_namedtuple_input_gives_namedtuple_blocks():
    p = Pair(X3, np.array([0.1, 0.2, 0.3]))
    for transform in (s2sad.jacfwd, s2sad.jacrev):
        jac = transform(namedtuple_in)(p)
        assert isinstance(jac, Pair)
        np.testing.assert_allclose(jac.u, np.diag(np.cos(p.v)))
        np.testing.assert_allclose(jac.v, np.diag(-p.u * np.sin(p.v)))


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_tuple_and_negative_argnums(transform):
    w, b, x = RNG.standard_normal((2, 3)), np.array([0.1, -0.2]), X3
    jw, jx = transform(layer, argnums=(0, 2))(w, b, x)
    np.testing.assert_allclose(jw, numerical_jacobian(layer, (w, b, x), 0), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(jx, numerical_jacobian(layer, (w, b, x), 2), rtol=1e-5,
                               atol=1e-6)
    assert jw.shape == (2, 2, 3) and jx.shape == (2, 3)
    (only,) = transform(layer, argnums=(2,))(w, b, x)
    np.testing.assert_allclose(only, jx)
    np.testing.assert_allclose(transform(layer, argnums=-1)(w, b, x), jx)
    jb, jx2 = transform(layer, argnums=(-2, -1))(w, b, x)
    np.testing.assert_allclose(jx2, jx)
    np.testing.assert_allclose(jb, numerical_jacobian(layer, (w, b, x), 1), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_has_aux_and_return_value(transform):
    jac, aux = transform(with_aux, has_aux=True)(X3)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(X3)))
    assert aux["note"] == "any object"
    jac, value = transform(for_loop, return_value=True)(X3)
    np.testing.assert_allclose(value, for_loop(X3))
    np.testing.assert_allclose(jac, transform(for_loop)(X3))
    jac, value, aux = transform(with_aux, has_aux=True, return_value=True)(X3)
    np.testing.assert_allclose(value, 2 * np.sin(X3))
    np.testing.assert_allclose(aux["y"], np.sin(X3))


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 100])
def test_chunk_size_gives_the_same_result(transform, chunk_size):
    args = (RNG.standard_normal((2, 3)), np.array([0.1, -0.2]), X3)
    want = transform(layer, argnums=(0, 2))(*args)
    got = transform(layer, argnums=(0, 2), chunk_size=chunk_size)(*args)
    assert_tree_close(got, want, rtol=0, atol=0)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_bad_chunk_size(transform):
    for bad in (0, -3):
        with pytest.raises(ValueError, match="chunk_size"):
            transform(for_loop, chunk_size=bad)
    for bad in (1.5, "2", True):
        with pytest.raises(TypeError, match="chunk_size"):
            transform(for_loop, chunk_size=bad)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_argnums_errors(transform):
    with pytest.raises(ValueError, match="out of range"):
        transform(for_loop, argnums=1)(X3)
    with pytest.raises(ValueError, match="more than once"):
        transform(straight, argnums=(0, 0))
    with pytest.raises(ValueError, match="empty"):
        transform(straight, argnums=())
    with pytest.raises(TypeError, match="argnums"):
        transform(straight, argnums="0")
    with pytest.raises(TypeError, match="argnums=None"):
        transform(straight, argnums=None)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_grad_vars_not_available_yet(transform):
    with pytest.raises(ValueError, match="grad_vars"):
        transform(for_loop, grad_vars=[])


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_has_aux_without_a_pair(transform):
    with pytest.raises(TypeError, match=r"\(output, aux\) pair"):
        transform(no_pair, has_aux=True)(X3)
    with pytest.raises(TypeError, match=r"\(output, aux\) pair"):
        transform(not_a_pair_at_run_time, has_aux=True)(X3)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_non_differentiable_inputs(transform):
    with pytest.raises(TypeError, match="str"):
        transform(uses_int, argnums=1)(X3, "abc")
    with pytest.raises(TypeError, match="int64"):
        transform(uses_int, argnums=1)(X3, np.int64(3))
    with pytest.raises(TypeError, match="not an array"):
        transform(str_out)(X3)


def test_integer_inputs_that_are_not_differentiated_are_constants():
    np.testing.assert_allclose(s2sad.jacrev(uses_int)(X3, 3), 3 * np.eye(3))
    np.testing.assert_allclose(s2sad.jacfwd(uses_int)(X3, 3), 3 * np.eye(3))


def test_jacrev_allow_int_gives_float0():
    jx, jn = s2sad.jacrev(uses_int, argnums=(0, 1), allow_int=True)(X3, np.array(3))
    np.testing.assert_allclose(jx, 3 * np.eye(3))
    assert jn.dtype == s2sad.float0 and jn.shape == (3,)
    with pytest.raises(TypeError, match="allow_int"):
        s2sad.jacrev(uses_int, argnums=1)(X3, np.array(3))


def test_jacrev_rejects_complex_and_integer_outputs():
    with pytest.raises(TypeError, match="holomorphic=True"):
        s2sad.jacrev(complex_out)(X3)
    with pytest.raises(TypeError, match="real-valued outputs"):
        s2sad.jacrev(int_out)(X3)


def test_jacfwd_complex_output_of_real_input():
    jac = s2sad.jacfwd(complex_out)(X3)
    np.testing.assert_allclose(jac, (1.0 + 2.0j) * np.eye(3))


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_holomorphic(transform):
    z = np.array([1.0 + 2.0j, -0.5 + 0.1j])
    jac = transform(square, holomorphic=True)(z)
    np.testing.assert_allclose(jac, np.diag(2 * z))
    assert jac.dtype == np.complex128
    with pytest.raises(TypeError, match="complex"):
        transform(square, holomorphic=True)(np.array([1.0, 2.0]))


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_python_floats_and_dtypes(transform):
    j = transform(scalars, argnums=(0, 1))(1.5, 0.5)
    assert j[0] == pytest.approx(0.5 + 2 * 1.5 / 0.5) and j[1] == pytest.approx(1.5 - 9.0)
    assert type(j[0]) is float
    x32 = np.array([0.3, -0.7], np.float32)
    jac = transform(for_loop)(x32)
    assert jac.dtype == np.float32 and jac.shape == (2, 2)


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_output_that_does_not_depend_on_the_input(transform):
    jac = transform(constant_out)(X3)
    assert jac.shape == (3, 3) and not jac.any()


@pytest.mark.parametrize("transform", [s2sad.jacfwd, s2sad.jacrev])
def test_keyword_arguments_are_passed_through(transform):
    jac = transform(with_keyword)(X3, scale=2.0)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(X3)))


def test_jacfwd_keyword_only_argument():
    jac = s2sad.jacfwd(keyword_only)(X3, scale=2.0)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(X3)))


def test_jacrev_keyword_only_argument():
    jac = s2sad.jacrev(keyword_only)(X3, scale=2.0)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(X3)))


@s2sad.jacrev
def decorated_rev(x):
    """Docstring kept."""
    return np.sin(x)


@functools.partial(s2sad.jacfwd, argnums=1)
def decorated_fwd(x, y):
    return x * y ** 2


def test_decorators():
    np.testing.assert_allclose(decorated_rev(X3), np.diag(np.cos(X3)))
    assert decorated_rev.__doc__ == "Docstring kept." and decorated_rev.__name__ == "decorated_rev"
    np.testing.assert_allclose(decorated_fwd(X3, np.ones(3)), np.diag(2 * X3))


def test_jacobian_wrappers_recompile_for_a_new_number_of_arguments():
    f = s2sad.jacrev(with_keyword)
    np.testing.assert_allclose(f(X3), np.diag(np.cos(X3)))
    np.testing.assert_allclose(f(X3, 3.0), np.diag(3 * np.cos(X3)))


def test_not_callable():
    for transform in (s2sad.jacfwd, s2sad.jacrev, s2sad.hessian):
        with pytest.raises(TypeError, match="callable"):
            transform(3)
    with pytest.raises(TypeError, match="callable"):
        s2sad.jvp(3, (1.0,), (1.0,))


# --- source --------------------------------------------------------------------------

def test_source_modes():
    assert "def jvp_for_loop(x, dx)" in s2sad.source(for_loop, mode="jvp")
    jvp_text = s2sad.source(for_loop, mode="jvp")
    jacfwd_text = s2sad.source(for_loop, mode="jacfwd")  # the batched sweep after jvp_f
    jvp_body = jvp_text.split('"""')[2].split("\n\n\n", 1)[1].strip()
    assert jvp_body in jacfwd_text and "def jvp_for_loop_batched(" in jacfwd_text
    text = s2sad.source(for_loop, mode="linearize")
    assert "def for_loop_linearize(x)" in text and "def for_loop_tangent(residuals, dx)" in text
    vjp_body = s2sad.source(for_loop, mode="vjp").split('"""')[2].split("\n\n\n", 1)[1]
    jacrev_text = s2sad.source(for_loop, mode="jacrev")
    assert vjp_body.strip() in jacrev_text and "def for_loop_backward_batched(" in jacrev_text
    text = s2sad.source(scalars, mode="hessian", argnums=(0, 1))
    assert "forward mode" in text and "jvp_dscalars_da_b" in text
    compile(text, "<generated>", "exec")


class Model:
    def __init__(self, scale):
        self.scale = scale

    def predict(self, x):
        return np.sin(x) * self.scale


def test_bound_methods():
    model = Model(3.0)
    _, t_out = s2sad.jvp(model.predict, (X3,), (np.ones(3),))
    np.testing.assert_allclose(t_out, 3 * np.cos(X3))
    for transform in (s2sad.jacfwd, s2sad.jacrev):
        np.testing.assert_allclose(transform(model.predict)(X3), np.diag(3 * np.cos(X3)))
