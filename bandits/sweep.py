"""Hyper-parameter sweeps of a policy through :func:`gpu.scan.scan`."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bandits.records import RegretSummary
from bandits.simulator import simulate_summary
from gpu.records import Record
from gpu.scan import grid_product, scan


@dataclass(frozen=True)
class SweepResult(Record):
    """Results of :func:`sweep`, one entry per grid point, in grid order.

    Attributes
    ----------
    params : list of dict
        The policy keyword arguments of each grid point.
    summaries : list of RegretSummary
        The per-round summaries over runs at each grid point.
    final_mean : numpy.ndarray, shape (n_points,)
        Mean final cumulative regret at each point.
    final_std_error : numpy.ndarray, shape (n_points,)
        Its standard error (sample std / sqrt(n_runs)).
    """

    params: list
    summaries: list
    final_mean: Any
    final_std_error: Any


def _point(params, rng, *, env, policy, T, n_runs, levels, every):
    return simulate_summary(
        env, policy(**params), T, n_runs=n_runs, rng=rng, levels=levels, every=every
    )


def sweep(
    env,
    policy,
    grid: Mapping[str, Iterable] | Iterable[Mapping],
    T: int,
    *,
    n_runs: int,
    rng=None,
    executor=None,
    levels=(0.1, 0.5, 0.9),
    every: int = 1,
    progress: bool = False,
) -> SweepResult:
    """Simulate ``policy(**params)`` for every point of ``grid`` with :func:`gpu.scan.scan`.

    Grid point i runs :func:`bandits.simulate_summary` with the stream
    ``gpu.backend.spawn(rng, n_points)[i]``, so results are identical whichever
    executor runs them (in process, a process pool, or Dask).

    Parameters
    ----------
    env : bandits.envs.Environment
        The problem (must be picklable for process or Dask executors).
    policy : type or callable
        A policy class such as ``bandits.policies.OFUL``, called with each
        grid point's keyword arguments.
    grid : mapping or iterable of mappings
        ``{"scale": [0.1, 0.3, 1.0]}`` (expanded as a product) or a list of dicts.
    T, n_runs : int
        Horizon and runs per point.
    rng : None, int or numpy.random.Generator
        Parent stream.
    executor : concurrent.futures.Executor, optional
        Where to run the points.
    levels, every
        As in :func:`bandits.simulate_summary`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    SweepResult

    Raises
    ------
    ValueError, TypeError
        Whatever a grid point raises (for example ``ValueError`` for a bad
        hyper-parameter or ``n_runs < 1``), of its own type, with a note that
        names the point (see :func:`gpu.scan.scan`).

    Examples
    --------
    >>> import numpy as np
    >>> from bandits.envs import LinearBandit
    >>> from bandits.policies import OFUL
    >>> env = LinearBandit(np.eye(3), np.array([0.1, 0.9, 0.3]), noise_std=0.1)
    >>> res = sweep(env, OFUL, {"scale": [0.1, 1.0]}, 300, n_runs=4, rng=0)
    >>> res.final_mean.shape
    (2,)
    """
    fn = functools.partial(
        _point, env=env, policy=policy, T=T, n_runs=n_runs, levels=levels, every=every
    )
    points = grid_product(grid) if isinstance(grid, Mapping) else [dict(p) for p in grid]
    summaries: list[RegretSummary] = scan(
        fn, points, rng=rng, executor=executor, progress=progress, desc="bandits.sweep"
    )
    finals = np.stack([s.final_cumulative_regret for s in summaries])
    return SweepResult(
        params=points,
        summaries=summaries,
        final_mean=finals.mean(axis=1),
        final_std_error=finals.std(axis=1, ddof=min(1, n_runs - 1)) / np.sqrt(n_runs),
    )
