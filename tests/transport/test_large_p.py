"""Large and infinite p: every representable W_p is returned (issue 17, item 2).

References: closed forms (equal gaps), power means evaluated in the log domain on
pieces of the monotone plan computed here independently, exact rational
arithmetic on the circle (every breakpoint rotation, ``fractions.Fraction``), and
for p = inf the bottleneck linear program (``ot.emd2`` on a 0/1 cost).
"""

import math
from fractions import Fraction

import numpy as np
import ot
import pytest
from scipy.special import logsumexp

import transport
from transport import wasserstein_1d, wasserstein_circle


def line_pieces(u, v, a, b):
    """Widths and gaps of the monotone plan (numpy, independent of the solver)."""
    iu, iv = np.argsort(u, kind="stable"), np.argsort(v, kind="stable")
    cu, cv = np.cumsum(a[iu]) / a.sum(), np.cumsum(b[iv]) / b.sum()
    levels = np.unique(np.concatenate([cu, cv]))
    widths = np.diff(np.concatenate([[0.0], levels]))
    ju = np.minimum(np.searchsorted(cu, levels, side="left"), len(u) - 1)
    jv = np.minimum(np.searchsorted(cv, levels, side="left"), len(v) - 1)
    return widths, np.abs(u[iu][ju] - v[iv][jv])


def log_power_mean(widths, gaps, p):
    keep = widths > 0
    if math.isinf(p):
        return gaps[keep].max()
    if gaps[keep].max() == 0:
        return 0.0
    g = gaps[keep]
    return math.exp(logsumexp(np.log(widths[keep][g > 0]) + p * np.log(g[g > 0])) / p)


# --- the issue's cases ------------------------------------------------------------------


def test_issue_cases_on_the_line():
    assert wasserstein_1d([0, 1, 2], [0.5, 1.5], p=1e4) == 0.5
    assert wasserstein_1d([0, 1, 2], [0.5, 1.5], p=1000) == 0.5
    assert wasserstein_1d(10 * np.array([0, 1, 2]), 10 * np.array([0.5, 1.5]), p=1000) == 5.0
    # 1e-177**2 underflows, the distance does not
    got = wasserstein_1d([0, 5], [1e-177, 5], p=2)
    assert got == pytest.approx(1e-177 / math.sqrt(2), rel=1e-14)


def test_issue_case_on_the_circle():
    # theta = 0 pairs 0.1 -> 0.2 and 0.4 -> 0.7: W_p = 0.3 * (1/2 + 1/2 (1/3)**p)**(1/p)
    got = wasserstein_circle([0.1, 0.4], [0.2, 0.7], p=1000)
    assert got == pytest.approx(0.3 * 0.5 ** (1 / 1000), rel=1e-12)
    assert wasserstein_circle([0.1, 0.4], [0.2, 0.7], p=np.inf) == pytest.approx(0.3, rel=1e-14)
    assert wasserstein_circle([0.0], [1e-3], p=1e5) == pytest.approx(1e-3, rel=1e-12)


def test_p_inf_is_the_largest_gap_with_positive_mass():
    assert wasserstein_1d([0, 1, 2], [0.5, 1.5], p=np.inf) == 0.5
    # the atom at 100 has no mass, so its gap is not on the support of the plan
    assert wasserstein_1d([0, 1, 100], [0.5, 1.5], [1, 1, 0], [1, 1], p=np.inf) == 0.5
    # any mass the cumulative weights resolve puts the gap 98.5 on the support
    u_w = [1, 1, 1e-10]
    v_w = [1, 1 + 1e-10]
    assert wasserstein_1d([0, 1, 100], [0.5, 1.5], u_w, v_w, p=np.inf) == 98.5


