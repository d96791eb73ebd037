"""Every wrong gradient and crash of the bug reports, checked in every mode.

Each function of ``regression_cases.py`` is checked by
:func:`differential.check_everything` (grad, create_graph=False, value_and_grad, vjp
twice, jvp, jacrev, jacfwd, hessian, jvp of grad against finite differences; the
arguments unchanged) at the points listed here, near the origin and far from it.
"""
import time

import numpy as np
import pytest

import s2sad
from differential import _vec, check_everything

import regression_cases as cases


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
    "replayed_branch_test": ([(_vec(-0.38, 1.88, -8.44, -3.94), np.ones((2, 3))),
                              (_vec(0.5, 1.0, 2.0, 3.0), np.full((2, 3), -20.0))],
                             {"argnums": (0, 1)}),
    "helper_rebinding_elements": ([(_vec(0.3, -1.2, 0.5), 0.7), (_vec(3.0, 4.0, -9.0), -5.0)],
                                  {"argnums": (0, 1)}),
    "helper_rebinding_elements_of_a_view": ([(_vec(0.3, -1.2, 0.5),), (_vec(3.0, 4.0, -9.0),)],
                                            {}),
    "owned_view_in_branch": ([(np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]]), 0.7),
                              (np.array([[5.0, -10.0, 20.0], [1.5, 0.25, -30.0]]), -4.0)], {}),
    "global_view_chain_in_loop": ([(_vec(0.3, -1.2, 0.5, 1.0),), (_vec(3.0, 4.0, -9.0, 2.0),)],
                                  {}),
    "helper_in_a_comprehension": ([(_vec(0.3, -1.2, 0.5),), (_vec(30.0, 4.0, -90.0),)], {}),
    "early_return_then_array": ([(-0.7,), (0.5,), (-12.0,), (9.0,)], {"third": True}),
    "zip_of_one_array_swapped": ([(0.644, _vec(-0.09, 1.02, -0.48)),
                                  (-9.0, _vec(3.0, -4.0, 20.0))], {}),
    "argument_written_in_a_loop": ([(np.array([[-0.22, 0.73, 1.48], [-1.18, 1.47, -0.69]]),
                                     _vec(1.12, -0.6, -0.71)),
                                    (np.full((2, 3), 9.0), _vec(-10.0, 4.0, 30.0))],
                                   {"argnums": (0, 1)}),
    "norm_of_a_clipped_vector": ([(-1.0,), (0.7,), (-30.0,), (25.0,)], {}),
    "hoisted_out_of_a_loop_second_order": ([(0.1, _vec(0.5, 1.0, 2.0)),
                                            (-3.4, _vec(2.5, 5.8, -9.0))],
                                           {"argnums": 0, "third": True}),
    "while_break_before_the_test": ([(_vec(-0.03, 8.24, -8.05), _vec(7.5, 7.77, -6.04, -2.09)),
                                     (_vec(0.1, 0.2, 0.3), _vec(0.1, -0.2, 0.3, 0.1))],
                                    {"argnums": (0, 1)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_regression(name):
    points, options = CASES[name]
    check_everything(getattr(cases, name), points, options, name)


def test_compile_time_does_not_depend_on_array_sizes():
    start = time.perf_counter()
    s2sad.source(cases.outer_sum, shapes=((10,),))
    small = time.perf_counter() - start
    start = time.perf_counter()
    s2sad.source(cases.outer_sum, shapes=((3_000_000,),))
    assert time.perf_counter() - start < 0.5 + 5 * small
