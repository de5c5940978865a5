"""sliced_wasserstein and its matrix against POT, identities and the Monte Carlo error."""

import numpy as np
import ot
import pytest

import transport


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("sizes", [(40, 40), (37, 23)])
@pytest.mark.parametrize("weighted", [(False, False), (True, True), (True, False)])
def test_matches_pot_on_identical_directions(rng, simplex, p, sizes, weighted):
    n, m = sizes
    X = rng.standard_normal((n, 4))
    Y = rng.standard_normal((m, 4)) * 1.5 + 0.3
    a = simplex(rng, n) if weighted[0] else None
    b = simplex(rng, m) if weighted[1] else None
    theta = transport.random_directions(4, 30, "mc", rng=rng)
    ours = transport.sliced_wasserstein(X, Y, a, b, p=p, projections=theta)
    theirs = ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta, p=p)
    assert ours == pytest.approx(theirs, rel=1e-10)


def test_one_dimensional_slice_equals_exact_1d(rng, simplex):
    x = rng.standard_normal((50, 1))
    y = rng.standard_normal((31, 1)) + 2.0
    a, b = simplex(rng, 50), simplex(rng, 31)
    sw = transport.sliced_wasserstein(x, y, a, b, p=2, projections=np.ones((1, 1)))
    exact = transport.wasserstein_1d(x[:, 0], y[:, 0], a, b, p=2)
    assert sw == pytest.approx(exact, rel=1e-12)
    # independent check: the exact LP on the 1-D problem
    lp = ot.emd2(a, b, ot.dist(x, y, metric="sqeuclidean"))
    assert sw**2 == pytest.approx(lp, rel=1e-9)


@pytest.mark.parametrize("kind", ["mc", "orthogonal", "qmc"])
def test_directions_are_unit_and_seeded(kind):
    theta = transport.random_directions(5, 12, kind, rng=3)
    assert theta.shape == (5, 12)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(theta, transport.random_directions(5, 12, kind, rng=3))


def test_orthogonal_directions_form_orthonormal_blocks():
    theta = transport.random_directions(4, 10, "orthogonal", rng=0)
    for start in (0, 4):
        block = theta[:, start : start + 4]
        np.testing.assert_allclose(block.T @ block, np.eye(4), atol=1e-12)
    assert not np.allclose(theta[:, :4], theta[:, 4:8])


@pytest.mark.parametrize("kind", ["mc", "orthogonal", "qmc"])
def test_directions_have_uniform_second_moment(kind):
    # For theta uniform on S^{d-1}, E[theta theta^T] = I/d. Each entry of the empirical
    # mean of L = 4096 outer products has standard deviation at most sqrt(E theta_i^4 / L)
    # = sqrt(3 / (d (d + 2) L)) ~ 0.0048 for d = 5; 6 sigma ~ 0.03.
    theta = transport.random_directions(5, 4096, kind, rng=11)
    np.testing.assert_allclose(theta @ theta.T / 4096, np.eye(5) / 5, atol=0.03)


def test_same_seed_same_value(rng):
    X, Y = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    for kind in ("mc", "orthogonal", "qmc"):
        v1 = transport.sliced_wasserstein(X, Y, directions=kind, n_projections=20, rng=7)
        v2 = transport.sliced_wasserstein(X, Y, directions=kind, n_projections=20, rng=7)
        assert v1 == v2


def test_chunking_does_not_change_the_value(rng, simplex):
    X, Y = rng.standard_normal((25, 3)), rng.standard_normal((19, 3))
    a = simplex(rng, 25)
    theta = transport.random_directions(3, 17, rng=0)
    whole = transport.sliced_wasserstein(X, Y, a, projections=theta)
    for chunk in (1, 4, 16):
        chunked = transport.sliced_wasserstein(X, Y, a, projections=theta, chunk_size=chunk)
        assert chunked == pytest.approx(whole, rel=1e-13)


def test_closed_form_for_a_translation():
    # For Y = X + t, every slice is a translation by <theta, t>, so SW_2^2 = E<theta, t>^2
    # = |t|^2 / d exactly for directions forming an orthonormal basis.
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 3))
    t = np.array([1.0, -2.0, 0.5])
    basis = transport.random_directions(3, 3, "orthogonal", rng=1)
    sw = transport.sliced_wasserstein(X, X + t, projections=basis)
    assert sw**2 == pytest.approx(t @ t / 3, rel=1e-12)


