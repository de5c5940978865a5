"""G-optimal (Kiefer--Wolfowitz) designs by Frank--Wolfe with away steps.

For points x_1..x_m spanning R^r and weights pi on the simplex, the variance
function g_k(pi) = x_k^T M(pi)^{-1} x_k with M(pi) = sum_k pi_k x_k x_k^T has
max_k g_k >= r, with equality exactly at the G-optimal (= D-optimal) designs
(Kiefer and Wolfowitz, 1960). Each iteration moves mass toward the point of
largest variance or away from the support point of smallest variance, with the
exact line search of the log-det objective,
lambda = (g_j - r) / (r (g_j - 1)) (Wolfe--Atwood / Todd--Yildirim), and updates
M^{-1} and all g_k by Sherman--Morrison in O(m r + r^2). M^{-1} is recomputed
from pi by Cholesky every ``_REFRESH`` iterations.
"""

from __future__ import annotations

import math

import numpy as np

from bandits._kernels.dense import _refactor, _sym_matvec
from gpu.jit import kernel

_REFRESH = 64


@kernel()
def _variances(X, pi, M, L, Linv, Minv, g, z):
    """Recompute M(pi), M^{-1} and every g_k; returns False if M is singular."""
    m, r = X.shape
    for i in range(r):
        for j in range(r):
            M[i, j] = 0.0
    for k in range(m):
        if pi[k] > 0.0:
            for i in range(r):
                for j in range(r):
                    M[i, j] += pi[k] * (X[k, i] * X[k, j])
    if math.isnan(_refactor(M, L, Linv, Minv)):
        return False
    for k in range(m):
        _sym_matvec(Minv, X[k], z)
        acc = 0.0
        for i in range(r):
            acc += X[k, i] * z[i]
        g[k] = acc
    return True


@kernel()
def _frank_wolfe(X, pi, tol, max_steps):
    """Run Frank--Wolfe on the rows of X (m, r), full column rank, from ``pi``.

    Updates ``pi`` in place; returns (iterations, max_k g_k).
    """
    m, r = X.shape
    M = np.empty((r, r))
    L = np.zeros((r, r))
    Linv = np.zeros((r, r))
    Minv = np.empty((r, r))
    g = np.empty(m)
    z = np.empty(r)
    if not _variances(X, pi, M, L, Linv, Minv, g, z):
        return 0, math.inf
    it = 0
    while True:
        up = 0
        down = -1
        for k in range(m):
            if g[k] > g[up]:
                up = k
            if pi[k] > 0.0 and (down < 0 or g[k] < g[down]):
                down = k
        if g[up] <= r * (1.0 + tol) or it >= max_steps:
            return it, g[up]
        it += 1
        if g[up] - r >= r - g[down]:
            j = up
            lam = (g[j] - r) / (r * (g[j] - 1.0))
        else:
            j = down
            floor = -pi[j] / (1.0 - pi[j])
            lam = floor if g[j] <= 1.0 else max((g[j] - r) / (r * (g[j] - 1.0)), floor)
        for k in range(m):
            pi[k] *= 1.0 - lam
        pi[j] += lam
        if pi[j] < 1e-15:
            pi[j] = 0.0
        if it % _REFRESH == 0:
            if not _variances(X, pi, M, L, Linv, Minv, g, z):
                return it, math.inf
            continue
        s = lam / (1.0 - lam)
        _sym_matvec(Minv, X[j], z)
        denom = 1.0 + s * g[j]
        for k in range(m):
            xz = 0.0
            for i in range(r):
                xz += X[k, i] * z[i]
            g[k] = (g[k] - s * (xz * xz) / denom) / (1.0 - lam)
        for i in range(r):
            for jj in range(r):
                Minv[i, jj] = (Minv[i, jj] - s * (z[i] * z[jj]) / denom) / (1.0 - lam)


@kernel()
def _basis_start(X, pi):
    """Uniform weights on r rows of X (m, r) that span R^r, picked by pivoted Gram--Schmidt.

    Starting Frank--Wolfe from a basis instead of all m points keeps the support
    small: points enter only when a step moves mass to them.
    """
    m, r = X.shape
    R = X.copy()
    for k in range(m):
        pi[k] = 0.0
    for _ in range(r):
        best = 0
        best_norm = -1.0
        for k in range(m):
            nrm = 0.0
            for i in range(r):
                nrm += R[k, i] * R[k, i]
            if pi[k] == 0.0 and nrm > best_norm:
                best = k
                best_norm = nrm
        pi[best] = 1.0 / r
        q = R[best] / np.sqrt(best_norm)
        for k in range(m):
            c = 0.0
            for i in range(r):
                c += R[k, i] * q[i]
            for i in range(r):
                R[k, i] -= c * q[i]


@kernel()
def _g_optimal(A, tol, max_steps):
    """G-optimal design on the span of the rows of A (m, d), any rank >= 1.

    Works in an orthonormal basis of the span (from the SVD), so the bound is
    the rank r. Returns (weights, iterations, max variance, rank).
    """
    m, d = A.shape
    pi = np.full(m, 1.0 / m)
    _, s, vt = np.linalg.svd(A, full_matrices=False)
    rank = 0
    for i in range(s.shape[0]):
        if s[i] > s[0] * 1e-10:
            rank += 1
    if rank == 0:
        return pi, 0, math.inf, 0
    X = A @ np.ascontiguousarray(vt[:rank].T)
    if rank == 1:
        best = 0
        for k in range(m):
            if abs(X[k, 0]) > abs(X[best, 0]):
                best = k
        pi[:] = 0.0
        pi[best] = 1.0
        return pi, 0, 1.0, 1
    _basis_start(X, pi)
    it, gmax = _frank_wolfe(X, pi, tol, max_steps)
    return pi, it, gmax, rank
