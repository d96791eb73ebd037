"""Derivatives that the user wrote: ``custom_vjp``, ``custom_jvp`` and ``checkpoint``.

A user-facing object of :mod:`s2sad.api.custom` carries ``__s2sad_custom__``, a
:class:`Spec` (``kind`` ``"vjp"``, ``"jvp"`` or ``"checkpoint"``, the primal ``fun``,
the rules, ``nondiff_argnums``).  The compiler meets it in two places:

* **A call inside a differentiated function** is classified as a call of a user function
  (:mod:`s2sad.transforms.ops`) whose Python function is :func:`stand_in`, a copy of
  ``fun`` marked with the spec.  The driver asks :func:`derivative` for the stand-in's
  sweeps instead of reading its source, and this module writes them, as readable
  source, with the same calling conventions as generated sweeps (driver docstring):

  - ``custom_vjp``, split reverse mode: ``f_forward`` calls the user's ``fwd`` and keeps
    its residuals; ``f_backward`` calls the user's ``bwd`` and checks what it returns
    (:func:`s2sad.runtime.custom_cotangents`).  Forward mode raises JAX's ``TypeError``.
  - ``custom_jvp``, forward mode: ``jvp_f`` calls the user's rule with zero tangents for
    the arguments that are not differentiated.  Reverse mode *linearises* the rule as
    JAX does: the rule's tangent output is linear in the tangents, so the reverse sweep
    of ``tangents -> rule(primals, tangents)[1]`` (compiled from its source) is its
    transpose.
  - ``checkpoint``: forward mode is ``fun``'s own; in reverse mode ``f_forward`` calls
    ``fun`` and keeps only its arguments, and ``f_backward`` runs ``fun``'s generated
    forward sweep again before its backward sweep (recomputation instead of a tape).

  Each sweep calls the user's functions by name, so differentiating it again
  (``grad(grad(f))``, ``hessian``) goes through them as through any user code.
* **The object itself given to a transform** (``s2sad.grad(f)``): :func:`wrapper` is a
  plain function ``def f(x, y): return f_custom(x, y)`` that the transforms compile.
"""
import inspect
import keyword
import types

from .. import runtime
from ..errors import InternalError
from .cache import load
from .environment import Environment

__all__ = ["Spec", "spec_of", "stand_in", "wrapper", "derivative", "summed_rule"]


class Spec:
    """What a custom-derivative object says about itself (see the module docstring)."""

    def __init__(self, kind, fun, nondiff=(), fwd=None, bwd=None, jvp=None, owner=None):
        self.kind, self.fun, self.nondiff = kind, fun, tuple(nondiff)
        self.fwd, self.bwd, self.jvp, self.owner = fwd, bwd, jvp, owner

    @property
    def name(self):
        return self.fun.__name__

    def where(self):
        code = self.fun.__code__
        return "%s:%d" % (code.co_filename.rsplit("/", 1)[-1], code.co_firstlineno)

    def params(self):
        return list(inspect.signature(self.fun).parameters)


def spec_of(obj):
    """The :class:`Spec` of a custom-derivative object or of its stand-in, or None."""
    spec = getattr(obj, "__s2sad_custom__", None)
    return spec if isinstance(spec, Spec) else None


def stand_in(obj):
    """The Python function a call of custom-derivative object ``obj`` is compiled as: a
    copy of its ``fun`` (same code, signature and defaults) that carries its spec."""
    spec = spec_of(obj)
    found = obj.__dict__.get("_s2sad_stand_in")
    if found is None or found.__s2sad_custom__ is not spec:
        fun = spec.fun
        found = types.FunctionType(fun.__code__, fun.__globals__, fun.__name__,
                                   fun.__defaults__, fun.__closure__)
        found.__kwdefaults__, found.__qualname__ = fun.__kwdefaults__, fun.__qualname__
        found.__module__, found.__doc__ = fun.__module__, fun.__doc__
        found.__s2sad_custom__ = spec
        obj.__dict__["_s2sad_stand_in"] = found
    return found


