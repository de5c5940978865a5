"""CuPy runs of the solvers agree with NumPy (needs a CUDA device; skipped otherwise)."""

import numpy as np
import pytest

from gpu.backend import to_device, to_numpy
from theory_sims.deep_linear import (
    chatterji_long_reduced,
    circulant_task,
    init_linear_cnn,
    init_weights,
    sample_benign_data,
    train_benign,
    train_flow,
    train_gd,
    train_linear_cnn,
)

pytestmark = pytest.mark.gpu


def test_gd_and_flow_on_cupy_match_numpy():
    rng = np.random.default_rng(0)
    Xn, Yn = rng.standard_normal((50, 20)), rng.standard_normal((50, 5))
    X, Y = to_device(Xn, "gpu"), to_device(Yn, "gpu")
    ws = init_weights([20, 16, 16, 5], scale=0.5, n_init=8, rng=1, like=X)
    ws_np = init_weights([20, 16, 16, 5], scale=0.5, n_init=8, rng=1)
    gd = train_gd(X, Y, ws, lr=0.05, steps=50, record_every=10)
    assert type(gd.loss).__module__.startswith("cupy")
    np.testing.assert_allclose(
        to_numpy(gd.loss),
        train_gd(Xn, Yn, ws_np, lr=0.05, steps=50, record_every=10).loss,
        rtol=1e-9,
    )
    fl = train_flow(X, Y, ws, times=[0.0, 1.0])
    np.testing.assert_allclose(
        to_numpy(fl.modes),
        train_flow(Xn, Yn, ws_np, times=[0.0, 1.0]).modes,
        rtol=1e-7,
        atol=1e-10,
    )


def test_benign_and_cnn_on_cupy_match_numpy():
    like = to_device(np.zeros(1), "gpu")
    data = sample_benign_data(20, 60, k=3, rng=0, like=like)
    data_np = sample_benign_data(20, 60, k=3, rng=0)
    a = train_benign(data, chatterji_long_reduced(data.X, 3, [0.0, 1e-3], rng=1), lr=1e-3)
    b = train_benign(data_np, chatterji_long_reduced(data_np.X, 3, [0.0, 1e-3], rng=1), lr=1e-3)
    # Risks after thousands of GD steps: cuBLAS and OpenBLAS sum in different
    # orders and the rounding differences grow through training (5.3e-5
    # relative at alpha = 1e-3, measured on an H200), so 1e-3 relative.
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-3)
    target = np.fft.fft([0.0, 1.0, 0.5] + [0.0] * 5)
    X, Y = circulant_task(np.ones(8), target, like=like)
    f, v = init_linear_cnn(8, 8, channels=2, kernel=3, scale=0.3, rng=0, like=like)
    res = train_linear_cnn(X, Y, f, v, lr=0.2, steps=1500, record_every=1500)
    np.testing.assert_allclose(to_numpy(res.response)[-1, 0], target, atol=1e-3)
