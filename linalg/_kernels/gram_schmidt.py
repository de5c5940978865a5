"""Gram-Schmidt steps shared by the finite and continuous chain-rule samplers.

The chain rule keeps an orthonormal basis ``Q[:t]`` (rows) of the feature
vectors drawn so far. A proposal ``v`` is accepted with probability
``||v - Q^T Q v||^2 / ||v||^2``; on acceptance its residual, re-orthogonalised
once (classical Gram-Schmidt twice, stable to round-off), becomes ``Q[t]``.
"""

from __future__ import annotations

import math

from gpu.jit import kernel

# A residual below this fraction of ||v||^2 is round-off: v lies in the span.
_SPAN_TOL = 1e-10


@kernel(fastmath=True)
def _squared_projection(Q, t, v, c):
    """``c[s] = <Q[s], v>`` for ``s < t``; returns ``sum_s c[s]^2``."""
    r = v.shape[0]
    proj = 0.0
    for s in range(t):
        acc = 0.0
        for a in range(r):
            acc += Q[s, a] * v[a]
        c[s] = acc
        proj += acc * acc
    return proj


@kernel(fastmath=True)
def _append_direction(Q, t, v, c, nv):
    """Set ``Q[t]`` to the normalised residual of ``v`` (``c`` from :func:`_squared_projection`).

    Returns False, leaving ``Q[t]`` meaningless, when the residual is below
    ``_SPAN_TOL * nv`` (``nv = ||v||^2``): ``v`` is in the span up to
    round-off and its true acceptance probability is ~0.
    """
    r = v.shape[0]
    for a in range(r):
        Q[t, a] = v[a]
    for s in range(t):
        for a in range(r):
            Q[t, a] -= c[s] * Q[s, a]
    for s in range(t):
        acc = 0.0
        for a in range(r):
            acc += Q[s, a] * Q[t, a]
        for a in range(r):
            Q[t, a] -= acc * Q[s, a]
    nw = 0.0
    for a in range(r):
        nw += Q[t, a] * Q[t, a]
    if nw <= _SPAN_TOL * nv:
        return False
    scale = 1.0 / math.sqrt(nw)
    for a in range(r):
        Q[t, a] *= scale
    return True
