"""Federated linear bandits with user-level differential privacy.

* :class:`Robin` (Huang et al., ICML 2023): user-level central or local DP.
* :class:`FedPE` (Huang et al., NeurIPS 2021): the non-private reference, with bit costs.
* :class:`FederatedLinearBandit`: M clients with their own arms and a shared theta.
* :func:`gaussian_noise_std`, :func:`privacy_loss_delta`, :func:`split_budget`,
  :class:`PrivacyLedger`: the accounting.
"""

from bandits.federated.env import FederatedLinearBandit
from bandits.federated.privacy import (
    PrivacyLedger,
    gaussian_noise_std,
    privacy_loss_delta,
    split_budget,
)
from bandits.federated.robin import FederatedResult, FedPE, Robin

__all__ = [
    "Robin",
    "FedPE",
    "FederatedLinearBandit",
    "FederatedResult",
    "PrivacyLedger",
    "gaussian_noise_std",
    "privacy_loss_delta",
    "split_budget",
]
