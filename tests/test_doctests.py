"""Every example in s2sad's docstrings runs and prints what it shows.

The same check as ``pytest --doctest-modules s2sad``, on the package this suite
imports (in CI: the installed wheel), module by module.
"""
import doctest
import importlib
import pkgutil

import pytest

import s2sad

MODULES = sorted(["s2sad"] + [m.name for m in pkgutil.walk_packages(s2sad.__path__, "s2sad.")
                              if not m.name.endswith("__main__")])


def test_the_examples_are_many():
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for m in MODULES
                   for t in finder.find(importlib.import_module(m)))
    assert examples >= 40


#: the public modules: each documents itself with examples
WITH_EXAMPLES = {"s2sad", "s2sad.api.gradients", "s2sad.api.forward", "s2sad.api.jacobians",
                 "s2sad.api.hessian", "s2sad.api.source", "s2sad.pytree", "s2sad.testing",
                 "s2sad.cli"}


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0 or module not in WITH_EXAMPLES
