r"""Gradients of the sliced cost with respect to projected points (NumPy, CPU).

For one slice, :math:`W_p^p` between the projected measures is a sum over the
pieces of the monotone matching, so its gradient with respect to each projected
atom is the matching-weighted derivative of :math:`|x - y|^p`. Those per-atom
gradients are what every first-order sliced method needs: max-SW ascends the
direction, ASWD ascends the network, and gradient flows move the particles.
This module is a documented CPU-only exception: it works on NumPy arrays (callers
move other arrays to the host).
"""

from __future__ import annotations

import numpy as np

__all__ = ["slice_wpp_and_grad"]


def slice_wpp_and_grad(P, a, Q, b, p):
    r"""Per-slice :math:`W_p^p` of projected clouds and its gradient with respect to them.

    Parameters
    ----------
    P : numpy.ndarray, shape (L, n)
        Projections of the first cloud, one slice per row (unsorted).
    a : numpy.ndarray, shape (n,), or None
        Weights of the first cloud, summing to one (None: uniform).
    Q : numpy.ndarray, shape (L, m)
        Projections of the second cloud.
    b : numpy.ndarray, shape (m,), or None
        Weights of the second cloud.
    p : float
        Ground-cost exponent, ``p >= 1``.

    Returns
    -------
    value : numpy.ndarray, shape (L,)
        :math:`W_p^p` of every slice.
    grad_P : numpy.ndarray, shape (L, n)
        Derivative of each slice's value with respect to ``P`` (a subgradient
        where atoms tie).
    grad_Q : numpy.ndarray, shape (L, m)
        Derivative with respect to ``Q``.

    Examples
    --------
    >>> import numpy as np
    >>> value, gP, gQ = slice_wpp_and_grad(np.array([[0.0, 2.0]]), None,
    ...                                    np.array([[1.0, 1.0]]), None, 2.0)
    >>> value.tolist(), gP.tolist(), gQ.tolist()
    ([1.0], [[-1.0, 1.0]], [[1.0, -1.0]])
    """
    from transport._kernels.merge import _merge_wpp_grad

    P = np.ascontiguousarray(P, dtype=np.float64)
    Q = np.ascontiguousarray(Q, dtype=np.float64)
    order_p = np.argsort(P, axis=1)
    order_q = np.argsort(Q, axis=1)
    u = np.take_along_axis(P, order_p, axis=1)
    v = np.take_along_axis(Q, order_q, axis=1)
    L = P.shape[0]
    uw = np.empty((L, 0)) if a is None else np.ascontiguousarray(np.asarray(a)[order_p])
    vw = np.empty((L, 0)) if b is None else np.ascontiguousarray(np.asarray(b)[order_q])
    gu = np.zeros_like(u)
    gv = np.zeros_like(v)
    value = _merge_wpp_grad(u, uw, v, vw, float(p), gu, gv)
    grad_P = np.empty_like(gu)
    grad_Q = np.empty_like(gv)
    np.put_along_axis(grad_P, order_p, gu, axis=1)
    np.put_along_axis(grad_Q, order_q, gv, axis=1)
    return value, grad_P, grad_Q
