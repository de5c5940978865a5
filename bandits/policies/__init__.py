"""Bandit policies: immutable hyper-parameters plus batched kernels over runs.

* :class:`OFUL` (LinUCB with a shared parameter), :class:`LinTS`,
  :class:`EpsilonGreedy`: a shared ridge model.
* :class:`PhasedElimination`: G-optimal exploration and elimination.
* :class:`DisjointLinUCB`: one ridge model per arm.
* :class:`DynLinUCB`, :class:`DiscountedLinUCB`, :class:`Exp3`: dynamical linear
  bandits (OFUL there ignores the dynamics).
"""

from bandits.policies.disjoint import DisjointLinUCB
from bandits.policies.dynamical import DiscountedLinUCB, DynLinUCB, Exp3
from bandits.policies.elimination import PhasedElimination
from bandits.policies.ridge import OFUL, EpsilonGreedy, LinTS

__all__ = [
    "OFUL",
    "LinTS",
    "EpsilonGreedy",
    "PhasedElimination",
    "DisjointLinUCB",
    "DynLinUCB",
    "DiscountedLinUCB",
    "Exp3",
]
