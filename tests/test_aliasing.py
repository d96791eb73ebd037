"""Aliasing and in-place NumPy (s2sad/transforms/aliasing.py).

Every ``ok_*`` function of ``tests/aliasing_cases.py`` is differentiated in every mode
(grad, grad with create_graph=False, value_and_grad, vjp with its pullback called twice,
jvp, jacrev, jacfwd, hessian) and compared with central finite differences of the plain
function, which is always called on copies (it may write into its argument); after every
call the caller's argument must be unchanged.  Every ``bad_*`` function must be refused
with an UnsupportedSyntaxError at the line marked ``# refused`` whose message names both
names involved (and the line of the alias, when one is the reason).
"""
import inspect
import re

import numpy as np
import pytest

import s2sad
from s2sad.errors import UnsupportedSyntaxError

import aliasing_cases as cases

X = np.array([0.7, 1.3, 1.9])
T = np.array([0.3, -0.5, 0.9])
OK = sorted(name for name in dir(cases) if name.startswith("ok_"))


def _fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += eps
        down[k] -= eps
        g[k] = (f(up) - f(down)) / (2 * eps)
    return g


def _plain(f):
    return lambda v: float(f(v.copy()))


def _unchanged(x):
    np.testing.assert_array_equal(x, X, err_msg="s2sad changed the caller's argument")


def _run(mode, f, x):
    if mode == "grad":
        return None, s2sad.grad(f)(x)
    if mode == "grad_no_graph":
        return None, s2sad.grad(f, create_graph=False)(x)
    if mode == "value_and_grad":
        return s2sad.value_and_grad(f)(x)
    if mode == "vjp":
        out, pullback = s2sad.vjp(f, x)
        (first,) = pullback(1.0)
        (second,) = pullback(1.0)
        np.testing.assert_allclose(first, second)
        return out, first
    if mode == "jvp":
        return s2sad.jvp(f, (x,), (T,))
    if mode == "jacrev":
        return None, s2sad.jacrev(f)(x)
    if mode == "jacfwd":
        return None, s2sad.jacfwd(f)(x)
    raise ValueError(mode)


MODES = ["grad", "grad_no_graph", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", OK)
def test_supported(name, mode):
    f = getattr(cases, name)
    plain = _plain(f)
    value, expected = plain(X.copy()), _fd_grad(plain, X.copy())
    x = X.copy()
    out, got = _run(mode, f, x)
    _unchanged(x)
    if mode == "jvp":
        expected = expected @ T
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    if out is not None:
        np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-12)
    out2, got2 = _run(mode, f, x)  # cached code, called again
    _unchanged(x)
    np.testing.assert_allclose(got2, got)


@pytest.mark.parametrize("name", OK)
def test_supported_hessian(name):
    f = getattr(cases, name)
    x = X.copy()
    H = s2sad.hessian(f)(x)
    _unchanged(x)
    grad = s2sad.grad(f)
    columns = []
    for k in range(3):
        e = np.zeros(3)
        e[k] = 1e-5
        columns.append((grad(X + e) - grad(X - e)) / 2e-5)
    np.testing.assert_allclose(H, np.array(columns).T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad(X.copy()), _fd_grad(_plain(f), X.copy()), rtol=1e-5,
                               atol=1e-6)


def test_no_mutating_call_is_left_in_generated_code():
    for name in ("ok_sort", "ok_fill", "ok_out_statement", "ok_copyto", "ok_add_at",
                 "ok_put", "ok_sort_alias", "ok_sort_2d_axis0", "ok_out_method"):
        for mode in ("grad", "vjp", "jvp"):
            source = "\n".join(line for line in s2sad.source(getattr(cases, name), mode=mode)
                               .splitlines() if not line.strip().startswith("#"))
            for call in (".sort(", ".fill(", "out=", "np.copyto(", ".at(", ".put(", "np.put("):
                assert call not in source, (name, mode, call, source)


