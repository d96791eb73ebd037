"""Runtime helpers of the product rules (:mod:`s2sad.rules.linalg_rules`).

The centre is a *multilinear form* ``F(x_0, ..., x_n) = sum over every index of
prod_k x_k[spec_k]``: a full contraction whose ``spec`` is a tuple of index strings, one
per slot (indices may repeat within a slot, size-1 axes broadcast as in ``np.einsum``).
Every product is a partial derivative of such a form: ``np.einsum(s, *ops)`` is the
derivative of ``F(g, *ops)`` (slot 0 the output) with respect to ``g``, and its adjoints
are the derivatives with respect to the operands.  So

* :func:`mlin_parts` ``(spec, xs)`` - all partial derivatives ``dF/dx_k``;
* :func:`mlin_hvp` ``(spec, xs, ts)`` - the Hessian of ``F`` applied to ``ts``;

and their own derivatives are again these helpers on an *augmented* form (each slot
stacked with its direction along a new axis of length 2, and a constant selector
operand picking exactly one direction: :func:`mlin_aug`, :func:`mlin_aug_spec`,
:func:`mlin_layer`, :func:`mlin_unlayer`), so any order closes.  No conjugates: the
maps are bilinear (JAX's convention).  ``None`` in a tuple of directions is a zero.

Also here: the subscripts of the fixed products (``tensordot``, ``inner``, ``kron``,
``multi_dot``, ``matrix_power``), ``cross``'s adjoints, ``product_conj`` and
``matrix_power_base``.
"""
import string

import numpy as np

from ..errors import RuleError

__all__ = [
    "einsum_spec", "einsum_sublists", "mlin_parts", "mlin_hvp", "mlin_join", "mlin_aug",
    "mlin_aug_spec", "mlin_layer", "mlin_unlayer", "mlin_sum", "mlin_spread", "mlin_repeat",
    "product_subscripts", "multi_dot_subscripts", "kron_split", "cross_adjoint_a",
    "cross_adjoint_b", "product_conj",
    "matrix_power_spec", "matrix_power_base",
]

_LETTERS = string.ascii_letters


# --- subscripts ---

