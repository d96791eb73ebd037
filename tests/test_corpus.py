"""Differentiate every function of the corpus in ``tests/functions.py``.

Each public function of the corpus is called at two random points (one with
``--short``), with inputs generated from its parameter names (see the table in
``functions.py``; a fixed seed per function and point).  At each point the test
checks that

* ``s2sad.grad`` with respect to every float-kind parameter agrees with central
  finite differences (float64), and returns gradients shaped like the inputs;
* ``s2sad.grad(..., create_graph=False)`` (in-place accumulation) gives the same;
* ``s2sad.value_and_grad`` returns ``f``'s value and the same gradients;
* ``s2sad.vjp``'s pullback, seeded with 1.0, gives the same gradients;
* the derivative compiled with ``optimize=False`` gives the same gradients;
* no differentiated call mutates its arguments (the reference values are always
  computed on copies, since a corpus function may write into its own argument).

Functions that fail because of a bug or a missing feature of s2sad stay in the
corpus and are listed in :data:`KNOWN_FAILURES` (strict xfail: fixing the bug
turns the test red until the entry is removed).
"""
import copy
import inspect
import zlib

import numpy as np
import pytest

import s2sad
from s2sad import compiler, pytree
from s2sad.testing import numerical_grad

import functions

#: function name -> why s2sad fails on it today.
KNOWN_FAILURES = {
}

RTOL, ATOL = 1e-5, 1e-6
POINTS = 2
LOW, HIGH = 0.5, 1.5


# --- inputs from parameter names -----------------------------------------------------

def _float(rng):
    return float(rng.uniform(LOW, HIGH))


def _vector(rng):
    return rng.uniform(LOW, HIGH, 4)


def _matrix(rng):
    return rng.uniform(LOW, HIGH, (3, 4))


def _square(rng):
    # A contraction, so that recurrences (rnn, helper_in_loop) stay away from saturation.
    return rng.uniform(LOW, HIGH, (4, 4)) / 4.0


def _int(rng):
    return int(rng.integers(2, 5))


def _vectors(rng):
    return [_vector(rng) for _ in range(3)]


def _params(rng):
    return {"w": _vector(rng), "b": np.array(_float(rng))}


KINDS = {
    "a": _float, "b": _float, "c": _float, "k": _float,
    "w": _vector, "x": _vector, "y": _vector, "z": _vector,
    "A": _matrix, "B": _matrix, "W": _square,
    "n": _int, "xs": _vectors, "p": _params,
}
NOT_DIFFERENTIATED = {"n"}


def corpus():
    """Names of the public functions defined in ``functions.py``, in source order."""
    found = [(f.__code__.co_firstlineno, name)
             for name, f in inspect.getmembers(functions, inspect.isfunction)
             if f.__module__ == functions.__name__ and not name.startswith("_")]
    return [name for _, name in sorted(found)]


def parameters(f):
    return list(inspect.signature(f).parameters)


def make_inputs(f, seed):
    """Positional arguments for ``f``, generated from its parameter names."""
    rng = np.random.default_rng(seed)
    return tuple(KINDS[name](rng) for name in parameters(f))


def float_argnums(f):
    return tuple(i for i, name in enumerate(parameters(f)) if name not in NOT_DIFFERENTIATED)


def seed_of(name, point):
    return zlib.crc32(name.encode()) + point


def pytest_generate_tests(metafunc):
    if "corpus_case" not in metafunc.fixturenames:
        return
    points = 1 if metafunc.config.getoption("--short") else POINTS
    cases, ids = [], []
    for name in corpus():
        marks = ()
        if name in KNOWN_FAILURES:
            marks = (pytest.mark.xfail(reason=KNOWN_FAILURES[name], strict=True),)
        for point in range(points):
            cases.append(pytest.param((name, point), marks=marks))
            ids.append("%s-%d" % (name, point))
    metafunc.parametrize("corpus_case", cases, ids=ids)


# --- comparisons ---------------------------------------------------------------------

def assert_close(got, want, what, rtol=RTOL, atol=ATOL):
    """``got`` and ``want`` have the same pytree structure and close leaves."""
    got_leaves, got_def = pytree.flatten(got)
    want_leaves, want_def = pytree.flatten(want)
    assert got_def == want_def, "%s: structure %s, expected %s" % (what, got_def, want_def)
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w), "%s: shape %s, expected %s" % (
            what, np.shape(g), np.shape(w))
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=what)


