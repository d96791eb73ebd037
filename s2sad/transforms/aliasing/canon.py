"""Phase A of the aliasing pass: in-place calls become explicit writes.

Input: a function's statements (gast, after desugaring), its namespace (free names ->
live objects), ``reject(node, construct, hint) -> exception``, ``bind(name, obj) ->
name``, ``runtime(name) -> name`` and a :class:`~s2sad.naming.Namer`.  Output
(:meth:`Canon.block`): the statements with ``f(a, out=y)``, ``np.copyto``, ``y.fill``,
``np.put``, ``np.add.at`` / ``np.subtract.at`` and ``ys.reverse()`` rewritten as writes
(see the package docstring), ``y.sort(...)`` marked ``alias_sort`` (rewritten by
:func:`sort_statements` once the analysis knows whether ``y`` is a list or an array),
and every other mutating call refused with a located error.
"""
import copy
import functools
import inspect
import itertools

import gast
import numpy as np

from ...syntax.annotations import getanno, setanno
from ..ops import is_among, resolve
from .catalog import METHOD_HINTS, MUTATING_FUNCS, MUTATING_METHODS, is_value_object
from .facts import names_of
from .syntax import (
    assignment, expressions, load, located, make_call, np_attr, quoted, store, unparse,
    whole_target,
)

SORTS = itertools.count(1)  # keys of the ``alias_sort`` marks, unique in the process


