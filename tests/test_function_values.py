"""Functions used as values (issue: function values), checked in every mode.

Each case of ``function_value_cases.py`` is checked by
:func:`differential.check_everything` at points near the origin and far from it: a
closure made by a factory, a function passed as an argument (to the differentiated
function and to helpers, also as a default), ``map``, ``functools.partial``, a
lambda or nested def handed to the user's integrator, and functions held in lists,
tuples and dicts.  A table of functions is guarded like any global: replacing or adding
a function changes the derivative.  What cannot be known when compiling is a located
refusal.
"""
import numpy as np
import pytest

import s2sad
from differential import _vec, check_everything

import function_value_cases as cases

VECTORS = [(_vec(0.3, -1.2, 2.0),), (_vec(-7.0, 9.0, 15.0),)]
NUMBERS = [(0.7,), (-3.5,), (12.0,)]

CASES = {
    "factory_closure": NUMBERS,
    "factory_called_at_once": NUMBERS,
    "layer_loss": [(0.7, np.tanh), (-3.0, cases.softplus), (9.0, np.sin)],
    "helper_receives_functions": VECTORS,
    "helper_receives_a_table": VECTORS,
    "mapped": VECTORS,
    "mapped_lambda": VECTORS,
    "partial_inside": VECTORS,
    "integrate_lambda": VECTORS,
    "integrate_nested_def": VECTORS,
    "global_dict_by_key": VECTORS,
    "global_list_loop": VECTORS,
    "table_argument": [(_vec(0.3, -1.2, 2.0), [np.sin, cases.relu]),
                       (_vec(-7.0, 9.0, 15.0), (np.cos, cases.softplus))],
    "dict_argument": [(_vec(0.3, -1.2, 2.0), {"a": np.sin, "b": cases.softplus}),
                      (_vec(-7.0, 9.0, 15.0), {"b": np.cos})],
    "local_display": VECTORS,
    "local_dict_values": VECTORS,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_value(name):
    check_everything(getattr(cases, name), CASES[name], {}, name)


def test_a_new_function_argument_compiles_a_new_derivative():
    g = s2sad.grad(cases.layer_loss)
    z = np.arange(1.0, 4.0)
    for act, slope in [(np.tanh, lambda v: 1 - np.tanh(v) ** 2), (np.sin, np.cos),
                       (np.tanh, lambda v: 1 - np.tanh(v) ** 2)]:
        w = 0.4
        want = np.sum(2 * act(w * z) * slope(w * z) * z)
        assert np.isclose(g(w, act), want)


def test_replacing_or_adding_a_function_in_a_global_table_is_seen():
    w = _vec(0.3, -1.2, 2.0)
    g = s2sad.grad(cases.global_list_loop)
    first = g(w)
    saved = list(cases.LAYERS)
    try:
        cases.LAYERS[1] = np.cos
        want = np.zeros(3)
        for i in range(3):
            e = np.zeros(3)
            e[i] = 1e-6
            want[i] = (cases.global_list_loop(w + e) - cases.global_list_loop(w - e)) / 2e-6
        got = g(w)
        assert not np.allclose(got, first)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
        cases.LAYERS.append(np.sin)
        np.testing.assert_allclose(g(w), s2sad.grad(cases.global_list_loop)(w))
        moved = g(w)
        assert not np.allclose(moved, got)
    finally:
        cases.LAYERS[:] = saved
    np.testing.assert_allclose(g(w), first)


def test_data_in_a_table_is_read_live():
    w = _vec(0.3, -1.2, 2.0)
    g = s2sad.grad(cases.global_dict_by_key)
    first = g(w)
    try:
        cases.ACTS["scale"] = 2.0
        np.testing.assert_allclose(
            g(w) - first, 1.5 * s2sad.grad(lambda v: np.sum(cases.softplus(v)))(w))
    finally:
        cases.ACTS["scale"] = 0.5


@pytest.mark.parametrize("name, args, construct", [
    ("computed_key", (_vec(1.0, 2.0), "tanh"), "function value"),
    ("loop_with_break", (_vec(1.0, 2.0),), "function value"),
    ("mutated_local_table", (_vec(1.0, 2.0),), "function value"),
    ("recursive_with_lambda", (_vec(1.0, 2.0),), "recursive function that is inlined"),
])
def test_unknown_function_values_are_located_refusals(name, args, construct):
    f = getattr(cases, name)
    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.grad(f)(*args)
    err = info.value
    assert construct in str(err)
    assert err.filename.endswith("function_value_cases.py")
    line = open(err.filename).read().splitlines()[err.lineno - 1]
    assert "refused" in line or "return apply_n" in line
