"""ROBIN's privatizer and accounting, and Fed-PE (Huang et al., ICML 2023 / NeurIPS 2021)."""

import math

import numpy as np
import pytest

from bandits.federated import (
    FederatedLinearBandit,
    FedPE,
    Robin,
    gaussian_noise_std,
    privacy_loss_delta,
    split_budget,
)
from bandits.federated._engine import phase_lengths
from gpu.backend import spawn

THETA = np.array([0.6, 0.8, 0.0])


def test_noise_scale_matches_the_gaussian_mechanism_formula():
    for eps, delta, sens in [(0.9, 1e-5, 2.0), (0.3, 1e-3, 0.07), (0.05, 0.5, 1.0)]:
        expected = sens * math.sqrt(2 * math.log(1.25 / delta)) / eps
        classic = gaussian_noise_std(eps, delta, sens, method="classic")
        assert classic == pytest.approx(expected, rel=1e-15)
        assert gaussian_noise_std(eps, delta, sens) <= classic


@pytest.mark.parametrize("eps", [0.1, 1.0, 8.0, 100.0])
def test_analytic_noise_meets_the_exact_privacy_profile(eps):
    # Balle and Wang (2018), Thm. 8: delta(sigma) = Phi(D/2s - e s/D) - e^eps Phi(-D/2s - e s/D)
    # is decreasing in sigma; the calibrated sigma attains delta exactly.
    delta, sens = 1e-5, 0.7
    s = gaussian_noise_std(eps, delta, sens)
    a, b = sens / (2 * s), eps * s / sens
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))
    assert phi(a - b) - math.exp(eps) * phi(-a - b) == pytest.approx(delta, rel=1e-6)
    assert privacy_loss_delta(0.99 * s, eps, sens) > delta


def test_ledger_composes_to_the_reported_sum_and_stays_within_budget():
    env = FederatedLinearBandit(THETA, 8, 4, rng=0)
    for mode in ("central", "local"):
        res = Robin(epsilon=2.0, delta=1e-4, mode=mode, first_phase=8).run(env, 1000, rng=1)
        led = res.privacy
        assert led.epsilon == pytest.approx(led.epsilon_per_phase.sum(), rel=1e-15)
        assert led.delta == pytest.approx(led.delta_per_phase.sum(), rel=1e-15)
        # the budget is split over the phases that release (all but the last)
        L = len(phase_lengths(1000, 8))
        eps_l, delta_l = split_budget(2.0, 1e-4, L - 1)
        assert len(led.epsilon_per_phase) == L - 1
        assert np.all(led.epsilon_per_phase == eps_l) and led.epsilon == pytest.approx(2.0)
        assert np.all(led.delta_per_phase == delta_l) and led.delta == pytest.approx(1e-4)
        # each phase's two releases at (eps_l / 2, delta_l / 2), calibrated to its sensitivity
        np.testing.assert_allclose(
            led.noise_std_per_phase,
            [gaussian_noise_std(eps_l / 2, delta_l / 2, s) for s in led.sensitivity_per_phase],
        )


def test_local_sensitivity_is_M_times_central():
    env = FederatedLinearBandit(THETA, 10, 4, rng=0)
    c = Robin(mode="central").run(env, 500, rng=1).privacy
    lo = Robin(mode="local").run(env, 500, rng=1).privacy
    np.testing.assert_allclose(lo.sensitivity_per_phase, 10 * c.sensitivity_per_phase)


@pytest.mark.parametrize("alg", [FedPE(), Robin(epsilon=50.0)])
def test_batched_runs_equal_single_runs(alg):
    env = FederatedLinearBandit(THETA, 6, 5, rng=2)
    batch = alg.run(env, 1500, n_runs=3, rng=4)
    for i, stream in enumerate(spawn(4, 3)):
        one = alg.run(env, 1500, n_runs=1, rng=stream)
        np.testing.assert_array_equal(one.cumulative_regret[0], batch.cumulative_regret[i])


def test_first_phase_regret_is_the_design_regret_exactly():
    # Phase 1 has no estimate: every client spreads n_1 pulls over its G-optimal design on all
    # arms; with d = K = 3 orthonormal arms the design is uniform, so n_1 = 30 pulls give
    # 10 pulls per arm and a network regret of 10 * sum(gaps) per client.
    env = FederatedLinearBandit(THETA, 4, 3, rng=0)
    env.arms = np.broadcast_to(np.eye(3), (4, 3, 3)).copy()
    env.means = env.arms @ THETA
    env.gaps = env.means.max(axis=1, keepdims=True) - env.means
    res = FedPE(first_phase=30).run(env, 30, n_runs=2, rng=0)
    np.testing.assert_allclose(res.cumulative_regret[:, -1], 4 * 10 * env.gaps[0].sum())


def test_fedpe_beats_uniform_play_and_privacy_costs_regret():
    env = FederatedLinearBandit(THETA, 50, 8, rng=3)
    T = 2048
    fed = FedPE().run(env, T, n_runs=3, rng=0).final_regret()
    uniform = T * env.gaps.mean(axis=1).sum()
    assert np.all(fed < 0.2 * uniform)
    strict = Robin(epsilon=0.5).run(env, T, n_runs=3, rng=0).final_regret()
    assert strict.mean() > fed.mean()


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        Robin(epsilon=0.0)
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        gaussian_noise_std(-1.0, 0.1, 1.0)
    with pytest.raises(ValueError, match="epsilon must be < 1 for the classic"):
        gaussian_noise_std(2.0, 0.1, 1.0, method="classic")
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="delta must be"):
            Robin(delta=bad)
    with pytest.raises(ValueError, match=r"n_clients \(M\) must be >= 1"):
        FederatedLinearBandit(THETA, 0, 4)
    with pytest.raises(ValueError, match="mode"):
        Robin(mode="shuffle")
    with pytest.raises(ValueError, match="env must be"):
        FedPE().run(object(), 10)


def test_context_streams_batched_equals_single_and_fedpe_learns():
    env = FederatedLinearBandit(THETA, 5, 6, contexts="stream")
    for alg in (FedPE(), Robin(epsilon=100.0, mode="local")):
        batch = alg.run(env, 600, n_runs=2, rng=9)
        for i, stream in enumerate(spawn(9, 2)):
            one = alg.run(env, 600, n_runs=1, rng=stream)
            np.testing.assert_array_equal(one.cumulative_regret[0], batch.cumulative_regret[i])
    # A uniformly random arm among K = 6 fresh sphere arms has expected regret
    # E[max_k x_k.theta] - 0, estimated here from 20,000 draws; Fed-PE must be far below it.
    x = np.random.default_rng(0).standard_normal((20_000, 6, 3))
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    uniform = (x @ THETA).max(axis=1).mean()
    T = 4096
    res = FedPE().run(FederatedLinearBandit(THETA, 20, 6, contexts="stream"), T, rng=1)
    assert res.final_regret()[0] < 0.25 * uniform * 20 * T