class Canon:
    """Rewrites in-place calls into writes (see the module docstring); refuses the
    mutating calls it cannot rewrite."""

    def __init__(self, fdef, namespace, reject, bind, runtime, namer):
        self.namespace, self.reject, self.bind, self.namer = namespace, reject, bind, namer
        self.runtime = runtime
        local, _, params = names_of(fdef)
        self.local = local | params

    def block(self, stmts):
        out = []
        for stmt in stmts:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list):
                    setattr(stmt, field, self.block(inner))
            out.extend(self.stmt(stmt))
        return out

    def np(self, attr):
        return np_attr(self.bind, attr)

    def stmt(self, s):
        call, target = None, None
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
            call = s.value
        elif (isinstance(s, gast.Assign) and len(s.targets) == 1
              and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)):
            call, target = s.value, s.targets[0].id
        new = self.rewrite(call, target, s) if call is not None else None
        for stmt in new or [s]:
            self.scan(stmt)
        return new or [s]

    def is_value(self, node):
        """True if ``node`` (a method's receiver) is a value, not a module or class."""
        root = node
        while isinstance(root, (gast.Attribute, gast.Subscript)):
            root = root.value
        if isinstance(root, gast.Name) and root.id in self.local:
            return True
        try:
            return is_value_object(resolve(node, self.namespace))
        except KeyError:
            return not isinstance(root, gast.Name)

    def receiver(self, call, s):
        base = call.func.value
        if not isinstance(base, gast.Name):
            raise self.reject(s, "%s() on %s" % (call.func.attr, unparse(base)),
                              "bind it to a name first")
        return base

    def rewrite(self, call, target, s):
        """The statements replacing ``s`` (``[target =] call``), or None."""
        func, kw = call.func, {k.arg: k.value for k in call.keywords}
        method = isinstance(func, gast.Attribute) and self.is_value(func.value)
        obj = None
        if not method:
            try:
                obj = resolve(func, self.namespace)
            except KeyError:
                return None
        outs = self.outputs(call, obj, method)
        result = gast.Constant(value=None, kind=None)
        if outs:
            pure = make_call(call.func, call.args[:len(call.args) - len(outs[1])],
                             [k for k in call.keywords if k.arg not in ("out", "where")])
            targets, value = outs[0], pure
            if "where" in kw:
                value = make_call(self.np("where"),
                                  [kw["where"], pure, copy.deepcopy(targets[0])])
            stores = [whole_target(t) for t in targets]
            new = [assignment(stores[0] if len(stores) == 1 else gast.Tuple(
                elts=stores, ctx=gast.Store()), value, s)]
            result = targets[0] if len(targets) == 1 else gast.Tuple(elts=targets,
                                                                    ctx=gast.Load())
        elif method:
            new = self.method(call, s, target is None)
            if new is None:
                return None
        else:
            new = self.function(call, obj, s)
            if new is None:
                return None
        if target is not None and not (method and func.attr == "pop"):
            new.append(assignment(store(target), copy.deepcopy(result), s))
        return new

    def outputs(self, call, obj, method):
        """``(out names, positional out nodes)`` of a call with ``out=``, or None."""
        kw = {k.arg: k.value for k in call.keywords}
        positional = []
        if isinstance(obj, np.ufunc) and len(call.args) > obj.nin:
            positional = call.args[obj.nin:]
        out = kw.get("out")
        if out is None and positional:
            out = positional[0] if len(positional) == 1 else gast.Tuple(elts=positional,
                                                                        ctx=gast.Load())
        if out is None and not method and (getattr(obj, "__module__", None) or "").startswith(
                "numpy") and not isinstance(obj, np.ufunc):
            try:
                bound = inspect.signature(obj).bind_partial(*call.args)
            except (TypeError, ValueError):
                bound = None
            if bound is not None and "out" in bound.arguments:
                return self.outputs_of(bound.arguments["out"], call, [bound.arguments["out"]])
        if out is None or (isinstance(out, gast.Constant) and out.value is None):
            return None
        if not method and obj is not None and not (
                isinstance(obj, np.ufunc) or (getattr(obj, "__module__", None) or "").startswith(
                    "numpy") or isinstance(getattr(obj, "__self__", None), np.ufunc)):
            return None  # a user function's own `out` parameter: see summaries
        return self.outputs_of(out, call, positional)

    def outputs_of(self, out, call, positional):
        elts = out.elts if isinstance(out, (gast.Tuple, gast.List)) else [out]
        if not elts or not all(isinstance(e, gast.Name) for e in elts):
            raise self.reject(call, "out=%s" % unparse(out),
                              "pass the output array by name: out=y (a slice of an array, "
                              "y[1:], is written with y[1:] = f(...))")
        return elts, positional

    def method(self, call, s, statement):
        attr, args, kw = call.func.attr, call.args, {k.arg: k.value for k in call.keywords}
        if attr not in ("fill", "sort", "put", "reverse", "pop"):
            return None
        y = self.receiver(call, s)
        if attr == "pop":
            if args or kw:
                raise self.reject(s, "%s.pop(...) with an argument" % y.id, METHOD_HINTS["pop"])
            if not statement:
                return None  # v = ys.pop(): ANF's own form
            return [assignment(store(self.namer.unique("popped")), call, s)]
        if attr == "fill" and len(args) == 1 and not kw:
            return [assignment(whole_target(y), args[0], s)]
        if attr == "put":
            return self.put(y, args, kw, s)
        if attr == "reverse" and not args and not kw:
            stmt = assignment(store(y.id), gast.Subscript(
                value=copy.deepcopy(y), slice=gast.Slice(
                    lower=None, upper=None, step=gast.Constant(value=-1, kind=None)),
                ctx=gast.Load()), s)
            setanno(stmt, "alias_rebind", y.id)
            return [stmt]
        if attr == "sort" and len(args) <= 1 and "order" not in kw and statement:
            stmt = gast.Expr(value=call)
            setanno(stmt, "alias_sort", next(SORTS))  # decided once its kind is known
            return [located(stmt, s)]
        raise self.reject(s, "%s.%s(...) used this way" % (y.id, attr),
                          "call it as a statement of its own")

    def put(self, y, args, kw, s):
        mode = kw.pop("mode", None)
        if len(args) != 2 or kw or (mode is not None and not (
                isinstance(mode, gast.Constant) and mode.value == "raise")):
            raise self.reject(s, "put(...) with these arguments",
                              "write y.flat-style indices with y[np.unravel_index(i, y.shape)]"
                              " = v")
        ind, v = (make_call(self.np("ravel"), [a]) for a in args)
        flat = make_call(load(self.runtime("setitem")), [make_call(self.np("ravel"), [
            copy.deepcopy(y)]), ind, v])
        value = make_call(self.np("reshape"),
                          [flat, make_call(self.np("shape"), [copy.deepcopy(y)])])
        return [assignment(whole_target(y), value, s)]

    def function(self, call, obj, s):
        args, kw = call.args, {k.arg: k.value for k in call.keywords}
        if obj is np.copyto and len(args) == 2 and set(kw) <= {"casting", "where"}:
            y, value = args[0], args[1]
            if not isinstance(y, gast.Name):
                raise self.reject(s, "np.copyto into %s" % unparse(y), "bind it to a name first")
            if "where" in kw:
                value = make_call(self.np("where"), [kw["where"], value, copy.deepcopy(y)])
            return [assignment(whole_target(y), value, s)]
        if obj is np.put and len(args) == 3 and isinstance(args[0], gast.Name):
            return self.put(args[0], args[1:], kw, s)
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, np.ufunc) and getattr(obj, "__name__", "") == "at":
            if owner not in (np.add, np.subtract) or len(args) != 3 or kw or not isinstance(
                    args[0], gast.Name):
                raise self.reject(s, "np.%s.at(...)" % owner.__name__,
                                  "only np.add.at(y, i, v) and np.subtract.at(y, i, v) are "
                                  "rewritten; accumulate with those")
            y, index, v = args
            if owner is np.subtract:
                v = gast.UnaryOp(op=gast.USub(), operand=v)
            value = make_call(load(self.runtime("added_at")), [copy.deepcopy(y), index, v])
            return [assignment(whole_target(y), value, s)]
        if obj is np.nan_to_num and "copy" in kw and not (
                isinstance(kw["copy"], gast.Constant) and kw["copy"].value):
            raise self.reject(s, "np.nan_to_num(..., copy=False)",
                              "write y[...] = np.nan_to_num(y)")
        return None

    def scan(self, stmt):
        """Refuse any mutating call left outside the forms ANF and this pass handle."""
        if getanno(stmt, "alias_sort"):
            return
        allowed = set()
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
            allowed.add(id(stmt.value))  # ys.append(v) / ys.extend(vs): checked below
        if isinstance(stmt, gast.Assign) and isinstance(stmt.value, gast.Call):
            allowed.add(id(stmt.value))  # v = ys.pop()
        for node in expressions(stmt):
            if not isinstance(node, gast.Call):
                continue
            func = node.func
            if isinstance(func, gast.Attribute) and self.is_value(func.value):
                self.scan_method(node, func, id(node) in allowed, stmt)
            else:
                try:
                    obj = resolve(func, self.namespace)
                except KeyError:
                    continue
                owner = getattr(obj, "__self__", None)
                unbound = getattr(obj, "__objclass__", None) in (np.ndarray, list, dict) and \
                    getattr(obj, "__name__", "") in MUTATING_METHODS  # np.ndarray.sort(y)
                if is_among(obj, MUTATING_FUNCS) or unbound:
                    raise self.reject(node, "`%s`, which writes into its argument in place"
                                      % unparse(node), "compute the new value and assign it "
                                      "(for example `y = np.where(mask, v, y)`)")
                if (obj is np.copyto or obj is np.put or self.outputs(node, obj, False)
                        or (isinstance(owner, np.ufunc) and obj.__name__ == "at")):
                    raise self.reject(node, "%s inside an expression" % unparse(node),
                                      "call it as a statement of its own")

    def scan_method(self, node, func, allowed, stmt):
        attr, base, kw = func.attr, func.value, {k.arg for k in node.keywords}
        if "out" in kw:
            raise self.reject(node, "%s inside an expression" % unparse(node),
                              "call it as a statement of its own")
        if attr not in MUTATING_METHODS and not (attr.startswith("__i") or attr in (
                "__setitem__", "__delitem__", "byteswap")):
            return
        local = isinstance(base, gast.Name) and base.id in self.local
        if allowed and local and attr in ("append", "extend") and len(node.args) == 1 \
                and not kw and isinstance(stmt, gast.Expr):
            return
        if allowed and local and attr == "pop" and not node.args and not kw:
            return
        if not local and attr in ("append", "extend", "pop", "fill", "sort", "put"):
            raise self.reject(node, "`%s.%s(...)`, which changes %s, a global (module-level "
                              "or closure) value or a part of one" % (
                                  unparse(base), attr, quoted(unparse(base))),
                              "a differentiated function must not change global state; work "
                              "on a local copy (`ys = list(%s)` or `y = %s.copy()`)"
                              % (unparse(base), unparse(base)))
        raise self.reject(node, "the in-place method %s.%s()" % (unparse(base), attr),
                          METHOD_HINTS.get(attr, "compute a new value and bind it to a name"))


