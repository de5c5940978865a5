"""The CuPy path on a real GPU (skipped without one): same device out, same laws.

The generic array code runs on CuPy; NumPy's ``method="gs"`` runs the same
code on the host. Frequencies use the binomial tolerance of conftest.py.
"""

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

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp():
    return pytest.importorskip("cupy")


def test_projection_dpp_on_gpu(cp, orthonormal, check_pair_marginals):
    V = orthonormal(30, 6, seed=2)
    S = 20000
    samples = sample_projection_dpp(cp.asarray(V), size=S, rng=12)
    assert isinstance(samples, cp.ndarray) and samples.shape == (S, 6)
    host = cp.asnumpy(samples)
    assert np.all(np.diff(host, axis=1) > 0)
    check_pair_marginals(host, V @ V.T, "(gpu)")


def test_kernel_functions_on_gpu(cp, psd_kernel, check_freq, subset_freq, subsets):
    L = psd_kernel(6, seed=5)
    Lg = cp.asarray(L)
    assert cp.asnumpy(greedy_map(Lg, 4)).tolist() == greedy_map(L, 4).tolist()
    assert np.isclose(dpp_log_probability([1, 4], L=Lg), dpp_log_probability([1, 4], L=L))
    S = 3000
    samples = sample_dpp(L=Lg, size=S, rng=21)
    assert all(isinstance(s, cp.ndarray) for s in samples)
    events = list(subsets(6))
    observed = subset_freq([cp.asnumpy(s) for s in samples], events)
    p = np.array([np.exp(dpp_log_probability(t, L=L)) for t in events])
    check_freq(observed, p, S, "spectral (gpu)")
    k = sample_kdpp(Lg, 3, size=4, rng=1)
    assert isinstance(k, cp.ndarray) and k.shape == (4, 3)
    X = np.random.default_rng(0).standard_normal((20, 3))
    v = volume_sampling(cp.asarray(X), 5, rng=1)
    assert isinstance(v, cp.ndarray) and v.shape == (5,)
