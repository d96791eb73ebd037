"""Lower control-flow exits and normalise loops, before ANF.

Input: a fenced ``gast.FunctionDef``.  Output: the same function where

* ``return`` appears only as the last statement of the body: an early
  ``return e`` becomes ``retval = e; returned = True`` and the statements
  that may follow it are guarded by ``if not returned:``;
* ``break`` and ``continue`` are replaced by flags (``broke``, ``skip``) that
  guard the rest of the loop body; a loop that may be left early ends its body
  with ``if broke: break`` (the only ``break`` left, always last in a body);
* every ``for`` loop iterates over a ``range``: ``for v in xs`` becomes
  ``for i in range(len(xs)): v = xs[i]``, with ``enumerate`` and ``zip``
  unpacked the same way, ``reversed(xs)`` read as ``xs[::-1]``, and other
  iterables materialised with ``list``.

So the AD transforms see single-exit bodies whose trip counts are known.
"""
import gast

from ..syntax import astwalk
from ..syntax.annotations import setanno


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def _assign(id_, value):
    return gast.Assign(targets=[_name(id_, gast.Store())], value=value, type_comment=None)


def _const(value):
    return gast.Constant(value=value, kind=None)


def _not(expr):
    return gast.UnaryOp(op=gast.Not(), operand=expr)


def _call(func, *args):
    return gast.Call(func=_name(func), args=list(args), keywords=[])


def _located(new, old):
    """Copy ``old``'s location and origin onto every node of ``new``."""
    for node in new:
        gast.copy_location(node, old)
        setanno(node, "origin", old)
        for sub in astwalk.walk(node):
            if isinstance(sub, (gast.stmt, gast.expr)):
                gast.copy_location(sub, old)
    return new


class ExitLowering:
    """Rewrite return/break/continue into flags (see module docstring)."""

    def __init__(self, namer):
        self.namer = namer
        self.retval = self.returned = None
        self.loops = []  # stack of (broke flag or None, skip flag or None)

    def function(self, fdef):
        body = fdef.body
        if not _has_early_return(body):
            fdef.body = self.block(body)
            return fdef
        self.retval = self.namer.unique("retval")
        self.returned = self.namer.unique("returned")
        head = _located([_assign(self.retval, _const(None)),
                         _assign(self.returned, _const(False))], fdef)
        tail = _located([gast.Return(value=_name(self.retval))], body[-1])
        fdef.body = head + self.block(body) + tail
        return fdef

    def block(self, stmts):
        out = []
        for i, stmt in enumerate(stmts):
            flags = self.flags_set_by(stmt)
            out.extend(self.stmt(stmt))
            rest = stmts[i + 1:]
            if flags and rest:
                guard = _not(_flag_test(flags))
                out.extend(_located([gast.If(test=guard, body=self.block(rest), orelse=[])],
                                    rest[0]))
                break
        return out

    def flags_set_by(self, stmt):
        """Flags that executing ``stmt`` may set, seen from the statement after it."""
        flags = []

        def add(flag):
            if flag and flag not in flags:
                flags.append(flag)
        if isinstance(stmt, (gast.For, gast.While)):
            if any(isinstance(n, gast.Return) for n in walk(stmt)):
                add(self.returned)
            return flags
        for node in _walk_same_loop_body([stmt]):
            if isinstance(node, gast.Return):
                add(self.returned)
            elif isinstance(node, (gast.For, gast.While)):
                add(self.returned if any(isinstance(n, gast.Return)
                                         for n in walk(node)) else None)
            elif isinstance(node, gast.Break) and self.loops:
                add(self.loops[-1][0])
            elif isinstance(node, gast.Continue) and self.loops:
                add(self.loops[-1][1])
        return flags

    def stmt(self, stmt):
        if isinstance(stmt, gast.Return):
            if self.returned is None:
                return [stmt]
            value = stmt.value if stmt.value is not None else _const(None)
            return _located([_assign(self.retval, value), _assign(self.returned, _const(True))],
                            stmt)
        if isinstance(stmt, gast.Break):
            return _located([_assign(self.loops[-1][0], _const(True))], stmt)
        if isinstance(stmt, gast.Continue):
            return _located([_assign(self.loops[-1][1], _const(True))], stmt)
        if isinstance(stmt, gast.If):
            stmt.body = self.block(stmt.body)
            stmt.orelse = self.block(stmt.orelse)
            return [stmt]
        if isinstance(stmt, (gast.For, gast.While)):
            return self.loop(stmt)
        return [stmt]

    def loop(self, stmt):
        own = list(_walk_same_loop_body(stmt.body))
        broke = self.namer.unique("broke") if any(isinstance(n, gast.Break) for n in own) \
            else None
        skip = self.namer.unique("skip") if any(isinstance(n, gast.Continue) for n in own) \
            else None
        exits = self.returned is not None and any(
            isinstance(n, gast.Return) for n in walk(stmt))
        self.loops.append((broke, skip))
        body = self.block(stmt.body)
        self.loops.pop()
        if skip:
            body = _located([_assign(skip, _const(False))], stmt) + body
        leave = [f for f in (broke, self.returned if exits else None) if f]
        if leave:
            body = body + _located([gast.If(test=_flag_test(leave), body=[gast.Break()],
                                            orelse=[])], stmt)
        stmt.body = body
        before = _located([_assign(broke, _const(False))], stmt) if broke else []
        after = self.block(stmt.orelse) if stmt.orelse else []
        stmt.orelse = []
        if after and leave:
            after = _located([gast.If(test=_not(_flag_test(leave)), body=after, orelse=[])],
                             stmt)
        return before + [stmt] + after


