"""Regret behaviour: exact pseudo-regret bookkeeping, sublinear growth, elimination."""

import numpy as np
import pytest

import bandits
from bandits.envs import (
    ContextualLinearBandit,
    LinearBandit,
    TableBandit,
    UnitBallBandit,
    random_arms,
)
from bandits.policies import OFUL, EpsilonGreedy, LinTS, PhasedElimination
from gpu.cpu.bandits_ball import _max_norm_in_ellipsoid


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


@pytest.mark.parametrize("seed", range(5))
def test_optimistic_parameter_maximises_the_norm_on_the_ellipsoid(seed):
    rng = np.random.default_rng(seed)
    d = 4
    M = rng.standard_normal((d, d))
    V = M @ M.T + 0.5 * np.eye(d)
    theta_hat = rng.standard_normal(d) * (seed != 0)  # seed 0: theta_hat = 0, the hard case
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
