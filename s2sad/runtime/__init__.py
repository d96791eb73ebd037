"""The runtime layer: what generated derivative code calls.

The bottom layer of s2sad (see ARCHITECTURE.md): it imports nothing from the
other layers but :mod:`s2sad.errors`.  Generated modules import their helpers from
here (``from s2sad.runtime import unbroadcast``), so the printed source runs as is.

* :mod:`~s2sad.runtime.arrays`: broadcasting, reductions, slicing, linear-algebra
  adjoints, adjoint accumulation (``add_grad``) and zeros;
* :mod:`~s2sad.runtime.construct`: ``np.r_``/``np.c_`` and ``np.linspace`` (the
  constructor and index-builder rules);
* :mod:`~s2sad.runtime.containers`: functional writes (``setitem``), lists, tuples,
  namedtuple and dataclass fields;
* :mod:`~s2sad.runtime.elementwise`, :mod:`~s2sad.runtime.reductions`,
  :mod:`~s2sad.runtime.shaping`, :mod:`~s2sad.runtime.linalg`,
  :mod:`~s2sad.runtime.decompositions`, :mod:`~s2sad.runtime.fft`,
  :mod:`~s2sad.runtime.special`, :mod:`~s2sad.runtime.stats`: helpers of the rule tables
  of the same areas;
* :mod:`~s2sad.runtime.custom`: ``stop_gradient`` and the checks of user-written
  ``custom_vjp`` rules;
* :mod:`~s2sad.runtime.batched`: batch-aware counterparts for batched sweeps
  (``jacrev``/``jacfwd``/``hessian``), imported by name, not re-exported here.

Every helper here has derivative rules of its own (:mod:`s2sad.rules`), so generated
code can be differentiated again.
"""
from . import (  # noqa: F401  (s2sad.runtime.arrays, ...)
    arrays, construct, containers, custom, decompositions, elementwise, fft, linalg, reductions,
    shaping, special, stats,
)
from .arrays import *  # noqa: F401,F403
from .construct import *  # noqa: F401,F403
from .containers import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .shaping import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .fft import *  # noqa: F401,F403
from .special import *  # noqa: F401,F403
from .decompositions import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403
from .custom import *  # noqa: F401,F403

__all__ = [name for module in (arrays, construct, containers, elementwise, reductions, shaping,
                               linalg, decompositions, fft, special, stats, custom)
           for name in module.__all__]


def helper_name(obj):
    """The name of the runtime helper ``obj`` is (one of :data:`__all__`), or None."""
    name = getattr(obj, "__name__", None)
    if name in _HELPERS and _HELPERS[name] is obj:
        return name
    return None


_HELPERS = {name: globals()[name] for name in __all__}
