"""Rule table of the elementwise functions, operators, casts and complex parts (issue 12):
rows checked by :func:`rulecase.check_case`, and targeted tests of special points
(``x ** p`` at 0, ``clip`` with crossed bounds, NaN in ``fmax``/``fmin``, the origin of
``hypot``/``arctan2``), complex inputs (JAX's convention: ``grad`` of a real function
of ``z`` is ``df/dx - i df/dy``) and second order through complex intermediates.
"""
import math
import operator

import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad.rules import attribute, method

from rulecase import BINARY, C128, F64, M, M2, POS, SCALAR, UNIT, RuleCase, check_case, params

BIN3 = BINARY[:3]
V = np.array([1.0 + 2.0j, 3.0 - 1.0j, 0.5j])


# --- unary ---

def f_arcsinh(x):
    return np.sum(np.sin(np.arcsinh(x)))


def f_arccosh(x):
    return np.sum(np.sin(np.arccosh(x)))


def f_arctanh(x):
    return np.sum(np.sin(np.arctanh(x)))


def f_fabs(x):
    return np.sum(np.sin(np.fabs(x)))


def f_deg2rad(x):
    return np.sum(np.sin(np.deg2rad(x * 30.0)))


def f_radians(x):
    return np.sum(np.sin(np.radians(x * 30.0)))


def f_rad2deg(x):
    return np.sum(np.sin(np.rad2deg(x) / 30.0))


def f_degrees(x):
    return np.sum(np.sin(np.degrees(x) / 30.0))


def f_sinc(x):
    return np.sum(np.sin(np.sinc(x)))


def f_nan_to_num(x):
    return np.sum(np.sin(np.nan_to_num(x)))


def f_nan_to_num_fill(x, v):
    return np.sum(np.sin(np.nan_to_num(np.where(x > 0.0, x, np.nan), nan=v) * x))


def f_nan_to_num_inf(x, v, w):
    big = np.where(x > 1.0, np.inf, np.where(x < -1.0, -np.inf, x))
    return np.sum(np.sin(np.nan_to_num(big, posinf=v, neginf=w) * x))


def f_float64(x):
    return np.sum(np.sin(np.float64(x) * 1.5))


def f_float32(x):
    # np.float32 rounds: its rounding noise, scaled down, stays below the tolerances
    return np.sum(np.sin(x + 1e-4 * (np.float32(x) - x)))


def f_complex128(x):
    return np.sum(np.sin(np.real(np.complex128(x) * (1.0 + 2.0j))))


def f_float_builtin(x):
    return math.sin(float(x) * 1.5)


# --- complex parts (C128 rows: complex arguments; F64 rows: complex intermediates) ---

def f_real_c(z):
    return np.sum(np.sin(np.real(z)) + np.real(z * z))


def f_imag(z):
    return np.sum(np.sin(np.imag(z * z)) * 1.3 + np.imag(z))


def f_imag_attr(z):
    return np.sum(np.sin((z * (1.0 + 2.0j) + z * z * 1j).imag))


def f_real_attr_c(z):
    return np.sum(np.sin((z * (1.0 - 0.5j)).real))


def f_conj(z):
    w = np.conj(z) * z * (0.5 + 1j)
    return np.sum(np.real(w) * 1.3 + np.imag(w))


def f_conjugate(z):
    return np.sum(np.sin(np.real(np.conjugate(z * (2.0 - 1.0j)) * z)))


def f_conj_method(z):
    return np.sum(np.imag(z.conj() * (1.0 + 1j) + z * z))


def f_conjugate_method(z):
    return np.sum(np.real(z.conjugate() * z.conjugate() * (0.3 - 1j)))


def f_angle(z):
    return np.sum(np.sin(np.angle(z)))


def f_angle_deg(z):
    return np.sum(np.sin(np.angle(z * (1.0 + 1j), deg=True) / 90.0))


def f_angle_real(x):
    # angle of a complex intermediate of a real argument (second order)
    return np.sum(np.sin(np.angle(x + 1.5j + x * x * 1j)))


def f_imag_real(x):
    return np.sum(np.sin(np.imag(np.exp(1j * x) * V[0])))


