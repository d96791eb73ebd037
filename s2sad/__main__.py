"""``python -m s2sad``: the same program as the ``s2sad`` command (see :mod:`s2sad.cli`)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
