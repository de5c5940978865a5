"""Parameter scans and Monte-Carlo repetitions over any executor.

A scan evaluates ``fn(params, rng_child)`` at every grid point. Each point gets
its own child stream spawned from ``rng`` (:func:`gpu.backend.spawn`), so the
results depend only on the seed and the grid, never on where or in which order
the points ran: in process, in a :class:`concurrent.futures.ProcessPoolExecutor`
or on a Dask cluster through ``distributed.Client(...).get_executor()``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, as_completed
from typing import Any

from tqdm.auto import tqdm

from gpu.backend import spawn

__all__ = ["scan", "grid_product"]


def grid_product(axes: Mapping[str, Iterable[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of named parameter axes, as a list of dicts.

    Parameters
    ----------
    axes : mapping of str to iterable
        For example ``{"d": [2, 10], "L": [16, 64]}``.

    Returns
    -------
    list of dict
        One dict per combination, the last axis varying fastest.

    Examples
    --------
    >>> grid_product({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    names = list(axes)
    values = []
    for name in names:
        v = axes[name]
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"grid axis {name!r} must be an iterable of values, got {v!r}")
        values.append(list(v))
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def scan(
    fn: Callable[[Any, Any], Any],
    grid: Iterable[Any] | Mapping[str, Iterable[Any]],
    *,
    rng,
    executor: Executor | None = None,
    progress: bool = False,
    desc: str | None = None,
) -> list[Any]:
    """Evaluate ``fn(params, rng_child)`` over a grid, reproducibly.

    Parameters
    ----------
    fn : callable
        ``fn(params, rng) -> result``. With a process or Dask executor it must
        be picklable (a module-level function).
    grid : iterable or mapping
        The grid points. A mapping of axis names to value lists is expanded
        with :func:`grid_product`; any other iterable is used point by point
        (for Monte-Carlo repetitions pass ``range(n)``).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Parent stream. Grid point ``i`` receives ``gpu.backend.spawn(rng, n)[i]``.
    executor : concurrent.futures.Executor, optional
        Where to run. ``None`` runs in this process, in grid order. Any
        ``Executor`` works, e.g. ``ProcessPoolExecutor`` or a Dask
        ``Client.get_executor()``.
    progress : bool, default False
        Show a ``tqdm.auto`` progress bar (renders as a widget in Jupyter).
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        ``fn``'s results in grid order, identical for the same seed whatever
        the executor.

    Raises
    ------
    TypeError
        If ``fn`` is not callable, ``grid`` is not iterable, ``executor`` is
        not a ``concurrent.futures.Executor``, ``progress`` is not a bool, or
        ``rng`` has a bad type.
    Exception
        Whatever ``fn`` raises at a grid point, of its own type (so a
        ``ValueError`` stays catchable as one), with a note naming the grid
        point and its parameters (shown in the traceback, see
        :meth:`BaseException.add_note`).

    Examples
    --------
    >>> scan(lambda p, rng: p * 10, [1, 2, 3], rng=0, progress=False)
    [10, 20, 30]
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if executor is not None and not isinstance(executor, Executor):
        raise TypeError(
            "executor must be a concurrent.futures.Executor (e.g. ProcessPoolExecutor or "
            f"dask's Client.get_executor()), got {type(executor).__name__}"
        )
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool, got {type(progress).__name__}")
    if isinstance(grid, Mapping):
        points = grid_product(grid)
    elif isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(f"grid must be an iterable of grid points or a mapping, got {grid!r}")
    else:
        points = list(grid)
    streams = spawn(rng, len(points))

    results: list[Any] = [None] * len(points)
    with tqdm(total=len(points), desc=desc, disable=not progress) as bar:
        if executor is None:
            for i, (params, child) in enumerate(zip(points, streams, strict=True)):
                results[i] = _call(fn, params, child, i)
                bar.update()
            return results
        futures = {
            executor.submit(fn, params, child): i
            for i, (params, child) in enumerate(zip(points, streams, strict=True))
        }
        try:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as exc:
                    _name_grid_point(exc, i, points[i])
                    raise
                bar.update()
        finally:
            for future in futures:
                future.cancel()
    return results


def _call(fn, params, child, index):
    try:
        return fn(params, child)
    except Exception as exc:
        _name_grid_point(exc, index, params)
        raise


def _name_grid_point(exc, index, params):
    """Add the failing grid point to ``exc`` as a note; its type is kept for the caller."""
    exc.add_note(f"scan: fn failed at grid point {index} (params={params!r})")