def f_exp_phase(x):
    return np.real(np.sum(np.exp(1j * x) * V))


def wrap(w):
    """A real scalar of the complex array ``w`` (every element a different cotangent)."""
    return np.sum(np.real(w) * 1.3 + np.imag(w))


def f_c_exp(z):
    return wrap(np.exp(z))


def f_c_log(z):
    return wrap(np.log(z))


def f_c_sqrt(z):
    return wrap(np.sqrt(z))


def f_c_square(z):
    return wrap(np.square(z))


def f_c_sin(z):
    return wrap(np.sin(z))


def f_c_tanh(z):
    return wrap(np.tanh(z))


def f_c_arcsinh(z):
    return wrap(np.arcsinh(z))


def f_c_arccosh(z):
    return wrap(np.arccosh(z))


def f_c_arctanh(z):
    return wrap(np.arctanh(z))


def f_c_arcsin(z):
    return wrap(np.arcsin(z))


def f_c_reciprocal(z):
    return wrap(np.reciprocal(z))


def f_c_expm1(z):
    return wrap(np.expm1(z) + np.log1p(z) + np.exp2(z))


def f_c_abs(z):
    return np.sum(np.sin(np.abs(z)))


def f_c_pow(z):
    return wrap(z ** 3 + z ** 0.5)


def f_c_mul(z, w):
    return wrap(z * w + z / w - w)


def f_c_sinc(z):
    return wrap(np.sinc(z))


# --- binary ---

def f_logaddexp2(x, y):
    return np.sum(np.sin(np.logaddexp2(x, y)))


def f_fmax(x, y):
    return np.sum(np.sin(np.fmax(x, y)))


def f_fmin(x, y):
    return np.sum(np.sin(np.fmin(x, y)))


def f_fmod(x, y):
    return np.sum(np.sin(np.fmod(x, y)))


def f_copysign(x, y):
    return np.sum(np.sin(np.copysign(x, y)))


def f_heaviside(x, h):
    return np.sum(np.sin(np.heaviside(np.round(x), h) * x + h))


def f_float_power(x, p):
    return np.sum(np.sin(np.float_power(x, p)))


def f_pow_mixed(x, p):
    return np.sum(np.sin(x ** 2 + x ** p + 0.5 ** p))


def f_math_pow(x, p):
    return math.sin(math.pow(x, p) + math.pow(x, 2.0))


def f_clip_method(x, lo, hi):
    return np.sum(np.sin(x.clip(lo, hi) + x.clip(min=lo) + x.clip(max=hi)))


def f_clip_crossed(x, lo):
    return np.sum(np.sin(np.clip(x, lo + 0.5, lo) * x))


def f_power_term(c, x, q):
    return np.sum(np.sin(runtime.power_term(c, x, q)))


def f_real_cotangent(x):
    # the real part of a complex value, as the adjoint of a real operand is projected
    return np.sum(np.sin(runtime.real_cotangent(x * (1.5 + 0.5j), x)))