def _parse(subscripts, shapes):
    """``(inputs, output)`` index strings of einsum ``subscripts``, ellipses expanded."""
    if not isinstance(subscripts, str):
        raise RuleError("s2sad differentiates np.einsum only with a subscripts string "
                        "(not the interleaved operand/sublist form)")
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError("einsum: %d operands for subscripts %r" % (len(shapes), subscripts))
    used = set(subscripts) - set(".,->")
    free = [c for c in _LETTERS if c not in used]
    ndots = max([len(s) - len(t.replace("...", "")) for t, s in zip(ins, shapes)
                 if "..." in t] or [0])
    dots = "".join(free[:ndots])
    expanded = []
    for t, s in zip(ins, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", dots[ndots - k:])
        expanded.append(t)
    if out is None:
        counts = {}
        for t in expanded:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = dots + "".join(sorted(c for c, m in counts.items() if m == 1 and c not in dots))
    else:
        out = out.replace("...", dots)
    return expanded, out


def einsum_sublists(subscripts):
    """Raise: called when the first argument of ``np.einsum`` carries a derivative, i.e.
    it is an operand of the interleaved ``einsum(a, [0, 1], b, [1, 2])`` form."""
    raise RuleError("s2sad differentiates np.einsum only with a subscripts string "
                    "(not the interleaved operand/sublist form): write np.einsum('ij,jk', a, b)")


def einsum_spec(subscripts, operands):
    """The multilinear-form spec of ``np.einsum(subscripts, *operands)``: the output's
    indices (slot 0), then each operand's."""
    ins, out = _parse(subscripts, [np.shape(x) for x in operands])
    return (out,) + tuple(ins)


def _fresh(spec, count):
    used = set("".join(spec))
    free = [c for c in _LETTERS if c not in used]
    if len(free) < count:
        raise RuleError("s2sad: this derivative of einsum needs more than 52 index letters")
    return free[:count]


def product_subscripts(kind, a, b, param=None, wrt=0):
    """Einsum subscripts of the bilinear product ``kind`` (``'tensordot'`` with
    ``axes=param``, ``'inner'``, ``'kron'`` of the operands reshaped by
    :func:`kron_split`): ``'a,b->y'`` for ``wrt=0``, its adjoints ``'y,b->a'`` (1) and
    ``'a,y->b'`` (2)."""
    na, nb = np.ndim(a), np.ndim(b)
    la, lb = list(_LETTERS[:na]), list(_LETTERS[na:na + nb])
    if kind == "tensordot":
        axes = param
        if isinstance(axes, (int, np.integer)):
            axes = (list(range(na - axes, na)), list(range(axes)))
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        for i, j in zip(ax_a, ax_b):
            lb[j % nb] = la[i % na]
        out = [c for i, c in enumerate(la) if i not in [x % na for x in ax_a]]
        out += [c for j, c in enumerate(lb) if j not in [x % nb for x in ax_b]]
    elif kind == "inner":
        if na and nb:
            lb[-1] = la[-1]
            out = la[:-1] + lb[:-1]
        else:
            out = la + lb
    elif kind == "kron":  # on the operands reshaped to the same number of axes
        n = max(na, nb)
        la, lb = list(_LETTERS[:n]), list(_LETTERS[n:2 * n])
        out = [c for pair in zip(la, lb) for c in pair]
    else:
        raise ValueError(kind)
    la, lb, out = "".join(la), "".join(lb), "".join(out)
    return [la + "," + lb + "->" + out, out + "," + lb + "->" + la,
            la + "," + out + "->" + lb][wrt]


def multi_dot_subscripts(arrays):
    """Einsum subscripts of ``np.linalg.multi_dot(arrays)`` (1-D ends are vectors)."""
    n = len(arrays)
    letters = _LETTERS[:n + 1]
    subs = [letters[i] + letters[i + 1] for i in range(n)]
    if np.ndim(arrays[0]) == 1:
        subs[0] = subs[0][1:]
    if np.ndim(arrays[-1]) == 1:
        subs[-1] = subs[-1][:1]
    out = (letters[0] if np.ndim(arrays[0]) == 2 else "") + (
        letters[n] if np.ndim(arrays[-1]) == 2 else "")
    return ",".join(subs) + "->" + out


def kron_split(a, b):
    """Shapes for ``np.kron(a, b)`` as an einsum: ``(a's, b's, the result's split)``,
    the operands' shapes padded with leading ones to the same length."""
    sa, sb = np.shape(a), np.shape(b)
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    return sa, sb, tuple(v for pair in zip(sa, sb) for v in pair)


def matrix_power_spec(a, n):
    """Spec of ``<g, b_1 @ ... @ b_m>`` for ``m = |n|`` (stacked) matrices ``b_i`` shaped
    like ``a`` (slot 0 the cotangent)."""
    m = abs(int(n))
    letters = _fresh(("",), m + 1 + np.ndim(a) - 2)
    batch = "".join(letters[m + 1:])
    chain = tuple(batch + letters[i] + letters[i + 1] for i in range(m))
    return (batch + letters[0] + letters[m],) + chain


# --- the multilinear form ---

def _part(spec, xs, k):
    """``dF/dx_k``: the contraction of the other slots onto ``x_k``'s indices."""
    letters = spec[k]
    shape = np.shape(xs[k])
    unique = "".join(dict.fromkeys(letters))
    others = [(s, x) for j, (s, x) in enumerate(zip(spec, xs)) if j != k]
    seen = set("".join(s for s, _ in others))
    kept = "".join(c for c in unique if c in seen)
    arrays = [np.asarray(x) for _, x in others]
    if others:
        sub = ",".join(s for s, _ in others) + "->" + kept
        t = np.einsum(sub, *arrays, optimize=len(arrays) > 2)
    else:
        t = np.ones((), dtype=np.result_type(xs[k], 1.0))
    size = {c: shape[letters.index(c)] for c in unique}
    # indices only in x_k: F sums x_k over them, so the derivative is constant there
    t = np.reshape(t, [np.shape(t)[kept.index(c)] if c in kept else 1 for c in unique])
    full = [size[c] for c in unique]
    axes = tuple(i for i, (m, n) in enumerate(zip(np.shape(t), full)) if m != n and n == 1)
    if axes:  # x_k broadcast (length 1) against longer axes of the others
        t = np.sum(t, axis=axes, keepdims=True)
    t = np.broadcast_to(t, full)
    if len(unique) == len(letters):
        return np.array(t)  # a copy: never a view of an input or a broadcast
    out = np.zeros(shape, dtype=t.dtype)  # repeated indices: write onto the diagonal
    np.einsum(letters + "->" + unique, out)[...] = t
    return out


def mlin_parts(spec, xs):
    """All partial derivatives ``(dF/dx_0, ..., dF/dx_n)`` of the form ``spec``."""
    return tuple(_part(spec, xs, k) for k in range(len(spec)))


def _add(a, b):
    return b if a is None else a + b


def mlin_hvp(spec, xs, ts):
    """The Hessian of the form at ``xs`` applied to ``ts``: slot ``k`` gets
    ``sum over j != k of dF/dx_k`` with ``x_j`` replaced by ``ts[j]`` (None: zero)."""
    out = []
    for k in range(len(spec)):
        total = None
        for j, t in enumerate(ts):
            if j != k and t is not None:
                moved = list(xs)
                moved[j] = t
                total = _add(total, _part(spec, moved, k))
        out.append(np.zeros_like(_part(spec, xs, k)) if total is None else total)
    return tuple(out)


def mlin_join(a, xs):
    """``(a, *xs)``."""
    return (a,) + tuple(xs)


def mlin_aug_spec(spec):
    """Spec of the augmented form: a selector slot, then each slot with a new leading
    index (its layer: 0 the point, 1 the direction)."""
    new = _fresh(spec, len(spec))
    return ("".join(new),) + tuple(c + s for c, s in zip(new, spec))


def _selector(n, dtype):
    """Ones where exactly one of ``n`` length-2 indices is 1."""
    s = np.zeros((2,) * n, dtype=dtype)
    for k in range(n):
        s[(0,) * k + (1,) + (0,) * (n - k - 1)] = 1
    return s


def mlin_aug(xs, ts):
    """The augmented form's operands: the selector, then ``stack([x_j, t_j])``; the
    form's value is the directional derivative ``DF(xs)[ts]``."""
    stacked = [np.stack([x, np.zeros_like(x) if t is None else t]) for x, t in zip(xs, ts)]
    dtype = np.result_type(*stacked)
    return (_selector(len(xs), dtype),) + tuple(stacked)


def mlin_layer(parts, layer):
    """Layer ``layer`` of each stacked slot of an augmented tuple (the selector dropped)."""
    return tuple(None if p is None else p[layer] for p in parts[1:])


def mlin_unlayer(ts, layer):
    """Transpose of :func:`mlin_layer`: each ``t`` at ``layer`` of a zero stack."""
    out = [None]
    for t in ts:
        if t is None:
            out.append(None)
        else:
            pair = [np.zeros_like(t), np.zeros_like(t)]
            pair[layer] = t
            out.append(np.stack(pair))
    return tuple(out)


def mlin_sum(parts, like):
    """The sum of a tuple of arrays (``None`` is zero); zeros like ``like`` if empty."""
    total = None
    for p in parts:
        if p is not None:
            total = _add(total, p)
    return np.zeros_like(like, dtype=np.result_type(like, 1.0)) if total is None else total


def mlin_spread(g, parts):
    """Transpose of :func:`mlin_sum`: ``g`` once per part."""
    return (g,) * len(parts)


def mlin_repeat(x, n):
    """``(x,) * |n|``."""
    return (x,) * abs(int(n))


# --- cross ---

def _cross_moved(x, axis):
    x = np.moveaxis(np.asarray(x), axis, -1)
    if np.shape(x)[-1] == 2:
        x = np.concatenate([x, np.zeros_like(x[..., :1])], axis=-1)
    return x


def _cross_g(g, a, b, axisc):
    """The cotangent of ``cross(a, b)`` as 3-vectors on the last axis."""
    if np.shape(a)[-1] == 2 and np.shape(b)[-1] == 2:  # result: the z components
        g = np.asarray(g)[..., None]
        return np.concatenate([np.zeros_like(g), np.zeros_like(g), g], axis=-1)
    return np.moveaxis(np.asarray(g), axisc, -1)


def _cross_adjoint(g, x, other, axes, first):
    axisa, axisb, axisc, axis = axes
    if axis is not None:
        axisa = axisb = axisc = axis
    ax_x, ax_o = (axisa, axisb) if first else (axisb, axisa)
    xm = np.moveaxis(np.asarray(x), ax_x, -1)
    om = np.moveaxis(np.asarray(other), ax_o, -1)
    a, b = (xm, om) if first else (om, xm)
    g3 = _cross_g(g, a, b, axisc)
    o3 = _cross_moved(om, -1)
    # <g, a x b> = a . (b x g) = b . (g x a)
    gx = np.cross(o3, g3) if first else np.cross(g3, o3)
    gx = gx[..., :np.shape(xm)[-1]]
    lead = np.ndim(gx) - np.ndim(xm)
    sum_axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(np.shape(xm)[:-1])
                                          if n == 1 and np.shape(gx)[lead + i] != 1)
    if sum_axes:
        gx = np.sum(gx, axis=sum_axes, keepdims=True)
        gx = np.reshape(gx, np.shape(gx)[lead:])
    return np.moveaxis(gx, -1, ax_x)


def cross_adjoint_a(g, a, b, axes):
    """Adjoint of ``np.cross(a, b, *axes)`` with respect to ``a`` (``axes`` is
    ``(axisa, axisb, axisc, axis)``); 2-vectors are 3-vectors with a zero z."""
    return _cross_adjoint(g, a, b, axes, True)


def cross_adjoint_b(g, a, b, axes):
    """Adjoint of ``np.cross(a, b, *axes)`` with respect to ``b``."""
    return _cross_adjoint(g, b, a, axes, False)


# --- conj, inverse ---

def product_conj(x):
    """``np.conj(x)``; ``x`` itself when real."""
    return np.conj(x) if np.iscomplexobj(x) else x


def matrix_power_base(a, n):
    """The factor of ``matrix_power(a, n)``: ``a``, or ``inv(a)`` when ``n < 0``."""
    return np.linalg.inv(a) if n < 0 else a
