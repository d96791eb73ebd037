"""The batched pipeline: one backward (or forward-mode) sweep for many basis vectors.

Input: a compiled :class:`~s2sad.compiler.assemble.Derivative` in split reverse mode
(``vjp``) or forward mode (``jvp``).  The pass :mod:`s2sad.transforms.batch` rewrites
its sweep so that seeds carry a leading batch axis; this module renders and imports
the result and keeps it on the derivative.  Output: a :class:`Batched`, or ``None``
when the sweep uses something with no batch-aware form (:func:`why_not` says what);
``jacrev``/``jacfwd``/``hessian`` then fall back to one sweep per basis vector.
"""
import copy
import functools

from ..transforms.batch import NotBatchable, all_helpers, rewrite
from ..transforms.batch_primal import rewrite_primal
from .cache import load
from .codegen import LOCK, compose, render

__all__ = ["Batched", "batched", "why_not", "batched_primal"]


class Batched:
    """A batched sweep: ``backward`` (vjp) or ``function`` (jvp), and its ``source``."""

    def __init__(self, mode, func, source, tangent_params=None):
        self.mode, self.source, self.tangent_params = mode, source, tangent_params
        if mode == "vjp":
            self.backward = func
        else:
            self.function = func


def batched(dv):
    """The :class:`Batched` sweep of derivative ``dv``, or ``None`` (see :func:`why_not`).

    Compiled once per derivative and kept on it.
    """
    return _batched_or_reason(dv)[0]


def why_not(dv):
    """Why ``dv`` has no batched sweep (``None`` if it has one)."""
    return _batched_or_reason(dv)[1]


def _batched_or_reason(dv):
    found = dv.__dict__.get("_batched")
    if found is None:
        with LOCK:
            found = dv.__dict__.get("_batched")
            if found is None:
                try:
                    found = (_build(dv), None)
                except NotBatchable as err:
                    found = (None, str(err))
                dv._batched = found
    return found


def batched_primal(dv, roots):
    """``(function, None)``: joint gradient ``dv`` run once for a batch of examples in
    its parameters ``roots`` (:mod:`s2sad.transforms.batch_primal`), or ``(None,
    reason)``.  Compiled once per derivative and ``roots``."""
    table = dv.__dict__.setdefault("_batched_primal", {})
    key = tuple(roots)
    found = table.get(key)
    if found is None:
        with LOCK:
            found = table.get(key)
            if found is None:
                imports = _imports(dv)
                try:
                    found = (_render(dv, (rewrite_primal(dv, imports, roots), imports),
                                     [], "examples"), None)
                except NotBatchable as err:
                    found = (None, str(err))
                table[key] = found
    return found if found[0] is None else (found[0].function, None)


def _imports(dv):
    imports = copy.copy(dv.imports)
    imports.bound = dict(dv.imports.bound)
    imports.namer = copy.deepcopy(dv.imports.namer)
    return imports


def _build(dv):
    inner = getattr(dv, "inner", None)
    if inner is not None:  # a bound method: the function's sweep, self passed first
        found, why = _batched_or_reason(inner)
        if found is None:
            raise NotBatchable(why)
        if dv.mode == "vjp":
            return found
        return Batched("jvp", functools.partial(found.function, dv.function.args[0]),
                       found.source, found.tangent_params)
    imports = _imports(dv)
    new, helpers = rewrite(dv, imports, _batched_or_reason)
    return _render(dv, (new, imports), helpers,
                   "cotangents" if dv.mode == "vjp" else "tangents")


def _render(dv, rewritten, helpers, what):
    """Render and import a rewritten sweep ``(new, imports)``: a :class:`Batched`."""
    new, imports = rewritten
    header, body = render([new], dv.comments, imports)
    name = new.name
    module = load("\n".join(header) + "\n\n\n" + body + "\n", "%s__batched" % name,
                  imports.bound)
    dv.env.bind(module.__dict__)  # the user's globals it reads are refreshed per call
    headers, bodies = list(dv.header), [dv.body]
    for helper in all_helpers(dv):
        headers += helper.header
        bodies.append(helper.body)
    headers += header
    bodies.append(body)
    for helper in helpers:
        headers += helper.header
        bodies.append(helper.body)
    original = dv.source.split('"""')[1].rstrip("\n")  # the generated module's docstring
    doc = "%s; batched: %s runs once for a batch of %s (a leading batch axis on every %s).\n" % (
        original.rstrip("."), name, what,
        "value computed from them" if what == "examples" else
        "adjoint" if dv.mode == "vjp" else "tangent")
    result = Batched("jvp" if dv.mode == "grad" else dv.mode, getattr(module, name),
                     compose(doc, headers, bodies),
                     getattr(dv, "tangent_params", None))
    result.header, result.body = header, body
    result._helpers = list(helpers)
    return result
