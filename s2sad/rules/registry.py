"""The rule registry and the rule-author API.

A rule is a *template*: a plain Python function parsed once when it is
registered and pasted, with its parameters substituted, into generated code.

Contract
--------
* The first parameter is the primal result; the others mirror the call's
  signature, defaults included (``def sum(y, x, axis=None, keepdims=False)``).
  Defaults must be literals.  A call that passes a keyword the template does
  not name is rejected with an error that names it.  ``*args`` collects extra
  positional arguments as a tuple (``def reshape(y, x, *shape)``).
* ``d[name]`` is the derivative of a parameter.  In an **adjoint** template,
  ``d[y]`` (the result) is read and each ``d[x] = expr`` is one *contribution*
  to the adjoint of ``x``: the compiler turns it into ``bx = expr`` or
  ``bx = bx + expr`` and drops it when ``x`` is a constant or inactive.  In a
  **tangent** template, ``d[x]`` of inputs are read and ``d[y] = expr`` defines
  the result's tangent; write ``expr`` as a sum of terms each linear in one
  ``d[x]``, so that terms of inactive inputs simplify away.
* Other names are resolved in the template's module (``np``, runtime helpers)
  and imported into the generated module; local temporaries are renamed.
* Keys are the live callables (``np.sin``, ``operator.add``), or
  :func:`method` / :func:`attribute` keys for ``x.sum(...)`` and ``x.T``.

Example
-------
>>> import numpy as np
>>> from s2sad.rules import adjoint, d
>>> def my_cube(x):
...     return x * x * x
>>> @adjoint(my_cube)
... def my_cube_adjoint(y, x):
...     d[x] = d[y] * 3.0 * x * x
"""
import inspect
import textwrap

import gast

from ..syntax import astwalk
from ..errors import RuleError, public_name, rule_key_text

__all__ = [
    "RuleError",
    "adjoint", "tangent", "linear", "nondifferentiable", "d", "method",
    "attribute", "Rule", "lookup_adjoint", "lookup_tangent",
    "is_nondifferentiable", "generation", "sequence_result", "returns_sequence",
]


class _DerivativeMarker:
    """The ``d`` in ``d[x]``; meaningful only inside templates."""

    def __getitem__(self, name):
        raise RuntimeError("s2sad.rules.d is a template marker; it cannot be evaluated")

    def __repr__(self):
        return "s2sad.rules.d"


d = _DerivativeMarker()


class _Key(tuple):
    def __repr__(self):
        kind, name = self
        return "x.%s%s" % (name, "(...)" if kind == "method" else "")


def method(name):
    """Rule key for the array method ``x.<name>(...)``."""
    return _Key(("method", name))


def attribute(name):
    """Rule key for the array attribute ``x.<name>``."""
    return _Key(("attribute", name))


