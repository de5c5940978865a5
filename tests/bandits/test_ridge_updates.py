"""Sherman--Morrison inverse, log det and the O(Kd) arm statistics against direct computation."""

import numpy as np
import pytest

from bandits._kernels.ridge import ridge_replay
from bandits.envs import LinearBandit, random_arms
from bandits.policies import OFUL
from bandits.simulator import blocks

EPS = np.finfo(float).eps


def _drive(env, policy, T, seed):
    runner = policy.start(env, 1)
    for _ in blocks(env, runner, T, 1, seed):
        pass
    return runner


def _direct(env, counts, b, lam=1.0):
    V = lam * np.eye(env.d) + (env.arms.T * counts) @ env.arms
    Vinv = np.linalg.inv(V)
    norm2 = np.einsum("kd,de,ke->k", env.arms, Vinv, env.arms)
    return V, Vinv, env.arms @ (Vinv @ b), norm2


# Horizons that are not multiples of refactor_every = 1000: the state compared is the
# incremental one, 537 rank-one updates after the last Cholesky refresh (537 < 1000: no
# refresh at all), not a fresh factorisation that would hide errors in the updates.
@pytest.mark.parametrize("T", [537, 100_537, 1_000_537])
def test_oful_statistics_match_direct_computation(T):
    env = LinearBandit(random_arms(20, 5, rng=1), random_arms(1, 5, rng=2)[0], noise_std=0.5)
    policy = OFUL()
    assert T % policy.refactor_every != 0
    runner = _drive(env, policy, T, 0)
    V, Vinv, est, norm2 = _direct(env, runner.counts[0], runner.b[0])
    assert runner.counts.sum() == T
    # Backward-stable inversion of V: relative error <= c d eps cond(V); c = 10 leaves room
    # for the < refactor_every rank-one updates since the last Cholesky refactorisation
    # (measured: at most 0.93 d eps cond(V), on norm2 at T = 537).
    tol = 10 * env.d * EPS * np.linalg.cond(V)
    assert np.abs(runner.Vinv[0] - Vinv).max() <= tol * np.abs(Vinv).max()
    theta = Vinv @ runner.b[0]
    assert np.abs(runner.theta_hat[0] - theta).max() <= tol * max(1.0, np.abs(theta).max())
    # log det sums log q_t with relative rounding ~eps each: 10 d eps log det (measured 2.2)
    assert abs(runner.logdet[0] - np.linalg.slogdet(V)[1]) <= tol * np.linalg.slogdet(V)[1]
    assert np.abs(runner.est[0] - est).max() <= tol * max(1.0, np.abs(est).max())
    assert np.all(np.abs(runner.norm2[0] - norm2) <= tol * norm2)


def test_refactorisation_bounds_the_drift_of_the_incremental_widths():
    env = LinearBandit(random_arms(20, 5, rng=1), random_arms(1, 5, rng=2)[0], noise_std=0.5)
    errors = []
    for every in (0, 1000):
        runner = _drive(env, OFUL(refactor_every=every), 100_000, 0)
        _, _, _, norm2 = _direct(env, runner.counts[0], runner.b[0])
        errors.append(np.max(np.abs(runner.norm2[0] - norm2) / norm2))
    # without refactorisation the subtracted w_k^2 / q terms accumulate rounding errors
    # (measured ~1e-11 here); with it the error is that of one Cholesky inverse (~1e-14).
    # Both are bounded: the drift is a random walk of 1e5 relative roundings of ~eps,
    # sqrt(1e5) * 1e3 eps ~ 7e-11 (the 1e3 covers cond(V) ~ 540), not a growing bias.
    assert errors[1] < errors[0] / 10
    assert errors[0] < 1e3 * np.sqrt(1e5) * EPS
    assert errors[1] < 1e-12


@pytest.mark.parametrize("refactor_every", [0, 1000])
def test_sherman_morrison_inverse_and_log_det_at_1e5_rounds(refactor_every):
    rng = np.random.default_rng(0)
    actions = rng.standard_normal((2, 100_000, 6)) / np.sqrt(6)
    Vinv, logdet, V = ridge_replay(actions, 0.5, refactor_every)
    for r in range(2):
        M = 0.5 * np.eye(6) + actions[r].T @ actions[r]
        # each rank-one update adds O(d eps) relative rounding; the errors of this
        # contracting recursion add up like a random walk, hence sqrt(T) (measured: 2e-14)
        tol = 10 * 6 * EPS * np.sqrt(1e5) * np.linalg.cond(M)
        np.testing.assert_allclose(V[r], M, rtol=1e-12)
        Minv = np.linalg.inv(M)
        assert np.abs(Vinv[r] - Minv).max() <= tol * np.abs(Minv).max()
        # log det sums 1e5 terms log q_t, each with relative rounding ~eps: error <= T eps log det
        assert abs(logdet[r] - np.linalg.slogdet(M)[1]) <= 1e5 * EPS * np.linalg.slogdet(M)[1]
