"""s2sad: source-to-source automatic differentiation for Python and NumPy.

s2sad reads a Python function's source and writes a new Python function that
computes its derivative, which you can print, read, step through with ``pdb`` and
call at NumPy speed.  The public API follows JAX's conventions.

Example
-------
>>> import numpy as np
>>> import s2sad
>>> def loss(w, x):
...     return np.sum(np.tanh(np.dot(x, w)) ** 2)
>>> g = s2sad.grad(loss)(np.zeros(3), np.ones((2, 3)))
>>> g.shape
(3,)
"""
__version__ = "0.1.0"

from . import errors, pytree, rules  # noqa: E402
from .api import float0, grad, source, value_and_grad, vjp  # noqa: E402
from .jacobians import hessian, jacfwd, jacrev, jvp, linearize  # noqa: E402
from .errors import (  # noqa: E402
    AuxOutputError, InternalError, MissingRuleError, NonScalarOutputError, RuleError, S2SADError,
    SourceUnavailableError, UnsupportedSyntaxError,
)
from .pytree import register_dataclass, register_pytree_node  # noqa: E402

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "jacfwd", "jacrev", "hessian",
    "source", "float0",
    "register_pytree_node", "register_dataclass",
    "S2SADError", "AuxOutputError", "UnsupportedSyntaxError", "MissingRuleError",
    "NonScalarOutputError", "SourceUnavailableError", "RuleError", "InternalError",
    "errors", "pytree", "rules", "__version__",
]

rules.load_builtin_rules()
