"""Rule rows for products: einsum (many subscript patterns), tensordot, inner, outer, kron,
vdot, cross, dot/matmul of complex, multi_dot and matrix_power; reverse, forward and second
order against finite differences (tests/rulecase.py), plus targeted checks."""
import warnings

import numpy as np
import pytest

import s2sad
from rulecase import C128, RuleCase, check_case, params
from s2sad import runtime
from s2sad.testing import numerical_grad

pytestmark = pytest.mark.filterwarnings(
    "ignore:Arrays of 2-dimensional vectors are deprecated:DeprecationWarning")


def _s(x):
    return np.sum(np.sin(x))


# --- einsum: one function per subscript pattern ---

def f_es_matmul(a, b):
    return _s(np.einsum('ij,jk->ik', a, b))


def f_es_batched(a, b):
    return _s(np.einsum('bij,bjk->bik', a, b))


def f_es_outer(a, b):
    return _s(np.einsum('i,j->ij', a, b))


def f_es_trace(a):
    return np.sin(np.einsum('ii->', a))


def f_es_trace_implicit(a):
    return np.sin(np.einsum('ii', a))


def f_es_diag(a):
    return _s(np.einsum('ii->i', a))


def f_es_iij(a):
    return _s(np.einsum('iij->j', a))


def f_es_transpose(a):
    return _s(np.einsum('ijk->kij', a) * np.arange(24.0).reshape(4, 2, 3))


def f_es_sum_axes(a):
    return _s(np.einsum('ijk->j', a))


def f_es_bilinear(x, a, y):
    return np.sin(np.einsum('i,ij,j->', x, a, y))


def f_es_attention_scores(q, k):
    return _s(np.einsum('bhqd,bhkd->bhqk', q, k))


def f_es_attention_values(p, v):
    return _s(np.einsum('bhqk,bhkd->bhqd', p, v))


def f_es_ellipsis(a, b):
    return _s(np.einsum('...ij,...jk->...ik', a, b))


def f_es_ellipsis_implicit(a, b):
    return _s(np.einsum('...ij,...jk', a, b))


def f_es_implicit(a, b):
    return _s(np.einsum('ij,jk', a, b))


def f_es_implicit_transpose(a):
    return _s(np.einsum('ji', a) * np.arange(12.0).reshape(4, 3))


def f_es_three(a, b, c):
    return _s(np.einsum('ij,jk,kl->il', a, b, c, optimize=True))


def f_es_scalar(s, a):
    return _s(np.einsum(',ij->ij', s, a))


def f_es_one_operand_sum(a):
    return np.sin(np.einsum('ij->', a))


def f_es_hadamard(a, b):
    return _s(np.einsum('ij,ij->ij', a, b))


def f_es_repeated_mixed(a, b):
    return _s(np.einsum('iij,jk->ik', a, b))


def f_es_broadcast_ellipsis(a, b):
    return _s(np.einsum('...i,...i->...', a, b))


def f_es_spaces_optimize(a, b):
    return _s(np.einsum('ij, jk -> ki', a, b, optimize='greedy'))


def f_es_four(a, b, c, e):
    return np.sin(np.einsum('i,ij,jk,k->', a, b, c, e))


def f_es_same_operand(a):
    return np.sin(np.einsum('ij,ij', a, a)) + np.sum(np.einsum('ij,jk->ik', a, a.T))


def f_es_label_broadcast(a, b):
    return _s(np.einsum('ij,ij->ij', a, b))


def f_es_complex(a, b):
    y = np.einsum('ij,jk->ik', a, b)
    return np.sum(np.real(y) * 0.7 + np.real(-1j * y) * 0.3)


# --- other products ---

def f_tensordot_int(a, b):
    return _s(np.tensordot(a, b, 1))


def f_tensordot_two(a, b):
    return _s(np.tensordot(a, b))


def f_tensordot_pair_ints(a, b):
    return _s(np.tensordot(a, b, axes=(0, 1)))


