"""The complex Ginibre ensemble, a determinantal point process in the plane."""

from __future__ import annotations

import math

import numpy as np
from scipy.integrate import quad

from gpu.backend import as_generator
from gpu.validate import check_int
from linalg._checks import check_size

__all__ = ["sample_ginibre", "ginibre_variance_limit"]

# Points of [0, 1] where |f'| is probed to scale the integrand of the variance limit.
_PROBES = 65


def sample_ginibre(N, *, size=None, rng=None):
    r"""Eigenvalues of an N x N complex Ginibre matrix.

    Entries are i.i.d. standard complex Gaussians (:math:`E|g|^2 = 1`), so
    the eigenvalues form the determinantal process with kernel
    :math:`K(z, w) = \pi^{-1} e^{-(|z|^2 + |w|^2)/2} \sum_{k<N} (z\bar w)^k/k!`
    and fill the disk of radius :math:`\sqrt N` (circular law).

    Parameters
    ----------
    N : int
        Matrix size, ``N >= 1``.
    size : int, optional
        Number of independent matrices; ``None`` returns one sample.
    rng : None, int or numpy.random.Generator
        Random stream (SPEC 7).

    Returns
    -------
    numpy.ndarray of complex128, shape (N,) or (size, N)

    See Also
    --------
    theory_sims.coulomb.ginibre_radii : the moduli alone, exactly, in O(N)
        per sample (Kostlan's theorem).

    References
    ----------
    .. [1] J. Ginibre, "Statistical ensembles of complex, quaternion and real
       matrices", J. Math. Phys. 6 (1965).
    .. [2] B. De Bruyne, P. Le Doussal, S. N. Majumdar, G. Schehr, "Linear
       statistics for Coulomb gases: higher order cumulants", arXiv:2310.16420
       (2023), the case d = 2, beta = 2 (the Ginibre ensemble).

    Examples
    --------
    >>> sample_ginibre(4, rng=0).shape
    (4,)
    """
    N = check_int(N, "N", minimum=1)
    size_ = check_size(size)
    rng = as_generator(rng)
    S = 1 if size_ is None else size_
    G = (rng.standard_normal((S, N, N)) + 1j * rng.standard_normal((S, N, N))) / np.sqrt(2.0)
    eigenvalues = np.linalg.eigvals(G)
    return eigenvalues[0] if size_ is None else eigenvalues


def ginibre_variance_limit(derivative):
    r"""Large-N variance of the linear statistic :math:`\sum_i f(|z_i| / \sqrt N)` of Ginibre.

    For smooth rotation-invariant :math:`f`,

    .. math::
        \lim_{N\to\infty} \mathrm{Var} \sum_i f(|z_i|/\sqrt N)
        = \frac12 \int_0^1 f'(r)^2 r\,dr,

    the :math:`\frac{1}{4\pi}\int |\nabla f|^2` law of Rider and Virag
    specialised to radial test functions (the boundary term vanishes for
    them), as used by the Coulomb-gas cumulant paper at :math:`d = 2,
    \beta = 2`.

    The integrand is scaled by a power of two near :math:`\max |f'|` (found
    on a grid of probe points) before squaring, so derivatives beyond
    :math:`10^{154}`, whose squares overflow, still give the variance when it
    is representable.

    Parameters
    ----------
    derivative : callable
        :math:`f'(r)` for scalar ``r``, real and finite on [0, 1].

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``derivative`` is not callable or returns a non-real value.
    ValueError
        If ``derivative`` returns NaN or an infinite value, or the variance
        exceeds the float range.

    References
    ----------
    .. [1] B. Rider, B. Virag, "The noise in the circular law and the Gaussian
       free field", IMRN 2007, Theorem 1.1.
    .. [2] B. De Bruyne, P. Le Doussal, S. N. Majumdar, G. Schehr, "Linear
       statistics for Coulomb gases: higher order cumulants", arXiv:2310.16420
       (2023), the variance at d = 2, beta = 2.

    Examples
    --------
    >>> ginibre_variance_limit(lambda r: 2 * r)  # f(r) = r^2
    0.5
    """
    if not callable(derivative):
        raise TypeError(f"derivative must be callable, got {type(derivative).__name__}")

    def slope(r):
        value = derivative(r)
        if isinstance(value, complex) or np.iscomplexobj(value):
            raise TypeError(f"derivative must return real values, got {value!r} at r = {r}")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"derivative must be finite on [0, 1], got {value} at r = {r}")
        return value

    top = max(abs(slope(r)) for r in np.linspace(0.0, 1.0, _PROBES))
    # dividing by a power of two is exact, so the scaled integrand only changes range
    exponent = math.frexp(top)[1] if top > 0 else 0
    value, _ = quad(lambda r: math.ldexp(slope(r), -exponent) ** 2 * r, 0.0, 1.0)
    try:
        return math.ldexp(0.5 * value, 2 * exponent)
    except OverflowError:
        raise ValueError(
            f"the variance limit, about 2^{2 * exponent} times {0.5 * value:.3g}, exceeds "
            "the float range"
        ) from None
