"""Per-arm ("disjoint") LinUCB of Li, Chu, Langford and Schapire (2010), Alg. 1, batched.

Arm k keeps its own ridge model A_k = lam I + sum x x^T over its pulls, with
A_k^{-1} updated by Sherman--Morrison and refreshed from A_k by Cholesky every
``refactor_every`` of its pulls; the score is x_k^T theta_k + alpha ||x_k||_{A_k^{-1}}.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bandits._kernels.dense import _argmax, _dot, _refactor, _sym_matvec
from bandits._kernels.ridge import _ridge_update
from gpu.jit import kernel


@kernel()
def _disjoint_run(
    alpha, refactor_every, arms, means, noise, A, Ainv, b, theta_hat, pulls, z, L, Linv, sc,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    """One run through a block; ``arms`` (Ba, K, d), ``means`` (Bm, K), state per arm."""
    K = arms.shape[1]
    for t in range(noise.shape[0]):
        X = arms[min(t, arms.shape[0] - 1)]
        for k in range(K):
            _sym_matvec(Ainv[k], X[k], z)
            width = math.sqrt(max(_dot(X[k], z), 0.0))
            sc[k] = _dot(X[k], theta_hat[k]) + alpha * width
        k_sel = _argmax(sc)
        mrow = means[min(t, means.shape[0] - 1)]
        best = mrow[0]
        for k in range(1, K):
            best = max(best, mrow[k])
        reward = mrow[k_sel] + noise[t]
        out_arm[t] = k_sel
        out_reward[t] = reward
        out_regret[t] = best - mrow[k_sel]
        _ridge_update(X[k_sel], reward, A[k_sel], Ainv[k_sel], b[k_sel], theta_hat[k_sel], z)
        pulls[k_sel] += 1
        if refactor_every > 0 and pulls[k_sel] % refactor_every == 0:
            _refactor(A[k_sel], L, Linv, Ainv[k_sel])
            _sym_matvec(Ainv[k_sel], b[k_sel], theta_hat[k_sel])


@kernel(parallel=True)
def _disjoint_block(
    alpha, refactor_every, arms, means, noise, A, Ainv, b, theta_hat, pulls, z, L, Linv,
    scores, out_arm, out_reward, out_regret,
):  # fmt: skip
    """Advance every run through ``noise.shape[1]`` rounds; arrays as in ``_ridge_block``."""
    for r in numba.prange(noise.shape[0]):
        _disjoint_run(
            alpha, refactor_every, arms[min(np.int64(r), arms.shape[0] - 1)],
            means[min(np.int64(r), means.shape[0] - 1)], noise[r], A[r], Ainv[r], b[r],
            theta_hat[r], pulls[r], z[r], L[r], Linv[r], scores[r], out_arm[r], out_reward[r],
            out_regret[r],
        )  # fmt: skip
