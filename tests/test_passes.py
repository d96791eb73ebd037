"""Exact-output tests of individual passes on tiny functions (Tangent's test_anf.py).

Each test parses a small function with :func:`s2sad.compiler.parsing.parse_function`, runs one
pass and compares the unparsed result line by line, so a change in a pass's output
shape shows up here before it shows up in a golden file.  The contracts tested are
the ones the modules' docstrings state.
"""
import ast
import textwrap

import gast
import numpy as np

from s2sad.compiler.parsing import parse_function
from s2sad.transforms.naming import Namer, local_names
from s2sad.transforms.activity import active_variables
from s2sad.transforms.anf import anf
from s2sad.transforms.dataflow import definitely_assigned, overwritable, upward_exposed
from s2sad.transforms.desugar import ExitLowering, normalize_loops
from s2sad.transforms.optimize import optimize, zero

NAMESPACE = {"np": np, "range": range}


def unparse(node):
    return ast.unparse(gast.gast_to_ast(node))


def lines(node_or_body):
    if isinstance(node_or_body, list):
        return "\n".join(unparse(s) for s in node_or_body).splitlines()
    return unparse(node_or_body).splitlines()


def expected(text):
    return textwrap.dedent(text).strip("\n").splitlines()


def prepared(func):
    """``(parsed, namer)`` for ``func``, as the compiler builds them."""
    parsed = parse_function(func)
    namer = Namer(local_names(parsed.fdef) | set(parsed.namespace), parsed.module_names)
    return parsed, namer


def run_anf(func):
    parsed, namer = prepared(func)
    return lines(anf(parsed.fdef, namer, parsed.namespace))


def statements(source):
    return gast.parse(textwrap.dedent(source)).body


def is_local(name):
    return name not in NAMESPACE


# --- anf -----------------------------------------------------------------------------

def test_anf_flattens_nested_calls_and_names_temporaries_after_expressions():
    def f(x, y):
        return np.sin(x * y) + y

    assert run_anf(f) == expected("""
        def f(x, y):
            x_times_y = x * y
            sin_x_times_y = np.sin(x_times_y)
            f = sin_x_times_y + y
            return f
        """)


def test_anf_renames_reassigned_variables_in_straight_line_code():
    def f(x, y):
        x += y
        x *= 2.0
        return x

    assert run_anf(f) == expected("""
        def f(x, y):
            x2 = x + y
            x3 = x2 * 2.0
            return x3
        """)


def test_anf_tuple_assignment_reads_every_value_before_binding():
    def f(a, b):
        a, b = b, a
        return a - b

    assert run_anf(f) == expected("""
        def f(a, b):
            a2 = b
            b2 = a
            f = a2 - b2
            return f
        """)


def test_anf_splits_chained_comparisons():
    def f(a, x):
        return np.where(0.5 < a < 1.0, x, -x)

    assert run_anf(f) == expected("""
        def f(a, x):
            half_lt_a = 0.5 < a
            a_lt_one = a < 1.0
            _t1 = half_lt_a and a_lt_one
            neg_x = -x
            f = np.where(_t1, x, neg_x)
            return f
        """)


def test_anf_turns_a_conditional_expression_into_an_if_statement():
    def f(a):
        b = a * 2.0 if a > 1.0 else a ** 3
        return b

    assert run_anf(f) == expected("""
        def f(a):
            a_gt_one = a > 1.0
            if a_gt_one:
                _t1 = a * 2.0
            else:
                _t1 = a ** 3
            b = _t1
            return b
        """)


def test_anf_makes_array_writes_and_appends_functional():
    def f(x, i):
        y = np.zeros(4)
        y[i] = x[i] * 2.0
        ys = []
        ys.append(y)
        return ys

    parsed, namer = prepared(f)
    body = anf(parsed.fdef, namer, parsed.namespace, runtime=lambda name: "rt_" + name)
    assert lines(body) == expected("""
        def f(x, i):
            y = np.zeros(4)
            x_i = x[i]
            x_i_times_two = x_i * 2.0
            y2 = rt_setitem(y, i, x_i_times_two)
            ys = []
            ys2 = rt_append(ys, y2)
            return ys2
        """)


# --- desugar: exits and loops --------------------------------------------------------

def test_exit_lowering_guards_the_statements_after_an_early_return():
    def f(a):
        if a > 1.0:
            return a
        b = a * a
        return b

    parsed, namer = prepared(f)
    assert lines(ExitLowering(namer).function(parsed.fdef)) == expected("""
        def f(a):
            retval = None
            returned = False
            if a > 1.0:
                retval = a
                returned = True
            if not returned:
                b = a * a
                retval = b
                returned = True
            return retval
        """)


