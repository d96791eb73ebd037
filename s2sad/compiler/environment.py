"""What a compiled derivative assumed about the world, checked and refreshed per call.

A derivative is compiled from a function's source against the objects its free
names (module globals, closure cells) and default arguments held at that moment.
The function itself reads them when it runs, so the derivative must too:

* **data** (arrays, numbers, lists, dicts, ...) is read live: before each call,
  :meth:`Environment.check` copies the current value of every such global or cell
  into the generated modules that use it.  The compiled code relied on the value's
  type (and, for an array, its ndim and dtype): if that changed, the check fails
  and the caller compiles again.
* **everything else** (modules, functions, classes, ufuncs, any callable) was
  compiled in: a derivative rule was chosen for it, or its source was
  differentiated.  The check fails when the name is bound to another object.
* **objects of the user's classes** (``MODEL``, whose methods may have been compiled
  in): the check fails when the name is bound to another object (compiling again is
  never wrong, reading a replaced object's compiled methods would be).
* **tables** (a list, tuple or dict holding functions or objects of the user's
  classes, ``ACTS["tanh"](x)``, ``for layer in LAYERS``): read live like data, and the
  check fails unless the table still holds the very same objects under the same keys
  (the calls through it were compiled in).
* **default arguments** are compiled in as the objects in ``fn.__defaults__``;
  the check fails when ``__defaults__`` or ``__kwdefaults__`` is replaced.

Generated modules record, under ``__s2sad_sources__``, where each user name they
bind comes from, so that differentiating generated code again (``grad(grad(f))``)
still reads the user's globals, not a copy.
"""
import inspect
import sys
import types

import numpy as np

from ..transforms.calls import is_library_file

__all__ = ["Environment", "sources_of", "SOURCES"]

#: key of the generated-module entry mapping a bound user name to its source
SOURCES = "__s2sad_sources__"

_SAME, _TYPE, _ARRAY, _TABLE = 0, 1, 2, 3


def sources_of(func, names):
    """``name -> source`` for the free ``names`` of ``func`` that are globals or closure
    cells: ``(cell, None, None)`` or ``(None, globals_dict, key)``.  Builtins are not
    sources: a module global shadowing one later is not seen (as Python caches
    nothing, this is the one case that differs)."""
    cells = {}
    if func.__closure__:
        cells = dict(zip(func.__code__.co_freevars, func.__closure__))
    chained = func.__globals__.get(SOURCES, {})
    out = {}
    for name in names:
        if name in cells:
            out[name] = (cells[name], None, None)
        elif name in chained:
            out[name] = chained[name]
        elif name in func.__globals__:
            out[name] = (None, func.__globals__, name)
    return out


def _user_object(value):
    """True for an instance of a class defined outside the standard library, NumPy,
    SciPy and installed packages (the user's own classes)."""
    cls = type(value)
    if cls.__module__ == "builtins" or cls.__module__.split(".")[0] == "s2sad":
        return False
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    return filename is not None and not is_library_file(filename)


def _assumption(value):
    """``(kind, expected)``: what compiled code may rely on about ``value``."""
    if (isinstance(value, (types.ModuleType, type, types.FunctionType,
                           types.BuiltinFunctionType, np.ufunc))
            or inspect.isroutine(value) or callable(value) or _user_object(value)):
        return _SAME, value
    if type(value) is np.ndarray:
        return _ARRAY, (value.ndim, value.dtype)
    if type(value) in (list, tuple, dict):
        functions = _functions_of(value)
        if any(f is not None for _, f in functions):
            return _TABLE, (type(value), functions)
    return _TYPE, type(value)


def _functions_of(table):
    """``(key, function or None)`` of each element of a list, tuple or dict: what code
    compiled against its functions (:mod:`s2sad.transforms.tables`) relies on."""
    items = table.items() if type(table) is dict else enumerate(table)
    return [(k, v if (callable(v) and not isinstance(v, (np.ndarray, np.generic)))
             or _user_object(v) else None) for k, v in items]


def _same_functions(value, expected):
    """True if the table ``value`` holds the functions ``expected`` (same length and
    keys, the very same function objects where functions were)."""
    kind, functions = expected
    if type(value) is not kind or len(value) != len(functions):
        return False
    for (key, old), (new_key, new) in zip(functions, _functions_of(value)):
        if key != new_key or (old is not new if old is not None else new is not None):
            return False
    return True


class Environment:
    """The globals, cells and defaults one compiled derivative depends on.

    Args:
      func: the user function (or generated function) that was compiled.
      namespace: its free names bound to the objects they held when compiling.
      sources: :func:`sources_of` those names.
    """

    def __init__(self, func, namespace, sources):
        self.items = []
        for name, value in namespace.items():
            source = sources.get(name)
            if source is not None:
                kind, expected = _assumption(value)
                self.items.append((name, source[0], source[1], source[2], kind, expected))
        self.func = func
        self.defaults = (getattr(func, "__defaults__", None),
                         getattr(func, "__kwdefaults__", None))
        self.targets = []  # module dicts that bind the data names
        self.children = []  # the environments of the helpers it calls
        self.data = {item[0]: item[1:4] for item in self.items if item[4] != _SAME}

    def bind(self, module_dict):
        """Refresh ``module_dict`` (a generated module's globals) on every check."""
        sources = module_dict.setdefault(SOURCES, {})
        sources.update(self.data)
        if self.data:
            self.targets.append(module_dict)

    def check(self):
        """True if every assumption still holds; then every data name is refreshed in
        the generated modules.  False: compile again."""
        func = self.func
        if (getattr(func, "__defaults__", None) is not self.defaults[0]
                or getattr(func, "__kwdefaults__", None) is not self.defaults[1]):
            return False
        for name, cell, space, key, kind, expected in self.items:
            try:
                value = cell.cell_contents if cell is not None else space[key]
            except (KeyError, ValueError):
                return False  # deleted since: compiling again raises Python's NameError
            if kind == _SAME:
                if value is not expected:
                    return False
                continue
            if kind == _ARRAY:
                if type(value) is not np.ndarray or (value.ndim, value.dtype) != expected:
                    return False
            elif kind == _TABLE:
                if not _same_functions(value, expected):
                    return False
            elif type(value) is not expected:
                return False
            for target in self.targets:
                target[name] = value
        for child in self.children:
            if not child.check():
                return False
        return True

    def depends(self):
        """True if checking can ever fail or refresh something (else callers skip it)."""
        return bool(self.items or self.children or self.defaults != (None, None))
