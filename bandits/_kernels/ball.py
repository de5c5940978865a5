"""Batched ridge policies on the unit ball or unit sphere in R^d.

Linear maximisation over the ball has the closed form ``argmax_a a^T w =
w / ||w||``, which serves LinTS (w = a posterior sample) and greedy steps. For
OFUL the optimistic action solves max_a max_{theta in C} a^T theta = max over
the confidence ellipsoid C = {theta : ||theta - theta_hat||_V <= beta} of
||theta||: in the eigenbasis V = Q diag(v) Q^T with c = Q^T theta_hat, the
maximiser is y_i = v_i c_i / (v_i - s) with s in (0, v_min) the root of
s^2 sum_i c_i^2 v_i / (v_i - s)^2 = beta^2 (a secular equation, solved by
bisection); when no root exists (the "hard case", e.g. theta_hat = 0) the
surplus goes along the eigenvector of v_min. The action is theta* / ||theta*||.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bandits._kernels.dense import _cholesky, _dot, _refactor, _sym_matvec
from bandits._kernels.ridge import (
    EPSILON,
    EPSILON_GREEDY,
    LINTS,
    OFUL,
    POWER,
    REFACTOR_EVERY,
    V_SCALE,
    _oful_radius,
    _ridge_update,
)
from gpu.jit import kernel

_BISECTIONS = 200


@kernel()
def _max_norm_in_ellipsoid(V, theta_hat, beta, out):
    """out = argmax ||theta|| over ||theta - theta_hat||_V <= beta (see module docstring)."""
    d = theta_hat.shape[0]
    v, Q = np.linalg.eigh(V)
    c = np.empty(d)
    for j in range(d):
        acc = 0.0
        for i in range(d):
            acc += Q[i, j] * theta_hat[i]
        c[j] = acc
    vmin = v[0]
    y = np.empty(d)
    lo = 0.0
    hi = vmin
    # g(s) = s^2 sum c_i^2 v_i / (v_i - s)^2 increases on (0, vmin). When it stays below
    # beta^2 up to (numerically) vmin -- exactly when c_0 = 0, or c_0 is too small to
    # matter in floating point -- the "hard case" applies: s = vmin, and the remaining
    # budget goes along the eigenvector of vmin.
    s_top = vmin * (1.0 - 1e-13)
    g_top = 0.0
    for i in range(d):
        g_top += c[i] * c[i] * v[i] / ((v[i] - s_top) ** 2)
    hard = s_top * s_top * g_top <= beta * beta
    if hard:
        surplus = 0.0
        for i in range(1, d):
            if v[i] > vmin:
                y[i] = v[i] * c[i] / (v[i] - vmin)
                surplus += v[i] * (y[i] - c[i]) ** 2
            else:
                y[i] = c[i]
        step = math.sqrt(max(beta * beta - surplus, 0.0) / vmin)
        y[0] = c[0] + (step if c[0] >= 0.0 else -step)
    else:
        for _ in range(_BISECTIONS):
            s = 0.5 * (lo + hi)
            f = 0.0
            for i in range(d):
                f += c[i] * c[i] * v[i] / ((v[i] - s) ** 2)
            if s * s * f > beta * beta:
                hi = s
            else:
                lo = s
            if hi - lo <= 1e-15 * vmin:
                break
        s = lo
        for i in range(d):
            y[i] = v[i] * c[i] / (v[i] - s)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Q[i, j] * y[j]
        out[i] = acc


@kernel()
def _normalise(x):
    """x / ||x|| in place, or e_1 when x = 0."""
    nrm = math.sqrt(_dot(x, x))
    if nrm > 0.0:
        for i in range(x.shape[0]):
            x[i] /= nrm
    else:
        x[:] = 0.0
        x[0] = 1.0


@kernel(parallel=True)
def _ball_block(
    policy,
    params,
    ball,
    theta,
    noise,
    normals,
    uniforms,
    t0,
    V,
    Vinv,
    b,
    theta_hat,
    logdet,
    z,
    L,
    Linv,
    action,
    out_reward,
    out_regret,
):
    """Advance every run through ``noise.shape[1]`` rounds on the unit ball (or sphere).

    ``params`` from :func:`bandits._kernels.ridge.ridge_params`; ``ball`` is True
    for the ball (uniform exploration inside it), False for the sphere.
    """
    n_runs, n_rounds = noise.shape
    d = theta.shape[0]
    v = params[V_SCALE]
    epsilon = params[EPSILON]
    power = params[POWER]
    refactor_every = int(params[REFACTOR_EVERY])
    best = math.sqrt(_dot(theta, theta))
    for r in numba.prange(n_runs):
        a = action[r]
        for t in range(n_rounds):
            tt = t0 + t
            g = normals[r, t]
            if policy == OFUL:
                beta = _oful_radius(params, logdet[r], d)
                _max_norm_in_ellipsoid(V[r], theta_hat[r], beta, a)
                _normalise(a)
            elif policy == LINTS:
                if not _cholesky(Vinv[r], L[r]):
                    logdet[r] = _refactor(V[r], L[r], Linv[r], Vinv[r])
                    _cholesky(Vinv[r], L[r])
                for i in range(d):
                    acc = 0.0
                    for j in range(i + 1):
                        acc += L[r, i, j] * g[j]
                    a[i] = theta_hat[r, i] + v * acc
                _normalise(a)
            elif policy == EPSILON_GREEDY:
                eps_t = min(1.0, epsilon * (tt + 1.0) ** (-power))
                if uniforms[r, t, 0] < eps_t:
                    for i in range(d):
                        a[i] = g[i]
                    _normalise(a)
                    if ball:
                        radius = uniforms[r, t, 1] ** (1.0 / d)
                        for i in range(d):
                            a[i] *= radius
                else:
                    for i in range(d):
                        a[i] = theta_hat[r, i]
                    _normalise(a)
            mean = _dot(a, theta)
            reward = mean + noise[r, t]
            out_reward[r, t] = reward
            out_regret[r, t] = best - mean
            q, _ = _ridge_update(a, reward, V[r], Vinv[r], b[r], theta_hat[r], z[r])
            logdet[r] += math.log(q)
            if refactor_every > 0 and (tt + 1) % refactor_every == 0:
                logdet[r] = _refactor(V[r], L[r], Linv[r], Vinv[r])
                _sym_matvec(Vinv[r], b[r], theta_hat[r])
