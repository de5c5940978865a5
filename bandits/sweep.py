"""Hyper-parameter sweeps of a policy through :func:`gpu.scan.scan`."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bandits.envs._base import Environment
from bandits.records import RegretSummary
from bandits.simulator import simulate_summary
from gpu.records import Record
from gpu.scan import grid_product, scan
from gpu.validate import check_int, check_real


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


def _grid_points(grid):
    """The grid as a non-empty list of dicts, or a TypeError / ValueError naming ``grid``."""
    if isinstance(grid, Mapping):
        points = grid_product(grid)
    elif isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(
            "grid must be a mapping of parameter names to values or an iterable of "
            f"mappings, got {type(grid).__name__} {grid!r}"
        )
    else:
        points = list(grid)
        for k, point in enumerate(points):
            if not isinstance(point, Mapping):
                raise TypeError(
                    f"grid[{k}] must be a mapping of policy keyword arguments, got "
                    f"{type(point).__name__} {point!r}"
                )
        points = [dict(point) for point in points]
    if not points:
        raise ValueError("grid must hold at least one point, got none")
    return points


def _check_policy_factory(policy, points):
    """``policy`` must build a policy from every grid point; checked before any run."""
    is_instance = not isinstance(policy, type) and callable(getattr(policy, "start", None))
    if not callable(policy) or is_instance:
        name = type(policy).__name__
        raise TypeError(
            f"policy must be a policy class such as {name} (sweep calls it with each grid "
            f"point's keyword arguments), got an instance of {name}"
        )
    label = getattr(policy, "__name__", repr(policy))
    for index, point in enumerate(points):
        try:
            built = policy(**point)
        except TypeError as exc:
            raise TypeError(f"grid point {point} is not accepted by policy {label}: {exc}") from exc
        except ValueError as exc:  # a bad hyper-parameter value, named by the policy
            exc.add_note(f"sweep: policy {label} refused grid point {index} (params={point!r})")
            raise
        if isinstance(built, type) or not callable(getattr(built, "start", None)):
            raise TypeError(
                f"policy must build a bandits.policies policy from each grid point; "
                f"{label}(**{point}) gave {type(built).__name__}"
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
    TypeError
        Before any run: ``env`` not an environment (e.g. its class), ``policy``
        an instance instead of a class (or not building a policy), a grid point
        the policy does not accept, a ``grid`` that is not a mapping or an
        iterable of mappings, non-integer ``T`` / ``n_runs`` / ``every``.
    ValueError
        Before any run: ``T``, ``n_runs`` or ``every`` below 1, ``levels``
        outside [0, 1], an empty ``grid``; during the runs, whatever a grid
        point raises, of its own type, with a note that names the point (see
        :func:`gpu.scan.scan`).

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
    if not isinstance(env, Environment):
        raise TypeError(
            "env must be a bandits.envs environment instance, got "
            + (f"the class {env.__name__}" if isinstance(env, type) else type(env).__name__)
        )
    T = check_int(T, "T", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    every = check_int(every, "every", minimum=1)
    if isinstance(levels, (str, bytes)) or not isinstance(levels, Iterable):
        raise TypeError(f"levels must be a sequence of numbers in [0, 1], got {levels!r}")
    levels = tuple(check_real(q, "levels", low=0.0, high=1.0) for q in levels)
    points = _grid_points(grid)
    _check_policy_factory(policy, points)
    fn = functools.partial(
        _point, env=env, policy=policy, T=T, n_runs=n_runs, levels=levels, every=every
    )
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
