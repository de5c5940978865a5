"""Disjoint LinUCB chooses the same arms as mabwiser's LinUCB given the same rewards."""

import numpy as np
import pytest

import bandits
from bandits.envs import TableBandit
from bandits.policies import DisjointLinUCB

mabwiser = pytest.importorskip("mabwiser.mab")


def mabwiser_arms(contexts, rewards, alpha, lam):
    """Replay a reward table through mabwiser's LinUCB, one round at a time."""
    T, K = rewards.shape
    mab = mabwiser.MAB(
        arms=list(range(K)),
        learning_policy=mabwiser.LearningPolicy.LinUCB(alpha=alpha, l2_lambda=lam),
    )
    # round 0: every untrained arm scores alpha ||x|| / sqrt(lam); argmax ties go to arm 0
    chosen = [0]
    mab.fit(decisions=[0], rewards=[rewards[0, 0]], contexts=contexts[:1])
    for t in range(1, T):
        arm = mab.predict(contexts[t : t + 1])
        chosen.append(arm)
        mab.partial_fit(decisions=[arm], rewards=[rewards[t, arm]], contexts=contexts[t : t + 1])
    return np.array(chosen)


# lam = 1 only: mabwiser initialises an untrained arm's A_inv to lam * I instead of I / lam
# (mabwiser/linear.py, _RidgeRegression.init), so for lam != 1 its first scores differ.
@pytest.mark.parametrize(
    ("K", "d", "alpha", "seed"), [(5, 4, 1.0, 0), (8, 3, 0.3, 1), (50, 20, 1.0, 2)]
)
def test_same_arms_as_mabwiser(K, d, alpha, seed):
    lam = 1.0
    rng = np.random.default_rng(seed)
    T = 250
    contexts = rng.standard_normal((T, d))
    thetas = rng.standard_normal((K, d))
    rewards = contexts @ thetas.T + 0.1 * rng.standard_normal((T, K))
    env = TableBandit(contexts, rewards)
    ours = bandits.simulate(env, DisjointLinUCB(alpha=alpha, lam=lam), T, n_runs=1, rng=0)
    theirs = mabwiser_arms(contexts, rewards, alpha, lam)
    np.testing.assert_array_equal(ours.arms[0], theirs)
    assert len(np.unique(theirs)) > 1  # the comparison exercises real choices
