"""The front of every pipeline: a user function in, an analysed ANF body out.

:func:`prepare` parses the function (:mod:`~s2sad.compiler.parsing`), checks it
against the fence, binds its defaults and function arguments, resolves function
tables, folds calls of s2sad's own transforms, lowers early exits and loops, models
in-place NumPy and aliasing, lowers to ANF (inlining function factories), splits
the returned value from ``aux``, hoists loop invariants, and finds the active
variables and shape classes.  The result, a :class:`Prepared`, is what the
mode-specific pipelines (``build_reverse``, ``build_forward``, ``build_linearize``)
take.  Python's own source is never changed: everything happens on a fresh parse.
"""
import functools
import os

import gast

from ..errors import AuxOutputError
from ..syntax import astwalk
from ..syntax.annotations import getanno, setanno
from ..syntax.printer import unparse
from ..transforms.activity import active_variables
from ..transforms.aliasing import param_kinds, resolve_aliasing
from ..transforms.anf import anf
from ..transforms.calls import Identity, callee, specialise_signature, stem
from ..transforms.dataflow import written
from ..transforms.desugar import ExitLowering, normalize_loops, unpack_zips
from ..transforms.inline import returns_function
from ..transforms.licm import hoist_invariants
from ..transforms.naming import Namer, local_names
from ..transforms.nested import fold_transform_calls
from ..transforms.ops import resolve
from ..transforms.reverse import assign, load as load_name
from ..transforms.shapes import shape_classes
from ..transforms.tables import resolve_tables
from . import fence
from .assemble import read_names
from .context import Context
from .parsing import parse_function

__all__ = ["Prepared", "prepare", "parameters", "assign_counts", "elements"]


class Prepared:
    """A function ready for a mode-specific pipeline.

    ``ctx`` (:class:`~s2sad.compiler.context.Context`), ``fdef`` (the rewritten
    ``FunctionDef``), ``body`` (its ANF statements, ending in the ``Return``),
    ``params`` (positional parameter names), ``wrt_names``, ``value``/``aux`` (the
    differentiated output and the aux expression or None), ``active`` (the active
    variables), ``classes`` (shape classes, or None without optimisation) and
    ``outputs`` (the tuple outputs whose cotangent may be non-zero, or None: all).
    """

    def __init__(self, ctx, fdef, body, params, wrt_names, value, aux, active, classes,
                 outputs):
        self.ctx, self.fdef, self.body, self.params = ctx, fdef, body, params
        self.wrt_names, self.value, self.aux, self.active = wrt_names, value, aux, active
        self.classes, self.outputs = classes, outputs


def prepare(fn, mode, wrt, has_aux, optimize, scalars, ndims, outputs, statics, compile,
            inline=False):
    """Parse ``fn`` and run the passes every mode shares (see the module docstring);
    ``compile`` is the driver's ``derivative`` (for the helpers); ``inline``: inline
    every call of a module-level function that writes nothing in place (one body, for
    the batched primal sweeps).  Returns a :class:`Prepared`."""
    parsed = parse_function(fn)
    fence.check(parsed)
    fdef = parsed.fdef
    record_text(parsed)
    _bind_defaults(parsed, fdef)
    specialise_signature(fdef, statics, local_names(fdef) | set(parsed.namespace),
                         parsed.namespace)
    _bind_statics(parsed, fdef, statics)
    resolve_tables(fdef, parsed.namespace, local_names(fdef) | set(parsed.namespace),
                   parsed.sources)
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
    ctx = Context(parsed, namer, compile)
    ctx.imports.user_module = getattr(fn, "__module__", None)
    ctx.wrt = wrt
    local = local_names(fdef)
    fold_transform_calls(fdef, ctx.namespace, local.__contains__, ctx.imports.bind, namer,
                         lambda node, construct, hint: fence.reject(parsed, node, construct, hint))
    ExitLowering(namer).function(fdef)
    if "zip" not in local and ctx.namespace.get("zip", zip) is zip:
        unpack_zips(fdef, namer)
    normalize_loops(fdef, namer, ctx.imports.runtime)
    resolve_aliasing(fdef, ctx.namespace, ctx.unsupported, parse_function,
                     param_kinds(params, scalars, ndims), ctx.imports.runtime, ctx.imports.bind,
                     namer, parsed.lineno)
    anf(fdef, namer, ctx.namespace, ctx.imports.runtime,
        lambda node, construct, hint: fence.reject(parsed, node, construct, hint),
        functools.partial(factory, ctx), inline)
    ctx.locals = local_names(fdef)
    body = fdef.body
    if not body or not isinstance(body[-1], gast.Return):
        body.append(gast.Return(value=gast.Constant(value=None, kind=None)))
    ret = body[-1]
    for stmt in body[:-1]:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.Return):
                raise ctx.unsupported(node, "return before the end of the function", "")
    value, aux = split_output(ctx, ret, body, has_aux, mode)
    if optimize:
        body = hoist_invariants(body, ctx.namespace, params=parameters(fdef))
    if not isinstance(value, gast.Tuple):
        outputs = None  # the returned tuple is built at run time: seed all of it
    seeded = [e.id for i, e in enumerate(elements(value)) if isinstance(e, gast.Name)
              and (outputs is None or i in outputs)]
    active = active_variables(body[:-1], wrt_names, seeded, ctx.namespace, ctx.is_local)
    classes = None
    if optimize:
        known = range(-len(params), len(params))
        classes = shape_classes(body[:-1], ctx.namespace,
                                [params[i] for i in scalars if i in known],
                                {params[i]: n for i, n in ndims if i in known},
                                parameters(fdef))
    return Prepared(ctx, fdef, body, params, wrt_names, value, aux, active, classes, outputs)


def factory(ctx, node, any_function=False):
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
    if (getattr(found[0], "__module__", None) or "").split(".")[0] == "s2sad":
        return None  # library code is never a factory: callee() is None for it
    parsed = parse_function(found[0])
    if not any_function and not returns_function(parsed.fdef):
        return None
    setanno(parsed.fdef, "function", found[0])
    parsed.mark_places()
    fence.check(parsed)
    record_text(parsed)
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


def parameters(fdef):
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
        if isinstance(func, Identity):  # a method's self
            func = func.obj
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


def assign_counts(body):
    counts = {}
    for node in astwalk.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def record_text(parsed):
    """Annotate each user statement with its text for ``# Grad of:`` comments."""
    for node in astwalk.walk(parsed.fdef):
        if isinstance(node, gast.stmt) and node is not parsed.fdef:
            text = unparse(node).split("\n")[0]
            if isinstance(node, (gast.If, gast.For, gast.While)):
                text = text.rstrip(":") + ":"
            setanno(node, "text", "%s  (%s:%s)" % (
                text, os.path.basename(parsed.filename), parsed.lineno(node)))


def split_output(ctx, ret, body, has_aux, mode):
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
    if isinstance(value, gast.Name) and assign_counts(body).get(value.id) == 1:
        # res = (loss, aux); return res: split statically when res is assigned only
        # there, and no loop or branch writes what it holds (the backward sweep
        # restores such variables: the pair must keep the values it was built from)
        in_compounds = written([s for s in body if isinstance(s, (gast.If, gast.For,
                                                                   gast.While))])
        for stmt in body:
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and stmt.targets[0].id == value.id
                    and isinstance(stmt.value, gast.Tuple)
                    and not read_names(stmt.value) & in_compounds):
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


def elements(value):
    return value.elts if isinstance(value, gast.Tuple) else [value]
