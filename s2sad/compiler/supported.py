"""What s2sad supports, as a Markdown page generated from the rule registry and the fence.

:func:`markdown` returns the text of ``SUPPORTED.md``: every NumPy function, ufunc,
operator, array method and attribute, ``math`` function and builtin that has a
derivative rule (reverse mode: an adjoint template; forward mode: a tangent template or
a ``linear`` declaration) or is declared non-differentiable, read from
:mod:`s2sad.rules`; the Python syntax the fence (:mod:`s2sad.fence`) accepts and
rejects; and the constructs the compiler handles beyond single calls (loops, writes,
function values, containers).  That last list is written here by hand, one entry per
construct, and ``tests/test_supported.py`` differentiates one example of each entry
(the ids of :data:`CONSTRUCTS`), so it claims nothing the compiler does not do.

:func:`markdown` lists the registry as it is, rules registered by the program included:
``SUPPORTED.md`` is generated in a fresh interpreter, where only s2sad's own rules are.
The page depends only on the registry, the fence and NumPy's names for its functions
(which NumPy version is installed decides aliases such as ``numpy.abs`` for
``numpy.absolute``).  ``tests/test_supported.py`` fails when ``SUPPORTED.md`` differs
from :func:`markdown`; regenerate it with the command in :data:`REGENERATE`.
"""

import numpy as np

from .. import errors, rules
from . import fence

__all__ = ["markdown", "entries", "summary", "CONSTRUCTS", "REGENERATE"]

#: the shell command that rewrites SUPPORTED.md (run at the top of the repository)
REGENERATE = ('python -c "import %s as s; open(\'SUPPORTED.md\', \'w\').write(s.markdown())"'
              % __name__)

# --- reading the registry ---


def _table(name):
    """A table of the rule registry (``_ADJOINTS``, ``_TANGENTS``, ``_LINEAR``,
    ``_NONDIFF``), wherever the rules package keeps it."""
    for owner in (rules, getattr(rules, "registry", None)):
        if owner is not None and hasattr(owner, name):
            return getattr(owner, name)
    raise AttributeError("s2sad.rules has no table %s" % name)


def _all_keys():
    load = getattr(rules, "load_builtin_rules", None)
    if load is not None:
        load()
    keys = []
    seen = set()
    for table in ("_ADJOINTS", "_TANGENTS", "_LINEAR", "_NONDIFF"):
        for key in _table(table):
            if key not in seen:
                seen.add(key)
                keys.append(key)
    return keys


def _key_kind(key):
    """``"method"`` or ``"attribute"`` for :func:`rules.method` / :func:`rules.attribute`
    keys, else None."""
    if isinstance(key, tuple) and len(key) == 2 and key[0] in ("method", "attribute") \
            and isinstance(key[1], str):
        return key[0]
    return None


def _module(key):
    if _key_kind(key):
        return "numpy.ndarray"
    if isinstance(key, np.ufunc):
        return "numpy"
    return getattr(key, "__module__", None) or ""


# --- public names ---

_OPERATORS = {
    "add": "a + b", "sub": "a - b", "mul": "a * b", "truediv": "a / b", "floordiv": "a // b",
    "mod": "a % b", "pow": "a ** b", "matmul": "a @ b", "neg": "-a", "pos": "+a",
    "getitem": "a[index]", "lt": "a < b", "le": "a <= b", "gt": "a > b", "ge": "a >= b",
    "eq": "a == b", "ne": "a != b", "not_": "not a", "truth": "truth value (`if a:`)",
    "is_": "a is b", "is_not": "a is not b", "contains": "b in a",
}

#: a few words for entries whose name alone does not say what is covered
_NOTES = {
    "operator.getitem": "indexing and slicing: `x[i]`, `x[a:b]`, `x[i, j]`, `x[mask]`, "
                        "`x[[0, 2]]`",
    "builtins.getattr": "fields of namedtuples and dataclasses: `p.a`",
    "builtins.sum": "of a list, tuple or generator of values",
    "builtins.list": "of an array, a tuple or a generator",
    "builtins.tuple": "of an array, a list or a generator",
    "builtins.max": "of numbers, given as arguments or as one list",
    "builtins.min": "of numbers, given as arguments or as one list",
    "builtins.float": "of a number (NumPy scalars and 0-d arrays included)",
    "numpy.where": "`np.where(c, a, b)` (the one-argument form is `np.nonzero`)",
    "numpy.ndarray.item": "also `x.item(i)`",
}


