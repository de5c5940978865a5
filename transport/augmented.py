r"""Augmented sliced Wasserstein distance (ASWD) with a hand-differentiated MLP.

Samples are lifted by the injective map :math:`\phi(x) = [x, g_\omega(x)]` with
:math:`g_\omega` a small tanh MLP; :math:`\omega` is trained by a few steps of
gradient ascent on the sliced distance of the lifted measures minus a norm
penalty, then the sliced distance of the lifted measures is evaluated on fresh
random directions. Gradients (with respect to the network parameters and to the
samples, the latter for gradient flows) are derived by hand below and checked
against finite differences in the tests. NumPy on the host (CPU-only
exception): the network is small and the per-slice gradients come from the
Numba merge kernel.

Derivation. With :math:`\Phi_X = \phi(X)` (n, D), directions
:math:`\Theta` (D, L), :math:`w_l = W_p^p(\Theta_l^\top \Phi_X, \Theta_l^\top \Phi_Y)`
and :math:`S = (\frac1L \sum_l w_l)^{1/p}`,

.. math::

    \frac{\partial S}{\partial \Phi_{X,i}} = \frac{S^{1-p}}{pL} \sum_l
    \frac{\partial w_l}{\partial (\Theta_l^\top \Phi_{X,i})} \Theta_l,
    \qquad
    \frac{\partial R_X}{\partial \Phi_{X,i}} = \frac{\Phi_{X,i}}{n R_X},
    \quad R_X = \Big(\frac1n \sum_i \|\Phi_{X,i}\|^2\Big)^{1/2},

and the objective :math:`J = S - \lambda (R_X + R_Y)`. The last columns of
:math:`\partial J / \partial \Phi` are back-propagated through the MLP
(:math:`h_{k+1} = \tanh(h_k W_k + b_k)`, linear last layer) by the chain rule:
:math:`\delta_k = (\delta_{k+1} W_k^\top) \odot (1 - h_k^2)`,
:math:`\partial J / \partial W_k = h_k^\top \delta_{k+1}`,
:math:`\partial J / \partial b_k = \sum_i \delta_{k+1,i}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import as_generator, to_numpy
from gpu.deprecation import renamed_arguments
from gpu.records import Record
from gpu.validate import check_int, check_real
from transport._scaling import direct_in_range
from transport._validation import check_p, named_arrays, normalised_weight_pair
from transport.directions import random_directions
from transport.one_d import sorted_scaled_wpp
from transport.slice_gradients import slice_wpp_and_grad
from transport.sliced import check_point_cloud

__all__ = [
    "AugmentedResult",
    "augmented_sliced_wasserstein",
    "aswd_objective",
    "init_mlp",
    "lift",
    "lift_backward",
]


def init_mlp(d, hidden=(32, 32), out_dim=None, rng=None):
    """Parameters of a tanh MLP from R^d to R^out_dim (default out_dim = d), Glorot-uniform.

    Returns a tuple of (W, b) pairs, W of shape (in, out).
    """
    gen = as_generator(rng)
    out_dim = d if out_dim is None else out_dim
    sizes = (d, *hidden, out_dim)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params.append((gen.uniform(-bound, bound, (fan_in, fan_out)), np.zeros(fan_out)))
    return tuple(params)


def lift(X, params):
    r"""The lifted samples :math:`\phi(X) = [X, g(X)]` and the activations for the backward pass."""
    activations = [X]
    h = X
    for k, (W, b) in enumerate(params):
        h = h @ W + b
        if k < len(params) - 1:
            h = np.tanh(h)
        activations.append(h)
    return np.concatenate([X, h], axis=1), activations


def lift_backward(grad_lifted, activations, params):
    """Back-propagate dJ/dphi (n, d + k) to the parameters and to the samples X."""
    d = activations[0].shape[1]
    delta = grad_lifted[:, d:]
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        W, _ = params[k]
        h_in = activations[k]
        grads[k] = (h_in.T @ delta, delta.sum(axis=0))
        delta = delta @ W.T
        if k > 0:
            delta = delta * (1.0 - h_in * h_in)
    return tuple(grads), grad_lifted[:, :d] + delta


def _sliced_value_and_lifted_grads(PX, a, PY, b, theta, p):
    r"""S = SW_p of lifted clouds on directions theta, with dS/dPX and dS/dPY.

    When the mean of the slices' :math:`W_p^p` leaves the float64 range (large
    ``p``), the projections are divided by their largest gap ``c`` over all
    slices: with :math:`w'` the values of the scaled slices,
    :math:`S = c \bar w'^{1/p}` and
    :math:`\partial S / \partial P = (S / c)^{1 - p} / (p L) \, \partial w' / \partial P'`,
    every factor in range (:mod:`transport._scaling`).
    """
    L = theta.shape[1]
    P, Q = theta.T @ PX.T, theta.T @ PY.T
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        w, gP, gQ = slice_wpp_and_grad(P, a, Q, b, p)
        c = 1.0
        if not bool(direct_in_range(np, np.mean(w), p)):
            c = _largest_gap(P, a, Q, b, p)
            w, gP, gQ = slice_wpp_and_grad(P / c, a, Q / c, b, p)
    ratio = float(np.mean(w) ** (1.0 / p))
    S = c * ratio
    scale = ratio ** (1.0 - p) / (p * L) if ratio > 0 else 0.0
    return S, scale * (gP.T @ theta.T), scale * (gQ.T @ theta.T)


def _largest_gap(P, a, Q, b, p):
    """Largest gap over the supports of the slices' plans (rows of P and Q), or 1.0."""
    op, oq = np.argsort(P, axis=1), np.argsort(Q, axis=1)
    u, v = np.take_along_axis(P, op, axis=1), np.take_along_axis(Q, oq, axis=1)
    uw = None if a is None else np.ascontiguousarray(np.asarray(a)[op])
    vw = None if b is None else np.ascontiguousarray(np.asarray(b)[oq])
    g, _ = sorted_scaled_wpp(u, uw, v, vw, p)
    largest = float(np.max(g))
    return largest if largest > 0.0 else 1.0


