"""BrainPy-style state: :class:`Variable` and the stand-in functions of ``grad_vars``.

``grad(loss, grad_vars=[W, b])`` differentiates with respect to state the function
reads (``W.value``) without taking it as an argument.  :func:`stand_in` turns the
function into an ordinary one that does take it: each read of ``V.value`` where ``V``
is reached statically (a global, a closure cell, an attribute of ``self`` or of a
global, a constant subscript of those) and is one of the given Variables becomes a
read of a new leading positional parameter::

    def loss(x):                          def loss(W, b, /, x):
        return np.sum(forward(x))   ->        return np.sum(forward(W, b, x))

and every call of a Python function that reads them (directly or through its own
calls, recursion included) becomes a call of that function's stand-in, which takes the
same leading parameters.  The transforms then differentiate the stand-in with respect
to those parameters like any others: second order, forward mode and the batched
sweeps come for free.

Contract:

* The stand-ins run with the user's module globals and share the original closure
  cells, so a later change of a global or cell is seen (and recompiles, as for any
  function).  :meth:`StandIn.valid` tells whether the objects the rewrite resolved
  (helpers, Variables) are still the same; the API rebuilds the stand-in when not.
* A read the rewrite cannot see (a Variable reached through a loop variable, a
  function passed as a value, ``getattr``) must never give a silent zero: while a
  derivative with ``grad_vars`` runs, :func:`watch` makes ``.value`` of those
  Variables raise :class:`~s2sad.errors.HiddenStateError` naming the reading line.
* Writing ``V.value = ...`` inside the function is refused, located.
"""
import builtins
import functools
import inspect
import sys
import textwrap
import threading
import types
from typing import Any

import gast

from ..errors import HiddenStateError, UnsupportedSyntaxError
from ..syntax import astwalk
from ..syntax.printer import unparse
from ..transforms.calls import callee
from ..transforms.naming import local_names
from . import cache
from .parsing import parse_function, unwrap

__all__ = ["Variable", "StandIn", "stand_in", "watch", "unwatch"]

_WATCH = threading.local()  # .ids: the ids of the Variables a running derivative reads


class Variable:
    """A box holding a value (``.value``), as BrainPy's ``Variable``: state a function
    reads without taking it as an argument, differentiated with ``grad_vars``."""

    __slots__ = ("_value", "__weakref__")

    def __init__(self, value: Any) -> None:
        self._value = value

    @property
    def value(self) -> Any:
        if id(self) in getattr(_WATCH, "ids", ()):
            _hidden(self, "read")
        return self._value

    @value.setter
    def value(self, new: Any) -> None:
        if id(self) in getattr(_WATCH, "ids", ()):
            _hidden(self, "written")
        self._value = new

    def __repr__(self) -> str:
        return "Variable(%r)" % (self._value,)


def _hidden(variable, what):
    frame = sys._getframe(2)
    raise HiddenStateError(
        "a Variable in grad_vars (%s) was %s at %s:%d by code s2sad did not see "
        "statically (a Variable reached through a loop variable, an argument, getattr, or "
        "a function passed as a value), so its gradient would be wrong. Read it as "
        "NAME.value where NAME is a global, a closure variable or an attribute of self, "
        "or pass its value as an argument and select it with argnums."
        % (_describe(variable), what, frame.f_code.co_filename, frame.f_lineno))


def _describe(variable):
    value = variable._value
    shape = getattr(value, "shape", None)
    return "shape %s" % (shape,) if shape is not None else type(value).__name__


def watch(ids):
    """From now on (in this thread) reading or writing ``.value`` of a Variable whose id
    is in ``ids`` raises :class:`~s2sad.errors.HiddenStateError`; returns what to pass
    to :func:`unwatch` to end that."""
    before = getattr(_WATCH, "ids", _NONE)
    _WATCH.ids = before | ids if before else ids
    return before


def unwatch(before):
    _WATCH.ids = before


_NONE = frozenset()


class StandIn:
    """The result of :func:`stand_in`: ``function`` takes ``len(names)`` leading
    positional parameters (the Variables' values, in the given order) and then the
    original parameters."""

    def __init__(self, function, names, checks, modules):
        self.function, self.names = function, names
        self._checks, self._modules = checks, modules  # the modules keep the source alive

    def valid(self):
        """Whether every object the rewrite resolved is still the same."""
        for read, expected in self._checks:
            try:
                now = read()
            except Exception:
                return False
            if now is not expected and not (
                    inspect.ismethod(now) and inspect.ismethod(expected)
                    and now.__func__ is expected.__func__
                    and now.__self__ is expected.__self__):
                return False
        return True


