"""``python tests/progen ARGS`` (or ``python -m progen ARGS`` in tests/): the CLI.

Input: the command line.  Output: what :func:`progen.cli.main` prints and its exit
status.  Running the directory puts ``tests/progen`` itself first on ``sys.path``; it is
replaced by ``tests/``, so the package is imported as ``progen`` (its worker processes
pickle ``progen.*`` names) and its modules cannot shadow other modules.  The repository
root goes first, so that the working tree's s2sad is the one tested.

Imports: :mod:`progen.cli`.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if not __package__:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
    sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.dirname(TESTS))

from progen.cli import main  # noqa: E402

sys.exit(main())
