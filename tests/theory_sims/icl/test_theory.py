import numpy as np
import pytest
import sympy as sp

from theory_sims.icl.lsa import LSA, gd_construction
from theory_sims.icl.predictors import gd
from theory_sims.icl.tasks import TaskConfig, sample_tasks
from theory_sims.icl.theory import (
    gd_steps_loss,
    optimal_gd_step,
    optimal_gd_steps,
    optimal_single_layer,
)
from theory_sims.icl.train import evaluate, train
from theory_sims.icl.wishart import wishart_trace_moments


def _mc_loss(task, steps, eta, pre, B, seed):
    b = sample_tasks(task, B, rng=seed)
    sq = (gd(b.X, b.y, b.x_query, steps, eta, preconditioner=pre) - b.y_query) ** 2
    return sq.mean(), sq.std(ddof=1) / np.sqrt(B)


def test_single_layer_sympy_scalar_case():
    # d = 1, x ~ N(0, s): expand E[(g h - w)^2 x_q^2] by Gaussian moments
    # (E x^2 = s, E x^4 = 3 s^2, independent draws) without the Wishart formula,
    # minimise over g symbolically and compare with the closed form.
    n, s, sig, g = sp.symbols("n s sigma g", positive=True)
    Eh2 = (n * 3 * s**2 + n * (n - 1) * s**2) / n**2 + sig**2 * s / n  # E h^2, E w^2 = 1
    Ehw = s
    loss = s * (g**2 * Eh2 - 2 * g * Ehw + 1)
    g_star = sp.solve(sp.diff(loss, g), g)[0]
    l_star = sp.simplify(loss.subs(g, g_star))
    for nv, sv, sgv in [(5, 1.0, 0.0), (20, 2.5, 1.3)]:
        r = optimal_single_layer(nv, 1, sgv, Sigma=[[sv]])
        vals = {n: nv, s: sv, sig: sgv}
        assert np.isclose(float(g_star.subs(vals)), r.preconditioner[0, 0], rtol=1e-12)
        assert np.isclose(float(l_star.subs(vals)), r.loss, rtol=1e-12)


def test_single_layer_sympy_diagonal_two_dims():
    # d = 2, Sigma = diag(a, b): the loss for diagonal Gamma = diag(g1, g2) from
    # Isserlis moments coordinate by coordinate, minimised symbolically.
    n, a, b_, sig = sp.symbols("n a b sigma", positive=True)
    g1, g2 = sp.symbols("g1 g2")
    var = [a, b_]

    def E_h2(i):  # E h_i^2 with h = X^T y / n, w ~ N(0, I)
        # E[(sum_k x_ki sum_j x_kj w_j)^2]/n^2 = (1/n^2) sum_j E[(sum_k x_ki x_kj)^2]
        total = 0
        for j in range(2):
            if j == i:
                total += n * 3 * var[i] ** 2 + n * (n - 1) * var[i] ** 2
            else:
                total += n * var[i] * var[j]
        return total / n**2 + sig**2 * var[i] / n

    loss = sum(var[i] * (gi**2 * E_h2(i) - 2 * gi * var[i] + 1) for i, gi in enumerate((g1, g2)))
    sol = sp.solve([sp.diff(loss, g1), sp.diff(loss, g2)], [g1, g2], dict=True)[0]
    vals = {n: 7, a: 2.0, b_: 0.5, sig: 0.8}
    r = optimal_single_layer(7, 2, 0.8, Sigma=np.diag([2.0, 0.5]))
    np.testing.assert_allclose(
        np.diag(r.preconditioner),
        [float(sol[g1].subs(vals)), float(sol[g2].subs(vals))],
        rtol=1e-12,
    )
    assert np.isclose(float(loss.subs(sol).subs(vals)), r.loss, rtol=1e-12)


@pytest.mark.parametrize(
    "n, d, sigma, Sigma",
    [
        (10, 4, 0.0, None),
        (6, 3, 1.5, np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.2], [0.0, 0.2, 0.5]])),
    ],
)
def test_single_layer_loss_matches_monte_carlo(n, d, sigma, Sigma):
    r = optimal_single_layer(n, d, sigma, Sigma)
    task = TaskConfig(n=n, d=d, noise_std=sigma, Sigma=Sigma)
    mean, se = _mc_loss(task, 1, 1.0, r.preconditioner, 200000, 11)
    assert abs(mean - r.loss) < 3 * se
    # ...and it is optimal: a 10% larger or smaller preconditioner does worse (paired).
    for scale in (0.9, 1.1):
        worse, _ = _mc_loss(task, 1, scale, r.preconditioner, 200000, 11)
        assert worse > mean


def test_gd_step_for_uniform_coordinates_matches_monte_carlo():
    r = optimal_gd_step(12, 4, m2=1.0, m4=9 / 5, noise_std=0.5)  # U(-sqrt3, sqrt3)
    task = TaskConfig(n=12, d=4, noise_std=0.5, x_dist="uniform")
    mean, se = _mc_loss(task, 1, r.lr, None, 200000, 12)
    assert abs(mean - r.loss) < 3 * se
    g = optimal_gd_step(12, 4, 1.0, 3.0, 0.5)
    assert np.isclose(g.lr, optimal_single_layer(12, 4, 0.5).preconditioner[0, 0])


