"""Property tests (hypothesis) of the exact 1-D and circle solvers.

Metric axioms and invariances, agreement with POT's exact solvers on small weighted
inputs (``ot.wasserstein_1d`` on the line; ``ot.emd2`` with the geodesic cost on the
circle), and monotonicity of W_p in p for probability measures.
"""

import numpy as np
import ot
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transport import wasserstein_1d, wasserstein_circle

# derandomize: the same examples on every run, so CI cannot turn red on a new draw
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True)
P_VALUES = st.sampled_from([1.0, 1.5, 2.0, 3.0])


@st.composite
def measure(draw, low=-10.0, high=10.0, max_size=6):
    # Values on a 1e-9 grid: distinct atoms are at least 1e-9 apart, so |x - y|**p stays
    # normal. Gaps whose p-th power underflows (an error by design) are tested in
    # test_edge_inputs.py, not drawn here.
    n = draw(st.integers(1, max_size))
    values = draw(
        st.lists(st.floats(low, high, allow_nan=False), min_size=n, max_size=n).map(
            lambda v: np.round(np.array(v), 9)
        )
    )
    weights = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n).map(np.array))
    return values, weights / weights.sum()


circle_measure = measure(low=0.0, high=0.999)


def _scale(*measures):
    return 1.0 + max(np.abs(v).max() for v, _ in measures)


@SETTINGS
@given(measure(), P_VALUES)
def test_line_distance_to_itself_is_zero(mu, p):
    assert wasserstein_1d(mu[0], mu[0], mu[1], mu[1], p=p) == 0.0


@SETTINGS
@given(measure(), measure(), P_VALUES)
def test_line_symmetry(mu, nu, p):
    d = wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p)
    assert wasserstein_1d(nu[0], mu[0], nu[1], mu[1], p=p) == pytest.approx(d, rel=1e-12, abs=1e-12)


@SETTINGS
@given(measure(), measure(), P_VALUES, st.floats(-50.0, 50.0))
def test_line_translation_invariance(mu, nu, p, c):
    d = wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p)
    shifted = wasserstein_1d(mu[0] + c, nu[0] + c, mu[1], nu[1], p=p)
    assert shifted == pytest.approx(d, abs=1e-9 * (_scale(mu, nu) + abs(c)))


@SETTINGS
@given(measure(), measure(), P_VALUES)
def test_line_matches_pot(mu, nu, p):
    ours = wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p) ** p
    pot = ot.wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p)
    assert ours == pytest.approx(pot, rel=1e-9, abs=1e-9 * _scale(mu, nu) ** p)


@SETTINGS
@given(measure(), measure())
def test_line_is_non_decreasing_in_p(mu, nu):
    values = [wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p) for p in (1.0, 1.5, 2.0, 4.0)]
    tol = 1e-12 * _scale(mu, nu)
    assert np.all(np.diff(values) >= -tol)


@SETTINGS
@given(circle_measure, P_VALUES)
def test_circle_distance_to_itself_is_zero(mu, p):
    assert wasserstein_circle(mu[0], mu[0], mu[1], mu[1], p=p) == pytest.approx(0.0, abs=1e-12)


@SETTINGS
@given(circle_measure, circle_measure, P_VALUES)
def test_circle_symmetry(mu, nu, p):
    d = wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p)
    assert wasserstein_circle(nu[0], mu[0], nu[1], mu[1], p=p) == pytest.approx(d, abs=1e-10)


@SETTINGS
@given(circle_measure, circle_measure, P_VALUES, st.floats(-3.0, 3.0))
def test_circle_rotation_invariance(mu, nu, p, c):
    d = wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p)
    rotated = wasserstein_circle(mu[0] + c, nu[0] + c, mu[1], nu[1], p=p)
    assert rotated == pytest.approx(d, abs=1e-9)


@SETTINGS
@given(circle_measure, circle_measure, P_VALUES)
def test_circle_matches_exact_linear_program(mu, nu, p):
    gap = np.abs(mu[0][:, None] - nu[0][None, :])
    cost = np.minimum(gap, 1.0 - gap) ** p
    exact = ot.emd2(mu[1], nu[1], cost)
    assert wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p) ** p == pytest.approx(
        exact, abs=1e-9
    )


