"""``vmap(grad(f))``: per-example gradients as one batched sweep.

Every result is compared with the loop over examples (``grad`` once per example) and,
for the hand-written workloads, with central finite differences; the inputs are
compared before and after.  ``last_path`` says whether the batched sweep ran: the
workloads users write (MLPs, logistic regression, least squares) must take it, and
generated programs (this file's, and tests/progen's) must agree with the loop
whichever path they take.
"""
import os
import types

import numpy as np
import progen
import progen.loading
import pytest
from hypothesis import given, settings, strategies as st
from progen.loading import load as load_program

import s2sad

RNG = np.random.default_rng(7)
N = 6


def mlp(W1, b1, W2, b2, x, y):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + b2
    return np.sum((out - y) ** 2)


def mlp_dict(params, x, y):
    h = np.maximum(params["W1"] @ x + params["b1"], 0.0)
    logits = params["W2"] @ h
    return np.log(np.sum(np.exp(logits))) - np.sum(logits * y)


def logreg(w, x, y):
    return np.logaddexp(0.0, -y * (x @ w)) + 0.01 * np.sum(w ** 2)


def least_squares(A, x, t):
    r = A.T @ x - t
    return 0.5 * np.mean(r ** 2) + np.where(x[0] > 0, x[0], -x[0])


def _loop(grad, args, mapped):
    rows = []
    n = next(a.shape[0] for k, a in enumerate(args) if k in mapped)
    for i in range(n):
        rows.append(grad(*[a[i] if k in mapped else a for k, a in enumerate(args)]))
    return rows


def _stacked(rows):
    first = rows[0]
    if isinstance(first, tuple):
        return tuple(_stacked([r[j] for r in rows]) for j in range(len(first)))
    if isinstance(first, dict):
        return {k: _stacked([r[k] for r in rows]) for k in first}
    return np.stack([np.asarray(r) for r in rows])


def _assert_tree_close(a, b, **tol):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_tree_close(x, y, **tol)
    elif isinstance(b, dict):
        assert set(a) == set(b)
        for k in b:
            _assert_tree_close(a[k], b[k], **tol)
    else:
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)


def dense(W, b, x):
    return np.tanh(W @ x + b)


def two_layers(params, x, y):  # helpers: inlined, so the sweep is one function
    h = dense(params["W1"], params["b1"], x)
    return np.sum((dense(params["W2"], params["b2"], h) - y) ** 2)


