"""A user's script of s2sad, type-checked by ``tests/test_typing.py``.

It calls the public API the way an application does, with NumPy annotations
(``numpy.typing.NDArray``), and must pass ``mypy --strict`` with no ``# type: ignore``.
Run as a program (``python typing_user_script.py``), it checks its results and
prints ``typing user script: ok``. It is not a test module (pytest does not collect it).
"""
import dataclasses
import functools
from typing import Any, Callable, Dict, Iterable, List, Tuple

import numpy as np
import numpy.typing as npt

import s2sad
from s2sad.testing import check_grads, numerical_grad

Array = npt.NDArray[np.float64]
Scalar = np.floating[Any]  # np.sum of a float array: float64, or floating[Any] in older NumPy

X: Array = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 2.0]])
Y: Array = np.array([0.5, -0.5])


# --- the user's model ----------------------------------------------------------------


# NumPy's annotations type some expressions as Any (which ones depends on the NumPy
# version), so intermediate values are annotated, as under ``mypy --strict`` in any project.
def predict(w: Array, x: Array) -> Array:
    z: Array = x @ w
    return np.tanh(z)


def loss(w: Array, x: Array, y: Array) -> Scalar:
    r = predict(w, x) - y
    return np.sum(r * r)


def loss_with_stats(w: Array, x: Array) -> Tuple[Scalar, Dict[str, Array]]:
    p = predict(w, x)
    return np.sum(p * p), {"prediction": p}


def model(w: Array) -> Array:
    return np.sin(w) * w


def model_with_aux(w: Array) -> Tuple[Array, str]:
    return np.sin(w) * 2.0, "aux"


def cubic(w: Array) -> Scalar:
    cube: Array = w ** 3
    return np.sum(cube)


def scaled(x: Array, k: int) -> Scalar:
    y: Array = x * k
    return np.sum(y)


@dataclasses.dataclass
class Layer:
    w: Array
    b: Array
    name: str = dataclasses.field(default="layer", metadata={"static": True})


s2sad.register_dataclass(Layer)


def layer_loss(layer: Layer, x: Array) -> Scalar:
    h = x @ layer.w + layer.b
    return np.sum(h * h)


@dataclasses.dataclass(frozen=True)
class Pair:
    """A user container, registered as a pytree node by hand."""

    a: Array
    b: Array


def flatten_pair(pair: Pair) -> Tuple[Tuple[Array, Array], None]:
    return (pair.a, pair.b), None


def unflatten_pair(aux: None, children: Iterable[Array]) -> Pair:
    a, b = children
    return Pair(a, b)


s2sad.register_pytree_node(Pair, flatten_pair, unflatten_pair)


def pair_loss(pair: Pair) -> Scalar:
    product: Array = pair.a * pair.b
    return np.sum(product)


# decorators: a bare transform and functools.partial
@s2sad.grad
def grad_cubic(w: Array) -> Scalar:
    cube: Array = w ** 3
    return np.sum(cube)


@functools.partial(s2sad.grad, argnums=1)
def grad_wrt_x(w: Array, x: Array) -> Scalar:
    z: Array = x @ w
    return np.sum(z)


def unsupported(x: Array) -> Scalar:
    with np.errstate(all="ignore"):
        y: Array = np.log(x)
    return np.sum(y)


# --- the checks ----------------------------------------------------------------------


def check_gradients(w: Array) -> None:
    g: Array = s2sad.grad(loss)(w, X, Y)
    assert g.shape == w.shape and g.dtype == np.float64
    expected: Array = numerical_grad(loss, (w, X, Y))
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)

    gw, gx = s2sad.grad(loss, argnums=(0, 1))(w, X, Y)
    np.testing.assert_allclose(gw, g)
    assert np.shape(gx) == X.shape
    (only,) = s2sad.grad(loss, argnums=[0])(w, X, Y)
    np.testing.assert_allclose(only, g)

    (value, stats), g2 = s2sad.value_and_grad(loss_with_stats, has_aux=True)(w, X)
    prediction: Array = stats["prediction"]
    np.testing.assert_allclose(value, np.sum(prediction ** 2))
    assert np.shape(g2) == w.shape

    np.testing.assert_allclose(grad_cubic(w), 3.0 * w ** 2)
    np.testing.assert_allclose(grad_wrt_x(w, X), np.broadcast_to(w, X.shape))

    g_int = s2sad.grad(scaled, argnums=(0, 1), allow_int=True)(w, 3)
    assert g_int[1].dtype == s2sad.float0


