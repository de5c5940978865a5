"""k-DPPs: exact law by enumeration, log-space elementary symmetric polynomials, stability."""

import itertools
import math

import mpmath
import numpy as np
import pytest

from linalg import log_elementary_symmetric, sample_kdpp

S = 20000


def test_log_esp_matches_brute_force():
    lam = np.array([0.5, 2.0, 0.0, 3.0, 1.5])
    T = log_elementary_symmetric(lam, 3)
    for l in range(4):
        for n in range(6):
            exact = sum(math.prod(c) for c in itertools.combinations(lam[:n], l))
            got = np.exp(T[l, n])
            assert np.isclose(got, exact, rtol=1e-12, atol=0), (l, n)


def test_log_esp_stable_for_large_n_and_condition_number():
    # N = 10,000 eigenvalues spread over 1e-6..1: linear-scale e_k overflows
    # (DPPy issue #80); the log table stays finite and matches 50-digit arithmetic
    N = 10_000
    lam = np.geomspace(1e-6, 1.0, N) * 1e3
    T = log_elementary_symmetric(lam, 8)
    for l in range(9):
        assert np.all(np.isfinite(T[l, l:]))
    mpmath.mp.dps = 50
    e = [mpmath.mpf(1)] + [mpmath.mpf(0)] * 8
    for x in lam:
        xv = mpmath.mpf(float(x))
        for l in range(8, 0, -1):
            e[l] += xv * e[l - 1]
    for l in range(1, 9):
        assert np.isclose(T[l, N], float(mpmath.log(e[l])), rtol=1e-12)


def test_kdpp_matches_enumerated_law(psd_kernel, check_freq, subset_freq):
    # P(Y = T) = det(L_T) / e_k(lambda) over |T| = k; 35 subsets
    L = psd_kernel(7, seed=9)
    samples = sample_kdpp(L, 3, size=S, rng=31)
    assert samples.shape == (S, 3)
    events = list(itertools.combinations(range(7), 3))
    w = np.array([np.linalg.det(L[np.ix_(t, t)]) for t in events])
    observed = subset_freq(samples, events)
    check_freq(observed, w / w.sum(), S, "k-subsets")


def test_kdpp_on_rank_deficient_kernel(psd_kernel, check_freq, subset_freq):
    L = psd_kernel(6, rank=3, seed=10)
    samples = sample_kdpp(L, 3, size=5000, rng=32)
    events = list(itertools.combinations(range(6), 3))
    w = np.array([max(np.linalg.det(L[np.ix_(t, t)]), 0.0) for t in events])
    observed = subset_freq(samples, events)
    check_freq(observed, w / w.sum(), 5000, "rank-3 kernel")
    with pytest.raises(ValueError, match="exceeds the rank"):
        sample_kdpp(L, 4)


def test_kdpp_ill_conditioned_inclusion(check_freq):
    # diagonal L, N = 300, condition number 1e6, k = 30: P(i in Y) is
    # lambda_i e_{k-1}(lambda_{-i}) / e_k(lambda), computed here in 60-digit arithmetic for a
    # few items. The sample count is sized from those p so that a 5% relative error is
    # 6 standard errors: the Z = 4.5 bound then catches it with probability > 93%.
    N, k = 300, 30
    lam = np.geomspace(1e-6, 1.0, N)
    mpmath.mp.dps = 60
    items = [N - 1, N - 6, N - 11]

    def esp(values, order):
        e = [mpmath.mpf(1)] + [mpmath.mpf(0)] * order
        for x in values:
            for l in range(order, 0, -1):
                e[l] += x * e[l - 1]
        return e[order]

    mp_lam = [mpmath.mpf(float(x)) for x in lam]
    total = esp(mp_lam, k)
    p = np.array(
        [float(mp_lam[i] * esp(mp_lam[:i] + mp_lam[i + 1 :], k - 1) / total) for i in items]
    )
    n_samples = int(np.ceil((6 / 0.05) ** 2 * np.max((1 - p) / p)))
    assert np.all(0.05 * p >= 6 * np.sqrt(p * (1 - p) / n_samples))
    samples = sample_kdpp(None, k, eig=(lam, np.eye(N)), size=n_samples, rng=33)
    assert samples.shape == (n_samples, k)
    assert all(len(set(row)) == k for row in samples[:200].tolist())
    freq = [(samples == i).any(axis=1).mean() for i in items]
    check_freq(freq, p, n_samples, "ill-conditioned inclusion")


def test_kdpp_input_checks(psd_kernel):
    L = psd_kernel(5, seed=11)
    with pytest.raises(ValueError, match="exactly one"):
        sample_kdpp(L, 2, eig=np.linalg.eigh(L))
    with pytest.raises(ValueError, match="k must be >= 1"):
        sample_kdpp(L, 0)
    with pytest.raises(ValueError, match="exceeds the rank"):
        sample_kdpp(L, 6)
    with pytest.raises(ValueError, match="semi-definite"):
        sample_kdpp(-L, 2)
    with pytest.raises(ValueError, match="non-negative"):
        log_elementary_symmetric([1.0, -1.0], 1)


def test_cached_eigenvectors_checked_where_used(psd_kernel):
    lam, vecs = np.linalg.eigh(psd_kernel(6, seed=12))
    bad = vecs.copy()
    bad[:, :] = np.nan
    with pytest.raises(ValueError, match="finite"):
        sample_kdpp(None, 2, eig=(lam, bad))
    with pytest.raises(ValueError, match="orthonormal"):
        sample_kdpp(None, 2, eig=(lam, 2 * vecs))


def test_log_space_fallback_law(check_freq, subset_freq):
    # eigenvalues near 1e300: the column-scaled table underflows at the first column
    # (1 against 1e300), so the log-space selection runs; P(S) is proportional to
    # prod_{i in S} lambda_i for a diagonal L
    from linalg._kernels.esp import _scaled_esp_table

    lam = 1e300 * np.arange(1.0, 6.0)
    assert not _scaled_esp_table(lam, 2)[2]
    samples = sample_kdpp(None, 2, eig=(lam, np.eye(5)), size=S, rng=34)
    events = list(itertools.combinations(range(5), 2))
    w = np.array([(i + 1) * (j + 1) for i, j in events], dtype=float)
    observed = subset_freq(samples, events)
    check_freq(observed, w / w.sum(), S, "log-space fallback")
