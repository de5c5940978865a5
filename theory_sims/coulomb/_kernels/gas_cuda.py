"""numba.cuda twin of the Coulomb-gas MALA sweep: one thread per chain.

The per-chain source of :mod:`theory_sims.coulomb._kernels.gas` is recompiled
as CUDA device functions (each helper's global names rebound to the device
versions), so both targets run the same arithmetic in the same order (the GPU
may still contract a*b+c into FMAs).
"""

from __future__ import annotations

from numba import cuda

from gpu.launch_cuda import THREADS_PER_BLOCK, device_functions, to_device_array
from theory_sims.coulomb._kernels import gas

_DEVICE = device_functions([gas._inv_pow, gas._phi, gas._force, gas._move_energy, gas._chain_sweep])
_chain_sweep = _DEVICE["_chain_sweep"]


@cuda.jit
def _mala_sweep_kernel(x, normals, uniforms, beta, lr, scratch, accepted):
    c = cuda.grid(1)
    if c < x.shape[0]:
        accepted[c] += _chain_sweep(x, c, normals, uniforms, beta, lr, scratch)


def _on_device(a):
    return a if hasattr(a, "copy_to_host") else to_device_array(a)


def mala_sweep(x, normals, uniforms, beta, lr, scratch, accepted):
    """Launch one sweep on the device; ``x``, ``scratch``, ``accepted`` are updated in place.

    Pass device arrays (numba device arrays or CuPy arrays, used zero-copy);
    a NumPy array would be copied to the device and its update lost.
    """
    n_chains = x.shape[0]
    blocks = (n_chains + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    _mala_sweep_kernel[blocks, THREADS_PER_BLOCK](
        _on_device(x), _on_device(normals), _on_device(uniforms), beta, lr,
        _on_device(scratch), _on_device(accepted),
    )  # fmt: skip
