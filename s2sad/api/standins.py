"""Differentiable stand-ins for s2sad's own transforms (higher-order derivatives).

``grad(grad(f))`` must differentiate the *generated* gradient of ``f``, not
the API wrapper around it (argument checks, finalisation).  :func:`shim`
writes a small Python function, with source on disk, that calls the generated
code and returns what the wrapper returns::

    def grad_f(x, y):
        value, g = df_dx(x, y)
        return g

s2sad then differentiates it like any user function: the call to ``df_dx``
is differentiated through its source, tape operations and runtime helpers
included (each has rules of its own).

Supported wrappers:

* ``grad`` and ``value_and_grad``: any argnums, has_aux.
* ``jacrev`` and ``jacfwd``: one int ``argnums``, no ``has_aux`` or
  ``return_value``, an array (or float) argument and an array output.  The
  stand-in is a loop over basis vectors that calls the generated split sweeps
  (``f_forward``/``f_backward``) or the generated ``jvp_f`` and stacks the
  rows or columns, so ``jacfwd(jacrev(f))`` and ``jacrev(jacrev(f))`` work.
* ``hessian``: one int ``argnums``, no ``has_aux`` or ``return_value``, a
  scalar output: the ``jacfwd`` stand-in of the seeded gradient.

Anything else raises ``TypeError`` naming the transform and what to do
instead.  :func:`jvp_stand_in` writes the stand-in of a ``jvp`` call inside a
differentiated function (see :mod:`s2sad.transforms.nested`).  This module also
writes the seeded gradient that :func:`s2sad.hessian` runs forward mode over
(:func:`seeded_gradient`).
"""
import re
import inspect
import numbers

import numpy as np

from .. import rules
from ..compiler import derivative
from ..compiler.cache import load
from ..transforms.naming import Namer

#: The transforms that run forward mode over the function they are given: they get
#: stand-ins written for forward mode (see :func:`shim`).
FORWARD_APIS = frozenset(("jvp", "linearize", "jacfwd", "hessian"))


# --- runtime helpers called by the stand-ins ------------------------------------------

def _is_array(value):
    if isinstance(value, (np.ndarray, np.generic, numbers.Number)):
        return not isinstance(value, (bool, np.bool_))
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _ident(fun):
    """``fun``'s name as a Python identifier (``<lambda>`` -> ``lambda``), for the names
    of generated stand-ins."""
    return re.sub(r"\W", "", getattr(fun, "__name__", None) or type(fun).__name__) or "fun"


def _require_arrays(out, x, api):
    for what, value in (("output", out), ("differentiated argument", x)):
        if not _is_array(value):
            raise TypeError(
                "differentiating s2sad.%s again needs an array %s, but it is %s (of type "
                "%s); higher derivatives of %s are supported for one array argument and "
                "one array output. Differentiate a function that packs the values into "
                "one array, or use s2sad.jacfwd/s2sad.jacrev once." % (
                    api, what, _short(value), type(value).__name__, api))


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def jacobian_rows(out, x, api):
    """Number of rows of the Jacobian of ``out`` w.r.t. ``x`` (checks both are arrays)."""
    _require_arrays(out, x, api)
    return int(np.size(out))


def basis_size(x, api):
    """Number of input basis vectors of ``x`` (checks that it is an array)."""
    _require_arrays(0.0, x, api)
    return int(np.size(x))


def jacobian_shape(out, x, api):
    """``np.shape(out) + np.shape(x)`` (checks both are arrays)."""
    _require_arrays(out, x, api)
    return np.shape(out) + np.shape(x)


def hessian_shape(result, x, api):
    """The Hessian's shape ``np.shape(x) * 2``; ``result`` is ``(g, value)`` from the
    seeded gradient, and ``value`` must be a real scalar."""
    value = result[1]
    if not _is_array(value) or np.ndim(value) != 0:
        raise TypeError("differentiating s2sad.hessian again needs a scalar-output "
                        "function, but the output is %s; use s2sad.jacfwd(s2sad.jacrev(f)) "
                        "for a function with an array output." % _short(value))
    _require_arrays(0.0, x, api)
    return np.shape(x) + np.shape(x)


rules.nondifferentiable(jacobian_rows, basis_size, jacobian_shape, hessian_shape)


# --- writing stand-ins ----------------------------------------------------------------

