"""Functions for tests/test_aliasing.py: aliases and in-place NumPy.

s2sad reads a function's source, so the functions under test live here, at module
level.  Each ``ok_*`` function is one s2sad must differentiate exactly (NumPy's
semantics, aliases included); each ``bad_*`` function is one it must refuse with a
located error.  ``BAD_LINES`` marks, with a ``# refused`` comment, the line each
refusal must point at.
"""
import numpy as np

WEIGHTS = np.array([1.0, 2.0, 3.0])
LOG = []


# --- the examples of the issue ---------------------------------------------------------

def ok_alias_write(x):
    y = np.zeros(3)
    z = y
    z[0] = x[0]
    return np.sum(y * x)


def ok_view_write(x):
    y = x * 2.0
    v = y[:2]
    v[0] = x[0] ** 2
    return np.sum(y * x)


def ok_list_alias(x):
    ys = []
    zs = ys
    zs.append(x)
    zs.append(2.0 * x)
    return np.sum(np.stack(ys) ** 2) + len(ys)


def ok_out_statement(x):
    y = np.zeros(3)
    np.multiply(x, x, out=y)
    return np.sum(y * x)


def ok_out_value(x):
    y = np.zeros((2, 3))
    z = np.add(x, 1.0, out=y)  # broadcast into y; z is y
    z[1] = x ** 2
    return np.sum(y * y) + np.sum(z[0] * x)


def ok_out_tuple_and_where(x):
    y = np.ones(3)
    np.sin(x, out=(y,))
    w = np.zeros(3)
    np.multiply(x, 3.0, out=w, where=x > 1.0)
    return np.sum(y * x) + np.sum(w * x)


def ok_out_method(x):
    s = np.zeros(())
    (x * x).sum(out=s)
    return np.sum(s * x)


def ok_copyto(x):
    y = np.zeros(3)
    np.copyto(y, x ** 2)
    z = np.ones(3)
    np.copyto(z, x, where=x > 1.0)
    return np.sum(y * x) + np.sum(z * z)


def ok_fill(x):
    y = x * 1.0
    y.fill(2.0)
    y[1] = x[1]
    return np.sum(y * x)


def ok_sort(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * np.arange(1.0, 4.0))


def ok_sort_2d_axis0(x):
    y = np.reshape(x, (3, 1)) * np.array([[1.0, -1.0]])
    y.sort(axis=0)
    return np.sum(y * np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))


def ok_sort_alias(x):
    y = np.array([3.0, 1.0, 2.0]) * x
    z = y
    y.sort()
    return np.sum(z * np.arange(3.0))


def ok_sort_constant_list(x):
    ks = [2.0, 0.5, 1.0]
    ks.sort()
    return x[0] * ks[0] + x[1] * ks[1] + x[2] * ks[2]


def ok_add_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0, 2], x)  # repeated indices accumulate
    np.subtract.at(y, [1, 1], x[:2] ** 2)
    return np.sum(y ** 2)


def ok_put(x):
    y = x * 1.0
    np.put(y, [0, 2], x[:2] ** 2)
    y.put([1], 3.0 * x[2])
    return np.sum(y * x)


def ok_iadd_view(x):
    y = x * 2.0
    v = y[1:]
    v += x[:2] ** 2
    return np.sum(y * x)


def ok_iadd_alias(x):
    y = np.zeros(3) + x
    z = y
    z += x ** 2
    z *= 2.0
    return np.sum(y * x)


def ok_write_base_view_sees(x):
    y = x * 1.0
    v = y[1:]
    y[1] = x[0] ** 2
    return np.sum(v * x[1:])


def ok_two_views(x):
    y = x * 1.0
    a = y[:2]
    b = y[1:]
    a[1] = x[0] * x[2]
    return np.sum(b * x[1:]) + np.sum(a)


def ok_view_of_view(x):
    y = x * 1.0
    v = y[1:]
    w = v[1:]
    w[0] = x[0] ** 3
    return np.sum(y * x) + np.sum(v)


def ok_alias_in_loop(x):
    y = np.zeros(3)
    z = y
    for i in range(3):
        z[i] = x[i] * (i + 1.0)
    return np.sum(y * x)


