"""Spectral DPP sampling and exact log-probabilities."""

import numpy as np
import pytest

from linalg import dpp_log_probability, sample_dpp

S = 20000


def test_log_probability_sums_to_one_and_k_l_agree(psd_kernel, subsets):
    L = psd_kernel(6, seed=4)
    K = L @ np.linalg.inv(np.eye(6) + L)
    pl = np.array([np.exp(dpp_log_probability(t, L=L)) for t in subsets(6)])
    pk = np.array([np.exp(dpp_log_probability(t, K=K)) for t in subsets(6)])
    assert abs(pl.sum() - 1) < 1e-10
    np.testing.assert_allclose(pk, pl, rtol=1e-8, atol=1e-14)
    # direct formula det(L_S) / det(I + L)
    t = (0, 2, 5)
    direct = np.linalg.det(L[np.ix_(t, t)]) / np.linalg.det(np.eye(6) + L)
    assert np.isclose(np.exp(dpp_log_probability(list(t), L=L)), direct, rtol=1e-10)


def test_log_probability_zero_for_impossible_subset():
    V, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))
    K = V @ V.T  # projection: only subsets of size 2 are possible
    assert dpp_log_probability([0], K=K) == -np.inf or np.exp(dpp_log_probability([0], K=K)) < 1e-12
    L = np.diag([1.0, 0.0, 2.0])
    assert dpp_log_probability([1], L=L) == -np.inf


def test_sample_dpp_matches_enumerated_law(psd_kernel, check_freq, subset_freq, subsets):
    # 64 subsets, each compared with exp(dpp_log_probability), itself checked above
    L = psd_kernel(6, seed=5)
    samples = sample_dpp(L=L, size=S, rng=21)
    events = list(subsets(6))
    p = np.array([np.exp(dpp_log_probability(t, L=L)) for t in events])
    observed = subset_freq(samples, events)
    check_freq(observed, p, S, "subsets")


def test_sample_size_is_a_sum_of_bernoullis(psd_kernel, check_freq, orthonormal):
    # |Y| ~ sum of independent Bernoulli(lambda_n) for the eigenvalues of K
    U = orthonormal(40, 40, seed=6)
    lam = np.random.default_rng(6).uniform(0, 1, 40)
    K = (U * lam) @ U.T
    samples = sample_dpp(K=K, size=4000, rng=22)
    sizes = np.array([len(s) for s in samples])
    pmf = np.array([1.0])
    for q in lam:
        pmf = np.convolve(pmf, [1 - q, q])
    freq = np.bincount(sizes, minlength=41) / 4000
    check_freq(freq, pmf, 4000, "sizes")
    ind = np.zeros((4000, 40))
    for i, s in enumerate(samples):
        ind[i, s] = 1
    check_freq(ind.mean(axis=0), np.diag(K), 4000, "inclusion")


def test_eig_input_reuses_decomposition(psd_kernel):
    L = psd_kernel(12, seed=7)
    lam, vecs = np.linalg.eigh(L)
    a = sample_dpp(eig=(lam, vecs), eig_kernel="L", size=3, rng=5)
    b = sample_dpp(L=L, size=3, rng=5)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    K_lam = lam / (1 + lam)
    c = sample_dpp(eig=(K_lam, vecs), size=3, rng=5)
    for x, y in zip(a, c, strict=True):
        np.testing.assert_array_equal(x, y)


def test_rejects_bad_kernels(psd_kernel):
    L = psd_kernel(5, seed=8)
    with pytest.raises(ValueError, match="symmetric"):
        sample_dpp(L=L + np.triu(np.ones((5, 5)), 1))
    with pytest.raises(ValueError, match="semi-definite"):
        sample_dpp(L=L - 2 * np.eye(5))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        sample_dpp(K=L + 3 * np.eye(5))
    bad = L.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        sample_dpp(L=bad)
    with pytest.raises(ValueError, match="exactly one"):
        sample_dpp(K=L, L=L)
    with pytest.raises(ValueError, match="exactly one"):
        sample_dpp()
    with pytest.raises(ValueError, match="square"):
        sample_dpp(L=np.ones((2, 3)))
    with pytest.raises(ValueError, match="distinct"):
        dpp_log_probability([1, 1], L=L)
    with pytest.raises(ValueError, match="lie in"):
        dpp_log_probability([7], L=L)
    with pytest.raises(ValueError, match="semi-definite"):
        dpp_log_probability([0], L=-np.eye(2))
