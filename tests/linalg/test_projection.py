"""Finite projection DPPs: exact law by enumeration, marginals, batching, input checks."""

import numpy as np
import pytest

from linalg import sample_projection_dpp

S = 20000


@pytest.mark.parametrize("method", ["rejection", "gs"])
def test_projection_dpp_matches_enumerated_law(
    method, orthonormal, check_freq, subset_freq, subsets
):
    # P(Y = T) = det(K_T) for |T| = r (Hough et al. 2006); 56 subsets, binomial tolerance
    V = orthonormal(8, 3, seed=1)
    K = V @ V.T
    samples = sample_projection_dpp(V, size=S, method=method, rng=11)
    assert samples.shape == (S, 3)
    assert np.all(np.diff(samples, axis=1) > 0)  # sorted, distinct
    events = list(subsets(8, [3]))
    p = np.array([np.linalg.det(K[np.ix_(t, t)]) for t in events])
    assert abs(p.sum() - 1) < 1e-12
    observed = subset_freq(samples, events)
    check_freq(observed, p, S, f"subsets ({method})")


@pytest.mark.parametrize("method", ["rejection", "gs"])
def test_inclusion_and_pair_frequencies(method, orthonormal, check_pair_marginals):
    # P(i in Y) = K_ii and P(i, j in Y) = K_ii K_jj - K_ij^2 (2 x 2 minors)
    V = orthonormal(30, 6, seed=2)
    samples = sample_projection_dpp(V, size=S, method=method, rng=12)
    check_pair_marginals(samples, V @ V.T, method)


def test_seed_reproducible_and_batched_rows_differ(orthonormal):
    V = orthonormal(200, 10, seed=3)
    a = sample_projection_dpp(V, size=5, rng=7)
    b = sample_projection_dpp(V, size=5, rng=7)
    np.testing.assert_array_equal(a, b)
    assert len({tuple(row) for row in a}) > 1
    one = sample_projection_dpp(V, rng=np.random.default_rng(3))
    assert one.shape == (10,) and one.dtype == np.int64


def test_full_rank_projection_takes_everything():
    V = np.eye(5)[:, [4, 1, 2, 0, 3]]
    np.testing.assert_array_equal(sample_projection_dpp(V, rng=0), np.arange(5))


def test_rejects_bad_input(orthonormal):
    V = orthonormal(20, 4)
    with pytest.raises(ValueError, match="orthonormal"):
        sample_projection_dpp(2.0 * V)
    with pytest.raises(ValueError, match="orthonormal"):
        sample_projection_dpp(np.random.default_rng(0).standard_normal((20, 4)))
    bad = V.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        sample_projection_dpp(bad)
    with pytest.raises(ValueError, match="columns"):
        sample_projection_dpp(np.eye(3, 4))
    with pytest.raises(ValueError, match="2-D"):
        sample_projection_dpp(V[:, 0])
    with pytest.raises(ValueError, match="size"):
        sample_projection_dpp(V, size=0)
    with pytest.raises(ValueError, match="method"):
        sample_projection_dpp(V, method="magic")
    with pytest.raises(TypeError, match="rng"):
        sample_projection_dpp(V, rng="seed")


def test_batched_samples_do_not_depend_on_thread_count(orthonormal):
    # each sample has its own seeded stream, so the parallel split cannot change results
    import numba

    from linalg import sample_projection_dpp_polynomial

    V = orthonormal(100, 8, seed=4)
    threads = numba.get_num_threads()
    a = sample_projection_dpp(V, size=16, rng=5)
    c = sample_projection_dpp_polynomial(6, dim=2, size=16, rng=5)
    numba.set_num_threads(1)
    try:
        b = sample_projection_dpp(V, size=16, rng=5)
        d = sample_projection_dpp_polynomial(6, dim=2, size=16, rng=5)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)
