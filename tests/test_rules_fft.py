"""Rule rows for numpy.fft: every transform with n/s (padding and truncation), axis/axes,
the three norms, real and complex inputs, odd and even lengths; the shifts.  Complex
outputs are wrapped as a real scalar that weighs the real and the imaginary part of every
element differently (and nonlinearly, so that second order means something)."""
import numpy as np
import pytest

import s2sad
from s2sad import runtime
from rulecase import C128, F32, F64, RuleCase, check_case, params
from s2sad.testing import numerical_grad


def _w(y):
    """A real scalar in which every element of the complex (or real) ``y`` matters."""
    k = np.reshape(np.arange(np.size(y)), np.shape(y))
    return np.sum(np.sin(np.real(y)) * np.cos(1.3 * k + 0.4)
                  + np.sin(np.real(-1j * y)) * np.cos(0.7 * k + 0.2))


def f_fft(x):
    return _w(np.fft.fft(x))


def f_fft_pad(x):
    return _w(np.fft.fft(x, 8))


def f_fft_trunc_axis0(x):
    return _w(np.fft.fft(x, n=2, axis=0))


def f_fft_ortho(x):
    return _w(np.fft.fft(x, norm='ortho'))


def f_fft_forward(x):
    return _w(np.fft.fft(x, 7, 0, 'forward'))


def f_ifft(x):
    return _w(np.fft.ifft(x))


def f_ifft_pad_ortho(x):
    return _w(np.fft.ifft(x, n=7, norm='ortho'))


def f_ifft_trunc_forward(x):
    return _w(np.fft.ifft(x, n=3, axis=-2, norm='forward'))


def f_rfft(x):
    return _w(np.fft.rfft(x))


def f_rfft_even_pad(x):
    return _w(np.fft.rfft(x, n=8))


def f_rfft_odd_trunc(x):
    return _w(np.fft.rfft(x, n=3, axis=0))


def f_rfft_ortho(x):
    return _w(np.fft.rfft(x, norm='ortho'))


def f_rfft_forward(x):
    return _w(np.fft.rfft(x, 5, -1, 'forward'))


def f_irfft(y):
    return np.sum(np.sin(np.fft.irfft(y)) * np.arange(1.0, 1.0 + 2 * (np.shape(y)[-1] - 1)))


def f_irfft_odd(y):
    return _w(np.fft.irfft(y, n=7))


def f_irfft_short(y):
    return _w(np.fft.irfft(y, 4))


def f_irfft_long_ortho(y):
    return _w(np.fft.irfft(y, n=12, axis=0, norm='ortho'))


def f_irfft_forward(y):
    return _w(np.fft.irfft(y, 5, norm='forward'))


def f_hfft(a):
    return _w(np.fft.hfft(a))


def f_hfft_odd_ortho(a):
    return _w(np.fft.hfft(a, n=5, norm='ortho'))


def f_hfft_forward(a):
    return _w(np.fft.hfft(a, 6, 0, 'forward'))


def f_ihfft(x):
    return _w(np.fft.ihfft(x))


def f_ihfft_pad_ortho(x):
    return _w(np.fft.ihfft(x, n=7, norm='ortho'))


def f_ihfft_forward(x):
    return _w(np.fft.ihfft(x, 4, 0, norm='forward'))


def f_fft2(x):
    return _w(np.fft.fft2(x))


def f_fft2_s(x):
    return _w(np.fft.fft2(x, s=(2, 5), norm='ortho'))


def f_ifft2_axes(x):
    return _w(np.fft.ifft2(x, axes=(0, 2)))


def f_fftn(x):
    return _w(np.fft.fftn(x))


def f_fftn_s_axes(x):
    return _w(np.fft.fftn(x, s=(3, 4), axes=(2, 0), norm='forward'))


def f_ifftn_axes(x):
    return _w(np.fft.ifftn(x, axes=(1,), norm='ortho'))


def f_ifftn_s(x):
    return _w(np.fft.ifftn(x, (5, 2), (0, 1)))


