"""In-place NumPy and aliasing, resolved before ANF.

Input: a fenced ``gast.FunctionDef`` after desugaring (``return`` only last, ``break``
only as the last ``if flag: break`` of a loop body, every ``for`` over a ``range``);
nested defs and lambdas are still as written.  Output: the same function, edited in
place, where ANF's functional reading of writes (``y = setitem(y, i, v)``,
``ys = append(ys, v)``, ``y = y + v``) is exact:

* in-place NumPy calls are explicit writes with NumPy's semantics::

    f(a, b, out=y)        -> y[...] = f(a, b)     (where=m: np.where(m, f(a, b), y))
    z = f(a, out=y)       -> y[...] = f(a); z = y
    np.copyto(y, x)       -> y[...] = x           y.fill(c)  -> y[...] = c
    y.sort(axis=k)        -> y[...] = (y sorted along k, by argsort and indexing)
    np.add.at(y, i, v)    -> y[...] = added_at(y, i, v)      (np.subtract.at: -v)
    np.put(y, i, v)       -> y[...] = reshape(setitem(ravel(y), ravel(i), ravel(v)))
    ys.sort() / ys.reverse() on a list -> ys = sorted(ys) / ys = ys[::-1]

  and no other mutating call is left anywhere (a located error instead);
* after each write (``y[i] = v``, ``y[i] += v``, ``y += v`` on an array or list,
  ``ys.append(v)``, ``ys.extend(vs)``, ``v = ys.pop()``, the forms above), every other
  name that may see the written memory and is read later holds what NumPy would give
  it: a name bound to the same object (``z = y``, neither rebound since) is rebound
  (``z = y``), and a view ``v = y[1:]`` (basic index with a slice, of a provable
  ndarray, index names unchanged) is written back into its base (``y[1:] = v``) or
  taken again from it (``v = y[1:]``); an element ``a = ys[i]`` of a list, dict or array
  is written back (``ys[i] = a``).  Any other such name is a located
  ``UnsupportedSyntaxError`` naming both names and the line of the alias;
* where s2sad cannot tell at compile time whether a write happens in place (``y += v``
  and ``ys[i] += v`` when ``y``/``ys[i]`` may be a number or an array; a call of a
  function that writes into its parameter, with an argument that may be a number), the
  code tests it when it runs (``in_place = isinstance(y, (np.ndarray, list, dict))``):
  the modelling statements run under ``if in_place:``, and what cannot be modelled
  raises the located error there (``raise aliasing_error``);
* nothing writes into a global or closure value (or ``self``), and no call of the
  user's functions writes into an argument that anything may read again (callees are
  summarised from their source: which parameters they write into, which they return).

Model: a flow-sensitive points-to analysis over the structured AST (fixed points over
loop bodies).  Abstract objects are allocation sites (recency: the newest object of a
site apart from older ones), parameters, globals, the elements of those, and enclosing
variables (nested defs); a value is a set of (object, exact) tokens, ``exact=False``
meaning a view, element or other part.  Must-alias classes (``z = y``) and view facts
are intersected at joins; the desugared exit flags (``returned``, ``broke``, ``skip``)
are followed path by path; liveness is computed on the same AST.  Writes the analysis
finds are modelled (statements inserted after them, found again until nothing changes),
refused, or guarded as above; the inserted statements are ordinary assignments ANF reads.

Not modelled: two arguments aliasing each other at run time; arrays of dtype object;
calls of function values s2sad cannot read (a parameter holding a function; assumed not
to write into their arguments).  Aliases inside nested defs are refused, not modelled.
"""
import ast
import copy
import functools
import inspect
import itertools
import numbers
import operator
import types

import gast
import numpy as np

from .. import rules, runtime as runtime_module
from ..annotations import getanno, setanno
from ..naming import Namer
from ..parsing import local_names, parse_function
from .calls import callee
from .desugar import ExitLowering, normalize_loops, walk as shallow_walk
from .ops import is_among, is_record_type, resolve


def _np(names):
    out = [getattr(np, n, None) for n in names.split()]
    return [o for o in out if o is not None]


_VIEW_FUNCS = _np("reshape ravel transpose swapaxes moveaxis rollaxis squeeze expand_dims "
                  "atleast_1d atleast_2d atleast_3d broadcast_to diagonal diag real imag asarray "
                  "asanyarray ascontiguousarray asfortranarray require flip fliplr flipud rot90 "
                  "einsum trim_zeros matrix_transpose permute_dims split array_split hsplit "
                  "vsplit dsplit broadcast_arrays meshgrid unstack") + [
    np.lib.stride_tricks.as_strided, np.lib.stride_tricks.sliding_window_view,
    runtime_module.as_sequence]
_FRESH_FUNCS = _np("zeros ones empty full zeros_like ones_like empty_like full_like arange "
                   "linspace logspace eye identity array copy concatenate stack vstack hstack "
                   "dstack column_stack block sort argsort unique tile repeat pad diff cumsum "
                   "cumprod convolve correlate kron cross trace tensordot inner outer dot vdot "
                   "where select choose take compress clip sum mean prod max min amax amin std "
                   "var median percentile quantile average argmax argmin nonzero flatnonzero "
                   "count_nonzero searchsorted digitize histogram bincount roll triu tril interp "
                   "round around nan_to_num")
_MUTATING_FUNCS = _np("place putmask fill_diagonal put_along_axis") + [
    np.random.shuffle, setattr, delattr, operator.setitem, operator.delitem, operator.iadd,
    operator.isub, operator.imul, operator.itruediv, operator.ifloordiv, operator.imod,
    operator.ipow, operator.imatmul, operator.iconcat]
_VIEW_METHODS = {"reshape", "ravel", "view", "squeeze", "transpose", "swapaxes", "diagonal",
                 "__array__", "keys", "values", "items", "get", "__getitem__"}
_FRESH_METHODS = {"copy", "flatten", "sum", "mean", "prod", "max", "min", "std", "var",
                  "cumsum", "cumprod", "dot", "round", "clip", "astype", "tolist", "argsort",
                  "argmax", "argmin", "nonzero", "all", "any", "conj", "conjugate", "trace",
                  "repeat", "take", "compress", "searchsorted", "ptp", "item", "count", "index"}
_VIEW_ATTRS = {"T", "mT", "real", "imag", "flat", "base"}
_SCALAR_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
_MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
                     "setdefault", "sort", "reverse", "fill", "put", "itemset", "resize",
                     "popitem", "add", "discard", "partition", "shuffle", "setfield"}
_METHOD_HINTS = {
    "insert": "build a new list: ys = ys[:i] + [v] + ys[i:]",
    "remove": "build a new list without the item", "clear": "bind a new empty list",
    "update": "build a new dict: d = {**d, **other}", "setdefault": "read with d.get",
    "popitem": "read the item, then build a new dict", "pop": "read ys[i], then "
    "ys = ys[:i] + ys[i + 1:] (only v = ys.pop() is rewritten for you)",
    "resize": "build a new array with np.resize", "itemset": "write y[i] = v",
}
_CONTAINERS = {list: "list", tuple: "tuple", sorted: "list", dict: "dict", zip: "list",
               enumerate: "list", reversed: "list"}
_SCALAR_BUILTINS = {len, int, float, bool, str, repr, isinstance, issubclass, callable,
                    hasattr, hash, id, print, range, type, complex}


# --- abstract values ---------------------------------------------------------------
# A kind is None (unknown) or (category, ndim); categories: "int" and "scalar" (immutable,
# no tokens), "array" (an ndarray), "numeric" (a number or an ndarray), "list", "tuple",
# "dict".  A value is (tokens, kind), a token (object, exact).

class Val(tuple):
    __slots__ = ()

    def __new__(cls, tokens=frozenset(), kind=None):
        return tuple.__new__(cls, (frozenset(tokens), kind))

    tokens = property(lambda self: self[0])
    kind = property(lambda self: self[1])


INT, SCALAR = Val((), ("int", 0)), Val((), ("scalar", 0))
_NUMERIC = ("int", "scalar", "array", "numeric")


def kjoin(a, b):
    if a is None or b is None:
        return None
    if a == b:
        return a
    cats, ndim = {a[0], b[0]}, a[1] if a[1] == b[1] else None
    if cats <= {"int", "scalar"}:
        return ("scalar", ndim)
    if cats <= set(_NUMERIC):
        return ("numeric", ndim)
    return None


def is_ndarray(kind):
    return kind is not None and (kind[0] == "array" or (
        kind[0] == "numeric" and kind[1] is not None and kind[1] >= 1))


def _elem(obj):
    return obj if obj[0] == "elem" else ("elem", obj)


def _root(obj):
    return obj[1] if obj[0] == "elem" else obj


class State:
    """Bindings (name -> Val), container contents, object kinds, must-alias classes,
    view facts (name -> (base, index node, index names)) and binding statements."""
    __slots__ = ("env", "contents", "kinds", "same", "views", "origin")

    def __init__(self, *parts):
        parts = parts or ({}, {}, {}, {}, {}, {})
        self.env, self.contents, self.kinds, self.same, self.views, self.origin = (
            dict(p) for p in parts)

    def copy(self):
        return State(self.env, self.contents, self.kinds, self.same, self.views, self.origin)

    def key(self):
        return (self.env, self.contents, self.kinds, self.same, self.views, self.origin)

    def join(self, other):
        out = State()
        for name in self.env.keys() | other.env.keys():
            a, b = self.env.get(name), other.env.get(name)
            out.env[name] = a if b is None else b if a is None else Val(
                a.tokens | b.tokens, kjoin(a.kind, b.kind))
        for obj in self.contents.keys() | other.contents.keys():
            out.contents[obj] = self.contents.get(obj, frozenset()) | other.contents.get(
                obj, frozenset())
        for obj in self.kinds.keys() | other.kinds.keys():
            a, b = self.kinds.get(obj, "-"), other.kinds.get(obj, "-")
            out.kinds[obj] = a if b == "-" else b if a == "-" else kjoin(a, b)
        for name in self.same.keys() | other.same.keys():
            group = self.same.get(name, {name}) & other.same.get(name, {name})
            if len(group) > 1:
                out.same[name] = group
        out.views = {n: f for n, f in self.views.items() if other.views.get(n) == f}
        for name in self.origin.keys() | other.origin.keys():
            out.origin[name] = self.origin.get(name, frozenset()) | other.origin.get(
                name, frozenset())
        return out

    def kill(self, name):
        """``name`` is rebound: it leaves its alias class; facts about it end."""
        group = self.same.pop(name, None)
        if group:
            rest = group - {name}
            for member in rest:
                if len(rest) > 1:
                    self.same[member] = rest
                else:
                    self.same.pop(member, None)
        self.views = {n: f for n, f in self.views.items()
                      if n != name and f[0] != name and name not in f[2]}


