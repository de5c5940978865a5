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

    yield from lcot_dual_and_matrix_cases(rng)
    yield from partial_and_lopt_cases(rng)


def timed_once(fn, warmup):
    """(wall, cpu) seconds of one call of ``fn`` after ``warmup()`` (for the heavy cases)."""
    warmup()
    cpu, start = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def per_pair_extrapolated(fn, pairs, total):
    """(wall, cpu) of ``fn(i, j)`` over a subset of pairs, scaled to ``total`` pairs."""
    fn(*pairs[0])
    cpu, start = time.process_time(), time.perf_counter()
    for i, j in pairs:
        fn(i, j)
    scale = total / len(pairs)
    return (time.perf_counter() - start) * scale, (time.process_time() - cpu) * scale


def lcot_dual_and_matrix_cases(rng):
    """Issue #12 (LCOT matrix) and #16 (1-D dual, sliced matrix over many clouds).

    The pairwise references are timed on a random subset of pairs and extrapolated
    to all M (M - 1) / 2 pairs (timing every pair would take hours).
    """
    M, n = 500, 1000
    X = rng.random((M, n))
    D = None

    def lcot():
        nonlocal D
        D = transport.lcot_distance_matrix(X)

    ours = timed_once(lcot, lambda: transport.lcot_distance_matrix(X[:4]))
    total = M * (M - 1) // 2
    pairs = [tuple(int(k) for k in rng.choice(M, 2, replace=False)) for _ in range(200)]
    # "values agree" here: exactness, LCOT^2 to the uniform law = POT's closed form
    # (POT sorts the positions but not the weights, harmless for uniform weights)
    exact = all(
        np.isclose(
            float(transport.lcot_distance(X[k])) ** 2,
            float(ot.semidiscrete_wasserstein2_unif_circle(X[k][:, None])[0]),
            rtol=1e-12,
        )
        for k in range(5)
    )
    pot = per_pair_extrapolated(
        lambda i, j: ot.wasserstein_circle(X[i], X[j], p=2), pairs[:20], total
    )
    yield (
        "LCOT matrix M=500 n=1e3, ot.wasserstein_circle per pair (20 pairs, extrapolated) / ours",
        ours, pot, ">= 50", exact,
    )  # fmt: skip
    pot = per_pair_extrapolated(
        lambda i, j: ot.linear_circular_ot(X[i][:, None], X[j][:, None]), pairs, total
    )
    yield (
        "  same, ot.linear_circular_ot per pair (200 pairs, extrapolated; on a grid) / ours",
        ours, pot, ">= 10", exact,
    )  # fmt: skip

    k = 2000
    u, v = rng.standard_normal(k), rng.standard_normal(k) * 2 + 1
    a, b = rng.random(k), rng.random(k)
    a, b = a / a.sum(), b / b.sum()
    C = (u[:, None] - v[None, :]) ** 2
    ours = timed(lambda: transport.wasserstein_1d_dual(u, v, a, b, p=2))
    ref = timed(lambda: ot.emd(a, b, C, log=True), 3)
    dual = transport.wasserstein_1d_dual(u, v, a, b, p=2)
    same = np.isclose(float(dual.value), ot.emd2(a, b, C), rtol=1e-9)
    yield (
        "wasserstein_1d_dual n=m=2e3 weighted, ot.emd(log=True) duals / ours",
        ours,
        ref,
        ">= 10",
        same,
    )

    M, n, d, L = 1000, 500, 10, 200
    clouds = [
        rng.standard_normal((n, d)) * rng.uniform(0.5, 2) + rng.standard_normal(d) for _ in range(M)
    ]
    theta = transport.random_directions(d, L, "mc", rng)
    ours = timed_once(
        lambda: transport.sliced_wasserstein_cdist(clouds, projections=theta),
        lambda: transport.sliced_wasserstein_cdist(clouds[:4], projections=theta),
    )
    D = transport.sliced_wasserstein_cdist(clouds, projections=theta)
    pairs = [tuple(int(k) for k in rng.choice(M, 2, replace=False)) for _ in range(50)]
    ref = per_pair_extrapolated(
        lambda i, j: transport.sliced_wasserstein(clouds[i], clouds[j], projections=theta),
        pairs,
        M * (M - 1) // 2,
    )
    same = all(
        np.isclose(
            D[i, j],
            transport.sliced_wasserstein(clouds[i], clouds[j], projections=theta),
            rtol=1e-10,
        )
        for i, j in pairs
    )
    yield (
        "sliced_wasserstein_cdist M=1e3 n=500 d=10 L=200, sliced_wasserstein per pair "
        "(50 pairs, extrapolated) / ours",
        ours, ref, ">= 20", same,
    )  # fmt: skip


def opt_with_dummies(X, Y, lam):
    """Exact OPT_lam (lam per unit created or destroyed), unit masses: ot.emd with dummies."""
    n, m = len(X), len(Y)
    C = np.zeros((n + 1, m + 1))
    C[:n, :m] = ot.dist(X, Y)
    C[:n, m] = C[n, :m] = lam
    a, b = np.r_[np.ones(n), m], np.r_[np.ones(m), n]
    return float(np.sum(ot.emd(a, b, C, numItermax=10**8) * C))


