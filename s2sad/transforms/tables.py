"""Functions held in lists, tuples and dicts, resolved before anything else reads the
function.

Input: a user function's ``gast.FunctionDef`` as parsed (nothing lowered yet), its
namespace (free name -> live object; function arguments the derivative is specialised
on are already bound there, see ``compiler._bind_statics``) and the names it must not
take.  Output: the same function, edited in place, where every call through a *table*
(a list, tuple or dict in the namespace) is a call of a free name bound to the function
the table holds, so that ordinary call handling (derivative rules, reading the callee's
source) applies:

* ``ACTS["tanh"](x)``, ``fs[0](x)``, ``fs[-1](x)``: the element, by a constant key;
* ``for g in fs: body`` (also ``for i, g in enumerate(fs)``, ``for g in acts.values()``,
  ``for k, g in acts.items()``) over a table of functions only: the loop is unrolled,
  one copy of ``body`` per element with ``g`` read as that element's name (and
  ``i = 0``/``k = "key"`` first), when ``body`` has no ``break``/``continue`` and ``g`` is
  neither assigned in it nor read outside such loops;
* ``[g(x) for g in fs]`` and ``(g(x) for g in fs)``, one generator and no ``if``: the
  list of the element expressions;
* ``for layer in self.layers: x = layer.forward(x)`` (also with ``enumerate``), a loop
  over a list or tuple of objects (or functions) reached through a free name or
  attribute chain (``self`` is one when a method is specialised on it), whose body
  calls the loop variable or a method of it: unrolled the same way, each object bound
  to a free name (``layers_0``), so ``layers_0.forward(x)`` is a call of that object's
  method; so is a comprehension over such a list.  The function then starts with
  ``same_objects(self.layers, (layers_0, ...), ...)``, which raises if the list holds
  other objects when the derivative runs (a method's own cache key also records them:
  ``calls.object_lists``);
* ``G.block.forward(x)``, ``self.block.forward(x)``: the method of an object reached
  through a global that is not callable, or through attributes, is compiled in, so
  the function also starts by checking that ``G.block`` is still that object.

Anything else through a table (a computed key, a loop that breaks) is left as written;
calling the result is then a located refusal.  Soundness rests on the guard of
:mod:`s2sad.environment`: a global or closure table is checked per call to hold the
same function objects (same length and keys); a table passed as an argument is part of
the derivative's cache key (``calls.frozen_table``, ``api._static_key``).
"""
import copy
import keyword

import gast

from ..errors import S2SADError
from ..syntax import astwalk
from ..syntax.printer import unparse
from .calls import callee, is_function, is_object, resolve_free
from .desugar import bound_once

__all__ = ["resolve_tables"]

#: the longest list of objects a loop calling their methods is unrolled over
MAX_UNROLLED = 64


def _name(id_, store=False):
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(), annotation=None,
                     type_comment=None)


def _constant_key(node):
    if isinstance(node, gast.Constant) and type(node.value) in (int, str):
        return True, node.value
    if (isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub)
            and isinstance(node.operand, gast.Constant) and type(node.operand.value) is int):
        return True, -node.operand.value
    return False, None


def _binds(fn):
    """Names a nested def or lambda binds (its parameters and its assignments)."""
    args = fn.args
    names = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    if isinstance(fn, gast.FunctionDef):
        for node in astwalk.walk(fn):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                names.add(node.id)
    return names


def _has_jump(body):
    """True if ``body`` has a ``break`` or ``continue`` outside nested defs."""
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (gast.Break, gast.Continue)):
            return True
        if not isinstance(node, (gast.FunctionDef, gast.Lambda)):
            todo.extend(gast.iter_child_nodes(node))
    return False


def _substitute(node, renames):
    """Reads of the names in ``renames`` (name -> expression) replaced by copies."""
    if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and node.id in renames:
        return gast.copy_location(copy.deepcopy(renames[node.id]), node)
    for field, value in gast.iter_fields(node):
        if isinstance(value, list):
            setattr(node, field, [_substitute(v, renames) if isinstance(v, gast.AST) else v
                                  for v in value])
        elif isinstance(value, gast.AST):
            setattr(node, field, _substitute(value, renames))
    return node


