"""Phased elimination with G-optimal designs (Lattimore and Szepesvari, 2020, Alg. 12).

Phase l = 1, 2, ... has accuracy eps_l = 2^{-l}. It computes a G-optimal design
pi on the active arms, pulls each arm a exactly
ceil(2 g sigma^2 pi(a) / eps_l^2 * log(K l (l + 1) / delta)) times (g: the
design's achieved max variance, r(1 + tol) at most), fits least squares on
the phase's data only, and keeps the arms whose estimated gap is <= 2 eps_l.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bandits._kernels.dense import (
    _add_outer,
    _cholesky,
    _dot,
    _inverse_from_cholesky,
    _sym_matvec,
)
from bandits._kernels.design import _g_optimal
from gpu.jit import kernel

# The settings vector of the elimination kernels: these names index it.
DELTA, NOISE_STD, TOL, MAX_STEPS = range(4)

#: Cap on the pulls of one arm in one phase: int(ceil(x)) is undefined past 2^63, and a
#: phase that asks for more pulls (an infinite count when the design has no variance to
#: bound, e.g. all active arms are zero) simply lasts for the rest of any simulation.
_MAX_PULLS = 2**62


def elimination_params(delta, noise_std, tol, max_steps):
    """The settings vector of ``_elimination_block`` and ``_ball_elimination_block``."""
    params = np.zeros(4)
    params[DELTA] = delta
    params[NOISE_STD] = noise_std
    params[TOL] = tol
    params[MAX_STEPS] = max_steps
    return params


@kernel()
def _pulls(x):
    """ceil(x) pulls, at most ``_MAX_PULLS`` (also for x = inf or NaN)."""
    if x < _MAX_PULLS:
        return int(math.ceil(x))
    return _MAX_PULLS


@kernel()
def _start_phase(A, active, remaining, phase, params):
    """Plan phase ``phase`` (>= 1) on the active arms: fills ``remaining``.

    When every active arm is zero they all have mean 0: the first one is played
    from then on.
    """
    K = A.shape[0]
    delta, sigma, tol = params[DELTA], params[NOISE_STD], params[TOL]
    max_steps = int(params[MAX_STEPS])
    idx = np.empty(K, dtype=np.int64)
    m = 0
    for k in range(K):
        remaining[k] = 0
        if active[k]:
            idx[m] = k
            m += 1
    sub = np.empty((m, A.shape[1]))
    for i in range(m):
        sub[i] = A[idx[i]]
    pi, _, gmax, rank = _g_optimal(sub, tol, max_steps)
    if rank == 0:
        remaining[idx[0]] = _MAX_PULLS
        return
    eps = 2.0 ** (-phase)
    scale = 2.0 * gmax * sigma * sigma / (eps * eps) * math.log(K * phase * (phase + 1.0) / delta)
    for i in range(m):
        if pi[i] > 0.0:
            remaining[idx[i]] = _pulls(scale * pi[i])


@kernel()
def _end_phase(A, active, phase, V, b, L, Linv, Vinv, theta_hat):
    """Least squares on the phase's data, then drop arms with estimated gap > 2 eps."""
    d = A.shape[1]
    ridge = 0.0
    for i in range(d):
        ridge += V[i, i]
    ridge = max(ridge, 1.0) * 1e-12
    for i in range(d):
        V[i, i] += ridge
    _cholesky(V, L)
    _inverse_from_cholesky(L, Linv, Vinv)
    _sym_matvec(Vinv, b, theta_hat)
    best = -math.inf
    for k in range(A.shape[0]):
        if active[k]:
            best = max(best, _dot(A[k], theta_hat))
    eps = 2.0 ** (-phase)
    for k in range(A.shape[0]):
        if active[k] and best - _dot(A[k], theta_hat) > 2.0 * eps:
            active[k] = False
    for i in range(d):
        b[i] = 0.0
        for j in range(d):
            V[i, j] = 0.0


@kernel(parallel=True)
def _elimination_block(
    params,
    arms,
    means,
    noise,
    active,
    remaining,
    phase,
    V,
    b,
    L,
    Linv,
    Vinv,
    theta_hat,
    out_arm,
    out_reward,
    out_regret,
):
    """Advance every run through ``noise.shape[1]`` rounds on the fixed arms (K, d)."""
    n_runs, n_rounds = noise.shape
    K = arms.shape[0]
    best = means.max()
    for r in numba.prange(n_runs):
        for t in range(n_rounds):
            k_sel = -1
            while k_sel < 0:
                for k in range(K):
                    if remaining[r, k] > 0:
                        k_sel = k
                        break
                if k_sel < 0:
                    if phase[r] > 0:
                        _end_phase(
                            arms, active[r], phase[r], V[r], b[r], L[r], Linv[r], Vinv[r],
                            theta_hat[r],
                        )  # fmt: skip
                    phase[r] += 1
                    _start_phase(arms, active[r], remaining[r], phase[r], params)
            remaining[r, k_sel] -= 1
            reward = means[k_sel] + noise[r, t]
            out_arm[r, t] = k_sel
            out_reward[r, t] = reward
            out_regret[r, t] = best - means[k_sel]
            a = arms[k_sel]
            _add_outer(V[r], a, 1.0)
            for i in range(a.shape[0]):
                b[r, i] += reward * a[i]


