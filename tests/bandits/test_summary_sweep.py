"""Streaming summaries, record helpers and the gpu.scan sweep against the full histories."""

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import bandits
from bandits.policies import OFUL, DisjointLinUCB, LinTS
from gpu.backend import spawn


def test_record_helpers_match_numpy(finite_env):
    res = bandits.simulate(finite_env, LinTS(v=0.5), 300, n_runs=7, rng=2)
    np.testing.assert_allclose(res.mean_cumulative_regret(), res.cumulative_regret.mean(axis=0))
    np.testing.assert_allclose(
        res.quantile_band(0.1, 0.9), np.quantile(res.cumulative_regret, [0.1, 0.9], axis=0)
    )
    np.testing.assert_allclose(
        res.quantiles((0.0, 0.5, 1.0)), np.quantile(res.cumulative_regret, [0, 0.5, 1], axis=0)
    )
    json.dumps(res.to_dict())


@pytest.mark.parametrize("every", [1, 37])
def test_summary_equals_reductions_of_the_full_history(finite_env, every):
    T, R = 600, 9
    full = bandits.simulate(finite_env, OFUL(), T, n_runs=R, rng=4)
    s = bandits.simulate_summary(finite_env, OFUL(), T, n_runs=R, rng=4, every=every)
    idx = s.rounds - 1
    assert s.rounds[-1] == T and np.all(np.diff(s.rounds) > 0)
    np.testing.assert_allclose(s.mean_regret, full.regret[:, idx].mean(axis=0))
    np.testing.assert_allclose(s.mean_cumulative_regret, full.cumulative_regret[:, idx].mean(0))
    np.testing.assert_allclose(
        s.cumulative_regret_quantiles,
        np.quantile(full.cumulative_regret[:, idx], [0.1, 0.5, 0.9], axis=0),
    )
    np.testing.assert_allclose(s.final_cumulative_regret, full.cumulative_regret[:, -1])
    np.testing.assert_allclose(s.quantile_band(0.1, 0.9), s.cumulative_regret_quantiles[[0, 2]])
    with pytest.raises(ValueError, match="level 0.25"):
        s.quantile_band(0.25, 0.9)


def test_sweep_points_are_reproducible_runs_whatever_the_executor(finite_env):
    grid = {"scale": [0.0, 0.5, 1.0]}
    serial = bandits.sweep(finite_env, OFUL, grid, 200, n_runs=3, rng=8)
    with ThreadPoolExecutor(2) as pool:
        pooled = bandits.sweep(finite_env, OFUL, grid, 200, n_runs=3, rng=8, executor=pool)
    np.testing.assert_array_equal(serial.final_mean, pooled.final_mean)
    assert serial.params == [{"scale": 0.0}, {"scale": 0.5}, {"scale": 1.0}]
    # point i is simulate_summary with the i-th spawned stream
    child = spawn(8, 3)[1]
    direct = bandits.simulate(finite_env, OFUL(scale=0.5), 200, n_runs=3, rng=child)
    np.testing.assert_array_equal(
        serial.summaries[1].final_cumulative_regret, direct.cumulative_regret[:, -1]
    )
    np.testing.assert_allclose(
        serial.final_std_error[1],
        direct.cumulative_regret[:, -1].std(ddof=1) / np.sqrt(3),
    )


def test_sweep_reports_the_failing_point(finite_env):
    # the grid point's own ValueError, with a note naming the point (gpu.scan)
    with pytest.raises(ValueError, match="scale") as info:
        bandits.sweep(finite_env, OFUL, {"scale": [1.0, -1.0]}, 10, n_runs=1, rng=0)
    assert any("grid point 1" in note for note in getattr(info.value, "__notes__", []))


def test_gpu_device_without_gpu_raises(finite_env):
    from gpu.backend import has_gpu

    if has_gpu():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="CuPy"), pytest.warns(DeprecationWarning):
        bandits.simulate(finite_env, OFUL(), 10, n_runs=1, device="gpu")


@pytest.mark.gpu
@pytest.mark.parametrize("policy", [OFUL(), LinTS(v=0.5)])
def test_gpu_simulation_matches_cpu(finite_env, policy):
    cupy = pytest.importorskip("cupy")
    cpu = bandits.simulate(finite_env, policy, 500, n_runs=16, rng=3)
    gpu = bandits.simulate(finite_env, policy, 500, n_runs=16, rng=3, like=cupy.zeros(0))
    from gpu.backend import to_numpy

    assert np.mean(to_numpy(gpu.arms) == cpu.arms) > 0.99  # FMA contraction may flip near-ties
    np.testing.assert_allclose(
        to_numpy(gpu.cumulative_regret).mean(), cpu.cumulative_regret.mean(), rtol=0.05
    )


@pytest.mark.gpu
def test_gpu_disjoint_linucb_chooses_as_the_cpu_given_the_same_history(finite_env):
    # Whole simulations cannot match exactly: the GPU may contract a*b+c into FMAs, so a
    # near-tie can flip and the runs then see different histories. What can match is
    # the choice made from the same history: each round, the GPU kernel starts from the
    # CPU run's state, and its arm must be the CPU's unless the CPU's two best scores
    # agree to 1e-9 (relative), the size of an FMA-level difference in a score.
    cupy = pytest.importorskip("cupy")
    from bandits._kernels.disjoint import _disjoint_block
    from bandits._kernels.disjoint_cuda import disjoint_block

    state_names = ("A", "Ainv", "b", "theta_hat", "pulls", "z", "L", "Linv", "scores")
    policy = DisjointLinUCB(alpha=1.0, refactor_every=50)
    env, n_runs, T = finite_env, 16, 300
    cpu = policy.start(env, n_runs)
    arms, means = env.block([], 0, 1)
    noise = env.noise_std * np.random.default_rng(3).standard_normal((n_runs, T))
    d_arms, d_means = cupy.asarray(arms), cupy.asarray(means)
    chosen = set()
    for t in range(T):
        step_noise = np.ascontiguousarray(noise[:, t : t + 1])
        state = [cupy.asarray(getattr(cpu, name)) for name in state_names]
        outs = [cupy.empty((n_runs, 1), dtype=cupy.int64), cupy.empty((n_runs, 1)),
                cupy.empty((n_runs, 1))]  # fmt: skip
        disjoint_block(policy.alpha, policy.refactor_every,
                       [d_arms, d_means, cupy.asarray(step_noise)], state, outs)  # fmt: skip
        gpu_arm = outs[0].get()[:, 0]
        cpu_outs = [np.empty((n_runs, 1), dtype=np.int64), np.empty((n_runs, 1)),
                    np.empty((n_runs, 1))]  # fmt: skip
        _disjoint_block(policy.alpha, policy.refactor_every, arms, means, step_noise,
                        *[getattr(cpu, name) for name in state_names], *cpu_outs)  # fmt: skip
        top2 = np.sort(cpu.scores, axis=1)[:, -2:]
        tie = top2[:, 1] - top2[:, 0] <= 1e-9 * np.abs(top2).max(axis=1)
        match = gpu_arm == cpu_outs[0][:, 0]
        assert np.all(match | tie), f"round {t}: runs {np.flatnonzero(~(match | tie))}"
        chosen.update(cpu_outs[0][:, 0].tolist())
    assert len(chosen) > 1  # the comparison exercises real choices
