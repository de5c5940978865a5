"""Exact optimal partial transport of unit masses on the line (CPU dynamic programme).

Every atom has mass 1; creating or destroying one costs ``lam``. For a cost
|x - y|^p with p >= 1 some optimal plan has three properties (exchange arguments
in the spirit of Bai et al., CVPR 2023, with ties resolved by perturbing the atoms):

* no matched pair costs 2 lam or more (unmatching it never costs more);
* no unmatched atom lies strictly between the two ends of a matched pair
  (matching it instead is strictly cheaper), so unmatched atoms cut the merged
  sorted sequence into runs whose atoms are all matched, with as many x as y;
* inside such a run the matching is the monotone one (k-th x with k-th y).

A run decomposes into minimal balanced runs, i.e. stretches (t, s] of the merged
sequence where the running count D = #x - #y returns to its value at t for the
first time. Hence the programme over merged positions

    F(s) = min(F(s - 1) + lam, F(t(s)) + run_cost(t(s), s]),

with t(s) the last position before s at which D took the value D(s), is exact.
The pairs of a run lie on one diagonal (x index - y index = D(s)); a run is
summed pair by pair and abandoned as soon as it cannot win. Work is
O((n + m) h), with h the number of nested levels a run spans (about sqrt(n) for
two samples of one law, up to n for two well separated clouds).
"""

from __future__ import annotations

import numba
import numpy as np

from gpu.jit import kernel

# Below this many merge steps (rows x (n + m)), or with one row, a batch runs on one
# thread: waking the thread pool costs more than the work.
PARALLEL_MIN_STEPS = 1 << 16


@kernel()
def _pair_cost(d, p):
    d = abs(d)
    if p == 2.0:
        return d * d
    if p == 1.0:
        return d
    return d**p