class _Tables(gast.NodeTransformer):

    def __init__(self, fdef, namespace, taken, live=()):
        self.namespace, self.live = namespace, set(live)
        self.taken = taken
        self.shadowed = set()
        self.bound = {}  # id(function) -> name
        loads = {}
        for node in astwalk.walk(fdef):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                loads.setdefault(node.id, set()).add(id(node))
        in_loops = {}
        for node in astwalk.walk(fdef):
            if isinstance(node, gast.For):
                for target in astwalk.walk(node.target):
                    if isinstance(target, gast.Name):
                        in_loops.setdefault(target.id, set()).update(
                            id(n) for stmt in node.body for n in astwalk.walk(stmt)
                            if isinstance(n, gast.Name) and n.id == target.id)
        #: loop variables read only inside the bodies of loops that bind them
        self.loop_only = {name for name, ids in loads.items() if ids <= in_loops.get(name, set())}
        self.loop_only |= set(in_loops) - set(loads)
        self.literals = _literal_tables(fdef, namespace)
        self.locals = _binds(fdef)
        self.guards, self.guarded = [], set()  # checks of the unrolled lists of objects

    def is_local(self, name):
        return name in self.locals or name in self.shadowed

    def table(self, node, functions_only=False):
        """The table a ``Name`` node reads (free, not shadowed), or None."""
        if not (isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load)):
            return None
        if node.id in self.shadowed:
            return None
        if node.id in self.literals:
            return self.literals[node.id][1]
        if node.id not in self.namespace:
            return None
        value = self.namespace[node.id]
        if not isinstance(value, (list, tuple, dict)):
            return None
        if functions_only and not all(is_function(v) for v in _values(value)):
            return None
        return value

    def bind(self, table_name, key, func):
        if id(func) in self.bound:
            return self.bound[id(func)]
        base = getattr(func, "__name__", "")
        if not (isinstance(base, str) and base.isidentifier()) or keyword.iskeyword(base):
            base = "%s_%s" % (table_name, key if isinstance(key, int) and key >= 0 else
                              str(key).replace("-", "last"))
            if not base.isidentifier():
                base = table_name + "_item"
        name, n = base, 1
        while name in self.taken and self.namespace.get(name, _MISSING) is not func:
            n += 1
            name = "%s_%d" % (base, n)
        self.taken.add(name)
        self.namespace[name] = func
        self.bound[id(func)] = name
        return name

    def element(self, table_name, table, key):
        try:
            func = table[key]
        except (KeyError, IndexError, TypeError):
            return None
        if table_name in self.literals:
            return copy.deepcopy(func)
        if not is_function(func):
            return None
        return _name(self.bind(table_name, key, func))

    # -- scopes --------------------------------------------------------------------

    def visit_FunctionDef(self, node):
        return self._scope(node)

    def visit_Lambda(self, node):
        return self._scope(node)

    def _scope(self, node):
        saved = self.shadowed
        self.shadowed = saved | _binds(node)
        self.generic_visit(node)
        self.shadowed = saved
        return node

    # -- calls of methods of objects reached through attributes -----------------------

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, gast.Attribute):
            self.guard_receiver(func.value, func.attr)
        return node

    def guard_receiver(self, receiver, attr):
        """``G.block.forward(x)``, ``self.block.forward(x)``: the method of the object
        ``receiver`` reaches now is compiled in, so the function starts by checking that
        ``receiver`` still is that object (a global ``G`` that is not callable is only
        type-checked by the environment; attributes are read when it runs)."""
        root = receiver
        while isinstance(root, gast.Attribute):
            root = root.value
        if not isinstance(root, gast.Name) or (
                isinstance(receiver, gast.Name) and receiver.id not in self.live):
            return  # a bare name bound when compiling (self, layers_0): it cannot change
        obj = resolve_free(receiver, self.namespace, self.is_local)
        if obj is None or not is_object(obj) or (isinstance(receiver, gast.Name)
                                                 and callable(obj)):
            return  # not an object, or a global the environment checks by identity
        if callee(getattr(obj, attr, None)) is None:
            return  # a method with a rule or of library code: called on the live object
        self.add_guard(receiver, gast.Tuple(elts=[copy.deepcopy(receiver)], ctx=gast.Load()),
                       [_name(self.bind_object(_base(receiver), None, obj))], one=True)

    def add_guard(self, source, table, names, one=False):
        """Start the function with ``same_objects(table, names, "source", one)``."""
        text = unparse(source).strip().lstrip("_")
        if text in self.guarded:
            return
        self.guarded.add(text)
        check = self.bind_object("same_objects", None, same_objects)
        args = [table, gast.Tuple(elts=names, ctx=gast.Load()),
                gast.Constant(value=text, kind=None)]
        if one:
            args.append(gast.Constant(value=True, kind=None))
        self.guards.append(gast.Expr(value=gast.Call(func=_name(check), args=args,
                                                     keywords=[])))

    # -- elements ------------------------------------------------------------------

    def visit_Subscript(self, node):
        self.generic_visit(node)
        table = self.table(node.value)
        if table is None or not isinstance(node.ctx, gast.Load):
            return node
        ok, key = _constant_key(node.slice)
        element = self.element(node.value.id, table, key) if ok else None
        return node if element is None else gast.copy_location(element, node)

    # -- loops and comprehensions ----------------------------------------------------

    def entries(self, target, iter_, scoped=False):
        """``[{name: expression}]``, one per element, for a loop of ``target`` over
        ``iter_`` that can be unrolled (``scoped``: a comprehension's, whose target
        is its own); else None."""
        keyed = None
        source = iter_
        if isinstance(iter_, gast.Call) and not iter_.keywords:
            func = iter_.func
            if (isinstance(func, gast.Name) and func.id == "enumerate"
                    and self.namespace.get("enumerate", enumerate) is enumerate
                    and len(iter_.args) == 1):
                keyed, source = "index", iter_.args[0]
            elif (isinstance(func, gast.Attribute) and func.attr in ("values", "items")
                  and not iter_.args):
                keyed, source = func.attr, func.value
            else:
                return None
        table = self.table(source, functions_only=True)
        if table is None or isinstance(table, dict) != (keyed in ("values", "items")):
            return None
        names = _loop_names(target, keyed in ("index", "items"))
        if names is None:
            return None
        key_name, func_name = names
        if (func_name not in self.loop_only and not scoped) or func_name == key_name:
            return None
        pairs = table.items() if isinstance(table, dict) else enumerate(table)
        out = []
        for key, _ in pairs:
            entry = {func_name: self.element(source.id, table, key)}
            if key_name is not None:
                entry[key_name] = gast.Constant(value=key, kind=None)
            out.append(entry)
        return out

    def visit_For(self, node):
        entries = None
        if not node.orelse and not _has_jump(node.body):
            entries = self.entries(node.target, node.iter)
        if entries is None and not node.orelse and not _has_jump(node.body):
            entries = self.object_entries(node.target, node.iter, node.body)
        if entries is None or any(
                isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
                and n.id in entries[0] for stmt in node.body for n in astwalk.walk(stmt)):
            self.generic_visit(node)
            return node
        out = []
        for entry in entries:
            func_name = next(iter(entry))
            for name, value in list(entry.items())[1:]:
                assign = gast.Assign(targets=[_name(name, store=True)], value=value,
                                     type_comment=None)
                out.append(gast.copy_location(assign, node))
            renames = {func_name: entry[func_name]}
            for stmt in copy.deepcopy(node.body):
                out.append(_substitute(stmt, renames))
        if not out:
            out = [gast.copy_location(gast.Pass(), node)]
        visited = []
        for stmt in out:
            result = self.visit(stmt)
            visited.extend(result if isinstance(result, list) else [result])
        return visited

    def object_entries(self, target, source, body, scoped=False):
        """``entries`` (as :meth:`entries` gives them) for ``for v in self.layers: ...
        v.forward(x) ...``: a loop over a list or tuple of at most ``MAX_UNROLLED``
        objects or functions (a free name or attribute chain, such as the attribute of
        a ``self`` specialised on) whose body calls the loop variable or a method of
        it.  It is unrolled, ``v`` read as a name bound to each object, so that
        ``v.forward(x)`` is a call of that object's method (``body``: the loop's
        statements, or a comprehension's element; ``scoped``: a comprehension's).  A
        guard at the top of the function checks, when the derivative runs, that the
        list still holds those objects.  Else None."""
        if (isinstance(source, gast.Call) and isinstance(source.func, gast.Name)
                and source.func.id == "enumerate" and len(source.args) == 1
                and not source.keywords
                and self.namespace.get("enumerate", enumerate) is enumerate):
            source = source.args[0]
            names = _loop_names(target, True)
        else:
            names = _loop_names(target, False)
        if names is None:
            return None
        key_name, var = names
        if (var not in self.loop_only and not scoped) or var == key_name or (
                var in self.shadowed):
            return None
        if not any(isinstance(n, gast.Call) and (
                isinstance(n.func, gast.Name) and n.func.id == var
                or isinstance(n.func, gast.Attribute) and isinstance(n.func.value, gast.Name)
                and n.func.value.id == var) for stmt in body for n in astwalk.walk(stmt)):
            return None  # nothing called: an ordinary loop over data
        table = resolve_free(source, self.namespace, self.is_local)
        if (not isinstance(table, (list, tuple)) or not 0 < len(table) <= MAX_UNROLLED
                or not all(is_object(v) or is_function(v) for v in table)):
            return None
        base = source.attr if isinstance(source, gast.Attribute) else source.id
        entries, names = [], []
        for key, obj in enumerate(table):
            name = self.bind(base, key, obj) if is_function(obj) and not is_object(obj) \
                else self.bind_object(base, key, obj)
            names.append(_name(name))
            entry = {var: _name(name)}
            if key_name is not None:
                entry[key_name] = gast.Constant(value=key, kind=None)
            entries.append(entry)
        self.add_guard(source, copy.deepcopy(source), names)
        return entries

    def bind_object(self, base, key, obj):
        """A free name bound to ``obj`` when compiling (``layers_0``), never one the
        function reads live (a global holding it)."""
        found = self.bound.get(id(obj))
        if found is not None and found not in self.live:
            return found
        base = base if key is None else "%s_%d" % (base.lstrip("_") or "item", key)
        name, n = base, 1
        while name in self.live or (name in self.taken
                                    and self.namespace.get(name, _MISSING) is not obj):
            n += 1
            name = "%s_%d" % (base, n)
        self.taken.add(name)
        self.namespace[name] = obj
        self.bound[id(obj)] = name
        return name

    def _comprehension(self, node):
        gens = node.generators
        if len(gens) != 1 or gens[0].ifs or getattr(gens[0], "is_async", 0):
            self.generic_visit(node)
            return node
        entries = self.entries(gens[0].target, gens[0].iter, scoped=True)
        if entries is None:
            entries = self.object_entries(gens[0].target, gens[0].iter, [node.elt], True)
        if entries is None:
            self.generic_visit(node)
            return node
        elts = [_substitute(copy.deepcopy(node.elt), entry) for entry in entries]
        result = gast.copy_location(gast.List(elts=elts, ctx=gast.Load()), node)
        return self.visit(result)

    visit_ListComp = _comprehension
    visit_GeneratorExp = _comprehension


