"""Bad input is rejected with errors that name the argument."""

import numpy as np
import pytest

import bandits
from bandits.envs import ContextualLinearBandit, LinearBandit, TableBandit, UnitBallBandit
from bandits.policies import OFUL, DisjointLinUCB, EpsilonGreedy, LinTS, PhasedElimination


def test_no_arms():
    with pytest.raises(ValueError, match="arms"):
        LinearBandit(np.zeros((0, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="n_arms"):
        ContextualLinearBandit(np.ones(3), n_arms=0)


def test_mismatched_dimension():
    with pytest.raises(ValueError, match="theta must have length d = 3"):
        LinearBandit(np.eye(3), np.ones(4))


def test_nan_features():
    arms = np.eye(3)
    arms[1, 2] = np.nan
    with pytest.raises(ValueError, match="arms must be finite"):
        LinearBandit(arms, np.ones(3))
    with pytest.raises(ValueError, match="theta must be finite"):
        LinearBandit(np.eye(2), np.array([np.inf, 0.0]))
    with pytest.raises(ValueError, match="features must be finite"):
        TableBandit(np.full((4, 2), np.nan), np.zeros((4, 3)))


@pytest.mark.parametrize("lam", [0.0, -1.0])
def test_lambda_must_be_positive(lam):
    for cls in (OFUL, LinTS, EpsilonGreedy, DisjointLinUCB):
        with pytest.raises(ValueError, match="lam"):
            cls(lam=lam)


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1, 1.5])
def test_delta_in_open_unit_interval(delta):
    for cls in (OFUL, LinTS, PhasedElimination):
        with pytest.raises(ValueError, match="delta"):
            cls(delta=delta)


def test_horizon_and_runs():
    env = LinearBandit(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="T must be >= 1"):
        bandits.simulate(env, OFUL(), 0, n_runs=1)
    with pytest.raises(TypeError, match="T must be an integer"):
        bandits.simulate(env, OFUL(), 10.5, n_runs=1)
    with pytest.raises(ValueError, match="n_runs"):
        bandits.simulate(env, OFUL(), 10, n_runs=0)
    with pytest.raises(ValueError, match="device"):
        bandits.simulate(env, OFUL(), 10, n_runs=1, device="tpu")
    with pytest.raises(TypeError, match="env"):
        bandits.simulate(np.eye(2), OFUL(), 10, n_runs=1)
    with pytest.raises(TypeError, match="policy"):
        bandits.simulate(env, "OFUL", 10, n_runs=1)


def test_other_parameters():
    with pytest.raises(ValueError, match="noise_std"):
        LinearBandit(np.eye(2), np.ones(2), noise_std=-1.0)
    with pytest.raises(ValueError, match="noise"):
        LinearBandit(np.eye(2), np.ones(2), noise="cauchy")
    with pytest.raises(ValueError, match="scale"):
        OFUL(scale=-1.0)
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonGreedy(epsilon=-0.1)
    with pytest.raises(ValueError, match="refactor_every"):
        OFUL(refactor_every=-1)
    with pytest.raises(TypeError, match="refactor_every"):
        OFUL(refactor_every=1.5)


def test_policy_environment_mismatch():
    ball = UnitBallBandit(np.ones(3))
    with pytest.raises(ValueError, match="finite arm set"):
        bandits.simulate(ball, DisjointLinUCB(), 10, n_runs=1)
    ctx = ContextualLinearBandit(np.ones(3), 4)
    with pytest.raises(ValueError, match="fixed arm set"):
        bandits.simulate(ctx, PhasedElimination(), 10, n_runs=1)
    table = TableBandit(np.ones((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="T must be <= the table's 5 rounds"):
        bandits.simulate(table, OFUL(), 6, n_runs=1)


def test_table_shapes():
    with pytest.raises(ValueError, match="agree"):
        TableBandit(np.ones((5, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="agree"):
        TableBandit(np.ones((5, 2, 2)), np.zeros((5, 3)))
