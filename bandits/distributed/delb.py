"""Distributed elimination for linear bandits (DELB; Wang et al., ICLR 2020), batched over runs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bandits._kernels.distributed import _designs
from bandits.design import g_optimal_design
from bandits.distributed._common import (
    Timeline,
    best_mean,
    check_setting,
    log2_ceil,
    run_streams,
)
from bandits.distributed.records import CommunicationResult, pad_phases
from gpu.validate import check_int, check_real


def _cap_design(theta_hat, phase):
    """DELB's design on the unit ball (authors' ``g_optimal_unit_ball``), batched.

    Phase 1, or an estimate no longer than 2^{2 - phase}: the basis vectors. Otherwise the
    2(d - 1) points c theta_hat +- r v_j of the cap's boundary ring (v_j an orthonormal basis
    of theta_hat's complement, c = 1 - 2^{2 - phase}, r = sqrt(1 - c^2)), equal weights.
    """
    R, d = theta_hat.shape
    n = max(2 * d - 2, d)
    pts = np.zeros((R, n, d))
    w = np.zeros((R, n))
    pts[:, :d] = np.eye(d)
    w[:, :d] = 1.0 / d
    thresh = 2.0 ** (2 - phase)
    norm = np.linalg.norm(theta_hat, axis=1)
    ring = (phase > 1) & (norm > thresh) & (d > 1)
    if not ring.any():
        return pts, w
    u = theta_hat[ring] / norm[ring, None]
    v = u.copy()
    v[:, 0] -= 1.0
    vn = np.einsum("rd,rd->r", v, v)
    H = np.eye(d) - 2.0 * np.einsum("ri,rj->rij", v, v) / np.where(vn > 0, vn, 1.0)[:, None, None]
    basis = np.swapaxes(H[:, :, 1:], 1, 2)
    c = 1.0 - thresh
    r = math.sqrt(max(1.0 - c * c, 0.0))
    pts[ring] = np.concatenate([c * u[:, None] + r * basis, c * u[:, None] - r * basis], axis=1)
    w[ring] = 1.0 / (2 * d - 2)
    return pts, w


def _chunks(pulls, M):
    """Split each run's pull sequence (arm by arm) into M contiguous chunks of ppa pulls.

    Returns ``ppa`` (R,), the per-(run, arm, agent) overlap ``count`` (R, n, M) and its
    offset inside the agent's chunk ``offset`` (R, n, M).
    """
    total = pulls.sum(axis=1)
    ppa = -(-total // M)
    start = np.cumsum(pulls, axis=1) - pulls
    lo = np.arange(M)[None, None, :] * ppa[:, None, None]
    a0 = np.maximum(start[:, :, None], lo)
    a1 = np.minimum((start + pulls)[:, :, None], lo + ppa[:, None, None])
    count = np.maximum(a1 - a0, 0)
    return ppa, count, a0 - lo


@dataclass(frozen=True)
class DistributedElimination:
    r"""DELB: phased elimination whose pulls the server splits over the M agents.

    Phase :math:`l = 1, 2, \dots`: the server computes a design :math:`\pi` on the
    active arms (:func:`bandits.g_optimal_design`; on the unit ball the authors'
    cap design: basis vectors, then the boundary ring of the cap around the
    estimate), asks for :math:`\lceil \pi_a C 4^l d^2 \log(MT)\rceil` pulls of each
    arm, splits the list into M contiguous chunks of equal length and sends each
    agent its (arm, count) pairs. Agents send back one real per pair (the sum of
    its rewards); the server fits least squares, normalises the estimate,
    broadcasts it (d reals) and eliminates arms more than :math:`2^{2-(l+1)}`
    below the best estimated mean.

    Bits as in Salgia and Zhao's accounting (code ``codes/delb.py``): a real costs
    :math:`\lceil\log_2(MT)\rceil` bits (24 at M = 10, T = 1e6); each pair sent
    down costs :math:`\lceil\log_2 n\rceil + \lceil\log_2 p\rceil` bits (n design
    points, p pulls per agent).

    Parameters
    ----------
    C : float
        Exploration constant (the authors' runs use 10), ``> 0``.
    tol : float
        G-optimal design tolerance, ``> 0``.
    max_steps : int
        Frank--Wolfe iteration cap.

    References
    ----------
    Y. Wang, J. Hu, X. Chen, L. Wang. Distributed bandit learning: near-optimal
    regret with efficient communication. ICLR 2020 (DELB). S. Salgia and
    Q. Zhao. ICML 2023, Sec. 6 (the comparison and its bit costs).

    Examples
    --------
    >>> import numpy as np
    >>> from bandits.envs import LinearBandit, random_arms
    >>> env = LinearBandit(random_arms(12, 3, rng=0), np.array([0.6, 0.8, 0.0]))
    >>> res = DistributedElimination().run(env, 5_000, n_agents=2, rng=0)
    >>> bool(res.downlink_total()[0] > 0)
    True
    """

    C: float = 10.0
    tol: float = 1e-3
    max_steps: int = 10_000

    def __post_init__(self):
        for name in ("C", "tol"):
            value = check_real(getattr(self, name), name, low=0.0, low_inclusive=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "max_steps", check_int(self.max_steps, "max_steps", minimum=1))

    def run(self, env, horizon, *, n_agents, n_runs=1, rng=None) -> CommunicationResult:
        """Run ``n_runs`` independent copies in lockstep; see
        :meth:`bandits.distributed.ProgressiveLearningAndSharing.run` for the arguments."""
        T, M, R = check_setting(env, horizon, n_agents, n_runs)
        d = env.d
        real_bits = log2_ceil(M * T)
        gens = run_streams(rng, R)
        line = Timeline(R, T)
        best = best_mean(env)
        if env.continuous:
            pts, w = _cap_design(np.zeros((R, d)), 1)
        else:
            first = g_optimal_design(env.arms, tol=self.tol, max_steps=self.max_steps).weights
            pts = np.broadcast_to(env.arms, (R,) + env.arms.shape)
            w = np.tile(first, (R, 1))
            active = np.ones((R, env.n_arms), bool)
        t = np.zeros(R, np.int64)
        alive = np.ones(R, bool)
        phases = np.zeros(R, np.int64)
        up_rows, down_rows = [], []
        theta_hat = np.zeros((R, d))
        phase = 0
        while alive.any():
            phase += 1
            phases += alive
            base = self.C * 4.0**phase * d * d * math.log(M * T)
            pulls = np.where(w > 0, np.ceil(w * base), 0).astype(np.int64)
            ppa, count, offset = _chunks(pulls, M)
            means = pts @ env.theta
            r_idx, a_idx, m_idx = np.nonzero(count * alive[:, None, None])
            line.add(
                r_idx,
                t[r_idx] + offset[r_idx, a_idx, m_idx],
                count[r_idx, a_idx, m_idx],
                best - means[r_idx, a_idx],
            )
            pairs = (count > 0).sum(axis=1)
            n_pts = (w > 0).sum(axis=1)
            z = np.stack([g.standard_normal(w.shape[1]) for g in gens])
            t = np.where(alive, t + ppa, t)
            alive &= t < T
            index_bits = np.array(
                [log2_ceil(n) + log2_ceil(p) for n, p in zip(n_pts, ppa, strict=True)]
            )
            up_rows.append(np.where(alive[:, None], real_bits * pairs, 0))
            down_rows.append(np.where(alive, pairs.sum(axis=1) * index_bits + d * real_bits, 0))
            sums = pulls * means + np.sqrt(pulls) * env.noise_std * z
            V = np.einsum("rn,rni,rnj->rij", pulls, pts, pts)
            V += 1e-12 * np.maximum(np.trace(V, axis1=1, axis2=2), 1.0)[:, None, None] * np.eye(d)
            est = np.linalg.solve(V, np.einsum("rn,rni->ri", sums, pts)[..., None])[..., 0]
            norm = np.linalg.norm(est, axis=1, keepdims=True)
            theta_hat = np.where(alive[:, None], est / np.where(norm > 0, norm, 1.0), theta_hat)
            if env.continuous:
                pts, w = _cap_design(theta_hat, phase + 1)
            else:
                score = np.where(active, theta_hat @ env.arms.T, -np.inf)
                active &= score >= score.max(axis=1, keepdims=True) - 2.0 ** (1 - phase)
                w = np.zeros(active.shape)
                _designs(np.ascontiguousarray(pts), active, self.tol, self.max_steps, w)
        return CommunicationResult(
            cumulative_regret=line.cumulative(),
            uplink_bits=pad_phases(up_rows),
            downlink_bits=pad_phases(down_rows),
            phases=phases,
        )