def _aliases(key, namespace, prefix):
    names = sorted(n for n in dir(namespace) if not n.startswith("_")
                   and getattr(namespace, n, None) is key)
    return ["%s.%s" % (prefix, n) for n in names]


def public_name(key):
    """How users spell ``key``, and the other names of the same object:
    ``("numpy.absolute", ["numpy.abs"])``, ``("numpy.ndarray.sum", [])``."""
    kind = _key_kind(key)
    if kind:
        return "numpy.ndarray.%s" % key[1], []
    spelled = errors.public_name(key)  # numpy.add.reduce, scipy.special.expit, ...
    if not spelled.startswith("numpy.") or getattr(key, "__self__", None) is not None or \
            not hasattr(key, "__name__"):
        return spelled, []
    name = getattr(key, "__name__", None) or repr(key)
    module = _module(key)
    if module.startswith("numpy"):
        namespace = np
        for part in module.split(".")[1:]:
            namespace = getattr(namespace, part, namespace)
        prefix = "numpy" if namespace is np else module
        names = _aliases(key, namespace, prefix)
        primary = "%s.%s" % (prefix, name)
        if primary not in names:
            primary = names[0] if names else primary
        return primary, [n for n in names if n != primary]
    if module in ("_operator", "operator"):
        return "operator.%s" % name, []
    if module == "builtins":
        return "builtins.%s" % name, []
    return "%s.%s" % (module, name), []


# --- grouping ---

_NUMPY_GROUPS = [
    ("Linear algebra", "dot matmul outer vdot inner tensordot einsum kron cross"),
    ("Reductions and scans", "sum mean prod max amax min amin var std median cumsum cumprod "
                             "average ptp nansum nanmean nanmax nanmin nanvar nanstd nanprod "
                             "percentile quantile diff gradient nanmedian"),
    ("Shape, joining and copying", "reshape ravel squeeze expand_dims transpose flip roll "
                                   "swapaxes moveaxis broadcast_to concatenate stack copy "
                                   "array asarray atleast_1d atleast_2d atleast_3d tile repeat "
                                   "rollaxis flipud fliplr rot90 pad diag diagonal trace triu "
                                   "tril take take_along_axis select choose sort partition "
                                   "broadcast_arrays meshgrid vstack row_stack hstack "
                                   "column_stack dstack append split array_split vsplit hsplit "
                                   "dsplit insert delete"),
    ("Array creation", "full full_like zeros ones empty zeros_like ones_like empty_like arange "
                       "linspace eye identity logspace r_ c_ s_ index_exp ogrid mgrid"),
    ("Comparisons and predicates", "equal not_equal greater greater_equal less less_equal "
                                   "logical_and logical_or logical_not logical_xor isnan "
                                   "isfinite isinf isclose allclose array_equal all any "
                                   "iscomplexobj isrealobj isscalar"),
    ("Shapes, dtypes and indices", "shape ndim size result_type broadcast_shapes argmax argmin "
                                   "argsort nonzero flatnonzero argwhere searchsorted digitize "
                                   "count_nonzero argpartition"),
]

