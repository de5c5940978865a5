"""A logged bandit: per-round features and a full table of rewards, replayed exactly."""

from __future__ import annotations

import numpy as np

from bandits.envs._base import Environment, as_host_matrix, per_round_features_block_length
from gpu.backend import to_numpy
from gpu.deprecation import renamed_arguments


class TableBandit(Environment):
    """Bandit given by a table: round t shows ``features[t]`` and arm k pays ``rewards[t, k]``.

    Every run sees the same rounds, so policies can be compared with reference
    implementations on identical feedback ("same arms given the same rewards").
    The regret of arm k in round t is ``max_j rewards[t, j] - rewards[t, k]``.

    Parameters
    ----------
    features : array, shape (T, K, d) or (T, d)
        Per-arm features of each round, or one context per round shared by all
        arms (the setting of per-arm models such as disjoint LinUCB).
    rewards : array, shape (T, K)
        Realised rewards.

    Raises
    ------
    ValueError
        On mismatched shapes, empty axes or NaN/inf values.

    Examples
    --------
    >>> import numpy as np
    >>> env = TableBandit(np.ones((5, 2)), np.zeros((5, 3)))
    >>> env.n_arms, env.horizon
    (3, 5)
    """

    def __init__(self, features, rewards):
        rewards = as_host_matrix(rewards, "rewards", 2)
        features = to_numpy(features)
        features = as_host_matrix(features, "features", getattr(features, "ndim", 2))
        if features.ndim not in (2, 3):
            raise ValueError(f"features must be 2-D or 3-D, got shape {features.shape}")
        if features.shape[0] != rewards.shape[0] or (
            features.ndim == 3 and features.shape[1] != rewards.shape[1]
        ):
            raise ValueError(
                f"features {features.shape} and rewards {rewards.shape} must agree on T (and K)"
            )
        super().__init__(np.zeros(features.shape[-1]), 0.0, "gaussian")
        self.features = features
        self.rewards = rewards
        self.n_arms = int(rewards.shape[1])
        self.horizon = int(rewards.shape[0])

    @property
    def theta_norm(self) -> float:
        """Unknown for a table; 1.0 is used as the default bound S."""
        return 1.0

    @property
    def block_length(self) -> int:
        return per_round_features_block_length(self.n_arms, self.d)

    @renamed_arguments(gen="rng")
    def draw(self, rng, length):
        """Nothing: a table holds all its randomness."""
        return {}

    def block(self, draws, t0, length):
        feats = self.features[t0 : t0 + length]
        if feats.ndim == 2:
            feats = np.broadcast_to(feats[:, None, :], (length, self.n_arms, self.d))
        arms = np.ascontiguousarray(feats)[None]
        return arms, self.rewards[None, t0 : t0 + length]

    def expected_regret(self, chosen, rounds):
        """Regret of arm indices ``chosen`` in rounds ``rounds`` (same shape)."""
        rows = self.rewards[to_numpy(rounds)]
        chosen = to_numpy(chosen)
        return rows.max(axis=-1) - np.take_along_axis(rows, chosen[..., None], -1)[..., 0]
