"""The exact reduction of Chatterji and Long's networks, its sampler, and the alpha -> 0 limit."""

import numpy as np
import pytest

from theory_sims.deep_linear.benign import (
    chatterji_long_reduced,
    identity_hidden_reduction,
    reduced_end_to_end,
    row_space_basis,
    sample_benign_data,
    train_benign,
)
from theory_sims.deep_linear.network import end_to_end, init_weights
from theory_sims.deep_linear.theory import min_norm_excess_risk
from theory_sims.deep_linear.training import train_gd


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_reduction_reproduces_explicit_training(depth):
    rng = np.random.default_rng(depth)
    n, d, q, m = 5, 9, 2, 16
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((n, q))
    full = init_weights(
        [d] + [m] * (depth - 1) + [q], scheme="chatterji_long", scale=0.1, n_init=2, rng=rng
    )
    red = identity_hidden_reduction(X, full[0], full[-1], depth)
    assert red.weights[0].shape == (2, n + q, n)
    np.testing.assert_allclose(reduced_end_to_end(red), end_to_end(full), atol=1e-12)
    a = train_gd(X, Y, full, lr=0.002, steps=150)
    b = train_gd(X @ red.basis, Y, red.weights, lr=0.002, steps=150)
    # The loss is evaluated from second moments: absolute rounding ~ 1e-15 * ||Y||^2 / n.
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        reduced_end_to_end(red, b.weights), end_to_end(a.weights), atol=1e-10
    )


def test_sampler_matches_reduction_of_explicit_draws_in_distribution():
    # Compare three Gaussian functionals of (W1, v) that the reduced weights preserve:
    # ||Q^T Z O_1||^2 = ||Z O_1||^2 ~ chi2(m p), ||v||^2 ~ chi2(m q), and the first entry of
    # (Z O_1)^T v, whose variance is m. Each mean over N draws is checked to 5 standard errors
    # of its known law (chi2(k) has variance 2k; x = sum_i g_i h_i has E x^4 = 3m^2 + 6m, so
    # its squared value has variance 2m^2 + 6m).
    rng = np.random.default_rng(0)
    n, d, q, m, N = 4, 10, 2, 12, 4000
    X = rng.standard_normal((n, d))
    stats = []
    for i in range(N):
        net = chatterji_long_reduced(X, q, 1.0, depth=3, width=m, rng=i)
        first, last = net.weights[0][0], net.weights[-1][0]
        stats.append([np.sum(first**2), np.sum(last**2), (first.T @ last.T)[0, 0]])
    stats = np.array(stats)
    p = n
    assert abs(stats[:, 0].mean() - m * p) < 5 * np.sqrt(2 * m * p / N)
    assert abs(stats[:, 1].mean() - m * q) < 5 * np.sqrt(2 * m * q / N)
    assert abs(np.mean(stats[:, 2] ** 2) - m) < 5 * np.sqrt((2 * m**2 + 6 * m) / N)
    # The complement part is N(0, alpha^2) on d - p dimensions of each of the r rows.
    net = chatterji_long_reduced(X, q, 0.5, width=m, rng=1)
    np.testing.assert_allclose(net.frozen[0] @ net.basis, 0, atol=1e-12)


def test_alpha_to_zero_gives_the_min_norm_interpolant():
    data = sample_benign_data(20, 60, k=3, q=2, n_noise=1, rng=3)
    alphas = [0.0, 1e-3, 3e-3, 1e-2]
    net = chatterji_long_reduced(data.X, 2, alphas, depth=3, rng=4)
    res = train_benign(data, net, lr=1e-3, target_loss=1e-10, max_steps=50_000)
    assert res.converged.all()
    # Distance to the min-norm solution shrinks like alpha^2 (the frozen component is alpha Z).
    assert res.distance[0] < 1e-6
    assert np.all(np.diff(res.distance) > 0)
    # alpha 3e-3 -> 1e-2 should multiply the distance by about (10/3)^2 = 11.1.
    ratio = res.distance[3] / res.distance[2]
    assert 8 < ratio < 15
    # The min-norm interpolant's risk is the formula's bias + variance realised on this noise.
    np.testing.assert_allclose(res.risk[0], res.risk_min_norm[0], rtol=1e-4)


def test_min_norm_risk_of_benign_data_is_the_formula_on_average():
    # Average over 400 noise draws of the realised min-norm risk vs the exact expectation;
    # tolerance 5 standard errors from the draws' spread.
    data = sample_benign_data(10, 40, k=3, q=2, n_noise=400, rng=5)
    pinv = np.linalg.pinv(data.X)
    diff = np.swapaxes(pinv @ data.Y, 1, 2) - data.Theta
    risks = np.sum(diff * diff * data.sigma_diag, axis=(1, 2))
    exact = min_norm_excess_risk(data.X, data.Theta, np.diag(data.sigma_diag), noise_std=1.0)
    assert abs(risks.mean() - exact.total) < 5 * risks.std() / np.sqrt(400)


def test_row_space_basis_and_errors():
    X = np.random.default_rng(0).standard_normal((3, 7))
    O = row_space_basis(X)
    np.testing.assert_allclose(O.T @ O, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(X @ O @ O.T, X, atol=1e-12)
    with pytest.raises(ValueError, match="width"):
        chatterji_long_reduced(X, 2, 0.1, width=4)
    with pytest.raises(ValueError, match="alpha"):
        chatterji_long_reduced(X, 2, -0.1)
    with pytest.raises(ValueError, match="depth"):
        chatterji_long_reduced(X, 2, 0.1, depth=1)
