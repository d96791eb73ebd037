"""Derivative templates for ``numpy.linalg``: ``norm`` and ``cond``; ``inv``, ``solve``,
``pinv``, ``lstsq``; ``det``, ``slogdet``; the decompositions ``cholesky``, ``eigh``,
``eigvalsh``, ``eig``, ``eigvals``, ``svd`` (and NumPy 2's ``svdvals``), ``qr``;
``matrix_rank`` is non-differentiable.  Also the rules of the ``la_*`` helpers of
:mod:`s2sad.runtime.decompositions` that the templates call.

The template contract is in :mod:`s2sad.rules.registry`.  Products (``dot``,
``matmul``, ``einsum``, ...) are in :mod:`s2sad.rules.linalg_rules`.

Conventions:

* Matrices are the last two axes; every rule works on stacks ``(..., m, n)`` as NumPy
  does.  Templates use only functions with rules of their own (``solve``, ``matmul``,
  the decompositions themselves and the ``la_*`` helpers of
  :mod:`s2sad.runtime.decompositions`), so their code can be differentiated again.
* Complex numbers follow JAX's convention (cotangents are not conjugated).  The rules
  of holomorphic functions (``inv``, ``solve``, ``det``, ``eig``, ``eigvals``) use
  plain transposes.  The others (norms, ``slogdet``'s ``logabsdet``, ``cholesky``,
  ``eigh``, ``svd``, ``qr``, ``pinv``, ``lstsq``) are written with the cotangent
  ``H = conj(d[y])`` of the real inner product ``Re tr(H^H dY)`` of the literature,
  and return ``d[x] = conj(H_x)``.
* Inverses are never formed: ``solve`` (NumPy has no triangular solve; LAPACK's
  ``gesv`` on a triangular factor is as accurate, and batched).
* Hermitian inputs (``cholesky``, ``eigh``, ``eigvalsh``): NumPy reads one triangle;
  the rules, like JAX's, differentiate with respect to a Hermitian matrix: tangents
  use the Hermitian part of ``d[a]`` and adjoints are Hermitian.
* Degenerate eigen-/singular values: the gap matrices ``F`` drop (near-)equal pairs
  (:func:`~s2sad.runtime.la_gap_inverse`), so eigen-/singular-value derivatives stay
  right while vector derivatives are those of one particular basis of the degenerate
  subspace (ill-defined there, as in JAX).
"""
import numpy as np

from .registry import adjoint, d, linear, nondifferentiable, sequence_result, tangent
from ..runtime import (
    abs_sign, astype_like, la_as_matrix, la_cho_lower, la_cond_check, la_conj, la_diag,
    la_diag_embed, la_eye_like, la_from_matrix, la_gap_inverse, la_keep_shape,
    la_lstsq_check, la_mH, la_norm_spec, la_phi, la_qr_check, la_result_like, la_solve_vector,
    la_svd_check, la_tril, unbroadcast, unreduce_extremum, zeros_like,
)

# --- helpers: linear maps and their transposes (JAX convention: conj's adjoint is conj) ---


@adjoint(la_conj)
def la_conj_adjoint(y, x):
    d[x] = la_conj(d[y])


@adjoint(la_mH)
def la_mH_adjoint(y, x):
    d[x] = la_mH(d[y])


@adjoint(la_diag)
def la_diag_adjoint(y, x):
    d[x] = la_diag_embed(d[y])


@adjoint(la_diag_embed)
def la_diag_embed_adjoint(y, v):
    d[v] = la_diag(d[y])


@adjoint(la_tril)
def la_tril_adjoint(y, x, k=0):
    d[x] = la_tril(d[y], k)


@adjoint(la_phi)
def la_phi_adjoint(y, x):
    d[x] = la_phi(d[y])


@adjoint(la_cho_lower)
def la_cho_lower_adjoint(y, x, upper=False):
    d[x] = la_cho_lower(d[y], upper)


@adjoint(la_as_matrix)
def la_as_matrix_adjoint(y, b, vec):
    d[b] = la_from_matrix(d[y], vec)