WORKLOADS = {
    "mlp": (mlp, (0, 1, 2, 3), lambda: (RNG.normal(size=(5, 3)), RNG.normal(size=5),
                                        RNG.normal(size=(2, 5)), RNG.normal(size=2),
                                        RNG.normal(size=(N, 3)), RNG.normal(size=(N, 2))),
            (4, 5)),
    "mlp_dict": (mlp_dict, 0, lambda: ({"W1": RNG.normal(size=(5, 3)),
                                        "b1": RNG.normal(size=5),
                                        "W2": RNG.normal(size=(4, 5))},
                                       RNG.normal(size=(N, 3)),
                                       np.eye(4)[RNG.integers(0, 4, N)]), (1, 2)),
    "two_layers": (two_layers, 0, lambda: ({"W1": RNG.normal(size=(5, 3)),
                                            "b1": RNG.normal(size=5),
                                            "W2": RNG.normal(size=(2, 5)),
                                            "b2": RNG.normal(size=2)},
                                           RNG.normal(size=(N, 3)), RNG.normal(size=(N, 2))),
                   (1, 2)),
    "logreg": (logreg, 0, lambda: (RNG.normal(size=4), RNG.normal(size=(N, 4)) * 3.0,
                                   np.sign(RNG.normal(size=N))), (1, 2)),
    "least_squares": (least_squares, (0, 1), lambda: (RNG.normal(size=(3, 2)),
                                                      RNG.normal(size=(N, 3)) + 0.5,
                                                      RNG.normal(size=(N, 2))), (1, 2)),
}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_user_workloads_take_one_batched_sweep(name):
    f, argnums, make, mapped = WORKLOADS[name]
    args = make()
    before = [np.copy(a) if isinstance(a, np.ndarray) else
              {k: v.copy() for k, v in a.items()} for a in args]
    in_axes = tuple(0 if i in mapped else None for i in range(len(args)))
    per_example = s2sad.vmap(s2sad.grad(f, argnums=argnums), in_axes=in_axes)
    got = per_example(*args)
    assert per_example.last_path == "one batched sweep"
    want = _stacked(_loop(s2sad.grad(f, argnums=argnums), args, mapped))
    _assert_tree_close(got, want, rtol=1e-11, atol=1e-13)
    # the loop's numbers are checked against finite differences elsewhere; here one
    # example against central differences too
    single = (argnums,) if isinstance(argnums, int) else argnums
    example = [a[2] if k in mapped else a for k, a in enumerate(args)]
    i = single[-1]
    if isinstance(example[i], np.ndarray):
        num = np.zeros_like(example[i])
        for idx in np.ndindex(example[i].shape):
            plus = [np.copy(a) if isinstance(a, np.ndarray) else a for a in example]
            minus = [np.copy(a) if isinstance(a, np.ndarray) else a for a in example]
            plus[i][idx] += 1e-6
            minus[i][idx] -= 1e-6
            num[idx] = (f(*plus) - f(*minus)) / 2e-6
        mine = got[-1] if isinstance(argnums, tuple) else got
        np.testing.assert_allclose(mine[2], num, rtol=1e-5, atol=1e-7)
    for a, b in zip(args, before):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])
    assert per_example(*args) is not None  # called twice: the same sweep again
    _assert_tree_close(per_example(*args), want, rtol=1e-11, atol=1e-13)


def test_axes_other_than_zero_and_float32():
    W1, b1, W2, b2, X, Y = WORKLOADS["mlp"][2]()
    Xt = np.ascontiguousarray(X.T).astype(np.float32)  # examples on axis 1
    params = [p.astype(np.float32) for p in (W1, b1, W2, b2)]
    per_example = s2sad.vmap(s2sad.grad(mlp, argnums=0),
                             in_axes=(None, None, None, None, 1, 0), out_axes=2)
    got = per_example(*params, Xt, Y.astype(np.float32))
    assert per_example.last_path == "one batched sweep"
    assert got.dtype == np.float32 and got.shape == (5, 3, N)
    want = np.stack([s2sad.grad(mlp)(*params, Xt[:, i], Y[i].astype(np.float32))
                     for i in range(N)], axis=2)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def branchy(w, x):
    if x[0] > 0:  # control flow on a mapped value: not batchable
        return np.sum(w * x)
    return np.sum(w * x ** 2)


def scaled_in_place(v, k):
    v = v * 1.0
    v[0] = v[0] * k  # a write in place: this helper is not inlined
    return v


def uses_an_in_place_helper(w, x):
    return np.sum(scaled_in_place(w * x, 3.0) ** 2)


def test_what_cannot_be_batched_runs_the_loop():
    w, X = RNG.normal(size=3), RNG.normal(size=(N, 3))
    per_example = s2sad.vmap(s2sad.grad(branchy), in_axes=(None, 0))
    got = per_example(w, X)
    assert per_example.last_path.startswith("a loop: ")
    np.testing.assert_allclose(got, _stacked(_loop(s2sad.grad(branchy), (w, X), (1,))))
    labels = RNG.integers(0, 3, N)  # integer labels mapped: the loop
    per_label = s2sad.vmap(s2sad.grad(lambda w, k: w[k] ** 2), in_axes=(None, 0))
    np.testing.assert_allclose(per_label(w, labels),
                               np.stack([2 * w[k] * np.eye(3)[k] for k in labels]))
    assert per_label.last_path.startswith("a loop: ")
    per_helper = s2sad.vmap(s2sad.grad(uses_an_in_place_helper), in_axes=(None, 0))
    np.testing.assert_allclose(per_helper(w, X),
                               _stacked(_loop(s2sad.grad(uses_an_in_place_helper), (w, X),
                                              (1,))), rtol=1e-12)
    assert per_helper.last_path.startswith("a loop: ")


