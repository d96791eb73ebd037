"""The finite-difference reference.

Input: ``F`` from a flat float vector to a float vector (raising :class:`FDFailure`
where it cannot be evaluated), a point ``x``, optionally a direction, the order (1 or
2).  Output: :class:`FDRef` (the estimate, computed on demand at three base steps);
:func:`compare_fd` (a result of s2sad against the reference: ``"ok"``, ``"skip"`` --
nothing trustworthy to compare -- or ``"wrong"``, with details) and
:func:`compare_tight` (two results of s2sad against each other); the tolerances
:data:`RTOL`/:data:`ATOL` (against finite differences) and
:data:`TIGHT_RTOL`/:data:`TIGHT_ATOL`.

Built to avoid false alarms: central differences with Richardson extrapolation at three
step sizes; a component is compared only if two extrapolations agree with each other; a
mismatch is reported only if it is confirmed at two further base steps.

Imports: ``numpy``.
"""
import numpy as np

EPS = np.finfo(float).eps
RTOL, ATOL = 1e-5, 1e-7            # against finite differences
TIGHT_RTOL, TIGHT_ATOL = 1e-6, 1e-6  # between two s2sad results (atol scaled, see _tol)
FD1_BASES = (1e-4, 1e-3, 1e-5)     # relative base steps: primary, then two confirmations
FD2_BASES = (2e-3, 8e-3, 5e-4)     # second differences


class FDFailure(Exception):
    """The function could not be evaluated at a perturbed point."""


def _richardson(F, x, d, h, order):
    """Richardson-extrapolated central difference of F (R^n -> R^m) along d.

    Returns (estimate, |r1 - r2| disagreement of two extrapolations, noise bound)."""
    def D(s):
        fp = F(x + s * d)
        fm = F(x - s * d)
        if order == 1:
            return (fp - fm) / (2 * s), max(np.max(np.abs(fp)), np.max(np.abs(fm)))
        return (fp - 2 * f0 + fm) / (s * s), max(np.max(np.abs(fp)), np.max(np.abs(fm)))

    f0 = F(x) if order == 2 else None
    d1, m1 = D(h)
    d2, m2 = D(h / 2)
    d4, m4 = D(h / 4)
    r1 = (4 * d2 - d1) / 3
    r2 = (4 * d4 - d2) / 3
    fmax = max(m1, m2, m4, np.max(np.abs(f0)) if f0 is not None else 0.0)
    if order == 1:
        noise = 40 * EPS * fmax / h
    else:
        noise = 400 * EPS * fmax / (h * h)
    return r2, np.abs(r1 - r2), noise


class FDRef:
    """Finite-difference reference for the derivative of F at x: either every
    coordinate direction (a gradient / Jacobian column per input element) or one
    direction ``d``; first or second order.  ``at(k)`` computes it with base step
    number ``k`` (0 = primary, 1 and 2 = confirmation) and caches it."""

    def __init__(self, F, x, direction=None, order=1):
        self.F = F
        self.x = np.asarray(x, float)
        self.d = direction
        self.order = order
        self.cache = {}

    def at(self, k):
        if k in self.cache:
            return self.cache[k]
        base = (FD1_BASES if self.order == 1 else FD2_BASES)[k]
        try:
            if self.d is None:
                ests, errs, noises = [], [], []
                for i in range(self.x.size):
                    e = np.zeros(self.x.size)
                    e[i] = 1.0
                    h = base * max(1.0, abs(self.x[i]))
                    r, err, noise = _richardson(self.F, self.x, e, h, self.order)
                    ests.append(np.atleast_1d(r))
                    errs.append(np.atleast_1d(err))
                    noises.append(np.full(np.atleast_1d(r).shape, noise))
                # shape (m, n): output component x input element
                res = (np.stack(ests, axis=-1), np.stack(errs, axis=-1),
                       np.stack(noises, axis=-1))
            else:
                d = np.asarray(self.d, float)
                dn = max(np.max(np.abs(d)), 1e-12)
                h = base * max(1.0, np.max(np.abs(self.x)) if self.x.size else 1.0) / dn
                r, err, noise = _richardson(self.F, self.x, d, h, self.order)
                r = np.atleast_1d(r)
                res = (r, np.atleast_1d(err), np.full(r.shape, noise))
        except FDFailure:
            res = None
        self.cache[k] = res
        return res


def _tol(ref, noise, rtol, atol):
    scale = np.max(np.abs(ref)) if np.size(ref) else 0.0
    return atol * (1.0 + scale) + rtol * np.abs(ref) + noise


def compare_fd(got, ref):
    """Compare ``got`` (array shaped like the FD estimate) with an :class:`FDRef`.

    Returns (status, info): status "ok", "skip" or "wrong".  Only components whose
    two Richardson extrapolations agree are compared; a mismatch must persist at two
    more base steps (each self-consistent and agreeing with the first) to count."""
    r0 = ref.at(0)
    if r0 is None:
        return "skip", None
    est0, err0, noise0 = r0
    got = np.asarray(got, float).reshape(est0.shape)
    tol0 = _tol(est0, noise0, RTOL, ATOL)
    trusted = err0 <= 0.1 * tol0
    if not trusted.any():
        return "skip", {"untrusted": ~trusted}
    if not np.all(np.isfinite(got[trusted])):
        bad = trusted & ~np.isfinite(got)
    else:
        bad = trusted & (np.abs(got - est0) > tol0)
    if not bad.any():
        return "ok", {"untrusted": ~trusted}
    for k in (1, 2):
        rk = ref.at(k)
        if rk is None:
            return "skip", None
        est, err, noise = rk
        tol = _tol(est, noise, RTOL, ATOL)
        # the mismatch must be confirmed: FD self-consistent at this step too, still
        # disagreeing with s2sad, and agreeing with the first estimate
        if np.any(err[bad] > 0.1 * tol[bad]) or \
                np.all(np.abs(got[bad] - est[bad]) <= tol[bad]) or \
                np.any(np.abs(est[bad] - est0[bad]) > np.maximum(tol[bad], tol0[bad])):
            return "skip", None
    idx = np.argwhere(bad)
    return "wrong", {"expected": est0, "got": got, "bad": [tuple(map(int, i)) for i in idx],
                     "tol": tol0}


def compare_tight(got, want):
    got = np.asarray(got, float)
    want = np.asarray(want, float)
    if got.shape != want.shape:
        return "wrong", {"expected": want, "got": got, "why": "shape %s != %s" % (
            got.shape, want.shape)}
    tol = _tol(want, 0.0, TIGHT_RTOL, TIGHT_ATOL)
    if np.all(np.isfinite(want)) and not np.all(np.isfinite(got)):
        return "wrong", {"expected": want, "got": got, "why": "non-finite"}
    bad = ~(np.abs(got - want) <= tol) & np.isfinite(want)
    if bad.any():
        return "wrong", {"expected": want, "got": got,
                         "bad": [tuple(map(int, i)) for i in np.argwhere(bad)]}
    return "ok", None
