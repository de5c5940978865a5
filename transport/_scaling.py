r"""Scaled :math:`W_p`: every representable distance is returned, for any ``p`` up to infinity.

The distances of the line, circle and sliced families are power means of gaps,
:math:`W_p = (\sum_k w_k g_k^p)^{1/p}` with weights :math:`w_k > 0` summing to
one. Raising the gaps to the power ``p`` first overflows or underflows long
before the answer leaves the float64 range (gaps of 0.5 at ``p = 1e4``, of 20
at ``p = 1000``, of :math:`10^{-177}` at ``p = 2``). Factoring out the largest
gap :math:`g = \max_k g_k` over the support of the plan keeps every term in
:math:`[0, 1]`:

.. math::

    W_p = g \Big(\sum_k w_k (g_k / g)^p\Big)^{1/p}, \qquad
    S = \sum_k w_k (g_k / g)^p \in [w_{k^*}, 1],

so :math:`S^{1/p}` and the product are in range whenever :math:`W_p` is, and
``p = inf`` is the limit :math:`W_\infty = g` (:math:`S^0 = 1`). The solvers
first compute :math:`W_p^p` directly (the fast path, bit for bit the old
numbers) and switch to the scaled form only for rows whose direct value is
not a normal float64 of safe size (:data:`SAFE_MIN`), or for ``p = inf``.
"""

from __future__ import annotations

import math

from gpu.backend import power_of_two_scale

__all__ = [
    "SAFE_MIN",
    "check_representable",
    "combine_scaled",
    "direct_in_range",
    "gap_safe_scale",
    "scaled_root",
]

#: A direct W_p^p at or above this is trusted: terms that underflowed (each off by at
#: most 2**-1074) change it by less than n * 2**-114 relatively. Below it, or when it
#: is infinite or NaN, the scaled form is used: 2**-960.
SAFE_MIN = 2.0**-960

# Inputs whose largest magnitude reaches 2**1022 can have gaps |x - y| that overflow.
_GAP_LIMIT = 2.0**1022


def direct_in_range(xp, wpp, p):
    """Boolean array: where the direct :math:`W_p^p` values ``wpp`` can be trusted.

    False everywhere for ``p = inf``; otherwise where ``wpp`` is finite and at
    least :data:`SAFE_MIN` (zero counts as out of range: it may be an
    underflow of distinct measures).
    """
    wpp = xp.asarray(wpp)
    if math.isinf(p):
        return xp.zeros(wpp.shape, dtype=xp.bool)
    return xp.isfinite(wpp) & (wpp >= SAFE_MIN)


def gap_safe_scale(xp, *arrays):
    """2.0 when the largest magnitude in ``arrays`` may make a gap overflow, else 1.0.

    Halving is exact except in the last bit of subnormal values, and keeps
    :math:`|x - y| \\le |x| + |y|` below the float64 maximum.
    """
    return 2.0 if power_of_two_scale(xp, *arrays) > _GAP_LIMIT else 1.0


def scaled_root(xp, g, s, p):
    r""":math:`g S^{1/p}` elementwise: the distance from its scaled form (0 where g is 0)."""
    g = xp.asarray(g)
    s = xp.asarray(s)
    root = xp.ones_like(s) if math.isinf(p) else s ** (1.0 / p)
    return xp.where(g > 0.0, g * root, xp.zeros_like(g))


def combine_scaled(xp, g, s, p):
    r"""Scaled form of the mean over rows of :math:`g_l^p S_l`: one pair ``(G, T)``.

    :math:`\frac1L \sum_l g_l^p S_l = G^p T` with :math:`G = \max_l g_l` and
    :math:`T = \frac1L \sum_l S_l (g_l / G)^p` (the sliced distances average
    the slices' :math:`W_p^p`). Returns Python-free 0-d arrays of the namespace.
    """
    g = xp.asarray(g)
    s = xp.asarray(s)
    G = xp.max(g)
    if not bool(G > 0.0):
        return G, xp.zeros_like(G)
    ratio = g / G
    terms = xp.where(g > 0.0, s * ratio**p, xp.zeros_like(s))
    return G, xp.sum(terms) / g.shape[0]


def check_representable(xp, value, name):
    """Raise a ValueError when a distance is beyond the float64 range (its true value is)."""
    if not bool(xp.all(xp.isfinite(xp.asarray(value)))):
        raise ValueError(
            f"{name} exceeds the float64 range: the inputs' gaps are of order 1e308; "
            "rescale the inputs"
        )
    return value