def ok_alias_in_both_branches(x):
    y = np.zeros(3)
    if x[0] > 0.0:
        z = y
    else:
        z = y
    z[1] = x[1] ** 2
    return np.sum(y * x)


def ok_alias_seen_by_nested_def(x):
    y = x * 1.0
    z = y

    def total():
        return np.sum(z * x)
    y[0] = x[2] ** 2
    return total()


def ok_dead_alias(x):
    y = np.zeros(3)
    z = y if x[0] > 0.0 else np.ones(3)  # may alias y, but is not read after the write
    s = np.sum(z * x)
    y[0] = x[0]
    return np.sum(y * x) + s


def ok_write_parameter(x):
    x[0] = 2.0 * x[1]
    return np.sum(x ** 2)


def ok_parameter_alias(x):
    y = x
    y[0] = x[1] ** 2
    return np.sum(x * x)


def ok_dict_alias(x):
    d = {"a": x}
    e = d
    e["b"] = x ** 2
    return np.sum(d["b"]) + np.sum(d["a"])


# --- ordinary code that must keep working ----------------------------------------------

def ok_rnn(x):
    W = np.array([[0.5, -0.2, 0.1], [0.3, 0.4, -0.1], [-0.2, 0.1, 0.2]])
    H = np.zeros((4, 3))
    h = np.zeros(3)
    for t in range(4):
        h = np.tanh(W @ h + x * (t + 1.0))
        H[t] = h
    return np.sum(H ** 2)


def ok_copy_then_write(x):
    x = x.copy()
    x[0] += 1.0
    return np.sum(x ** 3)


def ok_histogram(x):
    out = np.zeros(4)
    idx = np.array([0, 2, 2, 3, 1, 0])
    w = np.concatenate([x, x ** 2])
    for k in range(6):
        out[idx[k]] += w[k]
    return np.sum(out ** 2)


def ok_accumulate(x):
    acc = np.zeros(3)
    s = 0.0
    for i in range(3):
        acc += x * x[i]
        s += x[i]
    return np.sum(acc) + s


def ok_list_of_fresh_rows(x):
    rows = []
    for i in range(3):
        r = np.zeros(3)
        r[i] = x[i] ** 2
        rows.append(r)
    return np.sum(np.stack(rows) * x)


def _fill_first(buf, v):
    buf[0] = v
    return buf


def ok_helper_writes_a_temporary(x):
    y = _fill_first(np.zeros(3), x[0] ** 2)
    return np.sum(y * x)


# --- refused ---------------------------------------------------------------------------

def bad_alias_on_one_path(x):
    y = np.zeros(3)
    z = np.ones(3)
    if x[0] > 0.0:
        z = y
    z[0] = x[0]  # refused
    return np.sum(y * x)


def bad_alias_in_some_iterations(x):
    y = np.zeros(3)
    z = np.ones(3)
    for i in range(3):
        if i == 1:
            z = y
        z[i] = x[i]  # refused
    return np.sum(y * x)


def bad_global_write(x):
    WEIGHTS[0] = x[0]  # refused
    return np.sum(WEIGHTS * x)


def bad_global_alias(x):
    w = WEIGHTS
    w[0] = x[0]  # refused
    return np.sum(w * x)


def bad_global_append(x):
    LOG.append(x)  # refused
    return np.sum(x)


def bad_container_sees_write(x):
    a = x * 1.0
    ys = [a]
    a[0] = 5.0  # refused
    return np.sum(ys[0] * x)


def bad_list_sort(x, ys):
    ys.sort()  # refused
    return x * ys[0]


def _double(v):
    return v * 2.0


def ok_iadd_unknown_kind(x):
    # s2sad cannot tell here whether y is an array: z = y is rebound only if it is
    y = _double(x)
    z = y
    y += 1.0
    return np.sum(z * x)


def bad_nested_def_writes_enclosing(x):
    y = x * 1.0

    def bump():
        y[0] = 1.0  # refused
        return 0.0
    bump()
    return np.sum(y * x)


def _clobber(a):
    a[0] = 0.0
    return 1.0


