"""Rules of the NumPy constructors and index builders (``s2sad.rules.numpy_rules``).

``np.r_[...]``/``np.c_[...]`` (concatenations of their array and number parts; slice
parts are constants) and ``np.linspace`` (linear in ``start``/``stop``, ``retstep``
pairs, ``axis``), their runtime helpers (``s2sad.runtime.construct``), checked by
:func:`rulecase.check_case` in every mode to second order, plus targeted checks of
the values NumPy itself defines (semantics) and of the refusals.
"""
import inspect

import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad.errors import UnsupportedSyntaxError
from rulecase import F64, C128, SCALAR, RuleCase, check_case, params

W3 = np.arange(1.0, 10.0).reshape(3, 3) / 4.0


# --- np.r_ ---

def f_r_arrays(a, b):
    return np.sum(np.sin(np.r_[a * 2.0, b, a[0]] * np.arange(1.0, 9.0)))


def f_r_slice(a, s):
    return np.sum(np.sin(np.r_[a, 0:3, s, 1.0] * np.arange(1.0, 9.0)))


def f_r_directive(a, b):
    # '0,2': along axis 0, each part made (at least) 2-d
    return np.sum(np.sin(np.r_['0,2', a, b] * np.arange(1.0, 7.0).reshape(2, 3)))


def f_r_matrix_rows(m, v):
    return np.sum(np.sin(np.r_[m, m * v] * np.arange(1.0, 13.0).reshape(4, 3) / 6.0))


def f_r_complex(a, b):
    z = np.r_[a, b * 1j]
    return np.sum(np.real(z * np.conj(z) + z) * np.arange(1.0, 7.0))


# --- np.c_ ---

def f_c_columns(a, b):
    return np.sum(np.sin(np.c_[a, b ** 2, 0:3] * W3))


def f_c_matrix(m, a):
    return np.sum(np.sin(np.c_[m, a] * np.arange(1.0, 10.0).reshape(3, 3) / 5.0))


# --- np.linspace ---

def f_linspace_scalars(a, b):
    return np.sum(np.sin(np.linspace(a, b * 2.0, 5) * np.arange(1.0, 6.0)))


def f_linspace_arrays(a, b):
    return np.sum(np.sin(np.linspace(a, b, 4) * np.arange(1.0, 5.0)[:, None, None]))


def f_linspace_axis(a, b):
    return np.sum(np.sin(np.linspace(a, b, 4, endpoint=False, axis=-1)
                         * np.arange(1.0, 5.0)))


def f_linspace_broadcast(a, s):
    return np.sum(np.sin(np.linspace(s, a, 3, axis=1) * np.arange(1.0, 4.0)))


def f_linspace_retstep(a, b):
    samples, step = np.linspace(a, b, 6, endpoint=False, retstep=True)
    return np.sum(np.sin(samples * np.arange(1.0, 7.0)[:, None])) + np.sum(np.sin(step * 3.0))


def f_linspace_one(a, b):
    return np.sum(np.sin(np.linspace(a, b, 1) * 2.0)) + np.sum(np.sin(np.linspace(b, a, 2)))


def f_linspace_complex(a, b):
    z = np.linspace(a, b * 1j + a, 4)
    return np.sum(np.real(z * np.conj(z)) * np.arange(1.0, 5.0)[:, None])


# --- np.arange ---

def f_arange_step(a, s):
    # 4.5 / s stays in (4.28, 4.74) on the domain: always 5 elements
    return np.sum(np.sin(np.arange(a, a + 4.5, s) * np.arange(1.0, 6.0) / 3.0))


def f_arange_start(a):
    return np.sum(np.sin(np.arange(a, a + 3.5) * np.arange(1.0, 5.0) / 2.0)) + np.sum(
        np.sin(np.arange(4) * a))


# --- runtime helpers (second and higher order) ---

def f_concat_helpers(g, a):
    parts = (a, 2.0, slice(0, 2))
    probe = runtime.concat_probe("r_", parts)
    back = runtime.concat_parts(g * g, probe, parts)
    joined = runtime.concat_join((a * a, back[1] * 3.0, None), probe, parts)
    return np.sum(np.sin(back[0] * a)) + np.sin(back[1]) + np.sum(np.sin(joined * g))


