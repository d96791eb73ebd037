"""Rules of the helpers behind user-defined derivatives (:mod:`s2sad.runtime.custom`).

``stop_gradient`` is non-differentiable: its result is a constant to every mode, at
every order.  ``custom_cotangents`` (the check of a ``custom_vjp`` backward rule's
result) is linear in the cotangents, and ``uncustom_cotangents`` is its transpose:
each one's adjoint is the other, so a generated backward sweep that calls the user's
``bwd`` can be differentiated again (``grad(grad(f))``, ``hessian``).
"""
from .registry import adjoint, d, linear, nondifferentiable, sequence_result
from ..runtime.custom import custom_cotangents, stop_gradient, uncustom_cotangents

nondifferentiable(stop_gradient)
linear(custom_cotangents, uncustom_cotangents)
sequence_result(custom_cotangents, uncustom_cotangents)


@adjoint(custom_cotangents)
def custom_cotangents_adjoint(y, ct, primals, wrt, rule):
    d[ct] = uncustom_cotangents(d[y], ct, wrt)


@adjoint(uncustom_cotangents)
def uncustom_cotangents_adjoint(y, cts, ct, wrt):
    d[cts] = custom_cotangents(d[y], ct, wrt, "the transpose of a custom_vjp rule")
