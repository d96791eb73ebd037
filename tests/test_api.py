"""Tests of the public API (s2sad.api, s2sad.pytree) against shared/api.md.

Every return structure of grad / value_and_grad / vjp, closed-form values, dtypes,
pytrees, the errors of "Dtypes and numbers" and "Checks where JAX is weak",
decorator use, no mutation of arguments, and lazy compilation with caching.
"""
import collections
import dataclasses
import functools

import numpy as np
import pytest

import s2sad
from s2sad import compiler, pytree
from s2sad.api.results import Owner, finalize_grads
from s2sad.rules import d

Params = collections.namedtuple("Params", "w b")


# --- functions under test (module level: s2sad reads their source) --------------------

def tanh_loss(w, x):
    return np.sum(np.tanh(np.dot(x, w)) ** 2)


def sum_sq(x):
    return np.sum(x ** 2)


def weighted(x, y):
    return np.sum(x * x * y)


def three(x, y, z):
    return np.sum(x * y * z)


def scalar_sq(a):
    return a * a


def with_aux(x):
    return np.sum(x ** 2), x * 2.0


def no_pair(x):
    return np.sum(x ** 2)


def dict_loss(p, x):
    return np.sum((x * p["w"] + p["b"]) ** 2)


def tuple_loss(p, x):
    return np.sum((x * p[0]) ** 2) + p[2]


def list_loss(p, x):
    return np.sum((x * p[0] + p[1]) ** 2)


def nested_loss(p, x):
    a = p["layer"][0]
    return np.sum((x * a) ** 2) + p["s"]


def namedtuple_index_loss(p, x):
    return np.sum((x * p[0] + p[1]) ** 2)


def namedtuple_attr_loss(p, x):
    return np.sum((x * p.w + p.b) ** 2)


def ordered_loss(p):
    return np.sum(p["z"] ** 2) + np.sum(p["a"])


def mul2(x):
    return x * 2.0


def tuple_out(x, y):
    return x * y, np.sum(x)


def dict_out(x):
    return {"double": x * 2.0, "square": x * x}


def complex_out(x):
    return x * 1j


def abs_sq(z):
    return np.abs(z) ** 2


def int_out(x):
    return np.sum(x > 0)


def scaled(x, scale=2.0):
    return np.sum(x * scale)


def keyword_only(x, *, scale):
    return np.sum(x * scale)


def ignores_second(x, label):
    return np.sum(x ** 2)


def sin_sum(x):
    return np.sum(np.sin(x))


def inplace_candidate(x, y):
    z = x * y
    return np.sum(z * x)


def rule_target(x):
    return x * x * x


def uses_rule_target(x):
    return np.sum(rule_target(x))


# --- grad: argnums and return structure ----------------------------------------------

def test_grad_closed_form():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(s2sad.grad(sum_sq)(x), 2 * x)


def test_grad_of_the_design_example():
    w, x = np.array([0.1, -0.2, 0.3]), np.arange(6.0).reshape(2, 3) / 6
    y = np.tanh(x @ w)
    np.testing.assert_allclose(s2sad.grad(tanh_loss)(w, x), x.T @ (2 * y * (1 - y ** 2)))


def test_int_argnums_returns_one_gradient():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g = s2sad.grad(weighted, argnums=1)(x, y)
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, x * x)


def test_tuple_argnums_returns_tuple():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    gx, gy = s2sad.grad(weighted, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * x * y)
    np.testing.assert_allclose(gy, x * x)


def test_list_argnums_returns_tuple():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g = s2sad.grad(weighted, argnums=[1, 0])(x, y)
    assert isinstance(g, tuple) and len(g) == 2
    np.testing.assert_allclose(g[0], x * x)
    np.testing.assert_allclose(g[1], 2 * x * y)


def test_one_tuple_argnums_gives_one_tuple():
    g = s2sad.grad(sum_sq, argnums=(0,))(np.array([1.0, 2.0]))
    assert isinstance(g, tuple) and len(g) == 1
    np.testing.assert_allclose(g[0], [2.0, 4.0])


