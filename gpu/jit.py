"""Decorator helper for Numba CPU kernels.

One place fixes the settings every CPU kernel shares: ``cache=True`` (compiled
code is written next to the module and reused across processes) and
``nogil=True`` (kernels release the GIL, so thread pools and Dask workers run
them concurrently). ``parallel`` and ``fastmath`` are chosen per kernel:
parallel only where the outer loop is wide enough to amortise thread start-up,
fastmath only where reassociating floating-point sums is acceptable.
"""

from __future__ import annotations

import numba

__all__ = ["kernel"]


def kernel(*, parallel: bool = False, fastmath: bool = False, **options):
    """Return an ``numba.njit`` decorator with linproj's CPU kernel settings.

    Parameters
    ----------
    parallel : bool
        Enable ``numba.prange`` parallel loops.
    fastmath : bool
        Allow LLVM fast-math (reassociation, no NaN/inf checks).
    **options
        Further ``numba.njit`` options (e.g. ``error_model="numpy"``).

    Returns
    -------
    callable
        A decorator.

    Examples
    --------
    Kernels are module-level functions (``cache=True`` needs a source file),
    as in :mod:`gpu._kernels.reductions`:

    >>> import numpy as np
    >>> from gpu._kernels.reductions import _row_mean_abs_diff_pow
    >>> _row_mean_abs_diff_pow(np.ones((1, 2)), np.zeros((1, 2)), 1.0)
    array([1.])
    """
    return numba.njit(cache=True, nogil=True, parallel=parallel, fastmath=fastmath, **options)
