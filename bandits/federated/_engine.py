"""Federated phased elimination on per-client arm sets, batched over runs (ROBIN and Fed-PE)."""

from __future__ import annotations

import math

import numpy as np

from bandits._kernels.distributed import _designs
from bandits.distributed._common import Timeline, log2_ceil, run_streams
from bandits.federated.privacy import gaussian_noise_std, split_budget

#: Failure probability in the concentration radii and confidence widths.
BETA = 0.05


def phase_lengths(horizon, first):
    """Rounds per client of each phase: first, 2 first, 4 first, ..., the last cut at horizon."""
    out, t, n = [], 0, first
    while t < horizon:
        out.append(min(n, horizon - t))
        t += n
        n *= 2
    return out


def _allocate(w, n):
    """Integer pulls summing to n per row, proportional to ``w`` (largest remainders)."""
    raw = w * n
    pulls = np.floor(raw).astype(np.int64)
    short = n - pulls.sum(axis=-1)
    order = np.argsort(-(raw - pulls), axis=-1, kind="stable")
    rank = np.argsort(order, axis=-1, kind="stable")
    return pulls + (rank < short[..., None])


def _stats(arms, pulls, sums, n):
    """Each client's phase statistic: triu(G), G = sum n x x^T / n_l, then g = sum x S / n_l."""
    d = arms.shape[-1]
    iu = np.triu_indices(d)
    G = np.einsum("rmk,mki,mkj->rmij", pulls, arms, arms) / n
    g = np.einsum("rmk,mki->rmi", sums, arms) / n
    return np.concatenate([G[..., iu[0], iu[1]], g], axis=-1)


def _unpack(s, d):
    iu = np.triu_indices(d)
    G = np.zeros(s.shape[:-1] + (d, d))
    G[..., iu[0], iu[1]] = s[..., : len(iu[0])]
    G = G + np.swapaxes(G, -1, -2) - G * np.eye(d)
    return G, s[..., len(iu[0]) :]


class Privatizer:
    """User-level DP aggregation of the clients' phase statistics (Huang et al., ICML 2023).

    A phase releases (i) a noisy histogram of every coordinate of the clients'
    statistics on bins of width 2 tau (tau: Hoeffding radius of a client's
    average over its n_l rounds), whose fullest bin gives a public centre c, and
    (ii) the mean of the statistics clipped to the box c +- 3 tau, plus Gaussian
    noise. Each release gets half the phase budget (epsilon_l, delta_l). Under
    central DP the server adds the noise to the aggregates; under local DP each
    client adds it to its own histogram row and clipped statistic.

    This mechanism is our reconstruction of ROBIN's privatizer: the paper's
    body could not be read, so the centre-finding histogram, the 3 tau
    clipping box and the even budget split are not taken from its text.
    """

    def __init__(self, mode, epsilon, delta, n_phases, M, bounds):
        self.mode = mode
        self.M = M
        self.bounds = bounds
        if mode == "none":
            self.eps_l = self.delta_l = 0.0
        else:
            self.eps_l, self.delta_l = split_budget(epsilon, delta, n_phases)
        self.n_phases = n_phases
        self.noise, self.sens = [], []

    def aggregate(self, stats, n, gens):
        """Release the (privatised) mean of ``stats`` (R, M, D); also its noise std per entry."""
        R, M, D = stats.shape
        if self.mode == "none":
            self.noise.append(0.0)
            self.sens.append(0.0)
            return stats.mean(axis=1), 0.0
        eps, dlt = self.eps_l / 2.0, self.delta_l / 2.0
        log_term = math.log(4.0 * D * M * self.n_phases / BETA)
        tau = self.bounds * min(math.sqrt(2.0 * log_term / n), 1.0)
        n_bins = np.ceil(self.bounds / tau).astype(np.int64)
        width = 2.0 * self.bounds / n_bins
        bins = np.clip(np.floor((stats + self.bounds) / width), 0, n_bins - 1).astype(np.int64)
        hist_std = gaussian_noise_std(eps, dlt, math.sqrt(2.0 * D))
        clip_radius = 3.0 * tau
        local = self.mode == "local"
        sens = 2.0 * math.sqrt(float((clip_radius**2).sum())) / (1.0 if local else M)
        mean_std = gaussian_noise_std(eps, dlt, sens)
        self.noise.append(mean_std)
        self.sens.append(sens)
        top = int(n_bins.max())
        counts = np.zeros((R, D, top))
        r_i, m_i, j_i = np.indices(bins.shape)
        np.add.at(counts, (r_i, j_i, bins), 1.0)
        spread = math.sqrt(M) if local else 1.0
        hist_noise = np.stack([g.standard_normal((D, top)) for g in gens])
        counts += spread * hist_std * hist_noise
        counts[:, np.arange(top)[None, :] >= n_bins[:, None]] = -np.inf
        centre = -self.bounds + width * (np.argmax(counts, axis=-1) + 0.5)
        clipped = np.clip(stats, (centre - clip_radius)[:, None], (centre + clip_radius)[:, None])
        mean_noise = np.stack([g.standard_normal(D) for g in gens])
        released_std = mean_std / math.sqrt(M) if local else mean_std
        return clipped.mean(axis=1) + released_std * mean_noise, released_std

    def ledger(self):
        """Per-phase budgets and noise of the phases that ran."""
        from bandits.federated.privacy import PrivacyLedger

        k = len(self.noise)
        eps = np.full(k, self.eps_l)
        dlt = np.full(k, self.delta_l)
        return PrivacyLedger.compose(self.mode, eps, dlt, self.noise, self.sens)