def _root_mean_sq_norm(P, weights):
    """(sum_i w_i ||P_i||^2)^(1/2) and its gradient with respect to P."""
    w = np.full(P.shape[0], 1.0 / P.shape[0]) if weights is None else weights
    R = float(np.sqrt(np.sum(w * np.sum(P * P, axis=1))))
    grad = (w[:, None] * P) / R if R > 0 else np.zeros_like(P)
    return R, grad


def aswd_objective(X, Y, a, b, params, theta, p=2.0, penalty=0.5):
    r"""ASWD training objective on fixed directions, with its hand-derived gradients.

    .. math:: J(\omega) = SW_p(\phi\#\mu, \phi\#\nu; \Theta)
        - \lambda \big(\|\phi\|_{L^2(\mu)} + \|\phi\|_{L^2(\nu)}\big)

    Parameters
    ----------
    X, Y : numpy.ndarray, shapes (n, d), (m, d)
    a, b : numpy.ndarray or None
        Weights summing to one (None: uniform).
    params : tuple of (W, b)
        MLP parameters (see :func:`init_mlp`).
    theta : numpy.ndarray, shape (d + out_dim, L)
        Directions in the lifted space.
    p : float
    penalty : float
        :math:`\lambda`.

    Returns
    -------
    J : float
    sw : float
        The sliced term :math:`SW_p` alone.
    grad_params : tuple of (dW, db)
    grad_X, grad_Y : numpy.ndarray
        Gradients of :math:`J` with respect to the samples.
    """
    PX, act_x = lift(X, params)
    PY, act_y = lift(Y, params)
    S, gx, gy = _sliced_value_and_lifted_grads(PX, a, PY, b, theta, p)
    Rx, rx = _root_mean_sq_norm(PX, a)
    Ry, ry = _root_mean_sq_norm(PY, b)
    J = S - penalty * (Rx + Ry)
    grads_x, grad_X = lift_backward(gx - penalty * rx, act_x, params)
    grads_y, grad_Y = lift_backward(gy - penalty * ry, act_y, params)
    grad_params = tuple(
        (wx + wy, bx + by) for (wx, bx), (wy, by) in zip(grads_x, grads_y, strict=True)
    )
    return J, S, grad_params, grad_X, grad_Y


