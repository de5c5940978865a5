"""Batched policies on a dynamical linear bandit: the hidden state is stepped in the kernel.

One kernel advances R independent runs through a block of rounds (``prange``
over runs, a fixed sequential order inside each run, so a run's bits do not
depend on the batch). Per run and round it chooses an action (a new one only
when the policy's current block of rounds has ended), pays
``y = omega . x + theta . u + eta`` from the pre-drawn noise, steps the state
``x <- A x + B u + eps``, records the steady-state pseudo-regret, and learns
from ``y`` only at the last round of a block.

Policies (M. Mussi, A. M. Metelli, M. Restelli, Dynamical Linear Bandits, ICML 2023):

* ``DYNLINUCB``: blocks of ``1 + floor(log m / log(1/rho))`` rounds (block m);
  ridge regression of the block-end reward on the held action; the optimistic
  exploration coefficient of the paper (as coded in ``marcomussi/DLB``).
* ``LINUCB``: blocks of one round, OFUL's radius (Abbasi-Yadkori et al., 2011);
  the baseline that ignores the dynamics.
* ``DLINUCB``: discounted LinUCB (Russac, Vernade, Cappe, NeurIPS 2019, Alg. 1).
* ``EXP3``: Exp3 with uniform mixing over the finite action set (Auer et al.,
  SIAM J. Comput. 2002), rewards affinely rescaled.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from bandits._kernels.dense import _argmax, _dot, _refactor, _sym_matvec
from bandits._kernels.ridge import _ridge_update
from gpu.jit import kernel

DYNLINUCB, LINUCB, DLINUCB, EXP3 = 0, 1, 2, 3

# Settings vector (a numba kernel takes arrays, not records); dynamical_params builds it.
(
    LAM, DELTA, SCALE, RHO, C1, C2, SIGMA_BAR2, U2, NOISE_STD, S_BOUND, GAMMA,
    MIX, ETA, R_OFFSET, R_RANGE, REFACTOR_EVERY,
) = range(16)  # fmt: skip
N_PARAMS = 16
# Integer state per run: current arm, current block index m (1-based), the block's
# last round, number of learning updates.
ARM, BLOCK, BLOCK_END, UPDATES = range(4)


def dynamical_params(**settings):
    """The settings vector of :func:`_dynamical_block`; unnamed settings are 0.

    Names (lower case): lam, delta, scale, rho, c1, c2, sigma_bar2, u2, noise_std,
    s_bound, gamma, mix, eta, r_offset, r_range, refactor_every.
    """
    index = {
        "lam": LAM, "delta": DELTA, "scale": SCALE, "rho": RHO, "c1": C1, "c2": C2,
        "sigma_bar2": SIGMA_BAR2, "u2": U2, "noise_std": NOISE_STD, "s_bound": S_BOUND,
        "gamma": GAMMA, "mix": MIX, "eta": ETA, "r_offset": R_OFFSET, "r_range": R_RANGE,
        "refactor_every": REFACTOR_EVERY,
    }  # fmt: skip
    params = np.zeros(N_PARAMS)
    for name, value in settings.items():
        params[index[name]] = value
    return params


@kernel()
def block_length(rho, m):
    """DynLin-UCB's block length 1 + floor(log m / log(1/rho)) (1 when rho <= 0)."""
    if rho <= 0.0:
        return 1
    return 1 + int(math.floor(math.log(m) / math.log(1.0 / rho)))


@kernel()
def _radius(code, params, logdet, tt, n_updates, d):
    """The confidence radius of policy ``code`` when choosing at round ``tt`` (0-based).

    DynLin-UCB (the paper; code ``marcomussi/DLB``): c1 sqrt(lam) + c2 / sqrt(lam)
    log(e (tt + 1)) + sqrt(2 sigma_bar^2 (log(1/delta) + d/2 log(1 + tt U^2 / (d lam)))).
    LinUCB: OFUL's noise_std sqrt(2 log(1/delta) + log det V - d log lam) + sqrt(lam) S.
    D-LinUCB: sqrt(lam) S + noise_std sqrt(2 log(1/delta)
    + d log(1 + U^2 (1 - gamma^(2 n)) / (lam d (1 - gamma^2)))), n updates so far.
    Every radius is multiplied by ``scale``.
    """
    lam = params[LAM]
    log_delta = math.log(1.0 / params[DELTA])
    if code == DYNLINUCB:
        inside = log_delta + 0.5 * d * math.log(1.0 + tt * params[U2] / (d * lam))
        radius = (
            params[C1] * math.sqrt(lam)
            + params[C2] / math.sqrt(lam) * math.log(math.e * (tt + 1.0))
            + math.sqrt(2.0 * params[SIGMA_BAR2] * inside)
        )
    elif code == LINUCB:
        inside = 2.0 * log_delta + logdet - d * math.log(lam)
        radius = params[NOISE_STD] * math.sqrt(max(inside, 0.0)) + math.sqrt(lam) * params[S_BOUND]
    else:
        g2 = params[GAMMA] * params[GAMMA]
        ratio = params[U2] * (1.0 - g2**n_updates) / (lam * d * (1.0 - g2))
        inside = 2.0 * log_delta + d * math.log(1.0 + ratio)
        radius = math.sqrt(lam) * params[S_BOUND] + params[NOISE_STD] * math.sqrt(inside)
    return params[SCALE] * radius


