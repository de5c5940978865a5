"""Hostile inputs: no hang, no crash, no silent cast, no NaN; array-likes; the dtype rule."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import transport
from transport.augmented import train_lift
from transport.max_sliced import ascend_directions

# Reference values below come from the same function on ordinary-scale inputs and the
# exact homogeneity W_p(s mu, s nu) = s W_p(mu, nu) (s a power of ten, not of two, so the
# rescaled path is really taken), or from closed forms.


def _clouds(rng, n=30, m=20, d=3):
    return rng.standard_normal((n, d)), rng.standard_normal((m, d)) + 1.0


# --- 1. hangs and crashes -------------------------------------------------------------


@pytest.mark.timeout(60)
def test_circle_large_p_matches_log_domain_brute_force(rng):
    # W_p^p = min over the breakpoints theta of h(theta) (Delon et al. 2010); evaluated
    # here in the log domain by brute force, so no underflow can hide a wrong minimum.
    from scipy.special import logsumexp

    u, v = np.sort(rng.random(7)), np.sort(rng.random(5))
    cu, cv = np.arange(1, 8) / 7, np.arange(1, 6) / 5

    def quantile(x, c, t):
        k = np.floor(t)
        return x[np.minimum(np.searchsorted(c, t - k, side="right"), len(x) - 1)] + k

    def log_h(theta, p):
        cuts = np.unique(np.concatenate([[0.0, 1.0], cv, np.mod(cu - theta, 1.0)]))
        mids, widths = (cuts[:-1] + cuts[1:]) / 2, np.diff(cuts)
        gaps = np.abs(quantile(u, cu, mids + theta) - quantile(v, cv, mids))
        keep = widths > 0
        return logsumexp(np.log(widths[keep]) + p * np.log(np.maximum(gaps[keep], 1e-300)))

    thetas = np.concatenate([(cu[:, None] - cv[None, :] + k).ravel() for k in (-1, 0, 1)])
    for p in (50.0, 300.0):
        exact = np.exp(min(log_h(t, p) for t in thetas) / p)
        assert transport.wasserstein_circle(u, v, p=p) == pytest.approx(exact, rel=1e-9)


@pytest.mark.timeout(60)
def test_circle_underflowing_power_is_still_the_distance():
    # 1e-3**200 underflows, W_p = 1e-3 does not (issue 17, item 2: scaled form)
    assert transport.wasserstein_circle(np.array([0.0]), np.array([1e-3]), p=200) == pytest.approx(
        1e-3, rel=1e-12
    )
    assert transport.wasserstein_circle(np.array([0.3]), np.array([0.3]), p=200) == 0.0


@pytest.mark.timeout(60)
def test_line_huge_p_is_the_distance_not_a_zero_or_an_error():
    assert transport.wasserstein_1d(np.array([0.0]), np.array([0.5]), p=1e6) == 0.5
    assert transport.wasserstein_1d(np.array([-0.99]), np.array([0.99]), p=1e6) == 1.98
    # every gap is 1, so W_p = 1 for every p.
    assert transport.wasserstein_1d(np.array([0.0]), np.array([1.0, -1.0]), p=1e6) == 1.0


@pytest.mark.timeout(60)
def test_gsw_degree_7_constant_inputs_refused_before_allocating():
    X = np.ones((10, 30))
    with pytest.raises(ValueError, match="monomials, more than MAX_MONOMIALS"):
        transport.generalized_sliced_wasserstein(X, X, degree=7)


@pytest.mark.timeout(60)
def test_gsw_degree_7_constant_small_dimension_is_exact():
    # Constant clouds c and 2c: every monomial of degree 7 is c**7 (resp. 2**7 c**7), so
    # every slice moves a point mass by (2**7 - 1) c**7 <theta, 1>.
    c, d = 0.9, 2
    theta = transport.random_directions(8, 4, rng=0)  # C(d + 6, 7) = 8 monomials
    X = np.full((5, d), c)
    got = transport.generalized_sliced_wasserstein(X, 2 * X, degree=7, projections=theta, p=2)
    shift = (2**7 - 1) * c**7 * theta.sum(axis=0)
    assert got == pytest.approx(np.sqrt(np.mean(shift**2)), rel=1e-12)


@pytest.mark.parametrize(
    "params, error",
    [
        ("weights", TypeError),
        ([1.0, 2.0], TypeError),
        (((np.ones((3, 4)), np.zeros(4)),), ValueError),  # d = 2 inputs, not 3
        (((np.ones((2, 4)), np.zeros(3)),), ValueError),
        (((np.ones((2, 4), complex), np.zeros(4)),), TypeError),
    ],
)
def test_aswd_bad_params_give_clear_errors(params, error):
    X = np.random.default_rng(0).standard_normal((8, 2))
    with pytest.raises(error, match="params"):
        transport.augmented_sliced_wasserstein(X, X + 1.0, params=params, rng=0)


# --- 2. complex values and weights ----------------------------------------------------

COMPLEX_CALLS = {
    "u_values": lambda z, w: transport.wasserstein_1d(z, np.ones(3)),
    "u_weights": lambda z, w: transport.wasserstein_1d(np.ones(3), np.ones(3), w),
    "v_values": lambda z, w: transport.wasserstein_circle(np.ones(3) / 4, z),
    "v_weights": lambda z, w: transport.wasserstein_circle(np.ones(3) / 4, np.ones(3) / 2, None, w),
    "X": lambda z, w: transport.sliced_wasserstein(z[:, None], np.ones((3, 1))),
    "a": lambda z, w: transport.sliced_wasserstein(np.ones((3, 1)), np.ones((3, 1)), w),
    "b": lambda z, w: transport.max_sliced_wasserstein(np.ones((3, 1)), np.ones((3, 1)), None, w),
    "weights[1]": lambda z, w: transport.sliced_wasserstein_matrix(
        [np.ones((3, 1)), np.ones((3, 1))], [None, w]
    ),
    "Y": lambda z, w: transport.generalized_sliced_wasserstein(np.ones((3, 1)), z[:, None]),
    "projections": lambda z, w: transport.sliced_wasserstein(
        np.ones((3, 1)), np.ones((3, 1)), projections=z[None, :]
    ),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_CALLS))
def test_complex_inputs_are_rejected_naming_the_argument(name):
    z = np.ones(3) * (1 + 1j)
    w = np.full(3, 1 / 3) * (1 + 0j)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would mean a silent cast
        with pytest.raises(TypeError, match=re.escape(name) + ".*real"):
            COMPLEX_CALLS[name](z, w)


# --- 3. huge and tiny scales ------------------------------------------------------------

SCALED = {
    "sliced_wasserstein": lambda X, Y, s, th: transport.sliced_wasserstein(X, Y, projections=th),
    "sliced_wasserstein_matrix": lambda X, Y, s, th: transport.sliced_wasserstein_matrix(
        [X, Y], projections=th
    )[0, 1],
    "sliced_weighted_p3": lambda X, Y, s, th: transport.sliced_wasserstein(
        X, Y, np.full(len(X), 1 / len(X)), p=3, projections=th
    ),
    "max_sliced_wasserstein": lambda X, Y, s, th: (
        transport.max_sliced_wasserstein(X, Y, rng=0, steps=20).value
    ),
    "gsw_circular": lambda X, Y, s, th: transport.generalized_sliced_wasserstein(
        X, Y, defining_function="circular", radius=s, projections=th
    ),
    "wasserstein_1d": lambda X, Y, s, th: transport.wasserstein_1d(X[:, 0], Y[:, 0], p=2),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("scale", [1e160, 1e300, 1e-160, 1e-300])
@pytest.mark.parametrize("name", sorted(SCALED))
def test_homogeneous_distances_stay_finite_at_extreme_scales(rng, name, scale):
    X, Y = _clouds(rng)
    theta = transport.random_directions(3, 16, rng=1)
    reference = float(SCALED[name](X, Y, 1.0, theta))
    got = float(SCALED[name](X * scale, Y * scale, scale, theta))
    assert np.isfinite(got)
    assert got / scale == pytest.approx(reference, rel=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_gsw_polynomial_at_extreme_scale_is_rescaled_or_refused(rng):
    X, Y = _clouds(rng)
    # degree 3: GSW(sX, sY) = s**3 GSW(X, Y); at s = 1e100 it fits float64 only rescaled.
    ref = transport.generalized_sliced_wasserstein(X, Y, degree=3, rng=0)
    got = transport.generalized_sliced_wasserstein(X * 1e100, Y * 1e100, degree=3, rng=0)
    assert got / 1e300 == pytest.approx(ref, rel=1e-12)
    with pytest.raises(ValueError, match="exceeds the float64 range"):
        transport.generalized_sliced_wasserstein(X * 1e160, Y * 1e160, degree=3, rng=0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_aswd_at_extreme_scale_raises_instead_of_nan(rng):
    X, Y = _clouds(rng)
    with pytest.raises(ValueError, match="overflows float64"):
        transport.augmented_sliced_wasserstein(X * 1e160, Y * 1e160, rng=0)


# --- 4. array-likes ---------------------------------------------------------------------


def test_lists_and_tuples_are_accepted_everywhere():
    u, v = [0.0, 1.0, 3.0], (0.5, 2.0)
    expected = transport.wasserstein_1d(np.array(u), np.array(v), p=2)
    assert transport.wasserstein_1d(u, v, p=2) == expected
    assert transport.wasserstein_1d(u, np.array(v), [0.2, 0.3, 0.5], None) == (
        transport.wasserstein_1d(np.array(u), np.array(v), np.array([0.2, 0.3, 0.5]))
    )
    assert transport.wasserstein_circle([0.1, 0.4], (0.3,)) == transport.wasserstein_circle(
        np.array([0.1, 0.4]), np.array([0.3])
    )
    X, Y = [[0.0, 1.0], [2.0, 0.0]], [[1.0, 1.0]]
    th = [[1.0, 0.0], [0.0, 1.0]]
    arrays = np.array(X), np.array(Y), np.array(th)
    assert transport.sliced_wasserstein(X, Y, projections=th) == transport.sliced_wasserstein(
        *arrays[:2], projections=arrays[2]
    )
    np.testing.assert_array_equal(
        transport.sliced_wasserstein_matrix([X, Y], projections=th),
        transport.sliced_wasserstein_matrix(list(arrays[:2]), projections=arrays[2]),
    )
    assert transport.generalized_sliced_wasserstein(X, Y, degree=1, projections=th) == (
        transport.generalized_sliced_wasserstein(*arrays[:2], degree=1, projections=arrays[2])
    )
    assert transport.max_sliced_wasserstein(X, Y, rng=0).value == (
        transport.max_sliced_wasserstein(*arrays[:2], rng=0).value
    )
    assert transport.augmented_sliced_wasserstein(X, Y, rng=0).value == (
        transport.augmented_sliced_wasserstein(*arrays[:2], rng=0).value
    )


def test_unconvertible_argument_is_named():
    with pytest.raises(TypeError, match="v_values"):
        transport.wasserstein_1d([0.0, 1.0], ["a", "b"])


# --- 5. the dtype rule --------------------------------------------------------------------


def _dtype_calls(dt):
    rng = np.random.default_rng(3)
    X, Y = (A.astype(dt) for A in _clouds(rng, 12, 9, 2))
    u, v = X[:, 0], Y[:, 0]
    th = transport.random_directions(2, 8, rng=0).astype(dt)
    return {
        "wasserstein_1d": transport.wasserstein_1d(u, v),
        "wasserstein_circle": transport.wasserstein_circle(u, v, p=2),
        "sliced_wasserstein": transport.sliced_wasserstein(X, Y, projections=th),
        "sliced_wasserstein_matrix": transport.sliced_wasserstein_matrix([X, Y], rng=0),
        "generalized_sliced_wasserstein": transport.generalized_sliced_wasserstein(X, Y, rng=0),
        "max_sliced_wasserstein": transport.max_sliced_wasserstein(X, Y, rng=0).direction,
        "random_directions": transport.random_directions(2, 3, rng=0, like=X),
        "sliced_gradient_flow": transport.sliced_gradient_flow(X, Y, steps=2, rng=0).snapshots,
    }


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_results_take_the_floating_dtype_of_the_inputs(dt):
    for name, out in _dtype_calls(dt).items():
        assert out.dtype == dt, name
    # ASWD runs in float64 on the host and returns a Python float.
    X = np.ones((4, 2), dt)
    assert isinstance(transport.augmented_sliced_wasserstein(X, X + 1, rng=0).value, float)


def test_integer_inputs_count_as_float64_and_mixed_promote():
    out = transport.wasserstein_1d(np.arange(3), np.arange(3, dtype=np.float32) + 1)
    assert out.dtype == np.float64
    out32 = transport.wasserstein_1d(np.arange(3, dtype=np.float32), np.ones(2, np.float32))
    assert out32.dtype == np.float32
    out64 = transport.wasserstein_1d(np.arange(3.0), np.ones(2))
    assert float(out32) == pytest.approx(float(out64), rel=1e-6)


# --- 6. import cost -----------------------------------------------------------------------


def test_import_transport_does_not_import_scipy_stats():
    code = "import sys, transport; print('scipy.stats' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_qmc_directions_still_work():
    theta = transport.random_directions(3, 8, "qmc", rng=0)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=0), 1.0)


# --- 7. vocabulary ---------------------------------------------------------------------------


def test_retired_argument_names_warn_and_give_the_same_result(rng):
    X, Y = _clouds(rng, 10, 10, 2)
    new = transport.max_sliced_wasserstein(X, Y, steps=5, lr=0.3, rng=0)
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        old = transport.max_sliced_wasserstein(X, Y, n_iter=5, step_size=0.3, rng=0)
    assert old.value == new.value
    new = transport.augmented_sliced_wasserstein(X, Y, steps=2, lr=1e-2, rng=0)
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        old = transport.augmented_sliced_wasserstein(X, Y, n_steps=2, learning_rate=1e-2, rng=0)
    assert old.value == new.value
    params = new.params
    kwargs = dict(p=2.0, penalty=0.5, n_projections=8)
    new_lift = train_lift(X, Y, None, None, params, steps=2, lr=1e-2, rng=4, **kwargs)
    with pytest.warns(DeprecationWarning, match="is deprecated"):
        old_lift = train_lift(
            X, Y, None, None, params, n_steps=2, learning_rate=1e-2, gen=4, **kwargs
        )
    np.testing.assert_array_equal(new_lift[1], old_lift[1])
    theta = transport.random_directions(2, 3, rng=0)
    with pytest.warns(DeprecationWarning, match="'step_size' is deprecated"):
        old_dirs = ascend_directions(X, Y, None, None, theta, 2.0, steps=4, step_size=0.2)
    new_dirs = ascend_directions(X, Y, None, None, theta, 2.0, steps=4, lr=0.2)
    np.testing.assert_array_equal(old_dirs[0], new_dirs[0])


def test_half_precision_is_computed_and_returned_in_float32():
    # issue 17, item 7: float16 used to reach the Numba kernels (NotImplementedError)
    h = np.array([0.1, 0.5, 0.9], dtype=np.float16)
    ref = transport.wasserstein_1d(h.astype(np.float32), h[:2].astype(np.float32))
    got = transport.wasserstein_1d(h, h[:2])
    assert got.dtype == np.float32 and got == ref
    X = np.ones((3, 2), np.float16)
    got = transport.sliced_wasserstein(h[:, None], h[:2, None], n_projections=4, rng=0)
    assert got.dtype == np.float32
    assert transport.wasserstein_circle(h, h[:2], p=2).dtype == np.float32
    assert transport.sliced_wasserstein(X, 0 * X, rng=0).dtype == np.float32
