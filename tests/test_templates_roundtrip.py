"""Checks of the rule templates themselves, without the compiler.

* Every registered template survives gast -> ast -> source -> ast (gast's test_self).
* Every template only writes ``d[...]`` and uses names of its own module.
* Run on numbers, every tangent is the transpose of its adjoint (dot-product test).
"""
import ast
import copy
import inspect
import math
import operator
from typing import Any, NamedTuple

import gast
import numpy as np
import pytest

from s2sad import rules, runtime
from s2sad.rules import attribute, method



def _all_rules():
    found = {}
    for table in (rules.registry._ADJOINTS, rules.registry._TANGENTS):
        for rule in table.values():
            found[(rule.kind, rule.filename, rule.lineno)] = rule
    return sorted(found.values(), key=lambda r: (r.filename, r.lineno))


ALL_RULES = _all_rules()


def _rule_id(rule):
    return "%s:%s" % (rule.func.__name__, rule.kind)


def test_rules_are_registered():
    assert len(ALL_RULES) > 100


@pytest.mark.parametrize("rule", ALL_RULES, ids=_rule_id)
def test_template_round_trips(rule):
    module = gast.Module(body=rule.body, type_ignores=[])
    tree = ast.fix_missing_locations(gast.gast_to_ast(module))
    source = ast.unparse(tree)
    assert source.strip(), "template %s has an empty body" % rule.func.__name__
    reparsed = ast.parse(source)
    assert ast.dump(reparsed) == ast.dump(tree)
    assert ast.unparse(reparsed) == source
    compile(reparsed, rule.filename, "exec")
    # and back through gast, as the compiler parses it
    again = gast.ast_to_gast(reparsed)
    assert gast.dump(again) == gast.dump(module)


@pytest.mark.parametrize("rule", ALL_RULES, ids=_rule_id)
def test_template_writes_only_derivatives(rule):
    """Templates assign ``d[...]`` (one contribution each) or local temporaries; an
    ``if`` may choose among temporaries (never write a derivative), and a bare call may
    check the arguments."""
    writes = 0
    for stmt in rule.body:
        if isinstance(stmt, gast.If):  # a choice among temporaries (np.linalg.norm's ord)
            nested = [n for n in gast.walk(stmt) if isinstance(n, gast.stmt) and n is not stmt]
            assert all(isinstance(n, (gast.Assign, gast.If)) and not any(
                rules.is_d(t) for t in getattr(n, "targets", [])) for n in nested), (
                "%s: a branch may only assign temporaries" % rule.func.__name__)
            continue
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
            continue  # a check that raises on calls the rule cannot take (la_svd_check)
        assert isinstance(stmt, gast.Assign), "%s: only assignments" % rule.func.__name__
        target = stmt.targets[0]
        if rules.is_d(target):
            writes += 1
            assert target.slice.id != rule.result or rule.kind == "tangent"
    assert writes >= 1


