"""Inputs that used to hang or crash the closed forms (issue 11, section 3)."""

import numpy as np
import pytest

from theory_sims.deep_linear.theory import deep_learning_time, deep_mode, two_layer_mode


@pytest.mark.timeout(60)
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_deep_mode_at_huge_times_returns_the_plateau(depth):
    # Used to integrate the ODE all the way to t = 1e300 (no answer after 240 s).
    out = deep_mode([1e300], 2.0, 0.1, depth)
    assert out.shape == (1,) and out[0] == 2.0
    mixed = deep_mode([1e300, 0.5, 1e30], 2.0, 0.1, depth)
    assert mixed[0] == mixed[2] == 2.0 and 0.1 < mixed[1] < 2.0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_deep_mode_at_time_zero_is_the_initial_strength(depth):
    # A scalar (or all-zero) t used to raise IndexError.
    assert deep_mode(0.0, 2.0, 0.1, depth) == 0.1
    assert np.ndim(deep_mode(0.0, 2.0, 0.1, depth)) == 0
    np.testing.assert_array_equal(deep_mode(np.zeros((2, 2)), 2.0, 0.1, depth), 0.1)
    assert deep_mode([], 2.0, 0.1, depth).shape == (0,)


def test_two_layer_mode_at_scalar_time_zero():
    assert two_layer_mode(0.0, 2.0, 0.1) == pytest.approx(0.1, rel=1e-15)
    assert np.ndim(two_layer_mode(0, 2.0, 0.1)) == 0
    np.testing.assert_allclose(two_layer_mode(0.0, np.array([2.0, 1.0]), 0.1), 0.1, rtol=1e-15)


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_deep_mode_is_continuous_across_the_settling_cut(depth):
    # Just before the time from which deep_mode returns s without integrating, the
    # integrated mode must already be s to ~rtol: the cut is not a jump.
    s, u0 = 2.0, 1e-3
    t_half = deep_learning_time(s, u0, s / 2, depth)
    ts = t_half + np.array([10.0, 20.0, 40.0])
    np.testing.assert_allclose(deep_mode(ts, s, u0, depth), s, rtol=1e-9)


def test_deep_mode_depth_one_is_the_linear_ode():
    t = np.array([0.0, 0.3, 2.0])
    for u0 in (1e-300, 0.5, 5.0):
        decay = np.exp(-t / 1.5)
        want = u0 * decay + 2.0 * (1.0 - decay)  # tau du/dt = s - u, u(0) = u0
        np.testing.assert_allclose(deep_mode(t, 2.0, u0, 1, tau=1.5), want, rtol=1e-13)


@pytest.mark.parametrize("u0", [0.5, 3.0])
def test_deep_mode_matches_the_closed_form_on_both_sides_of_s(u0):
    ts = np.array([0.0, 0.5, 3.0, 50.0])
    np.testing.assert_allclose(deep_mode(ts, 2.0, u0, 2), two_layer_mode(ts, 2.0, u0), rtol=1e-8)
