"""The batched simulator: R independent runs of a policy on an environment, in lockstep.

Randomness. Run r draws from its own stream: ``gpu.backend.spawn(rng, R)[r]``
when ``R > 1``, and ``rng`` itself when ``R == 1``, so run r of a batch equals
``simulate(..., n_runs=1, rng=gpu.backend.spawn(rng, R)[r])`` bit for bit.
Each run's stream is split (spawned) into an environment stream (noise,
contexts) and a policy stream (Thompson samples, exploration coins), so two
policies given the same seed face the same noise. Draws are made per run in
blocks whose length depends on the environment only (never on R), and a
block is always drawn whole, so a shorter horizon is a prefix of a longer one.

Computation. Each block of rounds is one call of a Numba kernel with a
parallel loop over runs and a fixed sequential loop order inside each run,
which is what makes a run's bits independent of the batch around it.
"""

from __future__ import annotations

import contextlib

import numba
import numpy as np

from bandits.envs import Environment, TableBandit
from bandits.records import DynamicalSimulationResult, RegretSummary, SimulationResult
from gpu.backend import as_generator, asarray_like, has_gpu, is_cupy, spawn, to_device
from gpu.deprecation import renamed_arguments
from gpu.validate import check_choice, check_int, check_real


def _like_from_device(device):
    """The retired ``device=`` keyword as a ``like=`` array: None (CPU) or a CuPy array."""
    device = check_choice(device, "device", ("cpu", "gpu", "auto"))
    if device == "auto":
        device = "gpu" if has_gpu() else "cpu"
    # to_device raises RuntimeError without CuPy and a usable device
    return None if device == "cpu" else to_device(np.zeros(0), "gpu")


def _check_policy(policy):
    if isinstance(policy, type):
        name = policy.__name__
        raise TypeError(f"policy must be a policy instance such as {name}(), got the class {name}")
    if not callable(getattr(policy, "start", None)):
        raise TypeError(
            "policy must be a bandits.policies policy instance such as OFUL(), "
            f"got {type(policy).__name__}"
        )


def _check(env, policy, T, n_runs):
    if not isinstance(env, Environment):
        raise TypeError(f"env must be a bandits.envs environment, got {type(env).__name__}")
    _check_policy(policy)
    T = check_int(T, "T", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    if isinstance(env, TableBandit) and T > env.horizon:
        raise ValueError(f"T must be <= the table's {env.horizon} rounds, got {T}")
    return T, n_runs


def start_runner(policy, env, n_runs):
    """``policy.start(env, n_runs)``; on a dynamical environment the dynamical runner
    (:func:`bandits.policies.dynamical.start_dynamical`: OFUL becomes LinUCB that
    ignores the dynamics, a policy without a dynamical version is a ValueError)."""
    if getattr(env, "dynamical", False):
        from bandits.policies.dynamical import start_dynamical

        return start_dynamical(policy, env, n_runs)
    return policy.start(env, n_runs)


def run_streams(rng, n_runs):
    """Per-run (environment, policy) generators; see the module docstring."""
    runs = [as_generator(rng)] if n_runs == 1 else spawn(rng, n_runs)
    pairs = [spawn(g, 2) for g in runs]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _stack(blocks, n_runs, length, width):
    if width == 0:
        return np.zeros((n_runs, length, 1))
    return np.ascontiguousarray(np.stack(blocks)[:, :length])


@contextlib.contextmanager
def kernel_threads(n_runs):
    """Use at most ``n_runs`` Numba threads: idle workers of a parallel loop over fewer runs
    than threads only spin (and stall badly on a loaded machine)."""
    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(before, n_runs)))
    try:
        yield
    finally:
        numba.set_num_threads(before)


