"""A corpus of plain NumPy functions, written the way NumPy users write them.

``tests/test_corpus.py`` differentiates every public function of this module and
checks it against central finite differences; ``tests/test_golden.py`` pins the
printed derivative of a few of them.  Parameter names encode the kind of input the
tests generate (values are drawn in (0.5, 1.5), away from the kinks used below):

====================  =============================================================
name                  input
====================  =============================================================
``a, b, c, k``        Python float
``w, x, y, z``        vector, shape (4,)
``A, B``              matrix, shape (3, 4)
``W``                 square matrix, shape (4, 4)
``n``                 small positive Python int (2, 3 or 4), not differentiated
``xs``                list of 3 vectors of shape (4,)
``p``                 dict ``{'w': vector (4,), 'b': 0-d array}``
====================  =============================================================

Helpers whose name starts with ``_`` are called by the corpus functions and are not
tested on their own.  ``HAS_AUX`` lists the functions that return ``(output, aux)``.
Keep every function at module level: s2sad reads their source.
"""
import functools
import math

import numpy as np

HAS_AUX = {"loss_with_aux"}

_LABELS = np.array([0.0, 1.0, 1.0])
_TARGETS = np.array([0.5, -0.5, 1.0])
_SCALE = 2.0
_OFFSET = np.array([1.0, 2.0, 3.0, 4.0])


# --- golden functions (also in tests/golden/) ----------------------------------------

def tanh_loss(w, A):
    return np.sum(np.tanh(np.dot(A, w)) ** 2)


def mlp_mse(W, x, A):
    h = np.tanh(np.dot(A, W))
    out = np.dot(h, x)
    return np.mean((out - _TARGETS) ** 2)


def logistic_regression(w, A):
    logits = np.dot(A, w)
    prob = 1.0 / (1.0 + np.exp(-logits))
    return -np.mean(_LABELS * np.log(prob) + (1.0 - _LABELS) * np.log(1.0 - prob))


def euler_oscillator(k, c):
    pos, vel = 1.0, 0.0
    dt = 0.01
    for _ in range(200):
        acc = -k * pos - c * vel
        pos = pos + dt * vel
        vel = vel + dt * acc
    return pos


def rnn(W, xs):
    h = np.zeros(4)
    for v in xs:
        h = np.tanh(np.dot(W, h) + v)
    return np.sum(h ** 2)


def if_else(x, a):
    s = np.sum(x)
    if s > 4.0:
        y = np.sin(x) * a
    else:
        y = np.cos(x) / a
    return np.sum(y ** 2)


def while_doubling(x):
    s = np.sum(x ** 2)
    while s < 100.0:
        s = s * 1.7
    return s


def calls_helper(x, a):
    return np.sum(_scaled_sin(x) + _affine(x, a, shift=0.5))


def writes_in_loop(x, n):
    y = np.zeros(4)
    for i in range(n - 1):
        y[i] = x[i] * x[i + 1]
    return np.sum(y ** 2)


def loss_with_aux(x, y):
    err = x - y
    loss = np.sum(err ** 2)
    return loss, np.max(np.abs(err))


# --- helpers (not tested on their own) -----------------------------------------------

def _scaled_sin(x, scale=2.0):
    return np.sin(x) * scale


def _affine(x, a, shift=0.0):
    return a * x + shift


def _layer(W, h, x):
    return np.tanh(np.dot(W, h) + x)


def _power(x, n):
    if n == 0:
        return 1.0
    return x * _power(x, n - 1)


def _twice(x):
    return _scaled_sin(x, scale=1.0) + _affine(x, 2.0)


def _sin_cos(x):
    return np.sin(x), np.cos(x)


def _triangle(x, i):
    t = 0.0
    for j in range(i + 1):
        t = t + x[j] * x[i]
    return t


def _repeat_sin(x, n):
    if n <= 0:
        return x
    return _repeat_sin(np.sin(x), n - 1)


class _Scaler:
    """A callable object whose bound method is also differentiated."""

    def __init__(self, scale):
        self.scale = scale

    def __call__(self, x):
        return x * self.scale

    def apply(self, x):
        return np.sin(x) * self.scale


_SCALER = _Scaler(1.5)
_shift_by_third = functools.partial(_affine, shift=0.3)


# --- straight-line NumPy --------------------------------------------------------------