def f_tensordot_pair_seqs(a, b):
    return _s(np.tensordot(a, b, axes=([0, 2], [1, 0])))


def f_tensordot_zero(a, b):
    return _s(np.tensordot(a, b, 0))


def f_inner(a, b):
    return _s(np.inner(a, b))


def f_inner_scalar(s, b):
    return _s(np.inner(s, b))


def f_outer(a, b):
    return _s(np.outer(a, b))


def f_outer_complex(a, b):
    y = np.outer(a, b)
    return np.sum(np.real(y * y) + np.real(-1j * y) * 0.5)


def f_kron(a, b):
    return _s(np.kron(a, b))


def f_kron_complex(a, b):
    y = np.kron(a, b)
    return np.sum(np.real(y * y))


def f_tensordot_complex(a, b):
    y = np.tensordot(a, b, axes=([1], [0]))
    return np.sum(np.real(y * y) + np.real(-1j * y))


def f_cross_complex(a, b):
    y = np.cross(a, b)
    return np.sum(np.real(y * y))


def f_vdot(a, b):
    return np.sin(np.vdot(a, b))


def f_vdot_complex(a, b):
    y = np.vdot(a, b)
    return np.real(y) * 0.6 + np.real(-1j * y) * 0.8 + np.real(y * y)


def f_cross3(a, b):
    return _s(np.cross(a, b))


def f_cross2(a, b):  # NumPy 2.0 deprecates 2-vectors (filtered below), 2.5 removes them
    return _s(np.cross(a, b))


def _cross_takes_2_vectors():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.cross(np.ones(2), np.ones(2))
    except ValueError:
        return False
    return True


def f_cross_axes(a, b):
    return _s(np.cross(a, b, axisa=0, axisb=1, axisc=0))


def f_cross_axis(a, b):
    return _s(np.cross(a, b, axis=0))


def f_dot_complex(a, b):
    y = np.dot(a, b)
    return np.sum(np.real(y) * 0.7 + np.real(-1j * y) * 0.3)


def f_matmul_complex(a, b):
    y = a @ b
    return np.sum(np.real(y * y))


def f_multi_dot(a, b, c):
    return _s(np.linalg.multi_dot([a, b, c]))


def f_multi_dot_vectors(u, a, b, v):
    return np.sin(np.linalg.multi_dot([u, a, b, v]))


def f_multi_dot_two(a, b):
    return _s(np.linalg.multi_dot([a, b]))


def f_matrix_power3(a):
    return _s(np.linalg.matrix_power(a, 3))


def f_matrix_power0(a):
    return _s(np.linalg.matrix_power(a, 0) + a)


def f_matrix_power1(a):
    return _s(np.linalg.matrix_power(a, 1))


def f_matrix_power_neg(a):
    return _s(np.linalg.matrix_power(a + 3.0 * np.eye(3), -2))


def f_matrix_power_neg1(a):
    return _s(np.linalg.matrix_power(a + 3.0 * np.eye(3), -1))


def f_matrix_power_stack(a):
    return _s(np.linalg.matrix_power(a, 2))


# --- the runtime helpers (they appear in derivative code, differentiated again) ---

def f_mlin_parts(g, a, b):
    parts = runtime.mlin_parts(('ik', 'ij', 'jk'), (g, a, b))
    return _s(parts[0]) + _s(2.0 * parts[1]) + _s(parts[2] - 1.0)


def f_mlin_parts_diag(g, a):
    parts = runtime.mlin_parts(('i', 'ii', 'ij'), (g, a, np.ones((3, 2))))
    return _s(parts[0]) + _s(2.0 * parts[1])


def f_mlin_hvp(a, b, c, t):
    parts = runtime.mlin_hvp(('ij', 'jk', 'ik'), (a, b, c), (t, None, c * 2.0))
    return _s(parts[0]) + _s(2.0 * parts[1]) + _s(parts[2] + 0.5)


