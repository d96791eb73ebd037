"""Calls in the points-to analysis (a mixin of :class:`~.analysis.Analysis`).

Input: a ``gast.Call``, its evaluated arguments and the :class:`~.domain.State` before
it; the host's expression evaluation (:class:`~.expressions.Expressions`), the current
statement ``now``, and the summaries of user functions and nested defs
(:class:`~.summaries.Summaries`).  Output: the call's :class:`~.domain.Val` (a new object,
a view of an argument, a part of one, or anything an unknown call may return); the
writes a called user function makes into its arguments are recorded as "call" sites at
``now``.
"""
import copy
import functools

import gast
import numpy as np

from ... import rules, runtime as runtime_module
from ..calls import callee
from ..ops import is_among, is_record_type, resolve
from .catalog import (
    CONTAINERS, EYE_FUNCS, FRESH_FUNCS, FRESH_METHODS, LIKE_FUNCS, RANGE_FUNCS, SCALAR_BUILTINS,
    SHAPED_FUNCS, VIEW_FUNCS, VIEW_METHODS, is_value_object,
)
from .domain import INT, SCALAR, Val
from .syntax import load, unparse


class Calls:
    """What a call returns and what it writes into (see the module docstring)."""

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
        if isinstance(func, gast.Attribute) and not (self.free_chain(func)
                                                     and self.stable(func.value)):
            return self.method(e, self.ev(func.value, st), func.attr, args, kws, st)
        try:
            obj = resolve(func, self.namespace)
        except KeyError:
            return self.conservative(e, args + list(kws.values()), st, external=True)
        if isinstance(func, gast.Attribute):
            owner = resolve(func.value, self.namespace)
            if is_value_object(owner):  # a method of a global value
                base = self.global_val(owner, unparse(func.value))
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
            return st.alloc(e, ("numeric", None if None in ndims or not ndims or
                                isinstance(owner, np.ufunc) else max(ndims)))
        if obj is runtime_module.as_sequence and len(args) == 1:
            return args[0]  # a loop over an array, list or tuple reads it, not a copy
        if is_among(obj, VIEW_FUNCS):
            ndim = 1 if obj is np.ravel else None
            if obj is np.reshape and len(e.args) > 1 and isinstance(e.args[1], gast.Tuple):
                ndim = len(e.args[1].elts)
            return self.view(e, self.union(args) if args else Val(), st, ndim)
        if is_among(obj, (np.array, np.copy)):
            if "copy" in kws:  # np.array(x, copy=False) may be x itself
                return self.view(e, self.union(args) if args else Val(), st)
            return st.alloc(e, ("array", args[0].kind[1] if args and args[0].kind else None))
        if is_among(obj, FRESH_FUNCS) or (module[0] == "numpy" and len(module) > 1
                                          and module[1] in ("linalg", "fft", "random")):
            return st.alloc(e, self.created_kind(obj, e, args))
        if is_among(obj, CONTAINERS):
            items = frozenset().union(*[self.element(v, st).tokens for v in args]) if args \
                else frozenset()
            return st.alloc(e, (CONTAINERS[obj], None), items)
        if is_record_type(obj):
            return st.alloc(e, None, self.union(vals).tokens if vals else ())
        if is_among(obj, SCALAR_BUILTINS) or module[0] == "math":
            return INT if is_among(obj, (len, int, range)) else SCALAR
        if is_among(obj, (min, max, next, getattr, iter)):
            whole = self.union(args) if args else Val()
            return self.union([whole, self.element(whole, st)])
        if is_among(obj, (sum, abs, pow, round, divmod)):
            return SCALAR if immutable else st.alloc(e, ("numeric", None))
        found = callee(obj)
        if found is not None and rules.lookup_adjoint(obj) is None and not rules.\
                is_nondifferentiable(obj) and module[0] != "s2sad":
            summary = self.summary_of(found[0])
            if isinstance(obj, functools.partial):  # its own arguments come first
                summary = copy.copy(summary)
                summary.top = True
            if found[1] is not None:
                owner_val = self.global_val(found[1], unparse(e.func))
                return self.apply(e, summary, [owner_val] + args, kws, st, 1)
            return self.apply(e, summary, args, kws, st)
        if module[0] == "numpy" and (rules.lookup_adjoint(obj) is not None
                                     or rules.is_nondifferentiable(obj)):
            return st.alloc(e, ("numeric", None))
        if module[0] == "s2sad" or rules.lookup_adjoint(obj) is not None:
            return st.alloc(e, None)
        if isinstance(obj, type) and issubclass(obj, np.generic):
            return SCALAR
        if isinstance(obj, type):
            return st.alloc(e, None, self.union(vals).tokens if vals else ())
        return self.conservative(e, vals, st)

    def created_kind(self, obj, e, args):
        if is_among(obj, SHAPED_FUNCS) and e.args:
            shape = e.args[0]
            ndim = len(shape.elts) if isinstance(shape, (gast.Tuple, gast.List)) else (
                1 if args[0].kind and args[0].kind[0] == "int" else None)
            return ("array", ndim)
        if is_among(obj, LIKE_FUNCS) and args:
            return ("array", args[0].kind[1] if args[0].kind else None)
        if is_among(obj, RANGE_FUNCS):
            return ("array", 1)
        if is_among(obj, EYE_FUNCS):
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
        if attr in VIEW_METHODS or (attr == "astype" and "copy" in kws):
            view = self.view(e, base, st, 1 if attr == "ravel" else None)
            return self.union([view, self.element(base, st)]) if attr in (
                "get", "__getitem__", "values", "items") else view
        if attr == "copy":
            items = frozenset().union(*[self.contents_of(o, st) for o, _ in base.tokens])
            return st.alloc(e, base.kind, items)
        if attr in ("item", "count", "index"):
            return SCALAR
        if attr == "tolist":
            return st.alloc(e, ("list", None))
        if attr in FRESH_METHODS:
            same = attr in ("copy", "astype", "round", "clip", "conj", "conjugate")
            return st.alloc(e, ("numeric", 1 if attr == "flatten" else (
                base.kind[1] if same and base.kind else None)))
        return self.conservative(e, [base] + vals, st)

    def apply(self, e, summary, args, kws, st, skip=0):
        """The result of calling a function with ``summary``; records its writes."""
        nodes = [None] * skip + list(e.args)
        kw_nodes = {k.arg: k.value for k in e.keywords}
        starred = any(isinstance(a, gast.Starred) for a in e.args) or None in kws
        if summary.top or starred or len(args) > len(summary.params):
            every = self.union(args + list(kws.values()))
            bound = {p: (every, None) for p in summary.params}
        else:
            bound = {p: (v, n) for p, v, n in zip(summary.params, args, nodes)}
            for k, v in kws.items():
                bound[k if k in summary.params else summary.params[-1]] = (v, kw_nodes.get(k))
            summary = self.specialised(summary, bound)
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
            tokens |= {(o, False) for o in self.reach(self.ev_Name(load(name), st).tokens, st)}
        if self.mode == "summary":  # a nested def writing into this function's variables
            for name in summary.written_outer:
                held = self.ev_Name(load(name), st).tokens
                self.written.extend((o, self.now) for o in self.reach(held, st))
        if summary.function is not None:  # a factory: the result holds what it captured
            self.made[id(e)] = summary.function
            for param in summary.captures:
                if param in bound:
                    tokens |= {(o, False) for o in self.reach(bound[param][0].tokens, st)}
        fresh = st.alloc(e, None if tokens else summary.kind, tokens)
        return Val(fresh.tokens | tokens, fresh.kind)

