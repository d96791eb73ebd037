"""Reverse mode through calls to the user's own Python functions.

Input: an ANF assignment ``y = g(a, b, k=c)`` where ``g`` resolves to a
Python function (or bound method, or callable object) with readable source
and no registered rule.  Output: the primal statement replaced by a call to
``g``'s generated forward sweep, which also returns ``g``'s residuals, and the
adjoint statements calling ``g``'s backward sweep::

    y, g_res = g_forward(a, b, k=c)
    ...
    _ba, _bc = g_backward(g_res, by)

``g`` is compiled in split motion (design.md §3) with respect to exactly the
parameters that receive active values; recursion is supported because the
helpers are looked up lazily when ``g`` is still being compiled.

Library code is never read as the user's source: :func:`callee` (which every pass
asks whether a callable is a Python function to differentiate through) answers None
for a function whose code file (``__code__.co_filename``) lies in the standard
library, a ``site-packages``/``dist-packages`` directory or the NumPy or SciPy package
(:func:`is_library_code`); such a call needs a rule, like a C function.  s2sad's own
package is not library code wherever it is installed (its helpers have rules).
"""
import builtins
import functools
import inspect
import numbers
import os
import site
import sys
import sysconfig

import gast
from ..syntax import astwalk

import numpy as np


def load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def stem(func):
    """A name for generated variables about ``func`` (``lambda`` for a lambda)."""
    name = getattr(func, "__name__", "") or "f"
    return name if name.isidentifier() else "lambda"


def resolve(node, namespace):
    """The live object an atom chain (``np.linalg.norm``) refers to, or raise KeyError.

    A name missing from ``namespace`` is looked up among Python's builtins, as Python
    does (the desugaring pass writes ``len(xs)`` into loops the user wrote without it).
    """
    if isinstance(node, gast.Name):
        if node.id not in namespace and hasattr(builtins, node.id):
            return getattr(builtins, node.id)
        return namespace[node.id]
    if isinstance(node, gast.Attribute):
        try:
            return getattr(resolve(node.value, namespace), node.attr)
        except AttributeError:
            raise KeyError(node.attr) from None
    raise KeyError(node)


def resolve_free(node, namespace, is_local):
    """The live object a free name or attribute chain (``np.tanh``, ``ACTS``) names, or
    None when ``node`` is not one, starts at a local (``is_local(name)``) or names
    nothing."""
    root = node
    while isinstance(root, gast.Attribute):
        root = root.value
    if not isinstance(root, gast.Name) or is_local(root.id):
        return None
    try:
        return resolve(node, namespace)
    except (KeyError, AttributeError):
        return None


def is_object(value):
    """True for an instance of a user class (not data: arrays, numbers, strings,
    containers; not a class, a module or a plain function)."""
    return not isinstance(value, (np.ndarray, np.generic, numbers.Number, str, bytes,
                                  list, tuple, dict, set, frozenset, type)) and (
        hasattr(value, "__dict__") or hasattr(type(value), "__slots__")) and not callable(
        getattr(value, "__get__", None)) and not hasattr(value, "__code__") and type(
        value).__module__ not in ("builtins", "types")


def is_function(value):
    """True for a value a table may hold as a function (anything callable that is not
    array data)."""
    return callable(value) and not isinstance(value, (np.ndarray, np.generic))


class FunctionTable(dict):
    """A dict of functions passed as an argument, frozen into a hashable cache key."""

    def __hash__(self):
        return hash(tuple(self.items()))


def frozen_table(value):
    """A hashable copy of a non-empty list, tuple or dict (string or int keys) holding
    only hashable functions, or None."""
    if isinstance(value, dict):
        items = list(value.items())
        if not items or not all(type(k) in (str, int) for k, _ in items):
            return None
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    else:
        return None
    if not items or not all(is_function(v) for _, v in items):
        return None
    try:
        hash(tuple(v for _, v in items))
    except TypeError:
        return None
    return FunctionTable(value) if isinstance(value, dict) else tuple(value)