def _flag_test(flags):
    if len(flags) == 1:
        return _name(flags[0])
    return gast.BoolOp(op=gast.Or(), values=[_name(f) for f in flags])


def _walk_same_loop_body(stmts):
    """Statements of ``stmts`` at the current loop level (not inside nested loops)."""
    for stmt in stmts:
        yield stmt
        if isinstance(stmt, (gast.For, gast.While, gast.FunctionDef)):
            continue
        for field in ("body", "orelse"):
            yield from _walk_same_loop_body(getattr(stmt, field, []) or [])


def _has_early_return(body):
    for i, stmt in enumerate(body):
        if isinstance(stmt, gast.FunctionDef):
            continue  # a nested def's returns are its own
        for node in walk(stmt):
            if isinstance(node, gast.Return) and not (node is stmt and i == len(body) - 1):
                return True
    return False


def walk(node):
    """``gast.walk`` that does not enter nested functions and lambdas (their
    returns are their own)."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        if current is not node and isinstance(current, (gast.FunctionDef, gast.Lambda)):
            continue
        todo.extend(gast.iter_child_nodes(current))


# --- loops over ranges ---

def normalize_loops(fdef, namer, runtime=None):
    """Make every ``for`` loop iterate over a ``range`` (see module docstring).

    ``runtime(name)`` binds a helper of :mod:`s2sad.runtime` and returns its name.
    """
    fdef.body = _loops_in_block(fdef.body, namer, runtime or (lambda name: name))
    return fdef


def _loops_in_block(stmts, namer, runtime):
    out = []
    for stmt in stmts:
        if isinstance(stmt, (gast.FunctionDef, gast.Lambda)):
            out.append(stmt)  # normalised when inlined
            continue
        for field in ("body", "orelse"):
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                setattr(stmt, field, _loops_in_block(block, namer, runtime))
        if isinstance(stmt, gast.For):
            out.extend(_normalize(stmt, namer, runtime))
        else:
            out.append(stmt)
    return out


def _hoist(expr, base, namer, loop, before):
    """A Name for ``expr``, assigning it before the loop unless it already is one."""
    if isinstance(expr, gast.Name):
        return expr
    name = namer.unique(base)
    before.extend(_located([_assign(name, expr)], loop))
    return _name(name)


def _is_call_to(node, name):
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
            and node.func.id == name and not node.keywords)


def _normalize(loop, namer, runtime=None):
    """``loop`` rewritten to iterate over a range, with the statements it needs before it."""
    if _is_call_to(loop.iter, "reversed") and len(loop.iter.args) == 1:
        # reversed(xs) -> xs[::-1] (a range, list, tuple or array view; in that order)
        seq = loop.iter.args[0]
        if not _is_call_to(seq, "range"):
            seq = _call((runtime or (lambda name: name))("as_sequence"), seq)
        backwards = gast.Slice(lower=None, upper=None, step=_const(-1))
        loop.iter = gast.copy_location(gast.Subscript(value=seq, slice=backwards,
                                                      ctx=gast.Load()), loop.iter)
    if _is_call_to(loop.iter, "range"):
        return [loop]
    before, reads, counters = [], [], []
    sequence = (runtime or (lambda name: name))("as_sequence")
    sources = _sources(loop.iter, loop.target, counters, sequence, namer)
    seqs = []
    for target, seq, lookup in sources:
        if not isinstance(seq, gast.Name):
            seq = _hoist(seq, "items", namer, loop, before)
        seqs.append((target, seq, lookup))
    index = counters[0][0].id if counters and counters[0][1] is None else namer.unique("i")
    lengths = [_call("len", s) for _, s, _ in seqs]
    loop.iter = _call("range", lengths[0] if len(lengths) == 1 else _call("min", *lengths))
    loop.target = _name(index, gast.Store())
    for counter, start in counters:
        if counter.id != index:
            reads.append(gast.Assign(targets=[counter], value=gast.BinOp(
                left=_name(index), op=gast.Add(), right=start), type_comment=None))
    for target, seq, lookup in seqs:
        item = gast.Subscript(value=seq, slice=_name(index), ctx=gast.Load())
        if lookup is None:
            reads.append(gast.Assign(targets=[target], value=item, type_comment=None))
        else:  # d.items(): the key, then d[key]
            key, value = target.elts
            reads.append(gast.Assign(targets=[key], value=item, type_comment=None))
            reads.append(gast.Assign(targets=[value], value=gast.Subscript(
                value=lookup, slice=_name(key.id), ctx=gast.Load()), type_comment=None))
    loop.body = _located(reads, loop) + loop.body
    return before + [loop]


def _sources(it, target, counters, sequence, namer):
    """``(target, sequence, dict_or_None)`` triples a loop over ``it`` reads each step.

    ``enumerate`` adds ``(counter_target, start)`` to ``counters``; ``zip`` reads
    several sequences; ``d.items()``/``d.values()`` read keys, then ``d[key]``;
    anything else goes through ``as_sequence`` (dicts give their keys, iterators
    a list, arrays/lists/tuples themselves).
    """
    pair = isinstance(target, gast.Tuple) and len(target.elts) == 2
    if _is_call_to(it, "enumerate") and pair and isinstance(target.elts[0], gast.Name) \
            and 1 <= len(it.args) <= 2:
        start = it.args[1] if len(it.args) == 2 else None
        counters.append((target.elts[0], start))
        return _sources(it.args[0], target.elts[1], counters, sequence, namer)
    if (_is_call_to(it, "zip") and it.args and isinstance(target, gast.Tuple)
            and len(target.elts) == len(it.args)):
        out = []
        for t, a in zip(target.elts, it.args):
            out.extend(_sources(a, t, [], sequence, namer))
        return out
    if (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute) and not it.args
            and it.func.attr in ("items", "values", "keys")):
        mapping = it.func.value
        keys = _call(sequence, mapping)
        if it.func.attr == "items" and pair:
            return [(target, keys, mapping)]
        if it.func.attr == "values":
            key = _name(namer.unique("key"), gast.Store())
            return [(gast.Tuple(elts=[key, target], ctx=gast.Store()), keys, mapping)]
        return [(target, keys, None)]
    if isinstance(it, (gast.Tuple, gast.List)):
        return [(target, it, None)]
    return [(target, _call(sequence, it), None)]


# --- zip(*pairs) ---

def unpack_zips(fdef, namer):
    """``zip(*pairs)`` and ``zip(...)`` as a value, in the forms the loop and
    comprehension lowering read (call before :func:`normalize_loops`, and only when
    ``zip`` is the builtin):

    * ``zip(*pairs)`` of a display, or of a name bound once (by a top-level statement)
      to a tuple display, or to a list display whose every read indexes, iterates,
      measures or unpacks it: ``zip(pairs[0], pairs[1])``;
    * otherwise ``zip(*pairs)`` of a name, as a loop's iterable, unpacked by an
      assignment or given to ``list``/``tuple``: the list of tuples it yields,
      ``[tuple(p[j] for p in pairs) for j in range(min([len(p) for p in pairs],
      default=0))]``;
    * ``zip(a, b)`` unpacked by an assignment or given to ``list``/``tuple``:
      ``[(u, v) for u, v in zip(a, b)]``.

    Other uses (a zip object kept in a variable, consumed later) are left as
    written: they stay a located refusal."""
    Zips(fdef, namer).visit(fdef)
    return fdef


def _is_zip(node):
    return _is_call_to(node, "zip") and node.args


class Zips(gast.NodeTransformer):

    def __init__(self, fdef, namer):
        self.fdef, self.namer = fdef, namer
        self.lengths = _display_lengths(fdef)

    def visit_FunctionDef(self, node):
        if node is not self.fdef:
            return node  # a nested function: rewritten where it is inlined
        self.generic_visit(node)
        return node

    def visit_Lambda(self, node):
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if _is_zip(node):
            node.args = self.spread(node.args)
        if (_is_call_to(node, "list") or _is_call_to(node, "tuple")) and len(node.args) == 1:
            node.args = [self.value(node.args[0])]
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        if len(node.targets) == 1 and isinstance(node.targets[0], (gast.Tuple, gast.List)):
            node.value = self.value(node.value)
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node.iter = self.iterable(node.iter)
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.iter = self.iterable(node.iter)
        return node

    def spread(self, args):
        """``zip``'s arguments with starred displays and names of known length spread."""
        out = []
        for a in args:
            if not isinstance(a, gast.Starred):
                out.append(a)
            elif isinstance(a.value, (gast.Tuple, gast.List)) and not any(
                    isinstance(e, gast.Starred) for e in a.value.elts):
                out.extend(a.value.elts)
            elif isinstance(a.value, gast.Name) and a.value.id in self.lengths:
                out.extend(gast.Subscript(value=_name(a.value.id), slice=_const(i),
                                          ctx=gast.Load())
                           for i in range(self.lengths[a.value.id]))
            else:
                out.append(a)
        return out

    def iterable(self, node):
        if _is_zip(node) and any(isinstance(a, gast.Starred) for a in node.args):
            return self.value(node)
        return node

    def value(self, node):
        """The list a zip call ``node`` yields, as a comprehension (else ``node``)."""
        if not _is_zip(node):
            return node
        args = node.args
        if len(args) == 1 and isinstance(args[0], gast.Starred) and isinstance(
                args[0].value, gast.Name):
            rows, p, j = args[0].value.id, self.namer.unique("row"), self.namer.unique("j")
            column = _call("tuple", gast.GeneratorExp(
                elt=gast.Subscript(value=_name(p), slice=_name(j), ctx=gast.Load()),
                generators=[_generator(p, _name(rows))]))
            lengths = gast.ListComp(elt=_call("len", _name(p)),
                                    generators=[_generator(p, _name(rows))])
            shortest = gast.Call(func=_name("min"), args=[lengths],
                                 keywords=[gast.keyword(arg="default", value=_const(0))])
            new = gast.ListComp(elt=column, generators=[_generator(j, _call("range", shortest))])
        elif any(isinstance(a, gast.Starred) for a in args):
            return node
        else:
            names = [self.namer.unique("item") for _ in args]
            target = gast.Tuple(elts=[_name(n, gast.Store()) for n in names], ctx=gast.Store())
            new = gast.ListComp(
                elt=gast.Tuple(elts=[_name(n) for n in names], ctx=gast.Load()),
                generators=[gast.comprehension(target=target, iter=node, ifs=[],
                                               is_async=0)])
        for sub in astwalk.walk(new):
            if isinstance(sub, gast.expr):
                gast.copy_location(sub, node)
        return new


