"""Dynamical linear bandits (Mussi, Metelli and Restelli, ICML 2023): environment and policies."""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog

import bandits
from bandits._kernels.dynamical import block_length
from bandits.envs import (
    DynamicalLinearBandit,
    LinearBandit,
    budget_allocation_actions,
    dlb_synthetic_bandit,
    slow_dynamics_bandit,
)
from bandits.policies import OFUL, DiscountedLinUCB, DynLinUCB, Exp3, LinTS
from bandits.policies.dynamical import transient_constant
from bandits.simulator import run_streams
from gpu.backend import spawn

POLICIES = {
    "dynlinucb": lambda: DynLinUCB(),
    "linucb": lambda: OFUL(),
    "dlinucb": lambda: DiscountedLinUCB(gamma=0.99),
    "exp3": lambda: Exp3(gamma=0.2),
}


def random_system(rng, n=4, d=3, rho=0.8):
    """A dense (non-normal) stable A with spectral radius rho, random B, omega, theta."""
    g = np.random.default_rng(rng)
    A = g.standard_normal((n, n))
    A *= rho / np.max(np.abs(np.linalg.eigvals(A)))
    arms = budget_allocation_actions(d, 1.5)
    return A, g.standard_normal((n, d)), g.standard_normal(n), g.standard_normal(d), arms


def constant_action_reward(A, B, omega, theta, u, steps=3000):
    """Noise-free reward after holding ``u`` for ``steps`` rounds from x = 0."""
    x = np.zeros(A.shape[0])
    for _ in range(steps):
        x = A @ x + B @ u
    return omega @ x + theta @ u


# ---------------------------------------------------------------- environment


def test_steady_state_gain_and_best_action_match_simulating_each_action():
    A, B, omega, theta, arms = random_system(0)
    env = DynamicalLinearBandit(A, B, omega, theta, arms, noise_std=0.1)
    steady = np.array([constant_action_reward(A, B, omega, theta, u) for u in arms])
    np.testing.assert_allclose(env.means, steady, rtol=1e-10, atol=1e-12)
    direct = theta + np.linalg.solve(np.eye(4) - A, B).T @ omega
    np.testing.assert_allclose(env.steady_state_gain, direct, rtol=1e-12)
    assert env.best_arm == int(np.argmax(steady))
    np.testing.assert_array_equal(env.best_action, arms[np.argmax(steady)])
    np.testing.assert_allclose(env.expected_regret(np.arange(6)), steady.max() - steady, atol=1e-10)


def test_authors_synthetic_config():
    env = dlb_synthetic_bandit(0.01)
    np.testing.assert_allclose(env.steady_state_gain, [0.45 / 0.8, 0.5, 0.1 + 0.01 / 0.9])
    assert env.best_action.tolist() == [1.0, 0.5, 0.0]
    assert env.spectral_radius == pytest.approx(0.2)
    assert env.noise_std == pytest.approx(math.sqrt(3) * 0.01) and env.state_noise_std == 0.01


def test_budget_polytope_vertices():
    perms = sorted(set(itertools.permutations((1.0, 0.5, 0.0))))
    assert budget_allocation_actions(3, 1.5).tolist() == [list(p) for p in perms]
    g = np.random.default_rng(0)
    for total, eq in (("equal", True), ("at_most", False)):
        V = budget_allocation_actions(4, 1.7, low=0.1, high=0.8, total=total)
        for _ in range(20):
            c = g.standard_normal(4)
            kw = {"A_eq": np.ones((1, 4)), "b_eq": [1.7]} if eq else {
                "A_ub": np.ones((1, 4)), "b_ub": [1.7]}  # fmt: skip
            lp = linprog(-c, bounds=[(0.1, 0.8)] * 4, **kw)
            assert np.max(V @ c) == pytest.approx(-lp.fun, abs=1e-9)


