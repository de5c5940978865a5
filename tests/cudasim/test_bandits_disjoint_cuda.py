"""The numba.cuda disjoint-LinUCB kernel under the simulator equals the CPU kernel bit for bit."""

import numpy as np
from numba import cuda

from bandits._kernels.disjoint import _disjoint_block
from bandits._kernels.disjoint_cuda import disjoint_block
from bandits.envs import TableBandit
from bandits.policies import DisjointLinUCB

STATE = ["A", "Ainv", "b", "theta_hat", "pulls", "z", "L", "Linv", "scores"]


def _outputs(n_runs, T):
    """Chosen arms, rewards and regrets of one block of ``T`` rounds."""
    return [np.empty((n_runs, T), dtype=np.int64), np.empty((n_runs, T)), np.empty((n_runs, T))]


def _assert_cuda_block_matches_cpu(cpu, gpu, arms, means, noise):
    """Run one block on the CPU kernel (state ``cpu``) and the CUDA kernel (state ``gpu``)."""
    outs = _outputs(*noise.shape)
    _disjoint_block(0.7, 2, arms, means, noise, *[getattr(cpu, n) for n in STATE], *outs)
    d_state = [cuda.to_device(getattr(gpu, n)) for n in STATE]
    d_out = [cuda.to_device(np.full_like(o, -7)) for o in outs]
    disjoint_block(0.7, 2, [arms, means, noise], d_state, d_out)
    for name, dev in zip(STATE, d_state, strict=True):
        np.testing.assert_array_equal(dev.copy_to_host(), getattr(cpu, name), err_msg=name)
    for host, dev in zip(outs, d_out, strict=True):
        np.testing.assert_array_equal(dev.copy_to_host(), host)
    assert len(np.unique(outs[0])) > 1


def test_cuda_kernel_matches_cpu_kernel():
    rng = np.random.default_rng(0)
    T, K, d, n_runs = 8, 3, 2, 2
    env = TableBandit(rng.standard_normal((T, K, d)), rng.standard_normal((T, K)))
    policy = DisjointLinUCB(alpha=0.7, refactor_every=2)
    cpu, gpu = policy.start(env, n_runs), policy.start(env, n_runs)
    arms, means = env.block([], 0, T)
    _assert_cuda_block_matches_cpu(cpu, gpu, arms, means, 0.1 * rng.standard_normal((n_runs, T)))


def test_more_runs_than_a_thread_block_after_a_first_block():
    # 130 runs > THREADS_PER_BLOCK = 128, compared on a second block of rounds (t0 = 4)
    # whose per-arm state comes from a first block (the refresh counts pulls per arm)
    from gpu.launch_cuda import THREADS_PER_BLOCK

    rng = np.random.default_rng(1)
    T, K, d, n_runs = 7, 2, 2, THREADS_PER_BLOCK + 2
    env = TableBandit(rng.standard_normal((T, K, d)), rng.standard_normal((T, K)))
    policy = DisjointLinUCB(alpha=0.7, refactor_every=2)
    cpu, gpu = policy.start(env, n_runs), policy.start(env, n_runs)
    noise = 0.5 * rng.standard_normal((n_runs, T))
    arms, means = env.block([], 0, 4)
    early = np.ascontiguousarray(noise[:, :4])
    for runner in (cpu, gpu):
        _disjoint_block(0.7, 2, arms, means, early, *[getattr(runner, n) for n in STATE],
                        *_outputs(n_runs, 4))  # fmt: skip
    arms, means = env.block([], 4, T - 4)
    _assert_cuda_block_matches_cpu(cpu, gpu, arms, means, np.ascontiguousarray(noise[:, 4:]))