def f_rfft2(x):
    return _w(np.fft.rfft2(x))


def f_rfft2_s(x):
    return _w(np.fft.rfft2(x, s=(2, 5), norm='ortho'))


def f_rfftn(x):
    return _w(np.fft.rfftn(x))


def f_rfftn_axes(x):
    return _w(np.fft.rfftn(x, s=(4, 3), axes=(2, 0), norm='forward'))


def f_irfft2(y):
    return _w(np.fft.irfft2(y))


def f_irfft2_s(y):
    return _w(np.fft.irfft2(y, s=(3, 5), norm='ortho'))


def f_irfftn(y):
    return _w(np.fft.irfftn(y))


def f_irfftn_axes(y):
    return _w(np.fft.irfftn(y, s=(3, 6), axes=(0, 2), norm='forward'))


def f_fftshift(x):
    return _w(np.fft.fftshift(x) * np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(x)))


def f_fftshift_axes(x):
    return _w(np.fft.fftshift(x, axes=0) * np.arange(1.0, 13.0).reshape(3, 4))


def f_ifftshift(x):
    return _w(np.fft.ifftshift(x) * np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(x)))


def f_ifftshift_axes(x):
    return _w(np.fft.ifftshift(x, axes=(1,)) * np.arange(1.0, 13.0).reshape(3, 4))


def f_fft_roundtrip(x):
    return _w(np.fft.ifft(np.fft.fft(x) * np.arange(1.0, 1.0 + np.shape(x)[-1])))


def f_rfft_irfft(x):
    return np.sum(np.sin(np.fft.irfft(np.fft.rfft(x) * np.arange(1.0, 4.0), 5)))


def f_fft_apply(x):
    return (_w(runtime.fft_apply(x, 6, -1, 'ortho', 'rfft'))
            + _w(runtime.fft_apply(x, (3, 2), (1, 0), None, 'fft')))


def f_fft_transpose(g):
    return (_w(runtime.fft_transpose(g, np.zeros((2, 5)), 6, -1, None, 'rfft'))
            + _w(runtime.fft_transpose(g, np.zeros((2, 3)), None, None, 'forward', 'irfft')))


def f_fft_transpose_complex(g):
    return _w(runtime.fft_transpose(g, np.zeros((2, 4), complex), (2, 4), (0, 1), None, 'fft'))


C = (C128,)
R = (F64, F32)
RC = (F64, F32, C128)