class Rule:
    """A parsed template.

    Attributes:
      key: what the rule is for.
      kind: ``"adjoint"`` or ``"tangent"``.
      signature: the template's :class:`inspect.Signature`.
      result: name of the first (result) parameter.
      body: list of gast statements (fresh copy per :meth:`instantiate`).
      namespace: the template module's globals, to resolve free names.
      filename, lineno: where the template is defined.
    """

    def __init__(self, key, kind, func):
        self.key = key
        self.kind = kind
        self.func = func
        self.signature = inspect.signature(func)
        params = list(self.signature.parameters.values())
        if not params:
            raise RuleError("%s: template %s needs a result parameter"
                            % (_where(func), func.__name__))
        self.result = params[0].name
        self.inputs = [p.name for p in params[1:]]
        for p in params[1:]:
            if p.default is not p.empty and not _is_literal(p.default):
                raise RuleError("%s: default of %s must be a literal" % (_where(func), p.name))
        self.namespace = func.__globals__

    #: what :meth:`_load` computes from the template's source, on first use (s2sad's own
    #: few hundred templates are parsed when a derivative needs them, not at import)
    _PARSED = ("filename", "lineno", "body", "differentiable", "coupled", "reads_result")

    def __getattr__(self, name):
        if name in Rule._PARSED:
            self._load()
            return self.__dict__[name]
        raise AttributeError(name)

    def _load(self):
        self.filename, self.lineno, fdef = _parse(self.func)
        self.body = [s for s in fdef.body if not _is_docstring(s)]
        self._validate()
        module = gast.Module(body=self.body, type_ignores=[])
        marked = {id(n.slice) for n in astwalk.walk(module) if is_d(n)}
        #: the parameters with a derivative in this template (d[x] assigned in an
        #: adjoint, read in a tangent): the others (indices, axes) carry none
        self.differentiable = {n.slice.id for n in astwalk.walk(module) if is_d(n)
                               and n.slice.id != self.result}
        #: a term of a contribution mentions two derivatives (``add_grad(d[a], d[b])``):
        #: a symbolic zero there must become a real zero, not drop the whole term
        self.coupled = any(_coupled(stmt.value) for stmt in self.body
                           if isinstance(stmt, gast.Assign) and is_d(stmt.targets[0]))
        #: the template reads the primal result (``tanh``'s adjoint does)
        self.reads_result = any(
            isinstance(n, gast.Name) and n.id == self.result and isinstance(n.ctx, gast.Load)
            and id(n) not in marked for n in astwalk.walk(module))

    def _validate(self):
        names = {self.result, *self.inputs}
        writable = {self.result} if self.kind == "tangent" else set(self.inputs)
        for node in astwalk.walk(gast.Module(body=self.body, type_ignores=[])):
            if not is_d(node):
                continue
            target = node.slice
            if not isinstance(target, gast.Name) or target.id not in names:
                raise RuleError("%s:%d: d[...] must name a parameter of %s"
                                % (self.filename, self.lineno + node.lineno - 1,
                                   self.func.__name__))
            if isinstance(node.ctx, gast.Store) and target.id not in writable:
                raise RuleError("%s:%d: a %s template may not assign d[%s]"
                                % (self.filename, self.lineno + node.lineno - 1,
                                   self.kind, target.id))

    def bind(self, args, keywords, where):
        """Map template parameters to call-site AST nodes.

        Args:
          args: positional argument nodes of the call.
          keywords: dict name -> node.
          where: ``file:line`` of the call, for error messages.
        Returns:
          dict parameter name -> gast expression (defaults become constants,
          ``*args`` parameters a Tuple node).
        """
        params = list(self.signature.parameters.values())[1:]
        known = {p.name for p in params}
        for kw in keywords:
            if kw not in known:
                raise _bind_error("the keyword argument %r" % kw, self, keyword=kw)
        bound = {}
        args = list(args)
        npos = len(args)
        for p in params:
            if p.kind == p.VAR_POSITIONAL:
                bound[p.name] = gast.Tuple(elts=args, ctx=gast.Load())
                args = []
            elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and args:
                if p.name in keywords:
                    raise _bind_error("passing %r twice" % p.name, self)
                bound[p.name] = args.pop(0)
            elif p.name in keywords:
                bound[p.name] = keywords[p.name]
            elif p.default is not p.empty:
                bound[p.name] = gast.Constant(value=p.default, kind=None)
            else:
                raise _bind_error("a call without argument %r" % p.name, self)
        if args:
            raise _bind_error("%d positional arguments" % npos, self)
        return bound


