"""The points-to analysis of one function, run to its fixed point.

Input: the compilation's :class:`~.domain.Shared` record, a ``gast.FunctionDef`` after
desugaring and canonicalisation (:mod:`.canon`), its namespace, a mode ("main": the
differentiated function, writes are modelled; "check": a nested def of it, aliases are
refused; "summary": a callee, only what it writes into and returns is collected), the
kinds of its parameters, the names of the enclosing function (``outer``), and the
compilation's ``lineno``, ``runtime``, ``bind`` and ``namer``.  Output
(:meth:`Analysis.run`): the function edited in place (sorts rewritten, the statements
modelling writes installed) or a located error raised; the analysis then holds what
:meth:`~.summaries.Summaries.summarize` reads.

The work is shared by mixins, each in its own module: objects and expressions
(:mod:`.expressions`), calls (:mod:`.invocations`), statements and loops
(:mod:`.statements`), decisions and refusals (:mod:`.writes`), the inserted statements
and run-time checks (:mod:`.guards`), summaries of callees (:mod:`.summaries`).
"""
import gast

from ...syntax.annotations import getanno
from ..desugar import walk as shallow_walk
from .canon import sort_statements
from .domain import SCALAR, State, Val
from .expressions import Expressions
from .facts import exit_flags, liveness, names_of, nested_reads
from .guards import Guards
from .invocations import Calls
from .statements import Statements
from .summaries import Summaries
from .syntax import own_statements
from .writes import Writes


class Analysis(Expressions, Calls, Statements, Writes, Guards, Summaries):
    """Points-to analysis of one function.  ``mode``: "main" (the differentiated
    function; writes are modelled), "check" (a nested def of it; aliases refused),
    "summary" (a callee; what it writes into and may return)."""

    def __init__(self, shared, fdef, namespace, mode, kinds=None, outer=frozenset(),
                 lineno=None, runtime=None, bind=None, namer=None):
        self.shared, self.fdef, self.namespace, self.mode = shared, fdef, namespace, mode
        self.lineno = lineno or shared.lineno
        self.runtime, self.bind_name, self.namer = runtime, bind, namer
        args = fdef.args
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs] + [
            a.id for a in (args.vararg, args.kwarg) if a is not None]
        local, self.loads, _ = names_of(fdef)
        self.locals = local | {n.name for n in shallow_walk(fdef) if isinstance(
            n, gast.FunctionDef) and n is not fdef}
        self.outer = frozenset(outer) - self.locals
        self.kinds = kinds or {}
        self.sites, self.fixes, self.nested, self.partials, self.inner = {}, {}, {}, {}, {}
        self.recording, self.pending = False, []
        self.ret_reach, self.ret_kind, self.written = set(), "-", []
        self.ret_functions, self.captured, self.functions, self.made = [], set(), {}, {}
        self.flags = exit_flags(fdef)
        self.exits, self.loops = [], []
        self.reads = None  # nested_reads(fdef), until a nested def changes

    def start(self):
        st = State()
        for p in self.params:
            kind = self.kinds.get(p)
            st.env[p] = SCALAR if kind == "number" else Val({(("param", p), True)}, kind)
            st.origin[p] = frozenset({self.fdef})
        return st

    def round(self, decide=True):
        for site in self.sites.values():
            site.before = None
        self.recording, self.ret_reach, self.ret_kind, self.written = True, set(), "-", []
        self.ret_functions, self.captured, self.exits, self.loops = [], set(), [], []
        self.block(self.fdef.body, self.start())
        self.recording = False
        if decide:
            if self.reads is None:  # the inserted statements never hold a def or lambda
                self.reads = nested_reads(self.fdef)
            return self.decide(liveness(self.fdef.body, self.reads))

    def nested_changed(self):
        """A nested def's source changed (its sorts were rewritten)."""
        self.reads = None

    def run(self):
        if self.mode != "summary" and any(getanno(s, "alias_sort") for s in own_statements(
                self.fdef.body)):
            self.round(decide=False)
            self.resolve_sorts()
        for _ in range(30):
            if not self.round():
                return
        raise self.shared.reject(self.fdef, "this function (modelling its aliases did not "
                                 "converge)", "write through one name per array")

    def sort_statements(self, stmt, kind):
        return sort_statements(stmt, kind, self.shared.reject, self.bind_name, self.namer)

    def resolve_sorts(self):
        for site in [s for s in self.sites.values() if s.kind == "sort" and s.before]:
            kind = site.before.env.get(site.name, Val()).kind
            new = self.sort_statements(site.stmt, kind)
            self.shared.sorts[getanno(site.stmt, "alias_sort")] = kind
            at = next(i for i, s in enumerate(site.block) if s is site.stmt)
            site.block[at:at + 1] = new
        self.sites = {}
