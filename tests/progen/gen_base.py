"""The generator's state and small utilities: the base class of :class:`~.program.Gen`.

Input: a :class:`~.choosers.Chooser` and a :class:`~.grammar.Config`.  Output:
:class:`GenBase` with the state the mixins share -- ``ch``, ``cfg``, ``tags`` (the
constructs used), ``consts`` (module constants used: name -> source), ``helpers`` (the
:class:`~.scopes.Callable_` helpers written so far), ``fuel`` (how many leaves of the
current statement may still be derived from variables of other shapes), ``uses_math``
and ``loops`` (loop nesting while generating: values may grow there) -- and the
utilities they call: weighted choices (:meth:`~GenBase.pick`, :meth:`~GenBase.w`),
fresh names (:meth:`~GenBase.new_name`, :meth:`~GenBase.claim`), an expression depth,
a scalar constant, squashing an expression into a bound (:meth:`~GenBase.fit`), shapes
to draw (:meth:`~GenBase.pick_shape`, :meth:`~GenBase.src_shape`) and an int variable
to index an axis with (:meth:`~GenBase.int_for`).

Imports: :mod:`.grammar`, :mod:`.scopes`.
"""
from .grammar import SCALAR_CONSTS, SHAPES, E
from .scopes import POOLS, RESERVED


class GenBase:
    """State and utilities of the generator (see the module docstring)."""

    def __init__(self, ch, cfg):
        self.ch = ch
        self.cfg = cfg
        self.tags = set()
        self.consts = {}
        self.helpers = []
        self.fuel = 0
        self.uses_math = False
        self.loops = 0            # loop nesting while generating (values may grow there)

    # --- small utilities ------------------------------------------------------------

    def tag(self, t):
        self.tags.add(t)

    def pick(self, opts):
        return self.ch.weighted([(int(w), v) for w, v in opts if w > 0])

    def w(self, table, key, default):
        return self.cfg.w(table + "." + key, default)

    def new_name(self, sc, pool):
        names = POOLS[pool]
        taken = sc.fn.names
        for n in names:
            if n not in taken and n not in RESERVED:
                return n
        k = 1
        while True:
            for n in names:
                c = "%s%d" % (n, k)
                if c not in taken:
                    return c
            k += 1

    def claim(self, sc, name, shape):
        sc.fn.names[name] = shape

    def edepth(self):
        return self.pick([(3, 0), (4, 1), (4, 2), (2, 3)][: self.cfg.max_depth + 1])

    def const_scalar(self):
        return self.ch.choice(SCALAR_CONSTS)

    def fit(self, e, maxb):
        """Make |value| <= maxb: scale by a power of ten (so that nothing saturates and
        the derivative stays informative), sometimes through tanh/arctan."""
        if e.bound <= maxb:
            return e
        self.tag("squash")
        c = 1.0
        while e.bound * c > maxb and c > 1e-3:
            c /= 10.0
        cs = {0.1: "0.1", 0.01: "0.01", 0.001: "0.001"}.get(round(c, 6), "0.001")
        inner = "%s * %s" % (cs, e.p())
        k = self.pick([(5, "scale"), (3, "tanh"), (1, "arctan")])
        if e.bound * c > maxb or (self.loops and maxb <= 4.0):
            # in a loop a value may grow from one iteration to the next: an argument of
            # exp/sinh/** must be squashed by something that saturates
            k = "tanh" if maxb >= 1.0 else "tanhs"
        if k == "scale":
            return E(inner, e.shape, e.bound * c, atom=False, dep=e.dep)
        if k == "arctan" and maxb >= 1.6:
            return E("np.arctan(%s)" % inner, e.shape, min(1.6, e.bound * c), dep=e.dep)
        if maxb >= 1.0:
            return E("np.tanh(%s)" % inner, e.shape, min(1.0, e.bound * c), dep=e.dep)
        return E("%s * np.tanh(%s)" % (repr(maxb), inner), e.shape, maxb, atom=False,
                 dep=e.dep)

    # --- shapes ---------------------------------------------------------------------

    def scope_shapes(self, sc):
        seen = []
        for v in sc.vars.values():
            if v.shape not in seen:
                seen.append(v.shape)
        return seen

    def pick_shape(self, sc, allow=None):
        present = self.scope_shapes(sc)
        opts = []
        for s in SHAPES if allow is None else allow:
            w = 6 if s in present else (2 if s in ((2,), (6,), (2, 2), (3, 2)) else 1)
            if s == ():
                w += 2
            opts.append((w, s))
        return self.pick(opts)

    def src_shape(self, sc, cands):
        present = self.scope_shapes(sc)
        return self.pick([(5 if s in present else 1, s) for s in cands])

    def int_for(self, sc, ub):
        """An int variable usable as an index into an axis of length ``ub``."""
        c = [n for n, b in sc.ints.items() if b <= ub]
        return self.ch.choice(c) if c else None
