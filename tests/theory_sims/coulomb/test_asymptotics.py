"""asymptotic_cumulants and rate_function against exact finite-N results."""

import math

import numpy as np
import pytest
import sympy
from scipy.stats import gamma

from linalg import ginibre_variance_limit
from theory_sims.coulomb import (
    asymptotic_cumulants,
    edge_coefficient,
    exact_cumulants,
    rate_function,
)

r = sympy.Symbol("r")
SMOOTH = [r**4 + r**2, sympy.exp(r**2), sympy.cos(2 * r), r**3]


@pytest.mark.parametrize("f", SMOOTH + [sympy.exp(r)])
def test_variance_equals_ginibre_variance_limit(f):
    derivative = sympy.lambdify(r, sympy.diff(f, r), "math")
    ours = asymptotic_cumulants(f, 100, orders=(2,))[2]
    assert ours == pytest.approx(ginibre_variance_limit(derivative), rel=1e-12)


@pytest.mark.parametrize("f", SMOOTH)
def test_scaled_cumulants_converge_at_rate_one_over_N(f):
    # N^{p-2} kappa_p = c_p (1 + a_p / N + o(1/N)): doubling N halves the relative error
    fn = sympy.lambdify(r, f, "numpy")
    errors = []
    for N in (100, 200, 400):
        exact = exact_cumulants(fn, N, orders=(2, 3, 4))
        limit = asymptotic_cumulants(f, N, orders=(2, 3, 4))
        errors.append([exact[p] / limit[p] - 1 for p in (2, 3, 4)])
    errors = np.array(errors)
    assert np.all(np.abs(errors[-1]) < 20 / 400)
    halving = errors[1:] / errors[:-1]
    np.testing.assert_allclose(halving, 0.5, atol=0.04)


def test_general_order_against_exact_gamma_law_at_any_beta():
    # at d = 2, sum |x_i|^2 ~ Gamma(N + beta N (N-1)/4, rate beta N / 2) exactly (scaling)
    for beta in (1.0, 2.0, 4.0):
        N = 4000
        shape, rate = N + beta * N * (N - 1) / 4, beta * N / 2
        limit = asymptotic_cumulants(r**2, N, beta=beta, orders=(2, 3, 4, 5, 6))
        for p, value in limit.items():
            exact = math.factorial(p - 1) * shape / rate**p
            assert value == pytest.approx(exact, rel=3 / N), (beta, p)


def test_edge_formulas_in_closed_form():
    g = sympy.Function("g")
    R = sympy.Symbol("R")
    slope = sympy.diff(g(R), R).subs(R, 1)
    curvature = sympy.diff(g(R), R, 2).subs(R, 1)
    assert sympy.simplify(edge_coefficient(g(r), 3, d=3) - slope**3 / 3) == 0
    assert sympy.simplify(edge_coefficient(g(r), 4) - slope**3 * (slope / 2 + curvature)) == 0
    assert asymptotic_cumulants(r**2, 10, d=3, beta=2.0, orders=(3,))[3] == pytest.approx(
        8 / (3 * 4 * 10)
    )


def test_cone_at_the_origin_breaks_the_edge_formula():
    # f = e^r has f'(0) != 0: the relative error of kappa_4 does not vanish
    fn = np.exp
    errs = [exact_cumulants(fn, N, orders=(4,))[4] / asymptotic_cumulants(
        sympy.exp(r), N, orders=(4,))[4] - 1 for N in (3200, 6400)]  # fmt: skip
    assert errs[1] < -0.003 and abs(errs[1] - errs[0]) < 0.001


@pytest.mark.parametrize("beta", [1.0, 2.0, 4.0])
def test_rate_function_matches_exact_gamma_density_at_d2(beta):
    N = 3000
    shape, rate = N + beta * N * (N - 1) / 4, beta * N / 2
    ell = np.array([0.3, 0.45, 0.7, 1.2])
    log_ratio = gamma.logpdf(N * ell, shape, scale=1 / rate) - gamma.logpdf(
        N * 0.5, shape, scale=1 / rate
    )
    # log-prefactors and N(N-1) vs N^2 give corrections O(1/N) to Psi
    np.testing.assert_allclose(
        -log_ratio / (beta * N**2), rate_function(r**2, ell), rtol=0, atol=2 / N
    )
    assert rate_function(r**2, 0.5) == 0.0


@pytest.mark.parametrize("d", [1, 3, 4])
def test_rate_function_is_the_legendre_transform_of_the_cumulant_function(d):
    # Psi(ell) = sup_mu [mu ell - G(mu)] with G' = m(mu) = c a (1 - 2 c mu)^(-2/d)
    c, a = 1.5, d / (d + 2)
    mu = np.linspace(-1.0, 0.3, 2001)

    def G(m):
        s = 1 - 2 * c * m
        return a / 2 * (1 - s ** (1 - 2 / d)) / (1 - 2 / d)

    for ell in (0.6 * c * a, c * a, 1.7 * c * a):
        brute = np.max(mu * ell - G(mu))
        assert rate_function(c * r**2, ell, d=d) == pytest.approx(brute, abs=1e-6)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="N must be >= 1"):
        asymptotic_cumulants(r**2, 0)
    with pytest.raises(ValueError, match="d must be >= 1"):
        asymptotic_cumulants(r**2, 5, d=0)
    with pytest.raises(ValueError, match="beta"):
        asymptotic_cumulants(r**2, 5, beta=0.0)
    with pytest.raises(ValueError, match="orders: order 1 is not implemented"):
        asymptotic_cumulants(r**2, 5, orders=(1, 2))
    with pytest.raises(TypeError, match="f must be a SymPy expression"):
        asymptotic_cumulants(lambda x: x, 5)
    x, y = sympy.symbols("x y")
    with pytest.raises(ValueError, match="f must be radial"):
        asymptotic_cumulants(x * y, 5)
    with pytest.raises(ValueError, match="f: the rate function is implemented .* c\\*r\\*\\*2"):
        rate_function(r**3, 0.5)
    with pytest.raises(ValueError, match="ell/c must be positive"):
        rate_function(r**2, -0.5)


@pytest.mark.parametrize("f", [r**4 + r**2, sympy.cos(2 * r)])
def test_orders_five_and_six_converge_at_rate_one_over_N(f):
    """The general-order edge formula, beyond order 4, for non-quadratic f: the relative gap to
    the exact beta = 2 cumulants is O(1/N), so it halves when N doubles."""
    fn = sympy.lambdify(r, f, "numpy")
    errors = []
    for N in (200, 400):
        exact = exact_cumulants(fn, N, orders=(5, 6))
        limit = asymptotic_cumulants(f, N, orders=(5, 6))
        errors.append([exact[p] / limit[p] - 1 for p in (5, 6)])
    errors = np.array(errors)
    assert np.all(np.abs(errors[-1]) < 20 / 400)
    np.testing.assert_allclose(errors[1] / errors[0], 0.5, atol=0.04)
