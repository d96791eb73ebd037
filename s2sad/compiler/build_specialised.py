"""The shape-specialised pipeline of a joint gradient (``s2sad.grad`` runs it).

Responsibility: given the reverse sweep :mod:`s2sad.compiler` built and the argument
signatures (:func:`s2sad.transforms.shape_inference.signature`), make the code a person
would write for those shapes: :func:`specialize` (before the tape is resolved: seed
1.0, trivial bookkeeping dropped, the value left out when provably a real number)
and :func:`lower` (after optimisation: numbers propagated, helpers lowered to NumPy,
temporaries fused, outer-product accumulations deferred, in-place accumulation for
``create_graph=False``).  Each step lives in its own module under
:mod:`s2sad.transforms`; this module strings them together.
"""
import gast
import numpy as np

from ..syntax import astwalk
from ..transforms.shape_inference import infer
from ..transforms.specialize import bind_number, propagate_numbers, specialize as drop_bookkeeping
from ..transforms.fuse import fuse, return_copies
from ..transforms.lower import accumulate_in_place, lower as lower_helpers, returns_fresh_arrays
from ..transforms.optimize import eliminate_dead, optimize as optimize_body, simplify_stmt
from ..transforms.outer import defer_outer_products

__all__ = ["describe", "lower", "plain64", "specialize"]


def read_names(node):
    return {n.id for n in astwalk.walk(node) if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Load)}


def plain64(signatures):
    """Every argument is a Python number or a float64, integer or boolean array."""
    return all(sig in (float, int, bool) or (isinstance(sig, tuple) and (
        sig[1] == np.float64 or sig[1].kind in "biu")) for sig in signatures)


def lower(ctx, params, signatures, body, final, in_place):
    """The optimised joint body of a specialised gradient with the numbers it
    holds propagated and runtime helpers lowered to NumPy (see
    :mod:`s2sad.transforms.lower`), and with ``in_place``, adjoints accumulated in
    place.  Returns ``(body, direct)``: ``direct(wrt_signatures, single)`` tells
    whether the returned gradients are new float64 arrays (the API then skips its
    copies and checks)."""
    body = optimize_body(propagate_numbers(body), ctx.imports.bound,
                         read_names(final))
    namespace = dict(ctx.namespace)
    namespace.update(ctx.imports.bound)
    shapes = infer(body, params, signatures, namespace)
    body = [simplify_stmt(s, ctx.imports.bound)
            for s in lower_helpers(body, shapes, ctx.imports)]
    body = return_copies(fuse(body, ctx.imports.bound, [final]), final)
    body = defer_outer_products(body, shapes, ctx.imports, ctx.namer.unique)
    # lowering drops reads that only fed a helper the shape (unbroadcast(g, x) reads x)
    body = eliminate_dead(body, ctx.imports.bound, read_names(final))
    if in_place:
        body = accumulate_in_place(body, shapes, namespace)

    def direct(wrt_signatures, single):
        return returns_fresh_arrays(body, final, shapes, namespace, wrt_signatures, single)
    return body, direct


def specialize(ctx, params, signatures, primal, backward, seed, value, drop_value, keep):
    """Shape specialisation of a joint reverse sweep (see
    :mod:`s2sad.transforms.specialize`): the
    seed is 1.0, and with ``drop_value`` the value is left out if it is provably a
    real number; ``keep`` are the names the function returns.  Returns
    ``(primal, backward, value_free)``."""
    backward = bind_number(backward, seed, 1.0)
    if seed in keep or seed in set().union(*(read_names(s) for s in backward)):
        # the seed is returned as it is (def f(a): return a), or indexed
        backward.insert(0, gast.Assign(targets=[gast.Name(id=seed, ctx=gast.Store(),
                                                          annotation=None, type_comment=None)],
                                       value=gast.Constant(value=1.0, kind=None),
                                       type_comment=None))
    namespace = dict(ctx.namespace)
    namespace.update(ctx.imports.bound)
    stmts = primal + backward
    shapes = infer(stmts, params, signatures, namespace)
    stmts = drop_bookkeeping(stmts, shapes, ctx.imports.bound, keep)
    value_free = drop_value and shapes.of(value)[:2] == ((), "f")
    return stmts[:len(primal)], stmts[len(primal):], value_free


def describe(params, signatures):
    """``"W (784, 128), b (128,), k float"``: what the code is specialised for."""
    parts = []
    for name, sig in zip(params, signatures):
        if isinstance(sig, tuple):
            parts.append("%s %s" % (name, sig[0]))
        elif sig is not None:
            parts.append("%s %s" % (name, sig.__name__))
    return ", ".join(parts)