RULE_CASES = [
    RuleCase(np.fft.fft, f_fft, [((5,),), ((2, 6),)], dtypes=RC),
    RuleCase(np.fft.fft, f_fft_pad, [((5,),), ((2, 6),)], dtypes=RC),
    RuleCase(np.fft.fft, f_fft_trunc_axis0, [((5, 2),)], dtypes=RC),
    RuleCase(np.fft.fft, f_fft_ortho, [((6,),)], dtypes=RC),
    RuleCase(np.fft.fft, f_fft_forward, [((4, 2),)], dtypes=RC),
    RuleCase(np.fft.fft, f_fft_roundtrip, [((6,),)], dtypes=RC),
    RuleCase(np.fft.ifft, f_ifft, [((5,),), ((2, 4),)], dtypes=RC),
    RuleCase(np.fft.ifft, f_ifft_pad_ortho, [((5,),)], dtypes=RC),
    RuleCase(np.fft.ifft, f_ifft_trunc_forward, [((5, 2),)], dtypes=RC),
    RuleCase(np.fft.ifft, f_fft_roundtrip, [((5,),)], dtypes=C),
    RuleCase(np.fft.rfft, f_rfft, [((6,),), ((5,),), ((2, 5),)], dtypes=R),
    RuleCase(np.fft.rfft, f_rfft_even_pad, [((5,),)], dtypes=R),
    RuleCase(np.fft.rfft, f_rfft_odd_trunc, [((6, 2),)], dtypes=R),
    RuleCase(np.fft.rfft, f_rfft_ortho, [((6,),), ((7,),)], dtypes=R),
    RuleCase(np.fft.rfft, f_rfft_forward, [((8,),)], dtypes=R),
    RuleCase(np.fft.rfft, f_rfft_irfft, [((5,),)], dtypes=R),
    RuleCase(np.fft.irfft, f_irfft, [((4,),), ((2, 5),)], dtypes=RC),
    RuleCase(np.fft.irfft, f_irfft_odd, [((4,),), ((2, 6),)], dtypes=RC),
    RuleCase(np.fft.irfft, f_irfft_short, [((5,),)], dtypes=RC),
    RuleCase(np.fft.irfft, f_irfft_long_ortho, [((4, 2),)], dtypes=RC),
    RuleCase(np.fft.irfft, f_irfft_forward, [((3,),)], dtypes=RC),
    RuleCase(np.fft.irfft, f_rfft_irfft, [((4,),)], dtypes=(F64,)),
    RuleCase(np.fft.hfft, f_hfft, [((4,),), ((2, 3),)], dtypes=RC),
    RuleCase(np.fft.hfft, f_hfft_odd_ortho, [((4,),)], dtypes=RC),
    RuleCase(np.fft.hfft, f_hfft_forward, [((3, 2),)], dtypes=RC),
    RuleCase(np.fft.ihfft, f_ihfft, [((6,),), ((2, 5),)], dtypes=R),
    RuleCase(np.fft.ihfft, f_ihfft_pad_ortho, [((5,),)], dtypes=R),
    RuleCase(np.fft.ihfft, f_ihfft_forward, [((6, 2),)], dtypes=R),
    RuleCase(np.fft.fft2, f_fft2, [((3, 4),), ((2, 2, 3),)], dtypes=RC),
    RuleCase(np.fft.fft2, f_fft2_s, [((3, 4),)], dtypes=RC),
    RuleCase(np.fft.ifft2, f_ifft2_axes, [((2, 2, 3),)], dtypes=RC),
    RuleCase(np.fft.fftn, f_fftn, [((2, 3, 2),)], dtypes=RC),
    RuleCase(np.fft.fftn, f_fftn_s_axes, [((2, 2, 3),)], dtypes=RC),
    RuleCase(np.fft.ifftn, f_ifftn_axes, [((2, 3),)], dtypes=RC),
    RuleCase(np.fft.ifftn, f_ifftn_s, [((3, 3),)], dtypes=RC),
    RuleCase(np.fft.rfft2, f_rfft2, [((3, 4),), ((3, 5),)], dtypes=R),
    RuleCase(np.fft.rfft2, f_rfft2_s, [((3, 4),)], dtypes=R),
    RuleCase(np.fft.rfftn, f_rfftn, [((2, 3, 4),)], dtypes=R),
    RuleCase(np.fft.rfftn, f_rfftn_axes, [((3, 2, 5),)], dtypes=R),
    RuleCase(np.fft.irfft2, f_irfft2, [((3, 3),), ((2, 4),)], dtypes=RC),
    RuleCase(np.fft.irfft2, f_irfft2_s, [((2, 4),)], dtypes=RC),
    RuleCase(np.fft.irfftn, f_irfftn, [((2, 2, 3),)], dtypes=RC),
    RuleCase(np.fft.irfftn, f_irfftn_axes, [((2, 2, 3),)], dtypes=RC),
    RuleCase(np.fft.fftshift, f_fftshift, [((5,),), ((3, 4),)], dtypes=RC),
    RuleCase(np.fft.fftshift, f_fftshift_axes, [((3, 4),)]),
    RuleCase(np.fft.ifftshift, f_ifftshift, [((5,),), ((3, 4),)], dtypes=RC),
    RuleCase(np.fft.ifftshift, f_ifftshift_axes, [((3, 4),)]),
    # the helpers, differentiated again in derivative code
    RuleCase(runtime.fft_apply, f_fft_apply, [((2, 5),)]),
    RuleCase(runtime.fft_transpose, f_fft_transpose, [((2, 4),)], dtypes=RC),
    RuleCase(runtime.fft_transpose, f_fft_transpose_complex, [((2, 4),)], dtypes=RC),
]