class _Function:
    """One function of the rewrite: its parse, the Variables it reads, its calls."""

    def __init__(self, func, self_obj):
        self.func, self.self_obj = func, self_obj
        self.parsed = parse_function(func)
        self.fdef = self.parsed.fdef
        self.namespace = dict(self.parsed.namespace)
        params = self.fdef.args.posonlyargs + self.fdef.args.args
        self.self_name = None
        if self_obj is not None and params:
            self.self_name = params[0].id
            self.namespace[self.self_name] = self_obj
        self.locals = local_names(self.fdef) - {self.self_name}
        self.reads = {}  # Attribute node -> Variable index
        self.calls = []  # (Call node, key of the callee, functools.partial or None)
        self.needed = False


def stand_in(fun, variables):
    """The :class:`StandIn` of ``fun`` (a Python function or bound method) for
    ``variables`` (a list of distinct :class:`Variable`)."""
    index = {id(v): k for k, v in enumerate(variables)}
    found, checks = {}, {}
    root = _visit(fun, index, found, checks)
    _propagate(found)
    taken = set()
    for entry in found.values():
        roots = {id(node.value) for node in entry.reads}  # W of W.value goes away
        taken |= entry.locals | {entry.self_name} | {
            n.id for n in astwalk.walk(entry.fdef)
            if isinstance(n, gast.Name) and id(n) not in roots}
    names = _names(found, variables, taken)
    made, modules = {}, []
    for key, entry in found.items():
        if entry.needed:
            made[key] = types.CellType()
    for key, entry in found.items():
        if entry.needed:
            function, module = _build(entry, names, found, made)
            made[key].cell_contents = function
            modules.append(module)
    function = made[root].cell_contents if found[root].needed else _build(
        found[root], names, found, made)[0]
    return StandIn(function, names, list(checks.values()), modules)


def _key(func, self_obj):
    return (func, id(self_obj))


def _visit(fun, index, found, checks):
    target = callee(unwrap(fun))
    if target is None:
        raise TypeError("grad_vars: %r is not a Python function s2sad can read" % (fun,))
    func, self_obj = target
    key = _key(func, self_obj)
    if key in found:
        return key
    entry = found[key] = _Function(func, self_obj)
    for node in astwalk.walk(entry.fdef):
        if isinstance(node, gast.Attribute) and node.attr == "value":
            box, read = _static(node.value, entry)
            if isinstance(box, Variable):
                checks[read[0]] = (read[1], box)
            if isinstance(box, Variable) and id(box) in index:
                if not isinstance(node.ctx, gast.Load):
                    _refuse(entry, node, "writing a Variable of grad_vars (%s.value = ...) "
                            "inside the differentiated function" % unparse(node.value),
                            "differentiate a function that returns the new value instead")
                entry.reads[node] = index[id(box)]
        elif isinstance(node, gast.Call):
            func_obj, read = _static(node.func, entry)
            target = None if func_obj is None else callee(func_obj)
            if target is not None:  # rebinding it to a function reading state: rebuild
                checks[read[0]] = (read[1], func_obj)
            if target is not None and not _is_s2sad(func_obj):
                partial = func_obj if isinstance(func_obj, functools.partial) else None
                if partial is not None and isinstance(partial.func, functools.partial):
                    continue  # nested partials: left alone (a read there is caught)
                inner = partial.func if partial is not None else func_obj
                entry.calls.append((node, _visit(inner, index, found, checks), partial))
    return key


def _is_s2sad(obj):
    return any(getattr(obj, a, None) is not None
               for a in ("__s2sad_transform__", "__s2sad_custom__"))


def _static(node, entry):
    """``(object, read)``: the object a chain of names, attributes and constant
    subscripts rooted at a free name (or ``self``) refers to, and a function reading the
    chain again; ``(None, None)`` for anything else."""
    steps = []
    while True:
        if isinstance(node, gast.Attribute):
            steps.append((getattr, node.attr))
            node = node.value
        elif isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Constant):
            steps.append((_item, node.slice.value))
            node = node.value
        else:
            break
    if not isinstance(node, gast.Name) or node.id in entry.locals:
        return None, None
    if node.id == entry.self_name:
        start = entry.self_obj
    elif node.id in entry.namespace:
        start = entry.namespace[node.id]
    else:
        return None, None
    steps.reverse()
    try:
        obj = _follow(start, steps)
    except Exception:
        return None, None
    key = (id(entry.func), id(entry.self_obj), node.id, tuple(steps))
    return obj, (key, _reader(entry, node.id, steps))


def _item(obj, key):
    return obj[key]


def _follow(obj, steps):
    for step, arg in steps:
        obj = step(obj, arg)
    return obj


