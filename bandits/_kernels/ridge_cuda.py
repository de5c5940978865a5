"""numba.cuda twin of the ridge-policy block kernel (OFUL, LinTS, epsilon-greedy).

One thread per run. The per-run round loop is not rewritten: the CPU kernel's
plain-loop source (``bandits._kernels.ridge._ridge_run`` and the helpers it
calls) is recompiled as CUDA device functions, with each helper's global names
rebound to the device versions, so the two targets run the same arithmetic in
the same order (the GPU may still contract a*b+c into FMAs).
"""

from __future__ import annotations

from numba import cuda

from bandits._kernels import dense, ridge
from gpu.launch_cuda import THREADS_PER_BLOCK, device_functions, on_device

LINALG = [
    dense._dot,
    dense._sym_matvec,
    dense._sherman_morrison,
    dense._add_outer,
    dense._cholesky,
    dense._inverse_from_cholesky,
    dense._refactor,
    dense._argmax,
]
_SHARED = [
    *LINALG,
    ridge._arm_statistics,
    ridge._oful_radius,
    ridge._rebuild_gram,
    ridge._select_oful,
    ridge._select_lints,
    ridge._select_greedy,
    ridge._learn,
    ridge._ridge_run,
]
_DEVICE = device_functions(_SHARED)
_ridge_run = _DEVICE["_ridge_run"]


@cuda.jit
def _ridge_block_kernel(
    policy, params, fixed, arms, arms_t, means, noise, normals, uniforms, t0,
    V, Vinv, b, theta_hat, logdet, est, norm2, counts, z, w, L, Linv, sample, scores,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    r = cuda.grid(1)
    if r < noise.shape[0]:
        ra = min(r, arms.shape[0] - 1)
        rm = min(r, means.shape[0] - 1)
        _ridge_run(
            policy, params, fixed, arms[ra], arms_t, means[rm], noise[r], normals[r],
            uniforms[r], t0, V[r], Vinv[r], b[r], theta_hat[r], logdet[r : r + 1], est[r],
            norm2[r], counts[r], z[r], w[r], L[r], Linv[r], sample[r], scores[r],
            out_arm[r], out_reward[r], out_regret[r],
        )  # fmt: skip


def ridge_block(policy, params, fixed, t0, inputs, state, outputs):
    """Launch one block on the device.

    ``inputs`` = (arms, arms_t, means, noise, normals, uniforms); ``state`` =
    (V, Vinv, b, theta_hat, logdet, est, norm2, counts, z, w, L, Linv, sample,
    scores); ``outputs`` = (arm, reward, regret). CuPy arrays are used in place
    (zero copy); NumPy arrays are copied to the device and *not* copied back,
    so pass state as CuPy arrays (or numba device arrays) to keep it.
    """
    d_in = [on_device(x) for x in inputs]
    d_state = [on_device(x) for x in state]
    d_out = [on_device(x) for x in outputs]
    n_runs = inputs[3].shape[0]
    if n_runs == 0:
        return d_out
    blocks = (n_runs + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    _ridge_block_kernel[blocks, THREADS_PER_BLOCK](
        policy, on_device(params), fixed, *d_in[:3], *d_in[3:], t0, *d_state, *d_out
    )
    return d_out
