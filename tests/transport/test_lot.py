"""Linear optimal transport embeddings: exact identities against W2 and ot.emd."""

import numpy as np
import ot
import pytest

from transport import lot_distance, lot_embedding, wasserstein_1d


def test_one_d_lot_distance_is_w2(rng):
    reference = rng.normal(size=30)
    mu1, mu2 = rng.normal(size=30) * 2.0, rng.exponential(size=30)
    e_ref = lot_embedding(reference, None, reference)
    e1, e2 = lot_embedding(reference, None, mu1), lot_embedding(reference, None, mu2)
    assert abs(lot_distance(e1, e2) - wasserstein_1d(mu1, mu2, p=2)) < 1e-10
    assert abs(lot_distance(e_ref, e1) - wasserstein_1d(reference, mu1, p=2)) < 1e-10
    assert np.allclose(e_ref.U, 0.0)


def test_reference_to_measure_is_w2_when_the_plan_is_a_map(rng):
    reference = rng.normal(size=(20, 3))
    X = rng.normal(size=(20, 3)) + 1.0
    e_ref, e = lot_embedding(reference, None, reference), lot_embedding(reference, None, X)
    w2 = ot.emd2(np.full(20, 0.05), np.full(20, 0.05), ot.dist(reference, X))
    assert abs(lot_distance(e_ref, e) ** 2 - w2) < 1e-10
    assert abs(e.cost - w2) < 1e-10


def test_barycentric_projection_and_weights(rng):
    reference = rng.normal(size=(5, 2))
    weights = rng.uniform(0.5, 1.5, 5)
    X, w = rng.normal(size=(8, 2)), rng.uniform(0.5, 1.5, 8)
    e = lot_embedding(reference, weights, X, w)
    plan = ot.emd(weights / weights.sum(), w / w.sum(), ot.dist(reference, X))
    T = plan @ X / plan.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(e.U, T - reference, atol=1e-12)
    np.testing.assert_allclose(e.reference_weights.sum(), 1.0)
    assert lot_distance(e, e) == 0.0


def test_bad_input_names_the_argument(rng):
    ref = rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match="X"):
        lot_embedding(ref, None, np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="reference_weights"):
        lot_embedding(ref, [1.0, -1.0, 1.0, 1.0], ref)
    with pytest.raises(ValueError, match="x_weights"):
        lot_embedding(ref, None, ref, [1.0, 1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="X"):
        lot_embedding(ref, None, np.zeros((3, 3)))
    e1 = lot_embedding(ref, None, ref)
    e2 = lot_embedding(ref + 1.0, None, ref)
    with pytest.raises(ValueError, match="different references"):
        lot_distance(e1, e2)
    e3 = lot_embedding(ref, [1.0, 2.0, 1.0, 1.0], ref)
    with pytest.raises(ValueError, match="different references"):
        lot_distance(e1, e3)


def test_float32_in_float32_out(rng):
    ref = rng.normal(size=(5, 2)).astype(np.float32)
    e = lot_embedding(ref, None, ref + np.float32(0.1))
    assert e.U.dtype == np.float32