RULE_CASES = [
    RuleCase(np.arcsinh, f_arcsinh, [M, ((),), (SCALAR,)], domain=(-3.0, 3.0)),
    RuleCase(np.arccosh, f_arccosh, [M, (SCALAR,)], domain=(1.2, 4.0)),
    RuleCase(np.arctanh, f_arctanh, [M, (SCALAR,)], domain=UNIT),
    RuleCase(np.fabs, f_fabs, [M, (SCALAR,)]),
    RuleCase(np.deg2rad, f_deg2rad, [M, (SCALAR,)]),
    RuleCase(np.radians, f_radians, [M]),
    RuleCase(np.rad2deg, f_rad2deg, [M, (SCALAR,)]),
    RuleCase(np.degrees, f_degrees, [M]),
    RuleCase(np.sinc, f_sinc, [M, (SCALAR,)], domain=(-3.0, 3.0)),
    RuleCase(np.sinc, f_sinc, [M], domain=(-0.09, 0.09)),  # the series branch
    RuleCase(np.nan_to_num, f_nan_to_num, [M, (SCALAR,)]),
    RuleCase(np.nan_to_num, f_nan_to_num_fill, [((3, 4), SCALAR), ((3, 4), ())]),
    RuleCase(np.nan_to_num, f_nan_to_num_inf, [((3, 4), SCALAR, SCALAR)]),
    RuleCase(np.float64, f_float64, [M, ((),)]),
    RuleCase(np.float32, f_float32, [M], dtypes=(F64,)),
    RuleCase(np.complex128, f_complex128, [M], dtypes=(F64,)),
    RuleCase(float, f_float_builtin, [((),), (SCALAR,)], dtypes=(F64,)),
    # complex arguments (first order; rulecase checks second order on real arguments)
    RuleCase(np.real, f_real_c, [M], dtypes=(C128,)),
    RuleCase(attribute("real"), f_real_attr_c, [M], dtypes=(C128,)),
    RuleCase(np.imag, f_imag, [M, ((),)], dtypes=(C128,)),
    RuleCase(np.imag, f_imag, [M]),
    RuleCase(attribute("imag"), f_imag_attr, [M, ((),)], dtypes=(C128,)),
    RuleCase(attribute("imag"), f_imag_attr, [M]),
    RuleCase(np.imag, f_imag_real, [M]),
    RuleCase(np.conj, f_conj, [M], dtypes=(C128,)),
    RuleCase(np.conj, f_conj, [M], dtypes=(F64,)),
    RuleCase(np.conjugate, f_conjugate, [M], dtypes=(C128,)),
    RuleCase(np.conjugate, f_conjugate, [M], dtypes=(F64,)),
    RuleCase(method("conj"), f_conj_method, [M], dtypes=(C128,)),
    RuleCase(method("conjugate"), f_conjugate_method, [M], dtypes=(C128,)),
    RuleCase(method("conjugate"), f_conjugate_method, [M], dtypes=(F64,)),
    RuleCase(np.angle, f_angle, [M, ((),)], dtypes=(C128,)),
    RuleCase(np.angle, f_angle_deg, [M], dtypes=(C128,)),
    RuleCase(np.angle, f_angle_real, [M, (SCALAR,)]),
    RuleCase(np.exp, f_exp_phase, [((3,),)], dtypes=(F64,)),
    RuleCase(np.exp, f_c_exp, [M], dtypes=(C128,)),
    RuleCase(np.log, f_c_log, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.sqrt, f_c_sqrt, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.square, f_c_square, [M], dtypes=(C128,)),
    RuleCase(np.sin, f_c_sin, [M], dtypes=(C128,)),
    RuleCase(np.tanh, f_c_tanh, [M], domain=(-1.0, 1.0), dtypes=(C128,)),
    RuleCase(np.arcsinh, f_c_arcsinh, [M], domain=(0.2, 2.0), dtypes=(C128,)),
    RuleCase(np.arccosh, f_c_arccosh, [M], domain=(0.2, 2.0), dtypes=(C128,)),
    RuleCase(np.arctanh, f_c_arctanh, [M], domain=(0.1, 0.6), dtypes=(C128,)),
    RuleCase(np.arcsin, f_c_arcsin, [M], domain=(0.1, 0.6), dtypes=(C128,)),
    RuleCase(np.reciprocal, f_c_reciprocal, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.expm1, f_c_expm1, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.abs, f_c_abs, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.power, f_c_pow, [M], domain=POS, dtypes=(C128,)),
    RuleCase(np.multiply, f_c_mul, [M2, ((3, 4), (4,))], domain=POS, dtypes=(C128,)),
    RuleCase(np.sinc, f_c_sinc, [M], dtypes=(C128,)),
    # binary
    RuleCase(np.logaddexp2, f_logaddexp2, BIN3 + [(SCALAR, (3,))]),
    RuleCase(np.fmax, f_fmax, BIN3 + [(SCALAR, (3,))]),
    RuleCase(np.fmin, f_fmin, BIN3 + [(SCALAR, (3,))]),
    RuleCase(np.fmod, f_fmod, BIN3 + [(SCALAR, (3,))], domain=[(-5.0, 5.0), (0.7, 2.0)]),
    RuleCase(np.copysign, f_copysign, BIN3 + [(SCALAR, (3,))]),
    RuleCase(np.heaviside, f_heaviside, [M2, ((3, 4), ()), ((3, 4), SCALAR)]),
    RuleCase(np.float_power, f_float_power, BIN3, domain=[POS, (-2.0, 2.0)]),
    RuleCase(operator.pow, f_pow_mixed,
             [((3, 4), ()), ((3, 4), SCALAR), (SCALAR, SCALAR)], domain=[POS, (-2.0, 2.0)]),
    RuleCase(math.pow, f_math_pow, [(SCALAR, SCALAR)], domain=[POS, (-2.0, 2.0)]),
    RuleCase(method("clip"), f_clip_method, [((3, 4), (), ()), ((3, 4), (4,), (3, 1)),
                                             ((3, 4), SCALAR, SCALAR)],
             domain=[(-2.0, 2.0), (-1.0, -0.2), (0.2, 1.0)]),
    RuleCase(np.clip, f_clip_crossed, [((3, 4), ()), ((3, 4), (4,)), ((3, 4), SCALAR)]),
    RuleCase(runtime.power_term, f_power_term, [((3, 4), (3, 4), (3, 4)), ((), (4,), ())],
             domain=[(-2.0, 2.0), POS, (-2.0, 2.0)]),
    RuleCase(runtime.real_cotangent, f_real_cotangent, [M, ((),)]),
]


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted: x ** p at special points (both modes, second order) ---