#: (group title, intro) in the order of the page
GROUPS = [
    ("Python operators", "Operators on values the function computes (`+` on arrays and "
                         "numbers, `x[i]`, ...). Each is keyed by its `operator` function."),
    ("Elementwise NumPy functions", "Ufuncs and other elementwise functions; broadcasting "
                                    "is supported (adjoints are summed back to each "
                                    "operand's shape)."),
    ("Reductions and scans", "`axis=` and `keepdims=` are supported where NumPy has them."),
    ("Linear algebra", "Products and `numpy.linalg`."),
    ("FFT", "`numpy.fft`: `n`, `axis`/`axes`/`s` and `norm` are supported."),
    ("Shape, joining and copying", ""),
    ("Array creation", ""),
    ("Comparisons and predicates", ""),
    ("Shapes, dtypes and indices", ""),
    ("Other NumPy functions", ""),
    ("Array methods", "`x.name(...)` on an array the function computes (keyed by the method "
                      "name)."),
    ("Array attributes", "`x.name` on an array the function computes."),
    ("`math`", "On Python floats; the results stay Python floats."),
    ("Builtins", ""),
    ("SciPy: `scipy.special`", "Registered when SciPy imports (the `scipy` extra)."),
    ("SciPy: `scipy.linalg`", "Registered when SciPy imports."),
    ("SciPy: `scipy.stats`", "Methods of the distribution objects (`scipy.stats.norm.logpdf`); "
                             "registered when SciPy imports."),
    ("SciPy: `scipy.integrate`", "Registered when SciPy imports."),
    ("Other", ""),
]


def _group(key, name):
    kind = _key_kind(key)
    if kind == "method":
        return "Array methods"
    if kind == "attribute":
        return "Array attributes"
    module = _module(key)
    if module in ("_operator", "operator"):
        return "Python operators"
    if module == "math":
        return "`math`"
    if module == "builtins":
        return "Builtins"
    if isinstance(getattr(key, "__self__", None), np.ufunc):  # numpy.add.reduce
        return "Linear algebra" if name.endswith(".outer") else "Reductions and scans"
    for part in ("special", "linalg", "stats", "integrate"):
        if name.startswith("scipy.%s." % part):
            return "SciPy: `scipy.%s`" % part
    if module.startswith("numpy"):
        if module.startswith("numpy.linalg"):
            return "Linear algebra"
        if module.startswith("numpy.fft"):
            return "FFT"
        short = name.rsplit(".", 1)[-1]
        for title, names in _NUMPY_GROUPS:
            if short in names.split():
                return title
        if isinstance(key, np.ufunc) or short in (
                "where", "clip", "real", "imag", "round", "around", "fix", "conj", "conjugate",
                "angle", "sinc", "nan_to_num", "float32", "float64", "complex128"):
            return "Elementwise NumPy functions"
        return "Other NumPy functions"
    return "Other"


def _is_internal(key):
    """s2sad's own helpers (the runtime, the higher-order stand-ins): their rules exist so
    that generated code can be differentiated again; users do not call them."""
    return not _key_kind(key) and _module(key).startswith("s2sad")


def entries():
    """One dict per public registry key: ``name``, ``aliases``, ``group``, ``reverse``
    (has an adjoint rule), ``forward`` (``"tangent"``, ``"linear"`` or None),
    ``nondiff`` (declared non-differentiable), ``note``; sorted by group and name."""
    order = {title: i for i, (title, _) in enumerate(GROUPS)}
    out = []
    for key in _all_keys():
        if _is_internal(key):
            continue
        name, aliases = public_name(key)
        forward = ("tangent" if rules.lookup_tangent(key) is not None
                   else "linear" if rules.is_linear(key) else None)
        out.append({
            "key": key, "name": name, "aliases": aliases, "group": _group(key, name),
            "reverse": rules.lookup_adjoint(key) is not None, "forward": forward,
            "nondiff": rules.is_nondifferentiable(key), "note": _NOTES.get(name, ""),
        })
    out.sort(key=lambda e: (order[e["group"]], e["name"]))
    return out


def _internal_count():
    return sum(1 for key in _all_keys() if _is_internal(key))


# --- the Python constructs ---

