"""Batched Jacobians: one batched sweep per chunk of basis vectors (transforms/batch.py,
compiler/build_batched.py).

Each function of the table is differentiated with ``jacrev`` and ``jacfwd`` and
compared with central finite differences, with the per-basis-vector fallback, and
across ``chunk_size``; the batched path must actually be taken, and the constructs
listed as unsupported must fall back (and still be right).
"""
import os

import numpy as np
import pytest

import s2sad
from s2sad.runtime import batched as batched_runtime
from s2sad import compiler, pytree, rules, runtime
from s2sad.api import jacobian_tools

from s2sad.compiler import batched_derivative, derivative
from s2sad.testing import numerical_grad
from s2sad.transforms import batch_table

RNG = np.random.default_rng(7)
VEC, MAT, MAT2 = RNG.uniform(0.5, 1.5, 4), RNG.uniform(0.5, 1.5, (3, 4)), \
    RNG.uniform(0.5, 1.5, (4, 2))


def elementwise(x):
    return np.sin(x) * np.exp(-x) / (1.0 + x ** 2)


def broadcasting(x, A):
    return np.tanh(A * x + 1.0) - x[0] * A


def reductions(A):
    return np.sum(A ** 2, axis=0, keepdims=True) * np.mean(A, axis=1)[:, None] + np.sum(A)


def reduce_axis(A):
    return np.sum(np.cos(A), axis=1) + np.max(A, axis=0)[:3] + np.prod(A, axis=1)


def matmul_1d(x, A):
    return np.tanh(A @ x) + np.dot(x, x) * np.dot(A, x)


def matmul_2d(A, B):
    return np.matmul(A, B) ** 2 + np.dot(A, B)


def slicing(x):
    return x[1:] * x[:-1] - x[::2].sum() + x[[0, 0, 3]]