def p_zero(x):
    return x ** 0.0


def p_one(x):
    return x ** 1.0


def p_two(x):
    return x ** 2


def p_half(x):
    return x ** 0.5


def p_sum3(x):
    return np.sum(x ** 3 + x ** 0.0)


def p_base0(y):
    return 0.0 ** y


def p_math(x):
    return math.pow(x, 1.0) + math.pow(x, 0.0)


def p_builtin(x):
    return pow(x, 2) + pow(x, 0.0)


@pytest.mark.parametrize("f, x, first, second", [
    (p_zero, 0.0, 0.0, 0.0), (p_one, 0.0, 1.0, 0.0), (p_two, 0.0, 0.0, 2.0),
    (p_zero, -2.0, 0.0, 0.0), (p_two, -3.0, -6.0, 2.0), (p_base0, 2.0, 0.0, 0.0),
    (p_math, 0.0, 1.0, 0.0), (p_builtin, 0.0, 0.0, 2.0),
])
def test_power_at_special_points(f, x, first, second):
    assert s2sad.grad(f)(x) == first
    assert s2sad.jvp(f, (x,), (1.0,))[1] == first
    assert s2sad.grad(s2sad.grad(f))(x) == second
    assert float(s2sad.hessian(f)(x)) == second


def test_power_of_arrays_at_zero_and_negative():
    x = np.array([0.0, -2.0, 1.5])
    np.testing.assert_array_equal(s2sad.grad(p_sum3)(x), 3 * x ** 2)
    np.testing.assert_array_equal(s2sad.jvp(p_sum3, (x,), (np.ones(3),))[1], np.sum(3 * x ** 2))
    np.testing.assert_array_equal(s2sad.hessian(p_sum3)(x), np.diag(6 * x))
    np.testing.assert_array_equal(s2sad.jacrev(s2sad.grad(p_sum3))(x), np.diag(6 * x))


def test_power_slope_infinite_not_an_error():
    assert s2sad.grad(p_half)(0.0) == math.inf  # d/dx sqrt(x) at 0 (Python float)
    assert s2sad.grad(lambda x: np.sum(x ** 0.5))(np.array([0.0, 4.0]))[1] == 0.25


# --- clip: crossed bounds give a_max everywhere ---

def clip_crossed_all(a, lo, hi):
    return np.sum(np.clip(a, lo, hi) * np.array([1.0, 2.0, 3.0]))