@renamed_arguments(n_steps="steps", learning_rate="lr", gen="rng")
def train_lift(
    X, Y, a, b, params, *, p, penalty, steps, lr, n_projections, rng, betas=(0.9, 0.999),
    state=None,
):  # fmt: skip
    """``steps`` Adam ascent steps of size ``lr`` on :func:`aswd_objective`, fresh directions
    (drawn from ``rng``) each step. Returns the parameters and the objective at each step.

    ``state``: a dict carrying Adam's moments and step count across calls (filled on the
    first call, updated in place), as the persistent ``phi_op`` optimiser of Chen et al.'s
    gradient-flow notebook; ``None`` starts from zero moments (one-off distances)."""
    gen = as_generator(rng)
    D = X.shape[1] + params[-1][0].shape[1]
    flat = [x for pair in params for x in pair]
    state = {} if state is None else state
    if "first" not in state:
        state.update(
            first=[np.zeros_like(x) for x in flat], second=[np.zeros_like(x) for x in flat], t=0
        )
    first, second = state["first"], state["second"]
    (beta1, beta2), eps = betas, 1e-8
    history = []
    for _ in range(steps):
        state["t"] += 1
        step = state["t"]
        theta = random_directions(D, n_projections, "mc", gen)
        J, _, grads, _, _ = aswd_objective(X, Y, a, b, params, theta, p, penalty)
        history.append(J)
        flat_grads = [g for pair in grads for g in pair]
        for k, g in enumerate(flat_grads):
            first[k] = beta1 * first[k] + (1 - beta1) * g
            second[k] = beta2 * second[k] + (1 - beta2) * g * g
            m_hat = first[k] / (1 - beta1**step)
            v_hat = second[k] / (1 - beta2**step)
            flat[k] = flat[k] + lr * m_hat / (np.sqrt(v_hat) + eps)
        params = tuple((flat[2 * k], flat[2 * k + 1]) for k in range(len(params)))
    return params, np.asarray(history)


@dataclass(frozen=True)
class AugmentedResult(Record):
    """Result of :func:`augmented_sliced_wasserstein`.

    Attributes
    ----------
    value : float
        :math:`SW_p(\\phi\\#\\mu, \\phi\\#\\nu)` on fresh directions after training.
    params : tuple
        Trained MLP parameters, (W, b) pairs (pass back as ``params`` to warm start).
    objective : numpy.ndarray, shape (steps,)
        Training objective :math:`J` at each ascent step.
    """

    value: float
    params: tuple
    objective: np.ndarray


