"""Ginibre eigenvalues: exact finite-N moments (Kostlan) and the large-N variance limit.

Kostlan's theorem: the set {|z_i|^2} of an N x N complex Ginibre matrix has the
law of independent Gamma(k, 1) variables, k = 1..N. It gives exact finite-N
values for rotation-invariant linear statistics to test the sampler against.
"""

import numpy as np
from scipy import integrate, stats

from linalg import ginibre_variance_limit, sample_ginibre

NODES, WEIGHTS = np.polynomial.legendre.leggauss(400)


def _kostlan_variance(f, N):
    """Var sum_k f(sqrt(G_k / N)), G_k ~ Gamma(k, 1) independent (exact up to quadrature)."""
    total = 0.0
    for k in range(1, N + 1):
        # 400-point Gauss-Legendre on +-12 standard deviations of Gamma(k, 1)
        lo, hi = max(0.0, k - 12 * np.sqrt(k)), k + 12 * np.sqrt(k) + 12
        g = lo + (hi - lo) * (NODES + 1) / 2
        w = WEIGHTS * (hi - lo) / 2 * stats.gamma(k).pdf(g)
        values = f(np.sqrt(g / N))
        total += w @ values**2 - (w @ values) ** 2
    return total


def test_ginibre_linear_statistic_variance():
    # f(r) = r^2: Var sum |z|^2 / N = (N + 1) / (2N) exactly, limit 1/2.
    # f(r) = exp(-r^2): exact finite-N variance by Kostlan, limit (1/2) int f'^2 r dr.
    # The sample variance of R i.i.d. near-Gaussian statistics has relative standard error
    # sqrt(2 / (R - 1)); tolerance 4.5 of them.
    N, R = 40, 600
    z = sample_ginibre(N, size=R, rng=12)
    assert z.shape == (R, N) and np.iscomplexobj(z)
    r = np.abs(z) / np.sqrt(N)
    tol = 4.5 * np.sqrt(2 / (R - 1))
    quad_stat = (r**2).sum(axis=1)
    assert abs(quad_stat.var(ddof=1) / ((N + 1) / (2 * N)) - 1) <= tol
    assert abs(quad_stat.mean() - (N + 1) / 2) <= 4.5 * np.sqrt((N + 1) / (2 * N) / R)
    f = lambda t: np.exp(-(t**2))
    exact = _kostlan_variance(f, N)
    assert abs((f(r)).sum(axis=1).var(ddof=1) / exact - 1) <= tol


def test_ginibre_variance_converges_to_limit():
    f = lambda t: np.exp(-(t**2))
    limit = ginibre_variance_limit(lambda t: -2 * t * np.exp(-(t**2)))
    closed = 0.5 * integrate.quad(lambda t: 4 * t**3 * np.exp(-2 * t**2), 0, 1)[0]
    assert np.isclose(limit, closed, rtol=1e-10)
    gaps = [abs(_kostlan_variance(f, N) - limit) for N in (10, 40, 160)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 0.02 * limit
    assert ginibre_variance_limit(lambda t: 2 * t) == 0.5


def test_ginibre_seed_and_checks():
    np.testing.assert_array_equal(sample_ginibre(5, rng=1), sample_ginibre(5, rng=1))
    import pytest

    with pytest.raises(ValueError, match="N must be >= 1"):
        sample_ginibre(0)
    with pytest.raises(TypeError, match="callable"):
        ginibre_variance_limit(3.0)
