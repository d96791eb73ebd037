"""The table of batch-aware forms, for :mod:`s2sad.transforms.batch`.

Declarative: which runtime helpers, NumPy functions and array methods have a batched
counterpart (:data:`REWRITES`, :data:`METHODS`, in :mod:`s2sad.runtime.batched`),
which are safe with a leading batch axis as they are (:data:`SAFE_CALLS`,
:data:`ELEMENTWISE`), which only ever see primal values (:data:`PRIMAL_ONLY`), and
which have no batch-aware form (:data:`NOT_BATCH_AWARE`, :data:`UNSUPPORTED`: the
Jacobian transforms then fall back to one sweep per basis vector; README's table is
:func:`unsupported_markdown`).
"""
import numpy as np

from .. import rules, runtime
from ..errors import public_name
from ..runtime import batched as batched_module

__all__ = ["REWRITES", "SAFE_CALLS", "ELEMENTWISE", "METHODS", "PRIMAL_ONLY",
           "NOT_BATCH_AWARE", "UNSUPPORTED", "unsupported_markdown"]


_B = batched_module
#: runtime helper -> (batched counterpart, positions that hold batched values; a primal
#: value there is broadcast over the batch, except in the optional positions)
REWRITES = {
    runtime.unbroadcast: (_B.unbroadcast, (0,)),
    runtime.broadcast_like: (_B.broadcast_like, (0,)),
    runtime.unreduce: (_B.unreduce, (0,)),
    runtime.unreduce_mean: (_B.unreduce_mean, (0,)),
    runtime.unreduce_extremum: (_B.unreduce_extremum, (0,)),
    runtime.unreduce_prod: (_B.unreduce_prod, (0,)),
    runtime.unslice: (_B.unslice, (0,)),
    runtime.add_at: (_B.add_at, (0, 2)),
    runtime.added_at: (_B.added_at, (0, 2)),
    runtime.setitem: (_B.setitem, (0, 2), (2,)),
    runtime.item_at: (_B.get, (0,)),
    runtime.tie_share: (_B.tie_share, (0,)),
    runtime.matmul_adjoint_a: (_B.matmul_adjoint_a, (0,)),
    runtime.matmul_adjoint_b: (_B.matmul_adjoint_b, (0,)),
    runtime.dot_adjoint_a: (_B.dot_adjoint_a, (0,)),
    runtime.dot_adjoint_b: (_B.dot_adjoint_b, (0,)),
    np.sum: (_B.sum, (0,)),
    np.mean: (_B.mean, (0,)),
    np.reshape: (_B.reshape, (0,)),
    np.transpose: (_B.transpose, (0,)),
}
#: functions that are batch-safe as they are: structure-aware sums, elementwise casts
SAFE_CALLS = (runtime.add_grad, runtime.astype_like, runtime.real_cotangent, np.real, np.imag,
              np.conj, np.conjugate, np.negative, np.positive, np.copy, np.float64, np.float32,
              np.complex128, np.deg2rad, np.radians, np.rad2deg, np.degrees)
#: broadcasting elementwise functions: the batched operand is lifted to the others' rank
ELEMENTWISE = (np.add, np.subtract, np.multiply, np.divide, np.true_divide, np.where)
#: methods of a batched array -> batched function (None: safe as it is)
METHODS = {"sum": _B.sum, "mean": _B.mean, "reshape": _B.reshape, "transpose": _B.transpose,
           "copy": None, "astype": None, "conj": None, "conjugate": None}

#: runtime helpers that only ever read primal values (never adjoints or tangents)
PRIMAL_ONLY = (runtime.abs_sign, runtime.clip_mask, runtime.power_term, runtime.clip_where,
               runtime.fmax_wins, runtime.angle_unit, runtime.invert_axes, runtime.method_axes,
               runtime.log_base, runtime.xlogy, runtime.split_aux, runtime.zeros_like,
               runtime.prod_curvature)

#: Functions with no batch-aware form: a sweep that applies one to an adjoint or tangent
#: falls back to one sweep per basis vector.  (function, what uses it)
NOT_BATCH_AWARE = [
    (runtime.append, "`list.append` of a differentiated value"),
    (runtime.extend, "`list.extend` of differentiated values"),
    (runtime.split_list, "`xs + [...]` of lists"),
    (runtime.tail_list, "`xs + ys` of lists"),
    (runtime.as_sequence, "loops over lists, tuples or dicts of differentiated values"),
    (runtime.sequence_adjoint, "loops over lists, tuples or dicts of differentiated values"),
    (runtime.spread, "builtin `sum` of a list"),
    (runtime.restack, "`list(x)` / `tuple(x)` of an array"),
    (runtime.extremum_parts, "builtin `max` / `min`"),
    (runtime.extremum_tangent, "builtin `max` / `min`"),
    (runtime.unitem, "`x.item()`"),
    (runtime.item_of, "`x.item()`"),
    (runtime.unattr, "namedtuple and dataclass fields"),
    (runtime.unconcatenate, "`np.concatenate`"),
    (runtime.unstack, "`np.stack`"),
    (runtime.unpack_like, "`np.array` of a list"),
    (runtime.fill_zeros, "`np.concatenate` / `np.stack` (differentiated again)"),
    (np.concatenate, "`np.concatenate`"),
    (np.stack, "`np.stack`"),
    (np.array, "`np.array` / `np.asarray` of a list"),
    (np.asarray, "`np.array` / `np.asarray` of a list"),
    (np.cumsum, "`np.cumsum`"),
    (np.flip, "`np.flip`"),
    (np.roll, "`np.roll`"),
    (np.swapaxes, "`np.swapaxes`"),
    (np.moveaxis, "`np.moveaxis`"),
    (np.squeeze, "`np.squeeze`"),
    (np.expand_dims, "`np.expand_dims`"),
    (np.ravel, "`np.ravel`"),
    (np.broadcast_to, "`np.broadcast_to`"),
    (np.outer, "`np.outer`"),
    (runtime.unspread, "builtin `sum` of a list (differentiated again)"),
    (runtime.slice_list, "lists built with `+` or `append` (differentiated again)"),
    (runtime.embed_list, "lists built with `+` or `append` (differentiated again)"),
    (runtime.unrestack, "`list(x)` / `tuple(x)` of an array (differentiated again)"),
    (runtime.no_complex_curvature, "`abs` (differentiated again)"),
]

