"""What the passes share while one function is compiled, and how helpers compile.

A :class:`Context` holds the parsed function, its :class:`~s2sad.transforms.naming.Namer`,
the names the generated module binds (:class:`~s2sad.compiler.codegen.Imports`), the
comments, and the derivatives of the user functions it calls (``helpers``).  Helpers
are compiled through ``compile`` (the driver's ``derivative``, passed in, so this
module does not import the driver); a helper already being compiled (recursion) is
bound to a :class:`Lazy` that looks its sweep up on the first call.
"""
from .. import rules
from ..errors import UnsupportedArgumentError
from ..syntax.annotations import getanno
from ..transforms.calls import stem
from . import fence
from .codegen import Comments, Imports
from ..transforms.naming import local_names

__all__ = ["Context", "Lazy", "IN_PROGRESS", "progress_key"]

#: the compilations under way, by :func:`progress_key` (recursion is looked up lazily)
IN_PROGRESS = set()


def progress_key(fn, wrt, mode, statics=()):
    """The key of a compilation in ``IN_PROGRESS`` (recursion is looked up lazily)."""
    return (fn, tuple(wrt), mode, tuple(statics))


class Lazy:
    """A generated sweep of a function still being compiled (recursion)."""

    def __init__(self, compile, func, wrt, attr, mode="vjp", statics=()):
        self.compile, self.func, self.wrt, self.attr, self.mode = compile, func, wrt, attr, mode
        self.statics = statics
        self.target = None

    def __call__(self, *args, **kwargs):
        if self.target is None:
            self.target = getattr(self.compile(self.func, self.mode, self.wrt,
                                               statics=self.statics), self.attr)
        return self.target(*args, **kwargs)

    def __s2sad_resolve__(self):
        """The generated sweep, once its compilation is over (else None): what a pass
        differentiating the generated code again sees instead of this object
        (:func:`s2sad.transforms.calls.python_callee`), never ``Lazy.__call__``."""
        if self.target is None:
            if progress_key(self.func, self.wrt, self.mode, self.statics) in IN_PROGRESS:
                return None
            self.target = getattr(self.compile(self.func, self.mode, self.wrt,
                                               statics=self.statics), self.attr)
        return self.target


class Context:
    """What the transforms share while compiling one function."""

    def __init__(self, parsed, namer, compile):
        self.parsed = parsed
        self.compile = compile  # the driver's derivative(): helpers are compiled through it
        self.namer = namer
        self.imports = Imports(namer, parsed.namespace)
        self.namespace = self.imports.bound  # the user's free names and every helper bound
        self.locals = local_names(parsed.fdef)
        self.comments = Comments()
        self.helpers = []
        self.jvp_self = None  # (function, wrt, tangent names) while compiling a jvp

    def is_local(self, name):
        return name in self.locals

    def compile_jvp_helper(self, func, wrt, statics=()):
        """Name bound to the generated ``jvp_<func>`` of user function ``func``
        (specialised on the function arguments ``statics``)."""
        if progress_key(func, wrt, "jvp", statics) in IN_PROGRESS:
            if self.jvp_self is None or self.jvp_self[:2] != (func, wrt):
                raise TypeError("s2sad cannot yet run forward mode through mutually recursive "
                                "functions (%s)" % func.__qualname__)
            target = Lazy(self.compile, func, wrt, "function", "jvp", statics)
            name = "jvp_" + stem(func)
            tangents = self.jvp_self[2]
        else:
            helper = self.compile(func, "jvp", wrt, statics=statics)
            if helper not in self.helpers:
                self.helpers.append(helper)
            target, name, tangents = helper.function, helper.name, helper.tangent_params
        return self.imports.bind(name, target), tangents

    def compile_helper(self, func, wrt, outputs=None, statics=()):
        """Names bound to the split sweeps of user function ``func`` (wrt ``wrt``;
        ``outputs``: the positions of its tuple outputs the caller reads; specialised
        on the function arguments ``statics``)."""
        if progress_key(func, wrt, "vjp", statics) in IN_PROGRESS:  # recursion
            forward = Lazy(self.compile, func, wrt, "forward", statics=statics)
            backward = Lazy(self.compile, func, wrt, "backward", statics=statics)
            name = stem(func)
        else:
            helper = self.compile(func, "vjp", wrt, outputs=outputs, statics=statics)
            if helper not in self.helpers:
                self.helpers.append(helper)
            forward, backward, name = helper.forward, helper.backward, helper.name
        return (self.imports.bind(name + "_forward", forward),
                self.imports.bind(name + "_backward", backward), name)

    def compile_linearize_helper(self, func, wrt, statics=()):
        """Names bound to the generated ``_linearize``/``_tangent`` pair of user function
        ``func`` (wrt ``wrt``; specialised on ``statics``), and its tangent parameters."""
        if progress_key(func, wrt, "linearize", statics) in IN_PROGRESS:
            current = getattr(self, "linearize_self", None)
            if current is None or current[:2] != (func, wrt):
                raise TypeError("s2sad cannot yet linearize through mutually recursive "
                                "functions (%s)" % func.__qualname__)
            forward = Lazy(self.compile, func, wrt, "forward", "linearize", statics)
            tangent = Lazy(self.compile, func, wrt, "tangent", "linearize", statics)
            name, tangents = func.__name__, current[2]
        else:
            helper = self.compile(func, "linearize", wrt, statics=statics)
            if helper not in self.helpers:
                self.helpers.append(helper)
            forward, tangent, name = helper.forward, helper.tangent, helper.name
            tangents = helper.tangent_params
        return (self.imports.bind(name + "_linearize", forward),
                self.imports.bind(name + "_tangent", tangent), tangents)

    def bind(self, rule, op, stmt):
        """``rule.bind`` for the call in ``stmt``; an argument the rule cannot take is an
        :class:`~s2sad.errors.UnsupportedArgumentError` (a MissingRuleError) at the
        user's line, naming the function by its public name."""
        try:
            return rule.bind(op.args, op.keywords, self.parsed.where(stmt))
        except rules.RuleError as err:
            construct = getattr(err, "construct", None)
            if construct is None:
                raise self.unsupported(stmt, str(err), "") from None
            origin = getanno(stmt, "origin") or stmt
            filename, line = self.parsed.location(origin)
            raise UnsupportedArgumentError(
                err.function, construct, self.parsed.where(stmt), filename, line,
                getattr(origin, "col_offset", 0), self.parsed.source_line(origin),
                err.hint, err.key) from None

    def unsupported(self, node, construct, hint):
        origin = getanno(node, "origin") or node
        return fence.reject(self.parsed, origin, construct, hint)
