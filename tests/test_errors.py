"""What s2sad rejects, and how it says so: a pyflakes-style harness.

``assert_rejects(source, ExpectedClass, line=N)`` writes ``source`` to a module file in
a temporary directory, imports it, differentiates its function ``f`` and asserts

* the class of the error (exactly, not a parent class);
* for syntax errors: ``.filename`` is that file, ``.lineno`` is line ``N`` of it, and
  ``str(err)`` shows the offending source line;
* for other errors located in the source: ``str(err)`` names ``file:N``.

Tests assert on classes and locations, not on wording (design.md §5), except where
the message must name something (the rejected keyword, the output shape).
"""
import importlib.util
import math
import sys
import textwrap

import numpy as np
import pytest

import s2sad
from s2sad import rules
from s2sad.errors import (MissingRuleError, NonScalarOutputError, S2SADError,
                          SourceUnavailableError, UnsupportedArgumentError,
                          UnsupportedSyntaxError)

X = np.array([0.5, 1.0, 1.5, 2.0])


@pytest.fixture
def load_snippet(tmp_path, request):
    """Write a snippet to ``tmp_path/<test>.py``, import it, return (module, path)."""
    loaded = []

    def load(source):
        text = textwrap.dedent(source).lstrip("\n")
        name = "s2sad_snippet_%s_%d" % (request.node.name.replace("[", "_").strip("]"),
                                         len(loaded))
        path = tmp_path / (name + ".py")
        path.write_text(text)
        spec = importlib.util.spec_from_file_location(name, str(path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module, str(path), text.splitlines()

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


@pytest.fixture
def assert_rejects(load_snippet):
    """The harness: ``assert_rejects(source, ExpectedClass, line=N)`` -> the error."""

    def check(source, expected, line=None, args=(X,), via="grad"):
        module, path, lines = load_snippet(source)
        f = module.f
        with pytest.raises(expected) as info:
            if via == "grad":
                s2sad.grad(f)(*args)
            else:
                s2sad.source(f)
        err = info.value
        assert type(err) is expected, "raised %s, expected %s" % (
            type(err).__name__, expected.__name__)
        assert isinstance(err, S2SADError)
        if line is not None:
            text = lines[line - 1].strip()
            if isinstance(err, SyntaxError):
                assert err.filename == path
                assert err.lineno == line, "error at line %s, expected %s:\n%s" % (
                    err.lineno, line, err)
                assert text in str(err), "%r not in the message:\n%s" % (text, err)
            else:
                assert "%s:%d" % (path, line) in str(err), str(err)
        return err

    return check


# --- constructs the fence rejects ----------------------------------------------------

def test_try_except(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            y = x * 2.0
            try:
                y = np.log(x)
            except ValueError:
                pass
            return np.sum(y)
        """, UnsupportedSyntaxError, line=5)


def test_with_block(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            with np.errstate(all="ignore"):
                y = np.log(x)
            return np.sum(y)
        """, UnsupportedSyntaxError, line=4)


def test_yield(assert_rejects):
    err = assert_rejects("""
        import numpy as np

        def f(x):
            for v in x:
                yield v * 2.0
        """, UnsupportedSyntaxError, line=5, via="source")
    assert err.construct == "yield"


def test_nested_async_def(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            async def g(v):
                return v
            return np.sum(x)
        """, UnsupportedSyntaxError, line=4)


def test_async_def(assert_rejects):
    assert_rejects("""
        import numpy as np

        async def f(x):
            return np.sum(x)
        """, UnsupportedSyntaxError, line=3, via="source")


def test_global(assert_rejects):
    assert_rejects("""
        import numpy as np

        counter = 0

        def f(x):
            global counter
            counter = counter + 1
            return np.sum(x)
        """, UnsupportedSyntaxError, line=6)


def test_nonlocal(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            total = 0.0

            def add(v):
                nonlocal total
                total = total + v
            add(np.sum(x))
            return total
        """, UnsupportedSyntaxError, line=7)


def test_class_definition(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            class Box:
                pass
            return np.sum(x)
        """, UnsupportedSyntaxError, line=4)


def test_del(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            y = x * 2.0
            z = y + 1.0
            del y
            return np.sum(z)
        """, UnsupportedSyntaxError, line=6)


def test_import_inside_the_function(assert_rejects):
    assert_rejects("""
        def f(x):
            import numpy as np
            return np.sum(x)
        """, UnsupportedSyntaxError, line=2)


def test_from_import_inside_the_function(assert_rejects):
    assert_rejects("""
        def f(x):
            from numpy import sum
            return sum(x)
        """, UnsupportedSyntaxError, line=2)


def test_walrus(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            if (s := np.sum(x)) > 1.0:
                return s
            return -s
        """, UnsupportedSyntaxError, line=4)


def test_set_display(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            axes = {0}
            return np.sum(x, axis=tuple(axes))
        """, UnsupportedSyntaxError, line=4)


def test_dict_comprehension(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            parts = {i: x[i] for i in range(4)}
            return parts[0] * parts[3]
        """, UnsupportedSyntaxError, line=4)


def test_assignment_to_an_attribute(load_snippet, assert_rejects):
    source = """
        import numpy as np

        class Model:
            pass

        def f(x, model):
            model.last = x
            return np.sum(x)
        """
    module, _, _ = load_snippet(source)
    assert_rejects(source, UnsupportedSyntaxError, line=7, args=(X, module.Model()))


def test_assignment_to_self_attribute_in_a_method(assert_rejects):
    module_source = """
        import numpy as np

        class Model:
            def loss(self, x):
                self.cache = x * 2.0
                return np.sum(self.cache)

        MODEL = Model()

        def f(x):
            return MODEL.loss(x)
        """
    assert_rejects(module_source, UnsupportedSyntaxError, line=5)


def test_starred_assignment(assert_rejects):
    assert_rejects("""
        import numpy as np

        def f(x):
            first, *rest = x
            return first * np.sum(rest)
        """, UnsupportedSyntaxError, line=4)


def test_decorated_nested_function(assert_rejects):
    assert_rejects("""
        import functools
        import numpy as np

        def f(x):
            @functools.lru_cache(maxsize=None)
            def g(n):
                return n * 2
            return np.sum(x) * g(3)
        """, UnsupportedSyntaxError, line=6)


def test_the_error_is_a_syntax_error_with_a_caret(assert_rejects):
    err = assert_rejects("""
        import numpy as np

        def f(x):
            y = x * 2.0
            del y
            return np.sum(x)
        """, UnsupportedSyntaxError, line=5)
    assert isinstance(err, SyntaxError)
    assert err.offset == 5  # 1-based column of `del`
    assert err.text.strip() == "del y"


# --- calls s2sad cannot differentiate ------------------------------------------------

def test_missing_rule_names_the_call_site(assert_rejects):
    assert rules.lookup_adjoint(np.unwrap) is None
    err = assert_rejects("""
        import numpy as np

        def f(A):
            B = A * 2.0
            return np.sum(np.unwrap(B))
        """, MissingRuleError, line=5, args=(np.eye(3) + 0.5,))
    assert isinstance(err, NotImplementedError)
    assert "numpy.unwrap" in str(err)
    assert "s2sad.rules.adjoint" in str(err) and "nondifferentiable" in str(err)


def test_missing_rule_names_the_enclosing_function(assert_rejects):
    err = assert_rejects("""
        import numpy as np

        def f(A):
            return np.sum(np.unwrap(A))
        """, MissingRuleError, line=4, args=(np.eye(3),))
    assert ":4 in f" in str(err)


def test_unsupported_keyword_of_a_numpy_function(assert_rejects):
    err = assert_rejects("""
        import numpy as np

        def f(x):
            m = x > 1.0
            return np.sum(np.sin(x, where=m))
        """, UnsupportedArgumentError, line=5)
    assert "'where'" in str(err) and "numpy.sin" in str(err)
    assert isinstance(err, MissingRuleError) and isinstance(err, UnsupportedSyntaxError)


def test_non_scalar_output(assert_rejects):
    err = assert_rejects("""
        import numpy as np

        def f(x):
            return np.sin(x) * 2.0
        """, NonScalarOutputError)
    assert isinstance(err, TypeError)
    assert err.shape == (4,)
    assert "(4,)" in str(err) and "vjp" in str(err)


@pytest.mark.parametrize("builtin, want", [(abs, 1.0), (math.exp, math.exp(1.0)),
                                           (np.sin, math.cos(1.0))],
                         ids=["abs", "math.exp", "np.sin"])
def test_builtins_with_rules_are_differentiated_directly(builtin, want):
    """As in JAX: grad(np.sin) differentiates through the rule (no source needed)."""
    assert s2sad.grad(builtin)(1.0) == pytest.approx(want, rel=1e-12)


def test_builtins_without_rules_are_missing_rules():
    with pytest.raises(MissingRuleError) as info:
        s2sad.grad(math.gamma)(1.5)
    assert "math.gamma" in str(info.value) and "passed to s2sad.grad" in str(info.value)
    with pytest.raises(TypeError, match="len"):
        s2sad.grad(len)(1.0)  # len has no derivative: it is called, and fails on a float


def test_source_unavailable_for_exec_code():
    namespace = {}
    exec("def f(x):\n    return x * 2.0\n", namespace)
    with pytest.raises(SourceUnavailableError):
        s2sad.grad(namespace["f"])(1.0)


def test_a_rejected_helper_is_located_in_the_helper(assert_rejects):
    assert_rejects("""
        import numpy as np

        def helper(v):
            try:
                return np.sin(v)
            except ValueError:
                return v

        def f(x):
            return np.sum(helper(x))
        """, UnsupportedSyntaxError, line=4)


# --- unpacking arguments into a call (regression: *args gave a zero gradient and
# **kwargs were dropped, a wrong value and gradient, with no error) ---------------------

UNPACKING_HELPERS = """
    import collections
    import numpy as np

    def helper(a, b=1.0):
        return a * b

    def spread(*ts):
        return ts[0] * ts[1]

    Pair = collections.namedtuple("Pair", "a b")
"""


@pytest.mark.parametrize("call", [
    "helper(*(x, 3.0))", "helper(x, **{'b': 3.0})", "helper(*[x], b=3.0)",
    "spread(*(x, 3.0))", "Pair(*(x, 3.0)).a", "np.sum(x, **{'axis': 0})",
])
@pytest.mark.parametrize("via", ["grad", "jvp"])
def test_unpacking_into_a_call_is_refused(load_snippet, call, via):
    module, path, _ = load_snippet(UNPACKING_HELPERS + """
    def f(x):
        y = %s
        return np.sum(y)
    """ % call)
    with pytest.raises(UnsupportedSyntaxError) as info:
        if via == "grad":
            s2sad.grad(module.f)(X)
        else:
            s2sad.jvp(module.f, (X,), (np.ones(4),))
    assert info.value.filename == path and "unpacking" in str(info.value)


def test_differentiated_value_into_star_args_works(load_snippet):
    # the helper is compiled for the call's shape (tests/test_function_forms_more.py)
    module, _, _ = load_snippet(UNPACKING_HELPERS + """
    def f(x):
        y = spread(x, 3.0)
        return np.sum(y)
    """)
    np.testing.assert_allclose(s2sad.grad(module.f)(X), np.full_like(X, 3.0))
    np.testing.assert_allclose(s2sad.jvp(module.f, (X,), (np.ones_like(X),))[1], 3.0 * X.size)


def test_constant_keyword_into_star_star_kwargs_works(load_snippet):
    module, _, _ = load_snippet("""
        import numpy as np

        def scaled(a, **options):
            return a * options["b"]

        def f(x):
            return np.sum(scaled(x, b=3.0) ** 2)
        """)
    np.testing.assert_allclose(s2sad.grad(module.f)(X), 18.0 * X)
    np.testing.assert_allclose(s2sad.jvp(module.f, (X,), (np.ones(4),))[1], np.sum(18.0 * X))