@pytest.mark.parametrize("p", [1.0, 2.0, 7.5, 300.0, 1e4, 1e12, np.inf])
def test_line_matches_log_domain_power_mean(rng, p):
    for _ in range(5):
        n, m = rng.integers(1, 9, 2)
        u, v = rng.standard_normal(n), rng.standard_normal(m) * 3
        a, b = rng.random(n) + 0.01, rng.random(m) + 0.01
        expected = log_power_mean(*line_pieces(u, v, a / a.sum(), b / b.sum()), p)
        got = wasserstein_1d(u, v, a / a.sum(), b / b.sum(), p=p)
        assert got == pytest.approx(expected, rel=1e-12)
        # uniform weights, equal sizes: the sort-only path
        got = wasserstein_1d(u, u[::-1] * 2 + 1, p=p)
        expected = log_power_mean(*line_pieces(u, u[::-1] * 2 + 1, np.ones(n), np.ones(n)), p)
        assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("scale", [2.0**-1000, 2.0**-600, 2.0**600, 2.0**1000])
@pytest.mark.parametrize("p", [2.0, 50.0, np.inf])
def test_line_is_homogeneous_at_every_representable_scale(rng, scale, p):
    u, v = rng.standard_normal(6), rng.standard_normal(4)
    a = rng.random(6)
    base = wasserstein_1d(u, v, a / a.sum(), None, p=p)
    assert wasserstein_1d(u * scale, v * scale, a / a.sum(), None, p=p) == pytest.approx(
        base * scale, rel=1e-13
    )


def test_line_batch_mixes_direct_and_scaled_rows_bit_for_bit(rng):
    u = rng.standard_normal((3, 5))
    v = rng.standard_normal((3, 5))
    u[1] *= 1e-200  # this row's W_2^2 underflows: scaled form
    batch = wasserstein_1d(u, v * np.array([[1.0], [1e-200], [1.0]]), p=2)
    for row in range(3):
        single = wasserstein_1d(u[row], v[row] * (1e-200 if row == 1 else 1.0), p=2)
        assert batch[row] == single


def test_line_beyond_float64_is_refused_naming_the_distance():
    with pytest.raises(ValueError, match="W_p exceeds the float64 range"):
        wasserstein_1d([1.5e308], [-1.5e308], p=2)
    # a gap near 1e308 that overflows only when computed directly is returned
    assert wasserstein_1d([1.5e308, 0.0], [-1e307, 0.0], p=2) == pytest.approx(
        1.5e308 * math.sqrt(0.5 * (1.0 + (1e307 / 1.5e308) ** 2)), rel=1e-12
    )


def test_p_is_validated():
    with pytest.raises(ValueError, match="p must be >= 1"):
        wasserstein_1d([0.0], [1.0], p=0.5)
    with pytest.raises(ValueError, match="p must be finite"):
        wasserstein_1d([0.0], [1.0], p=-np.inf)
    with pytest.raises(ValueError, match="p must be finite"):
        wasserstein_circle([0.0], [0.5], p=np.nan)


# --- the circle: exact references -------------------------------------------------------


def circle_exact(u, v, a, b, p):
    """W_p on the circle in rational arithmetic: min over every breakpoint rotation."""
    iu, iv = sorted(range(len(u)), key=u.__getitem__), sorted(range(len(v)), key=v.__getitem__)
    x, y = [u[i] for i in iu], [v[j] for j in iv]
    cu = [sum(a[i] for i in iu[: k + 1]) for k in range(len(x))]
    cv = [sum(b[j] for j in iv[: k + 1]) for k in range(len(y))]

    def quantile(xs, cs, t):
        k = math.floor(t)
        return next((xs[i] + k for i, c in enumerate(cs) if t - k < c), xs[0] + k + 1)

    def h(theta):
        cuts = sorted({Fraction(0), Fraction(1), *cv, *((c - theta) % 1 for c in cu)})
        return sum(
            (hi - lo)
            * abs(quantile(x, cu, (lo + hi) / 2 + theta) - quantile(y, cv, (lo + hi) / 2)) ** p
            for lo, hi in zip(cuts[:-1], cuts[1:], strict=False)
        )

    best = min(h(c1 - c2 + k) for c1 in [Fraction(0), *cu] for c2 in cv for k in (-1, 0, 1))
    if best == 0:
        return 0.0
    return math.exp((math.log(best.numerator) - math.log(best.denominator)) / p)


