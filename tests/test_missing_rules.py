"""Calls s2sad has no rule for: the messages, and differentiating library functions.

* a missing rule is a :class:`MissingRuleError` naming the function as users spell it
  (``numpy.add.accumulate``, ``scipy.special.<ufunc>``, ``x.<method>(...)``), the
  user's ``file:line`` and the registration APIs that exist (``s2sad.rules.adjoint``,
  ``s2sad.custom_vjp``), never an address ``0x...``;
* a keyword the rule does not take is an :class:`UnsupportedArgumentError` (a
  MissingRuleError located like a SyntaxError);
* library code (NumPy, SciPy, the standard library, site-packages) is never read as
  the user's source: without a rule it is a MissingRuleError at the user's line;
* ``grad(np.sum)``, ``jvp(np.sin, ...)`` & co. differentiate the library function
  through its rule, as in JAX;
* recursive functions differentiated twice name no s2sad internals.
"""
import inspect
import re
import math
import os
import statistics

import numpy as np
import pytest
import scipy.special
import scipy.stats

import s2sad
from s2sad import rules
from s2sad.errors import (
    MissingRuleError, UnsupportedArgumentError, UnsupportedSyntaxError, public_name,
    rule_key_text,
)
from s2sad.transforms.calls import callee, is_library_code

X = np.array([0.5, -1.0, 2.0])


def _line(func, text):
    """``(file, line)`` of the first line of ``func``'s source containing ``text``."""
    lines, first = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        if text in line:
            return inspect.getsourcefile(func), first + i
    raise AssertionError(text)


def _rejects(func, error, *args):
    with pytest.raises(error) as info:
        s2sad.grad(func)(*args)
    message = str(info.value)
    assert "0x" not in message and "s2sad.rules.adjoint(" in message
    for api in re.findall(r"s2sad\.(\w+)\b", message):  # every API named exists
        assert hasattr(s2sad, api), api
    return info.value, message


def _first_without_rule(keys):
    for key in keys:
        if rules.lookup_adjoint(key) is None and not rules.is_nondifferentiable(key):
            return key
    pytest.skip("every candidate has a rule now")


# --- public names ---

def test_public_names():
    assert public_name(np.add.reduce) == "numpy.add.reduce"
    assert public_name(np.multiply.accumulate) == "numpy.multiply.accumulate"
    assert public_name(scipy.special.expit) == "scipy.special.expit"
    assert public_name(scipy.special.gammaln) == "scipy.special.gammaln"
    assert public_name(np.linalg.norm) == "numpy.linalg.norm"
    assert public_name(np.sum) == "numpy.sum"
    assert public_name(np.r_) == "numpy.r_"
    assert public_name(rules.method("std")) == "x.std(...)"
    assert public_name(rules.attribute("T")) == "x.T"
    assert public_name(sorted) == "sorted"
    assert public_name(math.exp) == "math.exp"
    assert public_name(scipy.stats.zscore) == "scipy.stats.zscore"
    assert public_name(scipy.stats.norm.pdf) == "scipy.stats.norm.pdf"
    assert public_name(np.ndarray.sum) == "numpy.ndarray.sum"
    assert rule_key_text(rules.method("std")) == "s2sad.rules.method('std')"
    assert rule_key_text(np.add.reduce) == "numpy.add.reduce"


# --- messages of missing rules ---

UFUNC_METHODS = [np.logaddexp2.accumulate, np.hypot.accumulate, np.arctan2.accumulate]


def f_ufunc_method(x):
    y = x * 2.0
    return np.sum(UFUNC_METHOD(y))


def test_ufunc_method_is_named_publicly():
    global UFUNC_METHOD
    UFUNC_METHOD = _first_without_rule(UFUNC_METHODS)
    err, message = _rejects(f_ufunc_method, MissingRuleError, X)
    name = public_name(UFUNC_METHOD)
    assert name.startswith("numpy.") and name.endswith(".accumulate")
    filename, line = _line(f_ufunc_method, "UFUNC_METHOD(y)")
    assert "no derivative rule for %s (called at %s:%d in f_ufunc_method)" % (
        name, filename, line) in message
    assert "@s2sad.rules.adjoint(%s)" % name in message
    assert "s2sad.rules.nondifferentiable(%s)" % name in message
    assert "built-in method" not in message and err.name == name


SCIPY_UFUNCS = [scipy.special.kolmogorov, scipy.special.kolmogi, scipy.special.smirnovi,
                scipy.special.cosdg]


