"""Result shapes of NumPy indexing and reductions, computed from shapes alone.

Input: a shape (a tuple of ints) and an index or an ``axis``/``keepdims`` pair as
NumPy takes them, where an integer index array is stood in for by
:class:`IndexArray` (its shape only).  Output: the shape NumPy's result has, or
``None`` when it cannot be known from shapes (a boolean mask) or the operation is
an error.  No array is ever made, so the cost does not depend on the sizes: the
shape inference of :mod:`s2sad.transforms.shape_inference` runs at compile time, for
arrays of any size.
"""
import numbers

__all__ = ["IndexArray", "indexed_shape", "reduced_shape"]


class IndexArray:
    """Stands for an integer index array of shape ``shape``."""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(shape)


def _broadcast(shapes):
    out = []
    for dims in zip(*[(1,) * (max(map(len, shapes)) - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def indexed_shape(shape, index):
    """``x[index].shape`` for ``x`` of ``shape`` (``None``: unknown or an error)."""
    parts = list(index) if isinstance(index, tuple) else [index]
    if sum(1 for p in parts if p is Ellipsis) > 1:
        return None
    consumed = sum(1 for p in parts if p is not None and p is not Ellipsis)
    if consumed > len(shape):
        return None
    if Ellipsis not in parts:
        parts.append(Ellipsis)
    out, advanced, positions, axis, gap = [], [], [], 0, 0
    for part in parts:
        if part is Ellipsis:  # it separates advanced indices even when it is empty
            gap += 1
            for _ in range(len(shape) - consumed):
                out.append(shape[axis])
                axis += 1
            continue
        if part is None:
            out.append(1)
            gap += 1
            continue
        dim = shape[axis]
        axis += 1
        if isinstance(part, slice):
            try:
                out.append(len(range(*part.indices(dim))))
            except (TypeError, ValueError):
                return None
            gap += 1
        elif isinstance(part, numbers.Integral) and not isinstance(part, bool):
            if not -dim <= part < dim:
                return None
            advanced.append(())
            positions.append((len(out), gap))
        elif isinstance(part, IndexArray):
            advanced.append(part.shape)
            positions.append((len(out), gap))
        else:  # a boolean mask or something unknown
            return None
    arrays = [s for s in advanced if s != ()] or None
    if arrays is None:  # integers only: their axes are dropped
        return tuple(out)
    block = _broadcast(advanced)
    if block is None:
        return None
    # NumPy: adjacent advanced indices keep their place, separated ones go first
    if all(p[1] == positions[0][1] for p in positions):
        at = positions[0][0]
        return tuple(out[:at]) + block + tuple(out[at:])
    return block + tuple(out)


def reduced_shape(shape, axis=None, keepdims=False):
    """The shape of ``np.sum(x, axis, keepdims=keepdims)`` for ``x`` of ``shape``."""
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    if not shape:  # NumPy takes a bare axis 0 or -1 for a 0-d array, nothing else
        ok = axis == () or (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
                            and axis in (0, -1))
        return () if ok else None
    ndim = len(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    normal = set()
    for a in axes:
        if not isinstance(a, numbers.Integral) or isinstance(a, bool) or not -ndim <= a < ndim:
            return None
        if a % ndim in normal:
            return None
        normal.add(a % ndim)
    if keepdims:
        return tuple(1 if i in normal else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in normal)