def _estimate(mean, d, samples):
    """theta_hat = G^{-1} g from the released mean statistic; G's eigenvalues floored at
    1 / samples (post-processing, so privacy is unaffected)."""
    G, g = _unpack(mean, d)
    vals, vecs = np.linalg.eigh(G)
    vals = np.maximum(vals, 1.0 / samples)
    Ginv = np.einsum("rij,rj,rkj->rik", vecs, 1.0 / vals, vecs)
    return np.einsum("rij,rj->ri", Ginv, g), Ginv


def _bounds(d, noise_std):
    """Per-coordinate bounds of a client's statistic: 1 for G's entries, 1 + 3 sigma for g's."""
    D = d * (d + 1) // 2 + d
    return np.concatenate([np.ones(D - d), np.full(d, 1.0 + 3.0 * noise_std)])


def run_stream(env, horizon, n_runs, rng, *, privatizer_args, first_phase, chunk=64):
    """The phased loop on context streams (K fresh arms per client per round)."""
    from bandits._kernels.federated import _stream_chunk

    M, K, d = env.n_clients, env.n_arms, env.d
    T, R = horizon, n_runs
    lengths = phase_lengths(T, first_phase)
    L = len(lengths)
    D = d * (d + 1) // 2 + d
    priv = Privatizer(
        *privatizer_args, n_phases=max(L - 1, 1), M=M, bounds=_bounds(d, env.noise_std)
    )
    gens = run_streams(rng, R)
    rate = np.zeros((R, T))
    theta_hat = np.zeros((R, d))
    Ginv = np.zeros((R, d, d))
    a_stat = np.zeros(R)
    a_priv = np.zeros(R)
    real_bits = log2_ceil(M * T)
    iu = np.triu_indices(d)
    up, down = [], []
    t = 0
    for phase, n in enumerate(lengths):
        Vinv = np.broadcast_to(np.eye(d), (R, M, d, d)).copy()
        G = np.zeros((R, M, d, d))
        g = np.zeros((R, M, d))
        for b0 in range(0, n, chunk):
            B = min(chunk, n - b0)
            X = np.stack([gen.standard_normal((B, M, K, d)) for gen in gens])
            X /= np.linalg.norm(X, axis=-1, keepdims=True)
            Z = np.stack([gen.standard_normal((B, M)) for gen in gens])
            # fmt: off
            _stream_chunk(X, Z, env.theta, env.noise_std, theta_hat, Ginv, a_stat, a_priv,
                          phase > 0, Vinv, G, g, rate[:, t + b0:t + b0 + B])
            # fmt: on
        up.append(np.full((R, M), D * real_bits))
        down.append(np.full(R, (d + d * d) * real_bits))
        t += n
        if t >= T:
            break
        stats = np.concatenate([G[..., iu[0], iu[1]], g], axis=-1) / n
        mean, released_std = priv.aggregate(stats, n, gens)
        theta_hat, Ginv = _estimate(mean, d, M * n)
        conf = math.sqrt(2.0 * math.log(M * K * L / BETA))
        size = np.sqrt(1.0 + np.minimum(np.linalg.norm(theta_hat, axis=1), 1.0) ** 2)
        a_stat = np.full(R, conf * env.noise_std / math.sqrt(M * n))
        a_priv = conf * released_std * size
    return (
        np.cumsum(rate, axis=1),
        priv.ledger(),
        np.stack(up, axis=1),
        np.stack(down, axis=1),
        np.full(R, len(up), np.int64),
    )


