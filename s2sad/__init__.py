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
from ._version import __version__

from . import errors, pytree, rules  # noqa: E402
from .api import (  # noqa: E402
    checkpoint, custom_jvp, custom_vjp, remat, stop_gradient,
)
from .api import (  # noqa: E402
    float0, grad, hessian, jacfwd, jacrev, jvp, linearize, source, value_and_grad, vjp,
)
from .api import Variable, elementwise_grad, vector_grad, vmap  # noqa: E402
from .compiler import clear_cache  # noqa: E402
from .errors import (  # noqa: E402
    AuxOutputError, HiddenStateError, InternalError, MissingRuleError, NonScalarOutputError,
    RuleError, S2SADError, SourceUnavailableError, UnsupportedArgumentError,
    UnsupportedSyntaxError,
)
from .pytree import register_dataclass, register_pytree_node  # noqa: E402
from . import testing  # noqa: E402  (s2sad.testing.check_grads after a plain import s2sad)

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "jacfwd", "jacrev", "hessian",
    "source", "float0", "clear_cache",
    "custom_vjp", "custom_jvp", "checkpoint", "remat", "stop_gradient",
    "register_pytree_node", "register_dataclass",
    "S2SADError", "AuxOutputError", "UnsupportedSyntaxError", "MissingRuleError",
    "NonScalarOutputError", "SourceUnavailableError", "UnsupportedArgumentError", "RuleError",
    "InternalError",
    "errors", "pytree", "rules", "testing", "__version__",
]
__all__ += ["vmap", "elementwise_grad", "vector_grad", "Variable", "HiddenStateError"]