def f_scipy_unary(x):
    return np.sum(SCIPY_UFUNC(x + 3.0))


def test_scipy_ufunc_is_named_by_its_module():
    global SCIPY_UFUNC
    SCIPY_UFUNC = _first_without_rule(SCIPY_UFUNCS)
    err, message = _rejects(f_scipy_unary, MissingRuleError, X)
    filename, line = _line(f_scipy_unary, "SCIPY_UFUNC(x + 3.0)")
    name = "scipy.special.%s" % SCIPY_UFUNC.__name__
    assert "no derivative rule for %s (called at %s:%d" % (name, filename, line) in message
    assert "numpy.%s" % SCIPY_UFUNC.__name__ not in message


def f_calls_method(x):
    y = x + 1.0
    return y.ptp()


def test_method_is_named_as_a_method():
    if rules.lookup_adjoint(rules.method("ptp")) is not None:
        pytest.skip("x.ptp() has a rule now")
    err, message = _rejects(f_calls_method, MissingRuleError, X)
    filename, line = _line(f_calls_method, "y.ptp()")
    assert "no derivative rule for x.ptp(...) (called at %s:%d" % (filename, line) in message
    assert "@s2sad.rules.adjoint(s2sad.rules.method('ptp'))" in message


# --- keywords a rule does not take ---

def f_sin_where(x):
    m = x > 0.0
    return np.sum(np.sin(x, where=m))


def test_keyword_the_rule_does_not_take():
    if "where" in rules.lookup_adjoint(np.sin).signature.parameters:
        pytest.skip("np.sin's rule takes where= now")
    err, message = _rejects(f_sin_where, UnsupportedArgumentError, X)
    assert isinstance(err, MissingRuleError) and isinstance(err, UnsupportedSyntaxError)
    filename, line = _line(f_sin_where, "where=m")
    assert (err.filename, err.lineno) == (filename, line)
    assert message.startswith("%s:%d: the keyword argument 'where' of numpy.sin is not "
                              "supported by its derivative rule" % (filename, line))
    assert "leave where= out" in message
    assert "@s2sad.rules.adjoint(numpy.sin)" in message
    assert "<ufunc" not in message
    assert err.text.strip() == "return np.sum(np.sin(x, where=m))"
    assert err.where.startswith("%s:%d in f_sin_where" % (filename, line))


def f_norm_ord(x):
    return np.linalg.norm(x * 2.0, ord=1)


def test_keyword_of_a_linalg_function():
    if "ord" in rules.lookup_adjoint(np.linalg.norm).signature.parameters:
        np.testing.assert_allclose(s2sad.grad(f_norm_ord)(X), 2.0 * np.sign(X))
        return
    err, message = _rejects(f_norm_ord, UnsupportedArgumentError, X)
    filename, line = _line(f_norm_ord, "ord=1")
    assert message.startswith("%s:%d: the keyword argument 'ord' of numpy.linalg.norm"
                              % (filename, line))
    assert "<function" not in message


# --- library code is never read as user source ---

def f_statistics(x):
    xs = [x[0], x[1], x[2]]
    return statistics.fmean(xs) * 2.0


def test_stdlib_function_is_a_missing_rule_at_the_users_line():
    err, message = _rejects(f_statistics, MissingRuleError, X)
    filename, line = _line(f_statistics, "statistics.fmean")
    assert "no derivative rule for statistics.fmean (called at %s:%d" % (
        filename, line) in message
    assert "library code" in message and "statistics.py" in message
    assert "with block" not in message and "try/except" not in message


def f_zscore(x):
    return np.sum(scipy.stats.zscore(x) * np.arange(3.0))


def test_scipy_python_function_is_a_missing_rule():
    if rules.lookup_adjoint(scipy.stats.zscore) is not None:
        pytest.skip("scipy.stats.zscore has a rule now")
    err, message = _rejects(f_zscore, MissingRuleError, X)
    filename, line = _line(f_zscore, "scipy.stats.zscore(x)")
    assert "no derivative rule for scipy.stats.zscore (called at %s:%d" % (
        filename, line) in message
    assert "writes into its parameter" not in message


def test_library_code_is_told_by_its_file(tmp_path):
    assert is_library_code(statistics.fmean)
    assert is_library_code(scipy.stats.zscore)
    assert is_library_code(inspect.getsource)
    assert not is_library_code(f_zscore)
    assert not is_library_code(s2sad.runtime.unbroadcast)  # s2sad's own code
    path = tmp_path / "user_module.py"
    path.write_text("def g(x):\n    return x * 2.0\n")
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    assert not is_library_code(namespace["g"])
    assert callee(statistics.fmean) is None and callee(f_zscore) == (f_zscore, None)