def test_negative_argnums_count_from_the_end():
    x, y, z = np.array([1.0]), np.array([2.0]), np.array([3.0])
    np.testing.assert_allclose(s2sad.grad(three, argnums=-1)(x, y, z), x * y)
    gx, gz = s2sad.grad(three, argnums=(0, -1))(x, y, z)
    np.testing.assert_allclose(gx, y * z)
    np.testing.assert_allclose(gz, x * y)


def test_negative_argnums_follow_the_number_of_arguments():
    x = np.array([1.0, 2.0])
    f = s2sad.grad(scaled, argnums=-1)
    np.testing.assert_allclose(f(x), [2.0, 2.0])       # -1 is x
    assert f(x, 3.0) == pytest.approx(3.0)             # -1 is scale


def test_has_aux_returns_gradient_and_aux():
    x = np.array([1.0, 2.0])
    g, aux = s2sad.grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    np.testing.assert_allclose(aux, 2 * x)


def test_value_and_grad():
    x = np.array([1.0, 2.0])
    value, g = s2sad.value_and_grad(sum_sq)(x)
    assert float(value) == 5.0
    np.testing.assert_allclose(g, 2 * x)


def test_value_and_grad_has_aux_nesting_as_jax():
    x = np.array([1.0, 2.0])
    (value, aux), g = s2sad.value_and_grad(with_aux, has_aux=True)(x)
    assert float(value) == 5.0
    np.testing.assert_allclose(aux, 2 * x)
    np.testing.assert_allclose(g, 2 * x)


def test_value_and_grad_tuple_argnums():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    value, (gx, gy) = s2sad.value_and_grad(weighted, argnums=(0, 1))(x, y)
    assert float(value) == pytest.approx(19.0)
    np.testing.assert_allclose(gy, x * x)


def test_return_value():
    x = np.array([1.0, 2.0])
    g, value = s2sad.grad(sum_sq, return_value=True)(x)
    assert float(value) == 5.0
    np.testing.assert_allclose(g, 2 * x)


def test_return_value_with_aux_order_is_grad_value_aux():
    x = np.array([1.0, 2.0])
    g, value, aux = s2sad.grad(with_aux, has_aux=True, return_value=True)(x)
    np.testing.assert_allclose(g, 2 * x)
    assert float(value) == 5.0
    np.testing.assert_allclose(aux, 2 * x)


def test_keyword_arguments_are_passed_and_not_differentiated():
    np.testing.assert_allclose(s2sad.grad(keyword_only)(np.ones(2), scale=3.0), [3.0, 3.0])


def test_default_parameters():
    np.testing.assert_allclose(s2sad.grad(scaled)(np.ones(2)), [2.0, 2.0])
    gx, gs = s2sad.grad(scaled, argnums=(0, 1))(np.ones(2), 3.0)
    np.testing.assert_allclose(gx, [3.0, 3.0])
    assert gs == pytest.approx(2.0) and isinstance(gs, float)


# --- pytrees -------------------------------------------------------------------------

def test_dict_params():
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    x = np.array([3.0, -1.0])
    g = s2sad.grad(dict_loss)(p, x)
    r = x * p["w"] + p["b"]
    assert set(g) == {"w", "b"}
    np.testing.assert_allclose(g["w"], 2 * r * x)
    assert g["b"] == pytest.approx(np.sum(2 * r)) and isinstance(g["b"], float)


def test_tuple_params_with_none_and_unused_leaf():
    p = (np.array([1.0, 2.0]), None, 3.0, np.array([5.0, 6.0]))
    x = np.array([1.0, 2.0])
    g = s2sad.grad(tuple_loss)(p, x)
    assert isinstance(g, tuple) and len(g) == 4
    np.testing.assert_allclose(g[0], 2 * (x * p[0]) * x)
    assert g[1] is None
    assert g[2] == 1.0
    np.testing.assert_array_equal(g[3], np.zeros(2))  # unused leaf: zeros, not None


def test_list_params():
    p = [np.array([1.0, 2.0]), np.array([0.5, 0.5])]
    x = np.array([2.0, 3.0])
    g = s2sad.grad(list_loss)(p, x)
    assert isinstance(g, list)
    r = x * p[0] + p[1]
    np.testing.assert_allclose(g[0], 2 * r * x)
    np.testing.assert_allclose(g[1], 2 * r)


