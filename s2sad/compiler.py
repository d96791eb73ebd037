"""The driver: user function in, compiled derivative out, cached.

``derivative(fn, mode, wrt, has_aux, optimize)`` runs the pipeline of
design.md §1 (parse -> fence -> ANF -> activity -> reverse -> optimize ->
codegen) and returns a :class:`Derivative`.  Results are cached per function
object (weakly) and per (mode, wrt, has_aux, optimize, rule generation), so
calling ``grad(f)`` again never re-transforms.

Calling conventions of the generated code:

* ``mode="grad"`` (joint motion): ``d{f}_d{x}(*args, b{out}=1.0)`` returns
  ``(value, grads)``, or ``((value, aux), grads)`` with ``has_aux``; ``grads``
  is one value for one ``wrt`` position, else a tuple.
* ``mode="vjp"`` (split motion): ``{f}_forward(*args)`` returns
  ``(out, residuals)`` (``((out, aux), residuals)`` with ``has_aux``) and
  ``{f}_backward(residuals, b{out})`` a tuple with one gradient per ``wrt``.
"""
import ast
import builtins
import copy
import functools
import os
import weakref

import gast
import numpy as np

from . import astwalk
from . import fence, rules, specialised
from .annotations import getanno, setanno
from .codegen import LOCK, Comments, Imports, compose, load, render
from .environment import Environment
from .errors import AuxOutputError, InternalError
from .naming import Namer
from .parsing import local_names, parse_function, unwrap
from .transforms.calls import callee, stem
from .transforms.inline import returns_function
from .transforms.ops import is_among, resolve
from .transforms.activity import active_variables
from .transforms.anf import anf
from .transforms.optimize import optimize as optimize_body
from .transforms.dataflow import definitely_assigned, upward_exposed, written
from .transforms.forward import Forward
from .transforms.desugar import ExitLowering, normalize_loops
from .transforms.reverse import Reverse, assign, load as load_name
from .transforms.tables import resolve_tables
from .transforms.licm import hoist_invariants
from .transforms.shapes import shape_classes
from .transforms.nested import fold_transform_calls

__all__ = ["derivative", "Derivative", "stats", "clear_cache"]

MODES = ("grad", "vjp", "jvp", "linearize")
stats = {"transforms": 0}
#: attribute of a function holding its compiled derivatives: they live and die with it
#: (a weak-keyed table would keep the function alive through its own derivatives)
CACHE_ATTR = "__s2sad_derivatives__"
_CACHED = weakref.WeakSet()  # the functions holding derivatives, for clear_cache


class Derivative:
    """A compiled derivative: ``source``, ``module`` and the generated callables.

    ``function`` for joint motion; ``forward``/``backward`` for split motion.
    """

    def __init__(self, name, source, module, mode):
        self.name = name
        self.source = source
        self.module = module
        self.mode = mode
        if mode in ("grad", "jvp"):
            self.function = getattr(module, name)
        elif mode == "linearize":  # split forward mode (s2sad/linearized.py)
            self.forward = getattr(module, name + "_linearize")
            self.tangent = getattr(module, name + "_tangent")
        else:
            self.forward = getattr(module, name + "_forward")
            self.backward = getattr(module, name + "_backward")

    def __repr__(self):
        return "<s2sad.Derivative %s (%s)>" % (self.name, self.mode)


class BoundDerivative:
    """The derivative of a bound method (or callable object): ``self`` is passed
    for the caller, and is never differentiated."""

    def __init__(self, inner, self_obj):
        self.inner, self.name, self.source, self.mode = inner, inner.name, inner.source, inner.mode
        self.env = inner.env
        self.tangent_params = getattr(inner, "tangent_params", None)
        if inner.mode in ("grad", "jvp"):
            self.function = functools.partial(inner.function, self_obj)
        else:
            self.forward = functools.partial(inner.forward, self_obj)
            self.backward = getattr(inner, "backward", None)
            self.tangent = getattr(inner, "tangent", None)


def clear_cache():
    """Forget every compiled derivative (the files on disk stay)."""
    with LOCK:
        for fn in list(_CACHED):
            fn.__dict__.pop(CACHE_ATTR, None)
        _CACHED.clear()


def cached(fn):
    """The compiled derivatives of ``fn`` (key -> :class:`Derivative`), for tests."""
    return dict(getattr(fn, "__dict__", {}).get(CACHE_ATTR, {}))


def _per_function(fn):
    """``fn``'s own table of derivatives (a throw-away one if it cannot hold one)."""
    space = getattr(fn, "__dict__", None)
    if not isinstance(space, dict):
        return {}
    table = space.get(CACHE_ATTR)
    if table is None:
        table = space[CACHE_ATTR] = {}
        try:
            _CACHED.add(fn)
        except TypeError:
            pass
    return table


