"""The runtime layer: what generated derivative code calls.

The bottom layer of s2sad (see ARCHITECTURE.md): it imports nothing from the
other layers but :mod:`s2sad.errors`.  Generated modules import their helpers from
here (``from s2sad.runtime import unbroadcast``), so the printed source runs as is.

* :mod:`~s2sad.runtime.arrays`: broadcasting, reductions, slicing, linear-algebra
  adjoints, adjoint accumulation (``add_grad``) and zeros;
* :mod:`~s2sad.runtime.containers`: functional writes (``setitem``), lists, tuples,
  namedtuple and dataclass fields;
* :mod:`~s2sad.runtime.batched`: batch-aware counterparts for batched sweeps
  (``jacrev``/``jacfwd``/``hessian``), imported by name, not re-exported here.

Every helper here has derivative rules of its own (:mod:`s2sad.rules`), so generated
code can be differentiated again.
"""
from . import arrays, containers  # noqa: F401  (s2sad.runtime.arrays, .containers)
from .arrays import *  # noqa: F401,F403
from .arrays import __all__ as _arrays_all
from .containers import *  # noqa: F401,F403
from .containers import __all__ as _containers_all

__all__ = list(_arrays_all) + list(_containers_all)


def helper_name(obj):
    """The name of the runtime helper ``obj`` is (one of :data:`__all__`), or None."""
    name = getattr(obj, "__name__", None)
    if name in _HELPERS and _HELPERS[name] is obj:
        return name
    return None


_HELPERS = {name: globals()[name] for name in __all__}
