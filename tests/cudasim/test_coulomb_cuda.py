"""The numba.cuda Coulomb-gas MALA sweep under the simulator equals the CPU kernel."""

import numpy as np
from numba import cuda

from theory_sims.coulomb._kernels.gas import _mala_sweep
from theory_sims.coulomb._kernels.gas_cuda import mala_sweep


def _run_both(n_chains, N, d, beta, sweeps, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-0.7, 0.7, (n_chains, N, d))
    lr = 0.5 / (beta * N)
    draws = [(rng.standard_normal((n_chains, N, d)), rng.random((n_chains, N)))
             for _ in range(sweeps)]  # fmt: skip
    x_cpu, acc_cpu = x0.copy(), np.zeros(n_chains, dtype=np.int64)
    scratch = np.zeros((n_chains, 4, d))
    for normals, uniforms in draws:
        _mala_sweep(x_cpu, normals, uniforms, beta, lr, scratch, acc_cpu)
    x_dev = cuda.to_device(x0)
    acc_dev = cuda.to_device(np.zeros(n_chains, dtype=np.int64))
    scratch_dev = cuda.to_device(np.zeros((n_chains, 4, d)))
    for normals, uniforms in draws:
        mala_sweep(x_dev, normals, uniforms, beta, lr, scratch_dev, acc_dev)
    return x0, x_cpu, acc_cpu, x_dev.copy_to_host(), acc_dev.copy_to_host()


def test_cuda_sweep_matches_cpu_sweep_in_d2():
    x0, x_cpu, acc_cpu, x_gpu, acc_gpu = _run_both(3, 5, 2, 2.0, 2, seed=0)
    np.testing.assert_allclose(x_gpu, x_cpu, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(acc_gpu, acc_cpu)
    assert 0 < acc_cpu.sum() < 3 * 5 * 2  # some moves accepted, the test has teeth
    assert not np.array_equal(x_cpu, x0)


def test_cuda_sweep_matches_cpu_sweep_in_d1_and_d3():
    for d, beta in ((1, 1.0), (3, 4.0)):
        _, x_cpu, acc_cpu, x_gpu, acc_gpu = _run_both(2, 4, d, beta, 2, seed=d)
        np.testing.assert_allclose(x_gpu, x_cpu, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(acc_gpu, acc_cpu)


def test_more_chains_than_a_thread_block():
    from gpu.launch_cuda import THREADS_PER_BLOCK

    _, x_cpu, acc_cpu, x_gpu, acc_gpu = _run_both(THREADS_PER_BLOCK + 2, 2, 2, 2.0, 1, seed=5)
    np.testing.assert_allclose(x_gpu, x_cpu, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(acc_gpu, acc_cpu)
