"""Hypothesis properties of the deep-linear closed forms over their documented domains
(issue #17): finite values where the exact answer is finite, the right ordering, the
fixed points, and identities between the forms (additivity of learning times, depth 2
against Saxe et al.'s Eq. 5, the ODE solution against the exact time)."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from theory_sims.deep_linear import deep_learning_time, deep_mode, learning_time, two_layer_mode

FAST = settings(max_examples=60, derandomize=True, deadline=None)
SLOW = settings(max_examples=15, derandomize=True, deadline=None)

positive = st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False)
scale = st.floats(min_value=1e-6, max_value=1e6)
time = st.floats(min_value=0.0, max_value=1e300, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=1e-300, max_value=1.0, exclude_max=True, exclude_min=False)


@FAST
@given(t=time, s=positive, u0=positive, tau=scale)
def test_two_layer_mode_stays_between_start_and_fixed_point(t, s, u0, tau):
    u = float(two_layer_mode(t, s, u0, tau))
    assert np.isfinite(u)
    assert min(u0, s) * (1 - 1e-12) <= u <= max(u0, s) * (1 + 1e-12)
    assert float(two_layer_mode(0.0, s, u0, tau)) == u0


@FAST
@given(s=scale, a=fraction, b=fraction, c=fraction, depth=st.integers(1, 8), tau=scale)
def test_learning_times_are_finite_ordered_and_additive(s, a, b, c, depth, tau):
    u0, um, uf = sorted(s * x for x in (a, b, c))
    assume(0 < u0 < um < uf < s)
    first = deep_learning_time(s, u0, um, depth, tau)
    second = deep_learning_time(s, um, uf, depth, tau)
    whole = deep_learning_time(s, u0, uf, depth, tau)
    assert np.isfinite(whole) and 0 < first <= whole and 0 < second <= whole
    assert np.isclose(first + second, whole, rtol=1e-9, atol=0)
    if depth == 2:
        assert np.isclose(whole, float(learning_time(s, u0, uf, tau)), rtol=1e-12, atol=0)


@FAST
@given(
    s=scale, a=st.floats(1.0, 1e300, exclude_min=True), b=st.floats(1.0, 1e300, exclude_min=True)
)
def test_two_layer_learning_time_above_s_is_finite(s, a, b):
    u0, uf = s * max(a, b), s * min(a, b)
    assume(s < uf < u0 and np.isfinite(u0))
    t = float(learning_time(s, u0, uf))
    assert np.isfinite(t) and t > 0


@SLOW
@given(
    s=st.floats(1e-2, 1e2),
    u0=st.floats(1e-8, 1e8),
    t=st.floats(1e-3, 50.0),
    depth=st.integers(1, 5),
)
def test_deep_mode_solves_the_ode_exactly_timed(s, u0, t, depth):
    u = float(deep_mode(t, s, u0, depth))
    assert np.isfinite(u)
    assert min(u0, s) * (1 - 1e-9) <= u <= max(u0, s) * (1 + 1e-9)
    if u0 < u < s * (1 - 1e-6):  # still growing: the exact time to reach u is t
        assert np.isclose(deep_learning_time(s, u0, u, depth), t, rtol=1e-6, atol=0)
