import functools

import numpy as np
import pytest

from theory_sims.icl import predictors as P
from theory_sims.icl.baselines import RidgePath, tune_const_rr, tune_tuned_rr
from theory_sims.icl.tasks import TaskConfig, sample_tasks


def test_least_squares_and_ridge_match_direct_solves(small_batch):
    b = small_batch
    for i in range(b.X.shape[0]):
        w_ls = np.linalg.lstsq(b.X[i], b.y[i], rcond=None)[0]
        w_r = np.linalg.solve(b.X[i].T @ b.X[i] + 0.7 * np.eye(3), b.X[i].T @ b.y[i])
        assert np.isclose(P.least_squares(b.X, b.y, b.x_query)[i], b.x_query[i] @ w_ls)
        assert np.isclose(P.ridge(b.X, b.y, b.x_query, 0.7)[i], b.x_query[i] @ w_r)


def test_min_norm_when_underdetermined():
    b = sample_tasks(TaskConfig(n=2, d=5), 3, rng=0)
    w = np.stack([np.linalg.pinv(x) @ y for x, y in zip(b.X, b.y, strict=True)])
    expected = np.sum(w * b.x_query, axis=1)
    np.testing.assert_allclose(P.least_squares(b.X, b.y, b.x_query), expected, rtol=1e-10)
    np.testing.assert_allclose(P.ridge(b.X, b.y, b.x_query, 0.0), expected, rtol=1e-8)


def test_gd_steps_and_limit(small_batch):
    b = small_batch
    n = b.X.shape[1]
    w = np.zeros((5, 3))
    G = np.diag([1.0, 0.5, 2.0])
    for eta in (0.3, 0.1):
        grad = np.einsum("bnd,bn->bd", b.X, np.einsum("bnd,bd->bn", b.X, w) - b.y) / n
        w = w - eta * grad @ G.T
    ours = P.gd(b.X, b.y, b.x_query, 2, [0.3, 0.1], preconditioner=G)
    np.testing.assert_allclose(ours, np.sum(w * b.x_query, axis=1), rtol=1e-12)
    # Many small steps converge to least squares (n > d, full rank).
    far = P.gd(b.X, b.y, b.x_query, 3000, 0.3)
    np.testing.assert_allclose(far, P.least_squares(b.X, b.y, b.x_query), rtol=1e-6)


def test_bayes_beats_every_other_ridge_on_matched_task():
    # Common random numbers: every lambda sees the same 20000 sequences (n = d,
    # so lambda -> 0 has unbounded variance and is left out); the
    # paired loss difference ridge(lam) - bayes has standard error se, and the
    # Bayes posterior mean minimises the expected loss, so it must be below
    # every other lambda by more than -3 se (and clearly below the far ones).
    sigma = 0.5
    b = sample_tasks(TaskConfig(n=8, d=8, noise_std=sigma), 20000, rng=3)
    bayes_err = (P.bayes(b.X, b.y, b.x_query, sigma) - b.y_query) ** 2
    for lam in (0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 1.0, 2.0):
        diff = (P.ridge(b.X, b.y, b.x_query, lam) - b.y_query) ** 2 - bayes_err
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        assert diff.mean() > 3 * se, lam


def test_ada_rr_uses_residual_noise_estimate(small_batch):
    b = small_batch
    s2 = P.noise_estimate(b.X, b.y)
    np.testing.assert_allclose(P.ada_rr(b.X, b.y, b.x_query), P.ridge(b.X, b.y, b.x_query, s2))
    np.testing.assert_allclose(
        P.tuned_rr(b.X, b.y, b.x_query, 2.0, 0.1), P.ridge(b.X, b.y, b.x_query, 2 * s2 + 0.1)
    )
    # sigma_hat^2 is unbiased for sigma^2: mean over many sequences within 4 se.
    big = sample_tasks(TaskConfig(n=12, d=3, noise_std=0.7), 20000, rng=4)
    est = P.noise_estimate(big.X, big.y)
    assert abs(est.mean() - 0.49) < 4 * est.std() / np.sqrt(est.size)


def test_implicit_weights_recover_predictor_weights(small_batch):
    b = small_batch
    w = P.implicit_weights(functools.partial(P.ridge, lam=0.4), b.X, b.y, rng=0)
    direct = np.stack(
        [np.linalg.solve(x.T @ x + 0.4 * np.eye(3), x.T @ y) for x, y in zip(b.X, b.y, strict=True)]
    )
    np.testing.assert_allclose(w, direct, rtol=1e-9, atol=1e-12)


def test_ridge_path_and_tuning():
    b = sample_tasks(TaskConfig(n=6, d=3, noise_std=0.5), 10, rng=0)
    path = RidgePath(b.X, b.y, b.x_query)
    lam = np.linspace(0.1, 2, 10)
    np.testing.assert_allclose(path.predict(lam), P.ridge(b.X, b.y, b.x_query, lam), rtol=1e-9)
    # ConstRR on a fixed-noise task recovers the Bayes lambda sigma^2/tau^2 = 1.
    assert 0.7 < tune_const_rr(TaskConfig(n=20, d=5, noise_std=1.0), batch_size=20000, rng=1) < 1.4
    # TunedRR can express the oracle on a fixed-noise task: its loss is at most ConstRR's.
    task = TaskConfig(n=20, d=5, sigma_max=2.0)
    tuned = tune_tuned_rr(task, batch_size=5000, rng=2)
    const = tune_const_rr(task, batch_size=5000, rng=2)
    b = sample_tasks(task, 5000, rng=2)
    const_loss = np.mean((RidgePath(b.X, b.y, b.x_query).predict(const) - b.y_query) ** 2)
    assert tuned.loss <= const_loss + 1e-12


@pytest.mark.parametrize(
    "call",
    [
        lambda X, y, q: P.least_squares(X[:, :, :2], y, q),
        lambda X, y, q: P.ridge(X, y[:, :3], q, 1.0),
        lambda X, y, q: P.ridge(X, y, q, -1.0),
        lambda X, y, q: P.bayes(X, y, q, noise_std=-0.1),
        lambda X, y, q: P.gd(X, y, q, 2, [0.1]),
        lambda X, y, q: P.gd(X, y, q, 1, 0.1, preconditioner=np.eye(2)),
        lambda X, y, q: P.least_squares(np.where(X > 1, np.nan, X), y, q),
        lambda X, y, q: P.ada_rr(X[:, :2], y[:, :2], q),
    ],
)
def test_bad_input_rejected(call, small_batch):
    b = small_batch
    with pytest.raises(ValueError):
        call(b.X, b.y, b.x_query)