def run_federated(env, horizon, n_runs, rng, *, privatizer_args, first_phase, tol, max_steps):
    """The shared phased loop; returns (cumulative regret, ledger, uplink, downlink, phases)."""
    M, K, d = env.arms.shape
    T = horizon
    lengths = phase_lengths(T, first_phase)
    L = len(lengths)
    releases = max(L - 1, 1)  # the last phase's data is never aggregated
    priv = Privatizer(*privatizer_args, n_phases=releases, M=M, bounds=_bounds(d, env.noise_std))
    gens = run_streams(rng, n_runs)
    R = n_runs
    line = Timeline(R, T)
    active = np.ones((R, M, K), bool)
    arms_b = np.ascontiguousarray(np.broadcast_to(env.arms, (R, M, K, d)).reshape(R * M, K, d))
    real_bits = log2_ceil(M * T)
    up, down = [], []
    t = 0
    for n in lengths:
        w = np.zeros((R * M, K))
        _designs(arms_b, active.reshape(R * M, K), tol, max_steps, w)
        pulls = _allocate(w.reshape(R, M, K), n)
        offsets = np.cumsum(pulls, axis=-1) - pulls
        r_i, m_i, k_i = np.nonzero(pulls)
        line.add(r_i, t + offsets[r_i, m_i, k_i], pulls[r_i, m_i, k_i], env.gaps[m_i, k_i])
        played = (pulls > 0).sum(axis=-1)
        up.append(played * d * real_bits)
        down.append((d + d * d) * real_bits + played.sum(axis=1) * log2_ceil(K))
        z = np.stack([g.standard_normal((M, K)) for g in gens])
        sums = pulls * env.means + np.sqrt(pulls) * env.noise_std * z
        t += n
        if t >= T:
            break
        mean, released_std = priv.aggregate(_stats(env.arms, pulls, sums, n), n, gens)
        theta_hat, Ginv = _estimate(mean, d, M * n)
        est = np.einsum("mkd,rd->rmk", env.arms, theta_hat)
        stat_w = np.sqrt(np.einsum("mki,rij,mkj->rmk", env.arms, Ginv, env.arms))
        dev = np.linalg.norm(np.einsum("rij,mkj->rmki", Ginv, env.arms), axis=-1)
        conf = math.sqrt(2.0 * math.log(M * K * L / BETA))
        size = np.sqrt(1.0 + np.minimum(np.linalg.norm(theta_hat, axis=1), 1.0) ** 2)
        width = conf * (
            env.noise_std * stat_w / math.sqrt(M * n) + released_std * dev * size[:, None, None]
        )
        lcb = np.where(active, est - width, -np.inf).max(axis=-1, keepdims=True)
        active &= est + width >= lcb
    return (
        line.cumulative(),
        priv.ledger(),
        np.stack(up, axis=1),
        np.stack(down, axis=1),
        np.full(R, len(up), np.int64),
    )
