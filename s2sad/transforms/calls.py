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
    receives an active value, in parameter order, and :func:`static_arguments`.
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
    positional = [p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    positions = []
    for pname, node in bound.arguments.items():
        # a *args parameter binds a tuple of nodes, a **kwargs one a dict of them
        parts = node if isinstance(node, tuple) else \
            list(node.values()) if isinstance(node, dict) else [node]
        if not any(isinstance(n, gast.Name) and n.id in transform.active
                   for part in parts for n in astwalk.walk(part)):
            continue
        kind = signature.parameters[pname].kind
        if kind not in (inspect.Parameter.POSITIONAL_ONLY,
                        inspect.Parameter.POSITIONAL_OR_KEYWORD):
            raise ctx.unsupported(stmt, "passing a differentiated value to *args, **kwargs "
                                  "or a keyword-only parameter of %s" % func.__qualname__,
                                  "pass it as a named positional parameter")
        positions.append((positional.index(pname), node))
    positions.sort(key=lambda item: item[0])
    statics = static_arguments(ctx, signature, bound)
    if self_obj is not None and not isinstance(self_obj, type) and hashable(self_obj) and (
            not any(p == 0 for p, _ in statics)):
        # a method's self is specialised on: self.forward(x) is a call of that method
        statics = ((0, self_obj),) + statics
    return args, keywords, func, positions, statics


def hashable(obj):
    """True if ``obj`` can be a cache key."""
    try:
        hash(obj)
    except TypeError:
        return False
    return True


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