def bad_helper_writes_argument(x):
    y = x * 2.0
    c = _clobber(y)  # refused
    return np.sum(y * x) * c


def bad_insert(x):
    ys = [x]
    ys.insert(0, x)  # refused
    return np.sum(ys[0])


def bad_multiply_at(x):
    y = np.ones(3)
    np.multiply.at(y, [0, 1], x[:2])  # refused
    return np.sum(y)


def bad_out_slice(x):
    y = np.zeros(4)
    np.add(x, 1.0, out=y[1:])  # refused
    return np.sum(y)


def bad_view_alias_unknown(x):
    y = x * 1.0
    w = y.T
    w[0] = 2.0  # refused
    return np.sum(y * x)


class Model:
    def __init__(self):
        self.W = np.array([1.0, 2.0, 3.0])

    def loss(self, x):
        w = self.W
        w[0] = x[0]  # refused
        return np.sum(w * x)


MODEL = Model()


def _make_acc(buf):
    def acc(v):
        buf[0] += v
        return np.sum(buf)
    return acc


def bad_factory_closure_writes_argument(x):
    y = x * 1.0
    a = _make_acc(y)  # refused
    s = a(x[1])
    return s + np.sum(y * x)


def _make_scale(c):
    def scale(v):
        return c * v
    return scale


def ok_factory(x):
    y = x * 2.0
    f = _make_scale(3.0)
    z = f(y)
    z[0] = x[1] ** 2
    return np.sum(z * y)


def _make_reader(buf):
    def read():
        return np.sum(buf)
    return read


def bad_factory_captures_written_array(x):
    y = x * 1.0
    r = _make_reader(y)
    y[0] = 5.0  # refused
    return r() * np.sum(x)


def ok_iadd_loop_element(x):
    # a 1-d array: each xi is a number, += rebinds it; x is unchanged
    s = 0.0
    for xi in x:
        xi *= 2.0
        s = s + xi ** 2
    return s + np.sum(x)


def ok_iadd_rows(x):
    # rows of a 2-d array are views: *= writes into m
    m = np.outer(x, x[:2])
    for row in m:
        row *= 2.0
    return np.sum(m * m)


def ok_iadd_list_elements(x):
    ys = [x * 1.0, x * 2.0]
    for y in ys:
        y += x ** 2
    return np.sum(ys[0] * ys[1])


def _pair(v):
    return v * 1.0


def bad_iadd_unknown_kind_at_run_time(x):
    y = _pair(x)
    ys = [y]
    y += 1.0  # refused (when it runs: y is an array)
    return np.sum(ys[0] * x)


def ok_early_exits_and_alias(x):
    if x[0] > 1.5:
        return np.sum(x)
    y = np.zeros(3)
    z = y
    for i in range(3):
        if i == 1:
            continue
        if i == 2 and x[2] > 5.0:
            break
        z[i] = x[i] ** 2
    return np.sum(y * x)


def ok_copy_then_scale_item(x):
    h = x.copy()
    h[0] *= 3.0
    return np.sum(h * x)


def bad_shallow_copy_item(x):
    ys = [x * 1.0, x * 2.0]
    zs = ys.copy()
    zs[0] *= 2.0  # refused: ys[0] is the same array
    return np.sum(ys[0] * x)


def _bump(s):
    s += 1.0
    return s * 2.0


def ok_helper_bumps_a_number(x):
    a = x[0]  # a number: _bump's += rebinds its own s
    t = _bump(a)
    return t * np.sum(x) + a


def bad_helper_bumps_an_array(x):
    y = x * 1.0
    t = _bump(y)  # refused
    return np.sum(t + y)


def ok_sort_in_nested_def(x):
    def ranked(v):
        w = v * 1.0
        w.sort()
        return w
    return np.sum(ranked(x) * np.arange(3.0))


def bad_place(x):
    y = x * 1.0
    np.place(y, y > 1.0, 0.0)  # refused
    return np.sum(y)


def bad_unbound_sort(x):
    y = x * 1.0
    np.ndarray.sort(y)  # refused
    return np.sum(y * x)