#: what the fence's allow-list admits, in words (node types not named here are printed by
#: their class name; the structural ones, None, are not printed)
_SYNTAX = {
    "FunctionDef": "nested `def` (not decorated)",
    "arguments": None, "keyword": None, "Name": None, "Constant": None,
    "expr_context": None, "operator": None, "unaryop": None, "cmpop": None, "boolop": None,
    "comprehension": None, "FormattedValue": None, "Slice": None,
    "Assign": "assignment, also to several targets and tuple unpacking (`a, b = b, a`)",
    "AugAssign": "augmented assignment (`s += x`, `y[i] *= 2`)",
    "AnnAssign": "annotated assignment (`y: float = ...`)",
    "Return": "`return`, anywhere (early returns in loops and branches included)",
    "Expr": "expression statements (`ys.append(v)`)",
    "Pass": "`pass`",
    "Assert": "`assert` (checked when the derivative runs)",
    "Raise": "`raise`",
    "If": "`if` / `elif` / `else`",
    "For": "`for` loops",
    "While": "`while` loops",
    "Break": "`break`",
    "Continue": "`continue`",
    "BinOp": "binary operators `+ - * / // % ** @`",
    "UnaryOp": "unary operators `-x`, `+x`, `not x`",
    "BoolOp": "`and`, `or`",
    "Compare": "comparisons, chained ones included (`0 < x < 1`, `is`, `in`)",
    "Call": "calls, with keyword arguments",
    "Attribute": "attribute reads (`x.T`, `p.field`, `np.linalg.norm`)",
    "Subscript": "indexing and slicing (`x[i]`, `x[1:]`, `x[i, j]`, `x[mask]`)",
    "Starred": "`*xs` in list and tuple displays",
    "Tuple": "tuple displays",
    "List": "list displays",
    "Dict": "dict displays",
    "IfExp": "conditional expressions (`a if c else b`)",
    "JoinedStr": "f-strings (`assert ok, f\"bad {x}\"`)",
    "ListComp": "list comprehensions (several `for` and `if` clauses included)",
    "GeneratorExp": "generator expressions (`sum(v * v for v in xs)`)",
    "Lambda": "`lambda`",
}

#: what the fence refuses besides the node types of its hint table
_FENCE_CHECKS = [
    ("a decorated nested function", "define the decorated function at module level"),
    ("assigning to an attribute (`p.x = v`)",
     "return the new value instead of storing it on an object"),
    ("starred assignment (`a, *b = ...`)", "index the sequence explicitly"),
]

#: (id, text): what the compiler does with the accepted syntax.  tests/test_supported.py
#: differentiates one example of every id, checked against finite differences.
CONSTRUCTS = [
    ("for", "`for` over `range(...)`, arrays (rows), lists, tuples, dicts, `dict.items()`, "
            "`dict.values()`, `enumerate`, `zip` and `reversed`; nested loops"),
    ("while", "`while` loops on data-dependent conditions, with `break` and `continue`"),
    ("return", "early `return` from inside loops and branches"),
    ("branches", "`if`/`elif`/`else`, `a if c else b`, `and`/`or`/`not` on "
                 "data-dependent conditions"),
    ("comprehensions", "list comprehensions (nested, filtered) and generator expressions "
                       "(`sum(... for ...)`)"),
    ("lambda", "lambdas, called where they are defined or passed to your own functions"),
    ("nested_def", "nested `def`s and closures over local variables"),
    ("factory", "closures returned by your own factories (`make_scale(a)(x)`)"),
    ("helpers", "calls of your own module-level functions, keyword arguments and defaults "
                "included; recursion (first derivatives only: see the limits)"),
    ("partial", "`functools.partial` of your own functions"),
    ("map", "`map(f, xs)`"),
    ("methods", "bound methods and callable objects (`obj.apply(x)`, `obj(x)`) reading "
                "`self`"),
    ("function_values", "functions as arguments (specialised on the function object), in "
                        "lists, tuples and dicts indexed by a constant or looped over"),
    ("inner_grad", "calls of `s2sad.grad(g)(x)` and other transforms inside the "
                   "differentiated function"),
    ("array_writes", "writes into arrays the function creates: `y[i] = v`, `y[a:b] += v`, "
                     "`y[mask] = v`"),
    ("inplace", "in-place NumPy: `out=` (also with `where=`), `np.copyto`, `y.fill`, "
                "`y.sort()`, `np.add.at`, `np.subtract.at`, `np.put`"),
    ("lists", "lists: `ys.append(v)`, `ys.extend(vs)`, `v = ys.pop()`, `ys.reverse()`, "
              "`xs + ys`, `np.array(ys)`"),
    ("dicts_tuples", "dicts (`d[k] = v`, reads, loops), tuples and tuple unpacking"),
    ("namedtuple", "namedtuples: construction, fields and indexing"),
    ("dataclass", "dataclasses: construction and fields"),
    ("math_floats", "Python floats and the `math` module, as well as NumPy scalars and arrays"),
    ("assert_raise", "`assert` and `raise` (with f-string messages) on the values"),
]