@renamed_arguments(device=("like", _like_from_device))
def blocks(env, runner, T, n_runs, rng, *, like=None):
    """Yield (t0, arm, reward, regret) for consecutive blocks of rounds.

    ``runner`` is ``policy.start(env, n_runs)``; it holds the state afterwards.
    With a CuPy array as ``like`` a runner that has a numba.cuda twin moves its
    state to the GPU and steps there.
    """
    if is_cupy(like):
        runner.to_gpu()
    env_streams, policy_streams = run_streams(rng, n_runs)
    B = env.block_length
    for t0 in range(0, T, B):
        nb = min(B, T - t0)
        draws = [env.draw(g, B) for g in env_streams]
        noise = np.zeros((n_runs, nb))
        if draws[0].get("noise") is not None:
            noise = np.ascontiguousarray(np.stack([d["noise"] for d in draws])[:, :nb])
        normals = [g.standard_normal((B, runner.n_normal)) for g in policy_streams]
        uniforms = [g.random((B, runner.n_uniform)) for g in policy_streams]
        arms, means = env.block(draws, t0, nb)
        normals = _stack(normals, n_runs, nb, runner.n_normal)
        uniforms = _stack(uniforms, n_runs, nb, runner.n_uniform)
        with kernel_threads(n_runs):
            out = runner.step(arms, means, noise, normals, uniforms, t0)
        yield (t0, *out)


@renamed_arguments(device=("like", _like_from_device))
def simulate(env, policy, T, *, n_runs, rng=None, like=None) -> SimulationResult:
    """Simulate ``n_runs`` independent runs of ``policy`` on ``env`` for ``T`` rounds.

    Parameters
    ----------
    env : bandits.envs.Environment
        The problem (finite, contextual, unit ball/sphere, table or dynamical).
    policy : bandits.policies policy
        A policy instance, for example ``bandits.policies.OFUL()`` (not the class).
    T : int
        Horizon, ``>= 1``.
    n_runs : int
        Number of independent runs R, ``>= 1``.
    rng : None, int or numpy.random.Generator
        Parent stream; run r uses ``gpu.backend.spawn(rng, R)[r]`` (``rng``
        itself when R = 1), so run r of a batch equals a single run seeded
        with that stream, bit for bit on the CPU.
    like : array, optional
        The record follows ``like``'s namespace and device (the environment
        holds its arrays on the host, so it cannot say). A CuPy array runs OFUL,
        LinTS, epsilon-greedy and disjoint LinUCB on finite, contextual or table
        arm sets with the numba.cuda twins of the CPU kernels (state held as
        CuPy arrays; draws are still made on the host, so run r sees the same
        noise) and returns the record as CuPy arrays; phased elimination and the
        unit ball/sphere run on the CPU kernels and only the record moves to the
        GPU. GPU results match the CPU's up to FMA contraction, not bit for bit.
        ``None`` (default) or a NumPy array: NumPy on the CPU. The retired
        ``device={"cpu", "gpu", "auto"}`` still works, with a DeprecationWarning.

    Returns
    -------
    SimulationResult
        ``arms``, ``rewards``, ``regret`` and ``cumulative_regret``, each (R, T).
        On a :class:`bandits.envs.DynamicalLinearBandit`, a
        :class:`bandits.records.DynamicalSimulationResult` that adds
        ``steady_state_gain``, ``best_action`` and ``best_arm``; its regret is
        measured through the steady-state gain (Mussi et al., ICML 2023).

    Raises
    ------
    ValueError
        For ``T < 1``, ``n_runs < 1``, a policy that does not fit the
        environment, or T beyond a table's length.
    RuntimeError
        For the retired ``device="gpu"`` without CuPy and a usable CUDA device.
    TypeError
        For a non-environment ``env``, or a ``policy`` that is not a policy
        instance (the class ``OFUL`` instead of ``OFUL()``, for example).

    References
    ----------
    T. Lattimore and C. Szepesvari, *Bandit Algorithms*, CUP 2020, Sec. 19.1
    (pseudo-regret).

    Examples
    --------
    >>> import numpy as np
    >>> from bandits.envs import LinearBandit
    >>> from bandits.policies import OFUL
    >>> env = LinearBandit(np.eye(3), np.array([0.1, 0.9, 0.3]), noise_std=0.1)
    >>> res = simulate(env, OFUL(), 200, n_runs=4, rng=0)
    >>> res.regret.shape, bool(np.all(np.diff(res.cumulative_regret, axis=1) >= 0))
    ((4, 200), True)
    """
    T, n_runs = _check(env, policy, T, n_runs)
    arms = np.empty((n_runs, T), dtype=np.int64)
    rewards = np.empty((n_runs, T))
    regret = np.empty((n_runs, T))
    runner = start_runner(policy, env, n_runs)
    for t0, arm, reward, reg in blocks(env, runner, T, n_runs, rng, like=like):
        nb = arm.shape[1]
        arms[:, t0 : t0 + nb] = arm
        rewards[:, t0 : t0 + nb] = reward
        regret[:, t0 : t0 + nb] = reg
    fields = {
        "arms": arms,
        "rewards": rewards,
        "regret": regret,
        "cumulative_regret": np.cumsum(regret, axis=1),
    }
    fields = {k: asarray_like(v, like) for k, v in fields.items()}
    if getattr(env, "dynamical", False):
        return DynamicalSimulationResult(
            **fields,
            steady_state_gain=asarray_like(env.steady_state_gain.copy(), like),
            best_action=asarray_like(env.best_action.copy(), like),
            best_arm=env.best_arm,
        )
    return SimulationResult(**fields)


