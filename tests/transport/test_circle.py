"""wasserstein_circle against the exact LP with the geodesic cost, POT, and closed forms."""

import numpy as np
import ot
import pytest

import transport


def circle_lp(x, y, a, b, p):
    """Brute force: the exact transport LP with cost min(|x - y|, 1 - |x - y|)**p."""
    gap = np.abs(np.mod(x, 1.0)[:, None] - np.mod(y, 1.0)[None, :])
    return ot.emd2(a, b, np.minimum(gap, 1.0 - gap) ** p)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
def test_matches_brute_force_lp(p):
    worst = 0.0
    for seed in range(60):
        gen = np.random.default_rng(seed)
        n, m = gen.integers(1, 9, size=2)
        x, y = gen.random(n), gen.random(m)
        if seed % 3 == 0:  # ties within and across the two supports
            x, y = np.round(x, 1), np.round(y, 1)
        a = gen.random(n) + 0.01
        b = gen.random(m) + 0.01
        a, b = a / a.sum(), b / b.sum()
        if seed % 4 == 0:
            a[0] = 0.0
            a /= a.sum()
        ours = transport.wasserstein_circle(x, y, a, b, p=p) ** p
        worst = max(worst, abs(ours - circle_lp(x, y, a, b, p)))
    assert worst < 1e-9


def test_uniform_weights_and_wrapping_match_brute_force(rng):
    x = rng.random(7) * 5 - 2  # positions outside [0, 1) are taken modulo 1
    y = rng.random(5)
    for p in (1.0, 2.0, 2.5):
        lp = circle_lp(x, y, np.full(7, 1 / 7), np.full(5, 1 / 5), p)
        assert transport.wasserstein_circle(x, y, p=p) ** p == pytest.approx(lp, abs=1e-12)


@pytest.mark.parametrize("p", [1, 2])
def test_matches_pot_returning_the_pth_power(rng, p):
    x, y = rng.random(300), rng.random(200) ** 2
    a = rng.random(300)
    a /= a.sum()
    ours = transport.wasserstein_circle(x, y, a, p=p)
    # POT returns W_p^p and, for p > 1, stops its binary search at a tolerance of 1e-6.
    assert ours**p == pytest.approx(ot.wasserstein_circle(x, y, a, p=p)[0], abs=1e-8)


def test_closed_forms():
    # Antipodal-free shift: two Diracs at geodesic distance 0.1 across 0.
    assert transport.wasserstein_circle(np.array([0.95]), np.array([0.05]), p=3) == pytest.approx(
        0.1, rel=1e-12
    )
    # Rotating a uniform grid by half a cell costs half a cell for every point and p.
    grid = np.arange(10) / 10
    for p in (1.0, 2.0, 4.0):
        got = transport.wasserstein_circle(grid, grid + 0.05, p=p)
        assert got == pytest.approx(0.05, rel=1e-12)


def test_batched_rows(rng):
    x, y = rng.random((2, 3, 6)), rng.random((3, 4))
    out = transport.wasserstein_circle(x, y, p=2)
    assert out.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            single = transport.wasserstein_circle(x[i, j], y[j], p=2)
            assert out[i, j] == single


def test_array_api_strict_inputs(rng):
    xps = pytest.importorskip("array_api_strict")
    x, y = rng.random(8), rng.random(5)
    got = transport.wasserstein_circle(xps.asarray(x), xps.asarray(y), p=2)
    assert type(got).__module__.startswith("array_api_strict")
    assert float(got) == transport.wasserstein_circle(x, y, p=2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"u_values": np.array([0.1, np.nan])}, "u_values must be finite"),
        ({"u_weights": np.array([2.0, -1.0])}, "u_weights must be non-negative"),
        ({"u_weights": np.array([0.3, 0.3])}, "same total mass"),
        ({"v_values": np.zeros(0)}, "at least one atom"),
        ({"p": 0}, "p must be >= 1"),
    ],
)
def test_bad_input_is_rejected(kwargs, match):
    args = {"u_values": np.array([0.1, 0.2]), "v_values": np.array([0.5])}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        transport.wasserstein_circle(**args)