@SETTINGS
@given(circle_measure, circle_measure)
def test_circle_is_non_decreasing_in_p(mu, nu):
    values = [wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p) for p in (1.0, 1.5, 2.0, 4.0)]
    assert np.all(np.diff(values) >= -1e-12)


# --- the whole documented domain: any p >= 1 up to inf, any representable scale ----------
# (issue 17, item 2). The reference is the power mean of the monotone plan's pieces,
# computed here independently and evaluated in the log domain, so no underflow can hide
# a wrong value; p = inf on the circle is checked against the bottleneck LP.

ANY_P = st.one_of(
    st.sampled_from([1.0, 2.0, 1e3, 1e12, np.inf]),
    st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False),
)


def _line_pieces(u, v, a, b):
    iu, iv = np.argsort(u, kind="stable"), np.argsort(v, kind="stable")
    cu, cv = np.cumsum(a[iu]) / a.sum(), np.cumsum(b[iv]) / b.sum()
    levels = np.unique(np.concatenate([cu, cv]))
    widths = np.diff(np.concatenate([[0.0], levels]))
    ju = np.minimum(np.searchsorted(cu, levels, side="left"), len(u) - 1)
    jv = np.minimum(np.searchsorted(cv, levels, side="left"), len(v) - 1)
    return widths, np.abs(u[iu][ju] - v[iv][jv])


def _log_power_mean(widths, gaps, p):
    from scipy.special import logsumexp

    keep = (widths > 0) & (gaps > 0)
    if not keep.any():
        return 0.0
    if np.isinf(p):
        return float(gaps[keep].max())
    return float(np.exp(logsumexp(np.log(widths[keep]) + p * np.log(gaps[keep])) / p))


@SETTINGS
@given(measure(), measure(), ANY_P, st.integers(-900, 900))
def test_line_any_p_any_scale_matches_log_domain_reference(mu, nu, p, k):
    scale = 2.0**k  # exact, so the reference scales exactly too
    u, v = mu[0] * scale, nu[0] * scale
    expected = _log_power_mean(*_line_pieces(u, v, mu[1], nu[1]), p)
    assert wasserstein_1d(u, v, mu[1], nu[1], p=p) == pytest.approx(expected, rel=1e-11)


@SETTINGS
@given(measure(), measure(), st.lists(ANY_P, min_size=2, max_size=4))
def test_line_is_non_decreasing_in_p_up_to_inf(mu, nu, ps):
    ps = sorted(ps)
    values = [wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p) for p in ps]
    assert np.all(np.diff(values) >= -1e-12 * _scale(mu, nu))


@SETTINGS
@given(circle_measure, circle_measure, st.lists(ANY_P, min_size=2, max_size=3))
def test_circle_is_non_decreasing_in_p_up_to_inf_and_below_the_line(mu, nu, ps):
    ps = sorted(ps)
    values = [wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p) for p in ps]
    assert np.all(np.diff(values) >= -1e-12)
    for p, value in zip(ps, values, strict=True):  # the geodesic is never longer
        assert value <= wasserstein_1d(mu[0], nu[0], mu[1], nu[1], p=p) * (1 + 1e-12) + 1e-15
        assert 0.0 <= value <= 0.5


@SETTINGS
@given(circle_measure, circle_measure, ANY_P)
def test_circle_any_p_symmetry_and_zero(mu, nu, p):
    d = wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=p)
    assert wasserstein_circle(nu[0], mu[0], nu[1], mu[1], p=p) == pytest.approx(d, rel=1e-9)
    assert wasserstein_circle(mu[0], mu[0], mu[1], mu[1], p=p) == 0.0


@SETTINGS
@given(circle_measure, circle_measure)
def test_circle_inf_matches_bottleneck_linear_program(mu, nu):
    gap = np.abs(mu[0][:, None] - nu[0][None, :])
    d = np.minimum(gap, 1.0 - gap)
    expected = next(c for c in np.unique(d) if ot.emd2(mu[1], nu[1], (d > c) * 1.0) < 1e-12)
    got = wasserstein_circle(mu[0], nu[0], mu[1], nu[1], p=np.inf)
    assert got == pytest.approx(expected, abs=1e-12)
