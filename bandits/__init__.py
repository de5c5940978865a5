"""linproj.bandits: linear bandit environments, policies and a batched simulator.

>>> import numpy as np, bandits
>>> from bandits.envs import LinearBandit, random_arms
>>> env = LinearBandit(random_arms(20, 5, rng=0), np.ones(5) / np.sqrt(5), noise_std=0.5)
>>> res = bandits.simulate(env, bandits.policies.OFUL(), 500, n_runs=16, rng=1)
>>> res.cumulative_regret.shape
(16, 500)
"""

from bandits import distributed, envs, federated, policies
from bandits.design import g_optimal_design
from bandits.records import (
    DynamicalSimulationResult,
    GOptimalDesign,
    RegretSummary,
    SimulationResult,
)
from bandits.simulator import simulate, simulate_summary
from bandits.sweep import SweepResult, sweep

__all__ = [
    "envs",
    "federated",
    "distributed",
    "policies",
    "simulate",
    "simulate_summary",
    "sweep",
    "SweepResult",
    "g_optimal_design",
    "SimulationResult",
    "DynamicalSimulationResult",
    "RegretSummary",
    "GOptimalDesign",
]
