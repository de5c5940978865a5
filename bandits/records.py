"""Result records of the bandit simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpu.backend import namespace
from gpu.records import Record
from gpu.validate import check_real


def _levels(xp, x, levels, axis):
    """Quantiles of ``x`` along ``axis`` (linear interpolation), levels first."""
    levels = [check_real(q, "level", low=0.0, high=1.0) for q in levels]
    xs = xp.sort(x, axis=axis)
    n = x.shape[axis]
    rows = []
    for q in levels:
        pos = q * (n - 1)
        lo = int(pos)
        hi = min(lo + 1, n - 1)
        frac = pos - lo
        a = xp.take(xs, xp.asarray([lo]), axis=axis)
        b = xp.take(xs, xp.asarray([hi]), axis=axis)
        rows.append(xp.squeeze(a + frac * (b - a), axis=axis))
    return xp.stack(rows)


@dataclass(frozen=True)
class SimulationResult(Record):
    """Full per-run, per-round history of :func:`bandits.simulate`.

    Attributes
    ----------
    arms : array of int64, shape (n_runs, T)
        Chosen arm index; -1 on continuous action sets (unit ball or sphere).
    rewards : array, shape (n_runs, T)
        Observed reward.
    regret : array, shape (n_runs, T)
        Instantaneous pseudo-regret (exact expected regret of the action).
    cumulative_regret : array, shape (n_runs, T)
        Running sum of ``regret`` along the rounds.
    """

    arms: Any
    rewards: Any
    regret: Any
    cumulative_regret: Any

    def mean_cumulative_regret(self):
        """Mean over runs of the cumulative regret, shape (T,)."""
        return namespace(self.regret).mean(self.cumulative_regret, axis=0)

    def quantiles(self, levels=(0.1, 0.5, 0.9)):
        """Quantiles over runs of the cumulative regret, shape (len(levels), T).

        Linear interpolation between order statistics (NumPy's default method).
        """
        return _levels(namespace(self.regret), self.cumulative_regret, levels, 0)

    def quantile_band(self, low: float = 0.1, high: float = 0.9):
        """(lower, upper) quantile curves of the cumulative regret, shape (2, T)."""
        return self.quantiles((low, high))


@dataclass(frozen=True)
class DynamicalSimulationResult(SimulationResult):
    """:class:`SimulationResult` of a :class:`bandits.envs.DynamicalLinearBandit`.

    ``regret`` is measured through the steady-state gain (Mussi, Metelli and
    Restelli, ICML 2023): ``max_k h^T a_k - h^T u_t``; ``rewards`` are
    the realised rewards of the hidden-state system.

    Attributes
    ----------
    steady_state_gain : array, shape (d,)
        h = theta + B^T (I - A)^{-T} omega.
    best_action : array, shape (d,)
        The best constant action, argmax_k h^T a_k.
    best_arm : int
        Its index in the action set.
    """

    steady_state_gain: Any
    best_action: Any
    best_arm: int


@dataclass(frozen=True)
class RegretSummary(Record):
    """Per-round summaries over runs from :func:`bandits.simulate_summary`.

    Attributes
    ----------
    rounds : numpy.ndarray, shape (n,)
        The 1-based rounds summarised (every ``every``-th round and the last).
    mean_regret : numpy.ndarray, shape (n,)
        Mean over runs of the instantaneous pseudo-regret at those rounds.
    mean_cumulative_regret : numpy.ndarray, shape (n,)
        Mean over runs of the cumulative regret.
    levels : numpy.ndarray, shape (q,)
        Quantile levels.
    cumulative_regret_quantiles : numpy.ndarray, shape (q, n)
        Quantiles over runs of the cumulative regret.
    final_cumulative_regret : numpy.ndarray, shape (n_runs,)
        Each run's cumulative regret after the last round.
    """

    rounds: Any
    mean_regret: Any
    mean_cumulative_regret: Any
    levels: Any
    cumulative_regret_quantiles: Any
    final_cumulative_regret: Any

    def quantile_band(self, low: float = 0.1, high: float = 0.9):
        """Rows of ``cumulative_regret_quantiles`` at levels ``low`` and ``high``, (2, n).

        Raises
        ------
        ValueError
            If a level was not summarised.
        """
        xp = namespace(self.cumulative_regret_quantiles)
        rows = []
        for q in (low, high):
            hits = [i for i, lv in enumerate(self.levels.tolist()) if abs(lv - q) < 1e-12]
            if not hits:
                raise ValueError(f"level {q} was not summarised; levels are {self.levels.tolist()}")
            rows.append(self.cumulative_regret_quantiles[hits[0]])
        return xp.stack(rows)


@dataclass(frozen=True)
class GOptimalDesign(Record):
    """A G-optimal design from :func:`bandits.g_optimal_design`.

    Attributes
    ----------
    weights : array, shape (K,)
        Design weights on the simplex.
    max_variance : float
        max_k a_k^T V(pi)^{-1} a_k, computed in the span of the arms.
    bound : int
        The Kiefer--Wolfowitz value: the rank r of the arms (d when they span R^d).
    iterations : int
        Frank--Wolfe iterations used.
    converged : bool
        Whether ``max_variance <= bound * (1 + tol)``.
    support : array of int64
        Indices with positive weight.
    """

    weights: Any
    max_variance: float
    bound: int
    iterations: int
    converged: bool
    support: Any
