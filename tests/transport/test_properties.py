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
