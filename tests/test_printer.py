"""The printer writes the same source on every supported Python (s2sad.syntax.printer).

Python 3.9 and 3.10's ``ast.unparse`` parenthesise every tuple; s2sad prints as 3.11
and later do, so printed derivatives (and the golden files) are the same everywhere.
CI runs this file under the oldest and the newest supported Python.
"""
import ast

import gast
import pytest

from s2sad.syntax.printer import unparse

CASES = [
    ("for i, x in enumerate(xs):\n    a, b = x", "for i, x in enumerate(xs):\n    a, b = x"),
    ("a, b = f()", "a, b = f()"),
    ("x = (a, b)", "x = (a, b)"),
    ("x = a, b", "x = (a, b)"),
    ("x = ()", "x = ()"),
    ("return (a,)", "return (a,)"),
    ("y = x[1:2, None]", "y = x[1:2, None]"),
    ("z = x[a, b]", "z = x[a, b]"),
    ("x[i, j] = v", "x[i, j] = v"),
    ("(a, b), c = v", "(a, b), c = v"),
    ("[a, b] = v", "[a, b] = v"),
    ("for (i, (j, k)) in v:\n    pass", "for i, (j, k) in v:\n    pass"),
    ("w = [y for y, z in v]", "w = [y for y, z in v]"),
    ("d = {k: (a, b) for k, v in w}", "d = {k: (a, b) for k, v in w}"),
    ("f((a, b))", "f((a, b))"),
    ("a = b = (c, d)", "a = b = (c, d)"),
]


@pytest.mark.parametrize("source, printed", CASES)
def test_tuples_print_as_on_python_3_11(source, printed):
    tree = ast.parse(source)
    assert unparse(tree) == printed
    assert unparse(gast.ast_to_gast(ast.parse(source))) == printed
    assert ast.dump(ast.parse(printed)) == ast.dump(ast.parse(source))  # same program
