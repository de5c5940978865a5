"""Progressive Learning and Sharing (PLS; Salgia and Zhao, ICML 2023), batched over runs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bandits.design import g_optimal_design
from bandits.distributed._common import (
    Timeline,
    best_mean,
    check_setting,
    greedy_gaps,
    run_streams,
)
from bandits.distributed.quantize import CODES, grid_levels, message_bits, quantize_indices
from bandits.distributed.records import CommunicationResult, pad_phases
from gpu.validate import check_choice, check_real


def _quantize(x, radius, resolution, uniforms, code):
    levels = grid_levels(radius, resolution, x.shape[-1])
    idx = quantize_indices(x, radius, levels, uniforms)
    step = 2.0 * radius / (levels - 1)
    return -radius + step * idx, message_bits(idx, levels, code)


@dataclass(frozen=True)
class ProgressiveLearningAndSharing:
    r"""PLS: phased G-optimal exploration, quantised uploads and broadcasts, then exploitation.

    Phase :math:`k = 1, 2, \dots` (Salgia and Zhao, ICML 2023, Alg. 1):

    1. Each of the M agents pulls every arm a of the G-optimal design :math:`\pi`
       (:func:`bandits.g_optimal_design` on the arms; on the unit ball the design on
       the basis vectors) :math:`\lceil d\, s_k \pi_a\rceil` times,
       :math:`s_k = \lceil C 4^k d \log(M \log_2 T)\rceil`, and fits least squares.
    2. Each agent uploads the difference between its estimate and the shared one,
       stochastically quantised (unbiased) on :math:`[-(R_k + B_k), R_k + B_k]^d`
       at resolution :math:`\alpha_k = \alpha_0 \sigma \sqrt{d / s_k}`.
    3. The server averages the uploads and broadcasts their average quantised on
       :math:`[-(B_k + \tau_k), B_k + \tau_k]^d` at resolution
       :math:`\beta_k = \beta_0 \tau_k`; :math:`\tau_k` halves every phase
       (:math:`\tau_1 = 1/(4\sqrt M)`, :math:`R_1 = 1/2`, :math:`B_1 = 3/2`, then
       :math:`R_{k+1} = R_k/2`, :math:`B_{k+1} = 5\tau_{k+1}`).
    4. Once the server's estimate has norm :math:`\mu_0 \ge 4\tau_k`, each phase
       ends with :math:`t_k = \lfloor M s_k^2 \mu_0^2\rfloor` rounds of
       exploitation: every agent plays the greedy action of the shared estimate.

    Constants are those of the authors' code (``sudeepsalgia/distributed_bandits``,
    ``codes/pls.py``) with C = 6 as in their ``runfile.py``. Two differences, both
    deliberate: the exploitation stage is greedy on the shared estimate on both
    action sets (the authors run LinUCB on the retained arms and stop it after
    3e4 steps, extrapolating the last regret); and the quantiser is exactly
    unbiased (:func:`bandits.distributed.stochastic_quantize`). Rewards of a
    phase are simulated through their sufficient statistics: the sum of n
    Gaussian rewards of one arm is :math:`n\mu + \sqrt n \sigma z`, exact in law.

    Parameters
    ----------
    C : float
        Exploration constant, ``> 0``.
    alpha0, beta0 : float
        Uplink and downlink resolution constants, ``> 0``.
    code : {"unary", "fixed"}
        Bit count of a message (:func:`bandits.distributed.message_bits`).
    tol : float
        Tolerance of the G-optimal design.

    References
    ----------
    S. Salgia and Q. Zhao. Distributed linear bandits under communication
    constraints. ICML 2023, Sec. 4 (Alg. 1, PLS).

    Examples
    --------
    >>> import numpy as np
    >>> from bandits.envs import UnitBallBandit
    >>> env = UnitBallBandit(np.ones(4) / 2)
    >>> res = ProgressiveLearningAndSharing().run(env, 20_000, n_agents=3, n_runs=2, rng=0)
    >>> res.cumulative_regret.shape, res.uplink_bits.shape[0]
    ((2, 20000), 2)
    """

    C: float = 6.0
    alpha0: float = 2.0
    beta0: float = 1.0
    code: str = "unary"
    tol: float = 1e-3

    def __post_init__(self):
        for name in ("C", "alpha0", "beta0", "tol"):
            value = check_real(getattr(self, name), name, low=0.0, low_inclusive=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "code", check_choice(self.code, "code", CODES))

    def run(self, env, horizon, *, n_agents, n_runs=1, rng=None) -> CommunicationResult:
        """Run ``n_runs`` independent copies in lockstep for ``horizon`` rounds per agent.

        Parameters
        ----------
        env : bandits.envs.UnitBallBandit or bandits.envs.LinearBandit
            Shared by every agent; Gaussian noise.
        horizon : int
            Rounds per agent, T >= 2.
        n_agents : int
            M >= 1.
        n_runs : int
            Independent runs; run i uses the i-th child of ``rng`` (so a batch
            equals its runs done one by one).
        rng : None, int or numpy.random.Generator

        Returns
        -------
        CommunicationResult

        Raises
        ------
        ValueError
            For a sphere or contextual environment, non-Gaussian noise,
            ``horizon < 2``, ``n_agents < 1`` or ``n_runs < 1``.
        """
        T, M, R = check_setting(env, horizon, n_agents, n_runs)
        d = env.d
        points = np.eye(d) if env.continuous else env.arms
        design = g_optimal_design(points, tol=self.tol)
        support = np.flatnonzero(design.weights > 0)
        arms = points[support]
        pi = design.weights[support]
        gaps = best_mean(env) - arms @ env.theta
        sigma = env.noise_std
        if sigma <= 0:
            raise ValueError(
                "env.noise_std must be > 0: the uplink resolution is proportional to it"
            )
        gens = run_streams(rng, R)
        line = Timeline(R, T)
        t = np.zeros(R, np.int64)
        alive = np.ones(R, bool)
        refine = np.zeros(R, bool)
        mu0 = np.zeros(R)
        th_agent = np.zeros((R, d))
        th_server = np.zeros((R, d))
        up_rows, down_rows = [], []
        tau, Rk, Bk = 1.0 / (4.0 * math.sqrt(M)), 0.5, 1.5
        k = 0
        phases = np.zeros(R, np.int64)
        while alive.any():
            k += 1
            phases += alive
            s_k = math.ceil(self.C * 4.0**k * d * math.log(M * math.log2(T)))
            pulls = np.ceil(d * s_k * pi).astype(np.int64)
            offsets = np.concatenate([[0], np.cumsum(pulls)[:-1]])
            live = np.flatnonzero(alive)
            runs = np.repeat(live, len(pulls))
            line.add(
                runs,
                t[runs] + np.tile(offsets, len(live)),
                np.tile(pulls, len(live)),
                np.tile(M * gaps, len(live)),
            )
            z = np.stack([g.standard_normal((M, len(pulls))) for g in gens])
            u_up = np.stack([g.random((M, d)) for g in gens])
            u_down = np.stack([g.random(d) for g in gens])
            t = np.where(alive, t + pulls.sum(), t)
            done = alive & (t >= T)
            alive &= ~done
            sums = pulls * (arms @ env.theta) + np.sqrt(pulls) * sigma * z
            V = (arms.T * pulls) @ arms
            local = np.linalg.solve(V, (sums @ arms).reshape(-1, d).T).T.reshape(R, M, d)
            alpha_k = self.alpha0 * sigma * math.sqrt(d / s_k)
            q_up, bits_up = _quantize(local - th_agent[:, None], Rk + Bk, alpha_k, u_up, self.code)
            update = q_up.mean(axis=1)
            q_down, bits_down = _quantize(update, Bk + tau, self.beta0 * tau, u_down, self.code)
            up_rows.append(np.where(alive[:, None], bits_up, 0))
            down_rows.append(np.where(alive, bits_down, 0))
            th_server = np.where(alive[:, None], th_server + update, th_server)
            th_agent = np.where(alive[:, None], th_agent + q_down, th_agent)
            start = alive & ~refine & (np.linalg.norm(th_server, axis=1) >= 4.0 * tau)
            mu0 = np.where(start, np.linalg.norm(th_server, axis=1), mu0)
            refine |= start
            exploit = alive & refine
            t_k = np.floor(M * float(s_k) ** 2 * mu0**2).astype(np.int64)
            rows = np.flatnonzero(exploit)
            line.add(rows, t[rows], t_k[rows], M * greedy_gaps(env, th_agent[rows]))
            t = np.where(exploit, t + t_k, t)
            alive &= t < T
            tau, Rk = tau / 2.0, Rk / 2.0
            Bk = 5.0 * tau
        return CommunicationResult(
            cumulative_regret=line.cumulative(),
            uplink_bits=pad_phases(up_rows),
            downlink_bits=pad_phases(down_rows),
            phases=phases,
        )