class Site:
    """A write into the object(s) ``name`` refers to, at statement ``stmt``."""

    def __init__(self, stmt, kind, name, depth=1, info=None):
        self.stmt, self.kind, self.name, self.depth, self.info = stmt, kind, name, depth, info
        self.before = self.after = self.block = None
        self.observed = set()


class Summary:
    """What calling a function does to its arguments: the parameters it may write into
    (with the node doing it), those and the external objects it may return."""

    def __init__(self, params, mutated=None, returns=(), objects=(), kind=None,
                 top=False, encl=()):
        self.params, self.mutated = list(params), dict(mutated or {})
        self.returns, self.objects, self.kind = set(returns), set(objects), kind
        self.top, self.encl, self.used = top, set(encl), False
        self.provisional, self.items = False, set()
        self.written_outer = set()  # enclosing variables a nested def writes into
        self.function = None  # what calling the function a factory returns does
        self.captures = set()  # parameters whose objects that function reads later

    @classmethod
    def everything(cls, params, node=None):
        return cls(params, {p: node for p in params}, params, [("any",)], top=True)

    def same_as(self, other):
        return (set(self.mutated), self.returns, self.objects, self.top, self.captures) == (
            set(other.mutated), other.returns, other.objects, other.top, other.captures)


class Shared:
    """State shared by the analyses of one compilation (callee summaries, global labels)."""

    def __init__(self, reject, lineno):
        self.reject, self.lineno = reject, lineno or (lambda node: getattr(node, "lineno", None))
        self.summaries, self.stack, self.labels, self.sorts, self.cyclic = {}, [], {}, {}, set()

    @classmethod
    def child(cls, parent, lineno):
        """For a callee's analysis: its own lines, errors never raised to the user."""
        child = cls(lambda *args: _Refused(), lineno)
        child.summaries, child.stack, child.labels, child.sorts, child.cyclic = (
            parent.summaries, parent.stack, parent.labels, parent.sorts, parent.cyclic)
        return child


def param_kinds(params, scalars=(), ndims=()):
    """Parameter kinds from the compiler's call-time facts: Python numbers at positions
    ``scalars``, ndarrays of ``ndim`` at the ``(position, ndim)`` pairs of ``ndims``."""
    known = range(-len(params), len(params))
    kinds = {params[i]: "number" for i in scalars if i in known}
    kinds.update({params[i]: ("array", n) for i, n in ndims if i in known})
    return kinds


# --- phase A: in-place calls as explicit writes --------------------------------------

def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def _call(func, args, keywords=()):
    return gast.Call(func=func, args=list(args), keywords=list(keywords))


def _everything(node):
    """``node[...]`` as a store target."""
    return gast.Subscript(value=copy.deepcopy(node), slice=gast.Constant(value=Ellipsis,
                                                                         kind=None),
                          ctx=gast.Store())


def _assign(target, value, origin):
    stmt = gast.Assign(targets=[target], value=value, type_comment=None)
    return _located(stmt, origin)


def _located(stmt, origin):
    for node in gast.walk(stmt):
        if isinstance(node, (gast.stmt, gast.expr)):
            gast.copy_location(node, origin)
    setanno(stmt, "origin", getanno(origin, "origin") or origin)
    return stmt


