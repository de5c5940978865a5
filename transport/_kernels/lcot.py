r"""Merges of LCOT embeddings: :math:`\int_0^1 |T_1(s) - T_2(s)|_{S^1}^2\, ds` (CPU kernels).

An LCOT embedding against an atomless reference is a step function of the
reference level :math:`s \in [0, 1)`: ``levels`` are the right ends of its pieces
(increasing, the last one 1.0) and ``targets`` the lifted image on each piece.
Two embeddings are compared by walking both level sequences once.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.jit import kernel

# Below this many merge steps a batch runs on the calling thread.
PARALLEL_MIN_STEPS = 1 << 16


@kernel()
def _circular_sq(d):
    """:math:`|d|_{S^1}^2`, the squared distance to the nearest integer."""
    r = abs(d - math.floor(d + 0.5))
    return r * r


@kernel()
def _merge_row(la, ta, lb, tb):
    """:math:`\\int_0^1 |T_a(s) - T_b(s)|_{S^1}^2 ds` of two step functions given by right ends."""
    na = la.shape[0]
    nb = lb.shape[0]
    i = 0
    j = 0
    prev = 0.0
    acc = 0.0
    while i < na and j < nb:
        a = la[i]
        b = lb[j]
        t = min(a, b)
        acc += (t - prev) * _circular_sq(ta[i] - tb[j])
        prev = t
        i += a <= t
        j += b <= t
    return acc


@kernel(parallel=True)
def _rows_parallel(la, ta, lb, tb):
    out = np.empty(la.shape[0], dtype=np.float64)
    for r in numba.prange(la.shape[0]):
        out[r] = _merge_row(la[r], ta[r], lb[r], tb[r])
    return out


@kernel()
def _rows_serial(la, ta, lb, tb):
    out = np.empty(la.shape[0], dtype=np.float64)
    for r in range(la.shape[0]):
        out[r] = _merge_row(la[r], ta[r], lb[r], tb[r])
    return out


def merge_rows(la, ta, lb, tb):
    """Row-wise squared LCOT distances of (B, n + 1) and (B, m + 1) step functions."""
    parallel = la.shape[0] > 1 and la.shape[0] * (la.shape[1] + lb.shape[1]) >= PARALLEL_MIN_STEPS
    return (_rows_parallel if parallel else _rows_serial)(la, ta, lb, tb)


@kernel(parallel=True)
def _pairs_parallel(la, ta, lb, tb, rows, cols):
    out = np.empty(rows.shape[0], dtype=np.float64)
    for k in numba.prange(rows.shape[0]):
        out[k] = _merge_row(la[rows[k]], ta[rows[k]], lb[cols[k]], tb[cols[k]])
    return out


def merge_pairs(la, ta, lb, tb, rows, cols):
    """Squared LCOT distances of the pairs (rows[k], cols[k]) of two stacks of step functions.

    Stacks are (M, n + 1) and (K, m + 1), padded with pieces of zero width. The
    pairs are spread evenly over the cores (one flat parallel loop).
    """
    return _pairs_parallel(la, ta, lb, tb, rows, cols)