@adjoint(la_from_matrix)
def la_from_matrix_adjoint(y, x, vec):
    d[x] = la_as_matrix(d[y], vec)


# parts -> a result's namedtuple type: the cotangent of the parts is the tuple itself
@adjoint(la_result_like)
def la_result_like_adjoint(y, parts, like):
    d[parts] = d[y]


linear(la_result_like, la_conj, la_mH, la_diag, la_diag_embed, la_tril, la_phi, la_cho_lower,
       la_as_matrix, la_from_matrix)


# y = 1/x off the mask: dy = -y^2 dx (holomorphic), 0 on the mask
@adjoint(la_gap_inverse)
def la_gap_inverse_adjoint(y, x, matrix=True):
    d[x] = -(d[y] * y * y)


@tangent(la_gap_inverse)
def la_gap_inverse_tangent(y, x, matrix=True):
    d[y] = -(d[x] * y * y)


nondifferentiable(la_eye_like, la_solve_vector, la_norm_spec, la_keep_shape, la_svd_check,
                  la_qr_check, la_lstsq_check, la_cond_check)

# matrix_rank counts singular values: piecewise constant
nondifferentiable(np.linalg.matrix_rank)

# --- norms ---
# norm(x) is positively homogeneous: its derivative is Re(sum(G * dx)) over the reduced
# axes, with the "direction" G of each ord computed by norm_direction (shared by both
# templates; a plain function the compiler differentiates through, not a runtime helper).
# JAX's convention for complex x: d|x| = Re(conj(x) / |x| dx).  At a kink the
# derivative taken is the existing subgradient: 0 at a zero vector (as for abs), ties of
# inf/-inf/1/-1 norms share evenly (as max does), ord=0 (a count) has derivative 0.
# The matrix 2/-2/'nuc' norms use the SVD (distinct singular values; full rank for nuc).


def norm_direction(x, y, ord, axis):
    """``(G, axes)``: the direction G (shaped like ``x``) of ``norm(x, ord, axis) = y`` and
    the reduced axes.  Not a runtime helper: a plain function of NumPy calls with rules,
    which the compiler differentiates through for second order."""
    spec = la_norm_spec(x, ord, axis)
    kind = spec[0]
    axes = spec[1]
    yk = np.reshape(y, la_keep_shape(x, axes))
    if kind == "two":
        G = la_conj(x) / np.where(yk == 0, 1.0, yk)
    elif kind == "p":
        G = abs_sign(x) * (np.abs(x) / np.where(yk == 0, 1.0, yk)) ** (spec[2] - 1)
    elif kind == "max" or kind == "min":
        G = abs_sign(x) * unreduce_extremum(1.0, yk, np.abs(x), axes, True)
    elif kind == "zero":
        G = zeros_like(x)
    elif kind == "colmax" or kind == "colmin" or kind == "rowmax" or kind == "rowmin":
        sums = np.sum(np.abs(x), axis=axes[0], keepdims=True)
        G = abs_sign(x) * unreduce_extremum(1.0, yk, sums, axes[1], True)
    else:
        usv = np.linalg.svd(np.moveaxis(x, axes, (-2, -1)), full_matrices=False)
        if kind == "nuc":
            Gm = usv[0] @ usv[2]
        elif kind == "spec":
            Gm = usv[0][..., :, :1] @ usv[2][..., :1, :]
        else:
            Gm = usv[0][..., :, -1:] @ usv[2][..., -1:, :]
        G = np.moveaxis(la_conj(Gm), (-2, -1), axes)
    return G, axes


@adjoint(np.linalg.norm)
def norm_adjoint(y, x, ord=None, axis=None, keepdims=False):
    Ga = norm_direction(x, y, ord, axis)
    d[x] = Ga[0] * np.reshape(d[y], la_keep_shape(x, Ga[1]))


@tangent(np.linalg.norm)
def norm_tangent(y, x, ord=None, axis=None, keepdims=False):
    Ga = norm_direction(x, y, ord, axis)
    d[y] = np.reshape(np.real(np.sum(Ga[0] * d[x], axis=Ga[1], keepdims=True)), np.shape(y))


