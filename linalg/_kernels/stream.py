"""A counter-based uniform stream for Numba kernels that loop over independent samples.

Each sample of a batched sampler gets its own 64-bit seed, drawn on the host
from the caller's :class:`numpy.random.Generator`; inside the kernel the
stream is SplitMix64 (Steele, Lea and Flood, OOPSLA 2014), which passes
BigCrush and needs one ``uint64`` of state. Parallel ``prange`` loops therefore
give the same draws whatever the thread count, and the same seed gives the
same samples bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np

from gpu.jit import kernel

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@kernel()
def _uniform(state):
    """Advance ``state`` (a length-1 uint64 array) and return a double in [0, 1)."""
    state[0] += _GAMMA
    z = state[0]
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _INV53


def host_seeds(rng, n):
    """``n`` independent uint64 kernel seeds drawn from a NumPy generator."""
    return rng.integers(0, np.iinfo(np.int64).max, size=n, dtype=np.int64).astype(np.uint64)


def run_batched(serial, parallel, S, *args):
    """Run a kernel over ``S`` independent samples, in parallel chunks when worthwhile.

    ``serial(*args, lo, hi)`` handles samples ``lo..hi-1``;
    ``parallel(*args, bounds)`` runs the chunks ``bounds[c]..bounds[c+1]-1``
    in a ``prange``. Small batches stay serial: waking the thread pool costs
    more than it saves, and much more on a loaded machine. Results do not
    depend on the split, since each sample has its own seeded stream.
    """
    threads = numba.get_num_threads()
    if S < 4 or threads == 1:
        serial(*args, 0, S)
        return
    chunks = min(S, 4 * threads)
    bounds = np.linspace(0, S, chunks + 1).astype(np.int64)
    parallel(*args, bounds)
