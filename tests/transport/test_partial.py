"""Exact optimal partial transport on the line and its sliced form, against linear programs."""

import numpy as np
import ot
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from transport import partial_wasserstein_1d, sliced_partial_wasserstein


def _lp(x, y, a, b, p, lam=None, mass=None):
    """OPT by HiGHS on the dense LP: penalty form (lam) or mass form (mass)."""
    n, m = len(x), len(y)
    cost = np.abs(x[:, None] - y[None, :]) ** p
    rows = np.concatenate([np.repeat(np.arange(n), m), n + np.tile(np.arange(m), n)])
    cols = np.concatenate([np.arange(n * m), np.arange(n * m)])
    A = csr_matrix((np.ones(2 * n * m), (rows, cols)), shape=(n + m, n * m))
    if lam is not None:
        res = linprog((cost - 2 * lam).ravel(), A_ub=A, b_ub=np.r_[a, b], method="highs")
        return res.fun + lam * (a.sum() + b.sum())
    res = linprog(
        cost.ravel(),
        A_ub=A,
        b_ub=np.r_[a, b],
        A_eq=np.ones((1, n * m)),
        b_eq=[mass],
        method="highs",
    )
    return res.fun


def _instance(rng, case):
    n, m = rng.integers(1, 10, size=2)
    x = rng.normal(size=n)
    y = rng.normal(size=m) + rng.normal()
    if case % 4 == 0:  # ties inside and across the two supports
        x, y = np.round(x, 1), np.round(y, 1)
    weighted = case % 2 == 1
    a = rng.uniform(0.1, 2.0, n) if weighted else None
    b = rng.uniform(0.1, 2.0, m) if weighted else None
    return x, y, a, b


def _plan_value(res, x, y, p, lam, a, b):
    transport = np.sum(res.mass * np.abs(x[res.rows] - y[res.cols]) ** p)
    total = a.sum() + b.sum()
    return transport + (0.0 if lam is None else lam * (total - 2 * res.mass.sum()))


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
def test_penalty_form_matches_lp(rng, p):
    for case in range(24):
        x, y, a, b = _instance(rng, case)
        lam = rng.exponential()
        res = partial_wasserstein_1d(x, y, a, b, lam=lam, p=p)
        aa = np.ones(len(x)) if a is None else a
        bb = np.ones(len(y)) if b is None else b
        assert abs(res.cost - _lp(x, y, aa, bb, p, lam=lam)) < 1e-8
        assert abs(_plan_value(res, x, y, p, lam, aa, bb) - res.cost) < 1e-9
        np.testing.assert_array_less(np.bincount(res.rows, res.mass, len(x)), aa + 1e-12)
        np.testing.assert_array_less(np.bincount(res.cols, res.mass, len(y)), bb + 1e-12)


@pytest.mark.parametrize("p", [1.0, 2.0, 2.5])
def test_mass_form_matches_lp(rng, p):
    for case in range(24):
        x, y, a, b = _instance(rng, case)
        aa = np.ones(len(x)) if a is None else a
        bb = np.ones(len(y)) if b is None else b
        mass = rng.uniform(0.0, min(aa.sum(), bb.sum()))
        if case % 3 == 0 and a is None:
            mass = float(rng.integers(0, min(len(x), len(y)) + 1))  # a vertex of the LP
        res = partial_wasserstein_1d(x, y, a, b, mass=mass, p=p)
        assert abs(res.cost - _lp(x, y, aa, bb, p, mass=mass)) < 1e-8
        assert abs(res.transported_mass - mass) < 1e-9
        assert abs(_plan_value(res, x, y, p, None, aa, bb) - res.cost) < 1e-9


def test_matches_pot_partial_and_unit_weight_scaling(rng):
    x, y = rng.normal(size=40), rng.normal(size=30) + 0.3
    ind_x, ind_y, marginal = ot.partial.partial_wasserstein_1d(x, y, p=2)
    for k in (0, 1, 7, 30):
        res = partial_wasserstein_1d(x, y, mass=k, p=2)
        assert abs(res.cost - np.sum(marginal[:k])) < 1e-9
    # equal weights w: the plan is the unit one and every cost scales by w
    one = partial_wasserstein_1d(x, y, lam=0.1)
    scaled = partial_wasserstein_1d(x, y, np.full(40, 0.25), np.full(30, 0.25), lam=0.1)
    assert abs(scaled.cost - 0.25 * one.cost) < 1e-12


