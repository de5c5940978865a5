"""Greedy MAP inference for DPPs by incremental Cholesky updates."""

from __future__ import annotations

from gpu.backend import namespace
from gpu.validate import check_int
from linalg._checks import as_square_symmetric, eps

__all__ = ["greedy_map"]

# The greedy stops when the best marginal gain d_j^2 falls below this fraction
# of the largest diagonal entry (or 100 eps of the dtype, if larger: float32):
# det L_S would be zero up to round-off.
_GAIN_TOL = 1e-12


def greedy_map(L, k):
    r"""Greedy approximation of :math:`\arg\max_{|S| \le k} \det L_S` (Chen, Zhang, Zhou 2018).

    Each step adds :math:`j = \arg\max_i d_i^2`, where
    :math:`d_i^2 = \det L_{S \cup i} / \det L_S` is maintained with the
    incremental Cholesky update
    :math:`e_i = (L_{ji} - \langle c_j, c_i\rangle) / d_j`,
    :math:`c_i \leftarrow [c_i, e_i]`, :math:`d_i^2 \leftarrow d_i^2 - e_i^2`:
    :math:`O(N k^2)` in all. Round-off can push :math:`d_i^2` below zero;
    those are clipped to 0, chosen items are masked out, and the loop stops
    early when no item has a positive gain left (the rank of ``L`` is reached).

    Parameters
    ----------
    L : array_like, shape (N, N)
        Symmetric positive semi-definite likelihood kernel (symmetry and
        finiteness are checked; definiteness is not, it would cost O(N^3)).
        Gains below ``max(1e-12, 100 eps) * max L_ii`` (``eps`` of the dtype
        of ``L``) count as zero.
    k : int
        Maximum number of items, ``1 <= k <= N``.

    Returns
    -------
    array of int64, shape (k',)
        Selected items in the order chosen, ``k' <= k`` (``k' < k`` only when
        ``L`` has rank below ``k``).

    Raises
    ------
    ValueError
        If ``L`` is not square, not symmetric, has NaN values, or ``k`` is out
        of range.

    References
    ----------
    .. [1] L. Chen, G. Zhang, H. Zhou, "Fast greedy MAP inference for
       determinantal point process to improve recommendation diversity",
       NeurIPS 2018, Algorithm 1.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[2.0, 1.9, 0.0], [1.9, 2.0, 0.0], [0.0, 0.0, 1.0]])
    >>> greedy_map(L, 2).tolist()
    [0, 2]
    """
    L = as_square_symmetric(L, "L")
    xp = namespace(L)
    n = L.shape[0]
    k = check_int(k, "k", minimum=1, maximum=n)
    d2 = xp.asarray(xp.linalg.diagonal(L), copy=True)
    threshold = max(_GAIN_TOL, 100 * eps(L)) * max(float(xp.max(d2)), 0.0)
    C = xp.zeros((k, n), dtype=L.dtype)
    chosen = []
    available = xp.ones(n, dtype=xp.bool)
    for t in range(k):
        gains = xp.where(available, d2, -xp.inf)
        j = int(xp.argmax(gains))
        if not float(gains[j]) > threshold:
            break
        chosen.append(j)
        available[j] = False
        e = (L[j, :] - C[:t, j] @ C[:t, :]) / float(gains[j]) ** 0.5
        C[t, :] = e
        d2 = xp.clip(d2 - e * e, 0.0, None)
    return xp.asarray(chosen, dtype=xp.int64)
