"""ginibre_radii and exact_cumulants against closed forms and brute-force Monte Carlo."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from linalg import sample_ginibre
from theory_sims.coulomb import exact_cumulants, ginibre_radii


def _gamma_power_cumulants(N, power, top):
    """Exact cumulants of sum_k (g_k/N)^power, g_k ~ Gamma(k, 1), from Gamma moments."""
    total = [Fraction(0)] * (top + 1)
    for k in range(1, N + 1):
        raw = [Fraction(math.prod(range(k, k + power * n))) for n in range(top + 1)]
        kappa = [Fraction(0)] * (top + 1)
        for n in range(1, top + 1):
            kappa[n] = raw[n] - sum(
                math.comb(n - 1, j - 1) * kappa[j] * raw[n - j] for j in range(1, n)
            )
        for n in range(1, top + 1):
            total[n] += kappa[n]
    return {n: float(total[n] / Fraction(N) ** (power * n)) for n in range(1, top + 1)}


def test_variance_of_r_squared_to_1e9_at_N_1000():
    N = 1000
    got = exact_cumulants(lambda r: r**2, N, orders=(1, 2, 3, 4))
    for p in (1, 2, 3, 4):
        exact = math.factorial(p - 1) * N * (N + 1) / 2 / N**p
        assert got[p] == pytest.approx(exact, rel=1e-9 if p <= 2 else 1e-8), p


@pytest.mark.parametrize("power", [2, 3])
def test_polynomial_cumulants_match_exact_gamma_moments(power):
    # f(r) = r^(2 power) is (g/N)^power: cumulants from exact rational Gamma moments
    N = 40
    exact = _gamma_power_cumulants(N, power, 6)
    got = exact_cumulants(lambda r: r ** (2 * power), N, orders=(1, 2, 3, 4, 5, 6))
    for p in range(1, 7):
        assert got[p] == pytest.approx(exact[p], rel=1e-9), p


def test_sympy_expression_and_callable_agree():
    r = sympy.Symbol("r")
    a = exact_cumulants(sympy.cos(2 * r), 30)
    b = exact_cumulants(lambda x: np.cos(2 * x), 30)
    assert a == pytest.approx(b, rel=1e-14)


def _mean_var_se(L):
    n = L.shape[0]
    c = L - L.mean()
    var = c.var()
    return L.mean(), math.sqrt(var / n), var, math.sqrt(np.var(c**2) / n)


@pytest.mark.parametrize("source", ["kostlan", "eigenvalues"])
def test_exact_cumulants_against_monte_carlo(source):
    N, n = 8, 4000
    f = lambda r: np.exp(-(r**2)) + r**3
    if source == "kostlan":
        radii = ginibre_radii(N, size=n, rng=3)
    else:
        radii = np.abs(sample_ginibre(N, size=n, rng=3)) / math.sqrt(N)
    L = f(radii).sum(axis=1)
    exact = exact_cumulants(f, N, orders=(1, 2))
    mean, se_mean, var, se_var = _mean_var_se(L)
    assert abs(mean - exact[1]) < 3 * se_mean
    assert abs(var - exact[2]) < 3 * se_var


def test_ginibre_radii_law_matches_eigenvalue_moduli():
    # joint law tested through three statistics, including the largest modulus
    N, n = 6, 3000
    a = ginibre_radii(N, size=n, rng=11)
    b = np.abs(sample_ginibre(N, size=n, rng=12)) / math.sqrt(N)
    for stat in (lambda x: (x**2).sum(1), lambda x: (x**4).sum(1), lambda x: x.max(1)):
        sa, sb = stat(a), stat(b)
        se = math.sqrt(sa.var() / n + sb.var() / n)
        assert abs(sa.mean() - sb.mean()) < 3 * se
    assert ginibre_radii(N, rng=0).shape == (N,)
    assert np.all(ginibre_radii(N, size=2, rng=0) == ginibre_radii(N, size=2, rng=0))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="N must be >= 1"):
        ginibre_radii(0)
    with pytest.raises(ValueError, match="N must be >= 1"):
        exact_cumulants(lambda r: r, 0)
    with pytest.raises(TypeError, match="f must be a callable"):
        exact_cumulants(3.0, 5)
    with pytest.raises(ValueError, match="f must be radial"):
        exact_cumulants(lambda r: 1.0, 5)
    with pytest.raises(ValueError, match="f must be radial"):
        x, y = sympy.symbols("x y")
        exact_cumulants(x * y, 5)
    with pytest.raises(ValueError, match="orders: order 7 is not implemented"):
        exact_cumulants(lambda r: r, 5, orders=(2, 7))
    with pytest.raises(ValueError, match="f must be finite"), np.errstate(invalid="ignore"):
        exact_cumulants(lambda r: np.log(r - 0.5), 5)
    with pytest.raises(TypeError, match="f must return real"):
        exact_cumulants(lambda r: r + 1j, 5)