@pytest.mark.parametrize(
    "A",
    [
        [[0.0, -1.2], [1.2, 0.0]],  # eigenvalues +-1.2i: largest real part 0
        [[0.5, -0.9], [0.9, 0.5]],  # 0.5 +- 0.9i: real part 0.5 < 1, modulus 1.03
        [[1.0, 0.0], [0.0, 0.3]],
    ],
)
def test_unstable_A_is_rejected_by_modulus(A):
    assert np.max(np.linalg.eigvals(np.asarray(A)).real) < 1.0 or A[0][0] == 1.0
    with pytest.raises(ValueError, match=r"A must be stable.*max\|eig\(A\)\|"):
        DynamicalLinearBandit(A, np.eye(2), [1.0, 1.0], [0.0, 0.0], np.eye(2))


@pytest.mark.parametrize(
    "kwargs, exc, name",
    [
        ({"A": np.ones((2, 3))}, ValueError, "A must be square"),
        ({"B": np.ones((2, 3))}, ValueError, "B must have shape"),
        ({"omega": np.ones(3)}, ValueError, "omega must have length"),
        ({"theta": np.ones(3)}, ValueError, "theta must have length"),
        ({"arms": np.ones(2)}, ValueError, "arms must be 2-D"),
        ({"A": np.eye(2) * (0.5 + 0.1j)}, TypeError, "A must be a real"),
        ({"omega": [np.nan, 1.0]}, ValueError, "omega must be finite"),
        ({"noise_std": -1.0}, ValueError, "noise_std must be >= 0"),
        ({"state_noise_std": -1.0}, ValueError, "state_noise_std must be >= 0"),
        ({"noise": "cauchy"}, ValueError, "noise must be one of"),
    ],
)
def test_bad_environment_inputs_are_named(kwargs, exc, name):
    args = {"A": 0.5 * np.eye(2), "B": np.eye(2), "omega": np.ones(2), "theta": np.ones(2),
            "arms": np.eye(2)}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(exc, match=name):
        DynamicalLinearBandit(**args)


def test_bad_budget_and_policy_inputs_are_named():
    with pytest.raises(ValueError, match="budget must be reachable"):
        budget_allocation_actions(3, 5.0)
    with pytest.raises(ValueError, match="low must be < high"):
        budget_allocation_actions(3, 1.0, low=1.0, high=1.0)
    with pytest.raises(ValueError, match="rho must be < 1"):
        DynLinUCB(rho=1.0)
    with pytest.raises(ValueError, match="rho must be < 1"):
        slow_dynamics_bandit(rho=1.0)
    with pytest.raises(ValueError, match="lam must be > 0"):
        DynLinUCB(lam=0.0)
    with pytest.raises(ValueError, match="gamma must be < 1"):
        DiscountedLinUCB(gamma=1.0)
    with pytest.raises(ValueError, match="gamma must be > 0"):
        Exp3(gamma=0.0)
    env = slow_dynamics_bandit(rho=0.9)
    with pytest.raises(ValueError, match="rho must bound the spectral radius"):
        bandits.simulate(env, DynLinUCB(rho=0.5), 10, n_runs=1)
    with pytest.raises(ValueError, match="policy LinTS does not run on a Dynamical"):
        bandits.simulate(env, LinTS(), 10, n_runs=1)
    plain = LinearBandit(np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="DynLinUCB needs a bandits.envs.DynamicalLinearBandit"):
        bandits.simulate(plain, DynLinUCB(), 10, n_runs=1)


# ---------------------------------------------------------------- simulator


def _replay(env, arms_played, rng, T):
    """Rewards of a played arm sequence, from the same per-run noise stream, in plain NumPy."""
    gen = run_streams(rng, 1)[0][0]
    B = env.block_length  # draws come in whole blocks
    noise = np.concatenate([env.draw(gen, B)["noise"] for _ in range(0, T, B)])[:T]
    x = np.zeros(env.n_state)
    rewards = []
    for t, k in enumerate(arms_played):
        u = env.arms[k]
        rewards.append(env.omega @ x + env.theta @ u + noise[t, 0])
        x = env.A @ x + env.B @ u + noise[t, 1:]
    return np.array(rewards)