def f_mlin_aug(x, t):
    parts = runtime.mlin_aug((x, x * 2.0), (t, None))  # parts[0], the selector, is constant
    return _s(parts[1]) + _s(parts[2] * 3.0)


def f_mlin_layers(x, t):
    pieces = runtime.mlin_layer(runtime.mlin_unlayer((x, t * x), 1), 1)
    stacked = runtime.mlin_layer((None, np.stack([x, t])), 0)
    return _s(pieces[0]) + _s(pieces[1] * 2.0) + _s(stacked[0] * x)


def f_mlin_join(x, y):
    parts = runtime.mlin_join(x, (y, y * 2.0))
    return _s(parts[0]) + _s(parts[1] * parts[2])


def f_mlin_sums(x, y):
    return (_s(runtime.mlin_sum(runtime.mlin_repeat(x, -3), x))
            + _s(runtime.mlin_sum(runtime.mlin_spread(y * y, (1, 2)), y)))


def f_product_conj(z):
    w = runtime.product_conj(z) * (1.0 + 2.0j)
    return np.sum(np.real(w * z) + np.real(w) * 0.5)


def f_product_conj_real(x):
    return _s(runtime.product_conj(x) * x)


def f_cross_adjoint_a(g, b):
    return _s(runtime.cross_adjoint_a(g, np.zeros((2, 3)), b, (-1, -1, -1, None)))


def f_cross_adjoint_b(g, a):
    return _s(runtime.cross_adjoint_b(g, a, np.zeros((2, 3)), (-1, -1, -1, None)))


def f_matrix_power_base(a):
    return (_s(runtime.matrix_power_base(a + 3.0 * np.eye(3), -1))
            + _s(runtime.matrix_power_base(a, 2)))


SMALL = (-1.0, 1.0)

