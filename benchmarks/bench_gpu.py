"""The same linproj calls on NumPy (all host cores) and on CuPy (one GPU).

Run on a machine with a CUDA device and ``pip install -e .[gpu]``:
``python benchmarks/bench_gpu.py``. Each row times one public function on NumPy
inputs and on the same inputs moved to the GPU (median of repeats after a
warm-up that compiles the kernels), checks that the two results agree, and
prints the speed-up. Without a usable GPU it exits with a message.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from gpu.backend import has_gpu, to_device, to_numpy

REPEATS = 2


def timed(fn, sync):
    fn()
    sync()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def cases(rng):
    """Yield (case, numpy callable, gpu callable, relative tolerance of agreement)."""
    import bandits
    import linalg
    import transport
    from bandits.envs import LinearBandit, random_arms
    from bandits.policies import OFUL
    from theory_sims.deep_linear import init_weights, train_gd

    n, d, L = 100_000, 100, 1000
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, d)) + 0.1
    theta = transport.random_directions(d, L, "mc", rng)
    gX, gY, gtheta = (to_device(a, "gpu") for a in (X, Y, theta))
    yield (
        f"sliced W uniform n=m={n:.0e} d={d} L={L}",
        lambda: transport.sliced_wasserstein(X, Y, projections=theta),
        lambda: transport.sliced_wasserstein(gX, gY, projections=gtheta),
        1e-9,
    )
    a, b = rng.random(n), rng.random(n)
    a, b = a / a.sum(), b / b.sum()
    ga, gb = to_device(a, "gpu"), to_device(b, "gpu")
    yield (
        f"sliced W weighted n=m={n:.0e} d={d} L={L}",
        lambda: transport.sliced_wasserstein(X, Y, a, b, projections=theta),
        lambda: transport.sliced_wasserstein(gX, gY, ga, gb, projections=gtheta),
        1e-9,
    )
    u, v = rng.standard_normal((512, 20_000)), rng.standard_normal((512, 30_000))
    uw, vw = rng.random(u.shape), rng.random(v.shape)
    uw, vw = uw / uw.sum(-1, keepdims=True), vw / vw.sum(-1, keepdims=True)
    gu, gv, guw, gvw = (to_device(x, "gpu") for x in (u, v, uw, vw))
    yield (
        "wasserstein_1d weighted, batch 512, n=2e4 / m=3e4",
        lambda: transport.wasserstein_1d(u, v, uw, vw, p=2),
        lambda: transport.wasserstein_1d(gu, gv, guw, gvw, p=2),
        1e-9,
    )
    V, _ = np.linalg.qr(rng.standard_normal((5000, 100)))
    gV = to_device(V, "gpu")
    yield (
        "projection DPP N=5000 r=100, 200 samples (method='gs')",
        lambda: linalg.sample_projection_dpp(V, size=200, method="gs", rng=0).shape,
        lambda: linalg.sample_projection_dpp(gV, size=200, method="gs", rng=0).shape,
        0.0,
    )
    env = LinearBandit(random_arms(50, 20, rng=0), random_arms(1, 20, rng=1)[0], noise_std=0.5)
    yield (
        "OFUL simulate R=10000 runs, T=1000, d=20, K=50",
        lambda: bandits.simulate(env, OFUL(), 1000, n_runs=10_000, rng=3).cumulative_regret[:, -1],
        lambda: bandits.simulate(
            env, OFUL(), 1000, n_runs=10_000, rng=3, like=to_device(np.zeros(0), "gpu")
        ).cumulative_regret[:, -1],
        1e-6,
    )
    Xd = rng.standard_normal((1000, 100))
    Yd = Xd @ rng.standard_normal((100, 100)) / 10
    weights = init_weights([100] * 5, scheme="gaussian", scale=0.1, n_init=200, rng=4)
    gweights = [to_device(w, "gpu") for w in weights]
    gXd, gYd = to_device(Xd, "gpu"), to_device(Yd, "gpu")
    yield (
        "deep linear GD, 200 nets depth 4 width 100, 20 steps",
        lambda: train_gd(Xd, Yd, weights, lr=0.01, steps=20).loss[-1],
        lambda: train_gd(gXd, gYd, gweights, lr=0.01, steps=20).loss[-1],
        1e-6,
    )
    from theory_sims.coulomb import sample_coulomb_gas

    gas = dict(n_chains=1024, n_sweeps=4, rng=5)
    glike = to_device(np.zeros(0), "gpu")

    def gas_r2(like):
        """sum_i |x_i|^2 per chain (the same host draws drive the CPU and GPU chains)."""
        return (sample_coulomb_gas(256, 2, 2.0, like=like, **gas).positions ** 2).sum(axis=(1, 2))

    yield (
        "Coulomb gas MALA N=256 d=2 beta=2, 1024 chains, 4 sweeps",
        lambda: gas_r2(None),
        lambda: gas_r2(glike),
        1e-9,
    )


def main() -> int:
    if not has_gpu():
        print("no usable CUDA device: nothing to compare")
        return 1
    import cupy

    def sync_gpu():
        cupy.cuda.Device().synchronize()

    rng = np.random.default_rng(0)
    print("| case | NumPy (s) | CuPy (s) | speed-up | agree |")
    print("|---|---|---|---|---|")
    for name, on_cpu, on_gpu, rtol in cases(rng):
        t_cpu, out_cpu = timed(on_cpu, lambda: None)
        t_gpu, out_gpu = timed(on_gpu, sync_gpu)
        if rtol:
            agree = np.allclose(to_numpy(out_gpu), to_numpy(out_cpu), rtol=rtol, atol=0)
        else:
            agree = out_gpu == out_cpu
        print(
            f"| {name} | {t_cpu:.4f} | {t_gpu:.4f} | {t_cpu / t_gpu:.1f}x | {agree} |", flush=True
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
