"""linproj.gpu: what every family shares.

The array backend (namespaces, devices, rng streams, the dtype rule), argument
checks, result records, errors, retired-name deprecations, the shared thread
pool, parameter scans, the Numba kernel settings (:mod:`gpu.jit`), the
numba.cuda launch helpers (:mod:`gpu.launch_cuda`) and the generic reductions.
Each family's own kernels live beside it (``transport/_kernels`` and so on).
CuPy and ``numba.cuda`` are imported lazily: importing ``gpu`` (or any other
linproj package) loads neither.
"""

from gpu.backend import (
    as_generator,
    has_gpu,
    namespace,
    spawn,
    to_device,
    to_numpy,
)
from gpu.reductions import row_mean_abs_diff_pow
from gpu.scan import scan

__all__ = [
    "as_generator",
    "has_gpu",
    "namespace",
    "row_mean_abs_diff_pow",
    "scan",
    "spawn",
    "to_device",
    "to_numpy",
]
