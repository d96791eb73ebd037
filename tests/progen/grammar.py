"""The grammar's tables: weights of the constructs, shapes, and the op tables the
expressions are drawn from.

Input: nothing (constants); :class:`Config` takes overrides of the weights (keys like
``"stmt.while"``, ``"expr.matmul"``, ``"op.sin"``; 0 disables a construct) and the
size limits.  Output: :data:`STMT_WEIGHTS` and :data:`EXPR_WEIGHTS`, :class:`Config`
and :data:`DEFAULT_CONFIG`, the bounds :data:`CAP` (on |value| of any expression) and
:data:`PARAM_BOUND` (of the points), the shapes (:data:`SHAPES`, :data:`ONE_D`,
:data:`TWO_D`, :data:`PARAM_KINDS`) with :func:`nelem` and :func:`shape_code`, the
record of a generated expression :class:`E`, and the op tables (:data:`UNARY`,
:data:`BINARY`, :data:`DENOMS`, :data:`REDUCE`, :data:`AXIS_REDUCE`, :data:`SLICES`,
:data:`RESHAPES`, :data:`MATMULS`, :data:`OUTERS`, :data:`CONCATS`, :data:`STACKS`,
:data:`SCALAR_CONSTS`, :data:`MODULE_CONSTS`; the layout of each is described above
it) and :data:`DROPPED_OPS` (forms left out, and why).

Imports: ``math``.
"""
import math


# =====================================================================================
# Configuration: weights of constructs (tune here or pass Config(weights={...}))
# =====================================================================================

#: statement kinds and their weights (top level / inside blocks).
STMT_WEIGHTS = {
    "assign": 10, "reassign": 8, "aug": 5, "tuple": 2, "swap": 1, "self": 1,
    "if": 5, "for_range": 4, "for_iter": 3, "zip": 1, "enumerate": 1, "while": 2,
    "list": 2, "buffer": 3, "setitem": 2, "call": 3, "guard_return": 1,
    "break": 2, "continue": 1,
}

#: expression kinds.
EXPR_WEIGHTS = {
    "leaf": 5, "unary": 14, "binop": 14, "where": 2, "ifexp": 2, "reduce": 7,
    "index": 3, "axis_reduce": 3, "slice": 4, "reshape": 2, "matmul": 3, "outer": 2,
    "concat": 2, "stack": 2, "cumsum": 1, "flip": 1, "call": 4, "comp": 2,
    "builtin": 2, "listop": 2, "broadcast": 1,
}

CAP = 100.0           # soft bound on |value| of any generated expression
PARAM_BOUND = 10.0    # points are drawn with |x| <= 10


class Config:
    """Knobs of the generator.  ``weights`` overrides entries of the tables above and
    of the op tables (keys like ``"stmt.while"``, ``"expr.matmul"``, ``"op.sin"``);
    a weight of 0 disables a construct."""

    def __init__(self, weights=None, max_stmts=6, max_nest=2, max_depth=3,
                 max_helpers=2, max_params=3):
        self.weights = dict(weights or {})
        self.max_stmts = max_stmts
        self.max_nest = max_nest
        self.max_depth = max_depth
        self.max_helpers = max_helpers
        self.max_params = max_params

    def w(self, key, default):
        return self.weights.get(key, default)


DEFAULT_CONFIG = Config()

# =====================================================================================
# Types and op tables
# =====================================================================================

SHAPES = [(), (2,), (3,), (4,), (6,), (2, 3), (3, 2), (2, 2), (3, 3)]
ONE_D = [(2,), (3,), (4,), (6,)]
TWO_D = [(2, 3), (3, 2), (2, 2), (3, 3)]
#: kinds of parameters: Python float or float64 array of these shapes.
PARAM_KINDS = [(4, "float"), (4, (3,)), (2, (4,)), (3, (2, 3))]


