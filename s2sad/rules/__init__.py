"""The rules layer: derivative-rule tables and the rule-author API.

Below the transforms, above the runtime (see ARCHITECTURE.md): modules here import
only :mod:`s2sad.rules.registry`, :mod:`s2sad.runtime`, :mod:`s2sad.syntax` and
:mod:`s2sad.errors`.

* :mod:`~s2sad.rules.registry`: the tables, keys (:func:`method`, :func:`attribute`),
  the template decorators (:func:`adjoint`, :func:`tangent`, :func:`linear`,
  :func:`nondifferentiable`) and lookups; the template contract is its docstring;
* the built-in tables, registered when this package is imported:
  :mod:`~s2sad.rules.elementwise_rules` (elementwise unary functions, complex parts,
  casts), :mod:`~s2sad.rules.operator_rules` (binary operators and ufuncs),
  :mod:`~s2sad.rules.reduction_rules` (reductions and statistics),
  :mod:`~s2sad.rules.shape_rules` (shape, indexing, joining and splitting),
  :mod:`~s2sad.rules.linalg_rules` (products: dot, matmul, einsum, ...),
  :mod:`~s2sad.rules.decomposition_rules` (``numpy.linalg``),
  :mod:`~s2sad.rules.fft_rules` (``numpy.fft``),
  :mod:`~s2sad.rules.scipy_rules`, :mod:`~s2sad.rules.scipy_stats_rules` and
  :mod:`~s2sad.rules.scipy_integrate_rules` (SciPy, when it imports),
  :mod:`~s2sad.rules.numpy_rules` (non-differentiable NumPy functions),
  :mod:`~s2sad.rules.builtins_rules` (operators, ``math``, builtins),
  :mod:`~s2sad.rules.structure_rules` (containers and functional writes) and
  :mod:`~s2sad.rules.runtime_rules` (the runtime helpers themselves, for higher order),
  :mod:`~s2sad.rules.custom_rules` (``stop_gradient``, the checks of ``custom_vjp`` rules).
"""
from ..errors import RuleError
from .registry import (
    Rule, adjoint, attribute, d, generation, is_d, is_linear, is_nondifferentiable, linear,
    lookup_adjoint, lookup_tangent, method, nondifferentiable, registered_keys,
    returns_sequence, sequence_result, tangent,
)
from . import (  # noqa: F401,E402
    builtins_rules, custom_rules, decomposition_rules, elementwise_rules, fft_rules,
    linalg_rules, numpy_rules, operator_rules, reduction_rules, runtime_rules,
    scipy_integrate_rules, scipy_rules, scipy_stats_rules, shape_rules, structure_rules,
)

__all__ = [
    "Rule", "RuleError", "adjoint", "attribute", "d", "generation", "is_d", "is_linear",
    "is_nondifferentiable", "linear", "lookup_adjoint", "lookup_tangent", "method",
    "nondifferentiable", "registered_keys", "returns_sequence", "sequence_result", "tangent",
]