def sin_plus_cos(x):
    return np.sum(np.sin(x) + np.cos(x))


def exp_times_log(x):
    return np.sum(np.exp(x) * np.log(x))


def sqrt_over(x, y):
    return np.sum(np.sqrt(x) / (1.0 + y))


def powers(x, a):
    return np.sum(x ** 3 - a ** 2 * x + 2.0 ** x + x ** a)


def scalar_polynomial(a, b):
    return a * a * b - 3.0 * a + b / a - (a - b) ** 2


def scalar_and_vector(a, x):
    return np.sum(a * x + x / a) * a


def mean_var_std(x):
    return np.mean(x) * np.var(x) + np.std(x)


def reductions_with_axis(A):
    col = np.sum(A, axis=0)
    row = np.mean(A, axis=1, keepdims=True)
    return np.sum(col ** 2) + np.sum(row * A) + np.max(A, axis=1).sum()


def prod_min_max(x):
    return np.prod(x) + np.min(x) * np.max(x)


def matmul_chain(A, W, x):
    return np.sum(np.tanh(A @ W @ x))


def dot_squared(x, y):
    return np.dot(x, y) ** 2


def transpose_matvec(A, x):
    y = A @ x
    return np.sum(np.sin(A.T @ y))


def reshape_transpose(A):
    B = A.reshape(4, 3)
    C = np.transpose(B)
    return np.sum(C * A) + np.sum(np.reshape(A, (12,)) ** 2)


def concatenate_stack(x, y):
    both = np.concatenate([x, y])
    pairs = np.stack([x, y], axis=1)
    return np.sum(both ** 2) + np.sum(np.sin(pairs))


def where_clip_maximum(x):
    a = np.where(x > 1.0, x ** 2, -x)
    b = np.clip(x, 0.7, 1.3)
    return np.sum(a + b * np.maximum(x, 1.0) + np.minimum(x, 0.9))


def broadcast_row(A, x):
    return np.sum((A + x) ** 2 * x)


def broadcast_column(A):
    return np.sum(A * A[:, 0:1])


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax_cross_entropy(x):
    e = np.exp(x - np.max(x))
    probs = e / np.sum(e)
    return -np.log(probs[2])


def sigmoid_sum(x):
    return np.sum(1.0 / (1.0 + np.exp(-x)))


def vector_norm(x):
    return np.linalg.norm(x) * np.sum(x)


def outer_product(x, y):
    return np.sum(np.outer(x, y) ** 2)


def cumulative_sum(x):
    return np.sum(np.cumsum(x) ** 2)


def atan2_hypot(x, y):
    return np.sum(np.arctan2(x, y) * np.hypot(x, y))


def absolute_value(x):
    return np.sum(np.abs(x - 1.0) * x)


def square_reciprocal(x):
    return np.sum(np.square(x) + np.reciprocal(x))


def shape_shuffles(A):
    e = np.expand_dims(A, 0)
    s = np.squeeze(e, axis=0)
    t = np.swapaxes(s, 0, 1)
    return np.sum(np.flip(t, axis=0) * np.ravel(A).reshape(4, 3))


def array_methods(A):
    return A.sum() * A.mean() + np.sum(A.T ** 2) + A.max()


def tanh_logaddexp(x, y):
    return np.sum(np.tanh(x) * np.logaddexp(x, y) + np.log1p(y) * np.expm1(x))


def matrix_square_trace(W):
    return np.sum(np.eye(4) * (W @ W))


def two_matrices(A, B):
    return np.sum(A * B) + np.sum(np.dot(A.T, B) ** 2) - np.sum(A @ B.T)


def negative_and_tuple_axis(A):
    return np.sum(np.sum(A, axis=-1) ** 2) + np.mean(A, axis=(0, 1))


def keepdims_everywhere(A):
    s = np.sum(A, axis=1, keepdims=True)
    m = np.max(A, axis=0, keepdims=True)
    return np.sum(s * A) + np.sum(m ** 2)


def elementwise_where_and(x):
    return np.sum(np.where((x > 0.8) & (x < 1.2), x ** 2, x))


def clip_after_scale(x):
    g = x * 3.0
    g = np.clip(g, 1.0, 4.0)
    return np.sum(g * x)


