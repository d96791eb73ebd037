"""The driver: user function in, compiled derivative out, cached.

``derivative(fn, mode, wrt, has_aux, optimize)`` runs the pipeline of
design.md §1 (:mod:`~s2sad.compiler.prepare`: parse -> fence -> ANF -> activity;
then the pipeline of the mode: :mod:`~s2sad.compiler.build_reverse`,
:mod:`~s2sad.compiler.build_forward` or :mod:`~s2sad.compiler.build_linearize`;
:mod:`~s2sad.compiler.assemble`: codegen and import) and returns a
:class:`~s2sad.compiler.assemble.Derivative`.  Results are cached per function
object (weakly) and per (mode, wrt, has_aux, optimize, rule generation), so
calling ``grad(f)`` again never re-transforms.

Calling conventions of the generated code:

* ``mode="grad"`` (joint motion): ``d{f}_d{x}(*args, b{out}=1.0)`` returns
  ``(value, grads)``, or ``((value, aux), grads)`` with ``has_aux``; ``grads``
  is one value for one ``wrt`` position, else a tuple.
* ``mode="vjp"`` (split motion): ``{f}_forward(*args)`` returns
  ``(out, residuals)`` (``((out, aux), residuals)`` with ``has_aux``) and
  ``{f}_backward(residuals, b{out})`` a tuple with one gradient per ``wrt``.
"""
import functools
import inspect
import weakref

from .. import rules
from ..transforms.calls import Identity, callee, object_lists
from . import build_forward, build_linearize, build_reverse, custom
from .assemble import Derivative
from .build_batched import batched
from .cache import clear as clear_files
from .codegen import LOCK
from .context import IN_PROGRESS, progress_key
from .parsing import unwrap
from .prepare import prepare

__all__ = ["derivative", "Derivative", "stats", "clear_cache"]

MODES = ("grad", "vjp", "jvp", "linearize")
stats = {"transforms": 0}
#: attribute of a function holding its compiled derivatives: they live and die with it
#: (a weak-keyed table would keep the function alive through its own derivatives)
CACHE_ATTR = "__s2sad_derivatives__"
_CACHED = weakref.WeakSet()  # the functions holding derivatives, for clear_cache


class BoundDerivative:
    """The derivative of a bound method (or callable object): ``self`` is passed
    for the caller, and is never differentiated."""

    def __init__(self, inner, self_obj):
        self.inner, self.name, self.source, self.mode = inner, inner.name, inner.source, inner.mode
        self.env = inner.env
        self.tangent_params = getattr(inner, "tangent_params", None)
        # how the inner function returns (the value left out, gradients it owns): the
        # caller must read a bound method's results as the function's
        self.value_free = getattr(inner, "value_free", False)
        self.owned_returns = getattr(inner, "owned_returns", False)
        if inner.mode in ("grad", "jvp"):
            self.function = functools.partial(inner.function, self_obj)
        else:
            self.forward = functools.partial(inner.forward, self_obj)
            self.backward = getattr(inner, "backward", None)
            self.tangent = getattr(inner, "tangent", None)


def clear_cache(*, disk: bool = True) -> None:
    """Forget every compiled derivative and delete s2sad's generated files.

    In memory: every derivative compiled so far is dropped, so the next call of a
    transformed function compiles it again.  On disk (unless ``disk=False``): the
    generated modules in :func:`~s2sad.compiler.cache.cache_dir` are deleted, only
    s2sad's own files (``<name>__<digest>.py``, their temporary files and stale
    ``__pycache__`` entries), never anything else there.  Functions that are still
    referenced keep working: they run from memory, and their source is held in
    :mod:`linecache` for tracebacks.
    """
    with LOCK:
        for fn in list(_CACHED):
            fn.__dict__.pop(CACHE_ATTR, None)
        _CACHED.clear()
    if disk:
        clear_files()


def cached(fn):
    """The compiled derivatives of ``fn`` (key -> :class:`Derivative`), for tests."""
    return dict(getattr(fn, "__dict__", {}).get(CACHE_ATTR, {}))


def _per_function(fn):
    """``fn``'s own table of derivatives (a throw-away one if it cannot hold one)."""
    space = getattr(fn, "__dict__", None)
    if not isinstance(space, dict):
        return {}
    table = space.get(CACHE_ATTR)
    if table is None:
        table = space[CACHE_ATTR] = {}
        try:
            _CACHED.add(fn)
        except TypeError:
            pass
    return table