@pytest.mark.parametrize("rule", ALL_RULES, ids=_rule_id)
def test_template_free_names_live_in_its_module(rule):
    params = set(rule.signature.parameters)
    local = {n.id for s in rule.body for n in gast.walk(s)
             if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
    for stmt in rule.body:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                name = node.id
                if name in params or name in local or name == "d":
                    continue
                assert name in rule.namespace, (
                    "%s uses %r, which is not a module-level name of %s"
                    % (rule.func.__name__, name, rule.func.__module__))


def test_template_function_names_are_unique_per_module():
    from s2sad.rules import builtins_rules, numpy_rules
    for mod in (numpy_rules, builtins_rules):
        names = [r.func.__name__ for r in ALL_RULES if r.func.__module__ == mod.__name__]
        source = inspect.getsource(mod)
        for name in set(names):
            assert source.count("\ndef %s(" % name) == 1, name


# --- templates evaluated directly: each tangent is the transpose of its adjoint ---
#
# Independent of the compiler: the template body is lowered to plain Python
# (``d[x]`` -> a variable), run on numbers, and the dot-product test
# <adjoint(ybar), xdot> == <ybar, tangent(xdot)> checks that the adjoint and the
# tangent (template or ``linear`` declaration) describe the same derivative.
# Tangent terms that mention the derivative of an input that is not
# differentiated are dropped, as the compiler drops them.

class _Lower(ast.NodeTransformer):
    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "d":
            return ast.copy_location(ast.Name(id="d_" + node.slice.id, ctx=node.ctx), node)
        return self.generic_visit(node)


def _terms(expr):
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _terms(expr.left) + _terms(expr.right)
    return [expr]


def _d_names(node):
    return {n.id[2:] for n in ast.walk(node) if isinstance(n, ast.Name) and n.id.startswith("d_")}


def _run(rule, values, derivs, active):
    """Run ``rule`` on ``values``; returns ``{param: derivative}`` for the written ``d[...]``."""
    tree = gast.gast_to_ast(gast.Module(body=copy.deepcopy(rule.body), type_ignores=[]))
    tree = _Lower().visit(tree)
    env = dict(rule.namespace)
    env.update(values)
    env.update({"d_" + k: v for k, v in derivs.items()})
    out = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign):  # a branch choosing temporaries: run it
            exec(compile(ast.fix_missing_locations(ast.Module(body=[stmt], type_ignores=[])),
                         "<template>", "exec"), env)
            continue
        target = stmt.targets[0]
        name = target.id[2:] if target.id.startswith("d_") else None
        if name is not None and rule.kind == "adjoint" and name not in active:
            continue
        value = stmt.value
        if rule.kind == "tangent" and name is not None:
            kept = [t for t in _terms(value) if _d_names(t) <= set(active)]
            if not kept:
                out[name] = 0.0
                continue
            value = kept[0]
            for term in kept[1:]:
                value = ast.BinOp(left=value, op=ast.Add(), right=term)
        code = compile(ast.fix_missing_locations(ast.Module(body=[ast.Assign(
            targets=[ast.Name(id="__out", ctx=ast.Store())], value=value)], type_ignores=[])),
            rule.filename, "exec")
        exec(code, env)
        if name is None:
            env[target.id] = env["__out"]
        else:
            out[name] = env["__out"]
    return out


def _call(key, args, kwargs):
    if isinstance(key, tuple):
        kind, name = key
        member = getattr(args[0], name)
        return member(*args[1:], **kwargs) if kind == "method" else member
    return key(*args, **kwargs)


def _inner(a, b):
    if a is None or b is None:
        return 0.0
    if isinstance(a, (tuple, list)):
        return sum(_inner(u, v) for u, v in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _random_like(x, rng):
    if isinstance(x, (tuple, list)):
        return type(x)(_random_like(v, rng) for v in x)
    if isinstance(x, float):
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(x))


RNG = np.random.default_rng(1)


def U(*shape):
    """Uniform values in (0.2, 0.9): inside every rule's domain."""
    return RNG.uniform(0.2, 0.9, size=shape)


def S():
    return float(RNG.uniform(0.2, 0.9))


class T(NamedTuple):
    key: Any
    args: tuple
    diff: tuple = (0,)
    kwargs: dict = {}


A, B, V = U(3, 4), U(4,), U(4,)
UNARY = [np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh,
         np.exp, np.expm1, np.exp2, np.log, np.log1p, np.log2, np.log10, np.sqrt, np.cbrt,
         np.square, np.reciprocal, np.abs, np.absolute, np.negative, np.positive, np.real,
         operator.neg, operator.pos, abs, attribute("real")]
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, pow,
          np.add, np.subtract, np.multiply, np.divide, np.power, np.maximum, np.minimum,
          np.logaddexp, np.arctan2, np.hypot]
MATH = [math.sin, math.cos, math.tan, math.tanh, math.exp, math.sqrt, math.log]