def loop_writes(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * x[(i + 1) % 4]
        if y[i] > 1.0:
            y[i] = np.sqrt(y[i])
    return y


def branches(x):
    if np.sum(x) > 2.0:
        z = np.where(x > 1.0, x ** 2, np.sin(x))
    else:
        z = -x
    return z * 3.0


def euler(k, c):
    pos, vel = 1.0, 0.0
    for _ in range(50):
        acc = -k * pos - c * vel
        vel = vel + 0.01 * acc
        pos = pos + 0.01 * vel
    return pos ** 2 + vel


def _helper(x):
    return np.sin(x) * x


def helper_calls(x):
    return _helper(x) + _helper(2.0 * x)


def pytree_in_out(p):
    u = np.tanh(p["w"]) * p["b"]
    return {"u": u, "s": np.sum(u * p["w"])}, (p["b"] * 2.0, u[:2])


def with_aux(x):
    return np.exp(x) * x[0], {"norm": float(np.sum(x))}


def float_scalar(a, x):
    return a * x + a ** 2


def separated_indices(A3):
    # integer-array indices apart from each other: NumPy puts their axis first
    i = np.array([0, 1, 1])
    return np.sin(A3[i, :, i]) * A3[0, :, i]


A3 = np.random.default_rng(3).uniform(-1.0, 1.0, (2, 3, 2))

CASES = [
    (elementwise, (VEC,), 0, False),
    (separated_indices, (A3,), 0, False),
    (broadcasting, (VEC, MAT), (0, 1), False),
    (reductions, (MAT,), 0, False),
    (reduce_axis, (MAT,), 0, False),
    (matmul_1d, (VEC, MAT), (0, 1), False),
    (matmul_2d, (MAT, MAT2), (0, 1), False),
    (slicing, (VEC,), 0, False),
    (loop_writes, (VEC,), 0, False),
    (branches, (VEC,), 0, False),
    (euler, (1.3, 0.4), (0, 1), False),
    (helper_calls, (VEC,), 0, False),
    (pytree_in_out, ({"w": VEC, "b": np.array(0.7)},), 0, False),
    (with_aux, (VEC,), 0, True),
    (float_scalar, (0.8, VEC), (0, 1), False),
]
IDS = [case[0].__name__ for case in CASES]
JACS = {"jacrev": s2sad.jacrev, "jacfwd": s2sad.jacfwd}


def _close(got, want, rtol, atol):
    got_leaves, got_def = pytree.flatten(got)
    want_leaves, want_def = pytree.flatten(want)
    assert got_def == want_def
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.fixture
def per_basis(monkeypatch):
    """Run the Jacobian transforms with the one-sweep-per-basis-vector fallback."""
    def run(jac, *args, **kwargs):
        with monkeypatch.context() as m:
            m.setattr(jacobian_tools, "batched_of", lambda dv: None)
            return jac(*args, **kwargs)
    return run


def _finite_differences(f, args, argnums, has_aux):
    """The Jacobian by central differences: out-leaf outside, in-leaf inside."""
    nums = (argnums,) if isinstance(argnums, int) else argnums
    out = f(*args)
    out = out[0] if has_aux else out
    out_leaves, out_def = pytree.flatten(out)
    rows = []
    for i, leaf in enumerate(out_leaves):
        def scalar(*a, _i=i):
            o = f(*a)
            o = o[0] if has_aux else o
            return pytree.tree_leaves(o)[_i]

        blocks = []
        for j in nums:
            def part(x, _j=j):
                b = list(args)
                b[_j] = x
                return scalar(*b)
            grads = []
            for k in range(int(np.size(leaf))):
                def elem(x, _k=k):
                    return np.reshape(part(x), -1)[_k]
                grads.append(numerical_grad(elem, (args[j],)))
            in_leaves, in_def = pytree.flatten(args[j])
            stacked = [np.stack([np.asarray(pytree.tree_leaves(g)[n]) for g in grads])
                       .reshape(np.shape(leaf) + np.shape(x)) for n, x in enumerate(in_leaves)]
            blocks.append(pytree.unflatten(in_def, stacked))
        rows.append(blocks[0] if isinstance(argnums, int) else tuple(blocks))
    return pytree.unflatten(out_def, rows)


@pytest.mark.parametrize("mode", sorted(JACS))
@pytest.mark.parametrize("f, args, argnums, has_aux", CASES, ids=IDS)
def test_matches_finite_differences_and_fallback(f, args, argnums, has_aux, mode, per_basis):
    jac = JACS[mode]
    got = jac(f, argnums=argnums, has_aux=has_aux)(*args)
    want = per_basis(jac, f, argnums=argnums, has_aux=has_aux)(*args)
    if has_aux:
        assert got[1] == want[1]
        got, want = got[0], want[0]
    _close(got, want, 1e-10, 1e-12)
    _close(got, _finite_differences(f, args, argnums, has_aux), 1e-5, 1e-6)


@pytest.mark.parametrize("mode", sorted(JACS))
@pytest.mark.parametrize("f, args, argnums, has_aux", CASES, ids=IDS)
def test_batched_sweep_is_used(f, args, argnums, has_aux, mode):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    core = "vjp" if mode == "jacrev" else "jvp"
    scalars = tuple(i for i, a in enumerate(args) if isinstance(a, float)) \
        if core == "vjp" else ()
    dv = derivative(f, core, nums, has_aux, scalars=scalars)
    assert compiler.why_not(dv) is None
    assert "_batched(" in compiler.batched(dv).source


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 100])
@pytest.mark.parametrize("mode", sorted(JACS))
@pytest.mark.parametrize("f, args, argnums, has_aux", CASES, ids=IDS)
def test_chunk_size_does_not_change_the_result(f, args, argnums, has_aux, mode, chunk_size):
    jac = JACS[mode]
    whole = jac(f, argnums=argnums, has_aux=has_aux)(*args)
    chunked = jac(f, argnums=argnums, has_aux=has_aux, chunk_size=chunk_size)(*args)
    if has_aux:
        whole, chunked = whole[0], chunked[0]
    _close(chunked, whole, 0, 1e-12)


