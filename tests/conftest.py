"""Shared pytest configuration: command-line options and fixtures.

Options:
  --regen-golden  rewrite the golden snapshots in tests/golden/ instead of comparing
                  (used by ``tox -e golden``); read it with the ``regen_golden`` fixture.
  --short         run a reduced parameter grid, for quick local runs.
  --fuzz N        tests/test_generated.py checks N generated programs of a random seed
                  instead of its fixed, seeded CI set (S2SAD_FUZZ=N does the same).
"""
import os
import shutil
import sys
import tempfile

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# generated modules of a test run go to a directory of their own: the suite calls
# s2sad.clear_cache(), which would otherwise empty the user's cache
_OWN_CACHE = None
if "S2SAD_CACHE_DIR" not in os.environ:
    _OWN_CACHE = os.environ["S2SAD_CACHE_DIR"] = tempfile.mkdtemp(prefix="s2sad-tests-")


def pytest_unconfigure(config):
    if _OWN_CACHE is not None:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)
if os.environ.get("S2SAD_REQUIRE_INSTALLED"):
    # .ci/run: the tests must import the installed package, never a source tree
    import s2sad
    _where = os.path.dirname(os.path.realpath(s2sad.__file__))
    if os.path.commonpath([_where, os.path.realpath(sys.prefix)]) != os.path.realpath(
            sys.prefix):
        raise pytest.UsageError("S2SAD_REQUIRE_INSTALLED is set but s2sad was imported from "
                                "%s, outside this environment (%s)" % (_where, sys.prefix))
elif ROOT not in sys.path:  # run the working tree even when s2sad is not installed
    sys.path.insert(0, ROOT)


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ snapshots instead of comparing with them")
    parser.addoption("--short", action="store_true", default=False,
                     help="run a reduced parameter grid")
    parser.addoption("--fuzz", type=int, default=None, metavar="N",
                     help="tests/test_generated.py: check N generated programs of a random "
                          "seed instead of the fixed CI set (same as S2SAD_FUZZ=N)")


@pytest.fixture
def regen_golden(request):
    """True when the run should rewrite the golden snapshots."""
    return request.config.getoption("--regen-golden")


@pytest.fixture
def short(request):
    """True with --short: tests may skip their slow parameter combinations."""
    return request.config.getoption("--short")


@pytest.fixture
def rng():
    """A seeded NumPy random generator, fresh for each test."""
    return np.random.default_rng(0)


@pytest.fixture
def repo_root():
    """Absolute path of the repository (for examples/ and CLI tests)."""
    return ROOT


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the outcome table of tests/test_generated.py, when it ran."""
    summary = getattr(config, "_progen_summary", None)
    if summary:
        terminalreporter.write_sep("-", "generated programs (tests/test_generated.py)")
        terminalreporter.write_line(summary)