def derivative(fn, mode="grad", wrt=(0,), has_aux=False, optimize=True, scalars=(), ndims=(),
               signatures=None, want_value=True, in_place=False, outputs=None, statics=()):
    """Compile (or fetch from the cache) the derivative of ``fn``.

    Args:
      fn: a Python function with readable source.
      mode: ``"grad"`` (joint) or ``"vjp"`` (split forward/backward).
      wrt: positions of the differentiated parameters.
      has_aux: ``fn`` returns ``(output, aux)``; only ``output`` is differentiated.
      optimize: run the clean-up passes (off shows the raw transform).
      scalars: positions of parameters the caller passes Python numbers to;
        the code is specialised for them (no broadcasting bookkeeping).
      ndims: ``(position, ndim)`` pairs of parameters the caller passes arrays to
        (``x[i]`` of a 1-d array is then known to be a number).
      signatures: for ``mode="grad"``, the :func:`~s2sad.transforms.specialize.signature`
        of every positional argument: the code is specialised for these shapes and
        dtypes (trivial ``unbroadcast`` calls dropped, the seed fixed to 1.0, and the
        value left out when it is provably a real number and ``want_value`` is
        false: the function then returns the gradients only, and ``value_free`` is
        set on the result).
      in_place: with ``signatures``, accumulate adjoints in place into arrays the
        code owns (``bW += ...``): faster, not differentiable again
        (``create_graph=False``).
      outputs: for ``mode="vjp"`` of a function returning a tuple, the positions
        of the outputs whose cotangent may be non-zero (the caller reads only
        those); the backward sweep of the others is not generated.  ``None``: all.
      statics: ``(position, function)`` of arguments the caller passes functions to
        (``loss(params, activation)``): the code is specialised on each function
        object, called directly where the parameter is called (as JAX retraces on a
        new static argument).
    Returns:
      a :class:`Derivative`.
    """
    if mode not in MODES:
        raise ValueError("mode must be one of %s, got %r" % (MODES, mode))
    rules.load_builtin_rules()
    fn = unwrap(fn)
    bound = callee(fn)
    if bound is not None and bound[1] is not None:  # a bound method or callable object
        func, self_obj = bound
        inner = derivative(func, mode, tuple(i + 1 if i >= 0 else i for i in wrt), has_aux,
                           optimize, tuple(i + 1 if i >= 0 else i for i in scalars),
                           tuple((i + 1 if i >= 0 else i, n) for i, n in ndims),
                           None if signatures is None else (None,) + tuple(signatures),
                           want_value, in_place, outputs,
                           tuple((i + 1 if isinstance(i, int) and i >= 0 else i, f)
                                 for i, f in statics))
        return BoundDerivative(inner, self_obj)
    if signatures is not None and (mode != "grad" or not optimize):
        raise ValueError("signatures are only used by mode='grad' with optimize=True")
    key = (mode, tuple(wrt), bool(has_aux), bool(optimize), tuple(scalars), tuple(ndims),
           signatures, bool(want_value) or signatures is None,
           bool(in_place) and signatures is not None, outputs, tuple(statics),
           rules.generation())
    per_fn = _per_function(fn)
    found = per_fn.get(key)
    if found is not None and found.env.check():
        return found
    with LOCK:
        found = per_fn.get(key)  # another thread may have compiled it meanwhile
        if found is None or not found.env.check():  # a global, cell or default changed
            found = per_fn[key] = _build(fn, mode, tuple(wrt), has_aux, optimize,
                                         tuple(scalars), tuple(ndims), signatures,
                                         want_value, in_place, outputs, tuple(statics))
            stats["transforms"] += 1
    return found


_IN_PROGRESS = set()


def progress_key(fn, wrt, mode, statics=()):
    """The key of a compilation in ``_IN_PROGRESS`` (recursion is looked up lazily)."""
    return (fn, tuple(wrt), mode, tuple(statics))


class _Lazy:
    """A generated sweep of a function still being compiled (recursion)."""

    def __init__(self, func, wrt, attr, mode="vjp", statics=()):
        self.func, self.wrt, self.attr, self.mode = func, wrt, attr, mode
        self.statics = statics
        self.target = None

    def __call__(self, *args, **kwargs):
        if self.target is None:
            self.target = getattr(derivative(self.func, self.mode, self.wrt,
                                             statics=self.statics), self.attr)
        return self.target(*args, **kwargs)


