"""Shared pieces of the distributed algorithms: environment views and regret timelines."""

from __future__ import annotations

import math

import numpy as np

from bandits._kernels.distributed import _add_segments
from gpu.backend import as_generator, spawn
from gpu.validate import check_int


def check_setting(env, horizon, n_agents, n_runs):
    """Validate the common arguments; return ``(horizon, n_agents, n_runs)`` as ints."""
    if not (getattr(env, "continuous", False) or getattr(env, "fixed_arms", False)):
        raise ValueError(f"env must be a unit-ball or fixed-arm linear bandit, got {env!r}")
    if getattr(env, "continuous", False) and not getattr(env, "ball", False):
        raise ValueError(f"env must be the unit ball, not the sphere, got {env!r}")
    if env.noise != "gaussian":
        raise ValueError(
            "env.noise must be 'gaussian': phase sums of n rewards are drawn exactly as "
            "n mu + sqrt(n) noise_std z"
        )
    horizon = check_int(horizon, "horizon", minimum=2)
    n_agents = check_int(n_agents, "n_agents", minimum=1)
    n_runs = check_int(n_runs, "n_runs", minimum=1)
    return horizon, n_agents, n_runs


def run_streams(rng, n_runs):
    """Run r's generator: ``spawn(rng, R)[r]``, or ``rng`` itself when R = 1 (simulator rule)."""
    return [as_generator(rng)] if n_runs == 1 else spawn(rng, n_runs)


def best_mean(env):
    """Mean reward of the best action: ||theta|| on the ball, max_k <a_k, theta> on arms."""
    return env.theta_norm if env.continuous else float(env.means.max())


def greedy_gaps(env, theta_hat):
    """Gap of the greedy action for estimates ``theta_hat`` (..., d)."""
    if env.continuous:
        norm = np.linalg.norm(theta_hat, axis=-1, keepdims=True)
        unit = np.where(norm > 0, theta_hat / np.where(norm > 0, norm, 1.0), 0.0)
        return env.theta_norm - unit @ env.theta
    best = np.argmax(theta_hat @ env.arms.T, axis=-1)
    return env.means.max() - env.means[best]


def log2_ceil(n):
    """ceil(log2 n) bits to index one of n >= 1 items (0 for a single item)."""
    return int(math.ceil(math.log2(n))) if n > 1 else 0


class Timeline:
    """Per-round network regret of every run, filled segment by segment."""

    def __init__(self, n_runs, horizon):
        self.rate = np.zeros((n_runs, horizon))
        self.rows = []

    def add(self, run, start, length, value):
        """Queue segments (arrays of equal length): ``length`` rounds at ``value`` regret."""
        run, start, length, value = np.broadcast_arrays(
            np.asarray(run, np.int64),
            np.asarray(start, np.int64),
            np.asarray(length, np.int64),
            np.asarray(value, np.float64),
        )
        keep = length > 0
        self.rows.append((run[keep], start[keep], length[keep], value[keep]))

    def cumulative(self):
        """Apply the queued segments; return the cumulative regret (n_runs, T)."""
        if self.rows:
            parts = [np.concatenate(col) for col in zip(*self.rows, strict=True)]
            _add_segments(self.rate, *parts)
        return np.cumsum(self.rate, axis=1)
