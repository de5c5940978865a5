"""The federated linear bandit: M clients, each with its own K arms, one shared theta."""

from __future__ import annotations

import numpy as np

from bandits.envs._base import as_theta
from gpu.backend import as_generator
from gpu.validate import check_choice, check_int, check_real


class FederatedLinearBandit:
    r"""M clients, each with its own K arms :math:`x_{i,k}`; reward :math:`x^\top\theta + \eta`.

    ``contexts="fixed"``: the synthetic instance of Fed-PE (Huang et al., NeurIPS
    2021; code ``Ruiquan5514/Federated-Linear-Contextual-Bandits``,
    ``SyntheticProblem.py``): arms uniform on the unit sphere, drawn once per
    client. ``contexts="stream"``: ROBIN's setting (Huang et al., ICML 2023), every
    client sees K fresh arms uniform on the sphere every round (drawn by the
    algorithm's ``rng``). Gaussian noise in both.

    Parameters
    ----------
    theta : array, shape (d,)
        Shared parameter.
    n_clients : int
        M >= 1.
    n_arms : int
        K >= 1 arms per client.
    noise_std : float
        Reward noise std, > 0.
    contexts : {"fixed", "stream"}
        Arms drawn once per client, or afresh every round.
    rng : None, int or numpy.random.Generator
        Draws the fixed arms.

    Raises
    ------
    ValueError
        For ``n_clients < 1`` (M), ``n_arms < 1``, ``noise_std <= 0`` or a bad ``theta``.

    Examples
    --------
    >>> env = FederatedLinearBandit(np.array([0.6, 0.8, 0.0]), 4, 5, rng=0)
    >>> env.arms.shape, env.gaps.shape
    ((4, 5, 3), (4, 5))
    """

    def __init__(self, theta, n_clients, n_arms, noise_std=1.0, *, contexts="fixed", rng=None):
        self.theta = as_theta(theta)
        M = check_int(n_clients, "n_clients (M)", minimum=1)
        K = check_int(n_arms, "n_arms", minimum=1)
        self.noise_std = check_real(noise_std, "noise_std", low=0.0, low_inclusive=False)
        self.contexts = check_choice(contexts, "contexts", ("fixed", "stream"))
        x = as_generator(rng).standard_normal((M, K, self.theta.shape[0]))
        self.arms = x / np.linalg.norm(x, axis=2, keepdims=True)
        self.means = self.arms @ self.theta
        self.gaps = self.means.max(axis=1, keepdims=True) - self.means

    @property
    def d(self):
        """Dimension d."""
        return int(self.theta.shape[0])

    @property
    def n_clients(self):
        """M."""
        return int(self.arms.shape[0])

    @property
    def n_arms(self):
        """K."""
        return int(self.arms.shape[1])
