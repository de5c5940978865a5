"""Linear CNN: filter gradients by finite differences, the circulant task, Fourier identities."""

import numpy as np
import pytest

from theory_sims.deep_linear.cnn import (
    _project_to_filters,
    circulant_layer,
    circulant_task,
    frequency_response,
    init_linear_cnn,
    train_linear_cnn,
)
from theory_sims.deep_linear.training import DivergenceError, loss_and_gradients


def test_circulant_layer_is_circular_convolution():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((1, 2, 3))
    x = rng.standard_normal(7)
    W = circulant_layer(f, 7)[0]
    for c in range(2):
        direct = [sum(f[0, c, j] * x[(i - j) % 7] for j in range(3)) for i in range(7)]
        np.testing.assert_allclose(W[c * 7 : (c + 1) * 7] @ x, direct, atol=1e-12)


def test_filter_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    P, q, C, K = 6, 4, 2, 3
    X, Y = rng.standard_normal((9, P)), rng.standard_normal((9, q))
    f, v = init_linear_cnn(P, q, channels=C, kernel=K, scale=1.0, n_init=2, rng=2)

    def loss(filters):
        return loss_and_gradients(X, Y, (circulant_layer(filters, P), v))[0]

    _, grads = loss_and_gradients(X, Y, (circulant_layer(f, P), v))
    g = _project_to_filters(grads[0], C, K, P)
    h = 1e-6
    for idx in [(0, 0, 0), (1, 1, 2), (0, 1, 1)]:
        plus, minus = f.copy(), f.copy()
        plus[idx] += h
        minus[idx] -= h
        fd = (loss(plus)[idx[0]] - loss(minus)[idx[0]]) / (2 * h)
        # Central differences: truncation O(h^2), rounding ~1e-16 / h.
        assert g[idx] == pytest.approx(fd, abs=1e-7)


def test_circulant_task_has_exact_population_moments():
    P = 8
    f = np.arange(P)
    power = 1.0 / (1.0 + np.minimum(f, P - f) ** 2)
    target = np.zeros(P, dtype=complex)
    target[[1, P - 1]] = 1.0
    target[[3, P - 3]] = 0.5 + 0.5j, 0.5 - 0.5j
    X, Y = circulant_task(power, target)
    sxx = X.T @ X / P
    # Sigma_xx is diagonal in the Fourier basis with eigenvalues `power`.
    np.testing.assert_allclose(frequency_response(sxx), power, atol=1e-12)
    H = np.linalg.solve(sxx, (Y.T @ X / P).T).T  # Sigma_yx = H Sigma_xx
    np.testing.assert_allclose(frequency_response(H), target, atol=1e-10)


def test_cnn_learns_the_target_filter():
    P = 8
    target = np.fft.fft([0.0, 1.0, 0.5] + [0.0] * 5)
    X, Y = circulant_task(np.ones(P), target)
    f, v = init_linear_cnn(P, P, channels=2, kernel=3, scale=0.3, rng=0)
    res = train_linear_cnn(X, Y, f, v, lr=0.2, steps=1500, record_every=1500)
    np.testing.assert_allclose(res.response[-1, 0], target, atol=1e-3)


def test_cnn_bad_input():
    X, Y = circulant_task(np.ones(4), np.ones(4))
    f, v = init_linear_cnn(4, 4, channels=1, kernel=2, scale=1.0, rng=0)
    with pytest.raises(DivergenceError):
        train_linear_cnn(X * 30, Y * 30, f, v, lr=1.0, steps=100)
    with pytest.raises(ValueError, match="do not fit"):
        train_linear_cnn(X, Y, f, v[:, :, :2], lr=0.1, steps=1)
    with pytest.raises(ValueError, match="finite"):
        train_linear_cnn(X * np.nan, Y, f, v, lr=0.1, steps=1)
    with pytest.raises(ValueError, match="divergence_factor"):
        train_linear_cnn(X, Y, f, v, lr=0.1, steps=1, divergence_factor=0.5)
    with pytest.raises(ValueError, match="kernel"):
        init_linear_cnn(4, 4, channels=1, kernel=5, scale=1.0)
    with pytest.raises(ValueError, match="symmetric"):
        circulant_task(np.arange(4.0), np.ones(4))