class Canon:
    """Rewrites in-place calls into writes (see the module docstring); refuses the
    mutating calls it cannot rewrite."""

    def __init__(self, fdef, namespace, reject, bind, runtime, namer):
        self.namespace, self.reject, self.bind, self.namer = namespace, reject, bind, namer
        self.runtime = runtime
        self.local = local_names(fdef) | {a.id for n in gast.walk(fdef)
                                          if isinstance(n, (gast.FunctionDef, gast.Lambda))
                                          for a in n.args.args + n.args.kwonlyargs}

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
        return gast.Attribute(value=_load(self.bind("np", np)), attr=attr, ctx=gast.Load())

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
            return _is_value(resolve(node, self.namespace))
        except KeyError:
            return not isinstance(root, gast.Name)

    def receiver(self, call, s):
        base = call.func.value
        if not isinstance(base, gast.Name):
            raise self.reject(s, "%s() on %s" % (call.func.attr, _text(base)),
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
            pure = _call(call.func, call.args[:len(call.args) - len(outs[1])],
                         [k for k in call.keywords if k.arg not in ("out", "where")])
            targets, value = outs[0], pure
            if "where" in kw:
                value = _call(self.np("where"), [kw["where"], pure, copy.deepcopy(targets[0])])
            stores = [_everything(t) for t in targets]
            new = [_assign(stores[0] if len(stores) == 1 else gast.Tuple(
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
            new.append(_assign(_store(target), copy.deepcopy(result), s))
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
            raise self.reject(call, "out=%s" % _text(out),
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
                raise self.reject(s, "%s.pop(...) with an argument" % y.id, _METHOD_HINTS["pop"])
            if not statement:
                return None  # v = ys.pop(): ANF's own form
            return [_assign(_store(self.namer.unique("popped")), call, s)]
        if attr == "fill" and len(args) == 1 and not kw:
            return [_assign(_everything(y), args[0], s)]
        if attr == "put":
            return self.put(y, args, kw, s)
        if attr == "reverse" and not args and not kw:
            stmt = _assign(_store(y.id), gast.Subscript(value=copy.deepcopy(y), slice=gast.Slice(
                lower=None, upper=None, step=gast.Constant(value=-1, kind=None)),
                ctx=gast.Load()), s)
            setanno(stmt, "alias_rebind", y.id)
            return [stmt]
        if attr == "sort" and len(args) <= 1 and "order" not in kw and statement:
            stmt = gast.Expr(value=call)
            setanno(stmt, "alias_sort", next(_SORTS))  # decided once its kind is known
            return [_located(stmt, s)]
        raise self.reject(s, "%s.%s(...) used this way" % (y.id, attr),
                          "call it as a statement of its own")

    def put(self, y, args, kw, s):
        mode = kw.pop("mode", None)
        if len(args) != 2 or kw or (mode is not None and not (
                isinstance(mode, gast.Constant) and mode.value == "raise")):
            raise self.reject(s, "put(...) with these arguments",
                              "write y.flat-style indices with y[np.unravel_index(i, y.shape)]"
                              " = v")
        ind, v = (_call(self.np("ravel"), [a]) for a in args)
        flat = _call(_load(self.runtime("setitem")), [_call(self.np("ravel"), [
            copy.deepcopy(y)]), ind, v])
        value = _call(self.np("reshape"), [flat, _call(self.np("shape"), [copy.deepcopy(y)])])
        return [_assign(_everything(y), value, s)]

    def function(self, call, obj, s):
        args, kw = call.args, {k.arg: k.value for k in call.keywords}
        if obj is np.copyto and len(args) == 2 and set(kw) <= {"casting", "where"}:
            y, value = args[0], args[1]
            if not isinstance(y, gast.Name):
                raise self.reject(s, "np.copyto into %s" % _text(y), "bind it to a name first")
            if "where" in kw:
                value = _call(self.np("where"), [kw["where"], value, copy.deepcopy(y)])
            return [_assign(_everything(y), value, s)]
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
            value = _call(_load(self.runtime("added_at")), [copy.deepcopy(y), index, v])
            return [_assign(_everything(y), value, s)]
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
        for node in _expressions(stmt):
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
                    getattr(obj, "__name__", "") in _MUTATING_METHODS  # np.ndarray.sort(y)
                if is_among(obj, _MUTATING_FUNCS) or unbound:
                    raise self.reject(node, "`%s`, which writes into its argument in place"
                                      % _text(node), "compute the new value and assign it "
                                      "(for example `y = np.where(mask, v, y)`)")
                if (obj is np.copyto or obj is np.put or self.outputs(node, obj, False)
                        or (isinstance(owner, np.ufunc) and obj.__name__ == "at")):
                    raise self.reject(node, "%s inside an expression" % _text(node),
                                      "call it as a statement of its own")

    def scan_method(self, node, func, allowed, stmt):
        attr, base, kw = func.attr, func.value, {k.arg for k in node.keywords}
        if "out" in kw:
            raise self.reject(node, "%s inside an expression" % _text(node),
                              "call it as a statement of its own")
        if attr not in _MUTATING_METHODS and not (attr.startswith("__i") or attr in (
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
                              "or closure) value or a part of one" % (_text(base), attr, _q(
                                  _text(base))), "a differentiated function must not change "
                              "global state; work on a local copy (`ys = list(%s)` or `y = "
                              "%s.copy()`)" % (_text(base), _text(base)))
        raise self.reject(node, "the in-place method %s.%s()" % (_text(base), attr),
                          _METHOD_HINTS.get(attr, "compute a new value and bind it to a name"))


def _is_value(obj):
    """A global whose methods act on it (an array, a list, an object), not a namespace
    of functions (a module, a class, a ufunc)."""
    return isinstance(obj, (np.ndarray, list, dict, tuple)) or not (
        callable(obj) or isinstance(obj, types.ModuleType))


def _expressions(stmt):
    """The nodes of ``stmt`` outside the statements nested in it (scanned on their own)."""
    todo = [c for c in gast.iter_child_nodes(stmt) if not isinstance(c, gast.stmt)]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(gast.iter_child_nodes(node))


_SORTS = itertools.count(1)


def _text(node):
    return ast.unparse(gast.gast_to_ast(node)).split("\n")[0]


# --- the analysis ----------------------------------------------------------------------

def _index_parts(idx):
    return idx.elts if isinstance(idx, gast.Tuple) else [idx]


class Analysis:
    """Points-to analysis of one function.  ``mode``: "main" (the differentiated
    function; writes are modelled), "check" (a nested def of it; aliases refused),
    "summary" (a callee; what it writes into and may return)."""

    def __init__(self, shared, fdef, namespace, mode, kinds=None, outer=frozenset(),
                 lineno=None, runtime=None, bind=None, namer=None):
        self.shared, self.fdef, self.namespace, self.mode = shared, fdef, namespace, mode
        self.lineno = lineno or shared.lineno
        self.runtime, self.bind_name, self.namer = runtime, bind, namer
        args = fdef.args
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + [
            a.id for a in (args.vararg, args.kwarg) if a is not None]
        self.locals = local_names(fdef) | {n.name for n in shallow_walk(fdef) if isinstance(
            n, gast.FunctionDef) and n is not fdef}
        self.outer = frozenset(outer) - self.locals
        self.kinds = kinds or {}
        self.sites, self.fixes, self.nested, self.partials, self.inner = {}, {}, {}, {}, {}
        self.recording, self.pending = False, []
        self.ret_reach, self.ret_kind, self.written = set(), "-", []
        self.ret_functions, self.captured, self.functions, self.made = [], set(), {}, {}
        self.flags = _exit_flags(fdef)
        self.exits, self.loops = [], []
        self.loads = {}
        for node in gast.walk(fdef):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                self.loads[node.id] = self.loads.get(node.id, 0) + 1

    # --- objects ---

    def external(self, obj):
        obj = _root(obj)
        return obj[0] in ("global", "any") or (
            self.mode == "main" and obj == ("param", "self") and self.params[:1] == ["self"])

    def kind_of(self, obj, st):
        if obj in st.kinds:
            return st.kinds[obj]
        if obj[0] == "global":
            return self.shared.labels[obj][1]
        if obj[0] == "param":
            kind = self.kinds.get(obj[1])
            return ("scalar", 0) if kind == "number" else kind
        return None

    def contents_of(self, obj, st):
        if obj in st.contents:
            return st.contents[obj]
        kind = self.kind_of(obj, st)
        if kind is not None and kind[0] in _NUMERIC:
            return frozenset()  # an array of numbers holds no objects
        if obj[0] in ("param", "encl", "global", "elem", "any"):
            return frozenset({(_elem(obj), True)})
        return frozenset()

    def add_contents(self, val, tokens, st):
        for obj, _ in val.tokens:
            kind = self.kind_of(obj, st)
            if tokens and not (kind is not None and kind[0] in _NUMERIC):  # arrays copy
                st.contents[obj] = self.contents_of(obj, st) | frozenset(tokens)

    def reach(self, tokens, st):
        seen, todo = set(), [o for o, _ in tokens]
        while todo:
            obj = todo.pop()
            if obj not in seen:
                seen.add(obj)
                todo.extend(o for o, _ in self.contents_of(obj, st))
        return seen

    def alloc(self, node, st, kind, contents=()):
        if kind is not None and kind[0] in ("int", "scalar"):
            return Val((), kind)
        new, old = ("new", id(node)), ("old", id(node))
        if new in st.kinds:  # recency: the previous object of this site becomes "old"
            def sub(toks):
                return frozenset(((old if o == new else o), x) for o, x in toks)
            for name, val in list(st.env.items()):
                if any(o == new for o, _ in val.tokens):
                    st.env[name] = Val(sub(val.tokens), val.kind)
            contents = sub(contents)
            for obj in list(st.contents):
                items = sub(st.contents.pop(obj))
                key = old if obj == new else obj
                st.contents[key] = st.contents.get(key, frozenset()) | items
            prev = st.kinds.pop(new)
            st.kinds[old] = kjoin(st.kinds[old], prev) if old in st.kinds else prev
        st.kinds[new] = kind
        st.contents[new] = frozenset(contents)
        return Val({(new, True)}, kind)

    def global_val(self, obj, label):
        if isinstance(obj, numbers.Number) or obj is None or isinstance(obj, (str, bytes)):
            return SCALAR
        if isinstance(obj, tuple) and all(isinstance(v, (numbers.Number, str)) for v in obj):
            return Val((), ("tuple", None))
        if isinstance(obj, (types.ModuleType, type, np.ufunc, np.dtype, np.generic)) or (
                callable(obj) and not isinstance(obj, (np.ndarray, list, dict, tuple))):
            return Val()
        key = ("global", id(obj))
        if key not in self.shared.labels:
            kind = ("array", obj.ndim) if isinstance(obj, np.ndarray) else _CONTAINERS.get(
                type(obj))
            self.shared.labels[key] = (label, kind if kind is None or isinstance(kind, tuple)
                                       else (kind, None), obj)
        return Val({(key, True)}, self.shared.labels[key][1])

    # --- expressions ---

    def ev(self, e, st):
        method = getattr(self, "ev_" + type(e).__name__, None)
        if method is not None:
            return method(e, st)
        for child in gast.iter_child_nodes(e):
            if isinstance(child, gast.expr) and not isinstance(e, gast.Lambda):
                self.ev(child, st)
        return Val()

    def ev_Constant(self, e, st):
        value = e.value
        if isinstance(value, bool) or isinstance(value, (float, complex)):
            return SCALAR
        return INT if isinstance(value, int) else Val((), ("none", 0))

    def ev_Name(self, e, st):
        if e.id in self.locals:
            return st.env.get(e.id, Val())
        if e.id in self.outer:
            return Val({(("encl", e.id), True)})
        try:
            return self.global_val(resolve(e, self.namespace), e.id)
        except KeyError:
            return Val()

    def free_chain(self, e):
        root = e
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id not in self.locals \
            and root.id not in self.outer

    def ev_Attribute(self, e, st):
        if self.free_chain(e):
            try:
                return self.global_val(resolve(e, self.namespace), _text(e))
            except KeyError:
                return Val()
        base = self.ev(e.value, st)
        if e.attr in _SCALAR_ATTRS:
            return SCALAR
        if e.attr in _VIEW_ATTRS:
            return self.view(e, base, st, base.kind[1] if base.kind else None)
        return self.element(base, st)

    def view(self, node, val, st, ndim=None):
        """A value that may be (a view of) ``val``'s memory."""
        kind = val.kind
        kind = ("array" if is_ndarray(kind) else "numeric", ndim) if kind and kind[0] in \
            _NUMERIC else None
        if not val.tokens:  # a view of a number is a new array
            return self.alloc(node, st, kind or ("numeric", ndim))
        return Val({(o, False) for o, _ in val.tokens}, kind)

    def element(self, val, st, sliced=False):
        """An element (or slice) read from ``val``."""
        tokens, kind = set(), "-"
        for obj, exact in val.tokens:
            k = self.kind_of(obj, st)
            if k is not None and k[0] in ("array", "numeric"):
                tokens.add((obj, False))
                kind = kjoin(kind, ("numeric", None)) if kind != "-" else ("numeric", None)
                continue
            if k is not None and k[0] in ("list", "tuple", "dict") and not sliced:
                items = self.contents_of(obj, st)
                tokens |= items
                for o, x in items:
                    ok = self.kind_of(o, st) if x else None
                    kind = ok if kind == "-" else kjoin(kind, ok)
                if exact:
                    continue
            tokens |= {(obj, False)} | (set() if sliced else set(self.contents_of(obj, st)))
            kind = None
        return Val(tokens, None if kind == "-" else kind)

    def ev_Subscript(self, e, st):
        base = self.ev(e.value, st)
        parts = _index_parts(e.slice)
        vals = [self.ev(p, st) for p in parts]
        kind = base.kind
        if is_ndarray(kind) and kind[1] == len(parts) and all(
                v.kind and v.kind[0] in ("int", "scalar") for v in vals):
            return SCALAR
        sliced = any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and p.value in (
            None, Ellipsis)) for p in parts)
        if sliced and kind is not None and kind[0] == "numeric" and base.tokens:
            kind = ("array", kind[1])  # only an ndarray takes a slice: refine what we know
            base = Val(base.tokens, kind)
            if isinstance(e.value, gast.Name) and e.value.id in st.env:
                st.env[e.value.id] = base
            for obj, exact in base.tokens:
                if exact:
                    st.kinds[obj] = kind
        item = self.element(base, st, sliced)
        if is_ndarray(kind) and (sliced or (kind[1] or 0) > len(parts)):
            return Val(item.tokens, ("array", None))  # a view: an ndarray
        return item

    def ev_Slice(self, e, st):
        for part in (e.lower, e.upper, e.step):
            if part is not None:
                self.ev(part, st)
        return Val((), ("slice", 0))

    def ev_BinOp(self, e, st):
        return self.binop(e, self.ev(e.left, st), self.ev(e.right, st), e.op, st)

    def binop(self, node, left, right, op, st):
        kl, kr = left.kind, right.kind
        cats = {k[0] if k else None for k in (kl, kr)}
        if cats <= {"int", "scalar"}:
            return INT if cats == {"int"} and not isinstance(op, (gast.Div, gast.Pow)) else SCALAR
        items = frozenset().union(*[self.contents_of(o, st) for o, _ in
                                    left.tokens | right.tokens])
        if cats & {"list", "tuple"}:
            return self.alloc(node, st, ("list" if "list" in cats else "tuple", None), items)
        if None in cats and isinstance(op, (gast.Add, gast.Mult)) and not (cats & {
                "scalar", "array", "numeric"}):
            return self.alloc(node, st, None, items)  # may be list concatenation
        ndims = [k[1] if k else None for k in (kl, kr)]
        ndim = None if None in ndims or isinstance(op, gast.MatMult) else max(ndims)
        return self.alloc(node, st, ("array" if is_ndarray(kl) or is_ndarray(kr) else "numeric",
                                     ndim))

    def ev_UnaryOp(self, e, st):
        val = self.ev(e.operand, st)
        if isinstance(e.op, gast.Not):
            return SCALAR
        if not val.tokens and val.kind and val.kind[0] in ("int", "scalar"):
            return val
        return self.alloc(e, st, ("numeric", val.kind[1] if val.kind else None))

    def ev_Compare(self, e, st):
        vals = [self.ev(x, st) for x in [e.left] + e.comparators]
        if any(isinstance(op, (gast.In, gast.NotIn, gast.Is, gast.IsNot)) for op in e.ops) \
                or all(v.kind and v.kind[0] in ("int", "scalar") for v in vals):
            return SCALAR
        return self.alloc(e, st, ("numeric", None))

    def union(self, vals):
        vals = list(vals)
        kind = vals[0].kind if vals else None
        for v in vals[1:]:
            kind = kjoin(kind, v.kind)
        return Val(frozenset().union(*[v.tokens for v in vals]), kind)

    def ev_BoolOp(self, e, st):
        return self.union(self.ev(v, st) for v in e.values)

    def ev_IfExp(self, e, st):
        self.ev(e.test, st)
        return self.union([self.ev(e.body, st), self.ev(e.orelse, st)])

    def items(self, elts, st):
        out = []
        for elt in elts:
            if isinstance(elt, gast.Starred):
                out.append(self.element(self.ev(elt.value, st), st))
            else:
                out.append(self.ev(elt, st))
        return out

    def ev_Tuple(self, e, st):
        vals = self.items(e.elts, st)
        tokens = frozenset().union(*[v.tokens for v in vals]) if vals else frozenset()
        cat = "tuple" if isinstance(e, gast.Tuple) else "list"
        if cat == "tuple" and not tokens:
            return Val((), ("tuple", None))
        return self.alloc(e, st, (cat, None), tokens)

    ev_List = ev_Tuple

    def ev_Dict(self, e, st):
        vals = [self.ev(k, st) for k in e.keys if k is not None] + [
            self.element(self.ev(v, st), st) if k is None else self.ev(v, st)
            for k, v in zip(e.keys, e.values)]
        return self.alloc(e, st, ("dict", None), frozenset().union(*[v.tokens for v in vals]))

    def ev_ListComp(self, e, st):
        saved = {}
        for gen in e.generators:
            item = self.element(self.ev(gen.iter, st), st)
            for node in gast.walk(gen.target):
                if isinstance(node, gast.Name):
                    saved.setdefault(node.id, st.env.get(node.id))
                    st.kill(node.id)
                    st.env[node.id] = Val(item.tokens | self.element(item, st).tokens)
            for cond in gen.ifs:
                self.ev(cond, st)
        elt = self.ev(e.elt, st)
        for name, val in saved.items():
            st.kill(name)
            if val is None:
                st.env.pop(name, None)
            else:
                st.env[name] = val
        return self.alloc(e, st, ("list", None), elt.tokens)

    ev_GeneratorExp = ev_ListComp

    def ev_Lambda(self, e, st):
        return Val()

    def conservative(self, node, vals, st, external=False):
        """A call s2sad cannot see into: its result may alias any argument."""
        tokens = {(o, False) for o in self.reach(self.union(vals).tokens if vals else (), st)}
        if external:
            tokens.add((("any",), True))
        fresh = self.alloc(node, st, None, tokens)
        return Val(fresh.tokens | tokens)

    # --- calls ---

    def ev_Call(self, e, st):
        args = self.items(e.args, st)
        kws = {k.arg: self.ev(k.value, st) if k.arg else self.element(self.ev(k.value, st), st)
               for k in e.keywords}
        func = e.func
        if isinstance(func, gast.Name) and (func.id in self.locals or func.id in self.outer):
            return self.call_local(e, func.id, args, kws, st)
        if isinstance(func, gast.Call):  # make_step(a)(x)
            self.ev(func, st)
            if id(func) in self.made:
                return self.apply(e, self.made[id(func)], args, kws, st)
            return self.conservative(e, args + list(kws.values()), st, external=True)
        if isinstance(func, gast.Attribute) and not self.free_chain(func):
            return self.method(e, self.ev(func.value, st), func.attr, args, kws, st)
        try:
            obj = resolve(func, self.namespace)
        except KeyError:
            return self.conservative(e, args + list(kws.values()), st, external=True)
        if isinstance(func, gast.Attribute):
            owner = resolve(func.value, self.namespace)
            if _is_value(owner):  # a method of a global value
                base = self.global_val(owner, _text(func.value))
                found = callee(obj)
                if found is None or rules.lookup_adjoint(obj) is not None:
                    return self.method(e, base, func.attr, args, kws, st)
                return self.apply(e, self.summary_of(found[0]), [base] + args, kws, st, 1)
        return self.call_object(e, obj, args, kws, st)

    def call_local(self, e, name, args, kws, st):
        if name in self.partials:
            target, fixed, fixed_kws = self.partials[name]
            if isinstance(target, gast.Name) and target.id in self.nested:
                return self.apply(e, self.nested_summary(target.id), fixed + args,
                                  dict(fixed_kws, **kws), st, len(fixed))
            try:
                obj = resolve(target, self.namespace)
            except KeyError:
                return self.conservative(e, fixed + args, st, external=True)
            found = callee(obj)
            if found is not None and rules.lookup_adjoint(obj) is None:
                return self.apply(e, self.summary_of(found[0]), fixed + args,
                                  dict(fixed_kws, **kws), st, len(fixed))
            return self.call_object(e, obj, fixed + args, kws, st)
        if name in self.nested:
            return self.apply(e, self.nested_summary(name), args, kws, st)
        if name in self.functions:  # a function a factory returned
            return self.apply(e, self.functions[name], args, kws, st)
        return self.conservative(e, args + list(kws.values()), st, external=True)

    def call_object(self, e, obj, args, kws, st):
        vals = args + list(kws.values())
        immutable = all(not v.tokens and v.kind and v.kind[0] in ("int", "scalar") for v in vals)
        module = (getattr(obj, "__module__", None) or "").split(".")
        owner = getattr(obj, "__self__", None)
        if getattr(obj, "__s2sad_transform__", None) is not None:
            return self.conservative(e, vals, st)
        if isinstance(obj, np.ufunc) or isinstance(owner, np.ufunc):
            ndims = [v.kind[1] if v.kind else None for v in args]
            if immutable:
                return SCALAR
            return self.alloc(e, st, ("numeric", None if None in ndims or not ndims or
                                      isinstance(owner, np.ufunc) else max(ndims)))
        if obj is runtime_module.as_sequence and len(args) == 1:
            return args[0]  # a loop over an array, list or tuple reads it, not a copy
        if is_among(obj, _VIEW_FUNCS):
            ndim = 1 if obj is np.ravel else None
            if obj is np.reshape and len(e.args) > 1 and isinstance(e.args[1], gast.Tuple):
                ndim = len(e.args[1].elts)
            return self.view(e, self.union(args) if args else Val(), st, ndim)
        if is_among(obj, (np.array, np.copy)):
            if "copy" in kws:  # np.array(x, copy=False) may be x itself
                return self.view(e, self.union(args) if args else Val(), st)
            return self.alloc(e, st, ("array", args[0].kind[1] if args and args[0].kind
                                      else None))
        if is_among(obj, _FRESH_FUNCS) or (module[0] == "numpy" and len(module) > 1 and module[1]
                                           in ("linalg", "fft", "random")):
            return self.alloc(e, st, self.created_kind(obj, e, args))
        if is_among(obj, _CONTAINERS):
            items = frozenset().union(*[self.element(v, st).tokens for v in args]) if args \
                else frozenset()
            return self.alloc(e, st, (_CONTAINERS[obj], None), items)
        if is_record_type(obj):
            return self.alloc(e, st, None, self.union(vals).tokens if vals else ())
        if is_among(obj, _SCALAR_BUILTINS) or module[0] == "math":
            return INT if is_among(obj, (len, int, range)) else SCALAR
        if is_among(obj, (min, max, next, getattr, iter)):
            whole = self.union(args) if args else Val()
            return self.union([whole, self.element(whole, st)])
        if is_among(obj, (sum, abs, pow, round, divmod)):
            return SCALAR if immutable else self.alloc(e, st, ("numeric", None))
        found = callee(obj)
        if found is not None and rules.lookup_adjoint(obj) is None and not rules.\
                is_nondifferentiable(obj) and module[0] != "s2sad":
            summary = self.summary_of(found[0])
            if isinstance(obj, functools.partial):  # its own arguments come first
                summary = copy.copy(summary)
                summary.top = True
            if found[1] is not None:
                return self.apply(e, summary, [self.global_val(found[1], _text(e.func))] + args,
                                  kws, st, 1)
            return self.apply(e, summary, args, kws, st)
        if module[0] == "numpy" and (rules.lookup_adjoint(obj) is not None
                                     or rules.is_nondifferentiable(obj)):
            return self.alloc(e, st, ("numeric", None))
        if module[0] == "s2sad" or rules.lookup_adjoint(obj) is not None:
            return self.alloc(e, st, None)
        if isinstance(obj, type) and issubclass(obj, np.generic):
            return SCALAR
        if isinstance(obj, type):
            return self.alloc(e, st, None, self.union(vals).tokens if vals else ())
        return self.conservative(e, vals, st)

    def created_kind(self, obj, e, args):
        if is_among(obj, _np("zeros ones empty full")) and e.args:
            shape = e.args[0]
            ndim = len(shape.elts) if isinstance(shape, (gast.Tuple, gast.List)) else (
                1 if args[0].kind and args[0].kind[0] == "int" else None)
            return ("array", ndim)
        if is_among(obj, _np("zeros_like ones_like empty_like full_like")) and args:
            return ("array", args[0].kind[1] if args[0].kind else None)
        if is_among(obj, _np("arange linspace logspace")):
            return ("array", 1)
        if is_among(obj, _np("eye identity")):
            return ("array", 2)
        return ("numeric", None)

    def method(self, e, base, attr, args, kws, st):
        vals = args + list(kws.values())
        if attr in ("append", "extend"):
            self.add_contents(base, (args[0] if attr == "append" else self.element(
                args[0], st)).tokens if args else (), st)
            return Val((), ("none", 0))
        if attr == "pop":
            return self.element(base, st)
        if not base.tokens and not any(v.tokens for v in vals):
            return Val()
        if attr in _VIEW_METHODS or (attr == "astype" and "copy" in kws):
            view = self.view(e, base, st, 1 if attr == "ravel" else None)
            return self.union([view, self.element(base, st)]) if attr in (
                "get", "__getitem__", "values", "items") else view
        if attr == "copy":
            items = frozenset().union(*[self.contents_of(o, st) for o, _ in base.tokens])
            return self.alloc(e, st, base.kind, items)
        if attr in ("item", "count", "index"):
            return SCALAR
        if attr == "tolist":
            return self.alloc(e, st, ("list", None))
        if attr in _FRESH_METHODS:
            same = attr in ("copy", "astype", "round", "clip", "conj", "conjugate")
            return self.alloc(e, st, ("numeric", 1 if attr == "flatten" else (
                base.kind[1] if same and base.kind else None)))
        return self.conservative(e, [base] + vals, st)

    def apply(self, e, summary, args, kws, st, skip=0):
        """The result of calling a function with ``summary``; records its writes."""
        nodes = [None] * skip + list(e.args)
        kw_nodes = {k.arg: k.value for k in e.keywords}
        bound = {}
        starred = any(isinstance(a, gast.Starred) for a in e.args) or None in kws
        if summary.top or starred or len(args) > len(summary.params):
            every = self.union(args + list(kws.values()))
            bound = {p: (every, None) for p in summary.params}
        else:
            bound = {p: (v, n) for p, v, n in zip(summary.params, args, nodes)}
            for k, v in kws.items():
                bound[k if k in summary.params else summary.params[-1]] = (v, kw_nodes.get(k))
        for param, where in summary.mutated.items():
            if param in bound:
                val, node = bound[param]
                self.site(self.now, "call", param, info=(e, summary, val, node, where), key=id(e))
        tokens = set()
        for param in summary.returns:
            if param in bound:
                tokens |= {(o, False) for o in self.reach(bound[param][0].tokens, st)}
        for param in summary.items:  # it returns elements of the argument, not the argument
            if param in bound:
                inside = frozenset().union(*[self.contents_of(o, st) for o, _ in
                                             bound[param][0].tokens])
                tokens |= {(o, False) for o in self.reach(inside, st)}
        tokens |= {(o, True) for o in summary.objects}
        for name in summary.encl:
            tokens |= {(o, False) for o in self.reach(self.ev_Name(_load(name), st).tokens, st)}
        if self.mode == "summary":  # a nested def writing into this function's variables
            for name in summary.written_outer:
                held = self.ev_Name(_load(name), st).tokens
                self.written.extend((o, self.now) for o in self.reach(held, st))
        if summary.function is not None:  # a factory: the result holds what it captured
            self.made[id(e)] = summary.function
            for param in summary.captures:
                if param in bound:
                    tokens |= {(o, False) for o in self.reach(bound[param][0].tokens, st)}
        fresh = self.alloc(e, st, None if tokens else summary.kind, tokens)
        return Val(fresh.tokens | tokens, fresh.kind)

    # --- statements ---

    def block(self, stmts, st):
        for stmt in stmts:
            if stmts is self.fdef.body and isinstance(stmt, gast.Return):
                st = _join(st, *self.exits)  # the paths that returned early meet here
            if st is None:  # after an early return, break or continue
                return None
            st = self.stmt(stmt, st, stmts)
        return st

    def stmt(self, s, st, block):
        if getanno(s, "alias_guard"):  # taken when the value is written into in place
            return self.block(s.body, st)
        if isinstance(s, (gast.If, gast.For, gast.While)):
            self.header(s, st, block)  # calls in the test or iterable
            if isinstance(s, gast.If):
                taken = self.flag_test(s.test)
                if taken is not None:  # `if not returned:`: on the paths still running
                    return self.block(s.body if taken else s.orelse, st)
                return _join(self.block(s.body, st.copy()), self.block(s.orelse, st.copy()))
            return self.loop(s, st)
        if isinstance(s, gast.FunctionDef):
            self.nested[s.name] = s
            self.bind(st, s.name, Val(), s)
            return st
        if self.exit_flag(s, st):
            return None
        self.pending, self.now = [], s
        before = st.copy() if self.recording else None
        getattr(self, "do_" + type(s).__name__, self.do_other)(s, st)
        if self.recording and self.pending:
            after = st.copy()
            for site in self.pending:
                site.before, site.after, site.block = before, after, block
        return st

    def exit_flag(self, s, st):
        """``returned = True`` (``broke``, ``skip``) of the desugared exits: the state goes
        where the exit goes (the end of the function, the loop's exit, its next step)."""
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in self.flags and s.value.value is True):
            return False
        role = self.flags[s.targets[0].id]
        if role == "returned" or not self.loops:
            self.exits.append(st.copy())
        else:
            self.loops[-1][role].append(st.copy())
        return True

    def flag_test(self, test):
        """The value of a test made of exit flags on the paths still running (all flags
        false there), or None."""
        if isinstance(test, gast.Name) and test.id in self.flags:
            return False
        if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
            inner = self.flag_test(test.operand)
            return None if inner is None else not inner
        if isinstance(test, gast.BoolOp):
            values = [self.flag_test(v) for v in test.values]
            if None not in values:
                return any(values) if isinstance(test.op, gast.Or) else all(values)
        return None

    def header(self, s, st, block):
        self.pending, self.now = [], s
        before = st.copy() if self.recording else None
        self.ev(s.iter if isinstance(s, gast.For) else s.test, st)
        for site in self.pending:
            site.before, site.after, site.block = before, st.copy(), block

    def loop(self, s, st):
        recording, self.recording = self.recording, False
        head = st
        for _ in range(200):
            end, breaks = self.iteration(s, head)
            new = _join(head, end)
            if new.key() == head.key():
                break
            head = new
        else:
            raise self.shared.reject(s, "this loop (the aliasing analysis did not converge)",
                                     "simplify the loop")
        self.recording = recording
        if recording:
            _, breaks = self.iteration(s, head)
        if isinstance(s, gast.While):
            self.ev(s.test, head)
        return _join(head, *breaks)

    def iteration(self, s, head):
        """The state after one more step of loop ``s`` from ``head`` (continues included),
        and the states leaving it by ``break``."""
        self.loops.append({"broke": [], "skip": []})
        end = self.block(s.body, self.enter(s, head.copy()))
        exits = self.loops.pop()
        return _join(end, *exits["skip"]), exits["broke"]

    def enter(self, s, st):
        if isinstance(s, gast.For):
            self.assign(s.target, INT, st, s, None)
        else:
            self.ev(s.test, st)
        return st

    def site(self, stmt, kind, name, depth=1, info=None, key=None):
        if getanno(stmt, "alias_fix"):
            return
        ident = (id(stmt), kind, name, key)
        site = self.sites.get(ident)
        if site is None:
            site = self.sites[ident] = Site(stmt, kind, name, depth, info)
        if self.recording:
            site.info = info
            self.pending.append(site)

    def bind(self, st, name, val, stmt, copy_of=None, view=None):
        fact = st.views.get(copy_of) if copy_of else view
        st.kill(name)
        st.env[name] = val
        if copy_of and copy_of != name:
            group = st.same.get(copy_of, {copy_of}) | {name}
            for member in group:
                st.same[member] = frozenset(group)
        if fact and fact[0] != name and name not in fact[2]:
            st.views[name] = fact
        if not getanno(stmt, "alias_fix"):
            st.origin[name] = frozenset({stmt})

    def assign(self, target, val, st, stmt, node):
        if isinstance(target, gast.Name):
            local = isinstance(node, gast.Name) and node.id in self.locals
            view = self.view_fact(node, st) if isinstance(node, gast.Subscript) else None
            self.bind(st, target.id, val, stmt, node.id if local else None, view)
        elif isinstance(target, (gast.Tuple, gast.List)):
            for elt in target.elts:
                self.assign(elt, self.element(val, st), st, stmt, None)
        elif isinstance(target, gast.Subscript):
            root, depth = target, 0
            while isinstance(root, gast.Subscript):
                root, depth = root.value, depth + 1
            base = self.ev(target.value, st)
            for part in _index_parts(target.slice):
                self.ev(part, st)
            self.add_contents(base, val.tokens, st)
            self.check_inner_indices(target, st, stmt)
            if isinstance(root, gast.Name):
                self.site(stmt, "store", root.id, depth)
        elif isinstance(target, gast.Starred):
            self.assign(target.value, self.alloc(target, st, ("list", None), val.tokens), st,
                        stmt, None)

    def check_inner_indices(self, target, st, stmt):
        """``y[i][j] = v`` writes into ``y`` only if ``y[i]`` is a view (of an array, by a
        basic index) or an element (of a list or dict, by a key); an index array or a
        list slice makes a copy, and NumPy's write would be lost."""
        inner = target.value
        while isinstance(inner, gast.Subscript):
            kind = self.ev(inner.value, st.copy()).kind
            parts = _index_parts(inner.slice)
            vals = [self.ev(p, st.copy()) for p in parts]
            scalar = all(v.kind is not None and v.kind[0] in ("int", "scalar") and not v.tokens
                         and not isinstance(p, gast.Slice) for p, v in zip(parts, vals))
            basic = all(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and p.value
                                                      in (None, Ellipsis)) or (
                v.kind is not None and v.kind[0] in ("int", "scalar", "slice"))
                for p, v in zip(parts, vals))
            container = kind is not None and kind[0] in ("list", "tuple", "dict")
            if not ((is_ndarray(kind) and basic) or (container and not any(
                    isinstance(p, gast.Slice) for p in parts)) or scalar):
                raise self.shared.reject(stmt, "writing into `%s`, which may be a copy "
                                         "(an index array or a list slice copies)"
                                         % _text(inner), "write into the whole with one "
                                         "index, or bind the part, write into it and store it "
                                         "back")
            inner = inner.value

    def view_fact(self, node, st):
        """``(base, index, index names, is_view)`` if ``node`` reads a part of a local
        ``base`` that shares its memory, by an index that reads only numbers: a view of an
        ndarray (``is_view``: a write into the base shows through it), or an element
        (of an array, a list, a dict: a write into it shows through the base)."""
        base = node.value
        if not (isinstance(base, gast.Name) and base.id in self.locals):
            return None
        kind = st.env.get(base.id, Val()).kind
        parts, names = _index_parts(node.slice), set()
        for part in parts:
            for sub in gast.walk(part):
                if isinstance(sub, gast.Name):
                    if sub.id not in st.env or st.env[sub.id].tokens:
                        return None  # unbound, or not a number
                    names.add(sub.id)
                elif not isinstance(sub, (gast.Slice, gast.Constant, gast.BinOp, gast.UnaryOp,
                                          gast.operator, gast.unaryop, gast.expr_context)):
                    return None
        sliced = any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and p.value is
                                                   Ellipsis) for p in parts)
        if any(isinstance(p, gast.Constant) and p.value is None for p in parts):
            return None
        if is_ndarray(kind) and (sliced or len(parts) < (kind[1] or 0)):
            return (base.id, node.slice, frozenset(names), True)
        if not sliced and not (kind is not None and kind[0] in ("tuple", "int", "scalar")):
            return (base.id, node.slice, frozenset(names), False)  # an element
        return None

    def do_Assign(self, s, st):
        value, targets = s.value, s.targets
        name = targets[0].id if len(targets) == 1 and isinstance(targets[0], gast.Name) else None
        if getanno(s, "alias_rebind"):
            self.ev(value, st)
            self.site(s, "rebind", getanno(s, "alias_rebind"))
            return
        if name and isinstance(value, gast.Lambda):
            self.nested[name] = value
            return self.bind(st, name, Val(), s)
        if name and isinstance(value, gast.Name) and value.id != name:
            for table in (self.nested, self.functions):  # g = f, of a function: the same one
                if value.id in table:
                    table[name] = table[value.id]
        if name and isinstance(value, gast.Call) and value.args and self.is_partial(value.func):
            fixed = self.items(value.args[1:], st)
            kws = {k.arg: self.ev(k.value, st) for k in value.keywords}
            self.partials[name] = (value.args[0], fixed, kws)
            held = self.union(fixed + list(kws.values())) if fixed or kws else Val()
            return self.bind(st, name, Val({(o, False) for o, _ in held.tokens}), s)
        if (name and isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
                and value.func.attr == "pop" and not value.args and not value.keywords
                and isinstance(value.func.value, gast.Name)
                and value.func.value.id in self.locals):
            self.site(s, "pop", value.func.value.id)
            return self.bind(st, name, self.element(self.ev(value.func.value, st), st), s)
        if len(targets) == 1 and isinstance(targets[0], (gast.Tuple, gast.List)) and isinstance(
                value, (gast.Tuple, gast.List)) and len(value.elts) == len(targets[0].elts) and \
                not any(isinstance(v, gast.Starred) for v in value.elts):
            for target, val in zip(targets[0].elts, [self.ev(v, st) for v in value.elts]):
                self.assign(target, val, st, s, None)
            return
        if (name and isinstance(value, gast.Call) and len(value.args) == 1 and isinstance(
                value.args[0], gast.Name) and value.args[0].id in self.locals
                and self.resolves(value.func, runtime_module.as_sequence)):
            value = value.args[0]  # items = as_sequence(xs): the same object as xs
        val = self.ev(value, st)
        if name and id(value) in self.made:
            self.functions[name] = self.made[id(value)]
        for target in targets:
            self.assign(target, val, st, s, value)

    def resolves(self, func, obj):
        try:
            return resolve(func, self.namespace) is obj
        except KeyError:
            return False

    def is_partial(self, func):
        return self.resolves(func, functools.partial)

    def do_AnnAssign(self, s, st):
        if s.value is not None:
            self.assign(s.target, self.ev(s.value, st), st, s, s.value)

    def do_AugAssign(self, s, st):
        value, target = self.ev(s.value, st), s.target
        if isinstance(target, gast.Name):
            old = self.ev_Name(target, st)
            kind = old.kind
            if not old.tokens or (kind and kind[0] in ("int", "scalar", "tuple", "none")):
                return self.bind(st, target.id, self.binop(s, old, value, s.op, st), s)
            if kind is None or kind[0] == "list":
                self.add_contents(old, self.element(value, st).tokens, st)
            self.site(s, "augname", target.id)
            return
        root, depth = target, 0
        while isinstance(root, gast.Subscript):
            root, depth = root.value, depth + 1
        item = self.ev(gast.Subscript(value=target.value, slice=target.slice,
                                      ctx=gast.Load()), st)
        self.add_contents(item, self.element(value, st).tokens, st)
        if isinstance(root, gast.Name):
            self.site(s, "augitem", root.id, depth)

    def do_Expr(self, s, st):
        call = s.value
        if getanno(s, "alias_sort"):
            self.ev(call, st)
            return self.site(s, "sort", call.func.value.id)
        if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr in ("append", "extend") and len(call.args) == 1
                and isinstance(call.func.value, gast.Name) and call.func.value.id in self.locals):
            self.ev(call, st)
            return self.site(s, "append", call.func.value.id)
        self.ev(call, st)

    def do_Return(self, s, st):
        value = s.value
        if isinstance(value, gast.Lambda):
            self.nested["lambda_%d" % id(value)] = value
            value = _load("lambda_%d" % id(value))
        if isinstance(value, gast.Name) and value.id in self.nested:
            # a factory: what the function it returns writes into, and what it reads later
            inner = self.nested_summary(value.id)
            self.ret_functions.append(inner)
            reads = _free_reads(self.nested[value.id]) | inner.written_outer
            held = self.union([self.ev_Name(_load(n), st) for n in sorted(reads)
                               if n in self.locals or n in self.outer] or [Val()])
            self.captured |= self.reach(held.tokens, st)
            written = self.union([self.ev_Name(_load(n), st) for n in inner.written_outer]
                                 or [Val()])
            self.written.extend((o, s) for o in self.reach(written.tokens, st))
            return
        val = self.ev(s.value, st) if s.value is not None else Val()
        self.ret_reach |= self.reach(val.tokens, st)
        self.ret_kind = val.kind if self.ret_kind == "-" else kjoin(self.ret_kind, val.kind)

    def do_other(self, s, st):
        for child in gast.iter_child_nodes(s):
            if isinstance(child, gast.expr):
                self.ev(child, st)

    # --- running, deciding, modelling ---

    def start(self):
        st = State()
        for p in self.params:
            kind = self.kinds.get(p)
            st.env[p] = SCALAR if kind == "number" else Val({(("param", p), True)}, kind)
            st.origin[p] = frozenset({self.fdef})
        return st

    def round(self, decide=True):
        for site in self.sites.values():
            site.before = None
        self.recording, self.ret_reach, self.ret_kind, self.written = True, set(), "-", []
        self.ret_functions, self.captured, self.exits, self.loops = [], set(), [], []
        self.block(self.fdef.body, self.start())
        self.recording = False
        if decide:
            return self.decide(liveness(self.fdef.body, _nested_reads(self.fdef)))

    def run(self):
        if self.mode != "summary" and any(getanno(s, "alias_sort") for s in _own_statements(
                self.fdef.body)):
            self.round(decide=False)
            self.resolve_sorts()
        for _ in range(30):
            if not self.round():
                return
        raise self.shared.reject(self.fdef, "this function (modelling its aliases did not "
                                 "converge)", "write through one name per array")

    def decide(self, live):
        changed = False
        for site in sorted((s for s in self.sites.values() if s.before is not None),
                           key=lambda s: (getattr(s.stmt, "lineno", 0) or 0,
                                          getattr(s.stmt, "col_offset", 0) or 0)):
            if site.kind == "call":
                changed |= self.check_call(site, live)
                continue
            objs = self.written_objects(site)
            self.written.extend((o, site.stmt) for o in objs)
            if self.mode == "summary":
                continue
            self.check_external(site, objs)
            observers = self.observers(site, objs, live)
            if site.kind == "augitem":
                changed |= self.check_items(site, objs, observers, live)
            if site.kind == "augname" and not self.mutable(site):
                if observers and self.mode != "main":
                    raise self.refuse_augname(site, observers[0])
                if observers:  # an array or a number: decided when it runs
                    site.guarded = True
                    site.observed |= set(observers)
                    changed |= self.model(site)
                continue
            if self.mode == "check":
                if any(_root(o)[0] == "encl" for o in objs):
                    raise self.shared.reject(site.stmt, "a nested function writing into %s, "
                                             "a variable of the enclosing function" % _q(
                                                 site.name), "return the new value and assign "
                                             "it in the enclosing function")
                if observers:
                    raise self.refuse(site, observers[0], nested=True)
                continue
            if observers:
                site.observed |= set(observers)
                changed |= self.model(site)
        return changed

    def written_objects(self, site):
        st = site.before
        objs = {o for o, _ in self.ev_Name(_load(site.name), st).tokens}
        frontier = set(objs)
        for _ in range(site.depth - 1):
            frontier = {o for f in frontier for o, _ in self.contents_of(f, st)}
            objs |= frontier
        return objs

    def last_of(self, stmt):
        fixes = [f for f in self.fixes.get(id(stmt), ()) if not getanno(f, "alias_pre")]
        return fixes[-1] if fixes else stmt

    def observers(self, site, objs, live):
        after, out = site.after, []
        for name in sorted(live.get(id(self.last_of(site.stmt)), ())):
            if name != site.name and name in after.env and objs & self.reach(
                    after.env[name].tokens, after):
                out.append(name)
        return out

    def check_items(self, site, objs, observers, live):
        """``y[i] += v`` also writes into the item ``y[i]`` in place if it is an array or
        a list: names that hold that item see it (refused; when it runs, if s2sad cannot
        tell what the item is)."""
        st = site.before
        parts = _index_parts(site.stmt.target.slice)
        if any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and p.value in (
                None, Ellipsis)) for p in parts):
            return False  # a slice: a view of the array, or a new list
        items = {o for f in objs for o, _ in self.contents_of(f, st)} - objs
        seen = [n for n in self.observers(site, items, live) if n not in observers] \
            if items else []
        if not seen:
            return False
        kinds = [self.kind_of(o, st) for o in items]
        if self.mode != "main" or all(k is not None and (is_ndarray(k) or k[0] in (
                "list", "dict")) for k in kinds):
            raise self.refuse(site, seen[0])
        site.item_guard = True
        step = ("raise", seen[0], None, None)
        if step in getattr(site, "steps", ()):
            return False
        site.steps = list(getattr(site, "steps", [])) + [step]
        return self.install(site.stmt, site.block)

    def mutable(self, site):
        kind = site.before.env.get(site.name, Val()).kind
        return is_ndarray(kind) or (kind is not None and kind[0] in ("list", "dict"))

    def model(self, site):
        """Rebind aliases, write views back, take views again (see the module docstring)."""
        st = site.after

        def group(m):
            return st.same.get(m, frozenset({m}))

        updated, work, steps = {site.name}, [site.name], []
        while work:
            m = work.pop(0)
            for alias in sorted(group(m) - updated):
                steps.append(("alias", alias, m, None))
                updated.add(alias)
            fact = next((st.views[a] for a in sorted(group(m)) if a in st.views), None)
            if fact and fact[0] not in updated:
                steps.append(("back", fact[0], m, fact[1]))
                updated.add(fact[0])
                work.append(fact[0])
            for view, (base, index, _, is_view) in sorted(st.views.items(),
                                                          key=lambda kv: kv[0]):
                if view not in updated and base in group(m) and is_view:
                    steps.append(("view", view, m, index))
                    updated.add(view)
                    work.append(view)
        missing = [w for w in sorted(site.observed) if w not in updated]
        if missing and not getattr(site, "guarded", False):
            raise self.refuse(site, missing[0])
        if missing:  # refused when it runs, if the value turns out to be written into
            steps.append(("raise", missing[0], None, None))
            site.observed.add(missing[0])
        needed, kept = set(site.observed), []
        for step in reversed(steps):
            if step[1] in needed and (step[0] != "raise" or step[1] in missing):
                kept.append(step)
                needed.add(step[2])
        old = getattr(site, "steps", [])
        site.steps = [s for s in steps if s in kept or s in old] + [
            s for s in old if s not in steps]
        return self.install(site.stmt, site.block)

    def install(self, stmt, block):
        """Put the steps of the sites at ``stmt`` after it (replacing earlier ones); those of
        a site s2sad cannot decide at compile time run only if the value written into is
        an array, a list or a dict (``in_place = isinstance(...)``, taken before)."""
        plain, guarded, guard, checks = [], [], None, []
        for site in self.sites.values():
            if site.stmt is not stmt:
                continue
            if getattr(site, "pre_guard", None) is not None:
                checks.append(site.pre_guard)
            whole = getattr(site, "guarded", False)
            for step in getattr(site, "steps", ()):
                into = guarded if whole or step[0] == "raise" else plain
                if step not in into:
                    into.append(step)
            if whole or getattr(site, "item_guard", False):
                guard = site
        old = self.fixes.get(id(stmt), [])
        key = (plain, guarded, [id(e) for _, e in checks])
        if (getanno(old[-1], "alias_steps") if old else ([], [], [])) == key:
            return False
        for fix in old:
            del block[next(i for i, s in enumerate(block) if s is fix)]
        new = [self.fix_statement(step, stmt, guard) for step in plain]
        pre = []
        for node, error in checks:  # if isinstance(arg, (np.ndarray, list, dict)): raise
            test = _call(_load("isinstance"), [copy.deepcopy(node), gast.Tuple(elts=[
                _np_attr(self.bind_name, "ndarray"), _load("list"), _load("dict")],
                ctx=gast.Load())])
            pre.append(_located(gast.If(test=test, body=[_located(gast.Raise(
                exc=_load(self.bind_name("aliasing_error", error)), cause=None), stmt)],
                orelse=[]), stmt))
            setanno(pre[-1], "alias_pre", True)
        if guarded:
            flag = self.namer.unique("in_place")
            value = _load(guard.name) if guard.kind == "augname" else gast.Subscript(
                value=copy.deepcopy(stmt.target.value), slice=copy.deepcopy(stmt.target.slice),
                ctx=gast.Load())
            test = _call(_load("isinstance"), [value, gast.Tuple(elts=[
                _np_attr(self.bind_name, "ndarray"), _load("list"), _load("dict")],
                ctx=gast.Load())])
            if guard.kind != "augname":  # an item of an array is part of its memory
                test = gast.BoolOp(op=gast.And(), values=[gast.UnaryOp(
                    op=gast.Not(), operand=_call(_load("isinstance"), [copy.deepcopy(
                        stmt.target.value), _np_attr(self.bind_name, "ndarray")])), test])
            pre.append(_assign(_store(flag), test, stmt))
            setanno(pre[-1], "alias_pre", True)
            body = [self.fix_statement(step, stmt, guard) for step in guarded]
            new.append(_located(gast.If(test=_load(flag), body=body, orelse=[]), stmt))
            setanno(new[-1], "alias_guard", True)
        for fix in pre + new:
            setanno(fix, "alias_fix", True)
        new = new or [_located(gast.Pass(), stmt)]  # keeps the record of what is installed
        setanno(new[-1], "alias_fix", True)
        setanno(new[-1], "alias_steps", key)
        at = next(i for i, s in enumerate(block) if s is stmt)
        block[at + 1:at + 1] = new
        block[at:at] = pre
        self.fixes[id(stmt)] = pre + new
        return True

    def fix_statement(self, step, origin, site=None):
        kind, target, source, index = step
        if kind == "raise":
            written = site.name if site.kind == "augname" else _text(site.stmt.target)
            error = self.shared.reject(site.stmt, "`%s %s= ...` writing into %s in place (it "
                                       "is an array or a list), which %s may also refer "
                                       "to%s" % (written, _OPS.get(type(site.stmt.op), "?"),
                                                 _q(written), _q(target), self.binding(
                                                     site.after, target, site.name)),
                                       "write through one name, or make a copy where the "
                                       "alias is made (`.copy()`)")
            return _located(gast.Raise(exc=_load(self.bind_name("aliasing_error", error)),
                                       cause=None), origin)
        if kind == "alias":
            stmt = _assign(_store(target), _load(source), origin)
        elif kind == "back":
            stmt = _assign(gast.Subscript(value=_load(target), slice=copy.deepcopy(index),
                                          ctx=gast.Store()), _load(source), origin)
        else:
            stmt = _assign(_store(target), gast.Subscript(
                value=_load(source), slice=copy.deepcopy(index), ctx=gast.Load()), origin)
        setanno(stmt, "alias_fix", True)
        setanno(stmt, "alias_step", step)
        return stmt

    # --- refusals ---

    def bound_at(self, st, names):
        """The latest statement binding one of ``names`` (where an alias was made)."""
        stmts = [s for n in names for s in st.origin.get(n, ()) if s is not self.fdef]
        return max(stmts, key=lambda s: self.lineno(s) or 0) if stmts else None

    def binding(self, st, name, *others):
        stmt = self.bound_at(st, (name,) + others)
        if stmt is None:
            return " (a parameter)" if name in self.params else ""
        return " (`%s` at line %s)" % (_text(stmt).rstrip(":"), self.lineno(stmt))

    def copy_hint(self, stmt):
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], gast.Name):
            value, text = stmt.value, _text(stmt.value)
            if not isinstance(value, (gast.Name, gast.Attribute, gast.Call, gast.Subscript)):
                text = "(%s)" % text
            return ", or copy: `%s = %s.copy()`" % (stmt.targets[0].id, text)
        return ", or bind a copy (`.copy()`)"

    def refuse(self, site, other, nested=False):
        st, name = site.after, site.name
        objs = self.written_objects(site)
        holds = not any(o in objs for o, _ in st.env[other].tokens)
        relation = "may hold it" if holds else "may share its memory"
        what = "writing into %s while %s %s%s" % (_q(name), _q(other), relation,
                                                 self.binding(st, other, name))
        if nested:
            hint = ("inside a nested function s2sad does not model aliases; write through "
                    "one name, or define the function at module level")
        elif holds:
            hint = ("in NumPy %s would see this write; store a copy in it (for example "
                    "`ys.append(a.copy())`), or do not read %s after the write"
                    % (_q(other), _q(other)))
        else:
            hint = ("in NumPy %s would see this write, and s2sad cannot prove what it refers "
                    "to on every path; write through one name%s" % (
                        _q(other), self.copy_hint(self.bound_at(st, (other, name)))))
        return self.shared.reject(site.stmt, what, hint)

    def refuse_augname(self, site, other):
        return self.shared.reject(site.stmt, "`%s %s= ...` while %s may refer to the same "
                                  "value%s" % (site.name, _OPS.get(type(site.stmt.op), "?"),
                                               _q(other), self.binding(site.after, other,
                                                                       site.name)),
                                  "s2sad cannot tell whether %s is an array (then the "
                                  "update writes into it, and %s sees it) or a number; write "
                                  "`%s = %s + ...` for a new value, or `%s[...] += ...` to "
                                  "write into the array" % (_q(site.name), _q(other), site.name,
                                                            site.name, site.name))

    def global_label(self, obj):
        obj = _root(obj)
        if obj[0] == "global":
            return "the global (module-level or closure) value %s" % _q(
                self.shared.labels[obj][0])
        if obj[0] == "param":
            return "part of `self`"
        return "a global value (reached through a call s2sad cannot follow)"

    def check_external(self, site, objs):
        outside = sorted((o for o in objs if self.external(o)), key=repr)
        if not outside:
            return
        label, name = self.global_label(outside[0]), site.name
        what = "writing into %s" % label if name not in self.locals else \
            "writing into %s, which may refer to %s%s" % (_q(name), label, self.binding(
                site.before, name))
        source = self.shared.labels.get(_root(outside[0]), (name,))[0]
        hint = ", or copy: `w = %s.copy()`" % source if name not in self.locals else \
            self.copy_hint(self.bound_at(site.before, (name,)))
        raise self.shared.reject(site.stmt, what, "a differentiated function must not change "
                                 "global state; write into a copy%s" % hint)

    def check_call(self, site, live):
        call, summary, val, node, where = site.info
        objs = self.reach(val.tokens, site.before)
        self.written.extend((o, site.stmt) for o in objs)
        if not objs or self.mode == "summary":
            return False
        fname, param = _text(call.func), site.name
        arg = _text(node) if node is not None else "an argument"
        outside = [o for o in objs if self.external(o)]
        if outside:
            raise self.shared.reject(call, "calling %s, which writes into its parameter %s (%s),"
                                     " with %s, %s" % (_q(fname), _q(param), where, _q(arg),
                                                      self.global_label(outside[0])),
                                     "pass a copy: `%s(%s.copy(), ...)`" % (fname, arg))
        if node is not None and not isinstance(node, gast.Name):
            inside = {id(n) for n in gast.walk(node)}
            if all(o[0] == "new" and o[1] in inside for o in objs):
                return False  # a new object only the call sees
        elif isinstance(node, gast.Name) and node.id in self.locals:
            targets = {n.id for t in getattr(site.stmt, "targets", ()) for n in gast.walk(t)
                       if isinstance(n, gast.Name)}
            others = [n for n, v in site.after.env.items() if n != node.id and n not in targets
                      and objs & self.reach(v.tokens, site.after)]
            if (all(o[0] in ("new", "old") for o in objs) and not others
                    and node.id not in live.get(id(self.last_of(site.stmt)), ())
                    and self.loads.get(node.id) == 1):
                return False
        error = self.shared.reject(call, "calling %s, which writes into its parameter %s (%s), "
                                   "with %s" % (_q(fname), _q(param), where, _q(arg)),
                                   "in NumPy the call changes %s, but s2sad differentiates %s "
                                   "on a copy; pass a copy (`%s.copy()`), or make %s return "
                                   "the new value" % (_q(arg), _q(fname), arg, _q(fname)))
        kind = val.kind
        if self.mode != "main" or node is None or is_ndarray(kind) or (
                kind is not None and kind[0] in ("list", "dict")):
            raise error
        if getattr(site, "pre_guard", None) is not None:
            return False
        site.pre_guard = (node, error)  # refused when it runs, if the argument is mutable
        return self.install(site.stmt, site.block)

    # --- sorts, nested functions, callees ---

    def resolve_sorts(self):
        for site in [s for s in self.sites.values() if s.kind == "sort" and s.before]:
            kind = site.before.env.get(site.name, Val()).kind
            new = self.sort_statements(site.stmt, kind)
            self.shared.sorts[getanno(site.stmt, "alias_sort")] = kind
            at = next(i for i, s in enumerate(site.block) if s is site.stmt)
            site.block[at:at + 1] = new
        self.sites = {}

    def sort_statements(self, stmt, kind):
        call = stmt.value
        y, kw = call.func.value, {k.arg: k.value for k in call.keywords}
        if kind is not None and kind[0] == "list":
            if call.args or set(kw) - {"key", "reverse"}:
                raise self.shared.reject(stmt, "%s.sort(...) with these arguments" % y.id, "")
            new = _assign(_store(y.id), _call(_load("sorted"), [copy.deepcopy(y)],
                                              call.keywords), stmt)
            setanno(new, "alias_rebind", y.id)
            return [new]
        axis = call.args[0] if call.args else kw.get("axis", gast.Constant(value=-1, kind=None))
        if not (kind is not None and kind[0] in ("array", "numeric")) or (
                isinstance(axis, gast.Constant) and axis.value is None):
            raise self.shared.reject(stmt, "%s.sort() on a value s2sad cannot prove is a NumPy "
                                     "array or a list" % y.id, "create it with a NumPy function "
                                     "(`%s = np.array(...)`) or as a list, so that s2sad knows "
                                     "which sort it is" % y.id)
        np_ = functools.partial(_np_attr, self.bind_name)

        def argsort(a, ax):
            return _call(np_("argsort"), [a], [gast.keyword(arg="axis", value=ax)])
        if kind[1] == 1 and isinstance(axis, gast.Constant) and axis.value in (0, -1):
            order = gast.Subscript(value=copy.deepcopy(y), slice=argsort(copy.deepcopy(y), axis),
                                   ctx=gast.Load())
            return [_assign(_everything(y), order, stmt)]
        moved, rows = self.namer.unique("moved"), self.namer.unique("rows")
        last = gast.Constant(value=-1, kind=None)

        def shape_of(name, i):
            return gast.Subscript(value=_call(np_("shape"), [_load(name)]),
                                  slice=gast.Constant(value=i, kind=None), ctx=gast.Load())
        first = _assign(_store(moved), _call(np_("moveaxis"), [copy.deepcopy(y),
                                                                copy.deepcopy(axis), last]), stmt)
        flat = _assign(_store(rows), _call(np_("reshape"), [_load(moved), gast.Tuple(
            elts=[gast.Constant(value=-1, kind=None), shape_of(moved, -1)], ctx=gast.Load())]),
            stmt)
        column = gast.Subscript(value=_call(np_("arange"), [shape_of(rows, 0)]), slice=gast.Tuple(
            elts=[gast.Slice(lower=None, upper=None, step=None), gast.Constant(value=None,
                                                                               kind=None)],
            ctx=gast.Load()), ctx=gast.Load())
        picked = gast.Subscript(value=_load(rows), slice=gast.Tuple(elts=[column, argsort(
            _load(rows), gast.Constant(value=-1, kind=None))], ctx=gast.Load()), ctx=gast.Load())
        back = _call(np_("moveaxis"), [_call(np_("reshape"), [picked, _call(
            np_("shape"), [_load(moved)])]), gast.Constant(value=-1, kind=None),
            copy.deepcopy(axis)])
        return [first, flat, _assign(_everything(y), back, stmt)]

    def nested_summary(self, name):
        node = self.nested[name]
        if id(node) in self.inner:
            return self.inner[id(node)]
        params = [a.id for a in node.args.args]
        self.inner[id(node)] = Summary.everything(params)  # recursion: ANF refuses it
        if isinstance(node, gast.Lambda):
            body = [gast.copy_location(gast.Return(value=node.body), node)]
            fdef = gast.FunctionDef(name=name, args=node.args, body=body, decorator_list=[],
                                    returns=None, type_comment=None, type_params=[])
            gast.copy_location(fdef, node)
        else:
            fdef = node
        fdef = copy.deepcopy(fdef)
        namer = Namer(local_names(fdef) | set(self.namespace))
        ExitLowering(namer).function(fdef)
        normalize_loops(fdef, namer, self.runtime)
        sub = Analysis(self.shared, fdef, self.namespace,
                       "summary" if self.mode == "summary" else "check",
                       outer=self.locals | self.outer, lineno=self.lineno, runtime=self.runtime,
                       bind=self.bind_name, namer=namer)
        summary = sub.summarize(lambda n: "line %s" % self.lineno(n))
        if self.mode != "summary" and isinstance(node, gast.FunctionDef):
            _replace_sorts(node.body, self)
        self.inner[id(node)] = summary
        return summary

    def summarize(self, where):
        self.run()
        mutated = {}
        for obj, node in self.written:
            root = _root(obj)
            if root[0] == "param" and root[1] not in mutated:
                mutated[root[1]] = where(node)
        roots = {_root(o) for o in self.ret_reach}
        returned = {o[1] for o in self.ret_reach if o[0] == "param"}
        summary = Summary(self.params, mutated, returned,
                          {o for o in self.ret_reach if _root(o)[0] in ("global", "any")},
                          None if self.ret_kind == "-" else self.ret_kind,
                          encl={o[1] for o in roots if o[0] == "encl"})
        summary.written_outer = {_root(o)[1] for o, _ in self.written if _root(o)[0] == "encl"}
        summary.items = {o[1] for o in roots if o[0] == "param"} - returned  # only elements
        if self.ret_functions:  # a factory: the function it returns, and what it holds
            summary.function = self.ret_functions[0] if len(self.ret_functions) == 1 else \
                Summary.everything(self.ret_functions[0].params)
            captured = {_root(o) for o in self.captured}
            summary.captures = {o[1] for o in captured if o[0] == "param"}
            summary.objects |= {o for o in self.captured if _root(o)[0] in ("global", "any")}
            summary.encl |= {o[1] for o in captured if o[0] == "encl"}
        return summary

    def summary_of(self, func):
        """The :class:`Summary` of the user's function ``func`` (from its source)."""
        shared = self.shared
        found = shared.summaries.get(func)
        if found is not None:
            if found.provisional:
                if shared.stack and shared.stack[-1] is func:
                    found.used = True
                else:  # mutual recursion: assume the worst
                    shared.cyclic.update(shared.stack[shared.stack.index(func):])
            return found
        params = _params_of(func)
        guess = Summary(params)
        guess.provisional = True
        shared.summaries[func] = guess
        shared.stack.append(func)
        try:
            for _ in range(4):
                result = _analyse_callee(shared, func, params)
                if func in shared.cyclic or not guess.used or result.same_as(guess):
                    break
                guess.__dict__.update(result.__dict__, provisional=True, used=False)
            else:
                result = Summary.everything(params)
        finally:
            shared.stack.pop()
        if func in shared.cyclic:
            result = Summary.everything(params)
        shared.summaries[func] = result
        return result


