r"""Max-sliced Wasserstein distance: the best direction, found by projected gradient ascent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import asarray_like, power_of_two_scale, result_float_dtype, to_numpy
from gpu.deprecation import renamed_arguments, retired_field
from gpu.records import Record
from gpu.validate import check_int, check_real
from transport._scaling import direct_in_range
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.directions import random_directions
from transport.one_d import rows_distance, sorted_scaled_wpp
from transport.slice_gradients import slice_wpp_and_grad
from transport.sliced import check_point_cloud

__all__ = ["MaxSlicedResult", "max_sliced_wasserstein", "ascend_directions"]


def _exact_slices(X, a, Y, b, theta, p):
    """W_p of every column of ``theta``, exact for every representable value."""
    return rows_distance(np, *_sorted_slices(theta.T @ X.T, a, theta.T @ Y.T, b), p, "max-SW_p")


@dataclass(frozen=True)
class MaxSlicedResult(Record):
    """Result of :func:`max_sliced_wasserstein`.

    Attributes
    ----------
    value : float
        :math:`\\max_\\theta W_p(\\theta\\#\\mu, \\theta\\#\\nu)` over the directions
        visited (the best restart's final direction).
    direction : array, shape (d,)
        The maximising unit direction, on the device of the inputs, in their
        floating dtype (see README, Conventions).
    restart_values : numpy.ndarray, shape (n_restarts,)
        Final :math:`W_p` of every restart (the spread shows how multimodal the
        objective is).
    steps : int
        Ascent iterations run (all restarts advance together; formerly ``n_iter``).
    """

    value: float
    direction: object
    restart_values: np.ndarray
    steps: int

    n_iter = retired_field("n_iter", "steps")


def _sphere_gradient(X, Y, a, b, theta, p, scaled=False):
    """W_p^p of each column of theta (d, R) and its Riemannian gradient on the sphere.

    With ``scaled`` each slice's projections are first divided by its largest
    gap ``c`` on the support of the plan: the values returned are then
    :math:`W_p` itself (``c S**(1/p)``) and the gradients those of
    :math:`W_p^p / c^{p+1}`, a positive multiple, so the ascent's normalised
    step is unchanged and nothing under- or overflows for any p.
    """
    P, Q = theta.T @ X.T, theta.T @ Y.T
    if scaled:
        c = _slice_scales(P, a, Q, b, p)
        P, Q = P / c[:, None], Q / c[:, None]
    values, gP, gQ = slice_wpp_and_grad(P, a, Q, b, p)
    euclid = X.T @ gP.T + Y.T @ gQ.T
    if scaled:
        values = c * values ** (1.0 / p)
    return values, euclid - theta * np.sum(euclid * theta, axis=0, keepdims=True)


def _sorted_slices(P, a, Q, b):
    """Rows of P and Q sorted, with their weights in that order (None: uniform)."""
    op, oq = np.argsort(P, axis=1), np.argsort(Q, axis=1)
    u, v = np.take_along_axis(P, op, axis=1), np.take_along_axis(Q, oq, axis=1)
    uw = None if a is None else np.ascontiguousarray(np.asarray(a)[op])
    vw = None if b is None else np.ascontiguousarray(np.asarray(b)[oq])
    return u, uw, v, vw


def _slice_scales(P, a, Q, b, p):
    """Largest gap on the support of each slice's plan (1.0 where the slice is 0)."""
    g, _ = sorted_scaled_wpp(*_sorted_slices(P, a, Q, b), p)
    return np.where(g > 0.0, g, 1.0)


@renamed_arguments(n_iter="steps", step_size="lr")
def ascend_directions(X, Y, a, b, theta, p, *, steps, lr=0.5, tol=1e-10, scaled=False):
    r"""Monotone projected gradient ascent of :math:`W_p^p(\theta\#\mu, \theta\#\nu)` on the sphere.

    Every column of ``theta`` is one ascent run: it moves along its normalised
    Riemannian gradient by an angle-like step and is renormalised; a step that
    does not increase the value is refused and halves that run's step, an
    accepted one grows it by 1.2. Runs start with step ``lr`` and stop when
    every step is below ``tol`` or after ``steps`` iterations. ``scaled``
    ascends the same objective through :math:`W_p` in scaled form (for ``p``
    or scales at which :math:`W_p^p` leaves the float64 range). NumPy, CPU.

    Returns
    -------
    theta : numpy.ndarray, shape (d, R)
        Final unit directions.
    values : numpy.ndarray, shape (R,)
        Their :math:`W_p^p` (:math:`W_p` when ``scaled``).
    done : int
        Iterations run.
    """
    theta = theta / np.linalg.norm(theta, axis=0, keepdims=True)
    values, grad = _sphere_gradient(X, Y, a, b, theta, p, scaled)
    rates = np.full(theta.shape[1], float(lr))
    done = 0
    for _ in range(steps):
        norms = np.linalg.norm(grad, axis=0)
        moving = (rates > tol) & (norms > 0)
        if not moving.any():
            break
        direction = np.where(moving, grad / np.where(norms > 0, norms, 1.0), 0.0)
        proposal = theta + rates * direction
        proposal /= np.linalg.norm(proposal, axis=0, keepdims=True)
        new_values, new_grad = _sphere_gradient(X, Y, a, b, proposal, p, scaled)
        better = moving & (new_values > values)
        theta = np.where(better, proposal, theta)
        grad = np.where(better, new_grad, grad)
        values = np.where(better, new_values, values)
        rates = np.where(better, rates * 1.2, np.where(moving, rates * 0.5, rates))
        done += 1
    return theta, values, done


@renamed_arguments(n_iter="steps", step_size="lr")
def max_sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    n_restarts=8,
    steps=200,
    lr=0.5,
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
    X, Y : array_like, shapes (n, d) and (m, d)
        Point clouds.
    a, b : array_like, optional
        Weights as in :func:`transport.sliced_wasserstein`.
    p : float
        Ground-cost exponent, ``p >= 1``.
    n_restarts : int
        Number of random starting directions, ``>= 1``.
    steps : int
        Maximum ascent iterations, ``>= 0`` (formerly ``n_iter``).
    lr : float
        Initial step along the normalised gradient (roughly an angle in
        radians; formerly ``step_size``).
    rng : None, int or numpy.random.Generator
        Source of the starting directions.

    Returns
    -------
    MaxSlicedResult
        ``value`` (:math:`W_p`, not its power), ``direction``, ``restart_values``,
        ``steps`` (the iterations run). When :math:`W_p^p` leaves the float64
        range (large p, extreme scales), the ascent runs on :math:`W_p` in
        scaled form (:func:`ascend_directions` with ``scaled=True``) and the
        values are exact for the directions found.

    Raises
    ------
    ValueError
        As :func:`transport.sliced_wasserstein` for the clouds, weights and ``p``;
        ``n_restarts < 1``, ``steps < 0`` or ``lr <= 0``.

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
    xp, (X, Y, a, b) = named_arrays(X=X, Y=Y, a=a, b=b)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    n_restarts = check_int(n_restarts, "n_restarts", minimum=1)
    steps = check_int(steps, "steps", minimum=0)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    reference = X
    dtype = result_float_dtype(xp, X, Y, a, b)
    X, Y = (np.asarray(to_numpy(Z), dtype=np.float64) for Z in (X, Y))
    a, b = (None if w is None else np.asarray(to_numpy(w), dtype=np.float64) for w in (a, b))
    start = random_directions(X.shape[1], n_restarts, "mc", rng)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        theta, values, done = ascend_directions(X, Y, a, b, start, p, steps=steps, lr=lr)
        if bool(np.all(direct_in_range(np, values, p))):
            distances = values ** (1.0 / p)
        else:
            scale = power_of_two_scale(np, X, Y)
            theta, _, done = ascend_directions(
                X / scale, Y / scale, a, b, start, p, steps=steps, lr=lr, scaled=True
            )
            distances = _exact_slices(X, a, Y, b, theta, p)
    best = int(np.argmax(distances))
    value = distances[best]
    return MaxSlicedResult(
        value=float(value),
        direction=asarray_like(theta[:, best], reference, dtype),
        restart_values=distances,
        steps=done,
    )
