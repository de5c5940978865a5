"""Small dense linear algebra for the bandit kernels, written as plain loops.

Every routine works in place on preallocated arrays and uses a fixed loop
order, so a run gives the same bits whether it is simulated alone or beside a
thousand others, and the same source compiles for the CPU (Numba) and for
numba.cuda kernels (which may call these jitted functions).

Symmetric matrices are kept exactly symmetric: rank-one updates subtract
``(z_i z_j) / q``, whose rounding does not depend on the order of ``i, j``.
"""

from __future__ import annotations

import math

import numba

from gpu.jit import kernel


@kernel()
def _sym_matvec(M, x, out):
    """out = M x for a symmetric (d, d) M, accumulated column by column."""
    d = x.shape[0]
    for i in range(d):
        out[i] = 0.0
    for j in range(d):
        xj = x[j]
        for i in range(d):
            out[i] += M[j, i] * xj


@kernel()
def _dot(x, y):
    """x . y, summed left to right."""
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    return acc


@kernel()
def _sherman_morrison(Vinv, a, z):
    """Rank-one update of an inverse: (V + a a^T)^{-1} from V^{-1}, in place.

    Leaves ``z = V^{-1} a`` (before the update) in ``z`` and returns
    ``q = 1 + a^T V^{-1} a``, so ``log det`` grows by ``log q`` (matrix
    determinant lemma).
    """
    d = a.shape[0]
    _sym_matvec(Vinv, a, z)
    q = 1.0 + _dot(a, z)
    qinv = 1.0 / q
    for i in range(d):
        zi = z[i]
        for j in range(d):
            Vinv[i, j] -= (zi * z[j]) * qinv
    return q


@kernel()
def _add_outer(V, a, scale):
    """V += scale * a a^T (exactly symmetric)."""
    d = a.shape[0]
    for i in range(d):
        for j in range(d):
            V[i, j] += scale * (a[i] * a[j])


@kernel()
def _cholesky(M, L):
    """Lower Cholesky factor of a symmetric positive-definite M into L.

    Returns False (leaving L partly written) if a pivot is not positive.
    """
    d = M.shape[0]
    for j in range(d):
        acc = M[j, j]
        for k in range(j):
            acc -= L[j, k] * L[j, k]
        if not acc > 0.0:
            return False
        ljj = math.sqrt(acc)
        L[j, j] = ljj
        for i in range(j + 1, d):
            s = M[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / ljj
        for i in range(j):
            L[i, j] = 0.0
    return True


@kernel()
def _inverse_from_cholesky(L, Linv, out):
    """out = (L L^T)^{-1} = L^{-T} L^{-1}; returns log det(L L^T).

    ``Linv`` is scratch space that receives ``L^{-1}``.
    """
    d = L.shape[0]
    logdet = 0.0
    for j in range(d):
        logdet += 2.0 * math.log(L[j, j])
        for i in range(d):
            Linv[i, j] = 0.0
        Linv[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, d):
            s = 0.0
            for k in range(j, i):
                s -= L[i, k] * Linv[k, j]
            Linv[i, j] = s / L[i, i]
    for i in range(d):
        for j in range(i, d):
            s = 0.0
            for k in range(j, d):
                s += Linv[k, i] * Linv[k, j]
            out[i, j] = s
            out[j, i] = s
    return logdet


@kernel()
def _refactor(V, L, Linv, Vinv):
    """Recompute V^{-1} from V by Cholesky; returns log det V (NaN if V is not SPD)."""
    if not _cholesky(V, L):
        return math.nan
    return _inverse_from_cholesky(L, Linv, Vinv)


@kernel()
def _argmax(x):
    """Index of the first maximum (NaN entries never win)."""
    best = 0
    for k in range(1, x.shape[0]):
        if x[k] > x[best]:
            best = k
    return best


@kernel(parallel=True)
def _arm_means(arms, theta, out):
    """out[r, t, k] = arms[r, t, k] . theta, summed left to right (bit-stable per run)."""
    n0, n1, K, _ = arms.shape
    for r in numba.prange(n0):
        for t in range(n1):
            for k in range(K):
                out[r, t, k] = _dot(arms[r, t, k], theta)
