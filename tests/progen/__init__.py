"""Differential testing of s2sad on randomly generated NumPy programs.

This package has three parts:

* a **program generator**: random but well-defined Python functions written the way
  NumPy users write them (floats and small float64 arrays in, a scalar out; loops,
  branches, early returns, helpers, nested defs, lambdas, in-place writes, lists ...),
  emitted as source text into their own module file;
* a **checker** that imports such a module and compares every s2sad transform with
  finite differences of the plain function and with each other, at several points
  (including points far from the origin and points close to it);
* a **CLI** for triage: ``python tests/progen --n 500 --seed 1 --out DIR``.

Generation is written once against a tiny :class:`Chooser` interface ("give me an int
in [lo, hi]").  Three back ends drive it:

* :class:`RandomChooser` -- a seeded ``random.Random``; the CLI and the deterministic
  pytest run use it (program ``k`` of seed ``s`` is always the same program);
* :class:`HypothesisChooser` -- draws from ``hypothesis`` (:func:`programs` is a
  ``st.composite`` strategy), so hypothesis can search and *shrink* programs;
* :class:`ReplayChooser` -- replays a recorded choice sequence; :func:`shrink` uses it
  to shrink a failing program found by the CLI (``--shrink``), minithesis style.

Every choice is an index whose smallest value means "the simplest thing" (fewer
statements, a leaf instead of an operation, no helper, ...), so shrinking a choice
sequence towards zero shrinks the program.

Outcomes per program and check: ``ok``; ``refused`` (an :class:`s2sad.S2SADError`
that is not an :class:`s2sad.InternalError` and names ``file:line`` in the generated
module); ``crash`` (anything else, including an unlocated refusal); ``wrong`` (numbers
disagree); ``mutated`` (a transform changed the caller's arguments).  ``crash``,
``wrong`` and ``mutated`` are failures.  ``skipped`` means every point was unusable
for that check (finite differences not trustworthy, e.g. at a branch switch) and
``n/a`` that the check does not apply to the program.

The finite-difference reference is built to avoid false alarms (see
:class:`~.fdref.FDRef`): central differences with Richardson extrapolation at three
step sizes; a component is compared only if two extrapolations agree with each other;
a mismatch is reported only if it is confirmed at two further base steps.

The package, in layers (a module imports only modules listed before it):

* :mod:`.choosers`; :mod:`.grammar` (weights, shapes, op tables, :class:`Config`);
  :mod:`.scopes` (names, functions and scopes while generating);
* the generator, one mixin a module: :mod:`.gen_base` (state and utilities),
  :mod:`.gen_exprs` (expressions and conditions), :mod:`.gen_arrays` (views, reshapes,
  products, stacks), :mod:`.gen_stmts` (blocks and assignments), :mod:`.gen_control`
  (branches and loops), :mod:`.gen_containers` (lists, comprehensions, buffers),
  :mod:`.gen_functions` (calls, returns, helpers, nested defs, ``f``);
  :mod:`.program` puts them together (:class:`Program`, :func:`generate`,
  :func:`program_for`, :func:`replay`, :func:`programs`);
* :mod:`.loading` (module files), :mod:`.fdref` (finite differences),
  :mod:`.outcomes` (statuses and results), :mod:`.checks` (the checks, as mixins),
  :mod:`.checker` (:func:`check_program`);
* :mod:`.runner` (:func:`run_many`, in worker processes), :mod:`.shrink`,
  :mod:`.tables`, :mod:`.cli` (:func:`main`, which ``python tests/progen`` runs).
"""
from .checker import check_program
from .choosers import Chooser, HypothesisChooser, RandomChooser, ReplayChooser
from .cli import main
from .grammar import Config
from .outcomes import CHECKS, ProgramResult
from .program import Program, generate, program_for, programs
from .shrink import shrink

# what tests/test_generated.py uses besides __all__ (outside __all__, as before)
from .checker import point_seed  # noqa: F401
from .loading import load, module_dir  # noqa: F401
from .program import program_from_source, replay  # noqa: F401
from .runner import checks_for, run_many  # noqa: F401
from .tables import summary_table  # noqa: F401

__all__ = [
    "Chooser", "RandomChooser", "ReplayChooser", "HypothesisChooser", "Config",
    "Program", "generate", "program_for", "programs", "check_program", "ProgramResult",
    "CHECKS", "shrink", "main",
]