def f_arange_helpers(g, a):
    args = (a, 3.0, a * 0.5 + 0.5)
    back = runtime.arange_parts(g * g, args, None)
    joined = runtime.arange_join((a * a, None, a), args, None, g)
    return np.sin(back[0] * a) + np.sin(back[2]) + np.sum(np.sin(joined * g))


def f_linspace_helpers(g, a):
    like = np.linspace(a, a, 3, retstep=True)
    pair = runtime.linspace_spread(a * a, a, 3, True, None, like, 0)
    one = runtime.linspace_expand(a * 2.0, 3, True, None, True, like, 0)
    back = runtime.linspace_collapse((g * g, a), 3, True, None, False, a, 0)
    return (np.sum(np.sin(pair[0] * g)) + np.sum(np.sin(pair[1])) + np.sum(np.sin(one[0] * g))
            + np.sum(np.sin(one[1])) + np.sum(np.sin(back * a)))


RULE_CASES = [
    RuleCase(np.r_, f_r_arrays, [((3,), (4,))]),
    RuleCase(np.r_, f_r_slice, [((3,), SCALAR), ((3,), ())]),
    RuleCase(np.r_, f_r_directive, [((3,), (3,))]),
    RuleCase(np.r_, f_r_matrix_rows, [((2, 3), (3,)), ((2, 3), SCALAR)]),
    RuleCase(np.r_, f_r_complex, [((3,), (3,))], dtypes=(F64,)),
    RuleCase(np.c_, f_c_columns, [((3,), (3,))]),
    RuleCase(np.c_, f_c_matrix, [((3, 2), (3,))]),
    RuleCase(np.linspace, f_linspace_scalars, [(SCALAR, SCALAR), ((), ())]),
    RuleCase(np.linspace, f_linspace_arrays, [((3,), (3,)), ((2, 3), (3,))]),
    RuleCase(np.linspace, f_linspace_axis, [((2, 3), (2, 3))], domain=(2.0, 5.0)),
    RuleCase(np.linspace, f_linspace_broadcast, [((2,), SCALAR)]),
    RuleCase(np.linspace, f_linspace_retstep, [((3,), (3,))]),
    RuleCase(np.linspace, f_linspace_one, [(SCALAR, SCALAR)]),
    RuleCase(np.linspace, f_linspace_complex, [((3,), (3,))], dtypes=(C128,)),
    RuleCase(np.arange, f_arange_step, [(SCALAR, SCALAR), ((), ())],
             domain=((-2.0, 2.0), (0.95, 1.05))),
    RuleCase(np.arange, f_arange_start, [(SCALAR,), ((),)]),
    RuleCase(runtime.arange_parts, f_arange_helpers, [((4,), ())], domain=(0.5, 1.5),
             dtypes=(F64,)),
    RuleCase(runtime.arange_join, f_arange_helpers, [((4,), ())], domain=(0.5, 1.5),
             dtypes=(F64,)),
    RuleCase(runtime.concat_parts, f_concat_helpers, [((6,), (3,))], dtypes=(F64,)),
    RuleCase(runtime.concat_join, f_concat_helpers, [((6,), (3,))], dtypes=(F64,)),
    RuleCase(runtime.linspace_spread, f_linspace_helpers, [((3, 2), (2,))], dtypes=(F64,)),
    RuleCase(runtime.linspace_expand, f_linspace_helpers, [((3, 2), (2,))], dtypes=(F64,)),
    RuleCase(runtime.linspace_collapse, f_linspace_helpers, [((3, 2), (2,))],
             dtypes=(F64,)),
]


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted semantics ---

X3 = np.array([0.5, -1.0, 2.0])
WEIGHTS = np.arange(1.0, 8.0)


def g_r_parts(x):
    return np.sum(np.r_[x, 2.0 * x, 1.0] * WEIGHTS)


def g_r_slice(x):
    return np.sum(np.r_[x, 0:3] * WEIGHTS[:6])


def g_c_columns(x):
    return np.sum(np.c_[x, x * x] * np.arange(6.0).reshape(3, 2))


