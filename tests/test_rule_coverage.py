"""Rule coverage: every required key has a rule, every rule a tangent and a test row.

``REQUIRED`` lists the functions s2sad promises to differentiate (issue #2);
each needs an adjoint rule or a non-differentiable declaration.  Every
adjoint rule also needs a tangent (a template or a ``linear`` declaration), so
forward mode never meets a hole, and a row in ``test_numpy_rules.RULE_CASES``,
so it is checked against finite differences (the ``RULE_CASES`` of
``test_numpy_rules`` and of every ``test_rules_*`` module).
"""
import math
import operator

import numpy as np
import pytest

from s2sad import rules, runtime
from s2sad.rules import attribute, method

import importlib
import pathlib

#: every row of every rule table: test_numpy_rules and the test_rules_* modules
RULE_CASES = [case for path in sorted(pathlib.Path(__file__).parent.glob("test_*rules*.py"))
              if path.stem != "test_rule_coverage"
              for case in getattr(importlib.import_module(path.stem), "RULE_CASES", [])]


def _shipped_keys():
    """The keys whose adjoint template is s2sad's own: other test modules register rules
    of their own (``test_check_grads``' deliberately wrong ones) in the same process."""
    return [key for key in rules.registered_keys()
            if rules.lookup_adjoint(key).func.__module__.startswith("s2sad.")]


REQUIRED = [
    # operators and their ufuncs
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.matmul,
    operator.neg, operator.pos, operator.getitem,
    np.add, np.subtract, np.multiply, np.divide, np.true_divide, np.power, np.negative,
    np.positive, np.matmul,
    # elementwise
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh,
    np.exp, np.expm1, np.exp2, np.log, np.log1p, np.log2, np.log10, np.sqrt, np.square,
    np.abs, np.absolute, np.sign, np.maximum, np.minimum, np.where, np.clip, np.logaddexp,
    np.arctan2, np.hypot, np.reciprocal, np.cbrt,
    # reductions
    np.sum, np.mean, np.prod, np.max, np.amax, np.min, np.amin,
    # linear algebra and shape
    np.dot, np.transpose, np.reshape, np.squeeze, np.expand_dims, np.broadcast_to,
    np.concatenate, np.stack,
    # constructors with differentiable arguments (start/stop/step)
    np.arange, np.linspace,
    # array methods and attributes
    method("sum"), method("mean"), method("max"), method("min"), method("prod"),
    method("reshape"), method("dot"), method("transpose"), method("astype"), method("ravel"),
    method("flatten"), method("copy"), method("squeeze"), attribute("T"),
    # math and builtins
    math.sin, math.cos, math.tan, math.exp, math.log, math.sqrt, math.tanh, math.pow,
    math.atan2, abs,
]

REQUIRED_NONDIFF = [
    np.shape, np.ndim, np.size, np.zeros, np.ones, np.empty, np.eye,
    np.zeros_like, np.ones_like, np.empty_like, np.argmax, np.argmin, np.argsort, np.sign,
    np.floor, np.ceil, np.round, np.isnan, np.isfinite,
    np.equal, np.not_equal, np.greater, np.greater_equal, np.less, np.less_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
    len, range, isinstance, int, bool,
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne, operator.not_,
    attribute("shape"), attribute("ndim"), attribute("size"), attribute("dtype"),
    method("argmax"), method("argmin"), method("nonzero"),
]

# Runtime helpers without derivative rules: none (generated code calls them, and
# differentiating generated code again differentiates the calls).
HELPERS_WITHOUT_RULES = set()


def _name(key):
    return getattr(key, "__name__", None) or repr(key)


@pytest.mark.parametrize("key", REQUIRED, ids=_name)
def test_required_key_has_adjoint(key):
    assert rules.lookup_adjoint(key) is not None or rules.is_nondifferentiable(key), (
        "%r has neither an adjoint rule nor a non-differentiable declaration" % (key,))


@pytest.mark.parametrize("key", REQUIRED_NONDIFF, ids=_name)
def test_required_nondifferentiable(key):
    assert rules.is_nondifferentiable(key)
    assert rules.lookup_adjoint(key) is None


@pytest.mark.parametrize("key", _shipped_keys(), ids=_name)
def test_adjoint_rule_has_tangent(key):
    assert rules.lookup_tangent(key) is not None or rules.is_linear(key), (
        "%r has an adjoint rule but neither a tangent template nor a linear declaration"
        % (key,))


def test_every_tangent_has_an_adjoint():
    for key in rules.registry._TANGENTS:
        assert rules.lookup_adjoint(key) is not None, key


@pytest.mark.parametrize("key", _shipped_keys(), ids=_name)
def test_rule_has_test_row(key):
    tested = {case.key for case in RULE_CASES}
    assert key in tested, "%r has a rule but no row in any RULE_CASES table" % (key,)


def test_rows_name_registered_keys():
    for case in RULE_CASES:
        assert rules.lookup_adjoint(case.key) is not None, case


def test_runtime_helpers_have_rules_or_are_listed():
    assert len(runtime.__all__) > 30
    for name in runtime.__all__:
        helper = getattr(runtime, name)
        has_rule = rules.lookup_adjoint(helper) is not None or rules.is_nondifferentiable(helper)
        assert has_rule or name in HELPERS_WITHOUT_RULES, name


def test_nondifferentiable_and_adjoint_are_disjoint():
    for key in rules.registered_keys():
        assert not rules.is_nondifferentiable(key), key
