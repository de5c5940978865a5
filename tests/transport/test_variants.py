"""max-SW, generalized SW and augmented SW: brute force, identities and gradient checks."""

import numpy as np
import ot
import pytest

import transport
from transport.augmented import aswd_objective, init_mlp
from transport.slice_gradients import slice_wpp_and_grad


def _dense_half_circle(count):
    angles = np.linspace(0.0, np.pi, count, endpoint=False)
    return np.vstack([np.cos(angles), np.sin(angles)])


def test_max_sliced_matches_dense_direction_search():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 2)) * [1.0, 2.5]
    Y = rng.standard_normal((90, 2)) @ np.array([[1.0, 0.8], [0.0, 0.6]]) + [0.7, -0.2]
    res = transport.max_sliced_wasserstein(X, Y, rng=0)
    grid = _dense_half_circle(20000)
    brute = np.sqrt(slice_wpp_and_grad(grid.T @ X.T, None, grid.T @ Y.T, None, 2.0)[0].max())
    # The grid spacing is pi/20000 and theta -> W_2(theta#mu, theta#nu) is Lipschitz with
    # constant at most max |x| + max |y| < 20, so the grid is within 20 * 1.6e-4 of the sup.
    assert brute - 1e-9 <= res.value <= brute + 20 * np.pi / 20000
    assert np.linalg.norm(res.direction) == pytest.approx(1.0, rel=1e-12)
    assert res.value == pytest.approx(
        transport.sliced_wasserstein(X, Y, projections=res.direction[:, None]), rel=1e-12
    )
    # Optimising beats POT's maximum over 500 random draws.
    assert res.value >= ot.max_sliced_wasserstein_distance(X, Y, n_projections=500, seed=0)


def test_max_sliced_weighted_and_seeded(rng, simplex):
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)) * 2
    a = simplex(rng, 40)
    r1 = transport.max_sliced_wasserstein(X, Y, a, rng=5)
    r2 = transport.max_sliced_wasserstein(X, Y, a, rng=5)
    assert r1.value == r2.value
    assert r1.to_dict()["steps"] == r1.steps > 0
    with pytest.warns(DeprecationWarning, match="n_iter is deprecated"):
        assert r1.n_iter == r1.steps
    direct = ot.wasserstein_1d(X @ r1.direction, Y @ r1.direction, a, p=2)
    assert r1.value == pytest.approx(np.sqrt(direct), rel=1e-10)


def test_gsw_polynomial_degree_one_is_sw(rng):
    X, Y = rng.standard_normal((30, 3)), rng.standard_normal((25, 3)) + 1
    theta = transport.random_directions(3, 20, rng=1)
    gsw = transport.generalized_sliced_wasserstein(X, Y, degree=1, projections=theta)
    assert gsw == pytest.approx(transport.sliced_wasserstein(X, Y, projections=theta), rel=1e-12)


def test_gsw_matches_pot_on_explicit_features(rng, simplex):
    X, Y = rng.standard_normal((30, 2)), rng.standard_normal((20, 2))
    a = simplex(rng, 30)
    # polynomial degree 3 in 2-D: monomials x^3, x^2 y, x y^2, y^3
    feats = lambda Z: np.stack(
        [Z[:, 0] ** 3, Z[:, 0] ** 2 * Z[:, 1], Z[:, 0] * Z[:, 1] ** 2, Z[:, 1] ** 3], 1
    )
    theta = transport.random_directions(4, 15, rng=2)
    ours = transport.generalized_sliced_wasserstein(X, Y, a, degree=3, projections=theta)
    ref = ot.sliced_wasserstein_distance(feats(X), feats(Y), a, projections=theta)
    assert ours == pytest.approx(ref, rel=1e-10)
    # circular: projections are distances to r * theta, compared slice by slice with POT 1-D.
    theta = transport.random_directions(2, 6, rng=3)
    ours = transport.generalized_sliced_wasserstein(
        X, Y, a, defining_function="circular", radius=2.0, projections=theta
    )
    dist = lambda Z: np.linalg.norm(Z[:, None, :] - 2.0 * theta.T[None], axis=2)
    ref = np.sqrt(np.mean(ot.wasserstein_1d(dist(X), dist(Y), a, p=2)))
    assert ours == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"defining_function": "cubic"}, "defining_function must be one of"),
        ({"degree": 2}, "degree must be odd"),
        ({"defining_function": "circular", "radius": 0.0}, "radius must be > 0"),
        ({"n_projections": 0}, "n_projections must be >= 1"),
    ],
)
def test_gsw_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        transport.generalized_sliced_wasserstein(np.zeros((3, 2)), np.ones((3, 2)), **kwargs)