# --- helpers ---------------------------------------------------------------------------

_OPS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.MatMult: "@",
        gast.Pow: "**", gast.FloorDiv: "//", gast.Mod: "%"}


def _q(name):
    return "`%s`" % name


def _np_attr(bind, attr):
    return gast.Attribute(value=_load(bind("np", np)), attr=attr, ctx=gast.Load())


def _bind_into(namespace, name, obj):
    if namespace.get(name) is obj:
        return name
    new = "_s2sad_" + name
    while new in namespace and namespace[new] is not obj:
        new += "_"
    namespace[new] = obj
    return new


def _own_statements(stmts):
    """Statements of ``stmts`` and their loop/branch bodies, not nested functions'."""
    for stmt in stmts:
        yield stmt
        if not isinstance(stmt, gast.FunctionDef):
            for field in ("body", "orelse"):
                yield from _own_statements(getattr(stmt, field, None) or [])


def _replace_sorts(stmts, analysis):
    """Apply the sort decisions of a nested function's analysis to its own source."""
    for i in range(len(stmts) - 1, -1, -1):
        stmt = stmts[i]
        for field in ("body", "orelse"):
            _replace_sorts(getattr(stmt, field, None) or [], analysis)
        key = getanno(stmt, "alias_sort")
        if key is not None and key in analysis.shared.sorts:
            stmts[i:i + 1] = analysis.sort_statements(stmt, analysis.shared.sorts[key])