def test_exit_lowering_replaces_break_and_continue_by_flags():
    def f(x):
        s = 0.0
        for v in x:
            if v > 1.0:
                break
            if v < 0.0:
                continue
            s = s + v
        return s

    parsed, namer = prepared(f)
    assert lines(ExitLowering(namer).function(parsed.fdef)) == expected("""
        def f(x):
            s = 0.0
            broke = False
            for v in x:
                skip = False
                if v > 1.0:
                    broke = True
                if not broke:
                    if v < 0.0:
                        skip = True
                    if not skip:
                        s = s + v
                if broke:
                    break
            return s
        """)


def test_normalize_loops_iterates_over_ranges():
    def f(x, y, xs):
        s = 0.0
        for u, v in zip(x, y):
            s = s + u * v
        for i, w in enumerate(x):
            s = s + w * i
        for row in np.stack(xs):
            s = s + row[0]
        return s

    parsed, namer = prepared(f)
    assert lines(normalize_loops(parsed.fdef, namer)) == expected("""
        def f(x, y, xs):
            s = 0.0
            items = as_sequence(x)
            items2 = as_sequence(y)
            for i2 in range(min(len(items), len(items2))):
                u = items[i2]
                v = items2[i2]
                s = s + u * v
            items3 = as_sequence(x)
            for i in range(len(items3)):
                w = items3[i]
                s = s + w * i
            items4 = as_sequence(np.stack(xs))
            for i3 in range(len(items4)):
                row = items4[i3]
                s = s + row[0]
            return s
        """)


# --- optimize ------------------------------------------------------------------------

def test_optimize_folds_identities_propagates_copies_and_drops_dead_code():
    body = statements("""
        a = x * 1
        b = a
        c = np.sin(b) ** 1
        unused = np.cos(x)
        d = 2.0 * 3.0 + c
        """)
    assert lines(optimize(body, NAMESPACE, keep={"d"})) == expected("""
        c = np.sin(x)
        d = 6.0 + c
        """)


def test_optimize_drops_terms_multiplied_by_a_symbolic_zero_only():
    body = statements("""
        bx = g * y + ZERO * z
        by = g * 0.0
        """)
    body[0].value.right.left = zero()  # what a rule emits for an inactive contribution
    assert lines(optimize(body, NAMESPACE, keep={"bx", "by"})) == expected("""
        bx = g * y
        by = g * 0.0
        """)


def test_optimize_keeps_side_effects_and_cleans_loop_bodies():
    body = statements("""
        ys = []
        ys.append(x)
        for i in range(3):
            t = x * 2.0
            dead = t + 1.0
            s = s + t
        y = np.sin(x)
        """)
    assert lines(optimize(body, NAMESPACE, keep={"s"})) == expected("""
        ys = []
        ys.append(x)
        for i in range(3):
            t = x * 2.0
            s = s + t
        """)


# --- activity and data flow ----------------------------------------------------------

def test_active_variables_are_varied_and_useful():
    body = statements("""
        y = np.sin(x)
        n = np.shape(x)
        z = y * c
        u = np.cos(w)
        out = z + u
        dead = x * 3.0
        """)
    active = active_variables(body, ["x"], ["out"], NAMESPACE, is_local)
    assert sorted(active) == ["out", "x", "y", "z"]


def test_active_variables_through_loops_and_branches():
    body = statements("""
        s = 0.0
        for i in range(n):
            t = x[i] * 2.0
            s = s + t
        if s > 1.0:
            r = s
        else:
            q = 2.0
            r = q * s
        """)
    active = active_variables(body, ["x"], ["r"], NAMESPACE, is_local)
    assert sorted(active) == ["r", "s", "t", "x"]


def test_upward_exposed_and_definitely_assigned():
    body = statements("""
        for i in range(n):
            acc = acc + t
            t = x[i]
        if c:
            y = 1.0
            r = 2.0
        else:
            r = 3.0
        z = y + w
        """)
    assert sorted(upward_exposed(body)) == ["acc", "c", "n", "range", "t", "w", "x", "y"]
    assert sorted(definitely_assigned(body)) == ["r", "z"]


def test_overwritable_counts_branch_alternatives_once():
    branch, = statements("""
        if c:
            y = a
        else:
            y = b
        """)
    loop, = statements("""
        for i in r:
            y = a
        """)
    assert overwritable(branch) == set()
    assert overwritable(loop) == {"i", "y"}
