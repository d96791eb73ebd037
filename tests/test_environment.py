"""Derivatives read globals, closure cells and defaults as the function does, compile
safely from many threads, and are freed with their function.

* **Globals** (issue: stale globals): after ``X = next_batch`` or ``scale = 0.5``, every
  transform (and a derivative made before the change) returns the derivative of the
  function as it now behaves; a change of type, ndim or dtype compiles again.
* **Closure cells and defaults** likewise.
* **Threads**: 16 threads calling grad, value_and_grad, vjp, jvp and hessian of fresh
  functions at once get exactly the single-threaded results.
* **Memory**: a derivative is freed with its function; ``clear_cache`` forgets all.
"""
import gc
import importlib
import sys
import threading
import weakref

import numpy as np
import pytest

import s2sad
from s2sad import compiler
from s2sad.testing import numerical_grad

import environment_cases as cases

W = np.array([0.3, -0.7, 1.1])


@pytest.fixture(autouse=True)
def restore_globals():
    saved = (cases.X, cases.scale, dict(cases.PARAMS), cases.activation)
    yield
    cases.X, cases.scale, cases.activation = saved[0], saved[1], saved[3]
    cases.PARAMS.clear()
    cases.PARAMS.update(saved[2])


def _all_derivatives(f, w):
    """What every transform says the gradient of scalar ``f`` at ``w`` is."""
    out = {"grad": s2sad.grad(f)(w), "value_and_grad": s2sad.value_and_grad(f)(w)[1],
           "no_graph": s2sad.grad(f, create_graph=False)(w),
           "jacrev": s2sad.jacrev(f)(w), "jacfwd": s2sad.jacfwd(f)(w)}
    _, pullback = s2sad.vjp(f, w)
    out["vjp"] = pullback(1.0)[0]
    out["vjp_again"] = pullback(1.0)[0]
    out["jvp"] = np.array([s2sad.jvp(f, (w,), (e,))[1] for e in np.eye(len(w))])
    _, f_jvp = s2sad.linearize(f, w)
    out["linearize"] = np.array([f_jvp(e) for e in np.eye(len(w))])
    return out


def _check_all(f, w, made_before=None):
    expected = numerical_grad(f, (w,))
    for mode, g in _all_derivatives(f, w).items():
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8, err_msg=mode)
    for mode, transform in (made_before or {}).items():
        np.testing.assert_allclose(transform(w), expected, rtol=1e-6, atol=1e-8,
                                   err_msg="made before the change: " + mode)
    H = s2sad.hessian(f)(w)
    g = s2sad.grad(f)
    H_fd = np.array([numerical_grad(lambda v: g(v)[i], (w,)) for i in range(len(w))])
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-6, err_msg="hessian")


def test_rebinding_data_globals_is_seen_by_every_transform():
    made = {"grad": s2sad.grad(cases.loss),
            "no_graph": s2sad.grad(cases.loss, create_graph=False),
            "jacrev": s2sad.jacrev(cases.loss), "jacfwd": s2sad.jacfwd(cases.loss)}
    _check_all(cases.loss, W, made)
    cases.X = np.array([-2.0, 0.5, 4.0])  # the next minibatch, same shape
    cases.scale = 0.5
    _check_all(cases.loss, W, made)
    cases.PARAMS["b"] = -1.5  # a dict-held parameter changed in place
    _check_all(cases.loss, W, made)
    cases.PARAMS = {"w": W, "b": 3.0}  # and rebound
    _check_all(cases.loss, W, made)


def test_a_change_of_type_ndim_or_dtype_compiles_again():
    g = s2sad.grad(cases.loss)
    g(W)
    cases.X = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, 1.0]])  # ndim 1 -> 2
    _check_all(cases.loss, W, {"grad": g})
    cases.X = np.array([1.0, 2.0, -1.0], dtype=np.float32)  # dtype
    np.testing.assert_allclose(g(W), numerical_grad(cases.loss, (W,)), rtol=1e-4)
    cases.X = 1.5  # an array became a Python float
    cases.scale = np.float32(3.0)  # and a Python float a NumPy scalar
    _check_all(cases.loss, W, {"grad": g})


