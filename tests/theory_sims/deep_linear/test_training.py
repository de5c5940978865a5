"""Batched GD and gradient flow against closed forms, finite differences and each other."""

import numpy as np
import pytest

from theory_sims.deep_linear.network import (
    decoupled_init,
    end_to_end,
    init_weights,
    stack_depths,
)
from theory_sims.deep_linear.theory import deep_mode, two_layer_mode
from theory_sims.deep_linear.training import (
    DivergenceError,
    data_statistics,
    loss_and_gradients,
    train_flow,
    train_gd,
)


def whitened_task(singular_values, d, rng):
    """Inputs with Sigma_xx = I and Sigma_yx with the given singular values."""
    q = len(singular_values)
    X = np.sqrt(d) * np.eye(d)
    u, _ = np.linalg.qr(rng.standard_normal((q, q)))
    v, _ = np.linalg.qr(rng.standard_normal((d, q)))
    syx = u @ np.diag(singular_values) @ v.T
    return X, X @ syx.T  # Y^T X / n = syx


@pytest.mark.parametrize("u0", [1e-3, 0.05, 0.5])
def test_flow_two_layer_modes_match_closed_form(u0):
    s = np.array([3.0, 1.5, 0.4])
    X, Y = whitened_task(s, 5, np.random.default_rng(0))
    w0 = decoupled_init(data_statistics(X, Y).sigma_yx, u0, hidden=[6], n_init=3, rng=1)
    ts = np.linspace(0, 12, 25)
    res = train_flow(X, Y, w0, times=ts, rtol=1e-9, atol=1e-12)
    want = two_layer_mode(ts[:, None], s[None, :], u0)
    # Tolerance: the integrator's rtol 1e-9 accumulated over ~200 steps stays below 1e-6 * s.
    np.testing.assert_allclose(
        res.modes, np.broadcast_to(want[:, None, :], res.modes.shape), atol=1e-6 * s.max()
    )


@pytest.mark.parametrize("depth", [3, 4])
def test_flow_deep_modes_match_mode_ode(depth):
    s = np.array([2.0, 0.8])
    X, Y = whitened_task(s, 4, np.random.default_rng(2))
    w0 = decoupled_init(data_statistics(X, Y).sigma_yx, 0.01, hidden=[5] * (depth - 1), rng=3)
    ts = np.linspace(0, 15, 16)
    res = train_flow(X, Y, w0, times=ts, rtol=1e-9, atol=1e-12)
    want = np.stack([deep_mode(ts, si, 0.01, depth) for si in s], axis=1)
    np.testing.assert_allclose(res.modes[:, 0, :], want, atol=1e-6 * s.max())


def test_gd_approaches_flow_as_lr_shrinks():
    # GD is the Euler scheme of the flow: its error at fixed time is O(lr).
    s = np.array([2.0, 1.0])
    X, Y = whitened_task(s, 3, np.random.default_rng(4))
    w0 = decoupled_init(data_statistics(X, Y).sigma_yx, 0.01, hidden=[3], rng=5)
    want = two_layer_mode(4.0, s, 0.01)
    errs = []
    for lr in (0.02, 0.01):
        res = train_gd(X, Y, w0, lr=lr, steps=round(4.0 / lr), record_every=10_000)
        assert res.times[-1] == pytest.approx(4.0)
        errs.append(np.abs(res.modes[-1, 0] - want).max())
    assert errs[1] < 0.6 * errs[0]
    assert errs[1] < 0.05


@pytest.mark.parametrize("d,q", [(4, 3), (3, 5)])  # both back-propagation orders
def test_gradients_match_finite_differences(d, q):
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((7, d)), rng.standard_normal((7, q))
    ws = init_weights([d, 5, 6, q], scheme="gaussian", n_init=2, rng=7)
    _, grads = loss_and_gradients(X, Y, ws)
    h = 1e-6
    for l, w in enumerate(ws):
        for b, i, j in [(0, 0, 0), (1, 2, 1), (1, w.shape[1] - 1, w.shape[2] - 1)]:
            plus = [x.copy() for x in ws]
            minus = [x.copy() for x in ws]
            plus[l][b, i, j] += h
            minus[l][b, i, j] -= h
            fd = loss_and_gradients(X, Y, plus)[0][b] - loss_and_gradients(X, Y, minus)[0][b]
            # Central differences: error O(h^2) ~ 1e-12 plus rounding ~ 1e-16 / h ~ 1e-10.
            assert grads[l][b, i, j] == pytest.approx(fd / (2 * h), abs=1e-7)


def test_loss_matches_sample_definition():
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((9, 4)), rng.standard_normal((9, 2))
    ws = init_weights([4, 3, 2], n_init=2, rng=9)
    loss, _ = loss_and_gradients(X, Y, ws)
    W = end_to_end(ws)
    want = [np.sum((Y - X @ W[b].T) ** 2) / (2 * 9) for b in range(2)]
    np.testing.assert_allclose(loss, want, rtol=1e-12)


