"""Finite-arm linear bandits: a fixed arm set, or a fresh one every round."""

from __future__ import annotations

import numpy as np

from bandits._kernels.dense import _arm_means
from bandits.envs._base import Environment, as_host_matrix, per_round_features_block_length
from gpu.backend import as_generator, namespace, to_numpy
from gpu.deprecation import renamed_arguments
from gpu.validate import check_choice, check_int

FEATURES = ("gaussian", "sphere")


class LinearBandit(Environment):
    r"""Finite-arm linear bandit: arm k pays :math:`\langle a_k, \theta\rangle + \eta_t`.

    Parameters
    ----------
    arms : array, shape (K, d)
        Arm features, ``K >= 1``, finite (NumPy or CuPy; kept on the host).
    theta : array, shape (d,)
        Unknown parameter.
    noise_std : float
        Noise standard deviation, ``>= 0``.
    noise : {"gaussian", "bounded"}
        Gaussian noise, or uniform on :math:`[-\sqrt3\,\sigma, \sqrt3\,\sigma]`.

    Raises
    ------
    ValueError
        If ``arms`` is not 2-D, has no arm, holds NaN or infinite values, or
        ``theta`` does not have length d; if ``noise_std < 0``.

    References
    ----------
    T. Lattimore and C. Szepesvari, *Bandit Algorithms*, CUP 2020, ch. 19.

    Examples
    --------
    >>> import numpy as np
    >>> env = LinearBandit(np.eye(3), np.array([0.1, 0.5, 0.2]), noise_std=0.1)
    >>> env.expected_regret(np.array([0, 1, 2]))
    array([0.4, 0. , 0.3])
    """

    fixed_arms = True

    def __init__(self, arms, theta, noise_std: float = 1.0, *, noise: str = "gaussian"):
        arms = as_host_matrix(arms, "arms", 2)
        super().__init__(theta, noise_std, noise, d=arms.shape[1])
        self.arms = arms
        self.n_arms = int(arms.shape[0])
        self.means = self.arms @ self.theta

    def expected_regret(self, chosen):
        """Pseudo-regret ``max_k <a_k, theta> - <a_chosen, theta>`` of arm indices ``chosen``.

        Returns an array of the shape of ``chosen``, on its device.
        """
        xp = namespace(chosen)
        gaps = self.means.max() - self.means
        return xp.asarray(gaps[to_numpy(chosen)])

    def block(self, draws, t0, length):
        return self.arms[None, None], self.means[None, None]


class ContextualLinearBandit(Environment):
    r"""Linear bandit whose K arm features are redrawn i.i.d. every round.

    Parameters
    ----------
    theta : array, shape (d,)
        Unknown parameter.
    n_arms : int
        Arms per round, ``K >= 1``.
    noise_std : float
        Noise standard deviation, ``>= 0``.
    noise : {"gaussian", "bounded"}
        As in :class:`LinearBandit`.
    features : {"gaussian", "sphere"}
        Arm features :math:`\mathcal N(0, I_d / d)` or uniform on the unit sphere.

    Raises
    ------
    ValueError
        For ``n_arms < 1``, a bad ``theta`` or ``noise_std``, or an unknown option.

    Examples
    --------
    >>> import numpy as np
    >>> env = ContextualLinearBandit(np.ones(4) / 2, n_arms=10)
    >>> env.sample_arms(0).shape
    (10, 4)
    """

    def __init__(
        self,
        theta,
        n_arms: int,
        noise_std: float = 1.0,
        *,
        noise: str = "gaussian",
        features: str = "gaussian",
    ):
        super().__init__(theta, noise_std, noise)
        self.n_arms = check_int(n_arms, "n_arms", minimum=1)
        self.features = check_choice(features, "features", FEATURES)

    @property
    def block_length(self) -> int:
        """Rounds per block, fewer for large K d so a block holds ~16k features per run."""
        return per_round_features_block_length(self.n_arms, self.d)

    def _features(self, gen, shape):
        x = gen.standard_normal(shape)
        if self.features == "sphere":
            return x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
        return x / np.sqrt(self.d)

    def sample_arms(self, rng=None):
        """One round's arm features (K, d), drawn from ``rng``."""
        return self._features(as_generator(rng), (self.n_arms, self.d))

    @renamed_arguments(gen="rng")
    def draw(self, rng, length):
        """Noise and arm features (``length``, K, d) for ``length`` rounds from ``rng``."""
        rng = as_generator(rng)
        out = super().draw(rng, length)
        out["arms"] = self._features(rng, (length, self.n_arms, self.d))
        return out

    def expected_regret(self, chosen, arms):
        """Pseudo-regret of arm indices ``chosen`` (n,) given the rounds' features (n, K, d)."""
        means = to_numpy(arms) @ self.theta
        return (
            means.max(axis=-1) - np.take_along_axis(means, to_numpy(chosen)[..., None], -1)[..., 0]
        )

    def block(self, draws, t0, length):
        arms = np.ascontiguousarray(np.stack([d["arms"][:length] for d in draws]))
        means = np.empty(arms.shape[:3])
        _arm_means(arms, self.theta, means)
        return arms, means
