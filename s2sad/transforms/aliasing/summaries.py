"""Summaries of the functions the analysed function calls: its nested defs and lambdas,
and the user's functions s2sad reads the source of (a mixin of
:class:`~.analysis.Analysis`).

Input: a nested def's name (the host's ``nested`` table) or a user function; the
compilation's :class:`~.domain.Shared` record (summaries already made, the stack of those
being made, parses of sources).  Output: a :class:`~.domain.Summary` (the parameters the
function may write into, those and the external objects it may return, what a function
it returns does); each is made once per compilation (nested ones once per analysis), by
a new analysis of the callee's (canonicalised, desugared) source in "summary" or
"check" mode.  Errors inside a callee are never raised: it is then assumed to do
everything.  The sort decisions of a nested def are applied to its source.
"""
import copy
import functools
import os

import gast

from ... import runtime as runtime_module
from ..naming import Namer
from ..naming import local_names
from ..desugar import ExitLowering, normalize_loops
from .canon import Canon, replace_sorts
from .domain import Refused, Shared, Summary, root_of
from .facts import params_of, take_parsed
from .syntax import bind_into


class Summaries:
    """What calling a nested def or a user function does (see the module docstring)."""

    def nested_summary(self, name):
        """The :class:`~.domain.Summary` of the nested def or lambda bound to ``name``
        (analysed in "check" mode: aliases inside it are refused)."""
        node = self.nested[name]
        if id(node) in self.inner:
            return self.inner[id(node)]
        params = [a.id for a in node.args.args]
        self.inner[id(node)] = Summary.everything(params)  # recursion: ANF refuses it
        if isinstance(node, gast.Lambda):
            body = [gast.copy_location(gast.Return(value=node.body), node)]
            fdef = gast.FunctionDef(name=name, args=node.args, body=body, decorator_list=[],
                                    returns=None, type_comment=None, type_params=[])
            gast.copy_location(fdef, node)
        else:
            fdef = node
        fdef = copy.deepcopy(fdef)
        namer = Namer(local_names(fdef) | set(self.namespace))
        ExitLowering(namer).function(fdef)
        normalize_loops(fdef, namer, self.runtime)
        sub = type(self)(self.shared, fdef, self.namespace,
                         "summary" if self.mode == "summary" else "check",
                         outer=self.locals | self.outer, lineno=self.lineno,
                         runtime=self.runtime, bind=self.bind_name, namer=namer)
        summary = sub.summarize(lambda n: "line %s" % self.lineno(n))
        if self.mode != "summary" and isinstance(node, gast.FunctionDef):
            replace_sorts(node.body, self.shared.sorts, self.sort_statements)
            self.nested_changed()
        self.inner[id(node)] = summary
        return summary

    def summarize(self, where):
        """Run the analysis; the :class:`~.domain.Summary` of this function (``where(node)``
        says where a parameter is written into, for messages)."""
        self.run()
        mutated = {}
        for obj, node in self.written:
            root = root_of(obj)
            if root[0] == "param" and root[1] not in mutated:
                mutated[root[1]] = where(node)
        roots = {root_of(o) for o in self.ret_reach}
        returned = {o[1] for o in self.ret_reach if o[0] == "param"}
        summary = Summary(self.params, mutated, returned,
                          {o for o in self.ret_reach if root_of(o)[0] in ("global", "any")},
                          None if self.ret_kind == "-" else self.ret_kind,
                          encl={o[1] for o in roots if o[0] == "encl"})
        summary.written_outer = {root_of(o)[1] for o, _ in self.written
                                 if root_of(o)[0] == "encl"}
        summary.items = {o[1] for o in roots if o[0] == "param"} - returned  # only elements
        if self.ret_functions:  # a factory: the function it returns, and what it holds
            summary.function = self.ret_functions[0] if len(self.ret_functions) == 1 else \
                Summary.everything(self.ret_functions[0].params)
            captured = {root_of(o) for o in self.captured}
            summary.captures = {o[1] for o in captured if o[0] == "param"}
            summary.objects |= {o for o in self.captured if root_of(o)[0] in ("global", "any")}
            summary.encl |= {o[1] for o in captured if o[0] == "encl"}
        return summary

    def summary_of(self, func, kinds=None):
        """The :class:`~.domain.Summary` of the user's function ``func`` (from its source;
        recursion by a fixed point, mutual recursion assumed to do everything).
        ``kinds``: parameter -> ``"number"`` or ``("array", ndim)`` that hold for the
        arguments of one call (``for xi in u: xi += 1`` writes into a 2-d ``u`` only)."""
        shared = self.shared
        key = (func, tuple(sorted(kinds.items()))) if kinds else func
        found = shared.summaries.get(key)
        if found is not None:
            if found.provisional:
                if shared.stack and shared.stack[-1] == key:
                    found.used = True
                else:  # mutual recursion: assume the worst
                    shared.cyclic.update(shared.stack[shared.stack.index(key):])
            return found
        params = params_of(func)
        guess = Summary(params)
        guess.provisional = True
        shared.summaries[key] = guess
        shared.stack.append(key)
        try:
            for _ in range(4):
                result = self.analyse_callee(func, params, kinds)
                if key in shared.cyclic or not guess.used or result.same_as(guess):
                    break
                guess.__dict__.update(result.__dict__, provisional=True, used=False)
            else:
                result = Summary.everything(params)
        finally:
            shared.stack.pop()
        if key in shared.cyclic:
            result = Summary.everything(params)
        result.func = func
        shared.summaries[key] = result
        return result

    def specialised(self, summary, bound):
        """``summary`` again for what this call's arguments are known to be (``bound``:
        parameter -> (value, node)), if that tells more; else ``summary``."""
        func = getattr(summary, "func", None)
        if func is None or not summary.mutated:
            return summary
        kinds = {}
        for param, (val, _) in bound.items():
            kind = val.kind
            if kind in (("int", 0), ("scalar", 0)):
                kinds[param] = "number"
            elif kind is not None and kind[0] == "array" and kind[1] is not None:
                kinds[param] = ("array", kind[1])
        return self.summary_of(func, kinds) if kinds else summary

    def analyse_callee(self, func, params, kinds=None):
        """One analysis of the user's function ``func`` from its source (canonicalised as
        the compiler does; ``kinds`` of its parameters as in :meth:`summary_of`); anything
        s2sad cannot read is assumed to do everything."""
        shared = self.shared
        try:
            parsed = take_parsed(shared, func)
            fdef, namespace = parsed.fdef, dict(parsed.namespace)
            bind = functools.partial(bind_into, namespace)

            def runtime(name):
                return bind(name, getattr(runtime_module, name))
            namer = Namer(local_names(fdef) | set(namespace))
            ExitLowering(namer).function(fdef)
            normalize_loops(fdef, namer, runtime)
            fdef.body = Canon(fdef, namespace, lambda *a: Refused(), bind, runtime,
                              namer).block(fdef.body)
            sub = type(self)(Shared.child(shared, parsed.lineno), fdef, namespace, "summary",
                             kinds, lineno=parsed.lineno, runtime=runtime, bind=bind, namer=namer)
            name = os.path.basename(parsed.filename)
            return sub.summarize(lambda node: "%s:%s" % (name, parsed.lineno(node)))
        except Exception:  # anything s2sad cannot read: assume the worst
            return Summary.everything(params)
