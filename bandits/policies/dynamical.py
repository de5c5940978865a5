"""Policies for dynamical linear bandits: DynLin-UCB and its baselines.

All run through :func:`bandits.simulate` on a
:class:`bandits.envs.DynamicalLinearBandit`, batched over runs by
:mod:`bandits._kernels.dynamical`. :class:`bandits.policies.OFUL` given such an
environment runs as LinUCB that ignores the dynamics (blocks of one round,
OFUL's radius), see :func:`start_dynamical`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bandits._kernels.dynamical import DLINUCB, DYNLINUCB, EXP3, LINUCB, dynamical_params
from bandits.policies._runner import (
    Runner,
    check_delta,
    check_lam,
    check_optional_positive,
    check_refactor,
)
from gpu.validate import check_real


def _require_dynamical(policy, env):
    if not getattr(env, "dynamical", False):
        raise ValueError(
            f"{type(policy).__name__} needs a bandits.envs.DynamicalLinearBandit as env, "
            f"got {env!r}"
        )


def transient_constant(A, rho) -> float:
    r"""The paper's :math:`\Phi(A) = \max_{i \ge 1} \|A^i\|_2 / \rho^i` (over i < 1000, as the
    authors' ``spectr``); ``max(1, ||A||_2)`` when rho = 0."""
    if rho <= 0.0:
        return max(1.0, float(np.linalg.norm(A, 2)))
    P = np.eye(A.shape[0])
    best = 0.0
    for _ in range(999):
        P = P @ (A / rho)
        best = max(best, float(np.linalg.norm(P, 2)))
    return best


def _norm_bounds(env):
    """(Theta, Omega, ||B||_2, Phi(A), U): the true norms the authors' code passes to DynLin-UCB."""
    rho = env.spectral_radius
    U = float(np.max(np.linalg.norm(env.arms, axis=1)))
    return (
        float(np.linalg.norm(env.theta)),
        float(np.linalg.norm(env.omega)),
        float(np.linalg.norm(env.B, 2)),
        transient_constant(env.A, rho),
        U,
    )


class _DynamicalRunner(Runner):
    """Batched state of R runs: hidden state, ridge (or Exp3) statistics, block bookkeeping."""

    n_uniform = 1

    def __init__(self, code, params, env, n_runs):
        self.code, self.params, self.env = code, params, env
        n, d, K = env.n_state, env.d, env.n_arms
        lam = params[0]
        eye = np.eye(d)
        self.x = np.zeros((n_runs, n))
        self.xn = np.zeros((n_runs, n))
        self.V = np.broadcast_to(lam * eye, (n_runs, d, d)).copy()
        self.Vt = self.V.copy()
        self.Vinv = np.broadcast_to(eye / max(lam, 1e-300), (n_runs, d, d)).copy()
        self.b = np.zeros((n_runs, d))
        self.theta_hat = np.zeros((n_runs, d))
        self.logdet = np.full(n_runs, d * math.log(lam) if lam > 0 else 0.0)
        self.z = np.zeros((n_runs, d))
        self.w = np.zeros((n_runs, d))
        self.L = np.zeros((n_runs, d, d))
        self.Linv = np.zeros((n_runs, d, d))
        self.G = np.zeros((n_runs, K))
        self.prob = np.full((n_runs, K), 1.0 / K)
        self.sc = np.zeros((n_runs, K))
        self.ints = np.zeros((n_runs, 4), dtype=np.int64)
        self.ints[:, 1] = 1
        self.ints[:, 2] = -1

    def step(self, arms, means, noise, normals, uniforms, t0):
        from bandits._kernels.dynamical import _dynamical_block

        env = self.env
        shape = noise.shape[:2]
        arm = np.empty(shape, dtype=np.int64)
        reward = np.empty(shape)
        regret = np.empty(shape)
        # fmt: off
        _dynamical_block(
            self.code, self.params, env.arms, env.A, env.B, env.omega, env.theta, env.means,
            noise, uniforms, t0, self.x, self.xn, self.V, self.Vinv, self.Vt, self.b,
            self.theta_hat, self.logdet, self.z, self.w, self.L, self.Linv, self.G, self.prob,
            self.sc, self.ints, arm, reward, regret,
        )
        # fmt: on
        return arm, reward, regret


