"""Tuning the ridge baselines of Vladymyrov et al.: ConstRR and TunedRR.

ConstRR is ridge with one regularisation tuned for the whole task
distribution; TunedRR is ridge with :math:`\\lambda = \\alpha\\hat\\sigma^2 + \\beta`
(:func:`theory_sims.icl.predictors.tuned_rr`) with ``alpha, beta`` tuned.
Both are tuned on a fixed sample of sequences (common random numbers), using
each sequence's eigendecomposition of :math:`X^TX` so that ridge at any
:math:`\\lambda` costs O(d) per sequence.

CPU-only by design (a one-off tuning on the host); the tuned predictors
themselves run on any device.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import optimize

from gpu.backend import to_numpy
from gpu.records import Record
from gpu.validate import check_int
from theory_sims.icl.predictors import noise_estimate
from theory_sims.icl.tasks import TaskConfig, sample_tasks

__all__ = ["RidgePath", "tune_const_rr", "TunedRRParams", "tune_tuned_rr"]


class RidgePath:
    """Ridge query predictions of a fixed batch, for any per-sequence lambda.

    Parameters
    ----------
    X : array, shape (B, n, d)
    y : array, shape (B, n)
    x_query : array, shape (B, d)

    Examples
    --------
    >>> from theory_sims.icl.predictors import ridge
    >>> b = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.5), 4, rng=0)
    >>> path = RidgePath(b.X, b.y, b.x_query)
    >>> bool(np.allclose(path.predict(0.7), ridge(b.X, b.y, b.x_query, 0.7)))
    True
    """

    def __init__(self, X, y, x_query):
        X, y, q = to_numpy(X), to_numpy(y), to_numpy(x_query)
        s, V = np.linalg.eigh(np.swapaxes(X, 1, 2) @ X)
        self.s = np.maximum(s, 0.0)
        self.a = np.einsum("bdk,bd->bk", V, q)
        self.c = np.einsum("bdk,bnd,bn->bk", V, X, y)
        self.tol = 1e-12 * self.s.max(axis=1, keepdims=True)

    def predict(self, lam) -> np.ndarray:
        """Predictions ``(B,)`` for ``lam`` (scalar or ``(B,)``, finite and ``>= 0``)."""
        lam = np.asarray(lam, dtype=float)
        if lam.ndim > 1 or lam.size not in (1, self.s.shape[0]):
            raise ValueError(
                f"lam must be a scalar or have shape ({self.s.shape[0]},), got {lam.shape}"
            )
        if not np.all(np.isfinite(lam)) or np.any(lam < 0):
            raise ValueError(f"lam must be finite and >= 0, got {lam!r}")
        denom = self.s + np.reshape(lam, (-1, 1))
        inv = np.where(denom > self.tol, 1.0 / np.where(denom > self.tol, denom, 1.0), 0.0)
        return np.sum(self.a * self.c * inv, axis=1)


def _sample(task: TaskConfig, batch_size: int, rng):
    if not isinstance(task, TaskConfig):
        raise TypeError(f"task must be a TaskConfig, got {type(task).__name__}")
    b = sample_tasks(task, check_int(batch_size, "batch_size", minimum=2), rng=rng)
    return b, RidgePath(b.X, b.y, b.x_query)


def tune_const_rr(task: TaskConfig, *, batch_size: int = 20000, rng=None) -> float:
    """ConstRR: the single ridge lambda with the lowest in-context loss on ``task``.

    Parameters
    ----------
    task : TaskConfig
    batch_size : int
        Sequences in the tuning sample.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    float
        The tuned lambda (bounded search over ``log lambda`` in [-12, 7]).

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5, baseline ConstRR.

    Examples
    --------
    >>> lam = tune_const_rr(TaskConfig(n=20, d=4, noise_std=1.0), batch_size=4000, rng=0)
    >>> 0.5 < lam < 2.0   # the Bayes value is noise_std^2 / tau^2 = 1
    True
    """
    b, path = _sample(task, batch_size, rng)
    yq = b.y_query

    def loss(log_lam):
        return float(np.mean((path.predict(np.exp(log_lam)) - yq) ** 2))

    grid = np.linspace(-12, 7, 39)
    best = grid[int(np.argmin([loss(g) for g in grid]))]
    res = optimize.minimize_scalar(loss, bounds=(best - 0.5, best + 0.5), method="bounded")
    return float(np.exp(res.x if res.fun <= loss(best) else best))


@dataclasses.dataclass(frozen=True)
class TunedRRParams(Record):
    """Tuned TunedRR coefficients, ``lambda = alpha * sigma_hat^2 + beta``.

    Attributes
    ----------
    alpha, beta : float
    loss : float
        In-context loss on the tuning sample.
    """

    alpha: float
    beta: float
    loss: float


def tune_tuned_rr(task: TaskConfig, *, batch_size: int = 20000, rng=None) -> TunedRRParams:
    """TunedRR: tune ``alpha, beta`` of ``lambda = alpha sigma_hat^2 + beta`` on ``task``.

    A grid over ``(log alpha, beta)`` (``beta = 0`` included) is refined by
    Nelder-Mead on ``(log alpha, log beta)``.

    Parameters
    ----------
    task : TaskConfig
        Needs ``task.n > task.d`` (the noise estimate uses the residuals).
    batch_size : int
    rng : None, int or numpy.random.Generator

    Returns
    -------
    TunedRRParams

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5, baseline TunedRR.

    Examples
    --------
    >>> p = tune_tuned_rr(TaskConfig(n=20, d=4, sigma_max=2.0), batch_size=4000, rng=0)
    >>> p.alpha > 0
    True
    """
    b, path = _sample(task, batch_size, rng)
    s2 = to_numpy(noise_estimate(b.X, b.y))
    yq = b.y_query

    def loss(alpha, beta):
        return float(np.mean((path.predict(alpha * s2 + beta) - yq) ** 2))

    alphas = np.exp(np.linspace(-4, 3, 15))
    betas = np.concatenate([[0.0], np.exp(np.linspace(-8, 2, 11))])
    table = np.array([[loss(a, c) for c in betas] for a in alphas])
    i, j = np.unravel_index(np.argmin(table), table.shape)
    alpha, beta, best = alphas[i], betas[j], table[i, j]
    start = [np.log(alpha), np.log(max(beta, 1e-8))]
    res = optimize.minimize(
        lambda v: loss(np.exp(v[0]), np.exp(v[1])),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-9},
    )
    if res.fun < best:
        alpha, beta, best = np.exp(res.x[0]), np.exp(res.x[1]), res.fun
    return TunedRRParams(float(alpha), float(beta), float(best))
