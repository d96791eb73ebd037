"""Reject what s2sad cannot differentiate, before any transform runs.

Input: a :class:`~s2sad.parsing.Parsed` function.  Output: nothing, or an
:class:`~s2sad.errors.UnsupportedSyntaxError` naming the construct, the file,
the line and the source line, with a hint.  Every node type is checked against
an allow-list: an AD compiler must never skip code silently.
"""
import gast

from ..syntax import astwalk
from ..errors import UnsupportedSyntaxError

_HINTS = {
    gast.Try: ("try/except", "move the try/except outside the differentiated function"),
    gast.With: ("a with block", "move the with block outside the differentiated function"),
    gast.AsyncWith: ("async with", "differentiate a synchronous function"),
    gast.AsyncFor: ("async for", "differentiate a synchronous function"),
    gast.AsyncFunctionDef: ("an async def", "differentiate a synchronous function"),
    gast.Await: ("await", "differentiate a synchronous function"),
    gast.Yield: ("yield", "return a value (or a list of values) instead of yielding"),
    gast.YieldFrom: ("yield from", "return a value instead of yielding"),
    gast.Global: ("a global statement", "pass the value in as an argument and return it"),
    gast.Nonlocal: ("a nonlocal statement", "pass the value in as an argument and return it"),
    gast.ClassDef: ("a class definition", "define the class at module level"),
    gast.Delete: ("del", "let the variable go out of scope instead"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign in a separate statement"),
    gast.Set: ("a set display", "use a list or a tuple"),
    gast.SetComp: ("a set comprehension", "use a list comprehension"),
    gast.DictComp: ("a dict comprehension", "build the dict with a for loop"),
    gast.Match: ("a match statement", "use if/elif/else"),
}

_ALLOWED = (
    gast.FunctionDef, gast.arguments, gast.Assign, gast.AugAssign, gast.AnnAssign,
    gast.Return, gast.Expr, gast.Pass, gast.Assert, gast.Raise,
    gast.If, gast.For, gast.While, gast.Break, gast.Continue,
    gast.BinOp, gast.UnaryOp, gast.BoolOp, gast.Compare, gast.Call, gast.keyword,
    gast.Attribute, gast.Subscript, gast.Slice, gast.Name, gast.Constant, gast.Starred,
    gast.Tuple, gast.List, gast.Dict, gast.IfExp, gast.JoinedStr, gast.FormattedValue,
    gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop,
    gast.ListComp, gast.GeneratorExp, gast.comprehension, gast.Lambda,
)


def check(parsed):
    """Raise UnsupportedSyntaxError for the first unsupported construct."""
    fdef = parsed.fdef
    _check_signature(parsed, fdef)
    for stmt in fdef.body:
        for node in astwalk.walk(stmt):
            if isinstance(node, gast.FunctionDef):
                _check_signature(parsed, node)
            if isinstance(node, _ALLOWED):
                continue
            construct, hint = _HINTS.get(type(node), (type(node).__name__, ""))
            raise reject(parsed, node, construct, hint)
        _check_targets(parsed, stmt)


def reject(parsed, node, construct, hint=""):
    """An UnsupportedSyntaxError located at ``node`` (to raise)."""
    filename, line = parsed.location(node)
    return UnsupportedSyntaxError(
        construct, filename, line, getattr(node, "col_offset", 0),
        parsed.source_line(node), hint)


def _check_signature(parsed, fdef):
    if fdef.decorator_list and fdef is not parsed.fdef:
        raise reject(parsed, fdef, "a decorated nested function",
                     "define the decorated function at module level")


def _check_targets(parsed, stmt):
    for node in astwalk.walk(stmt):
        targets = ()
        if isinstance(node, gast.Assign):
            targets = node.targets
        elif isinstance(node, (gast.AugAssign, gast.AnnAssign, gast.For)):
            targets = [node.target]
        for target in targets:
            for sub in astwalk.walk(target):
                if isinstance(sub, gast.Attribute) and isinstance(sub.ctx, gast.Store):
                    raise reject(parsed, sub, "assigning to an attribute",
                                 "return the new value instead of storing it on an object")
                if isinstance(sub, gast.Starred):
                    raise reject(parsed, sub, "starred assignment (a, *b = ...)",
                                 "index the sequence explicitly")
