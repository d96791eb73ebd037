"""Tests of ``s2sad.linearize``: the primal runs once, ``f_jvp`` replays only tangent work.

Every function of the corpus (``tests/functions.py``) that forward mode supports is
linearized at a random point; ``f_jvp`` is called with several random tangents and
compared with ``s2sad.jvp`` at the same point, after the caller has overwritten the
arrays it passed in.  Further tests cover has_aux, pytrees, integer arguments,
recursion, the checks of ``f_jvp``'s tangents, and reuse: the primal's expensive
operations run in ``{f}_linearize`` only, never in ``{f}_tangent``.
"""
import collections
import copy
import os
import re
import sys

import numpy as np
import pytest

import s2sad
from s2sad import compiler, pytree

import functions
from test_corpus import KINDS, NOT_DIFFERENTIATED, corpus, make_inputs, seed_of

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
import workloads  # noqa: E402

RTOL, ATOL = 1e-10, 1e-12


def random_tangent(primal, rng):
    """A random tangent with the structure, shapes and dtypes of ``primal``."""
    def leaf(p):
        if isinstance(p, (bool, int, np.integer)) or np.asarray(p).dtype.kind in "biu":
            return np.zeros(np.shape(p), s2sad.float0)
        if isinstance(p, float):
            return float(rng.standard_normal())
        return rng.standard_normal(np.shape(p)).astype(np.asarray(p).dtype)
    return pytree.tree_map(leaf, primal)


def assert_close(got, want, what):
    got_leaves, got_def = pytree.flatten(got)
    want_leaves, want_def = pytree.flatten(want)
    assert got_def == want_def, "%s: structure %s, expected %s" % (what, got_def, want_def)
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w), what
        if np.asarray(w).dtype == s2sad.float0:
            assert np.asarray(g).dtype == s2sad.float0, what
            continue
        assert type(g) is type(w), "%s: %s, expected %s" % (what, type(g), type(w))
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL, err_msg=what)


def scribble(tree):
    """Overwrite every array leaf of ``tree`` in place (the caller reusing buffers)."""
    for leaf in pytree.tree_leaves(tree):
        if isinstance(leaf, np.ndarray) and leaf.flags.writeable and leaf.size:
            leaf[...] = 7.5


def tangent_source(f, argnums, has_aux=False):
    """The code of the generated ``{f}_tangent`` function (helpers and comments left out)."""
    dv = compiler.derivative(f, "linearize", argnums, has_aux)
    text = dv.source.split("def %s_tangent(" % dv.name, 1)[1].split("\ndef ", 1)[0]
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


# --- the corpus -----------------------------------------------------------------------

def corpus_cases():
    cases = []
    for name in corpus():
        f = getattr(functions, name)
        if any(p not in KINDS for p in f.__code__.co_varnames[:f.__code__.co_argcount]):
            continue
        cases.append(name)
    return cases


@pytest.mark.parametrize("name", corpus_cases())
def test_corpus_linearize_matches_jvp(name):
    f = getattr(functions, name)
    has_aux = name in functions.HAS_AUX
    args = make_inputs(f, seed_of(name, 0))
    originals = copy.deepcopy(args)
    rng = np.random.default_rng(seed_of(name, 7))
    tangents = [tuple(random_tangent(a, rng) for a in args) for _ in range(3)]
    try:
        expected = [s2sad.jvp(f, copy.deepcopy(args), t, has_aux=has_aux) for t in tangents]
    except (s2sad.errors.S2SADError, TypeError) as err:
        with pytest.raises(type(err)):
            s2sad.linearize(f, *args, has_aux=has_aux)
        pytest.skip("forward mode does not support %s: %s" % (name, str(err)[:80]))
    result = s2sad.linearize(f, *args, has_aux=has_aux)
    out, f_jvp = result[0], result[1]
    for a, o in zip(args, originals):
        assert_close(a, o, "linearize mutated an argument")
    assert_close(out, expected[0][0], "linearize's output")
    if has_aux:
        assert_close(result[2], expected[0][2], "linearize's aux")
    scribble(args)  # f_jvp must not see the caller's later writes
    scribble(out)
    for t, want in zip(tangents, expected):
        assert_close(f_jvp(*t), want[1], "f_jvp of %s" % name)
    assert_close(f_jvp(*tangents[0]), expected[0][1], "f_jvp called again")


def test_corpus_runs_many_functions():
    """Forward mode (and so linearize) covers most of the corpus."""
    supported = 0
    for name in corpus_cases():
        f = getattr(functions, name)
        argnums = tuple(i for i, p in enumerate(f.__code__.co_varnames[:f.__code__.co_argcount])
                        if p not in NOT_DIFFERENTIATED)
        try:
            compiler.derivative(f, "linearize", argnums, name in functions.HAS_AUX)
        except (s2sad.errors.S2SADError, TypeError):
            continue
        supported += 1
    assert supported >= 100


