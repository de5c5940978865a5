"""Per-arm ("disjoint") LinUCB of Li, Chu, Langford and Schapire (2010), Alg. 1, batched.

Arm k keeps its own ridge model A_k = lam I + sum x x^T over its pulls, with
A_k^{-1} updated by Sherman--Morrison and refreshed from A_k by Cholesky every
``refactor_every`` of its pulls; the score is x_k^T theta_k + alpha ||x_k||_{A_k^{-1}}.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.cpu.bandits_linalg import _argmax, _dot, _refactor, _sym_matvec
from gpu.cpu.bandits_ridge import _ridge_update
from gpu.cpu.jit import kernel


@kernel(parallel=True)
def _disjoint_block(
    alpha,
    refactor_every,
    arms,
    means,
    noise,
    A,
    Ainv,
    b,
    theta_hat,
    pulls,
    z,
    L,
    Linv,
    scores,
    out_arm,
    out_reward,
    out_regret,
):
    """Advance every run through ``noise.shape[1]`` rounds; arrays as in ``_ridge_block``."""
    n_runs, n_rounds = noise.shape
    K = arms.shape[2]
    for r in numba.prange(n_runs):
        ra = min(np.int64(r), arms.shape[0] - 1)
        sc = scores[r]
        for t in range(n_rounds):
            X = arms[ra, min(t, arms.shape[1] - 1)]
            for k in range(K):
                _sym_matvec(Ainv[r, k], X[k], z[r])
                width = math.sqrt(max(_dot(X[k], z[r]), 0.0))
                sc[k] = _dot(X[k], theta_hat[r, k]) + alpha * width
            k_sel = _argmax(sc)
            mrow = means[min(np.int64(r), means.shape[0] - 1), min(t, means.shape[1] - 1)]
            best = mrow[0]
            for k in range(1, K):
                best = max(best, mrow[k])
            reward = mrow[k_sel] + noise[r, t]
            out_arm[r, t] = k_sel
            out_reward[r, t] = reward
            out_regret[r, t] = best - mrow[k_sel]
            _ridge_update(
                X[k_sel], reward, A[r, k_sel], Ainv[r, k_sel], b[r, k_sel], theta_hat[r, k_sel],
                z[r],
            )  # fmt: skip
            pulls[r, k_sel] += 1
            if refactor_every > 0 and pulls[r, k_sel] % refactor_every == 0:
                _refactor(A[r, k_sel], L[r], Linv[r], Ainv[r, k_sel])
                _sym_matvec(Ainv[r, k_sel], b[r, k_sel], theta_hat[r, k_sel])
