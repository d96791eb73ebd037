"""Every wrong gradient and crash of the bug reports, checked in every mode.

Each function of ``regression_cases.py`` is differentiated at several points, near the
origin and far from it, with respect to all its float arguments, and checked:

* ``grad`` against central finite differences, and ``grad(create_graph=False)``,
  ``value_and_grad`` (value and aux against calling the function), ``vjp`` (its
  pullback called twice), ``jvp`` along a random direction, ``jacrev`` and ``jacfwd``
  against the same gradient;
* second order: ``hessian`` and ``jvp`` of ``grad`` against finite differences of
  ``grad``;
* the caller's arguments are unchanged after every call.
"""
import copy
import time
import zlib

import numpy as np
import pytest

import s2sad
from s2sad.testing import numerical_grad

import regression_cases as cases

RTOL, ATOL = 1e-5, 1e-7


def _vec(*values):
    return np.array(values, dtype=float)


#: name -> (points, options); a point is a tuple of arguments.  Options: ``argnums``,
#: ``has_aux``, ``third`` (also grad(grad(grad))), ``order=1`` (second derivatives are
#: refused with a clear error: abs of complex values)
CASES = {
    "tanh_loop": ([(1.711,), (-0.4,), (9.0,)], {}),
    "sqrt_loop": ([(_vec(1.3, 2.0),), (_vec(-8.0, 12.0),)], {}),
    "sin_half_loop": ([(_vec(1.3, 2.0),), (_vec(-7.5, 11.0),)], {}),
    "square_if_loop": ([(1.711,), (0.3,), (-1.2,)], {}),
    "cube_loop": ([(0.9,), (-1.05,)], {}),
    "power_branch": ([(-2.0, 3.0), (2.5, 1.5), (-9.0, 2.0)], {}),
    "nested_if": ([(1.5,), (7.0,), (-3.0,)], {}),
    "matmul_slice_if": ([(_vec(1, 2, 3, 4, 5), np.ones((5, 3))),
                         (_vec(-9, 2, -3, 4, 8), np.linspace(-1, 1, 15).reshape(5, 3))], {}),
    "overwritten_without_reads": ([(0.7,), (-3.0,)], {}),
    "tuple_in_for": ([(1.0, 2.0), (-8.0, 11.0)], {}),
    "tuple_in_while": ([(1.0, 2.0), (-8.0, 11.0)], {}),
    "swap_in_if": ([(1.5, 2.5), (-1.5, 2.5), (12.0, -9.0)], {}),
    "self_assign_in_if": ([(1.5,), (-2.0,)], {}),
    "self_assign_in_loop": ([(1.5,), (-20.0,)], {}),
    "unpack_rebinds_itself": ([(1.5,), (-7.0,)], {}),
    "stale_aux": ([(np.array([[1.0, 2.0], [3.0, 4.0]]), 0.5)], {"argnums": 1, "has_aux": True}),
    "swapped_aux": ([(-1.45, -0.77), (3.0, 9.0)], {"has_aux": True}),
    "unused_helper_output": ([(_vec(0.0, 1.0, 4.0),), (_vec(3.0, 25.0, 0.25),)], {}),
    "vjp_inside": ([(_vec(0.3, 1.2, 2.0),), (_vec(-7.0, 9.0, 15.0),)], {}),
    "vjp_inside_unpacked": ([(_vec(0.3, 1.2, 2.0),), (_vec(-7.0, 9.0, 15.0),)], {}),
    "rows_written_in_loop": ([(_vec(1.0, 2.0, 3.0),), (_vec(-10.0, 4.0, 30.0),)], {}),
    "nested_def_with_aux": ([(_vec(0.3, 1.2, 2.0),)], {"has_aux": True}),
    "early_return": ([(0.5,), (2.0,), (-9.0,)], {}),
    "guard_before_while": ([(-1.0,), (0.5,), (12.0,)], {}),
    "conditional_expression_in_branch": ([(-1.0,), (0.5,), (2.0,), (15.0,)], {}),
    "linear_in_a": ([(1.5,), (-30.0,)], {}),
    "method_sum": ([(_vec(0.3, 1.2, 2.0),)], {}),
    "maximum": ([(_vec(0.3, 1.2, 2.0),), (_vec(-9.0, -20.0, -3.0),)], {}),
    "identity": ([(1.5,), (np.array(-12.0),)], {}),
    "complex_abs": ([(_vec(0.3, 1.2, 2.0),), (_vec(-9.0, 20.0, -3.0),)], {"order": 1}),
    "constants_in_a_list": ([(1.5,), (-11.0,)], {}),
    "third_order_helper": ([(1.3,), (-8.0,)], {"third": True}),
    "computed_slice_helper": ([(_vec(1.0, 2.0, 3.0),), (_vec(-10.0, 4.0, 30.0),)], {}),
    "and_in_loop_with_return": ([(np.array([[0.04, -0.54, 1.2], [4.38, 8.04, 9.94]]),),
                                 (np.array([[0.04, -0.54, 1.2], [-4.38, -8.04, -9.94]]),),
                                 (np.array([[3.0, 5.0, 1.2], [-4.4, 0.5, 1.0]]),)], {}),
    "pops_only_branch": ([(_vec(0.35, -0.1, 0.6),), (_vec(-9.0, 4.0, 12.0),)], {}),
    "padded_unbound": ([(_vec(-0.2, -0.1, 0.2),), (_vec(100.0, 20.0, 30.0),)],
                       {"has_aux": True}),
    "while_not_entered": ([(np.ones((2, 3)), _vec(1.0, -2.0, 3.0)),
                           (np.full((2, 3), -9.0), _vec(10.0, 20.0, -30.0))],
                          {"argnums": (0, 1)}),
    "negative_power_constant": ([(np.ones((2, 3)),), (np.full((2, 3), -9.0),)], {}),
    "tuple_built_at_run_time": ([(np.array([[5.1, 5.0, 6.8], [-7.8, 1.6, -2.2]]),)], {}),
    "swapped_params": ([(np.ones((2, 3)), np.full((2, 3), 2.0)),
                        (np.full((2, 3), 50.0), np.full((2, 3), -3.0))], {"argnums": (0, 1)}),
    "coupled_tangents": ([(_vec(0.6, 0.27, 0.6), 0.6), (_vec(5.6, 4.3, 8.6), -8.6)],
                         {"argnums": (0, 1)}),
    "reversed_slice_loop": ([(_vec(1.0, 2.0, 3.0),), (_vec(-10.0, 4.0, 30.0),)], {}),
    "whole_zero_d_write": ([(_vec(1.0, 2.0),), (_vec(-10.0, 40.0),)], {}),
    "list_concatenation": ([(0.7,), (-9.0,)], {}),
    "tangent_named_del": ([(_vec(1.0, 2.0, 3.0),), (_vec(-10.0, 4.0, 30.0),)], {}),
    "sum_of_list_second_order": ([(0.7,), (2.6,), (-5.0,)], {"third": True}),
}