def partial_and_lopt_cases(rng):
    """Issue #12: exact 1-D partial OT against POT, and LOPT all pairs against OPT per pair."""
    n, lam = 100_000, 0.1
    x, y = rng.standard_normal(n), rng.standard_normal(n) + 0.5
    res = None

    def ours_1d():
        nonlocal res
        res = transport.partial_wasserstein_1d(x, y, lam=lam)

    ours = timed_once(ours_1d, lambda: transport.partial_wasserstein_1d(x[:50], y[:50], lam=lam))
    k = int(round(float(res.transported_mass)))
    marginal = None

    def pot_1d():
        nonlocal marginal
        marginal = ot.partial.partial_wasserstein_1d(x, y, n_transported_samples=k, p=2)[2]

    pot = timed_once(pot_1d, lambda: None)
    same = np.isclose(float(res.transport_cost), float(np.sum(marginal)), rtol=1e-9)
    yield (
        f"partial_wasserstein_1d n=m=1e5 unit masses lam={lam} ({k} pairs), "
        "ot.partial.partial_wasserstein_1d to the same k / ours",
        ours, pot, ">= 2", same,
    )  # fmt: skip

    K, N, lam = 15, 500, 1.0
    angles = rng.uniform(0, 2 * np.pi, K)
    clouds = [rng.standard_normal((N, 2)) + [np.cos(t), np.sin(t)] for t in angles]
    reference = rng.standard_normal((N, 2))

    def lopt_all_pairs():
        emb = [transport.lopt_embedding(reference, None, X, lam=lam) for X in clouds]
        for i in range(K):
            for j in range(i + 1, K):
                transport.lopt_distance(emb[i], emb[j], lam=lam)

    ours = timed_once(
        lopt_all_pairs,
        lambda: transport.lopt_embedding(reference[:5], None, clouds[0][:5], lam=lam),
    )
    pairs = [(i, j) for i in range(K) for j in range(i + 1, K)]
    ref = per_pair_extrapolated(
        lambda i, j: opt_with_dummies(clouds[i], clouds[j], lam), pairs[:20], len(pairs)
    )
    # "values agree": LOPT from the reference's own embedding equals exact OPT (a map here)
    e_ref = transport.lopt_embedding(reference, None, reference, lam=lam)
    e_0 = transport.lopt_embedding(reference, None, clouds[0], lam=lam)
    same = np.isclose(
        transport.lopt_distance(e_ref, e_0, lam=lam),
        opt_with_dummies(reference, clouds[0], lam),
        rtol=1e-9,
    )
    yield (
        "LOPT all pairs K=15 N=500 d=2 lam=1, exact OPT per pair (20 pairs, extrapolated) / ours",
        ours, ref, ">= 5", same,
    )  # fmt: skip


def estimate_rmse(X, Y, reference, L, estimator, repeats, rng):
    """RMSE of ``repeats`` independent SW_2^2 estimates around ``reference``."""
    est = [
        transport.sliced_wasserstein_estimate(
            X, Y, n_projections=L, estimator=estimator, rng=rng
        ).power_estimate
        for _ in range(repeats)
    ]
    return float(np.sqrt(np.mean((np.array(est) - reference) ** 2)))


def sliced_estimate_rows(rng):
    """Issue #16: control-variate SW estimate at L = 100 against plain MC at L = 1000.

    X ~ N(0, I) and Y ~ N(m, S), n = 2000 points each, ``||m|| = 1``; "axis" has
    S = diag(linspace(0.5, 2, d)), "rotated" the same spectrum in a random basis
    (a harder case for the Gaussian control variates). RMSE over 30 repeats around
    a reference (control variate, 2^14 orthogonal directions; its standard error is
    printed). Cost per direction: wall / CPU time of the control-variate estimate
    over plain MC at the same L = 100, in this process. Yields table rows.
    """
    n, repeats = 2000, 30
    for d in (10, 50):
        for shape in ("axis", "rotated"):
            m = np.full(d, 1 / np.sqrt(d))
            scales = np.sqrt(np.linspace(0.5, 2.0, d))
            basis = np.eye(d) if shape == "axis" else np.linalg.qr(rng.standard_normal((d, d)))[0]
            X = rng.standard_normal((n, d))
            Y = m + (rng.standard_normal((n, d)) * scales) @ basis.T
            ref = transport.sliced_wasserstein_estimate(
                X, Y, n_projections=2**14, directions="orthogonal",
                estimator="control_variate", n_replicates=32, rng=rng,
            )  # fmt: skip
            mc = estimate_rmse(X, Y, ref.power_estimate, 1000, "mc", repeats, rng)
            cv = estimate_rmse(X, Y, ref.power_estimate, 100, "control_variate", repeats, rng)
            t_mc = timed(lambda X=X, Y=Y: transport.sliced_wasserstein_estimate(
                X, Y, n_projections=100, rng=0))  # fmt: skip
            t_cv = timed(lambda X=X, Y=Y: transport.sliced_wasserstein_estimate(
                X, Y, n_projections=100, estimator="control_variate", rng=0))  # fmt: skip
            cost = t_cv[0] / t_mc[0]
            met = "yes" if cv <= mc and cost <= 1.2 else "NO"
            yield (
                f"| d={d} {shape} | {mc:.2e} | {cv:.2e} | {ref.std_error:.1e} | {cost:.2f} "
                f"| {t_cv[1] / t_mc[1]:.2f} | {met} |"
            )


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
    print()
    print(
        "| SW estimate (n=2000) | RMSE MC L=1000 | RMSE CV L=100 | ref std err "
        "| cost/dir CV/MC (wall) | (CPU) | met (RMSE <=, cost <= 1.2) |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in sliced_estimate_rows(np.random.default_rng(1)):
        print(row)


if __name__ == "__main__":
    main()
