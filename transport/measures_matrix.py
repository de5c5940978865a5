r"""Sliced Wasserstein distances between many weighted point clouds, in bounded memory.

For M clouds (and optionally K others) of any sizes and weights, every cloud
is projected on a block of shared directions and sorted once; all pairs then
reuse the sorted projections:

* clouds of equal size with uniform weights at ``p = 2``: on a slice,
  :math:`W_2^2 = \frac1n\sum_k (u_{(k)} - v_{(k)})^2
  = \frac1n(\|u\|^2 + \|v\|^2 - 2\langle u, v\rangle)` with the sorted
  projections :math:`u, v`, so the cross terms of all pairs of a size group
  are one matrix product of the (M, L_block n) stacks of sorted projections
  (centred per direction). Pairs where that difference of large
  numbers could lose more than about 1e-10 of the value (near-identical clouds)
  are recomputed by the merge below;
* every other pair (sizes that differ, weights, ``p != 2``): the batched exact
  1-D solver :func:`transport.one_d.sorted_wpp` on the gathered rows of a block
  of pairs (Numba merge on the CPU, numba.cuda or array-API code for CuPy).

Directions come in blocks so that the sorted projections held at once, plus the
rows gathered for one block of pairs, stay under ``max_bytes``; when even one
direction of all clouds does not fit, the clouds are cut into groups and the
matrix is computed tile by tile (each group projected again per tile).
"""

from __future__ import annotations

import numpy as np

from gpu.backend import result_float_dtype, to_numpy
from gpu.validate import check_int
from transport._validation import check_p, named_arrays, normalised_weights
from transport.one_d import sorted_wpp
from transport.sliced import check_point_cloud, project_sorted, resolve_directions

__all__ = ["sliced_wasserstein_cdist"]

#: Default bound (bytes) on the working memory of :func:`sliced_wasserstein_cdist`.
MAX_BYTES = 1 << 28

#: A Gram-path value below this fraction of the two clouds' centred second moments
#: is recomputed by the merge (the subtraction would keep fewer than ~10 digits).
GRAM_RELATIVE_FLOOR = 1e-6


def _weights_list(xp, weights, clouds, name):
    return [
        None if w is None else normalised_weights(xp, w, c.shape[0], f"{name}[{k}]")[0]
        for k, (c, w) in enumerate(zip(clouds, weights, strict=True))
    ]


def _pairs(ma, mb, symmetric):
    """All (i, j) index pairs, the upper triangle only when ``symmetric``."""
    if symmetric:
        return np.triu_indices(ma, k=1)
    i, j = np.meshgrid(np.arange(ma), np.arange(mb), indexing="ij")
    return i.ravel(), j.ravel()


