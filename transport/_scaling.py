r"""Keeping :math:`|x - y|^p` inside the float64 range by factoring out a power of two.

Every distance of the line and sliced families is positively homogeneous:
:math:`W_p(s\mu, s\nu) = s\, W_p(\mu, \nu)` for :math:`s > 0`. When the direct
computation of :math:`W_p^p` overflows (values of order :math:`10^{160}` at
``p = 2``) or underflows (values of order :math:`10^{-160}`), the solvers run
again on the inputs divided by a power of two close to their largest magnitude
(an exact division) and multiply the distance by it. Inputs whose direct result
is in range are never rescaled, so their results keep every bit.
"""

from __future__ import annotations

from gpu.backend import power_of_two_scale

__all__ = ["SAFE_MIN", "check_in_range", "check_no_underflow", "rescaling"]

#: Below this, a W_p^p sum may be made of subnormal or flushed terms: 2**-960.
SAFE_MIN = 2.0**-960

# Inputs whose largest magnitude is below 2**-TINY_EXPONENT are rescaled when their
# W_p^p is below SAFE_MIN (identical measures of ordinary scale are not recomputed).
TINY_EXPONENT = 64


def rescaling(xp, wpp, *arrays):
    """The power of two to divide ``arrays`` by, or None when the direct ``wpp`` is in range.

    ``wpp`` holds the direct :math:`W_p^p` values. They are out of range when
    one is infinite or NaN, or when one is below :data:`SAFE_MIN` and the inputs
    are tiny (largest magnitude below ``2**-TINY_EXPONENT``), so that their
    p-th powers may have underflowed. The inputs are then to be divided by
    :func:`power_of_two_scale` of ``arrays``.
    """
    wpp = xp.asarray(wpp)
    finite = bool(xp.all(xp.isfinite(wpp)))
    if finite and not bool(xp.any(wpp < SAFE_MIN)):
        return None
    scale = power_of_two_scale(xp, *arrays)
    if finite and scale > 2.0**-TINY_EXPONENT:
        return None
    return scale


def check_in_range(xp, wpp, p, name):
    """Raise a ValueError naming ``p`` unless every (rescaled) ``wpp`` value is finite."""
    if not bool(xp.all(xp.isfinite(xp.asarray(wpp)))):
        raise ValueError(
            f"{name} cannot be computed in float64 for p = {p}: |x - y|**p overflows even "
            "after the inputs are rescaled; use a smaller p"
        )
    return wpp


def check_no_underflow(xp, wpp, p, w1, name):
    """Raise a ValueError when a :math:`W_p^p` below :data:`SAFE_MIN` hides distinct measures.

    ``w1`` is a callable returning :math:`W_1` of the same rows; it is called
    only when some ``wpp`` value is that small (typically identical measures,
    whose :math:`W_1` is 0). :math:`W_1 > 0` with :math:`W_p^p` flushed to
    (nearly) zero means that ``p`` is too large for the distances at hand.
    """
    small = xp.asarray(wpp) < SAFE_MIN
    if p == 1.0 or not bool(xp.any(small)):
        return
    gaps = xp.where(small, xp.asarray(w1()), 0.0)
    if bool(xp.any(gaps > 0.0)):
        raise ValueError(
            f"{name} underflows float64 for p = {p}: the measures differ (W_1 = "
            f"{float(xp.max(gaps)):.3g}) but |x - y|**p rounds to zero; use a smaller p"
        )