def _join(*states):
    """Join of states, ``None`` standing for no path."""
    states = [s for s in states if s is not None]
    if not states:
        return None
    out = states[0]
    for other in states[1:]:
        out = out.join(other)
    return out


def _exit_flags(fdef):
    """name -> "returned" / "broke" / "skip": the flags desugaring made for early exits
    (only ever assigned True or False, by statements desugaring made)."""
    values = {}
    for node in shallow_walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            values.setdefault(node.id, [])
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], gast.Name):
            made = getanno(node, "origin") is not None and isinstance(
                node.value, gast.Constant) and isinstance(node.value.value, bool)
            values.setdefault(node.targets[0].id, []).append(made)
    flags = {}
    for name, made in values.items():
        role = name.rstrip("0123456789")
        if role in ("returned", "broke", "skip") and made and all(made) and \
                len(made) == sum(1 for n in shallow_walk(fdef) if isinstance(n, gast.Name)
                                 and n.id == name and isinstance(n.ctx, gast.Store)):
            flags[name] = role
    return flags


def _free_reads(fn):
    """Names a nested def or lambda reads from outside itself."""
    own = {a.id for a in fn.args.args} | {n.id for n in gast.walk(fn) if isinstance(
        n, gast.Name) and isinstance(n.ctx, gast.Store)}
    return {n.id for n in gast.walk(fn) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)} - own


