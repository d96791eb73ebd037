"""What the generator knows about names while it writes a function.

Input: names, shapes and bounds from the generator.  Output: :class:`Var` (one name: its
shape, a bound on |value|, whether it is a buffer written in place, a parameter, read
only (captured by a nested def), dependent on the parameters), :class:`Callable_` (a
helper, nested def or lambda that can be called), :class:`Fn` (what is fixed for one
generated function: each name's shape, the return form, the callables, a clock),
:class:`Scope` (the variables, ints and completed lists visible at a point, and
whether it is inside a loop), :func:`merge_scopes` (what is visible after an ``if``),
``_copy_var``, and the name pools :data:`POOLS` and :data:`RESERVED`.

Imports: ``re``.
"""
import re


class Var:
    __slots__ = ("name", "shape", "bound", "buffer", "uses", "param", "born", "ro", "dep")

    def __init__(self, name, shape, bound, buffer=False, param=False, born=0, dep=True):
        self.ro = False           # captured by a nested def: read only there
        self.dep = dep            # (may) depend on the parameters
        self.name = name
        self.shape = shape
        self.bound = bound
        self.buffer = buffer      # may be written in place; never bound to another name
        self.uses = 0
        self.param = param
        self.born = born


class Callable_:
    def __init__(self, name, params, rets, tuple_ret, kind):
        self.name = name
        self.params = params      # list of shapes
        self.rets = rets          # list of shapes
        self.tuple_ret = tuple_ret
        self.kind = kind          # 'helper' | 'inner' | 'lambda'


class Fn:
    """What is fixed for one generated function: its names (each name has one shape
    for the whole function), return form, callables."""

    def __init__(self, kind, rets, tuple_ret, has_aux=False, aux_shape=None):
        self.kind = kind
        self.rets = rets
        self.tuple_ret = tuple_ret
        self.has_aux = has_aux
        self.aux_shape = aux_shape
        self.names = {}
        self.callables = []
        self.clock = 0

    def tick(self):
        self.clock += 1
        return self.clock


POOLS = {
    "scalar": ["s", "t", "r", "q", "acc", "tot", "m", "e", "d", "p"],
    "vec": ["u", "v", "w", "g", "o", "dv"],
    "buf": ["h", "buf", "out", "hb"],
    "mat": ["M", "P", "Q", "G", "S"],
    "mbuf": ["H", "B", "Hb"],
    "int": ["i", "j", "k", "n", "ii", "jj"],
    "elem": ["xi", "el", "t_", "xv"],
    "row": ["row", "r_", "col", "rw"],
    "list": ["ys", "vals", "acc_list", "terms"],
    "inner": ["inner", "phi", "step"],
    "lambda": ["sq", "act", "fn"],
}
RESERVED = {"np", "math", "f", "sum", "max", "min", "abs", "float", "range", "len", "zip",
            "enumerate", "list", "tuple", "pow", "True", "False", "None", "lambda", "_"}


class Scope:
    def __init__(self, fn, loop=None):
        self.fn = fn
        self.vars = {}        # name -> Var
        self.ints = {}        # name -> exclusive upper bound of the int's value
        self.lists = {}       # completed lists: name -> element shape
        self.loop = loop      # None or 'for' / 'while'

    def copy(self, loop="same"):
        s = Scope(self.fn, self.loop if loop == "same" else loop)
        s.vars = {n: _copy_var(v) for n, v in self.vars.items()}
        s.ints = dict(self.ints)
        s.lists = dict(self.lists)
        return s

    def define(self, name, shape, bound, buffer=False, param=False, dep=True):
        v = self.vars.get(name)
        if v is None:
            v = Var(name, shape, bound, buffer, param, self.fn.tick(), dep)
            self.vars[name] = v
        else:
            v.bound = bound
            v.born = self.fn.tick()
            v.uses = 0
            v.dep = dep
        return v

    def mentions(self, code):
        """Does ``code`` read a variable that depends on the parameters?"""
        for n, v in self.vars.items():
            if v.dep and re.search(r"\b%s\b" % re.escape(n), code):
                return True
        return False


def _copy_var(v):
    c = Var(v.name, v.shape, v.bound, v.buffer, v.param, v.born)
    c.uses = v.uses
    c.ro = v.ro
    c.dep = v.dep
    return c


def merge_scopes(base, branches):
    """Variables visible after an if: those visible on every path that falls through."""
    live = [s for s, term in branches if not term]
    if not live:
        return None
    out = base.copy()
    names = set(live[0].vars)
    for s in live[1:]:
        names &= set(s.vars)
    out.vars = {}
    for n in sorted(names, key=lambda n: (live[0].vars[n].born, n)):
        v = _copy_var(live[0].vars[n])
        v.bound = max(s.vars[n].bound for s in live)
        v.uses = max(s.vars[n].uses for s in live)
        v.dep = any(s.vars[n].dep for s in live)
        out.vars[n] = v
    ints = set(live[0].ints)
    for s in live[1:]:
        ints &= set(s.ints)
    out.ints = {n: max(s.ints[n] for s in live) for n in sorted(ints)}
    lists = set(live[0].lists)
    for s in live[1:]:
        lists &= set(s.lists)
    out.lists = {n: live[0].lists[n] for n in sorted(lists)}
    return out