def _generator(name, iter_):
    return gast.comprehension(target=_name(name, gast.Store()), iter=iter_, ifs=[], is_async=0)


def _display_lengths(fdef):
    """``name -> length`` of the locals bound once, by a top-level statement, to a
    display without starred elements: a tuple, or a list that is only read (indexed,
    iterated over, measured by ``len``, unpacked by ``*``), never grown."""
    stores = {}
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
    allowed = set()
    for node in astwalk.walk(fdef):
        if isinstance(node, (gast.Subscript, gast.Starred)):
            allowed.add(id(node.value))
        elif isinstance(node, (gast.For, gast.comprehension)):
            allowed.add(id(node.iter))
        elif _is_call_to(node, "len") and len(node.args) == 1:
            allowed.add(id(node.args[0]))
    out = {}
    for stmt, name, only_allowed in bound_once(fdef, stores, allowed):
        value = stmt.value
        if (isinstance(value, (gast.Tuple, gast.List))
                and not any(isinstance(e, gast.Starred) for e in value.elts)
                and (isinstance(value, gast.Tuple) or only_allowed)):
            out[name] = len(value.elts)
    return out


def bound_once(fdef, stores, allowed):
    """``(stmt, name, only_allowed)`` for each top-level ``name = value`` of ``fdef``
    binding a name ``stores`` (name -> number of bindings) counts once;
    ``only_allowed``: every load of the name is one of the nodes whose ids are in
    ``allowed`` (it is only indexed, iterated over, ...)."""
    misused = {n.id for n in astwalk.walk(fdef) if isinstance(n, gast.Name)
               and isinstance(n.ctx, gast.Load) and id(n) not in allowed}
    for stmt in fdef.body:
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and stores.get(stmt.targets[0].id) == 1):
            name = stmt.targets[0].id
            yield stmt, name, name not in misused
