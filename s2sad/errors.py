"""The exception hierarchy of s2sad.

Every error a user can trigger derives from :class:`S2SADError`, so
``except s2sad.S2SADError`` catches all of them, and each one also derives
from the matching built-in class (``SyntaxError``, ``TypeError``, ...) so code
written for JAX or autograd keeps working.  Messages say what happened, where,
and how to fix it, in that order.
"""
from typing import Any, Iterable, Optional


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
    """A call to a function that has no derivative rule and no readable source."""

    def __init__(self, name: str, where: str, reason: str = "") -> None:
        msg = (
            "no derivative rule for %s (called at %s)%s. Register one with "
            "@s2sad.rules.adjoint(%s), or declare it non-differentiable with "
            "s2sad.rules.nondifferentiable(%s)."
            % (name, where, (": " + reason) if reason else "", name, name)
        )
        super().__init__(msg)
        self.name = name
        self.where = where


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


class RuleError(S2SADError, ValueError):
    """A malformed derivative template, raised when it is registered."""


class InternalError(S2SADError, RuntimeError):
    """A broken invariant inside s2sad: always a bug in s2sad."""

    def __init__(self, what: str, source: str = "") -> None:
        msg = "this is a bug in s2sad, please report it: %s" % what
        if source:
            msg += "\n--- generated source so far ---\n" + source
        super().__init__(msg)
