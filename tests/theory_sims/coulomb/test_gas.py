"""sample_coulomb_gas and linear_statistic against exact and asymptotic cumulants."""

import math

import numpy as np
import pytest
import sympy

from gpu.records import Record
from theory_sims.coulomb import (
    CoulombGasSample,
    asymptotic_cumulants,
    exact_cumulants,
    ginibre_radii,
    linear_statistic,
    sample_coulomb_gas,
)

r = sympy.Symbol("r")


def _cumulants_with_se(L):
    """Sample mean, variance, third cumulant and their delta-method standard errors."""
    n = L.shape[0]
    c = L - L.mean()
    var = c.var()
    k3 = np.mean(c**3)
    return {
        1: (L.mean(), math.sqrt(var / n)),
        2: (var, math.sqrt(np.var(c**2) / n)),
        3: (k3, math.sqrt(np.var(c**3 - 3 * var * c) / n)),
    }


def _assert_within_3se(L, reference, orders):
    stats = _cumulants_with_se(L)
    for p in orders:
        value, se = stats[p]
        assert abs(value - reference[p]) < 3 * se, (p, value, reference[p], se)


def test_mcmc_at_d2_beta2_matches_exact_cumulants():
    # 60 sweeps of burn-in from the uniform droplet: the docstring's relaxation
    # estimate gives e-folds every ~1 sweep at d = 2
    N = 12
    sample = sample_coulomb_gas(N, 2, 2.0, n_chains=3000, n_sweeps=60, rng=0)
    f = lambda x: x**3 + np.cos(2 * x)
    _assert_within_3se(linear_statistic(sample.positions, f), exact_cumulants(f, N), (1, 2))
    assert 0.5 < sample.acceptance < 1.0


def test_mcmc_leaves_the_ginibre_law_invariant():
    # exact d = 2, beta = 2 samples (Kostlan radii, uniform angles) stay exact after sweeps
    N, n = 10, 3000
    rng = np.random.default_rng(7)
    radii = ginibre_radii(N, size=n, rng=rng)
    angles = rng.uniform(0, 2 * np.pi, (n, N))
    start = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=-1)
    f = lambda x: x**2
    exact = exact_cumulants(f, N, orders=(1, 2, 3))
    _assert_within_3se(linear_statistic(start, f), exact, (1, 2, 3))
    sample = sample_coulomb_gas(N, 2, 2.0, n_chains=n, n_sweeps=20, rng=8, init=start)
    _assert_within_3se(linear_statistic(sample.positions, f), exact, (1, 2, 3))
    moved = np.abs(sample.positions - start).max(axis=-1)
    assert np.mean(moved > 0) > 0.99  # nearly every particle moved


@pytest.mark.parametrize("beta", [1.0, 4.0])
def test_mcmc_at_other_beta_matches_the_exact_gamma_law_at_d2(beta):
    # at d = 2, sum |x_i|^2 ~ Gamma(N + beta N (N-1)/4, rate beta N / 2) for every beta
    N = 10
    shape, rate = N + beta * N * (N - 1) / 4, beta * N / 2
    exact = {p: math.factorial(p - 1) * shape / rate**p for p in (1, 2, 3)}
    sample = sample_coulomb_gas(N, 2, beta, n_chains=3000, n_sweeps=40, rng=int(beta))
    _assert_within_3se(linear_statistic(sample.positions, r**2), exact, (1, 2, 3))


@pytest.mark.slow
@pytest.mark.parametrize(("d", "N"), [(1, 16), (3, 24)])
def test_mcmc_in_d1_d3_matches_asymptotic_variance_and_third_cumulant(d, N):
    # finite-N corrections (about 2% of the variance at these N, measured with
    # 4000 chains) are below the sampling error of 1500 chains (about 3.7%)
    beta = 2.0
    sample = sample_coulomb_gas(N, d, beta, n_chains=1500, n_sweeps=40, rng=d)
    limit = asymptotic_cumulants(r**2, N, d=d, beta=beta, orders=(2, 3))
    _assert_within_3se(linear_statistic(sample.positions, r**2), limit, (2, 3))