# cond(x) = s_max / s_min (p=-2: s_min / s_max): dc = c (ds_max / s_max - ds_min / s_min)
# with ds_i = Re(u_i^H dx v_i)


def cond_direction(x, p):
    """``conj(u_1 v_1^H / s_1 - u_n v_n^H / s_n)`` (negated for p=-2): ``dc = c Re(sum(G
    dx))``.  Like :func:`norm_direction`, differentiated through for second order."""
    usv = np.linalg.svd(x, full_matrices=False)
    top = usv[0][..., :, :1] @ usv[2][..., :1, :] / np.expand_dims(usv[1][..., :1], -1)
    low = usv[0][..., :, -1:] @ usv[2][..., -1:, :] / np.expand_dims(usv[1][..., -1:], -1)
    D = top - low
    if la_cond_check(p) == -2:
        D = low - top
    return la_conj(D)


@adjoint(np.linalg.cond)
def cond_adjoint(y, x, p=None):
    d[x] = cond_direction(x, p) * np.expand_dims(np.expand_dims(d[y] * y, -1), -1)


@tangent(np.linalg.cond)
def cond_tangent(y, x, p=None):
    d[y] = y * np.real(np.sum(cond_direction(x, p) * d[x], axis=(-2, -1)))


# --- inverses and solves (holomorphic: plain transposes) ---


@adjoint(np.linalg.inv)
def inv_adjoint(y, a):
    d[a] = -(np.swapaxes(y, -1, -2) @ d[y] @ np.swapaxes(y, -1, -2))


@tangent(np.linalg.inv)
def inv_tangent(y, a):
    d[y] = -(y @ d[a] @ y)


# x = solve(a, b): b_bar = solve(a^T, x_bar), a_bar = -b_bar x^T, in matrix form (a vector
# right-hand side as a column: NumPy 1.x's and 2.x's rules in la_solve_vector), reduced
# to the operands' broadcast shapes
@adjoint(np.linalg.solve)
def solve_adjoint(y, a, b):
    vec = la_solve_vector(a, b)
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), la_as_matrix(d[y], vec))
    d[b] = unbroadcast(la_from_matrix(gb, vec), b)
    d[a] = unbroadcast(-(gb @ np.swapaxes(la_as_matrix(y, vec), -1, -2)), a)


@tangent(np.linalg.solve)
def solve_tangent(y, a, b):
    vec = la_solve_vector(a, b)
    d[y] = (la_from_matrix(np.linalg.solve(a, la_as_matrix(d[b], vec)), vec)
            - la_from_matrix(np.linalg.solve(a, d[a] @ la_as_matrix(y, vec)), vec))


# pinv (Golub & Pereyra 1973, Theorem 4.3): with P = pinv(A), N = I - A P, K = I - P A,
#   dP = -P dA P + P P^H dA^H N + K dA^H P^H P,
# valid where the rank is locally constant (full rank, or rank kept by the perturbation);
# pinv is discontinuous where the rank changes (at a rank-deficient A the result is the
# derivative along rank-preserving directions).  rcond/rtol/hermitian only select NumPy's
# algorithm and cut-off.
@adjoint(np.linalg.pinv)
def pinv_adjoint(y, a, rcond=None, hermitian=False, rtol=None):
    H = la_conj(d[y])
    N = la_eye_like(y) - a @ y
    K = la_eye_like(a) - y @ a
    HA = (-(la_mH(y) @ H @ la_mH(y)) + N @ la_mH(H) @ (y @ la_mH(y))
          + (la_mH(y) @ y) @ la_mH(H) @ K)
    d[a] = la_conj(HA)


@tangent(np.linalg.pinv)
def pinv_tangent(y, a, rcond=None, hermitian=False, rtol=None):
    N = la_eye_like(y) - a @ y
    K = la_eye_like(a) - y @ a
    d[y] = (-(y @ d[a] @ y) + (y @ la_mH(y)) @ la_mH(d[a]) @ N
            + K @ la_mH(d[a]) @ (la_mH(y) @ y))


