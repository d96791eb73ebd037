"""Forward mode and Jacobians: ``jvp``, ``linearize``, ``jacfwd``, ``jacrev``, ``hessian``.

Responsibility: the user-facing transforms built on the generated forward-mode
function (``jvp_f(*args, dx=...)``, see :mod:`s2sad.compiler`) and the generated
split reverse sweeps (``f_forward``/``f_backward``), with JAX's parameters, return
nesting and error wording (``shared/api.md``), and the checks of
:mod:`s2sad.api` (argnums, input dtypes, outputs, has_aux).

Jacobian layout (as JAX): a leaf of the Jacobian has shape ``out.shape +
in.shape``; the output pytree is outside, the input pytree inside, and tuple
``argnums`` put a tuple between them.  ``jacrev`` runs the forward sweep once and
the batched backward sweep (:mod:`s2sad.transforms.batch`) once per chunk of
``chunk_size`` output basis vectors (all by default); ``jacfwd`` runs the batched
forward-mode function once per chunk of input basis vectors.  A sweep with no
batched form falls back to one sweep per basis vector.

``hessian`` is forward-over-reverse: forward mode over the generated gradient
(:func:`s2sad.higher.seeded_gradient`).
"""
import functools
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from . import pytree
from .api import (
    _check_argnums, _check_callable, _check_diff_inputs, _derivative, _describe, _finalize,
    _statics,
    _fun_name, _is_int, _leaf_dtype, _match_children, _Owner, _reject_grad_vars,
    _check_primal_leaves, _resolve_argnums, _scalar_positions, _where_arg, float0,
)
from .errors import InternalError
from .higher import seeded_gradient, tangent_params
from .rules import generation as _rules_generation

__all__ = ["jvp", "linearize", "jacfwd", "jacrev", "hessian"]

ArgNums = Union[int, Sequence[int]]


# --- small helpers -------------------------------------------------------------------

def _check_chunk_size(chunk_size, api_name):
    if chunk_size is None:
        return None
    if not _is_int(chunk_size):
        raise TypeError("%s: chunk_size must be a positive int or None, got %r (of type %s)"
                        % (api_name, chunk_size, type(chunk_size).__name__))
    if chunk_size < 1:
        raise ValueError("%s: chunk_size must be a positive int (the number of basis vectors "
                         "per group), got %d." % (api_name, chunk_size))
    return int(chunk_size)


def _chunks(n, chunk_size):
    """``range(n)`` cut into groups of at most ``chunk_size`` (one group if None)."""
    step = n if chunk_size is None else chunk_size
    return [range(start, min(n, start + step)) for start in range(0, n, max(step, 1))]


def _check_argnums_none(argnums, api_name):
    if argnums is None:
        raise TypeError("%s: argnums=None selects no argument; it is only meaningful with "
                        "grad_vars. Pass argnums=0 (the default) or a tuple of positions."
                        % api_name)


def _grad_leaves(g, primal):
    """The leaves of ``g`` (a gradient or tangent with the structure of ``primal``),
    one per leaf of ``primal``; ``None`` stands for zero."""
    if type(primal) is np.ndarray or not pytree.is_node(primal):
        return [g]
    node, children = pytree.node_children(primal)
    parts = [None] * len(children) if g is None else _match_children(
        g, node, len(children), primal)
    leaves = []
    for part, child in zip(parts, children):
        leaves.extend(_grad_leaves(part, child))
    return leaves


def _store(buf, index, g):
    """``buf[index] = g``; ``None`` is zero (buffers start zeroed)."""
    if g is None:
        return
    if buf.dtype.kind != "c" and np.iscomplexobj(g):
        g = np.real(g)
    buf[index] = g


def _scalar_like(value, like):
    """A 0-d result as the kind of scalar ``like`` is (Python float in, float out)."""
    if type(like) is float:
        return float(np.real(value))
    if type(like) is complex:
        return complex(value)
    if isinstance(like, np.generic):
        return value.dtype.type(value[()]) if isinstance(value, np.ndarray) else value
    return value


def _numeric_dtype(leaf):
    dtype = _leaf_dtype(leaf)
    return dtype if dtype is not None and dtype.kind in "fc" else np.dtype(np.float64)


def _check_outputs(leaves, fun, api_name, holomorphic, reverse):
    """Outputs must be numeric; jacrev needs real floats (complex with holomorphic)."""
    for leaf in leaves:
        dtype = _leaf_dtype(leaf)
        if dtype is None or dtype.kind not in "fcbiu":
            raise TypeError("%s: %s returned %s, which is not an array; s2sad computes "
                            "Jacobians of functions whose outputs are arrays, floats or "
                            "pytrees of them." % (api_name, _fun_name(fun), _describe(leaf)))
        kind = dtype.kind
        if holomorphic:
            if kind != "c":
                raise TypeError("%s with holomorphic=True requires outputs with complex "
                                "dtype, but got %s." % (api_name, dtype.name))
        elif reverse and kind == "c":
            raise TypeError("%s requires real-valued outputs (output dtype that is a "
                            "sub-dtype of np.floating), but got %s. For holomorphic "
                            "differentiation, pass holomorphic=True. For differentiation of "
                            "non-holomorphic functions involving complex outputs, use "
                            "s2sad.vjp directly." % (api_name, dtype.name))
        elif reverse and kind != "f":
            raise TypeError("%s requires real-valued outputs (output dtype that is a "
                            "sub-dtype of np.floating), but got %s. For differentiation of "
                            "functions with integer outputs, use s2sad.vjp directly."
                            % (api_name, dtype.name))


