"""sliced_wasserstein_estimate: unbiasedness, standard errors, control variates, Gaussians.

References: SW_p^p of small 3-D clouds by a product Gauss-Legendre x midpoint
rule on the sphere (33k directions, converged to ~1e-6 relative), the closed
form of W_2 between 1-D Gaussians integrated by the same rule, and the exact
sphere means of the quadratic control variates. Statistical checks use fixed
seeds and tolerances of 4 standard errors derived from the spread of repeats.
"""

import numpy as np
import pytest
from numpy.polynomial.legendre import leggauss

from gpu.backend import namespace
from transport import sliced_wasserstein, sliced_wasserstein_estimate
from transport.directions import random_directions
from transport.sliced_estimate import control_variates, slice_costs, slice_terms

REPEATS = 100


def sphere_rule(nz=128, nphi=256):
    """Directions (3, nz * nphi) and weights (summing to 1) integrating over S^2."""
    z, wz = leggauss(nz)
    phi = (np.arange(nphi) + 0.5) * 2 * np.pi / nphi
    Z, P = np.meshgrid(z, phi, indexing="ij")
    r = np.sqrt(1 - Z**2)
    theta = np.stack([r * np.cos(P), r * np.sin(P), Z]).reshape(3, -1)
    return theta, np.repeat(wz, nphi) / (2 * nphi)


@pytest.fixture(scope="module")
def clouds():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    Y = rng.standard_normal((25, 3)) @ np.diag([2.0, 1.0, 0.5]) + [1.0, 0.0, 0.0]
    a = rng.random(20) + 0.1
    return X, Y, a / a.sum()


@pytest.fixture(scope="module")
def reference(clouds):
    X, Y, a = clouds
    theta, w = sphere_rule()
    return float(slice_costs(namespace(X), X, a, Y, None, theta, 2.0) @ w)


CASES = [
    (est, kind)
    for est in ("mc", "control_variate")
    for kind in ("mc", "orthogonal", "qmc", "spiral", "equal_area")
] + [
    ("control_variate_lower", "mc"),
    ("control_variate_upper", "orthogonal"),
]


@pytest.mark.parametrize(("estimator", "kind"), CASES)
def test_unbiased_and_std_error_matches_the_spread(clouds, reference, estimator, kind):
    X, Y, a = clouds
    runs = [
        sliced_wasserstein_estimate(
            X, Y, a, n_projections=32, directions=kind, estimator=estimator, rng=seed
        )
        for seed in range(REPEATS)
    ]
    values = np.array([r.power_estimate for r in runs])
    errors = np.array([r.std_error for r in runs])
    spread = values.std(ddof=1)
    # Unbiasedness: the mean of the repeats within 4 standard errors of the reference
    # (the control variate's estimated coefficient adds an O(1/L) bias, far below this).
    assert abs(values.mean() - reference) < 4 * spread / np.sqrt(REPEATS)
    # The reported error is an estimate of the spread: RMS over repeats within 30%
    # (sampling error of both sides is about 8% here).
    assert 0.7 < np.sqrt(np.mean(errors**2)) / spread < 1.4
    assert all(r.n_projections == 32 and r.estimator == estimator for r in runs)
    assert np.allclose([r.value for r in runs], np.maximum(values, 0) ** 0.5)


def test_value_is_the_sliced_wasserstein_quantity(clouds):
    X, Y, a = clouds
    est = sliced_wasserstein_estimate(X, Y, a, p=1.5, n_projections=64, rng=3)
    plain = sliced_wasserstein(X, Y, a, p=1.5, n_projections=64, rng=3)
    assert est.value == pytest.approx(plain, rel=1e-12)


def test_control_variates_have_their_stated_sphere_means(clouds):
    X, Y, a = clouds
    theta, w = sphere_rule(16, 32)  # exact for quadratics in theta
    xp = namespace(X)
    moments = slice_terms(xp, X, a, Y, None, theta, 2.0)[1]
    values, means = control_variates(xp, X, a, Y, None, moments)
    assert w @ values == pytest.approx(means, rel=1e-12)


@pytest.mark.parametrize("kind", ["mc", "orthogonal", "qmc"])
def test_direction_sets_are_unbiased_in_higher_dimension(kind):
    # The upper control variate is a quadratic form with a known sphere mean:
    # every direction set must average to it (d = 7, independent sets).
    rng = np.random.default_rng(7)
    d = 7
    X = rng.standard_normal((30, d)) * np.arange(1, d + 1)
    Y = rng.standard_normal((30, d)) + 1.0
    xp = namespace(X)
    set_means = []
    for seed in range(200):
        theta = random_directions(d, 12, kind, rng=seed)
        moments = slice_terms(xp, X, None, Y, None, theta, 2.0)[1]
        values, means = control_variates(xp, X, None, Y, None, moments)
        set_means.append(values.mean(axis=0))
    set_means = np.array(set_means)
    se = set_means.std(axis=0, ddof=1) / np.sqrt(len(set_means))
    assert np.all(np.abs(set_means.mean(axis=0) - means) < 4 * se + 1e-12)