@pytest.mark.parametrize("kind", ["mc", "orthogonal", "qmc"])
def test_monte_carlo_error_shrinks_like_inverse_sqrt_L(kind):
    # Gaussian clouds with covariance diag(1, 4): SW_2^2 of the *empirical* measures on
    # all directions is approximated by a dense reference (L = 2^14 QMC-free MC draws).
    # The error of the L-direction estimate of SW_2^2 has standard deviation
    # sigma_1 / sqrt(L) where sigma_1 is the spread of a single slice's W_2^2; over 40
    # seeds its RMS at L = 16 should exceed the RMS at L = 1024 by about
    # sqrt(1024/16) = 8 for MC (more for orthogonal/QMC, which reduce variance).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2)) * [1.0, 2.0]
    Y = rng.standard_normal((200, 2)) * [2.0, 0.5] + [0.5, 0.0]
    angles = (np.arange(8192) + 0.5) * np.pi / 8192  # midpoint rule on the half circle
    dense = np.vstack([np.cos(angles), np.sin(angles)])
    reference = transport.sliced_wasserstein(X, Y, projections=dense) ** 2

    def rms(L):
        errs = [
            transport.sliced_wasserstein(X, Y, n_projections=L, directions=kind, rng=s) ** 2
            - reference
            for s in range(40)
        ]
        return np.sqrt(np.mean(np.square(errs)))

    small, large = rms(16), rms(1024)
    # With 40 repetitions each RMS is within a factor ~1.25 of its expectation
    # (chi distribution with 40 degrees of freedom, beyond 3 sigma), so the ratio of
    # the two is at least 8 / 1.25**2 ~ 5.1 for MC.
    assert small / large > 5.0


def test_matrix_matches_pairwise_calls(rng, simplex):
    clouds = [rng.standard_normal((n, 3)) + k for k, n in enumerate((20, 20, 13, 31))]
    weights = [None, simplex(rng, 20), None, simplex(rng, 31)]
    theta = transport.random_directions(3, 25, rng=2)
    D = transport.sliced_wasserstein_matrix(clouds, weights, projections=theta, chunk_size=7)
    assert D.shape == (4, 4)
    np.testing.assert_array_equal(D, D.T)
    np.testing.assert_array_equal(np.diag(D), 0.0)
    for i in range(4):
        for j in range(i + 1, 4):
            expected = ot.sliced_wasserstein_distance(
                clouds[i], clouds[j], weights[i], weights[j], projections=theta
            )
            assert D[i, j] == pytest.approx(expected, rel=1e-10)


def test_array_api_strict_inputs(rng, simplex):
    xps = pytest.importorskip("array_api_strict")
    X, Y = rng.standard_normal((15, 3)), rng.standard_normal((11, 3))
    a, b = simplex(rng, 15), simplex(rng, 11)
    theta = transport.random_directions(3, 9, rng=0)
    for weights in ((None, None), (a, b)):
        expected = transport.sliced_wasserstein(X, Y, *weights, projections=theta)
        wrapped = [None if w is None else xps.asarray(w) for w in weights]
        got = transport.sliced_wasserstein(
            xps.asarray(X), xps.asarray(Y), *wrapped, projections=xps.asarray(theta)
        )
        assert type(got).__module__.startswith("array_api_strict")
        assert float(got) == pytest.approx(expected, rel=1e-12)
    Z = xps.asarray(rng.standard_normal((15, 3)))
    got = transport.sliced_wasserstein(xps.asarray(X), Z, projections=xps.asarray(theta))
    expected = transport.sliced_wasserstein(X, np.asarray(Z), projections=theta)
    assert float(got) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"X": np.array([[np.nan, 0.0]])}, "X must be finite"),
        ({"Y": np.array([[np.inf, 0.0]])}, "Y must be finite"),
        ({"a": np.array([-0.5, 1.5])}, "a must be non-negative"),
        ({"a": np.array([0.5, 0.5]), "b": np.array([0.2, 0.2])}, "same total mass"),
        ({"a": np.array([1.0, 1.0])}, "same total mass"),
        ({"a": np.ones(3) / 3}, "a must have length 2"),
        ({"Y": np.zeros((2, 3))}, "Y must have d = 2"),
        ({"X": np.zeros(4)}, "X must be a 2-D"),
        ({"p": 0.5}, "p must be >= 1"),
        ({"n_projections": 0}, "n_projections must be >= 1"),
        ({"projections": np.zeros((3, 4))}, r"projections must have shape \(d, L\)"),
        ({"projections": np.zeros((2, 0))}, r"projections must have shape \(d, L\)"),
        ({"directions": "sobol"}, "directions must be one of"),
    ],
)
def test_bad_input_is_rejected(kwargs, match):
    args = {"X": np.zeros((2, 2)), "Y": np.ones((2, 2)), "a": None, "b": None}
    args.update(kwargs)
    X, Y, a, b = (args.pop(k) for k in ("X", "Y", "a", "b"))
    with pytest.raises(ValueError, match=match):
        transport.sliced_wasserstein(X, Y, a, b, **args)