# lstsq for full column rank (m >= n): x = (A^H A)^{-1} A^H b, r = b - A x,
#   dx = (A^H A)^{-1} (dA^H r - A^H dA x + A^H db);
# residuals sum|r|^2 (empty unless m > n): d = 2 Re sum(conj(r) (db - dA x)) (A^H r = 0);
# sv: the singular values (as svd's); rank is an integer (no derivative).
@adjoint(np.linalg.lstsq)
def lstsq_adjoint(y, a, b, rcond=None):
    la_lstsq_check(a, y[2])
    vec = np.ndim(b) == 1
    xm = la_as_matrix(y[0], vec)
    r = la_as_matrix(b, vec) - a @ xm
    Y = np.linalg.solve(la_mH(a) @ a, la_conj(la_as_matrix(d[y][0], vec)))
    Hb = a @ Y
    HA = r @ la_mH(Y) - Hb @ la_mH(xm)
    if np.size(y[1]) > 0:
        Hr = 2.0 * r * d[y][1]
        Hb = Hb + Hr
        HA = HA - Hr @ la_mH(xm)
    if np.any(d[y][3] != 0):
        usv = np.linalg.svd(a, full_matrices=False)
        HA = HA + usv[0] * np.expand_dims(d[y][3], -2) @ usv[2]
    d[a] = la_conj(HA)
    d[b] = la_from_matrix(la_conj(Hb), vec)


@tangent(np.linalg.lstsq)
def lstsq_tangent(y, a, b, rcond=None):
    la_lstsq_check(a, y[2])
    vec = np.ndim(b) == 1
    xm = la_as_matrix(y[0], vec)
    r = la_as_matrix(b, vec) - a @ xm
    AhA = la_mH(a) @ a
    dx = (np.linalg.solve(AhA, la_mH(d[a]) @ r - la_mH(a) @ (d[a] @ xm))
          + np.linalg.solve(AhA, la_mH(a) @ la_as_matrix(d[b], vec)))
    dres = y[1] * 0.0
    if np.size(y[1]) > 0:
        dres = (2.0 * np.real(np.sum(la_conj(r) * la_as_matrix(d[b], vec), axis=0))
                - 2.0 * np.real(np.sum(la_conj(r) * (d[a] @ xm), axis=0)))
    usv = np.linalg.svd(a, full_matrices=False)
    dsv = np.real(la_diag(la_mH(usv[0]) @ d[a] @ la_mH(usv[2])))
    d[y] = la_result_like((la_from_matrix(dx, vec), dres, zeros_like(y[2]), dsv), y)


# --- determinants (via solve: d det = det tr(a^{-1} da)) ---


@adjoint(np.linalg.det)
def det_adjoint(y, a):
    w = np.expand_dims(np.expand_dims(d[y] * y, -1), -1)
    d[a] = np.linalg.solve(np.swapaxes(a, -1, -2), la_eye_like(a) * w)


@tangent(np.linalg.det)
def det_tangent(y, a):
    d[y] = y * np.sum(la_diag(np.linalg.solve(a, d[a])), axis=-1)


# slogdet: with t = tr(a^{-1} da), d logabsdet = Re t and d sign = sign i Im t (0 for real
# a: the sign is piecewise constant).  Adjoint: (g_logabsdet + i Im(g_sign sign)) a^{-T};
# i Im(c) is written (c - conj(c)) / 2, which is 0 of c's dtype for real c.
@adjoint(np.linalg.slogdet)
def slogdet_adjoint(y, a):
    c = d[y][0] * y[0]
    w = np.expand_dims(np.expand_dims(d[y][1] + 0.5 * (c - la_conj(c)), -1), -1)
    d[a] = np.linalg.solve(np.swapaxes(a, -1, -2), la_eye_like(a) * w)


@tangent(np.linalg.slogdet)
def slogdet_tangent(y, a):
    t = np.sum(la_diag(np.linalg.solve(a, d[a])), axis=-1)
    d[y] = la_result_like((y[0] * (0.5 * (t - la_conj(t))), np.real(t)), y)