RULE_CASES = [
    RuleCase(np.einsum, f_es_matmul, [((2, 3), (3, 4))]),
    RuleCase(np.einsum, f_es_batched, [((2, 2, 3), (2, 3, 2))]),
    RuleCase(np.einsum, f_es_outer, [((3,), (4,))]),
    RuleCase(np.einsum, f_es_trace, [((3, 3),)]),
    RuleCase(np.einsum, f_es_trace_implicit, [((3, 3),)]),
    RuleCase(np.einsum, f_es_diag, [((3, 3),)]),
    RuleCase(np.einsum, f_es_iij, [((2, 2, 3),)]),
    RuleCase(np.einsum, f_es_transpose, [((2, 3, 4),)]),
    RuleCase(np.einsum, f_es_sum_axes, [((2, 3, 2),)]),
    RuleCase(np.einsum, f_es_bilinear, [((3,), (3, 2), (2,))]),
    RuleCase(np.einsum, f_es_attention_scores, [((1, 2, 3, 2), (1, 2, 2, 2))], domain=SMALL),
    RuleCase(np.einsum, f_es_attention_values, [((1, 2, 3, 2), (1, 2, 2, 2))], domain=SMALL),
    RuleCase(np.einsum, f_es_ellipsis, [((2, 2, 3), (2, 3, 2)), ((2, 3), (2, 3, 2)),
                                        ((1, 2, 3), (2, 3, 2))]),
    RuleCase(np.einsum, f_es_ellipsis_implicit, [((2, 2, 3), (3, 2))]),
    RuleCase(np.einsum, f_es_implicit, [((2, 3), (3, 4))]),
    RuleCase(np.einsum, f_es_implicit_transpose, [((3, 4),)]),
    RuleCase(np.einsum, f_es_three, [((2, 3), (3, 2), (2, 2))], domain=SMALL),
    RuleCase(np.einsum, f_es_scalar, [((), (2, 3)), (None, (2, 3))]),
    RuleCase(np.einsum, f_es_one_operand_sum, [((2, 3),)], domain=SMALL),
    RuleCase(np.einsum, f_es_hadamard, [((2, 3), (2, 3))]),
    RuleCase(np.einsum, f_es_repeated_mixed, [((2, 2, 3), (3, 2))]),
    RuleCase(np.einsum, f_es_broadcast_ellipsis, [((2, 3), (1, 3)), ((3,), (2, 3))]),
    RuleCase(np.einsum, f_es_spaces_optimize, [((2, 3), (3, 4))]),
    RuleCase(np.einsum, f_es_four, [((2,), (2, 3), (3, 2), (2,))], domain=SMALL),
    RuleCase(np.einsum, f_es_same_operand, [((2, 3),)], domain=SMALL),
    RuleCase(np.einsum, f_es_label_broadcast, [((1, 3), (2, 3)), ((2, 1), (2, 3))]),
    RuleCase(np.einsum, f_es_complex, [((2, 3), (3, 2))], dtypes=(C128,)),
    RuleCase(np.tensordot, f_tensordot_int, [((2, 3), (3, 4))]),
    RuleCase(np.tensordot, f_tensordot_two, [((2, 3, 4), (3, 4, 2))]),
    RuleCase(np.tensordot, f_tensordot_pair_ints, [((3, 2), (2, 3))]),
    RuleCase(np.tensordot, f_tensordot_pair_seqs, [((2, 3, 4), (4, 2, 3))]),
    RuleCase(np.tensordot, f_tensordot_zero, [((2,), (3,))]),
    RuleCase(np.inner, f_inner, [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,))]),
    RuleCase(np.inner, f_inner_scalar, [((), (3,)), (None, (2, 3))]),
    RuleCase(np.outer, f_outer, [((3,), (4,)), ((2, 2), (3,))]),
    RuleCase(np.outer, f_outer_complex, [((3,), (2,)), ((2, 2), (3,))], dtypes=(C128,)),
    RuleCase(np.kron, f_kron, [((2, 2), (2, 3)), ((3,), (2,)), ((2,), (2, 2)),
                               ((2, 1, 2), (2, 2))]),
    RuleCase(np.kron, f_kron_complex, [((2, 2), (2,))], dtypes=(C128,)),
    RuleCase(np.tensordot, f_tensordot_complex, [((2, 3), (3, 2))], dtypes=(C128,)),
    RuleCase(np.cross, f_cross_complex, [((2, 3), (3,))], dtypes=(C128,)),
    RuleCase(np.vdot, f_vdot, [((3,), (3,)), ((2, 3), (3, 2))]),
    RuleCase(np.vdot, f_vdot_complex, [((3,), (3,)), ((2, 2), (4,))], dtypes=(C128,)),
    RuleCase(np.cross, f_cross3, [((3,), (3,)), ((2, 3), (3,)), ((2, 1, 3), (2, 3))]),
    RuleCase(np.cross, f_cross_axes, [((3, 2), (2, 3))]),
    RuleCase(np.cross, f_cross_axis, [((3, 2), (3, 2))]),
    RuleCase(np.dot, f_dot_complex, [((2, 3), (3, 2))], dtypes=(C128,)),
    RuleCase(np.matmul, f_matmul_complex, [((2, 2), (2, 2)), ((2, 2, 3), (3,))],
             dtypes=(C128,)),
    RuleCase(np.linalg.multi_dot, f_multi_dot, [((2, 3), (3, 3), (3, 2))], domain=SMALL),
    RuleCase(np.linalg.multi_dot, f_multi_dot_vectors, [((2,), (2, 3), (3, 2), (2,))],
             domain=SMALL),
    RuleCase(np.linalg.multi_dot, f_multi_dot_two, [((3,), (3, 2)), ((2, 3), (3,))]),
    RuleCase(np.linalg.matrix_power, f_matrix_power3, [((3, 3),)], domain=SMALL),
    RuleCase(np.linalg.matrix_power, f_matrix_power0, [((3, 3),)]),
    RuleCase(np.linalg.matrix_power, f_matrix_power1, [((3, 3),)]),
    RuleCase(np.linalg.matrix_power, f_matrix_power_neg, [((3, 3),)], domain=SMALL),
    RuleCase(np.linalg.matrix_power, f_matrix_power_neg1, [((3, 3),)], domain=SMALL),
    RuleCase(np.linalg.matrix_power, f_matrix_power_stack, [((2, 2, 2),)], domain=SMALL),
    # runtime helpers
    RuleCase(runtime.mlin_parts, f_mlin_parts, [((2, 4), (2, 3), (3, 4))]),
    RuleCase(runtime.mlin_parts, f_mlin_parts_diag, [((3,), (3, 3))]),
    RuleCase(runtime.mlin_hvp, f_mlin_hvp, [((2, 3), (3, 2), (2, 2), (2, 3))], domain=SMALL),
    RuleCase(runtime.mlin_aug, f_mlin_aug, [((2, 3), (2, 3))]),
    RuleCase(runtime.mlin_layer, f_mlin_layers, [((3,), (3,))]),
    RuleCase(runtime.mlin_unlayer, f_mlin_layers, [((3,), (3,))]),
    RuleCase(runtime.mlin_join, f_mlin_join, [((2,), (3,))]),
    RuleCase(runtime.mlin_sum, f_mlin_sums, [((2, 2), (3,))]),
    RuleCase(runtime.mlin_spread, f_mlin_sums, [((2, 2), (3,))]),
    RuleCase(runtime.mlin_repeat, f_mlin_sums, [((2, 2), (3,))]),
    RuleCase(runtime.product_conj, f_product_conj, [((3,),)], dtypes=(C128,)),
    RuleCase(runtime.product_conj, f_product_conj_real, [((3,),)]),
    RuleCase(runtime.cross_adjoint_a, f_cross_adjoint_a, [((2, 3), (3,))]),
    RuleCase(runtime.cross_adjoint_b, f_cross_adjoint_b, [((2, 3), (2, 3))]),
    RuleCase(runtime.matrix_power_base, f_matrix_power_base, [((3, 3),)], domain=SMALL),
]
if _cross_takes_2_vectors():
    RULE_CASES.append(RuleCase(np.cross, f_cross2, [((2,), (2,)), ((2, 2), (3,)),
                                                   ((3,), (2, 2))]))


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted checks ---

