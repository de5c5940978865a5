"""The solvers run unchanged on array-api-strict arrays (the code path CuPy takes) and agree
with NumPy to rounding."""

import array_api_strict as xs
import numpy as np

from gpu.backend import to_numpy
from theory_sims.deep_linear import (
    chatterji_long_reduced,
    circulant_task,
    init_linear_cnn,
    init_weights,
    sample_benign_data,
    stack_depths,
    train_benign,
    train_flow,
    train_gd,
    train_linear_cnn,
)


def test_training_in_strict_namespace_matches_numpy():
    rng = np.random.default_rng(0)
    Xn, Yn = rng.standard_normal((12, 4)), rng.standard_normal((12, 3))
    X, Y = xs.asarray(Xn), xs.asarray(Yn)
    nets = [init_weights([4] + [5] * (D - 1) + [3], scale=0.5, rng=D, like=X) for D in (2, 3)]
    nets_np = [init_weights([4] + [5] * (D - 1) + [3], scale=0.5, rng=D) for D in (2, 3)]
    ws, mask = stack_depths(nets)
    ws_np, _ = stack_depths(nets_np)
    gd = train_gd(X, Y, ws, lr=0.05, steps=20, trainable=mask)
    gd_np = train_gd(Xn, Yn, ws_np, lr=0.05, steps=20, trainable=mask)
    np.testing.assert_allclose(to_numpy(gd.loss), gd_np.loss, rtol=1e-12)
    flow = train_flow(X, Y, ws, times=[0.0, 1.0], trainable=mask)
    flow_np = train_flow(Xn, Yn, ws_np, times=[0.0, 1.0], trainable=mask)
    np.testing.assert_allclose(to_numpy(flow.modes), flow_np.modes, rtol=1e-10, atol=1e-12)


def test_benign_and_cnn_in_strict_namespace():
    like = xs.asarray(np.zeros(1))
    data = sample_benign_data(10, 30, k=2, rng=0, like=like)
    data_np = sample_benign_data(10, 30, k=2, rng=0)
    res = train_benign(
        data, chatterji_long_reduced(data.X, 3, [0.0, 1e-3], rng=1), lr=1e-3, max_steps=100
    )
    res_np = train_benign(
        data_np, chatterji_long_reduced(data_np.X, 3, [0.0, 1e-3], rng=1), lr=1e-3, max_steps=100
    )
    np.testing.assert_allclose(res.risk, res_np.risk, rtol=1e-8)
    target = np.fft.fft([0.0, 1.0] + [0.0] * 6)
    X, Y = circulant_task(np.ones(8), target, like=like)
    f, v = init_linear_cnn(8, 8, channels=2, kernel=3, scale=0.3, rng=0, like=like)
    Xn, Yn = circulant_task(np.ones(8), target)
    fn, vn = init_linear_cnn(8, 8, channels=2, kernel=3, scale=0.3, rng=0)
    a = train_linear_cnn(X, Y, f, v, lr=0.2, steps=20)
    b = train_linear_cnn(Xn, Yn, fn, vn, lr=0.2, steps=20)
    np.testing.assert_allclose(to_numpy(a.response), b.response, atol=1e-12)