@dataclass(frozen=True)
class DynLinUCB:
    r"""DynLin-UCB (Mussi, Metelli and Restelli, ICML 2023).

    Block m = 1, 2, ... holds one action for
    :math:`H_m = 1 + \lfloor \log m / \log(1/\rho) \rfloor` rounds, so the state
    nears the action's steady state; only the reward of the block's last round
    enters a ridge estimate :math:`\hat h` of the steady-state gain
    (:math:`V = \lambda I + \sum_m u_m u_m^\top`, :math:`b = \sum_m y_m u_m`).
    The next action maximises :math:`u^\top \hat h + \beta_t \|u\|_{V^{-1}}`
    with the paper's exploration coefficient (as coded by the authors in
    ``marcomussi/DLB``, ``agents.py``), t the 0-based round of the choice:

    .. math:: \beta_t = c_1\sqrt\lambda + \frac{c_2}{\sqrt\lambda}\log(e(t+1))
              + \sqrt{2\bar\sigma^2\big(\log(1/\delta) + \tfrac d2
              \log(1 + t U^2/(d\lambda))\big)},

    :math:`c_1 = \Theta + \Omega\|B\|\Phi/(1-\rho)`,
    :math:`c_2 = U\Omega\Phi(U\|B\|/(1-\rho) + U/(1-\rho))`,
    :math:`\bar\sigma^2 = \sigma_y^2 + \Omega^2\Phi^2\sigma_x^2/(1-\rho^2)` (the
    paper's :math:`\sigma^2(1 + \Omega^2\Phi^2/(1-\rho^2))` when the reward and
    state noise share :math:`\sigma`), with the environment's true norms
    :math:`\Theta = \|\theta\|`, :math:`\Omega = \|\omega\|`, :math:`\Phi(A)` (see
    :func:`transient_constant`) and :math:`U = \max\|u\|`, as the authors do.
    The first block's action is uniform at random (as in the authors' code).

    Parameters
    ----------
    lam : float
        Ridge regulariser, ``> 0`` (the authors use 1, and log T).
    delta : float
        Confidence level in (0, 1) (the authors use 1/T).
    rho : float, optional
        Upper bound on the spectral radius used for the blocks and the radius,
        in [0, 1); default the environment's.
    noise_std, state_noise_std : float, optional
        Reward and state noise levels in :math:`\bar\sigma`; default the environment's.
    scale : float
        Multiplier of the radius, ``>= 0``.
    refactor_every : int
        Recompute V^{-1} by Cholesky every this many updates (0: never).

    Raises
    ------
    ValueError
        For out-of-range parameters, a ``rho`` below the environment's spectral
        radius, or an environment that is not a DynamicalLinearBandit.

    Notes
    -----
    Differences from the authors' code: their first block lasts 2 rounds (their
    schedule learns at round index ``H_1`` and switches one round later), here
    block m lasts exactly :math:`H_m`; they take :math:`\rho` as
    ``max(eigvals(A))`` (ordered by real part), here :math:`\max|\lambda|`;
    :math:`\bar\sigma` separates the reward and state noise levels.

    References
    ----------
    M. Mussi, A. M. Metelli, M. Restelli. Dynamical Linear Bandits. ICML 2023,
    arXiv:2211.08997 (DynLin-UCB and its regret bound); code ``marcomussi/DLB``.

    Examples
    --------
    >>> DynLinUCB(rho=0.5).rho
    0.5
    """

    lam: float = 1.0
    delta: float = 0.05
    rho: float | None = None
    noise_std: float | None = None
    state_noise_std: float | None = None
    scale: float = 1.0
    refactor_every: int = 1000

    def __post_init__(self):
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "delta", check_delta(self.delta))
        if self.rho is not None:
            rho = check_real(self.rho, "rho", low=0.0, high=1.0, high_inclusive=False)
            object.__setattr__(self, "rho", rho)
        for name in ("noise_std", "state_noise_std"):
            value = getattr(self, name)
            value = None if value is None else check_real(value, name, low=0.0)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "scale", check_real(self.scale, "scale", low=0.0))
        object.__setattr__(self, "refactor_every", check_refactor(self.refactor_every))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        _require_dynamical(self, env)
        rho = env.spectral_radius if self.rho is None else self.rho
        if rho < env.spectral_radius - 1e-12:
            raise ValueError(
                f"rho must bound the spectral radius of env.A ({env.spectral_radius:.6g}), "
                f"got {rho}"
            )
        Theta, Omega, Bn, Phi, U = _norm_bounds(env)
        sy = env.noise_std if self.noise_std is None else self.noise_std
        sx = env.state_noise_std if self.state_noise_std is None else self.state_noise_std
        X = U / (1.0 - rho)
        params = dynamical_params(
            lam=self.lam, delta=self.delta, scale=self.scale, rho=rho,
            c1=Theta + Omega * Bn * Phi / (1.0 - rho),
            c2=U * Omega * Phi * (U * Bn / (1.0 - rho) + X),
            sigma_bar2=sy**2 + (Omega * Phi * sx) ** 2 / (1.0 - rho**2),
            u2=U * U, refactor_every=self.refactor_every,
        )  # fmt: skip
        return _DynamicalRunner(DYNLINUCB, params, env, n_runs)


