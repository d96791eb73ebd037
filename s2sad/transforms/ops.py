"""What operation the right-hand side of an ANF assignment performs.

Input: an ANF expression (see :mod:`s2sad.transforms.anf`) and the function's
namespace.  Output: an :class:`Op` giving its kind and, for calls, operators,
subscripts and attributes, the rule key and the argument nodes.  Shared by
activity analysis and both AD modes, so they agree on what is differentiable.
"""
import dataclasses
import operator

import gast
import numpy as np

from ..syntax import astwalk
from .. import rules
from ..errors import MissingRuleError
from .calls import callee, resolve
from .hooks import API

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos}


class Op:
    """A classified right-hand side.

    ``kind`` is one of ``"const"`` (no inputs), ``"copy"`` (``x = a``),
    ``"literal"`` (tuple/list/dict display), ``"nondiff"`` (boolean or
    integer-valued: comparisons, ``x.shape``, registered non-differentiable
    calls), ``"rule"`` (a registered adjoint rule), ``"function"`` (a Python
    function to differentiate recursively) or ``"unknown"`` (no rule).
    """

    def __init__(self, kind, key=None, args=(), keywords=None, func=None):
        self.kind = kind
        self.key = key
        self.args = list(args)
        self.keywords = dict(keywords or {})
        self.func = func

    def inputs(self):
        """Names read as differentiable inputs."""
        nodes = list(self.args) + list(self.keywords.values())
        return [n.id for node in nodes for n in astwalk.walk(node) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Load)]


def is_among(obj, collection):
    """``obj in collection`` for any object (unhashable ones are in no set)."""
    try:
        return obj in collection
    except TypeError:
        return False


def index_expr(idx):
    """A subscript index as an ordinary expression (``1:n`` -> ``slice(1, n)``)."""
    if isinstance(idx, gast.Slice):
        none = gast.Constant(value=None, kind=None)
        parts = [idx.lower or none, idx.upper or none]
        if idx.step is not None:
            parts.append(idx.step)
        return gast.Call(func=gast.Name(id="slice", ctx=gast.Load(), annotation=None,
                                        type_comment=None), args=parts, keywords=[])
    if isinstance(idx, gast.Tuple):
        return gast.Tuple(elts=[index_expr(e) for e in idx.elts], ctx=gast.Load())
    return idx


def classify(value, namespace, is_local):
    """Classify ANF expression ``value``; ``is_local(name)`` tells local variables."""
    if isinstance(value, gast.Constant):
        return Op("const")
    if isinstance(value, gast.Name):
        return Op("copy", args=[value]) if is_local(value.id) else Op("const")
    if isinstance(value, gast.BinOp):
        return _keyed(BINOPS.get(type(value.op)), [value.left, value.right])
    if isinstance(value, gast.UnaryOp):
        key = UNARYOPS.get(type(value.op))
        return _keyed(key, [value.operand]) if key else Op("nondiff")
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        return Op("literal")
    if isinstance(value, gast.Subscript):
        return _keyed(operator.getitem, [value.value, index_expr(value.slice)])
    if isinstance(value, gast.Attribute):
        root = value
        while isinstance(root, gast.Attribute):
            root = root.value
        if isinstance(root, gast.Name) and not is_local(root.id):
            return Op("const")
        key = rules.attribute(value.attr)
        if rules.lookup_adjoint(key) is None and not rules.is_nondifferentiable(key):
            # a field of a namedtuple or dataclass: getattr(x, "name")
            return _keyed(getattr, [value.value, gast.Constant(value=value.attr, kind=None)])
        return _keyed(key, [value.value])
    if isinstance(value, gast.Call):
        return _call(value, namespace, is_local)
    return Op("nondiff")  # comparisons, boolean logic, f-strings


