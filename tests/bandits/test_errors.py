"""Bad input is rejected with errors that name the argument."""

import numpy as np
import pytest

import bandits
from bandits.envs import (
    ContextualLinearBandit,
    LinearBandit,
    TableBandit,
    UnitBallBandit,
    UnitSphereBandit,
)
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
    with pytest.raises(ValueError, match="device"), pytest.warns(DeprecationWarning):
        bandits.simulate(env, OFUL(), 10, n_runs=1, device="tpu")
    with pytest.raises(TypeError, match="env"):
        bandits.simulate(np.eye(2), OFUL(), 10, n_runs=1)
    with pytest.raises(TypeError, match="policy"):
        bandits.simulate(env, "OFUL", 10, n_runs=1)


@pytest.mark.parametrize("cls", [OFUL, LinTS, EpsilonGreedy, DisjointLinUCB, PhasedElimination])
def test_policy_class_instead_of_instance_says_what_to_pass(cls):
    env = LinearBandit(np.eye(2), np.ones(2))
    name = cls.__name__
    expected = rf"policy must be a policy instance such as {name}\(\), got the class {name}"
    with pytest.raises(TypeError, match=expected):
        bandits.simulate(env, cls, 10, n_runs=1)
    with pytest.raises(TypeError, match=expected):
        bandits.simulate_summary(env, cls, 10, n_runs=1)


def test_sweep_with_no_runs_raises_value_error():
    # checked before any grid point runs (issue 17, item 8), naming the argument
    env = LinearBandit(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="n_runs must be >= 1"):
        bandits.sweep(env, OFUL, {"scale": [1.0]}, 10, n_runs=0, rng=0)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("noise_std", [0.0, 1.0])
@pytest.mark.parametrize("d", [1, 3])
def test_phased_elimination_on_a_sphere_with_zero_theta(d, noise_std):
    # every action has mean 0: the regret is exactly 0, and the simulation ends
    env = UnitSphereBandit(np.zeros(d), noise_std=noise_std)
    res = bandits.simulate(env, PhasedElimination(), 3000, n_runs=4, rng=0)
    np.testing.assert_array_equal(res.regret, 0.0)


@pytest.mark.timeout(60)
def test_phased_elimination_when_the_design_has_no_variance_to_bound():
    # a noise level far below the true one makes the estimate's norm dwarf eps_l, so the
    # caps shrink towards a point and the designs degenerate; a pull count that is not a
    # positive finite number must not start new phases forever within one round
    env = UnitSphereBandit(np.zeros(3), noise_std=1.0)
    res = bandits.simulate(env, PhasedElimination(noise_std=1e-9), 2000, n_runs=2, rng=0)
    np.testing.assert_array_equal(res.regret, 0.0)


@pytest.mark.timeout(60)
def test_phased_elimination_on_all_zero_arms():
    # all arms have mean 0: any choice is optimal (this used to raise a Numba SystemError)
    env = LinearBandit(np.zeros((4, 3)), np.array([1.0, -2.0, 0.5]), noise_std=0.5)
    res = bandits.simulate(env, PhasedElimination(), 500, n_runs=3, rng=0)
    np.testing.assert_array_equal(res.regret, 0.0)
    assert np.all((res.arms >= 0) & (res.arms < 4))


@pytest.mark.timeout(60)
def test_phased_elimination_keeps_a_zero_arm_that_is_best():
    # theta points away from the only non-zero arm, so elimination keeps the zero arm
    # alone: a design on it has no variance to bound (rank 0); it is played from then on
    env = LinearBandit(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([-1.0, 0.0]), noise_std=0.1)
    res = bandits.simulate(env, PhasedElimination(), 5000, n_runs=2, rng=0)
    assert np.all(res.arms[:, -1000:] == 0)
    np.testing.assert_array_equal(res.regret[:, -1000:], 0.0)


@pytest.mark.parametrize(
    ("cls", "old", "new", "value"),
    [
        (OFUL, "sigma", "noise_std", 0.3),
        (LinTS, "sigma", "noise_std", 0.3),
        (PhasedElimination, "sigma", "noise_std", 0.3),
        (PhasedElimination, "max_iter", "max_steps", 50),
    ],
)
def test_retired_policy_arguments_still_work(cls, old, new, value):
    with pytest.warns(DeprecationWarning, match=old):
        policy = cls(**{old: value})
    assert policy == cls(**{new: value})


def test_retired_device_and_gen_still_work():
    env = LinearBandit(np.eye(3), np.array([0.1, 0.9, 0.3]), noise_std=0.1)
    new = bandits.simulate(env, OFUL(), 50, n_runs=2, rng=0)
    with pytest.warns(DeprecationWarning, match="device"):
        old = bandits.simulate(env, OFUL(), 50, n_runs=2, rng=0, device="cpu")
    np.testing.assert_array_equal(old.arms, new.arms)
    ctx = ContextualLinearBandit(np.ones(3), 4)
    with pytest.warns(DeprecationWarning, match="gen"):
        old_draw = ctx.draw(gen=np.random.default_rng(1), length=5)
    new_draw = ctx.draw(np.random.default_rng(1), 5)
    for key in new_draw:
        np.testing.assert_array_equal(old_draw[key], new_draw[key])


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
