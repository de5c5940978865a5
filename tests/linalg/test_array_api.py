"""The namespace-generic code path (the one CuPy takes) on array-api-strict arrays.

NumPy's ``method="gs"`` runs the same array code, so equal seeds must give equal
samples; results must stay in the input's namespace.
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
