"""Public wrappers of the row-wise reduction kernels.

Dispatch by the inputs' library: NumPy goes to the Numba CPU kernel, CuPy to
the numba.cuda twin, and any other array-API library to plain array code.
"""

from __future__ import annotations

import numpy as np

from gpu.backend import is_cupy, is_half, namespace
from gpu.validate import check_finite

__all__ = ["row_mean_abs_diff_pow"]


def row_mean_abs_diff_pow(a, b, p=2.0):
    r"""Per-row mean of ``|a - b|**p`` for two (B, n) float arrays, in one pass.

    .. math:: \mathrm{out}_i = \frac1n \sum_{j=1}^n |a_{ij} - b_{ij}|^p

    With ``a`` and ``b`` the sorted projections of two equal-size uniform
    point clouds, ``out`` holds :math:`W_p^p` of each slice, the inner
    reduction of the sliced Wasserstein distance.

    Parameters
    ----------
    a, b : array, shape (B, n)
        Real floating arrays from the same library (NumPy, CuPy, ...).
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    array, shape (B,)
        float64 row means, on the device of ``a``.

    Raises
    ------
    ValueError
        If the shapes differ, are not 2-D, ``n == 0``, ``p <= 0``, or an input
        holds NaN or infinite values (the kernels assume finite values).
    TypeError
        If the inputs mix libraries or are not real floating arrays.

    Examples
    --------
    >>> import numpy as np
    >>> row_mean_abs_diff_pow(np.array([[0.0, 1.0]]), np.array([[1.0, 3.0]]), p=2)
    array([2.5])
    """
    xp = namespace(a, b)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"a and b must be 2-D with equal shapes, got {a.shape} and {b.shape}")
    if a.shape[1] == 0:
        raise ValueError("a and b must have at least one column")
    if not (xp.isdtype(a.dtype, "real floating") and xp.isdtype(b.dtype, "real floating")):
        raise TypeError(f"a and b must be real floating arrays, got {a.dtype} and {b.dtype}")
    p = float(p)
    if not p > 0:
        raise ValueError(f"p must be > 0, got {p}")
    for x, name in ((a, "a"), (b, "b")):  # the kernels use fast-math: no NaN or inf inside
        check_finite(x, name)
    if is_half(a) or is_half(b):  # no half arithmetic in the kernels
        a, b = xp.astype(a, xp.float32), xp.astype(b, xp.float32)
    if isinstance(a, np.ndarray):
        from gpu._kernels.reductions import _row_mean_abs_diff_pow

        return _row_mean_abs_diff_pow(a, b, p)
    if is_cupy(a):
        from gpu._kernels.reductions_cuda import row_mean_abs_diff_pow as cuda_reduce

        return cuda_reduce(a, b, p)
    return xp.mean(xp.abs(a - b) ** p, axis=1)
