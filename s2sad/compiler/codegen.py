"""Turn generated gast functions into the text of a Python module.

Input: gast ``FunctionDef`` nodes, the names they use bound to live objects
(:class:`Imports`), and comments placed as marker statements.  Output: the
module's source text (:func:`~s2sad.syntax.printer.unparse`, markers replaced by ``# ...`` lines,
an import header so the printed source runs as is).  :mod:`s2sad.compiler.cache`
writes it to disk and imports it.
"""
import ast
import builtins
import inspect
import math
import re
import sys
import threading

import gast

from ..syntax import astwalk
from ..syntax.printer import unparse
from .. import runtime

#: Held while code is generated: compiling is serialised (the passes share rule
#: tables, namers and the set of compilations in progress), calling is not.
LOCK = threading.RLock()

_COMMENT = "__s2sad_comment_%d__"
_COMMENT_RE = re.compile(r"^(\s*)__s2sad_comment_(\d+)__$", re.M)


class Imports:
    """Names the generated module uses, each bound to one live object.

    The user's free names are bound first; a template name that would clash
    with a user name bound to something else gets an alias (``_np``).
    """

    def __init__(self, namer, user_namespace):
        self.namer = namer
        self.bound = dict(user_namespace)
        self.user = set(user_namespace)
        self.user_module = None  # the user's module name, to import its globals from
        self.namer.reserve(self.bound)

    def bind(self, name, obj):
        """The name under which ``obj`` is reachable (``name`` if free)."""
        if name in self.bound:
            if self.bound[name] is obj:
                return name
            for alias, value in self.bound.items():
                if value is obj and alias.lstrip("_") == name.lstrip("_"):
                    return alias
            name = self.namer.unique("_" + name.lstrip("_"))
        elif name in self.namer.taken:  # a local variable of the generated code has it
            name = self.namer.unique("_" + name.lstrip("_"))
        self.namer.reserve([name])
        self.bound[name] = obj
        return name

    def reference(self, obj, name):
        """An expression for ``obj``: ``np.sum`` when a bound module holds it, else a
        name bound to it (``name`` if free)."""
        module = sys.modules.get((getattr(obj, "__module__", None) or "").split(".")[0])
        attr = getattr(obj, "__name__", None)
        if module is not None and attr and getattr(module, attr, None) is obj:
            for alias, value in self.bound.items():
                if value is module:
                    return gast.Attribute(value=gast.Name(id=alias, ctx=gast.Load(),
                                                          annotation=None, type_comment=None),
                                          attr=attr, ctx=gast.Load())
        return gast.Name(id=self.bind(name, obj), ctx=gast.Load(), annotation=None,
                         type_comment=None)

    def runtime(self, name):
        """Bind the runtime helper ``name`` (from :mod:`s2sad.runtime`)."""
        return self.bind(name, getattr(runtime, name))

    def header(self, used):
        """Import lines for the names in ``used`` that the module reads."""
        modules, froms, others = [], {}, []
        for name in sorted(used):
            if name not in self.bound:
                continue
            obj = self.bound[name]
            if inspect.ismodule(obj):
                if obj.__name__ == name:
                    modules.append("import %s" % name)
                else:
                    modules.append("import %s as %s" % (obj.__name__, name))
                continue
            if (getattr(obj, "__module__", None) or "").startswith("s2sad_generated"):
                continue  # a generated helper: its source follows in the printed module
            origin = _importable(obj)
            user = sys.modules.get(self.user_module or "")
            if origin is None and self.user_module != "__main__" and getattr(
                    user, name, None) is obj:
                origin = (self.user_module, name)  # a global of the user's module
            if origin is None:
                if name not in _BUILTINS:
                    others.append(name)
                continue
            module, qualname = origin
            if module == "builtins":
                continue
            froms.setdefault(module, []).append(
                qualname if qualname == name else "%s as %s" % (qualname, name))
        lines = sorted(set(modules))
        for module in sorted(froms):
            lines.append("from %s import %s" % (module, ", ".join(froms[module])))
        if others:
            lines.append("# Bound from the user's namespace: %s" % ", ".join(others))
        return lines


