"""One shared thread pool for NumPy work that releases the GIL.

NumPy releases the GIL in sorts, BLAS calls and most element-wise loops, so
independent row blocks of one large array run concurrently on threads. Every
linproj module that splits work this way (the row-block sorts of
:mod:`transport`, the sequence blocks of :mod:`theory_sims.icl.lsa`) uses the
pool below, sized by :func:`n_cores`. Callers split work into blocks whose
results they combine in a fixed order, so results never depend on the pool size.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["n_cores", "thread_pool"]


def n_cores() -> int:
    """Cores this process may run on (respects taskset / CPU affinity).

    Examples
    --------
    >>> n_cores() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # platforms without sched_getaffinity
        return os.cpu_count() or 1


@functools.cache
def thread_pool() -> ThreadPoolExecutor:
    """The process-wide pool of :func:`n_cores` threads (created on first use).

    Examples
    --------
    >>> list(thread_pool().map(abs, [-1, 2]))
    [1, 2]
    """
    return ThreadPoolExecutor(max_workers=n_cores(), thread_name_prefix="linproj")
