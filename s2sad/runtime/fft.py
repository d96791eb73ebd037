"""Runtime helpers of the ``numpy.fft`` rules (:mod:`s2sad.rules.fft_rules`).

Every transform is linear (real-linear for the ones with a real side), so its tangent
is the transform of the tangent and its adjoint the *transpose* (JAX's convention: no
conjugate for the complex-linear ones).  A transform is named by a *kind*
(``'fft'``, ``'ifft'``, ``'rfft'``, ``'irfft'``, ``'hfft'``, ``'ihfft'``) and the call's
``s``/``axes`` (an int ``axis`` and ``n`` for the 1-D functions):

* :func:`fft_apply` ``(x, s, axes, norm, kind)`` - the transform itself;
* :func:`fft_transpose` ``(g, x, s, axes, norm, kind)`` - its adjoint at an input
  shaped like ``x``, in ``x``'s dtype (real for real ``x``).

The transpose of one is the other, so any order closes.  The derivations: the DFT
matrix is symmetric, so ``fft``'s transpose is ``fft`` (same ``norm``) followed by the
transpose of the padding/truncation to ``n`` (truncation/zero padding back);
``rfft``'s is ``fft`` of the cotangent zero-padded to ``n`` (the real part, for real
input); ``irfft`` is ``ifft`` of the Hermitian extension, so its transpose is ``ifft``
of the cotangent, truncated to ``n // 2 + 1`` bins, with the bins that stand for two
(all but DC and, for even ``n``, Nyquist) counted twice; ``hfft(a) = irfft(conj(a))``
and ``ihfft(x) = conj(rfft(x))`` with ``norm`` swapped (as NumPy defines them).
"""
import numpy as np

__all__ = ["fft_apply", "fft_transpose"]

_ONE_D = {"fft": np.fft.fft, "ifft": np.fft.ifft, "rfft": np.fft.rfft,
          "irfft": np.fft.irfft, "hfft": np.fft.hfft, "ihfft": np.fft.ihfft}
_N_D = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn,
        "irfft": np.fft.irfftn}
_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _plan(x, s, axes, kind):
    """The transform's lengths and axes, as lists (``s`` ``None`` filled from ``x``)."""
    shape = np.shape(x)
    if isinstance(axes, (int, np.integer)):  # a 1-D function: s is n, axes is axis
        axes, s = [int(axes) % len(shape)], None if s is None else [int(s)]
    elif axes is None:
        axes = list(range(len(shape) - (len(shape) if s is None else len(s)), len(shape)))
    else:
        axes = [int(a) % len(shape) for a in axes]
    if s is None:
        s = [shape[a] for a in axes]
        if kind in ("irfft", "hfft"):
            s[-1] = 2 * (s[-1] - 1)
    return list(s), axes


def _fit(g, lengths, axes):
    """``g`` truncated or zero-padded along ``axes`` to ``lengths``."""
    g = np.asarray(g)
    index = [slice(None)] * g.ndim
    pad = [(0, 0)] * g.ndim
    for n, a in zip(lengths, axes):
        m = g.shape[a]
        if n < m:
            index[a] = slice(0, n)
        elif n > m:
            pad[a] = (0, n - m)
    g = g[tuple(index)]
    return np.pad(g, pad) if any(p != (0, 0) for p in pad) else g


def fft_apply(x, s, axes, norm, kind):
    """The ``numpy.fft`` transform ``kind`` of ``x`` (1-D when ``axes`` is an int)."""
    if isinstance(axes, (int, np.integer)):
        return _ONE_D[kind](x, s, axes, norm)
    return _N_D[kind](x, s, axes, norm)


def _halfweight(c, n, axis):
    """``c`` (``n // 2 + 1`` bins along ``axis``) times 2 where a bin stands for two."""
    w = np.full(c.shape[axis], 2.0, dtype=np.real(c).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * c.ndim
    shape[axis] = -1
    return c * np.reshape(w, shape)


def _transpose(g, x, s, axes, norm, kind):
    lengths = [np.shape(x)[a] for a in axes]
    if kind in ("fft", "ifft"):
        return _fit(_N_D[kind](g, None, axes, norm), lengths, axes)
    if kind == "rfft":
        return np.real(_fit(np.fft.fftn(_fit(g, s, axes), None, axes, norm), lengths, axes))
    if kind == "irfft":
        half = s[:-1] + [s[-1] // 2 + 1]
        c = _halfweight(_fit(np.fft.ifftn(g, None, axes, norm), half, axes), s[-1], axes[-1])
        return _fit(c, lengths, axes)
    if kind == "hfft":
        return np.conj(_transpose(g, x, s, axes, _SWAP[norm], "irfft"))
    return _transpose(np.conj(g), x, s, axes, _SWAP[norm], "rfft")  # ihfft


def fft_transpose(g, x, s, axes, norm, kind):
    """The adjoint of :func:`fft_apply` ``(x, s, axes, norm, kind)`` applied to ``g``."""
    s, axes = _plan(x, s, axes, kind)
    if kind in ("irfft", "hfft"):  # the cotangent of a real output is real
        g = np.real(g)
    t = _transpose(np.asarray(g), x, s, axes, norm, kind)
    dtype = np.result_type(x, 1.0)
    if not np.issubdtype(dtype, np.complexfloating):
        t = np.real(t)
    return t.astype(dtype, copy=False)