# --- Cholesky (Murray 2016, "Differentiation of the Cholesky decomposition", eqs. 8-10;
# as JAX's cholesky_jvp_rule): with Phi = lower triangle, halved diagonal,
#   dL = L Phi(L^{-1} dA L^{-H}),   A_bar = L^{-H} sym(Phi(L^H L_bar)) L^{-1}.
# Only L's lower triangle is a function of A: the cotangent's upper part is dropped.
# upper=True (NumPy >= 2) returns U = L^H.


@adjoint(np.linalg.cholesky)
def cholesky_adjoint(y, a, upper=False):
    L = la_cho_lower(y, upper)
    HL = la_conj(la_tril(la_cho_lower(d[y], upper)))
    P = la_phi(la_mH(L) @ HL)
    X = np.linalg.solve(la_mH(L), 0.5 * (P + la_mH(P)))
    d[a] = la_conj(np.linalg.solve(la_mH(L), la_mH(X)))


@tangent(np.linalg.cholesky)
def cholesky_tangent(y, a, upper=False):
    L = la_cho_lower(y, upper)
    Y = np.linalg.solve(L, 0.5 * (d[a] + la_mH(d[a])))
    d[y] = la_cho_lower(L @ la_phi(np.linalg.solve(L, la_mH(Y))), upper)


# --- Hermitian eigenproblems (as JAX's eigh_jvp_rule): with X = V^H sym(dA) V and
# F[i, j] = 1 / (w_j - w_i) (0 for i == j and degenerate pairs),
#   dw = Re diag(X),  dV = V (F * X);   A_bar = sym(V (diag(w_bar) + F * (V^H V_bar)) V^H).
# UPLO picks the triangle NumPy reads; the derivative is taken for Hermitian inputs.


@adjoint(np.linalg.eigh)
def eigh_adjoint(y, a, UPLO='L'):
    V = y[1]
    F = la_gap_inverse(np.expand_dims(y[0], -2) - np.expand_dims(y[0], -1))
    M = la_diag_embed(d[y][0]) + F * (la_mH(V) @ la_conj(d[y][1]))
    HA = V @ M @ la_mH(V)
    d[a] = la_conj(0.5 * (HA + la_mH(HA)))


@tangent(np.linalg.eigh)
def eigh_tangent(y, a, UPLO='L'):
    V = y[1]
    F = la_gap_inverse(np.expand_dims(y[0], -2) - np.expand_dims(y[0], -1))
    X = la_mH(V) @ (0.5 * (d[a] + la_mH(d[a]))) @ V
    d[y] = la_result_like((np.real(la_diag(X)), V @ (F * X)), y)


@adjoint(np.linalg.eigvalsh)
def eigvalsh_adjoint(y, a, UPLO='L'):
    V = np.linalg.eigh(a, UPLO)[1]
    d[a] = la_conj(V @ la_diag_embed(d[y]) @ la_mH(V))


@tangent(np.linalg.eigvalsh)
def eigvalsh_tangent(y, a, UPLO='L'):
    V = np.linalg.eigh(a, UPLO)[1]
    d[y] = np.real(la_diag(la_mH(V) @ d[a] @ V))


# --- general eigenproblems (holomorphic; as JAX's eig_jvp_rule): with X = V^{-1} dA V,
#   dw = diag(X),  dV = V (F * X) - V Re(diag(V^H V (F * X)))   (unit-norm columns),
# and the transpose of this map (beta_j = Re(sum_i V_bar_ij V_ij) is the normalisation's):
#   X_bar = diag(w_bar) + F * (V^T (V_bar - conj(V) beta)),  A_bar = V^{-T} X_bar V^T,
# for real A its real part (df = Re(sum(A_bar dA))).  The eigenvectors' phases are
# arbitrary (LAPACK makes the largest component real; these formulas keep another
# gauge): only functions invariant under v -> v e^{i t} have meaningful derivatives.