def callee(func):
    """``(python_function, bound_self)`` behind a callable, or None (a C function, or a
    function of library code: :func:`is_library_code`)."""
    found = python_callee(func)
    if found is None or is_library_code(found[0]):
        return None
    return found


def python_callee(func):
    """``(python_function, bound_self)`` behind a callable, library code included, or
    None."""
    while isinstance(func, functools.partial):
        func = func.func
    if getattr(type(func), "__s2sad_resolve__", None) is not None:
        # a generated sweep of a recursive function, looked up lazily: the sweep itself
        func = func.__s2sad_resolve__()
        if func is None:
            return None
    if inspect.ismethod(func) and inspect.isfunction(func.__func__):
        return func.__func__, func.__self__
    if inspect.isfunction(func):
        return func, None
    call = getattr(type(func), "__call__", None)
    if inspect.isfunction(call):
        return call, func
    return None


_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # s2sad's own
_LIBRARY_FOLDERS = ("site-packages", "dist-packages")


def _library_roots():
    """Folders of installed code: the standard library, site directories, and the
    folders of NumPy and SciPy (wherever they come from)."""
    roots = [sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib",
                                                    "platlib")]
    try:
        roots += list(site.getsitepackages()) + [site.getusersitepackages()]
    except AttributeError:  # an old virtualenv's site module
        pass
    for name in ("numpy", "scipy"):
        module = sys.modules.get(name)
        if getattr(module, "__file__", None):
            roots.append(os.path.dirname(module.__file__))
    return [os.path.realpath(r) + os.sep for r in roots if r]


@functools.lru_cache(maxsize=1024)
def is_library_file(filename):
    """True if ``filename`` (a code object's ``co_filename``) is installed library code,
    not the user's (see the module docstring)."""
    if filename.startswith("<"):
        return filename.startswith("<frozen")  # frozen stdlib modules
    path = os.path.realpath(filename)
    if path.startswith(_PACKAGE + os.sep):
        return False
    if any(part in _LIBRARY_FOLDERS for part in path.split(os.sep)):
        return True
    return any(path.startswith(root) for root in _library_roots())


def is_library_code(func):
    """True if Python function ``func``'s code lives in library code."""
    code = getattr(func, "__code__", None)
    return code is not None and is_library_file(code.co_filename)


def _unwrap_partial(ctx, func, args, keywords):
    """The call's arguments with those a ``functools.partial`` fixed put back in."""
    while isinstance(func, functools.partial):
        base = getattr(func.func, "__name__", "partial")
        fixed = [_constant(ctx, "%s_arg%d" % (base, i), v) for i, v in enumerate(func.args)]
        fixed_kw = {k: _constant(ctx, "%s_%s" % (base, k), v) for k, v in func.keywords.items()}
        args = fixed + args
        keywords = dict(fixed_kw, **keywords)
        func = func.func
    return args, keywords


