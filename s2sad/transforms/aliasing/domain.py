"""The abstract domain of the points-to analysis: values, states and their join, the
records of writes (sites), of callees (summaries) and of one compilation (shared).

Objects are tuples: ``("new", id(node))`` / ``("old", id(node))`` (the newest object of
an allocation site and the older ones: recency), ``("param", name)``, ``("global",
id(obj))``, ``("encl", name)`` (a variable of the enclosing function), ``("any",)`` and
``("elem", obj)`` (the elements of ``obj``).  A kind is None (unknown) or ``(category,
ndim)``; categories: "int" and "scalar" (immutable, no tokens), "array" (an ndarray),
"numeric" (a number or an ndarray), "list", "tuple", "dict" (and "none", "slice").  A
value is ``(tokens, kind)``, a token ``(object, exact)``, ``exact=False`` meaning a view,
element or other part of the object.

Input: nothing but these tuples.  Output: :class:`Val`, :class:`State` (bindings,
contents, kinds, must-alias classes, view facts, binding statements; join, kill,
allocation), :func:`join_states`, :class:`Site`, :class:`Summary`, :class:`Shared` and
:class:`Refused`.  It imports no other module of the package.
"""


class Val(tuple):
    __slots__ = ()

    def __new__(cls, tokens=frozenset(), kind=None):
        return tuple.__new__(cls, (frozenset(tokens), kind))

    tokens = property(lambda self: self[0])
    kind = property(lambda self: self[1])


INT, SCALAR = Val((), ("int", 0)), Val((), ("scalar", 0))
NUMERIC = ("int", "scalar", "array", "numeric")


def kjoin(a, b):
    """The kind of a value that has kind ``a`` on one path and ``b`` on another."""
    if a is None or b is None:
        return None
    if a == b:
        return a
    cats, ndim = {a[0], b[0]}, a[1] if a[1] == b[1] else None
    if cats <= {"int", "scalar"}:
        return ("scalar", ndim)
    if cats <= set(NUMERIC):
        return ("numeric", ndim)
    return None


def is_ndarray(kind):
    return kind is not None and (kind[0] == "array" or (
        kind[0] == "numeric" and kind[1] is not None and kind[1] >= 1))


def elem_of(obj):
    """The object standing for the elements of ``obj``."""
    return obj if obj[0] == "elem" else ("elem", obj)


def root_of(obj):
    """The object ``obj`` is (a part of)."""
    return obj[1] if obj[0] == "elem" else obj


class State:
    """Bindings (name -> Val), container contents, object kinds, must-alias classes,
    view facts (name -> (base, index node, index names)) and binding statements."""
    __slots__ = ("env", "contents", "kinds", "same", "views", "origin")

    def __init__(self, *parts):
        parts = parts or ({}, {}, {}, {}, {}, {})
        self.env, self.contents, self.kinds, self.same, self.views, self.origin = (
            dict(p) for p in parts)

    def copy(self):
        return State(self.env, self.contents, self.kinds, self.same, self.views, self.origin)

    def key(self):
        return (self.env, self.contents, self.kinds, self.same, self.views, self.origin)

    def join(self, other):
        out = State()
        for name in self.env.keys() | other.env.keys():
            a, b = self.env.get(name), other.env.get(name)
            out.env[name] = a if b is None else b if a is None else Val(
                a.tokens | b.tokens, kjoin(a.kind, b.kind))
        for obj in self.contents.keys() | other.contents.keys():
            out.contents[obj] = self.contents.get(obj, frozenset()) | other.contents.get(
                obj, frozenset())
        for obj in self.kinds.keys() | other.kinds.keys():
            a, b = self.kinds.get(obj, "-"), other.kinds.get(obj, "-")
            out.kinds[obj] = a if b == "-" else b if a == "-" else kjoin(a, b)
        for name in self.same.keys() | other.same.keys():
            group = self.same.get(name, {name}) & other.same.get(name, {name})
            if len(group) > 1:
                out.same[name] = group
        out.views = {n: f for n, f in self.views.items() if other.views.get(n) == f}
        for name in self.origin.keys() | other.origin.keys():
            out.origin[name] = self.origin.get(name, frozenset()) | other.origin.get(
                name, frozenset())
        return out

    def kill(self, name):
        """``name`` is rebound: it leaves its alias class; facts about it end."""
        group = self.same.pop(name, None)
        if group:
            rest = group - {name}
            for member in rest:
                if len(rest) > 1:
                    self.same[member] = rest
                else:
                    self.same.pop(member, None)
        self.views = {n: f for n, f in self.views.items()
                      if n != name and f[0] != name and name not in f[2]}

    def alloc(self, node, kind, contents=()):
        """A new object made at ``node`` (of ``kind``, holding ``contents``); the object
        made there before becomes an older one.  Numbers are values, not objects."""
        if kind is not None and kind[0] in ("int", "scalar"):
            return Val((), kind)
        new, old = ("new", id(node)), ("old", id(node))
        if new in self.kinds:  # recency: the previous object of this site becomes "old"
            def sub(toks):
                return frozenset(((old if o == new else o), x) for o, x in toks)
            for name, val in list(self.env.items()):
                if any(o == new for o, _ in val.tokens):
                    self.env[name] = Val(sub(val.tokens), val.kind)
            contents = sub(contents)
            for obj in list(self.contents):
                items = sub(self.contents.pop(obj))
                key = old if obj == new else obj
                self.contents[key] = self.contents.get(key, frozenset()) | items
            prev = self.kinds.pop(new)
            self.kinds[old] = kjoin(self.kinds[old], prev) if old in self.kinds else prev
        self.kinds[new] = kind
        self.contents[new] = frozenset(contents)
        return Val({(new, True)}, kind)


