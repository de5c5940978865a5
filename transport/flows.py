r"""Sliced gradient flows: particles descending a sliced distance to a target sample.

Each iteration moves the particles by :math:`x_i \leftarrow x_i - \eta\, n\,
\nabla_{x_i} D^2` where :math:`D` is one of SW, max-SW, GSW (circular) or ASWD
between the particle measure and the target sample; the factor ``n`` makes the
step a Wasserstein-gradient step (each particle carries mass 1/n). NumPy on the
host (CPU-only exception).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import as_generator, result_float_dtype
from gpu.deprecation import renamed_arguments
from gpu.errors import DivergenceError
from gpu.records import Record
from gpu.validate import check_choice, check_int, check_real
from transport.augmented import aswd_objective, init_mlp, train_lift
from transport.directions import random_directions
from transport.generalized import circular_projections
from transport.max_sliced import ascend_directions
from transport.slice_gradients import slice_wpp_and_grad
from transport.sliced import check_point_cloud

__all__ = ["FLOW_METHODS", "FlowResult", "sliced_gradient_flow"]

FLOW_METHODS = ("sw", "max_sw", "gsw_circular", "aswd")
FLOW_OPTIMIZERS = ("wasserstein", "adam")
#: Default ASWD lift: (32, 32) tanh MLP, 5 Adam ascent steps of lr 5e-3 per flow step
#: (betas 0.9, 0.999, moments restarted every flow step), norm penalty 0.5. Chen et al.'s
#: gradient-flow notebook uses {"hidden": (), "penalty": ~0.0026, "steps": 10,
#: "betas": (0.999, 0.999), "persistent": True} (see ``lift`` below).
ASWD_LIFT = {
    "hidden": (32, 32),
    "penalty": 0.5,
    "steps": 5,
    "lr": 5e-3,
    "betas": (0.9, 0.999),
    "persistent": False,
}


@dataclass(frozen=True)
class FlowResult(Record):
    """Result of :func:`sliced_gradient_flow`.

    Attributes
    ----------
    iterations : numpy.ndarray, shape (K,)
        Iteration numbers of the snapshots (0 is the initial cloud).
    snapshots : numpy.ndarray, shape (K, n, d)
        Particle positions at those iterations.
    """

    iterations: np.ndarray
    snapshots: np.ndarray


class _Descent:
    """Gradient of the squared distance with respect to the particles, one method each."""

    def __init__(self, method, Y, n_projections, radius, gen, d, lift=None):
        self.method, self.Y, self.L, self.radius, self.gen = method, Y, n_projections, radius, gen
        self.lift = {**ASWD_LIFT, **(lift or {})}
        self.theta = random_directions(d, 1, "mc", gen)
        self.params = init_mlp(d, self.lift["hidden"], d, gen) if method == "aswd" else None
        self.lift_state = {} if self.lift["persistent"] else None  # Adam moments of the lift
        self.value = None  # squared distance at the last call of gradient()

    def gradient(self, X):
        Y, L, gen = self.Y, self.L, self.gen
        if self.method == "sw":
            theta = random_directions(X.shape[1], L, "mc", gen)
            w, gP, _ = slice_wpp_and_grad(theta.T @ X.T, None, theta.T @ Y.T, None, 2.0)
            self.value = float(np.mean(w))
            return gP.T @ theta.T / L
        if self.method == "max_sw":
            starts = np.hstack([self.theta, random_directions(X.shape[1], 3, "mc", gen)])
            theta, values, _ = ascend_directions(X, Y, None, None, starts, 2.0, steps=10)
            self.theta = theta[:, [int(np.argmax(values))]]
            w, gP, _ = slice_wpp_and_grad(self.theta.T @ X.T, None, self.theta.T @ Y.T, None, 2.0)
            self.value = float(w[0])
            return gP.T @ self.theta.T
        if self.method == "gsw_circular":
            theta = random_directions(X.shape[1], L, "mc", gen)
            PX = circular_projections(np, X, theta, self.radius)
            PY = circular_projections(np, Y, theta, self.radius)
            w, gP, _ = slice_wpp_and_grad(PX, None, PY, None, 2.0)
            self.value = float(np.mean(w))
            weights = gP / np.maximum(PX, 1e-12)  # d||x - r theta|| / dx = (x - r theta) / ||.||
            return (weights.sum(axis=0)[:, None] * X - self.radius * weights.T @ theta.T) / L
        self.params, _ = train_lift(
            X, Y, None, None, self.params, p=2.0, penalty=self.lift["penalty"],
            steps=self.lift["steps"], lr=self.lift["lr"], n_projections=L, rng=gen,
            betas=self.lift["betas"], state=self.lift_state,
        )  # fmt: skip
        theta = random_directions(X.shape[1] + self.params[-1][0].shape[1], L, "mc", gen)
        _, S, _, grad_X, _ = aswd_objective(X, Y, None, None, self.params, theta, 2.0, 0.0)
        self.value = S * S
        return 2.0 * S * grad_X


@renamed_arguments(n_iter="steps", step_size="lr")
def sliced_gradient_flow(
    X0,
    Y,
    *,
    method="sw",
    steps=500,
    lr=0.5,
    n_projections=64,
    radius=1.0,
    record_every=50,
    rng=None,
    divergence_factor=1e4,
    optimizer="wasserstein",
    lift=None,
):
    r"""Flow particles from ``X0`` towards the sample ``Y`` by descending a sliced distance.

    Parameters
    ----------
    X0 : array_like, shape (n, d)
        Initial particles (uniform weights), NumPy (CPU-only exception).
    Y : array_like, shape (m, d)
        Target sample (uniform weights).
    method : {"sw", "max_sw", "gsw_circular", "aswd"}
        The distance :math:`D` whose square is descended: sliced Wasserstein with
        ``n_projections`` fresh directions per step; max-SW with the direction
        re-optimised every step (warm start plus 3 random restarts, 10 ascent
        iterations); circular GSW with radius ``radius``; ASWD with a (32, 32)
        tanh lift trained by 5 Adam steps per flow step (penalty 0.5), as in
        Chen et al. (2022).
    steps : int
        Flow iterations (formerly ``n_iter``).
    lr : float
        The step :math:`\eta` (formerly ``step_size``).
    n_projections : int
        Directions per step (ignored by max-SW).
    radius : float
        Radius of the circular defining function.
    record_every : int
        Snapshot period (the initial and final clouds are always recorded).
    rng : None, int or numpy.random.Generator
    divergence_factor : float
        The flow counts as diverged, and raises :class:`gpu.errors.DivergenceError`,
        when the particles' mean squared distance to the target's mean becomes
        non-finite or exceeds this factor times its larger value at the start
        (that of ``X0`` or of ``Y``): the rule of
        :func:`theory_sims.deep_linear.train_gd` (a finite blow-up factor),
        ``> 1``.
    optimizer : {"wasserstein", "adam"}
        ``"wasserstein"``: :math:`x_i \leftarrow x_i - \eta\, n\, \nabla_{x_i} D^2`.
        ``"adam"``: Adam (betas 0.9, 0.999) on the particle positions descending
        :math:`D` with step ``lr``, the update of Chen et al.'s gradient-flow
        notebook (``lr = 0.002``); it is per coordinate and scale-free, so it
        stays stable when a weakly penalised ASWD lift grows (the fixed
        Wasserstein step assumes a 1-Lipschitz lift and then overshoots).
    lift : dict, optional
        ASWD lift settings overriding :data:`ASWD_LIFT`: ``hidden`` (tanh layer
        widths; ``()`` is one affine layer, the authors' flow ``Mapping``),
        ``penalty``, ``steps`` (ascent steps per flow step), ``lr``, ``betas``
        (of the ascent's Adam) and ``persistent`` (keep the ascent's Adam moments
        across flow steps, as the authors' ``phi_op``; without it the lift of the
        authors' setting does not grow and ASWD flows like SW).

    Returns
    -------
    FlowResult
        Snapshots in the floating dtype of the inputs (see README,
        Conventions); the flow itself runs in float64.

    Raises
    ------
    ValueError
        Bad clouds, an unknown ``method`` or non-positive sizes and steps.
    gpu.errors.DivergenceError
        (a ``ValueError``) when the flow diverges (``lr`` too large).

    References
    ----------
    .. [1] Liutkus, Simsekli, Majewski, Durmus, Stoter, "Sliced-Wasserstein flows",
       ICML 2019.
    .. [2] Chen, Yang, Li, "Augmented sliced Wasserstein distances", ICLR 2022,
       Section 5.1 (gradient flows on 2-D targets).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.standard_normal((64, 2)) + 3.0
    >>> res = sliced_gradient_flow(rng.standard_normal((64, 2)), Y, steps=200, rng=0)
    >>> bool(np.abs(res.snapshots[-1].mean(0) - Y.mean(0)).max() < 0.05)
    True
    """
    check_choice(method, "method", FLOW_METHODS)
    X0 = check_point_cloud(np, np.asarray(X0), "X0")
    Y = check_point_cloud(np, np.asarray(Y), "Y", d=X0.shape[1])
    dtype = result_float_dtype(np, X0, Y)
    X = np.array(X0, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    steps = check_int(steps, "steps", minimum=0)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    n_projections = check_int(n_projections, "n_projections", minimum=1)
    record_every = check_int(record_every, "record_every", minimum=1)
    radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    divergence_factor = check_real(
        divergence_factor, "divergence_factor", low=1.0, low_inclusive=False
    )
    check_choice(optimizer, "optimizer", FLOW_OPTIMIZERS)
    unknown = set(lift or {}) - set(ASWD_LIFT)
    if unknown:
        raise ValueError(f"lift has unknown keys {sorted(unknown)}; allowed: {sorted(ASWD_LIFT)}")
    descent = _Descent(method, Y, n_projections, radius, as_generator(rng), X.shape[1], lift)
    first, second = np.zeros_like(X), np.zeros_like(X)
    centre = Y.mean(axis=0)

    def spread(Z):
        return float(np.mean(np.sum((Z - centre) ** 2, axis=1)))

    limit = divergence_factor * max(spread(X), spread(Y), np.finfo(float).tiny)
    iterations, snapshots = [0], [X.copy()]
    for it in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            grad = descent.gradient(X)
            if optimizer == "wasserstein":
                X -= lr * X.shape[0] * grad
            else:  # Adam on D = sqrt(D^2): grad D = grad D^2 / (2 D)
                grad = grad / (2.0 * np.sqrt(descent.value)) if descent.value > 0 else 0.0 * grad
                first = 0.9 * first + 0.1 * grad
                second = 0.999 * second + 0.001 * grad * grad
                m_hat, v_hat = first / (1 - 0.9**it), second / (1 - 0.999**it)
                X -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
            value = spread(X)
        if not value <= limit:  # NaN or inf included
            raise DivergenceError(
                f"sliced_gradient_flow diverged: lr={lr:g} at step {it}: the particles' mean "
                f"squared distance to the target's mean reached {value:.3g} (limit "
                f"{limit:.3g} = divergence_factor times its start value, or non-finite). "
                "Reduce lr."
            )
        if it % record_every == 0 or it == steps:
            iterations.append(it)
            snapshots.append(X.copy())
    snapshots = np.stack(snapshots).astype(dtype, copy=False)
    return FlowResult(iterations=np.asarray(iterations), snapshots=snapshots)
