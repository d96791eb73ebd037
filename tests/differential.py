"""The differential checker of hand-written cases (tests/test_regressions.py,
tests/test_function_values.py).

:func:`check_everything` differentiates a function at several points, near the origin
and far from it, with respect to its float arguments (or ``argnums``), and checks:

* ``grad`` against central finite differences, and ``grad(create_graph=False)``,
  ``value_and_grad`` (value and aux against calling the function), ``vjp`` (its
  pullback called twice), ``jvp`` along a random direction, ``jacrev`` and ``jacfwd``
  against the same gradient;
* second order: ``hessian`` and ``jvp`` of ``grad`` against finite differences of
  ``grad`` (and ``grad(grad(grad))`` where asked);
* the caller's arguments are unchanged after every call.

Arguments that are not numbers or arrays (functions, tables of functions) are not
differentiated; ``vjp`` and ``jvp``, which take primals only, must refuse them.
"""
import copy
import zlib

import numpy as np
import pytest

import s2sad
from s2sad.testing import numerical_grad

RTOL, ATOL = 1e-5, 1e-7


def _vec(*values):
    return np.array(values, dtype=float)


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


def _is_numeric(a):
    return isinstance(a, (float, int, complex, np.ndarray))


def _tangents(args, nums, name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return tuple(
        (type(a)(rng.standard_normal()) if isinstance(a, float) else
         rng.standard_normal(np.shape(a))) if i in nums else
        (0.0 if isinstance(a, float) else np.zeros(np.shape(a)))
        for i, a in enumerate(args))


def _check_vjp_jvp(f, args, nums, grads, tangents, has_aux):
    pullback = s2sad.vjp(f, *args, has_aux=has_aux)[1]
    first, second = pullback(1.0), pullback(1.0)
    for i, want in zip(nums, grads):
        _close(first[i], want, "vjp")
        _close(second[i], want, "vjp called again")
    t_out = s2sad.jvp(f, args, tangents, has_aux=has_aux)[1]
    _close(t_out, sum(np.sum(g * tangents[i]) for i, g in zip(nums, grads)), "jvp")


def _check_jvp_of_grad(grad_f, args, nums, H, tangents, has_aux):
    hvp = s2sad.jvp(grad_f, args, tangents)[1]
    hvp = hvp[0] if has_aux else hvp
    for i, got in enumerate(hvp):
        want = sum(np.tensordot(H[i][j], tangents[nj], axes=np.ndim(tangents[nj]))
                   for j, nj in enumerate(nums))
        _close(got, want, "jvp of grad")


def check_everything(f, points, options, name):
    """Check ``f`` at each point (a tuple of arguments) in every mode (module
    docstring).  ``options``: ``argnums`` (default: the float arguments), ``has_aux``,
    ``third`` (also grad(grad(grad)) of a float function), ``order=1`` (second
    derivatives must be refused with a clear error)."""
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

        numeric = all(_is_numeric(a) for a in args)
        tangents = _tangents(args, nums, name)
        if numeric:
            _check_vjp_jvp(f, args, nums, grads, tangents, has_aux)
        else:  # vjp and jvp take primals only (as JAX): a function argument is refused
            with pytest.raises(TypeError, match="cannot be differentiated"):
                s2sad.vjp(f, *args, has_aux=has_aux)
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
        if numeric:
            _check_jvp_of_grad(grad_f, args, nums, H, tangents, has_aux)
        if options.get("third") and len(nums) == 1 and isinstance(args[nums[0]], float):
            g2 = s2sad.grad(s2sad.grad(f))
            _close(s2sad.grad(g2)(*args), _fd_jacobian(g2, args, 0), "grad(grad(grad))")
        _unchanged(before, args, "second order")