class Context:
    """What the transforms share while compiling one function."""

    def __init__(self, parsed, namer):
        self.parsed = parsed
        self.namer = namer
        self.imports = Imports(namer, parsed.namespace)
        self.namespace = self.imports.bound  # the user's free names and every helper bound
        self.locals = local_names(parsed.fdef)
        self.comments = Comments()
        self.helpers = []
        self.jvp_self = None  # (function, wrt, tangent names) while compiling a jvp

    def is_local(self, name):
        return name in self.locals

    def compile_jvp_helper(self, func, wrt, statics=()):
        """Name bound to the generated ``jvp_<func>`` of user function ``func``
        (specialised on the function arguments ``statics``)."""
        if progress_key(func, wrt, "jvp", statics) in _IN_PROGRESS:
            if self.jvp_self is None or self.jvp_self[:2] != (func, wrt):
                raise TypeError("s2sad cannot yet run forward mode through mutually recursive "
                                "functions (%s)" % func.__qualname__)
            target, name = _Lazy(func, wrt, "function", "jvp", statics), "jvp_" + stem(func)
            tangents = self.jvp_self[2]
        else:
            helper = derivative(func, "jvp", wrt, statics=statics)
            if helper not in self.helpers:
                self.helpers.append(helper)
            target, name, tangents = helper.function, helper.name, helper.tangent_params
        return self.imports.bind(name, target), tangents

    def compile_helper(self, func, wrt, outputs=None, statics=()):
        """Names bound to the split sweeps of user function ``func`` (wrt ``wrt``;
        ``outputs``: the positions of its tuple outputs the caller reads; specialised
        on the function arguments ``statics``)."""
        if progress_key(func, wrt, "vjp", statics) in _IN_PROGRESS:  # recursion
            forward = _Lazy(func, wrt, "forward", statics=statics)
            backward = _Lazy(func, wrt, "backward", statics=statics)
            name = stem(func)
        else:
            helper = derivative(func, "vjp", wrt, outputs=outputs, statics=statics)
            if helper not in self.helpers:
                self.helpers.append(helper)
            forward, backward, name = helper.forward, helper.backward, helper.name
        return (self.imports.bind(name + "_forward", forward),
                self.imports.bind(name + "_backward", backward), name)

    def bind(self, rule, op, stmt):
        """``rule.bind`` for the call in ``stmt``; an argument the rule cannot take
        is an UnsupportedSyntaxError at the user's line."""
        try:
            return rule.bind(op.args, op.keywords, self.parsed.where(stmt))
        except rules.RuleError as err:
            raise self.unsupported(stmt, getattr(err, "construct", str(err)),
                                   getattr(err, "hint", "")) from None

    def unsupported(self, node, construct, hint):
        origin = getanno(node, "origin") or node
        return fence.reject(self.parsed, origin, construct, hint)


def _build(fn, mode, wrt, has_aux, optimize, scalars=(), ndims=(), signatures=None,
           want_value=True, in_place=False, outputs=None, statics=()):
    key = progress_key(fn, wrt, mode, statics)
    if mode in ("vjp", "jvp", "linearize"):
        _IN_PROGRESS.add(key)
    try:
        return _build_inner(fn, mode, wrt, has_aux, optimize, scalars, ndims, signatures,
                            want_value, in_place, outputs, statics)
    finally:
        _IN_PROGRESS.discard(key)