@pytest.mark.parametrize("p", [2.0, 1.5])
def test_aswd_gradients_match_finite_differences(p):
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((18, 2)), rng.standard_normal((13, 2)) + 1.0
    a = rng.random(18)
    a /= a.sum()
    params = init_mlp(2, (6, 5), 3, rng=1)
    theta = transport.random_directions(5, 9, rng=2)
    J, _, grads, grad_X, grad_Y = aswd_objective(X, Y, a, None, params, theta, p, 0.5)

    def objective(params=params, X=X, Y=Y):
        return aswd_objective(X, Y, a, None, params, theta, p, 0.5)[0]

    eps = 1e-6
    # Central differences: truncation error O(eps^2 * third derivative) plus rounding
    # O(1e-16 / eps) ~ 1e-10; a kink (sorting order change) within eps is measure-zero.
    for layer in range(len(params)):
        for which in (0, 1):
            shape = params[layer][which].shape
            for _ in range(3):
                idx = tuple(int(rng.integers(s)) for s in shape)
                shifted = []
                for sign in (1.0, -1.0):
                    copy = [[w.copy(), c.copy()] for w, c in params]
                    copy[layer][which][idx] += sign * eps
                    shifted.append(objective(params=tuple(map(tuple, copy))))
                fd = (shifted[0] - shifted[1]) / (2 * eps)
                assert grads[layer][which][idx] == pytest.approx(fd, abs=1e-7, rel=1e-5)
    for Z, G, name in ((X, grad_X, "X"), (Y, grad_Y, "Y")):
        for _ in range(4):
            i, j = int(rng.integers(Z.shape[0])), int(rng.integers(2))
            E = np.zeros_like(Z)
            E[i, j] = eps
            plus = objective(**{name: Z + E})
            minus = objective(**{name: Z - E})
            assert G[i, j] == pytest.approx((plus - minus) / (2 * eps), abs=1e-7, rel=1e-5)


def test_aswd_value_is_sw_of_lifted_clouds_and_training_ascends():
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((80, 2)), rng.standard_normal((70, 2)) * 0.5 + 1.0
    res = transport.augmented_sliced_wasserstein(X, Y, steps=40, rng=1)
    # Adam ascent on J with fresh random directions: the objective rises on average.
    assert res.objective[-10:].mean() > res.objective[:10].mean()
    from transport.augmented import lift

    lifted_x, lifted_y = lift(X, res.params)[0], lift(Y, res.params)[0]
    assert lifted_x.shape == (80, 4)
    np.testing.assert_array_equal(lifted_x[:, :2], X)  # phi(x) = [x, g(x)] is injective
    # The augmented value is a sliced distance of the lifted clouds, bounded by their W_2.
    w2 = np.sqrt(ot.emd2(np.full(80, 1 / 80), np.full(70, 1 / 70), ot.dist(lifted_x, lifted_y)))
    assert 0 < res.value <= w2


def test_aswd_bad_input():
    with pytest.raises(ValueError, match="penalty must be >= 0"):
        transport.augmented_sliced_wasserstein(np.zeros((3, 2)), np.ones((3, 2)), penalty=-1.0)
    with pytest.raises(ValueError, match="X must be finite"):
        transport.augmented_sliced_wasserstein(np.full((3, 2), np.nan), np.ones((3, 2)))
