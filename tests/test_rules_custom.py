"""Rules of the helpers behind user-written derivatives (``s2sad.rules.custom_rules``):
``stop_gradient`` and the check of a ``custom_vjp`` backward rule's result
(``custom_cotangents``) and its transpose, checked by :func:`rulecase.check_case` in
every mode to second order.  The transforms themselves are in ``test_custom.py``."""
import numpy as np
import pytest

import s2sad
from s2sad.runtime import custom_cotangents, stop_gradient, uncustom_cotangents
from rulecase import RuleCase, check_case, params


def f_custom_cotangents(a, b):
    # the cotangents of arguments 0 and 2 of three, one given as None
    first, third = custom_cotangents((a * b, None, np.exp(b)), (a, a, b), (0, 2), "rule")
    return np.sum(np.sin(first) * np.cos(third))


def f_uncustom_cotangents(a, b):
    ct = uncustom_cotangents((a * b, np.exp(b)), (a, None, b), (0, 2))
    return np.sum(np.sin(ct[0]) * np.cos(ct[2]))


RULE_CASES = [
    RuleCase(custom_cotangents, f_custom_cotangents, [((3, 4), (3, 4))]),
    RuleCase(uncustom_cotangents, f_uncustom_cotangents, [((3, 4), (3, 4))]),
]


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


def test_stop_gradient_is_declared_non_differentiable():
    # (it has no row above: rows compare with finite differences, which see through it)
    assert s2sad.rules.is_nondifferentiable(stop_gradient)
    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(s2sad.grad(lambda a: np.sum(a * stop_gradient(a)))(x), x)
    np.testing.assert_allclose(
        s2sad.jvp(lambda a: np.sum(a * stop_gradient(a)), (x,), (np.ones(2),))[1], -1.0)
