"""Reliability cases of issue #17 for theory_sims.deep_linear: overflow-safe closed
forms checked against high-precision references, and clear errors naming the argument."""

import mpmath
import numpy as np
import pytest

from gpu.errors import DivergenceError
from theory_sims.deep_linear import (
    chatterji_long_reduced,
    circulant_task,
    data_statistics,
    deep_learning_time,
    deep_mode,
    end_to_end,
    excess_risk,
    frequency_response,
    learning_time,
    min_norm_excess_risk,
    reduced_end_to_end,
    sample_benign_data,
    train_benign,
    train_gd,
    two_layer_mode,
)


def reference_time(s, u0, uf, depth, tau=1.0):
    """tau * |int_{u0}^{uf} du / (D u^(2 - 2/D) (s - u))| by mpmath tanh-sinh quadrature
    at 25 digits, in z = ln u (the integrand is smooth there; 4 panels over the range;
    checked against 50 digits and 60 panels to agree to 1e-14)."""
    with mpmath.workdps(25):
        s, u0, uf = mpmath.mpf(s), mpmath.mpf(u0), mpmath.mpf(uf)
        c = 2 - mpmath.mpf(2) / depth

        def integrand(z):
            u = mpmath.exp(z)
            return tau / (depth * mpmath.exp((c - 1) * z) * abs(s - u))

        nodes = mpmath.linspace(mpmath.log(u0), mpmath.log(uf), 5)
        return float(abs(mpmath.quad(integrand, nodes)))


def reference_two_layer(t, s, u0, tau=1.0):
    """Saxe et al.'s Eq. 6 at 60 digits."""
    with mpmath.workdps(60):
        t, s, u0 = mpmath.mpf(t), mpmath.mpf(s), mpmath.mpf(u0)
        grow = 2 * s * t / tau  # u = s u0 e^g / (u0 (e^g - 1) + s), no cancellation
        return float(s * u0 * mpmath.exp(grow) / (u0 * mpmath.expm1(grow) + s))


@pytest.mark.parametrize(
    ("t", "s", "u0"),
    [
        (1.0, 1.8e8, 1e-300),  # s / u0 overflowed: NaN before
        (0.0, 1.8e8, 1e-300),
        (1e-9, 1.8e8, 1e-300),
        (2.0, 1e-3, 5e-324),
        (0.0, 1.0, 1e300),
        (1e-3, 1.0, 1e300),
        (0.7, 2.0, 1.5),
        (3.0, 2.0, 0.1),
    ],
)
def test_two_layer_mode_matches_high_precision(t, s, u0):
    assert float(two_layer_mode(t, s, u0)) == pytest.approx(
        reference_two_layer(t, s, u0), rel=1e-12
    )


@pytest.mark.parametrize(
    ("s", "u0", "uf"),
    [(2.0, 5e-324, 1.0), (2.0, 0.1, 2 - 1e-14), (2.0, 3.0, 2.5), (1e-3, 1e-300, 5e-4)],
)
def test_learning_time_matches_high_precision(s, u0, uf):
    got = float(learning_time(s, u0, uf))
    assert np.isfinite(got)
    assert got == pytest.approx(reference_time(s, u0, uf, 2), rel=1e-12)


def test_learning_time_of_the_issue():
    assert float(learning_time(2.0, 5e-324, 1.0)) == pytest.approx(186.2833047754853, rel=1e-14)


@pytest.mark.parametrize(
    ("s", "u0", "uf", "depth"),
    [
        (2.0, 0.1, 2 - 1e-14, 3),  # inf before
        (2.0, 0.1, 2 - 1e-14, 2),
        (2.0, 0.1, 2 - 1e-14, 1),
        (1.0, 1e-300, 0.5, 3),
        (1.0, 1e-10, 0.9999, 5),
        (3.0, 1.0, 1.1, 4),
        (1.0, 1e-5, 0.3, 10),
        (1.0, 0.6, 0.7, 3),
    ],
)
def test_deep_learning_time_matches_high_precision(s, u0, uf, depth):
    got = deep_learning_time(s, u0, uf, depth=depth)
    assert got == pytest.approx(reference_time(s, u0, uf, depth), rel=1e-12)


