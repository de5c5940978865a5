"""Distributed linear bandits under communication constraints, with exact bit accounting.

* :class:`ProgressiveLearningAndSharing` (PLS; Salgia and Zhao, ICML 2023).
* :class:`DistributedElimination` (DELB; Wang et al., ICLR 2020), reals costed
  at ceil(log2(M T)) bits as Salgia and Zhao do.
* :func:`stochastic_quantize`: unbiased stochastic rounding with a bit count.

Fed-PE, the third baseline, is :class:`bandits.federated.FedPE`.
"""

from bandits.distributed.delb import DistributedElimination
from bandits.distributed.pls import ProgressiveLearningAndSharing
from bandits.distributed.quantize import (
    QuantizedMessage,
    grid_levels,
    levels_for_bits,
    message_bits,
    stochastic_quantize,
)
from bandits.distributed.records import CommunicationResult

__all__ = [
    "ProgressiveLearningAndSharing",
    "DistributedElimination",
    "stochastic_quantize",
    "QuantizedMessage",
    "grid_levels",
    "levels_for_bits",
    "message_bits",
    "CommunicationResult",
]