def test_depth_batching_equals_separate_training():
    rng = np.random.default_rng(10)
    X, Y = rng.standard_normal((12, 4)), rng.standard_normal((12, 3))
    nets = [
        init_weights([4] + [5] * (D - 1) + [3], scheme="orthogonal", scale=0.5, n_init=2, rng=D)
        for D in (2, 3, 5)
    ]
    ws, mask = stack_depths(nets)
    joint = train_gd(X, Y, ws, lr=0.05, steps=30, trainable=mask, record_every=10)
    alone = [train_gd(X, Y, net, lr=0.05, steps=30, record_every=10) for net in nets]
    np.testing.assert_allclose(
        joint.loss, np.concatenate([a.loss for a in alone], axis=1), rtol=1e-10
    )


def test_batched_data_equal_separate_runs():
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((2, 10, 3)), rng.standard_normal((2, 10, 2))
    ws = init_weights([3, 4, 2], n_init=2, rng=12)
    joint = train_gd(X, Y, ws, lr=0.1, steps=20)
    for b in range(2):
        one = train_gd(X[b], Y[b], tuple(w[b : b + 1] for w in ws), lr=0.1, steps=20)
        np.testing.assert_allclose(joint.loss[:, b], one.loss[:, 0], rtol=1e-12)


def test_target_loss_stops_each_network():
    X = np.sqrt(3) * np.eye(3)
    Y = X @ np.diag([2.0, 1.0, 0.5])
    ws = init_weights([3, 3], scheme="gaussian", scale=0.1, n_init=2, rng=0)
    ws = (ws[0] * np.array([1.0, 5.0])[:, None, None],)
    res = train_gd(X, Y, ws, lr=0.1, steps=10_000, target_loss=1e-8)
    assert res.converged.all()
    assert np.all(res.loss[-1] <= 1e-8)
    assert res.steps_taken.max() < 10_000


def test_initialisations():
    bal = init_weights([5, 7, 6, 3], scheme="balanced", scale=0.2, n_init=2, rng=0)
    for lo, hi in zip(bal[:-1], bal[1:], strict=True):
        np.testing.assert_allclose(
            np.swapaxes(hi, 1, 2) @ hi, lo @ np.swapaxes(lo, 1, 2), atol=1e-14
        )
    orth = init_weights([6, 4], scheme="orthogonal", scale=2.0, rng=1)[0][0]
    np.testing.assert_allclose(orth @ orth.T, 4 * np.eye(4), atol=1e-12)
    cl = init_weights([3, 8, 8, 8, 2], scheme="chatterji_long", scale=0.0, rng=2)
    assert np.all(cl[0] == 0) and np.all(cl[1] == np.eye(8)) and np.all(cl[2] == np.eye(8))
    # Gaussian fan-in scaling: entries have variance scale^2 / fan_in; with 40000 entries the
    # sample variance has relative standard error sqrt(2/40000) ~ 0.7%, so 5% is ~7 sigma.
    g = init_weights([400, 100], scheme="gaussian", scale=3.0, rng=3)[0]
    assert g.var() == pytest.approx(9.0 / 400, rel=0.05)


def test_same_seed_same_networks():
    a = init_weights([3, 4, 2], scheme="balanced", scale=0.1, n_init=3, rng=5)
    b = init_weights([3, 4, 2], scheme="balanced", scale=0.1, n_init=3, rng=5)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: init_weights([3]), "depth"),
        (lambda: init_weights([3, 0, 2]), "widths\\[1\\]"),
        (lambda: init_weights([3, -1]), "widths\\[1\\]"),
        (lambda: init_weights([3, 4, 2], scheme="xavier"), "scheme"),
        (lambda: init_weights([3, 4, 5, 2], scheme="chatterji_long"), "hidden"),
        (
            lambda: train_gd(
                np.full((4, 3), np.nan), np.ones((4, 2)), init_weights([3, 2]), lr=0.1, steps=1
            ),
            "X must be finite",
        ),
        (
            lambda: train_gd(
                np.ones((4, 3)), np.ones((4, 2)), init_weights([3, 2]), lr=0.0, steps=1
            ),
            "lr",
        ),
        (
            lambda: train_gd(
                np.ones((4, 3)), np.ones((4, 2)), init_weights([3, 5]), lr=0.1, steps=1
            ),
            "outputs",
        ),
        (
            lambda: train_flow(
                np.ones((4, 3)), np.ones((4, 2)), init_weights([3, 2]), times=[1.0, 0.5]
            ),
            "increasing",
        ),
    ],
)
def test_bad_input_is_rejected(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_divergent_step_size_is_reported_not_nan():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 5)) * 3, rng.standard_normal((20, 2))
    ws = init_weights([5, 8, 2], scheme="gaussian", rng=1)
    with pytest.raises(DivergenceError, match="diverged.*lr=2"):
        train_gd(X, Y, ws, lr=2.0, steps=10_000)
    assert issubclass(DivergenceError, ValueError)
    # A stable step size on the same problem trains without error and decreases the loss.
    res = train_gd(X, Y, ws, lr=0.01, steps=200, record_every=200)
    assert np.all(np.isfinite(res.loss)) and np.all(res.loss[-1] < res.loss[0])
