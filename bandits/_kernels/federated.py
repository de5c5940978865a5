"""Per-round kernel of federated elimination on context streams (ROBIN's setting)."""

from __future__ import annotations

import math

import numba
import numpy as np

from gpu.jit import kernel


@kernel(parallel=True)
def _stream_chunk(
    X, Z, theta, noise_std, theta_hat, Ginv, a_stat, a_priv, eliminate, Vinv, G, g, regret
):
    """Play ``X.shape[1]`` rounds for every run (parallel) and client.

    X : (R, B, M, K, d) contexts; Z : (R, B, M) standard normals. Each client keeps
    the arms x of its round with x^T theta_hat + w(x) >= max_k (x_k^T theta_hat - w(x_k)),
    w(x) = a_stat ||x||_{Ginv} + a_priv ||Ginv x|| (only if ``eliminate``), plays the kept
    arm of largest x^T Vinv x (Vinv: inverse of I + its phase Gram matrix, updated by
    Sherman--Morrison) and adds x x^T, x y to G, g. ``regret[r, b]`` gets the network
    pseudo-regret of round b.
    """
    R, B, M, K, d = X.shape
    for r in numba.prange(R):
        est = np.empty(K)
        wid = np.empty(K)
        z = np.empty(d)
        for b in range(B):
            total = 0.0
            for m in range(M):
                lcb = -math.inf
                for k in range(K):
                    e = 0.0
                    for i in range(d):
                        e += X[r, b, m, k, i] * theta_hat[r, i]
                    est[k] = e
                    w = 0.0
                    if eliminate:
                        q = 0.0
                        nrm = 0.0
                        for i in range(d):
                            s = 0.0
                            for j in range(d):
                                s += Ginv[r, i, j] * X[r, b, m, k, j]
                            q += X[r, b, m, k, i] * s
                            nrm += s * s
                        w = a_stat[r] * math.sqrt(max(q, 0.0)) + a_priv[r] * math.sqrt(nrm)
                    wid[k] = w
                    lcb = max(lcb, e - w)
                pick = 0
                best = -math.inf
                for k in range(K):
                    if est[k] + wid[k] < lcb:
                        continue
                    v = 0.0
                    for i in range(d):
                        s = 0.0
                        for j in range(d):
                            s += Vinv[r, m, i, j] * X[r, b, m, k, j]
                        v += X[r, b, m, k, i] * s
                    if v > best:
                        best = v
                        pick = k
                top = -math.inf
                mean = 0.0
                for k in range(K):
                    mu = 0.0
                    for i in range(d):
                        mu += X[r, b, m, k, i] * theta[i]
                    top = max(top, mu)
                    if k == pick:
                        mean = mu
                total += top - mean
                y = mean + noise_std * Z[r, b, m]
                for i in range(d):
                    s = 0.0
                    for j in range(d):
                        s += Vinv[r, m, i, j] * X[r, b, m, pick, j]
                    z[i] = s
                denom = 1.0 + best
                for i in range(d):
                    g[r, m, i] += X[r, b, m, pick, i] * y
                    for j in range(d):
                        G[r, m, i, j] += X[r, b, m, pick, i] * X[r, b, m, pick, j]
                        Vinv[r, m, i, j] -= z[i] * z[j] / denom
            regret[r, b] = total
