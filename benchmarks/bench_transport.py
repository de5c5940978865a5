"""transport/ against POT on identical inputs: sliced W, 1-D W and circle W.

Run: ``python benchmarks/bench_transport.py`` (about 2 minutes on 2 cores). Each
row times ours and the reference in this process after a warm-up (Numba
compilation), takes the median of the repeats, and checks that the two values
agree. Wall time is the headline; process CPU time (all threads of this process)
is printed beside it because it is steadier on a machine shared with other jobs.
Our sorts use one thread per core, so on an idle machine our wall time is below
our CPU time, while POT runs on one thread.
"""

from __future__ import annotations

import time

import numpy as np
import ot

import transport

REPEATS = 5


def timed(fn, repeats=REPEATS):
    """(median wall seconds, median process CPU seconds) after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, start = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus))


def sort_floor(X, Y, theta):
    """Projection matmul plus a row-contiguous np.sort of both projected arrays."""
    np.sort(theta.T @ X.T, axis=1)
    np.sort(theta.T @ Y.T, axis=1)


def cases(rng):
    """Yield (case, ours, reference, target, values agree); ours/reference are (wall, cpu)."""
    n, d, L = 10_000, 50, 500
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((n, d)) * 1.5 + 0.2
    theta = transport.random_directions(d, L, "mc", rng)
    a, b = rng.random(n), rng.random(n)
    a, b = a / a.sum(), b / b.sum()

    ours = timed(lambda: transport.sliced_wasserstein(X, Y, projections=theta))
    pot = timed(lambda: ot.sliced_wasserstein_distance(X, Y, projections=theta), 3)
    same = np.isclose(
        transport.sliced_wasserstein(X, Y, projections=theta),
        ot.sliced_wasserstein_distance(X, Y, projections=theta),
        rtol=1e-10,
    )
    yield "SW uniform n=m=1e4 d=50 L=500, POT / ours", ours, pot, ">= 30", same
    floor = timed(lambda: sort_floor(X, Y, theta))
    yield "  same, floor (matmul + np.sort) / ours", ours, floor, ">= 0.8", True

    ours = timed(lambda: transport.sliced_wasserstein(X, Y, a, b, projections=theta))
    pot = timed(lambda: ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta), 3)
    same = np.isclose(
        transport.sliced_wasserstein(X, Y, a, b, projections=theta),
        ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta),
        rtol=1e-10,
    )
    yield "SW random weights, same sizes, POT / ours", ours, pot, ">= 10", same

    m = 1_000_000
    u, v = rng.standard_normal(m), rng.standard_normal(m) * 2
    wu, wv = rng.random(m), rng.random(m)
    wu, wv = wu / wu.sum(), wv / wv.sum()
    ours = timed(lambda: transport.wasserstein_1d(u, v, wu, wv, p=2))
    pot = timed(lambda: ot.wasserstein_1d(u, v, wu, wv, p=2))
    same = np.isclose(
        transport.wasserstein_1d(u, v, wu, wv, p=2) ** 2,
        ot.wasserstein_1d(u, v, wu, wv, p=2),
        rtol=1e-9,
    )
    yield "wasserstein_1d n=1e6 weighted p=2, POT / ours", ours, pot, ">= 2", same

    k = 100_000
    cu, cv = rng.random(k), rng.random(k) ** 2
    for p in (1, 2):
        ours = timed(lambda p=p: transport.wasserstein_circle(cu, cv, p=p))
        pot = timed(lambda p=p: ot.wasserstein_circle(cu, cv, p=p), 3)
        # POT returns W_p^p; its p > 1 search stops at a tolerance of 1e-6.
        same = np.isclose(
            transport.wasserstein_circle(cu, cv, p=p) ** p,
            ot.wasserstein_circle(cu, cv, p=p)[0],
            rtol=1e-6,
        )
        yield f"wasserstein_circle n=1e5 p={p}, POT / ours", ours, pot, ">= 10", same


def main():
    print(
        "| case | ours wall (s) | ref wall (s) | ratio (wall) | ratio (CPU) | target | met "
        "| values agree |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for case, ours, ref, target, same in cases(np.random.default_rng(0)):
        ratio, cpu_ratio = ref[0] / ours[0], ref[1] / ours[1]
        met = "yes" if ratio >= float(target.split()[1]) else "NO"
        print(
            f"| {case} | {ours[0]:.4f} | {ref[0]:.4f} | {ratio:.2f} | {cpu_ratio:.2f} | "
            f"{target} | {met} | {'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