def test_rebinding_a_global_function_is_seen():
    g = s2sad.grad(cases.loss)
    g(W)
    cases.activation = np.sin
    _check_all(cases.loss, W, {"grad": g})

    def softplus(z):
        return np.log1p(np.exp(z))
    cases.activation = softplus
    _check_all(cases.loss, W, {"grad": g})


def test_closure_cells_are_read_when_called():
    closed, set_offset = cases.make_loss(np.array([0.1, 0.2, 0.3]))
    g = s2sad.grad(closed)
    _check_all(closed, W, {"grad": g})
    set_offset(np.array([1.0, -1.0, 2.0]))
    _check_all(closed, W, {"grad": g})
    set_offset(0.75)  # an array became a number
    _check_all(closed, W, {"grad": g})


def test_defaults_are_the_values_the_function_holds():
    g = s2sad.grad(cases.with_default)
    _check_all(cases.with_default, W, {"grad": g})
    cases.X = np.array([5.0, 5.0, 5.0])  # the default keeps the old array, as in Python
    _check_all(cases.with_default, W, {"grad": g})
    cases.with_default.__defaults__ = (np.array([-1.0, 2.0, 0.5]),)
    try:
        _check_all(cases.with_default, W, {"grad": g})
    finally:
        cases.with_default.__defaults__ = (cases.X,)


# --- threads ----------------------------------------------------------------------------

def _fresh_module(tmp_path, name):
    """A new module object holding a fresh copy of environment_cases (new functions)."""
    path = tmp_path / (name + ".py")
    with open(cases.__file__) as source:
        path.write_text(source.read())
    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    module = importlib.import_module(name)
    del sys.modules[name]
    return module


def _run_all(f, x):
    k = 0.7
    return [s2sad.grad(f)(x, k), s2sad.value_and_grad(f, argnums=(0, 1))(x, k)[1][1],
            s2sad.vjp(f, x, k)[1](1.0)[0], s2sad.jvp(f, (x, k), (np.ones(3), 1.0))[1],
            s2sad.hessian(f)(x, k)]


def test_sixteen_threads_compile_and_agree_with_one(tmp_path):
    x = np.array([0.2, -0.4, 0.9])
    expected = _run_all(_fresh_module(tmp_path, "threads_reference").thread_case, x)
    modules = [_fresh_module(tmp_path, "threads_%d" % i) for i in range(4)]
    results, errors = [None] * 64, []
    barrier = threading.Barrier(16)

    def work(t):
        try:
            barrier.wait()
            for j in range(4):
                results[4 * t + j] = _run_all(modules[(t + j) % 4].thread_case, x)
        except Exception as error:  # reported below, with the thread
            errors.append((t, repr(error)))
    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for got in results:
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- memory -----------------------------------------------------------------------------

def test_a_derivative_is_freed_with_its_function(tmp_path):
    refs = []
    for i in range(30):
        module = _fresh_module(tmp_path, "freed_%d" % i)
        f, r = module.thread_case, module.recursive_case
        x = np.array([0.1, 0.2, 0.3])
        s2sad.grad(f)(x, 0.5)
        s2sad.vjp(f, x, 0.5)[1](1.0)
        s2sad.hessian(f)(x, 0.5)
        s2sad.jacfwd(f)(x, 0.5)
        np.testing.assert_allclose(s2sad.grad(r)(x, 2), numerical_grad(r, (x, 2)), rtol=1e-6)
        assert compiler.cached(f) and compiler.cached(r)
        refs += [weakref.ref(f), weakref.ref(r)]
        del module, f, r
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


def test_clear_cache_forgets_every_derivative():
    s2sad.grad(cases.loss)(W)
    assert compiler.cached(cases.loss)
    compiler.clear_cache()
    assert compiler.cached(cases.loss) == {}
    np.testing.assert_allclose(s2sad.grad(cases.loss)(W), numerical_grad(cases.loss, (W,)),
                               rtol=1e-6)
