"""CUDA device versions of the bandit CPU kernels' plain-loop functions.

The per-run round loops of the CPU kernels (``bandits._kernels``) use only
scalar arithmetic, ``math`` functions and array indexing, so their Python
source compiles for numba.cuda as well. :func:`gpu.launch_cuda.device_functions` recompiles a
list of jitted CPU functions as CUDA device functions, rebinding each one's
global names to the device versions built before it, so the CPU and GPU
targets run the same arithmetic in the same order (the GPU may still contract
a*b+c into FMAs).
"""

from __future__ import annotations

from gpu.launch_cuda import to_device_array


def on_device(x):
    """Numba device arrays pass through; CuPy is wrapped, NumPy copied (launch.to_device_array)."""
    return x if hasattr(x, "copy_to_host") else to_device_array(x)
