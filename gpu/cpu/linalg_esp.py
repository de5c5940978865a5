"""Elementary symmetric polynomials in log space and the k-DPP eigenvector selection.

``T[l, n] = log e_l(lambda_1, ..., lambda_n)`` by the recursion
``e_l(n) = e_l(n-1) + lambda_n e_{l-1}(n-1)`` (Kulesza and Taskar 2012,
Algorithm 7) carried out with log-add-exp, so it neither overflows nor
underflows for N = 10,000 and eigenvalues spread over many decades; zero
eigenvalues enter as ``-inf``.
"""

from __future__ import annotations

import math

import numpy as np

from gpu.cpu.jit import kernel
from gpu.cpu.linalg_random import _uniform


@kernel()
def _logaddexp(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a > b:
        return a + math.log1p(math.exp(b - a))
    return b + math.log1p(math.exp(a - b))


@kernel()
def _log_esp_table(log_lam, k):
    """Table ``T`` of shape (k + 1, N + 1) with ``T[l, n] = log e_l(lambda_1..lambda_n)``."""
    n_items = log_lam.shape[0]
    T = np.full((k + 1, n_items + 1), -np.inf)
    T[0, :] = 0.0
    for l in range(1, k + 1):
        for n in range(1, n_items + 1):
            T[l, n] = _logaddexp(T[l, n - 1], log_lam[n - 1] + T[l - 1, n - 1])
    return T


@kernel()
def _select_k_eigenvectors(log_lam, T, k, seeds, out):
    """Kulesza and Taskar Algorithm 8: ``out[s]`` = k eigenvector indices for each seed."""
    n_items = log_lam.shape[0]
    for s in range(seeds.shape[0]):
        state = np.empty(1, dtype=np.uint64)
        state[0] = seeds[s]
        l = k
        for n in range(n_items, 0, -1):
            if l == 0:
                break
            log_p = log_lam[n - 1] + T[l - 1, n - 1] - T[l, n]
            if l == n or _uniform(state) < math.exp(min(log_p, 0.0)):
                out[s, k - l] = n - 1
                l -= 1