def _linucb_runner(policy, env, n_runs):
    """LinUCB ignoring the dynamics: OFUL's settings, one-round blocks, S default ||h||."""
    S = float(np.linalg.norm(env.steady_state_gain)) if policy.S is None else policy.S
    params = dynamical_params(
        lam=policy.lam, delta=policy.delta, scale=policy.scale, s_bound=S,
        noise_std=env.noise_std if policy.noise_std is None else policy.noise_std,
        refactor_every=policy.refactor_every,
    )  # fmt: skip
    return _DynamicalRunner(LINUCB, params, env, n_runs)


@dataclass(frozen=True)
class DiscountedLinUCB:
    r"""D-LinUCB (Russac, Vernade and Cappe, NeurIPS 2019, Alg. 1), ignoring the dynamics.

    :math:`V_t = \gamma V_{t-1} + u u^\top + (1-\gamma)\lambda I`,
    :math:`\tilde V_t = \gamma^2 \tilde V_{t-1} + u u^\top + (1-\gamma^2)\lambda I`,
    :math:`b_t = \gamma b_{t-1} + y u`, :math:`\hat h = V_t^{-1} b_t`; plays
    :math:`\arg\max_u u^\top\hat h + \beta_t \|u\|_{V_t^{-1}\tilde V_t V_t^{-1}}` with
    :math:`\beta_t = \sqrt\lambda S + \sigma\sqrt{2\log(1/\delta) + d\log(1 +
    U^2(1-\gamma^{2t})/(\lambda d(1-\gamma^2)))}`, times ``scale``. (The DLB
    authors run it with gamma = 1 - 1e-9, which is LinUCB.)

    Parameters
    ----------
    gamma : float
        Discount factor in (0, 1).
    lam : float
        Regulariser, ``> 0``.
    delta : float
        Confidence level in (0, 1).
    S : float, optional
        Bound on the estimated parameter's norm; default ``||h||``.
    noise_std : float, optional
        Sub-Gaussian constant; default the environment's reward noise.
    scale : float
        Multiplier of the radius, ``>= 0``.

    Raises
    ------
    ValueError
        For out-of-range parameters or a non-dynamical environment.

    References
    ----------
    Y. Russac, C. Vernade, O. Cappe. Weighted linear bandits for non-stationary
    environments. NeurIPS 2019, Alg. 1 and Thm. 1.

    Examples
    --------
    >>> DiscountedLinUCB(gamma=0.99).gamma
    0.99
    """

    gamma: float = 0.999
    lam: float = 1.0
    delta: float = 0.05
    S: float | None = None
    noise_std: float | None = None
    scale: float = 1.0

    def __post_init__(self):
        gamma = check_real(self.gamma, "gamma", low=0.0, high=1.0, low_inclusive=False,
                           high_inclusive=False)  # fmt: skip
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "lam", check_lam(self.lam))
        object.__setattr__(self, "delta", check_delta(self.delta))
        object.__setattr__(self, "S", check_optional_positive(self.S, "S"))
        noise_std = check_optional_positive(self.noise_std, "noise_std")
        object.__setattr__(self, "noise_std", noise_std)
        object.__setattr__(self, "scale", check_real(self.scale, "scale", low=0.0))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        _require_dynamical(self, env)
        S = float(np.linalg.norm(env.steady_state_gain)) if self.S is None else self.S
        U = float(np.max(np.linalg.norm(env.arms, axis=1)))
        params = dynamical_params(
            lam=self.lam, delta=self.delta, scale=self.scale, s_bound=S, gamma=self.gamma,
            noise_std=env.noise_std if self.noise_std is None else self.noise_std, u2=U * U,
        )  # fmt: skip
        return _DynamicalRunner(DLINUCB, params, env, n_runs)


