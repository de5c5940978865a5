"""transport/ against POT on identical inputs: sliced W, 1-D W and circle W.

Run: ``python benchmarks/bench_transport.py`` (a few minutes on 2 cores). Each row
times ours and the reference in this process after a warm-up (Numba compilation),
takes the median of the repeats, and checks that the two values agree.
"""

from __future__ import annotations

import time

import numpy as np
import ot

import transport

REPEATS = 5


def median_time(fn, repeats=REPEATS):
    fn()  # warm-up: Numba compilation and caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def sliced_floor(X, Y, theta):
    """Projection matmul plus a row-contiguous np.sort of both projected arrays."""
    np.sort(theta.T @ X.T, axis=1)
    np.sort(theta.T @ Y.T, axis=1)


def rows(rng):
    n, d, L = 10_000, 50, 500
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((n, d)) * 1.5 + 0.2
    theta = transport.random_directions(d, L, "mc", rng)
    a = rng.random(n)
    a /= a.sum()
    b = rng.random(n)
    b /= b.sum()
    out = []

    ours = median_time(lambda: transport.sliced_wasserstein(X, Y, projections=theta))
    pot = median_time(lambda: ot.sliced_wasserstein_distance(X, Y, projections=theta), 3)
    floor = median_time(lambda: sliced_floor(X, Y, theta))
    same = np.isclose(
        transport.sliced_wasserstein(X, Y, projections=theta),
        ot.sliced_wasserstein_distance(X, Y, projections=theta),
        rtol=1e-10,
    )
    out.append(("SW uniform n=m=1e4 d=50 L=500 vs POT", ours, pot, pot / ours, ">= 30x", same))
    out.append(("  same, vs floor (matmul + np.sort)", ours, floor, ours / floor, "<= 1.25", True))

    ours = median_time(lambda: transport.sliced_wasserstein(X, Y, a, b, projections=theta))
    pot = median_time(lambda: ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta), 3)
    same = np.isclose(
        transport.sliced_wasserstein(X, Y, a, b, projections=theta),
        ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta),
        rtol=1e-10,
    )
    out.append(("SW random weights, same sizes", ours, pot, pot / ours, ">= 10x", same))

    m = 1_000_000
    u, v = rng.standard_normal(m), rng.standard_normal(m) * 2
    wu, wv = rng.random(m), rng.random(m)
    wu /= wu.sum()
    wv /= wv.sum()
    ours = median_time(lambda: transport.wasserstein_1d(u, v, wu, wv, p=2))
    pot = median_time(lambda: ot.wasserstein_1d(u, v, wu, wv, p=2))
    same = np.isclose(
        transport.wasserstein_1d(u, v, wu, wv, p=2) ** 2,
        ot.wasserstein_1d(u, v, wu, wv, p=2),
        rtol=1e-9,
    )
    out.append(("wasserstein_1d n=1e6 weighted p=2", ours, pot, pot / ours, ">= 2x", same))

    k = 100_000
    cu, cv = rng.random(k), rng.random(k) ** 2
    for p in (1, 2):
        ours = median_time(lambda p=p: transport.wasserstein_circle(cu, cv, p=p))
        pot = median_time(lambda p=p: ot.wasserstein_circle(cu, cv, p=p), 3)
        # POT returns W_p^p; its p > 1 search stops at a tolerance of 1e-6.
        same = np.isclose(
            transport.wasserstein_circle(cu, cv, p=p) ** p,
            ot.wasserstein_circle(cu, cv, p=p)[0],
            rtol=1e-6,
        )
        out.append((f"wasserstein_circle n=1e5 p={p}", ours, pot, pot / ours, ">= 10x", same))
    return out


def met(ratio, target):
    op, value = target.split()
    value = float(value.rstrip("x"))
    return ratio >= value if op == ">=" else ratio <= value


def main():
    table = rows(np.random.default_rng(0))
    print("| case | ours (s) | reference (s) | ratio | target | met | values agree |")
    print("|---|---|---|---|---|---|---|")
    for case, ours, ref, ratio, target, same in table:
        ok = "yes" if met(ratio, target) else "NO"
        print(
            f"| {case} | {ours:.4f} | {ref:.4f} | {ratio:.2f} | {target} | {ok} | "
            f"{'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