def _build_inner(fn, mode, wrt, has_aux, optimize, scalars, ndims, signatures, want_value,
                 in_place, outputs=None, statics=()):
    parsed = parse_function(fn)
    fence.check(parsed)
    fdef = parsed.fdef
    _record_text(parsed)
    _bind_defaults(parsed, fdef)
    _bind_statics(parsed, fdef, statics)
    resolve_tables(fdef, parsed.namespace, local_names(fdef) | set(parsed.namespace))
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args]
    for i in wrt:
        if not -len(params) <= i < len(params):
            raise ValueError(
                "cannot differentiate argument %d of %s: it takes %d positional parameter(s)%s"
                % (i, fdef.name, len(params), " (differentiating *args is not supported)"
                   if fdef.args.vararg else ""))
    wrt_names = [params[i] for i in wrt]
    wrt = tuple(i % len(params) for i in wrt)
    namer = Namer(local_names(fdef) | set(parsed.namespace), parsed.module_names)
    ctx = Context(parsed, namer)
    ctx.imports.user_module = getattr(fn, "__module__", None)
    ctx.wrt = wrt
    local = local_names(fdef)
    fold_transform_calls(fdef, ctx.namespace, local.__contains__, ctx.imports.bind, namer)
    ExitLowering(namer).function(fdef)
    normalize_loops(fdef, namer, ctx.imports.runtime)
    from .transforms.aliasing import param_kinds, resolve_aliasing  # in-place NumPy, aliases
    resolve_aliasing(fdef, ctx.namespace, ctx.unsupported, param_kinds(params, scalars, ndims),
                     ctx.imports.runtime, ctx.imports.bind, namer, parsed.lineno)
    anf(fdef, namer, ctx.namespace, ctx.imports.runtime,
        lambda node, construct, hint: fence.reject(parsed, node, construct, hint),
        functools.partial(_factory, ctx))
    ctx.locals = local_names(fdef)
    body = fdef.body
    if not body or not isinstance(body[-1], gast.Return):
        body.append(gast.Return(value=gast.Constant(value=None, kind=None)))
    ret = body[-1]
    for stmt in body[:-1]:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Return):
                raise ctx.unsupported(node, "return before the end of the function", "")
    value, aux = _split_output(ctx, ret, body, has_aux, mode)
    if optimize:
        body = hoist_invariants(body, ctx.namespace, params=_parameters(fdef))
    if not isinstance(value, gast.Tuple):
        outputs = None  # the returned tuple is built at run time: seed all of it
    seeded = [e.id for i, e in enumerate(_elements(value)) if isinstance(e, gast.Name)
              and (outputs is None or i in outputs)]
    active = active_variables(body[:-1], wrt_names, seeded, ctx.namespace, ctx.is_local)
    classes = None
    if optimize:
        known = range(-len(params), len(params))
        classes = shape_classes(body[:-1], ctx.namespace,
                                [params[i] for i in scalars if i in known],
                                {params[i]: n for i, n in ndims if i in known},
                                _parameters(fdef))
    if mode == "jvp":
        return _build_jvp(ctx, fdef, body, wrt_names, value, aux, active, optimize)
    if mode == "linearize":
        from .linearized import build as build_linearize
        return build_linearize(ctx, fdef, body, wrt_names, value, aux, active, optimize)
    rev = Reverse(ctx, active, _containers(body, ctx.namespace), classes, params)
    rev.assign_counts = _assign_counts(body)
    rev.statements = body
    stem = "d%s_d%s" % (fdef.name, "_".join(wrt_names)) if mode == "grad" else fdef.name
    if mode == "grad":
        name = namer.unique(stem)
    else:
        if len(wrt_names) < len(params):  # several split sweeps of one function may coexist
            stem = "%s_wrt_%s" % (fdef.name, "_".join(wrt_names))
        name = stem
        while {name + "_forward", name + "_backward"} & namer.taken:
            name = namer.unique(stem)
        namer.reserve([name + "_forward", name + "_backward"])
    seed, seed_stmts = _seed(ctx, rev, value, outputs)
    primal, adjoint = rev.body(body[:-1])
    primal[:0] = [assign(v, gast.Constant(value=None, kind=None)) for v in sorted(rev.unbound)]
    backward = seed_stmts + adjoint
    grads = [load_name(rev.adj(w)) if w in rev.defined else _zeros(ctx, w) for w in wrt_names]
    result = value if aux is None else gast.Tuple(elts=[value, aux], ctx=gast.Load())
    if mode == "grad":
        grads_node = grads[0] if len(grads) == 1 else _tuple(grads)
        final = gast.Return(value=_tuple([result, grads_node]))
    else:
        final = gast.Return(value=_tuple(grads))
    value_free = False
    if signatures is not None:
        primal, backward, value_free = specialised.specialize(
            ctx, params, signatures, primal, backward, seed, value,
            aux is None and not want_value, _reads(final))
        if value_free:
            final = gast.Return(value=grads[0] if len(grads) == 1 else _tuple(grads))
    if optimize:
        backward = optimize_body(backward, ctx.imports.bound, _reads(final))
    primal, backward = rev.resolve_tape(primal, backward)
    if rev.stack_name:
        primal.insert(0, assign(rev.stack_name, gast.List(elts=[], ctx=gast.Load())))
    backward = _with_comments(ctx, backward)
    for stmt in backward:
        setanno(stmt, "section", "backward")
    if mode == "grad":
        fbody = primal + backward
        if optimize:
            fbody = optimize_body(fbody, ctx.imports.bound, _reads(final))
        if signatures is not None:
            fbody, direct = specialised.lower(ctx, params, signatures, fbody, final, in_place)
            owned_returns = value_free and specialised.plain64(signatures) and direct(
                [signatures[i] for i in wrt], len(wrt) == 1)
        fbody = _sections(ctx, fbody) + [final]
        args = fdef.args if signatures is not None else _with_seed(fdef.args, seed)
        functions = [_function(name, args, fbody)]
    else:
        if optimize:  # what the tape made dead (replayed branches and loops with no work)
            backward = optimize_body(backward, ctx.imports.bound, _reads(final))
        residuals = sorted(_free_reads(backward + [final])
                           & (ctx.locals | set(params) | {rev.stack_name}) - {seed})
        res_node = _tuple([load_name(r) for r in residuals])
        fwd_ret = gast.Return(value=_tuple([result, res_node]))
        if optimize:
            primal = optimize_body(primal, ctx.imports.bound, _reads(fwd_ret))
        all_params = {a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
        all_params |= {a.id for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None}
        maybe_unset = set(residuals) - definitely_assigned(primal) - all_params
        primal = [assign(r, gast.Constant(value=None, kind=None))
                  for r in sorted(maybe_unset)] + primal
        unpack = [gast.Assign(targets=[gast.Tuple(
            elts=[gast.Name(id=r, ctx=gast.Store(), annotation=None, type_comment=None)
                  for r in residuals], ctx=gast.Store())],
            value=load_name("residuals"), type_comment=None)]
        if rev.stack_name in residuals:  # the backward sweep pops: work on a copy
            unpack.append(assign(rev.stack_name, gast.Call(
                func=load_name("list"), args=[load_name(rev.stack_name)], keywords=[])))
        functions = [
            _function(name + "_forward", fdef.args, primal + [fwd_ret]),
            _function(name + "_backward", _arguments(["residuals", seed]),
                      (unpack if residuals else []) + _drop_empty_comments(backward)
                      + [final]),
        ]
    kind = "reverse" if mode == "grad" else "split reverse"
    if signatures is not None:
        kind += " mode, specialised for %s%s" % (specialised.describe(params, signatures),
                                                 " with in-place accumulation" if in_place
                                                 else "")
    derivative = _finish(ctx, fdef, functions, name, mode, kind, wrt_names)
    derivative.value_free = value_free
    derivative.owned_returns = signatures is not None and mode == "grad" and owned_returns
    return derivative


def _finish(ctx, fdef, functions, name, mode, kind, wrt_names):
    """Render, write and import the generated module."""
    parsed = ctx.parsed
    if " mode" not in kind:
        kind += " mode"
    doc = "Derivative of %s (%s:%s) with respect to %s.\n\nGenerated by s2sad: %s.\n" % (
        fdef.name, os.path.basename(parsed.filename),
        parsed.lineno(fdef) or parsed.line_offset + 1,
        ", ".join(wrt_names), kind)
    header, body = render(functions, ctx.comments, ctx.imports)
    module_source = compose(doc, header, [body])
    headers, bodies, seen = list(header), [body], set()
    for helper in _all_helpers(ctx.helpers):
        if helper.body not in seen:
            seen.add(helper.body)
            headers += helper.header
            bodies.append(helper.body)
    source = compose(doc, headers, bodies)
    try:
        module = load(module_source, "%s__%s" % (getattr(parsed.func, "__module__", "") or "fn",
                                                 name), ctx.imports.bound)
    except SyntaxError as err:
        raise InternalError("generated code does not compile: %s" % err, source) from None
    derivative = Derivative(name, source, module, mode)
    derivative.header, derivative.body, derivative.helpers = header, body, list(ctx.helpers)
    derivative.env = Environment(parsed.func, parsed.namespace, parsed.sources)
    derivative.env.bind(module.__dict__)
    derivative.env.children = [h.env for h in ctx.helpers]
    # kept for s2sad.transforms.batch, which rewrites the sweeps into batched ones
    derivative.functions, derivative.comments, derivative.imports = (
        functions, ctx.comments, ctx.imports)
    return derivative


def batched_derivative(fn, mode="vjp", wrt=(0,), has_aux=False, scalars=()):
    """The batched sweep of ``derivative(fn, mode, ...)`` (``mode`` ``"vjp"``: the
    backward sweep; ``"jvp"``: the forward-mode function), or ``None`` when it uses
    something that is not batch-aware (see :mod:`s2sad.transforms.batch`)."""
    from .transforms.batch import batched
    return batched(derivative(fn, mode, wrt, has_aux, scalars=scalars))


def _all_helpers(helpers):
    """``helpers`` and, recursively, theirs, each once, callers first."""
    out = []
    for helper in helpers:
        for h in [helper] + _all_helpers(getattr(helper, "helpers", [])):
            if h not in out:
                out.append(h)
    return out


def _build_jvp(ctx, fdef, body, wrt_names, value, aux, active, optimize):
    """Forward mode: ``jvp_f(*args, *tangents) -> (result, tangent_of_output)``."""
    fwd = Forward(ctx, active)
    tangents = [fwd.tan(w) for w in wrt_names]
    ctx.jvp_self = (ctx.parsed.func, tuple(ctx.wrt), tangents)
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    start = [assign(fwd.tan(p), _zeros_of(ctx, load_name(p)))
             for p in params if p in active and p not in wrt_names]  # active via a loop
    tbody = start + fwd.body(body[:-1])
    out_tangent = _tuple([fwd.tangent_of(e) or _zeros_of(ctx, e) for e in value.elts]) \
        if isinstance(value, gast.Tuple) else (fwd.tangent_of(value) or _zeros_of(ctx, value))
    result = value if aux is None else gast.Tuple(elts=[value, aux], ctx=gast.Load())
    final = gast.Return(value=_tuple([result, out_tangent]))
    if optimize:
        tbody = optimize_body(tbody, ctx.imports.bound, _reads(final))
    tbody = _with_comments(ctx, tbody, prefix="")
    name = ctx.namer.unique("jvp_" + fdef.name)
    args = fdef.args
    for tangent in tangents:
        args = _with_param(args, tangent, None)
    derivative = _finish(ctx, fdef, [_function(name, args, tbody + [final])], name, "jvp",
                         "forward", wrt_names)
    derivative.tangent_params = tangents
    return derivative


def _factory(ctx, node, any_function=False):
    """The ``FunctionDef`` of the user function ``node`` names, if it returns a function
    (a factory, inlined by ANF where it is called; ``any_function``: whatever it
    returns, for a call passing it a function value), with its free names bound in this
    module (renamed where they clash) and read live like the function's own; else None.
    Its ``function`` annotation is the live function (recursion is refused)."""
    try:
        func = resolve(node, ctx.namespace)
    except (KeyError, AttributeError):
        return None
    found = callee(func)
    if found is None or found[1] is not None or isinstance(func, functools.partial):
        return None
    module = (getattr(found[0], "__module__", None) or "").split(".")[0]
    if module in ("numpy", "scipy", "s2sad"):
        return None
    parsed = parse_function(found[0])
    if not any_function and not returns_function(parsed.fdef):
        return None
    setanno(parsed.fdef, "function", found[0])
    parsed.mark_places()
    fence.check(parsed)
    _record_text(parsed)
    renames = {}
    for name, obj in parsed.namespace.items():
        taken = name in ctx.namer.taken and ctx.imports.bound.get(name, _MISSING) is not obj
        bound = ctx.imports.bind(ctx.namer.unique(name) if taken else name, obj)
        if name in parsed.sources:
            ctx.parsed.sources[bound] = parsed.sources[name]
            ctx.parsed.namespace[bound] = obj
        if bound != name:
            renames[name] = bound
    for sub in astwalk.walk(parsed.fdef):
        if isinstance(sub, gast.Name) and sub.id in renames and isinstance(sub.ctx, gast.Load):
            sub.id = renames[sub.id]
    return parsed.fdef


def _parameters(fdef):
    """Every parameter name of ``fdef`` (positional, keyword-only, ``*args``, ``**kw``)."""
    args = fdef.args
    return [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + [
        a.id for a in (args.vararg, args.kwarg) if a is not None]


def _bind_statics(parsed, fdef, statics):
    """Reads of a parameter that receives a function (``statics``) become reads of a
    free name bound to that function, so its calls are differentiated through it.  A
    parameter the body assigns is left alone (calling it is then refused, located)."""
    params = fdef.args.posonlyargs + fdef.args.args
    keyword_only = {a.id for a in fdef.args.kwonlyargs}
    stored = {n.id for n in astwalk.walk(fdef) if isinstance(n, gast.Name)
              and isinstance(n.ctx, gast.Store)}
    taken = local_names(fdef) | set(parsed.namespace)
    bound = []
    for position, func in statics:
        if isinstance(position, str):  # a keyword-only parameter
            if position not in keyword_only:
                continue
            param = position
        elif not -len(params) <= position < len(params):
            continue
        else:
            param = params[position].id
        if param in stored:
            continue
        name = param
        while name in taken:
            name = "_" + name
        taken.add(name)
        parsed.namespace[name] = func
        for stmt in fdef.body:
            _rename_reads(stmt, param, name)
        bound.append(func)
    if bound:  # one derivative per function argument: each its own generated names
        parts = [stem(v) for f in bound for v in (
            f.values() if isinstance(f, dict) else f if isinstance(f, tuple) else (f,))]
        fdef.name = "%s_with_%s" % (fdef.name, "_".join(parts[:3]))


def _rename_reads(node, old, new):
    """Reads of ``old`` in ``node`` become reads of ``new``, except inside nested
    functions that bind ``old`` themselves."""
    if isinstance(node, (gast.FunctionDef, gast.Lambda)):
        args = node.args
        if old in {a.id for a in args.posonlyargs + args.args + args.kwonlyargs} | {
                a.id for a in (args.vararg, args.kwarg) if a is not None}:
            return
    if isinstance(node, gast.Name) and node.id == old and isinstance(node.ctx, gast.Load):
        node.id = new
    for child in gast.iter_child_nodes(node):
        _rename_reads(child, old, new)


def _bind_defaults(parsed, fdef):
    """Default values as the function holds them (``fn.__defaults__``), not as their
    expressions would evaluate now: bound names in the generated signatures."""
    func, args = parsed.func, fdef.args
    positional = args.posonlyargs + args.args
    values = func.__defaults__ or ()
    for param, value, i in zip(positional[len(positional) - len(values):], values,
                               range(len(values))):
        args.defaults[i] = _bound(parsed, "_default_" + param.id, value)
    for i, param in enumerate(args.kwonlyargs):
        if (func.__kwdefaults__ or {}).get(param.id, _MISSING) is not _MISSING:
            args.kw_defaults[i] = _bound(parsed, "_default_" + param.id,
                                         func.__kwdefaults__[param.id])


_MISSING = object()


def _bound(parsed, name, value):
    if value is None or type(value) in (bool, int, float, complex, str):
        return gast.Constant(value=value, kind=None)
    while name in parsed.namespace and parsed.namespace[name] is not value:
        name = "_" + name
    parsed.namespace[name] = value
    return load_name(name)


def _assign_counts(body):
    counts = {}
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def _zeros_of(ctx, node):
    return gast.Call(func=load_name(ctx.imports.runtime("zeros_like")), args=[node],
                     keywords=[])


# --- helpers ---

def _record_text(parsed):
    """Annotate each user statement with its text for ``# Grad of:`` comments."""
    for node in astwalk.walk(parsed.fdef):
        if isinstance(node, gast.stmt) and node is not parsed.fdef:
            text = ast.unparse(gast.gast_to_ast(node)).split("\n")[0]
            if isinstance(node, (gast.If, gast.For, gast.While)):
                text = text.rstrip(":") + ":"
            setanno(node, "text", "%s  (%s:%s)" % (
                text, os.path.basename(parsed.filename), parsed.lineno(node)))


def _split_output(ctx, ret, body, has_aux, mode):
    """The differentiated output and the aux value of the return statement.

    With ``has_aux``, a returned literal pair is split statically; any other
    value is split at run time by ``split_aux``, which raises the TypeError of
    api.md when it is not a pair (statements are added to ``body``).
    """
    value = ret.value
    if not has_aux:
        if mode == "grad" and isinstance(value, gast.Tuple):
            raise TypeError(
                "Gradient only defined for scalar-output functions. %s returns a tuple of "
                "%d values; use has_aux=True if the extra values are auxiliary data, or "
                "s2sad.vjp / s2sad.jacrev for several outputs." % (ctx.parsed.name,
                                                                 len(value.elts)))
        return value, None
    if isinstance(value, gast.Name) and _assign_counts(body).get(value.id) == 1:
        # res = (loss, aux); return res: split statically when res is assigned only
        # there, and no loop or branch writes what it holds (the backward sweep
        # restores such variables: the pair must keep the values it was built from)
        in_compounds = written([s for s in body if isinstance(s, (gast.If, gast.For,
                                                                   gast.While))])
        for stmt in body:
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and stmt.targets[0].id == value.id
                    and isinstance(stmt.value, gast.Tuple)
                    and not _reads(stmt.value) & in_compounds):
                value = stmt.value
                break
    if isinstance(value, gast.Tuple):
        if len(value.elts) == 2:
            return value.elts[0], value.elts[1]
        raise AuxOutputError("%s with has_aux=True must return a (output, aux) pair, got a "
                             "tuple of %d values" % (ctx.parsed.name, len(value.elts)))
    pair, out, aux = (ctx.namer.unique(n) for n in ("pair", "out", "aux"))
    split = gast.Call(func=load_name(ctx.imports.runtime("split_aux")), args=[value],
                      keywords=[])
    added = [assign(pair, split)] + [
        assign(name, gast.Subscript(value=load_name(pair),
                                    slice=gast.Constant(value=i, kind=None), ctx=gast.Load()))
        for i, name in enumerate((out, aux))]
    for stmt in added:
        setanno(stmt, "origin", getanno(ret, "origin") or ret)
    body[-1:-1] = added
    ctx.locals.update((pair, out, aux))
    return load_name(out), load_name(aux)


def _elements(value):
    return value.elts if isinstance(value, gast.Tuple) else [value]


def _seed(ctx, rev, value, outputs=None):
    """The seed parameter name, and statements spreading it over tuple outputs
    (those in ``outputs``, if given: the others have a zero cotangent)."""
    if not isinstance(value, gast.Tuple):
        if isinstance(value, gast.Name) and value.id in rev.active:
            return rev.seed(value.id), []
        return ctx.namer.unique("bout"), []
    seed = ctx.namer.unique("bout")
    stmts = []
    for i, elt in enumerate(value.elts):
        if outputs is not None and i not in outputs:
            continue
        if isinstance(elt, gast.Name) and elt.id in rev.active:
            part = gast.Subscript(value=load_name(seed), slice=gast.Constant(value=i, kind=None),
                                  ctx=gast.Load())
            stmts.append(rev.accumulate(elt.id, part))
    return seed, stmts


def _zeros(ctx, name):
    return gast.Call(func=load_name(ctx.imports.runtime("zeros_like")),
                     args=[load_name(name)], keywords=[])


_SEQUENCE_CONSUMERS = {
    np.stack, np.concatenate, np.vstack, np.hstack, np.dstack, np.column_stack, np.array,
    np.asarray, np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin,
    builtins.sum, builtins.list, builtins.tuple, builtins.max, builtins.min, builtins.sorted,
    builtins.zip, builtins.enumerate,
}


def _containers(body, namespace):
    """Variables whose adjoint may be a container (tuple/list/dict): accumulated
    with ``add_grad`` instead of ``+`` (which would concatenate lists)."""
    names = set()
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Assign) and isinstance(node.value, (gast.Tuple, gast.List,
                                                                     gast.Dict)):
            names.update(t.id for t in node.targets if isinstance(t, gast.Name))
        if (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
                and not isinstance(node.slice, (gast.Slice, gast.Tuple))):
            names.add(node.value.id)
        if isinstance(node, gast.Attribute) and isinstance(node.value, gast.Name):
            key = rules.attribute(node.attr)
            if rules.lookup_adjoint(key) is None and not rules.is_nondifferentiable(key):
                names.add(node.value.id)  # a namedtuple or dataclass field
        if isinstance(node, gast.Call):
            try:
                func = resolve(node.func, namespace)
            except KeyError:
                func = None
            if func is None or is_among(func, _SEQUENCE_CONSUMERS) or callee(func):
                # a sequence consumer, or a user function: its adjoints may be containers
                names.update(a.id for a in node.args if isinstance(a, gast.Name))
        if (isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name)
                and isinstance(node.value, gast.Call)):
            try:
                func = resolve(node.value.func, namespace)
            except KeyError:
                func = None
            if func is None or callee(func) is not None:
                names.add(node.targets[0].id)  # what a user function returns may be a tuple
    return names - _array_results(body, namespace)