def test_batched_equals_single(rng):
    x = rng.normal(size=(3, 2, 7))
    y = rng.normal(size=(2, 5))
    b = rng.uniform(0.5, 1.5, size=(2, 5))
    for kwargs in ({"lam": 0.3}, {"mass": 2.0}):
        for weights in ((None, None), (None, b)):
            res = partial_wasserstein_1d(x, y, *weights, p=2, **kwargs)
            assert res.cost.shape == (3, 2) and res.rows.shape[:2] == (3, 2)
            for i in range(3):
                for j in range(2):
                    w = None if weights[1] is None else weights[1][j]
                    one = partial_wasserstein_1d(x[i, j], y[j], None, w, p=2, **kwargs)
                    assert abs(res.cost[i, j] - one.cost) < 1e-12
                    keep = res.rows[i, j] >= 0
                    assert np.isclose(res.mass[i, j][keep].sum(), one.transported_mass)


def test_float32_in_float32_out():
    res = partial_wasserstein_1d(np.zeros(3, np.float32), np.ones(2, np.float32), lam=1.0)
    assert res.cost.dtype == np.float32 and res.mass.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": [0.0, np.nan], "lam": 1.0}, "x"),
        ({"y": [np.inf], "lam": 1.0}, "y"),
        ({"x_weights": [1.0, -1.0], "lam": 1.0}, "x_weights"),
        ({"y_weights": [0.0], "lam": 1.0}, "y_weights"),
        ({"lam": 0.0}, "lam"),
        ({"lam": -1.0}, "lam"),
        ({"lam": float("nan")}, "lam"),
        ({}, "lam"),
        ({"lam": 1.0, "mass": 1.0}, "mass"),
        ({"mass": 1.5}, "mass"),
        ({"mass": -0.5}, "mass"),
        ({"lam": 1.0, "p": 0.5}, "p"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {"x": [0.0, 1.0], "y": [0.5]} | kwargs
    with pytest.raises(ValueError, match=match):
        partial_wasserstein_1d(**args)


def test_complex_input_is_a_type_error():
    with pytest.raises(TypeError, match="x"):
        partial_wasserstein_1d(np.array([1j]), [0.0], lam=1.0)


def test_sliced_partial_is_the_mean_of_exact_slices(rng):
    X = rng.normal(size=(12, 3))
    Y = rng.normal(size=(9, 3)) + 0.5
    theta = rng.normal(size=(3, 4))
    theta /= np.linalg.norm(theta, axis=0)
    got = sliced_partial_wasserstein(X, Y, lam=0.7, projections=theta)
    want = np.mean([_lp(X @ t, Y @ t, np.ones(12), np.ones(9), 2.0, lam=0.7) for t in theta.T])
    assert abs(got - want) < 1e-8
    b = rng.uniform(0.5, 1.5, 9)
    got = sliced_partial_wasserstein(X, Y, None, b, lam=0.7, projections=theta)
    want = np.mean([_lp(X @ t, Y @ t, np.ones(12), b, 2.0, lam=0.7) for t in theta.T])
    assert abs(got - want) < 1e-8
    # same rng, same directions, same value
    first = sliced_partial_wasserstein(X, Y, lam=0.7, n_projections=8, rng=3)
    assert first == sliced_partial_wasserstein(X, Y, lam=0.7, n_projections=8, rng=3)


def test_sliced_partial_bad_input():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="lam"):
        sliced_partial_wasserstein(X, X, lam=0.0)
    with pytest.raises(ValueError, match="b"):
        sliced_partial_wasserstein(X, X, None, [1.0, -1.0, 1.0], lam=1.0)
    with pytest.raises(ValueError, match="X"):
        sliced_partial_wasserstein(np.full((3, 2), np.nan), X, lam=1.0)


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_unit_programme_equals_network_simplex_on_larger_instances(rng, p):
    from transport.partial import _dense_row

    x = rng.normal(size=150)
    y = np.concatenate([rng.normal(size=100) + 0.4, rng.uniform(-6, 6, size=20)])
    for lam in (0.01, 0.3, 3.0):
        ours = partial_wasserstein_1d(x, y, lam=lam, p=p)
        rows, cols, mass = _dense_row(x, y, np.ones(150), np.ones(120), lam, None, p)
        exact = np.sum(mass * np.abs(x[rows] - y[cols]) ** p) + lam * (270 - 2 * mass.sum())
        assert abs(ours.cost - exact) < 1e-8 * max(1.0, exact)
    for mass in (10.0, 57.5, 120.0):
        ours = partial_wasserstein_1d(x, y, mass=mass, p=p)
        rows, cols, plan = _dense_row(x, y, np.ones(150), np.ones(120), None, mass, p)
        exact = np.sum(plan * np.abs(x[rows] - y[cols]) ** p)
        assert abs(ours.cost - exact) < 1e-8 * max(1.0, exact)
