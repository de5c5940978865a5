"""Run r of a batch equals the same run simulated alone, bit for bit (issue contract)."""

import numpy as np
import pytest

import bandits
from bandits.policies import OFUL, DisjointLinUCB, EpsilonGreedy, LinTS, PhasedElimination
from gpu.backend import spawn

POLICIES = {
    "oful": OFUL(refactor_every=100),
    "lints": LinTS(v=0.5, refactor_every=100),
    "eps": EpsilonGreedy(epsilon=0.2, power=0.5),
    "elim": PhasedElimination(delta=0.2),
    "disjoint": DisjointLinUCB(alpha=0.5, refactor_every=7),
}
CASES = [
    (kind, name)
    for kind in ("finite", "bounded", "sparse", "contextual", "ball", "sphere")
    for name in POLICIES
    if not (name == "disjoint" and kind in ("ball", "sphere"))
    and not (name == "elim" and kind == "contextual")
]


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_batched_run_equals_single_run(env_factory, kind, name):
    env = env_factory(kind)
    policy = POLICIES[name]
    T, R, seed = 300, 3, 11  # T crosses the 256-round block boundary
    batch = bandits.simulate(env, policy, T, n_runs=R, rng=seed)
    for r, stream in enumerate(spawn(seed, R)):
        single = bandits.simulate(env, policy, T, n_runs=1, rng=stream)
        np.testing.assert_array_equal(batch.arms[r], single.arms[0])
        np.testing.assert_array_equal(batch.rewards[r], single.rewards[0])
        np.testing.assert_array_equal(batch.regret[r], single.regret[0])


def test_shorter_horizon_is_a_prefix(finite_env):
    long = bandits.simulate(finite_env, LinTS(v=0.5), 600, n_runs=2, rng=5)
    short = bandits.simulate(finite_env, LinTS(v=0.5), 100, n_runs=2, rng=5)
    np.testing.assert_array_equal(long.arms[:, :100], short.arms)
    np.testing.assert_array_equal(long.rewards[:, :100], short.rewards)


def test_same_seed_same_result_and_policies_share_noise(finite_env):
    a = bandits.simulate(finite_env, OFUL(), 200, n_runs=2, rng=3)
    b = bandits.simulate(finite_env, OFUL(), 200, n_runs=2, rng=3)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    c = bandits.simulate(finite_env, EpsilonGreedy(), 200, n_runs=2, rng=3)
    # common random numbers: reward - mean is the environment's noise, identical across policies
    noise_a = a.rewards - finite_env.means[a.arms]
    noise_c = c.rewards - finite_env.means[c.arms]
    np.testing.assert_allclose(noise_a, noise_c, rtol=0, atol=1e-14)
