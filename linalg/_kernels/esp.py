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

from gpu.jit import kernel
from linalg._kernels.stream import _uniform


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


# A scaled entry below this (relative to its column maximum, 1) counts as lost to underflow.
_UNDERFLOW = 1e-280


@kernel()
def _scaled_esp_table(lam, k):
    """Column-scaled elementary symmetric polynomials, in linear arithmetic.

    ``E[n, l] = e_l(lambda_1..lambda_n) / s_n`` with ``s_n`` the column maximum,
    and ``ratio[n] = s_{n-1} / s_n``. By Newton's inequalities ``l -> e_l(n)``
    is log-concave, so the smallest entry that must be positive
    (``l <= min(k, #positive lambda_1..n)``) is at an end of that range;
    ``ok`` is False when one of them fell below ``_UNDERFLOW``, and the caller
    then uses the log-space table instead. One pass, no transcendental calls.
    """
    n_items = lam.shape[0]
    E = np.zeros((n_items + 1, k + 1))
    ratio = np.ones(n_items + 1)
    E[0, 0] = 1.0
    positive = 0
    ok = True
    for n in range(1, n_items + 1):
        x = lam[n - 1]
        E[n, 0] = E[n - 1, 0]
        top = E[n, 0]
        for l in range(1, k + 1):
            v = E[n - 1, l] + x * E[n - 1, l - 1]
            E[n, l] = v
            if v > top:
                top = v
        inv = 1.0 / top
        for l in range(k + 1):
            E[n, l] *= inv
        ratio[n] = inv
        if x > 0.0:
            positive += 1
        last = min(positive, k)
        if E[n, 0] < _UNDERFLOW or E[n, last] < _UNDERFLOW:
            ok = False
    return E, ratio, ok


@kernel()
def _select_k_eigenvectors(lam, table, ratio, log_space, k, seeds, out):
    """Kulesza and Taskar's Algorithm 8: ``out[s]`` = k eigenvector indices for each seed.

    ``table[n, l]`` is either the column-scaled table of
    :func:`_scaled_esp_table` (with its ``ratio``) or, when ``log_space``, the
    transposed log table of :func:`_log_esp_table` (``ratio`` unused). Item
    ``n`` is kept, with ``l`` still to choose, with probability
    ``lambda_n e_{l-1}(n-1) / e_l(n)``.
    """
    n_items = lam.shape[0]
    state = np.empty(1, dtype=np.uint64)
    for s in range(seeds.shape[0]):
        state[0] = seeds[s]
        l = k
        for n in range(n_items, 0, -1):
            if l == 0:
                break
            if lam[n - 1] <= 0.0:
                p = 0.0
            elif log_space:
                log_p = math.log(lam[n - 1]) + table[n - 1, l - 1] - table[n, l]
                p = math.exp(min(log_p, 0.0))
            else:
                p = lam[n - 1] * table[n - 1, l - 1] * ratio[n] / table[n, l]
            if l == n or _uniform(state) < p:
                out[s, k - l] = n - 1
                l -= 1