def tangent_params(dv):
    """Names of the tangent parameters of generated forward-mode function ``dv``.

    (The derivative of a bound method wraps the function's derivative, which holds
    the names.)
    """
    names = getattr(dv, "tangent_params", None)
    return names if names is not None else dv.inner.tangent_params


def _signature_text(fun, namespace, extra_kwonly=None):
    """``(params, call)`` source text reproducing ``fun``'s signature.

    ``extra_kwonly``: ``(name, default_text)`` of one more keyword-only parameter
    (not passed on in ``call``).
    """
    params, call = [], []
    star = False
    kwargs = None
    for p in inspect.signature(fun).parameters.values():
        text = p.name
        if p.kind == p.VAR_POSITIONAL:
            text, star = "*" + p.name, True
            call.append("*" + p.name)
        elif p.kind == p.VAR_KEYWORD:
            kwargs = "**" + p.name
            call.append("**" + p.name)
            continue
        elif p.kind == p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            call.append("%s=%s" % (p.name, p.name))
        else:
            call.append(p.name)
        if p.default is not p.empty:
            default = "_default_" + p.name
            namespace[default] = p.default
            text += "=" + default
        params.append(text)
    if extra_kwonly is not None:
        if not star:
            params.append("*")
        params.append("%s=%s" % extra_kwonly)
    if kwargs is not None:
        params.append(kwargs)
    return ", ".join(params), ", ".join(call)


