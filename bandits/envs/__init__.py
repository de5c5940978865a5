"""Linear bandit environments, vectorised over runs by :func:`bandits.simulate`.

* :class:`LinearBandit`: a fixed finite arm set (K, d).
* :class:`ContextualLinearBandit`: K fresh arms every round.
* :class:`UnitBallBandit`, :class:`UnitSphereBandit`: continuous action sets
  whose best action is ``theta / ||theta||``.
* :class:`TableBandit`: logged features and rewards, replayed exactly.
* :class:`DynamicalLinearBandit`: a hidden linear state carries actions forward
  (:func:`budget_allocation_actions`, :func:`dlb_synthetic_bandit`,
  :func:`slow_dynamics_bandit`).
* :func:`sparse_theta`, :func:`random_arms`: random instances.

Every environment reports the exact expected regret of an action
(``expected_regret``), from which the simulator records pseudo-regret.
"""

from bandits.envs._base import Environment
from bandits.envs.ball import UnitBallBandit, UnitSphereBandit
from bandits.envs.dynamical import (
    DynamicalLinearBandit,
    budget_allocation_actions,
    dlb_synthetic_bandit,
    slow_dynamics_bandit,
)
from bandits.envs.finite import ContextualLinearBandit, LinearBandit
from bandits.envs.instances import random_arms, sparse_theta
from bandits.envs.table import TableBandit

__all__ = [
    "Environment",
    "LinearBandit",
    "ContextualLinearBandit",
    "UnitBallBandit",
    "UnitSphereBandit",
    "TableBandit",
    "random_arms",
    "sparse_theta",
    "DynamicalLinearBandit",
    "budget_allocation_actions",
    "dlb_synthetic_bandit",
    "slow_dynamics_bandit",
]