def _keyed(key, args, keywords=None, func=None):
    if key is None:
        return Op("unknown", key, args, keywords)
    if rules.is_nondifferentiable(key):
        return Op("nondiff", key, args, keywords)
    if rules.lookup_adjoint(key) is not None or rules.lookup_tangent(key) is not None:
        return Op("rule", key, args, keywords)
    if func is not None:
        return Op("function", key, args, keywords, func)
    return Op("unknown", key, args, keywords)


def _call(value, namespace, is_local):
    """The :class:`Op` of a call; kind ``"unpacked"`` for a call that unpacks arguments
    into a function with a rule (``**kw``) or into a user function or record type
    (``*args`` or ``**kw``): which parameter gets which value is only known at run
    time, so the transforms refuse it (:func:`missing_rule`)."""
    op = _plain_call(value, namespace, is_local)
    double = [k.value for k in value.keywords if k.arg is None]
    starred = any(isinstance(a, gast.Starred) for a in value.args)
    if (double and op.kind in ("rule", "function", "constructor")) or (
            starred and op.kind in ("function", "constructor")):
        return Op("unpacked", op.key, list(op.args) + double, op.keywords, op.func)
    return op


def _plain_call(value, namespace, is_local):
    keywords = {k.arg: k.value for k in value.keywords if k.arg is not None}
    func = value.func
    root = func
    while isinstance(root, gast.Attribute):
        root = root.value
    if isinstance(func, gast.Attribute) and isinstance(root, gast.Name) and is_local(root.id):
        return _keyed(rules.method(func.attr), [func.value] + value.args, keywords)
    if isinstance(func, gast.Name) and is_local(func.id):
        # a function value the function computes or receives: its result depends on it
        return Op("unknown", func.id, [func] + value.args, keywords)
    try:
        obj = resolve(func, namespace)
    except KeyError:
        return Op("unknown", getattr(func, "id", None), value.args, keywords)
    if getattr(obj, "__s2sad_transform__", None) is not None:
        # a function made by s2sad.grad & co.: differentiate its plain stand-in
        obj = API.stand_in(obj, obj.__s2sad_transform__["api"])
    if is_record_type(obj):
        return Op("constructor", obj, value.args, keywords, obj)
    pyfunc = obj if callee(obj) is not None else None
    if getattr(pyfunc, "__module__", None) in API.modules:
        pyfunc = None  # s2sad's own API, not folded by transforms.nested: no rule
    return _keyed(obj, value.args, keywords, func=pyfunc)


def is_record_type(obj):
    """A namedtuple or dataclass type: its constructor stores its arguments as fields."""
    return isinstance(obj, type) and (
        (issubclass(obj, tuple) and hasattr(obj, "_fields")) or dataclasses.is_dataclass(obj))


def public_name(key):
    """How users spell rule key ``key``: ``numpy.tanh``, ``numpy.add.reduce``."""
    if isinstance(key, str):
        return key
    owner = getattr(key, "__self__", None)
    if isinstance(owner, np.ufunc):
        return "numpy.%s.%s" % (owner.__name__, key.__name__)
    if isinstance(key, np.ufunc):
        return "numpy.%s" % key.__name__
    name, module = getattr(key, "__name__", None), getattr(key, "__module__", None)
    return "%s.%s" % (module, name) if name and module else repr(key)


def missing_rule(ctx, op, stmt, reason=""):
    """The error for a call of kind ``"unknown"`` or ``"unpacked"`` (or a rule lacking
    this mode's half)."""
    if op.kind == "unpacked":
        return ctx.unsupported(
            stmt, "unpacking arguments (*args or **kwargs) into a call of %s"
            % public_name(op.key), "pass each argument by itself: f(a, b, key=c)")
    if isinstance(op.key, str) and ctx.is_local(op.key):
        return ctx.unsupported(
            stmt, "calling %s, a function value s2sad cannot tell when compiling" % op.key,
            "call the function by its own name, pass it as an argument, index a list or "
            "dict of functions with a constant key, or loop over one without break")
    return MissingRuleError(public_name(op.key), ctx.parsed.where(stmt), reason)