def _float_positions(args):
    return tuple(i for i, a in enumerate(args)
                 if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f"))


def _close(got, want, what):
    for g, w in zip(np.atleast_1d(np.asarray(got, dtype=float)).ravel(),
                    np.atleast_1d(np.asarray(want, dtype=float)).ravel()):
        tol = ATOL + RTOL * max(abs(w), 1.0) * 10
        assert abs(g - w) <= tol, "%s: got %r, expected %r" % (what, got, want)


def _unchanged(before, args, what):
    for b, a in zip(before, args):
        assert np.array_equal(b, a), "%s changed an argument: %r -> %r" % (what, b, a)


def _fd_jacobian(fun, args, j, eps=1e-6):
    """Central differences of ``fun`` (any output shape) in argument ``j``:
    ``out.shape + args[j].shape``."""
    base = np.asarray(args[j], dtype=float)
    columns = []
    for k in np.ndindex(base.shape):
        values = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[k] += sign * eps * max(1.0, abs(base[k]))
            call = list(copy.deepcopy(args))
            call[j] = moved if isinstance(args[j], np.ndarray) else float(moved)
            values.append(np.asarray(fun(*call), dtype=float))
        columns.append((values[0] - values[1]) / (2 * eps * max(1.0, abs(base[k]))))
    out = np.stack(columns, axis=-1) if columns else np.zeros(())
    return np.reshape(out, np.shape(columns[0]) + base.shape)


def _tree(g, single):
    return (g,) if single else tuple(g)


@pytest.mark.parametrize("name", sorted(CASES))
def test_regression(name):
    f = getattr(cases, name)
    points, options = CASES[name]
    has_aux = options.get("has_aux", False)
    for args in points:
        argnums = options.get("argnums", _float_positions(args))
        single = isinstance(argnums, int)
        nums = (argnums,) if single else argnums
        before = copy.deepcopy(args)
        expected = numerical_grad(lambda *a: f(*a)[0] if has_aux else f(*a),
                                  copy.deepcopy(args), argnums=nums)
        call_value = f(*copy.deepcopy(args))

        g = s2sad.grad(f, argnums=argnums, has_aux=has_aux)(*args)
        grads = _tree(g[0] if has_aux else g, single)
        for got, want in zip(grads, expected):
            _close(got, want, "grad")
        _unchanged(before, args, "grad")
        no_graph = s2sad.grad(f, argnums=argnums, has_aux=has_aux, create_graph=False)(*args)
        for got, want in zip(_tree(no_graph[0] if has_aux else no_graph, single), grads):
            _close(got, want, "grad(create_graph=False)")
        (out, g2) = s2sad.value_and_grad(f, argnums=argnums, has_aux=has_aux)(*args)
        if has_aux:
            _close(out[0], call_value[0], "value_and_grad value")
            _close(out[1], call_value[1], "value_and_grad aux")
        else:
            _close(out, call_value, "value_and_grad value")
        _unchanged(before, args, "value_and_grad")

        vjp_out = s2sad.vjp(f, *args, has_aux=has_aux)
        pullback = vjp_out[1]
        first, second = pullback(1.0), pullback(1.0)
        for i, want in zip(nums, grads):
            _close(first[i], want, "vjp")
            _close(second[i], want, "vjp called again")
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        tangents = tuple(
            (type(a)(rng.standard_normal()) if isinstance(a, float) else
             rng.standard_normal(np.shape(a))) if i in nums else
            (0.0 if isinstance(a, float) else np.zeros(np.shape(a)))
            for i, a in enumerate(args))
        t_out = s2sad.jvp(f, args, tangents, has_aux=has_aux)[1]
        _close(t_out, sum(np.sum(g * tangents[i]) for i, g in zip(nums, grads)), "jvp")
        for api in (s2sad.jacrev, s2sad.jacfwd):
            jac = api(f, argnums=nums, has_aux=has_aux)(*args)
            for got, want in zip(jac[0] if has_aux else jac, grads):
                _close(got, want, api.__name__)
        _unchanged(before, args, "vjp/jvp/jacobians")
        if options.get("order") == 1:
            with pytest.raises(NotImplementedError, match="second derivatives"):
                s2sad.hessian(f, argnums=nums, has_aux=has_aux)(*args)
            continue

        H = s2sad.hessian(f, argnums=nums, has_aux=has_aux)(*args)
        H = H[0] if has_aux else H
        grad_f = s2sad.grad(f, argnums=nums, has_aux=has_aux)

        def component(i):
            return lambda *a: (grad_f(*a)[0] if has_aux else grad_f(*a))[i]
        for i, ni in enumerate(nums):
            for j, nj in enumerate(nums):
                want = _fd_jacobian(component(i), args, nj)
                _close(H[i][j], want, "hessian block %d,%d" % (i, j))
        hvp = s2sad.jvp(grad_f, args, tangents)[1]
        hvp = hvp[0] if has_aux else hvp
        for i, got in enumerate(hvp):
            want = sum(np.tensordot(H[i][j], tangents[nj], axes=np.ndim(tangents[nj]))
                       for j, nj in enumerate(nums))
            _close(got, want, "jvp of grad")
        if options.get("third") and len(nums) == 1 and isinstance(args[nums[0]], float):
            g2 = s2sad.grad(s2sad.grad(f))
            _close(s2sad.grad(g2)(*args), _fd_jacobian(g2, args, 0), "grad(grad(grad))")
        _unchanged(before, args, "second order")


def test_compile_time_does_not_depend_on_array_sizes():
    start = time.perf_counter()
    s2sad.source(cases.outer_sum, shapes=((10,),))
    small = time.perf_counter() - start
    start = time.perf_counter()
    s2sad.source(cases.outer_sum, shapes=((3_000_000,),))
    assert time.perf_counter() - start < 0.5 + 5 * small