@adjoint(np.linalg.eig)
def eig_adjoint(y, a):
    V = y[1]
    VT = np.swapaxes(V, -1, -2)
    F = la_gap_inverse(np.expand_dims(y[0], -2) - np.expand_dims(y[0], -1))
    beta = np.real(np.sum(d[y][1] * V, axis=-2, keepdims=True))
    GX = la_diag_embed(d[y][0]) + F * (VT @ (d[y][1] - la_conj(V) * beta))
    d[a] = astype_like(np.linalg.solve(VT, GX @ VT), a)


@tangent(np.linalg.eig)
def eig_tangent(y, a):
    V = y[1]
    X = np.linalg.solve(V, d[a] @ V)
    dV = V @ (la_gap_inverse(np.expand_dims(y[0], -2) - np.expand_dims(y[0], -1)) * X)
    dV = dV - V * np.real(np.sum(la_conj(V) * dV, axis=-2, keepdims=True))
    d[y] = la_result_like((la_diag(X), dV), y)


@adjoint(np.linalg.eigvals)
def eigvals_adjoint(y, a):
    VT = np.swapaxes(np.linalg.eig(a)[1], -1, -2)
    d[a] = astype_like(np.linalg.solve(VT, la_diag_embed(d[y]) @ VT), a)


@tangent(np.linalg.eigvals)
def eigvals_tangent(y, a):
    V = np.linalg.eig(a)[1]
    d[y] = la_diag(np.linalg.solve(V, d[a] @ V))


# --- SVD (as JAX's svd_jvp_rule; Townsend 2016 for the adjoint): A = U diag(s) Vh,
# dS = U^H dA V, F[i, j] = 1 / (s_j^2 - s_i^2) (0 on the diagonal and degenerate pairs),
#   ds = Re diag(dS),
#   dU = U (F * (dS S + S dS^H) + (dS - dS^H) / 2 * S^{-1}) + (I - U U^H) dA V S^{-1},
#   dV = V (F * (S dS + dS^H S)) + (I - V V^H) dA^H U S^{-1}.
# The projector terms vanish for the square factor, so both are always included.  The
# adjoint is the transpose of this map.  full_matrices=True only for square matrices
# (the extra vectors are not unique: la_svd_check raises); compute_uv=False: s only.
# The templates read the factors from a reduced SVD of their own (the same call as the
# user's for full_matrices=False, which the compiler shares), never from the result in
# a branch: see the report on tuple adjoints accumulated after branches.


