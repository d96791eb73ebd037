"""What operation the right-hand side of an ANF assignment performs.

Input: an ANF expression (see :mod:`s2sad.transforms.anf`) and the function's
namespace.  Output: an :class:`Op` giving its kind and, for calls, operators,
subscripts and attributes, the rule key and the argument nodes.  Shared by
activity analysis and both AD modes, so they agree on what is differentiable.
"""
import collections.abc
import dataclasses
import inspect
import operator
import re

import gast
import numpy as np

from ..syntax import astwalk
from ..syntax.printer import unparse
from .. import rules
from ..errors import MissingRuleError, public_name, rule_key_text
from .calls import callee, is_library_code, python_callee, resolve, resolve_free
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
        #: ``(construct, hint)`` of an ``"unknown"`` op refused with a located error
        self.refusal = None

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
        special = _indexed_object(value, namespace, is_local)
        if special is not None:
            return special
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


#: index builders: indexing them builds indices or grids of constants
INDEX_BUILDERS = tuple(getattr(np, n) for n in ("s_", "index_exp", "ogrid", "mgrid"))
#: index builders that concatenate their parts: ``np.r_[a, b]`` is the rule key ``np.r_``
CONCATENATORS = (np.r_, np.c_)
#: what the array ``getitem`` rule indexes (a free name bound to one is a constant)
_INDEXABLE = (np.ndarray, np.generic, list, tuple, dict, str, bytes, range, type,
              collections.abc.Mapping, collections.abc.Sequence)
_INTEGER_DIRECTIVE = re.compile(r"^\s*-?\d+\s*(,\s*-?\d+\s*){0,2}$")


def _indexed_object(value, namespace, is_local):
    """The :class:`Op` of ``obj[...]`` where ``obj`` is a free name bound to an object
    that is not an array or container (else None): ``np.r_``/``np.c_`` are rules of
    their parts, ``np.s_`` & co. are non-differentiable, and any other object with its
    own ``__getitem__`` is refused (an ``"unknown"`` op with a ``refusal``): the array
    getitem rule would silently give it a zero derivative."""
    obj = resolve_free(value.value, namespace, is_local)
    if obj is None:
        return None
    if isinstance(obj, _INDEXABLE) or hasattr(obj, "__array__") or not hasattr(
            type(obj), "__getitem__"):
        return None
    parts = value.slice.elts if isinstance(value.slice, gast.Tuple) else [value.slice]
    if any(obj is b for b in INDEX_BUILDERS):
        return Op("nondiff", obj, [index_expr(p) for p in parts])
    if any(obj is c for c in CONCATENATORS):
        for p in parts:
            if (isinstance(p, gast.Constant) and isinstance(p.value, str)
                    and not _INTEGER_DIRECTIVE.match(p.value)):
                return _refused(obj, [index_expr(q) for q in parts],
                                "%s[%r, ...] (a matrix or unknown directive)"
                                % (public_name(obj), p.value),
                                "s2sad differentiates the integer directives ('0,2,1'); "
                                "for a matrix, use np.concatenate or np.stack")
        return _keyed(obj, [index_expr(p) for p in parts])
    return _refused(obj, [value.value, index_expr(value.slice)],
                    "indexing %s (%s, an object with its own __getitem__)"
                    % (unparse(value.value).strip(), public_name(obj)),
                    "s2sad differentiates indexing of arrays, lists, tuples and dicts; "
                    "call a function instead, or compute the value outside the "
                    "differentiated function")


def _refused(key, args, construct, hint):
    op = Op("unknown", key, args)
    op.refusal = (construct, hint)
    return op


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
    if getattr(obj, "__s2sad_custom__", None) is not None and not inspect.isfunction(obj):
        # s2sad.custom_vjp & co.: a user function whose sweeps the driver writes from the
        # user's rules (s2sad.compiler.custom), called through its stand-in
        return Op("function", obj, value.args, keywords, obj.__s2sad_stand_in__())
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


def missing_rule(ctx, op, stmt, reason=""):
    """The error for a call of kind ``"unknown"`` or ``"unpacked"`` (or a rule lacking
    this mode's half)."""
    if op.refusal is not None:
        return ctx.unsupported(stmt, *op.refusal)
    if op.kind == "unpacked":
        return ctx.unsupported(
            stmt, "unpacking arguments (*args or **kwargs) into a call of %s"
            % public_name(op.key), "pass each argument by itself: f(a, b, key=c)")
    if isinstance(op.key, str) and ctx.is_local(op.key):
        return ctx.unsupported(
            stmt, "calling %s, a function value s2sad cannot tell when compiling" % op.key,
            "call the function by its own name, pass it as an argument, index a list or "
            "dict of functions with a constant key, or loop over one without break")
    if not reason:
        reason = _object_method_reason(op.key) or library_reason(op.key) or (
            "sorting a list of differentiated values (sorted(xs), xs.sort()) has no rule "
            "yet; sort an array instead: np.sort(np.stack(xs))" if op.key is sorted else "")
    return MissingRuleError(public_name(op.key), ctx.parsed.where(stmt), reason,
                            key=rule_key_text(op.key))


def _object_method_reason(key):
    """Why ``obj.name(...)`` of an object of the user's own class is not differentiated
    ('' for array methods)."""
    if not (isinstance(key, tuple) and len(key) == 2 and key[0] == "method"
            and isinstance(key[1], str) and not hasattr(np.ndarray, key[1])):
        return ""
    return ("if it is a method of your own class: s2sad follows methods of objects it "
            "can name when compiling (self.%s(x), a module-level object, model.%s as "
            "the differentiated function), not of an object it reaches through a "
            "parameter, a list or a loop variable. Call a module-level function instead "
            "(def %s(layer, x): ... reading layer.W), which s2sad differentiates with "
            "respect to the object's registered pytree fields"
            % (key[1], key[1], key[1]))


def library_reason(obj):
    """Why a Python function of library code has no derivative ('' for other callables)."""
    found = python_callee(obj)
    if found is None or not is_library_code(found[0]):
        return ""
    return ("its code (%s) is library code, which s2sad does not read as your source"
            % found[0].__code__.co_filename)