TRANSPOSE_CASES = (
    [T(f, (U(3, 4),)) for f in UNARY]
    + [T(f, (U(3, 4), U(4)), (0, 1)) for f in BINARY]
    + [T(f, (U(3, 1), U(2, 1, 4)), (1,)) for f in BINARY]
    + [T(f, (S(),)) for f in MATH]
    + [
        T(math.log, (S(), 2.5), (0, 1)), T(math.pow, (S(), S()), (0, 1)),
        # builtin max/min take *args: checked end to end in test_numpy_rules and test_jacobians
        T(math.atan2, (S(), S()), (0, 1)),
        T(float, (np.asarray(0.5),)),
        T(np.where, (A > 0.5, U(3, 4), U(4)), (1, 2)),
        T(np.where, (B > 0.5, U(3, 4), 0.0), (1,)),
        T(np.clip, (U(3, 4), U(4) * 0.5, U(3, 1) + 0.5), (0, 1, 2)),
        T(np.clip, (U(3, 4), None, 0.5)),
        T(np.sum, (A,)), T(np.sum, (A,), kwargs=dict(axis=1)),
        T(np.sum, (U(2, 3, 4),), kwargs=dict(axis=(0, -1), keepdims=True)),
        T(np.mean, (A,)), T(np.mean, (A,), kwargs=dict(axis=0, keepdims=True)),
        T(np.prod, (A,)), T(np.prod, (A,), kwargs=dict(axis=-1)),
        T(np.max, (A,), kwargs=dict(axis=1)), T(np.amax, (A,)),
        T(np.min, (A,), kwargs=dict(axis=0, keepdims=True)), T(np.amin, (A,)),
        T(method("sum"), (A, 0)), T(method("mean"), (A,)), T(method("prod"), (A, 1)),
        T(method("max"), (A,), kwargs=dict(axis=1)), T(method("min"), (A,)),
        T(np.var, (A,)), T(np.var, (A, 0), kwargs=dict(ddof=1, keepdims=True)),
        T(np.std, (A,), kwargs=dict(axis=-1)), T(np.std, (A,), kwargs=dict(ddof=1)),
        T(np.linalg.norm, (A,)), T(np.linalg.norm, (A,), kwargs=dict(axis=0)),
        T(np.cumsum, (A,)), T(np.cumsum, (A, 1)), T(np.outer, (U(3), U(2, 2)), (0, 1)),
        T(np.flip, (A,)), T(np.flip, (A, 1)), T(np.swapaxes, (U(2, 3, 4), 0, 2)),
        T(np.moveaxis, (U(2, 3, 4), 0, -1)),
        T(np.reshape, (A, (4, 3))), T(method("reshape"), (A, 2, 6)),
        T(method("reshape"), (A, (6, 2))), T(np.ravel, (A,)), T(method("ravel"), (A,)),
        T(method("flatten"), (A,)), T(np.squeeze, (U(1, 4, 1),)),
        T(method("squeeze"), (U(1, 4, 1),), kwargs=dict(axis=0)),
        T(np.expand_dims, (A, -1)), T(np.transpose, (U(2, 3, 4),)),
        T(np.transpose, (U(2, 3, 4), (2, 0, 1))), T(method("transpose"), (U(2, 3, 4),)),
        T(method("transpose"), (U(2, 3, 4), 1, 0, 2)),
        T(method("transpose"), (U(2, 3, 4), (0, 2, 1))), T(attribute("T"), (A,)),
        T(np.broadcast_to, (U(3, 1), (2, 3, 4))),
        T(np.concatenate, ((U(2, 3), U(1, 3)),)),
        T(np.concatenate, ([U(2, 3), U(2, 1)],), kwargs=dict(axis=-1)),
        T(np.concatenate, ((U(2, 3), U(4)), None)),
        T(np.stack, ((U(3), U(3)),)), T(np.stack, ([U(2, 3), U(2, 3)], -1)),
        T(np.copy, (A,)), T(method("copy"), (A,)), T(method("astype"), (A, np.float32)),
        T(np.array, ((U(3), U(3)),)), T(np.asarray, (A,)),
        T(np.full, ((2, 3), S()), (1,)), T(np.full_like, (A, U(4)), (1,)),
        T(operator.getitem, (A, (slice(1, None), 2))), T(operator.getitem, (A, [0, 0, 2])),
        T(operator.getitem, (A, A > 0.5)), T(operator.getitem, ((U(3), U(2)), 1)),
        T(np.dot, (A, V), (0, 1)), T(np.dot, (V, V), (0, 1)), T(np.dot, (A, U(4, 2)), (0, 1)),
        T(np.dot, (U(2, 3, 4), U(5, 4, 2)), (0, 1)), T(np.dot, (S(), V), (0, 1)),
        T(method("dot"), (A, V), (0, 1)),
        T(np.matmul, (A, U(4, 2)), (0, 1)), T(np.matmul, (V, U(2, 4, 3)), (0, 1)),
        T(operator.matmul, (U(2, 3, 4), V), (0, 1)),
        T(operator.matmul, (U(1, 3, 4), U(2, 4, 2)), (0, 1)),
        # runtime helpers
        T(runtime.unbroadcast, (U(2, 3, 4), U(3, 1))),
        T(runtime.broadcast_like, (U(3, 1), U(2, 3, 4))),
        T(runtime.unreduce, (U(3), A, 1, False)),
        T(runtime.unreduce, (U(1, 4), A, 0, True)),
        T(runtime.unslice, (U(3, 4), A, [0, 0, 2])),
        T(runtime.unslice, (U(4), A, 1)),
        T(runtime.tie_share, (U(3, 4), A > 0.5, A > 0.7)),
        T(runtime.unreduce_extremum, (U(3), np.max(A, 1), A, 1, False)),
        T(runtime.astype_like, (U(3).astype(np.float32), U(3))),
        T(runtime.add_grad, (U(3), U(3)), (0, 1)),
        T(runtime.dot_adjoint_a, (U(3, 2), A, U(4, 2)), (0, 2)),
        T(runtime.dot_adjoint_b, (U(3, 2), A, U(4, 2)), (0, 1)),
        T(runtime.matmul_adjoint_a, (U(2, 3, 2), A, U(4, 2)), (0, 2)),
        T(runtime.matmul_adjoint_b, (U(2, 3, 2), U(2, 3, 4), U(4, 2)), (0, 1)),
        T(runtime.unconcatenate, (U(3, 2), (U(1, 2), U(2, 2)), 0)),
        T(runtime.unstack, (U(3, 2), [U(3), U(3)], -1)),
        T(runtime.unpack_like, (U(2, 3), [U(3), U(3)])),
        T(runtime.fill_zeros, ((U(3), U(2)), (U(3), U(2)))),
    ]
)