def _check_forward_inputs(fun, args, wrt, api_name, holomorphic):
    """jacfwd/hessian inputs: float (or complex) leaves; no integers, as JAX."""
    _check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int=True)
    for i in wrt:
        if type(args[i]) is np.ndarray and args[i].dtype.kind in "fc":
            continue
        for leaf in pytree.tree_leaves(args[i]):
            dtype = _leaf_dtype(leaf)
            if dtype.kind in "biu":
                raise TypeError(
                    "%s requires real-valued inputs (input dtype that is a sub-dtype of "
                    "np.floating), but got %s (%s). Convert it to a float array, or use "
                    "s2sad.jvp, which accepts integer inputs with float0 tangents."
                    % (api_name, dtype.name, _where_arg(fun, i)))


def _assemble(out_def, inner, single):
    """The Jacobian pytree: output structure outside, argnums tuple, input structure inside.

    ``inner[i][j]`` is the pytree for output leaf ``i`` and differentiated argument ``j``.
    """
    return pytree.unflatten(out_def, [row[0] if single else tuple(row) for row in inner])


def _result(jac, value, aux, has_aux, return_value):
    if return_value:
        return (jac, value, aux) if has_aux else (jac, value)
    return (jac, aux) if has_aux else jac


class _Cache:
    """The compiled derivative of one transformed function, per call signature.

    Recompiled only when the number of positional arguments, the positions holding
    Python numbers (for reverse mode) or the rule registry change.
    """

    __slots__ = ("state",)

    def __init__(self):
        self.state = (None, None, None, None)

    def get(self, fun, mode, nums, args, has_aux, api_name):
        """``(dv, wrt, batched)``, compiled again when the key or the environment the
        derivative was compiled against changed (one tuple: threads share it)."""
        scalars = _scalar_positions(args) if mode == "vjp" else ()
        wrt = _resolve_argnums(nums, len(args), fun, api_name)
        statics = _statics(args, wrt)
        key = (len(args), scalars, statics, _rules_generation())
        state = self.state
        if key != state[0] or not state[1].env.check():
            dv = _derivative(fun, mode, wrt, has_aux, scalars=scalars, statics=statics)
            state = self.state = (key, dv, wrt, _batched(dv))
        return state[1:]


def _batched(dv):
    """The batched sweep of ``dv`` (:mod:`s2sad.transforms.batch`), or None: then
    Jacobians fall back to one sweep per basis vector."""
    from .transforms.batch import batched
    return batched(dv)


def _basis_block(leaves, start, stop):
    """One-hot seeds for the global basis vectors ``start:stop`` over ``leaves``.

    Returns, per leaf, a batched array of shape ``(stop - start,) + leaf.shape`` and
    the ``(lo, hi, offset)`` range of the leaf's own elements it covers.
    """
    seeds, spans, offset = [], [], 0
    c = stop - start
    for leaf in leaves:
        m = int(np.size(leaf))
        seed = np.zeros((c,) + np.shape(leaf), _numeric_dtype(leaf))
        lo, hi = max(start, offset), min(stop, offset + m)
        if lo < hi:
            seed.reshape(c, m)[np.arange(lo - start, hi - start), np.arange(lo - offset,
                                                                          hi - offset)] = 1
        seeds.append(seed)
        spans.append((lo - offset, hi - offset, lo - start, hi - start))
        offset += m
    return seeds, spans


def _batched_leaf(value, c, like, api_name):
    """A leaf of a batched sweep's result, checked to have shape ``(c,) + like.shape``."""
    if value is None:
        return None
    value = np.asarray(value)
    want = (c,) + np.shape(like)
    if value.shape != want:
        raise InternalError("%s: the batched sweep returned shape %s where %s was expected; "
                            "please report this bug with the function differentiated"
                            % (api_name, value.shape, want))
    return value


def _mark(wrapper, original, fun, api_name, **info):
    """Give ``wrapper`` the metadata of ``original`` (what the user passed) and record
    the transform of plain function ``fun`` for higher-order differentiation."""
    functools.update_wrapper(wrapper, original)
    wrapper.__dict__.pop("__s2sad_shim__", None)  # copied from an s2sad wrapper: not ours
    # The core unwraps ``__wrapped__`` to reach decorated user code; a derivative must
    # never be mistaken for the function it differentiates.
    del wrapper.__wrapped__
    wrapper.__s2sad_transform__ = dict(api=api_name, fun=fun, create_graph=True, **info)
    return wrapper


# --- jvp and linearize ---------------------------------------------------------------