@kernel()
def _select_ucb(code, params, arms, Vinv, Vt, theta_hat, logdet, tt, n_updates, z, w, sc):
    """The largest a . theta_hat + beta ||a||, with ||a||^2 = a^T V^{-1} a (D-LinUCB:
    a^T V^{-1} Vt V^{-1} a)."""
    d = arms.shape[1]
    beta = _radius(code, params, logdet, tt, n_updates, d)
    for k in range(arms.shape[0]):
        a = arms[k]
        _sym_matvec(Vinv, a, z)
        if code == DLINUCB:
            _sym_matvec(Vt, z, w)
            width2 = _dot(z, w)
        else:
            width2 = _dot(a, z)
        sc[k] = _dot(a, theta_hat) + beta * math.sqrt(max(width2, 0.0))
    return _argmax(sc)


@kernel()
def _exp3_probabilities(params, G, prob):
    """p = (1 - mix) softmax(eta G) + mix / K, with the max subtracted first."""
    K = G.shape[0]
    top = G[0]
    for k in range(1, K):
        top = max(top, G[k])
    total = 0.0
    for k in range(K):
        prob[k] = math.exp(params[ETA] * (G[k] - top))
        total += prob[k]
    for k in range(K):
        prob[k] = (1.0 - params[MIX]) * prob[k] / total + params[MIX] / K


@kernel()
def _sample(prob, u):
    """The first k whose cumulative probability exceeds u (the last arm if rounding leaves none)."""
    acc = 0.0
    for k in range(prob.shape[0]):
        acc += prob[k]
        if u < acc:
            return k
    return prob.shape[0] - 1


@kernel()
def _learn_discounted(params, a, y, V, Vinv, Vt, b, theta_hat, L, Linv):
    """D-LinUCB's update: V <- gamma V + a a^T + (1 - gamma) lam I, Vt likewise with
    gamma^2, b <- gamma b + y a, theta_hat = V^{-1} b (V^{-1} by Cholesky)."""
    d = a.shape[0]
    g = params[GAMMA]
    lam = params[LAM]
    for i in range(d):
        for j in range(d):
            aij = a[i] * a[j]
            V[i, j] = g * V[i, j] + aij
            Vt[i, j] = (g * g) * Vt[i, j] + aij
        V[i, i] += (1.0 - g) * lam
        Vt[i, i] += (1.0 - g * g) * lam
        b[i] = g * b[i] + y * a[i]
    _refactor(V, L, Linv, Vinv)
    _sym_matvec(Vinv, b, theta_hat)


@kernel()
def _step_state(A, B, a, x, xn, eps):
    """x <- A x + B a + eps (through the scratch ``xn``)."""
    n = x.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += A[i, j] * x[j]
        for j in range(a.shape[0]):
            acc += B[i, j] * a[j]
        xn[i] = acc + eps[i]
    for i in range(n):
        x[i] = xn[i]


@kernel()
def _dynamical_run(
    code, params, arms, A, B, omega, theta, means, noise, uniforms, t0,
    x, xn, V, Vinv, Vt, b, theta_hat, logdet, z, w, L, Linv, G, prob, sc, ints,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    """One run through a block of rounds; every array is this run's view.

    ``noise`` (Bn, 1 + n): column 0 the reward noise, the rest the state noise.
    """
    K = arms.shape[0]
    best = means[0]
    for k in range(1, K):
        best = max(best, means[k])
    for t in range(noise.shape[0]):
        tt = t0 + t
        if tt > ints[BLOCK_END]:
            if code == EXP3:
                _exp3_probabilities(params, G, prob)
                k_new = _sample(prob, uniforms[t, 0])
            elif tt == 0:
                k_new = min(int(uniforms[t, 0] * K), K - 1)
            else:
                k_new = _select_ucb(
                    code, params, arms, Vinv, Vt, theta_hat, logdet[0], tt, ints[UPDATES],
                    z, w, sc,
                )  # fmt: skip
            ints[ARM] = k_new
            H = block_length(params[RHO], ints[BLOCK]) if code == DYNLINUCB else 1
            ints[BLOCK_END] = tt + H - 1
        k = ints[ARM]
        a = arms[k]
        y = _dot(omega, x) + _dot(theta, a) + noise[t, 0]
        _step_state(A, B, a, x, xn, noise[t, 1:])
        out_arm[t] = k
        out_reward[t] = y
        out_regret[t] = best - means[k]
        if tt < ints[BLOCK_END]:
            continue
        ints[BLOCK] += 1
        ints[UPDATES] += 1
        if code == EXP3:
            G[k] += (y + params[R_OFFSET]) / params[R_RANGE] / prob[k]
        elif code == DLINUCB:
            _learn_discounted(params, a, y, V, Vinv, Vt, b, theta_hat, L, Linv)
        else:
            q, _ = _ridge_update(a, y, V, Vinv, b, theta_hat, z)
            logdet[0] += math.log(q)
            every = int(params[REFACTOR_EVERY])
            if every > 0 and ints[UPDATES] % every == 0:
                logdet[0] = _refactor(V, L, Linv, Vinv)
                _sym_matvec(Vinv, b, theta_hat)


@kernel(parallel=True)
def _dynamical_block(
    code, params, arms, A, B, omega, theta, means, noise, uniforms, t0,
    x, xn, V, Vinv, Vt, b, theta_hat, logdet, z, w, L, Linv, G, prob, sc, ints,
    out_arm, out_reward, out_regret,
):  # fmt: skip
    """Advance every run through ``noise.shape[1]`` rounds (see the module docstring)."""
    for r in numba.prange(noise.shape[0]):
        _dynamical_run(
            code, params, arms, A, B, omega, theta, means, noise[r], uniforms[r], t0,
            x[r], xn[r], V[r], Vinv[r], Vt[r], b[r], theta_hat[r], logdet[r : r + 1], z[r],
            w[r], L[r], Linv[r], G[r], prob[r], sc[r], ints[r],
            out_arm[r], out_reward[r], out_regret[r],
        )  # fmt: skip
