"""Syntactic facts the aliasing analysis reads off a function's AST, and the cheap test
of whether the pass has anything to do.

Input: gast function definitions (after desugaring), namespaces (free name -> live
object), user functions (for their source) and the compilation's
:class:`~.domain.Shared` record (its caches of parsed sources and answers).  Output:
the desugared exit flags of a function (:func:`exit_flags`), what nested defs read
(:func:`free_reads`, :func:`nested_reads`), which names are live after each statement
(:func:`liveness`), a callee's parameters (:func:`params_of`), and whether a function
or anything it calls may write into an object (:func:`writes_anything`,
:func:`may_write`).  Nothing here changes the AST.
"""
import inspect

import gast

from ...syntax import astwalk
from ... import rules
from ...syntax.annotations import getanno
from ..calls import callee
from ..desugar import walk as shallow_walk
from ..ops import resolve


def names_of(fdef):
    """``(local names, name -> how many times it is read, parameters of the defs and
    lambdas in it)`` of ``fdef``, in one walk (the local names are what
    ``parsing.local_names`` gives)."""
    args = fdef.args
    local, loads, params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}, {}, \
        set()
    local.update(a.id for a in (args.vararg, args.kwarg) if a is not None)
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Name):
            if isinstance(node.ctx, (gast.Store, gast.Del)):
                local.add(node.id)
            elif isinstance(node.ctx, gast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
        elif isinstance(node, (gast.FunctionDef, gast.Lambda)):
            params.update(a.id for a in node.args.args + node.args.kwonlyargs)
    return local, loads, params


def exit_flags(fdef):
    """name -> "returned" / "broke" / "skip": the flags desugaring made for early exits
    (only ever assigned True or False, by statements desugaring made)."""
    values, stores = {}, {}
    for node in shallow_walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            values.setdefault(node.id, [])
            stores[node.id] = stores.get(node.id, 0) + 1
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], gast.Name):
            made = getanno(node, "origin") is not None and isinstance(
                node.value, gast.Constant) and isinstance(node.value.value, bool)
            values.setdefault(node.targets[0].id, []).append(made)
    flags = {}
    for name, made in values.items():
        role = name.rstrip("0123456789")
        if role in ("returned", "broke", "skip") and made and all(made) and \
                len(made) == stores.get(name, 0):
            flags[name] = role
    return flags


def free_reads(fn):
    """Names a nested def or lambda reads from outside itself."""
    own, loads = {a.id for a in fn.args.args}, set()
    for node in astwalk.walk(fn):
        if isinstance(node, gast.Name):
            if isinstance(node.ctx, gast.Store):
                own.add(node.id)
            elif isinstance(node.ctx, gast.Load):
                loads.add(node.id)
    return loads - own


def nested_reads(fdef):
    """name -> what calling the nested def or lambda bound to it reads (late binding)."""
    reads = {}
    for node in shallow_walk(fdef):
        if node is fdef:
            continue
        fn = node if isinstance(node, gast.FunctionDef) else None
        name = getattr(node, "name", None)
        if isinstance(node, gast.Assign) and isinstance(node.value, gast.Lambda) and isinstance(
                node.targets[0], gast.Name):
            fn, name = node.value, node.targets[0].id
        if fn is not None:
            reads[name] = free_reads(fn)
    return reads


def liveness(body, nested):
    """``id(stmt) -> names that may be read after stmt`` for every statement of ``body``;
    ``nested``: name -> what calling the nested def bound to it reads."""
    live, seen_uses, seen_stores = {}, {}, {}

    def uses(node):
        found = seen_uses.get(id(node))
        if found is None:
            names = set()
            for sub in shallow_walk(node):
                if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
                    names.add(sub.id)
                if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Name):
                    names |= nested.get(sub.func.id, set())
            found = seen_uses[id(node)] = frozenset(names)
        return found

    def stored(node):
        found = seen_stores.get(id(node))
        if found is None:
            found = seen_stores[id(node)] = frozenset(
                n.id for n in shallow_walk(node)
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
        return found

    def block(stmts, out):
        now = set(out)
        for s in reversed(stmts):
            live[id(s)] = frozenset(now)
            if isinstance(s, gast.If):
                now = block(s.body, now) | block(s.orelse, now) | uses(s.test)
            elif isinstance(s, (gast.For, gast.While)):
                head = now | (uses(s.test) if isinstance(s, gast.While) else set())
                while True:
                    inner = block(s.body, head)
                    new = head | (inner - stored(s.target) if isinstance(s, gast.For) else inner)
                    if new == head:
                        break
                    head = new
                now = head | (uses(s.iter) if isinstance(s, gast.For) else set())
            elif isinstance(s, gast.FunctionDef):
                now = now - {s.name}
            elif isinstance(s, gast.Return):
                now = uses(s)
            elif isinstance(s, gast.AugAssign):
                now = now | uses(s) | stored(s.target)
            else:
                now = (now - stored(s)) | uses(s)
        return now

    block(body, set())
    return live


def params_of(func):
    try:
        return [p for p in inspect.signature(func).parameters]
    except (TypeError, ValueError):
        return []


def writes_anything(fdef):
    """True if ``fdef`` has any syntax that may write into an object."""
    for node in astwalk.walk(fdef):
        if node is not fdef and isinstance(node, (gast.AugAssign, gast.FunctionDef,
                                                  gast.Lambda)):
            return True
        if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store):
            return True
        if isinstance(node, gast.stmt) and (getanno(node, "alias_rebind")
                                            or getanno(node, "alias_sort")):
            return True
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
                node.func.attr in ("append", "extend", "pop"):
            return True
    return False


def user_callees(fdef, namespace):
    """The user functions ``fdef`` calls (those s2sad reads the source of)."""
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Call):
            try:
                obj = resolve(node.func, namespace)
            except KeyError:
                continue
            found = callee(obj)
            if found is not None and rules.lookup_adjoint(obj) is None:
                yield found[0]


def parsed_source(shared, func):
    """``shared.parse(func)``, parsed once per compilation (read it, do not change it;
    :func:`take_parsed` hands the parse over to be changed)."""
    found = shared.parsed.get(func)
    if found is None:
        found = shared.parsed[func] = shared.parse(func)
    return found


def take_parsed(shared, func):
    """A parse of ``func`` the caller may change (the cached one, which leaves the cache,
    or a new one)."""
    found = shared.parsed.pop(func, None)
    return found if found is not None else shared.parse(func)


def may_write(shared, func):
    """Cheap syntactic check: may calling ``func`` (or anything it calls) write into
    anything?  Answered once per function and compilation."""
    found = shared.writing.get(func)
    if found is None:
        found = shared.writing[func] = _may_write(shared, func, set())
    return found


def _may_write(shared, func, seen):
    if func in seen:
        return False
    seen.add(func)
    try:
        parsed = parsed_source(shared, func)
    except Exception:  # no source: s2sad cannot compile it either
        return False
    return writes_anything(parsed.fdef) or any(_may_write(shared, f, seen) for f in
                                               user_callees(parsed.fdef, parsed.namespace))
