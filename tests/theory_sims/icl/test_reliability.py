"""Reliability cases of issue #17 for theory_sims.icl: exact losses that stay exact,
one divergence rule, and clear errors naming the argument."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from gpu.errors import DivergenceError
from theory_sims.icl import LSA, TaskConfig, analysis, baselines, metrics, optim, train_lsa
from theory_sims.icl import predictors as pred
from theory_sims.icl import theory as T
from theory_sims.icl.wishart import MAX_DEGREE, wishart_trace_moments


def _mc_residual_loss(step_sizes, n, d, B, seed):
    """Monte Carlo of E tr K(S)^2 (noise-free GD loss), K = prod(1 - eta lam), from the
    eigenvalues of simulated S = X^T X / n; returns the mean and its standard error."""
    X = np.random.default_rng(seed).standard_normal((B, n, d))
    lam = np.linalg.eigvalsh(np.einsum("bni,bnj->bij", X, X) / n)
    K = np.prod(1.0 - np.asarray(step_sizes)[:, None, None] * lam[None], axis=0)
    v = (K**2).sum(axis=-1)
    return v.mean(), v.std(ddof=1) / np.sqrt(B)


@pytest.mark.slow
@pytest.mark.parametrize("steps", [16, 20])
def test_deep_optimal_gd_steps_loss_is_exact_and_matches_monte_carlo(steps):
    # Issue #17 item 1: the float monomial-basis evaluation reported 0.00353 (L=16) and
    # 13.49 (L=20) where the true loss is about 1e-4 .. 2e-5.
    r = T.optimal_gd_steps(20, 5, steps)
    assert r.attained
    assert 0 <= r.polynomial_loss <= r.loss
    assert r.loss == pytest.approx(r.polynomial_loss, rel=1e-9)
    assert np.all(np.diff(r.losses_by_depth) < 0) and r.losses_by_depth[-1] == r.loss
    mean, se = _mc_residual_loss(r.step_sizes, 20, 5, 100_000, steps)
    assert abs(mean - r.loss) < 5 * se
    assert r.loss < 2e-4


@pytest.mark.parametrize("steps", [22, 24])
def test_steps_beyond_the_exact_moments_are_refused(steps):
    with pytest.raises(ValueError, match="steps"):
        T.optimal_gd_steps(20, 5, steps)


def test_gd_steps_loss_agrees_with_an_independent_rational_evaluation():
    # SymPy rationals: expand prod(1 - eta lam)^2 symbolically and replace lam^k by the
    # exact moment E tr S^k; step sizes far apart (terms cancel heavily in floats).
    n, d = 20, 5
    etas = [0.25, 0.3, 0.5, 0.8, 1.3, 2.9, 3.4, 0.26]
    lam = sp.Symbol("lam")
    K = sp.expand(sp.prod([1 - sp.Rational(Fraction(e)) * lam for e in etas]) ** 2)
    moments = wishart_trace_moments(n, d, 2 * len(etas))
    exact = sum(K.coeff(lam, k) * sp.Rational(moments[k], n**k) for k in range(2 * len(etas) + 1))
    assert T.gd_steps_loss(etas, n, d) == float(exact)


def test_wishart_moments_of_order_80_are_refused_at_once():
    with pytest.raises(ValueError, match="MAX_DEGREE"):
        wishart_trace_moments(20, 5, 80)
    assert MAX_DEGREE == 40


@pytest.mark.parametrize(
    "call",
    [
        lambda: T.optimal_single_layer(20, 5, 1e155),
        lambda: T.optimal_gd_step(20, 5, 1.0, 3.0, 1e155),
        lambda: T.optimal_gd_steps(20, 5, 2, 1e155),
        lambda: T.gd_steps_loss([0.1], 20, 5, 1e155),
    ],
)
def test_noise_std_whose_square_overflows_is_refused(call):
    with pytest.raises(ValueError, match="noise_std"):
        call()


def test_large_but_representable_noise_std_gives_the_limit():
    # the optimal steps shrink like n / noise_std^2 and the loss tends to d
    r = T.optimal_gd_steps(20, 5, 2, 1e150)
    assert r.loss == pytest.approx(5.0) and np.all(np.abs(r.step_sizes) < 1e-290)
    assert T.optimal_single_layer(20, 5, 1e150).loss == pytest.approx(5.0)


def test_bayes_with_overflowing_noise_names_noise_std():
    X = np.random.default_rng(0).standard_normal((2, 5, 3))
    with pytest.raises(ValueError, match="noise_std"):
        pred.bayes(X, np.ones((2, 5)), np.ones((2, 3)), 1e155)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_train_lsa_divergence_is_one_error_for_both_optimizers(optimizer):
    # Adam used to return normally with a loss of 6e111; SGD raised FloatingPointError.
    with pytest.raises(DivergenceError, match="lr=1000"):
        train_lsa(
            LSA(1, 3),
            TaskConfig(n=10, d=3),
            steps=50,
            batch_size=64,
            lr=1e3,
            optimizer=optimizer,
            rng=0,
        )


def test_train_lsa_divergence_factor_is_validated():
    with pytest.raises(ValueError, match="divergence_factor"):
        train_lsa(LSA(1, 3), TaskConfig(n=10, d=3), steps=2, batch_size=8, divergence_factor=0.5)


X3 = np.random.default_rng(1).standard_normal((2, 6, 3))
Y2 = np.ones((2, 6))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: optim.Adam(0.1, (0.9,)), "betas"),
        (lambda: optim.clip_by_norm(np.ones(3), -1.0), "max_norm"),
        (lambda: pred.noise_estimate(np.ones((5, 3)), np.ones(5)), "X"),
        (lambda: pred.implicit_weights(pred.least_squares, np.ones((5, 3)), np.ones(5)), "X"),
        (lambda: metrics.icl_loss(np.array([]), np.array([])), "pred"),
        (lambda: metrics.spd(np.array([]), np.array([]), 3), "pred_a"),
        (lambda: metrics.ilwd(np.empty((0, 3)), np.empty((0, 3))), "w_a"),
        (lambda: metrics.adjusted_loss(np.array([]), np.array([]), np.array([])), "pred"),
        (lambda: baselines.RidgePath(X3, Y2, X3[:, 0]).predict(np.nan), "lam"),
        (lambda: baselines.RidgePath(X3, Y2, X3[:, 0]).predict(-1.0), "lam"),
        (lambda: analysis.hill_tail_index(np.ones(100)), "tied"),
    ],
)
def test_bad_input_gets_an_error_naming_it(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_hill_tail_index_with_ties_below_the_threshold_still_works():
    x = np.r_[np.ones(90), np.arange(10) + 2.0]
    assert np.isfinite(analysis.hill_tail_index(x, k=5))
