"""wasserstein_1d against POT, the exact LP, and closed forms."""

import numpy as np
import ot
import pytest

import transport


@pytest.mark.parametrize("p", [1.0, 2.0, 2.5])
@pytest.mark.parametrize("sizes", [(30, 30), (30, 17), (1, 9)])
def test_matches_pot_weighted(rng, simplex, p, sizes):
    n, m = sizes
    u = rng.standard_normal(n)
    v = rng.standard_normal(m) + 0.7
    a, b = simplex(rng, n), simplex(rng, m)
    ours = transport.wasserstein_1d(u, v, a, b, p=p)
    assert ours**p == pytest.approx(ot.wasserstein_1d(u, v, a, b, p=p), rel=1e-11)
    uniform = transport.wasserstein_1d(u, v, p=p)
    assert uniform**p == pytest.approx(ot.wasserstein_1d(u, v, p=p), rel=1e-11)


def test_matches_exact_lp_with_ties(rng, simplex):
    u = np.round(rng.standard_normal(25), 1)  # many ties
    v = np.round(rng.standard_normal(18), 1)
    a, b = simplex(rng, 25), simplex(rng, 18)
    a[3] = 0.0
    a /= a.sum()
    lp = ot.emd2(a, b, (u[:, None] - v[None, :]) ** 2)
    assert transport.wasserstein_1d(u, v, a, b, p=2) ** 2 == pytest.approx(lp, rel=1e-9)


def test_batched_rows_equal_separate_calls(rng):
    u = rng.standard_normal((2, 3, 12))
    v = rng.standard_normal((3, 7))
    uw = rng.random((2, 3, 12))
    uw /= uw.sum(axis=-1, keepdims=True)
    out = transport.wasserstein_1d(u, v, uw, p=1)
    assert out.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            expected = ot.wasserstein_1d(u[i, j], v[j], uw[i, j], p=1)
            assert out[i, j] == pytest.approx(expected, rel=1e-11)


def test_closed_forms():
    # Dirac masses: W_p(delta_x, delta_y) = |x - y|.
    assert transport.wasserstein_1d(np.array([0.3]), np.array([-1.2]), p=3) == pytest.approx(1.5)
    # Translation: W_p(mu, mu + c) = |c| for every p.
    x = np.linspace(0, 1, 11)
    for p in (1, 2, 4):
        assert transport.wasserstein_1d(x, x + 0.25, p=p) == pytest.approx(0.25, rel=1e-12)
    # Two atoms vs one: W_2^2(0.5 delta_0 + 0.5 delta_1, delta_{1/2}) = 1/4.
    assert transport.wasserstein_1d(np.array([0.0, 1.0]), np.array([0.5]), p=2) ** 2 == 0.25


def test_float32_and_integer_inputs():
    u32 = np.array([0.0, 2.0], dtype=np.float32)
    assert transport.wasserstein_1d(u32, np.array([1, 3]), p=1) == pytest.approx(1.0)


def test_array_api_strict_inputs(rng, simplex):
    xps = pytest.importorskip("array_api_strict")
    u, v = rng.standard_normal((2, 9)), rng.standard_normal((2, 6))
    a, b = simplex(rng, 9), simplex(rng, 6)
    got = transport.wasserstein_1d(xps.asarray(u), xps.asarray(v), xps.asarray(a), xps.asarray(b))
    expected = transport.wasserstein_1d(u, v, a, b)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"u_values": np.array([0.0, np.nan])}, "u_values must be finite"),
        ({"v_values": np.array([np.inf])}, "v_values must be finite"),
        ({"u_weights": np.array([1.5, -0.5])}, "u_weights must be non-negative"),
        ({"u_weights": np.array([1.0, 1.0])}, "same total mass"),
        ({"v_weights": np.array([0.5, 0.6])}, "v_weights must have length 1"),
        ({"v_values": np.zeros(0)}, "at least one atom"),
        ({"v_values": np.zeros((3, 1))}, "do not broadcast"),
        ({"p": 0.99}, "p must be >= 1"),
    ],
)
def test_bad_input_is_rejected(kwargs, match):
    args = {"u_values": np.zeros((2, 2)), "v_values": np.ones(1)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        transport.wasserstein_1d(**args)