@pytest.mark.parametrize("case, shapes, dtype, order", params(RULE_CASES))
def test_rule(case, shapes, dtype, order, request):
    check_case(case, shapes, dtype, order, request.node.callspec.id)


# --- targeted checks ---

_RNG = np.random.default_rng(5)


def f_irfft_weighted(y):
    return np.sum(np.fft.irfft(y, 6) * np.arange(1.0, 7.0))


def test_irfft_gradient_ignores_imaginary_dc_and_nyquist():
    y = _RNG.standard_normal(4) + 1j * _RNG.standard_normal(4)
    g = s2sad.grad(f_irfft_weighted)(y)
    want = numerical_grad(f_irfft_weighted, [y])
    np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-9)
    assert abs(g[0].imag) < 1e-15 and abs(g[3].imag) < 1e-15  # irfft discards those parts
    # the middle bins stand for two: 2 * ifft(w) there, 1 * at DC and Nyquist
    full = np.fft.ifft(np.arange(1.0, 7.0))
    np.testing.assert_allclose(g, full[:4] * np.array([1.0, 2.0, 2.0, 1.0]), rtol=1e-12)


def f_rfft_scalar(x):
    y = np.fft.rfft(x, 6)
    return np.sum(np.real(y) * np.arange(4.0) + np.real(-1j * y) * np.arange(1.0, 5.0))


def test_rfft_gradient_is_the_transpose():
    x = _RNG.standard_normal(5)
    g = s2sad.grad(f_rfft_scalar)(x)
    dft = np.exp(-2j * np.pi * np.outer(np.arange(4), np.arange(6)) / 6)[:, :5]
    want = np.real((np.arange(4.0) - 1j * np.arange(1.0, 5.0)) @ dft)  # Re(sum g * dy)
    np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12)


def test_rfft_float32_gradient_is_float32():
    x = _RNG.standard_normal(7).astype(np.float32)
    g = s2sad.grad(f_rfft_scalar)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, s2sad.grad(f_rfft_scalar)(x.astype(np.float64)), rtol=1e-4)


def f_fft_complex_scalar(z):
    y = np.fft.fft(z, 4, norm='ortho')
    return np.sum(np.real(y * y))


def test_fft_complex_gradient_no_conjugate():
    z = _RNG.standard_normal(5) + 1j * _RNG.standard_normal(5)
    g = s2sad.grad(f_fft_complex_scalar)(z)
    want = numerical_grad(f_fft_complex_scalar, [z])
    np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-9)
    y = np.fft.fft(z, 4, norm='ortho')
    np.testing.assert_allclose(g[:4], np.fft.fft(2 * y, norm='ortho'), rtol=1e-12)
    assert np.all(g[4:] == 0)  # truncated away


def f_spectral_filter(x):
    return np.fft.irfft(np.fft.rfft(x) * np.array([1.0, 0.5, 0.25, 0.1]), 6)


def test_fft_jacobians():
    x = _RNG.standard_normal(6)
    rev = s2sad.jacrev(f_spectral_filter)(x)
    fwd = s2sad.jacfwd(f_spectral_filter)(x)
    want = np.stack([f_spectral_filter(e) for e in np.eye(6)], axis=1)  # linear
    np.testing.assert_allclose(rev, want, atol=1e-12)
    np.testing.assert_allclose(fwd, want, atol=1e-12)


def f_fft_of_scale(s):
    x = np.arange(5.0) / 4.0
    return _w(np.fft.hfft(np.fft.rfft(np.sin(s * x)), 7, norm='ortho'))


def test_fft_third_order():
    g3 = s2sad.grad(s2sad.grad(s2sad.grad(f_fft_of_scale)))
    g2 = s2sad.grad(s2sad.grad(f_fft_of_scale))
    eps = 1e-5
    want = (g2(0.8 + eps) - g2(0.8 - eps)) / (2 * eps)
    np.testing.assert_allclose(g3(0.8), want, rtol=1e-5)