def assert_unchanged(args, originals, what):
    for i, (arg, orig) in enumerate(zip(args, originals)):
        for leaf, before in zip(pytree.tree_leaves(arg), pytree.tree_leaves(orig)):
            assert np.array_equal(leaf, before), "%s mutated argument %d" % (what, i)


def test_corpus_function(corpus_case):
    name, point = corpus_case
    f = getattr(functions, name)
    has_aux = name in functions.HAS_AUX
    args = make_inputs(f, seed_of(name, point))
    originals = copy.deepcopy(args)
    argnums = float_argnums(f)

    def reference(*call_args):
        return f(*copy.deepcopy(call_args))

    def output(*call_args):
        out = reference(*call_args)
        return out[0] if has_aux else out

    expected = reference(*args)
    numeric = numerical_grad(output, args, argnums)

    grads = s2sad.grad(f, argnums=argnums, has_aux=has_aux)(*args)
    assert_unchanged(args, originals, "grad")
    if has_aux:
        grads, aux = grads
        assert_close(aux, expected[1], "grad's aux", rtol=1e-12, atol=0.0)
    assert len(grads) == len(argnums)
    for g, i in zip(grads, argnums):
        assert_close(g, numeric[argnums.index(i)], "gradient of %r" % parameters(f)[i])
        for leaf, arg_leaf in zip(pytree.tree_leaves(g), pytree.tree_leaves(args[i])):
            assert type(leaf) is type(arg_leaf), "gradient of a %s is a %s" % (
                type(arg_leaf).__name__, type(leaf).__name__)

    in_place = s2sad.grad(f, argnums=argnums, has_aux=has_aux, create_graph=False)(*args)
    assert_unchanged(args, originals, "grad with create_graph=False")
    assert_close(in_place, (grads, aux) if has_aux else grads,
                 "gradient with create_graph=False", rtol=1e-12, atol=1e-14)

    value, vg_grads = s2sad.value_and_grad(f, argnums=argnums, has_aux=has_aux)(*args)
    assert_unchanged(args, originals, "value_and_grad")
    assert_close(value, expected, "value_and_grad's value", rtol=1e-12, atol=1e-14)
    assert_close(vg_grads, grads, "value_and_grad's gradient", rtol=1e-12, atol=1e-14)

    raw_value, raw_grads = compiler.derivative(f, "grad", argnums, has_aux,
                                               optimize=False).function(*args)
    assert_unchanged(args, originals, "the unoptimized derivative")
    assert_close(raw_value, expected, "unoptimized value", rtol=1e-12, atol=1e-14)
    for raw, g in zip(raw_grads if len(argnums) > 1 else (raw_grads,), grads):
        for raw_leaf, leaf in zip(pytree.tree_leaves(raw), pytree.tree_leaves(g)):
            # the raw code may return a scalar zero for an unused input: broadcast it
            assert_close(np.broadcast_to(raw_leaf, np.shape(leaf)), np.asarray(leaf),
                         "unoptimized gradient", rtol=1e-10, atol=1e-12)

    result = s2sad.vjp(f, *args, has_aux=has_aux)
    out, pullback = result[0], result[1]
    assert_close(out, expected[0] if has_aux else expected, "vjp's output",
                 rtol=1e-12, atol=1e-14)
    cotangents = pullback(1.0)
    assert_unchanged(args, originals, "vjp")
    assert len(cotangents) == len(args)
    for g, i in zip(grads, argnums):
        assert_close(cotangents[i], g, "vjp's cotangent of %r" % parameters(f)[i],
                     rtol=1e-10, atol=1e-12)


def test_corpus_is_large_and_covers_every_kind():
    names = corpus()
    assert len(names) >= 90
    used = {p for name in names for p in parameters(getattr(functions, name))}
    assert used == set(KINDS)
    assert set(KNOWN_FAILURES) <= set(names)
    assert functions.HAS_AUX <= set(names)


def test_inputs_are_reproducible():
    f = functions.dict_argument
    first, second = make_inputs(f, seed_of("dict_argument", 0)), make_inputs(
        f, seed_of("dict_argument", 0))
    assert_close(first, second, "inputs", rtol=0.0, atol=0.0)
    assert type(first[0]["b"]) is np.ndarray and first[0]["b"].shape == ()
