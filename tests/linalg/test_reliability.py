"""Issue 17 (items 4 and 7): exact zeros of DPP likelihoods, inputs checked where they enter."""

import contextlib
import io
import itertools

import numpy as np
import pytest

from linalg import PolynomialBasis, dpp_log_probability, weighted_least_squares


def _projection(rng, n=6, r=3):
    V, _ = np.linalg.qr(rng.standard_normal((n, r)))
    return V @ V.T, V


def test_impossible_subsets_of_a_projection_kernel_have_log_probability_minus_inf():
    K, V = _projection(np.random.default_rng(0))
    # a projection DPP of rank 3 has exactly 3 points: other sizes are impossible
    assert dpp_log_probability([0, 1], K=K) == -np.inf
    assert dpp_log_probability([0, 1, 2, 3], K=K) == -np.inf
    assert dpp_log_probability([], K=K) == -np.inf
    # size 3: the closed form det(K_S) = det(V_S)**2 (Kulesza and Taskar, Eq. 2.9)
    expected = np.log(np.linalg.det(V[[0, 1, 2]]) ** 2)
    assert dpp_log_probability([0, 1, 2], K=K) == pytest.approx(expected, rel=1e-10)
    # the probabilities of all subsets sum to one
    total = sum(
        np.exp(dpp_log_probability(list(S), K=K))
        for r in range(7)
        for S in itertools.combinations(range(6), r)
    )
    assert total == pytest.approx(1.0, rel=1e-12)


def test_linearly_dependent_subset_is_impossible_for_K_and_L():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((5, 2))
    B = np.vstack([B, B[0] * 2.0])  # item 5 is parallel to item 0
    K = B @ np.linalg.solve(B.T @ B, B.T)  # projection on the span of the columns of B
    assert dpp_log_probability([0, 5], K=K) == -np.inf
    L = B @ B.T  # rank 2
    assert dpp_log_probability([0, 5], L=L) == -np.inf
    assert dpp_log_probability([0, 1, 2], L=L) == -np.inf
    assert np.isfinite(dpp_log_probability([0, 1], L=L))


def test_points_outside_the_cube_are_a_clear_error_and_lapack_stays_silent():
    basis = PolynomialBasis(4)
    x = np.array([0.5, 2.0, 0.1, -0.3, 0.9])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]\^d"):
            basis(x)
        with pytest.raises(ValueError, match=r"points must lie in \[-1, 1\]\^d"):
            weighted_least_squares(np.ones(5), x * 1e200, np.ones(5), basis)
        with pytest.raises(ValueError, match="points must be finite"):
            weighted_least_squares(np.ones(5), x * np.inf, np.ones(5), basis)
    assert out.getvalue() == ""


def test_half_precision_points_are_computed_in_float32():
    basis = PolynomialBasis(3)
    x = np.array([0.5, -0.25, 0.75], dtype=np.float16)
    Phi = basis(x)
    assert Phi.dtype == np.float32
    np.testing.assert_allclose(Phi, basis(x.astype(np.float64)), rtol=1e-6)


def test_half_precision_kernels_are_computed_in_float32():
    K = np.diag([0.5, 0.25, 1.0]).astype(np.float16)
    assert dpp_log_probability([0, 2], K=K) == pytest.approx(np.log(0.5 * 0.75 * 1.0))
    from linalg import sample_dpp

    assert sample_dpp(K=K, rng=0).size >= 1  # the eigenvalue 1 is always kept


def test_half_precision_matrices_are_computed_in_float32_across_linalg():
    """float16 never reaches LAPACK (which refuses it without naming the argument)."""
    import linalg

    X = np.random.default_rng(0).standard_normal((30, 60))
    L = (X @ X.T / 60 + np.eye(30)).astype(np.float16)  # well conditioned after rounding
    S = linalg.sample_kdpp(L, 3, rng=0)
    assert len(set(np.asarray(S).tolist())) == 3