def test_record_and_reproducibility():
    a = sample_coulomb_gas(5, 3, 1.5, n_chains=3, n_sweeps=4, rng=1)
    b = sample_coulomb_gas(5, 3, 1.5, n_chains=3, n_sweeps=4, rng=1)
    assert isinstance(a, CoulombGasSample) and isinstance(a, Record)
    np.testing.assert_array_equal(a.positions, b.positions)
    assert a.positions.shape == (3, 5, 3)
    assert a.lr == pytest.approx(0.5 / (1.5 * 5))
    assert a.to_dict()["n_sweeps"] == 4
    with pytest.raises(AttributeError):
        a.lr = 1.0
    zero = sample_coulomb_gas(1, 1, 1.0, n_chains=2, n_sweeps=0, rng=0)
    assert zero.positions.shape == (2, 1, 1) and math.isnan(zero.acceptance)


def test_float32_like_keeps_float32():
    s = sample_coulomb_gas(4, 2, 2.0, n_chains=2, n_sweeps=2, rng=0, like=np.zeros(1, np.float32))
    assert s.positions.dtype == np.float32


def test_linear_statistic_shapes_and_forms():
    pos = np.array([[[3.0, 4.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]])
    np.testing.assert_allclose(linear_statistic(pos, lambda x: x), [6.0, 1.0])
    np.testing.assert_allclose(linear_statistic(pos, r**2), [26.0, 1.0])
    np.testing.assert_allclose(linear_statistic(np.array([3 + 4j, 1j]), r), 6.0)
    np.testing.assert_allclose(linear_statistic(pos.tolist(), lambda x: x), [6.0, 1.0])


def test_bad_input_is_named():
    ok = dict(n_chains=1, n_sweeps=1)
    with pytest.raises(ValueError, match="N must be >= 1"):
        sample_coulomb_gas(0, 2, 2.0, **ok)
    with pytest.raises(ValueError, match="d must be >= 1"):
        sample_coulomb_gas(4, 0, 2.0, **ok)
    with pytest.raises(ValueError, match="beta"):
        sample_coulomb_gas(4, 2, 0.0, **ok)
    with pytest.raises(ValueError, match="beta"):
        sample_coulomb_gas(4, 2, -1.0, **ok)
    with pytest.raises(ValueError, match="n_chains must be >= 1"):
        sample_coulomb_gas(4, 2, 2.0, n_chains=0, n_sweeps=1)
    with pytest.raises(ValueError, match="n_sweeps must be >= 0"):
        sample_coulomb_gas(4, 2, 2.0, n_chains=1, n_sweeps=-1)
    with pytest.raises(ValueError, match="lr"):
        sample_coulomb_gas(4, 2, 2.0, lr=0.0, **ok)
    with pytest.raises(ValueError, match="init must have shape"):
        sample_coulomb_gas(4, 2, 2.0, init=np.zeros((1, 4, 3)), **ok)
    with pytest.raises(ValueError, match="init must be finite"):
        sample_coulomb_gas(4, 2, 2.0, init=np.full((1, 4, 2), np.nan), **ok)
    pos = np.zeros((2, 3, 2))
    pos[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="positions must be finite"):
        linear_statistic(pos, lambda x: x)
    with pytest.raises(TypeError, match="f must be a callable"):
        linear_statistic(np.zeros((2, 3, 2)), "r")
    with pytest.raises(ValueError, match="f must be radial"):
        linear_statistic(np.zeros((2, 3, 2)), lambda x: x.sum())
    with pytest.raises(ValueError, match="f must be radial"):
        linear_statistic(np.zeros((2, 3, 2)), sympy.Symbol("x") * sympy.Symbol("y"))
    with pytest.raises(ValueError, match="positions must have shape"):
        linear_statistic(np.zeros(3), lambda x: x)
