"""Continuous projection DPPs and Christoffel sampling for orthonormal polynomials.

The 1-D orthonormal polynomials follow the three-term recurrence
``x p_n = b_{n+1} p_{n+1} + b_n p_{n-1}`` with ``b`` given per family
(``betas[n] = b_n``, ``betas[0]`` unused). Tensor-product features are
``phi_j(x) = prod_d p_{idx[j, d]}(x_d)``.

The squared density ``p_n(x)^2 dmu(x)`` is sampled by rejection from the
arcsine law ``dx / (pi sqrt(1 - x^2))``, drawn as ``cos(pi u)``:

* Legendre (``dmu = dx / 2``): by the Bernstein-type bound
  ``(1 - x^2)^{1/4} |P_n(x)| <= sqrt(2 / pi) (n + 1/2)^{-1/2}``
  (Antonov and Holsevnikov 1981), the ratio to the proposal is at most 2 and
  the acceptance probability is ``pi sqrt(1 - x^2) p_n(x)^2 / 4``;
* Chebyshev (``dmu`` the arcsine law): ``p_n^2 <= 2``, acceptance ``p_n(x)^2 / 2``.

The Christoffel density ``(1/m) sum_j phi_j^2 dmu`` is the uniform mixture of
these products. The chain rule of the projection DPP accepts a Christoffel
proposal ``x`` with probability ``||P_t^perp phi(x)||^2 / ||phi(x)||^2``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.jit import kernel
from linalg._kernels.gram_schmidt import _append_direction, _squared_projection
from linalg._kernels.stream import _uniform

LEGENDRE = 0
CHEBYSHEV = 1
_MAX_TRIALS_PER_POINT = 100_000


@kernel()
def _orthonormal_values(x, betas, nmax, out):
    """``out[n] = p_n(x)`` for n = 0..nmax."""
    out[0] = 1.0
    if nmax >= 1:
        out[1] = x / betas[1]
    for n in range(1, nmax):
        out[n + 1] = (x * out[n] - betas[n] * out[n - 1]) / betas[n + 1]


@kernel()
def _sample_squared(n, betas, family, state, vals):
    """One draw from ``p_n(x)^2 dmu(x)`` on [-1, 1] (rejection from the arcsine law)."""
    while True:
        x = math.cos(math.pi * _uniform(state))
        _orthonormal_values(x, betas, n, vals)
        p2 = vals[n] * vals[n]
        if family == LEGENDRE:
            ratio = 0.25 * math.pi * math.sqrt(max(1.0 - x * x, 0.0)) * p2
        else:
            ratio = 0.5 * p2
        if _uniform(state) < ratio:
            return x


@kernel()
def _christoffel_point(idx, betas, family, state, x, vals):
    """Draw ``x`` (dim,) from the Christoffel density of the index set ``idx`` (m, dim)."""
    m, dim = idx.shape
    j = min(int(_uniform(state) * m), m - 1)
    for d in range(dim):
        x[d] = _sample_squared(idx[j, d], betas, family, state, vals)


@kernel(fastmath=True)
def _features(x, idx, betas, nmax, table, phi):
    """``phi[j] = prod_d p_{idx[j, d]}(x_d)``; returns ``||phi||^2``."""
    m, dim = idx.shape
    for d in range(dim):
        _orthonormal_values(x[d], betas, nmax, table[d])
    total = 0.0
    for j in range(m):
        v = 1.0
        for d in range(dim):
            v *= table[d, idx[j, d]]
        phi[j] = v
        total += v * v
    return total


@kernel(fastmath=True)
def _chain_rule_one(idx, betas, family, nmax, state, out):
    """One projection-DPP sample (m points) by the chain rule; 0 on success, -1 on failure."""
    m, dim = idx.shape
    Q = np.empty((m, m))
    c = np.empty(m)
    phi = np.empty(m)
    x = np.empty(dim)
    table = np.empty((dim, nmax + 1))
    vals = np.empty(nmax + 1)
    budget = _MAX_TRIALS_PER_POINT * m
    for t in range(m):
        while True:
            budget -= 1
            if budget < 0:
                return -1
            _christoffel_point(idx, betas, family, state, x, vals)
            nv = _features(x, idx, betas, nmax, table, phi)
            proj = _squared_projection(Q, t, phi, c)
            if _uniform(state) * nv >= nv - proj:
                continue
            if not _append_direction(Q, t, phi, c, nv):
                continue
            for d in range(dim):
                out[t, d] = x[d]
            break
    return 0


@kernel()
def _chain_rule_range(idx, betas, family, nmax, seeds, out, status, lo, hi):
    """Samples ``lo..hi-1``: ``out[s]`` (m, dim) from the stream ``seeds[s]``."""
    state = np.empty(1, dtype=np.uint64)
    for s in range(lo, hi):
        state[0] = seeds[s]
        status[s] = _chain_rule_one(idx, betas, family, nmax, state, out[s])


@kernel(parallel=True)
def _chain_rule_chunks(idx, betas, family, nmax, seeds, out, status, bounds):
    """Parallel over the chunks ``bounds[c]..bounds[c+1]-1`` of samples."""
    for c in numba.prange(bounds.shape[0] - 1):
        _chain_rule_range(idx, betas, family, nmax, seeds, out, status, bounds[c], bounds[c + 1])


@kernel()
def _christoffel_sample(idx, betas, family, nmax, n, seed):
    """``n`` i.i.d. Christoffel points (n, dim) and ``sum_j phi_j(x)^2`` at each."""
    m, dim = idx.shape
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    points = np.empty((n, dim))
    sums = np.empty(n)
    vals = np.empty(nmax + 1)
    table = np.empty((dim, nmax + 1))
    phi = np.empty(m)
    for i in range(n):
        _christoffel_point(idx, betas, family, state, points[i], vals)
        sums[i] = _features(points[i], idx, betas, nmax, table, phi)
    return points, sums


@kernel()
def _evaluate_features(X, idx, betas, nmax):
    """Feature matrix (n, m) of the points ``X`` (n, dim)."""
    n, dim = X.shape
    m = idx.shape[0]
    out = np.empty((n, m))
    table = np.empty((dim, nmax + 1))
    for i in range(n):
        _features(X[i], idx, betas, nmax, table, out[i])
    return out
