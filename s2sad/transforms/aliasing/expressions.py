"""Objects and expressions of the points-to analysis (a mixin of
:class:`~.analysis.Analysis`).

Input: the host's ``mode``, ``params``, ``kinds`` (parameter -> "number" or a kind),
``locals``, ``outer`` (names of the enclosing function), ``namespace`` and ``shared``
(its ``labels``: global object -> (label, kind, object)); an expression and the
:class:`~.domain.State` before it.  Output (:meth:`Expressions.ev`): the expression's
:class:`~.domain.Val`; the state is updated in place (new objects, refined kinds,
appended contents).  Calls are evaluated by :class:`~.invocations.Calls`.
"""
import numbers
import types

import gast
import numpy as np

from ...syntax import astwalk
from ..ops import resolve
from .catalog import CONTAINERS, SCALAR_ATTRS, VIEW_ATTRS
from .domain import INT, NUMERIC, SCALAR, Val, elem_of, is_ndarray, kjoin, root_of
from .syntax import index_parts, is_sliced, unparse


class Expressions:
    """What an expression's value may be (see the module docstring)."""

    def external(self, obj):
        obj = root_of(obj)
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
        if kind is not None and kind[0] in NUMERIC:
            return frozenset()  # an array of numbers holds no objects
        if obj[0] in ("param", "encl", "global", "elem", "any"):
            return frozenset({(elem_of(obj), True)})
        return frozenset()

    def add_contents(self, val, tokens, st):
        for obj, _ in val.tokens:
            kind = self.kind_of(obj, st)
            if tokens and not (kind is not None and kind[0] in NUMERIC):  # arrays copy
                st.contents[obj] = self.contents_of(obj, st) | frozenset(tokens)

    def reach(self, tokens, st):
        seen, todo = set(), [o for o, _ in tokens]
        while todo:
            obj = todo.pop()
            if obj not in seen:
                seen.add(obj)
                todo.extend(o for o, _ in self.contents_of(obj, st))
        return seen

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
            kind = ("array", obj.ndim) if isinstance(obj, np.ndarray) else CONTAINERS.get(
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
        if self.free_chain(e) and self.stable(e):
            try:
                return self.global_val(resolve(e, self.namespace), unparse(e))
            except KeyError:
                return Val()
        base = self.ev(e.value, st)
        if e.attr in SCALAR_ATTRS:
            return SCALAR
        if e.attr in VIEW_ATTRS:
            return self.view(e, base, st, base.kind[1] if base.kind else None)
        return self.element(base, st)

    def stable(self, node):
        """True if the free name or attribute chain ``node`` is the same object each time
        it is read (``np.pi``, ``MODEL.layer``), not a new one (``W.T``, a new view of
        ``W``'s memory each time: analysed as a view of ``W``)."""
        try:
            return resolve(node, self.namespace) is resolve(node, self.namespace)
        except KeyError:
            return True

    def view(self, node, val, st, ndim=None):
        """A value that may be (a view of) ``val``'s memory."""
        kind = val.kind
        kind = ("array" if is_ndarray(kind) else "numeric", ndim) if kind and kind[0] in \
            NUMERIC else None
        if not val.tokens:  # a view of a number is a new array
            return st.alloc(node, kind or ("numeric", ndim))
        return Val({(o, False) for o, _ in val.tokens}, kind)

    def element(self, val, st, sliced=False, iterating=False):
        """An element (or slice) read from ``val`` (``iterating``: an element a loop over
        it takes: a number for a 1-d array, a row view of an n-d one)."""
        tokens, kind = set(), "-"
        for obj, exact in val.tokens:
            k = self.kind_of(obj, st)
            if iterating and k is not None and k[0] == "array" and k[1]:
                row = ("scalar", 0) if k[1] == 1 else ("array", k[1] - 1)
                if k[1] > 1:
                    tokens.add((obj, False))
                kind = row if kind == "-" else kjoin(kind, row)
                continue
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
        parts = index_parts(e.slice)
        vals = [self.ev(p, st) for p in parts]
        kind = base.kind
        if is_ndarray(kind) and kind[1] == len(parts) and all(
                v.kind and v.kind[0] in ("int", "scalar") for v in vals):
            return SCALAR
        sliced = any(is_sliced(p) for p in parts)
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
            return Val(item.tokens, ("array", _view_ndim(kind[1], parts, vals)))  # a view
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
            return st.alloc(node, ("list" if "list" in cats else "tuple", None), items)
        if None in cats and isinstance(op, (gast.Add, gast.Mult)) and not (cats & {
                "scalar", "array", "numeric"}):
            return st.alloc(node, None, items)  # may be list concatenation
        ndims = [k[1] if k else None for k in (kl, kr)]
        ndim = None if None in ndims or isinstance(op, gast.MatMult) else max(ndims)
        return st.alloc(node, ("array" if is_ndarray(kl) or is_ndarray(kr) else "numeric",
                               ndim))

    def ev_UnaryOp(self, e, st):
        val = self.ev(e.operand, st)
        if isinstance(e.op, gast.Not):
            return SCALAR
        if not val.tokens and val.kind and val.kind[0] in ("int", "scalar"):
            return val
        return st.alloc(e, ("numeric", val.kind[1] if val.kind else None))

    def ev_Compare(self, e, st):
        vals = [self.ev(x, st) for x in [e.left] + e.comparators]
        if any(isinstance(op, (gast.In, gast.NotIn, gast.Is, gast.IsNot)) for op in e.ops) \
                or all(v.kind and v.kind[0] in ("int", "scalar") for v in vals):
            return SCALAR
        return st.alloc(e, ("numeric", None))

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
        return st.alloc(e, (cat, None), tokens)

    ev_List = ev_Tuple

    def ev_Dict(self, e, st):
        vals = [self.ev(k, st) for k in e.keys if k is not None] + [
            self.element(self.ev(v, st), st) if k is None else self.ev(v, st)
            for k, v in zip(e.keys, e.values)]
        return st.alloc(e, ("dict", None), frozenset().union(*[v.tokens for v in vals]))

    def ev_ListComp(self, e, st):
        saved = {}
        for gen in e.generators:
            item = self.element(self.ev(gen.iter, st), st, iterating=True)
            simple = isinstance(gen.target, gast.Name)
            for node in astwalk.walk(gen.target):
                if isinstance(node, gast.Name):
                    saved.setdefault(node.id, st.env.get(node.id))
                    st.kill(node.id)
                    st.env[node.id] = item if simple else Val(
                        item.tokens | self.element(item, st).tokens)
            for cond in gen.ifs:
                self.ev(cond, st)
        elt = self.ev(e.elt, st)
        for name, val in saved.items():
            st.kill(name)
            if val is None:
                st.env.pop(name, None)
            else:
                st.env[name] = val
        return st.alloc(e, ("list", None), elt.tokens)

    ev_GeneratorExp = ev_ListComp

    def ev_Lambda(self, e, st):
        return Val()

    def conservative(self, node, vals, st, external=False):
        """A call s2sad cannot see into: its result may alias any argument."""
        tokens = {(o, False) for o in self.reach(self.union(vals).tokens if vals else (), st)}
        if external:
            tokens.add((("any",), True))
        fresh = st.alloc(node, None, tokens)
        return Val(fresh.tokens | tokens)


def _view_ndim(ndim, parts, vals):
    """The ndim of a basic-indexing view of an ``ndim``-d array by ``parts`` (slices,
    integers, ``None``), or None when it is not known."""
    if ndim is None:
        return None
    taken = added = 0
    for part, val in zip(parts, vals):
        if is_sliced(part):
            taken += 1
        elif isinstance(part, gast.Constant) and part.value is None:
            added += 1
        elif val.kind is not None and val.kind[0] == "int":
            taken += 1
            added -= 1
        else:
            return None
    return ndim + added if taken <= ndim else None