# --- generated programs --------------------------------------------------------------

_UNARY = ["np.sin({})", "np.tanh({})", "np.exp(0.3 * ({}))", "np.log1p(({}) ** 2)",
          "np.sqrt(({}) ** 2 + 1.0)", "np.maximum({}, 0.1)", "np.where({} > 0, {}, 0.5 * {})",
          "({}) ** 2", "-({})", "np.abs({})"]
_BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (1.5 + ({}) ** 2)",
           "np.sum(np.outer({}, {}), axis=0)", "np.mean(np.outer({}, w) * (W.T @ W), axis=1)",
           "np.maximum({}, {})", "({}) * t ** 2 + ({})[::-1]", "np.where(({}) > t, {}, 0.0)",
           "helper({}, {})"]
_VECTORS = ["x", "w", "W.T @ (W @ x)", "x @ W.T @ W", "np.outer(x, w) @ x", "x * t"]
_SCALARS = ["np.sum({})", "np.mean({})", "({}) @ ({})", "np.sum(W @ ({}))", "({})[0]",
            "np.sum(({})[1:])"]


@st.composite
def programs(draw):
    vectors = list(_VECTORS)
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            form = draw(st.sampled_from(_UNARY))
            arg = draw(st.sampled_from(vectors))
            vectors.append(form.format(*[arg] * form.count("{}")))
        else:
            form = draw(st.sampled_from(_BINARY))
            vectors.append(form.format(draw(st.sampled_from(vectors)),
                                       draw(st.sampled_from(vectors))))
    form = draw(st.sampled_from(_SCALARS))
    parts = [draw(st.sampled_from(vectors[len(_VECTORS) - 1:])) for _ in range(form.count("{}"))]
    return form.format(*parts) + " * t + np.sum(w ** 2)"


_PATHS = {"batched": 0, "loop": 0}
_REASONS = []


@settings(max_examples=int(os.environ.get('S2SAD_VMAP_EXAMPLES', 60)), deadline=None)
@given(body=programs(), scale=st.sampled_from([0.1, 1.0, 4.0]), seed=st.integers(0, 99),
       n=st.sampled_from([3, 2, 5]))
def test_generated_programs_agree_with_the_loop(body, scale, seed, n):
    """Batch sizes equal to the examples' lengths (3, 2) too: a misaligned batch axis
    then broadcasts without an error, and only the numbers can tell."""
    text = ("import numpy as np\n\n\ndef helper(a, b):\n    return np.tanh(a) * b + a\n\n\n"
            "def f(w, W, x, t):\n    return %s\n" % body)
    f, _ = load_program(types.SimpleNamespace(source=text, label="vmap_grad"))
    rng = np.random.default_rng(seed)
    w, W = rng.normal(size=3) * scale, rng.normal(size=(2, 3))
    X, T = rng.normal(size=(n, 3)) * scale + 0.3, rng.normal(size=n)
    keep = [a.copy() for a in (w, W, X, T)]
    grad = s2sad.grad(f, argnums=(0, 1, 2))
    per_example = s2sad.vmap(grad, in_axes=(None, None, 0, 0))
    got = per_example(w, W, X, T)
    _PATHS["batched" if per_example.last_path == "one batched sweep" else "loop"] += 1
    _REASONS.append(per_example.last_path)
    want = _stacked(_loop(grad, (w, W, X, T), (2, 3)))
    _assert_tree_close(got, want, rtol=1e-9, atol=1e-11)
    for a, b in zip((w, W, X, T), keep):
        np.testing.assert_array_equal(a, b)


