"""Continuous projection DPPs of orthonormal polynomials, Christoffel sampling, least squares."""

import numpy as np
import pytest
from scipy import stats

from linalg import (
    PolynomialBasis,
    christoffel_sampling,
    projection_dpp_sampling,
    repeated_dpp_sampling,
    sample_projection_dpp_polynomial,
    volume_rescaled_point_sampling,
    weighted_least_squares,
)
from linalg.polynomials import recurrence_coefficients

P_MIN = 1e-3  # two-sample / KS p-value floor (fixed seeds; few tests per family)


def _density_weight(family, theta):
    # d mu in the variable theta = arccos x: (sin theta / 2) d theta or d theta / pi
    return np.sin(theta) / 2 if family == "legendre" else np.full_like(theta, 1 / np.pi)


def _one_point_cdf(basis):
    """CDF of K(x, x) d mu / m on [-1, 1], by 80-node Gauss-Legendre in theta = arccos x."""
    g, w = np.polynomial.legendre.leggauss(80)

    def cdf(x):
        x = np.atleast_1d(x)
        lo = np.arccos(np.clip(x, -1, 1))
        theta = lo[:, None] + (np.pi - lo[:, None]) * (g[None, :] + 1) / 2
        vals = basis.christoffel(np.cos(theta).reshape(-1, 1)).reshape(theta.shape) / basis.m
        dens = vals * _density_weight(basis.family, theta)
        return ((np.pi - lo) / 2) * (dens @ w)

    return cdf


def test_bernstein_bound_behind_the_rejection_constant():
    # Legendre: pi sqrt(1 - x^2) p_n(x)^2 / 4 <= 1 is the acceptance ratio used by the kernels
    x = np.cos(np.linspace(0, np.pi, 20001))
    b = recurrence_coefficients("legendre", 200)
    p_prev, p = np.zeros_like(x), np.ones_like(x)
    worst = 0.0
    for n in range(201):
        worst = max(worst, np.max(np.pi * np.sqrt(1 - x * x) * p * p / 4))
        p_prev, p = p, (x * p - b[n] * p_prev) / b[n + 1] if n else x / b[1]
    assert worst <= 1.0


@pytest.mark.parametrize("family", ["legendre", "chebyshev"])
@pytest.mark.parametrize("method", ["tridiagonal", "chain_rule"])
def test_one_point_law_is_christoffel(family, method):
    # a uniformly chosen point of the sample has density K(x, x) / m d mu: KS test,
    # one point per independent sample so the KS sample is i.i.d.
    basis = PolynomialBasis(5, family=family)
    X = sample_projection_dpp_polynomial(5, family=family, method=method, size=1500, rng=3)
    pick = np.random.default_rng(4).integers(0, 5, 1500)
    points = X[np.arange(1500), pick, 0]
    assert stats.kstest(points, _one_point_cdf(basis)).pvalue > P_MIN


@pytest.mark.parametrize("family", ["legendre", "chebyshev"])
def test_tridiagonal_and_chain_rule_agree(family):
    # two-sample KS on the smallest, middle and largest point of each sample
    A = np.sort(sample_projection_dpp_polynomial(6, family=family, size=1500, rng=5)[:, :, 0])
    B = sample_projection_dpp_polynomial(6, family=family, method="chain_rule", size=1500, rng=6)
    B = np.sort(B[:, :, 0], axis=1)
    for k in (0, 3, 5):
        assert stats.ks_2samp(A[:, k], B[:, k]).pvalue > P_MIN / 3, k


def _cell_grams(basis, edges):
    """G_A = int_A phi phi^T d mu for the cells of a tensor grid (exact Gauss quadrature)."""
    g, w = np.polynomial.legendre.leggauss(8)
    grams = {}
    for i in range(len(edges) - 1):
        for j in range(len(edges) - 1):
            a0, a1, b0, b1 = edges[i], edges[i + 1], edges[j], edges[j + 1]
            x = (a0 + a1) / 2 + (a1 - a0) / 2 * g
            y = (b0 + b1) / 2 + (b1 - b0) / 2 * g
            X = np.stack(np.meshgrid(x, y, indexing="ij"), -1).reshape(-1, 2)
            W = np.outer(w * (a1 - a0) / 4, w * (b1 - b0) / 4).ravel()  # d mu = dx dy / 4
            Phi = basis(X)
            grams[i, j] = Phi.T @ (W[:, None] * Phi)
    return grams


def _cell_counts(points, edges):
    ix = np.clip(np.searchsorted(edges, points[..., 0]) - 1, 0, len(edges) - 2)
    iy = np.clip(np.searchsorted(edges, points[..., 1]) - 1, 0, len(edges) - 2)
    return ix, iy