def wrapper(obj):
    """A plain function calling custom-derivative object ``obj`` with ``fun``'s
    parameters, for the transforms to compile when ``obj`` itself is differentiated."""
    found = obj.__dict__.get("_s2sad_wrapper")
    if found is None:
        fun, names = spec_of(obj).fun, _Names(spec_of(obj).params())
        callee = names.new("%s_custom" % fun.__name__)
        space = {callee: obj}
        params = []
        for p in inspect.signature(fun).parameters.values():
            if p.default is p.empty:
                params.append(p.name)
            else:
                default = names.new("%s_default" % p.name)
                space[default] = p.default
                params.append("%s=%s" % (p.name, default))
        args = ", ".join(inspect.signature(fun).parameters)
        text = "def %s(%s):\n    return %s(%s)\n" % (fun.__name__, ", ".join(params), callee,
                                                     args)
        module = load('"""%s, given to an s2sad transform."""\n\n\n%s' % (fun.__name__, text),
                      "custom__%s" % fun.__name__, space)
        found = obj.__dict__["_s2sad_wrapper"] = getattr(module, fun.__name__)
    return found


class _Names:
    """Fresh identifiers that clash with none of ``taken``."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, stem):
        name, i = stem, 1
        while name in self.taken:
            i += 1
            name = "%s%d" % (stem, i)
        self.taken.add(name)
        return name


class CustomDerivative:
    """A derivative written by this module: the attributes of
    :class:`~s2sad.compiler.assemble.Derivative` that callers of the driver read."""

    def __init__(self, spec, mode, source, module, names, helpers, tangent_params=None,
                 name=None):
        self.name, self.mode, self.helpers = name or spec.name, mode, list(helpers)
        self.header, self.body = [], source
        self.module = module
        self.source = '"""%s of %s (%s), written by s2sad from your rules."""\n\n\n%s' % (
            {"vjp": "Split reverse mode", "jvp": "Forward mode",
             "linearize": "Split forward mode"}[mode], spec.name, spec.where(),
            "\n\n\n".join([source.rstrip("\n")] + [h.body.rstrip("\n") for h in helpers]))
        self.tangent_params = tangent_params
        for attr, name in names.items():
            setattr(self, attr, getattr(module, name))
        self.env = Environment(spec.fun, {}, {})
        self.env.children = [h.env for h in helpers]
        self._batched = (None, "a %s rule of your own (%s)" % (_title(spec), spec.name))

    def __repr__(self):
        return "<s2sad.CustomDerivative %s (%s)>" % (self.name, self.mode)


def _title(spec):
    return {"vjp": "custom_vjp", "jvp": "custom_jvp", "checkpoint": "checkpoint"}[spec.kind]


def derivative(fn, mode, wrt, outputs, statics, compile):
    """The sweeps of stand-in ``fn`` (see the module docstring); ``compile`` is the
    driver's ``derivative``, for the sweeps of the functions the rules call."""
    spec = spec_of(fn)
    params = spec.params()
    bad = [params[i] for i in wrt if i in spec.nondiff]
    if bad:
        raise TypeError("%s %s: argument %s is in nondiff_argnums, but it is differentiated "
                        "(it depends on an input being differentiated); pass it as a "
                        "constant, or leave it out of nondiff_argnums"
                        % (_title(spec), spec.name, bad[0]))
    if spec.kind == "checkpoint":
        if mode in ("jvp", "linearize"):  # forward mode keeps no tape: fun's own
            return compile(spec.fun, mode, wrt, statics=statics)
        if mode == "vjp":
            return _checkpoint_vjp(spec, wrt, outputs, statics, compile)
    if spec.kind == "vjp":
        if mode in ("jvp", "linearize"):
            raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp "
                            "function (%s at %s); define it with s2sad.custom_jvp to "
                            "differentiate it in forward mode (jvp, jacfwd, linearize)"
                            % (spec.name, spec.where()))
        if mode == "vjp":
            return _custom_vjp(spec, wrt)
    if spec.kind == "jvp":
        if mode == "jvp":
            return _custom_jvp(spec, wrt)
        if mode == "linearize":
            return _custom_linearize(spec, wrt)
        if mode == "vjp":
            return _custom_jvp_vjp(spec, wrt, compile)
    raise InternalError("no %s sweep for %s %s" % (mode, _title(spec), spec.name), "")