@pytest.mark.parametrize("name", list(POLICIES))
def test_kernel_dynamics_and_regret_match_a_plain_replay(name):
    A, B, omega, theta, arms = random_system(1)
    env = DynamicalLinearBandit(A, B, omega, theta, arms, noise_std=0.3, state_noise_std=0.2)
    res = bandits.simulate(env, POLICIES[name](), 600, n_runs=1, rng=5)
    assert isinstance(res, bandits.records.DynamicalSimulationResult)
    np.testing.assert_allclose(res.rewards[0], _replay(env, res.arms[0], 5, 600), atol=1e-9)
    np.testing.assert_allclose(res.regret[0], env.means.max() - env.means[res.arms[0]])
    np.testing.assert_array_equal(res.steady_state_gain, env.steady_state_gain)
    np.testing.assert_array_equal(res.best_action, env.best_action)


@pytest.mark.parametrize("name", list(POLICIES))
def test_batched_runs_equal_single_runs(name):
    env = dlb_synthetic_bandit(0.1)
    R, T = 5, 700
    batch = bandits.simulate(env, POLICIES[name](), T, n_runs=R, rng=11)
    for r, g in enumerate(spawn(11, R)):
        one = bandits.simulate(env, POLICIES[name](), T, n_runs=1, rng=g)
        np.testing.assert_array_equal(batch.arms[r], one.arms[0])
        np.testing.assert_array_equal(batch.rewards[r], one.rewards[0])
        np.testing.assert_array_equal(batch.regret[r], one.regret[0])
    summary = bandits.simulate_summary(env, POLICIES[name](), T, n_runs=R, rng=11, every=100)
    # the summary sums block by block: equal up to the order of the additions
    np.testing.assert_allclose(summary.final_cumulative_regret, batch.cumulative_regret[:, -1])


def _reference_dynlinucb(env, policy, T, rng):
    """DynLin-UCB written from the paper / the authors' agents.py with NumPy inverses."""
    gen_env, gen_pol = (s[0] for s in run_streams(rng, 1))
    B = env.block_length
    noise = np.concatenate([env.draw(gen_env, B)["noise"] for _ in range(0, T, B)])[:T]
    unif = np.concatenate([gen_pol.random((B, 1)) for _ in range(0, T, B)])[:T, 0]
    rho, lam, d = env.spectral_radius, policy.lam, env.d
    Theta, Omega = np.linalg.norm(env.theta), np.linalg.norm(env.omega)
    Bn, Phi = np.linalg.norm(env.B, 2), transient_constant(env.A, rho)
    U = np.max(np.linalg.norm(env.arms, axis=1))
    c1 = Theta + Omega * Bn * Phi / (1 - rho)
    c2 = U * Omega * Phi * (U * Bn / (1 - rho) + U / (1 - rho))
    sbar2 = env.noise_std**2 + (Omega * Phi * env.state_noise_std) ** 2 / (1 - rho**2)
    V, b, x = lam * np.eye(d), np.zeros(d), np.zeros(env.n_state)
    played, t, m = [], 0, 1
    while t < T:
        if t == 0:
            k = min(int(unif[0] * len(env.arms)), len(env.arms) - 1)
        else:
            Vinv = np.linalg.inv(V)
            inside = np.log(1 / policy.delta) + d / 2 * np.log(1 + t * U**2 / (d * lam))
            beta = c1 * np.sqrt(lam) + c2 / np.sqrt(lam) * np.log(np.e * (t + 1))
            beta += np.sqrt(2 * sbar2 * inside)
            width = np.sqrt(np.einsum("kd,de,ke->k", env.arms, Vinv, env.arms))
            k = int(np.argmax(env.arms @ (Vinv @ b) + beta * width))
        H = 1 + math.floor(math.log(m) / math.log(1 / rho))
        n_play = min(H, T - t)
        for _ in range(n_play):
            u = env.arms[k]
            y = env.omega @ x + env.theta @ u + noise[t, 0]
            x = env.A @ x + env.B @ u + noise[t, 1:]
            played.append(k)
            t += 1
        if n_play == H:  # only the reward at the end of a completed block is learnt
            V += np.outer(u, u)
            b += y * u
        m += 1
    return np.array(played)


