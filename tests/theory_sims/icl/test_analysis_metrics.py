import numpy as np
import pytest

from theory_sims.icl.analysis import gradient_noise, hessian_spectrum, hill_tail_index
from theory_sims.icl.lsa import LSA
from theory_sims.icl.metrics import adjusted_loss, icl_loss, ilwd, spd
from theory_sims.icl.optim import Adam, SGDMomentum, clip_by_norm
from theory_sims.icl.tasks import TaskConfig, sample_tasks
from theory_sims.icl.train import train


def test_metrics_by_hand():
    a, b, t = np.array([1.0, -1.0]), np.array([0.0, 1.0]), np.array([0.5, 0.5])
    assert icl_loss(a, t) == pytest.approx((0.25 + 2.25) / 2)
    assert spd(a, b, d=2) == pytest.approx((1 + 4) / 2 / 2)
    assert adjusted_loss(a, b, t) == pytest.approx(1.25 - 0.25)
    assert ilwd(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])) == pytest.approx(5 / 2)
    with pytest.raises(ValueError):
        spd(a, b[:1], d=2)
    with pytest.raises(ValueError):
        icl_loss(np.array([np.nan, 1.0]), t)


def test_hill_estimator_on_pareto():
    # Hill with k upper order statistics has sd about alpha / sqrt(k) = 0.045 here.
    x = np.random.default_rng(0).pareto(1.5, 50000) + 1.0
    assert abs(hill_tail_index(x, k=1000) - 1.5) < 4 * 1.5 / np.sqrt(1000)
    with pytest.raises(ValueError):
        hill_tail_index(np.array([1.0, -1.0, 2.0]))


def test_hessian_of_single_gdpp_layer_is_exact():
    # One GD++ layer predicts -b x_q^T X^T y / n, independent of a, so the loss
    # is quadratic in b: H = [[0, 0], [0, 2 mean(u^2)]] with u = x_q^T X^T y / n.
    bt = sample_tasks(TaskConfig(n=8, d=3, noise_std=0.2), 256, rng=0)
    u = np.einsum("bd,bnd,bn->b", bt.x_query, bt.X, bt.y) / 8
    r = hessian_spectrum(
        LSA(1, 3, "gd++"), np.array([0.3, -0.4]), bt.X, bt.y, bt.x_query, bt.y_query
    )
    np.testing.assert_allclose(r.eigenvalues, [0.0, 2 * np.mean(u**2)], atol=1e-6, rtol=1e-7)
    assert r.condition_number == pytest.approx(1.0)  # the zero direction is excluded
    # diagonal (0, c): max / median = c / (c / 2) = 2 (Ahn et al.'s robust condition number)
    assert r.robust_condition_number == pytest.approx(2.0, rel=1e-6)


def test_gradient_noise_scales_with_batch_size():
    # E||g_B - g||^2 = tr(Cov) / B: going from B = 16 to B = 64 divides the mean
    # squared norm by 4. Bounded (uniform) inputs keep the per-sequence gradients
    # light-tailed; over seeds the ratio of the two 1000-batch means has a
    # relative sd of about 12%, so allow 35% (about 3 sd).
    model = LSA(1, 2, "gd++")
    theta = np.array([0.1, -0.3])
    task = TaskConfig(n=6, d=2, x_dist="uniform")
    kw = dict(n_batches=1000, full_batch_size=40000, rng=1)
    small = gradient_noise(model, theta, task, batch_size=16, **kw)
    large = gradient_noise(model, theta, task, batch_size=64, **kw)
    ratio = np.mean(small.norms**2) / np.mean(large.norms**2)
    assert 4 / 1.35 < ratio < 4 * 1.35
    assert small.tail_index > 0 and np.isfinite(small.kurtosis)


def test_optimisers_and_clipping():
    g, norm = clip_by_norm(np.array([6.0, 8.0]), 5.0)
    np.testing.assert_allclose(g, [3.0, 4.0])
    assert norm == 10.0
    # Adam's first step moves each coordinate by lr (bias-corrected m/sqrt(v) = sign(g)).
    np.testing.assert_allclose(
        Adam(0.1).step(np.zeros(2), np.array([3.0, -0.01])), [-0.1, 0.1], rtol=1e-5
    )
    opt = SGDMomentum(0.5, momentum=0.5)
    theta = opt.step(np.array([1.0]), np.array([1.0]))
    np.testing.assert_allclose(opt.step(theta, np.array([1.0])), [1.0 - 0.5 - 0.75])


def test_training_is_seeded_and_sgd_decreases_loss():
    task = TaskConfig(n=8, d=2, noise_std=0.1)
    kw = dict(steps=60, batch_size=64, optimizer="sgd", lr=0.02, clip=1.0)
    a = train(LSA(2, 2, "diag"), task, rng=5, snapshot_every=20, **kw)
    b = train(LSA(2, 2, "diag"), task, rng=5, **kw)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert a.snapshots.shape == (3, LSA(2, 2, "diag").num_params)
    assert a.losses[-10:].mean() < a.losses[:10].mean()
    c = train(LSA(2, 2, "diag"), task, rng=5, **{**kw, "optimizer": "adam", "schedule": "cosine"})
    assert c.losses[-10:].mean() < c.losses[:10].mean()
    with pytest.raises(ValueError):
        train(LSA(1, 3), task, steps=1, batch_size=4)
