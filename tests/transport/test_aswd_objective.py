"""The ASWD objective J = S - lambda (R_X + R_Y), recomputed independently with POT.

S is the sliced distance of the lifted clouds on fixed directions, R the root mean
squared norm of the lifted points. The lift is recomputed here from the parameters
(plain NumPy forward pass), S with POT's ``ot.sliced_wasserstein_distance`` on the same
directions, and the gradient by central differences of that independent J. A sign flip
of the penalty (in the value, the gradient, or both) breaks these checks.
"""

import numpy as np
import ot
import pytest

from transport.augmented import aswd_objective, init_mlp, train_lift


def _lifted(X, params):
    h = X
    for k, (W, b) in enumerate(params):
        h = h @ W + b
        if k < len(params) - 1:
            h = np.tanh(h)
    return np.hstack([X, h])


def _objective_reference(X, Y, a, b, params, theta, p, penalty):
    PX, PY = _lifted(X, params), _lifted(Y, params)
    S = ot.sliced_wasserstein_distance(PX, PY, a, b, projections=theta, p=p)
    RX = np.sqrt(np.sum(a * np.sum(PX**2, axis=1)))
    RY = np.sqrt(np.sum(b * np.sum(PY**2, axis=1)))
    return S - penalty * (RX + RY), S


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 2))
    Y = rng.standard_normal((9, 2)) * 0.5 + 1.0
    a = rng.random(12) + 0.1
    b = rng.random(9) + 0.1
    params = init_mlp(2, (5,), 3, rng=1)
    theta = rng.standard_normal((5, 16))
    theta /= np.linalg.norm(theta, axis=0)
    return X, Y, a / a.sum(), b / b.sum(), params, theta


@pytest.mark.parametrize("p, penalty", [(2.0, 0.5), (1.5, 2.0), (2.0, 0.0)])
def test_objective_matches_pot_and_never_exceeds_the_sliced_term(problem, p, penalty):
    X, Y, a, b, params, theta = problem
    J, S, *_ = aswd_objective(X, Y, a, b, params, theta, p, penalty)
    J_ref, S_ref = _objective_reference(X, Y, a, b, params, theta, p, penalty)
    assert S == pytest.approx(S_ref, rel=1e-12)
    assert J == pytest.approx(J_ref, rel=1e-12, abs=1e-12)
    assert J <= S
    if penalty > 0:
        assert J < S  # the lifted points are not all zero, so the penalty is positive


def test_parameter_gradient_matches_differences_of_the_independent_objective(problem):
    X, Y, a, b, params, theta = problem
    p, penalty = 2.0, 0.5
    _, _, grads, _, _ = aswd_objective(X, Y, a, b, params, theta, p, penalty)
    h = 1e-6
    for k, (W, bias) in enumerate(params):
        for target, grad in ((W, grads[k][0]), (bias, grads[k][1])):
            index = np.unravel_index(np.argmax(np.abs(grad)), grad.shape)
            moved = []
            for sign in (1.0, -1.0):
                shifted = target.copy()
                shifted[index] += sign * h
                trial = [list(pair) for pair in params]
                trial[k][0 if target is W else 1] = shifted
                moved.append(_objective_reference(X, Y, a, b, trial, theta, p, penalty)[0])
            numeric = (moved[0] - moved[1]) / (2 * h)
            assert grad[index] == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_sample_gradient_matches_differences_of_the_independent_objective(problem):
    X, Y, a, b, params, theta = problem
    _, _, _, grad_X, _ = aswd_objective(X, Y, a, b, params, theta, 2.0, 0.5)
    h = 1e-6
    i, j = np.unravel_index(np.argmax(np.abs(grad_X)), grad_X.shape)
    moved = []
    for sign in (1.0, -1.0):
        Z = X.copy()
        Z[i, j] += sign * h
        moved.append(_objective_reference(Z, Y, a, b, params, theta, 2.0, 0.5)[0])
    assert grad_X[i, j] == pytest.approx((moved[0] - moved[1]) / (2 * h), rel=1e-4, abs=1e-7)


def test_train_lift_state_carries_adam_across_calls():
    # Two calls of k steps sharing `state` (and the generator) are one call of 2k steps:
    # the persistent optimiser of Chen et al.'s flow notebook.
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((30, 2)), rng.standard_normal((30, 2)) + 1.0
    params = init_mlp(2, (), 2, 1)
    kw = dict(p=2.0, penalty=0.01, lr=5e-3, n_projections=16, betas=(0.999, 0.999))
    once, _ = train_lift(X, Y, None, None, params, steps=6, rng=np.random.default_rng(3), **kw)
    gen, state = np.random.default_rng(3), {}
    half, _ = train_lift(X, Y, None, None, params, steps=3, rng=gen, state=state, **kw)
    twice, _ = train_lift(X, Y, None, None, half, steps=3, rng=gen, state=state, **kw)
    assert state["t"] == 6
    for (w1, b1), (w2, b2) in zip(once, twice, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