def test_one_batched_sweep_per_chunk(monkeypatch):
    calls = []
    dv = derivative(matmul_1d, "vjp", (0,))
    found = compiler.batched(dv)
    original = found.backward
    monkeypatch.setattr(found, "backward", lambda *a: calls.append(1) or original(*a))
    J = s2sad.jacrev(matmul_1d)(VEC, MAT)
    assert len(calls) == 1 and J.shape == (3, 4)
    calls.clear()
    s2sad.jacrev(matmul_1d, chunk_size=2)(VEC, MAT)
    assert len(calls) == 2


def test_hessian_uses_the_batched_forward_sweep():
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x = RNG.uniform(-1.0, 1.5, 6)
    H = s2sad.hessian(rosenbrock)(x)
    cols = [s2sad.jvp(s2sad.grad(rosenbrock), (x,), (e,))[1] for e in np.eye(6)]
    np.testing.assert_allclose(H, np.stack(cols, axis=-1), rtol=1e-12, atol=1e-12)
    from s2sad.api.standins import seeded_gradient
    inner, _ = seeded_gradient(rosenbrock, (0,), False)
    assert batched_derivative(inner, "jvp", (0,), True) is not None


def cumulative(x):
    return np.cumsum(x) * x


def test_unsupported_construct_falls_back(per_basis):
    dv = derivative(cumulative, "vjp", (0,))
    assert compiler.batched(dv) is None
    assert "uncumsum" in compiler.why_not(dv)  # the adjoint of np.cumsum
    assert any(func is np.cumsum for func, _ in batch_table.NOT_BATCH_AWARE)
    for jac in JACS.values():
        got = jac(cumulative)(VEC)
        _close(got, per_basis(jac, cumulative)(VEC), 0, 1e-14)
        _close(got, _finite_differences(cumulative, (VEC,), 0, False), 1e-5, 1e-6)


def test_show_prints_the_batched_sweep():
    text = s2sad.source(matmul_1d, "jacrev")
    assert "def matmul_1d_wrt_x_backward_batched(residuals, bmatmul_1d):" in text
    assert "import s2sad.runtime.batched as batched" in text
    assert "def jvp_matmul_1d_batched(" in s2sad.source(matmul_1d, "jacfwd")


def _table_functions():
    return ([f for f, _ in batch_table.NOT_BATCH_AWARE] + list(batch_table.REWRITES)
            + list(batch_table.SAFE_CALLS) + list(batch_table.ELEMENTWISE)
            + list(batch_table.PRIMAL_ONLY))


def test_every_runtime_helper_is_classified():
    """Each helper generated code may call is batch-aware, safe, primal-only or listed."""
    known = _table_functions()
    for name in runtime.__all__:
        assert any(getattr(runtime, name) is k for k in known), name


def test_every_linear_numpy_function_is_classified():
    """Linear rules apply the function itself to a tangent: batched or listed."""
    known = _table_functions() + [np.matmul, np.dot]
    for key in list(rules.registry._LINEAR):
        module = getattr(key, "__module__", None) or ""
        if module.startswith("numpy") and not isinstance(key, np.ufunc):
            assert any(key is k for k in known), key


def test_batched_helpers_match_per_item():
    g = RNG.standard_normal((3, 2, 4))
    x = RNG.standard_normal((2, 4))
    for k in range(3):
        np.testing.assert_allclose(batched_runtime.unbroadcast(g, x[:1])[k],
                                   runtime.unbroadcast(g[k], x[:1]))
        np.testing.assert_allclose(batched_runtime.unreduce(g[:, 0], x, 0)[k],
                                   runtime.unreduce(g[k, 0], x, 0))
        np.testing.assert_allclose(batched_runtime.matmul_adjoint_b(g[:, 0, :2], MAT[:2, :2],
                                                                    x[0, :2])[k],
                                   runtime.matmul_adjoint_b(g[k, 0, :2], MAT[:2, :2], x[0, :2]))


def test_readme_lists_the_fallbacks():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    assert batch_table.unsupported_markdown() in readme