#: The rule tables' own helpers, by runtime module: none has a batch-aware form yet (a
#: sweep that applies one to an adjoint or tangent falls back).  Helpers declared
#: non-differentiable (masks, index probes, subscripts) only ever see primal values.
_AREAS = [
    (runtime.elementwise, "elementwise and complex rules (`np.clip`, `**`, ...)"),
    (runtime.reductions, "reductions and statistics (`np.median`, `np.cumprod`, `np.diff`, "
                         "`np.var`, ...)"),
    (runtime.shaping, "shape functions (`np.tile`, `np.pad`, `np.take`, `np.split`, ...)"),
    (runtime.linalg, "products (`np.einsum`, `np.tensordot`, `np.kron`, ...)"),
    (runtime.decompositions, "`np.linalg` (`solve`, `cholesky`, `eigh`, `svd`, ...)"),
    (runtime.fft, "`np.fft`"),
    (runtime.special, "`scipy.special` and `scipy.linalg`"),
    (runtime.stats, "`scipy.stats` and `scipy.integrate.odeint`"),
    (runtime.construct, "`np.r_`, `np.c_`, `np.linspace`, `np.arange`"),
    (runtime.custom, "rules you write (`s2sad.custom_vjp`)"),
]


def _classified():
    return ([f for f, _ in NOT_BATCH_AWARE] + list(REWRITES) + list(SAFE_CALLS)
            + list(ELEMENTWISE) + list(PRIMAL_ONLY))


def _is(func, funcs):
    return any(func is f for f in funcs)


def _complete_tables():
    """Classify the area helpers and the linear NumPy functions not listed by hand."""
    global PRIMAL_ONLY
    extra_primal, known = [], _classified()
    for module, use in _AREAS:
        for name in module.__all__:
            func = getattr(module, name)
            if _is(func, known):
                continue
            if rules.is_nondifferentiable(func):
                extra_primal.append(func)
            else:
                NOT_BATCH_AWARE.append((func, _AREA_USE % (use, module.__name__)))
            known.append(func)
    PRIMAL_ONLY = PRIMAL_ONLY + tuple(extra_primal)
    for key in sorted(rules.registry._LINEAR, key=repr):
        module = getattr(key, "__module__", None) or ""
        if module.startswith("numpy") and not isinstance(key, np.ufunc) and not _is(
                key, known):
            NOT_BATCH_AWARE.append((key, _LINEAR_USE))
            known.append(key)


#: the "use" of the linear NumPy functions listed by :func:`_complete_tables` (which ones
#: depends on the NumPy version: README's row names examples)
_LINEAR_USE = ("the other NumPy functions declared linear (`np.tile`, `np.split`, "
               "`np.vstack`, `np.fft.fft`, `np.trace`, ...)")

#: the "use" of an area helper: the README row names the area and its module instead of
#: every helper
_AREA_USE = "%s: the helpers in `%s`"


_complete_tables()

#: Constructs that make a sweep fall back (besides the functions above).
UNSUPPORTED = [
    ("any other function or method (`.T`, `.ravel()`, `.squeeze()`) applied to an adjoint "
     "or tangent", "only the functions in `s2sad.transforms.batch_table.REWRITES`, `SAFE_CALLS`, "
     "`ELEMENTWISE` and `METHODS` have batch-aware forms"),
    ("a product of two batched values, or `**` with a batched exponent",
     "not linear in the seed; generated sweeps never do it, user rules may"),
    ("a batched value pushed on the tape, used as a condition, loop bound, index or in "
     "`assert`", "the tape and control flow hold primal values only"),
    ("recursive user functions", "their sweeps are compiled lazily"),
    ("a user function whose own sweep falls back", "batching is all or nothing per sweep"),
]


def unsupported_markdown():
    """The :data:`UNSUPPORTED` table as Markdown (the README's Jacobians section)."""
    uses = {}
    for func, use in NOT_BATCH_AWARE:
        uses.setdefault(use, []).append("`%s`" % _qualified(func))
    rows = ["| falls back to one sweep per basis vector | because |", "|---|---|"]
    for use, funcs in uses.items():
        if use == _LINEAR_USE:
            rows.append("| %s | the function itself is applied to the tangent: no batch-aware "
                        "form |" % use)
        elif ": the helpers in `" in use:
            area, module = use.split(": the helpers in ")
            rows.append("| %s | no batch-aware form of the helpers in %s |" % (area, module))
        else:
            rows.append("| %s | no batch-aware form of %s |" % (use, ", ".join(funcs)))
    rows += ["| %s | %s |" % row for row in UNSUPPORTED]
    return "\n".join(rows)


def _qualified(func):
    name = public_name(func)
    return "np." + name[len("numpy."):] if name.startswith("numpy.") else \
        "runtime." + func.__name__ if name.startswith("s2sad.") else name
