"""What the analysis decides at each write it found, and the refusal messages (a mixin
of :class:`~.analysis.Analysis`).

Input: the host's ``sites`` (each with the states before and after its write, recorded
by :class:`~.statements.Statements`), the names live after each statement, ``mode``
("main": model the writes; "check": refuse aliases; "summary": only collect what is
written), ``shared.reject(node, construct, hint) -> exception``.  Output
(:meth:`Writes.decide`): True if the statements modelling some write changed; each
site's ``steps`` (rebind an alias, write a view back into its base, take a view again,
or raise when it runs), installed by :class:`~.guards.Guards`; ``written`` (object,
statement) pairs; or a located ``UnsupportedSyntaxError`` (raised) naming both names and
the line of the alias.
"""
import gast

from ...syntax import astwalk
from ...syntax.annotations import getanno
from .catalog import OPS
from .domain import Val, is_ndarray, root_of
from .syntax import index_parts, is_sliced, load, quoted, unparse


class Writes:
    """Deciding and refusing writes through aliases (see the module docstring)."""

    def decide(self, live):
        changed = False
        for site in sorted((s for s in self.sites.values() if s.before is not None),
                           key=lambda s: (getattr(s.stmt, "lineno", 0) or 0,
                                          getattr(s.stmt, "col_offset", 0) or 0)):
            if site.kind == "call":
                changed |= self.check_call(site, live)
                continue
            objs = self.written_objects(site)
            self.written.extend((o, site.stmt) for o in objs)
            if self.mode == "summary":
                continue
            self.check_external(site, objs)
            observers = self.observers(site, objs, live)
            if site.kind == "augitem":
                changed |= self.check_items(site, objs, observers, live)
            if site.kind == "augname" and not self.mutable(site):
                if observers and self.mode != "main":
                    raise self.refuse_augname(site, observers[0])
                if observers:  # an array or a number: decided when it runs
                    site.guarded = True
                    site.observed |= set(observers)
                    changed |= self.model(site)
                continue
            if self.mode == "check":
                if any(root_of(o)[0] == "encl" for o in objs):
                    raise self.shared.reject(
                        site.stmt, "a nested function writing into %s, a variable of the "
                        "enclosing function" % quoted(site.name),
                        "return the new value and assign it in the enclosing function")
                if observers:
                    raise self.refuse(site, observers[0], nested=True)
                continue
            if observers:
                site.observed |= set(observers)
                changed |= self.model(site)
        return changed

    def written_objects(self, site):
        st = site.before
        objs = {o for o, _ in self.ev_Name(load(site.name), st).tokens}
        frontier = set(objs)
        for _ in range(site.depth - 1):
            frontier = {o for f in frontier for o, _ in self.contents_of(f, st)}
            objs |= frontier
        return objs

    def last_of(self, stmt):
        fixes = [f for f in self.fixes.get(id(stmt), ()) if not getanno(f, "alias_pre")]
        return fixes[-1] if fixes else stmt

    def observers(self, site, objs, live):
        after, out = site.after, []
        for name in sorted(live.get(id(self.last_of(site.stmt)), ())):
            if name != site.name and name in after.env and objs & self.reach(
                    after.env[name].tokens, after):
                out.append(name)
        return out

    def check_items(self, site, objs, observers, live):
        """``y[i] += v`` also writes into the item ``y[i]`` in place if it is an array or
        a list: names that hold that item see it (refused; when it runs, if s2sad cannot
        tell what the item is)."""
        st = site.before
        parts = index_parts(site.stmt.target.slice)
        if any(is_sliced(p) for p in parts):
            return False  # a slice: a view of the array, or a new list
        items = {o for f in objs for o, _ in self.contents_of(f, st)} - objs
        seen = [n for n in self.observers(site, items, live) if n not in observers] \
            if items else []
        if not seen:
            return False
        kinds = [self.kind_of(o, st) for o in items]
        if self.mode != "main" or all(k is not None and (is_ndarray(k) or k[0] in (
                "list", "dict")) for k in kinds):
            raise self.refuse(site, seen[0])
        site.item_guard = True
        step = ("raise", seen[0], None, None)
        if step in getattr(site, "steps", ()):
            return False
        site.steps = list(getattr(site, "steps", [])) + [step]
        return self.install(site.stmt, site.block)

    def mutable(self, site):
        kind = site.before.env.get(site.name, Val()).kind
        return is_ndarray(kind) or (kind is not None and kind[0] in ("list", "dict"))

    def model(self, site):
        """Rebind aliases, write views back, take views again (see the module docstring)."""
        st = site.after

        def group(m):
            return st.same.get(m, frozenset({m}))

        updated, work, steps = {site.name}, [site.name], []
        while work:
            m = work.pop(0)
            for alias in sorted(group(m) - updated):
                steps.append(("alias", alias, m, None))
                updated.add(alias)
            fact = next((st.views[a] for a in sorted(group(m)) if a in st.views), None)
            if fact and fact[0] not in updated:
                steps.append(("back", fact[0], m, fact[1]))
                updated.add(fact[0])
                work.append(fact[0])
            for view, (base, index, _, is_view) in sorted(st.views.items(),
                                                          key=lambda kv: kv[0]):
                if view not in updated and base in group(m) and is_view:
                    steps.append(("view", view, m, index))
                    updated.add(view)
                    work.append(view)
        missing = [w for w in sorted(site.observed) if w not in updated]
        if missing and not getattr(site, "guarded", False):
            raise self.refuse(site, missing[0])
        if missing:  # refused when it runs, if the value turns out to be written into
            steps.append(("raise", missing[0], None, None))
            site.observed.add(missing[0])
        needed, kept = set(site.observed), []
        for step in reversed(steps):
            if step[1] in needed and (step[0] != "raise" or step[1] in missing):
                kept.append(step)
                needed.add(step[2])
        old = getattr(site, "steps", [])
        site.steps = [s for s in steps if s in kept or s in old] + [
            s for s in old if s not in steps]
        return self.install(site.stmt, site.block)

    def bound_at(self, st, names):
        """The latest statement binding one of ``names`` (where an alias was made)."""
        stmts = [s for n in names for s in st.origin.get(n, ()) if s is not self.fdef]
        return max(stmts, key=lambda s: self.lineno(s) or 0) if stmts else None

    def binding(self, st, name, *others):
        stmt = self.bound_at(st, (name,) + others)
        if stmt is None:
            return " (a parameter)" if name in self.params else ""
        return " (`%s` at line %s)" % (unparse(stmt).rstrip(":"), self.lineno(stmt))

    def copy_hint(self, stmt):
        if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], gast.Name):
            value, text = stmt.value, unparse(stmt.value)
            if not isinstance(value, (gast.Name, gast.Attribute, gast.Call, gast.Subscript)):
                text = "(%s)" % text
            return ", or copy: `%s = %s.copy()`" % (stmt.targets[0].id, text)
        return ", or bind a copy (`.copy()`)"

    def refuse(self, site, other, nested=False):
        st, name = site.after, site.name
        objs = self.written_objects(site)
        holds = not any(o in objs for o, _ in st.env[other].tokens)
        relation = "may hold it" if holds else "may share its memory"
        what = "writing into %s while %s %s%s" % (quoted(name), quoted(other), relation,
                                                 self.binding(st, other, name))
        if nested:
            hint = ("inside a nested function s2sad does not model aliases; write through "
                    "one name, or define the function at module level")
        elif holds:
            hint = ("in NumPy %s would see this write; store a copy in it (for example "
                    "`ys.append(a.copy())`), or do not read %s after the write"
                    % (quoted(other), quoted(other)))
        else:
            hint = ("in NumPy %s would see this write, and s2sad cannot prove what it refers "
                    "to on every path; write through one name%s" % (
                        quoted(other), self.copy_hint(self.bound_at(st, (other, name)))))
        return self.shared.reject(site.stmt, what, hint)

    def refuse_augname(self, site, other):
        name = site.name
        return self.shared.reject(
            site.stmt, "`%s %s= ...` while %s may refer to the same value%s" % (
                name, OPS.get(type(site.stmt.op), "?"), quoted(other),
                self.binding(site.after, other, name)),
            "s2sad cannot tell whether %s is an array (then the update writes into it, and %s "
            "sees it) or a number; write `%s = %s + ...` for a new value, or `%s[...] += ...` "
            "to write into the array" % (quoted(name), quoted(other), name, name, name))

    def global_label(self, obj):
        obj = root_of(obj)
        if obj[0] == "global":
            return "the global (module-level or closure) value %s" % quoted(
                self.shared.labels[obj][0])
        if obj[0] == "param":
            return "part of `self`"
        return "a global value (reached through a call s2sad cannot follow)"

    def check_external(self, site, objs):
        outside = sorted((o for o in objs if self.external(o)), key=repr)
        if not outside:
            return
        label, name = self.global_label(outside[0]), site.name
        what = "writing into %s" % label if name not in self.locals else \
            "writing into %s, which may refer to %s%s" % (quoted(name), label, self.binding(
                site.before, name))
        source = self.shared.labels.get(root_of(outside[0]), (name,))[0]
        hint = ", or copy: `w = %s.copy()`" % source if name not in self.locals else \
            self.copy_hint(self.bound_at(site.before, (name,)))
        raise self.shared.reject(site.stmt, what, "a differentiated function must not change "
                                 "global state; write into a copy%s" % hint)

    def check_call(self, site, live):
        call, summary, val, node, where = site.info
        objs = self.reach(val.tokens, site.before)
        self.written.extend((o, site.stmt) for o in objs)
        if not objs or self.mode == "summary":
            return False
        fname, param = unparse(call.func), site.name
        arg = unparse(node) if node is not None else "an argument"
        outside = [o for o in objs if self.external(o)]
        if outside:
            raise self.shared.reject(
                call, "calling %s, which writes into its parameter %s (%s), with %s, %s" % (
                    quoted(fname), quoted(param), where, quoted(arg),
                    self.global_label(outside[0])),
                "pass a copy: `%s(%s.copy(), ...)`" % (fname, arg))
        if node is not None and not isinstance(node, gast.Name):
            inside = {id(n) for n in astwalk.walk(node)}
            if all(o[0] == "new" and o[1] in inside for o in objs):
                return False  # a new object only the call sees
        elif isinstance(node, gast.Name) and node.id in self.locals:
            targets = {n.id for t in getattr(site.stmt, "targets", ()) for n in astwalk.walk(t)
                       if isinstance(n, gast.Name)}
            others = [n for n, v in site.after.env.items() if n != node.id and n not in targets
                      and objs & self.reach(v.tokens, site.after)]
            if (all(o[0] in ("new", "old") for o in objs) and not others
                    and node.id not in live.get(id(self.last_of(site.stmt)), ())
                    and self.loads.get(node.id) == 1):
                return False
        error = self.shared.reject(
            call, "calling %s, which writes into its parameter %s (%s), with %s" % (
                quoted(fname), quoted(param), where, quoted(arg)),
            "in NumPy the call changes %s, but s2sad differentiates %s on a copy; pass a copy "
            "(`%s.copy()`), or make %s return the new value" % (
                quoted(arg), quoted(fname), arg, quoted(fname)))
        kind = val.kind
        if self.mode != "main" or node is None or is_ndarray(kind) or (
                kind is not None and kind[0] in ("list", "dict")):
            raise error
        if getattr(site, "pre_guard", None) is not None:
            return False
        # refused when it runs, if the argument is mutable: a list, a dict, or an array of
        # an ndim for which the callee does write into it (``for row in u: row += 1``
        # writes into a 2-d ``u`` only)
        func = getattr(summary, "func", None)
        safe = () if func is None else tuple(
            n for n in range(4) if param not in self.summary_of(
                func, {param: ("array", n)}).mutated)
        scoped = _scoped_names(site.stmt)
        if scoped & {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)}:
            # the guard goes before the statement, where a comprehension's variable is
            # not bound: test what it iterates over (elements of a 1-d array are numbers,
            # rows of an n-d one (n-1)-d views)
            source = _iterated(site.stmt, node)
            if source is None or scoped & {n.id for n in astwalk.walk(source)
                                           if isinstance(n, gast.Name)}:
                raise error
            node, safe = source, (1,) + tuple(n + 1 for n in safe if n >= 1)
        site.pre_guard = (node, error, safe)
        return self.install(site.stmt, site.block)


def _scoped_names(stmt):
    """Names bound inside ``stmt`` by comprehensions and lambdas (not visible before it)."""
    names = set()
    for node in astwalk.walk(stmt):
        if isinstance(node, (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)):
            for gen in node.generators:
                names |= {n.id for n in astwalk.walk(gen.target) if isinstance(n, gast.Name)}
        elif isinstance(node, gast.Lambda):
            names |= {a.id for a in node.args.args}
    return names


def _iterated(stmt, node):
    """What the comprehension in ``stmt`` whose (simple) target is the name ``node``
    iterates over, or None."""
    if not isinstance(node, gast.Name):
        return None
    for sub in astwalk.walk(stmt):
        if isinstance(sub, (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)):
            for gen in sub.generators:
                if isinstance(gen.target, gast.Name) and gen.target.id == node.id:
                    return gen.iter
    return None