def _literal_tables(fdef, namespace):
    """``name -> (assignment, table)`` for the locals of ``fdef`` bound once, by a
    top-level statement, to a list, tuple or dict display of functions known by name
    (free names and attributes bound to functions, nested defs), and only indexed or iterated over;
    the table maps each key to the element's ``Name`` node."""
    stores, defs = {}, set()
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, gast.FunctionDef) and node is not fdef:
            stores[node.name] = stores.get(node.name, 0) + 1
    defs = {s.name for s in fdef.body if isinstance(s, gast.FunctionDef)
            and stores.get(s.name) == 1}

    def known(elt):
        if isinstance(elt, gast.Name) and elt.id in defs:
            return True
        return is_function(resolve_free(elt, namespace, stores.__contains__))

    allowed = set()  # loads that only index or iterate: fs[0], for g in fs, enumerate(fs)
    for node in astwalk.walk(fdef):
        if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Load) \
                and _constant_key(node.slice)[0]:
            allowed.add(id(node.value))
        elif isinstance(node, (gast.For, gast.comprehension)):
            it = node.iter
            if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) \
                    and it.func.id == "enumerate" and len(it.args) == 1:
                it = it.args[0]
            elif (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute)
                  and it.func.attr in ("values", "items") and not it.args):
                it = it.func.value
            allowed.add(id(it))
    out = {}
    for stmt, name, only_allowed in bound_once(fdef, stores, allowed):
        if not only_allowed:  # passed on, mutated (fs.append(g)), ...
            continue
        value = stmt.value
        if isinstance(value, (gast.List, gast.Tuple)) and value.elts and all(
                known(e) for e in value.elts):
            out[name] = (stmt, list(value.elts))
        elif isinstance(value, gast.Dict) and value.keys and all(
                _constant_key(k)[0] and known(v) for k, v in zip(value.keys, value.values)):
            out[name] = (stmt, {_constant_key(k)[1]: v for k, v in zip(
                value.keys, value.values)})
    return out