def test_a_user_function_is_still_compiled(tmp_path):
    def user(x):
        return np.sum(x * x)
    np.testing.assert_allclose(s2sad.grad(user)(X), 2.0 * X)


# --- differentiating a library function directly ---

def test_grad_of_library_functions():
    np.testing.assert_allclose(s2sad.grad(np.sum)(X), np.ones(3))
    np.testing.assert_allclose(s2sad.grad(np.linalg.norm)(X), X / np.linalg.norm(X))
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(s2sad.jacrev(np.sum)(a, 1), np.stack(
        [np.r_[np.ones(3), np.zeros(3)].reshape(2, 3),
         np.r_[np.zeros(3), np.ones(3)].reshape(2, 3)]))
    ga, gb = s2sad.grad(np.dot, argnums=(0, 1))(X, 2.0 * X)
    np.testing.assert_allclose(ga, 2.0 * X)
    np.testing.assert_allclose(gb, X)
    assert s2sad.grad(math.exp)(1.5) == pytest.approx(math.exp(1.5))
    assert s2sad.grad(np.floor)(1.5) == 0.0


def test_forward_and_second_order_of_library_functions():
    t = np.array([1.0, 2.0, -1.0])
    out, tangent = s2sad.jvp(np.sin, (X,), (t,))
    np.testing.assert_allclose(out, np.sin(X))
    np.testing.assert_allclose(tangent, np.cos(X) * t)
    out, pullback = s2sad.vjp(np.tanh, X)
    np.testing.assert_allclose(pullback(t)[0], (1.0 - np.tanh(X) ** 2) * t)
    h = s2sad.hessian(np.prod)(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(h, [[0.0, 3.0, 2.0], [3.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    assert s2sad.grad(s2sad.grad(np.sin))(0.5) == pytest.approx(-np.sin(0.5))
    assert "_s2sad_library_function" in s2sad.source(np.sum)


def test_grad_of_a_library_function_without_rule():
    with pytest.raises(MissingRuleError) as info:
        s2sad.grad(statistics.fmean)
    message = str(info.value)
    assert message.startswith("no derivative rule for statistics.fmean (passed to "
                              "s2sad.grad)")
    assert "@s2sad.rules.adjoint(statistics.fmean)" in message


# --- sorting lists ---

def f_sorted(x):
    xs = sorted([x[2], x[0], x[1]])
    return xs[0] + 2.0 * xs[2]


def test_sorted_list_is_a_located_refusal():
    if rules.lookup_adjoint(sorted) is not None:
        pytest.skip("sorted has a rule now")
    err, message = _rejects(f_sorted, MissingRuleError, X)
    filename, line = _line(f_sorted, "= sorted(")
    assert "no derivative rule for sorted (called at %s:%d" % (filename, line) in message
    assert "np.sort(np.stack(xs))" in message


# --- recursion, differentiated twice ---

def f_recursive(x, n):
    if n == 0:
        return x
    return f_recursive(x * 2.0, n - 1)


def f_uses_recursion(x):
    return np.sum(f_recursive(x, 3) ** 2)


def test_recursion_differentiated_twice():
    np.testing.assert_allclose(s2sad.hessian(f_uses_recursion)(X), 128.0 * np.eye(3))
    np.testing.assert_allclose(s2sad.jacrev(s2sad.grad(f_uses_recursion))(X),
                               128.0 * np.eye(3))


def test_no_error_names_s2sad_internals():
    def f(x):
        return np.sum(statistics.fmean([x[0], x[1]]) * x)
    with pytest.raises(MissingRuleError) as info:
        s2sad.hessian(f)(X)
    message = str(info.value)
    assert "Lazy" not in message and os.path.join("s2sad", "compiler") not in message


# --- free names: a nested function's parameter is not the module's global ---

shadowed = np.full(2, 100.0)  # a global with the name of a nested function's parameter


def _factory(k):
    def scaled(shadowed):
        return shadowed * k
    return scaled


def f_factory_call(v):
    return np.sum(_factory(3.0)(v))


def test_nested_parameter_is_not_resolved_as_a_global():
    np.testing.assert_allclose(s2sad.grad(f_factory_call)(np.ones(2)), [3.0, 3.0])
    _, tangent = s2sad.jvp(f_factory_call, (np.ones(2),), (np.ones(2),))
    assert tangent == pytest.approx(6.0)
