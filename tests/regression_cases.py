"""Functions that once gave wrong gradients or crashed (tests/test_regressions.py).

Each is a shrunk form of a bug report (the issue's list) or of a program the generator
(tests/progen) found; the comment above each says what went wrong.  Keep them at
module level: s2sad reads their source.
"""
import numpy as np
import s2sad

_W = np.arange(9.0).reshape(3, 3)
_M = np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5]])


# --- recomputed values read a variable before the tape restored it ----------------------

def tanh_loop(a):  # a = a + tanh(a) recomputed tanh(a) from the overwritten a
    for i in range(3):
        a = a + np.tanh(a)
    return a


def sqrt_loop(x):
    for i in range(3):
        x = x + np.sqrt(x * x + 1.0)
    return np.sum(x)


def sin_half_loop(x):
    for i in range(4):
        x = np.sin(0.5 * x)
    return np.sum(x)


def square_if_loop(a):  # 1.0 instead of 343.5 at a = 1.711
    for i in range(3):
        if a < 20:
            a = a * a
    return a


def cube_loop(a):
    for i in range(3):
        a = a * a * a
    return a


def power_branch(a, b):
    if a >= 0:
        a = a ** b
    else:
        a = (-a) ** b
    return a


def nested_if(a):
    if a > 0:
        a = a * 2.0
        if a < 10:
            a = a * a
    return a


def matmul_slice_if(x, y):
    if np.sum(x) > 0:
        x = x * np.matmul(y, x[1:4])
    return np.sum(x)


def overwritten_without_reads(a):  # an earlier adjoint reads exp's result back
    n = np.exp(a)
    for i in range(2):
        m = n + 1.0
        n = m * 0.5
    return n


# --- tuple assignment and self-assignment -------------------------------------------

def tuple_in_for(x, a):  # ran as two sequential assignments
    x_prev = x
    for i in range(3):
        x, x_prev = 0.5 * x + a, x
    return x * x_prev


def tuple_in_while(x, a):
    x_prev = x
    i = 0
    while i < 3:
        x, x_prev = 0.5 * x + a, x
        i += 1
    return x * x_prev


def swap_in_if(a, b):
    if a > 0:
        a, b = b, a
    return a * 2.0 + b * b * 3.0


def self_assign_in_if(x):  # x = x zeroed the adjoint
    if x > 0:
        x = x
    return x * x


def self_assign_in_loop(x):
    for i in range(2):
        x = x
    return x * x


def unpack_rebinds_itself(x):  # a, x = x: every element from the old x
    p = (x * 2.0, x * 3.0)
    a, p = p
    return a * p


# --- aux, unused outputs, vjp inside, batching -----------------------------------------

def stale_aux(x, acc):  # the aux was the value from before the loop
    for r1, r2 in x:
        acc = acc * acc + r1 * 0.1
    return acc, acc


def swapped_aux(a, b):  # a returned pair built after a loop that swaps its parts
    j = 0
    while True:
        j += 1
        a, b = b, a * np.cos(b)
        if j >= 3:
            break
    return np.tanh(b) * np.tanh(a), b


def _two_sums(x):
    return np.sum(x ** 2), np.sum(np.sqrt(x))


def unused_helper_output(x):  # 0 * inf = NaN at x = 0 from the unused output
    a, b = _two_sums(x)
    return a


def _inner(x):
    return np.sum(np.sin(x) * x)


def vjp_inside(x):  # grad of this was exactly 0
    return np.sum(s2sad.vjp(_inner, x)[1](1.0)[0] ** 2)


def vjp_inside_unpacked(x):
    out, pullback = s2sad.vjp(_inner, x * 2.0)
    g, = pullback(out)
    return np.sum(g * x)


def rows_written_in_loop(x):  # jacfwd lined the batch up with the last axis
    h = np.zeros((3, 3))
    for t in range(3):
        h[t] = x[t]
    return np.sum(h * _W)


# --- crashes in generated code ---------------------------------------------------------

def nested_def_with_aux(x):  # AttributeError: 'Tuple' object has no attribute 'id'
    def inner(v):
        return v * 2.0
    y = inner(x)
    return np.sum(y * y), y


def early_return(a):
    if a > 1.0:
        return a * a
    b = a * 3.0
    return b * a


def guard_before_while(a):  # UnboundLocalError: n_iter in grad(grad(f))
    if a < 0.0:
        return a
    k = 0
    while k < 3:
        a = a * 1.1
        k += 1
    return a