def _coupled(expr):
    """True if one ``+``/``-`` term of ``expr`` mentions two different ``d[...]``."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub)):
        return _coupled(expr.left) or _coupled(expr.right)
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        return _coupled(expr.operand)
    return len({n.slice.id for n in astwalk.walk(expr) if is_d(n)}) > 1


def _bind_error(construct, rule, keyword=None):
    """A call the template of ``rule`` cannot take; ``construct`` says what (the
    compiler adds where).  ``keyword``: the keyword argument the template does not
    name."""
    name, key = public_name(rule.key), rule_key_text(rule.key)
    err = RuleError("%s of %s is not supported by its derivative rule (%s:%d)"
                    % (construct, name, rule.filename, rule.lineno))
    err.construct, err.function, err.key, err.keyword = construct, name, key, keyword
    params = list(rule.signature.parameters)[1:]
    err.hint = ("the rule (%s:%d) takes %s; %sor register your own rule with "
                "@s2sad.rules.adjoint(%s) and @s2sad.rules.tangent(%s)"
                % (rule.filename, rule.lineno, ", ".join(params) or "no arguments",
                   "leave %s= out if its default is what you mean, " % keyword
                   if keyword else "pass the arguments as the rule names them, ", key, key))
    return err


def _is_literal(value):
    if isinstance(value, (tuple, list)):
        return all(_is_literal(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, complex, str, type(Ellipsis)))


def _is_docstring(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
            and isinstance(stmt.value.value, str))


def is_d(node):
    """True if ``node`` is the template marker expression ``d[name]``."""
    return (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
            and node.value.id == "d")


_ADJOINTS = {}
_TANGENTS = {}
_NONDIFF = set()
_LINEAR = set()
_SEQUENCES = set()
_state = {"generation": 0}


def generation():
    """A counter bumped by every registration; part of every cache key."""
    return _state["generation"]


def changed():
    """Declare that rules outside the tables changed (``custom_vjp.defvjp``): every
    derivative compiled before is compiled again when next asked for."""
    _bump()


def _bump():
    _state["generation"] += 1


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        raise RuleError("rule key %r is not hashable" % (key,)) from None
    return key


def _where(func):
    code = getattr(func, "__code__", None)
    return "%s:%d" % (code.co_filename, code.co_firstlineno) if code else repr(func)


_TEMPLATES = {}


def _parse(func):
    """``(filename, lineno, FunctionDef)`` of template ``func``, parsed once."""
    if func not in _TEMPLATES:
        filename = inspect.getsourcefile(func) or "<template>"
        try:
            lines, lineno = inspect.getsourcelines(func)
        except (OSError, TypeError):
            raise RuleError("cannot read the source of template %r" % func) from None
        fdef = gast.parse(textwrap.dedent("".join(lines))).body[0]
        if not isinstance(fdef, gast.FunctionDef):
            raise RuleError("%s:%d: a rule template must be a def" % (filename, lineno))
        _TEMPLATES[func] = (filename, lineno, fdef)
    return _TEMPLATES[func]


def _register(table, kind, keys):
    keys = [_hashable(k) for k in keys]

    def decorator(func):
        for key in keys:
            rule = Rule(key, kind, func)
            if not (getattr(func, "__module__", "") or "").startswith("s2sad."):
                rule._load()  # a user's template: its mistakes are reported here
            table[key] = rule
        _bump()
        return func
    return decorator


def adjoint(*keys):
    """Register the decorated template as the adjoint rule of ``keys``."""
    return _register(_ADJOINTS, "adjoint", keys)


def tangent(*keys):
    """Register the decorated template as the tangent rule of ``keys``."""
    return _register(_TANGENTS, "tangent", keys)


def linear(*keys):
    """Declare ``keys`` linear in their first argument.

    Their tangent is the function applied to the tangent:
    ``d[y] = f(d[x], *other_args)``; no template needed.
    """
    for key in keys:
        _LINEAR.add(_hashable(key))
    _bump()


def nondifferentiable(*keys):
    """Declare ``keys`` non-differentiable: their results carry no derivative."""
    for key in keys:
        _NONDIFF.add(_hashable(key))
    _bump()


def sequence_result(*keys):
    """Declare that ``keys`` return a tuple or list of arrays (``np.linalg.svd``,
    ``np.split``): the compiler then accumulates their adjoints part by part, never with
    ``+`` (which would concatenate tuples)."""
    for key in keys:
        _SEQUENCES.add(_hashable(key))
    _bump()


def returns_sequence(key):
    """True if ``key`` is declared to return a tuple or list (:func:`sequence_result`)."""
    try:
        return key in _SEQUENCES
    except TypeError:
        return False


def _get(table, key):
    try:
        return table.get(key)
    except TypeError:
        return None


def lookup_adjoint(key):
    """The adjoint :class:`Rule` of ``key``, or None."""
    return _get(_ADJOINTS, key)


def lookup_tangent(key):
    """The tangent :class:`Rule` of ``key``, or None."""
    return _get(_TANGENTS, key)


def is_linear(key):
    """True if ``key`` was declared with :func:`linear`."""
    try:
        return key in _LINEAR
    except TypeError:
        return False


def is_nondifferentiable(key):
    """True if ``key`` is declared non-differentiable."""
    try:
        return key in _NONDIFF
    except TypeError:
        return False


def registered_keys():
    """All keys with an adjoint rule (for coverage tests)."""
    return list(_ADJOINTS)