def _nested_reads(fdef):
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
            reads[name] = _free_reads(fn)
    return reads


def liveness(body, nested):
    """``id(stmt) -> names that may be read after stmt`` for every statement of ``body``."""
    live = {}

    def uses(node):
        names = set()
        for sub in shallow_walk(node):
            if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
                names.add(sub.id)
            if isinstance(sub, gast.Call) and isinstance(sub.func, gast.Name):
                names |= nested.get(sub.func.id, set())
        return names

    def stored(node):
        return {n.id for n in shallow_walk(node) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Store)}

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


def _params_of(func):
    try:
        return [p for p in inspect.signature(func).parameters]
    except (TypeError, ValueError):
        return []


class _Refused(Exception):
    pass


def _writes(fdef):
    """True if ``fdef`` has any syntax that may write into an object."""
    for node in gast.walk(fdef):
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


def _user_callees(fdef, namespace):
    for node in gast.walk(fdef):
        if isinstance(node, gast.Call):
            try:
                obj = resolve(node.func, namespace)
            except KeyError:
                continue
            found = callee(obj)
            if found is not None and rules.lookup_adjoint(obj) is None:
                yield found[0]


def _may_write(shared, func, seen=None):
    """Cheap syntactic check: may calling ``func`` write into anything?"""
    seen = set() if seen is None else seen
    if func in seen:
        return False
    seen.add(func)
    try:
        parsed = parse_function(func)
    except Exception:  # no source: s2sad cannot compile it either
        return False
    return _writes(parsed.fdef) or any(_may_write(shared, f, seen) for f in _user_callees(
        parsed.fdef, parsed.namespace))