def _missing(spec, what):
    api = "defvjp(fwd, bwd)" if spec.kind == "vjp" else "defjvp(rule)"
    return AttributeError("No %s defined for %s function %s (%s) using %s."
                          % (what, _title(spec), spec.name, spec.where(), api))


def _tuple(names):
    return "(%s,)" % names[0] if len(names) == 1 else "(%s)" % ", ".join(names)


def _targets(names):
    """Assignment targets unpacking a tuple of ``names`` (``x,`` for one)."""
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _build(spec, mode, lines, space, names, helpers=(), tangent_params=None, name=None):
    text = "\n".join(lines) + "\n"
    module = load(text, "custom_%s__%s" % (mode, spec.name), space)
    return CustomDerivative(spec, mode, text, module, names, helpers, tangent_params, name)


def _ident(func, default):
    """``func``'s name if it is an identifier (not ``<lambda>``), else ``default``."""
    name = getattr(func, "__name__", "")
    return name if name.isidentifier() and not keyword.iskeyword(name) else default


def _custom_vjp(spec, wrt):
    if spec.fwd is None:
        raise _missing(spec, "VJP")
    params = spec.params()
    names = _Names(params)
    fwd = names.new(_ident(spec.fwd, spec.name + "_fwd"))
    bwd = names.new(_ident(spec.bwd, spec.name + "_bwd"))
    space = {fwd: spec.fwd, bwd: spec.bwd}
    out, res, residuals, ct = (names.new(spec.name + "_out"), names.new(spec.name + "_res"),
                               names.new("residuals"), names.new("ct"))
    bout = names.new("b" + spec.name)
    diff = [p for i, p in enumerate(params) if i not in spec.nondiff]
    nondiff = [params[i] for i in spec.nondiff]
    index = [diff.index(params[i]) for i in wrt]
    grads = [names.new("b" + params[i]) for i in wrt]
    forward, backward = spec.name + "_forward", spec.name + "_backward"
    space["custom_cotangents"] = _runtime("custom_cotangents")
    kept = [res] + nondiff + diff
    lines = [
        "def %s(%s):" % (forward, ", ".join(params)),
        "    # custom_vjp %s (%s): its forward rule" % (spec.name, spec.where()),
        "    %s, %s = %s(%s)" % (out, res, fwd, ", ".join(params)),
        "    return (%s, %s)" % (out, _tuple(kept)),
        "", "",
        "def %s(%s, %s):" % (backward, residuals, bout),
        "    %s = %s" % (_targets(kept), residuals),
        "    # custom_vjp %s (%s): its backward rule" % (spec.name, spec.where()),
        "    %s = %s(%s)" % (ct, bwd, ", ".join(nondiff + [res, bout])),
        "    %s = custom_cotangents(%s, %s, %s, %s)" % (
            _targets(grads), ct, _tuple(diff), _tuple([str(i) for i in index]), bwd),
        "    return %s" % _tuple(grads),
    ]
    return _build(spec, "vjp", lines, space, {"forward": forward, "backward": backward})


def _runtime(name):
    return getattr(runtime, name)


def _jvp_call(spec, names, wrt, tangents):
    """``rule(*nondiff, primals, tangents)`` with ``tangents`` (one per ``wrt`` position)
    and zeros for the other differentiable arguments."""
    params = spec.params()
    diff = [i for i in range(len(params)) if i not in spec.nondiff]
    given = dict(zip(wrt, tangents))
    tans = [given.get(i, "zeros_like(%s)" % params[i]) for i in diff]
    args = [params[i] for i in spec.nondiff] + [_tuple([params[i] for i in diff]),
                                                 _tuple(tans)]
    return "%s(%s)" % (names["rule"], ", ".join(args))


