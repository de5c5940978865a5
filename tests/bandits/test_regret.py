"""Regret behaviour: exact pseudo-regret bookkeeping, sublinear growth, elimination."""

import numpy as np
import pytest

import bandits
from bandits._kernels.ball import _max_norm_in_ellipsoid
from bandits.envs import (
    ContextualLinearBandit,
    LinearBandit,
    TableBandit,
    UnitBallBandit,
    random_arms,
)
from bandits.policies import OFUL, EpsilonGreedy, LinTS, PhasedElimination


def test_recorded_regret_is_the_environments_expected_regret(finite_env):
    res = bandits.simulate(finite_env, LinTS(v=0.5), 400, n_runs=3, rng=0)
    np.testing.assert_array_equal(res.regret, finite_env.expected_regret(res.arms))
    np.testing.assert_allclose(res.cumulative_regret, np.cumsum(res.regret, axis=1))
    assert res.arms.dtype == np.int64 and res.arms.min() >= 0


def test_contextual_and_ball_regret_are_exact():
    theta = random_arms(1, 3, rng=0)[0]
    env = UnitBallBandit(theta, noise_std=0.0)
    res = bandits.simulate(env, EpsilonGreedy(epsilon=1.0), 50, n_runs=2, rng=1)
    # noiseless: reward = <a, theta>, so regret = ||theta|| - reward exactly
    np.testing.assert_allclose(res.regret, env.theta_norm - res.rewards, atol=1e-15)
    assert np.all(res.arms == -1) and np.all(res.regret >= -1e-15)
    ctx = ContextualLinearBandit(theta, 5, noise_std=0.0)
    res = bandits.simulate(ctx, OFUL(), 50, n_runs=2, rng=1)
    assert np.all(res.regret >= 0) and np.any(res.regret > 0)


def test_table_regret_is_exact():
    rng = np.random.default_rng(0)
    env = TableBandit(rng.standard_normal((60, 4, 3)), rng.standard_normal((60, 4)))
    res = bandits.simulate(env, OFUL(), 60, n_runs=2, rng=0)
    rounds = np.broadcast_to(np.arange(60), res.arms.shape)
    np.testing.assert_array_equal(res.regret, env.expected_regret(res.arms, rounds))
    np.testing.assert_array_equal(res.rewards, env.rewards[rounds, res.arms])


def test_oful_regret_grows_like_sqrt_t_log_t():
    # Fixed instance: K = 20 arms on the sphere in d = 5, noise 0.5. Minimax theory gives
    # regret = O(d sqrt(T log T)); the ratio regret(T) / sqrt(T log T) over T = 1e3..1e5 must
    # stay bounded (a linear-regret policy would grow it tenfold).
    env = LinearBandit(random_arms(20, 5, rng=1), random_arms(1, 5, rng=2)[0], noise_std=0.5)
    res = bandits.simulate_summary(env, OFUL(), 100_000, n_runs=4, rng=0, every=1000)
    mean = dict(zip(res.rounds.tolist(), res.mean_cumulative_regret, strict=True))
    ratios = [mean[T] / np.sqrt(T * np.log(T)) for T in (1000, 10_000, 100_000)]
    assert max(ratios) <= 1.5 * ratios[0]
    assert ratios[2] < ratios[0]  # instance-dependent regret is even logarithmic
    # and a policy with linear regret (uniform exploration) fails the same check
    uni = bandits.simulate_summary(env, EpsilonGreedy(epsilon=1.0), 10_000, n_runs=2, rng=0)
    assert uni.mean_cumulative_regret[-1] / np.sqrt(1e4 * np.log(1e4)) > 3 * ratios[0]


def test_phased_elimination_commits_to_the_best_arm():
    # Gap >= 0.2 between the best arm and the rest, low noise: after phase l with
    # 2 eps_l < gap all sub-optimal arms are gone (w.p. >= 1 - delta).
    arms = np.vstack([np.eye(4), 0.5 * np.eye(4)[:2] + 0.5 * np.eye(4)[2:]])
    theta = np.array([1.0, 0.8, 0.5, 0.2])
    env = LinearBandit(arms, theta, noise_std=0.1)
    res = bandits.simulate(env, PhasedElimination(delta=0.01), 20_000, n_runs=4, rng=0)
    assert np.all(res.arms[:, -2000:] == 0)
    assert np.all(res.regret[:, -2000:] == 0)