@adjoint(np.linalg.svd)
def svd_adjoint(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    la_svd_check(a, full_matrices, compute_uv)
    usv = np.linalg.svd(a, full_matrices=False)
    U = usv[0]
    s = usv[1]
    Vh = usv[2]
    if compute_uv:
        HU = la_conj(d[y][0])
        gs = d[y][1]
        HV = np.swapaxes(d[y][2], -1, -2)
    else:
        HU = zeros_like(U)
        gs = d[y]
        HV = zeros_like(np.swapaxes(Vh, -1, -2))
    sinv = la_gap_inverse(s, False)
    F = la_gap_inverse(np.expand_dims(s * s, -2) - np.expand_dims(s * s, -1))
    UHU = la_mH(U) @ HU
    J = F * UHU
    Jv = F * (Vh @ HV)
    K = la_diag_embed(la_diag(UHU) * sinv)
    HdS = (la_diag_embed(gs) + (J + la_mH(J)) * np.expand_dims(s, -2) + 0.5 * (K - la_mH(K))
           + np.expand_dims(s, -1) * (Jv + la_mH(Jv)))
    HVh = la_mH(HV)
    HA = (U @ HdS @ Vh + (HU - U @ UHU) * np.expand_dims(sinv, -2) @ Vh
          + U @ (np.expand_dims(sinv, -1) * (HVh - HVh @ la_mH(Vh) @ Vh)))
    d[a] = la_conj(HA)


@tangent(np.linalg.svd)
def svd_tangent(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    la_svd_check(a, full_matrices, compute_uv)
    usv = np.linalg.svd(a, full_matrices=False)
    U = usv[0]
    s = usv[1]
    V = la_mH(usv[2])
    dS = la_mH(U) @ d[a] @ V
    ds = np.real(la_diag(dS))
    out = ds
    if compute_uv:
        sinv = la_gap_inverse(s, False)
        F = la_gap_inverse(np.expand_dims(s * s, -2) - np.expand_dims(s * s, -1))
        dSS = dS * np.expand_dims(s, -2)
        SdS = np.expand_dims(s, -1) * dS
        dAV = d[a] @ V
        dAHU = la_mH(d[a]) @ U
        dU = (U @ (F * (dSS + la_mH(dSS)) + 0.5 * (dS - la_mH(dS)) * la_diag_embed(sinv))
              + (dAV - U @ (la_mH(U) @ dAV)) * np.expand_dims(sinv, -2))
        dV = (V @ (F * (SdS + la_mH(SdS)))
              + (dAHU - V @ (usv[2] @ dAHU)) * np.expand_dims(sinv, -2))
        out = la_result_like((dU, ds, la_mH(dV)), y)
    d[y] = out


# svdvals (NumPy >= 2): the singular values, ds = Re diag(U^H dA V)
_svdvals = getattr(np.linalg, "svdvals", None)
if _svdvals is not None:
    @adjoint(_svdvals)
    def svdvals_adjoint(y, x):
        usv = np.linalg.svd(x, full_matrices=False)
        d[x] = la_conj(usv[0] * np.expand_dims(d[y], -2) @ usv[2])

    @tangent(_svdvals)
    def svdvals_tangent(y, x):
        usv = np.linalg.svd(x, full_matrices=False)
        d[y] = np.real(la_diag(la_mH(usv[0]) @ d[x] @ la_mH(usv[2])))


# --- QR for m >= n (as JAX's qr_jvp_rule; Walter & Lehmann 2018): with W = dA R^{-1},
# Z = Q^H W and Om(Z) = tril(Z, -1) - tril(Z, -1)^H + i Im diag(Z) (skew-Hermitian),
#   dQ = Q (Om - Z) + W,   dR = (Z - Om) R.
# Adjoint: M = Q^H Q_bar - R_bar R^H, Z_bar = tril(M, -1) - tril(M^H, -1) + i Im diag(M)
# - M, A_bar = (Q_bar + Q Z_bar) R^{-H}.  mode='r' returns R only; 'complete' only for
# square matrices; 'raw' is not differentiated (la_qr_check raises).


@adjoint(np.linalg.qr)
def qr_adjoint(y, a, mode='reduced'):
    la_qr_check(a, mode)
    qr = np.linalg.qr(a)
    Q = qr[0]
    R = qr[1]
    if mode == 'r':
        HQ = zeros_like(Q)
        HR = la_conj(d[y])
    else:
        HQ = la_conj(d[y][0])
        HR = la_conj(d[y][1])
    M = la_mH(Q) @ HQ - HR @ la_mH(R)
    HZ = (la_tril(M, -1) - la_tril(la_mH(M), -1) + la_diag_embed(la_diag(M - np.real(M)))
          - M)
    d[a] = la_conj(la_mH(np.linalg.solve(R, la_mH(HQ + Q @ HZ))))


@tangent(np.linalg.qr)
def qr_tangent(y, a, mode='reduced'):
    la_qr_check(a, mode)
    qr = np.linalg.qr(a)
    Q = qr[0]
    R = qr[1]
    W = np.swapaxes(np.linalg.solve(np.swapaxes(R, -1, -2), np.swapaxes(d[a], -1, -2)), -1, -2)
    Z = la_mH(Q) @ W
    Om = la_tril(Z, -1) - la_mH(la_tril(Z, -1)) + la_diag_embed(la_diag(Z - np.real(Z)))
    out = la_result_like((Q @ (Om - Z) + W, (Z - Om) @ R), y)
    if mode == 'r':
        out = out[1]
    d[y] = out


# results that are tuples (namedtuples in NumPy 2) of arrays
sequence_result(np.linalg.svd, np.linalg.qr, np.linalg.eigh, np.linalg.eig, np.linalg.slogdet,
                np.linalg.lstsq)