@kernel()
def _cap_points(u, cos_phi, P):
    """Design support on the spherical cap {a : <a, u> >= cos_phi}: u and the 2(d-1) ring points.

    The ring points are cos_phi u +- sin_phi w_j for an orthonormal basis w_j of u's
    complement (columns of the Householder reflection taking e_1 to u). By the cap's
    rotational symmetry the max variance over the whole cap is attained at u or on the
    ring, so a G-optimal design on these points is G-optimal for the cap.
    Returns the number of points written.
    """
    d = u.shape[0]
    sin_phi = math.sqrt(max(1.0 - cos_phi * cos_phi, 0.0))
    v = u.copy()
    v[0] -= 1.0
    vv = _dot(v, v)
    P[0] = u
    for j in range(1, d):
        for i in range(d):
            hij = (1.0 if i == j else 0.0) - (2.0 * v[i] * v[j] / vv if vv > 0.0 else 0.0)
            P[2 * j - 1, i] = cos_phi * u[i] + sin_phi * hij
            P[2 * j, i] = cos_phi * u[i] - sin_phi * hij
    return 2 * d - 1


@kernel(parallel=True)
def _ball_elimination_block(
    params, theta, noise, points, n_points, remaining, phase, V, b, L, Linv, Vinv, theta_hat,
    out_reward, out_regret,
):  # fmt: skip
    """Phased elimination on the unit sphere (see ``_cap_points``), one kernel per block.

    Phase 1 explores with the G-optimal design of the whole sphere (e_1, ..., e_d,
    uniform). After phase l, the active set is the cap {a : <a, theta_hat> >=
    ||theta_hat|| - 2 eps_l}; the confidence term log(K) of the finite algorithm is
    replaced by log of an eps_l-net's size, d log(3 / eps_l).
    """
    n_runs, n_rounds = noise.shape
    d = theta.shape[0]
    delta, sigma, tol = params[DELTA], params[NOISE_STD], params[TOL]
    max_steps = int(params[MAX_STEPS])
    best = math.sqrt(_dot(theta, theta))
    for r in numba.prange(n_runs):
        for t in range(n_rounds):
            k_sel = -1
            while k_sel < 0:
                for k in range(n_points[r]):
                    if remaining[r, k] > 0:
                        k_sel = k
                        break
                if k_sel >= 0:
                    break
                if phase[r] > 0:
                    active = np.ones(1, dtype=np.bool_)
                    _end_phase(
                        points[r, :1], active, phase[r], V[r], b[r], L[r], Linv[r], Vinv[r],
                        theta_hat[r],
                    )  # fmt: skip
                phase[r] += 1
                eps = 2.0 ** (-phase[r])
                nrm = math.sqrt(_dot(theta_hat[r], theta_hat[r]))
                cos_phi = 1.0 - 2.0 * eps / nrm if nrm > 0.0 else -1.0
                if phase[r] == 1 or cos_phi <= 0.0:
                    m = d
                    for i in range(d):
                        points[r, i] = 0.0
                        points[r, i, i] = 1.0
                else:
                    u = theta_hat[r] / nrm
                    m = _cap_points(u, cos_phi, points[r])
                n_points[r] = m
                pi, _, gmax, _ = _g_optimal(points[r, :m], tol, max_steps)
                log_term = d * math.log(3.0 / eps) + math.log(phase[r] * (phase[r] + 1.0) / delta)
                scale = 2.0 * gmax * sigma * sigma / (eps * eps) * log_term
                for k in range(m):
                    remaining[r, k] = _pulls(scale * pi[k]) if pi[k] > 0.0 else 0
            remaining[r, k_sel] -= 1
            a = points[r, k_sel]
            mean = _dot(a, theta)
            reward = mean + noise[r, t]
            out_reward[r, t] = reward
            out_regret[r, t] = best - mean
            _add_outer(V[r], a, 1.0)
            for i in range(d):
                b[r, i] += reward * a[i]
