"""linproj.gpu: the array backend, Numba CPU/CUDA kernels and parameter scans.

This is the only linproj package that touches CuPy or ``numba.cuda``, and it
imports them lazily: importing ``gpu`` (or any other linproj package) loads
neither.
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
