r"""Max-sliced Wasserstein distance: the best direction, found by projected gradient ascent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import asarray_like, namespace, to_numpy
from gpu.records import Record
from gpu.validate import check_int, check_real
from transport._validation import check_p, normalised_weight_pair
from transport.directions import random_directions
from transport.slice_gradients import slice_wpp_and_grad
from transport.sliced import check_point_cloud

__all__ = ["MaxSlicedResult", "max_sliced_wasserstein", "ascend_directions"]


@dataclass(frozen=True)
class MaxSlicedResult(Record):
    """Result of :func:`max_sliced_wasserstein`.

    Attributes
    ----------
    value : float
        :math:`\\max_\\theta W_p(\\theta\\#\\mu, \\theta\\#\\nu)` over the directions
        visited (the best restart's final direction).
    direction : array, shape (d,)
        The maximising unit direction, on the device of the inputs.
    restart_values : numpy.ndarray, shape (n_restarts,)
        Final :math:`W_p` of every restart (the spread shows how multimodal the
        objective is).
    n_iter : int
        Ascent iterations run (all restarts advance together).
    """

    value: float
    direction: object
    restart_values: np.ndarray
    n_iter: int


def _sphere_gradient(X, Y, a, b, theta, p):
    """W_p^p of each column of theta (d, R) and its Riemannian gradient on the sphere."""
    values, gP, gQ = slice_wpp_and_grad(theta.T @ X.T, a, theta.T @ Y.T, b, p)
    euclid = X.T @ gP.T + Y.T @ gQ.T
    return values, euclid - theta * np.sum(euclid * theta, axis=0, keepdims=True)


def ascend_directions(X, Y, a, b, theta, p, *, n_iter, step_size=0.5, tol=1e-10):
    r"""Monotone projected gradient ascent of :math:`W_p^p(\theta\#\mu, \theta\#\nu)` on the sphere.

    Every column of ``theta`` is one ascent run: it moves along its normalised
    Riemannian gradient by an angle-like step and is renormalised; a step that
    does not increase the value is refused and halves that run's step, an
    accepted one grows it by 1.2. Runs stop when every step is below ``tol`` or
    after ``n_iter`` iterations. NumPy, CPU.

    Returns
    -------
    theta : numpy.ndarray, shape (d, R)
        Final unit directions.
    values : numpy.ndarray, shape (R,)
        Their :math:`W_p^p`.
    n_iter : int
        Iterations run.
    """
    theta = theta / np.linalg.norm(theta, axis=0, keepdims=True)
    values, grad = _sphere_gradient(X, Y, a, b, theta, p)
    steps = np.full(theta.shape[1], float(step_size))
    done = 0
    for _ in range(n_iter):
        norms = np.linalg.norm(grad, axis=0)
        moving = (steps > tol) & (norms > 0)
        if not moving.any():
            break
        direction = np.where(moving, grad / np.where(norms > 0, norms, 1.0), 0.0)
        proposal = theta + steps * direction
        proposal /= np.linalg.norm(proposal, axis=0, keepdims=True)
        new_values, new_grad = _sphere_gradient(X, Y, a, b, proposal, p)
        better = moving & (new_values > values)
        theta = np.where(better, proposal, theta)
        grad = np.where(better, new_grad, grad)
        values = np.where(better, new_values, values)
        steps = np.where(better, steps * 1.2, np.where(moving, steps * 0.5, steps))
        done += 1
    return theta, values, done


def max_sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    n_restarts=8,
    n_iter=200,
    step_size=0.5,
    rng=None,
):
    r"""Max-sliced Wasserstein distance by projected gradient ascent on the sphere, with restarts.

    .. math:: \max\text{-}SW_p(\mu, \nu) = \max_{\theta \in S^{d-1}} W_p(\theta\#\mu, \theta\#\nu)

    The direction is optimised, not picked among random draws (which is what
    POT's ``ot.max_sliced_wasserstein_distance`` does): ``n_restarts`` random
    unit directions are each ascended with exact gradients of the one-dimensional
    cost (monotone ascent with step halving, see :func:`ascend_directions`), and
    the best end point is returned. The objective is not concave, so restarts
    guard against local maxima. Computed on the host with NumPy (CPU-only
    exception); the direction is returned on the device of the inputs.

    Parameters
    ----------
    X, Y : array, shapes (n, d) and (m, d)
        Point clouds.
    a, b : array, optional
        Weights as in :func:`transport.sliced_wasserstein`.
    p : float
        Ground-cost exponent, ``p >= 1``.
    n_restarts : int
        Number of random starting directions, ``>= 1``.
    n_iter : int
        Maximum ascent iterations, ``>= 0``.
    step_size : float
        Initial step along the normalised gradient (roughly an angle in radians).
    rng : None, int or numpy.random.Generator
        Source of the starting directions.

    Returns
    -------
    MaxSlicedResult
        ``value`` (:math:`W_p`, not its power), ``direction``, ``restart_values``,
        ``n_iter``.

    Raises
    ------
    ValueError
        As :func:`transport.sliced_wasserstein` for the clouds, weights and ``p``;
        ``n_restarts < 1``, ``n_iter < 0`` or ``step_size <= 0``.

    References
    ----------
    .. [1] Deshpande, Hu, Sun, Pyrros, Siddiqui, Koyejo, Zhao, Forsyth, Schwing,
       "Max-sliced Wasserstein distance and its use for GANs", CVPR 2019, Eq. (4).
    .. [2] Absil, Mahony, Sepulchre, "Optimization Algorithms on Matrix Manifolds",
       Princeton 2008, Section 3.6 (Riemannian gradient on the sphere).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3)) * [1.0, 1.0, 0.1]
    >>> res = max_sliced_wasserstein(X, X * [1.0, 1.0, 10.0], rng=0)
    >>> abs(res.direction[2]).round(3)
    np.float64(1.0)
    """
    xp = namespace(X, Y, a, b)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    n_restarts = check_int(n_restarts, "n_restarts", minimum=1)
    n_iter = check_int(n_iter, "n_iter", minimum=0)
    step_size = check_real(step_size, "step_size", low=0.0, low_inclusive=False)
    reference = X
    X, Y = (np.asarray(to_numpy(Z), dtype=np.float64) for Z in (X, Y))
    a, b = (None if w is None else np.asarray(to_numpy(w), dtype=np.float64) for w in (a, b))
    start = random_directions(X.shape[1], n_restarts, "mc", rng)
    theta, values, done = ascend_directions(
        X, Y, a, b, start, p, n_iter=n_iter, step_size=step_size
    )
    best = int(np.argmax(values))
    return MaxSlicedResult(
        value=float(values[best] ** (1.0 / p)),
        direction=asarray_like(theta[:, best], reference),
        restart_values=values ** (1.0 / p),
        n_iter=done,
    )