def _analyse_callee(shared, func, params):
    try:
        parsed = parse_function(func)
        fdef, namespace = parsed.fdef, dict(parsed.namespace)
        bind = functools.partial(_bind_into, namespace)

        def runtime(name):
            return bind(name, getattr(runtime_module, name))
        namer = Namer(local_names(fdef) | set(namespace))
        ExitLowering(namer).function(fdef)
        normalize_loops(fdef, namer, runtime)
        fdef.body = Canon(fdef, namespace, lambda *a: _Refused(), bind, runtime, namer).block(
            fdef.body)
        sub = Analysis(Shared.child(shared, parsed.lineno), fdef, namespace, "summary",
                       lineno=parsed.lineno, runtime=runtime, bind=bind, namer=namer)
        import os
        name = os.path.basename(parsed.filename)
        return sub.summarize(lambda node: "%s:%s" % (name, parsed.lineno(node)))
    except Exception:  # anything s2sad cannot read: assume the worst
        return Summary.everything(params)


def resolve_aliasing(fdef, namespace, reject, kinds=None, runtime=None, bind=None, namer=None,
                     lineno=None):
    """Rewrite ``fdef`` in place (see the module docstring); returns it.

    ``namespace``: the function's free names -> live objects (names this pass binds are
    added through ``bind(name, obj) -> name``; ``runtime(name)`` binds an
    :mod:`s2sad.runtime` helper); ``reject(node, construct, hint)`` builds the error to
    raise; ``kinds``: parameter -> ``"number"`` or ``("array", ndim)`` when known (see
    :func:`param_kinds`); ``namer`` gives fresh names; ``lineno(node)`` the user's line.
    """
    namer = namer or Namer(local_names(fdef) | set(namespace))
    bind = bind or functools.partial(_bind_into, namespace)
    runtime = runtime or (lambda name: bind(name, getattr(runtime_module, name)))
    fdef.body = Canon(fdef, namespace, reject, bind, runtime, namer).block(fdef.body)
    shared = Shared(reject, lineno)
    if _writes(fdef) or any(_may_write(shared, f) for f in _user_callees(fdef, namespace)):
        Analysis(shared, fdef, namespace, "main", kinds, lineno=lineno, runtime=runtime,
                 bind=bind, namer=namer).run()
    return fdef