# --- reuse: the tangent function does no primal work -----------------------------------

_EXPENSIVE = re.compile(r"np\.(tanh|exp|log|log1p|expm1|sin|cos|tan|sqrt|arctan|linalg\.\w+)\(")


@pytest.mark.parametrize("name", ["tanh_loss", "mlp_mse", "logistic_regression", "if_else",
                                  "sin_plus_cos", "exp_times_log", "softmax_cross_entropy",
                                  "calls_helper", "logsumexp", "sigmoid_sum"])
def test_tangent_function_calls_no_expensive_primal_op(name):
    f = getattr(functions, name)
    argnums = tuple(range(f.__code__.co_argcount))
    text = tangent_source(f, argnums, name in functions.HAS_AUX)
    assert not _EXPENSIVE.search(text), text


def test_f_jvp_does_not_rerun_the_primal(monkeypatch):
    """Counting np.tanh: the rnn's 8 steps call it in linearize only, not in f_jvp."""
    rng = np.random.default_rng(0)
    W, U, xs = rng.standard_normal((5, 5)) / 5, rng.standard_normal((5, 3)), \
        rng.standard_normal((8, 3))
    s2sad.linearize(workloads.rnn, W, U, xs)  # compile first: the counter is not seen there
    calls = []
    real_tanh = np.tanh

    def counting_tanh(x):
        calls.append(1)
        return real_tanh(x)

    monkeypatch.setattr(np, "tanh", counting_tanh)
    out, f_jvp = s2sad.linearize(workloads.rnn, W, U, xs)
    assert len(calls) == 8
    dW, dU = rng.standard_normal((5, 5)), rng.standard_normal((5, 3))
    dxs = rng.standard_normal((8, 3))
    t_out = f_jvp(dW, dU, dxs)
    assert len(calls) == 8  # no primal recomputation
    monkeypatch.setattr(np, "tanh", real_tanh)
    assert out == workloads.rnn(W, U, xs)
    np.testing.assert_allclose(t_out, s2sad.jvp(workloads.rnn, (W, U, xs), (dW, dU, dxs))[1],
                               rtol=1e-12)
    assert "tanh" not in tangent_source(workloads.rnn, (0, 1, 2))


# --- functions under test (module level: s2sad reads their source) --------------------

def damped(x, n):
    y = x
    k = 0
    while k < n:
        y = np.sin(y) + 0.5 * y
        k = k + 1
    return y


def branches_in_loop(x):
    acc = np.zeros_like(x)
    for i in range(4):
        if np.sum(x) > i:
            acc = acc + np.exp(x * 0.1 * i)
        else:
            acc = acc - np.cos(x)
        x = x * 0.7
    return acc


def _power(x, n):
    if n == 0:
        return 1.0
    return x * _power(x, n - 1)


def recursive(x):
    return np.sum(_power(np.tanh(x), 3))