def _jvp_names(spec):
    if spec.jvp is None:
        raise _missing(spec, "JVP")
    names = _Names(spec.params())
    rule = names.new(_ident(spec.jvp, spec.name + "_jvp"))
    space = {rule: spec.jvp, "zeros_like": _runtime("zeros_like")}
    names.taken.add("zeros_like")
    return names, {"rule": rule}, space


def _custom_jvp(spec, wrt):
    names, bound, space = _jvp_names(spec)
    params = spec.params()
    tangents = [names.new("d" + params[i]) for i in wrt]
    out, dout = names.new(spec.name + "_out"), names.new("d" + spec.name)
    name = "jvp_" + spec.name
    lines = [
        "def %s(%s):" % (name, ", ".join(params + tangents)),
        "    # custom_jvp %s (%s): its rule" % (spec.name, spec.where()),
        "    %s, %s = %s" % (out, dout, _jvp_call(spec, bound, wrt, tangents)),
        "    return (%s, %s)" % (out, dout),
    ]
    return _build(spec, "jvp", lines, space, {"function": name}, tangent_params=tangents)


def _custom_linearize(spec, wrt):
    names, bound, space = _jvp_names(spec)
    params = spec.params()
    tangents = [names.new("d" + params[i]) for i in wrt]
    callee, residuals = names.new(spec.name + "_custom"), names.new("residuals")
    dout = names.new("d" + spec.name)
    space[callee] = spec.owner
    first, second = spec.name + "_linearize", spec.name + "_tangent"
    lines = [
        "def %s(%s):" % (first, ", ".join(params)),
        "    return (%s(%s), %s)" % (callee, ", ".join(params), _tuple(params)),
        "", "",
        "def %s(%s, %s):" % (second, residuals, ", ".join(tangents)),
        "    %s = %s" % (_targets(params), residuals),
        "    # custom_jvp %s (%s): its rule" % (spec.name, spec.where()),
        "    _, %s = %s" % (dout, _jvp_call(spec, bound, wrt, tangents)),
        "    return %s" % dout,
    ]
    return _build(spec, "linearize", lines, space, {"forward": first, "tangent": second},
                  tangent_params=tangents)


def _linear_map(spec, wrt):
    """``def f_linear(*params, *tangents): return rule(primals, tangents)[1]``: the
    tangent map of a custom_jvp rule, a plain function on disk the driver can compile."""
    found = spec.owner.__dict__.setdefault("_s2sad_linear_maps", {})
    key = (tuple(wrt), id(spec))
    if key not in found:
        names, bound, space = _jvp_names(spec)
        params = spec.params()
        tangents = [names.new("d" + params[i]) for i in wrt]
        name = spec.name + "_linear"
        text = ('"""The tangent map of custom_jvp %s (%s): linear in %s."""\n\n\n'
                "def %s(%s):\n    return %s[1]\n" % (
                    spec.name, spec.where(), ", ".join(tangents), name,
                    ", ".join(params + tangents), _jvp_call(spec, bound, wrt, tangents)))
        found[key] = (getattr(load(text, "custom_linear__" + spec.name, space), name),
                      tangents)
    return found[key]


def _custom_jvp_vjp(spec, wrt, compile):
    linear, tangents = _linear_map(spec, wrt)
    params = spec.params()
    inner = compile(linear, "vjp", tuple(range(len(params), len(params) + len(wrt))))
    names = _Names(params + tangents)
    callee, residuals, res = (names.new(spec.name + "_custom"), names.new("residuals"),
                              names.new(spec.name + "_res"))
    lin_forward, lin_backward = (names.new(spec.name + "_linear_forward"),
                                 names.new(spec.name + "_linear_backward"))
    bout = names.new("b" + spec.name)
    space = {callee: spec.owner, lin_forward: inner.forward, lin_backward: inner.backward,
             "zeros_like": _runtime("zeros_like")}
    forward, backward = spec.name + "_forward", spec.name + "_backward"
    zeros = ["zeros_like(%s)" % params[i] for i in wrt]
    lines = [
        "def %s(%s):" % (forward, ", ".join(params)),
        "    return (%s(%s), %s)" % (callee, ", ".join(params), _tuple(params)),
        "", "",
        "def %s(%s, %s):" % (backward, residuals, bout),
        "    %s = %s" % (_targets(params), residuals),
        "    # custom_jvp %s (%s): the transpose of its rule's tangent map" % (
            spec.name, spec.where()),
        "    _, %s = %s(%s)" % (res, lin_forward, ", ".join(params + zeros)),
        "    return %s(%s, %s)" % (lin_backward, res, bout),
    ]
    return _build(spec, "vjp", lines, space, {"forward": forward, "backward": backward},
                  helpers=[inner])


