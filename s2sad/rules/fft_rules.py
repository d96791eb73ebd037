"""Derivative templates for ``numpy.fft``: the transforms, their inverses and the shifts.

Every transform is linear (``linear``: the tangent is the transform of the tangent); its
adjoint is :func:`~s2sad.runtime.fft_transpose` (the derivations are in
:mod:`s2sad.runtime.fft`), whose own adjoint is the transform again
(:func:`~s2sad.runtime.fft_apply`), so any order closes.  JAX's complex convention: no
conjugates for complex-linear maps; gradients of real inputs are real, in the input's
dtype.  The template contract is in :mod:`s2sad.rules.registry`.
"""
import numpy as np

from .registry import adjoint, d, linear
from ..runtime import astype_like, fft_apply, fft_transpose

# --- 1-D transforms: (a, n, axis, norm) ---


@adjoint(np.fft.fft)
def fft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'fft')


@adjoint(np.fft.ifft)
def ifft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'ifft')


@adjoint(np.fft.rfft)
def rfft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'rfft')


@adjoint(np.fft.irfft)
def irfft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'irfft')


@adjoint(np.fft.hfft)
def hfft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'hfft')


@adjoint(np.fft.ihfft)
def ihfft_adjoint(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_transpose(d[y], a, n, axis, norm, 'ihfft')


# --- n-D transforms: (a, s, axes, norm) ---


@adjoint(np.fft.fftn)
def fftn_adjoint(y, a, s=None, axes=None, norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'fft')


@adjoint(np.fft.ifftn)
def ifftn_adjoint(y, a, s=None, axes=None, norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'ifft')


@adjoint(np.fft.rfftn)
def rfftn_adjoint(y, a, s=None, axes=None, norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'rfft')


@adjoint(np.fft.irfftn)
def irfftn_adjoint(y, a, s=None, axes=None, norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'irfft')


# --- 2-D transforms: the n-D ones with axes=(-2, -1) by default ---


@adjoint(np.fft.fft2)
def fft2_adjoint(y, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'fft')


@adjoint(np.fft.ifft2)
def ifft2_adjoint(y, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'ifft')


@adjoint(np.fft.rfft2)
def rfft2_adjoint(y, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'rfft')


@adjoint(np.fft.irfft2)
def irfft2_adjoint(y, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fft_transpose(d[y], a, s, axes, norm, 'irfft')


# --- shifts: permutations, each the other's transpose ---


@adjoint(np.fft.fftshift)
def fftshift_adjoint(y, x, axes=None):
    d[x] = np.fft.ifftshift(d[y], axes)


@adjoint(np.fft.ifftshift)
def ifftshift_adjoint(y, x, axes=None):
    d[x] = np.fft.fftshift(d[y], axes)


# --- the helpers: each the other's transpose ---


@adjoint(fft_apply)
def fft_apply_adjoint(y, x, s, axes, norm, kind):
    d[x] = fft_transpose(d[y], x, s, axes, norm, kind)


@adjoint(fft_transpose)
def fft_transpose_adjoint(r, g, x, s, axes, norm, kind):
    d[g] = astype_like(fft_apply(d[r], s, axes, norm, kind), g)  # real g: the real part


linear(np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.hfft, np.fft.ihfft,
       np.fft.fftn, np.fft.ifftn, np.fft.rfftn, np.fft.irfftn, np.fft.fft2, np.fft.ifft2,
       np.fft.rfft2, np.fft.irfft2, np.fft.fftshift, np.fft.ifftshift, fft_apply,
       fft_transpose)