def _check_tangent_leaf(p, t, where):
    pd, td = _leaf_dtype(p), _leaf_dtype(t)
    if pd.kind in "biu":
        if td != float0:
            raise TypeError(
                "primal and tangent arguments to s2sad.jvp do not match; dtypes must be "
                "equal, or in case of int/bool primal dtype the tangent dtype must be "
                "float0. Got primal dtype %s and so expected tangent dtype float0, but got "
                "tangent %s instead (%s). Pass np.zeros(shape, s2sad.float0)."
                % (pd.name, _describe(t) if td is None else "dtype " + td.name, where))
    elif td is None or td.kind not in "fc" or (pd.kind == "f" and td.kind == "c"):
        raise TypeError(
            "primal and tangent arguments to s2sad.jvp do not match; dtypes must be equal. "
            "Got primal dtype %s and so expected tangent dtype %s, but got tangent %s "
            "instead (%s)." % (pd.name, pd.name,
                               _describe(t) if td is None else "dtype " + td.name, where))
    elif (td != pd and type(t) not in (float, complex) and type(p) not in (float, complex)):
        raise TypeError(
            "primal and tangent arguments to s2sad.jvp do not match; dtypes must be equal. "
            "Got primal dtype %s and so expected tangent dtype %s, but got tangent dtype "
            "%s instead (%s)." % (pd.name, pd.name, td.name, where))
    if np.shape(p) != np.shape(t):
        raise ValueError("jvp called with different primal and tangent shapes; got primal "
                         "shape %s and tangent shape %s (%s)."
                         % (np.shape(p), np.shape(t), where))


def _check_jvp_args(fun, primals, tangents, api_name):
    """Validate primals and tangents; return the positions with float leaves and the
    tangent trees to pass (integer leaves replaced by zeros)."""
    wrt, passed = [], []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        p_leaves, p_def = pytree.flatten(p)
        _check_primal_leaves(fun, i, p_leaves, api_name)
        t_leaves, t_def = pytree.flatten(t)
        if t_def != p_def:
            raise TypeError("primal and tangent arguments to s2sad.%s must have the same "
                            "tree structure; primal %d has tree structure %s whereas its "
                            "tangent has tree structure %s." % (api_name, i, p_def, t_def))
        where = ("" if p_def.is_leaf else "a leaf of ") + _where_arg(fun, i)
        floats = False
        for pl, tl in zip(p_leaves, t_leaves):
            _check_tangent_leaf(pl, tl, where)
            floats = floats or _leaf_dtype(pl).kind in "fc"
        if floats:
            wrt.append(i)
            if len(p_leaves) != len([x for x in p_leaves if _leaf_dtype(x).kind in "fc"]):
                t_leaves = [tl if _leaf_dtype(pl).kind in "fc" else
                            (0.0 if not isinstance(pl, np.ndarray) else np.zeros(pl.shape))
                            for pl, tl in zip(p_leaves, t_leaves)]
                t = pytree.unflatten(t_def, t_leaves)
            passed.append(t)
    return tuple(wrt), passed


def _check_sequences(primals, tangents, api_name):
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("primal and tangent arguments to s2sad.%s must be tuples or lists; "
                        "found %s and %s." % (api_name, type(primals).__name__,
                                              type(tangents).__name__))
    if len(primals) != len(tangents):
        raise TypeError("primal and tangent arguments to s2sad.%s must have the same tree "
                        "structure; got %d primals and %d tangents."
                        % (api_name, len(primals), len(tangents)))


def _check_pair(result, fun, api_name):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("%s: %s with has_aux=True must return a (output, aux) pair, got %s"
                        % (api_name, _fun_name(fun), _describe(result)))
    return result


def _run_jvp(fun, primals, tangents, has_aux, api_name):
    """One forward-mode sweep: ``(out, t_out, aux)`` with ``t_out`` finalised."""
    wrt, passed = _check_jvp_args(fun, primals, tangents, api_name)
    if not wrt:  # nothing to differentiate: every tangent is zero
        result, t_out = fun(*primals), None
        if has_aux:
            result = _check_pair(result, fun, api_name)
    else:
        dv = _derivative(fun, "jvp", wrt, has_aux)
        names = tangent_params(dv)
        result, t_out = dv.function(*primals, **dict(zip(names, passed)))
    out, aux = result if has_aux else (result, None)
    out_leaves = pytree.tree_leaves(out)
    _check_outputs(out_leaves, fun, api_name, False, False)
    return out, _finalize(t_out, out, _Owner((primals, tangents))), aux


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], *,
        has_aux: bool = False, create_graph: bool = True) -> Tuple[Any, ...]:
    """Jacobian-vector product: evaluate ``fun`` and its directional derivative.

    Runs the generated forward-mode function (tangents interleaved with the primal
    statements) once.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      primals: a tuple or list with one value per positional argument of ``fun``.
      tangents: a tuple or list with the structure, shapes and dtypes of ``primals``.
        The tangent of an integer or boolean primal must have dtype
        :data:`s2sad.float0` (as JAX); it carries no derivative.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is returned, not
        differentiated.
      create_graph: accepted for symmetry with :func:`s2sad.grad`; the results are
        values, so it changes nothing.

    Returns:
      ``(out, t_out)``, or ``(out, t_out, aux)`` with ``has_aux``. ``t_out`` has the
      structure of ``out``; its leaves have the output's dtypes (:data:`s2sad.float0`
      for integer outputs) and are zero where the output does not depend on the
      inputs.

    Raises:
      TypeError: primals or tangents that are not tuples/lists or differ in tree
        structure or dtype; a primal that is not numeric; a has_aux function that does
        not return a pair.
      ValueError: a tangent whose shape differs from its primal's (both are named).

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.sin(x) * 2.0
      >>> out, t_out = s2sad.jvp(f, (np.array([0.0, 1.0]),), (np.array([1.0, 0.0]),))
      >>> t_out
      array([2., 0.])
    """
    fun = _check_callable(fun, "jvp")
    _check_sequences(primals, tangents, "jvp")
    out, t_out, aux = _run_jvp(fun, tuple(primals), tuple(tangents), has_aux, "jvp")
    return (out, t_out, aux) if has_aux else (out, t_out)


