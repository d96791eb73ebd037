"""Read a user function's source and resolve its free names.

Input: a live Python function.  Output: a :class:`Parsed` record holding the
``gast.FunctionDef`` (decorators stripped, line numbers relative to the
snippet), the file name and line offset, the file's lines (for comments and
error messages), and ``namespace``: every free name of the function bound to
the live object it refers to now (closure cells, then globals, then builtins).
"""
import builtins
import copy
import dis
import functools
import inspect
import linecache
import textwrap
import types

import gast

from ..syntax import astwalk
from ..syntax.annotations import getanno, setanno
from .environment import sources_of
from ..errors import (
    AutogradNumpyError, MissingRuleError, SourceUnavailableError, UnsupportedSyntaxError,
    public_name, rule_key_text,
)
from ..transforms.calls import is_library_code
from ..transforms.ops import library_reason


def _refuse_autograd(func, namespace):
    """Refuse a function that reads ``autograd.numpy`` (or autograd's functions): its
    wrapped functions are not NumPy's, and the same code runs on plain NumPy."""
    for name, value in namespace.items():
        module = value.__name__ if inspect.ismodule(value) else \
            getattr(value, "__module__", None) if callable(value) else None
        if getattr(value, "_is_autograd_primitive", False):
            module = "an autograd primitive"
        if isinstance(module, str) and module.split(".")[0] in ("autograd",
                                                                "an autograd primitive"):
            raise AutogradNumpyError(
                "%s reads %s (%s) from the autograd package: s2sad differentiates plain "
                "NumPy. Replace `import autograd.numpy as np` by `import numpy as np` (and "
                "`autograd.scipy` by `scipy`); the function then runs unchanged."
                % (func.__qualname__, name, module))


class Parsed:
    """A parsed user function.

    Attributes:
      func: the live function.
      fdef: its ``gast.FunctionDef``.
      filename: file the source came from.
      line_offset: add to a node's ``lineno`` to get the line in ``filename``.
      namespace: free name -> live object.
      sources: free name -> where it is read from at call time (see
        :func:`s2sad.environment.sources_of`), for globals and closure cells.
      module_names: free names bound to modules (``np``, ``math``).
    """

    def __init__(self, func, fdef, filename, line_offset, namespace):
        self.func = func
        self.fdef = fdef
        self.filename = filename
        self.line_offset = line_offset
        self.namespace = namespace
        _refuse_autograd(func, namespace)
        self.sources = sources_of(func, namespace)
        self.module_names = {k for k, v in namespace.items() if inspect.ismodule(v)}

    @property
    def name(self):
        return self.fdef.name

    def location(self, node):
        """``(file, line)`` of ``node`` (line None if unknown).  Nodes of another
        function inlined here carry their own (the ``place`` annotation)."""
        place = getanno(node, "place")
        if place is not None:
            return place
        line = getattr(node, "lineno", None)
        return self.filename, None if line is None else line + self.line_offset

    def lineno(self, node):
        """Line of ``node`` in its file (or None)."""
        return self.location(node)[1]

    def source_line(self, node):
        """The user's source line of ``node``, stripped ('' if unknown)."""
        filename, line = self.location(node)
        if line is None:
            return ""
        return linecache.getline(filename, line).strip()

    def where(self, node):
        """``file.py:LINE in function`` of ``node``."""
        return "%s:%s in %s" % (self.location(node) + (self.name,))

    def mark_places(self):
        """Annotate every node with its ``(file, line)``, before inlining it into
        another function's code."""
        for node in astwalk.walk(self.fdef):
            if getattr(node, "lineno", None) is not None:
                setanno(node, "place", self.location(node))


def unwrap(func):
    """The plain Python function behind decorators of s2sad and functools."""
    while True:
        inner = getattr(func, "__s2sad_wrapped__", None) or getattr(func, "__wrapped__", None)
        if inner is None or isinstance(func, functools.partial):
            return func
        func = inner


