"""What the checks can conclude, and how the results of a program are kept and grouped.

Input: a program's params (:class:`Layout`), exceptions and their messages.  Output: the
check names :data:`CHECKS` (in the order they run) and :data:`FIRST_ORDER`, the
statuses :data:`STATUSES` (the failures: :data:`FAIL`), the exceptions a check raises
(:class:`CheckFailure`, :class:`Mutated`; :class:`Timeout`), :class:`Layout` (the
arguments as one flat float vector and back, and the structure of gradients),
:class:`PointFailure`, :class:`ProgramResult` (every check's outcome for one program;
:meth:`~ProgramResult.report`), the failure group text of an error message
(``_group_text``), where an exception was raised (``_origin``), and ``_short``,
``_fmt``, ``_copyargs``.

Imports: ``numpy``, :mod:`.grammar` (:func:`~.grammar.nelem`).
"""
import collections
import os
import re
import traceback

import numpy as np

from .grammar import nelem

#: the checks, in the order they run.
CHECKS = ["value", "grad", "nograph", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "hvp",
          "grad2"]
FIRST_ORDER = ("value", "grad", "nograph", "vjp", "jvp", "jacrev", "jacfwd")
FAIL = ("crash", "wrong", "mutated")
STATUSES = ("ok", "refused", "crash", "wrong", "mutated", "skipped", "n/a")


class Mutated(Exception):
    pass


class Timeout(Exception):
    pass


class CheckFailure(Exception):
    """A failed comparison inside a check (carries the details)."""

    def __init__(self, what, info):
        super().__init__(what)
        self.what = what
        self.info = info


class Layout:
    """Flattening of the program's arguments into one float vector."""

    def __init__(self, params):
        self.kinds = [k for _, k in params]
        self.sizes = [1 if k == "float" else nelem(k) for k in self.kinds]
        self.n = sum(self.sizes)

    def flat(self, args):
        return np.concatenate([np.ravel(np.asarray(a, float)) for a in args]) \
            if args else np.zeros(0)

    def unflat(self, vec):
        out, i = [], 0
        for k, s in zip(self.kinds, self.sizes):
            if k == "float":
                out.append(float(vec[i]))
            else:
                out.append(np.array(vec[i:i + s], float).reshape(k))
            i += s
        return out

    def flat_tree(self, gs, what):
        """Flatten a tuple with one leaf per argument, checking its structure."""
        if not isinstance(gs, (tuple, list)) or len(gs) != len(self.kinds):
            raise CheckFailure("structure", {"why": "%s: expected a tuple of %d, got %s" % (
                what, len(self.kinds), _short(gs))})
        parts = []
        for g, k in zip(gs, self.kinds):
            shape = () if k == "float" else k
            if np.shape(g) != shape:
                raise CheckFailure("shape", {"why": "%s: leaf of shape %s for an argument "
                                             "of shape %s" % (what, np.shape(g), shape)})
            a = np.asarray(g)
            if a.dtype.kind != "f":
                raise CheckFailure("dtype", {"why": "%s: dtype %s" % (what, a.dtype)})
            parts.append(np.ravel(a.astype(float)))
        return np.concatenate(parts) if parts else np.zeros(0)


def _short(x, n=300):
    r = repr(x)
    return r if len(r) <= n else r[:n] + "..."


def _fmt(x):
    with np.printoptions(precision=10, suppress=False, linewidth=100, threshold=50):
        return repr(np.asarray(x)) if isinstance(x, np.ndarray) else repr(x)


def _copyargs(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


#: one failing check at one point (``group``: the failure's first line, for tables)
PointFailure = collections.namedtuple("PointFailure", "status check what point detail group")


class ProgramResult:
    """Outcome of every check for one program."""

    def __init__(self, prog, modname):
        self.prog = prog
        self.modname = modname
        self.status = {}           # check -> status
        self.failures = {}         # check -> PointFailure (first failure of the check)
        self.refusals = {}         # check -> message
        self.points = collections.Counter()   # (check, "ok"/"skip") -> number of points
        self.invalid = None        # the program itself failed (a generator bug)
        self.seconds = 0.0
        self.cpu = 0.0
        self.check_cpu = collections.Counter()   # check -> CPU seconds
        self.max_fd_grad = None    # max |FD gradient| over the points (0: f is constant)

    @property
    def failed(self):
        return any(s in FAIL for s in self.status.values())

    def groups(self):
        return [f.group for c, f in self.failures.items() if f.status in FAIL]

    def report(self, checks=None):
        lines = ["program %s (module %s)" % (self.prog.label, self.modname)]
        lines.append("params: %s%s" % (", ".join("%s: %s" % (n, k) for n, k in
                                                self.prog.params),
                                      "; has_aux=True" if self.prog.has_aux else ""))
        lines.append(self.prog.numbered())
        if self.invalid:
            lines.append("INVALID PROGRAM (generator bug): " + self.invalid)
        for c in CHECKS:
            f = self.failures.get(c)
            if f is None or f.status not in FAIL:
                continue
            lines.append("--- check %s: %s (%s)" % (c, f.status.upper(), f.what))
            lines.append("point: " + ", ".join(
                "%s=%s" % (n, _fmt(a)) for (n, _), a in zip(self.prog.params, f.point)))
            lines.append(f.detail)
        return "\n".join(lines)


def _group_text(msg, modname):
    first = (msg or "").strip().splitlines()[0] if (msg or "").strip() else ""
    first = re.sub(r"\b%s\b" % re.escape(modname), "GEN", first)
    first = re.sub(r"(/[^\s:'\"()/]+)+/([^\s:'\"()/]+\.py)", r"\2", first)   # paths
    first = re.sub(r"__[0-9a-f]{6,10}\.py", ".py", first)                    # hashes
    first = re.sub(r"\bgen_\w+", "GEN", first)
    first = re.sub(r"`d\w+`", "`DERIV`", first)
    first = re.sub(r"0x[0-9a-f]+", "0x", first)
    first = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", first)
    first = re.sub(r"'[A-Za-z_][A-Za-z_0-9]*'", "'NAME'", first)
    return first[:120]


def _origin(exc):
    """Where an exception was raised: s2sad's own code, generated code or the program."""
    tb = traceback.extract_tb(exc.__traceback__)
    for fr in reversed(tb):
        fn = fr.filename.replace("\\", "/")
        if "/s2sad/" in fn:
            return "s2sad:%s:%s" % (os.path.basename(fn), fr.name)
        if "/progen" in fn:
            continue
        if "/s2sad_cache/" in fn or "/.cache/s2sad/" in fn:
            return "generated code"
        if "s2sad_progen_" in fn:
            return "program"
        return "generated code"
    return "?"