def test_dim2_chain_rule_first_and_second_moments():
    # E N_A = tr G_A and E N_A (N_A - 1) = tr(G_A)^2 - ||G_A||_F^2 for a projection DPP.
    # Var N_A <= E N_A (DPPs are sub-Poisson), so the first tolerance is 4.5 sqrt(E N_A / S);
    # the second uses the empirical standard error of N_A (N_A - 1).
    basis = PolynomialBasis(6, dim=2)
    S = 3000
    X = sample_projection_dpp_polynomial(6, dim=2, size=S, rng=7)
    edges = np.array([-1.0, -0.4, 0.3, 1.0])
    ix, iy = _cell_counts(X, edges)
    for (i, j), G in _cell_grams(basis, edges).items():
        counts = ((ix == i) & (iy == j)).sum(axis=1)
        mean = np.trace(G)
        assert abs(counts.mean() - mean) <= 4.5 * np.sqrt(mean / S), (i, j)
        pairs = counts * (counts - 1)
        second = np.trace(G) ** 2 - np.sum(G * G)
        assert abs(pairs.mean() - second) <= 4.5 * pairs.std() / np.sqrt(S) + 1e-12, (i, j)


def test_christoffel_sampling_laws(check_freq):
    basis = PolynomialBasis(7)
    x, w = christoffel_sampling(basis, 3000, rng=8)
    assert stats.kstest(x[:, 0], _one_point_cdf(basis)).pvalue > P_MIN
    np.testing.assert_allclose(w, 7 / basis.christoffel(x))
    basis2 = PolynomialBasis(10, dim=2, index_set="tensor")
    X2, _ = christoffel_sampling(basis2, 6000, rng=9)
    edges = np.array([-1.0, -0.5, 0.2, 1.0])
    ix, iy = _cell_counts(X2, edges)
    grams = _cell_grams(basis2, edges)
    freq = [np.mean((ix == i) & (iy == j)) for (i, j) in grams]
    p = [np.trace(G) / 10 for G in grams.values()]
    check_freq(freq, p, 6000, "christoffel cells")


def _in_space(basis, coef):
    return lambda X: basis(X) @ coef


@pytest.mark.parametrize("dim", [1, 2])
def test_weighted_least_squares_exact_in_space(dim):
    basis = PolynomialBasis(6, dim=dim)
    coef = np.random.default_rng(10).standard_normal(6)
    f = _in_space(basis, coef)
    samples = [
        christoffel_sampling(basis, 12, rng=1),
        projection_dpp_sampling(basis, rng=2),
        volume_rescaled_point_sampling(basis, 9, rng=3),
        repeated_dpp_sampling(basis, 2, rng=4),
    ]
    for x, w in samples:
        fit = weighted_least_squares(f(x), x, w, basis)
        np.testing.assert_allclose(fit.coefficients, coef, atol=1e-9)
        Phi = basis(x)
        G = (Phi * w[:, None]).T @ Phi / len(w)
        np.testing.assert_allclose(fit.gram, G, atol=1e-12)
        assert np.isclose(fit.gram_deviation, np.linalg.norm(G - np.eye(6), 2))
    assert samples[2].points.shape == (9, dim) and samples[3].points.shape == (12, dim)


def test_dpp_gram_is_unbiased():
    # E G = I for the projection DPP with weights m / K(x, x); entrywise tolerance from the
    # empirical standard error over S independent samples
    basis = PolynomialBasis(4)
    S = 2000
    X = sample_projection_dpp_polynomial(4, size=S, rng=11)
    Phi = basis(X.reshape(-1, 1)).reshape(S, 4, 4)  # (sample, point, feature)
    w = 4 / np.sum(Phi * Phi, axis=2)
    grams = np.einsum("spi,sp,spj->sij", Phi, w, Phi) / 4
    err = np.abs(grams.mean(axis=0) - np.eye(4))
    assert np.all(err <= 4.5 * grams.std(axis=0) / np.sqrt(S) + 1e-12)


def test_continuous_input_checks():
    basis = PolynomialBasis(4)
    with pytest.raises(ValueError, match="n must be >= m"):
        volume_rescaled_point_sampling(basis, 3)
    with pytest.raises(ValueError, match="dim = 1"):
        sample_projection_dpp_polynomial(4, dim=2, method="tridiagonal")
    with pytest.raises(ValueError, match="family"):
        sample_projection_dpp_polynomial(4, family="hermite")
    with pytest.raises(ValueError, match="m must be >= 1"):
        PolynomialBasis(0)
    with pytest.raises(TypeError, match="PolynomialBasis"):
        christoffel_sampling("legendre", 3)
    x, w = christoffel_sampling(basis, 6, rng=0)
    with pytest.raises(ValueError, match="positive"):
        weighted_least_squares(x[:, 0], x, -w, basis)
    with pytest.raises(ValueError, match="shape"):
        weighted_least_squares(x[:5, 0], x, w, basis)
    with pytest.raises(ValueError, match="finite"):
        weighted_least_squares(np.full(6, np.nan), x, w, basis)
    with pytest.raises(ValueError, match="shape"):
        basis(np.zeros((3, 2)))