def test_gd_steps_loss_matches_monte_carlo():
    # arbitrary (not optimal) step sizes: the exact-moment loss against simulated GD
    task = TaskConfig(n=15, d=5, noise_std=0.5)
    etas = [0.3, 0.9, 0.5]
    mean, se = _mc_loss(task, 3, np.array(etas), None, 200000, 13)
    assert abs(mean - gd_steps_loss(etas, 15, 5, 0.5)) < 3 * se


def test_multi_step_optimum_noise_free_is_attained_by_real_steps():
    r = optimal_gd_steps(15, 5, 4)
    assert r.attained and np.all(r.step_sizes > 0)
    assert np.isclose(r.loss, r.polynomial_loss, rtol=1e-10)
    assert np.all(np.diff(r.losses_by_depth) < 0)
    assert np.isclose(r.losses_by_depth[0], optimal_single_layer(15, 5).loss, rtol=1e-12)
    # the L steps of an L-layer GD construction reach the predicted loss
    task = TaskConfig(n=15, d=5)
    b = sample_tasks(task, 100000, rng=13)
    out = LSA(4, 5).predict(gd_construction(5, r.step_sizes), b.X, b.y, b.x_query)
    sq = (out - b.y_query) ** 2
    assert abs(sq.mean() - r.loss) < 3 * sq.std(ddof=1) / np.sqrt(sq.size)


@pytest.mark.parametrize("sigma", [0.0, 0.5, 3.0])
def test_optimal_residual_polynomial_has_the_orthogonal_polynomial_form(sigma):
    # K*(lam) = (s + lam P_L(lam) / P_L(-s)) / (lam + s), P_L the monic orthogonal
    # polynomial of lam mu(dlam): its zeros are the reciprocal step sizes when real.
    n, d, L = 20, 10, 3
    m = [float(x) for x in wishart_trace_moments(n, d, 2 * L + 1)]
    m = [mk / n**k for k, mk in enumerate(m)]
    nu = np.array(m[1:])  # moments of lam mu(dlam)
    c = np.linalg.solve([[nu[i + j] for j in range(L)] for i in range(L)], -nu[L : 2 * L])
    P_L = np.append(c, 1.0)  # monic, ascending coefficients
    s = sigma**2 / n
    numerator = np.polynomial.polynomial.polyadd([s], np.append(0.0, P_L) / _polyval(P_L, -s))
    K, rem = np.polynomial.polynomial.polydiv(numerator, [s, 1.0])
    assert np.allclose(rem, 0, atol=1e-9)
    r = optimal_gd_steps(n, d, L, sigma)
    assert np.isclose(r.polynomial_loss, _residual_polynomial_loss(K, m, s), rtol=1e-8)
    if r.attained:
        assert np.allclose(np.sort(1 / np.polynomial.polynomial.polyroots(K).real), r.step_sizes)


def _polyval(coefficients, x):
    return np.polynomial.polynomial.polyval(x, coefficients)


def _residual_polynomial_loss(K, m, s):
    p = -K[1:]
    sq, noise = np.polynomial.polynomial.polymul(K, K), np.polynomial.polynomial.polymul(p, p)
    return np.dot(sq, m[: sq.size]) + s * np.dot(noise, m[1 : noise.size + 1])


@pytest.mark.parametrize(("n", "d", "sigma"), [(20, 10, 3.0), (15, 5, 0.5), (20, 10, 7.0)])
def test_real_step_sizes_beat_a_grid(n, d, sigma):
    r = optimal_gd_steps(n, d, 2, sigma)
    grid = np.linspace(-0.5, 3.0, 141)
    best = min(gd_steps_loss([a, b], n, d, sigma) for a in grid for b in grid if a <= b)
    assert r.loss <= best + 1e-12
    assert r.polynomial_loss <= r.loss + 1e-12
    assert r.attained == (sigma < 1)


def test_trained_single_layer_reaches_closed_form():
    n, d, sigma = 10, 3, 0.5
    task = TaskConfig(n=n, d=d, noise_std=sigma)
    res = train(LSA(1, d), task, steps=1500, batch_size=512, lr=0.01, rng=0)
    r = optimal_single_layer(n, d, sigma)
    ev = evaluate(LSA(1, d), res.theta, task, batch_size=200000, rng=1)
    assert ev.loss < 1.02 * r.loss
    assert ev.loss > r.loss - 3 * ev.std_error  # nothing beats the optimum


@pytest.mark.parametrize(
    "call",
    [
        lambda: optimal_single_layer(0, 3),
        lambda: optimal_single_layer(5, 0),
        lambda: optimal_single_layer(5, 3, noise_std=-1.0),
        lambda: optimal_single_layer(5, 2, Sigma=np.eye(3)),
        lambda: optimal_single_layer(5, 2, Sigma=[[1.0, np.nan], [np.nan, 1.0]]),
        lambda: optimal_gd_step(5, 2, 1.0, 0.5),
        lambda: optimal_gd_steps(5, 2, 0),
        lambda: gd_steps_loss([0.1, np.nan], 5, 2),
        lambda: gd_steps_loss([[0.1]], 5, 2),
        lambda: gd_steps_loss([0.1], 5, 2, noise_std=-1.0),
    ],
)
def test_bad_input_rejected(call):
    with pytest.raises(ValueError):
        call()