def simulate_summary(
    env, policy, T, *, n_runs, rng=None, levels=(0.1, 0.5, 0.9), every=1
) -> RegretSummary:
    """Like :func:`simulate`, but keeps per-round summaries over runs instead of histories.

    Memory is O(R B + (T / every) q) instead of O(R T): use it for long
    horizons and many runs. Run r is the same run as in :func:`simulate` with
    the same arguments.

    Parameters
    ----------
    env, policy, T, n_runs, rng
        As in :func:`simulate`.
    levels : sequence of float
        Quantile levels in [0, 1] of the cumulative regret to keep.
    every : int
        Keep rounds ``every, 2 every, ...`` and the last round.

    Returns
    -------
    RegretSummary

    Raises
    ------
    ValueError
        As :func:`simulate`, and for levels outside [0, 1] or ``every < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from bandits.envs import LinearBandit
    >>> from bandits.policies import OFUL
    >>> env = LinearBandit(np.eye(3), np.array([0.1, 0.9, 0.3]), noise_std=0.1)
    >>> s = simulate_summary(env, OFUL(), 1000, n_runs=8, rng=0, every=100)
    >>> int(s.rounds[-1]), s.cumulative_regret_quantiles.shape
    (1000, (3, 10))
    """
    T, n_runs = _check(env, policy, T, n_runs)
    every = check_int(every, "every", minimum=1)
    levels = np.asarray([check_real(q, "levels", low=0.0, high=1.0) for q in levels])
    keep = np.unique(np.append(np.arange(every, T + 1, every), T))
    cum = np.zeros(n_runs)
    mean_regret, mean_cum, quants = [], [], []
    for t0, _, _, reg in blocks(env, start_runner(policy, env, n_runs), T, n_runs, rng):
        block_cum = cum[:, None] + np.cumsum(reg, axis=1)
        cum = block_cum[:, -1].copy()
        rounds = np.arange(t0 + 1, t0 + reg.shape[1] + 1)
        sel = np.isin(rounds, keep)
        if np.any(sel):
            mean_regret.append(reg[:, sel].mean(axis=0))
            mean_cum.append(block_cum[:, sel].mean(axis=0))
            quants.append(np.quantile(block_cum[:, sel], levels, axis=0))
    return RegretSummary(
        rounds=keep,
        mean_regret=np.concatenate(mean_regret),
        mean_cumulative_regret=np.concatenate(mean_cum),
        levels=levels,
        cumulative_regret_quantiles=np.concatenate(quants, axis=1),
        final_cumulative_regret=cum,
    )