def join_states(*states):
    """Join of states, ``None`` standing for no path."""
    states = [s for s in states if s is not None]
    if not states:
        return None
    out = states[0]
    for other in states[1:]:
        out = out.join(other)
    return out


class Site:
    """A write into the object(s) ``name`` refers to, at statement ``stmt``."""

    def __init__(self, stmt, kind, name, depth=1, info=None):
        self.stmt, self.kind, self.name, self.depth, self.info = stmt, kind, name, depth, info
        self.before = self.after = self.block = None
        self.observed = set()


class Summary:
    """What calling a function does to its arguments: the parameters it may write into
    (with the node doing it), those and the external objects it may return."""

    def __init__(self, params, mutated=None, returns=(), objects=(), kind=None,
                 top=False, encl=()):
        self.params, self.mutated = list(params), dict(mutated or {})
        self.returns, self.objects, self.kind = set(returns), set(objects), kind
        self.top, self.encl, self.used = top, set(encl), False
        self.provisional, self.items = False, set()
        self.written_outer = set()  # enclosing variables a nested def writes into
        self.function = None  # what calling the function a factory returns does
        self.captures = set()  # parameters whose objects that function reads later
        self.func = None  # the user function summarised (specialised again per call)

    @classmethod
    def everything(cls, params, node=None):
        return cls(params, {p: node for p in params}, params, [("any",)], top=True)

    def same_as(self, other):
        return (set(self.mutated), self.returns, self.objects, self.top, self.captures) == (
            set(other.mutated), other.returns, other.objects, other.top, other.captures)


class Refused(Exception):
    """A refusal inside a callee's analysis (never shown: the callee is then assumed to
    do everything)."""


class Shared:
    """State shared by the analyses of one compilation (callee summaries, global labels)."""

    def __init__(self, reject, lineno, parse):
        self.reject, self.lineno = reject, lineno or (lambda node: getattr(node, "lineno", None))
        self.parse = parse  # function -> a fresh parse (compiler.parsing.parse_function)
        self.summaries, self.stack, self.labels, self.sorts, self.cyclic = {}, [], {}, {}, set()
        self.parsed, self.writing = {}, {}  # function -> its parse / whether it may write

    @classmethod
    def child(cls, parent, lineno):
        """For a callee's analysis: its own lines, errors never raised to the user."""
        child = cls(lambda *args: Refused(), lineno, parent.parse)
        child.summaries, child.stack, child.labels, child.sorts, child.cyclic = (
            parent.summaries, parent.stack, parent.labels, parent.sorts, parent.cyclic)
        child.parsed, child.writing = parent.parsed, parent.writing
        return child
