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