def test_nested_params():
    p = {"layer": [np.array([1.0, 2.0]), np.ones(3)], "s": 2.0}
    x = np.array([0.0, 1.0])
    g = s2sad.grad(nested_loss)(p, x)
    np.testing.assert_allclose(g["layer"][0], 2 * (x * p["layer"][0]) * x)
    np.testing.assert_array_equal(g["layer"][1], np.zeros(3))
    assert g["s"] == 1.0


def test_namedtuple_params_give_namedtuple_gradient():
    p = Params(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    x = np.array([2.0, 3.0])
    g = s2sad.grad(namedtuple_index_loss)(p, x)
    assert type(g) is Params
    r = x * p.w + p.b
    np.testing.assert_allclose(g.w, 2 * r * x)
    np.testing.assert_allclose(g.b, 2 * r)


def test_namedtuple_attribute_access():
    p = Params(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    g = s2sad.grad(namedtuple_attr_loss)(p, np.array([2.0, 3.0]))
    assert type(g) is Params


def test_ordered_dict_params_keep_insertion_order():
    p = collections.OrderedDict([("z", np.array([1.0, 2.0])), ("a", np.array([1.0]))])
    g = s2sad.grad(ordered_loss)(p)
    assert type(g) is collections.OrderedDict and list(g) == ["z", "a"]
    np.testing.assert_allclose(g["z"], [2.0, 4.0])
    np.testing.assert_allclose(g["a"], [1.0])


def test_none_argument_gives_none_gradient():
    g = s2sad.grad(ignores_second, argnums=(0, 1))(np.array([1.0]), None)
    assert g[1] is None


# --- dtypes --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_follows_input(dtype):
    x = np.array([1.0, 2.0], dtype=dtype)
    g = s2sad.grad(sum_sq)(x)
    assert g.dtype == dtype
    gx, gy = s2sad.grad(weighted, argnums=(0, 1))(x, np.array([1.0, 1.0]))
    assert gx.dtype == dtype and gy.dtype == np.float64


def test_python_float_in_python_float_out():
    g = s2sad.grad(scalar_sq)(3.0)
    assert type(g) is float and g == 6.0


def test_numpy_scalar_keeps_its_type():
    g = s2sad.grad(scalar_sq)(np.float32(3.0))
    assert g == 6.0 and g.dtype == np.float32


def test_gradients_are_owned_and_writeable():
    x = np.array([1.0, 2.0, 3.0])
    y = np.ones(3)
    gx, gy = s2sad.grad(weighted, argnums=(0, 1))(x, y)
    for g in (gx, gy):
        assert g.flags.writeable
        assert not np.shares_memory(g, x) and not np.shares_memory(g, y)
    assert not np.shares_memory(gx, gy)


# --- integers, bools, complex --------------------------------------------------------

@pytest.mark.parametrize("value", [np.array([1, 2]), np.array([True, False]), 3])
def test_integer_input_raises_as_jax(value):
    with pytest.raises(TypeError, match="requires real- or complex-valued inputs") as info:
        s2sad.grad(scaled)(value)
    assert "allow_int" in str(info.value)


def test_allow_int_gives_float0():
    g = s2sad.grad(scaled, allow_int=True)(np.array([1, 2]))
    assert g.dtype == s2sad.float0 and g.shape == (2,)


def test_integer_argument_not_in_argnums_is_fine():
    np.testing.assert_allclose(s2sad.grad(scaled)(np.ones(2), 3), [3.0, 3.0])


def test_holomorphic():
    assert s2sad.grad(scalar_sq, holomorphic=True)(1 + 2j) == pytest.approx(2 + 4j)


def test_holomorphic_requires_complex_inputs():
    with pytest.raises(TypeError, match="holomorphic=True requires inputs with complex"):
        s2sad.grad(scalar_sq, holomorphic=True)(2.0)


def test_complex_output_without_holomorphic_raises():
    with pytest.raises(TypeError, match="requires real-valued outputs"):
        s2sad.grad(complex_out)(1.0)


def test_complex_input_real_output_conjugate_convention():
    assert s2sad.grad(abs_sq)(1 + 2j) == pytest.approx(2 - 4j)


def test_integer_output_raises():
    with pytest.raises(TypeError, match="real-valued outputs"):
        s2sad.grad(int_out)(np.ones(2))


def test_non_scalar_output():
    with pytest.raises(s2sad.NonScalarOutputError, match=r"Output had shape: \(3,\)") as info:
        s2sad.grad(mul2)(np.ones(3))
    assert isinstance(info.value, TypeError)
    assert "jacrev" in str(info.value) and "vjp" in str(info.value)


def test_tuple_output_suggests_has_aux():
    with pytest.raises(TypeError, match="has_aux=True"):
        s2sad.grad(with_aux)(np.ones(2))


# --- argnums and argument checks -----------------------------------------------------

def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        s2sad.grad(weighted, argnums=2)(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        s2sad.grad(weighted, argnums=-3)(np.ones(2), np.ones(2))


def test_argnums_empty():
    with pytest.raises(ValueError, match="empty"):
        s2sad.grad(sum_sq, argnums=())


def test_argnums_duplicated():
    with pytest.raises(ValueError, match="more than once"):
        s2sad.grad(weighted, argnums=(0, 0))
    with pytest.raises(ValueError, match="same argument twice"):
        s2sad.grad(weighted, argnums=(1, -1))(np.ones(2), np.ones(2))


@pytest.mark.parametrize("argnums", [1.0, "0", True, (0, "1")])
def test_argnums_of_the_wrong_type(argnums):
    with pytest.raises(TypeError, match="argnums"):
        s2sad.grad(weighted, argnums=argnums)


def test_argnums_none_without_grad_vars():
    with pytest.raises(TypeError, match="grad_vars"):
        s2sad.grad(sum_sq, argnums=None)


@pytest.mark.parametrize("bad", ["abc", object()])
def test_non_array_argument_is_named(bad):
    with pytest.raises(TypeError, match=r"argument 1 \('label'\).*cannot be differentiated"):
        s2sad.grad(ignores_second, argnums=1)(np.ones(2), bad)


def test_non_array_leaf_inside_a_pytree():
    with pytest.raises(TypeError, match="str"):
        s2sad.grad(dict_loss)({"w": np.ones(2), "b": "x"}, np.ones(2))


def test_not_callable():
    with pytest.raises(TypeError, match="callable"):
        s2sad.grad(3)


def test_has_aux_without_a_pair_raises_type_error():
    with pytest.raises(TypeError, match="pair"):
        s2sad.grad(no_pair, has_aux=True)(np.ones(2))


def test_has_aux_without_a_pair_raises():
    with pytest.raises(s2sad.S2SADError, match="aux"):
        s2sad.grad(no_pair, has_aux=True)(np.ones(2))


def test_grad_vars_not_available_yet():
    with pytest.raises(ValueError, match="grad_vars"):
        s2sad.grad(sum_sq, grad_vars=[])


def test_value_and_grad_rejects_return_value():
    with pytest.raises(ValueError, match="return_value"):
        s2sad.value_and_grad(sum_sq, return_value=True)


def test_create_graph_false_computes_the_same():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(s2sad.grad(sum_sq, create_graph=False)(x), 2 * x)


def test_create_graph_false_cannot_be_differentiated_again():
    f = s2sad.grad(scalar_sq, create_graph=False)
    with pytest.raises(TypeError, match="create_graph=False"):
        s2sad.grad(f)


def test_grad_of_grad_matches_the_closed_form():
    # scalar_sq(x) = x ** 2 (see top): second derivative 2, third 0
    assert s2sad.grad(s2sad.grad(scalar_sq))(1.5) == pytest.approx(2.0)
    assert s2sad.grad(s2sad.grad(s2sad.grad(scalar_sq)))(1.5) == pytest.approx(0.0)


def test_realize_false_returns_numpy_results_as_they_are():
    np.testing.assert_allclose(s2sad.grad(sum_sq, realize=False)(np.ones(2)), [2.0, 2.0])


# --- decorators, wrapping, mutation --------------------------------------------------

@s2sad.grad
def decorated(x):
    """Docstring of decorated."""
    return np.sum(x ** 3)


@functools.partial(s2sad.grad, argnums=1)
def decorated_partial(x, y):
    return np.sum(x * y ** 2)


def test_decorator():
    np.testing.assert_allclose(decorated(np.array([1.0, 2.0])), [3.0, 12.0])
    np.testing.assert_allclose(decorated_partial(np.array([1.0, 2.0]), np.array([3.0, 1.0])),
                               [6.0, 4.0])


def test_wrapper_keeps_name_and_doc():
    assert decorated.__name__ == "decorated"
    assert decorated.__doc__ == "Docstring of decorated."


def test_arguments_are_not_mutated():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([4.0, 5.0, 6.0])
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    copies = (x.copy(), y.copy(), p["w"].copy())
    s2sad.grad(inplace_candidate, argnums=(0, 1))(x, y)
    s2sad.vjp(inplace_candidate, x, y)[1](1.0)
    s2sad.grad(dict_loss)(p, np.array([1.0, 1.0]))
    np.testing.assert_array_equal(x, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(p["w"], copies[2])
    assert p["b"] == 0.5


# --- caching -------------------------------------------------------------------------

def test_second_call_does_not_retransform():
    f = s2sad.grad(sin_sum)
    f(np.ones(2))
    count = compiler.stats["transforms"]
    f(np.ones(2) * 3.0)
    s2sad.grad(sin_sum)(np.ones(2))
    assert compiler.stats["transforms"] == count


def test_each_new_shape_is_specialised_up_to_a_limit():
    from s2sad.api import compiling

    def fresh(x):
        return np.sum(np.sin(x))

    f = s2sad.grad(fresh)
    count = compiler.stats["transforms"]
    for n in range(1, compiling.MAX_SPECIALISED + 4):
        np.testing.assert_allclose(f(np.full(n, 0.5)), np.cos(np.full(n, 0.5)))
    # one specialised compilation per shape, then one shared by every later shape
    assert compiler.stats["transforms"] - count == compiling.MAX_SPECIALISED + 1


def test_core_cache_returns_the_same_derivative():
    assert compiler.derivative(sin_sum, "grad") is compiler.derivative(sin_sum, "grad")


def test_registering_a_rule_recompiles():
    @s2sad.rules.adjoint(rule_target)
    def right_adjoint(y, x):
        d[x] = d[y] * 3.0 * x * x

    f = s2sad.grad(uses_rule_target)
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(x), 3 * x ** 2)

    @s2sad.rules.adjoint(rule_target)
    def zero_adjoint(y, x):
        d[x] = d[y] * 0.0

    np.testing.assert_allclose(f(x), [0.0, 0.0])


# --- vjp -----------------------------------------------------------------------------

def test_vjp_returns_out_and_a_tuple_of_gradients():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, f_vjp = s2sad.vjp(tuple_out, x, y)
    np.testing.assert_allclose(out[0], x * y)
    assert out[1] == pytest.approx(3.0)
    ct = (np.array([1.0, 10.0]), 2.0)
    gx, gy = f_vjp(ct)
    np.testing.assert_allclose(gx, ct[0] * y + 2.0)
    np.testing.assert_allclose(gy, ct[0] * x)


def test_vjp_single_primal_gives_one_tuple():
    out, f_vjp = s2sad.vjp(mul2, np.array([1.0, 2.0]))
    g = f_vjp(np.ones(2))
    assert isinstance(g, tuple) and len(g) == 1
    np.testing.assert_allclose(g[0], [2.0, 2.0])


def test_vjp_fn_can_be_called_many_times():
    x = np.array([1.0, 2.0])
    _, f_vjp = s2sad.vjp(mul2, x)
    np.testing.assert_allclose(f_vjp(np.ones(2))[0], [2.0, 2.0])
    np.testing.assert_allclose(f_vjp(np.array([1.0, 3.0]))[0], [2.0, 6.0])
    np.testing.assert_allclose(f_vjp(np.ones(2))[0], [2.0, 2.0])


def test_vjp_has_aux():
    out, f_vjp, aux = s2sad.vjp(with_aux, np.array([1.0, 2.0]), has_aux=True)
    assert float(out) == 5.0
    np.testing.assert_allclose(aux, [2.0, 4.0])
    np.testing.assert_allclose(f_vjp(1.0)[0], [2.0, 4.0])


def test_vjp_dict_output():
    x = np.array([1.0, 2.0])
    out, f_vjp = s2sad.vjp(dict_out, x)
    (g,) = f_vjp({"double": np.ones(2), "square": np.ones(2)})
    np.testing.assert_allclose(g, 2.0 + 2 * x)


def test_vjp_integer_primal_gets_float0():
    _, f_vjp = s2sad.vjp(scaled, np.ones(2), 3)
    gx, gs = f_vjp(1.0)
    np.testing.assert_allclose(gx, [3.0, 3.0])
    assert gs.dtype == s2sad.float0


def test_vjp_cotangent_wrong_shape():
    _, f_vjp = s2sad.vjp(mul2, np.ones(3))
    with pytest.raises(ValueError, match=r"expected .*shape \(3,\).*got shape \(2,\)"):
        f_vjp(np.ones(2))


def test_vjp_cotangent_wrong_dtype():
    _, f_vjp = s2sad.vjp(mul2, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="float32.*got float64"):
        f_vjp(np.ones(3))


def test_vjp_cotangent_wrong_tree():
    _, f_vjp = s2sad.vjp(tuple_out, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="structure.*expected.*got"):
        f_vjp(np.ones(2))


def test_vjp_rejects_a_string_primal():
    with pytest.raises(TypeError, match="str"):
        s2sad.vjp(ignores_second, np.ones(2), "label")


def test_vjp_needs_primals():
    with pytest.raises(TypeError, match="primals"):
        s2sad.vjp(sum_sq)


# --- source --------------------------------------------------------------------------

def test_source_grad():
    text = s2sad.source(weighted, argnums=1)
    assert "def dweighted_dy(" in text
    assert "import numpy as np" in text


def test_source_vjp():
    text = s2sad.source(sin_sum, mode="vjp")
    assert "_forward(x):" in text and "_backward(residuals, " in text


def test_source_vjp_function_names():
    text = s2sad.source(sin_sum, mode="vjp")
    assert "def sin_sum_forward(" in text and "def sin_sum_backward(" in text


def test_source_negative_argnums():
    assert "def dweighted_dy(" in s2sad.source(weighted, argnums=-1)


def test_source_unoptimized_differs_or_equals_but_compiles():
    text = s2sad.source(sum_sq, optimize=False)
    compile(text, "<generated>", "exec")


def test_source_unknown_mode():
    with pytest.raises(ValueError, match="unknown mode 'hvp'.*'jvp'"):
        s2sad.source(sum_sq, mode="hvp")


def test_source_unknown_option():
    with pytest.raises(TypeError, match="unknown option"):
        s2sad.source(sum_sq, verbose=2)


# --- pytree --------------------------------------------------------------------------

def test_flatten_sorted_dict_keys_and_none():
    leaves, treedef = pytree.flatten({"b": 2.0, "a": (1.0, None), "c": [3.0]})
    assert leaves == [1.0, 2.0, 3.0]
    assert treedef.num_leaves == 3
    assert pytree.unflatten(treedef, [4.0, 5.0, 6.0]) == {"a": (4.0, None), "b": 5.0,
                                                          "c": [6.0]}


def test_flatten_ordered_dict_and_namedtuple():
    tree = collections.OrderedDict([("z", 1.0), ("a", Params(2.0, 3.0))])
    leaves, treedef = pytree.flatten(tree)
    assert leaves == [1.0, 2.0, 3.0]
    rebuilt = pytree.unflatten(treedef, leaves)
    assert type(rebuilt) is collections.OrderedDict and type(rebuilt["a"]) is Params


def test_treedef_equality():
    assert pytree.tree_structure((1.0, {"a": 2.0})) == pytree.tree_structure((3, {"a": 4}))
    assert pytree.tree_structure((1.0, 2.0)) != pytree.tree_structure([1.0, 2.0])
    assert pytree.tree_structure({"a": 1.0}) != pytree.tree_structure({"b": 1.0})


def test_tree_map_multiple_trees_and_mismatch():
    assert pytree.tree_map(lambda a, b: a + b, [1.0, (2.0,)], [10.0, (20.0,)]) == [11.0, (22.0,)]
    with pytest.raises(ValueError, match="structures differ"):
        pytree.tree_map(lambda a, b: a, [1.0], (1.0,))


def test_unflatten_wrong_number_of_leaves():
    with pytest.raises(ValueError, match="expects 2 leaves"):
        pytree.unflatten(pytree.tree_structure((1, 2)), [1])


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: np.ndarray
    name: str = "layer"


s2sad.register_dataclass(Layer, data_fields=["w", "b"], meta_fields=["name"])


@dataclasses.dataclass
class Auto:
    x: float
    tag: str = dataclasses.field(default="t", metadata={"static": True})


s2sad.register_dataclass(Auto)


class Box:
    def __init__(self, items):
        self.items = items


s2sad.register_pytree_node(Box, lambda b: (b.items, len(b.items)),
                           lambda n, children: Box(list(children)))


def test_registered_dataclass():
    layer = Layer(np.ones(2), np.zeros(1), "first")
    leaves, treedef = pytree.flatten(layer)
    assert len(leaves) == 2
    rebuilt = pytree.unflatten(treedef, [np.zeros(2), np.ones(1)])
    assert isinstance(rebuilt, Layer) and rebuilt.name == "first"
    assert pytree.tree_structure(Layer(1.0, 2.0, "a")) != pytree.tree_structure(
        Layer(1.0, 2.0, "b"))


def test_dataclass_fields_inferred_from_metadata():
    leaves, treedef = pytree.flatten(Auto(1.5, "keep"))
    assert leaves == [1.5]
    assert pytree.unflatten(treedef, [2.5]) == Auto(2.5, "keep")


def test_register_dataclass_checks_fields():
    @dataclasses.dataclass
    class Two:
        a: float
        b: float
    with pytest.raises(ValueError, match="missing"):
        s2sad.register_dataclass(Two, data_fields=["a"], meta_fields=[])


def test_register_pytree_node():
    leaves, treedef = pytree.flatten(Box([1.0, (2.0, 3.0)]))
    assert leaves == [1.0, 2.0, 3.0]
    rebuilt = pytree.unflatten(treedef, [4.0, 5.0, 6.0])
    assert isinstance(rebuilt, Box) and rebuilt.items == [4.0, (5.0, 6.0)]
    with pytest.raises(ValueError, match="already registered"):
        s2sad.register_pytree_node(Box, lambda b: ((), None), lambda a, c: Box([]))


def test_subclass_of_dict_is_a_leaf():
    class MyDict(dict):
        pass
    assert pytree.tree_leaves(MyDict(a=1.0)) == [MyDict(a=1.0)]


# --- finalisation (unit) -------------------------------------------------------------

def test_finalize_none_gives_zeros_like_the_primal():
    primal = {"a": np.ones(3, np.float32), "b": 2.0, "c": (np.ones(2),), "n": None}
    g = finalize_grads(None, primal, Owner((primal,)))
    assert g["a"].dtype == np.float32 and np.all(g["a"] == 0)
    assert g["b"] == 0.0 and type(g["b"]) is float
    assert g["n"] is None


def test_finalize_broadcast_view_becomes_an_owned_array():
    primal = np.ones(3, np.float32)
    view = np.broadcast_to(np.float64(1.5), (3,))
    g = finalize_grads(view, primal, Owner((primal,)))
    assert g.flags.writeable and g.dtype == np.float32
    np.testing.assert_array_equal(g, [1.5, 1.5, 1.5])


def test_finalize_scalar_for_an_array_leaf_is_broadcast():
    g = finalize_grads(2.0, np.ones((2, 2)), Owner(()))
    assert g.shape == (2, 2) and np.all(g == 2.0)


def test_finalize_copies_an_alias_of_an_input():
    x = np.arange(3.0)
    g = finalize_grads(x, np.zeros(3), Owner((x,)))
    assert g is not x and not np.shares_memory(g, x)


def test_finalize_integer_leaf_gives_float0():
    g = finalize_grads(np.ones(2), np.array([1, 2]), Owner(()))
    assert g.dtype == s2sad.float0 and g.shape == (2,)


def identity_sum(x, y):
    return x + y


def test_vjp_gradient_does_not_alias_the_cotangent():
    ct = np.array([1.0, 2.0])
    _, f_vjp = s2sad.vjp(identity_sum, np.zeros(2), np.zeros(2))
    gx, gy = f_vjp(ct)
    gx[0] = 100.0
    assert ct[0] == 1.0 and gy[0] == 1.0
