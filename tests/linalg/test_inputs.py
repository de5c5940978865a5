"""Edge cases of issue #11: sizes refused up front, overflow, complex and empty input,
array-likes, float32 kernels, eigenvalues over 600 decades, and n < m."""

import itertools
import math

import mpmath
import numpy as np
import pytest

from linalg import (
    PolynomialBasis,
    christoffel_sampling,
    dpp_log_probability,
    ginibre_variance_limit,
    greedy_map,
    log_elementary_symmetric,
    multi_indices,
    sample_dpp,
    sample_kdpp,
    sample_projection_dpp,
    volume_rescaled_point_sampling,
    volume_rescaled_sampling,
    volume_sampling,
    weighted_least_squares,
)
from linalg.polynomials import MAX_ENTRIES


def _sorted_grid(m, dim, index_set):
    """Reference order: the whole grid {0..p}^dim sorted by the documented keys."""
    p = 0
    while ((p + 1) ** dim if index_set == "tensor" else math.comb(p + dim, dim)) < m:
        p += 1
    grid = list(itertools.product(range(p + 1), repeat=dim))
    if index_set == "total":
        grid = sorted((a for a in grid if sum(a) <= p), key=lambda a: (sum(a), a))
    else:
        grid = sorted(grid, key=lambda a: (max(a), sum(a), a))
    return np.array(grid[:m])


@pytest.mark.parametrize("index_set", ["total", "tensor"])
@pytest.mark.parametrize("dim", [1, 2, 3, 4])
def test_multi_indices_order(dim, index_set):
    for m in [1, 2, 5, 17, 36, 70]:
        np.testing.assert_array_equal(
            multi_indices(m, dim, index_set), _sorted_grid(m, dim, index_set)
        )


def test_tensor_order_differs_from_dppys_from_index_5():
    # DPPy's compute_ordering: layers of maximal degree, each in itertools.product order
    dppy = [
        list(a)
        for layer in range(4)
        for a in itertools.product(range(layer + 1), repeat=2)
        if max(a) == layer
    ]
    ours = multi_indices(16, 2, "tensor").tolist()
    assert sorted(ours) == sorted(dppy)
    assert ours[:5] == dppy[:5] and ours[5] != dppy[5]
    assert ours[4:7] == [[0, 2], [2, 0], [1, 2]] and dppy[4:7] == [[0, 2], [1, 2], [2, 0]]


def test_large_dimensions_answer_without_enumerating_the_space():
    # these hung: the old code listed (p + 1)^dim = 3^30 and 4^20 candidates
    idx = multi_indices(100, 30)
    assert idx.shape == (100, 30)
    assert idx[:31].sum(axis=1).tolist() == [0] + [1] * 30
    assert np.all(idx[31:].sum(axis=1) == 2)
    assert len({tuple(a) for a in idx.tolist()}) == 100
    basis = PolynomialBasis(1000, dim=20)
    assert basis.indices.shape == (1000, 20) and basis.max_degree == 3
    assert basis(np.zeros((2, 20))).shape == (2, 1000)


