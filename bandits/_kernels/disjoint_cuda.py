"""numba.cuda twin of the per-arm (disjoint) LinUCB block kernel, one thread per run.

Compiled from the CPU kernel's per-run source, ``bandits._kernels.disjoint._disjoint_run``
(see :func:`gpu.launch_cuda.device_functions`).
"""

from __future__ import annotations

from numba import cuda

from bandits._kernels import disjoint, ridge
from bandits._kernels.ridge_cuda import LINALG
from gpu.launch_cuda import THREADS_PER_BLOCK, device_functions, on_device

_DEVICE = device_functions([*LINALG, ridge._ridge_update, disjoint._disjoint_run])
_disjoint_run = _DEVICE["_disjoint_run"]


@cuda.jit
def _disjoint_block_kernel(
    alpha, refactor_every, arms, means, noise, A, Ainv, b, theta_hat, pulls, z, L, Linv,
    scores, out_arm, out_reward, out_regret,
):  # fmt: skip
    r = cuda.grid(1)
    if r < noise.shape[0]:
        _disjoint_run(
            alpha, refactor_every, arms[min(r, arms.shape[0] - 1)],
            means[min(r, means.shape[0] - 1)], noise[r], A[r], Ainv[r], b[r], theta_hat[r],
            pulls[r], z[r], L[r], Linv[r], scores[r], out_arm[r], out_reward[r], out_regret[r],
        )  # fmt: skip


def disjoint_block(alpha, refactor_every, inputs, state, outputs):
    """Launch one block: ``inputs`` = (arms, means, noise); ``state`` = (A, Ainv, b,
    theta_hat, pulls, z, L, Linv, scores); ``outputs`` = (arm, reward, regret).

    CuPy arrays are used in place; NumPy arrays are copied to the device and not back.
    """
    d_in = [on_device(x) for x in inputs]
    d_state = [on_device(x) for x in state]
    d_out = [on_device(x) for x in outputs]
    n_runs = inputs[2].shape[0]
    if n_runs > 0:
        blocks = (n_runs + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        _disjoint_block_kernel[blocks, THREADS_PER_BLOCK](
            float(alpha), int(refactor_every), *d_in, *d_state, *d_out
        )
    return d_out