def g_r_rows(x):
    return np.sum(np.r_['0,2', x, 3.0 * x] * np.arange(6.0).reshape(2, 3))


def test_r_and_c_values():
    np.testing.assert_allclose(s2sad.grad(g_r_parts)(X3), WEIGHTS[:3] + 2.0 * WEIGHTS[3:6])
    np.testing.assert_allclose(s2sad.grad(g_r_slice)(X3), WEIGHTS[:3])
    assert g_r_slice(X3) == pytest.approx(np.dot(X3, WEIGHTS[:3]) + np.dot([0, 1, 2],
                                                                          WEIGHTS[3:6]))
    w = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(s2sad.grad(g_c_columns)(X3), w[:, 0] + 2.0 * X3 * w[:, 1])
    w = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(s2sad.grad(g_r_rows)(X3), w[0] + 3.0 * w[1])
    t = np.array([1.0, 0.0, -1.0])
    _, tangent = s2sad.jvp(g_r_parts, (X3,), (t,))
    assert tangent == pytest.approx(np.dot(WEIGHTS[:3] + 2.0 * WEIGHTS[3:6], t))


def g_r_matrix(x):
    return np.sum(np.r_['r', x, x])


def g_grid_builders(x):
    rows = np.mgrid[0:3]
    cols = np.ogrid[0:3]
    return np.sum(x[np.s_[1:]] ** 2) + np.sum(x * rows) + np.sum(x[np.index_exp[:2]] * cols[:2])


class _Table:
    def __getitem__(self, i):
        return i * 2.0


TABLE = _Table()


def g_user_getitem(x):
    return TABLE[x[0]] + x[1]


def test_index_builders_and_refusals():
    expected = np.array([0.0, 2.0 * X3[1], 2.0 * X3[2]]) + np.arange(3.0) + np.r_[0.0, 1.0, 0.0]
    np.testing.assert_allclose(s2sad.grad(g_grid_builders)(X3), expected)
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(g_r_matrix)(X3)
    assert info.value.lineno == inspect.getsourcelines(g_r_matrix)[1] + 1
    assert "numpy.r_['r', ...]" in str(info.value)
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(g_user_getitem)(X3)
    assert info.value.lineno == inspect.getsourcelines(g_user_getitem)[1] + 1
    assert "indexing TABLE (" in str(info.value) and "__getitem__" in str(info.value)


def g_linspace(a, b):
    return np.sum(np.linspace(a, b, 5))


def g_linspace_open(a, b):
    return np.sum(np.linspace(a, b, 5, endpoint=False))


def g_linspace_step(a, b):
    samples, step = np.linspace(a, b, 5, retstep=True)
    return step * 8.0 + samples[1]


def g_linspace_int(a, b):
    return np.sum(np.linspace(a, b, 5, dtype=int) * 1.0) + a


def g_arange(a):
    return np.sum(np.arange(a, a + 3.5))


def test_linspace_and_arange_values():
    assert s2sad.grad(g_linspace, argnums=(0, 1))(1.0, 3.0) == pytest.approx((2.5, 2.5))
    # t = 0, 1/5, ..., 4/5: sum(1 - t) = 3, sum(t) = 2
    assert s2sad.grad(g_linspace_open, argnums=(0, 1))(1.0, 3.0) == pytest.approx((3.0, 2.0))
    # step = (b - a) / 4, samples[1] = 3/4 a + 1/4 b
    assert s2sad.grad(g_linspace_step, argnums=(0, 1))(1.0, 3.0) == pytest.approx(
        (-2.0 + 0.75, 2.0 + 0.25))
    assert s2sad.grad(g_linspace_int, argnums=(0, 1))(1.0, 3.0) == pytest.approx((1.0, 0.0))
    _, tangent = s2sad.jvp(g_linspace, (1.0, 3.0), (1.0, -1.0))
    assert tangent == pytest.approx(0.0)
    a = np.float32(1.5)
    g = s2sad.grad(g_linspace)(np.array([a, a]), np.array([2.0, 3.0], dtype=np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [2.5, 2.5])
    assert s2sad.grad(g_arange)(1.0) == pytest.approx(4.0)
    assert s2sad.hessian(g_arange)(1.0) == pytest.approx(0.0)
