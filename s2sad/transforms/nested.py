"""Calls to s2sad's own transforms inside a function being differentiated.

Input: the parsed function (before desugaring), its namespace, and a ``bind(stem,
obj)`` callback that binds an object to a fresh name of the generated module.
Output: the same function where

* a transform built from values known when compiling, ``s2sad.grad(f)`` or
  ``s2sad.jacfwd(f, argnums=1)``, is built once, now, and bound to a name: the
  function then calls that transform, which the AD modes differentiate through its
  stand-in (:func:`s2sad.higher.shim`);
* ``s2sad.jvp(f, (x, y), (dx, dy))`` with a known ``f`` and tuple (or list)
  displays becomes a call of a stand-in, ``jvp_f(x, y, dx, dy)``, that runs the
  generated forward-mode code of ``f`` and returns ``(out, t_out)``: so ``grad`` of
  a function that calls ``jvp`` works.

Other uses of the transforms (a function chosen at run time, ``*args``) are left
alone; differentiating them then fails with s2sad's usual errors.
"""
import gast

from .ops import resolve

_BUILDERS = ("grad", "value_and_grad", "jacrev", "jacfwd", "hessian")


def fold_transform_calls(fdef, namespace, local, bind):
    """Rewrite ``fdef`` in place (see the module docstring).

    ``local(name)`` tells whether ``name`` is a local variable of the function.
    """
    _Folder(namespace, local, bind).visit(fdef)


class _Folder(gast.NodeTransformer):
    def __init__(self, namespace, local, bind):
        self.namespace = namespace
        self.local = local
        self.bind = bind

    def visit_Call(self, node):
        self.generic_visit(node)
        import s2sad
        func = self._static(node.func)
        if func is None:
            return node
        if any(func is getattr(s2sad, name) for name in _BUILDERS):
            return self._built(node, func)
        if func is s2sad.jvp:
            return self._jvp(node)
        return node

    def _static(self, node):
        """The live object ``node`` names if it does not depend on local values."""
        root = node
        while isinstance(root, gast.Attribute):
            root = root.value
        if not isinstance(root, gast.Name) or self.local(root.id):
            return None
        try:
            return resolve(node, self.namespace)
        except (KeyError, AttributeError):
            return None

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
        from ..higher import jvp_stand_in
        if len(node.args) != 3:
            return node
        fun, primals, tangents = node.args
        fun = self._static(fun)
        keywords = {k.arg: self._value(k.value) for k in node.keywords}
        if (fun is None or set(keywords) - {"has_aux"} or not all(
                ok for ok, _ in keywords.values())
                or not isinstance(primals, (gast.Tuple, gast.List))
                or not isinstance(tangents, (gast.Tuple, gast.List))
                or len(primals.elts) != len(tangents.elts)):
            return node
        has_aux = bool(keywords.get("has_aux", (True, False))[1])
        stand_in = jvp_stand_in(fun, len(primals.elts), has_aux)
        name = self.bind(stand_in.__name__, stand_in)
        return gast.Call(func=gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                        type_comment=None),
                         args=list(primals.elts) + list(tangents.elts), keywords=[])