def _positional(fun):
    return [p for p in inspect.signature(fun).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _load(fun, api, name, body, namespace):
    source = '"""s2sad.%s of %s, as a function s2sad can differentiate."""\n\n\n%s' % (
        api, getattr(fun, "__qualname__", name), body)
    module = load(source, "%s__%s" % (getattr(fun, "__module__", None) or "fn", name),
                          namespace)
    return getattr(module, name)


def _namer(fun, namespace):
    """A namer that avoids ``fun``'s parameters and the names bound in ``namespace``."""
    taken = set(namespace) | {p.name for p in inspect.signature(fun).parameters.values()}
    return Namer(taken | {"np"})


def _locals(namer, *names):
    """Fresh names for the stand-in's local variables (never a parameter of ``fun``)."""
    return {name: namer.unique(name) for name in names}


def _grad_shim(fun, argnums, has_aux, api, statics=()):
    """``grad``/``value_and_grad`` of ``fun`` as a plain function."""
    single = not isinstance(argnums, (tuple, list))
    positional = _positional(fun)
    nums = (argnums,) if single else tuple(argnums)
    wrt = tuple(i % len(positional) for i in nums)
    inner = derivative(fun, "grad", wrt, has_aux, statics=statics)
    namespace = {inner.name: inner.function}
    params, call = _signature_text(fun, namespace)
    namer = _namer(fun, namespace)
    v = _locals(namer, "value", "aux", "g")
    grads = v["g"] if single or len(wrt) > 1 else "(%s,)" % v["g"]
    target = ("(%(value)s, %(aux)s), %(g)s" if has_aux else "%(value)s, %(g)s") % v
    if api == "grad":
        result = grads + (", " + v["aux"] if has_aux else "")
    else:
        result = ("(%(value)s, %(aux)s), " % v if has_aux else v["value"] + ", ") + grads
    body = "    %s = %s(%s)\n" % (target, inner.name, call)
    name = namer.unique("%s_%s" % (api, _ident(fun)))
    text = "def %s(%s):\n%s    return %s\n" % (name, params, body, result)
    return _load(fun, api, name, text, namespace)


def seeded_gradient(fun, wrt, has_aux, statics=()):
    """The gradient of ``fun`` with its output seed exposed, for :func:`s2sad.hessian`.

    Returns:
      ``(function, seed_name)``: ``function(*args, **kwargs, seed_name=seed)`` returns
      ``(g, value)`` (``(g, (value, aux))`` with ``has_aux``), where ``g`` is the
      vector-Jacobian product of ``seed`` (default ``1.0``): one gradient for one
      position in ``wrt``, else a tuple.
    """
    inner = derivative(fun, "grad", tuple(wrt), has_aux, statics=statics)
    names = set(inspect.signature(inner.function).parameters)
    seed_param = (names - set(inspect.signature(fun).parameters)).pop()
    namespace = {inner.name: inner.function}
    namer = _namer(fun, namespace)
    seed = namer.unique("_seed")
    params, call = _signature_text(fun, namespace, extra_kwonly=(seed, "1.0"))
    v = _locals(namer, "value", "aux", "g")
    target = ("(%(value)s, %(aux)s), %(g)s" if has_aux else "%(value)s, %(g)s") % v
    name = namer.unique("hessian_grad_%s" % _ident(fun))
    text = ("def %s(%s):\n    %s = %s(%s, %s=%s)\n    return %s, %s\n" % (
        name, params, target, inner.name, call, seed_param, seed, v["g"],
        "(%(value)s, %(aux)s)" % v if has_aux else v["value"]))
    return _load(fun, "hessian", name, text, namespace), seed


def _jacrev_shim(fun, argnum, reverse, statics=()):
    """``jacrev(fun, argnum)`` for one array argument and an array output.

    For forward mode over it (``reverse=False``), one forward sweep feeds every
    backward sweep.  For reverse mode over it, each row recomputes its forward sweep:
    the residuals are then never shared across loop iterations, whose adjoint
    accumulation the core does not handle for opaque containers yet.
    """
    x = _positional(fun)[argnum].name
    dv = derivative(fun, "vjp", (argnum,), False, statics=statics)
    namer = _namer(fun, {})
    v = _locals(namer, "out", "residuals", "n", "basis", "rows", "k", "ct", "grads",
                "jacobian_rows", "row_" + _ident(fun))
    v["x"], v["fwd"] = x, namer.unique(dv.name + "_forward")
    v["bwd"] = namer.unique(dv.name + "_backward")
    namespace = {"np": np, v["jacobian_rows"]: jacobian_rows, v["fwd"]: dv.forward,
                 v["bwd"]: dv.backward}
    v["params"], v["call"] = _signature_text(fun, namespace)
    v["row"] = v["row_" + _ident(fun)]
    v["name"] = name = namer.unique("jacrev_%s" % _ident(fun))
    text = """\
def %(name)s(%(params)s):
    %(out)s, %(residuals)s = %(fwd)s(%(call)s)
    %(n)s = %(jacobian_rows)s(%(out)s, %(x)s, 'jacrev')
    %(basis)s = np.eye(%(n)s)
    %(rows)s = []
    for %(k)s in range(%(n)s):
        %(ct)s = np.reshape(%(basis)s[%(k)s], np.shape(%(out)s))
"""
    if reverse:
        text += """\
        %(rows)s.append(%(row)s(%(ct)s, %(call)s))
    return np.reshape(np.stack(%(rows)s), np.shape(%(out)s) + np.shape(%(x)s))


def %(row)s(%(ct)s, %(params)s):
    %(out)s, %(residuals)s = %(fwd)s(%(call)s)
    %(grads)s = %(bwd)s(%(residuals)s, %(ct)s)
    return %(grads)s[0]
"""
    else:
        text += """\
        %(grads)s = %(bwd)s(%(residuals)s, %(ct)s)
        %(rows)s.append(%(grads)s[0])
    return np.reshape(np.stack(%(rows)s), np.shape(%(out)s) + np.shape(%(x)s))
"""
    return _load(fun, "jacrev", name, text % v, namespace)


def _jacfwd_shim(fun, argnum, api="jacfwd", has_aux=False, shape=jacobian_shape, statics=()):
    """``jacfwd(fun, argnum)`` for one array argument and an array output.

    ``shape(result, x, api)`` (non-differentiable) checks the result of the first
    sweep and gives the Jacobian's shape; with ``has_aux``, ``result`` is
    ``(out, aux)``.
    """
    x = _positional(fun)[argnum].name
    dv = derivative(fun, "jvp", (argnum,), has_aux, statics=statics)
    namer = _namer(fun, {})
    v = _locals(namer, "n", "basis", "cols", "k", "tangent_k", "result", "t_out", "shape",
                "basis_size", "jacobian_shape")
    v["x"], v["jvp"], v["tangent"], v["api"] = x, namer.unique(dv.name), \
        tangent_params(dv)[0], api
    namespace = {"np": np, v["basis_size"]: basis_size, v["jacobian_shape"]: shape,
                 v["jvp"]: dv.function}
    v["params"], v["call"] = _signature_text(fun, namespace)
    v["name"] = name = namer.unique("%s_%s" % (api, _ident(fun)))
    text = """\
def %(name)s(%(params)s):
    %(n)s = %(basis_size)s(%(x)s, '%(api)s')
    %(basis)s = np.eye(%(n)s)
    %(cols)s = []
    for %(k)s in range(%(n)s):
        %(tangent_k)s = np.reshape(%(basis)s[%(k)s], np.shape(%(x)s))
        %(result)s, %(t_out)s = %(jvp)s(%(call)s, %(tangent)s=%(tangent_k)s)
        %(cols)s.append(%(t_out)s)
    %(shape)s = %(jacobian_shape)s(%(result)s, %(x)s, '%(api)s')
    return np.reshape(np.stack(%(cols)s, axis=-1), %(shape)s)
"""
    return _load(fun, api, name, text % v, namespace)


def jvp_stand_in(fun, n, has_aux=False):
    """``s2sad.jvp(fun, primals, tangents)`` for ``n`` primals, as a plain function of
    ``(*primals, *tangents)`` returning ``(out, t_out)`` (``(out, t_out, aux)`` with
    ``has_aux``): what a differentiated function that calls ``jvp`` runs instead."""
    cache = _table(fun, "__s2sad_jvp_stand_ins__")
    key = (n, bool(has_aux))
    if key in cache:
        return cache[key]
    positional = _positional(fun)
    if n > len(positional):
        raise TypeError("s2sad.jvp: %s takes %d positional parameter(s), %d primals given"
                        % (fun.__name__, len(positional), n))
    dv = derivative(fun, "jvp", tuple(range(n)), has_aux)
    namer = Namer({"np"})
    v = _locals(namer, "result", "t_out", "out", "aux")
    v["primals"] = [namer.unique("primal_%d" % i) for i in range(n)]
    v["tangents"] = [namer.unique("tangent_%d" % i) for i in range(n)]
    v["jvp"] = namer.unique(dv.name)
    v["name"] = name = namer.unique("jvp_%s" % _ident(fun))
    v["params"] = ", ".join(v["primals"] + v["tangents"])
    v["call"] = ", ".join(v["primals"] + ["%s=%s" % (p, t) for p, t in zip(
        tangent_params(dv), v["tangents"])])
    text = ("def %(name)s(%(params)s):\n"
            "    %(result)s, %(t_out)s = %(jvp)s(%(call)s)\n") % v
    if has_aux:
        text += ("    %(out)s, %(aux)s = %(result)s\n"
                 "    return (%(out)s, %(t_out)s, %(aux)s)\n") % v
    else:
        text += "    return (%(result)s, %(t_out)s)\n" % v
    made = cache[key] = _load(fun, "jvp", name, text, {v["jvp"]: dv.function})
    return made


def vjp_stand_in(fun, n, has_aux=False):
    """The pullback of ``s2sad.vjp(fun, *primals)`` for ``n`` primals, as a plain
    function of ``(*primals, ct)`` returning one gradient per primal: what a
    differentiated function that calls ``vjp`` runs instead (it recomputes the
    forward sweep, so the pullback is differentiable like any user function)."""
    cache = _table(fun, "__s2sad_vjp_stand_ins__")
    key = (n, bool(has_aux))
    if key in cache:
        return cache[key]
    positional = _positional(fun)
    if n > len(positional):
        raise TypeError("s2sad.vjp: %s takes %d positional parameter(s), %d primals given"
                        % (fun.__name__, len(positional), n))
    dv = derivative(fun, "vjp", tuple(range(n)), has_aux)
    namer = Namer({"np"})
    v = _locals(namer, "result", "residuals", "ct")
    v["primals"] = ", ".join(namer.unique("primal_%d" % i) for i in range(n))
    v["forward"], v["backward"] = namer.unique(dv.name + "_forward"), namer.unique(
        dv.name + "_backward")
    v["name"] = name = namer.unique("vjp_%s" % _ident(fun))
    text = ("def %(name)s(%(primals)s, %(ct)s):\n"
            "    %(result)s, %(residuals)s = %(forward)s(%(primals)s)\n"
            "    return %(backward)s(%(residuals)s, %(ct)s)\n") % v
    made = cache[key] = _load(fun, "vjp", name, text, {v["forward"]: dv.forward,
                                                        v["backward"]: dv.backward})
    return made


def _table(fun, attr):
    """A cache held by ``fun`` itself (freed with it), or a throw-away one."""
    space = getattr(fun, "__dict__", None)
    return space.setdefault(attr, {}) if isinstance(space, dict) else {}


def shim(wrapper, reverse=True):
    """A plain, differentiable function equal to s2sad transform ``wrapper``.

    Args:
      wrapper: a function returned by an s2sad transform (it has
        ``__s2sad_transform__``).
      reverse: the stand-in is for reverse mode (``grad``, ``vjp``, ``jacrev``) rather
        than forward mode (``jvp``, ``jacfwd``, ``hessian``); the ``jacrev``
        stand-in differs.

    Raises:
      TypeError: the transform or its options cannot be differentiated again.
    """
    cache = wrapper.__dict__.setdefault("__s2sad_shim__", {})
    key = bool(reverse)
    made = cache.get(key)
    if made is None:
        made = cache[key] = _placeholder(wrapper, _make_shim(wrapper, key))
    return made


def _placeholder(wrapper, build):
    """The stand-in the caller gets: a function with ``fun``'s signature that calls
    ``wrapper`` (so calling it gives the right values), whose derivatives are those of
    ``build(statics)``, the stand-in written for the function arguments the call passes
    (``__s2sad_respecialise__``, which :func:`s2sad.compiler.derivative` follows):
    ``jacrev(grad(loss))(w, activation)`` compiles ``loss`` for that activation."""
    fun = wrapper.__s2sad_transform__["fun"]
    target = "_s2sad_transform"
    namespace = {target: wrapper}
    params, call = _signature_text(fun, namespace)
    name = "%s_%s" % (wrapper.__s2sad_transform__["api"], _ident(fun))
    text = "def %s(%s):\n    return %s(%s)\n" % (name, params, target, call)
    placeholder = _load(fun, wrapper.__s2sad_transform__["api"], name, text, namespace)
    built = {}

    def respecialise(statics):
        made = built.get(statics)
        if made is None:
            made = built[statics] = build(statics)
        return made

    placeholder.__s2sad_respecialise__ = respecialise
    return placeholder


def _unsupported(info, what, instead):
    raise TypeError("differentiating s2sad.%s(..., %s) is not supported yet; %s"
                    % (info["api"], what, instead))


def _make_shim(wrapper, reverse):
    info = wrapper.__s2sad_transform__
    api, fun, has_aux, argnums = info["api"], info["fun"], info["has_aux"], info["argnums"]
    if info.get("grad_vars") is not None:
        _unsupported(info, "grad_vars=...", "use s2sad.hessian(f, grad_vars=...) for second "
                     "derivatives, or pass the state as an argument and nest the transforms")
    if api in ("grad", "value_and_grad"):
        return lambda statics: _grad_shim(fun, argnums, has_aux, api, statics)
    if api not in ("jacrev", "jacfwd", "hessian"):
        raise TypeError("differentiating the result of s2sad.%s is not supported; "
                        "differentiate the function itself (for example with s2sad.jvp of "
                        "s2sad.jvp), or write the computation out as a function" % api)
    if not isinstance(argnums, (int, np.integer)) or isinstance(argnums, bool):
        _unsupported(info, "argnums=%r" % (argnums,),
                     "pass one int argnums, or differentiate each argument separately")
    if has_aux:
        _unsupported(info, "has_aux=True", "drop the aux output from the function")
    if info.get("return_value"):
        _unsupported(info, "return_value=True", "leave return_value=False")
    if info.get("holomorphic"):
        _unsupported(info, "holomorphic=True", "differentiate real functions")
    if info.get("grad_vars") is not None:
        _unsupported(info, "grad_vars=...", "pass the state as an argument")
    positional = _positional(fun)
    if not -len(positional) <= argnums < len(positional):
        raise ValueError("s2sad.%s: argnums %d is out of range for the %d positional "
                         "parameters of %s" % (api, argnums, len(positional), fun.__name__))
    argnum = int(argnums) % len(positional)
    if api == "jacrev":
        return lambda statics: _jacrev_shim(fun, argnum, reverse, statics)
    if api == "jacfwd":
        return lambda statics: _jacfwd_shim(fun, argnum, statics=statics)

    def hessian_shim(statics):
        inner, _ = seeded_gradient(fun, (argnum,), False, statics)
        return _jacfwd_shim(inner, argnum, "hessian", has_aux=True, shape=hessian_shape,
                            statics=statics)
    return hessian_shim
