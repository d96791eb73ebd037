"""The aliasing pass's entry points: the parameter kinds the compiler knows, and the pass
itself (canonicalise in-place calls, then analyse the function if anything in it, or in
a function it calls, may write into an object).

Input / output: see :func:`resolve_aliasing` and the package docstring.
"""
import functools

from ... import runtime as runtime_module
from ..naming import Namer
from ..naming import local_names
from .analysis import Analysis
from .canon import Canon
from .domain import Shared
from .facts import may_write, user_callees, writes_anything
from .syntax import bind_into


def param_kinds(params, scalars=(), ndims=()):
    """Parameter kinds from the compiler's call-time facts: Python numbers at positions
    ``scalars``, ndarrays of ``ndim`` at the ``(position, ndim)`` pairs of ``ndims``."""
    known = range(-len(params), len(params))
    kinds = {params[i]: "number" for i in scalars if i in known}
    kinds.update({params[i]: ("array", n) for i, n in ndims if i in known})
    return kinds


def resolve_aliasing(fdef, namespace, reject, parse, kinds=None, runtime=None, bind=None,
                     namer=None, lineno=None):
    """Rewrite ``fdef`` in place (see the package docstring); returns it.

    ``namespace``: the function's free names -> live objects (names this pass binds are
    added through ``bind(name, obj) -> name``; ``runtime(name)`` binds an
    :mod:`s2sad.runtime` helper); ``reject(node, construct, hint)`` builds the error to
    raise; ``parse(func)`` parses a user function the body calls (the compiler's
    ``parse_function``: its writes are summarised); ``kinds``: parameter ->
    ``"number"`` or ``("array", ndim)`` when known (see :func:`param_kinds`); ``namer``
    gives fresh names; ``lineno(node)`` the user's line.
    """
    namer = namer or Namer(local_names(fdef) | set(namespace))
    bind = bind or functools.partial(bind_into, namespace)
    runtime = runtime or (lambda name: bind(name, getattr(runtime_module, name)))
    fdef.body = Canon(fdef, namespace, reject, bind, runtime, namer).block(fdef.body)
    shared = Shared(reject, lineno, parse)
    if writes_anything(fdef) or any(may_write(shared, f) for f in user_callees(fdef, namespace)):
        Analysis(shared, fdef, namespace, "main", kinds, lineno=lineno, runtime=runtime,
                 bind=bind, namer=namer).run()
    return fdef
