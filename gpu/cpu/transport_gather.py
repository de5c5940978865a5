"""Row-wise gathers by a sort permutation (CPU): values and their weights in sorted order."""

from __future__ import annotations

import numba
import numpy as np

from gpu.cpu.jit import kernel

# Below this many gathered entries (or with one row) a batch runs on one thread
# (see transport_merge).
PARALLEL_MIN_SIZE = 1 << 18


@kernel()
def _gather_row(values, order, weights, out_values, out_weights):
    for i in range(order.shape[0]):
        k = order[i]
        out_values[i] = values[k]
        out_weights[i] = weights[k]


@kernel(parallel=True)
def _gather_rows_parallel(values, order, weights, out_values, out_weights):
    for b in numba.prange(order.shape[0]):
        _gather_row(values[b], order[b], weights[b], out_values[b], out_weights[b])


@kernel()
def _gather_rows_serial(values, order, weights, out_values, out_weights):
    for b in range(order.shape[0]):
        _gather_row(values[b], order[b], weights[b], out_values[b], out_weights[b])


def gather_sorted(values, order, weights, allow_parallel=True):
    """values[b, order[b]] and weights[b, order[b]] for (B, n) arrays (weights may be (1, n)).

    A (1, n) ``weights`` is shared by every row (the weights of a point cloud,
    the same for all slices). ``allow_parallel=False`` keeps the gather on the
    calling thread (for callers that already run in a thread pool).
    """
    out_values = np.empty(order.shape, dtype=values.dtype)
    out_weights = np.empty(order.shape, dtype=weights.dtype)
    if weights.shape[0] == 1 and order.shape[0] > 1:
        weights = np.broadcast_to(weights, order.shape)
    parallel = allow_parallel and order.shape[0] > 1 and order.size >= PARALLEL_MIN_SIZE
    run = _gather_rows_parallel if parallel else _gather_rows_serial
    run(values, order, weights, out_values, out_weights)
    return out_values, out_weights