def derivative(fn, mode="grad", wrt=(0,), has_aux=False, optimize=True, scalars=(), ndims=(),
               signatures=None, want_value=True, in_place=False, outputs=None, statics=(),
               inline_helpers=False):
    """Compile (or fetch from the cache) the derivative of ``fn``.

    Args:
      fn: a Python function with readable source.
      mode: ``"grad"`` (joint) or ``"vjp"`` (split forward/backward).
      wrt: positions of the differentiated parameters.
      has_aux: ``fn`` returns ``(output, aux)``; only ``output`` is differentiated.
      optimize: run the clean-up passes (off shows the raw transform).
      scalars: positions of parameters the caller passes Python numbers to;
        the code is specialised for them (no broadcasting bookkeeping).
      ndims: ``(position, ndim)`` pairs of parameters the caller passes arrays to
        (``x[i]`` of a 1-d array is then known to be a number).
      signatures: for ``mode="grad"``, the :func:`~s2sad.transforms.shape_inference.signature`
        of every positional argument: the code is specialised for these shapes and
        dtypes (trivial ``unbroadcast`` calls dropped, the seed fixed to 1.0, and the
        value left out when it is provably a real number and ``want_value`` is
        false: the function then returns the gradients only, and ``value_free`` is
        set on the result).
      in_place: with ``signatures``, accumulate adjoints in place into arrays the
        code owns (``bW += ...``): faster, not differentiable again
        (``create_graph=False``).
      outputs: for ``mode="vjp"`` of a function returning a tuple, the positions
        of the outputs whose cotangent may be non-zero (the caller reads only
        those); the backward sweep of the others is not generated.  ``None``: all.
      statics: ``(position, function)`` of arguments the caller passes functions to
        (``loss(params, activation)``): the code is specialised on each function
        object, called directly where the parameter is called (as JAX retraces on a
        new static argument).
      inline_helpers: inline the calls of module-level functions that write nothing in
        place, so that the derivative is one function (``vmap(grad(f))`` batches it).
    Returns:
      a :class:`Derivative`.
    """
    if mode not in MODES:
        raise ValueError("mode must be one of %s, got %r" % (MODES, mode))
    fn = unwrap(fn)
    respecialise = getattr(fn, "__s2sad_respecialise__", None)
    if respecialise is not None:  # a stand-in written per function argument it is given
        fn = respecialise(tuple(statics))
    if custom.spec_of(fn) is not None:
        if not inspect.isfunction(fn):  # s2sad.grad(f) of a custom_vjp f: f's wrapper
            fn = custom.wrapper(fn)
        elif mode != "grad":  # a call of f inside a differentiated function
            return _custom(fn, mode, tuple(wrt), outputs, tuple(statics))
    bound = callee(fn)
    if bound is not None and bound[1] is not None:  # a bound method or callable object
        func, self_obj = bound
        shifted = tuple((i + 1 if isinstance(i, int) and i >= 0 else i, f) for i, f in statics)
        if not isinstance(self_obj, type):
            # self is specialised on (by identity), as a function argument is:
            # self.forward(x) is then a call of that method, self.W a constant (self is
            # never differentiated)
            shifted = ((0, Identity(self_obj)),) + shifted
            lists = object_lists(self_obj)  # self.layers: compiled again if it changes
            shifted += () if lists is None else (lists,)
        inner = derivative(func, mode, tuple(i + 1 if i >= 0 else i for i in wrt), has_aux,
                           optimize, tuple(i + 1 if i >= 0 else i for i in scalars),
                           tuple((i + 1 if i >= 0 else i, n) for i, n in ndims),
                           None if signatures is None else (None,) + tuple(signatures),
                           want_value, in_place, outputs, shifted, inline_helpers)
        return BoundDerivative(inner, self_obj)
    if signatures is not None and (mode != "grad" or not optimize):
        raise ValueError("signatures are only used by mode='grad' with optimize=True")
    key = (mode, tuple(wrt), bool(has_aux), bool(optimize), tuple(scalars), tuple(ndims),
           signatures, bool(want_value) or signatures is None,
           bool(in_place) and signatures is not None, outputs, tuple(statics),
           rules.generation()) + (("inline",) if inline_helpers else ())
    per_fn = _per_function(fn)
    found = per_fn.get(key)
    if found is not None and found.env.check():
        return found
    with LOCK:
        found = per_fn.get(key)  # another thread may have compiled it meanwhile
        if found is None or not found.env.check():  # a global, cell or default changed
            found = per_fn[key] = _build(fn, mode, tuple(wrt), has_aux, optimize,
                                         tuple(scalars), tuple(ndims), signatures,
                                         want_value, in_place, outputs, tuple(statics),
                                         inline_helpers)
            stats["transforms"] += 1
    return found


def _custom(fn, mode, wrt, outputs, statics):
    """The sweeps :mod:`~s2sad.compiler.custom` writes for the stand-in ``fn``, cached
    on it as the generated ones are."""
    key = ("custom", mode, wrt, outputs, statics, rules.generation())
    per_fn = _per_function(fn)
    with LOCK:
        found = per_fn.get(key)
        if found is None:
            found = per_fn[key] = custom.derivative(fn, mode, wrt, outputs, statics,
                                                    derivative)
    return found


def _build(fn, mode, wrt, has_aux, optimize, scalars=(), ndims=(), signatures=None,
           want_value=True, in_place=False, outputs=None, statics=(), inline=False):
    key = progress_key(fn, wrt, mode, statics)
    if mode in ("vjp", "jvp", "linearize"):
        IN_PROGRESS.add(key)
    try:
        prep = prepare(fn, mode, wrt, has_aux, optimize, scalars, ndims, outputs, statics,
                       derivative, inline)
        if mode == "jvp":
            return build_forward.build(prep, optimize)
        if mode == "linearize":
            return build_linearize.build(prep, optimize)
        return build_reverse.build(prep, mode, optimize, signatures, want_value, in_place)
    finally:
        IN_PROGRESS.discard(key)


def batched_derivative(fn, mode="vjp", wrt=(0,), has_aux=False, scalars=()):
    """The batched sweep of ``derivative(fn, mode, ...)`` (``mode`` ``"vjp"``: the
    backward sweep; ``"jvp"``: the forward-mode function), or ``None`` when it uses
    something that is not batch-aware (see :mod:`s2sad.compiler.build_batched`)."""
    return batched(derivative(fn, mode, wrt, has_aux, scalars=scalars))