_BUILTINS = set(dir(builtins))


def _importable(obj):
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if not module or not qualname or "<" in qualname or module == "__main__":
        return None
    mod = sys.modules.get(module)
    target = mod
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if target is not obj:
        return None
    while module.startswith("s2sad.") and "." not in qualname:
        parent = module.rsplit(".", 1)[0]  # s2sad.runtime, not s2sad.runtime.arrays
        if getattr(sys.modules.get(parent), qualname, None) is not obj:
            break
        module = parent
    return module, qualname


class Comments:
    """Comment marker statements, rendered as ``# text`` lines by :func:`render`."""

    def __init__(self):
        self.texts = []

    def __call__(self, text):
        self.texts.append(text)
        return gast.Expr(value=gast.Name(id=_COMMENT % (len(self.texts) - 1), ctx=gast.Load(),
                                         annotation=None, type_comment=None))


def _is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Name)
            and _COMMENT_RE.match(stmt.value.id) is not None)


def _tidy_blocks(stmts):
    """No block of only comments (Python needs a statement there): an ``else`` of
    comments goes, any other such block becomes ``pass``."""
    for stmt in stmts:
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if not isinstance(block, list) or not block:
                continue
            _tidy_blocks(block)
            if all(_is_comment(s) for s in block):
                setattr(stmt, field, [] if field == "orelse" else [gast.Pass()])


class _Signs(ast.NodeTransformer):
    """A negative number constant as Python writes it, ``-(0.5)``: ``ast.unparse``
    prints ``Constant(-0.5) ** 2`` as ``-0.5 ** 2``, which Python reads as
    ``-(0.5 ** 2)``; with the sign as an operator the printer parenthesises."""

    def visit_Constant(self, node):
        value = node.value
        if (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.copysign(1.0, value) < 0):
            return ast.copy_location(ast.UnaryOp(op=ast.USub(), operand=ast.copy_location(
                ast.Constant(value=-value), node)), node)
        return node


def render(functions, comments, imports):
    """``(header_lines, body_text)`` of a module holding ``functions`` (gast defs)."""
    _tidy_blocks(functions)
    module = gast.Module(body=list(functions), type_ignores=[])
    tree = _Signs().visit(gast.gast_to_ast(module))
    ast.fix_missing_locations(tree)
    body = unparse(tree).replace("\n\ndef ", "\n\n\ndef ")
    body = _COMMENT_RE.sub(lambda m: "%s# %s" % (m.group(1), comments.texts[int(m.group(2))]),
                           body)
    used = {n.id for n in astwalk.walk(module) if isinstance(n, gast.Name)}
    return imports.header(used), body


def _from_line(module, names):
    """``from module import a, b``, wrapped in parentheses past 99 columns."""
    line = "from %s import %s" % (module, ", ".join(names))
    if len(line) <= 99:
        return line
    rows, row = [], "   "
    for name in names:
        if len(row) + len(name) + 2 > 99:
            rows.append(row.rstrip())
            row = "   "
        row += " %s," % name
    rows.append(row)
    return "from %s import (\n%s\n)" % (module, "\n".join(rows))


def compose(docstring, header, bodies):
    """Module text: docstring, the import header (merged, in order), the bodies."""
    plain, froms, bound = set(), {}, []
    for line in header:
        if line.startswith("# Bound from"):
            bound.extend(n.strip() for n in line.split(":", 1)[1].split(","))
        elif line.startswith("from "):
            module, names = line[5:].split(" import ", 1)
            froms.setdefault(module, set()).update(n.strip() for n in names.split(","))
        else:
            plain.add(line)
    imports = sorted(plain) + [_from_line(m, sorted(froms[m])) for m in sorted(froms)]
    if bound:
        imports.append("# Bound from the user's namespace: %s" % ", ".join(sorted(set(bound))))
    return "\n".join(['"""%s"""' % docstring] + imports) + "\n\n\n" + "\n\n\n".join(
        bodies) + "\n"