def maximum_of_reversed(x):
    return np.sum(np.max(x) * x) + np.sum(np.maximum(x, x[::-1]))


def dot_method(A, x):
    return A.dot(x).sum()


def astype_float(x):
    return np.sum(x.astype(np.float64) ** 2)


def int_exponent(x, n):
    return np.sum(x ** n)


def module_constants(x):
    return np.sum(x * _SCALE + _OFFSET)


def shape_attribute(A):
    rows, cols = A.shape
    return np.sum(A) / (rows * cols)


def list_to_array(a, b):
    return np.sum(np.array([a, b]) ** 2)


def unary_plus_minus(x):
    return np.sum(-x + (+x) * 2.0)


def modulo_operator(x):
    return np.sum(x % 0.3 + x)


def ones_zeros_linspace_arange(x):
    ramp = np.linspace(0.0, 1.0, 4) + np.arange(4)
    return np.sum(np.ones_like(x) * x * ramp + np.zeros_like(x))


def any_all_guard(x):
    if np.all(x > 0.0) and not np.any(x > 10.0):
        return np.sum(x ** 2)
    return 0.0


def item_method(x):
    return x[0].item() * 2.0 + np.sum(x)


# --- subscripts -----------------------------------------------------------------------

def int_indices(x):
    return x[0] * x[-1] + x[2] ** 2


def slices(x):
    return np.sum(x[1:3] * x[:2]) + np.sum(x[::2]) * np.sum(x[-2:]) + np.sum(x[::-1] * x)


def none_and_ellipsis(A, x):
    return np.sum(x[None, :] * A[..., 1:2]) + np.sum(A[..., -1] ** 2)


def integer_array_index(x):
    idx = np.array([0, 2, 2, 3])
    return np.sum(x[idx] ** 2)


def boolean_mask(x):
    m = x > 1.0
    return np.sum(x[m] ** 2) + np.sum(np.where(m, 0.0, x))


def matrix_indices(A):
    return A[1, 2] * A[0, -1] + np.sum(A[1:, ::2] ** 2) + np.sum(A[:, 1])


def fancy_rows_and_mask(A):
    return np.sum(A[[0, 2]] ** 2) + np.sum(A[A > 1.0])


