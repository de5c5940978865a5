"""PLS, DELB and the stochastic quantiser (Salgia and Zhao, ICML 2023)."""

import math

import numpy as np
import pytest

from bandits.distributed import (
    DistributedElimination,
    ProgressiveLearningAndSharing,
    grid_levels,
    levels_for_bits,
    message_bits,
    stochastic_quantize,
)
from bandits.envs import LinearBandit, UnitBallBandit, UnitSphereBandit, random_arms
from gpu.backend import spawn


def _theta(d, seed=0):
    th = np.random.default_rng(seed).standard_normal(d)
    return th / np.linalg.norm(th)


def test_quantiser_is_unbiased_within_three_standard_errors():
    x = np.array([0.31, -0.77, 0.05, 0.999, -0.5])
    n = 20_000
    q = stochastic_quantize(np.tile(x, (n, 1)), 1.0, resolution=0.5, rng=3)
    mean = q.values.mean(axis=0)
    se = q.values.std(axis=0, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(mean - x) <= 3 * np.maximum(se, 1e-12))


def test_quantiser_grid_step_and_bits():
    x = np.random.default_rng(1).uniform(-2, 2, size=(500, 6))
    q = stochastic_quantize(x, 2.0, resolution=0.3, code="fixed", rng=0)
    assert q.levels == grid_levels(2.0, 0.3, 6) == 2 * math.ceil(2.0 * math.sqrt(6) / 0.3) + 1
    assert q.levels % 2 == 1
    assert np.isclose(q.step, 4.0 / (q.levels - 1))
    assert np.all(np.abs(q.values - x) < q.step + 1e-12)
    assert np.all(np.linalg.norm(q.values - x, axis=1) <= 0.3 + 1e-12)
    assert np.all(q.bits == 6 * math.ceil(math.log2(q.levels)))
    assert q.indices.min() >= 0 and q.indices.max() <= q.levels - 1


def test_unary_bits_count_offsets_exactly():
    idx = np.array([[3, 3, 3], [0, 6, 4]])
    # centre 3: offsets (0,0,0) -> 3 bits; (3,3,1) -> (4+1)+(4+1)+(2+1) = 13 bits
    assert message_bits(idx, 7, "unary").tolist() == [3, 13]


def test_bit_budget_picks_the_grid_and_rejects_too_small():
    q = stochastic_quantize(np.zeros(5), 1.0, bits=20, code="fixed", rng=0)
    assert q.levels == levels_for_bits(20, 5) == 15
    assert int(q.bits) <= 20
    with pytest.raises(ValueError, match="bits=9 is too small for any grid"):
        stochastic_quantize(np.zeros(5), 1.0, bits=9)
    with pytest.raises(ValueError, match="exactly one of resolution and bits"):
        stochastic_quantize(np.zeros(5), 1.0)
    with pytest.raises(ValueError, match="radius"):
        stochastic_quantize(np.zeros(5), 0.0, resolution=0.1)
    with pytest.raises(TypeError, match="complex"):
        stochastic_quantize(np.zeros(2, complex), 1.0, resolution=0.1)


@pytest.mark.parametrize("alg", [ProgressiveLearningAndSharing(), DistributedElimination()])
@pytest.mark.parametrize("ball", [True, False])
def test_batched_runs_equal_single_runs(alg, ball):
    th = _theta(4)
    env = UnitBallBandit(th) if ball else LinearBandit(random_arms(15, 4, rng=2), th)
    batch = alg.run(env, 30_000, n_agents=3, n_runs=3, rng=7)
    for i, child in enumerate(spawn(7, 3)):
        one = alg.run(env, 30_000, n_agents=3, n_runs=1, rng=child)
        np.testing.assert_array_equal(one.cumulative_regret[0], batch.cumulative_regret[i])
        n = one.uplink_bits.shape[1]
        np.testing.assert_array_equal(one.uplink_bits[0], batch.uplink_bits[i, :n])
        np.testing.assert_array_equal(one.downlink_bits[0], batch.downlink_bits[i, :n])


def test_pls_exploration_regret_matches_the_closed_form():
    # Unit ball, d = 3, M = 2: phase 1 pulls each basis vector ceil(d s_1 / d) = s_1 times;
    # the network regret of those rounds is M s_1 sum_i (||theta|| - theta_i), exactly.
    th = np.array([0.6, 0.8, 0.0])
    env = UnitBallBandit(th)
    M, T = 2, 50_000
    res = ProgressiveLearningAndSharing().run(env, T, n_agents=M, n_runs=2, rng=0)
    s1 = math.ceil(6.0 * 4 * 3 * math.log(M * math.log2(T)))
    expected = M * s1 * np.sum(1.0 - th)
    np.testing.assert_allclose(res.cumulative_regret[:, 3 * s1 - 1], expected)
    assert np.all(np.diff(res.cumulative_regret, axis=1) >= -1e-12)


def test_pls_learns_and_counts_bits_per_direction():
    th = _theta(5, 1)
    env = UnitBallBandit(th)
    res = ProgressiveLearningAndSharing().run(env, 200_000, n_agents=4, n_runs=2, rng=1)
    # after exploration the greedy action is near optimal: late regret rate << exploration rate
    late = (res.cumulative_regret[:, -1] - res.cumulative_regret[:, -1001]) / 1000
    assert np.all(late < 0.05 * 4)
    assert res.uplink_bits.shape[2] == 4 and np.all(res.uplink_bits[:, 0] >= 5)
    assert np.all(res.downlink_total() >= 5)


def test_delb_costs_reals_at_ceil_log2_MT_bits():
    env = UnitBallBandit(_theta(3))
    M, T = 2, 100_000
    res = DistributedElimination().run(env, T, n_agents=M, rng=0)
    real = math.ceil(math.log2(M * T))
    assert np.all(res.uplink_bits % real == 0)
    assert np.all((res.downlink_bits[res.downlink_bits > 0] - 3 * real) >= 0)


def test_bad_input_is_named():
    env = UnitBallBandit(_theta(3))
    with pytest.raises(ValueError, match="n_agents must be >= 1"):
        ProgressiveLearningAndSharing().run(env, 1000, n_agents=0)
    with pytest.raises(ValueError, match="C must be > 0"):
        ProgressiveLearningAndSharing(C=0)
    with pytest.raises(ValueError, match="sphere"):
        DistributedElimination().run(UnitSphereBandit(_theta(3)), 1000, n_agents=2)
    with pytest.raises(ValueError, match="noise_std must be > 0"):
        ProgressiveLearningAndSharing().run(UnitBallBandit(_theta(3), 0.0), 1000, n_agents=2)
