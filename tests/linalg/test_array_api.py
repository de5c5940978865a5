"""The namespace-generic code path (the one CuPy takes) on array-api-strict arrays.

NumPy's ``method="gs"`` runs the same array code, so equal seeds must give equal
samples; results must stay in the input's namespace; and the samplers' laws are
checked on strict inputs too (inclusion and pair frequencies, enumerated subset laws).
"""

import array_api_strict as xs
import numpy as np
import pytest

from linalg import (
    dpp_log_probability,
    greedy_map,
    sample_dpp,
    sample_kdpp,
    sample_projection_dpp,
    volume_sampling,
)


@pytest.fixture
def kernels(orthonormal):
    rng = np.random.default_rng(13)
    X = rng.standard_normal((12, 5))
    return orthonormal(12, 4, seed=13), X @ X.T, X


def test_projection_gs_same_on_both_namespaces(kernels):
    V, _, _ = kernels
    strict = sample_projection_dpp(xs.asarray(V), size=50, rng=3)
    assert isinstance(strict, type(xs.asarray(1)))
    np.testing.assert_array_equal(
        np.asarray(strict), sample_projection_dpp(V, size=50, method="gs", rng=3)
    )


def test_kernel_functions_on_strict_arrays(kernels):
    _, L, X = kernels
    Ls = xs.asarray(L)
    assert np.asarray(greedy_map(Ls, 4)).tolist() == greedy_map(L, 4).tolist()
    assert np.isclose(dpp_log_probability([1, 4], L=Ls), dpp_log_probability([1, 4], L=L))
    for sample in (
        sample_dpp(L=Ls, rng=1),
        sample_kdpp(Ls, 3, rng=1),
        volume_sampling(xs.asarray(X), 7, rng=1),
    ):
        values = np.asarray(sample)
        assert isinstance(sample, type(Ls))
        assert len(set(values.tolist())) == values.size and values.max() < 12
    assert np.asarray(sample_kdpp(Ls, 3, rng=2)).size == 3


def test_projection_law_on_strict_arrays(orthonormal, check_pair_marginals):
    # inclusion and pair frequencies of the batched "gs" path against K = V V^T
    V = orthonormal(12, 4, seed=14)
    samples = sample_projection_dpp(xs.asarray(V), size=4000, rng=5)
    check_pair_marginals(np.asarray(samples), V @ V.T, "(array-api-strict)")


def test_spectral_and_kdpp_laws_on_strict_arrays(psd_kernel, check_freq, subset_freq, subsets):
    # the stacked chain rule of projection_columns_batch: exact subset laws by enumeration
    L = psd_kernel(5, seed=15)
    Ls = xs.asarray(L)
    events = list(subsets(5))
    det = np.array([np.linalg.det(L[np.ix_(t, t)]) if t else 1.0 for t in events])
    samples = sample_dpp(L=Ls, size=4000, rng=6)
    assert all(isinstance(s, type(Ls)) for s in samples)
    observed = subset_freq([np.asarray(s) for s in samples], events)
    check_freq(observed, det / np.linalg.det(np.eye(5) + L), 4000, "spectral (strict)")
    pairs = [t for t in events if len(t) == 2]
    w = np.array([np.linalg.det(L[np.ix_(t, t)]) for t in pairs])
    samples = sample_kdpp(Ls, 2, size=4000, rng=7)
    assert isinstance(samples, type(Ls)) and samples.shape == (4000, 2)
    check_freq(subset_freq(np.asarray(samples), pairs), w / w.sum(), 4000, "k-DPP (strict)")
