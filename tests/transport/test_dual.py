"""Exact 1-D dual potentials: checked against the LP (ot.emd), duality and finite differences."""

import numpy as np
import ot
import pytest

from transport import wasserstein_1d, wasserstein_1d_dual


def _instance(rng, trial):
    """Random 1-D measures; every third trial has ties on a grid, every fifth zero weights."""
    n, m = rng.integers(1, 9, size=2)
    if trial % 3 == 0:
        x, y = rng.integers(0, 5, n).astype(float), rng.integers(0, 5, m).astype(float)
    else:
        x, y = rng.normal(size=n), rng.normal(size=m)
    a = rng.integers(0, 3, n).astype(float) if trial % 5 == 0 else rng.random(n) + 0.05
    b = rng.integers(0, 3, m).astype(float) if trial % 7 == 0 else rng.random(m) + 0.05
    a[0] += a.sum() == 0
    b[0] += b.sum() == 0
    return x, y, a / a.sum(), b / b.sum()


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
def test_value_feasibility_and_slackness_against_the_lp(rng, p):
    for trial in range(60):
        x, y, a, b = _instance(rng, trial)
        r = wasserstein_1d_dual(x, y, a, b, p=p)
        C = np.abs(x[:, None] - y[None, :]) ** p
        plan = ot.emd(a, b, C)
        lp = float(np.sum(plan * C))
        assert float(r.value) == pytest.approx(lp, rel=1e-10, abs=1e-12)
        assert float(a @ r.f + b @ r.g) == pytest.approx(lp, rel=1e-10, abs=1e-12)
        slack = C - r.f[:, None] - r.g[None, :]
        scale = 1e-10 * max(1.0, C.max())
        assert slack.min() >= -scale  # f(x) + g(y) <= |x - y|^p on every pair
        assert np.all(np.abs(slack[plan > 1e-12]) <= scale)  # equality on the plan's support
        assert float(r.value) ** (1 / p) == pytest.approx(
            float(wasserstein_1d(x, y, a, b, p=p)), rel=1e-9, abs=1e-12
        )


def test_potentials_are_the_gradient_of_the_value(rng):
    # Central differences along mass-preserving directions e_i - e_0 (generic instances:
    # distinct cumulative weights, so the dual is unique up to the constant).
    h = 1e-6
    for p in (1.5, 2.0, 3.0):
        x, y = rng.normal(size=6), rng.normal(size=5)
        a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(5))
        r = wasserstein_1d_dual(x, y, a, b, p=p)
        for i in range(1, 6):
            e = np.zeros(6)
            e[i], e[0] = h, -h
            up = float(wasserstein_1d(x, y, a + e, b, p=p)) ** p
            down = float(wasserstein_1d(x, y, a - e, b, p=p)) ** p
            assert (up - down) / (2 * h) == pytest.approx(r.f[i] - r.f[0], abs=1e-6)
        for j in range(1, 5):
            e = np.zeros(5)
            e[j], e[0] = h, -h
            up = float(wasserstein_1d(x, y, a, b + e, p=p)) ** p
            down = float(wasserstein_1d(x, y, a, b - e, p=p)) ** p
            assert (up - down) / (2 * h) == pytest.approx(r.g[j] - r.g[0], abs=1e-6)


def test_matches_pot_lp_duals_up_to_a_constant(rng):
    for _ in range(10):
        x, y = rng.normal(size=7), rng.normal(size=4)
        a, b = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(4))
        C = (x[:, None] - y[None, :]) ** 2
        _, log = ot.emd(a, b, C, log=True)
        r = wasserstein_1d_dual(x, y, a, b)
        k = log["u"][0] - r.f[0]
        np.testing.assert_allclose(log["u"], r.f + k, atol=1e-9)
        np.testing.assert_allclose(log["v"], r.g - k, atol=1e-9)


def test_normalisation_and_symmetry(rng):
    x, y = rng.normal(size=5), rng.normal(size=8)
    a, b = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(8))
    r = wasserstein_1d_dual(x, y, a, b)
    assert float(a @ r.f) == pytest.approx(float(b @ r.g), rel=1e-12)
    s = wasserstein_1d_dual(y, x, b, a)
    np.testing.assert_allclose(s.f, r.g, atol=1e-12)
    np.testing.assert_allclose(s.g, r.f, atol=1e-12)


def test_batched_equals_single_calls(rng):
    U, V = rng.normal(size=(3, 1, 5)), rng.normal(size=(4, 6))
    W = rng.random((4, 6)) + 0.1
    W /= W.sum(-1, keepdims=True)
    r = wasserstein_1d_dual(U, V, None, W, p=1.5)
    assert r.f.shape == (3, 4, 5) and r.g.shape == (3, 4, 6) and r.value.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            s = wasserstein_1d_dual(U[i, 0], V[j], None, W[j], p=1.5)
            np.testing.assert_allclose(r.f[i, j], s.f, atol=1e-13)
            np.testing.assert_allclose(r.g[i, j], s.g, atol=1e-13)
            assert r.value[i, j] == pytest.approx(float(s.value), abs=1e-14)


def test_dtypes_and_array_api_strict(rng):
    x, y = rng.normal(size=4).astype(np.float32), rng.normal(size=3).astype(np.float32)
    r = wasserstein_1d_dual(x, y)
    assert r.f.dtype == np.float32 and r.g.dtype == np.float32 and r.value.dtype == np.float32
    assert isinstance(wasserstein_1d_dual([0.0, 1.0], [0.5]).value, np.floating)
    xps = pytest.importorskip("array_api_strict")
    s = wasserstein_1d_dual(xps.asarray(x.astype(np.float64)), xps.asarray(y.astype(np.float64)))
    assert type(s.f).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(s.f), r.f, rtol=1e-5, atol=1e-6)


def test_bad_input():
    x, y = np.array([0.0, 1.0]), np.array([0.5, 2.0])
    with pytest.raises(ValueError, match="u_values must be finite"):
        wasserstein_1d_dual(np.array([0.0, np.nan]), y)
    with pytest.raises(ValueError, match="v_weights must be non-negative"):
        wasserstein_1d_dual(x, y, None, np.array([1.5, -0.5]))
    with pytest.raises(ValueError, match="same total mass"):
        wasserstein_1d_dual(x, y, np.array([1.0, 1.0]), None)
    with pytest.raises(ValueError, match="p must be >= 1"):
        wasserstein_1d_dual(x, y, p=0.5)
    with pytest.raises(ValueError, match="too large for these values"):
        wasserstein_1d_dual(x * 1e3, y, p=400)
    with pytest.raises(TypeError, match="u_values must hold real numbers"):
        wasserstein_1d_dual(x + 0j, y)