def test_clip_crossed_bounds_send_the_gradient_to_a_max():
    a = np.array([-1.0, 0.5, 2.0])
    ga, glo, ghi = s2sad.grad(clip_crossed_all, argnums=(0, 1, 2))(a, 1.0, 0.0)
    np.testing.assert_array_equal(ga, [0.0, 0.0, 0.0])
    assert (glo, ghi) == (0.0, 6.0)
    _, t = s2sad.jvp(clip_crossed_all, (a, 1.0, 0.0), (np.ones(3), 10.0, 100.0))
    assert t == 600.0
    # ordinary bounds, ties to a
    ga, glo, ghi = s2sad.grad(clip_crossed_all, argnums=(0, 1, 2))(
        np.array([-1.0, 0.0, 2.0]), 0.0, 1.0)
    np.testing.assert_array_equal(ga, [0.0, 2.0, 0.0])
    assert (glo, ghi) == (1.0, 3.0)


def clip_forms(x):
    return np.sum(x.clip(-0.5, 0.5) + np.clip(x, None, 0.0) * 2.0 + x.clip(min=1.0) * 4.0)


def test_clip_method_and_none_bounds():
    x = np.array([-1.0, 0.2, 3.0])
    np.testing.assert_array_equal(s2sad.grad(clip_forms)(x), [2.0, 1.0, 4.0])
    np.testing.assert_array_equal(s2sad.jvp(clip_forms, (x,), (np.ones(3),))[1], 7.0)


# --- complex: second order through complex intermediates, attributes, conventions ---

def test_phase_sum_second_order_is_real():
    x = np.array([0.1, 0.2, 0.3])
    want = np.diag(-np.real(np.exp(1j * x) * V))
    for hess in (s2sad.hessian(f_exp_phase)(x), s2sad.jacrev(s2sad.grad(f_exp_phase))(x)):
        assert not np.iscomplexobj(hess)
        np.testing.assert_allclose(hess, want, rtol=1e-13, atol=1e-15)
    g = s2sad.grad(f_exp_phase)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, -np.imag(np.exp(1j * x) * V), rtol=1e-13)


def imag_of_product(x):
    return np.sum((x * (1 + 2j)).imag)


def real_of_product(x):
    return np.sum((x * (3 - 2j)).real)


def test_real_and_imag_attributes():
    x = np.array([0.1, 0.2])
    np.testing.assert_array_equal(s2sad.grad(imag_of_product)(x), [2.0, 2.0])
    np.testing.assert_array_equal(s2sad.grad(real_of_product)(x), [3.0, 3.0])
    assert s2sad.jvp(imag_of_product, (x,), (np.ones(2),))[1] == 4.0
    np.testing.assert_array_equal(s2sad.hessian(imag_of_product)(x), np.zeros((2, 2)))


def square(z):
    return z ** 2


def sine(z):
    return np.sin(z)


def test_holomorphic_grad_is_the_complex_derivative():
    z = 1.0 + 2.0j
    assert s2sad.grad(square, holomorphic=True)(z) == 2 * z
    np.testing.assert_allclose(s2sad.grad(sine, holomorphic=True)(z), np.cos(z), rtol=1e-14)


def abs_squared(z):
    return np.abs(z) ** 2


def angle_of(z):
    return np.angle(z)


def imag_of(z):
    return np.imag(z)


def real_of(z):
    return np.real(z * z)


def conj_product(z):
    return np.real(np.conj(z) * (2.0 + 1.0j))


def test_real_functions_of_complex_input():
    z = 1.0 + 2.0j
    assert s2sad.grad(abs_squared)(z) == pytest.approx(2 * np.conj(z))
    assert s2sad.grad(angle_of)(z) == pytest.approx(-1j / z)
    assert s2sad.grad(imag_of)(z) == -1j
    assert s2sad.grad(real_of)(z) == pytest.approx(2 * z)
    assert s2sad.grad(conj_product)(z) == pytest.approx(2.0 - 1.0j)
    assert s2sad.grad(angle_of)(0j) == 0  # no NaN at the origin
    assert s2sad.grad(angle_of)(2.0) == 0  # real input: piecewise constant
    assert s2sad.grad(lambda z: np.angle(z, deg=True))(z) == pytest.approx(
        -1j / z * 180 / np.pi)


# --- special points of binary functions ---

