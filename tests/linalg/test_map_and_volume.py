"""Greedy MAP (against a brute-force greedy) and volume sampling (against enumeration)."""

import itertools

import numpy as np
import pytest

from linalg import greedy_map, volume_rescaled_sampling, volume_sampling

S = 6000


def _brute_force_greedy(L, k):
    chosen = []
    for _ in range(k):
        best, best_val = None, -np.inf
        for i in range(L.shape[0]):
            if i in chosen:
                continue
            t = [*chosen, i]
            sign, val = np.linalg.slogdet(L[np.ix_(t, t)])
            if sign > 0 and val > best_val:
                best, best_val = i, val
        chosen.append(best)
    return chosen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_map_matches_brute_force(seed, psd_kernel):
    L = psd_kernel(25, seed=seed)
    assert greedy_map(L, 8).tolist() == _brute_force_greedy(L, 8)


def test_greedy_map_stops_at_rank(psd_kernel):
    L = psd_kernel(12, rank=4, seed=3)
    out = greedy_map(L, 10)
    assert len(out) == 4
    assert np.linalg.matrix_rank(L[np.ix_(out, out)]) == 4
    with pytest.raises(ValueError, match="symmetric"):
        greedy_map(L + np.triu(np.ones((12, 12)), 1), 2)
    with pytest.raises(ValueError, match="k must be <= 12"):
        greedy_map(L, 13)


def test_volume_sampling_matches_enumeration(check_freq, subset_freq):
    # P(S) = det(Phi_S^T Phi_S) / sum over |S| = n (Cauchy-Binet), 20 subsets
    Phi = np.random.default_rng(4).standard_normal((6, 2))
    samples = [volume_sampling(Phi, 3, rng=r) for r in np.random.default_rng(40).spawn(S)]
    events = list(itertools.combinations(range(6), 3))
    w = np.array([np.linalg.det(Phi[list(t)].T @ Phi[list(t)]) for t in events])
    observed = subset_freq(samples, events)
    check_freq(observed, w / w.sum(), S, "volume sampling")


def test_volume_rescaled_matches_enumeration(check_freq):
    # P(i_1..i_n) proportional to det(sum_k Phi_ik Phi_ik^T / p_ik) prod_k p_ik over 4^3 tuples
    rng = np.random.default_rng(5)
    Phi = rng.standard_normal((4, 2))
    p = np.array([0.1, 0.2, 0.3, 0.4])
    tuples = list(itertools.product(range(4), repeat=3))
    w = np.array(
        [
            np.linalg.det(sum(np.outer(Phi[i], Phi[i]) / p[i] for i in t)) * np.prod(p[list(t)])
            for t in tuples
        ]
    )
    streams = np.random.default_rng(41).spawn(S)
    counts = {}
    for r in streams:
        key = tuple(volume_rescaled_sampling(Phi, 3, base=p, rng=r).tolist())
        counts[key] = counts.get(key, 0) + 1
    observed = np.array([counts.get(t, 0) / S for t in tuples])
    check_freq(observed, w / w.sum(), S, "volume-rescaled tuples")


def test_volume_input_checks():
    Phi = np.random.default_rng(6).standard_normal((10, 3))
    with pytest.raises(ValueError, match="n must be >= m"):
        volume_sampling(Phi, 2)
    with pytest.raises(ValueError, match="n must be >= m"):
        volume_rescaled_sampling(Phi, 2)
    with pytest.raises(ValueError, match="full column rank"):
        volume_sampling(np.c_[Phi, Phi[:, :1]], 5)
    bad = Phi.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="finite"):
        volume_sampling(bad, 4)
    with pytest.raises(ValueError, match="base"):
        volume_rescaled_sampling(Phi, 4, base=np.r_[0.0, np.ones(9)])
    with pytest.raises(ValueError, match="n must be <= 10"):
        volume_sampling(Phi, 11)
