"""The API layer: what users call (see ARCHITECTURE.md; the top of the layers).

* :mod:`~s2sad.api.gradients`: ``grad``, ``value_and_grad``, ``vjp``;
* :mod:`~s2sad.api.forward`: ``jvp``, ``linearize``;
* :mod:`~s2sad.api.jacobians`: ``jacrev``, ``jacfwd``; :mod:`~s2sad.api.hessian`;
* :mod:`~s2sad.api.source`: ``source``, the generated code as text;
* :mod:`~s2sad.api.checks`, :mod:`~s2sad.api.results`, :mod:`~s2sad.api.compiling`,
  :mod:`~s2sad.api.jacobian_tools`: argument and output checks, finalised results,
  lazy compilation keyed on argument signatures, the Jacobian layout;
* :mod:`~s2sad.api.standins`: the differentiable stand-ins that make the transforms
  themselves differentiable (``grad(grad(f))``).

Importing this package registers the API with the passes
(:mod:`s2sad.transforms.hooks`), so that calls of ``s2sad.grad`` & co. inside a
function being differentiated are recognised, and gives the runtime helpers of
``scipy.integrate.odeint`` the ``vjp``/``jvp`` they call on the user's dynamics.
"""
from ..runtime.stats import install_ode_api
from ..transforms import hooks
from .checks import check_callable
from .custom import checkpoint, custom_jvp, custom_vjp, remat, stop_gradient
from .forward import jvp, linearize
from .gradients import grad, value_and_grad, vjp
from .hessian import hessian
from .jacobians import jacfwd, jacrev
from .results import float0
from .source import source
from .vmap import vmap
from .elementwise import elementwise_grad, vector_grad
from ..compiler.variables import Variable
from .standins import jvp_stand_in, vjp_stand_in

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "jacrev", "jacfwd",
           "hessian", "source", "float0", "custom_vjp", "custom_jvp", "checkpoint", "remat",
           "stop_gradient"]
__all__ += ["vmap", "elementwise_grad", "vector_grad", "Variable"]


def _stand_in(transformed, api_name):
    """The plain function reverse mode differentiates for a function made by ``api_name``."""
    return check_callable(transformed, api_name, reverse=True)


hooks.install(builders=(grad, value_and_grad, jacrev, jacfwd, hessian, checkpoint), jvp=jvp,
              vjp=vjp, stand_in=_stand_in, jvp_stand_in=jvp_stand_in, vjp_stand_in=vjp_stand_in,
              modules=[__name__ + "." + m for m in ("gradients", "forward", "jacobians",
                                                   "hessian", "source")])
# the adjoint and tangent of scipy.integrate.odeint differentiate the user's dynamics
install_ode_api(vjp=vjp, jvp=jvp)