def conditional_expression_in_branch(a):
    if a > 0:
        b = a * 2 if a > 1 else a * 3
    else:
        b = a
    return b * b


def linear_in_a(a):  # hessian: batched sweep returned shape ()
    return a * 3.0


def method_sum(x):
    return x.sum()


def maximum(x):
    return np.max(x)


def identity(a):  # NameError: name 'ba' is not defined
    return a


def complex_abs(x):  # TypeError in the optimiser: '<' between complex and int
    return np.sum(np.abs(x + 1j * x))


def constants_in_a_list(x):
    return np.sum([1.0, 2.0, x * x])


def _sin_times(x):
    return np.sin(x) * x


def third_order_helper(a):  # IndexError in grad(grad(grad(f)))
    return _sin_times(a) * a


def _tail(x, k):
    n = x.shape[0] - k
    return np.sum(x[:n] ** 2)


def computed_slice_helper(x):  # no derivative rule for builtins.slice
    return _tail(x, 1) + np.sum(x)


def outer_sum(x):  # O(n^2) shape inference at compile time
    return np.sum(np.outer(x, x))


# --- found by the program generator ----------------------------------------------------

def and_in_loop_with_return(W):  # the backward sweep tested the overwritten and-value
    u = W.max(axis=1)
    for el in u:
        if el > 2.0 and np.mean(u) < 0.0:
            return el + 2.0 * el + np.sum(np.tanh(W))
        u = np.tanh(el * np.ones(3))[:2]
    return np.sum(np.tanh(u)) + np.mean(W)


def pops_only_branch(x):  # a branch holding only tape pops was dropped: tape out of step
    u = x * 2.0
    t = None
    for i in range(3):
        t = 0.5 < 0.5 * i
        if t:
            t = 0.25 < 1.0
        if t:
            return np.mean(u)
    return np.sum(np.tanh(u))


def padded_unbound(x):  # zeros_like(g) of a g the branch not taken never assigned
    if not np.sum(x) >= 100.0:
        hb = x * 2.0
        s, g = np.sum(x * x), np.log(1.0 + np.exp(0.1 * x))
    else:
        return np.sum(x), 1.0
    return np.sum(np.tanh(g)) + np.sum(hb), s


def while_not_entered(W, y):  # loop-invariant code motion hoisted y = ... out of the loop
    u = np.ones(3)
    i = 0
    while i < 2 and (not (np.any(u > 0.0))):
        i += 1
        y = W[0] * 2.0
    return np.sum(y * y)


def negative_power_constant(W):  # (-0.5) ** 2 was printed as -0.5 ** 2
    return np.log(1.0 + (-0.5) ** 2) * np.sum(W)


def _first_or_second(M):
    if np.sum(M) < -100.0:
        return 1.0, M * 2.0
    return M.mean(), np.sinh(0.01 * M)[::-1]


def tuple_built_at_run_time(W):  # the unused-output optimisation dropped every seed
    return _first_or_second(W)[1].min()


def swapped_params(W, A):  # a parameter assigned another was taken for a number
    if np.sum(W) <= 100.0:
        W, A = A, W
    return np.mean(np.abs(W)) * 2.0


def coupled_tangents(x, a):  # add_grad(d[a], d[b]) dropped when d[a] was zero
    b = (x * a).dot(np.sinh(x))
    return b + np.tanh(b)


def reversed_slice_loop(y):  # by = unslice(by, y, ::-1) lowered to zeros; by[::-1] = by
    for i in range(2):
        y = y[::-1] + 3.0
    return np.sum(y)


def whole_zero_d_write(x):  # 1.0[...] in generated code
    s = np.zeros(())
    s[...] = np.sum(x * x)
    return s * 1.0


def list_concatenation(x):  # + of lists differentiated as arithmetic
    ys = [x, x * x] + [np.sin(x)]
    return ys[0] * ys[2] + ys[1]


def tangent_named_del(x):  # the tangent of `el` was named `del`
    total = 0.0
    for el in np.cumsum(x):
        total = total + el * el
    return total


def sum_of_list_second_order(x):  # runtime helpers had no rules: grad(grad) failed
    return sum([x * x, np.sin(x), 2.0 * x]) + max(x * x, np.sin(x) + 1.0) + np.prod(
        np.array([x, x * x + 1.0])) + np.abs(x - 2.0) * x