@dataclass(frozen=True)
class Exp3:
    r"""Exp3 over the finite action set (Auer, Cesa-Bianchi, Freund, Schapire, 2002).

    Plays :math:`p_k = (1-\gamma)\,\mathrm{softmax}(\eta G)_k + \gamma/K`,
    where :math:`G_k` sums the importance-weighted rescaled rewards
    :math:`(y + \mathrm{offset})/\mathrm{range} / p_k`. As in the DLB authors'
    code, the default rescaling is offset 2M and range 4M with
    :math:`M = (\Theta + \Omega\|B\|/(1-\rho))U` and :math:`\eta = \gamma/K`
    (they set :math:`\gamma = \min(1, \sqrt{K\log K/((e-1) 2T/3)})`).

    Parameters
    ----------
    gamma : float
        Uniform mixing in (0, 1].
    eta : float, optional
        Learning rate, ``> 0``; default ``gamma / K``.
    reward_range : float, optional
        The range 4M, ``> 0`` (offset half of it); default from the environment.

    Raises
    ------
    ValueError
        For out-of-range parameters or a non-dynamical environment.

    References
    ----------
    P. Auer, N. Cesa-Bianchi, Y. Freund, R. E. Schapire. The nonstochastic
    multiarmed bandit problem. SIAM J. Comput. 32(1), 2002, Exp3 (Fig. 1).

    Examples
    --------
    >>> Exp3(gamma=0.05).gamma
    0.05
    """

    gamma: float = 0.1
    eta: float | None = None
    reward_range: float | None = None

    def __post_init__(self):
        gamma = check_real(self.gamma, "gamma", low=0.0, high=1.0, low_inclusive=False)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "eta", check_optional_positive(self.eta, "eta"))
        rr = check_optional_positive(self.reward_range, "reward_range")
        object.__setattr__(self, "reward_range", rr)

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env``."""
        _require_dynamical(self, env)
        if self.reward_range is None:
            Theta, Omega, Bn, _, U = _norm_bounds(env)
            span = 4.0 * (Theta + Omega * Bn / (1.0 - env.spectral_radius)) * U
        else:
            span = self.reward_range
        eta = self.gamma / env.n_arms if self.eta is None else self.eta
        params = dynamical_params(
            lam=1.0, mix=self.gamma, eta=eta, r_offset=span / 2.0, r_range=span
        )
        return _DynamicalRunner(EXP3, params, env, n_runs)


def start_dynamical(policy, env, n_runs):
    """Start ``policy`` on a dynamical ``env``: its own runner, or OFUL as LinUCB ignoring dynamics.

    Raises
    ------
    ValueError
        For a policy that has no dynamical version (LinTS, epsilon-greedy,
        phased elimination, disjoint LinUCB).
    """
    from bandits.policies.ridge import OFUL

    if isinstance(policy, OFUL):
        return _linucb_runner(policy, env, n_runs)
    if isinstance(policy, (DynLinUCB, DiscountedLinUCB, Exp3)):
        return policy.start(env, n_runs)
    raise ValueError(
        f"policy {type(policy).__name__} does not run on a DynamicalLinearBandit; use "
        "DynLinUCB, OFUL (LinUCB ignoring the dynamics), DiscountedLinUCB or Exp3"
    )
