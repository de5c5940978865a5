"""OFUL / LinUCB, linear Thompson sampling and epsilon-greedy on a shared ridge model."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bandits._kernels.ridge import EPSILON_GREEDY as EPSILON_GREEDY_CODE
from bandits._kernels.ridge import LAM, ridge_params
from bandits._kernels.ridge import LINTS as LINTS_CODE
from bandits._kernels.ridge import OFUL as OFUL_CODE
from bandits.policies._runner import (
    Runner,
    check_delta,
    check_lam,
    check_optional_positive,
    check_refactor,
    gpu_outputs,
    log_det_identity,
    outputs,
)
from gpu.deprecation import renamed_arguments
from gpu.validate import check_real


class _RidgeRunner(Runner):
    """Shared ridge state of R runs: V, V^{-1}, b, theta_hat, log det V, arm statistics."""

    def __init__(self, code, params, env, n_runs, n_normal, n_uniform):
        d = env.d
        lam = params[LAM]
        self.code = code
        self.params = params
        self.env = env
        self.n_normal = n_normal
        self.n_uniform = n_uniform
        eye = np.eye(d)
        self.V = np.broadcast_to(lam * eye, (n_runs, d, d)).copy()
        self.Vinv = np.broadcast_to(eye / lam, (n_runs, d, d)).copy()
        self.b = np.zeros((n_runs, d))
        self.theta_hat = np.zeros((n_runs, d))
        self.logdet = np.full(n_runs, log_det_identity(lam, d))
        self.z = np.zeros((n_runs, d))
        self.L = np.zeros((n_runs, d, d))
        self.Linv = np.zeros((n_runs, d, d))
        if env.continuous:
            self.action = np.zeros((n_runs, d))
            return
        K = env.n_arms
        self.sample = np.zeros((n_runs, d))
        self.scores = np.zeros((n_runs, K))
        self.w = np.zeros((n_runs, K))
        self.est = np.zeros((n_runs, K))
        self.counts = np.zeros((n_runs, K), dtype=np.int64)
        if env.fixed_arms:
            self.arms_t = np.ascontiguousarray(env.arms.T)
            self.norm2 = np.broadcast_to(np.sum(env.arms**2, axis=1) / lam, (n_runs, K)).copy()
        else:
            self.arms_t = np.zeros((d, K))
            self.norm2 = np.zeros((n_runs, K))

    @property
    def STATE(self):
        """Arrays kept on the GPU by :meth:`to_gpu`; the unit-ball kernel stays on the CPU."""
        if self.env.continuous:
            return ()
        names = ("V", "Vinv", "b", "theta_hat", "logdet", "est", "norm2", "counts", "z", "w")
        return (*names, "L", "Linv", "sample", "scores")

    def _step_gpu(self, arms, means, noise, normals, uniforms, t0):
        import cupy

        from bandits._kernels.ridge_cuda import ridge_block

        outs = gpu_outputs(noise.shape)
        inputs = [cupy.asarray(x) for x in (arms, self.arms_t, means, noise, normals, uniforms)]
        state = [getattr(self, name) for name in self.STATE]
        ridge_block(self.code, self.params, self.env.fixed_arms, t0, inputs, state, outs)
        return tuple(o.get() for o in outs)

    def step(self, arms, means, noise, normals, uniforms, t0):
        if self.on_gpu:
            return self._step_gpu(arms, means, noise, normals, uniforms, t0)
        arm, reward, regret = outputs(noise)
        if self.env.continuous:
            from bandits._kernels.ball import _ball_block

            arm[:] = -1
            # fmt: off
            _ball_block(
                self.code, self.params, self.env.ball, self.env.theta, noise, normals, uniforms,
                t0, self.V, self.Vinv, self.b, self.theta_hat, self.logdet, self.z, self.L,
                self.Linv, self.action, reward, regret,
            )
            # fmt: on
            return arm, reward, regret
        from bandits._kernels.ridge import _ridge_block

        # fmt: off
        _ridge_block(
            self.code, self.params, self.env.fixed_arms, arms, self.arms_t, means, noise,
            normals, uniforms, t0, self.V, self.Vinv, self.b, self.theta_hat, self.logdet,
            self.est, self.norm2, self.counts, self.z, self.w, self.L, self.Linv, self.sample,
            self.scores,
            arm, reward, regret,
        )
        # fmt: on
        return arm, reward, regret


def _noise_std(value, env):
    return env.subgaussian if value is None else value


@renamed_arguments(sigma="noise_std")
@dataclass(frozen=True)
class OFUL:
    r"""OFUL / LinUCB with a shared parameter (Abbasi-Yadkori, Pal and Szepesvari, 2011).

    Plays :math:`\arg\max_a \langle a, \hat\theta_t\rangle + \beta_t \|a\|_{V_t^{-1}}` with
    :math:`V_t = \lambda I + \sum_s a_s a_s^\top` and the radius of their Theorem 2,

    .. math:: \beta_t = \sigma\sqrt{2\log(1/\delta) + \log\det V_t - d\log\lambda}
              + \sqrt{\lambda}\, S,

    with :math:`\sigma` = ``noise_std``, multiplied by ``scale``. :math:`V_t^{-1}` is
    updated by Sherman--Morrison, :math:`\log\det V_t` by the matrix determinant
    lemma, and on a fixed arm set
    the per-arm estimates and widths in O(K d + d^2) per round; every
    ``refactor_every`` rounds everything is recomputed from :math:`V_t` by
    Cholesky. On the unit ball the optimistic action is computed exactly (see
    :mod:`bandits._kernels.ball`).

    Parameters
    ----------
    lam : float
        Ridge regulariser :math:`\lambda > 0`.
    delta : float
        Confidence level in (0, 1).
    S : float, optional
        Bound on :math:`\|\theta\|`; default the environment's true norm.
    noise_std : float, optional
        Sub-Gaussian constant of the noise; default the environment's.
        (Retired name: ``sigma``, still accepted with a DeprecationWarning.)
    scale : float
        Multiplier of the radius, ``>= 0`` (0 is the greedy ridge policy).
    refactor_every : int
        Cholesky refactorisation period in rounds (0: never).

    Raises
    ------
    ValueError
        For ``lam <= 0``, ``delta`` outside (0, 1), ``scale < 0``, ``S`` or
        ``noise_std <= 0``, ``refactor_every < 0``.

    References
    ----------
    Y. Abbasi-Yadkori, D. Pal, C. Szepesvari. Improved algorithms for linear
    stochastic bandits. NeurIPS 2011, Thm. 2 and Alg. 1.

    Examples
    --------
    >>> OFUL(lam=1.0, delta=0.05).scale
    1.0
    """

    lam: float = 1.0
    delta: float = 0.05
    S: float | None = None
    noise_std: float | None = None
    scale: float = 1.0
    refactor_every: int = 1000

    def __post_init__(self):
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "delta", check_delta(self.delta))
        object.__setattr__(self, "S", check_optional_positive(self.S, "S"))
        noise_std = check_optional_positive(self.noise_std, "noise_std")
        object.__setattr__(self, "noise_std", noise_std)
        object.__setattr__(self, "scale", check_real(self.scale, "scale", low=0.0))
        object.__setattr__(self, "refactor_every", check_refactor(self.refactor_every))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        params = ridge_params(
            self.lam,
            self.refactor_every,
            delta=self.delta,
            S=env.theta_norm if self.S is None else self.S,
            noise_std=_noise_std(self.noise_std, env),
            scale=self.scale,
        )
        return _RidgeRunner(OFUL_CODE, params, env, n_runs, 0, 0)


@renamed_arguments(sigma="noise_std")
@dataclass(frozen=True)
class LinTS:
    r"""Linear Thompson sampling (Agrawal and Goyal, 2013).

    Each round samples :math:`\tilde\theta = \hat\theta_t + v\, V_t^{-1/2}\eta`,
    :math:`\eta \sim \mathcal N(0, I_d)`, and plays the arm maximising
    :math:`\langle a, \tilde\theta\rangle` (on the ball: :math:`\tilde\theta/\|\tilde\theta\|`).
    The paper's scale is :math:`v = \sigma\sqrt{24\, d\log(1/\delta)/\epsilon}`
    (:math:`\sigma` = ``noise_std``); pass ``v`` to override it (``v = noise_std``
    is the common practical choice).

    Parameters
    ----------
    lam : float
        Ridge regulariser, ``> 0`` (the paper uses 1).
    v : float, optional
        Posterior scale; default the paper's formula.
    epsilon : float
        The paper's parameter in (0, 1], used only when ``v`` is None.
    delta : float
        Confidence level in (0, 1), used only when ``v`` is None.
    noise_std : float, optional
        Sub-Gaussian constant; default the environment's. (Retired name:
        ``sigma``, still accepted with a DeprecationWarning.)
    refactor_every : int
        Cholesky refactorisation period (0: never).

    Raises
    ------
    ValueError
        For out-of-range parameters.

    References
    ----------
    S. Agrawal and N. Goyal. Thompson sampling for contextual bandits with
    linear payoffs. ICML 2013, Alg. 1.

    Examples
    --------
    >>> LinTS(v=0.5).v
    0.5
    """

    lam: float = 1.0
    v: float | None = None
    epsilon: float = 0.5
    delta: float = 0.05
    noise_std: float | None = None
    refactor_every: int = 1000

    def __post_init__(self):
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "v", None if self.v is None else check_real(self.v, "v", low=0.0))
        eps = check_real(self.epsilon, "epsilon", low=0.0, high=1.0, low_inclusive=False)
        object.__setattr__(self, "epsilon", eps)
        object.__setattr__(self, "delta", check_delta(self.delta))
        noise_std = check_optional_positive(self.noise_std, "noise_std")
        object.__setattr__(self, "noise_std", noise_std)
        object.__setattr__(self, "refactor_every", check_refactor(self.refactor_every))

    def scale_for(self, env) -> float:
        """The posterior scale v used on ``env``."""
        if self.v is not None:
            return self.v
        noise_std = _noise_std(self.noise_std, env)
        return noise_std * math.sqrt(24.0 * env.d * math.log(1.0 / self.delta) / self.epsilon)

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        params = ridge_params(self.lam, self.refactor_every, v=self.scale_for(env))
        return _RidgeRunner(LINTS_CODE, params, env, n_runs, env.d, 0)


@dataclass(frozen=True)
class EpsilonGreedy:
    r"""Epsilon-greedy on the ridge estimate.

    With probability :math:`\epsilon_t = \min(1, \epsilon\, t^{-p})` (``power`` p,
    t = 1, 2, ...) plays a uniformly random arm (on the ball or sphere: a
    uniform random action), otherwise :math:`\arg\max_a \langle a, \hat\theta_t\rangle`.

    Parameters
    ----------
    epsilon : float
        Exploration rate, ``>= 0``.
    power : float
        Decay exponent p, ``>= 0`` (0: constant rate).
    lam : float
        Ridge regulariser, ``> 0``.
    refactor_every : int
        Cholesky refactorisation period (0: never).

    Raises
    ------
    ValueError
        For out-of-range parameters.

    References
    ----------
    R. Sutton and A. Barto, *Reinforcement Learning*, 2nd ed., Sec. 2.2;
    T. Lattimore and C. Szepesvari, *Bandit Algorithms*, Sec. 6.

    Examples
    --------
    >>> EpsilonGreedy(epsilon=0.05).power
    0.0
    """

    epsilon: float = 0.1
    power: float = 0.0
    lam: float = 1.0
    refactor_every: int = 1000

    def __post_init__(self):
        object.__setattr__(self, "epsilon", check_real(self.epsilon, "epsilon", low=0.0))
        object.__setattr__(self, "power", check_real(self.power, "power", low=0.0))
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "refactor_every", check_refactor(self.refactor_every))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        params = ridge_params(self.lam, self.refactor_every, epsilon=self.epsilon, power=self.power)
        n_normal = env.d if env.continuous else 0
        return _RidgeRunner(EPSILON_GREEDY_CODE, params, env, n_runs, n_normal, 2)
