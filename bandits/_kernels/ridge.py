"""Batched ridge-regression bandit policies on finite arm sets (OFUL, LinTS, epsilon-greedy).

One kernel advances R independent runs through a block of rounds: ``prange``
over runs, a sequential loop over rounds inside each run. Per run and round it
selects an arm, draws the reward from the pre-drawn noise, records the exact
pseudo-regret, and updates the ridge statistics:

* ``V^{-1}`` by Sherman--Morrison and ``log det V`` by the matrix determinant
  lemma, from ``z = V^{-1} a`` and ``q = 1 + a^T z``;
* ``theta_hat += z (r - a^T theta_hat) / q``;
* on a fixed arm set, the arm estimates ``a_k^T theta_hat`` and the squared
  norms ``||a_k||^2_{V^{-1}}`` from ``w = A z`` in O(K d) (no O(K d^2) pass);
* every ``refactor_every`` rounds, ``V^{-1}``, ``log det V`` and the arm
  statistics are recomputed from ``V`` by Cholesky, which bounds the drift.

Arms are a 4-D array ``(Ra, Ba, K, d)`` and their mean rewards a 3-D array
``(Ra, Ba, K)``: ``Ra`` is 1 (shared by the runs) or R, ``Ba`` is 1 (fixed over
the block) or the block length.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bandits._kernels.dense import (
    _add_outer,
    _argmax,
    _cholesky,
    _dot,
    _refactor,
    _sherman_morrison,
    _sym_matvec,
)
from gpu.jit import kernel

OFUL, LINTS, EPSILON_GREEDY = 0, 1, 2

# The ridge kernels' settings travel as one float64 vector (a numba.cuda kernel
# takes arrays, not records); these names index it, and ridge_params builds it.
LAM, DELTA, S_BOUND, NOISE_STD, SCALE, V_SCALE, EPSILON, POWER, REFACTOR_EVERY = range(9)
N_PARAMS = 9


def ridge_params(
    lam, refactor_every, *, delta=0.5, S=0.0, noise_std=0.0, scale=0.0, v=0.0, epsilon=0.0,
    power=0.0,
):  # fmt: skip
    """The settings vector of :func:`_ridge_block` and :func:`bandits._kernels.ball._ball_block`.

    ``lam`` and ``refactor_every`` serve every policy; OFUL reads ``delta``, ``S``,
    ``noise_std`` and ``scale``, LinTS the posterior scale ``v``, epsilon-greedy
    ``epsilon`` and ``power``. A setting a policy does not read keeps its default.
    """
    params = np.zeros(N_PARAMS)
    params[LAM] = lam
    params[DELTA] = delta
    params[S_BOUND] = S
    params[NOISE_STD] = noise_std
    params[SCALE] = scale
    params[V_SCALE] = v
    params[EPSILON] = epsilon
    params[POWER] = power
    params[REFACTOR_EVERY] = refactor_every
    return params


@kernel()
def _arm_statistics(A, Vinv, theta_hat, z, est, norm2):
    """est_k = a_k^T theta_hat and norm2_k = a_k^T V^{-1} a_k for every arm."""
    for k in range(A.shape[0]):
        est[k] = _dot(A[k], theta_hat)
        _sym_matvec(Vinv, A[k], z)
        norm2[k] = _dot(A[k], z)


@kernel()
def _oful_radius(params, logdet, d):
    """Radius of Abbasi-Yadkori et al. (2011), Thm 2, times ``scale``.

    noise_std sqrt(2 log(1/delta) + log det V - d log lam) + sqrt(lam) S.
    """
    lam = params[LAM]
    inside = 2.0 * math.log(1.0 / params[DELTA]) + logdet - d * math.log(lam)
    radius = params[NOISE_STD] * math.sqrt(max(inside, 0.0)) + math.sqrt(lam) * params[S_BOUND]
    return params[SCALE] * radius


@kernel()
def _ridge_update(a, reward, V, Vinv, b, theta_hat, z):
    """Add (a, reward) to the ridge statistics; returns (q, residual / q)."""
    _add_outer(V, a, 1.0)
    for i in range(a.shape[0]):
        b[i] += reward * a[i]
    resid = reward - _dot(a, theta_hat)
    q = _sherman_morrison(Vinv, a, z)
    c = resid / q
    for i in range(a.shape[0]):
        theta_hat[i] += c * z[i]
    return q, c


@kernel()
def _rebuild_gram(arms, counts, lam, V):
    """V = lam I + sum_k counts_k a_k a_k^T (a fixed arm set needs no running V)."""
    d = V.shape[0]
    for i in range(d):
        for j in range(d):
            V[i, j] = 0.0
        V[i, i] = lam
    for k in range(arms.shape[0]):
        if counts[k] > 0:
            _add_outer(V, arms[k], float(counts[k]))


@kernel()
def _select_oful(params, fixed, A, Vinv, theta_hat, logdet, est, norm2, z, sc):
    """OFUL's arm: the largest upper confidence bound est_k + beta ||a_k||_{V^{-1}}."""
    beta = _oful_radius(params, logdet[0], A.shape[1])
    if fixed:
        for k in range(A.shape[0]):
            sc[k] = est[k] + beta * math.sqrt(max(norm2[k], 0.0))
    else:
        for k in range(A.shape[0]):
            _sym_matvec(Vinv, A[k], z)
            sc[k] = _dot(A[k], theta_hat) + beta * math.sqrt(max(_dot(A[k], z), 0.0))
    return _argmax(sc)