def _array_results(body, namespace):
    """Variables every assignment of which is arithmetic or a NumPy call: arrays."""
    kinds = {}
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
            value = node.value
            array = isinstance(value, (gast.BinOp, gast.UnaryOp))
            if isinstance(value, gast.Call):
                try:
                    func = resolve(value.func, namespace)
                except KeyError:
                    func = None
                array = (getattr(func, "__module__", None) or "").startswith("numpy") or \
                    isinstance(func, np.ufunc)
            name = node.targets[0].id
            kinds[name] = kinds.get(name, True) and array
    return {name for name, array in kinds.items() if array}


def _with_comments(ctx, stmts, last=None, prefix="Grad of: "):
    """``# Grad of:`` comments above each group of adjoint statements, in nested bodies too."""
    out = []
    for stmt in stmts:
        origin = getanno(stmt, "origin")
        if origin is not last and origin is not None and getanno(origin, "text"):
            text = getanno(origin, "text")
            if text:
                out.append(ctx.comments(prefix + text))
            last = origin
        if isinstance(stmt, (gast.For, gast.If, gast.While)):
            stmt.body = _with_comments(ctx, stmt.body, last, prefix)
            stmt.orelse = _with_comments(ctx, stmt.orelse, last, prefix)
        out.append(stmt)
    return out


