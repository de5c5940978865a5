"""Exact sampling of finite projection DPPs (the kernel of every finite sampler here)."""

from __future__ import annotations

import numpy as np

from gpu.backend import as_generator, asarray_like, namespace
from gpu.validate import check_choice, check_finite
from linalg._checks import as_float_matrix, check_orthonormal_columns, check_size

__all__ = ["sample_projection_dpp"]


def sample_projection_dpp(V, *, size=None, method="auto", rng=None):
    r"""Exact sample of the projection DPP with marginal kernel :math:`K = V V^\top`.

    The sample always has exactly ``r`` items. The chain rule draws item ``i``
    at step ``t`` with probability :math:`d_t(i) / (r - t)`, where
    :math:`d_t(i)` is the squared distance of row :math:`V_i` to the span of
    the rows already drawn.

    * ``method="rejection"`` (NumPy, the default there): each step is drawn by
      rejection from the fixed proposal :math:`\|V_i\|^2 / r`, accepted with
      probability :math:`d_t(i) / \|V_i\|^2`. Acceptance at step ``t`` has
      probability :math:`(r - t) / r` for every ``V``, so a sample costs
      :math:`O(N r)` once plus :math:`O(r^3 \log r)` expected, and ``size=S``
      samples share the proposal table and run in parallel (Numba).
    * ``method="gs"`` (any array library, the default for CuPy): the rank-one
      update form of the chain rule, :math:`d_{t+1} = d_t - (V q_t)^2` with
      :math:`q_t` the new orthonormal direction, :math:`O(N r^2)` per sample;
      the ``S`` samples advance together, one (N, r) x (r, S) product per
      step.

    Parameters
    ----------
    V : array, shape (N, r)
        Orthonormal columns (:math:`V^\top V = I_r`), ``1 <= r <= N``.
    size : int, optional
        Number of independent samples. ``None`` returns one sample.
    method : {"auto", "rejection", "gs"}
        Algorithm, see above. ``"rejection"`` needs a NumPy array.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    array of int64, shape (r,) or (size, r)
        Sorted item indices of each sample, on the device of ``V``.

    Raises
    ------
    ValueError
        If ``V`` is not 2-D, holds NaN or infinite values, has more columns
        than rows, or its columns are not orthonormal (relative tolerance 1e-6,
        or ``100 N eps`` of the dtype when larger, checked on two probe
        vectors); if ``size < 1``.
    TypeError
        For a non-real ``V`` or a bad ``rng``.

    References
    ----------
    .. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virag, "Determinantal
       processes and independence", Probability Surveys 3 (2006), Algorithm 18.
    .. [2] G. Gautier, G. Polito, R. Bardenet, M. Valko, "DPPy: DPP sampling
       with Python", JMLR 20 (2019), the "GS" chain rule.

    Examples
    --------
    >>> import numpy as np
    >>> V, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 5)))
    >>> sample_projection_dpp(V, rng=1).shape
    (5,)
    >>> sample_projection_dpp(V, size=3, rng=1).shape
    (3, 5)
    """
    V = as_float_matrix(V, "V")
    check_orthonormal_columns(V, "V")
    size_ = check_size(size)
    check_choice(method, "method", ("auto", "rejection", "gs"))
    rng = as_generator(rng)
    S = 1 if size_ is None else size_
    if method == "auto":
        method = "rejection" if isinstance(V, np.ndarray) else "gs"
    if method == "rejection":
        if not isinstance(V, np.ndarray):
            raise TypeError("method='rejection' needs a NumPy array; use method='gs' on a GPU")
        out = _rejection_batch(V, S, rng)
    else:
        out = projection_gs_batch(V, S, rng)
    return out[0, ...] if size_ is None else out


def _rejection_batch(V, S, rng):
    from linalg._kernels.projection import (
        _projection_dpp_chunks,
        _projection_dpp_range,
        _row_table,
    )
    from linalg._kernels.stream import host_seeds, run_batched

    V = np.ascontiguousarray(V, dtype=np.float64)
    n, r = V.shape
    norms2 = np.empty(n)
    cdf = np.empty(n)
    _row_table(V, norms2, cdf)
    out = np.empty((S, r), dtype=np.int64)
    status = np.zeros(S, dtype=np.int64)
    args = (V, norms2, cdf, host_seeds(rng, S), out, status)
    run_batched(_projection_dpp_range, _projection_dpp_chunks, S, *args)
    _raise_on_failure(status)
    out.sort(axis=1)
    return out


def _raise_on_failure(status):
    status = np.asarray(status)
    if np.any(status == -2):
        raise ValueError("eigenvectors must be finite, got NaN or infinite values")
    if np.any(status == -3):
        raise ValueError("eigenvectors must be orthonormal (columns of V with V^T V = I)")
    if np.any(status != 0):
        raise RuntimeError(
            "projection DPP sampler exhausted its proposal budget: the columns are "
            "numerically not orthonormal"
        )


