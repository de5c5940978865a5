"""sliced_wasserstein_cdist: every entry equals sliced_wasserstein on the same directions."""

import numpy as np
import pytest

from transport import sliced_wasserstein, sliced_wasserstein_cdist, sliced_wasserstein_matrix


def _collection(rng, d=3):
    sizes = [5, 5, 7, 5, 7, 3, 5]
    clouds = [rng.normal(size=(n, d)) + rng.normal(size=d) for n in sizes]
    clouds[6] = clouds[0] + 1e-7  # a near-duplicate: the Gram path must hand it to the merge
    weights = [None, None, None, rng.dirichlet(np.ones(5)), None, rng.dirichlet(np.ones(3)), None]
    return clouds, weights


def _directions(rng, d, L):
    theta = rng.normal(size=(d, L))
    return theta / np.linalg.norm(theta, axis=0)


def _reference(clouds, weights, others, other_weights, theta, p):
    return np.array(
        [
            [
                float(sliced_wasserstein(X, Y, a, b, projections=theta, p=p))
                for Y, b in zip(others, other_weights, strict=True)
            ]
            for X, a in zip(clouds, weights, strict=True)
        ]
    )


@pytest.mark.parametrize("p", [2.0, 1.5])
def test_matrix_equals_sliced_wasserstein_per_pair(rng, p):
    clouds, weights = _collection(rng)
    theta = _directions(rng, 3, 20)
    D = sliced_wasserstein_cdist(clouds, weights=weights, projections=theta, p=p)
    R = _reference(clouds, weights, clouds, weights, theta, p)
    np.fill_diagonal(R, 0.0)
    np.testing.assert_allclose(D, R, rtol=1e-12, atol=1e-15)
    assert D[0, 6] == pytest.approx(R[0, 6], rel=1e-9)  # near-duplicate pair, recomputed
    np.testing.assert_allclose(
        D, sliced_wasserstein_matrix(clouds, weights, projections=theta, p=p), rtol=1e-12
    )


@pytest.mark.parametrize("max_bytes", [1200, 6000, 1 << 20])  # tiles, blocks, one block
def test_rectangular_and_blocked(rng, max_bytes):
    clouds, weights = _collection(rng)
    theta = _directions(rng, 3, 9)
    D = sliced_wasserstein_cdist(
        clouds[:3], clouds[3:], weights[:3], weights[3:], projections=theta, max_bytes=max_bytes
    )
    R = _reference(clouds[:3], weights[:3], clouds[3:], weights[3:], theta, 2.0)
    assert D.shape == (3, 4)
    # (the near-duplicate pair D[0, 3] ~ 1e-7 carries the rounding of its projections)
    np.testing.assert_allclose(D, R, rtol=1e-12, atol=1e-16)
    full = sliced_wasserstein_cdist(clouds, weights=weights, projections=theta, max_bytes=max_bytes)
    np.testing.assert_allclose(full[:3, 3:], R, rtol=1e-12, atol=1e-16)


def test_equal_size_gram_path_on_shifted_clouds(rng):
    # Clouds far from the origin and close to each other: the centred Gram identity
    # (with the merge fallback) keeps the relative accuracy of the per-pair solver.
    base = rng.normal(size=(40, 4)) + 1e3
    clouds = [base + 1e-3 * rng.normal(size=(40, 4)) for _ in range(5)]
    theta = _directions(rng, 4, 16)
    D = sliced_wasserstein_cdist(clouds, projections=theta)
    R = _reference(clouds, [None] * 5, clouds, [None] * 5, theta, 2.0)
    np.fill_diagonal(R, 0.0)
    np.testing.assert_allclose(D, R, rtol=1e-8)


def test_same_rng_gives_the_directions_of_sliced_wasserstein(rng):
    X, Y = rng.normal(size=(30, 5)), rng.normal(size=(20, 5))
    D = sliced_wasserstein_cdist([X, Y], n_projections=50, rng=7)
    assert D[0, 1] == pytest.approx(
        float(sliced_wasserstein(X, Y, n_projections=50, rng=7)), rel=1e-12
    )


def test_dtype_and_array_api_strict(rng):
    clouds = [rng.normal(size=(6, 2)).astype(np.float32) for _ in range(3)]
    assert sliced_wasserstein_cdist(clouds, n_projections=8, rng=0).dtype == np.float32
    xps = pytest.importorskip("array_api_strict")
    theta = _directions(rng, 2, 8)
    host = [c.astype(np.float64) for c in clouds]
    got = sliced_wasserstein_cdist([xps.asarray(c) for c in host], projections=xps.asarray(theta))
    want = sliced_wasserstein_cdist(host, projections=theta)
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)


def test_bad_input(rng):
    X = rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match="clouds must hold at least one"):
        sliced_wasserstein_cdist([])
    with pytest.raises(ValueError, match="others must hold at least one"):
        sliced_wasserstein_cdist([X], [])
    with pytest.raises(ValueError, match="weights must have one entry per cloud"):
        sliced_wasserstein_cdist([X, X], weights=[None])
    with pytest.raises(ValueError, match=r"clouds\[1\] must have d = 2"):
        sliced_wasserstein_cdist([X, rng.normal(size=(3, 3))])
    with pytest.raises(ValueError, match=r"clouds\[0\] must be finite"):
        sliced_wasserstein_cdist([np.full((2, 2), np.nan), X])
    with pytest.raises(ValueError, match=r"weights\[1\] must be non-negative"):
        sliced_wasserstein_cdist([X, X], weights=[None, np.array([1.0, -1.0, 0.5, 0.5])])
    with pytest.raises(ValueError, match=r"max_bytes is too small for clouds\[0\] alone"):
        sliced_wasserstein_cdist([X, X], max_bytes=100)
    with pytest.raises(ValueError, match="other_weights given without others"):
        sliced_wasserstein_cdist([X], other_weights=[None])
    with pytest.raises(ValueError, match="p must be >= 1"):
        sliced_wasserstein_cdist([X, X], p=0.5)