def writes(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = np.exp(x[i]) * x[(i + 1) % 3]
    parts = []
    for i in range(2):
        parts.append(np.sin(x[i]))
    return y, {"parts": parts, "sum": np.sum(y)}


Point = collections.namedtuple("Point", "x y")


def tree_function(p, scale):
    r = np.tanh(p["w"] * scale) + p["b"]
    return Point(x=np.sum(r ** 2), y=r * p["b"])


def with_aux(x):
    y = np.exp(x)
    return np.sum(y), {"y": y, "note": "any object"}


def overwritten(x):
    y = np.sin(x)
    z = y * x
    y = np.cos(z)
    z = y * z
    return z


@pytest.mark.parametrize("f, args", [
    (damped, (np.array([0.3, -1.2]), 5)),
    (damped, (np.array([0.3, -1.2]), 0)),
    (branches_in_loop, (np.array([0.2, 0.9, 0.4]),)),
    (recursive, (np.array([0.3, 0.6]),)),
    (writes, (np.array([0.1, 0.5, -0.3]),)),
    (tree_function, ({"w": np.array([0.5, -0.2]), "b": np.array(0.3)}, 1.5)),
    (overwritten, (np.array([0.4, 1.1]),)),
])
def test_control_flow_helpers_containers(f, args):
    rng = np.random.default_rng(1)
    out, f_jvp = s2sad.linearize(f, *args)
    for _ in range(3):
        t = tuple(random_tangent(a, rng) for a in args)
        want_out, want = s2sad.jvp(f, args, t)
        assert_close(out, want_out, "output")
        assert_close(f_jvp(*t), want, "f_jvp of %s" % f.__name__)


def test_overwritten_values_are_taped_and_primal_free():
    text = tangent_source(overwritten, (0,))
    assert "np.sin(" not in text and "np.cos(" not in text


def test_loops_keep_their_saved_values_per_iteration():
    x = np.array([0.2, 0.9, 0.4])
    out, f_jvp = s2sad.linearize(branches_in_loop, x)
    e = np.array([1.0, 0.0, 0.0])
    h = 1e-6
    fd = (branches_in_loop(x + h * e) - branches_in_loop(x - h * e)) / (2 * h)
    np.testing.assert_allclose(f_jvp(e), fd, rtol=1e-6, atol=1e-8)
    text = tangent_source(branches_in_loop, (0,))
    assert "next(_tape)" in text and "np.exp(" not in text


def test_has_aux():
    x = np.array([0.1, 0.7])
    out, f_jvp, aux = s2sad.linearize(with_aux, x, has_aux=True)
    np.testing.assert_allclose(out, np.sum(np.exp(x)))
    assert aux["note"] == "any object"
    np.testing.assert_allclose(aux["y"], np.exp(x))
    aux["y"][...] = 0.0  # the aux array is the caller's own
    np.testing.assert_allclose(f_jvp(np.ones(2)), np.sum(np.exp(x)))
    with pytest.raises(TypeError, match="pair"):
        s2sad.linearize(overwritten, x, has_aux=True)


def test_pytrees_in_and_out():
    p = {"w": np.array([0.5, -0.2]), "b": np.array(0.3)}
    out, f_jvp = s2sad.linearize(tree_function, p, 1.5)
    assert type(out) is Point
    tp = {"w": np.array([1.0, 2.0]), "b": np.array(-1.0)}
    t_out = f_jvp(tp, 0.5)
    assert type(t_out) is Point
    assert_close(t_out, s2sad.jvp(tree_function, (p, 1.5), (tp, 0.5))[1], "pytree tangent")
    with pytest.raises(TypeError, match="tree structure"):
        f_jvp({"w": np.ones(2)}, 0.5)


def test_integer_arguments_take_float0_tangents():
    x = np.array([0.3, -1.2])
    out, f_jvp = s2sad.linearize(damped, x, 3)
    t = f_jvp(np.ones(2), np.zeros((), s2sad.float0))
    assert_close(t, s2sad.jvp(damped, (x, 3), (np.ones(2), np.zeros((), s2sad.float0)))[1],
                 "integer argument")
    with pytest.raises(TypeError, match="float0"):
        f_jvp(np.ones(2), 1.0)
    _, f_int = s2sad.linearize(lambda_free_int, 3)
    assert f_int(np.zeros((), s2sad.float0)).dtype == s2sad.float0


def lambda_free_int(n):
    return n * 2


def test_tangent_checks():
    x = np.array([0.1, 0.7])
    _, f_jvp = s2sad.linearize(overwritten, x)
    with pytest.raises(ValueError, match="tangent shape"):
        f_jvp(np.ones(3))
    with pytest.raises(TypeError, match="1 primals and 2 tangents"):
        f_jvp(np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        f_jvp(np.ones(2, np.float32))
    with pytest.raises(TypeError, match="no primals"):
        s2sad.linearize(overwritten)
    with pytest.raises(TypeError, match="callable"):
        s2sad.linearize(3, x)


def test_returned_tangents_are_fresh_each_call():
    x = np.array([0.1, 0.7])
    _, f_jvp = s2sad.linearize(overwritten, x)
    first = f_jvp(np.ones(2))
    keep = first.copy()
    first[...] = 99.0
    np.testing.assert_allclose(f_jvp(np.ones(2)), keep)


def test_source_prints_the_split_pair():
    text = s2sad.source(branches_in_loop, "linearize")
    assert "def branches_in_loop_linearize(x)" in text
    assert "def branches_in_loop_tangent(residuals, dx)" in text
    assert "# acc = acc + np.exp(x * 0.1 * i)" in text  # source lines as comments
    compile(text, "<generated>", "exec")


def test_linearize_of_a_gradient_through_a_loop():
    """Hessian-vector products: linearize the generated gradient (tape included)."""
    x = np.array([0.2, 0.9, 0.4])
    g = s2sad.grad(branches_in_loop_sum)
    out, f_jvp = s2sad.linearize(g, x)
    np.testing.assert_allclose(out, g(x))
    for v in (np.array([1.0, 0.0, 0.0]), np.array([0.3, -0.2, 0.5])):
        np.testing.assert_allclose(f_jvp(v), s2sad.jvp(g, (x,), (v,))[1], rtol=1e-12)


def branches_in_loop_sum(x):
    return np.sum(branches_in_loop(x) ** 2)
