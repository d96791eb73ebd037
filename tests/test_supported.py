"""SUPPORTED.md is what ``supported.markdown()`` generates, and what it claims works.

* ``SUPPORTED.md`` (top of the repository, found relative to this file as README.md is)
  must equal ``markdown()``: a new rule, a changed fence or a new claim regenerates it.
* every entry of ``supported.CONSTRUCTS`` has an example here, differentiated and checked
  against finite differences (``s2sad.testing.check_grads``) and in forward mode
  (``jacfwd``) against reverse mode, so the page claims nothing the compiler does not
  do; so have the notes on builtins and indexing;
* every construct the page lists as rejected is rejected with ``UnsupportedSyntaxError``.

PYTEST_DONT_REWRITE: the examples contain ``assert`` statements, and s2sad refuses to
differentiate a function whose code is not what its source compiles to.
"""
import collections
import dataclasses
import functools
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import s2sad
import s2sad.testing

try:  # the layered package (s2sad/compiler/supported.py), else the flat one
    from s2sad.compiler import supported
except ImportError:
    from s2sad import supported

SUPPORTED_MD = Path(__file__).resolve().parent.parent / "SUPPORTED.md"


def _fresh_env():
    env = dict(os.environ)
    root = str(Path(s2sad.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get(
        "PYTHONPATH") else []))
    return env


def _fresh_markdown():
    """markdown() in a fresh interpreter: other tests register rules of their own in this
    one, and markdown() lists the registry as it is."""
    code = "import sys, %s as s; sys.stdout.write(s.markdown())" % supported.__name__
    proc = subprocess.run([sys.executable, "-c", code], env=_fresh_env(), capture_output=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode("utf-8")


def test_supported_md_is_generated():
    assert SUPPORTED_MD.exists(), (
        "%s is missing (a CI copy of tests/ and README.md needs SUPPORTED.md beside them); "
        "regenerate it at the top of the repository with\n    %s"
        % (SUPPORTED_MD, supported.REGENERATE))
    text = SUPPORTED_MD.read_text(encoding="utf-8")
    want = _fresh_markdown()
    if text == want:
        return
    made_with = re.search(r"with NumPy (\d+\.\d+)", text)
    here = ".".join(np.__version__.split(".")[:2])
    if made_with and made_with.group(1) != here:
        pytest.skip("SUPPORTED.md was generated with NumPy %s, this is NumPy %s: NumPy's "
                    "aliases differ between versions" % (made_with.group(1), here))
    raise AssertionError(
        "SUPPORTED.md is not what %s.markdown() generates (a rule, the fence or a claim "
        "changed). Regenerate it at the top of the repository with\n    %s"
        % (supported.__name__, supported.REGENERATE))


def test_readme_counts_are_the_registry():
    """README's Features table states the registry's counts (supported.summary(), in a
    fresh interpreter, as SUPPORTED.md)."""
    code = "import sys, %s as s; sys.stdout.write(s.summary())" % supported.__name__
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300,
                          env=_fresh_env())
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    line = proc.stdout.decode("utf-8")
    readme = (SUPPORTED_MD.parent / "README.md").read_text(encoding="utf-8")
    made_with = re.search(r"with NumPy (\d+\.\d+)", SUPPORTED_MD.read_text(encoding="utf-8"))
    here = ".".join(np.__version__.split(".")[:2])
    if made_with and made_with.group(1) != here and line not in readme:
        pytest.skip("README's counts were made with NumPy %s, this is NumPy %s: the names "
                    "NumPy has differ between versions" % (made_with.group(1), here))
    assert "| straight-line NumPy and SciPy code: %s |" % line in readme, (
        "README's Features row of counts is not the registry's; it should read:\n" + line)


def test_every_public_rule_is_listed():
    text = supported.markdown()
    for entry in supported.entries():
        assert "`%s`" % entry["name"] in text, entry["name"]
    assert "`numpy.tanh`" in text and "`numpy.ndarray.sum`" in text


# --- one example of each construct the page claims ---

Pair = collections.namedtuple("Pair", "a b")


@dataclasses.dataclass
class Box:
    v: float
    w: float