def parse_function(func):
    """Parse ``func`` into a :class:`Parsed` record.

    Raises:
      SourceUnavailableError: builtins, C functions, functions defined in a
        REPL or by ``exec``.
      MissingRuleError: a function of library code (never read as user source).
    """
    func = unwrap(func)
    if inspect.isfunction(func) and is_library_code(func):
        raise MissingRuleError(
            public_name(func), "differentiated directly", library_reason(func),
            key=rule_key_text(func), located=False)
    if not inspect.isfunction(func):
        raise SourceUnavailableError(
            "s2sad can only differentiate Python functions with readable source, got %s. "
            "Wrap it in a def, or register a rule with s2sad.rules.adjoint."
            % public_name(func))
    try:
        lines, first = inspect.getsourcelines(func)
        filename = inspect.getsourcefile(func) or func.__code__.co_filename
    except (OSError, TypeError):
        if func.__code__.co_filename in ("<stdin>", "<string>"):
            raise SourceUnavailableError(
                "cannot read the source of %s: it was defined in %s (a plain python REPL, "
                "exec or eval), which keeps no source. Put it in a .py file and import "
                "it, or use IPython/Jupyter (they keep the source of each cell)."
                % (func.__qualname__, func.__code__.co_filename)) from None
        raise SourceUnavailableError(
            "cannot read the source of %s (defined in %s): s2sad needs the function's source "
            "file. Define it in a .py file, or register a rule with s2sad.rules.adjoint."
            % (func.__qualname__, func.__code__.co_filename)) from None
    index = _check_unchanged(func, filename)
    if func.__name__ == "<lambda>":
        return _parse_lambda(func, filename, index)
    text = textwrap.dedent("".join(lines))
    tree = gast.parse(text)
    fdef = tree.body[0]
    if not isinstance(fdef, gast.FunctionDef):
        line = lines[0].strip() if lines else ""
        raise UnsupportedSyntaxError(
            "an async def" if isinstance(fdef, gast.AsyncFunctionDef) else "this definition",
            filename, first, 0, line, "differentiate a plain (synchronous) def")
    fdef.decorator_list = []
    _original_places(func, fdef)
    namespace = resolve_free_names(func, fdef)
    return Parsed(func, fdef, filename, first - 1, namespace)


def _original_places(func, fdef):
    """A function s2sad wrote from a user's function (``grad_vars``' stand-ins) lists
    the user's ``(file, line)`` of its nodes (``__s2sad_places__``, in
    :func:`~s2sad.syntax.astwalk.walk` order): errors then point to the user's lines."""
    places = getattr(func, "__s2sad_places__", None)
    if places is None:
        return
    nodes = list(astwalk.walk(fdef))
    if len(nodes) != len(places) or any(type(n).__name__ != kind
                                        for n, (kind, _) in zip(nodes, places)):
        return  # the text did not parse back to the same tree: keep its own lines
    for node, (_, place) in zip(nodes, places):
        if place is not None:
            setanno(node, "place", place)


def _code_shape(code, lenient=False):
    """What compiling the same text must reproduce: the bytecode, constants (nested
    code objects by their own shape), names and arguments.  ``lenient`` (for code
    pytest rewrote, which adds assertion helpers) keeps only the lines, the numbers
    and the names a user wrote."""
    if lenient:
        lines = {line for _, line in dis.findlinestarts(code) if line is not None}
        numbers = sorted(repr(c) for c in code.co_consts
                         if isinstance(c, (int, float, complex)) and not isinstance(c, bool))
        names = sorted(n for n in code.co_names if not n.startswith("@"))
        return (code.co_firstlineno, code.co_argcount, code.co_varnames[:code.co_argcount],
                min(lines, default=0), numbers, names)
    consts = tuple(_code_shape(c) if isinstance(c, types.CodeType) else (type(c), repr(c))
                   for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_argcount,
            code.co_kwonlyargcount, code.co_posonlyargcount, code.co_firstlineno)


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


_COMPILED = {}  # (filename, text) -> [module code object, gast tree] of a few recent files