def check_vjp(w: Array) -> None:
    out, pullback = s2sad.vjp(model, w)
    (g,) = pullback(np.ones_like(out))
    jac: Array = s2sad.jacrev(model)(w)
    np.testing.assert_allclose(g, jac.sum(axis=0))

    out_aux, pullback_aux, aux = s2sad.vjp(model_with_aux, w, has_aux=True)
    assert aux == "aux"
    (g_aux,) = pullback_aux(np.ones_like(out_aux))
    np.testing.assert_allclose(g_aux, 2.0 * np.cos(w))

    for with_aux in (False, True):  # has_aux as a bool variable: either tuple length
        f: Callable[[Array], Any] = model_with_aux if with_aux else model
        result = s2sad.vjp(f, w, has_aux=with_aux)
        assert len(result) == (3 if with_aux else 2)
        (g_var,) = result[1](np.ones(w.shape))
        assert np.shape(g_var) == w.shape


def check_forward(w: Array) -> None:
    v: Array = np.array([1.0, 0.0, 0.0])
    out, t_out = s2sad.jvp(model, (w,), (v,))
    jac: Array = s2sad.jacfwd(model)(w)
    np.testing.assert_allclose(t_out, jac @ v)
    np.testing.assert_allclose(out, model(w))

    out_aux, t_aux, aux = s2sad.jvp(model_with_aux, [w], [v], has_aux=True)
    assert aux == "aux"
    np.testing.assert_allclose(t_aux, 2.0 * np.cos(w) * v)

    out_lin, f_jvp = s2sad.linearize(model, w)
    np.testing.assert_allclose(f_jvp(v), t_out)
    np.testing.assert_allclose(out_lin, out)
    _, f_jvp_aux, aux_lin = s2sad.linearize(model_with_aux, w, has_aux=True)
    assert aux_lin == "aux"
    np.testing.assert_allclose(f_jvp_aux(v), t_aux)

    np.testing.assert_allclose(s2sad.jacrev(model)(w), jac, atol=1e-12)
    jac_rev, value = s2sad.jacrev(model, return_value=True, chunk_size=2)(w)
    np.testing.assert_allclose(jac_rev, jac, atol=1e-12)
    np.testing.assert_allclose(value, out)

    hess: Array = s2sad.hessian(cubic)(w)
    np.testing.assert_allclose(hess, np.diag(6.0 * w))


def check_pytrees(w: Array) -> None:
    layer = Layer(w=w, b=np.array([0.1, -0.2]), name="dense")
    g: Layer = s2sad.grad(layer_loss)(layer, X)
    assert isinstance(g, Layer) and g.name == "dense"
    assert g.w.shape == w.shape and g.b.shape == (2,)

    pair = Pair(w, 2.0 * w)
    g_pair: Pair = s2sad.grad(pair_loss)(pair)
    assert isinstance(g_pair, Pair)
    np.testing.assert_allclose(g_pair.a, 2.0 * w)
    np.testing.assert_allclose(g_pair.b, w)

    leaves: List[Any] = s2sad.pytree.tree_leaves({"layer": layer, "pair": pair})
    assert len(leaves) == 4


def check_tools(w: Array) -> None:
    text: str = s2sad.source(loss)
    assert "def " in text
    assert "def " in s2sad.source(model, "jvp", has_aux=False)
    check_grads(loss, (w, X, Y), argnums=0)
    check_grads(model, (w,), modes="rev", seed=1)
    try:
        s2sad.grad(unsupported)(np.ones(3))
    except s2sad.UnsupportedSyntaxError as error:
        assert error.lineno is not None and "with" in str(error)
    else:
        raise AssertionError("expected s2sad.UnsupportedSyntaxError")
    try:
        s2sad.grad(model)(w)
    except s2sad.S2SADError as error:
        assert isinstance(error, TypeError) and "scalar" in str(error)
    else:
        raise AssertionError("expected a non-scalar output error")
    s2sad.clear_cache()
    version: str = s2sad.__version__
    assert version


def main() -> None:
    w: Array = np.array([0.3, -0.7, 1.1])
    check_gradients(w)
    check_vjp(w)
    check_forward(w)
    check_pytrees(w)
    check_tools(w)
    print("typing user script: ok")


if __name__ == "__main__":
    main()
