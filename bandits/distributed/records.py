"""Result record of the distributed bandit algorithms: regret and exact bit counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu.records import Record


@dataclass(frozen=True)
class CommunicationResult(Record):
    """Regret and per-message bit counts of a batched multi-agent run.

    Attributes
    ----------
    cumulative_regret : numpy.ndarray, shape (n_runs, T)
        Network pseudo-regret (summed over the M agents) accumulated to round t.
    uplink_bits : numpy.ndarray of int64, shape (n_runs, n_phases, M)
        Bits of each agent's upload in each phase (0 where nothing was sent).
    downlink_bits : numpy.ndarray of int64, shape (n_runs, n_phases)
        Bits the server broadcast in each phase.
    phases : numpy.ndarray of int64, shape (n_runs,)
        Phases started before the horizon ran out.
    """

    cumulative_regret: Any
    uplink_bits: Any
    downlink_bits: Any
    phases: Any

    def uplink_per_agent(self):
        """Total uplink bits per agent, averaged over agents, one value per run (n_runs,).

        This is the uplink cost of Salgia and Zhao (ICML 2023): bits sent by one agent.
        """
        return self.uplink_bits.sum(axis=1).mean(axis=1)

    def downlink_total(self):
        """Total bits broadcast by the server, one value per run (n_runs,)."""
        return self.downlink_bits.sum(axis=1)

    def final_regret(self):
        """Cumulative regret at the horizon, one value per run (n_runs,)."""
        return self.cumulative_regret[:, -1]


def pad_phases(rows, dtype=np.int64):
    """Stack per-phase arrays (each (n_runs, ...)) along axis 1, (n_runs, n_phases, ...)."""
    if not rows:
        return np.zeros((0, 0), dtype=dtype)
    return np.stack(rows, axis=1).astype(dtype)