def list_of_lists(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    return rows[0][1] * rows[1][0]


# --- assignment forms, conditional expressions and boolean operators ------------------

def augmented_assignment(x, a):
    s = x * 1.0
    s += a
    s *= x
    s -= 1.0
    s /= a
    s **= 2
    return np.sum(s)


def tuple_unpacking(x, y):
    u, v = np.sin(x), np.cos(y)
    u, v = v, u * v
    return np.sum(u + v)


def unpack_from_call(A):
    first, second, third = A
    return np.sum(first * second - third)


def chained_comparison(a, x, y):
    return np.sum(np.where(0.5 < a < 1.0, x * a, y * a))


def conditional_expression(a, x):
    b = a * 2.0 if a > 1.0 else a ** 3
    return np.sum(b * x)


def boolean_operators(a, b):
    if a > 1.0 and b < 1.0 or not a > 0.7:
        return a * b
    return a + b


def value_of_and_or(a, b):
    c = (a > 1.0 and b) or a
    return c * a


def rebinding_arguments(x, a):
    x = np.sin(x)
    a = a * 2.0
    for _ in range(3):
        x = x * a
    return np.sum(x)


def tuple_swap_in_loop(a, b):
    for _ in range(5):
        a, b = b, a + b * 0.1
    return a * b


def assert_and_raise(x, a):
    assert a > 0.0, "a must be positive"
    if a < 0.0:
        raise ValueError("a must be positive")
    return np.sum(x * a)


def string_formatting(x):
    msg = "value %d" % 3
    assert len(msg) > 0
    return np.sum(x)


# --- branches -------------------------------------------------------------------------

def if_elif_else(a, x):
    if a < 0.8:
        y = x * a
    elif a < 1.2:
        y = np.sin(x) * a
    else:
        y = x ** 2
    return np.sum(y)


def branch_on_element(x):
    if x[0] > 1.0:
        y = np.sin(x)
    else:
        y = np.cos(x)
    return np.sum(y * x)


def branch_on_int(x, n):
    if n % 2 == 0:
        return np.sum(x ** n)
    return np.sum(np.sin(x)) * n


def if_without_else(x, a):
    y = x * a
    if np.sum(x) > 3.0:
        y = y * y
    return np.sum(y)


def nested_branches(a, b):
    if a > 1.0:
        if b > 1.0:
            r = a * b
        else:
            r = a / b
    else:
        r = a - b * b
    return r * a


def early_return_in_branch(x, a):
    if a > 1.0:
        return np.sum(x) * a
    y = np.exp(x)
    return np.sum(y) / a


def both_branches_overwrite(x, a):
    y = x * a
    if a > 1.0:
        y = np.sin(y)
    else:
        y = y ** 3
    return np.sum(y)


def variable_defined_in_branch(x, a):
    if a > 1.0:
        t = np.sin(x)
    else:
        t = np.cos(x)
    u = t * a
    if a > 0.9:
        u = u + t
    return np.sum(u)


def elif_chain_on_active_value(x):
    s = np.sum(x)
    if s < 3.0:
        r = s
    elif s < 4.0:
        r = s ** 2
    elif s < 5.0:
        r = s ** 3
    else:
        r = np.sqrt(s)
    return r


def early_return_straight_line(a, b):
    c = a * b
    if c > 1.0:
        return c
    d = c * c
    return d + a


def min_then_branch(a, b):
    m = min(a, b)
    if m > 1.0:
        return m * 2.0
    return m


# --- for loops ------------------------------------------------------------------------

def range_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x[i] * i
    return s


def range_start_stop_step(x):
    s = x[0]
    for i in range(3, -1, -2):
        s = s * x[i] + 1.0
    for j in range(1, 4, 2):
        s = s + x[j] ** 2
    return s


def loop_over_rows(A):
    s = 0.0
    for row in A:
        s = s + np.sum(np.sin(row))
    return s


def loop_over_list(xs):
    total = np.zeros(4)
    for v in xs:
        total = total + v ** 2
    return np.sum(total)


def loop_over_tuple(x, y, z):
    s = 0.0
    for v in (x, y, z):
        s = s + np.sum(v * x)
    return s


def loop_over_constants(x):
    s = np.zeros(4)
    for c in [1.0, 2.0, 3.0]:
        s = s + np.sin(x * c)
    return np.sum(s)


def enumerate_loop(xs):
    s = 0.0
    for i, v in enumerate(xs):
        s = s + (i + 1.0) * np.sum(v ** 2)
    return s


def zip_loop(x, y):
    s = 0.0
    for u, v in zip(x, y):
        s = s + u * v * u
    return s


def nested_loops(A, W):
    out = 0.0
    for i in range(3):
        for j in range(4):
            out = out + A[i, j] * W[j, i] ** 2
    return out


def nested_loop_depends_on_outer(x):
    s = 0.0
    for i in range(4):
        for j in range(i):
            s = s + x[i] * x[j]
    return s


def loop_break(x):
    s = 0.0
    for i in range(4):
        s = s + x[i] ** 2
        if s > 2.0:
            break
    return s


def loop_continue(x):
    s = 0.0
    for v in x:
        if v < 1.0:
            continue
        s = s + np.sin(v)
    return s + np.sum(x) * 0.1


def return_inside_loop(x):
    s = 1.0
    for i in range(4):
        s = s * x[i]
        if s > 1.5:
            return s
    return -s


def trip_count_from_active_value(a):
    s = a
    for _ in range(int(a * 4.0)):
        s = s * 0.9 + a
    return s


def long_scalar_loop(a):
    s = 0.0
    for i in range(1000):
        s = s + math.sin(a * i * 0.001) * 0.001
    return s


def long_vector_loop(x):
    h = x * 1.0
    for _ in range(1500):
        h = h + 0.0005 * np.cos(h)
    return np.sum(h ** 2)


def loop_accumulates_matrix(A, x):
    acc = np.zeros((3, 4))
    for i in range(3):
        acc = acc + A * x[i]
    return np.sum(acc ** 2)


def augmented_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s += x[i] ** 2
        s *= 1.1
    return s


def loop_variable_after_loop(x):
    for i in range(3):
        v = x[i] * x[i + 1]
    return v * i


def early_return_nested_loops(A):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + A[i, j]
            if s > 3.0:
                return s * s
    return s


def break_inner_loop(A):
    s = 0.0
    for i in range(3):
        for j in range(4):
            s = s + A[i, j] ** 2
            if s > 4.0:
                break
        s = s * 0.5
    return s


def range_of_shape_and_len(A):
    s = 0.0
    for i in range(A.shape[0]):
        s = s + np.sum(A[i] ** 2) * i
    for j in range(len(A)):
        s = s + A[j, 0]
    return s


def reversed_range(x):
    s = 1.0
    for i in reversed(range(4)):
        s = s * x[i] + 1.0
    return s


def loop_over_columns(A):
    s = 0.0
    for col in A.T:
        s = s + np.prod(col)
    return s


def conditional_expression_in_loop(x):
    s = 0.0
    for v in x:
        s = s + (v if v > 1.0 else v * v)
    return s


def branch_in_loop_overwrite(x):
    y = x * 1.0
    for _ in range(3):
        if np.sum(y) > 3.0:
            y = y * 0.5
        y = np.sin(y) + y
    return np.sum(y)


def zero_trip_loops(x, n):
    s = np.sum(x)
    for _ in range(n - n):
        s = s * 100.0
    while n < 0:
        s = s * 3.0
    return s * s


def tuple_state_in_loop(x):
    acc = (0.0, 1.0)
    for v in x:
        acc = (acc[0] + v, acc[1] * v)
    return acc[0] * acc[1]


def loop_over_dict(p):
    s = 0.0
    for key in p:
        s = s + np.sum(p[key] ** 2)
    return s


def loop_over_dict_items(p):
    s = 0.0
    for key, v in p.items():
        s = s + np.sum(v ** 2)
    return s


def zip_three(x, y, z):
    s = 0.0
    for u, v, w in zip(x, y, z):
        s = s + u * v + w
    return s


def enumerate_with_start(x):
    s = 0.0
    for i, v in enumerate(x, 1):
        s = s + v * i
    return s


def enumerate_zip(x, y):
    s = 0.0
    for i, (u, v) in enumerate(zip(x, y)):
        s = s + u * v * i
    return s


def unpack_rows_in_loop(A):
    s = 0.0
    for a, b, c, d in A:
        s = s + a * b - c * d
    return s


# --- while loops ----------------------------------------------------------------------

def while_counter(x):
    i = 0
    s = 0.0
    while i < 4:
        s = s + x[i] * (i + 1)
        i = i + 1
    return s * s


def while_active_trip_count(a):
    s = a
    n = 0
    while s < 20.0:
        s = s * (1.0 + a)
        n = n + 1
    return s / (n + 1)


def while_break(x):
    s = 0.0
    i = 0
    while True:
        s = s + x[i] ** 2
        i = i + 1
        if i >= 4 or s > 3.0:
            break
    return s


def newton_sqrt(a):
    r = a
    while abs(r * r - a) > 1e-12:
        r = 0.5 * (r + a / r)
    return r


def while_in_for(x):
    s = 0.0
    for i in range(4):
        t = x[i]
        while t < 5.0:
            t = t * 1.5
        s = s + t
    return s


def for_in_while(x):
    s = x * 1.0
    k = 0
    while k < 3:
        for i in range(4):
            s = s * 0.9 + x[i]
        k = k + 1
    return np.sum(s)


def while_continue(x):
    i = 0
    s = 0.0
    while i < 4:
        i = i + 1
        if x[i - 1] < 1.0:
            continue
        s = s + x[i - 1] ** 2
    return s


def while_on_norm(x):
    while np.linalg.norm(x) < 10.0:
        x = x * 1.5
    return np.sum(x)


def return_from_while_true(a):
    s = a
    while True:
        s = s * 1.3
        if s > 5.0:
            return s


def while_tuple_state(a, b):
    i = 0
    while i < 10:
        a, b = b, (a + b) * 0.5
        i += 1
    return a * b


# --- writes into arrays the function created ------------------------------------------

def write_slice_augmented(x):
    y = np.zeros(6)
    y[1:5] += x
    y[0:4] += x * 2.0
    return np.sum(y ** 2)


def write_mask(x):
    y = np.ones(4)
    m = x > 1.0
    y[m] = x[m] ** 2
    return np.sum(y * x)


def write_in_branch(x, a):
    y = np.zeros(4)
    if a > 1.0:
        y[0] = a * x[0]
    else:
        y[1:3] = x[1:3] * a
    y[3] = x[3]
    return np.sum(np.sin(y))


def write_matrix_rows(A):
    out = np.zeros((3, 4))
    for i in range(3):
        out[i] = A[i] * (i + 1.0)
        out[i, 0] = out[i, 0] ** 2
    return np.sum(out ** 2)


def write_into_argument(x):
    x[0] = x[1] * 2.0
    return np.sum(x ** 2)


def write_then_read(x, n):
    y = np.zeros(5)
    y[0] = 1.0
    for i in range(n):
        y[i + 1] = y[i] * x[i]
    return np.sum(y)


def write_copy_of_argument(x):
    y = x.copy()
    y[1] = 0.0
    y[2:] *= 3.0
    return np.sum(y ** 2)


def augmented_writes_in_loop(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] += x[i] * 2.0
        y[i] *= x[i]
    return np.sum(y)


def writes_in_branches_in_loop(x):
    y = x * 1.0
    for i in range(4):
        if y[i] > 1.0:
            y[i] = y[i] ** 2
        else:
            y[i] = y[i] * 0.5
    return np.sum(y)


def write_argument_in_loop(x):
    for i in range(1, 4):
        x[i] = x[i] + x[i - 1] * 0.5
    return np.sum(x ** 2)


def write_in_while(x):
    y = np.zeros(4)
    i = 0
    while i < 4:
        y[i] = x[i] ** 2 + (y[i - 1] if i > 0 else 0.0)
        i = i + 1
    return np.sum(y)


def nested_subscript_write(A):
    B = np.zeros((3, 4))
    B[1][2] = A[0, 0] ** 2
    return np.sum(B * A)


def write_negative_step(x):
    y = np.zeros(4)
    y[::-1] = x * 2.0
    return np.sum(y * x)


def write_mask_constant(x):
    y = x * 1.0
    y[x > 1.0] = 0.0
    return np.sum(y * x)


# --- lists, tuples and dicts ----------------------------------------------------------

def append_and_stack(x, n):
    ys = []
    for i in range(n):
        ys.append(x * (i + 1.0))
    return np.sum(np.stack(ys) ** 2)


def append_last(x):
    ys = [x]
    for _ in range(3):
        ys.append(np.sin(ys[-1]))
    return np.sum(ys[-1])


def sum_of_list(xs):
    return np.sum(sum(xs) ** 2)


def list_literal(x, y):
    items = [x, y, x * y]
    return np.sum(items[0] * items[2]) + np.sum(items[1])


def tuple_literal(a, x):
    pair = (a, x)
    return np.sum(pair[0] * pair[1])


def dict_literal(x, y):
    d = {"u": x, "v": y}
    return np.sum(d["u"] * d["v"])


def dict_argument(p, x):
    return np.sum(np.tanh(np.dot(x, p["w"]) + p["b"]) + p["w"] ** 2)


def list_length(xs):
    total = 0.0
    for v in xs:
        total = total + np.sum(v)
    return total / len(xs)


def list_indexing(xs):
    return np.sum(xs[0] * xs[-1]) + np.sum(xs[1] ** 2)


def stack_list_argument(xs):
    M = np.stack(xs)
    return np.sum(M @ M.T)


def append_in_branch(x):
    ys = []
    for i in range(4):
        if x[i] > 1.0:
            ys.append(x[i] ** 2)
        else:
            ys.append(x[i] * 3.0)
    return sum(ys)


def append_in_while(x):
    ys = []
    s = x * 1.0
    while len(ys) < 3:
        s = np.sin(s)
        ys.append(s)
    return np.sum(np.stack(ys))


def product_over_list(xs):
    out = xs[0]
    for i in range(1, len(xs)):
        out = out * xs[i]
    return np.sum(out)


def list_used_twice(xs):
    return np.sum(sum(xs) ** 2) + np.sum(np.stack(xs))


def reduce_list_argument(xs):
    return np.sum(xs) + np.mean(xs)


def nested_tuples(a, b):
    t = ((a, b), (b, a))
    return t[0][0] * t[1][0] + t[1][1]


def dict_item_updated_in_loop(x):
    d = {"s": 0.0}
    for i in range(4):
        d["s"] = d["s"] + x[i] ** 2
    return d["s"]


def list_item_assignment(x):
    ys = [0.0, 0.0]
    ys[0] = x[0] * 2.0
    ys[1] = ys[0] * x[1]
    return ys[1]


# --- calls to other functions ---------------------------------------------------------

def helper_with_keywords(x, a):
    return np.sum(_affine(x, a, shift=1.0) * _affine(x=x, a=2.0))


def helper_calls_helper(x):
    return np.sum(_twice(x) ** 2)


def helper_in_loop(W, xs):
    h = np.zeros(4)
    for v in xs:
        h = _layer(W, h, v)
    return np.sum(h)


def recursion(x, n):
    return np.sum(_power(x, n))


def callable_object(x):
    return np.sum(_SCALER(x) ** 2)


def bound_method(x):
    return np.sum(_SCALER.apply(x))


def helper_returns_tuple(x):
    u, v = _sin_cos(x)
    return np.sum(u * v)


def helper_with_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + _triangle(x, i)
    return s


def recursion_on_arrays(x, n):
    return np.sum(_repeat_sin(x, n))


# --- builtins and math ----------------------------------------------------------------

def builtin_max_min_abs(a, b):
    return max(a, b) * min(a, b) + abs(a - 1.0) + float(b)


def builtin_sum_range(x):
    return sum([x[0], x[1] * 2.0, x[3]]) + sum(range(3)) * x[2]


def math_functions(a):
    return math.sin(a) + math.cos(a) * math.exp(a) + math.log(a) + math.sqrt(a) + math.tanh(a)


def math_in_loop(a, b):
    s = 0.0
    for i in range(5):
        s = s + math.exp(-a * i) * math.cos(b * i)
    return s


def builtins_on_arrays(x):
    return sum(x) ** 2 + np.sum(abs(x - 1.0)) + float(np.sum(x ** 2))


def builtin_max_of_three(a, b, c):
    return max(a, b, c) + min(a, b, c)


def builtin_max_of_list(x):
    return max([x[0], x[1], x[2]]) + min(x)


def math_log_base_and_pow(a):
    return math.log(a, 2.0) + math.pow(a, 3.0)


# --- nested functions, lambdas, closures, partial, comprehensions ---------------------

def nested_def(x):
    def square(v):
        return v * v
    return np.sum(square(x))


def lambda_function(x):
    sq = lambda v: v * v  # noqa: E731
    return np.sum(sq(x))


def closure_over_constant(x):
    scale = 3.0

    def scaled(v):
        return v * scale
    return np.sum(scaled(x) ** 2)


def closure_over_active_value(x, a):
    def scaled(v):
        return v * a
    return np.sum(scaled(x) ** 2)


def partial_application(x):
    shift = functools.partial(_affine, shift=0.3)
    return np.sum(shift(x, 2.0) ** 2)


def module_level_partial(x):
    return np.sum(_shift_by_third(x, 2.0) ** 2)


def list_comprehension_with_if(x):
    parts = [x * i for i in range(4) if i % 2 == 1]
    return np.sum(np.stack(parts) ** 2)


def generator_in_sum(xs):
    return sum(np.sum(v ** 2) for v in xs)


def nested_comprehension(x):
    return sum([x[i] * x[j] for i in range(4) for j in range(i)])


def comprehension_with_active_condition(x):
    return sum([v ** 2 for v in x if v > 1.0]) + x[0]


def comprehension_over_rows(A):
    return sum([np.dot(row, row) for row in A])


def generator_over_zip(x, y):
    return sum(u * v for u, v in zip(x, y))


def nested_def_with_loop(x):
    def step(h):
        for _ in range(3):
            h = np.sin(h) + h
        return h
    return np.sum(step(x))


def nested_def_with_early_return(x, a):
    def scaled(v):
        if a > 1.0:
            return v * a
        return v / a
    return np.sum(scaled(x))


def nested_def_called_twice(x, y):
    def square(v):
        return v * v
    return np.sum(square(x) + square(y) * square(x))


def lambda_in_loop(x):
    squash = lambda v, s: np.tanh(v * s)  # noqa: E731
    total = 0.0
    for i in range(3):
        total = total + np.sum(squash(x, i + 1.0))
    return total


def closure_sees_later_rebinding(x):
    scale = 2.0

    def scaled(v):
        return v * scale
    scale = 3.0
    return np.sum(scaled(x) ** 2)