_RNG = np.random.default_rng(12)
_A = _RNG.standard_normal((2, 3)) + 1j * _RNG.standard_normal((2, 3))
_B = _RNG.standard_normal((3, 2)) + 1j * _RNG.standard_normal((3, 2))
_W = _RNG.standard_normal((2, 2)) + 1j * _RNG.standard_normal((2, 2))


def f_weighted_einsum(a, b):
    return np.real(np.sum(np.einsum('ij,jk->ik', a, b) * _W))


def f_real_vdot(a, b):
    return np.real(np.vdot(a, b))


def test_einsum_complex_gradient_has_no_conjugate():
    ga, gb = s2sad.grad(f_weighted_einsum, argnums=(0, 1))(_A, _B)
    np.testing.assert_allclose(ga, _W @ _B.T, rtol=1e-12)  # JAX: d[a] = g b^T
    np.testing.assert_allclose(gb, _A.T @ _W, rtol=1e-12)


def test_vdot_conjugates_its_first_argument():
    a, b = _A.ravel(), _B.ravel()
    ga, gb = s2sad.grad(f_real_vdot, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, np.conj(b), rtol=1e-12)  # Re(conj(a) b): df/dx - i df/dy
    np.testing.assert_allclose(gb, np.conj(a), rtol=1e-12)
    want = numerical_grad(f_real_vdot, [a, b], argnums=(0, 1))
    np.testing.assert_allclose(ga, want[0], rtol=1e-6)
    np.testing.assert_allclose(gb, want[1], rtol=1e-6)


def f_interleaved(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2]))


def test_einsum_interleaved_form_is_an_error():
    with pytest.raises(Exception, match="subscripts string"):
        s2sad.grad(f_interleaved)(np.ones((2, 3)), np.ones((3, 2)))