def circle_bottleneck_lp(u, v, a, b):
    gap = np.abs(u[:, None] - v[None, :])
    d = np.minimum(gap, 1.0 - gap)
    for c in np.unique(d):
        if ot.emd2(a, b, np.where(d <= c, 0.0, 1.0)) < 1e-12:
            return c
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(4))
def test_circle_matches_rational_arithmetic_at_large_p(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(2, 5, 2)
    ui, vi = rng.integers(0, 1000, n), rng.integers(0, 1000, m)
    ai, bi = (np.ones(n, int), np.ones(m, int)) if seed % 2 else (rng.integers(1, 9, n),) * 2
    bi = bi if seed % 2 else rng.integers(1, 9, m)
    u, v = [Fraction(int(k), 1000) for k in ui], [Fraction(int(k), 1000) for k in vi]
    a = [Fraction(int(k), int(ai.sum())) for k in ai]
    b = [Fraction(int(k), int(bi.sum())) for k in bi]
    for p in (3, 300, 2000):  # 300: direct search; 2000: scaled search
        got = wasserstein_circle(ui / 1000, vi / 1000, ai / ai.sum(), bi / bi.sum(), p=p)
        assert got == pytest.approx(circle_exact(u, v, a, b, p), rel=1e-9)


def test_circle_large_p_at_a_breakpoint_is_not_spoilt_by_rounding_slivers():
    # Uniform weights: every level meets another at the optimal rotation (0.2); a piece
    # of width 1e-17 and gap 0.4 left by rounding used to give 0.329 instead of 0.2745.
    u = [0.978, 0.368, 0.252, 0.111, 0.436]
    v = [0.807, 0.235, 0.85, 0.712, 0.201]
    exact = circle_exact(
        [Fraction(str(t)) for t in u], [Fraction(str(t)) for t in v], [Fraction(1, 5)] * 5,
        [Fraction(1, 5)] * 5, 300,
    )  # fmt: skip
    assert wasserstein_circle(u, v, p=300) == pytest.approx(exact, rel=1e-9)
    assert wasserstein_circle(u, v, p=np.inf) == pytest.approx(0.276, rel=1e-12)


def test_circle_inf_matches_bottleneck_linear_program(rng):
    for trial in range(20):
        n, m = rng.integers(1, 7, 2)
        u, v = np.round(rng.random(n), 3), np.round(rng.random(m), 3)
        a, b = rng.random(n) + 0.05, rng.random(m) + 0.05
        if trial % 2:
            a, b = np.ones(n), np.ones(m)
        a, b = a / a.sum(), b / b.sum()
        expected = circle_bottleneck_lp(u, v, a, b)
        assert wasserstein_circle(u, v, a, b, p=np.inf) == pytest.approx(expected, abs=1e-15)


def test_circle_tiny_distances_and_batches(rng):
    assert wasserstein_circle([0.0, 0.5], [1e-300, 0.5], p=2) == pytest.approx(
        1e-300 / math.sqrt(2), rel=1e-12
    )
    u, v = rng.random((4, 5)), rng.random((4, 3))
    for p in (2.0, 800.0, np.inf):
        batch = wasserstein_circle(u, v, p=p)
        assert [wasserstein_circle(u[k], v[k], p=p) for k in range(4)] == list(batch)


# --- the sliced family --------------------------------------------------------------------


def _clouds(rng, n=40, m=30, d=3):
    return rng.standard_normal((n, d)), rng.standard_normal((m, d)) * 2 + 1


@pytest.mark.parametrize("p", [2.0, 1000.0, 1e6, np.inf])
def test_sliced_equals_power_mean_of_exact_slices(rng, p):
    X, Y = _clouds(rng)
    theta = transport.random_directions(3, 16, rng=1)
    slices = wasserstein_1d((theta.T @ X.T), (theta.T @ Y.T), p=p)
    if math.isinf(p):
        expected = slices.max()
    else:
        expected = math.exp((logsumexp(p * np.log(slices)) - math.log(16)) / p)
    assert transport.sliced_wasserstein(X, Y, p=p, projections=theta) == pytest.approx(
        expected, rel=1e-12
    )
    D = transport.sliced_wasserstein_matrix([X, Y, X], p=p, projections=theta)
    assert D[0, 1] == D[1, 0] == pytest.approx(expected, rel=1e-12)
    assert D[0, 2] == 0.0


def test_sliced_near_1e153_does_not_overflow(rng):
    # p = 2: (1e153)**2 per slice is finite, their sum over 128 directions is not
    X, Y = _clouds(rng)
    ref = transport.sliced_wasserstein(X, Y, rng=0)
    got = transport.sliced_wasserstein(X * 1e153, Y * 1e153, rng=0)
    assert np.isfinite(got)
    assert got / 1e153 == pytest.approx(ref, rel=1e-12)


def test_generalized_and_max_sliced_at_large_p(rng):
    X, Y = _clouds(rng)
    theta = transport.random_directions(3, 8, rng=1)
    kw = {"defining_function": "circular", "projections": theta}
    values = [transport.generalized_sliced_wasserstein(X, Y, p=p, **kw) for p in (2, 1e4, np.inf)]
    assert np.all(np.isfinite(values)) and values[0] <= values[1] <= values[2]
    small = transport.max_sliced_wasserstein(X, Y, p=2, rng=0).value
    large = transport.max_sliced_wasserstein(X, Y, p=3000, rng=0).value
    assert np.isfinite(large) and large > 0
    # max-SW_p at the p = 2 maximiser is a lower bound of max-SW_3000
    direction = transport.max_sliced_wasserstein(X, Y, p=2, rng=0).direction
    at_dir = wasserstein_1d(X @ direction, Y @ direction, p=3000)
    assert small <= at_dir * (1 + 1e-12) and at_dir <= large * (1 + 1e-9)


def test_aswd_at_large_p_is_finite_and_non_decreasing(rng):
    # steps=0: the same initial lift and directions for every p, so the value is SW_p of
    # the same lifted measures, a power mean non-decreasing in p
    X, Y = _clouds(rng, n=30, m=30, d=2)
    values = [
        transport.augmented_sliced_wasserstein(X, Y, p=p, steps=0, rng=0).value
        for p in (2.0, 50.0, 1000.0, 1e4)
    ]
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) >= -1e-12)


def test_array_api_path_of_the_scaled_form():
    # the generic (array-API) merge serves CuPy too when the scaled form is needed
    xp = pytest.importorskip("array_api_strict")
    u, v = xp.asarray([0.0, 1.0, 100.0]), xp.asarray([0.5, 1.5])
    uw, vw = xp.asarray([1.0, 1.0, 1e-10]), xp.asarray([1.0, 1.0 + 1e-10])
    assert float(wasserstein_1d(u, v, uw, vw, p=np.inf)) == 98.5
    assert float(wasserstein_1d(u, v, uw, vw, p=1e4)) == pytest.approx(
        float(wasserstein_1d(np.asarray(u), np.asarray(v), np.asarray(uw), np.asarray(vw), p=1e4)),
        rel=1e-12,
    )
    tiny = wasserstein_1d(xp.asarray([0.0, 5.0]), xp.asarray([1e-177, 5.0]), p=2)
    assert float(tiny) == pytest.approx(1e-177 / math.sqrt(2), rel=1e-14)
