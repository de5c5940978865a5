"""Shared helpers for the linalg tests: exact enumeration and binomial tolerances.

Tolerances: an empirical frequency of an event of probability ``p`` over ``S``
independent samples has standard deviation ``sqrt(p (1 - p) / S)``. Tests
assert ``|freq - p| <= Z * sd`` for every event of a family of at most ~100
events, with ``Z = 4.5``: a Bonferroni bound gives a false-alarm probability
below ``100 * 2 * Phi(-4.5) ~ 7e-4`` per test, and the seeds are fixed.

When the events partition the outcomes (their probabilities and frequencies
both sum to 1), the counts are multinomial and an aggregate G-test
(``scipy.stats.power_divergence``, log-likelihood ratio) over all events must
also pass at level ``ALPHA = 1e-3``: many small deviations, each inside its
own z-bound, add up and fail it. Cells with expected count below 5 are pooled
into one so the chi-square approximation holds.
"""

import itertools

import numpy as np
import pytest
from scipy.stats import power_divergence

Z = 4.5
ALPHA = 1e-3


def binomial_sd(p, S):
    """Standard deviation of a frequency of probability ``p`` over ``S`` samples."""
    p = np.asarray(p, dtype=float)
    return np.sqrt(np.maximum(p * (1 - p), 1e-300) / S)


def assert_frequencies(freq, p, S, label=""):
    """``|freq - p| <= Z sd`` everywhere (events with p = 0 must have freq = 0)."""
    freq = np.asarray(freq, dtype=float)
    p = np.asarray(p, dtype=float)
    assert np.all(freq[p == 0] == 0), f"{label}: impossible event observed"
    sd = binomial_sd(p, S)
    z = np.abs(freq - p) / sd
    assert np.all(z[p > 0] <= Z), f"{label}: max z-score {z[p > 0].max():.2f} > {Z}"
    if np.isclose(p.sum(), 1.0, atol=1e-9) and np.isclose(freq.sum(), 1.0, atol=1e-9):
        assert_goodness_of_fit(freq * S, p, label)


def assert_goodness_of_fit(counts, p, label=""):
    """G-test of multinomial ``counts`` against probabilities ``p`` (summing to 1): p-value > ALPHA.

    Cells with expected count below 5 are pooled into one cell.
    """
    counts = np.rint(np.asarray(counts, dtype=float))
    p = np.asarray(p, dtype=float)
    expected = p / p.sum() * counts.sum()
    small = expected < 5
    observed = np.r_[counts[~small], counts[small].sum()]
    expected = np.r_[expected[~small], expected[small].sum()]
    keep = expected > 0
    if keep.sum() < 2:
        return
    _, pvalue = power_divergence(observed[keep], expected[keep], lambda_="log-likelihood")
    assert pvalue > ALPHA, f"{label}: G-test p-value {pvalue:.2g} <= {ALPHA} over all events"


def assert_pair_marginals(samples, K, label=""):
    """Inclusion and pair frequencies of fixed-size samples (rows of item indices) of a
    projection DPP match P(i in Y) = K_ii and P(i, j in Y) = K_ii K_jj - K_ij^2."""
    samples = np.asarray(samples)
    S, N = samples.shape[0], K.shape[0]
    ind = np.zeros((S, N))
    np.put_along_axis(ind, samples, 1.0, axis=1)
    assert_frequencies(ind.mean(axis=0), np.diag(K), S, f"inclusion {label}")
    pairs = ind.T @ ind / S
    minors = np.outer(np.diag(K), np.diag(K)) - K**2
    iu = np.triu_indices(N, 1)
    assert_frequencies(pairs[iu], minors[iu], S, f"pairs {label}")


def subset_frequencies(samples, events):
    """Frequencies, over a list/array of samples, of each subset in ``events``."""
    counts = {}
    for s in samples:
        key = frozenset(int(i) for i in np.asarray(s).ravel())
        counts[key] = counts.get(key, 0) + 1
    return np.array([counts.get(frozenset(t), 0) for t in events]) / len(samples)


def all_subsets(n, sizes=None):
    sizes = range(n + 1) if sizes is None else sizes
    for k in sizes:
        yield from itertools.combinations(range(n), k)


@pytest.fixture
def check_freq():
    """The :func:`assert_frequencies` helper."""
    return assert_frequencies


@pytest.fixture
def check_pair_marginals():
    """The :func:`assert_pair_marginals` helper."""
    return assert_pair_marginals


@pytest.fixture
def subset_freq():
    """The :func:`subset_frequencies` helper."""
    return subset_frequencies


@pytest.fixture
def subsets():
    """The :func:`all_subsets` helper."""
    return all_subsets


@pytest.fixture
def orthonormal():
    def make(n, r, seed=0):
        V, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, r)))
        return V

    return make


@pytest.fixture
def psd_kernel():
    def make(n, rank=None, seed=0, scale=1.0):
        rank = n if rank is None else rank
        X = np.random.default_rng(seed).standard_normal((n, rank)) * scale
        return X @ X.T / rank

    return make
