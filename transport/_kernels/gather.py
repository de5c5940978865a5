"""Sorting weighted rows on the CPU: values and their weights in sorted order, without argsort."""

from __future__ import annotations

import numba
import numpy as np

from gpu.jit import kernel

# Below this many gathered entries (or with one row) a batch runs on one thread
# (see transport_merge).
PARALLEL_MIN_SIZE = 1 << 18


@kernel()
def _sort_run_by_value(values, weights, lo, hi):
    """Sort values[lo:hi] ascending in place, carrying weights (insertion sort for short runs)."""
    if hi - lo <= 32:
        for j in range(lo + 1, hi):
            x = values[j]
            w = weights[j]
            k = j - 1
            while k >= lo and values[k] > x:
                values[k + 1] = values[k]
                weights[k + 1] = weights[k]
                k -= 1
            values[k + 1] = x
            weights[k + 1] = w
        return
    order = np.argsort(values[lo:hi], kind="mergesort")
    run_values = values[lo:hi][order]
    run_weights = weights[lo:hi][order]
    values[lo:hi] = run_values
    weights[lo:hi] = run_weights


@kernel()
def _gather_packed_row(keys, values, weights, n_bits, out_values, out_weights):
    mask = np.uint64((1 << n_bits) - 1)
    shift = np.uint64(n_bits)
    n = keys.shape[0]
    for j in range(n):
        k = keys[j] & mask
        out_values[j] = values[k]
        out_weights[j] = weights[k]
    # Keys order points by their value truncated to its high bits, then by index:
    # points sharing the truncated value form contiguous runs, re-sorted exactly.
    lo = 0
    while lo < n:
        block = keys[lo] >> shift
        hi = lo + 1
        while hi < n and (keys[hi] >> shift) == block:
            hi += 1
        if hi - lo > 1:
            _sort_run_by_value(out_values, out_weights, lo, hi)
        lo = hi


@kernel(parallel=True)
def _gather_packed_parallel(keys, values, weights, n_bits, out_values, out_weights):
    for b in numba.prange(keys.shape[0]):
        w = weights[0] if weights.shape[0] == 1 else weights[b]
        _gather_packed_row(keys[b], values[b], w, n_bits, out_values[b], out_weights[b])


@kernel()
def _gather_packed_serial(keys, values, weights, n_bits, out_values, out_weights):
    for b in range(keys.shape[0]):
        w = weights[0] if weights.shape[0] == 1 else weights[b]
        _gather_packed_row(keys[b], values[b], w, n_bits, out_values[b], out_weights[b])


def packed_sort_keys(values):
    """float64 keys whose low mantissa bits hold each entry's column index.

    Replacing the ``n_bits = ceil(log2 n)`` lowest bits of the IEEE pattern by
    the column index moves a value by less than ``2**(n_bits - 52)`` relative and
    keeps every key distinct. Sorting the keys as floats (NumPy's vectorised
    sort, several times faster than ``argsort``) orders the entries by their
    truncated values, then by index; :func:`gather_packed` reads the permutation
    back from the keys and restores the exact order inside each run of equal
    truncated values. Returns ``(keys, n_bits)``; ``values`` must be finite.
    """
    n = values.shape[-1]
    n_bits = max(1, int(n - 1).bit_length())
    keys = np.array(values, dtype=np.float64, copy=True, order="C")
    bits = keys.view(np.uint64)
    bits &= ~np.uint64((1 << n_bits) - 1)
    bits |= np.arange(n, dtype=np.uint64)
    return keys, n_bits


def gather_packed(sorted_keys, values, weights, n_bits, allow_parallel=True):
    """Values and weights in the exact sorted order, from float-sorted :func:`packed_sort_keys`.

    ``weights`` is (B, n) or (1, n) (shared by every row). The order among
    equal values is unspecified (it does not change any transport cost).
    """
    out_values = np.empty(values.shape, dtype=values.dtype)
    out_weights = np.empty(values.shape, dtype=weights.dtype)
    parallel = allow_parallel and values.shape[0] > 1 and values.size >= PARALLEL_MIN_SIZE
    run = _gather_packed_parallel if parallel else _gather_packed_serial
    run(sorted_keys.view(np.uint64), values, weights, n_bits, out_values, out_weights)
    return out_values, out_weights
