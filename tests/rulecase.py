"""The rule-table check: one row per rule, checked in every mode to second order.

Every derivative rule has rows (:class:`RuleCase`) in a ``RULE_CASES`` list of a test
module (``test_numpy_rules`` and the ``test_rules_*`` modules; ``test_rule_coverage``
collects them all and fails on a registered key without a row).  A row names a
module-level function (s2sad reads its source) that wraps one operation, usually as
``np.sum(np.sin(op(...)))`` so that every output element gets a different cotangent,
and the argument shapes, domains and dtypes to try.  :func:`check_case` then compares,
at points drawn from the domain:

* reverse mode (``grad``) with central finite differences, every argument;
* forward mode: ``jacfwd`` against ``grad``, and (when every argument is
  differentiated) ``jvp`` along a random direction against the finite difference along
  it and against ``<grad, direction>``;
* second order, once per row (float64, the first shape configuration): the Hessian by
  forward-over-reverse (``hessian``) and by reverse-over-reverse (``jacrev(grad)``)
  against central differences of the verified gradient, every pair of arguments;
* float32: the gradient stays float32 and matches the float64 gradient loosely;
* that the arguments are unchanged by every call.

Use :func:`params` to parametrise a test over a module's rows::

    @pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
    def test_rule(case, shapes, dtype, order, request):
        check_case(case, shapes, dtype, order, request.node.callspec.id)
"""
import copy
import zlib
from typing import Any, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import pytest

import s2sad
from s2sad.testing import numerical_grad

F64, F32 = np.float64, np.float32
C128 = np.complex128
SCALAR = None  # a shape of None means "a Python float argument"
M = ((3, 4),)
M2 = ((3, 4), (3, 4))
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3,)), (SCALAR, (3,))]
POS = (0.5, 2.0)
UNIT = (-0.9, 0.9)


class RuleCase(NamedTuple):
    """One row: ``fn(*args)`` exercises the rule of ``key``.

    Attributes:
      key: the rule key covered (for test_rule_coverage).
      fn: module-level function returning a real scalar.
      shapes: argument shape configurations, one tuple of shapes per configuration
        (``None`` for a Python float).
      domain: ``(low, high)`` for every argument, or one pair per argument.
      dtypes: dtypes to test (``F64``, ``F32``; ``C128`` draws complex arguments).
      rtol: tolerance of the float64 comparisons.
      xfail: reason, when the case fails because of a known bug outside the rule.
      second: whether to check second order (False only with a reason in ``xfail``
        style: set ``second=False`` for rules whose second derivative is zero
        almost everywhere *and* undefined at the sampled points; such rows say why
        in a comment).
      argnums: which arguments to differentiate (default: all).
    """

    key: Any
    fn: Any
    shapes: Sequence[Tuple[Optional[tuple], ...]]
    domain: Any = (-2.0, 2.0)
    dtypes: Tuple[type, ...] = (F64, F32)
    rtol: float = 1e-5
    xfail: str = ""
    second: bool = True
    argnums: Optional[Tuple[int, ...]] = None


def _shape_label(shapes):
    return "x".join("py" if s is SCALAR else str(list(s)).replace(" ", "") for s in shapes)


def params(cases):
    """pytest params ``(case, shapes, dtype, order)`` for every row of ``cases``."""
    out = []
    for case in cases:
        for n, shapes in enumerate(case.shapes):
            for dtype in case.dtypes:
                if dtype is F32 and all(s is SCALAR for s in shapes):
                    continue
                name = case.fn.__name__
                label = "%s-%s-%s" % (name[2:] if name.startswith("f_") else name,
                                      _shape_label(shapes), np.dtype(dtype).name)
                marks = [pytest.mark.xfail(reason=case.xfail)] if case.xfail else []
                out.append(pytest.param(case, shapes, dtype, 1, id=label, marks=marks))
                if n == 0 and dtype is F64 and case.second:
                    out.append(pytest.param(case, shapes, dtype, 2, id=label + "-order2",
                                            marks=marks))
    return out


def make_args(case, shapes, dtype, label):
    """Arguments drawn from the row's domain, seeded by ``label``."""
    rng = np.random.default_rng(zlib.crc32(label.encode()))
    domains = case.domain if isinstance(case.domain[0], tuple) else [case.domain] * len(shapes)
    args = []
    for shape, (low, high) in zip(shapes, domains):
        if shape is SCALAR:
            args.append(float(rng.uniform(low, high)))
        elif dtype is C128:
            args.append(rng.uniform(low, high, size=shape)
                        + 1j * rng.uniform(low, high, size=shape))
        else:
            args.append(np.asarray(rng.uniform(low, high, size=shape), dtype=dtype))
    return args


def _argnums(case, args):
    return case.argnums if case.argnums is not None else tuple(range(len(args)))


def _vdot(a, b):
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def _assert_unchanged(before, after, what):
    for i, (a, b) in enumerate(zip(before, after)):
        assert np.array_equal(np.asarray(a), np.asarray(b)), (
            "%s changed argument %d" % (what, i))


