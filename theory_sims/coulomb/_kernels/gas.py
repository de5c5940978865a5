"""CPU kernel: one sweep of single-particle MALA updates for many Coulomb-gas chains.

Energy (per unit beta) of the d-dimensional gas:
``E = sum_{i<j} phi_d(|x_i - x_j|) + (N/2) sum_i |x_i|^2`` with
``phi_1 = -r``, ``phi_2 = -log r``, ``phi_d = r^(2-d)/(d-2)``; for every d the
pair force is ``-phi_d'(r) (x_i - x_j)/r = r^(-d) (x_i - x_j)``.

Per particle the sweep needs the force at the current and at the proposed
point and the energy change; at d = 2 the change of the log-energy is one
logarithm of a product of squared-distance ratios (rescaled to stay in range),
not N logarithms.

The per-chain functions use only scalar arithmetic, ``math`` and indexing, so
``gas_cuda`` recompiles the same source as CUDA device functions.
"""

from __future__ import annotations

import math

import numba

from gpu.jit import kernel

# A running product of ratios is folded into its logarithm outside [1/BIG, BIG].
_BIG = 1e150


@kernel()
def _inv_pow(r2, d):
    """r^-d from the squared distance r2."""
    if d == 1:
        return 1.0 / math.sqrt(r2)
    if d == 2:
        return 1.0 / r2
    if d == 3:
        return 1.0 / (r2 * math.sqrt(r2))
    return r2 ** (-0.5 * d)


@kernel()
def _phi(r2, d):
    """phi_d(r) from the squared distance r2 (d != 2)."""
    if d == 1:
        return -math.sqrt(r2)
    if d == 3:
        return 1.0 / math.sqrt(r2)
    return r2 ** (1.0 - 0.5 * d) / (d - 2.0)


@kernel()
def _force(x, c, i, y, grad):
    """Gradient of the energy of particle i of chain c placed at y, into grad."""
    N = x.shape[1]
    d = x.shape[2]
    for k in range(d):
        grad[k] = N * y[k]
    for jj in range(N - 1):
        j = jj + (jj >= i)
        r2 = 0.0
        for k in range(d):
            diff = y[k] - x[c, j, k]
            r2 += diff * diff
        w = _inv_pow(r2, d)
        for k in range(d):
            grad[k] -= w * (y[k] - x[c, j, k])


@kernel()
def _move_energy(x, c, i, y, grad):
    """Energy change of moving particle i of chain c from x[c, i] to y; force at y into grad."""
    N = x.shape[1]
    d = x.shape[2]
    change = 0.0
    for k in range(d):
        grad[k] = N * y[k]
        change += 0.5 * N * (y[k] * y[k] - x[c, i, k] * x[c, i, k])
    ratio = 1.0
    log_ratio = 0.0
    for jj in range(N - 1):
        j = jj + (jj >= i)
        r2_new = 0.0
        r2_old = 0.0
        for k in range(d):
            diff = y[k] - x[c, j, k]
            r2_new += diff * diff
            old = x[c, i, k] - x[c, j, k]
            r2_old += old * old
        if d == 2:
            ratio *= r2_new / r2_old
            if ratio > _BIG or ratio < 1.0 / _BIG:
                log_ratio += math.log(ratio)
                ratio = 1.0
        else:
            change += _phi(r2_new, d) - _phi(r2_old, d)
        w = _inv_pow(r2_new, d)
        for k in range(d):
            grad[k] -= w * (y[k] - x[c, j, k])
    if d == 2:
        change -= 0.5 * (log_ratio + math.log(ratio))
    return change


@kernel()
def _chain_sweep(x, c, normals, uniforms, beta, lr, scratch):
    """Update each particle of chain c once (MALA with target exp(-beta E)); return accepts."""
    N = x.shape[1]
    d = x.shape[2]
    cur = scratch[c, 0]
    g_cur = scratch[c, 1]
    prop = scratch[c, 2]
    g_prop = scratch[c, 3]
    root = math.sqrt(lr)
    drift = 0.5 * lr * beta
    accepted = 0
    for i in range(N):
        for k in range(d):
            cur[k] = x[c, i, k]
        _force(x, c, i, cur, g_cur)
        forward = 0.0
        for k in range(d):
            z = normals[c, i, k]
            prop[k] = cur[k] - drift * g_cur[k] + root * z
            forward += z * z
        change = _move_energy(x, c, i, prop, g_prop)
        backward = 0.0
        for k in range(d):
            b = cur[k] - prop[k] + drift * g_prop[k]
            backward += b * b
        log_accept = -beta * change - backward / (2.0 * lr) + 0.5 * forward
        # NaN (a collision) compares False: the move is rejected
        if math.log(uniforms[c, i]) < log_accept:
            for k in range(d):
                x[c, i, k] = prop[k]
            accepted += 1
    return accepted


@kernel(parallel=True)
def _mala_sweep(x, normals, uniforms, beta, lr, scratch, accepted):
    """One sweep of every chain, in parallel over chains; accepts added to ``accepted``."""
    for c in numba.prange(x.shape[0]):
        accepted[c] += _chain_sweep(x, c, normals, uniforms, beta, lr, scratch)