def f_einsum_of_scale(s):
    a = np.arange(6.0).reshape(2, 3) / 5.0
    b = np.arange(6.0).reshape(3, 2) / 7.0
    return np.sum(np.sin(np.einsum('ij,jk,kl->il', s * a, s * b, s * np.eye(2) + 1.0)))


def test_einsum_third_order():
    # grad of grad of grad: differentiates the Hessian helpers (the augmented form)
    g3 = s2sad.grad(s2sad.grad(s2sad.grad(f_einsum_of_scale)))
    g2 = s2sad.grad(s2sad.grad(f_einsum_of_scale))
    eps = 1e-5
    want = (g2(0.7 + eps) - g2(0.7 - eps)) / (2 * eps)
    np.testing.assert_allclose(g3(0.7), want, rtol=1e-5)


def f_attention(q, k):
    return np.einsum('bhqd,bhkd->bhqk', q, k)


def test_einsum_jacobians():
    q = _RNG.standard_normal((1, 2, 2, 3))
    k = _RNG.standard_normal((1, 2, 2, 3))
    rev = s2sad.jacrev(f_attention, argnums=0)(q, k)
    fwd = s2sad.jacfwd(f_attention, argnums=0)(q, k)
    want = np.zeros((1, 2, 2, 2, 1, 2, 2, 3))
    for h in range(2):
        for i in range(2):
            want[0, h, i, :, 0, h, i, :] = k[0, h]
    np.testing.assert_allclose(rev, want, atol=1e-12)
    np.testing.assert_allclose(fwd, want, atol=1e-12)


def f_power(a, n):
    return np.sum(np.linalg.matrix_power(a, n) * np.arange(9.0).reshape(3, 3))


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_exponents(n):
    a = np.eye(3) * 2.0 + 0.3 * _RNG.standard_normal((3, 3))
    got = s2sad.grad(f_power)(a, n)
    want = numerical_grad(f_power, [a, n], argnums=(0,))[0]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    if n == 0:
        assert np.all(got == 0.0)


def f_implicit_sort(a, b):
    return np.einsum('ba,ac', a, b)  # implicit output: 'bc' (alphabetical)


def f_implicit_weighted(a, b):
    return np.sum(f_implicit_sort(a, b) * np.arange(8.0).reshape(2, 4))


def test_einsum_implicit_output_order():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    assert runtime.einsum_spec('ba,ac', (a, b)) == ('bc', 'ba', 'ac')
    assert runtime.einsum_spec('...ij,j', (np.ones((2, 2, 3)), np.ones(3))) == (
        'ai', 'aij', 'j')
    assert runtime.einsum_spec('ii', (np.ones((2, 2)),)) == ('', 'ii')
    g = s2sad.grad(f_implicit_weighted, argnums=(0, 1))(a, b)
    want = numerical_grad(f_implicit_weighted, [a, b], argnums=(0, 1))
    np.testing.assert_allclose(g[0], want[0], rtol=1e-7)
    np.testing.assert_allclose(g[1], want[1], rtol=1e-7)


def f_iij_weighted(a):
    return np.sum(np.einsum('iij->j', a) * np.array([1.0, 2.0]))


def test_einsum_repeated_index_adjoint_writes_the_diagonal():
    a = _RNG.standard_normal((3, 3, 2))
    g = s2sad.grad(f_iij_weighted)(a)
    want = np.zeros((3, 3, 2))
    for i in range(3):
        want[i, i] = [1.0, 2.0]
    np.testing.assert_array_equal(g, want)


def test_einsum_size_one_broadcast_is_unbroadcast():
    a, b = _RNG.standard_normal((1, 3)), _RNG.standard_normal((2, 3))
    g = s2sad.grad(f_es_broadcast_ellipsis, argnums=(0, 1))(a, b)
    want = numerical_grad(f_es_broadcast_ellipsis, [a, b], argnums=(0, 1))
    assert g[0].shape == (1, 3)
    np.testing.assert_allclose(g[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(g[1], want[1], rtol=1e-6)