def check_case(case, shapes, dtype, order, label):
    """Run every check of the row ``case`` (see the module docstring)."""
    base = label.rsplit("-", 2)[0] if label.endswith("-order2") else label.rsplit("-", 1)[0]
    seed_dtype = C128 if dtype is C128 else F64
    args = make_args(case, shapes, seed_dtype, base)
    saved = copy.deepcopy(args)
    argnums = _argnums(case, args)
    if order == 2:
        _check_second_order(case, args, argnums)
        _assert_unchanged(saved, args, "second order")
        return
    grads = s2sad.grad(case.fn, argnums=argnums)(*args)
    _assert_unchanged(saved, args, "grad")
    expected = numerical_grad(case.fn, args, argnums=argnums)
    for i, (got, want) in zip(argnums, zip(grads, expected)):
        assert np.shape(got) == np.shape(want), "argument %d: shape" % i
        np.testing.assert_allclose(got, want, rtol=case.rtol, atol=1e-6,
                                   err_msg="reverse mode: gradient of argument %d" % i)
    _check_forward(case, args, argnums, grads)
    _assert_unchanged(saved, args, "jvp")
    if dtype is F32:
        args32 = [a if isinstance(a, float) else a.astype(F32) for a in args]
        grads32 = s2sad.grad(case.fn, argnums=argnums)(*args32)
        for i, g32, g64 in zip(argnums, grads32, grads):
            if isinstance(args32[i], float):
                continue
            assert np.result_type(g32) == F32, "argument %d: dtype %s" % (
                i, np.result_type(g32))
            scale = max(1.0, float(np.max(np.abs(g64))))
            np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-3 * scale)


def _direction(args, argnums, seed):
    rng = np.random.default_rng(seed)
    tangents = []
    for i, a in enumerate(args):
        if i not in argnums:
            tangents.append(np.zeros_like(a) if not isinstance(a, float) else 0.0)
        elif isinstance(a, float):
            tangents.append(float(rng.standard_normal()))
        elif np.iscomplexobj(a):
            tangents.append(rng.standard_normal(np.shape(a))
                            + 1j * rng.standard_normal(np.shape(a)))
        else:
            tangents.append(np.asarray(rng.standard_normal(np.shape(a)), dtype=a.dtype))
    return tangents


def _check_forward(case, args, argnums, grads, eps=1e-6):
    tangents = _direction(args, argnums, 1)
    # forward mode with argnums: jacfwd (batched tangents), against reverse mode
    complex_args = any(np.iscomplexobj(a) for a in args)
    forward = () if complex_args else s2sad.jacfwd(case.fn, argnums=argnums)(*args)
    for i, got, want in zip(argnums, forward, grads):
        scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-8,
                                   atol=1e-10 * scale,
                                   err_msg="jacfwd disagrees with grad for argument %d" % i)
    if len(argnums) < len(args):
        return  # jvp differentiates every argument
    primal, tangent = s2sad.jvp(case.fn, tuple(args), tuple(tangents))
    np.testing.assert_allclose(primal, case.fn(*args), rtol=1e-12, atol=1e-12)
    plus = [a + eps * t if i in argnums else a for i, (a, t) in enumerate(zip(args, tangents))]
    minus = [a - eps * t if i in argnums else a for i, (a, t) in enumerate(zip(args, tangents))]
    numeric = (float(np.real(case.fn(*plus))) - float(np.real(case.fn(*minus)))) / (2 * eps)
    scale = 1.0 + abs(numeric)
    assert abs(float(np.real(tangent)) - numeric) <= 1e-5 * scale * 10, (
        "forward mode: jvp %r, finite differences %r" % (tangent, numeric))
    # reverse against forward: <grad, t> (JAX's convention: Re(sum(g * t)))
    reverse = sum(_vdot(g, tangents[i]) for i, g in zip(argnums, grads))
    assert abs(float(np.real(tangent)) - reverse) <= 1e-8 * (1.0 + abs(reverse)) * 100, (
        "forward mode jvp %r disagrees with reverse mode <grad, t> %r" % (tangent, reverse))


def _check_second_order(case, args, argnums, eps=1e-5):
    """Hessian blocks by forward-over-reverse and reverse-over-reverse against central
    differences of the (first-order-verified) gradient."""
    grad = s2sad.grad(case.fn, argnums=argnums)
    fwd_rev = s2sad.hessian(case.fn, argnums=argnums)(*args)
    rev_rev = s2sad.jacrev(grad, argnums=argnums)(*args)
    for col, j in enumerate(argnums):
        base = np.asarray(args[j], dtype=float)
        cols = []
        for k in np.ndindex(base.shape):
            values = []
            for sign in (1.0, -1.0):
                moved = list(args)
                x = base.copy()
                x[k] += sign * eps
                moved[j] = float(x) if isinstance(args[j], float) else x
                values.append(grad(*moved))
            cols.append([(np.asarray(p, float) - np.asarray(m, float)) / (2 * eps)
                         for p, m in zip(*values)])
        for row, i in enumerate(argnums):
            shape_i = np.shape(args[i])
            want = np.stack([c[row] for c in cols], axis=-1) if cols else np.zeros(shape_i)
            want = want.reshape(shape_i + base.shape)
            for name, got in (("hessian (forward over reverse)", fwd_rev[row][col]),
                              ("jacrev(grad) (reverse over reverse)", rev_rev[row][col])):
                got = np.asarray(got)
                assert got.shape == want.shape, "%s block (%d, %d): shape %s, expected %s" % (
                    name, i, j, got.shape, want.shape)
                scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
                np.testing.assert_allclose(
                    np.real(got), want, rtol=1e-4, atol=1e-5 * scale,
                    err_msg="%s block (%d, %d)" % (name, i, j))
                if np.iscomplexobj(got):
                    assert np.allclose(np.imag(got), 0.0, atol=1e-9 * scale), (
                        "%s block (%d, %d) has an imaginary part" % (name, i, j))
