"""Plans from slicing: exact marginals, 1-D optimality, bounds against the exact LP (ot.emd2)."""

import numpy as np
import ot
import pytest

from transport import (
    expected_sliced_plan,
    min_pivot_sliced_plan,
    sliced_plans,
    wasserstein_1d,
)


def dense(rows, cols, masses, n, m):
    plan = np.zeros((n, m))
    np.add.at(plan, (rows, cols), masses)
    return plan


def exact_wpp(X, Y, a, b, p):
    n, m = len(X), len(Y)
    a = np.full(n, 1 / n) if a is None else a
    b = np.full(m, 1 / m) if b is None else b
    return ot.emd2(a, b, ot.dist(X, Y, metric="euclidean") ** p)


@pytest.mark.parametrize("weighted", [False, True])
def test_marginals_are_exact_and_costs_are_1d_optimal(rng, simplex, weighted):
    n, m, d = 9, 6, 3
    X, Y = rng.standard_normal((n, d)), rng.standard_normal((m, d)) + 1.0
    a, b = (simplex(rng, n), simplex(rng, m)) if weighted else (None, None)
    res = sliced_plans(X, Y, a, b, p=1.5, n_projections=12, rng=1)
    assert res.rows.shape == res.cols.shape == res.masses.shape == (12, n + m)
    aa = np.full(n, 1 / n) if a is None else a
    bb = np.full(m, 1 / m) if b is None else b
    for l in range(12):
        P = dense(res.rows[l], res.cols[l], res.masses[l], n, m)
        np.testing.assert_allclose(P.sum(axis=1), aa, rtol=0, atol=1e-15)
        np.testing.assert_allclose(P.sum(axis=0), bb, rtol=0, atol=1e-15)
        assert np.all(res.masses[l] >= 0)
    u, v = (X @ res.projections).T, (Y @ res.projections).T
    reference = wasserstein_1d(u, v, aa, bb, p=1.5) ** 1.5
    np.testing.assert_allclose(res.costs, reference, rtol=1e-12)


def test_equal_size_uniform_clouds_give_permutations(rng):
    n = 11
    X, Y = rng.standard_normal((n, 4)), rng.standard_normal((n, 4))
    res = sliced_plans(X, Y, n_projections=20, rng=2)
    for l in range(20):
        P = dense(res.rows[l], res.cols[l], res.masses[l], n, n)
        support = P > 0
        assert np.all(support.sum(axis=0) == 1) and np.all(support.sum(axis=1) == 1)
        np.testing.assert_allclose(P[support], np.full(n, 1 / n), rtol=1e-14)


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_min_pivot_bounds_the_exact_cost(rng, simplex, p):
    X, Y = rng.standard_normal((10, 3)), rng.standard_normal((8, 3)) * 2.0
    a, b = simplex(rng, 10), simplex(rng, 8)
    exact = exact_wpp(X, Y, a, b, p)
    res = min_pivot_sliced_plan(X, Y, a, b, p=p, n_projections=50, rng=3)
    assert np.all(res.lifted_costs >= exact * (1 - 1e-12))
    assert res.cost == pytest.approx(res.lifted_costs.min())
    P = dense(res.rows, res.cols, res.masses, 10, 8)
    M = ot.dist(X, Y, metric="euclidean") ** p
    assert res.cost == pytest.approx(float(np.sum(P * M)), rel=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), a, atol=1e-15)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_min_pivot_is_exact_for_one_dimensional_data(rng, simplex, p):
    t, s = rng.standard_normal(12), rng.standard_normal(7) + 0.5
    a, b = simplex(rng, 12), simplex(rng, 7)
    exact = exact_wpp(t[:, None], s[:, None], a, b, p)
    res = min_pivot_sliced_plan(t[:, None], s[:, None], a, b, p=p, n_projections=4, rng=4)
    assert res.cost == pytest.approx(exact, rel=1e-10)
    # Data on a line in R^3: every direction not orthogonal to it is optimal.
    line = np.array([1.0, -2.0, 0.5]) / np.linalg.norm([1.0, -2.0, 0.5])
    res3 = min_pivot_sliced_plan(t[:, None] * line, s[:, None] * line, a, b, p=p, rng=5)
    assert res3.cost == pytest.approx(exact, rel=1e-10)