def _syntax_lines():
    lines = []
    for node_type in fence._ALLOWED:
        name = node_type.__name__
        text = _SYNTAX.get(name, "`%s` nodes" % name)
        if text is not None:
            lines.append("* %s" % text)
    return lines


def _rejected_lines():
    lines = []
    for construct, hint in list(fence._HINTS.values()) + _FENCE_CHECKS:
        line = "| %s | %s |" % (construct, hint)
        if line not in lines:  # import and from-import share one row
            lines.append(line)
    return lines


# --- the page ---


def _cell_forward(entry):
    return {"tangent": "yes", "linear": "yes (linear)"}.get(entry["forward"], "no")


def _display(entry):
    name = entry["name"]
    if name.startswith("operator."):
        text = "`%s` (`%s`)" % (_OPERATORS.get(name[len("operator."):], name), name)
    else:
        text = "`%s`" % name
    if entry["aliases"]:
        text += " (also %s)" % ", ".join("`%s`" % a for a in entry["aliases"])
    return text


def _group_block(title, intro, group):
    diff = [e for e in group if not e["nondiff"]]
    nondiff = [e for e in group if e["nondiff"]]
    out = ["### %s" % title, ""]
    if intro:
        out += [intro, ""]
    if diff:
        out += ["| name | reverse | forward | note |", "|---|---|---|---|"]
        for e in diff:
            out.append("| %s | %s | %s | %s |" % (_display(e), "yes" if e["reverse"] else "no",
                                                  _cell_forward(e), e["note"]))
        out.append("")
    if nondiff:
        out.append("Non-differentiable, allowed (the result carries no derivative): %s."
                   % ", ".join(_display(e) for e in nondiff))
        out.append("")
    return out


def _counts(found):
    def count(pred):
        return sum(1 for e in found if pred(e))

    def numpy_fn(e):
        return e["name"].startswith("numpy.") and not e["name"].startswith("numpy.ndarray.")
    rows = [
        ("NumPy functions and ufuncs", numpy_fn),
        ("SciPy functions and methods", lambda e: e["name"].startswith("scipy.")),
        ("array methods", lambda e: e["group"] == "Array methods"),
        ("array attributes", lambda e: e["group"] == "Array attributes"),
        ("Python operators", lambda e: e["group"] == "Python operators"),
        ("`math` functions", lambda e: e["group"] == "`math`"),
        ("builtins", lambda e: e["group"] == "Builtins"),
    ]
    out = ["| | with derivative rules | non-differentiable |", "|---|---|---|"]
    for label, pred in rows:
        out.append("| %s | %d | %d |" % (label, count(lambda e: pred(e) and not e["nondiff"]),
                                         count(lambda e: pred(e) and e["nondiff"])))
    total_d = count(lambda e: not e["nondiff"])
    total_n = count(lambda e: e["nondiff"])
    out.append("| **all** | **%d** | **%d** |" % (total_d, total_n))
    return out


def summary():
    """The README's one-line count of the registry (``tests/test_supported.py`` checks
    that README.md holds exactly this line)."""
    found = entries()

    def count(pred):
        return sum(1 for e in found if pred(e) and not e["nondiff"])

    def numpy_fn(e):
        return e["name"].startswith("numpy.") and not e["name"].startswith("numpy.ndarray.")
    return ("%d NumPy functions and ufuncs, %d SciPy functions, %d operators, %d array "
            "methods and attributes, %d `math` functions and %d builtins with derivative "
            "rules; %d more (comparisons, shapes, indices, `np.floor`, `len`, ...) allowed as "
            "non-differentiable" % (
                count(numpy_fn), count(lambda e: e["name"].startswith("scipy.")),
                count(lambda e: e["group"] == "Python operators"),
                count(lambda e: e["group"] in ("Array methods", "Array attributes")),
                count(lambda e: e["group"] == "`math`"),
                count(lambda e: e["group"] == "Builtins"),
                sum(1 for e in found if e["nondiff"])))