@pytest.mark.parametrize("depth", [2, 3, 5])
@pytest.mark.parametrize("u0", [1e6, 1e300])
def test_deep_mode_far_above_s_follows_the_exact_decay(depth, u0):
    # u0 >> s made the solver stiff (a RuntimeError, or no answer for depth 5)
    times = np.array([1e-10, 1e-3, 0.1, 1.0])
    u = deep_mode(times, 1.0, u0, depth=depth)
    assert np.all(np.diff(u) < 0) and np.all(u > 1.0)
    for t, ui in zip(times, u, strict=True):
        assert reference_time(1.0, u0, ui, depth) == pytest.approx(t, rel=1e-8)


@pytest.mark.timeout(30)
def test_deep_mode_at_huge_times_is_the_fixed_point():
    assert np.all(deep_mode([1e6, 1e300], 2.0, 0.1, depth=3) == 2.0)
    assert np.all(deep_mode([1e6, 1e300], 2.0, 1e200, depth=4) == 2.0)


def test_boolean_data_are_indicators_not_logical_or():
    X = np.array([[True, False], [True, True], [False, True]])
    Y = np.ones((3, 1))
    st = data_statistics(X, Y)
    np.testing.assert_array_equal(st.sigma_xx, X.astype(float).T @ X.astype(float) / 3)
    w = [np.full((1, 2, 2), 0.1), np.full((1, 1, 2), 0.1)]
    as_bool, as_float = train_gd(X, Y, w, lr=0.1, steps=5), train_gd(X * 1.0, Y, w, lr=0.1, steps=5)
    np.testing.assert_array_equal(as_bool.loss, as_float.loss)


NOT_PSD = np.diag([1.0, -1.0])


def test_non_psd_sigma_is_refused_by_min_norm_excess_risk():
    with pytest.raises(ValueError, match="Sigma"):
        min_norm_excess_risk(np.eye(2)[:1], np.ones((1, 2)), NOT_PSD, noise_std=1.0)


@pytest.mark.parametrize(
    "args",
    [
        (np.ones((1, 2)), np.zeros((1, 2)), NOT_PSD),
        (np.ones((1, 2)), np.zeros((1, 2)), np.array([1.0, -1.0])),
        (np.ones((1, 2)), np.zeros((1, 2)), np.array([[1.0, 0.5], [0.0, 1.0]])),
        (np.ones((1, 2)), np.zeros((1, 2)), np.eye(3)),
    ],
)
def test_excess_risk_validates_sigma(args):
    with pytest.raises(ValueError, match="Sigma"):
        excess_risk(*args)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((np.ones((1, 2)), np.zeros((1, 3)), np.eye(2)), "Theta"),
        ((np.ones(2), np.zeros(2), np.eye(2)), "Theta_hat"),
        ((np.array([[np.nan, 1.0]]), np.zeros((1, 2)), np.eye(2)), "Theta_hat"),
    ],
)
def test_excess_risk_validates_thetas(args, name):
    with pytest.raises(ValueError, match=name):
        excess_risk(*args)


def test_excess_risk_accepts_lists():
    assert float(excess_risk([[1.0, 1.0]], [[0.0, 0.0]], [1.0, 2.0])) == 3.0


@pytest.fixture(scope="module")
def benign():
    data = sample_benign_data(10, 40, k=2, rng=0)
    return data, chatterji_long_reduced(data.X, 3, 0.0, rng=1)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: end_to_end([]), "weights"),
        (lambda: end_to_end(None), "weights"),
        (lambda: end_to_end([np.ones(3)]), r"weights\[0\]"),
        (lambda: end_to_end([np.ones((1, 2, 3)), np.ones((1, 2, 3))]), r"weights\[1\]"),
        (lambda: circulant_task([], []), "power"),
        (lambda: frequency_response(np.ones(3)), "W"),
        (lambda: frequency_response([[1.0, 2.0]]), "W"),
    ],
)
def test_bad_input_gets_an_error_naming_it(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_reduced_end_to_end_checks_its_arguments(benign):
    _, net = benign
    with pytest.raises(TypeError, match="net"):
        reduced_end_to_end(None)
    with pytest.raises(ValueError, match="weights"):
        reduced_end_to_end(net, net.weights[:1])


def test_train_benign_names_max_steps_and_the_users_lr(benign):
    data, net = benign
    with pytest.raises(ValueError, match="max_steps"):
        train_benign(data, net, max_steps=0)
    with pytest.raises(DivergenceError, match=r"lr=10\b"):
        train_benign(data, net, lr=10.0, max_steps=50)