def test_sort_of_a_copy_leaves_the_caller_alone():
    x = np.array([3.0, 1.0, 2.0])
    g = s2sad.grad(cases.ok_sort)(x)
    np.testing.assert_array_equal(x, [3.0, 1.0, 2.0])
    np.testing.assert_allclose(g, [3.0, 1.0, 2.0])


def test_repeated_indices_accumulate_like_numpy():
    y = np.zeros(3)
    np.add.at(y, [0, 0, 2], X)
    assert y[0] == X[0] + X[1]
    value, g = s2sad.value_and_grad(cases.ok_add_at)(X.copy())
    assert np.isclose(value, cases.ok_add_at(X.copy()))


def test_put_and_fill_match_numpy_on_the_value():
    for name in ("ok_put", "ok_fill", "ok_out_value", "ok_out_tuple_and_where"):
        f = getattr(cases, name)
        assert np.isclose(s2sad.value_and_grad(f)(X.copy())[0], f(X.copy())), name


# --- refusals --------------------------------------------------------------------------

REFUSED = [
    # function, the names the message must show, the line of the alias (offset from the
    # def line) when an alias is the reason
    ("bad_alias_on_one_path", ["z", "y"], 4),
    ("bad_alias_in_some_iterations", ["z", "y"], 5),
    ("bad_global_write", ["WEIGHTS"], None),
    ("bad_global_alias", ["w", "WEIGHTS"], 1),
    ("bad_global_append", ["LOG"], None),
    ("bad_container_sees_write", ["a", "ys"], 2),
    ("bad_list_sort", ["ys"], None),
    ("bad_iadd_unknown_kind_at_run_time", ["y", "ys"], 2),
    ("bad_nested_def_writes_enclosing", ["y"], None),
    ("bad_helper_writes_argument", ["_clobber", "a", "y"], None),
    ("bad_insert", ["ys", "insert"], None),
    ("bad_multiply_at", ["multiply.at"], None),
    ("bad_out_slice", ["y[1:]"], None),
    ("bad_view_alias_unknown", ["w", "y"], 2),
    ("bad_factory_closure_writes_argument", ["_make_acc", "buf", "y"], None),
    ("bad_factory_captures_written_array", ["y", "r"], 2),
    ("bad_shallow_copy_item", ["zs[0]", "ys"], None),
    ("bad_helper_bumps_an_array", ["_bump", "s", "y"], None),
    ("bad_place", ["np.place"], None),
    ("bad_unbound_sort", ["np.ndarray.sort"], None),
]


def _refused_line(f):
    lines, first = inspect.getsourcelines(f)
    marked = [i for i, line in enumerate(lines) if "# refused" in line]
    assert len(marked) == 1
    return first + marked[0]


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("name, names, alias", REFUSED)
def test_refused(name, names, alias, mode):
    f = getattr(cases, name)
    args = (X.copy(), [3.0, 1.0]) if name == "bad_list_sort" else (X.copy(),)
    with pytest.raises(UnsupportedSyntaxError) as info:
        if mode == "grad":
            s2sad.grad(f)(*args)
        else:
            s2sad.jvp(f, args, tuple(np.ones_like(a) if isinstance(a, np.ndarray) else a
                                     for a in args))
    err = info.value
    assert type(err) is UnsupportedSyntaxError
    assert err.filename == cases.__file__
    assert err.lineno == _refused_line(f), str(err)
    message = str(err)
    for n in names:
        assert re.search(r"\b%s\b" % re.escape(n), message) or n in message, (n, message)
    if alias is not None:
        line = inspect.getsourcelines(f)[1] + alias
        assert "line %d" % line in message, (line, message)


def test_refused_write_into_self():
    x = X.copy()
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(cases.MODEL.loss)(x)
    assert info.value.lineno == _refused_line(cases.Model.loss)
    assert "self" in str(info.value) and "`w`" in str(info.value)
    np.testing.assert_array_equal(cases.MODEL.W, [1.0, 2.0, 3.0])