def _numpy_version():
    return ".".join(np.__version__.split(".")[:2])


def markdown():
    """The text of SUPPORTED.md.

    >>> page = markdown()
    >>> "| `numpy.tanh` | yes | yes |  |" in page, "`numpy.argmax`" in page
    (True, True)
    """
    found = entries()
    scipy = [e for e in found if e["name"].startswith("scipy.")]
    out = [
        "# What s2sad supports",
        "",
        "<!-- Generated by markdown() of s2sad's supported.py from the rule registry and the "
        "fence, with NumPy %s: do not edit by hand. tests/test_supported.py checks it and "
        "says how to regenerate it. -->" % _numpy_version(),
        "",
        "This page lists what a function differentiated by s2sad may call and which Python "
        "it may use. It is generated from s2sad's rule registry (`s2sad.rules`) and its "
        "syntax fence; the README's *Limitations* section says what s2sad refuses or cannot "
        "do.",
        "",
        "* **reverse**: the function has an adjoint rule (`grad`, `value_and_grad`, `vjp`, "
        "`jacrev`).",
        "* **forward**: it has a tangent rule, or is declared linear, so its tangent is the "
        "function applied to the tangent (`jvp`, `linearize`, `jacfwd`, and `hessian`, "
        "which runs forward mode over the generated gradient).",
        "* **non-differentiable, allowed**: the call may take differentiated values, and its "
        "result carries no derivative (shapes, indices, comparisons, piecewise-constant "
        "functions such as `numpy.floor`).",
        "",
        "A call of your own Python function is differentiated through its source. A call "
        "whose arguments are all constants (`np.random.rand(3)`) needs no rule. Any other "
        "call of a differentiated value raises `MissingRuleError` naming the call; register a "
        "rule with `s2sad.rules.adjoint` and `s2sad.rules.tangent`, or declare the function "
        "with `s2sad.rules.nondifferentiable` (README: *Writing a derivative rule*).",
        "",
        "## Counts",
        "",
    ]
    out += _counts(found)
    out += [
        "",
        "Not counted: %d runtime helpers of s2sad itself, which have rules so that generated "
        "code can be differentiated again (`grad(grad(f))`, `hessian`)." % _internal_count(),
        "",
        "## Functions, methods and attributes",
        "",
    ]
    for title, intro in GROUPS:
        group = [e for e in found if e["group"] == title]
        if group:
            out += _group_block(title, intro, group)
    if not scipy:
        out += ["### SciPy", "",
                "No SciPy function has a rule yet: `scipy.special.expit(x)` of a "
                "differentiated `x` raises `MissingRuleError`. Register rules for the ones "
                "you use, or write them with NumPy.", ""]
    out += [
        "## Python inside a differentiated function",
        "",
        "### Accepted syntax",
        "",
        "s2sad's syntax fence checks every node of the function against an "
        "allow-list before any transform runs:",
        "",
    ]
    out += _syntax_lines()
    out += [
        "",
        "### Rejected syntax",
        "",
        "Everything else is rejected with `UnsupportedSyntaxError`, naming the construct, "
        "the file, the line and the source line, with a hint:",
        "",
        "| construct | hint |",
        "|---|---|",
    ]
    out += _rejected_lines()
    out += [
        "| any other syntax | (not on the allow-list) |",
        "",
        "### What the compiler does with it",
        "",
        "Each item is checked by `tests/test_supported.py` on an example (reverse mode "
        "against finite differences, forward mode against reverse mode):",
        "",
    ]
    out += ["* %s" % text for _, text in CONSTRUCTS]
    out.append("")
    return "\n".join(out)