def linearize(fun: Callable, *primals: Any, has_aux: bool = False) -> Tuple[Any, ...]:
    """Evaluate ``fun`` and return its linearization ``f_jvp`` at ``primals``.

    The primal computation runs once, in the generated ``{f}_linearize`` function,
    which saves the values the tangent computation reads (named values, and a tape
    for values overwritten in loops and branches); each ``f_jvp(*tangents)`` runs only
    the generated ``{f}_tangent`` function on them (``s2sad.source(f, "linearize")``
    prints both). The primals are copied first, so mutating them (or ``out``) later
    does not change ``f_jvp``.

    Args:
      fun: a Python function with readable source.
      *primals: the point; every positional argument is linearized.
      has_aux: ``fun`` returns ``(output, aux)``.

    Returns:
      ``(out, f_jvp)``, or ``(out, f_jvp, aux)`` with ``has_aux``. ``f_jvp`` takes one
      tangent per primal (same structure, shapes and dtypes, checked as in
      :func:`jvp`) and returns the output tangent; it may be called any number of
      times.

    Raises:
      TypeError: no primals, a primal that is not numeric, a has_aux function that
        does not return a pair; from ``f_jvp``, tangents that differ from the primals
        in number, tree structure or dtype.
      ValueError: from ``f_jvp``, a tangent whose shape differs from its primal's.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, y):
      ...     return x * y
      >>> out, f_jvp = s2sad.linearize(f, 2.0, 3.0)
      >>> out, f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
      (6.0, 3.0, 2.0)
    """
    fun = _check_callable(fun, "linearize")
    if not primals:
        raise TypeError("linearize: no primals given; pass the point to linearize at, as "
                        "in s2sad.linearize(f, x, y).")
    primals = tuple(pytree.tree_map(_private_copy, p) for p in primals)
    zeros = tuple(pytree.tree_map(_zero_tangent, p) for p in primals)
    wrt, _ = _check_jvp_args(fun, primals, zeros, "linearize")
    if wrt:
        dv = _derivative(fun, "linearize", wrt, has_aux)
        tangent_fn, names = dv.tangent, tangent_params(dv)
        result, residuals = dv.forward(*primals)
    else:  # nothing to differentiate: every output tangent is zero
        result = fun(*primals)
    if has_aux:
        result = _check_pair(result, fun, "linearize")
    out, aux = result if has_aux else (result, None)
    _check_outputs(pytree.tree_leaves(out), fun, "linearize", False, False)
    out = pytree.tree_map(_private_copy, out)  # the residuals may hold out's arrays
    aux = pytree.tree_map(_private_copy, aux) if has_aux else None

    def f_jvp(*tangents):
        _check_sequences(primals, tangents, "linearize")
        _, passed = _check_jvp_args(fun, primals, tangents, "linearize")
        t_out = tangent_fn(residuals, **dict(zip(names, passed))) if wrt else None
        return _finalize(t_out, out, _Owner((primals, tangents)))

    f_jvp.__name__ = f_jvp.__qualname__ = "jvp_" + _fun_name(fun)
    f_jvp.__s2sad_transform__ = {"api": "linearize", "fun": fun, "argnums": None,
                                 "has_aux": has_aux, "create_graph": True}
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


def _private_copy(leaf):
    """A copy of an array leaf (the caller may mutate theirs later); others as they are."""
    return leaf.copy() if isinstance(leaf, np.ndarray) else leaf


def _zero_tangent(leaf):
    dtype = _leaf_dtype(leaf)
    if dtype is None:
        return leaf  # rejected with a clear message by the checks
    if dtype.kind in "biu":
        return np.zeros(np.shape(leaf), float0)
    if type(leaf) in (float, complex):
        return type(leaf)(0)
    if isinstance(leaf, np.generic):
        return dtype.type(0)
    return np.zeros(np.shape(leaf), dtype)


