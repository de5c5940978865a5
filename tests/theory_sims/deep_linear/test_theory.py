"""Closed forms of Saxe et al. and the min-norm excess risk, against independent references."""

import numpy as np
import pytest
from scipy import integrate

from theory_sims.deep_linear.symbolic import verify_two_layer_solution
from theory_sims.deep_linear.theory import (
    deep_learning_time,
    deep_mode,
    learning_time,
    min_norm_excess_risk,
    min_norm_interpolant,
    two_layer_mode,
)


def test_sympy_verifies_two_layer_solution():
    assert verify_two_layer_solution() == {
        "ode": True,
        "initial_condition": True,
        "learning_time": True,
    }


@pytest.mark.parametrize("s,u0", [(3.0, 1e-4), (1.0, 0.3), (0.5, 0.9)])
def test_two_layer_mode_solves_ode_numerically(s, u0):
    # Reference: SciPy's DOP853 on tau u' = 2 u (s - u), independent of the closed form.
    tau = 0.7
    ts = np.linspace(0, 6, 13)
    sol = integrate.solve_ivp(
        lambda t, u: 2 * u * (s - u) / tau, (0, 6), [u0], t_eval=ts, rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(two_layer_mode(ts, s, u0, tau=tau), sol.y[0], rtol=1e-8)


def test_learning_time_inverts_two_layer_mode():
    s, u0, uf = 2.0, 1e-3, 1.7
    t = learning_time(s, u0, uf, tau=1.5)
    assert two_layer_mode(t, s, u0, tau=1.5) == pytest.approx(uf, rel=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 6])
def test_deep_learning_time_matches_quadrature(depth):
    # Reference: adaptive quadrature of tau / (D u^(2-2/D) (s - u)) from u0 to uf.
    s, u0, uf, tau = 2.0, 1e-3, 1.5, 0.8
    ref = integrate.quad(
        lambda u: tau / (depth * u ** (2 - 2 / depth) * (s - u)), u0, uf, epsrel=1e-12, limit=400
    )[0]
    assert deep_learning_time(s, u0, uf, depth, tau=tau) == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_deep_mode_reaches_uf_at_learning_time(depth):
    s, u0, uf = 1.5, 1e-2, 1.0
    t = deep_learning_time(s, u0, uf, depth)
    assert float(deep_mode(t, s, u0, depth)) == pytest.approx(uf, rel=1e-7)


def test_deep_mode_depth2_is_the_closed_form():
    ts = np.array([3.0, 0.0, 1.0, 10.0])  # unsorted on purpose
    np.testing.assert_allclose(
        deep_mode(ts, 2.0, 1e-3, 2), two_layer_mode(ts, 2.0, 1e-3), rtol=1e-8
    )


def test_min_norm_excess_risk_matches_monte_carlo():
    rng = np.random.default_rng(3)
    n, d, q, sigma2 = 8, 20, 2, 0.5
    sig = np.diag(np.linspace(0.1, 2.0, d))
    X = rng.standard_normal((n, d)) @ np.sqrt(sig)
    theta = rng.standard_normal((q, d))
    reps = 20000
    noise = np.sqrt(sigma2) * rng.standard_normal((reps, n, q))
    hat = np.swapaxes(np.linalg.pinv(X) @ (X @ theta.T + noise), 1, 2)
    diff = hat - theta
    risks = np.einsum("rqi,ij,rqj->r", diff, sig, diff)
    exact = min_norm_excess_risk(X, theta, sig, noise_std=np.sqrt(sigma2))
    # Tolerance: 5 standard errors of the Monte-Carlo mean, std estimated from the draws.
    tol = 5 * risks.std() / np.sqrt(reps)
    assert abs(risks.mean() - exact.total) < tol
    assert exact.total == pytest.approx(exact.bias + exact.variance)
    # The bias is the noiseless risk, which the min-norm fit gives deterministically.
    d0 = min_norm_interpolant(X, X @ theta.T) - theta
    assert exact.bias == pytest.approx(float(np.einsum("qi,ij,qj->", d0, sig, d0)), rel=1e-10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: two_layer_mode(1.0, -1.0, 0.1),
        lambda: two_layer_mode(-1.0, 1.0, 0.1),
        lambda: two_layer_mode(1.0, 1.0, np.nan),
        lambda: learning_time(1.0, 0.5, 1.5),
        lambda: deep_mode(1.0, 1.0, 0.1, depth=0),
        lambda: deep_learning_time(1.0, 0.5, 0.2, depth=3),
        lambda: min_norm_excess_risk(np.ones((2, 3)), np.ones((1, 4)), np.eye(3), noise_std=1.0),
        lambda: min_norm_excess_risk(np.ones((2, 3)), np.ones((1, 3)), np.eye(3), noise_std=-1.0),
        lambda: min_norm_excess_risk(
            np.full((2, 3), np.nan), np.ones((1, 3)), np.eye(3), noise_std=1.0
        ),
    ],
)
def test_bad_input_is_rejected(call):
    with pytest.raises(ValueError):
        call()