def test_greedy_directions_on_the_ball_approach_theta():
    theta = np.array([0.6, -0.8, 0.0])
    env = UnitBallBandit(theta, noise_std=0.1)
    res = bandits.simulate(env, LinTS(v=0.1), 3000, n_runs=2, rng=0)
    assert np.all(res.regret[:, -500:].mean(axis=1) < 0.01)


@pytest.mark.parametrize("seed", range(7))
def test_optimistic_parameter_maximises_the_norm_on_the_ellipsoid(seed):
    rng = np.random.default_rng(seed)
    d = 4
    M = rng.standard_normal((d, d))
    V = M @ M.T + 0.5 * np.eye(d)
    theta_hat = rng.standard_normal(d) * (seed != 0)  # seed 0: theta_hat = 0, the hard case
    if seed >= 5:  # (nearly) orthogonal to the smallest eigenvector: hard or near-hard case
        u = np.linalg.eigh(V)[1][:, 0]
        theta_hat = 0.05 * (theta_hat - (theta_hat @ u) * u) + (seed - 5) * 1e-14 * u
    beta = 0.7
    out = np.empty(d)
    _max_norm_in_ellipsoid(V, theta_hat, beta, out)
    diff = out - theta_hat
    np.testing.assert_allclose(diff @ V @ diff, beta**2, rtol=1e-8)  # on the boundary
    # no boundary point is farther from the origin: sample the boundary densely
    u = rng.standard_normal((200_000, d))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    L = np.linalg.cholesky(np.linalg.inv(V))
    pts = theta_hat + beta * u @ L.T
    assert np.linalg.norm(pts, axis=1).max() <= np.linalg.norm(out) * (1 + 1e-12)
    assert np.linalg.norm(out) - np.linalg.norm(pts, axis=1).max() < 1e-3


def test_lints_posterior_scale():
    # Two arms e_1, e_2, lam = 1, all rewards 1. After round 0 pulled arm k0 (reward 1), round 1
    # samples theta_k0 ~ N(1/2, v^2/2) and the other coordinate ~ N(0, v^2), so LinTS repeats k0
    # with probability Phi((1/2) / (v sqrt(3/2))). Over R runs the empirical frequency has
    # standard error sqrt(p (1 - p) / R); we allow 4 of them.
    from scipy.stats import norm

    v, R = 0.8, 20_000
    env = TableBandit(np.broadcast_to(np.eye(2), (2, 2, 2)).copy(), np.ones((2, 2)))
    res = bandits.simulate(env, LinTS(v=v), 2, n_runs=R, rng=0)
    p = norm.cdf(0.5 / (v * np.sqrt(1.5)))
    freq = np.mean(res.arms[:, 1] == res.arms[:, 0])
    assert abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / R)
    # round 0 is a fair coin between the two arms
    assert abs(np.mean(res.arms[:, 0] == 0) - 0.5) <= 4 * np.sqrt(0.25 / R)


def test_epsilon_greedy_exploration_rate():
    # With eps_t = min(1, 0.6 t^-1/2), round t explores w.p. eps_t and then picks each of the
    # K = 4 arms w.p. 1/4. All rewards are 1: in runs that pulled only arm 0 so far, arm 0 has
    # the only positive estimate, so P(arm_t != 0 | arms_0..t-1 = 0) = eps_t * 3/4 (t 0-based,
    # eps_t uses t + 1). Binomial tolerance: 4 standard errors.
    env = TableBandit(np.broadcast_to(np.eye(4), (5, 4, 4)).copy(), np.ones((5, 4)))
    R = 20_000
    res = bandits.simulate(env, EpsilonGreedy(epsilon=0.6, power=0.5), 5, n_runs=R, rng=1)
    for t in (1, 2, 3, 4):
        only_zero = np.all(res.arms[:, :t] == 0, axis=1)
        p = min(1.0, 0.6 / np.sqrt(t + 1)) * 3 / 4
        freq = np.mean(res.arms[only_zero, t] != 0)
        assert abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / only_zero.sum())