def test_generated_programs_mostly_take_the_batched_sweep():
    """Run after the generated programs (pytest keeps the file's order): the batched
    path is the common one, not a rarely taken branch."""
    if sum(_PATHS.values()) < 20:
        pytest.skip("run with the generated-programs test")
    assert _PATHS["batched"] >= 0.5 * sum(_PATHS.values()), (_PATHS, sorted(set(_REASONS)))


def test_gradients_never_alias_the_callers_arrays():
    X, w = np.arange(12.0).reshape(4, 3), np.ones(3)
    per_example = s2sad.vmap(s2sad.grad(lambda w, x: np.sum(w * x)), in_axes=(None, 0))
    g = per_example(w, X)  # the gradient is x itself, example by example
    assert per_example.last_path == "one batched sweep"
    np.testing.assert_array_equal(g, X)
    assert not np.shares_memory(g, X)
    g[0, 0] = 100.0
    assert X[0, 0] == 0.0


# --- programs of tests/progen (written by the generator, not for this feature) ----------

PROGEN_SEED = "vmap-ci-1"
#: the first 40 programs of the seed without aux (vmap(grad) with has_aux is a loop)
PROGEN_PROGRAMS = [k for k in range(60) if not progen.program_for(PROGEN_SEED, k).has_aux][:40]


def _progen_case(k):
    """Program ``k``: its function, and a batch of three points (arrays mapped)."""
    prog = progen.program_for(PROGEN_SEED, k)
    f, _ = progen.loading.load(prog)
    rng = np.random.default_rng(k)
    points = [[rng.normal() * 0.7 + 0.2 if kind == "float" else
               rng.normal(size=kind) * 0.7 + 0.2 for _, kind in prog.params]
              for _ in range(3)]
    return f, points


@pytest.mark.parametrize("k", PROGEN_PROGRAMS)
@pytest.mark.parametrize("mapped", ["first", "all"])
def test_progen_programs_agree_with_the_loop(k, mapped):
    f, points = _progen_case(k)
    n = len(points[0])
    positions = [0] if mapped == "first" else list(range(n))
    args = [np.stack([np.asarray(p[i], dtype=float) for p in points]) if i in positions
            else points[0][i] for i in range(n)]
    grad = s2sad.grad(f, argnums=tuple(range(n)))
    try:
        want = _stacked(_loop(grad, args, positions))
    except Exception as err:  # s2sad refuses the program: vmap must raise the same
        with pytest.raises(type(err)):
            s2sad.vmap(grad, in_axes=tuple(0 if i in positions else None
                                           for i in range(n)))(*args)
        return
    got = s2sad.vmap(grad, in_axes=tuple(0 if i in positions else None for i in range(n)))(*args)
    _assert_tree_close(tuple(np.asarray(g) for g in got),
                       tuple(np.asarray(w) for w in want), rtol=1e-9, atol=1e-11)


SCALE = 2.0


def scaled_square(w, x):
    return SCALE * np.sum(w * x) ** 2


def test_a_changed_global_is_read_by_the_batched_sweep():
    """The batched sweep checks the function's globals as grad does (regression: it
    kept the value SCALE had when it was compiled)."""
    global SCALE
    w, X = np.array([1.0, 2.0]), np.array([[1.0, 0.5], [0.2, 0.3]])
    per_example = s2sad.vmap(s2sad.grad(scaled_square), in_axes=(None, 0))
    np.testing.assert_allclose(per_example(w, X), 4.0 * (X @ w)[:, None] * X)
    try:
        SCALE = 5.0
        np.testing.assert_allclose(per_example(w, X), 10.0 * (X @ w)[:, None] * X)
        assert per_example.last_path == "one batched sweep"
        SCALE = np.float32(3.0)  # another type: compiled again
        np.testing.assert_allclose(per_example(w, X), 6.0 * (X @ w)[:, None] * X, rtol=1e-6)
    finally:
        SCALE = 2.0
