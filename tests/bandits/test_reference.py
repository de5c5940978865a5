"""OFUL and greedy choices against a direct NumPy implementation (explicit inverses, slogdet)."""

import math

import numpy as np
import pytest

import bandits
from bandits.envs import LinearBandit, TableBandit, random_arms
from bandits.policies import OFUL, EpsilonGreedy


def reference_oful(features, reward_of, T, lam, delta, S, sigma, scale):
    """Abbasi-Yadkori et al. (2011) Alg. 1 with the Thm. 2 radius, recomputed from scratch."""
    d = features(0).shape[1]
    V = lam * np.eye(d)
    b = np.zeros(d)
    chosen = []
    for t in range(T):
        A = features(t)
        Vinv = np.linalg.inv(V)
        theta_hat = Vinv @ b
        logdet = np.linalg.slogdet(V)[1]
        beta = sigma * math.sqrt(2 * math.log(1 / delta) + logdet - d * math.log(lam))
        beta = scale * (beta + math.sqrt(lam) * S)
        widths = np.sqrt(np.einsum("kd,de,ke->k", A, Vinv, A))
        k = int(np.argmax(A @ theta_hat + beta * widths))
        chosen.append(k)
        a = A[k]
        V += np.outer(a, a)
        b += reward_of(t, k) * a
    return np.array(chosen)


@pytest.mark.parametrize("scale", [1.0, 0.2, 0.0])
def test_oful_on_fixed_arms_matches_direct_computation(scale):
    env = LinearBandit(random_arms(15, 4, rng=3), random_arms(1, 4, rng=4)[0], noise_std=0.3)
    T = 400
    res = bandits.simulate(env, OFUL(scale=scale, refactor_every=50), T, n_runs=1, rng=7)
    noise = res.rewards[0] - env.means[res.arms[0]]  # the environment's noise, arm-independent
    ref = reference_oful(
        lambda t: env.arms, lambda t, k: env.means[k] + noise[t], T, 1.0, 0.05,
        env.theta_norm, 0.3, scale,
    )  # fmt: skip
    np.testing.assert_array_equal(res.arms[0], ref)


def test_oful_on_changing_arms_matches_direct_computation():
    rng = np.random.default_rng(0)
    T, K, d = 300, 6, 3
    features = rng.standard_normal((T, K, d)) / math.sqrt(d)
    rewards = features @ np.array([0.5, -0.2, 0.8]) + 0.2 * rng.standard_normal((T, K))
    env = TableBandit(features, rewards)
    policy = OFUL(lam=2.0, delta=0.1, S=1.0, noise_std=0.2)
    res = bandits.simulate(env, policy, T, n_runs=1, rng=0)
    ref = reference_oful(
        lambda t: features[t], lambda t, k: rewards[t, k], T, 2.0, 0.1, 1.0, 0.2, 1
    )
    np.testing.assert_array_equal(res.arms[0], ref)


def test_greedy_matches_direct_ridge():
    env = LinearBandit(random_arms(10, 3, rng=5), random_arms(1, 3, rng=6)[0], noise_std=0.3)
    T = 300
    res = bandits.simulate(env, EpsilonGreedy(epsilon=0.0, lam=0.5), T, n_runs=1, rng=1)
    noise = res.rewards[0] - env.means[res.arms[0]]
    ref = reference_oful(
        lambda t: env.arms, lambda t, k: env.means[k] + noise[t], T, 0.5, 0.5, 0.0, 0.0, 0.0
    )
    np.testing.assert_array_equal(res.arms[0], ref)
