"""The numba.cuda ridge-policy kernel under the simulator, against the CPU kernel, bit for bit."""

import numpy as np
import pytest
from numba import cuda

from bandits._kernels.ridge import _ridge_block
from bandits._kernels.ridge_cuda import ridge_block
from bandits.envs import ContextualLinearBandit, LinearBandit, random_arms
from bandits.policies import OFUL, EpsilonGreedy, LinTS

STATE = ["V", "Vinv", "b", "theta_hat", "logdet", "est", "norm2", "counts", "z", "w", "L",
         "Linv", "sample", "scores"]  # fmt: skip


def _block_inputs(env, runner, n_runs, rounds, seed):
    rng = np.random.default_rng(seed)
    draws = [env.draw(rng, rounds) for _ in range(n_runs)]
    arms, means = env.block(draws, 0, rounds)
    noise = np.ascontiguousarray(np.stack([d["noise"] for d in draws]))
    normals = rng.standard_normal((n_runs, rounds, max(runner.n_normal, 1)))
    uniforms = rng.random((n_runs, rounds, max(runner.n_uniform, 1)))
    return [arms, runner.arms_t, means, noise, normals, uniforms]


@pytest.mark.parametrize(
    "policy", [OFUL(refactor_every=4), LinTS(v=0.3, refactor_every=5), EpsilonGreedy(0.3)]
)
@pytest.mark.parametrize("contextual", [False, True])
def test_cuda_kernel_matches_cpu_kernel(policy, contextual):
    theta = random_arms(1, 3, rng=0)[0]
    if contextual:
        env = ContextualLinearBandit(theta, 4, noise_std=0.3)
    else:
        env = LinearBandit(random_arms(5, 3, rng=1), theta, noise_std=0.3)
    n_runs, rounds = 3, 9
    cpu = policy.start(env, n_runs)
    gpu = policy.start(env, n_runs)
    inputs = _block_inputs(env, cpu, n_runs, rounds, seed=2)
    outs_cpu = [np.empty((n_runs, rounds), dtype=np.int64), np.empty((n_runs, rounds)),
                np.empty((n_runs, rounds))]  # fmt: skip
    _ridge_block(cpu.code, cpu.params, env.fixed_arms, inputs[0], inputs[1], inputs[2],
                 inputs[3], inputs[4], inputs[5], 0, *[getattr(cpu, n) for n in STATE],
                 *outs_cpu)  # fmt: skip
    d_state = [cuda.to_device(getattr(gpu, n)) for n in STATE]
    d_out = [cuda.to_device(np.empty_like(o)) for o in outs_cpu]
    ridge_block(gpu.code, gpu.params, env.fixed_arms, 0, inputs, d_state, d_out)
    for name, d in zip(STATE, d_state, strict=True):
        np.testing.assert_array_equal(d.copy_to_host(), getattr(cpu, name), err_msg=name)
    for host, d in zip(outs_cpu, d_out, strict=True):
        np.testing.assert_array_equal(d.copy_to_host(), host)


def _cpu_block(policy_runner, env, inputs, t0, outs):
    _ridge_block(policy_runner.code, policy_runner.params, env.fixed_arms, *inputs, t0,
                 *[getattr(policy_runner, n) for n in STATE], *outs)  # fmt: skip


@pytest.mark.parametrize(
    "policy", [OFUL(refactor_every=4), LinTS(v=0.3, refactor_every=4), EpsilonGreedy(0.5, 0.5)]
)
def test_more_runs_than_a_thread_block_and_a_block_that_starts_late(policy):
    # 130 runs > THREADS_PER_BLOCK = 128: the second CUDA block must run its 2 runs; the
    # compared block covers rounds t0 = 5, 6, 7 of a state advanced through rounds 0..4,
    # so the refresh at (tt + 1) % 4 == 0 and epsilon-greedy's rate depend on t0
    from gpu.launch_cuda import THREADS_PER_BLOCK

    n_runs, t0, rounds = THREADS_PER_BLOCK + 2, 5, 3
    env = LinearBandit(random_arms(3, 2, rng=1), random_arms(1, 2, rng=0)[0], noise_std=0.3)
    cpu = policy.start(env, n_runs)
    gpu = policy.start(env, n_runs)
    shape = (n_runs, t0)
    for runner in (cpu, gpu):  # the same history of rounds 0 .. t0 - 1, on the CPU
        warm = _block_inputs(env, runner, n_runs, t0, seed=3)
        _cpu_block(runner, env, warm, 0,
                   [np.empty(shape, dtype=np.int64), np.empty(shape), np.empty(shape)])  # fmt: skip
    inputs = _block_inputs(env, cpu, n_runs, rounds, seed=4)
    shape = (n_runs, rounds)
    outs_cpu = [np.empty(shape, dtype=np.int64), np.empty(shape), np.empty(shape)]
    _cpu_block(cpu, env, inputs, t0, outs_cpu)
    d_state = [cuda.to_device(getattr(gpu, n)) for n in STATE]
    d_out = [cuda.to_device(np.full_like(o, -7)) for o in outs_cpu]
    ridge_block(gpu.code, gpu.params, env.fixed_arms, t0, inputs, d_state, d_out)
    for name, d in zip(STATE, d_state, strict=True):
        np.testing.assert_array_equal(d.copy_to_host(), getattr(cpu, name), err_msg=name)
    for host, d in zip(outs_cpu, d_out, strict=True):
        np.testing.assert_array_equal(d.copy_to_host(), host)
    assert len(np.unique(outs_cpu[0])) > 1  # real choices, in both thread blocks
