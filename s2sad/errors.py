"""The exception hierarchy of s2sad.

Every error a user can trigger derives from :class:`S2SADError`, so
``except s2sad.S2SADError`` catches all of them, and each one also derives
from the matching built-in class (``SyntaxError``, ``TypeError``, ...) so code
written for JAX or autograd keeps working.  Messages say what happened, where,
and how to fix it, in that order.

Messages name a library function the way users spell it, through
:func:`public_name` (``numpy.add.reduce``, ``scipy.special.expit``, ``x.std(...)``),
never by its ``repr`` or by a private module; :func:`rule_key_text` is how to spell
the same key for ``s2sad.rules.adjoint(...)``.
"""
import functools
import inspect
import sys
from typing import Any, Iterable, Optional

import numpy as np


class S2SADError(Exception):
    """Base class of every error raised by s2sad."""


class UnsupportedSyntaxError(S2SADError, SyntaxError):
    """A construct s2sad cannot differentiate, located in the user's source.

    Built like a :class:`SyntaxError` so Python prints the file, the line, the
    source line and a caret.
    """

    def __init__(self, construct: str, filename: Optional[str], lineno: Optional[int],
                 col: Optional[int], line: Optional[str], hint: str = "") -> None:
        msg = "%s is not supported by s2sad" % construct
        if hint:
            msg += "; " + hint
        super().__init__(msg, (filename, lineno, (col or 0) + 1, line))
        self.construct = construct
        self.hint = hint

    def __str__(self) -> str:
        where = "%s:%s" % (self.filename, self.lineno)
        text = "%s: %s" % (where, self.msg)
        if self.text:
            text += "\n    " + self.text.strip()
        return text


class MissingRuleError(S2SADError, NotImplementedError):
    """A call to a function that has no derivative rule (and whose code s2sad does not
    read: a C function, or library code).

    ``name`` is the function's public name, ``where`` the call site (``file:LINE in f``),
    or with ``located=False`` a phrase that says how the function reached s2sad
    (``passed to s2sad.grad``); ``key`` how to spell it for the registration API.
    """

    def __init__(self, name: str, where: str, reason: str = "", key: Optional[str] = None,
                 located: bool = True) -> None:
        key = key or name
        msg = (
            "no derivative rule for %s (%s%s)%s. Register one with "
            "@s2sad.rules.adjoint(%s) (and @s2sad.rules.tangent(%s) for forward mode), or "
            "declare it non-differentiable with s2sad.rules.nondifferentiable(%s); or give "
            "a function of yours that calls it its own derivative with @s2sad.custom_vjp or "
            "@s2sad.custom_jvp."
            % (name, "called at " if located else "", where,
               (": " + reason) if reason else "", key, key, key)
        )
        super().__init__(msg)
        self.name = name
        self.where = where


class UnsupportedArgumentError(MissingRuleError, UnsupportedSyntaxError):
    """A call passes an argument (a keyword) the function's derivative rule does not
    take: the rule for that use of the function is missing.  Located like an
    :class:`UnsupportedSyntaxError` (file, line, caret) and catchable as a
    :class:`MissingRuleError`."""

    def __init__(self, name: str, construct: str, where: str, filename: Optional[str],
                 lineno: Optional[int], col: Optional[int], line: Optional[str],
                 hint: str = "", key: Optional[str] = None) -> None:
        msg = "%s of %s is not supported by its derivative rule%s" % (
            construct, name, ("; " + hint) if hint else "")
        Exception.__init__(self, msg, (filename, lineno, (col or 0) + 1, line))
        self.msg, self.filename, self.lineno = msg, filename, lineno
        self.offset, self.text = (col or 0) + 1, line
        self.construct, self.hint = construct, hint
        self.name, self.where, self.key = name, where, key or name

    __str__ = UnsupportedSyntaxError.__str__


class NonScalarOutputError(S2SADError, TypeError):
    """``grad`` of a function whose output is not a scalar."""

    def __init__(self, shape: Iterable[Any]) -> None:
        super().__init__(
            "Gradient only defined for scalar-output functions. Output had shape: "
            "%s. Reduce it first (for example with .sum()), or use s2sad.jacrev or "
            "s2sad.vjp for non-scalar outputs." % (tuple(shape),)
        )
        self.shape = tuple(shape)


class AuxOutputError(S2SADError, TypeError):
    """A function differentiated with ``has_aux=True`` did not return a pair."""


class SourceUnavailableError(S2SADError, TypeError):
    """The source of a function cannot be read (builtins, C code, REPL lambdas)."""


class AutogradNumpyError(S2SADError, TypeError):
    """The function uses ``autograd.numpy`` (code written for the autograd package):
    s2sad differentiates plain NumPy."""


class HiddenStateError(S2SADError, ValueError):
    """A ``Variable`` given in ``grad_vars`` was read or written, while its derivative
    ran, by code s2sad could not see statically: its gradient would have been wrong."""


class RuleError(S2SADError, ValueError):
    """A malformed derivative template, raised when it is registered."""