def test_gaussians_match_the_closed_form():
    # SW_2^2 between N(m1, S1) and N(m2, S2) is the sphere mean of
    # (theta.dm)^2 + (sqrt(theta'S1 theta) - sqrt(theta'S2 theta))^2.
    rng = np.random.default_rng(11)
    m1, m2 = np.zeros(3), np.array([1.0, -0.5, 0.25])
    S1, S2 = np.diag([1.0, 2.0, 0.5]), np.array([[1.0, 0.6, 0.0], [0.6, 1.5, 0.3], [0.0, 0.3, 0.8]])
    n = 20000

    def sample(m, S):  # whitened draws: exact mean and covariance
        Z = rng.standard_normal((n, 3))
        Z -= Z.mean(axis=0)
        Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z.T, bias=True)).T)
        return m + Z @ np.linalg.cholesky(S).T

    X, Y = sample(m1, S1), sample(m2, S2)
    theta, w = sphere_rule(64, 128)
    per_dir = (theta.T @ (m1 - m2)) ** 2 + (
        np.sqrt(np.einsum("il,ij,jl->l", theta, S1, theta))
        - np.sqrt(np.einsum("il,ij,jl->l", theta, S2, theta))
    ) ** 2
    exact = per_dir @ w
    est = sliced_wasserstein_estimate(X, Y, n_projections=256, estimator="control_variate", rng=2)
    # 4 standard errors plus the finite-sample (quantile) error of 20000 draws.
    assert abs(est.power_estimate - exact) < 4 * est.std_error + 5e-3 * exact
    # For Gaussians the control variates remove most of the variance.
    plain = sliced_wasserstein_estimate(X, Y, n_projections=256, rng=2)
    assert est.std_error < 0.2 * plain.std_error


def test_identical_clouds_give_zero_without_error(clouds):
    X, _, a = clouds
    for estimator in ("mc", "control_variate"):
        est = sliced_wasserstein_estimate(X, X, a, a, p=3, estimator=estimator, rng=0)
        assert est.value == 0.0 and est.std_error == 0.0


def test_float32_in_float32_out(clouds):
    X, Y, _ = clouds
    est = sliced_wasserstein_estimate(X.astype(np.float32), Y.astype(np.float32), rng=0)
    assert isinstance(est.value, np.float32) and isinstance(est.std_error, np.float32)


def test_lists_are_accepted(clouds):
    X, Y, _ = clouds
    est = sliced_wasserstein_estimate(X.tolist(), Y.tolist(), n_projections=16, rng=0)
    assert est.value > 0


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"estimator": "antithetic"}, ValueError, "estimator"),
        ({"directions": "halton"}, ValueError, "directions"),
        ({"directions": "spiral", "d": 2}, ValueError, "d must be 3"),
        ({"n_projections": 1}, ValueError, "n_projections"),
        ({"n_projections": 3, "estimator": "control_variate"}, ValueError, "n_projections"),
        ({"directions": "qmc", "n_replicates": 1}, ValueError, "n_replicates"),
        ({"directions": "qmc", "n_projections": 8, "n_replicates": 9}, ValueError, "n_replicates"),
        ({"p": 0.5}, ValueError, "p"),
        ({"p": float("inf")}, ValueError, "p must be finite"),
        ({"scale": 1e200}, ValueError, "float64 range"),
        ({"scale": 1e-160}, ValueError, "float64 range"),
        ({"scale": 1e-3, "p": 200.0}, ValueError, "float64 range"),
        ({"complex": True}, TypeError, "X"),
        ({"nan": True}, ValueError, "Y"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_bad_inputs_are_named(kwargs, exc, match):
    d = kwargs.pop("d", 3)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((5, d)), rng.standard_normal((6, d))
    scale = kwargs.pop("scale", 1.0)
    X, Y = X * scale, Y * scale
    if kwargs.pop("complex", False):
        X = X + 1j
    if kwargs.pop("nan", False):
        Y[0, 0] = np.nan
    with pytest.raises(exc, match=match):
        sliced_wasserstein_estimate(X, Y, **kwargs)


@pytest.mark.parametrize("kind", ["spiral", "equal_area"])
def test_rotated_point_sets_are_uniform_on_the_sphere(kind):
    # One point per independent set: on S^2 each coordinate is uniform on [-1, 1].
    from scipy import stats

    x = np.array([random_directions(3, 16, kind, rng=seed)[:, 5] for seed in range(600)])
    for coordinate in x.T:
        assert stats.kstest(coordinate, stats.uniform(-1, 2).cdf).pvalue > 1e-3
    # Within a set the points are spread out: no two closer than an MC set would allow.
    theta = random_directions(3, 64, kind, rng=0)
    gram = theta.T @ theta - 2 * np.eye(64)
    assert gram.max() < 0.99


@pytest.mark.gpu
def test_cupy_estimate_matches_numpy(clouds):
    cp = pytest.importorskip("cupy")
    X, Y, a = clouds
    for estimator in ("mc", "control_variate"):
        host = sliced_wasserstein_estimate(X, Y, a, estimator=estimator, rng=4)
        dev = sliced_wasserstein_estimate(
            cp.asarray(X), cp.asarray(Y), cp.asarray(a), estimator=estimator, rng=4
        )
        assert dev.power_estimate == pytest.approx(host.power_estimate, rel=1e-9)
        assert dev.std_error == pytest.approx(host.std_error, rel=1e-6)