def projection_columns_batch(V, columns, rng):
    """One projection-DPP sample per entry of ``columns``, using those columns of ``V``.

    ``V`` (N, R) should have orthonormal columns (e.g. eigenvectors);
    ``columns`` is a list of 1-D integer index arrays. Only the columns used
    are checked (finite, orthonormal on a probe vector), in O(N r) per
    sample, so a cached eigendecomposition is not rescanned on every call.
    Returns a list of sorted index arrays. Used by the spectral DPP and k-DPP
    samplers.
    """
    if not isinstance(V, np.ndarray):
        return _columns_stack_gs(V, columns, rng)
    from linalg._kernels.projection import _projection_columns_chunks, _projection_columns_range
    from linalg._kernels.stream import host_seeds, run_batched

    S = len(columns)
    sizes = np.array([len(c) for c in columns], dtype=np.int64)
    width = max(int(sizes.max(initial=0)), 1)
    cols = np.zeros((S, width), dtype=np.int64)
    for s, c in enumerate(columns):
        cols[s, : len(c)] = c
    out = np.full((S, width), -1, dtype=np.int64)
    status = np.zeros(S, dtype=np.int64)
    V = np.ascontiguousarray(V, dtype=np.float64)
    args = (V, cols, sizes, host_seeds(rng, S), out, status)
    run_batched(_projection_columns_range, _projection_columns_chunks, S, *args)
    _raise_on_failure(status)
    return [np.sort(out[s, : sizes[s]]) for s in range(S)]


def projection_gs_batch(V, S, rng):
    """``S`` projection-DPP samples by the batched rank-one-update chain rule (any namespace).

    Returns an (S, r) int64 array of sorted indices on the device of ``V``.
    """
    xp = namespace(V)
    n, r = V.shape
    u = asarray_like(rng.random((r, S)), V, V.dtype)
    d = xp.broadcast_to(xp.sum(V * V, axis=1)[:, None], (n, S))
    d = xp.asarray(d, copy=True)  # (N, S): residual squared norms of every sample
    Q = xp.zeros((S, r, r), dtype=V.dtype)  # orthonormal directions, one stack per sample
    picks = []
    items = xp.arange(n)
    for t in range(r):
        cdf = xp.cumulative_sum(d, axis=0)
        target = u[t, :] * cdf[n - 1, :]
        i = xp.sum(xp.astype(cdf <= target[None, :], xp.int64), axis=0)
        i = xp.clip(i, 0, n - 1)
        v = xp.take(V, i, axis=0)  # (S, r)
        w = v - xp.squeeze(xp.matrix_transpose(Q[:, :t, :]) @ (Q[:, :t, :] @ v[:, :, None]), axis=2)
        w = w - xp.squeeze(xp.matrix_transpose(Q[:, :t, :]) @ (Q[:, :t, :] @ w[:, :, None]), axis=2)
        w = w / xp.linalg.vector_norm(w, axis=1, keepdims=True)
        Q[:, t, :] = w
        d = xp.clip(d - (V @ w.T) ** 2, 0.0, None)
        d = xp.where(items[:, None] == i[None, :], 0.0, d)  # round-off guard on the picks
        picks.append(i)
    out = xp.stack(picks, axis=1)
    return xp.sort(out, axis=1)


def _columns_stack_gs(V, columns, rng):
    """The namespace-generic branch of :func:`projection_columns_batch`."""
    xp = namespace(V)
    n = V.shape[0]
    out = [asarray_like(np.empty(0, dtype=np.int64), V)] * len(columns)
    used = np.unique(
        np.concatenate([np.empty(0, np.int64)] + [np.asarray(c, np.int64) for c in columns])
    )
    if used.size == 0:
        return out
    union = xp.take(V, asarray_like(used, V, xp.int64), axis=1)
    check_orthonormal_columns(check_finite(union, "eigenvectors"), "eigenvectors")
    sizes = np.array([len(c) for c in columns])
    for r in np.unique(sizes[sizes > 0]).tolist():
        group = np.flatnonzero(sizes == r)
        cols = np.stack([np.asarray(columns[s], dtype=np.int64) for s in group])
        W = xp.take(V, asarray_like(cols.ravel(), V, xp.int64), axis=1)
        W = xp.permute_dims(xp.reshape(W, (n, group.size, r)), (1, 0, 2))
        picks = projection_stack_gs(W, rng)
        for row, s in enumerate(group.tolist()):
            out[s] = picks[row, ...]
    return out


def projection_stack_gs(W, rng):
    """One projection-DPP sample per matrix of the stack ``W`` (S, N, r), any namespace.

    The batched rank-one-update chain rule of :func:`projection_gs_batch`, with
    a kernel of its own for each sample. Returns an (S, r) int64 array of
    sorted indices on the device of ``W``.
    """
    xp = namespace(W)
    S, n, r = W.shape
    u = asarray_like(rng.random((r, S)), W, W.dtype)
    flat = xp.reshape(W, (S * n, r))
    offsets = xp.arange(S) * n
    d = xp.sum(W * W, axis=2)  # (S, N): residual squared norms of every sample
    Q = xp.zeros((S, r, r), dtype=W.dtype)
    items = xp.arange(n)
    picks = []
    for t in range(r):
        cdf = xp.cumulative_sum(d, axis=1)
        target = u[t, :] * cdf[:, n - 1]
        i = xp.clip(xp.sum(xp.astype(cdf <= target[:, None], xp.int64), axis=1), 0, n - 1)
        v = xp.take(flat, offsets + i, axis=0)  # (S, r)
        w = v - xp.squeeze(xp.matrix_transpose(Q[:, :t, :]) @ (Q[:, :t, :] @ v[:, :, None]), axis=2)
        w = w - xp.squeeze(xp.matrix_transpose(Q[:, :t, :]) @ (Q[:, :t, :] @ w[:, :, None]), axis=2)
        w = w / xp.linalg.vector_norm(w, axis=1, keepdims=True)
        Q[:, t, :] = w
        d = xp.clip(d - xp.squeeze(W @ w[:, :, None], axis=2) ** 2, 0.0, None)
        d = xp.where(items[None, :] == i[:, None], 0.0, d)  # round-off guard on the picks
        picks.append(i)
    return xp.sort(xp.stack(picks, axis=1), axis=1)