def _file(filename):
    """``(text, entry)`` of ``filename`` as linecache holds it now; ``entry`` caches its
    compiled module (False if it does not compile) and, once asked for, its gast tree."""
    text = "".join(linecache.getlines(filename))
    key = (filename, text)
    entry = _COMPILED.get(key)
    if entry is None:
        try:
            module = compile(text, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            module = False
        if len(_COMPILED) >= 16:
            _COMPILED.pop(next(iter(_COMPILED)))
        entry = _COMPILED[key] = [module, None]
    return text, entry


def _check_unchanged(func, filename):
    """Refuse to differentiate source that is not the code ``func`` runs (its file
    was edited after the module was imported): the file's text, compiled now, must
    hold ``func``'s code object.  Returns its position among the code objects of the
    same name on the same line (several lambdas on one line)."""
    code = func.__code__
    _, (module, _) = _file(filename)
    candidates = [c for c in (_code_objects(module) if module else ())
                  if c.co_name == code.co_name and c.co_firstlineno == code.co_firstlineno]
    lenient = "AssertionRewrit" in type(getattr(inspect.getmodule(func), "__loader__",
                                                 None)).__name__
    for index, candidate in enumerate(candidates):
        if _code_shape(candidate, lenient) == _code_shape(code, lenient):
            return index
    raise SourceUnavailableError(
        "the source of %s in %s (line %d) is not the code the function runs: the file "
        "was changed after it was imported. Reload the module (importlib.reload) or "
        "restart Python, so that s2sad differentiates the code that runs."
        % (func.__qualname__, filename, code.co_firstlineno))


def _parse_lambda(func, filename, index):
    """A lambda as ``def lambda_<line>(args): return body``: the ``index``-th lambda
    that starts on its line (the compiler numbers them in source order)."""
    text, entry = _file(filename)
    if entry[1] is None:
        entry[1] = gast.parse(text)
    line = func.__code__.co_firstlineno
    found = sorted((n for n in astwalk.walk(entry[1]) if isinstance(n, gast.Lambda)
                    and n.lineno == line), key=lambda n: n.col_offset)
    if index >= len(found):
        raise SourceUnavailableError("cannot find the source of lambda %s at %s:%d"
                                     % (func.__qualname__, filename, line))
    node = copy.deepcopy(found[index])
    ret = gast.copy_location(gast.Return(value=node.body), node)
    fdef = gast.copy_location(gast.FunctionDef(
        name="lambda_%d" % line, args=node.args, body=[ret], decorator_list=[], returns=None,
        type_comment=None, type_params=[]), node)
    return Parsed(func, fdef, filename, 0, resolve_free_names(func, fdef))


def resolve_free_names(func, fdef):
    """Map each free name of ``fdef`` to the live object ``func`` sees."""
    closure = {}
    if func.__closure__:
        for name, cell in zip(func.__code__.co_freevars, func.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # empty cell: defined later in the enclosing scope
                pass
    namespace = {}
    for name in _free_reads(fdef):
        if name not in namespace:
            if name in closure:
                namespace[name] = closure[name]
            elif name in func.__globals__:
                namespace[name] = func.__globals__[name]
            elif hasattr(builtins, name):
                namespace[name] = getattr(builtins, name)
    return namespace


def _scope_names(fdef):
    """The names a function (or lambda) binds itself: parameters, assigned names and
    the names of the functions it defines."""
    names = {n.id for n in astwalk.walk(fdef) if isinstance(n, gast.Name)
             and isinstance(n.ctx, (gast.Store, gast.Del))}  # comprehension targets too
    args = fdef.args
    names |= {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    names |= {n.name for n in astwalk.walk(fdef) if isinstance(n, gast.FunctionDef)
              and n is not fdef}
    return names


def _free_reads(fdef):
    """The names ``fdef`` reads that no scope inside it binds, in order: a parameter of
    a nested function (``def g(x)`` in a factory) is not the global ``x``."""
    found = []

    def visit(node, bound):
        for child in gast.iter_child_nodes(node):
            if isinstance(child, (gast.FunctionDef, gast.Lambda)):
                args = child.args
                for default in args.defaults + [k for k in args.kw_defaults if k is not None]:
                    visit(default, bound)  # evaluated in the enclosing scope
                for decorator in getattr(child, "decorator_list", ()):
                    visit(decorator, bound)
                inner = bound | _scope_names(child)
                for part in (child.body if isinstance(child.body, list) else [child.body]):
                    visit(part, inner)
            elif isinstance(child, gast.Name) and isinstance(child.ctx, gast.Load):
                if child.id not in bound:
                    found.append(child.id)
            else:
                visit(child, bound)

    visit(fdef, _scope_names(fdef))
    return found