def fmax_fmin(x, y):
    return np.sum(np.fmax(x, y) + 2.0 * np.fmin(x, y))


def test_fmax_fmin_nan_operand_loses():
    x = np.array([1.0, np.nan, 2.0, np.nan])
    y = np.array([np.nan, 1.0, 2.0, np.nan])
    gx, gy = s2sad.grad(fmax_fmin, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [3.0, 0.0, 1.5, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 3.0, 1.5, 0.0])


def max_min(x, y):
    return np.sum(np.maximum(x, y) + 2.0 * np.minimum(x, y))


def test_maximum_minimum_ties_split_evenly():
    gx, gy = s2sad.grad(max_min, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(gx, [1.5, 1.0])
    np.testing.assert_array_equal(gy, [1.5, 2.0])


def hypot_atan2(x, y):
    return np.sum(np.hypot(x, y) + np.arctan2(x, y))


def test_hypot_arctan2_at_the_origin():
    x, y = np.array([0.0, 3.0]), np.array([0.0, 4.0])
    gx, gy = s2sad.grad(hypot_atan2, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, [0.0, 0.6 + 4 / 25], rtol=1e-14)
    np.testing.assert_allclose(gy, [0.0, 0.8 - 3 / 25], rtol=1e-14)


def nan_to_num_weights(x):
    return np.sum(np.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0) * np.arange(1.0, 5.0))


def test_nan_to_num_slope_is_zero_where_replaced():
    x = np.array([0.5, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(s2sad.grad(nan_to_num_weights)(x), [1.0, 0.0, 0.0, 0.0])


def heaviside_of(x1, x2):
    return np.sum(np.heaviside(x1, x2) * np.array([1.0, 2.0, 3.0]))


def test_heaviside_gradient_of_the_value_at_zero():
    g1, g2 = s2sad.grad(heaviside_of, argnums=(0, 1))(np.array([-1.0, 0.0, 2.0]), 0.5)
    np.testing.assert_array_equal(g1, [0.0, 0.0, 0.0])
    assert g2 == 2.0


def sinc_of(x):
    return np.sinc(x)


def test_sinc_at_zero():
    assert s2sad.grad(sinc_of)(0.0) == 0.0
    np.testing.assert_allclose(s2sad.grad(s2sad.grad(sinc_of))(0.0), -np.pi ** 2 / 3,
                               rtol=1e-12)
    np.testing.assert_allclose(s2sad.hessian(sinc_of)(0.0), -np.pi ** 2 / 3, rtol=1e-12)
    x = 0.0999999  # either side of the series threshold
    for h in (x, 0.1000001):
        want = (np.cos(np.pi * h) - np.sinc(h)) / h
        np.testing.assert_allclose(s2sad.grad(sinc_of)(h), want, rtol=1e-10)


def casts(x):
    return np.sum(np.float64(x) * 2.0 + np.float_power(x, 2.0))


def test_casts_keep_the_input_dtype():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = s2sad.grad(casts)(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [4.0, 6.0])


def copysign_of(x, y):
    return np.sum(np.copysign(x, y) * np.array([1.0, 2.0, 3.0]))


def test_copysign():
    gx, gy = s2sad.grad(copysign_of, argnums=(0, 1))(np.array([1.0, -2.0, 0.0]),
                                                      np.array([-1.0, -1.0, 1.0]))
    np.testing.assert_array_equal(gx, [-1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0, 0.0])


def test_power_term_helper():
    assert runtime.power_term(0.0, 0.0, -1.0) == 0.0
    assert runtime.power_term(2.0, 0.0, -1.0) == math.inf
    assert runtime.power_term(2.0, -0.0, -1.0) == -math.inf
    np.testing.assert_array_equal(
        runtime.power_term(np.array([0.0, 2.0]), np.array([0.0, 3.0]), -1.0), [0.0, 2 / 3])
    assert runtime.power_term(0.0, np.zeros(2, np.float32), -1.0).dtype == np.float32
    assert runtime.real_cotangent(1 + 2j, 1.0) == 1.0
    assert runtime.real_cotangent(1 + 2j, 1j) == 1 + 2j