def _constant(ctx, name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return gast.Constant(value=value, kind=None)
    return load(ctx.imports.bind(name, value))


def bind_call(transform, op, stmt):
    """Bind a call to user function ``op.func``.

    Returns ``(args, keywords, func, positions, statics)``: the call's argument
    nodes (with a bound ``self`` and ``functools.partial`` arguments put back), the
    Python function, ``(position, node)`` of each positional parameter that
    receives an active value, in parameter order, and :func:`static_arguments`.  A
    call passing an active value to ``*args``, ``**kwargs`` or a keyword-only
    parameter calls ``func`` specialised on its shape (:func:`_bind_by_shape`).
    """
    ctx = transform.ctx
    args, keywords = _unwrap_partial(ctx, op.func, list(op.args), dict(op.keywords))
    func, self_obj = callee(op.func)
    if self_obj is not None:
        args.insert(0, load(ctx.imports.bind(stem(func) + "_self", self_obj)))
    signature = inspect.signature(func)
    try:
        bound = signature.bind(*args, **keywords)
    except TypeError as err:
        raise ctx.unsupported(stmt, "this call to %s (%s)" % (func.__qualname__, err), "")
    parameters = signature.parameters
    active = [pname for pname, node in bound.arguments.items() if _reads_active(transform, node)]
    if any(parameters[p].kind not in _POSITIONAL for p in active):
        if getattr(func, "__s2sad_custom__", None) is not None or getattr(
                op.func, "__s2sad_custom__", None) is not None:
            raise ctx.unsupported(stmt, "passing a differentiated value to *args, **kwargs "
                                  "or a keyword-only parameter of the custom-derivative "
                                  "function %s" % func.__qualname__,
                                  "pass it as a named positional parameter")
        args, positions, statics = _bind_by_shape(transform, func, signature, bound)
        keywords = {}
    else:
        positional = [p.name for p in parameters.values() if p.kind in _POSITIONAL]
        positions = sorted(((positional.index(p), bound.arguments[p]) for p in active),
                           key=lambda item: item[0])
        statics = static_arguments(ctx, signature, bound)
    if self_obj is not None and not isinstance(self_obj, type) and (
            not any(p == 0 for p, _ in statics)):
        # a method's self is specialised on: self.forward(x) is a call of that method
        statics = ((0, Identity(self_obj)),) + statics
        lists = object_lists(self_obj)
        statics += () if lists is None else (lists,)
    return args, keywords, func, positions, statics


class Identity:
    """An object as a static argument (a method's ``self``) and part of a cache key:
    compared by identity, hashable or not (a ``@dataclass`` with ``eq=True`` is not,
    and two equal objects are still two objects whose attributes are read)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self):
        return id(self.obj)

    def __eq__(self, other):
        return isinstance(other, Identity) and other.obj is self.obj

    def __repr__(self):
        return "Identity(%r)" % (self.obj,)


#: the position of the static recording which objects ``self``'s lists hold
OBJECTS = "*objects"


def object_lists(obj):
    """``(OBJECTS, ((attribute, ids), ...))`` for the objects (``self.block``) and the
    short lists and tuples of objects (``self.layers``) among ``obj``'s attributes, or
    None: part of the cache key of a method specialised on ``obj``, so that the
    methods of those objects compiled in (a loop over a list is unrolled,
    :mod:`~s2sad.transforms.tables`) are compiled again once they are other objects.
    (The compiled code also checks them when it runs.)"""
    space = getattr(obj, "__dict__", None)
    if not isinstance(space, dict):
        return None
    out = []
    for attr, value in space.items():
        if (isinstance(value, (list, tuple)) and 0 < len(value) <= 256
                and not isinstance(value[0], (int, float, complex, str, bytes, np.ndarray,
                                              np.generic, list, tuple, dict))):
            out.append((attr, tuple(id(v) for v in value)))
        elif is_object(value):  # self.block: its methods may be compiled in
            out.append((attr, id(value)))
    return (OBJECTS, tuple(out)) if out else None


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
#: the position of the static that records a call's shape (:func:`_bind_by_shape`)
SHAPE = "*shape"


def _reads_active(transform, node):
    """True if the bound argument ``node`` (a node, or the tuple or dict of nodes a
    ``*args`` or ``**kwargs`` parameter binds) reads an active variable."""
    parts = node if isinstance(node, tuple) else \
        list(node.values()) if isinstance(node, dict) else [node]
    return any(isinstance(n, gast.Name) and n.id in transform.active
               for part in parts for n in astwalk.walk(part))


def _bind_by_shape(transform, func, signature, bound):
    """A call that passes a differentiated value to ``*args``, ``**kwargs`` or a
    keyword-only parameter of ``func``: it calls ``func`` specialised on the call's
    shape (:func:`specialise_signature`), every parameter positional, in signature
    order: the positional parameters, one per element of ``*args``, the keyword-only
    ones, one per keyword ``**kwargs`` receives (in the call's order).  A parameter
    the call leaves out is passed its default (the object ``func`` holds).

    Returns ``(args, positions, statics)`` as :func:`bind_call` does; ``statics``
    holds ``(SHAPE, (number of *args elements, keywords of **kwargs))``."""
    ctx, args, count, names, index = transform.ctx, [], 0, (), {}
    for p in signature.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            parts = list(bound.arguments.get(p.name, ()))
            count = len(parts)
        elif p.kind == p.VAR_KEYWORD:
            extra = bound.arguments.get(p.name, {})
            parts, names = list(extra.values()), tuple(extra)
        elif p.name in bound.arguments:
            parts = [bound.arguments[p.name]]
        else:
            parts = [_constant(ctx, "%s_%s" % (stem(func), p.name), p.default)]
        index[p.name] = len(args)
        args.extend(parts)
    positions = [(i, node) for i, node in enumerate(args) if _reads_active(transform, node)]
    statics = tuple((index[p] if isinstance(p, str) else p, value)
                    for p, value in static_arguments(ctx, signature, bound))
    return args, positions, statics + ((SHAPE, (count, names)),)


def specialise_signature(fdef, statics, taken, namespace):
    """Edit ``fdef`` (as parsed) into its version for the call shape recorded in
    ``statics`` (:func:`_bind_by_shape`), if any: ``def h(a, *xs, s=1.0, **kw)``
    called as ``h(u, v, w, s=t, k=z)`` becomes ``def h_args2_k(a, xs_0, xs_1, s, kw_k)``
    whose body starts with ``xs = (xs_0, xs_1)`` and ``kw = {"k": kw_k}``.  Defaults
    are dropped (the call passes every parameter).  New names avoid ``taken``;
    ``namespace`` holds the function's free names (is ``sorted`` the builtin?)."""
    shape = dict((p, v) for p, v in statics if p == SHAPE).get(SHAPE)
    if shape is None:
        return
    count, names = shape
    args = fdef.args
    params, first = list(args.posonlyargs + args.args), []

    def fresh(base):
        name, n = base, 1
        while name in taken:
            n += 1
            name = "%s_%d" % (base, n)
        taken.add(name)
        return name

    where = fdef.body[0] if fdef.body else fdef
    packing = _Packing(fdef, namespace)
    if args.vararg is not None:
        parts = [fresh("%s_%d" % (args.vararg.id, i)) for i in range(count)]
        params += [_param(n) for n in parts]
        first.append(gast.Assign(targets=[store(args.vararg.id)], value=gast.Tuple(
            elts=[load(n) for n in parts], ctx=gast.Load()), type_comment=None))
        packing.add(args.vararg.id, parts)
    params += list(args.kwonlyargs)
    if args.kwarg is not None:
        parts = [fresh("%s_%s" % (args.kwarg.id, k)) for k in names]
        params += [_param(n) for n in parts]
        first.append(gast.Assign(targets=[store(args.kwarg.id)], value=gast.Dict(
            keys=[gast.Constant(value=k, kind=None) for k in names],
            values=[load(n) for n in parts]), type_comment=None))
        packing.add(args.kwarg.id, dict(zip(names, parts)))
    fdef.body = [packing.visit(stmt) for stmt in fdef.body]
    fdef.args = gast.arguments(args=params, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[])
    fdef.body[:0] = [gast.copy_location(stmt, where) for stmt in first]
    fdef.name = "%s_args%d%s" % (fdef.name, count, "".join("_" + k for k in names))


_READS = ("get", "items", "keys", "values")
_BUILTINS = {"len": len, "sorted": sorted, "list": list, "tuple": tuple}


class _Packing(gast.NodeTransformer):
    """Uses of the packed ``*xs``/``**kw`` parameters of a function specialised on its
    call's shape made static, where the body never rebinds them (nor a nested function
    its own parameter of that name): ``g(*xs)`` -> ``g(xs_0, xs_1)``, ``g(**kw)`` ->
    ``g(k=kw_k)``, ``kw.get("k", d)`` -> ``kw_k`` (or ``d``), ``"k" in kw`` -> ``True``."""

    def __init__(self, fdef, namespace):
        self.packed = {}
        self.fdef, self.namespace = fdef, namespace
        args = fdef.args
        self.params = {n.id for n in args.posonlyargs + args.args + args.kwonlyargs}
        self.rebound = set()
        for node in astwalk.walk(fdef):
            if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
                self.rebound.add(node.id)
            elif isinstance(node, (gast.FunctionDef, gast.Lambda)) and node is not fdef:
                a = node.args
                self.rebound |= {n.id for n in a.posonlyargs + a.args + a.kwonlyargs}
                self.rebound |= {n.id for n in (a.vararg, a.kwarg) if n is not None}

    def builtin(self, node, names):
        """True if ``node`` names one of the builtins ``names`` (not rebound)."""
        return (isinstance(node, gast.Name) and node.id in names
                and node.id not in self.rebound and node.id not in self.params
                and self.namespace.get(node.id, _BUILTINS[node.id]) is _BUILTINS[node.id])

    def add(self, name, parts):
        """``parts``: the parameter names of ``*name`` (a list) or ``**name`` (a dict)."""
        if name not in self.rebound and (isinstance(parts, list) or self.only_read(name)):
            self.packed[name] = parts

    def only_read(self, name):
        """True if every read of dict ``name`` reads it (no ``kw[k] = v``, ``kw.pop``, or
        passing it on), so that its keys stay the call's."""
        reads, allowed = set(), set()
        for node in astwalk.walk(self.fdef):
            if isinstance(node, gast.Name) and node.id == name and isinstance(
                    node.ctx, gast.Load):
                reads.add(id(node))
            elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Load):
                allowed.add(id(node.value))
            elif isinstance(node, gast.Attribute) and node.attr in _READS:
                allowed.add(id(node.value))
            elif isinstance(node, gast.Compare):
                allowed.update(id(c) for c in node.comparators)
            elif isinstance(node, gast.Call):
                allowed.update(id(k.value) for k in node.keywords if k.arg is None)
                if self.builtin(node.func, ("len", "sorted", "list", "tuple")):
                    allowed.update(id(a) for a in node.args)
            elif isinstance(node, (gast.For, gast.comprehension)):
                allowed.add(id(node.iter))
        return reads <= allowed

    def parts(self, node, kind):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            found = self.packed.get(node.id)
            return found if isinstance(found, kind) else None
        return None

    def visit_Call(self, node):
        self.generic_visit(node)
        args = []
        for a in node.args:
            parts = self.parts(a.value, list) if isinstance(a, gast.Starred) else None
            args.extend([a] if parts is None else [load(n) for n in parts])
        keywords = []
        for k in node.keywords:
            parts = self.parts(k.value, dict) if k.arg is None else None
            keywords.extend([k] if parts is None else [
                gast.keyword(arg=key, value=load(n)) for key, n in parts.items()])
        node.args, node.keywords = args, keywords
        func = node.func
        if (self.builtin(func, ("sorted", "list", "tuple")) and len(node.args) == 1
                and not node.keywords):
            keys = self.keys(node.args[0])
            if keys is not None:  # sorted(kw), list(kw.keys()): strings, known now
                keys = sorted(keys) if func.id == "sorted" else keys
                elts = [gast.Constant(value=k, kind=None) for k in keys]
                display = gast.Tuple if func.id == "tuple" else gast.List
                return gast.copy_location(display(elts=elts, ctx=gast.Load()), node)
        params = self.parts(func.value, dict) if isinstance(func, gast.Attribute) else None
        if (params is not None and func.attr == "get" and not node.keywords
                and 1 <= len(node.args) <= 2 and isinstance(node.args[0], gast.Constant)
                and isinstance(node.args[0].value, str)):
            key = node.args[0].value
            if key in params:
                return gast.copy_location(load(params[key]), node)
            if len(node.args) == 2:
                return node.args[1]
            return gast.copy_location(gast.Constant(value=None, kind=None), node)
        return node

    def keys(self, node):
        """The keys of a packed ``**kw`` that ``node`` reads, or None."""
        params = self.parts(node, dict)
        if params is None and isinstance(node, gast.Call) and isinstance(
                node.func, gast.Attribute) and node.func.attr == "keys" and not node.args:
            params = self.parts(node.func.value, dict)
        return None if params is None else list(params)

    def visit_For(self, node):
        self.generic_visit(node)
        keys = self.keys(node.iter)
        if keys is not None:  # for k in kw: the call's keywords, in its order
            node.iter = gast.copy_location(gast.Tuple(
                elts=[gast.Constant(value=k, kind=None) for k in keys], ctx=gast.Load()),
                node.iter)
        return node

    def visit_comprehension(self, node):
        return self.visit_For(node)

    def visit_Compare(self, node):
        self.generic_visit(node)
        params = self.parts(node.comparators[0], dict) if len(node.ops) == 1 else None
        if (params is not None and isinstance(node.ops[0], (gast.In, gast.NotIn))
                and isinstance(node.left, gast.Constant) and isinstance(node.left.value, str)):
            found = (node.left.value in params) == isinstance(node.ops[0], gast.In)
            return gast.copy_location(gast.Constant(value=found, kind=None), node)
        return node


def _param(name):
    return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)