@renamed_arguments(n_steps="steps", learning_rate="lr")
def augmented_sliced_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    p=2,
    n_projections=128,
    hidden=(32, 32),
    out_dim=None,
    penalty=0.5,
    steps=5,
    lr=5e-3,
    params=None,
    rng=None,
):
    r"""Augmented sliced Wasserstein distance (ASWD) with a trained injective lift.

    .. math::

        \mathrm{ASWD}_p(\mu, \nu) = SW_p(\phi\#\mu, \phi\#\nu), \quad
        \phi(x) = [x, g_{\omega^*}(x)],

    where :math:`\omega^*` results from ``steps`` Adam ascent steps on
    :math:`J(\omega) = SW_p(\phi\#\mu, \phi\#\nu) - \lambda(\|\phi\|_{L^2(\mu)}
    + \|\phi\|_{L^2(\nu)})` (fresh directions each step; gradients derived by
    hand, see :func:`aswd_objective`). Concatenating :math:`x` keeps
    :math:`\phi` injective, so the ASWD is a metric. Computed on the host with
    NumPy (CPU-only exception).

    Parameters
    ----------
    X, Y : array_like, shapes (n, d) and (m, d)
        Point clouds.
    a, b : array_like, optional
        Weights as in :func:`transport.sliced_wasserstein`.
    p : float
        Ground-cost exponent, ``p >= 1``.
    n_projections : int
        Directions per ascent step and for the final evaluation.
    hidden : tuple of int
        Hidden layer widths of :math:`g` (tanh activations).
    out_dim : int, optional
        Output dimension of :math:`g` (default ``d``).
    penalty : float
        :math:`\lambda \ge 0` (0.5 in the authors' experiments).
    steps : int
        Ascent steps (5 in the authors' experiments; formerly ``n_steps``).
    lr : float
        Adam step size (formerly ``learning_rate``).
    params : sequence of (W, b) pairs, optional
        Initial network parameters (e.g. ``result.params`` of an earlier call):
        arrays W of shape (in, out) and b of shape (out,), chained from ``d``
        inputs; default a fresh Glorot initialisation drawn from ``rng``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    AugmentedResult
        ``value`` (a float, computed in float64 on the host), trained
        ``params``, training ``objective``.

    Raises
    ------
    ValueError
        As :func:`transport.sliced_wasserstein`, plus non-positive sizes, a
        negative ``penalty`` or ``steps``, a non-positive ``lr``, ``params``
        of inconsistent shapes, or clouds so large that the lifted distance
        overflows float64 (the lift is not homogeneous, so they are not
        rescaled: rescale the inputs).
    TypeError
        ``params`` that is not a sequence of (W, b) array pairs.

    References
    ----------
    .. [1] Chen, Yang, Li, "Augmented sliced Wasserstein distances", ICLR 2022,
       Sections 3-4 (the lift, injectivity, and the regularised ascent).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((100, 2)), rng.standard_normal((100, 2)) + 2.0
    >>> res = augmented_sliced_wasserstein(X, Y, rng=0)
    >>> res.value > 0, res.objective.shape
    (True, (5,))
    """
    xp, (X, Y, a, b) = named_arrays(X=X, Y=Y, a=a, b=b)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a, b = normalised_weight_pair(xp, a, b, X.shape[0], Y.shape[0])
    n_projections = check_int(n_projections, "n_projections", minimum=1)
    steps = check_int(steps, "steps", minimum=0)
    penalty = check_real(penalty, "penalty", low=0.0)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    hidden = tuple(check_int(h, "hidden", minimum=1) for h in hidden)
    d = X.shape[1]
    out_dim = d if out_dim is None else check_int(out_dim, "out_dim", minimum=1)
    X, Y = (np.asarray(to_numpy(Z), dtype=np.float64) for Z in (X, Y))
    a, b = (None if w is None else np.asarray(to_numpy(w), dtype=np.float64) for w in (a, b))
    gen = as_generator(rng)
    params = init_mlp(d, hidden, out_dim, gen) if params is None else check_params(params, d)
    with np.errstate(over="ignore", invalid="ignore"):
        params, history = train_lift(
            X,
            Y,
            a,
            b,
            params,
            p=p,
            penalty=penalty,
            steps=steps,
            lr=lr,
            n_projections=n_projections,
            rng=gen,
        )
        theta = random_directions(d + params[-1][0].shape[1], n_projections, "mc", gen)
        _, value, _, _, _ = aswd_objective(X, Y, a, b, params, theta, p, penalty)
    if not (np.isfinite(value) and np.all(np.isfinite(history))):
        raise ValueError(
            f"the ASWD overflows float64 for clouds of magnitude up to "
            f"{max(np.abs(X).max(), np.abs(Y).max()):.3g} at p = {p} (the lift is not "
            "homogeneous, so they are not rescaled); rescale the inputs"
        )
    return AugmentedResult(value=value, params=params, objective=history)


def check_params(params, d):
    """MLP parameters as a tuple of float64 (W, b) pairs chained from ``d`` inputs.

    Raises TypeError unless ``params`` is a sequence of pairs of real arrays,
    ValueError when their shapes do not chain (W_k of shape (in_k, out_k), b_k of
    shape (out_k,), in_0 = d, in_{k+1} = out_k) or a value is not finite.
    """
    message = "params must be a sequence of (W, b) pairs of arrays, as returned in result.params"
    if isinstance(params, (str, bytes)) or not hasattr(params, "__len__") or len(params) == 0:
        raise TypeError(f"{message}; got {type(params).__name__}")
    checked = []
    fan_in = d
    for k, pair in enumerate(params):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"{message}; entry {k} is {type(pair).__name__}")
        W, b = (np.asarray(to_numpy(x) if hasattr(x, "shape") else x) for x in pair)
        for x, name in ((W, "W"), (b, "b")):
            if x.dtype.kind not in "biuf":
                raise TypeError(f"{message}; params[{k}] {name} has dtype {x.dtype}")
            if not np.all(np.isfinite(x)):
                raise ValueError(f"params[{k}] {name} must be finite")
        if W.ndim != 2 or W.shape[0] != fan_in or b.shape != (W.shape[1],):
            raise ValueError(
                f"params[{k}] must be W of shape ({fan_in}, out) and b of shape (out,), got "
                f"{W.shape} and {b.shape}"
            )
        checked.append((W.astype(np.float64), b.astype(np.float64)))
        fan_in = W.shape[1]
    return tuple(checked)