def _merge_pairs(xp, sa, wa, sb, wb, ii, jj, p, pair_bytes):
    """Sum over a direction block of W_p^p for the pairs (ii[k], jj[k]), by size-matched batches."""
    out = np.zeros(ii.shape[0])
    keys = {}
    for k in range(ii.shape[0]):
        key = (sa[ii[k]].shape[1], sb[jj[k]].shape[1], wa[ii[k]] is None, wb[jj[k]] is None)
        keys.setdefault(key, []).append(k)
    for (n, m, _, _), ks in keys.items():
        L = sa[ii[ks[0]]].shape[0]
        step = max(1, pair_bytes // (24 * L * (n + m)))  # values, weights, gathers
        for s in range(0, len(ks), step):
            chunk = ks[s : s + step]
            u = xp.concat([sa[ii[k]] for k in chunk], axis=0)
            v = xp.concat([sb[jj[k]] for k in chunk], axis=0)
            uw = None if wa[ii[chunk[0]]] is None else _rows_weights(xp, wa, ii, chunk, n)
            vw = None if wb[jj[chunk[0]]] is None else _rows_weights(xp, wb, jj, chunk, m)
            if (uw is None) != (vw is None) or n != m:
                uw = _uniform_like(xp, u) if uw is None else uw
                vw = _uniform_like(xp, v) if vw is None else vw
            wpp = sorted_wpp(u, uw, v, vw, p)
            out[np.asarray(chunk)] = to_numpy(xp.sum(xp.reshape(wpp, (len(chunk), L)), axis=1))
    return out


def _rows_weights(xp, w, idx, chunk, n):
    return xp.concat([w[idx[k]] for k in chunk], axis=0)


def _uniform_like(xp, u):
    return xp.ones_like(u) / u.shape[-1]


def _block_sorted(xp, clouds, weights, block):
    """Sorted projections (L_b, n_k) and permuted weights (or None) of every cloud.

    The many small projection products run with single-threaded BLAS: waking a
    BLAS thread pool for each costs more than the product (much more on a
    loaded machine); the large Gram products elsewhere keep every thread.
    """
    from threadpoolctl import threadpool_limits

    values, perm_w = [], []
    with threadpool_limits(1, user_api="blas"):
        for X, w in zip(clouds, weights, strict=True):
            v, vw = project_sorted(xp, X, w, block)
            values.append(v)
            perm_w.append(vw)
    return values, perm_w


def _is_gram(w_i, w_j, n_i, n_j, p):
    return p == 2.0 and w_i is None and w_j is None and n_i == n_j


def sliced_wasserstein_cdist(
    clouds,
    others=None,
    weights=None,
    other_weights=None,
    *,
    p=2,
    n_projections=128,
    projections=None,
    directions="mc",
    rng=None,
    max_bytes=MAX_BYTES,
):
    r"""Sliced Wasserstein distances between every pair of M (and K) point clouds.

    .. math::

        D_{kl} = \Big(\frac1L \sum_{l'=1}^L W_p^p(\theta_{l'}\#\mu_k,
        \theta_{l'}\#\nu_l)\Big)^{1/p}

    on directions shared by all pairs, each cloud projected and sorted once per
    block of directions. A sibling of :func:`transport.sliced_wasserstein_matrix`
    for many clouds: the same numbers on the same ``projections``, but the pairs
    are batched (one matrix product per size group at ``p = 2`` for uniform
    clouds of equal size, batched exact merges otherwise) and the working
    memory is bounded by ``max_bytes``; ``others`` gives the rectangular
    (M, K) matrix between two collections, like ``scipy.spatial.distance.cdist``.

    Parameters
    ----------
    clouds : sequence of array_like, shapes (n_k, d)
        The M clouds (sizes may differ, dimensions agree).
    others : sequence of array_like, shapes (m_l, d), optional
        K further clouds; default: the matrix of ``clouds`` against themselves.
    weights, other_weights : sequence of (array_like or None), optional
        Weights of each cloud (None: uniform), normalised to mass 1.
    p : float
        Ground-cost exponent, ``p >= 1``.
    n_projections, projections, directions, rng
        As in :func:`transport.sliced_wasserstein`; one set of directions serves
        every pair.
    max_bytes : int
        Bound on the working memory (sorted projections of one block of
        directions for all clouds and their stacked copies, plus the rows
        gathered for one block of pairs), beyond the inputs and a few (M, K)
        float64 accumulators. Default 256 MB.

    Returns
    -------
    array, shape (M, M) or (M, K)
        :math:`SW_p` of every pair (symmetric with a zero diagonal without
        ``others``), on the device of the inputs, in their floating dtype.

    Raises
    ------
    ValueError
        An empty collection, a weights sequence of another length, clouds of
        different dimensions, NaN or infinite values, negative weights, ``p <
        1``, ``n_projections < 1``, or ``max_bytes`` too small to hold the
        sorted projections of one cloud on one direction.
    TypeError
        Complex input, arrays from different libraries, or a bad ``rng``.

    References
    ----------
    .. [1] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015), Eq. (4).

    Examples
    --------
    >>> import numpy as np
    >>> clouds = [np.zeros((5, 2)), np.ones((3, 2)), np.full((4, 2), 3.0)]
    >>> D = sliced_wasserstein_cdist(clouds, projections=np.array([[1.0], [0.0]]))
    >>> D.round(6).tolist()
    [[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]]
    """
    symmetric = others is None
    A = list(clouds)
    B = A if symmetric else list(others)
    if not A:
        raise ValueError("clouds must hold at least one point cloud")
    if not B:
        raise ValueError("others must hold at least one point cloud")
    wa_in = [None] * len(A) if weights is None else list(weights)
    wb_in = (
        wa_in if symmetric else ([None] * len(B) if other_weights is None else list(other_weights))
    )
    if symmetric and other_weights is not None:
        raise ValueError("other_weights given without others")
    for w, c, name in ((wa_in, A, "weights"), (wb_in, B, "other_weights")):
        if len(w) != len(c):
            raise ValueError(f"{name} must have one entry per cloud ({len(c)}), got {len(w)}")
    named = {f"clouds[{k}]": c for k, c in enumerate(A)}
    named.update({f"weights[{k}]": w for k, w in enumerate(wa_in)})
    if not symmetric:
        named.update({f"others[{k}]": c for k, c in enumerate(B)})
        named.update({f"other_weights[{k}]": w for k, w in enumerate(wb_in)})
    xp, converted = named_arrays(projections=projections, **named)
    converted = dict(zip(["projections", *named], converted, strict=True))
    p = check_p(p)
    max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
    first = check_point_cloud(xp, converted["clouds[0]"], "clouds[0]")
    d = first.shape[1]
    A = [
        check_point_cloud(xp, converted[f"clouds[{k}]"], f"clouds[{k}]", d=d) for k in range(len(A))
    ]
    wa = _weights_list(xp, [converted[f"weights[{k}]"] for k in range(len(A))], A, "weights")
    if symmetric:
        B, wb = A, wa
    else:
        B = [
            check_point_cloud(xp, converted[f"others[{k}]"], f"others[{k}]", d=d)
            for k in range(len(B))
        ]
        wb = _weights_list(
            xp, [converted[f"other_weights[{k}]"] for k in range(len(B))], B, "other_weights"
        )
    theta = resolve_directions(
        xp, first, d, converted["projections"], n_projections, directions, rng
    )
    dtype = result_float_dtype(xp, *A, *B, *(w for w in wa + wb if w is not None), theta)
    wpp = _cdist_wpp(xp, A, wa, B, wb, theta, p, max_bytes, symmetric)
    D = xp.asarray(wpp ** (1.0 / p))
    return xp.astype(D, dtype)


def _bytes_per_direction(A, wa, B, wb, symmetric):
    """Sorted values (and permuted weights) of all clouds on one direction, plus Gram copies."""
    points = sum(c.shape[0] for c in A) + (0 if symmetric else sum(c.shape[0] for c in B))
    weighted = any(w is not None for w in wa) or any(w is not None for w in wb)
    return 8 * points * (4 if weighted else 3)


def _tiles(clouds, weights, limit, name):
    """Consecutive groups of cloud indices, each within ``limit`` bytes per direction."""
    groups, current, used = [], [], 0
    for k, (c, w) in enumerate(zip(clouds, weights, strict=True)):
        size = _bytes_per_direction([c], [w], [], [], True)
        if size > limit:
            raise ValueError(
                f"max_bytes is too small for {name}[{k}] alone ({size} bytes per direction, "
                f"four times that is needed); raise max_bytes"
            )
        if current and used + size > limit:
            groups.append(current)
            current, used = [], 0
        current.append(k)
        used += size
    return groups + [current]


def _cdist_wpp(xp, A, wa, B, wb, theta, p, max_bytes, symmetric):
    """(M, K) NumPy matrix of SW_p^p: blocked over directions, and over clouds when needed.

    When the sorted projections of all clouds on one direction exceed half of
    ``max_bytes``, the clouds are cut into consecutive groups and each pair of
    groups (a tile) is computed on its own, every group being projected again
    for each tile it belongs to.
    """
    if _bytes_per_direction(A, wa, B, wb, symmetric) <= max_bytes // 2:
        return _directions_blocked_wpp(xp, A, wa, B, wb, theta, p, max_bytes, symmetric)
    ga = _tiles(A, wa, max_bytes // 4, "clouds")
    gb = ga if symmetric else _tiles(B, wb, max_bytes // 4, "others")
    total = np.zeros((len(A), len(B)))
    for x, rows in enumerate(ga):
        for y, cols in enumerate(gb):
            if symmetric and y < x:
                continue
            total[np.ix_(rows, cols)] = _directions_blocked_wpp(
                xp,
                [A[k] for k in rows],
                [wa[k] for k in rows],
                [B[k] for k in cols],
                [wb[k] for k in cols],
                theta,
                p,
                max_bytes,
                symmetric and x == y,
            )
    if symmetric:
        total = np.triu(total, k=1)
        total = total + total.T
    return total


def _directions_blocked_wpp(xp, A, wa, B, wb, theta, p, max_bytes, symmetric):
    """(M, K) NumPy matrix of SW_p^p, blocked over directions (all clouds fit on one)."""
    L = theta.shape[1]
    per_direction = _bytes_per_direction(A, wa, B, wb, symmetric)
    budget = max_bytes // 2
    step = max(1, min(L, budget // per_direction))
    ma, mb = len(A), len(B)
    total = np.zeros((ma, mb))
    second = np.zeros((ma, mb))  # centred second moments of the Gram-path pairs
    gram = np.zeros((ma, mb), dtype=bool)
    ii, jj = _pairs(ma, mb, symmetric)
    na = np.array([c.shape[0] for c in A])
    nb = np.array([c.shape[0] for c in B])
    uni_a = np.array([w is None for w in wa])
    uni_b = np.array([w is None for w in wb])
    on_gram = (p == 2.0) & uni_a[ii] & uni_b[jj] & (na[ii] == nb[jj])
    gram[ii[on_gram], jj[on_gram]] = True
    merge_i, merge_j = ii[~on_gram], jj[~on_gram]
    sizes = sorted({int(n) for n in na[uni_a]}) if p == 2.0 else []
    for start in range(0, L, step):
        block = theta[:, start : start + step]
        sa, pa = _block_sorted(xp, A, wa, block)
        sb, pb = (sa, pa) if symmetric else _block_sorted(xp, B, wb, block)
        for n in sizes:
            rows = np.flatnonzero(uni_a & (na == n))
            cols = rows if symmetric else np.flatnonzero(uni_b & (nb == n))
            if rows.size and cols.size:
                _gram_block(xp, sa, sb, rows, cols, n, total, second, symmetric)
        if merge_i.size:
            total[merge_i, merge_j] += _merge_pairs(xp, sa, pa, sb, pb, merge_i, merge_j, p, budget)
    # Pairs whose Gram difference lost too many digits: redo them by the merge.
    redo = gram & (total < GRAM_RELATIVE_FLOOR * second)
    if symmetric:
        redo &= np.triu(np.ones_like(redo), k=1)
    ri, rj = np.nonzero(redo)
    if ri.size:
        total[ri, rj] = 0.0
        for start in range(0, L, step):
            block = theta[:, start : start + step]
            sa, pa = _block_sorted(xp, A, wa, block)
            sb, pb = (sa, pa) if symmetric else _block_sorted(xp, B, wb, block)
            total[ri, rj] += _merge_pairs(xp, sa, pa, sb, pb, ri, rj, p, budget)
    total = np.maximum(total, 0.0) / L
    if symmetric:
        total = np.triu(total, k=1)
        total = total + total.T
    return total


def _gram_block(xp, sa, sb, rows, cols, n, total, second, symmetric):
    """Add the Gram-identity W_2^2 sums of a size group on one direction block."""
    U = xp.stack([sa[k] for k in rows])  # (R, L_b, n)
    centre = xp.mean(U, axis=(0, 2), keepdims=True)
    V = U if symmetric else xp.stack([sb[k] for k in cols])
    if not symmetric:
        centre = 0.5 * (centre + xp.mean(V, axis=(0, 2), keepdims=True))
    U = xp.reshape(U - centre, (rows.size, -1))
    V = U if symmetric else xp.reshape(V - centre, (cols.size, -1))
    su = xp.sum(U * U, axis=1)
    sv = su if symmetric else xp.sum(V * V, axis=1)
    cross = xp.matmul(U, xp.permute_dims(V, (1, 0)))
    block = (su[:, None] + sv[None, :] - 2.0 * cross) / n
    moments = (su[:, None] + sv[None, :]) / n
    idx = np.ix_(rows, cols)
    total[idx] += to_numpy(block)
    second[idx] += to_numpy(moments)