def test_expected_plan_marginals_bound_and_temperature(rng, simplex):
    n, m = 8, 10
    X, Y = rng.standard_normal((n, 2)), rng.standard_normal((m, 2)) + [2.0, 0.0]
    a, b = simplex(rng, n), simplex(rng, m)
    res = expected_sliced_plan(X, Y, a, b, n_projections=30, rng=6)
    np.testing.assert_allclose(res.plan.sum(axis=1), a, atol=1e-15)
    np.testing.assert_allclose(res.plan.sum(axis=0), b, atol=1e-15)
    np.testing.assert_allclose(res.direction_weights, np.full(30, 1 / 30))
    M = ot.dist(X, Y)
    assert res.cost == pytest.approx(float(np.sum(res.plan * M)), rel=1e-12)
    assert res.cost >= exact_wpp(X, Y, a, b, 2.0)
    # A large inverse temperature concentrates on the cheapest direction: min-SWGG.
    cold = expected_sliced_plan(X, Y, a, b, inverse_temperature=1e9, n_projections=30, rng=6)
    pivot = min_pivot_sliced_plan(X, Y, a, b, n_projections=30, rng=6)
    np.testing.assert_allclose(cold.plan, dense(pivot.rows, pivot.cols, pivot.masses, n, m))
    assert cold.cost <= res.cost


def test_float32_and_given_projections(rng):
    X = rng.standard_normal((5, 2)).astype(np.float32)
    Y = rng.standard_normal((7, 2)).astype(np.float32)
    res = sliced_plans(X, Y, projections=np.eye(2, dtype=np.float32))
    assert res.masses.dtype == np.float32 and res.costs.dtype == np.float32
    assert expected_sliced_plan(X, Y, n_projections=3, rng=0).plan.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "kwargs", "exc", "match"),
    [
        (expected_sliced_plan, {"inverse_temperature": -1.0}, ValueError, "inverse_temperature"),
        (expected_sliced_plan, {"inverse_temperature": np.inf}, ValueError, "inverse_temperature"),
        (sliced_plans, {"projections": np.ones((3, 2))}, ValueError, "projections"),
        (sliced_plans, {"p": 0.5}, ValueError, "p"),
        (min_pivot_sliced_plan, {"n_projections": 0}, ValueError, "n_projections"),
        (min_pivot_sliced_plan, {"b": -np.ones(4)}, ValueError, "b"),
        (sliced_plans, {"directions": "spiral"}, ValueError, "d must be 3"),
        (min_pivot_sliced_plan, {"scale": 1e-160}, ValueError, "lifted plan"),
        (expected_sliced_plan, {"scale": 1e200}, ValueError, "lifted plan"),
        (min_pivot_sliced_plan, {"scale": 1e-3, "p": 300.0}, ValueError, "lifted plan"),
    ],
)
def test_bad_inputs_are_named(call, kwargs, exc, match):
    scale = kwargs.pop("scale", 1.0)
    X, Y = np.zeros((3, 2)), np.ones((4, 2)) * scale
    with pytest.raises(exc, match=match):
        call(X, Y, **kwargs)


def test_complex_input_is_a_type_error():
    with pytest.raises(TypeError, match="Y"):
        sliced_plans(np.zeros((3, 2)), np.ones((4, 2)) + 1j)


@pytest.mark.gpu
def test_cupy_plans_match_numpy(rng, simplex):
    cp = pytest.importorskip("cupy")
    X, Y = rng.standard_normal((9, 3)), rng.standard_normal((6, 3))
    a, b = simplex(rng, 9), simplex(rng, 6)
    theta = rng.standard_normal((3, 5))
    host = sliced_plans(X, Y, a, b, projections=theta)
    dev = sliced_plans(*(cp.asarray(z) for z in (X, Y, a, b)), projections=cp.asarray(theta))
    assert isinstance(dev.masses, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(dev.costs), host.costs, rtol=1e-12)
    pivot = min_pivot_sliced_plan(
        *(cp.asarray(z) for z in (X, Y, a, b)), projections=cp.asarray(theta)
    )
    assert float(pivot.cost) == pytest.approx(
        float(min_pivot_sliced_plan(X, Y, a, b, projections=theta).cost), rel=1e-12
    )
    expected = expected_sliced_plan(
        *(cp.asarray(z) for z in (X, Y, a, b)), projections=cp.asarray(theta)
    )
    assert isinstance(expected.plan, cp.ndarray)