def _basis(leaf):
    """``(zero, one_hot(k))`` for ``leaf``: its zero, and the basis vector with a one at
    flat index ``k`` (Python and NumPy scalars as such, arrays in one reused buffer)."""
    dtype = _leaf_dtype(leaf)
    if type(leaf) in (float, complex):
        return type(leaf)(0), lambda k: type(leaf)(1)
    if isinstance(leaf, np.generic):
        return dtype.type(0), lambda k: dtype.type(1)
    buf = np.zeros(np.shape(leaf), dtype)
    flat = buf.reshape(-1)
    last = [0]

    def one_hot(k):
        flat[last[0]] = 0
        flat[k] = 1
        last[0] = k
        return buf
    return np.zeros(np.shape(leaf), dtype), one_hot


# --- jacrev --------------------------------------------------------------------------

def _finish_rev(buf, out_leaf, in_leaf):
    out_shape, in_shape = np.shape(out_leaf), np.shape(in_leaf)
    if out_shape == ():
        value = buf[0]
        return _scalar_like(np.asarray(value), in_leaf) if in_shape == () else value
    return buf.reshape(out_shape + in_shape)


def _jacrev_call(dv, wrt, args, kwargs, fun, has_aux, holomorphic, chunk_size, api_name,
                 bdv=None):
    """The Jacobian by reverse mode: with a batched backward sweep ``bdv``, one sweep
    per chunk of output basis vectors, else one per basis vector."""
    out, residuals = dv.forward(*args, **kwargs)
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_def = pytree.flatten(out)
    _check_outputs(out_leaves, fun, api_name, holomorphic, True)
    in_leaves = [pytree.tree_leaves(args[i]) for i in wrt]
    in_defs = [pytree.tree_structure(args[i]) for i in wrt]
    if bdv is not None:
        return _jacrev_batched(bdv, residuals, out, out_leaves, out_def, aux, wrt, args,
                               in_leaves, in_defs, chunk_size, api_name)
    cts = []
    hots = []
    for leaf in out_leaves:
        zero, one_hot = _basis(leaf)
        cts.append(zero)
        hots.append(one_hot)
    inner = []
    for i, out_leaf in enumerate(out_leaves):
        m = int(np.size(out_leaf))
        bufs = [[None if _leaf_dtype(x).kind in "biu" else
                 np.zeros((m,) + np.shape(x), _numeric_dtype(x)) for x in leaves]
                for leaves in in_leaves]
        zero = cts[i]
        for group in _chunks(m, chunk_size):
            for k in group:  # one backward sweep per basis vector (rules not batched yet)
                cts[i] = hots[i](k)
                grads = dv.backward(residuals, pytree.unflatten(out_def, cts))
                for j, (g, pos) in enumerate(zip(grads, wrt)):
                    for buf, gl in zip(bufs[j], _grad_leaves(g, args[pos])):
                        if buf is not None:
                            _store(buf, k, gl)
        cts[i] = zero
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(out_leaf) + np.shape(x), float0) if buf is None
                        else _finish_rev(buf, out_leaf, x) for buf, x in zip(bufs[j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return out_def, inner, out, aux


def _jacrev_batched(bdv, residuals, out, out_leaves, out_def, aux, wrt, args, in_leaves,
                    in_defs, chunk_size, api_name):
    """Batched backward sweeps over chunks of the output basis (all output leaves)."""
    sizes = [int(np.size(o)) for o in out_leaves]
    bufs = [[[None if _leaf_dtype(x).kind in "biu" else
              np.zeros((m,) + np.shape(x), _numeric_dtype(x)) for x in leaves]
             for leaves in in_leaves] for m in sizes]
    for group in _chunks(sum(sizes), chunk_size):
        if not len(group):
            continue
        c = len(group)
        seeds, spans = _basis_block(out_leaves, group.start, group.stop)
        grads = bdv.backward(residuals, pytree.unflatten(out_def, seeds))
        for j, (g, pos) in enumerate(zip(grads, wrt)):
            for n, gl in enumerate(_grad_leaves(g, args[pos])):
                gl = _batched_leaf(gl, c, in_leaves[j][n], api_name)
                for i, (lo, hi, a, b) in enumerate(spans):
                    if lo < hi and bufs[i][j][n] is not None:
                        _store(bufs[i][j][n], slice(lo, hi), None if gl is None else gl[a:b])
    inner = []
    for i, out_leaf in enumerate(out_leaves):
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(out_leaf) + np.shape(x), float0) if buf is None
                        else _finish_rev(buf, out_leaf, x)
                        for buf, x in zip(bufs[i][j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return out_def, inner, out, aux


def jacrev(fun: Callable, argnums: ArgNums = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False, *,
           chunk_size: Optional[int] = None, grad_vars: Any = None,
           return_value: bool = False) -> Callable:
    """Jacobian of ``fun`` by reverse mode: one forward sweep, one batched backward sweep.

    The generated forward sweep runs once; the batched backward sweep then runs once
    on all one-hot cotangents (a leading batch axis on every adjoint), or once per
    ``chunk_size`` of them.  A sweep using something with no batched form (see the
    README) runs once per output element instead; the results are the same.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        float arrays.
      argnums: position(s) of the differentiated positional arguments, as in
        :func:`s2sad.grad` (int, tuple or list; negative values count from the end).
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` may be any Python object.
      holomorphic: ``fun`` is holomorphic; inputs and outputs must be complex.
      allow_int: allow integer or boolean differentiated inputs; their Jacobian
        blocks are zeros of dtype :data:`s2sad.float0`.
      chunk_size: ``None`` or a positive int: the number of basis vectors per
        batched sweep (bounds memory; the results do not depend on it).
      grad_vars: not available yet (raises ``ValueError`` when given).
      return_value: also return the function's output: ``(jac, value)``, or
        ``(jac, value, aux)`` with ``has_aux``.

    Returns:
      A function with the signature of ``fun`` returning the Jacobian: a leaf has
      shape ``out.shape + in.shape`` and the dtype of the input; the output pytree is
      outside, the input pytree inside, and tuple ``argnums`` give a tuple between
      them. ``(jac, aux)`` with ``has_aux``.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs (see
        ``allow_int``), complex or integer outputs (see ``holomorphic``), invalid
        ``argnums`` or ``chunk_size``, a has_aux function that does not return a pair.
      ValueError: empty, duplicated or out-of-range ``argnums``, ``chunk_size < 1``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return np.array([x[0] * x[1], np.sin(x[1])])
      >>> s2sad.jacrev(f)(np.array([2.0, 0.0]))
      array([[0., 2.],
             [0., 1.]])
    """
    return _jacobian_transform(fun, argnums, has_aux, holomorphic, allow_int, chunk_size,
                               grad_vars, return_value, "jacrev")


# --- jacfwd --------------------------------------------------------------------------

def _finish_fwd(buf, out_leaf, in_leaf):
    out_shape, in_shape = np.shape(out_leaf), np.shape(in_leaf)
    if in_shape == ():
        value = buf[..., 0]
        return _scalar_like(value, out_leaf) if out_shape == () else value
    return buf.reshape(out_shape + in_shape)


class _NotScalar(Exception):
    """The first sweep of :func:`hessian`'s scalar path found a non-scalar output."""


def _jacfwd_call(dv, wrt, args, kwargs, fun, has_aux, holomorphic, chunk_size, api_name,
                 out_like=None, first=None, bdv=None):
    """The Jacobian by forward mode: with a batched forward-mode function ``bdv``, one
    sweep per chunk of input basis vectors (all differentiated leaves together), else
    one sweep per basis vector.

    ``out_like(out)`` gives the tree whose structure and dtypes the output tangent
    is paired with (default: the output itself); ``first(out, aux)`` runs after the
    first sweep (it may raise).
    """
    names = tangent_params(dv)
    in_leaves = [pytree.tree_leaves(args[i]) for i in wrt]
    in_defs = [pytree.tree_structure(args[i]) for i in wrt]
    zeros, hots = [], []
    for leaves in in_leaves:
        pairs = [_basis(x) for x in leaves]
        zeros.append([p[0] for p in pairs])
        hots.append([p[1] for p in pairs])
    tangents = [list(z) for z in zeros]
    state = {}

    def sweep(function=dv.function):
        trees = {name: pytree.unflatten(in_defs[j], tangents[j])
                 for j, name in enumerate(names)}
        result, t_out = function(*args, **kwargs, **trees)
        if not state:
            out, aux = result if has_aux else (result, None)
            if first is not None:
                first(out, aux)
            like = out if out_like is None else out_like(out)
            like_leaves, like_def = pytree.flatten(like)
            _check_outputs(like_leaves, fun, api_name, holomorphic, False)
            state.update(out=out, aux=aux, like=like, leaves=like_leaves, treedef=like_def)
            state["bufs"] = [[[None if _leaf_dtype(o).kind in "biu" else
                               np.zeros(np.shape(o) + (int(np.size(x)),), _numeric_dtype(o))
                               for x in leaves] for leaves in in_leaves]
                             for o in like_leaves]
        return _grad_leaves(t_out, state["like"])

    flat = [x for leaves in in_leaves for x in leaves]
    groups = _chunks(sum(int(np.size(x)) for x in flat), chunk_size) if bdv is not None else []
    for group in groups:
        if not len(group):
            continue
        c = len(group)
        seeds, spans = _basis_block(flat, group.start, group.stop)
        it = iter(seeds)
        for j, leaves in enumerate(in_leaves):
            tangents[j] = [next(it) for _ in leaves]
        t_leaves = sweep(bdv.function)
        it = iter(spans)
        for j, leaves in enumerate(in_leaves):
            for n, x in enumerate(leaves):
                lo, hi, a, b = next(it)
                if lo >= hi:
                    continue
                for i, tl in enumerate(t_leaves):
                    buf = state["bufs"][i][j][n]
                    if buf is None or tl is None:
                        continue
                    tl = _batched_leaf(tl, c, state["leaves"][i], api_name)
                    _store(buf, (Ellipsis, slice(lo, hi)), np.moveaxis(tl[a:b], 0, -1))
    if bdv is not None:
        tangents = [list(z) for z in zeros]
    for j, leaves in enumerate(in_leaves if bdv is None else ()):
        for n, x in enumerate(leaves):
            for group in _chunks(int(np.size(x)), chunk_size):
                for k in group:  # one forward sweep per basis vector
                    tangents[j][n] = hots[j][n](k)
                    t_leaves = sweep()
                    for i, tl in enumerate(t_leaves):
                        buf = state["bufs"][i][j][n]
                        if buf is not None:
                            _store(buf, (Ellipsis, k), tl)
            tangents[j][n] = zeros[j][n]
    if not state:  # no input elements at all: one sweep for the output
        sweep()
    inner = []
    for i, o in enumerate(state["leaves"]):
        row = []
        for j, leaves in enumerate(in_leaves):
            finished = [np.zeros(np.shape(o) + np.shape(x), float0) if buf is None
                        else _finish_fwd(buf, o, x)
                        for buf, x in zip(state["bufs"][i][j], leaves)]
            row.append(pytree.unflatten(in_defs[j], finished))
        inner.append(row)
    return state["treedef"], inner, state["out"], state["aux"]


def jacfwd(fun: Callable, argnums: ArgNums = 0, has_aux: bool = False,
           holomorphic: bool = False, *, chunk_size: Optional[int] = None,
           grad_vars: Any = None, return_value: bool = False) -> Callable:
    """Jacobian of ``fun`` by forward mode: one batched forward-mode sweep.

    Runs the batched forward-mode function once on all one-hot tangents of all
    differentiated leaves (a leading batch axis on every tangent), or once per
    ``chunk_size`` of them; the primal computation runs once per sweep.  A function
    with no batched form runs once per input element instead.

    Args:
      fun: a Python function with readable source; its output may be any pytree of
        arrays.
      argnums: position(s) of the differentiated positional arguments, as in
        :func:`s2sad.grad`.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` may be any Python object
        (JAX requires arrays; s2sad does not).
      holomorphic: ``fun`` is holomorphic; inputs and outputs must be complex.
      chunk_size: ``None`` or a positive int: the number of basis vectors per
        batched sweep (bounds memory; the results do not depend on it).
      grad_vars: not available yet (raises ``ValueError`` when given).
      return_value: also return the function's output: ``(jac, value)``, or
        ``(jac, value, aux)`` with ``has_aux``.

    Returns:
      A function returning the Jacobian, laid out as in :func:`jacrev`; leaves have
      the dtype of the output.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs, non-complex
        values with ``holomorphic``, invalid ``argnums`` or ``chunk_size``, a has_aux
        function that does not return a pair.
      ValueError: empty, duplicated or out-of-range ``argnums``, ``chunk_size < 1``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x, y):
      ...     return x * y
      >>> jx, jy = s2sad.jacfwd(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
      >>> jx
      array([[3., 0.],
             [0., 4.]])
    """
    return _jacobian_transform(fun, argnums, has_aux, holomorphic, False, chunk_size,
                               grad_vars, return_value, "jacfwd")


def _jacobian_transform(fun, argnums, has_aux, holomorphic, allow_int, chunk_size, grad_vars,
                        return_value, api_name):
    original = fun
    fun = _check_callable(fun, api_name)
    _reject_grad_vars(grad_vars, api_name)
    _check_argnums_none(argnums, api_name)
    nums, single = _check_argnums(argnums, api_name)
    chunk_size = _check_chunk_size(chunk_size, api_name)
    reverse = api_name == "jacrev"
    cache = _Cache()

    def wrapper(*args, **kwargs):
        dv, wrt, bdv = cache.get(fun, "vjp" if reverse else "jvp", nums, args, has_aux,
                                 api_name)
        if reverse:
            _check_diff_inputs(fun, args, wrt, api_name, holomorphic, allow_int)
            out_def, inner, out, aux = _jacrev_call(dv, wrt, args, kwargs, fun, has_aux,
                                                    holomorphic, chunk_size, api_name, bdv)
        else:
            _check_forward_inputs(fun, args, wrt, api_name, holomorphic)
            out_def, inner, out, aux = _jacfwd_call(dv, wrt, args, kwargs, fun, has_aux,
                                                    holomorphic, chunk_size, api_name,
                                                    bdv=bdv)
        return _result(_assemble(out_def, inner, single), out, aux, has_aux, return_value)

    return _mark(wrapper, original, fun, api_name, argnums=argnums,
                 has_aux=has_aux, holomorphic=holomorphic, return_value=return_value,
                 grad_vars=grad_vars)


# --- hessian -------------------------------------------------------------------------

def hessian(fun: Callable, argnums: ArgNums = 0, has_aux: bool = False,
            holomorphic: bool = False, *, grad_vars: Any = None,
            return_value: bool = False) -> Callable:
    """Hessian of ``fun`` by forward-over-reverse: ``jacfwd`` of the generated gradient.

    The generated gradient (reverse mode, joint sweep) is differentiated again in
    forward mode, with one batched sweep for all input elements where it can be. For a
    function with an array output, the gradient is seeded with each output basis vector
    in turn, so the Hessian has
    shape ``out.shape + in.shape + in.shape``.

    Args:
      fun: a Python function with readable source returning a float array (usually
        a scalar).
      argnums: position(s) of the differentiated positional arguments. A tuple gives
        the nested blocks ``((H00, H01), (H10, H11))``.
      has_aux: ``fun`` returns ``(output, aux)``; ``aux`` is returned, not
        differentiated.
      holomorphic: ``fun`` is holomorphic; inputs and output must be complex.
      grad_vars: not available yet (raises ``ValueError`` when given).
      return_value: also return the function's output: ``(H, value)``, or
        ``(H, value, aux)`` with ``has_aux``.

    Returns:
      A function returning the Hessian; leaves have the dtype of the input.

    Raises:
      TypeError: integer, boolean or non-numeric differentiated inputs, complex
        outputs without ``holomorphic``, a tuple output, invalid ``argnums``.
      ValueError: empty, duplicated or out-of-range ``argnums``.

    Example:
      >>> import numpy as np
      >>> import s2sad
      >>> def f(x):
      ...     return x[0] ** 2 * x[1] + x[1] ** 3
      >>> s2sad.hessian(f)(np.array([1.0, 2.0]))
      array([[ 4.,  2.],
             [ 2., 12.]])
    """
    original = fun
    fun = _check_callable(fun, "hessian")
    _reject_grad_vars(grad_vars, "hessian")
    _check_argnums_none(argnums, "hessian")
    nums, single = _check_argnums(argnums, "hessian")
    state = {"compiled": (None, None)}

    def compile_for(args):
        """``(dv, wrt, seed, batched)``; one tuple, replaced whole (threads share it)."""
        wrt = _resolve_argnums(nums, len(args), fun, "hessian")
        statics = _statics(args, wrt)
        key = (len(args), statics, _rules_generation())
        found_key, found = state["compiled"]
        if found_key == key and found[0].env.check():
            return found
        try:
            inner, seed = seeded_gradient(fun, wrt, has_aux, statics)
        except TypeError as error:
            if "Gradient only defined for scalar-output" not in str(error):
                raise
            raise TypeError(
                "hessian: %s returns a tuple; hessian supports functions with one "
                "array output. Take the Hessian of each output separately, or pass "
                "has_aux=True if the extra values are auxiliary data."
                % _fun_name(fun)) from None
        dv = _derivative(inner, "jvp", wrt, True)
        found = (dv, wrt, seed, _batched(dv))
        state["compiled"] = (key, found)
        return found

    def value_of(vaux):
        return vaux[0] if has_aux else vaux

    def check_value(value, scalar_required):
        _check_outputs([value], fun, "hessian", holomorphic, True)
        if pytree.is_node(value):
            raise TypeError("hessian: %s returned %s; hessian supports functions with one "
                            "array output." % (_fun_name(fun), _describe(value)))
        if scalar_required and np.ndim(value) != 0:
            raise _NotScalar(value)

    def wrapper(*args, **kwargs):
        dv, wrt, seed, bdv = compile_for(args)
        _check_forward_inputs(fun, args, wrt, "hessian", holomorphic)

        def like(g):  # the gradient has the structure and dtypes of the inputs
            return args[wrt[0]] if len(wrt) == 1 else tuple(args[i] for i in wrt)

        def run(seed_value, scalar_required):
            kw = dict(kwargs)
            kw[seed] = seed_value
            return _jacfwd_call(dv, wrt, args, kw, fun, True, holomorphic, None, "hessian",
                                out_like=like, first=lambda g, vaux: check_value(
                                    value_of(vaux), scalar_required),
                                bdv=bdv)

        try:
            g_def, inner, _, vaux = run(1.0, True)
            hess = _assemble(g_def, inner, single)
        except _NotScalar as not_scalar:
            hess, vaux = _seeded_hessians(run, not_scalar.args[0], single)
        if not single and len(wrt) == 1:  # argnums=(i,): the generated gradient is not a tuple
            hess = (hess,)
        value = value_of(vaux)
        return _result(hess, value, vaux[1] if has_aux else None, has_aux, return_value)

    return _mark(wrapper, original, fun, "hessian", argnums=argnums,
                 has_aux=has_aux, holomorphic=holomorphic, return_value=return_value,
                 grad_vars=grad_vars)


def _seeded_hessians(run, value, single):
    """Hessian of an array-output function: one seeded Hessian per output element,
    stacked so that leaves have shape ``out.shape + in.shape + in.shape``."""
    seed = np.zeros(np.shape(value), _leaf_dtype(value))
    flat = seed.reshape(-1)
    blocks, treedef, vaux = [], None, None
    for k in range(flat.size):
        flat[:] = 0
        flat[k] = 1
        g_def, inner, _, vaux = run(seed, False)
        leaves, treedef = pytree.flatten(_assemble(g_def, inner, single))
        blocks.append([np.asarray(x) for x in leaves])
    if treedef is None:
        raise ValueError("hessian: the output is an empty array of shape %s; there is "
                         "nothing to differentiate." % (np.shape(value),))
    stacked = [np.stack([b[n] for b in blocks]).reshape(np.shape(value) + blocks[0][n].shape)
               for n in range(len(blocks[0]))]
    return pytree.unflatten(treedef, stacked), vaux