def test_tables_beyond_the_memory_limit_are_refused_up_front():
    with pytest.raises(ValueError, match="MAX_ENTRIES"):
        multi_indices(MAX_ENTRIES // 10 + 1, 10)
    with pytest.raises(ValueError, match="MAX_ENTRIES"):
        PolynomialBasis(10**9, dim=2)
    with pytest.raises(ValueError, match="MAX_ENTRIES"):
        multi_indices(10**12, 1)


def test_ginibre_variance_limit_does_not_overflow():
    # f'(r) = A r^q: (1/2) int_0^1 A^2 r^{2q+1} dr = A^2 / (4 (q + 1)); A^2 overflows a float
    A, q = 1e155, 1000
    exact = float(mpmath.mpf(A) ** 2 / (4 * (q + 1)))
    assert math.isclose(ginibre_variance_limit(lambda r: A * r**q), exact, rel_tol=1e-8)
    # f'(r) = A exp(-c r): A^2 (1 - e^{-2c} (1 + 2c)) / (8 c^2), mpmath as the reference
    A, c = 1e156, 1e3
    exact = mpmath.mpf(A) ** 2 * (1 - mpmath.exp(-2 * c) * (1 + 2 * c)) / (8 * c * c)
    got = ginibre_variance_limit(lambda r: A * math.exp(-c * r))
    assert math.isclose(got, float(exact), rel_tol=1e-8)
    assert ginibre_variance_limit(lambda r: 2 * r) == 0.5


def test_ginibre_variance_limit_rejects_what_it_cannot_return():
    with pytest.raises(ValueError, match="float range"):
        ginibre_variance_limit(lambda r: 1e200 * r)  # the variance itself is 1.25e399
    with pytest.raises(ValueError, match="finite"):
        ginibre_variance_limit(lambda r: math.inf)
    with pytest.raises(TypeError, match="real"):
        ginibre_variance_limit(lambda r: 1j * r)


def test_complex_values_are_rejected_naming_the_argument():
    basis = PolynomialBasis(3)
    x, w = christoffel_sampling(basis, 10, rng=0)
    f = 1 + x[:, 0]
    with pytest.raises(TypeError, match="f_values"):
        weighted_least_squares(f + 1j, x, w, basis)
    with pytest.raises(TypeError, match="weights"):
        weighted_least_squares(f, x, w + 0j, basis)
    with pytest.raises(TypeError, match="points"):
        weighted_least_squares(f, x + 0j, w, basis)
    with pytest.raises(TypeError, match="x must hold real"):
        basis(x + 1j)
    with pytest.raises(TypeError, match="eigenvalues"):
        log_elementary_symmetric(np.array([1.0, 2.0j]), 1)
    Phi = np.random.default_rng(0).standard_normal((8, 2))
    with pytest.raises(TypeError, match="base"):
        volume_rescaled_sampling(Phi, 3, base=np.full(8, 1 / 8) + 0j)
    with pytest.raises(TypeError, match="Phi"):
        volume_rescaled_sampling(Phi + 1j, 3)


def test_weighted_least_squares_needs_points():
    basis = PolynomialBasis(3)
    with pytest.raises(ValueError, match="at least one point"):
        weighted_least_squares(np.empty(0), np.empty((0, 1)), np.empty(0), basis)


def test_array_likes_are_accepted_everywhere(psd_kernel, orthonormal):
    L = psd_kernel(5, seed=20)
    K = L @ np.linalg.inv(np.eye(5) + L)
    V = orthonormal(6, 2, seed=20)
    Phi = np.random.default_rng(20).standard_normal((6, 2))
    lam, vecs = np.linalg.eigh(L)
    as_list = np.ndarray.tolist
    assert (
        sample_projection_dpp(as_list(V), rng=1).tolist()
        == sample_projection_dpp(V, rng=1).tolist()
    )
    assert sample_dpp(K=as_list(K), rng=2).tolist() == sample_dpp(K=K, rng=2).tolist()
    assert sample_dpp(eig=(as_list(lam), vecs), eig_kernel="L", rng=2).tolist() == (
        sample_dpp(eig=(lam, vecs), eig_kernel="L", rng=2).tolist()
    )
    assert sample_kdpp(as_list(L), 2, rng=3).tolist() == sample_kdpp(L, 2, rng=3).tolist()
    assert sample_kdpp(None, 2, eig=(tuple(lam), as_list(vecs)), rng=3).tolist() == (
        sample_kdpp(None, 2, eig=(lam, vecs), rng=3).tolist()
    )
    assert dpp_log_probability((0, 2), L=as_list(L)) == dpp_log_probability([0, 2], L=L)
    assert greedy_map(as_list(L), 3).tolist() == greedy_map(L, 3).tolist()
    assert (
        volume_sampling(as_list(Phi), 3, rng=4).tolist() == volume_sampling(Phi, 3, rng=4).tolist()
    )
    base = [1 / 6] * 6
    assert volume_rescaled_sampling(as_list(Phi), 3, base=base, rng=5).tolist() == (
        volume_rescaled_sampling(Phi, 3, base=np.array(base), rng=5).tolist()
    )
    np.testing.assert_array_equal(
        log_elementary_symmetric((1.0, 2.0, 3.0), 2),
        log_elementary_symmetric(np.arange(1.0, 4.0), 2),
    )
    basis = PolynomialBasis(3)
    x, w = christoffel_sampling(basis, 8, rng=6)
    fit = weighted_least_squares(as_list(x[:, 0] ** 2), as_list(x), as_list(w), basis)
    np.testing.assert_array_equal(
        fit.coefficients, weighted_least_squares(x[:, 0] ** 2, x, w, basis).coefficients
    )
    np.testing.assert_array_equal(basis(as_list(x)), basis(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rank_deficient_kernels_in_both_precisions(dtype, check_freq, subset_freq):
    # L = X X^T of rank 2 in N = 6: its round-off negative eigenvalues scale with eps(dtype);
    # in float32 the smallest is -3.3e-8 relative, which the old fixed 1e-8 tolerance rejected
    X = np.random.default_rng(24).standard_normal((6, 2))
    L = (X @ X.T).astype(dtype)
    if dtype == np.float32:
        assert np.linalg.eigvalsh(L).min() < -1e-8 * np.abs(np.linalg.eigvalsh(L)).max()
    events = list(itertools.combinations(range(6), 2))
    L64 = L.astype(np.float64)
    w = np.array([np.linalg.det(L64[np.ix_(t, t)]) for t in events])
    samples = sample_kdpp(L, 2, size=4000, rng=22)
    check_freq(subset_freq(samples, events), w / w.sum(), 4000, f"k-DPP {np.dtype(dtype)}")
    with pytest.raises(ValueError, match="exceeds the rank"):
        sample_kdpp(L, 3)
    assert len(sample_dpp(L=L, size=5, rng=23)) == 5
    assert greedy_map(L, 4).size == 2
    with pytest.raises(ValueError, match="semi-definite"):
        sample_dpp(L=L - dtype(0.01) * np.eye(6, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_outputs_follow_the_input_dtype(dtype):
    basis = PolynomialBasis(4)
    x64, w64 = christoffel_sampling(basis, 12, rng=24)
    x, w = x64.astype(dtype), w64.astype(dtype)
    Phi = basis(x)
    assert Phi.dtype == dtype
    np.testing.assert_allclose(Phi, basis(x64), rtol=1e-5 if dtype == np.float32 else 0)
    fit = weighted_least_squares(np.cos(x[:, 0]), x, w, basis)
    assert fit.coefficients.dtype == dtype and fit.gram.dtype == dtype
    exact = weighted_least_squares(np.cos(x64[:, 0]), x64, w64, basis)
    np.testing.assert_allclose(fit.coefficients, exact.coefficients, rtol=1e-4, atol=1e-5)
    T = log_elementary_symmetric(np.array([1.0, 2.0, 3.0], dtype=dtype), 2)
    assert T.dtype == dtype and math.isclose(float(np.exp(T[2, 3])), 11.0, rel_tol=1e-6)
    assert log_elementary_symmetric([1, 2, 3], 2).dtype == np.float64  # integers count as float64


def test_kdpp_eigenvalues_over_600_decades(check_freq, subset_freq):
    # lambda = (1, 2, 3) e-300 and (1, 2) e300, k = 3. Given exactly (eig), all five count
    # toward the rank. P(S) is proportional to prod lambda_S: the two large ones are
    # (up to 1e-600) always in, the third item j is small with probability proportional
    # to lambda_j, computed here exactly in 50-digit arithmetic over all 10 subsets.
    lam = np.array([1e-300, 2e-300, 3e-300, 1e300, 2e300])
    mpmath.mp.dps = 50
    events = list(itertools.combinations(range(5), 3))
    weights = [mpmath.fprod(mpmath.mpf(float(lam[i])) for i in t) for t in events]
    p = np.array([float(x / mpmath.fsum(weights)) for x in weights])
    samples = sample_kdpp(None, 3, eig=(lam, np.eye(5)), size=6000, rng=25)
    check_freq(subset_freq(samples, events), p, 6000, "600 decades")
    assert sample_kdpp(None, 5, eig=(lam, np.eye(5)), rng=26).tolist() == [0, 1, 2, 3, 4]
    # a dense L holds them only up to eigh's accuracy, N eps max lambda: numerical rank 2
    with pytest.raises(ValueError, match=r"exceeds the rank of L \(2\)"):
        sample_kdpp(np.diag(lam), 3)


def test_volume_rescaled_needs_n_at_least_m():
    # for n < m the Gram matrix has rank n < m: the density det(G) vanishes identically
    basis = PolynomialBasis(4)
    assert volume_rescaled_point_sampling(basis, 4, rng=0).points.shape == (4, 1)
    with pytest.raises(ValueError, match="n must be >= m = 4"):
        volume_rescaled_point_sampling(basis, 3, rng=0)
    Phi = np.random.default_rng(27).standard_normal((10, 3))
    with pytest.raises(ValueError, match="n must be >= m = 3"):
        volume_rescaled_sampling(Phi, 2)