@kernel()
def _partial_unit_row(x, y, lam, p, rows, cols):
    """Optimal partial matching of sorted unit masses ``x`` (n,) and ``y`` (m,).

    Writes the matched sorted indices into ``rows`` / ``cols`` (length >= min(n, m))
    and returns ``(cost, n_pairs)`` where cost = matching cost + lam (n + m - 2 n_pairs).
    """
    n = x.shape[0]
    m = y.shape[0]
    size = n + m
    f = np.empty(size + 1, dtype=np.float64)
    prev = np.full(size + 1, -1, dtype=np.int64)
    cx = np.zeros(size + 1, dtype=np.int64)
    last = np.full(size + 1, -1, dtype=np.int64)
    f[0] = 0.0
    last[m] = 0
    i = 0
    j = 0
    two_lam = 2.0 * lam
    for s in range(1, size + 1):
        if j >= m or (i < n and x[i] <= y[j]):
            i += 1
        else:
            j += 1
        cx[s] = i
        level = i - j + m
        best = f[s - 1] + lam
        t = last[level]
        if t >= 0:
            bound = best - f[t]
            i0 = cx[t]
            j0 = t - i0
            k = (s - t) // 2
            acc = 0.0
            ok = True
            for q in range(k - 1, -1, -1):
                c = _pair_cost(x[i0 + q] - y[j0 + q], p)
                acc += c
                if c >= two_lam or acc >= bound:
                    ok = False
                    break
            if ok:
                best = f[t] + acc
                prev[s] = t
        f[s] = best
        last[level] = s
    n_pairs = 0
    s = size
    while s > 0:
        t = prev[s]
        if t < 0:
            s -= 1
            continue
        i0 = cx[t]
        j0 = t - i0
        for q in range((s - t) // 2):
            rows[n_pairs] = i0 + q
            cols[n_pairs] = j0 + q
            n_pairs += 1
        s = t
    return f[size], n_pairs


@kernel(parallel=True)
def _partial_unit_rows_parallel(x, y, lam, p, rows, cols, cost, n_pairs):
    for b in numba.prange(x.shape[0]):
        cost[b], n_pairs[b] = _partial_unit_row(x[b], y[b], lam[b], p, rows[b], cols[b])


@kernel()
def _partial_unit_rows_serial(x, y, lam, p, rows, cols, cost, n_pairs):
    for b in range(x.shape[0]):
        cost[b], n_pairs[b] = _partial_unit_row(x[b], y[b], lam[b], p, rows[b], cols[b])


@kernel()
def _partial_unit_mass_row(x, y, count, p, max_steps, rows, cols):
    """Bracket the lam at which the transported count of :func:`_partial_unit_row` passes ``count``.

    Doubling, then bisection, on lam in [0, max cost / 2 + 1] (all pairs are
    transported at the top).
    Returns ``(k_lo, k_hi)``; ``rows[0], cols[0]`` hold the plan at the low end
    (k_lo <= count) and ``rows[1], cols[1]`` the plan at the high end (k_hi >= count).
    When some lam transports exactly ``count``, both plans are that one.
    """
    lo = 0.0
    k_lo = 0
    span = max(abs(x[0] - y[-1]), abs(x[-1] - y[0]))
    cap = _pair_cost(span, p) / 2.0 + 1.0
    # Doubling from far below the cap first: a small lam keeps the programme's runs short.
    hi = cap * 2.0**-60
    while True:
        _, k_hi = _partial_unit_row(x, y, hi, p, rows[1], cols[1])
        if k_hi >= count or hi >= cap:
            break
        lo = hi
        k_lo = k_hi
        rows[0, :] = rows[1]
        cols[0, :] = cols[1]
        hi = min(2.0 * hi, cap)
    scratch_rows = np.empty(rows.shape[1], dtype=np.int64)
    scratch_cols = np.empty(rows.shape[1], dtype=np.int64)
    for _ in range(max_steps):
        if k_hi == count:
            rows[0, :] = rows[1]
            cols[0, :] = cols[1]
            return k_hi, k_hi
        mid = 0.5 * (lo + hi)
        if not (lo < mid < hi):
            break
        _, k = _partial_unit_row(x, y, mid, p, scratch_rows, scratch_cols)
        if k <= count:
            lo = mid
            k_lo = k
            rows[0, :] = scratch_rows
            cols[0, :] = scratch_cols
            if k == count:
                return k, k
        else:
            hi = mid
            k_hi = k
            rows[1, :] = scratch_rows
            cols[1, :] = scratch_cols
    return k_lo, k_hi


def partial_unit_mass_row(x, y, count, p, max_steps):
    """:func:`_partial_unit_mass_row` on sorted rows; returns (rows (2, k), cols, k_lo, k_hi)."""
    k = min(x.shape[0], y.shape[0])
    rows = np.full((2, k), -1, dtype=np.int64)
    cols = np.full((2, k), -1, dtype=np.int64)
    k_lo, k_hi = _partial_unit_mass_row(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        float(count),
        float(p),
        int(max_steps),
        rows,
        cols,
    )
    return rows, cols, k_lo, k_hi


def partial_unit_rows(x, y, lam, p):
    """Batched :func:`_partial_unit_row` over sorted rows ``x`` (B, n), ``y`` (B, m), ``lam`` (B,).

    Returns ``(cost, rows, cols, n_pairs)``: float64 (B,), int64 (B, min(n, m)) sorted
    indices (the first ``n_pairs[b]`` entries of row b are valid) and int64 (B,).
    """
    batch = x.shape[0]
    k = min(x.shape[1], y.shape[1])
    rows = np.full((batch, k), -1, dtype=np.int64)
    cols = np.full((batch, k), -1, dtype=np.int64)
    cost = np.empty(batch, dtype=np.float64)
    n_pairs = np.empty(batch, dtype=np.int64)
    parallel = batch > 1 and batch * (x.shape[1] + y.shape[1]) >= PARALLEL_MIN_STEPS
    run = _partial_unit_rows_parallel if parallel else _partial_unit_rows_serial
    run(
        np.ascontiguousarray(x, dtype=np.float64),
        np.ascontiguousarray(y, dtype=np.float64),
        np.ascontiguousarray(lam, dtype=np.float64),
        float(p),
        rows,
        cols,
        cost,
        n_pairs,
    )
    return cost, rows, cols, n_pairs