def _is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name)
            and stmt.value.id.startswith("__s2sad_comment_"))


def _drop_empty_comments(stmts):
    out = []
    for i, stmt in enumerate(stmts):
        if _is_comment(stmt) and (i + 1 == len(stmts) or _is_comment(stmts[i + 1])):
            continue
        out.append(stmt)
    return out


def _sections(ctx, body):
    """``# Forward pass`` / ``# Backward pass`` headers around the joint body."""
    split = 0
    while split < len(body) and getanno(body[split], "section") != "backward":
        split += 1
    fwd, bwd = body[:split], _drop_empty_comments(body[split:])
    out = [ctx.comments("Forward pass")] + fwd if fwd else []
    if bwd:
        out += [ctx.comments("Backward pass")] + bwd
    return out


def _reads(node):
    return {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def _free_reads(stmts):
    """Names read in ``stmts`` before (or without) being assigned there (a loop's own
    variable is assigned before its body reads it)."""
    return upward_exposed(stmts)


def _tuple(elts):
    return gast.Tuple(elts=list(elts), ctx=gast.Load())


def _arguments(names, defaults=()):
    return gast.arguments(
        args=[gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
              for n in names],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=list(defaults))


def _with_seed(args, seed):
    return _with_param(args, seed, 1.0)


def _with_param(args, name, default):
    """A copy of ``args`` with parameter ``name`` added (keyword-only after ``*args``)."""
    args = copy.deepcopy(args)
    param = gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)
    if default is None:  # required: positional if possible, else keyword-only
        if args.vararg is None and not args.kwonlyargs and not args.defaults:
            args.args.append(param)
        else:
            args.kwonlyargs.append(param)
            args.kw_defaults.append(None)
        return args
    value = gast.Constant(value=default, kind=None)
    if args.vararg is None and not args.kwonlyargs:
        args.args.append(param)
        args.defaults.append(value)
    else:
        args.kwonlyargs.append(param)
        args.kw_defaults.append(value)
    return args


def _function(name, args, body):
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])