def static_arguments(ctx, signature, bound):
    """``(position, function)`` (a keyword-only parameter's name for its position) of
    each parameter of the callee that receives a function known when compiling: a
    free name or attribute bound to one, a list or tuple display of such, or a
    parameter left to a function default (``act=np.tanh``).  The callee's derivative
    is specialised on them, as the differentiated function's is on function
    arguments (``compiler._bind_statics``)."""
    positional = 0
    out = []
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        position = positional if p.kind != p.KEYWORD_ONLY else p.name
        if p.kind != p.KEYWORD_ONLY:
            positional += 1
        if p.name in bound.arguments:
            value = _known_function(ctx, bound.arguments[p.name])
        else:
            value = frozen_table([p.default]) if p.default is not p.empty else None
            value = None if value is None else value[0]
        if value is not None:
            out.append((position, value))
    return tuple(out)


def _known_function(ctx, node):
    """The function (or hashable table of functions) ``node`` denotes when compiling,
    or None."""
    if isinstance(node, (gast.List, gast.Tuple)):
        elts = [_known_function(ctx, e) for e in node.elts]
        if not elts or any(e is None or isinstance(e, (tuple, dict)) for e in elts):
            return None
        return frozen_table(elts)
    value = resolve_free(node, ctx.namespace, ctx.is_local)
    if value is None:
        return None
    if isinstance(value, (list, tuple, dict)):
        return frozen_table(value)
    table = frozen_table([value])
    return None if table is None else table[0]


def function_call(rev, name, op, stmt):
    """``(primal, adjoint, residual_name)`` for ``name = g(...)`` (see module docstring)."""
    ctx = rev.ctx
    args, keywords, func, positions, statics = bind_call(rev, op, stmt)
    wrt = tuple(p for p, _ in positions)
    forward, backward, _ = ctx.compile_helper(func, wrt, rev.used_elements(name), statics)
    res = ctx.namer.unique(stem(func) + "_res")
    call = gast.Call(func=load(forward), args=args,
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords.items()])
    primal = gast.Assign(targets=[gast.Tuple(elts=[store(name), store(res)], ctx=gast.Store())],
                         value=call, type_comment=None)
    grads = gast.Call(func=load(backward), args=[load(res), load(rev.adj(name))], keywords=[])
    targets = gast.Tuple(elts=[node for _, node in positions], ctx=gast.Load())
    adjoint = rev.contribute(targets, grads)
    return primal, adjoint, res