@kernel()
def _select_lints(
    params, fixed, A, counts, V, Vinv, theta_hat, logdet, L, Linv, normal, sample, sc
):  # fmt: skip
    """LinTS's arm: the best arm for theta_hat + v L eta, L L^T = V^{-1}, eta = ``normal``.

    A V^{-1} that lost positive definiteness to rounding is first recomputed from V.
    """
    d = A.shape[1]
    if not _cholesky(Vinv, L):
        if fixed:
            _rebuild_gram(A, counts, params[LAM], V)
        logdet[0] = _refactor(V, L, Linv, Vinv)
        _cholesky(Vinv, L)
    v = params[V_SCALE]
    for i in range(d):
        acc = 0.0
        for j in range(i + 1):
            acc += L[i, j] * normal[j]
        sample[i] = theta_hat[i] + v * acc
    for k in range(A.shape[0]):
        sc[k] = _dot(A[k], sample)
    return _argmax(sc)


@kernel()
def _select_greedy(params, fixed, A, theta_hat, est, uniform, tt, sc):
    """Epsilon-greedy's arm: uniform with probability min(1, epsilon (tt + 1)^-power)."""
    K = A.shape[0]
    eps_t = min(1.0, params[EPSILON] * (tt + 1.0) ** (-params[POWER]))
    if uniform[0] < eps_t:
        return min(int(uniform[1] * K), K - 1)
    for k in range(K):
        sc[k] = est[k] if fixed else _dot(A[k], theta_hat)
    return _argmax(sc)


@kernel()
def _learn(
    params, fixed, A, arms_t, k_sel, reward, tt, V, Vinv, b, theta_hat, logdet, est, norm2,
    counts, z, w, L, Linv,
):  # fmt: skip
    """Add the pull of arm ``k_sel`` in round ``tt`` to the ridge statistics.

    Rank-one updates of V^{-1}, log det V, theta_hat and (fixed arms) the arm
    statistics, then the Cholesky refresh every ``refactor_every`` rounds.
    """
    K = A.shape[0]
    d = A.shape[1]
    a = A[k_sel]
    if fixed:
        counts[k_sel] += 1
    else:
        _add_outer(V, a, 1.0)
    for i in range(d):
        b[i] += reward * a[i]
    resid = reward - _dot(a, theta_hat)
    q = _sherman_morrison(Vinv, a, z)
    qinv = 1.0 / q
    c = resid * qinv
    for i in range(d):
        theta_hat[i] += c * z[i]
    logdet[0] += math.log(q)
    if fixed:
        for k in range(K):
            w[k] = 0.0
        for j in range(d):
            zj = z[j]
            for k in range(K):
                w[k] += arms_t[j, k] * zj
        for k in range(K):
            est[k] += c * w[k]
            norm2[k] -= (w[k] * w[k]) * qinv
    refactor_every = int(params[REFACTOR_EVERY])
    if refactor_every > 0 and (tt + 1) % refactor_every == 0:
        if fixed:
            _rebuild_gram(A, counts, params[LAM], V)
        logdet[0] = _refactor(V, L, Linv, Vinv)
        _sym_matvec(Vinv, b, theta_hat)
        if fixed:
            _arm_statistics(A, Vinv, theta_hat, z, est, norm2)