def ex_for(x):
    s = 0.0
    for i in range(3):
        s = s + x[i] * x[i]
    for row in np.outer(x, x):
        s = s + np.sum(np.sin(row))
    for v in [x, 2.0 * x]:
        s = s + np.sum(v)
    for v in (x, x * x):
        s = s + np.sum(v)
    d = {"a": x, "b": np.cos(x)}
    for k, v in d.items():
        s = s + np.sum(v)
    for v in d.values():
        s = s + np.sum(v)
    for k in d:
        s = s + np.sum(d[k])
    for i, v in enumerate(x):
        s = s + i * v
    for a, b in zip(x, x[::-1]):
        s = s + a * b
    for v in reversed(x):
        s = s * 0.5 + v
    for i in range(2):
        for j in range(3):
            s = s + x[i] * x[j]
    return s


def ex_while(x):
    s = 0.0
    i = 0
    while i < 10:
        i = i + 1
        if i == 2:
            continue
        s = s + np.sum(x) * i
        if s > 10.0:
            break
    return s


def ex_return(x):
    for i in range(5):
        if np.sum(x) * i > 1.0:
            return np.sum(x * x) * i
    return np.sum(x)


def ex_branches(x):
    y = x * 2.0 if np.sum(x) > 0 and np.max(x) < 10 else x * 3.0
    if not np.sum(y) > 100:
        y = np.sin(y)
    elif np.sum(y) > 200:
        y = y + 1.0
    else:
        y = y * y
    return np.sum(y)


def ex_comprehensions(x):
    ys = [np.sin(v) for v in x if v > -10.0]
    zs = [a * b for a in x for b in x]
    return sum(ys) + sum(v * v for v in x) + sum(zs)


def _apply(f, t):
    return f(t) * 2.0


def ex_lambda(x):
    f = lambda t: t * t + 1.0  # noqa: E731
    return np.sum(f(x)) + np.sum(_apply(lambda t: np.tanh(t), x))


def ex_nested_def(x):
    c = np.sum(x)

    def h(t):
        return c * t * t
    return np.sum(h(x))


def _make_scale(a):
    def scale(t):
        return a * t
    return scale


def ex_factory(x):
    return np.sum(_make_scale(2.0)(x))


def _helper(t, k=2.0):
    return np.tanh(t) * k


def _rec(t, n):
    if n == 0:
        return t
    return _rec(t * 1.1, n - 1)


def ex_helpers(x):
    return np.sum(_helper(x, k=3.0)) + np.sum(_helper(x)) + np.sum(_rec(x, 3))


def ex_partial(x):
    return np.sum(functools.partial(_helper, k=1.5)(x))


def ex_map(x):
    return sum(map(np.sin, [x[0], x[1]]))


class _Lin:
    def __init__(self, w):
        self.w = w

    def __call__(self, t):
        return self.w * t

    def apply(self, t):
        return np.sin(self.w * t)


_LIN = _Lin(2.0)


def ex_methods(x):
    return np.sum(_LIN(x)) + np.sum(_LIN.apply(x))


_ACTS = {"tanh": np.tanh, "sin": np.sin}
_LAYERS = [np.sin, np.cos]


def _with_act(x, act):
    return np.sum(act(x))


def ex_function_values(x):
    s = _with_act(x, np.tanh) + np.sum(_ACTS["sin"](x)) + np.sum(_LAYERS[-1](x))
    for layer in _LAYERS:
        x = layer(x)
    return s + np.sum(x)


def _cube_sum(t):
    return np.sum(t ** 3)


def ex_inner_grad(x):
    g = s2sad.grad(_cube_sum)(x)
    return np.sum(g * g)


def ex_array_writes(x):
    y = np.zeros(3)
    y[0] = x[0] * 2.0
    y[1:] += x[1:] ** 2
    y[y > 100.0] = 0.0
    return np.sum(y * x)


def ex_inplace(x):
    y = np.zeros(3)
    np.multiply(x, x, out=y)
    np.add(y, x, out=y, where=x > 0)
    z = np.empty(3)
    z.fill(2.0)
    np.copyto(z, x * 3.0 + y)
    z.sort()
    w = np.zeros(3)
    np.add.at(w, [0, 0, 1], x)
    np.subtract.at(w, [2], x[0])
    np.put(w, [2], x[1] * 5.0)
    return np.sum(z * z) + z[0] + np.sum(w * w)