class InternalError(S2SADError, RuntimeError):
    """A broken invariant inside s2sad: always a bug in s2sad."""

    def __init__(self, what: str, source: str = "") -> None:
        msg = "this is a bug in s2sad, please report it: %s" % what
        if source:
            msg += "\n--- generated source so far ---\n" + source
        super().__init__(msg)


# --- how messages name functions ----------------------------------------------------------

def _rule_key_parts(obj):
    """``(kind, name)`` of a ``s2sad.rules.method``/``attribute`` key, else None."""
    if (isinstance(obj, tuple) and len(obj) == 2 and obj[0] in ("method", "attribute")
            and isinstance(obj[1], str)):
        return obj
    return None


def _public_modules(module):
    """The loaded public packages along dotted ``module``, outermost first."""
    parts = (module or "").split(".")
    for i in range(1, len(parts) + 1):
        if any(p.startswith("_") for p in parts[:i]):
            return
        found = sys.modules.get(".".join(parts[:i]))
        if found is not None:
            yield ".".join(parts[:i]), found


def _same(a, b):
    try:
        return a is b or (inspect.ismethod(a) or inspect.isbuiltin(a)) and bool(a == b)
    except Exception:
        return False


def _find_public(obj, module, name):
    """``module.name`` shortened to the first public package that exports ``obj`` under
    ``name`` (``numpy._core.fromnumeric.sum`` -> ``numpy.sum``), or None."""
    for prefix, found in _public_modules(module):
        try:
            if _same(getattr(found, name, None), obj):
                return "%s.%s" % (prefix, name)
        except Exception:  # a lazy module attribute that fails to load
            continue
    return None


def _instance_name(obj):
    """The public name of a module-level instance (``numpy.r_``, ``scipy.stats.norm``),
    or None."""
    for prefix, found in _public_modules(type(obj).__module__):
        for attr, value in list(vars(found).items()):
            if value is obj and not attr.startswith("_"):
                return "%s.%s" % (prefix, attr)
    return None


def _ufunc_name(ufunc):
    name = ufunc.__name__
    if getattr(np, name, None) is ufunc:
        return "numpy." + name
    for module in sorted(sys.modules):  # scipy.special and other ufunc libraries
        if module.split(".")[0] in ("numpy", "scipy") and not any(
                p.startswith("_") for p in module.split(".")):
            if getattr(sys.modules[module], name, None) is ufunc:
                return "%s.%s" % (module, name)
    return "ufunc %s" % name


def public_name(obj: Any) -> str:
    """How users spell the function (or rule key) ``obj`` in their code: ``numpy.tanh``,
    ``numpy.add.reduce``, ``scipy.special.expit``, ``numpy.linalg.norm``, ``x.std(...)``
    (an array method), ``sorted``, ``math.exp``, ``Model.loss``.  For error messages:
    never a ``repr`` with an address."""
    if isinstance(obj, str):
        return obj
    key = _rule_key_parts(obj)
    if key is not None:
        return "x.%s%s" % (key[1], "(...)" if key[0] == "method" else "")
    if isinstance(obj, functools.partial):
        return "functools.partial(%s)" % public_name(obj.func)
    if isinstance(obj, np.ufunc):
        return _ufunc_name(obj)
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", None)
    if isinstance(owner, np.ufunc):
        return "%s.%s" % (_ufunc_name(owner), name)
    if owner is not None and not inspect.ismodule(owner) and name:
        kind = owner if isinstance(owner, type) else type(owner)
        found = _find_public(obj, kind.__module__, name)  # numpy.random.normal
        if found is None and not isinstance(owner, type):
            found = _instance_name(owner)  # scipy.stats.norm.pdf
            found = None if found is None else "%s.%s" % (found, name)
        return found or "%s.%s" % (public_name(kind), name)
    objclass = getattr(obj, "__objclass__", None)
    if isinstance(objclass, type) and name:  # numpy.ndarray.sum
        return "%s.%s" % (public_name(objclass), name)
    if isinstance(obj, type) or inspect.isroutine(obj) or name:
        module = getattr(obj, "__module__", None)
        if module is None and inspect.ismodule(owner):
            module = owner.__name__
        qualname = getattr(obj, "__qualname__", None) or name or type(obj).__name__
        if module in (None, "builtins"):
            return qualname
        if module in ("_operator", "operator"):
            return "operator." + qualname
        if module == "__main__":
            return qualname
        return _find_public(obj, module, qualname) or "%s.%s" % (module, qualname)
    # a callable object: by its own name, or by its class
    return _instance_name(obj) or "%s instance" % public_name(type(obj))


def rule_key_text(obj: Any) -> str:
    """How to write key ``obj`` in ``s2sad.rules.adjoint(...)``: the public name, or
    ``s2sad.rules.method('std')`` for an array method."""
    key = _rule_key_parts(obj)
    if key is not None:
        return "s2sad.rules.%s(%r)" % key
    return public_name(obj)
