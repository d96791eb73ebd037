"""Calls to s2sad's own transforms inside a function being differentiated.

s2sad's API is recognised through :data:`s2sad.transforms.hooks.API`.

Input: the parsed function (before desugaring), its namespace, and a ``bind(stem,
obj)`` callback that binds an object to a fresh name of the generated module.
Output: the same function where

* a transform built from values known when compiling, ``s2sad.grad(f)`` or
  ``s2sad.jacfwd(f, argnums=1)``, is built once, now, and bound to a name: the
  function then calls that transform, which the AD modes differentiate through its
  stand-in (:func:`s2sad.api.standins.shim`);
* ``s2sad.jvp(f, (x, y), (dx, dy))`` with a known ``f`` and tuple (or list)
  displays becomes a call of a stand-in, ``jvp_f(x, y, dx, dy)``, that runs the
  generated forward-mode code of ``f`` and returns ``(out, t_out)``: so ``grad`` of
  a function that calls ``jvp`` works;
* ``s2sad.vjp(f, x, y)`` with a known ``f``, unpacked at once
  (``out, f_vjp = s2sad.vjp(f, x, y)``, ``out, f_vjp, aux = ...`` with
  ``has_aux=True``) or indexed (``s2sad.vjp(f, x)[1](ct)``), becomes a call of ``f``
  for the output and ``functools.partial(vjp_f, x, y)`` for the pullback, where the
  stand-in ``vjp_f(x, y, ct)`` runs ``f``'s generated split sweeps.

Other uses of the transforms (a function chosen at run time, ``*args``) are left
alone; differentiating them then fails with s2sad's usual errors.
"""
import functools

import gast

from ..syntax import astwalk
from .calls import resolve_free
from .hooks import API

def fold_transform_calls(fdef, namespace, local, bind, namer, reject=None):
    """Rewrite ``fdef`` in place (see the module docstring).

    ``local(name)`` tells whether ``name`` is a local variable of the function;
    ``namer`` gives fresh local names; ``reject(node, construct, hint)`` raises the
    located error for ``s2sad.jvp``/``s2sad.vjp`` called with ``create_graph=False``
    (their results are then not differentiable).
    """
    _Folder(namespace, local, bind, namer, reject).visit(fdef)


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