def same_objects(table, objects, where, one=False):
    """Check that ``table`` (``self.layers``, or ``(G.block,)`` with ``one``: read
    when the derivative runs) still holds ``objects``, the objects whose methods were
    compiled in (a loop over a list is unrolled): else raise, never run code compiled
    for other objects.  Its arguments are never differentiated values: it needs no
    derivative rule."""
    if len(table) != len(objects) or any(a is not b for a, b in zip(table, objects)):
        raise S2SADError(
            "%s is not what it was when the derivative was compiled: it %s, whose methods "
            "were compiled in. Call s2sad.clear_cache() and transform the function again "
            "(a new s2sad.grad(f)), or pass the objects as arguments of a function"
            % (where, "was another object" if one else "held other objects"))


def _base(receiver):
    """A name for the object ``receiver`` (``G.block``) reaches: ``block``."""
    return (receiver.attr if isinstance(receiver, gast.Attribute) else receiver.id).lstrip(
        "_") or "item"


def _values(table):
    return list(table.values()) if isinstance(table, dict) else list(table)


_MISSING = object()


def resolve_tables(fdef, namespace, taken, live=()):
    """Resolve the calls through tables in ``fdef`` (edited in place); new names are
    bound into ``namespace`` and added to ``taken``.  ``live``: the free names read
    from globals and closure cells when the function runs."""
    tables = _Tables(fdef, namespace, taken, live)
    if not tables.literals and not any(
            isinstance(v, (list, tuple, dict)) or is_object(v) for v in namespace.values()):
        return
    body = []
    for stmt in fdef.body:
        result = tables.visit(stmt)
        body.extend(result if isinstance(result, list) else [result])
    # a literal table read only through resolved elements is not needed any more
    left = {n.id for stmt in body for n in astwalk.walk(stmt)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}
    dropped = {id(stmt) for name, (stmt, _) in tables.literals.items() if name not in left}
    fdef.body = [gast.copy_location(g, fdef.body[0]) for g in tables.guards] + [
        stmt for stmt in body if id(stmt) not in dropped]


def _loop_names(target, keyed):
    """``(key name or None, element name)`` of a loop target: ``k, v`` when ``keyed``
    (``enumerate``, ``.items()``), else one name; None for any other target."""
    if keyed:
        if not (isinstance(target, gast.Tuple) and len(target.elts) == 2
                and all(isinstance(e, gast.Name) for e in target.elts)):
            return None
        return target.elts[0].id, target.elts[1].id
    if isinstance(target, gast.Name):
        return None, target.id
    return None