def _reader(entry, name, steps):
    """How to read the chain live (the user may rebind a global or reassign self.W)."""
    func = entry.func
    if name == entry.self_name:
        obj = entry.self_obj
        return lambda: _follow(obj, steps)
    if name in func.__code__.co_freevars:
        cell = func.__closure__[func.__code__.co_freevars.index(name)]
        return lambda: _follow(cell.cell_contents, steps)
    space = func.__globals__
    return lambda: _follow(space[name] if name in space else getattr(builtins, name), steps)


def _propagate(found):
    """Mark the functions that read a Variable, directly or through their calls."""
    for entry in found.values():
        entry.needed = bool(entry.reads)
    changed = True
    while changed:
        changed = False
        for entry in found.values():
            if not entry.needed and any(found[k].needed for _, k, _ in entry.calls):
                entry.needed = changed = True


def _names(found, variables, taken):
    """A parameter name per Variable: the attribute or name it is read by (``W`` for
    ``self.W.value``), made unique."""
    names = [None] * len(variables)
    for entry in found.values():
        for node, k in entry.reads.items():
            if names[k] is None:
                base = node.value
                names[k] = (base.attr if isinstance(base, gast.Attribute) else
                            base.id if isinstance(base, gast.Name) else "var")
    chosen = []
    for k, name in enumerate(names):
        name = name or "var%d" % k
        if not name.isidentifier() or name.startswith("__"):
            name = "var%d" % k
        while name in taken:
            name += "_"
        taken.add(name)
        chosen.append(name)
    return chosen


def _refuse(entry, node, construct, hint):
    parsed = entry.parsed
    raise UnsupportedSyntaxError(construct, parsed.filename, parsed.lineno(node),
                                 getattr(node, "col_offset", 0), parsed.source_line(node),
                                 hint)


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _param(name):
    return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)


def _build(entry, names, found, made):
    """Write, load and bind the stand-in of ``entry`` (returns ``(function, module)``)."""
    fdef = entry.fdef
    extras = {}  # closure name -> value or cell
    for node, k in entry.reads.items():
        _replace(fdef, node, _load(names[k]))
    for call, key, partial in entry.calls:
        if found[key].needed:
            helper = _extra(extras, entry, "_s2sad_vars_" + found[key].fdef.name, made[key])
            call.func = _load(helper)
            fixed = []
            if partial is not None:  # its fixed arguments, as constants
                fixed = [_load(_extra(extras, entry, "_s2sad_arg", types.CellType(a)))
                         for a in partial.args]
                given = {k.arg for k in call.keywords}
                call.keywords = [gast.keyword(arg=k, value=_load(_extra(
                    extras, entry, "_s2sad_" + k, types.CellType(v))))
                    for k, v in partial.keywords.items() if k not in given] + call.keywords
            call.args = [_load(n) for n in names] + fixed + call.args
    args = fdef.args
    if entry.self_name is not None:
        (args.posonlyargs or args.args).pop(0)
        extras[entry.self_name] = types.CellType(entry.self_obj)
    for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
        if a is not None:
            a.annotation = None
    fdef.returns = None
    args.posonlyargs = [_param(n) for n in names] + args.posonlyargs
    parsed = entry.parsed
    places = [(type(node).__name__, parsed.location(node)
               if getattr(node, "lineno", None) is not None else None)
              for node in astwalk.walk(fdef)]
    func = entry.func
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    free = sorted(set(cells) | set(extras))
    body = textwrap.indent(unparse(fdef), "    ")
    text = ('"""s2sad\'s stand-in for %s with grad_vars (%s) as parameters."""\n\n\n'
            "def _s2sad_make(%s):\n%s\n    return %s\n"
            % (func.__qualname__, ", ".join(names), ", ".join(free), body, fdef.name))
    module = cache.load(text, "vars__" + fdef.name, {})
    code = next(c for c in module._s2sad_make.__code__.co_consts
                if isinstance(c, types.CodeType) and c.co_name == fdef.name)
    closure = tuple(cells[n] if n in cells else extras[n] for n in code.co_freevars)
    function = types.FunctionType(code, func.__globals__, fdef.name, func.__defaults__,
                                  closure)
    function.__kwdefaults__ = func.__kwdefaults__
    function.__module__, function.__qualname__ = func.__module__, func.__qualname__
    function.__doc__ = func.__doc__
    function.__s2sad_module__ = module
    function.__s2sad_places__ = places  # errors point to the user's lines
    return function, module


def _extra(extras, entry, name, cell):
    """A fresh closure name bound to ``cell`` (the same name for the same cell)."""
    base, n = name, 0
    while name in entry.locals or (name in extras and extras[name] is not cell):
        n += 1
        name = "%s%d" % (base, n)
    extras[name] = cell
    return name


def _replace(tree, old, new):
    for node in astwalk.walk(tree):
        for field, value in gast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return