def replayed_branch_test(x, W):  # vjp: the backward's `if` shared its test node with
    M = W * 1.0                  # the forward's, which copy propagation renamed
    if not (x[0] < x[-1]):
        for xi in x:
            if x[0] < x[-1]:
                break
    for t_ in x:
        M = W
        if x[0] > x[-1]:
            P = 1.0  # noqa: F841 (an unused assignment in a branch is part of the bug)
    return np.mean(x) - np.mean(M)


def _rebinds_elements(u):
    for ui in u:  # a 1-d u: each ui is a number, += rebinds it (no write into u)
        ui += 0.1 * ui
    return u.copy(), np.sum(u)


def helper_rebinding_elements(x, a):  # second order: refused as a write into x (the
    if _rebinds_elements(x)[1] < 1.0:   # shape-generic code tested "x is an array")
        a = a * 2.0
    return a * np.sum(x * x)


def _halves(u):
    for ui in u:
        ui -= 0.5 * ui
    return np.sum(u * u)


def helper_rebinding_elements_of_a_view(x):  # x[::-1] was an array of unknown ndim: the
    return _halves(x[::-1]) + _halves(x[1:]) * x[0]  # call was refused as a write into x


def owned_view_in_branch(x, c):  # the branch's first contribution bx = unreduce(...) (a
    t = c                        # read-only view, or another adjoint) was then added into
    if x[0, 0] < 100.0:          # in place: bx[0] += ... (a crash, or a wrong gradient)
        b = x[0]
        a = np.sum(x, axis=0)
        t = np.sum(a * b) * c
    return t


_M22 = np.array([[1.0, 0.5], [-0.5, 2.0]])


def global_view_chain_in_loop(x):  # _M22.T.T is a new object each time: the aliasing
    ys = []                          # analysis of a loop over it never converged
    for i in range(2):
        x = x * _M22.T.T.ravel() ** 3
        ys.append(x)
    return np.sum(ys[0] * ys[1])


def _decay(s, M):
    s -= np.exp(0.01 * s)
    return np.arctan(0.1 * s) * np.ones(2)


def helper_in_a_comprehension(x):  # the run-time guard for the call was put before the
    H = np.stack([_decay(xi, np.full((2, 3), xi)) for xi in x])  # statement: NameError xi
    return np.sum(H * H)


def early_return_then_array(a):  # grad(grad): the adjoint of the first-order code's
    if not (a < 0.0):              # retval (None on the other path) was added with +
        return np.tanh(a)
    h = np.zeros(6)
    h[1:] += a
    return np.mean(h * h)


def zip_of_one_array_swapped(a, x):  # zip(x, x): the two buffers of the adjoints of the
    for el, t_ in zip(x, x):          # sequences were merged by CSE (zeros_like twice),
        t_ = el                       # then added into in place: gradient 2 instead of 1
        a, t_ = t_, a
    return np.arctan2(a, 1.0 + a ** 2)


def argument_written_in_a_loop(W, x):  # x[0] = ... in a loop: the loop did not count as
    M = np.outer(x, x)                  # changing x, so the backward of np.outer read the
    for col in W:                       # x the loop left (wrong gradient)
        x[0] = np.tanh(0.1 * col[0])
    return np.sum(x) + np.mean(M)


def norm_of_a_clipped_vector(a):  # jvp: the norm's tangent at a zero vector was 0 / 0
    u = np.maximum(a * np.ones(3), 0.0)
    return np.linalg.norm(u) + 2.0 * a


def hoisted_out_of_a_loop_second_order(a, x):  # grad(grad): a loop with no adjoint work
    if a <= 0.3:                                 # dropped the zeros of the adjoints it
        for i in range(3):                       # starts (NameError: bmultiply__t2)
            x = np.multiply((a * np.ones(6))[::-1], np.log(1.0 + np.full(6, a) ** 2))[3:]
    return np.mean(x)


def while_break_before_the_test(x, y):  # the while test is evaluated again after the
    H = np.zeros((3, 2))                   # desugared `if broke: break`: the iteration
    for i in range(2):                     # that breaks pushed less than the backward
        H[0, 1] = x[i] * np.sum(y)         # sweep popped (tape out of step)
    ys = []
    for t_ in x:
        ys.append(np.var(sum([H for xv in y])))
    t = sum(ys)
    j = 0
    while j < 2 and (t > 0.0 and np.sum(t * np.ones(4)) > 0.3):
        j += 1
        if j == 1:
            if np.max(H) > 1.0:
                break
    M = np.stack([np.array([t_1, t]) for t_1 in x])
    return M.sum()
