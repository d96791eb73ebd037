"""The compile-time shape arithmetic agrees with NumPy, and costs nothing for big shapes.

:mod:`s2sad.transforms.shapecalc` computes the shapes of indexing and reduction
results without making arrays; these property tests compare it with NumPy on small
arrays for random shapes, indices (integers, slices, ``None``, ``...``, integer
index arrays, adjacent or separated) and reduction axes.
"""
import time

import numpy as np
from hypothesis import given, settings, strategies as st

from s2sad.transforms.shapecalc import IndexArray, indexed_shape, reduced_shape

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)
parts = st.one_of(
    st.integers(-4, 4),
    st.builds(slice, st.sampled_from([None, -2, 0, 1, 3]), st.sampled_from([None, -1, 2, 5]),
              st.sampled_from([None, 1, 2, -1])),
    st.none(), st.just(Ellipsis),
    st.lists(st.integers(1, 3), max_size=2).map(lambda s: ("array", tuple(s))),
)


def _real(part):
    return np.zeros(part[1], np.intp) if isinstance(part, tuple) else part


def _stand_in(part):
    return IndexArray(part[1]) if isinstance(part, tuple) else part


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(shapes, st.lists(parts, max_size=5), st.booleans())
def test_indexed_shape_matches_numpy(shape, index, bare):
    x = np.zeros(shape)
    real = tuple(_real(p) for p in index)
    stand = tuple(_stand_in(p) for p in index)
    if bare and len(index) == 1:
        real, stand = real[0], stand[0]
    try:
        want = x[real].shape
    except (IndexError, TypeError, ValueError):
        want = None
    assert indexed_shape(shape, stand) == want


@settings(max_examples=600, deadline=None, derandomize=True)
@given(shapes, st.one_of(st.none(), st.integers(-4, 4),
                         st.lists(st.integers(-4, 4), max_size=3).map(tuple)), st.booleans())
def test_reduced_shape_matches_numpy(shape, axis, keepdims):
    try:
        want = np.sum(np.zeros(shape), axis=axis, keepdims=keepdims).shape
    except (ValueError, TypeError, np.exceptions.AxisError):
        want = None
    assert reduced_shape(shape, axis, keepdims) == want


def test_compile_time_does_not_depend_on_sizes():
    import s2sad
    import functions_big
    start = time.perf_counter()
    small = s2sad.source(functions_big.outer_sum, shapes=((10,),))
    small_time = time.perf_counter() - start
    start = time.perf_counter()
    big = s2sad.source(functions_big.outer_sum, shapes=((3_000_000,),))
    big_time = time.perf_counter() - start
    assert "x" in big and small
    assert big_time < 0.5 + 5 * small_time