def _checkpoint_vjp(spec, wrt, outputs, statics, compile):
    inner = compile(spec.fun, "vjp", wrt, outputs=outputs, statics=statics)
    params = spec.params()
    names = _Names(params)
    fun, residuals, res = names.new(spec.name), names.new("residuals"), names.new(
        spec.name + "_res")
    fun_forward, fun_backward = (names.new(spec.name + "_forward"),
                                 names.new(spec.name + "_backward"))
    bout = names.new("b" + spec.name)
    space = {fun: spec.fun, fun_forward: inner.forward, fun_backward: inner.backward}
    name = spec.name + "_checkpoint"
    forward, backward = name + "_forward", name + "_backward"
    lines = [
        "def %s(%s):" % (forward, ", ".join(params)),
        "    # checkpoint %s (%s): only the arguments are kept" % (spec.name, spec.where()),
        "    return (%s(%s), %s)" % (fun, ", ".join(params), _tuple(params)),
        "", "",
        "def %s(%s, %s):" % (backward, residuals, bout),
        "    %s = %s" % (_targets(params), residuals),
        "    # checkpoint %s: its forward sweep again, then its backward sweep" % spec.name,
        "    _, %s = %s(%s)" % (res, fun_forward, ", ".join(params)),
        "    return %s(%s, %s)" % (fun_backward, res, bout),
    ]
    return _build(spec, "vjp", lines, space, {"forward": forward, "backward": backward},
                  helpers=[inner], name=name)



def summed_rule(obj, jvps):
    """The ``defjvp`` rule of ``obj.defjvps(*jvps)``: ``out = obj(*args)`` and the sum of
    ``jvp_i(t_i, out, *args)`` over the rules that are not None, as a function on disk
    (so that reverse mode can transpose it)."""
    spec = spec_of(obj)
    params = spec.params()
    names = _Names(params)
    callee, primals, tangents, out, tangent = (
        names.new(spec.name + "_custom"), names.new("primals"), names.new("tangents"),
        names.new(spec.name + "_out"), names.new("d" + spec.name))
    space = {callee: obj, "zeros_like": _runtime("zeros_like")}
    names.taken.add("zeros_like")
    diff = [p for i, p in enumerate(params) if i not in spec.nondiff]
    dnames = [names.new("d" + p) for p in diff]
    terms = []
    for i, (rule, dname) in enumerate(zip(jvps, dnames)):
        if rule is not None:
            bound = names.new("%s_jvp%d" % (spec.name, i))
            space[bound] = rule
            terms.append("%s(%s)" % (bound, ", ".join([dname, out] + params)))
    name = spec.name + "_jvps"
    lines = [
        '"""The rule of custom_jvp %s (%s) made by defjvps."""' % (spec.name, spec.where()),
        "", "",
        "def %s(%s):" % (name, ", ".join([params[i] for i in spec.nondiff] +
                                          [primals, tangents])),
        "    %s = %s" % (_targets(diff), primals),
        "    %s = %s" % (_targets(dnames), tangents),
        "    %s = %s(%s)" % (out, callee, ", ".join(params)),
        "    %s = %s" % (tangent, " + ".join(terms) if terms else "zeros_like(%s)" % out),
        "    return (%s, %s)" % (out, tangent),
    ]
    return getattr(load("\n".join(lines) + "\n", "custom_jvps__" + spec.name, space), name)