def test_dynlinucb_matches_a_reference_implementation_and_block_schedule():
    env = slow_dynamics_bandit(0.1, rho=0.7)
    policy = DynLinUCB(scale=1.0)
    T = 1500
    res = bandits.simulate(env, policy, T, n_runs=1, rng=3)
    np.testing.assert_array_equal(res.arms[0], _reference_dynlinucb(env, policy, T, 3))
    starts = np.cumsum([0] + [block_length(0.7, m) for m in range(1, T)])
    changes = np.flatnonzero(np.diff(res.arms[0])) + 1
    assert set(changes) <= set(starts.tolist())
    assert [block_length(0.5, m) for m in (1, 2, 3, 4, 8)] == [1, 2, 2, 3, 4]
    assert block_length(0.0, 10**6) == 1


def test_exp3_with_full_mixing_plays_uniformly():
    env = dlb_synthetic_bandit(0.01)
    res = bandits.simulate(env, Exp3(gamma=1.0), 2000, n_runs=4, rng=0)
    counts = np.bincount(res.arms.ravel(), minlength=6)
    n, p = res.arms.size, 1 / 6
    assert np.all(np.abs(counts - n * p) < 4 * math.sqrt(n * p * (1 - p)))


def test_dynlinucb_beats_linucb_when_dynamics_are_slow():
    """rho = 0.9: LinUCB settles on the instantaneously best split (steady-state gap 0.65)."""
    env = slow_dynamics_bandit(0.01, rho=0.9)
    T, R = 10_000, 12
    dyn = bandits.simulate_summary(env, DynLinUCB(), T, n_runs=R, rng=0, every=T)
    lin = bandits.simulate_summary(env, OFUL(), T, n_runs=R, rng=0, every=T)
    d, li = dyn.final_cumulative_regret, lin.final_cumulative_regret
    assert li.min() > 0.6 * T  # linear regret: ~0.65 per round
    assert d.max() < li.min()
    assert li.mean() - d.mean() > 10 * (d.std() + li.std())


def test_discounted_linucb_matches_a_reference_implementation():
    """Russac et al. (2019), Alg. 1, written with NumPy inverses (a generic system: the
    authors' symmetric one produces exact UCB ties, broken differently by rounding)."""
    env = DynamicalLinearBandit(*random_system(3), noise_std=0.3)
    pol = DiscountedLinUCB(gamma=0.95, lam=0.5)
    T = 800
    res = bandits.simulate(env, pol, T, n_runs=1, rng=4)
    gen_env, gen_pol = (s[0] for s in run_streams(4, 1))
    B = env.block_length
    noise = np.concatenate([env.draw(gen_env, B)["noise"] for _ in range(0, T, B)])[:T]
    first = gen_pol.random((B, 1))[0, 0]
    g, lam, d = pol.gamma, pol.lam, env.d
    S, U2 = np.linalg.norm(env.steady_state_gain), np.max(np.sum(env.arms**2, axis=1))
    V, Vt, b, x = lam * np.eye(d), lam * np.eye(d), np.zeros(d), np.zeros(env.n_state)
    for t in range(T):
        if t == 0:
            k = min(int(first * len(env.arms)), len(env.arms) - 1)
        else:
            Vinv = np.linalg.inv(V)
            inside = 2 * np.log(1 / pol.delta) + d * np.log(
                1 + U2 * (1 - g ** (2 * t)) / (lam * d * (1 - g**2)))  # fmt: skip
            beta = np.sqrt(lam) * S + env.noise_std * np.sqrt(inside)
            M = Vinv @ Vt @ Vinv
            width = np.sqrt(np.einsum("kd,de,ke->k", env.arms, M, env.arms))
            k = int(np.argmax(env.arms @ (Vinv @ b) + beta * width))
        assert res.arms[0, t] == k, t
        u = env.arms[k]
        y = env.omega @ x + env.theta @ u + noise[t, 0]
        x = env.A @ x + env.B @ u + noise[t, 1:]
        V = g * V + np.outer(u, u) + (1 - g) * lam * np.eye(d)
        Vt = g**2 * Vt + np.outer(u, u) + (1 - g**2) * lam * np.eye(d)
        b = g * b + y * u