def sort_statements(stmt, kind, reject, bind, namer):
    """The statements replacing ``y.sort(...)`` (``stmt``, marked ``alias_sort``) when ``y``
    has ``kind``: ``y = sorted(y)`` for a list, an argsort for an array."""
    call = stmt.value
    y, kw = call.func.value, {k.arg: k.value for k in call.keywords}
    if kind is not None and kind[0] == "list":
        if call.args or set(kw) - {"key", "reverse"}:
            raise reject(stmt, "%s.sort(...) with these arguments" % y.id, "")
        new = assignment(store(y.id), make_call(load("sorted"), [copy.deepcopy(y)],
                                                call.keywords), stmt)
        setanno(new, "alias_rebind", y.id)
        return [new]
    axis = call.args[0] if call.args else kw.get("axis", gast.Constant(value=-1, kind=None))
    if not (kind is not None and kind[0] in ("array", "numeric")) or (
            isinstance(axis, gast.Constant) and axis.value is None):
        raise reject(stmt, "%s.sort() on a value s2sad cannot prove is a NumPy array or a "
                     "list" % y.id, "create it with a NumPy function (`%s = np.array(...)`) "
                     "or as a list, so that s2sad knows which sort it is" % y.id)
    np_ = functools.partial(np_attr, bind)

    def argsort(a, ax):
        return make_call(np_("argsort"), [a], [gast.keyword(arg="axis", value=ax)])
    if kind[1] == 1 and isinstance(axis, gast.Constant) and axis.value in (0, -1):
        order = gast.Subscript(value=copy.deepcopy(y), slice=argsort(copy.deepcopy(y), axis),
                               ctx=gast.Load())
        return [assignment(whole_target(y), order, stmt)]
    moved, rows = namer.unique("moved"), namer.unique("rows")
    last = gast.Constant(value=-1, kind=None)

    def shape_of(name, i):
        return gast.Subscript(value=make_call(np_("shape"), [load(name)]),
                              slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
    first = assignment(store(moved), make_call(np_("moveaxis"), [
        copy.deepcopy(y), copy.deepcopy(axis), last]), stmt)
    flat = assignment(store(rows), make_call(np_("reshape"), [load(moved), gast.Tuple(
        elts=[gast.Constant(value=-1, kind=None), shape_of(moved, -1)], ctx=gast.Load())]),
        stmt)
    column = gast.Subscript(value=make_call(np_("arange"), [shape_of(rows, 0)]),
                            slice=gast.Tuple(elts=[
                                gast.Slice(lower=None, upper=None, step=None),
                                gast.Constant(value=None, kind=None)], ctx=gast.Load()),
                            ctx=gast.Load())
    picked = gast.Subscript(value=load(rows), slice=gast.Tuple(elts=[column, argsort(
        load(rows), gast.Constant(value=-1, kind=None))], ctx=gast.Load()), ctx=gast.Load())
    back = make_call(np_("moveaxis"), [make_call(np_("reshape"), [picked, make_call(
        np_("shape"), [load(moved)])]), gast.Constant(value=-1, kind=None),
        copy.deepcopy(axis)])
    return [first, flat, assignment(whole_target(y), back, stmt)]


def replace_sorts(stmts, sorts, rewrite):
    """Apply the sort decisions ``sorts`` (key -> kind) of a nested function's analysis to
    its own source, by ``rewrite(stmt, kind) -> statements``."""
    for i in range(len(stmts) - 1, -1, -1):
        stmt = stmts[i]
        for field in ("body", "orelse"):
            replace_sorts(getattr(stmt, field, None) or [], sorts, rewrite)
        key = getanno(stmt, "alias_sort")
        if key is not None and key in sorts:
            stmts[i:i + 1] = rewrite(stmt, sorts[key])
