"""Row-wise reductions on (B, n) arrays as numba.cuda kernels."""

from __future__ import annotations

import math

import numpy as np
from numba import cuda, float64

from gpu.launch_cuda import THREADS_PER_BLOCK, like_input, to_device_array


@cuda.jit
def _row_mean_abs_diff_pow_kernel(a, b, p, out):
    """One block per row: threads stride over columns, then a shared-memory tree sum."""
    row = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    n_cols = a.shape[1]
    partial = cuda.shared.array(THREADS_PER_BLOCK, dtype=float64)
    acc = 0.0
    j = tid
    while j < n_cols:
        d = abs(a[row, j] - b[row, j])
        if p == 1.0:
            acc += d
        elif p == 2.0:
            acc += d * d
        else:
            acc += math.pow(d, p)
        j += THREADS_PER_BLOCK
    partial[tid] = acc
    cuda.syncthreads()
    stride = THREADS_PER_BLOCK // 2
    while stride > 0:
        if tid < stride:
            partial[tid] += partial[tid + stride]
        cuda.syncthreads()
        stride //= 2
    if tid == 0:
        out[row] = partial[0] / n_cols


def row_mean_abs_diff_pow(a, b, p):
    """Launch the kernel on (B, n) float arrays; returns on the device of ``a``."""
    d_a = to_device_array(a)
    d_b = to_device_array(b)
    d_out = cuda.device_array(a.shape[0], dtype=np.float64)
    if a.shape[0] > 0:
        _row_mean_abs_diff_pow_kernel[a.shape[0], THREADS_PER_BLOCK](d_a, d_b, float(p), d_out)
    return like_input(d_out, a)