def ex_lists(x):
    ys = []
    for v in x:
        ys.append(v * v)
    ys.extend([x[0], x[1]])
    last = ys.pop()
    ys.reverse()
    zs = ys + [last]
    return sum(zs) + np.sum(np.array(zs) * 2.0)


def ex_dicts_tuples(x):
    d = {"a": x, "b": x * 2.0}
    d["c"] = d["a"] * d["b"]
    t = (x, x + 1.0)
    a, b = t
    b, a = a, b
    return np.sum(d["c"]) + np.sum(a * b)


def ex_namedtuple(x):
    p = Pair(x, x * 2.0)
    return np.sum(p.a * p.b) + np.sum(p[0])


def ex_dataclass(x):
    b = Box(x[0], x[1])
    return b.v * b.w


def ex_math_floats(x):
    a = float(x[0])
    return math.sin(a) + math.exp(x[1].item()) + math.log(x[2] + 5.0) + a ** 2


def ex_assert_raise(x):
    assert x.shape == (3,), f"bad shape {x.shape}"
    if np.sum(x) > 1e9:
        raise ValueError(f"too big: {np.sum(x)}")
    return np.sum(x * x)


def ex_notes(x):
    """The notes of the page: indexing forms, builtins on lists and generators."""
    m = np.outer(x, x)
    s = np.sum(x[[0, 2]]) + np.sum(x[x > 0.0]) + m[1, 2] + np.sum(m[1:, :2])
    s = s + sum(list(v for v in x)) + sum(tuple(x)) + sum(list(x))
    s = s + max(x[0], x[1]) + min([x[0], x[2]]) + max(x[1], 0.5)
    return s + float(x[1]) + x.item(2) * 2.0 + np.sum(np.where(x > 0.0, x, 2.0 * x))


EXAMPLES = {name[len("ex_"):]: fn for name, fn in sorted(globals().items())
            if name.startswith("ex_")}


def test_every_construct_has_an_example():
    claimed = {cid for cid, _ in supported.CONSTRUCTS}
    assert claimed <= set(EXAMPLES), sorted(claimed - set(EXAMPLES))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_claimed_construct_differentiates(name):
    """Reverse mode against finite differences, forward mode against reverse mode."""
    x = np.array([0.3, -0.7, 1.2])
    s2sad.testing.check_grads(EXAMPLES[name], (x,), order=1, modes="rev")
    forward = s2sad.jacfwd(EXAMPLES[name])(x)
    np.testing.assert_allclose(forward, s2sad.grad(EXAMPLES[name])(x), rtol=1e-10,
                               atol=1e-12)


# --- the rejections the page lists ---

REJECTED = {
    "try/except": "try:\n    y = x\nexcept ValueError:\n    y = x",
    "a with block": "with open('f') as fh:\n    y = x",
    "yield": "yield x",
    "a global statement": "global G",
    "a nonlocal statement": "def h():\n    nonlocal x\n    return x\ny = h()",
    "a class definition": "class C:\n    pass",
    "del": "z = x\ndel z",
    "an import inside the function": "import math",
    "an assignment expression (:=)": "y = (z := x)",
    "a set display": "s = {1, 2}",
    "a set comprehension": "s = {i for i in range(2)}",
    "a dict comprehension": "s = {i: i for i in range(2)}",
    "a match statement": "match 1:\n    case 1:\n        pass",
    "a decorated nested function":
        "@functools.lru_cache\ndef h(t):\n    return t\ny = h(x)",
    "assigning to an attribute": "p = Pair(x, x)\np.a = x",
    "starred assignment": "a, *b = x",
}


@pytest.mark.parametrize("construct", sorted(REJECTED))
def test_rejected_construct(construct, tmp_path):
    assert construct in supported.markdown()
    if construct == "a match statement" and sys.version_info < (3, 10):
        pytest.skip("match needs Python 3.10")
    body = textwrap.indent(REJECTED[construct], "    ")
    source = ("import functools\nimport collections\n"
              "Pair = collections.namedtuple('Pair', 'a b')\n\n\n"
              "def f(x):\n%s\n    return x * 2.0\n" % body)
    module = tmp_path / ("rejected_%d.py" % sorted(REJECTED).index(construct))
    module.write_text(source)
    namespace = {}
    exec(compile(source, str(module), "exec"), namespace)
    with pytest.raises(s2sad.UnsupportedSyntaxError):
        s2sad.grad(namespace["f"])(1.5)
