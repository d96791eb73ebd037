"""Functions used as values, the way NumPy users write them (tests/test_function_values.py).

Closures made by factories, functions passed as arguments (to the differentiated
function and to its helpers, also as defaults), ``map``, ``functools.partial``,
lambdas and nested defs handed to a user's integrator, and functions held in lists,
tuples and dicts (globals, arguments, local displays).  Keep them at module level:
s2sad reads their source.
"""
import functools

import numpy as np


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def relu(z):
    return np.maximum(z, 0.0)


# --- closures made by factories -------------------------------------------------------

def make_step(a):
    def step(t):
        return a * np.sin(a * t)
    return step


def make_scale(a):
    return lambda v: a * v


def factory_closure(a):
    step = make_step(a)
    return step(1.0) + step(0.5 * a)


def factory_called_at_once(a):
    return make_scale(a)(3.0) * a


# --- functions passed as arguments --------------------------------------------------------

def layer_loss(w, activation):
    z = w * np.arange(1.0, 4.0)
    return np.sum(activation(z) ** 2)


def apply(act, z):
    return act(z)


def dense(w, x, act=np.tanh):
    return act(w * x)


def dense_keyword_only(w, x, *, act=np.tanh):
    return act(w * x)


def helper_receives_functions(w):
    x = np.linspace(-1.0, 1.0, 3)
    return np.sum(apply(np.tanh, w * x) + apply(softplus, w) + dense(w, x)
                  + dense(w, x, act=relu) + dense_keyword_only(w, x, act=np.sin))


def compose(fs, z):
    for g in fs:
        z = g(z)
    return z


def helper_receives_a_table(w):
    return np.sum(compose([np.sin, softplus], w) + compose((np.tanh,), w * w))


def mapped(w):
    return np.sum(sum(map(softplus, [w, 2.0 * w, w * w])))


def mapped_lambda(w):
    return np.sum(sum(map(lambda v, c: c * np.tanh(v), [w, w * w], [1.0, -2.0])))


def partial_inside(w):
    scaled = functools.partial(dense, act=softplus)
    return np.sum(scaled(w, np.ones(3)) + functools.partial(apply, np.cos)(w))


# --- lambdas and nested defs handed to the user's own functions ---------------------

def rk4(rhs, y, h, n):
    for _ in range(n):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def integrate_lambda(w):
    k = w[0]
    return np.sum(rk4(lambda y: -k * y + np.sin(y), w, 0.1, 5))


def integrate_nested_def(w):
    def rhs(y):
        return -w * y + 0.1 * y * y
    return np.sum(rk4(rhs, np.ones(3), 0.1, 4))


def apply_n(f, x, n):
    if n == 0:
        return x
    return apply_n(f, f(x), n - 1)


def recursive_with_lambda(w):
    return np.sum(apply_n(lambda z: 2.0 * z, w, 2))


# --- tables of functions ------------------------------------------------------------------

ACTS = {"tanh": np.tanh, "softplus": softplus, "scale": 0.5}
LAYERS = [np.sin, softplus, np.tanh]


def global_dict_by_key(w):
    return np.sum(ACTS["tanh"](w) + ACTS["softplus"](w) * ACTS["scale"])


def global_list_loop(w):
    y = w
    for g in LAYERS:
        y = g(y)
    return np.sum(y) + np.sum(LAYERS[-1](w))


def table_argument(w, fs):
    return np.sum(fs[0](w) * fs[1](w))


def dict_argument(w, acts):
    total = 0.0
    for name, g in acts.items():
        total = total + np.sum(g(w)) * (2.0 if name == "a" else 1.0)
    return total


def local_display(w):
    def square(z):
        return z * z
    fs = [square, np.sin, softplus]
    acc = 0.0
    for i, g in enumerate(fs):
        acc = acc + (i + 1) * np.sum(g(w))
    return acc + np.sum(fs[-1](w)) + sum(np.sum(h(w)) for h in fs)


def local_dict_values(w):
    d = {"a": np.cos, "b": softplus}
    return sum(np.sum(g(w)) for g in d.values()) + np.sum(d["a"](w))


# --- refused, located ---------------------------------------------------------------------

def computed_key(w, name):
    return np.sum(ACTS[name](w))  # refused: the key is not known when compiling


def loop_with_break(w):
    y = w
    for g in LAYERS:
        y = g(y)  # refused: a loop that breaks is not unrolled
        if np.sum(y) > 100.0:
            break
    return np.sum(y)


def mutated_local_table(w):
    fs = [np.sin, relu]
    fs.append(np.cos)
    return np.sum(fs[-1](w))  # refused: the list changed after it was made