@kernel()
def _ridge_run(
    policy, params, fixed, arms, arms_t, means, noise, normals, uniforms, t0,
    V, Vinv, b, theta_hat, logdet, est, norm2, counts, z, w, L, Linv, sample, sc,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    """One run through a block of rounds; every array is this run's view.

    ``arms`` (Ba, K, d), ``means`` (Bm, K), ``noise`` (B,), ``normals`` (B, n),
    ``uniforms`` (B, m), ``logdet`` a length-1 array; the outputs are (B,).
    ``params`` is built by :func:`ridge_params`.
    """
    K = arms.shape[1]
    best = 0.0
    for t in range(noise.shape[0]):
        A = arms[min(t, arms.shape[0] - 1)]
        mrow = means[min(t, means.shape[0] - 1)]
        if t == 0 or means.shape[0] > 1:
            best = mrow[0]
            for k in range(1, K):
                best = max(best, mrow[k])
        tt = t0 + t
        # ---- select
        if policy == OFUL:
            k_sel = _select_oful(params, fixed, A, Vinv, theta_hat, logdet, est, norm2, z, sc)
        elif policy == LINTS:
            k_sel = _select_lints(
                params, fixed, A, counts, V, Vinv, theta_hat, logdet, L, Linv, normals[t],
                sample, sc,
            )  # fmt: skip
        else:
            k_sel = _select_greedy(params, fixed, A, theta_hat, est, uniforms[t], tt, sc)
        # ---- environment: exact pseudo-regret
        mean = mrow[k_sel]
        reward = mean + noise[t]
        out_arm[t] = k_sel
        out_reward[t] = reward
        out_regret[t] = best - mean
        # ---- learn
        _learn(
            params, fixed, A, arms_t, k_sel, reward, tt, V, Vinv, b, theta_hat, logdet, est,
            norm2, counts, z, w, L, Linv,
        )  # fmt: skip


@kernel(parallel=True)
def _ridge_block(
    policy, params, fixed, arms, arms_t, means, noise, normals, uniforms, t0,
    V, Vinv, b, theta_hat, logdet, est, norm2, counts, z, w, L, Linv, sample, scores,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    """Advance every run through ``noise.shape[1]`` rounds (see the module docstring)."""
    for r in numba.prange(noise.shape[0]):
        ra = min(np.int64(r), arms.shape[0] - 1)
        rm = min(np.int64(r), means.shape[0] - 1)
        _ridge_run(
            policy, params, fixed, arms[ra], arms_t, means[rm], noise[r], normals[r],
            uniforms[r], t0, V[r], Vinv[r], b[r], theta_hat[r], logdet[r : r + 1], est[r],
            norm2[r], counts[r], z[r], w[r], L[r], Linv[r], sample[r], scores[r],
            out_arm[r], out_reward[r], out_regret[r],
        )  # fmt: skip


@kernel(parallel=True)
def _ridge_replay(actions, lam, refactor_every, Vinv, logdet, V, L, Linv, z):
    """Feed fixed action sequences (R, T, d) through the same rank-one updates.

    Used to check the Sherman--Morrison inverse and log det against a direct
    computation; returns nothing, updates ``Vinv``, ``logdet`` and ``V``.
    """
    n_runs, n_rounds, d = actions.shape
    for r in numba.prange(n_runs):
        for t in range(n_rounds):
            a = actions[r, t]
            _add_outer(V[r], a, 1.0)
            logdet[r] += math.log(_sherman_morrison(Vinv[r], a, z[r]))
            if refactor_every > 0 and (t + 1) % refactor_every == 0:
                logdet[r] = _refactor(V[r], L[r], Linv[r], Vinv[r])


def ridge_replay(actions, lam, refactor_every):
    """Python entry to :func:`_ridge_replay`: returns (V^{-1}, log det V, V) per run."""
    n_runs, _, d = actions.shape
    V = np.broadcast_to(lam * np.eye(d), (n_runs, d, d)).copy()
    Vinv = np.broadcast_to(np.eye(d) / lam, (n_runs, d, d)).copy()
    logdet = np.full(n_runs, d * math.log(lam))
    L = np.zeros((n_runs, d, d))
    Linv = np.zeros((n_runs, d, d))
    z = np.zeros((n_runs, d))
    _ridge_replay(actions, float(lam), int(refactor_every), Vinv, logdet, V, L, Linv, z)
    return Vinv, logdet, V
