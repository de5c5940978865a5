"""Per-arm (disjoint) LinUCB, the model of mabwiser, contextualbandits and OBP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits.policies._runner import (
    Runner,
    check_lam,
    check_refactor,
    gpu_outputs,
    outputs,
    require_finite_arms,
)
from gpu.validate import check_real


class _DisjointRunner(Runner):
    STATE = ("A", "Ainv", "b", "theta_hat", "pulls", "z", "L", "Linv", "scores")

    def __init__(self, policy, env, n_runs):
        d, K = env.d, env.n_arms
        self.policy = policy
        eye = np.eye(d)
        self.A = np.broadcast_to(policy.lam * eye, (n_runs, K, d, d)).copy()
        self.Ainv = np.broadcast_to(eye / policy.lam, (n_runs, K, d, d)).copy()
        self.b = np.zeros((n_runs, K, d))
        self.theta_hat = np.zeros((n_runs, K, d))
        self.pulls = np.zeros((n_runs, K), dtype=np.int64)
        self.z = np.zeros((n_runs, d))
        self.L = np.zeros((n_runs, d, d))
        self.Linv = np.zeros((n_runs, d, d))
        self.scores = np.zeros((n_runs, K))

    def _step_gpu(self, arms, means, noise):
        import cupy

        from bandits._kernels.disjoint_cuda import disjoint_block

        outs = gpu_outputs(noise.shape)
        inputs = [cupy.asarray(x) for x in (arms, means, noise)]
        state = [getattr(self, name) for name in self.STATE]
        disjoint_block(self.policy.alpha, self.policy.refactor_every, inputs, state, outs)
        return tuple(o.get() for o in outs)

    def step(self, arms, means, noise, normals, uniforms, t0):
        from bandits._kernels.disjoint import _disjoint_block

        if self.on_gpu:
            return self._step_gpu(arms, means, noise)

        arm, reward, regret = outputs(noise)
        p = self.policy
        # fmt: off
        _disjoint_block(
            p.alpha, p.refactor_every, arms, means, noise, self.A, self.Ainv, self.b,
            self.theta_hat, self.pulls, self.z, self.L, self.Linv, self.scores,
            arm, reward, regret,
        )
        # fmt: on
        return arm, reward, regret


@dataclass(frozen=True)
class DisjointLinUCB:
    r"""Disjoint LinUCB: one ridge model per arm (Li, Chu, Langford and Schapire, 2010).

    Arm k keeps :math:`A_k = \lambda I + \sum x x^\top` and
    :math:`\hat\theta_k = A_k^{-1} b_k` over its own pulls and scores
    :math:`x_{t,k}^\top\hat\theta_k + \alpha\|x_{t,k}\|_{A_k^{-1}}`; ties go to the
    lowest index (as in mabwiser). :math:`A_k^{-1}` is updated by
    Sherman--Morrison and refreshed by Cholesky every ``refactor_every`` pulls of
    the arm. Works on fixed, contextual and table environments; with a
    :class:`bandits.envs.TableBandit` given one context per round and ``lam = 1``
    it reproduces mabwiser's ``LearningPolicy.LinUCB(alpha)``. Only at ``lam = 1``:
    mabwiser starts an untrained arm's :math:`A_k^{-1}` at :math:`\lambda I`
    instead of :math:`I/\lambda`, so for other ``lam`` the widths of arms not yet
    pulled, and hence the choices, differ.

    Parameters
    ----------
    alpha : float
        Exploration weight, ``>= 0``.
    lam : float
        Ridge regulariser, ``> 0``.
    refactor_every : int
        Refactorisation period in pulls of an arm (0: never).

    Raises
    ------
    ValueError
        For ``alpha < 0``, ``lam <= 0``, ``refactor_every < 0``, or (at
        simulation) a continuous action set.

    References
    ----------
    L. Li, W. Chu, J. Langford, R. Schapire. A contextual-bandit approach to
    personalized news article recommendation. WWW 2010, Alg. 1.

    Examples
    --------
    >>> DisjointLinUCB(alpha=0.5).lam
    1.0
    """

    alpha: float = 1.0
    lam: float = 1.0
    refactor_every: int = 1000

    def __post_init__(self):
        object.__setattr__(self, "alpha", check_real(self.alpha, "alpha", low=0.0))
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "refactor_every", check_refactor(self.refactor_every))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        require_finite_arms(self, env)
        return _DisjointRunner(self, env, n_runs)
