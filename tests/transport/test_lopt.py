"""Linear optimal partial transport embeddings: the OPT identity, geodesics, bad input."""

import numpy as np
import ot
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from transport import lopt_distance, lopt_embedding, lopt_interpolate


def _opt_lp(X, a, Y, b, lam):
    """OPT_lam (lam per unit created or destroyed) by HiGHS on the dense LP."""
    n, m = len(a), len(b)
    cost = ot.dist(X, Y)
    rows = np.concatenate([np.repeat(np.arange(n), m), n + np.tile(np.arange(m), n)])
    cols = np.concatenate([np.arange(n * m), np.arange(n * m)])
    A = csr_matrix((np.ones(2 * n * m), (rows, cols)), shape=(n + m, n * m))
    res = linprog((cost - 2 * lam).ravel(), A_ub=A, b_ub=np.r_[a, b], method="highs")
    return res.fun + lam * (a.sum() + b.sum())


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("lam", [0.05, 0.5, 5.0])
def test_reference_to_measure_is_opt_when_the_plan_is_a_map(rng, d, lam):
    # unit masses: the OPT linear programme has an integral optimum, a partial map
    reference = rng.normal(size=(9, d))
    X = np.concatenate([rng.normal(size=(7, d)) + 0.3, rng.normal(size=(2, d)) + 6.0])
    e_ref = lopt_embedding(reference, None, reference, lam=lam)
    e = lopt_embedding(reference, None, X, lam=lam)
    opt = _opt_lp(reference, np.ones(9), X, np.ones(9), lam)
    assert abs(e.cost - opt) < 1e-8
    assert abs(lopt_distance(e_ref, e, lam=lam) - opt) < 1e-8
    assert abs(lopt_distance(e, e_ref, lam=lam) - opt) < 1e-8
    assert np.allclose(e_ref.U, 0.0) and e_ref.destroyed_mass == 0.0


def test_one_d_uses_the_exact_line_solver_with_weights(rng):
    reference, sigma = rng.normal(size=6), rng.uniform(0.5, 1.5, 6)
    X, w = rng.normal(size=8), rng.uniform(0.5, 1.5, 8)
    e = lopt_embedding(reference, sigma, X, w, lam=0.4)
    opt = _opt_lp(reference[:, None], sigma, X[:, None], w, 0.4)
    assert abs(e.cost - opt) < 1e-8
    assert abs(e.p_hat.sum() + e.destroyed_mass - w.sum()) < 1e-12
    np.testing.assert_array_less(e.p_hat, sigma + 1e-12)


def test_unequal_total_masses_in_two_d_match_the_lp(rng):
    # the authors' accuracy setting: reference of mass 1 in atoms of 1/k, measure in
    # atoms of another mass; the embedding's cost is OPT_lam and its masses add up
    reference, sigma = rng.normal(size=(6, 2)), np.full(6, 1.0 / 6)
    X, w = rng.normal(size=(5, 2)) + 0.5, np.full(5, 0.3)
    for lam in (0.05, 0.6, 4.0):
        e = lopt_embedding(reference, sigma, X, w, lam=lam)
        assert abs(e.cost - _opt_lp(reference, sigma, X, w, lam)) < 1e-8
        assert abs(e.p_hat.sum() + e.destroyed_mass - w.sum()) < 1e-12


def test_distance_formula_on_a_hand_example():
    ref = np.array([[0.0], [1.0], [2.0]])
    e1 = lopt_embedding(ref, None, [[0.5], [1.0]], lam=1.0)  # ref 2 is destroyed
    e2 = lopt_embedding(ref, None, [[0.0], [1.5], [2.0], [9.0]], lam=1.0)  # 9 is created
    assert e1.p_hat.tolist() == [1.0, 1.0, 0.0] and e2.destroyed_mass == 1.0
    # shared mass 1 at refs 0 and 1: |0.5 - 0|^2 + |0 - 0.5|^2; |p1 - p2|_1 = 1; created 0 + 1
    assert abs(lopt_distance(e1, e2, lam=1.0) - (0.25 + 0.25 + 1.0 + 1.0)) < 1e-12
    # gaps of 2 lam or more are priced as destroying and creating the shared mass
    assert lopt_distance(e1, e2, lam=0.1) <= 0.1 * (2 * 2 + 1 + 1) + 1e-12


def test_interpolation_end_points_and_mass(rng):
    ref = rng.normal(size=(10, 2))
    X1 = ref + rng.normal(size=(10, 2)) * 0.1
    X2 = np.concatenate([ref[:6] + 0.2, rng.normal(size=(3, 2)) + 20.0])
    e1 = lopt_embedding(ref, None, X1, lam=2.0)
    e2 = lopt_embedding(ref, None, X2, lam=2.0)
    start = lopt_interpolate(e1, e2, 0.0)
    np.testing.assert_allclose(np.sort(start.points, axis=0), np.sort(X1, axis=0), atol=1e-12)
    assert abs(start.weights.sum() - e1.p_hat.sum()) < 1e-12
    end = lopt_interpolate(e1, e2, 1.0)
    assert abs(end.weights.sum() - e2.p_hat.sum()) < 1e-12
    assert np.all(np.abs(end.points) < 10.0)  # the outliers are left out
    mid = lopt_interpolate(e1, e2, 0.5)
    shared = np.minimum(e1.p_hat, e2.p_hat)
    total = shared.sum() + 0.5 * (e1.p_hat - shared).sum() + 0.5 * (e2.p_hat - shared).sum()
    assert abs(mid.weights.sum() - total) < 1e-12


def test_bad_input_names_the_argument(rng):
    ref = rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match="lam"):
        lopt_embedding(ref, None, ref, lam=0.0)
    with pytest.raises(ValueError, match="lam"):
        lopt_embedding(ref, None, ref, lam=-1.0)
    with pytest.raises(ValueError, match="X"):
        lopt_embedding(ref, None, np.full((3, 2), np.nan), lam=1.0)
    with pytest.raises(ValueError, match="x_weights"):
        lopt_embedding(ref, None, ref, [1.0, -2.0, 1.0, 1.0], lam=1.0)
    with pytest.raises(ValueError, match="reference_weights"):
        lopt_embedding(ref, [1.0, 0.0, 1.0, 1.0], ref, lam=1.0)
    e1 = lopt_embedding(ref, None, ref, lam=1.0)
    e2 = lopt_embedding(ref * 2.0, None, ref, lam=1.0)
    with pytest.raises(ValueError, match="different references"):
        lopt_distance(e1, e2, lam=1.0)
    with pytest.raises(ValueError, match="different references"):
        lopt_interpolate(e1, e2, 0.5)
    with pytest.raises(ValueError, match="lam"):
        lopt_distance(e1, e1, lam=float("nan"))
    with pytest.raises(ValueError, match="t"):
        lopt_interpolate(e1, e1, 1.5)


def test_float32_in_float32_out(rng):
    ref = rng.normal(size=(5, 2)).astype(np.float32)
    e = lopt_embedding(ref, None, ref + np.float32(0.1), lam=1.0)
    assert e.U.dtype == np.float32 and e.p_hat.dtype == np.float32