class _Folder(gast.NodeTransformer):
    def __init__(self, namespace, local, bind, namer, reject):
        self.namespace = namespace
        self.local = local
        self.bind = bind
        self.namer = namer
        self.reject = reject

    def _keywords(self, node, api_name):
        """The compile-time keywords of a jvp/vjp call, or None; ``create_graph=True``
        is dropped, ``create_graph=False`` rejected (located)."""
        keywords = {k.arg: self._value(k.value) for k in node.keywords}
        if not all(ok for ok, _ in keywords.values()):
            return None
        flag = keywords.pop("create_graph", (True, True))[1]
        if not flag and self.reject is not None:
            raise self.reject(node, "differentiating s2sad.%s(..., create_graph=False)"
                              % api_name,
                              "its results are not differentiable by design; drop "
                              "create_graph=False to differentiate through this call")
        return None if set(keywords) - {"has_aux"} else keywords

    def visit_Call(self, node):
        self.generic_visit(node)
        if (isinstance(node.func, gast.Subscript) and _index(node.func) == 1
                and self._vjp_call(node.func.value)):  # s2sad.vjp(f, x)[1](ct)
            fun, primals, has_aux = self._vjp_call(node.func.value)
            return gast.Call(func=self._pullback(fun, len(primals), has_aux),
                             args=primals + node.args, keywords=node.keywords)
        func = self._static(node.func)
        if func is None:
            return node
        if API.builder(func) is not None:
            return self._built(node, func)
        if func is API.jvp:
            return self._jvp(node)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        found = self._vjp_call(node.value) if _index(node) == 0 else None
        if found and not found[2]:  # s2sad.vjp(f, x)[0]: the output
            fun, primals, _ = found
            return gast.Call(func=_name(self.bind(fun.__name__, fun)), args=primals,
                             keywords=[])
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        found = self._vjp_call(node.value)
        target = node.targets[0]
        if not found or len(node.targets) != 1 or not isinstance(target, (gast.Tuple,
                                                                          gast.List)):
            return node
        fun, primals, has_aux = found
        names = target.elts
        if len(names) != (3 if has_aux else 2) or not all(isinstance(n, gast.Name)
                                                           for n in names):
            return node
        out = []
        for i, p in enumerate(primals):  # each primal evaluated once, as in the call
            if not isinstance(p, (gast.Name, gast.Constant)):
                temp = self.namer.unique("primal")
                out.append(gast.Assign(targets=[_name(temp, gast.Store())], value=p,
                                       type_comment=None))
                primals[i] = _name(temp)
        call = gast.Call(func=_name(self.bind(fun.__name__, fun)), args=list(primals),
                         keywords=[])
        result = names[0] if not has_aux else gast.Tuple(elts=[names[0], names[2]],
                                                         ctx=gast.Store())
        out.append(gast.Assign(targets=[result], value=call, type_comment=None))
        partial = gast.Call(func=_name(self.bind("partial", functools.partial)),
                            args=[self._pullback(fun, len(primals), has_aux)] + primals,
                            keywords=[])
        out.append(gast.Assign(targets=[names[1]], value=partial, type_comment=None))
        for stmt in out:
            gast.copy_location(stmt, node)
            for sub in astwalk.walk(stmt):
                if isinstance(sub, gast.expr):
                    gast.copy_location(sub, node)
        return out

    def _vjp_call(self, node):
        """``(f, primal nodes, has_aux)`` of a call ``s2sad.vjp(f, *primals)`` with a
        known ``f``, or None."""
        if not isinstance(node, gast.Call) or self._static(node.func) is not API.vjp:
            return None
        if not node.args or any(isinstance(a, gast.Starred) for a in node.args[1:]):
            return None
        fun = self._static(node.args[0])
        keywords = self._keywords(node, "vjp")
        if fun is None or not callable(fun) or keywords is None or len(node.args) < 2:
            return None
        return fun, list(node.args[1:]), bool(keywords.get("has_aux", (True, False))[1])

    def _pullback(self, fun, n, has_aux):
        stand_in = API.vjp_stand_in(fun, n, has_aux)
        return _name(self.bind(stand_in.__name__, stand_in))

    def _static(self, node):
        """The live object ``node`` names if it does not depend on local values."""
        return resolve_free(node, self.namespace, self.local)

    def _value(self, node):
        """``(True, value)`` for a compile-time value, else ``(False, None)``."""
        if isinstance(node, gast.Constant):
            return True, node.value
        if isinstance(node, (gast.Tuple, gast.List)):
            parts = [self._value(e) for e in node.elts]
            if all(ok for ok, _ in parts):
                values = [v for _, v in parts]
                return True, tuple(values) if isinstance(node, gast.Tuple) else values
            return False, None
        if isinstance(node, (gast.Name, gast.Attribute)):
            value = self._static(node)
            return value is not None, value
        return False, None

    def _built(self, node, builder):
        args = [self._value(a) for a in node.args]
        keywords = {k.arg: self._value(k.value) for k in node.keywords}
        if None in keywords or not all(ok for ok, _ in args + list(keywords.values())):
            return node
        transform = builder(*[v for _, v in args],
                            **{k: v for k, (_, v) in keywords.items()})
        stem = "%s_%s" % (builder.__name__, getattr(args[0][1], "__name__", "f")) \
            if args else builder.__name__
        return gast.Name(id=self.bind(stem, transform), ctx=gast.Load(), annotation=None,
                         type_comment=None)

    def _jvp(self, node):
        if len(node.args) != 3:
            return node
        fun, primals, tangents = node.args
        fun = self._static(fun)
        keywords = self._keywords(node, "jvp")
        if (fun is None or keywords is None
                or not isinstance(primals, (gast.Tuple, gast.List))
                or not isinstance(tangents, (gast.Tuple, gast.List))
                or len(primals.elts) != len(tangents.elts)):
            return node
        has_aux = bool(keywords.get("has_aux", (True, False))[1])
        stand_in = API.jvp_stand_in(fun, len(primals.elts), has_aux)
        name = self.bind(stand_in.__name__, stand_in)
        return gast.Call(func=gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                        type_comment=None),
                         args=list(primals.elts) + list(tangents.elts), keywords=[])


def _index(subscript):
    """The constant int index of ``subscript``, or None."""
    index = subscript.slice
    if isinstance(index, gast.Constant) and type(index.value) is int:
        return index.value
    return None