def _arg_id(a):
    if isinstance(a, np.ndarray):
        return "x".join(map(str, a.shape)) or "0d"
    if isinstance(a, (tuple, list)) and a and isinstance(a[0], np.ndarray):
        return "seq"
    return type(a).__name__ if isinstance(a, float) else repr(a).replace(" ", "")


def _case_id(case):
    return "%s-%s" % (_name(case.key), "-".join(_arg_id(a) for a in case.args))


def _name(key):
    return getattr(key, "__name__", None) or repr(key)


@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=_case_id)
def test_tangent_is_transpose_of_adjoint(case):
    rng = np.random.default_rng(0)
    y = _call(case.key, case.args, case.kwargs)
    adj = rules.lookup_adjoint(case.key)
    names = list(adj.signature.parameters)
    bound = adj.signature.bind(y, *case.args, **case.kwargs)
    bound.apply_defaults()
    values = dict(bound.arguments)
    active = [names[1 + i] for i in case.diff]
    ybar = _random_like(y, rng)
    xdots = {name: _random_like(values[name], rng) for name in active}

    xbars = _run(adj, values, {adj.result: ybar}, active)
    assert set(xbars) == set(active)
    lhs = sum(_inner(xbars[n], xdots[n]) for n in active)

    tan = rules.lookup_tangent(case.key)
    if tan is not None:
        assert list(tan.signature.parameters)[1:] == names[1:]
        ydot = _run(tan, values, xdots, active)[tan.result]
    else:
        assert rules.is_linear(case.key) and case.diff == (0,)
        ydot = _call(case.key, (xdots[active[0]],) + tuple(case.args[1:]), case.kwargs)
    assert isinstance(y, (tuple, list)) or np.shape(ydot) == np.shape(y)
    rhs = _inner(ybar, ydot)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-6, atol=1e-9)