def nelem(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def shape_code(shape):
    return str(shape[0]) if len(shape) == 1 else "(%s)" % ", ".join(map(str, shape))


class E:
    """A generated expression: code, static shape, a bound on |value|, whether it may
    be used as an operand without parentheses, and whether its top-level operation
    creates a new object (so binding it to a name cannot alias another array)."""

    __slots__ = ("code", "shape", "bound", "atom", "fresh", "dep")

    def __init__(self, code, shape, bound, atom=True, fresh=True, dep=None):
        self.dep = dep            # depends on the parameters (None: work it out)
        self.code = code
        self.shape = shape
        self.bound = float(min(bound, 1e12))
        self.atom = atom
        self.fresh = fresh

    def p(self):
        return self.code if self.atom else "(" + self.code + ")"


# Unary elementwise ops: key -> (weight, max |arg|, template, bound(b), where)
# template: {a} operand as atom, {c} operand as plain code, {k} a small constant.
# where: "any", "array" (arrays only), "scalar" (shape () only).
UNARY = {
    "neg": (3, CAP, "-{a}", lambda b: b, "any"),
    "sin": (5, 20.0, "np.sin({c})", lambda b: 1.0, "any"),
    "cos": (4, 20.0, "np.cos({c})", lambda b: 1.0, "any"),
    "tanh": (6, 5.0, "np.tanh({c})", lambda b: 1.0, "any"),
    "arctan": (2, 20.0, "np.arctan({c})", lambda b: 1.6, "any"),
    "exp_tanh": (2, 3.0, "np.exp(np.tanh({c}))", lambda b: 2.72, "any"),
    "exp": (3, 3.0, "np.exp({c})", lambda b: math.exp(b), "any"),
    "log_sq": (3, CAP, "np.log(1.0 + {a} ** 2)", lambda b: math.log1p(b * b), "any"),
    "log1p_sq": (1, CAP, "np.log1p({a} ** 2)", lambda b: math.log1p(b * b), "any"),
    "sqrt1": (3, CAP, "np.sqrt({a} ** 2 + 1.0)", lambda b: math.sqrt(b * b + 1), "any"),
    "sinh": (2, 3.0, "np.sinh({c})", lambda b: math.sinh(b), "any"),
    "cosh": (1, 3.0, "np.cosh({c})", lambda b: math.cosh(b), "any"),
    "square": (3, 10.0, "np.square({c})", lambda b: b * b, "any"),
    "pow2": (4, 10.0, "{a} ** 2", lambda b: b * b, "any"),
    "pow3": (2, 4.0, "{a} ** 3", lambda b: b ** 3, "any"),
    "npow": (1, 10.0, "np.power({c}, 2)", lambda b: b * b, "any"),
    "abs": (2, CAP, "np.abs({c})", lambda b: b, "any"),
    "babs": (1, CAP, "abs({c})", lambda b: b, "any"),
    "sigmoid": (2, 6.0, "1.0 / (1.0 + np.exp(-{a}))", lambda b: 1.0, "any"),
    "softplus": (1, 20.0, "np.log(1.0 + np.exp({c}))", lambda b: b + 0.7, "any"),
    "logaddexp0": (1, CAP, "np.logaddexp(0.0, {c})", lambda b: b + 0.7, "any"),
    "clip": (2, 2.0, "np.clip({c}, -1.0, 1.0)", lambda b: 1.0, "any"),
    "clip2": (1, 3.0, "np.clip({c}, -2.0, 0.5)", lambda b: 2.0, "any"),
    "relu": (2, CAP, "np.maximum({c}, 0.0)", lambda b: b, "any"),
    "minc": (1, 3.0, "np.minimum({c}, 1.0)", lambda b: max(b, 1.0), "any"),
    "scale": (4, CAP / 3, "{k} * {a}", None, "any"),
    "shift": (3, CAP - 3, "{a} + {k}", None, "any"),
    "recip": (2, CAP, "1.0 / (1.0 + {a} ** 2)", lambda b: 1.0, "any"),
    "powhalf": (1, CAP, "(1.0 + {a} ** 2) ** 0.5", lambda b: math.sqrt(1 + b * b), "any"),
    "pow15": (1, 4.0, "(1.0 + {a} ** 2) ** 1.5", lambda b: (1 + b * b) ** 1.5, "any"),
    "expm1": (1, 2.0, "np.expm1({c})", lambda b: math.exp(b), "any"),
    "exp2": (1, 3.0, "np.exp2({c})", lambda b: 2 ** b, "any"),
    "tan": (1, 3.0, "np.tan(0.5 * np.tanh({c}))", lambda b: 0.6, "any"),
    "copy": (1, CAP, "{a}.copy()", lambda b: b, "array"),
    "npcopy": (1, CAP, "np.copy({c})", lambda b: b, "array"),
    "astype": (1, CAP, "{a}.astype(float)", lambda b: b, "array"),
    "math_sin": (1, 20.0, "math.sin({c})", lambda b: 1.0, "scalar"),
    "math_cos": (1, 20.0, "math.cos({c})", lambda b: 1.0, "scalar"),
    "math_tanh": (1, 5.0, "math.tanh({c})", lambda b: 1.0, "scalar"),
    "math_exp": (1, 3.0, "math.exp({c})", lambda b: math.exp(b), "scalar"),
    "math_sqrt": (1, CAP, "math.sqrt({a} ** 2 + 1.0)", lambda b: math.sqrt(b * b + 1),
                  "scalar"),
    "math_log": (1, CAP, "math.log(1.0 + {a} ** 2)", lambda b: math.log1p(b * b),
                 "scalar"),
    "float": (1, CAP, "float({c})", lambda b: b, "scalar"),
    # issue 12's rules: elementwise and complex intermediates of real values
    "arcsinh": (1, CAP, "np.arcsinh({c})", lambda b: math.asinh(b) + 1.0, "any"),
    "arctanh": (1, CAP, "np.arctanh(0.5 * np.tanh({c}))", lambda b: 0.6, "any"),
    "cbrt1": (1, CAP, "np.cbrt(1.0 + {a} ** 2)", lambda b: (1.0 + b * b) ** (1 / 3), "any"),
    "hypot1": (1, CAP, "np.hypot({c}, 1.0)", lambda b: math.hypot(b, 1.0), "any"),
    "sinc": (1, 20.0, "np.sinc({c})", lambda b: 1.0, "any"),
    "deg2rad": (1, CAP, "np.deg2rad({c})", lambda b: 0.02 * b, "any"),
    "cplx_real": (1, 20.0, "np.real(np.exp(1j * {a}))", lambda b: 1.0, "any"),
    "cplx_imag": (1, 20.0, "(np.exp(1j * {a}) * (0.5 - 1.0j)).imag", lambda b: 1.2, "any"),
    "float_power": (1, 4.0, "np.float_power(1.0 + {a} ** 2, 1.5)",
                    lambda b: (1.0 + b * b) ** 1.5, "any"),
}

# Binary ops: key -> (weight, template, bound(ba, bb), max |operand|)
BINARY = {
    "add": (10, "{a} + {b}", lambda a, b: a + b, CAP / 2),
    "sub": (7, "{a} - {b}", lambda a, b: a + b, CAP / 2),
    "mul": (10, "{a} * {b}", lambda a, b: a * b, 10.0),
    "div": (5, None, None, CAP),
    "maximum": (2, "np.maximum({c}, {d})", max, CAP),
    "minimum": (2, "np.minimum({c}, {d})", max, CAP),
    "np_add": (1, "np.add({c}, {d})", lambda a, b: a + b, CAP / 2),
    "np_mul": (1, "np.multiply({c}, {d})", lambda a, b: a * b, 10.0),
    "np_sub": (1, "np.subtract({c}, {d})", lambda a, b: a + b, CAP / 2),
    "logaddexp": (1, "np.logaddexp({c}, {d})", lambda a, b: max(a, b) + 0.7, CAP),
    "arctan2": (1, "np.arctan2({c}, 1.0 + {b} ** 2)", lambda a, b: 1.6, CAP),
    "powvar": (1, "(1.5 + np.sin({c})) ** {b}", lambda a, b: 2.5 ** b, 2.0),
    "powbase": (1, "2.0 ** {b}", lambda a, b: 2.0 ** b, 3.0),
}

# Denominators kept away from 0 (>= 1 in absolute value).
DENOMS = [
    (4, "(1.0 + {b} ** 2)", CAP),
    (2, "(2.0 + np.sin({c}))", CAP),
    (2, "(2.0 + np.cos({c}))", CAP),
    (2, "np.sqrt(1.0 + {b} ** 2)", CAP),
    (1, "(1.0 + np.exp({c}))", 20.0),
    (1, "(1.0 + np.abs({c}))", CAP),
    (1, "np.cosh({c})", 3.0),
    (2, "2.0", CAP),
]

# Reductions to a scalar: key -> (weight, template, bound(b, n), max |arg|, where)
REDUCE = {
    "sum": (6, "np.sum({c})", lambda b, n: n * b, CAP, "any"),
    "msum": (3, "{a}.sum()", lambda b, n: n * b, CAP, "any"),
    "mean": (4, "np.mean({c})", lambda b, n: b, CAP, "any"),
    "mmean": (2, "{a}.mean()", lambda b, n: b, CAP, "any"),
    "prod": (1, "np.prod({c})", lambda b, n: b ** n, 1.3, "any"),
    "mprod": (1, "{a}.prod()", lambda b, n: b ** n, 1.3, "any"),
    "max": (2, "np.max({c})", lambda b, n: b, CAP, "any"),
    "mmax": (1, "{a}.max()", lambda b, n: b, CAP, "any"),
    "min": (1, "np.min({c})", lambda b, n: b, CAP, "any"),
    "mmin": (1, "{a}.min()", lambda b, n: b, CAP, "any"),
    "amax": (1, "np.amax({c})", lambda b, n: b, CAP, "any"),
    "norm": (2, "np.linalg.norm({c})", lambda b, n: math.sqrt(n) * (b + 1), CAP, "any"),
    "var": (1, "np.var({c})", lambda b, n: b * b, 10.0, "any"),
    "bsum": (1, "sum({c})", lambda b, n: n * b, CAP, "1d"),
    "bmax": (1, "max({c})", lambda b, n: b, CAP, "1d"),
    "item": (1, "np.sum({c}).item()", lambda b, n: n * b, CAP, "any"),
    # issue 12's rules: statistics, ufunc methods, norms, linear algebra
    "std": (1, "np.std({c})", lambda b, n: b, 10.0, "any"),
    "mvar": (1, "{a}.var()", lambda b, n: b * b, 10.0, "any"),
    "median": (1, "np.median({c})", lambda b, n: b, CAP, "any"),
    "ptp": (1, "np.ptp({c})", lambda b, n: 2.0 * b, CAP, "any"),
    "quantile": (1, "np.quantile({c}, 0.3)", lambda b, n: b, CAP, "any"),
    "average": (1, "np.average({c})", lambda b, n: b, CAP, "any"),
    "addreduce": (1, "np.add.reduce({c}, axis=None)", lambda b, n: n * b, CAP, "any"),
    "lse": (1, "np.log(np.sum(np.exp({c})))", lambda b, n: b + math.log(n), 20.0, "any"),
    "cumlast": (1, "np.cumsum({c})[-1]", lambda b, n: n * b, CAP, "any"),
    "norm1": (1, "np.linalg.norm({c}, ord=1)", lambda b, n: n * b, CAP, "1d"),
    "trace": (1, "np.trace({c})", lambda b, n: n * b, CAP, "square"),
    "det": (1, "np.linalg.det(np.eye({n}) + 0.1 * {a})", lambda b, n: (1 + 0.1 * b) ** 3, 3.0,
            "square"),
    "logdet": (1, "np.linalg.slogdet(3.0 * np.eye({n}) + 0.1 * {a})[1]", lambda b, n: 3.0,
               3.0, "square"),
    "inv_trace": (1, "np.trace(np.linalg.inv(2.0 * np.eye({n}) + 0.1 * {a}))",
                  lambda b, n: 2.0 * n, 3.0, "square"),
    "solve_sum": (1, "np.sum(np.linalg.solve(2.0 * np.eye({n}) + 0.1 * {a}, np.ones({n})))",
                  lambda b, n: 2.0 * n, 3.0, "square"),
    "eig_sq": (1, "np.sum(np.linalg.eigvalsh({a} + {a}.T) ** 2)", lambda b, n: 4 * n * n * b * b,
               5.0, "square"),
    "einsum_tr": (1, "np.einsum('ii->', {c})", lambda b, n: n * b, CAP, "square"),
}

AXIS_REDUCE = [
    (4, "np.sum({c}, axis={ax})", lambda b, n: n * b),
    (2, "{a}.sum(axis={ax})", lambda b, n: n * b),
    (2, "np.mean({c}, axis={ax})", lambda b, n: b),
    (1, "{a}.mean(axis={ax})", lambda b, n: b),
    (1, "np.max({c}, axis={ax})", lambda b, n: b),
    (1, "{a}.max(axis={ax})", lambda b, n: b),
    (1, "np.min({c}, axis={ax})", lambda b, n: b),
]

# Views and copies of parts: target shape -> list of (weight, source shape, template).
# {a} is the source as an atom, {i} an int loop variable with upper bound <= axis 0.
SLICES = {
    (2,): [(3, (3,), "{a}[1:]"), (3, (3,), "{a}[:-1]"), (1, (3,), "{a}[:2]"),
           (2, (4,), "{a}[::2]"), (1, (4,), "{a}[1:3]"), (1, (4,), "{a}[2:]"),
           (1, (4,), "{a}[1::2]"), (1, (6,), "{a}[::3]"), (1, (3,), "{a}[[0, 2]]"),
           (2, (2, 3), "{a}[:, 0]"), (1, (2, 3), "{a}[:, -1]"), (1, (2, 3), "{a}[:, {j}]"),
           (2, (3, 2), "{a}[0]"), (1, (3, 2), "{a}[-1]"), (1, (3, 2), "{a}[{i}]"),
           (1, (2, 2), "{a}[1]"), (1, (2, 2), "{a}[:, 0]"), (1, (2,), "{a}[::-1]")],
    (3,): [(3, (4,), "{a}[1:]"), (3, (4,), "{a}[:-1]"), (1, (4,), "{a}[:3]"),
           (2, (6,), "{a}[::2]"), (1, (6,), "{a}[:3]"), (1, (6,), "{a}[3:]"),
           (1, (6,), "{a}[1::2]"), (1, (4,), "{a}[[0, 1, 3]]"),
           (3, (2, 3), "{a}[0]"), (2, (2, 3), "{a}[-1]"), (2, (2, 3), "{a}[{i}]"),
           (1, (2, 3), "{a}[1, :]"), (2, (3, 2), "{a}[:, 0]"), (1, (3, 2), "{a}[:, 1]"),
           (1, (3, 3), "{a}[0]"), (1, (3, 3), "{a}[:, 2]"), (1, (3, 3), "{a}[{i}]"),
           (1, (3,), "{a}[::-1]"), (1, (3,), "{a}.T")],
    (4,): [(2, (6,), "{a}[:4]"), (2, (6,), "{a}[2:]"), (1, (6,), "{a}[1:5]"),
           (1, (4,), "{a}[::-1]")],
    (6,): [(1, (6,), "{a}[::-1]")],
    (2, 3): [(2, (3, 3), "{a}[1:]"), (2, (3, 3), "{a}[:2]"), (1, (2, 3), "{a}[::-1]"),
             (1, (2, 3), "{a}[:, ::-1]")],
    (2, 2): [(2, (2, 3), "{a}[:, 1:]"), (2, (2, 3), "{a}[:, :2]"), (2, (3, 2), "{a}[1:]"),
             (1, (3, 2), "{a}[:2]"), (1, (3, 3), "{a}[:2, :2]"), (1, (3, 3), "{a}[1:, 1:]")],
    (3, 2): [(2, (3, 3), "{a}[:, :2]"), (1, (3, 3), "{a}[:, 1:]")],
    (3, 3): [],
}

# Reshapes and transposes: target -> list of (weight, source, template)
RESHAPES = {
    (6,): [(2, (2, 3), "{a}.ravel()"), (2, (2, 3), "{a}.reshape(-1)"),
           (1, (2, 3), "{a}.flatten()"), (1, (3, 2), "np.ravel({c})"),
           (1, (3, 2), "{a}.reshape(6)"), (1, (2, 3), "np.reshape({c}, (6,))")],
    (4,): [(2, (2, 2), "{a}.ravel()"), (1, (2, 2), "{a}.reshape(4)")],
    (2, 3): [(2, (6,), "{a}.reshape(2, 3)"), (1, (6,), "{a}.reshape((2, 3))"),
             (1, (6,), "np.reshape({c}, (2, 3))"), (3, (3, 2), "{a}.T"),
             (1, (3, 2), "np.transpose({c})"), (1, (3, 2), "{a}.transpose()"),
             (1, (3, 2), "{a}.reshape(2, 3)")],
    (3, 2): [(2, (6,), "{a}.reshape(3, 2)"), (1, (6,), "np.reshape({c}, (3, 2))"),
             (3, (2, 3), "{a}.T"), (1, (2, 3), "np.transpose({c})"),
             (1, (2, 3), "{a}.reshape(3, 2)")],
    (2, 2): [(2, (2, 2), "{a}.T"), (1, (4,), "{a}.reshape(2, 2)")],
    (3, 3): [(2, (3, 3), "{a}.T"), (1, (3, 3), "np.transpose({c})")],
}

# Products: target -> list of (weight, shape a, shape b, template, contraction length)
MATMULS = {
    (): [(3, "1", "1", "np.dot({c}, {d})"), (2, "1", "1", "{a} @ {b}"),
         (1, "1", "1", "{a}.dot({d})"), (1, "1", "1", "np.einsum('i,i->', {c}, {d})"),
         (1, "1", "1", "np.inner({c}, {d})")],
    (2,): [(3, (2, 3), (3,), "{a} @ {b}"), (2, (2, 3), (3,), "np.dot({c}, {d})"),
           (1, (2, 3), (3,), "{a}.dot({d})"), (2, (3,), (3, 2), "{a} @ {b}"),
           (1, (2, 2), (2,), "{a} @ {b}")],
    (3,): [(3, (2,), (2, 3), "{a} @ {b}"), (2, (3, 2), (2,), "{a} @ {b}"),
           (1, (3, 2), (2,), "np.dot({c}, {d})"), (1, (3, 3), (3,), "{a} @ {b}")],
    (2, 2): [(3, (2, 3), (3, 2), "{a} @ {b}"), (1, (2, 3), (3, 2), "np.dot({c}, {d})"),
             (1, (2, 3), (2, 3), "{a} @ {b}.T"),
             (1, (2, 3), (2, 3), "np.einsum('ij,kj->ik', {c}, {d})"),
             (1, (2, 3), (3, 2), "np.tensordot({c}, {d}, axes=1)")],
    (3, 3): [(2, (3, 2), (2, 3), "{a} @ {b}"), (1, (2, 3), (2, 3), "{a}.T @ {b}")],
    (2, 3): [(2, (2, 2), (2, 3), "{a} @ {b}"), (1, (2, 3), (3, 3), "{a} @ {b}")],
    (3, 2): [(2, (3, 3), (3, 2), "{a} @ {b}"), (1, (3, 2), (2, 2), "np.matmul({c}, {d})"),
             (1, (3, 3), (3, 2), "np.einsum('ij,jk', {c}, {d})")],
}

OUTERS = [(3, "np.outer({c}, {d})"), (2, "{a}[:, None] * {b}[None, :]"),
          (1, "{a}[:, np.newaxis] * {b}")]

CONCATS = {
    (4,): [(2, [(2,), (2,)], "np.concatenate([{0}, {1}])"),
           (1, [(3,), ()], "np.concatenate([{0}, np.array([{1}])])")],
    (6,): [(2, [(3,), (3,)], "np.concatenate([{0}, {1}])"),
           (1, [(3,), (3,)], "np.hstack([{0}, {1}])"),
           (1, [(2,), (4,)], "np.r_[{0}, {1}]"),
           (1, [(2,), (4,)], "np.concatenate(({0}, {1}))"),
           (1, [(4,), (2,)], "np.concatenate([{0}, {1}])"),
           (1, [(2,), (2,), (2,)], "np.concatenate([{0}, {1}, {2}])")],
    (3,): [(1, [(2,), ()], "np.concatenate([{0}, np.array([{1}])])")],
}

STACKS = {
    (2,): [(2, [(), ()], "np.array([{0}, {1}])"), (1, [(), ()], "np.stack([{0}, {1}])")],
    (3,): [(2, [(), (), ()], "np.array([{0}, {1}, {2}])")],
    (4,): [(1, [(), (), (), ()], "np.array([{0}, {1}, {2}, {3}])")],
    (2, 3): [(3, [(3,), (3,)], "np.stack([{0}, {1}])"), (1, [(3,), (3,)], "np.array([{0}, {1}])")],
    (3, 2): [(2, [(3,), (3,)], "np.stack([{0}, {1}], axis=1)")],
    (2, 2): [(2, [(2,), (2,)], "np.stack([{0}, {1}])")],
    (3, 3): [(1, [(3,), (3,), (3,)], "np.stack([{0}, {1}, {2}])")],
}

#: op forms left out because s2sad consistently refuses them with MissingRuleError
#: (found by probing every form of the tables above; see the report of the tool).
DROPPED_OPS = {}

SCALAR_CONSTS = ["0.5", "1.5", "2.0", "-1.0", "0.25", "3.0", "-0.5", "1.0"]

MODULE_CONSTS = {
    (2,): ("_C2", "np.array([0.5, -1.5])"),
    (3,): ("_C3", "np.array([0.5, -1.0, 2.0])"),
    (4,): ("_C4", "np.array([1.0, -0.5, 0.25, 2.0])"),
    (6,): ("_C6", "np.linspace(-1.0, 1.5, 6)"),
    (2, 3): ("_M23", "np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])"),
    (3, 2): ("_M32", "np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.5]])"),
    (2, 2): ("_M22", "np.array([[1.0, 0.5], [-0.5, 2.0]])"),
    (3, 3): ("_M33", "np.eye(3) + 0.25"),
}
