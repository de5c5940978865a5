"""Linear bandits on the unit ball and the unit sphere: the best action is theta / ||theta||."""

from __future__ import annotations

import numpy as np

from bandits.envs._base import Environment
from gpu.backend import namespace, to_numpy


class UnitBallBandit(Environment):
    r"""Linear bandit whose actions are the unit ball :math:`\{a : \|a\|_2 \le 1\}`.

    The best action is :math:`\theta / \|\theta\|` with mean reward
    :math:`\|\theta\|`, so the pseudo-regret of ``a`` is
    :math:`\|\theta\| - \langle a, \theta\rangle`, exactly.

    Parameters
    ----------
    theta : array, shape (d,)
        Unknown parameter.
    noise_std : float
        Noise standard deviation, ``>= 0``.
    noise : {"gaussian", "bounded"}
        As in :class:`bandits.envs.LinearBandit`.

    Raises
    ------
    ValueError
        For a bad ``theta`` or ``noise_std``.

    Examples
    --------
    >>> import numpy as np
    >>> env = UnitBallBandit(np.array([3.0, 4.0]))
    >>> float(env.expected_regret(np.array([0.6, 0.8])))
    0.0
    """

    continuous = True
    ball = True

    def __init__(self, theta, noise_std: float = 1.0, *, noise: str = "gaussian"):
        super().__init__(theta, noise_std, noise)

    def expected_regret(self, actions):
        """``||theta|| - <a, theta>`` for actions of shape (..., d), on their device."""
        xp = namespace(actions)
        return xp.asarray(self.theta_norm - to_numpy(actions) @ self.theta)

    def block(self, draws, t0, length):
        """No arm table: the ball kernels compute actions and means directly."""
        return np.zeros((1, 1, 1, self.d)), np.zeros((1, 1, 1))


class UnitSphereBandit(UnitBallBandit):
    """Linear bandit whose actions are the unit sphere; see :class:`UnitBallBandit`.

    Differs only in exploration: uniform random actions are drawn on the sphere
    instead of inside the ball.

    Examples
    --------
    >>> import numpy as np
    >>> UnitSphereBandit(np.array([0.0, 1.0])).theta_norm
    1.0
    """

    ball = False
