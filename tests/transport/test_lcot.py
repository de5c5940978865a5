"""LCOT embeddings and distances: checked against exact circle OT, POT and each other."""

from types import SimpleNamespace

import numpy as np
import ot
import pytest
from scipy import stats

from transport import lcot_distance, lcot_distance_matrix, lcot_embedding, wasserstein_circle
from transport.lcot import CircleReference, _merge_array_api


def _pot_w2_unif(x, w):
    """POT's closed form; it sorts the positions but not the weights, so sort both here."""
    order = np.argsort(x)
    return float(
        np.atleast_1d(ot.semidiscrete_wasserstein2_unif_circle(x[order, None], w[order, None]))[0]
    )


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_distance_to_uniform_is_exact_circle_w2(rng, simplex, n):
    for _ in range(5):
        x = rng.random(n)
        w = simplex(rng, n)
        got = float(lcot_distance(x, None, w)) ** 2
        assert got == pytest.approx(_pot_w2_unif(x, w), rel=1e-12, abs=1e-15)
        assert float(lcot_distance(x)) ** 2 == pytest.approx(
            _pot_w2_unif(x, np.full(n, 1 / n)), rel=1e-12
        )


def test_distance_to_uniform_matches_circle_solver_on_fine_grid(rng, simplex):
    # |W(nu, U) - W(nu, G)| <= W(U, G) = 1 / (sqrt(12) N) for the N-point midpoint grid G
    N = 4000
    grid = (np.arange(N) + 0.5) / N
    for n in (3, 20):
        x, w = rng.random(n), simplex(rng, n)
        exact = float(lcot_distance(x, None, w))
        assert float(wasserstein_circle(x, grid, w, p=2)) == pytest.approx(exact, abs=1 / (3.4 * N))


def _pot_embedding_model(x, grid, padded):
    """POT 0.9's linear_circular_embedding (uniform weights), with the cumulative weights padded
    by a leading zero as POT does (``padded=True``) or not (the intended quantile function)."""
    n = x.shape[0]
    xs = np.sort(x)
    c = np.cumsum(np.full(n, 1 / n))
    c = np.concatenate([[0.0], c]) if padded else c
    q = (grid - xs.mean() + 0.5) % 1
    idx = np.clip(np.searchsorted(c, q), 0, n - 1)
    e = (xs[idx] - grid) % 1
    return np.minimum(e, 1 - e)


def test_pot_linear_circular_ot_is_off_by_one_atom(rng):
    grid = np.linspace(0, 1, 101)[:-1]
    ratios = []
    for n in (2, 3, 5, 10):
        for _ in range(20):
            x = rng.random(n)
            pot = float(np.atleast_1d(ot.linear_circular_ot(x[:, None]))[0])
            exact = float(lcot_distance(x)) ** 2
            # POT's number is reproduced exactly by the padded-cdf lookup (one atom too far) ...
            assert pot == pytest.approx(
                np.mean(_pot_embedding_model(x, grid, True) ** 2), rel=1e-12
            )
            # ... and the same 100-point grid with the right atom agrees with the exact value.
            fixed = np.mean(_pot_embedding_model(x, grid, False) ** 2)
            assert fixed == pytest.approx(exact, rel=0.06, abs=2e-4)
            ratios.append(pot / exact)
    assert max(ratios) > 2.0  # the discrepancy the issue reports


def test_pairwise_agrees_with_pot_where_its_index_error_vanishes(rng):
    # Large n: the one-atom shift moves each quantile by ~1/n, and the 100-point grid
    # integrates a function of bounded variation, so POT lands within about 1e-2 relative.
    n = 4000
    u, v = rng.vonmises(0.5, 2.0, n) / (2 * np.pi) % 1, rng.random(n)
    pot = float(np.atleast_1d(ot.linear_circular_ot(u[:, None], v[:, None]))[0])
    assert float(lcot_distance(u, v)) ** 2 == pytest.approx(pot, rel=3e-2)


def test_discrete_reference_equal_sizes_gives_circle_w2(rng):
    for n in (1, 4, 25):
        ref, x = rng.random(n), rng.random(n)
        e = lcot_embedding(x, reference=ref)
        exact = float(wasserstein_circle(ref, x, p=2))
        assert float(lcot_distance(e)) == pytest.approx(exact, rel=1e-10, abs=1e-14)
        assert e.displacement.shape == (n,)
        assert np.all(np.abs(e.displacement) <= 0.5 + 1e-12)


def test_discrete_reference_is_a_lower_bound_of_w2(rng, simplex):
    for _ in range(10):
        ref, a = rng.random(6), simplex(rng, 6)
        x, w = rng.random(9), simplex(rng, 9)
        d = float(lcot_distance(x, None, w, reference=ref, reference_weights=a))
        assert d <= float(wasserstein_circle(ref, x, a, w, p=2)) + 1e-12


def test_shift_against_discrete_reference_is_optimal(rng, simplex):
    # The cost of the step map from the reference levels equals exact circular W_2^2.
    for _ in range(10):
        ref, a = rng.random(5), simplex(rng, 5)
        x, w = rng.random(8), simplex(rng, 8)
        e = lcot_embedding(x, w, reference=ref, reference_weights=a)
        levels, targets = e.levels, e.targets
        cum = np.cumsum(a[np.argsort(ref)])
        ends = np.unique(np.concatenate([levels, cum]))
        mids = 0.5 * (ends + np.concatenate([[0.0], ends[:-1]]))
        widths = np.diff(np.concatenate([[0.0], ends]))
        t = targets[np.minimum(np.searchsorted(levels, mids, side="right"), levels.size - 1)]
        xs = np.sort(ref)[np.minimum(np.searchsorted(cum, mids, side="right"), ref.size - 1)]
        cost = np.sum(widths * (t - xs) ** 2)
        assert cost == pytest.approx(float(wasserstein_circle(ref, x, a, w, p=2)) ** 2, rel=1e-10)


def test_continuous_reference_identity_equals_uniform(rng):
    unif = SimpleNamespace(cdf=lambda z: z, ppf=lambda s: s)
    X = rng.random((5, 7))
    D_unif = lcot_distance_matrix(X)
    D_cont = lcot_distance_matrix(X, reference=unif)
    np.testing.assert_allclose(D_cont, D_unif, atol=1e-12)
    e = lcot_embedding(X[0], reference=unif)
    assert float(e.shift) == pytest.approx(X[0].mean() - 0.5, abs=1e-14)


def test_continuous_reference_matches_fine_discrete_reference(rng):
    beta = stats.beta(2.0, 3.0)
    N = 20000
    grid = beta.ppf((np.arange(N) + 0.5) / N)
    X = rng.random((4, 6))
    D_cont = lcot_distance_matrix(X, reference=beta)
    D_disc = lcot_distance_matrix(X, reference=grid)
    np.testing.assert_allclose(D_cont, D_disc, atol=2e-3)
    x = rng.random(6)
    approx = float(lcot_distance(x, reference=grid))
    exact_w2 = float(wasserstein_circle(grid, x, p=2))
    assert approx == pytest.approx(exact_w2, rel=1e-3)
    assert not np.allclose(D_cont, lcot_distance_matrix(X), atol=1e-3)  # the reference matters


def test_evaluate_is_the_displacement_of_the_optimal_map(rng):
    x = rng.random(9)
    e = lcot_embedding(x)
    grid = (np.arange(20000) + 0.5) / 20000
    disp = e.evaluate(grid)
    assert np.all(np.abs(disp) <= 0.5 + 1e-12)
    assert np.mean(disp**2) == pytest.approx(float(lcot_distance(e)) ** 2, rel=1e-3)


def test_matrix_equals_pairwise_calls_and_is_a_metric(rng, simplex):
    sizes = [4, 9, 4, 1, 6]
    xs = [rng.random(n) for n in sizes]
    ws = [simplex(rng, n) if k % 2 else None for k, n in enumerate(sizes)]
    D = lcot_distance_matrix(xs, ws)
    for i in range(5):
        for j in range(5):
            want = 0.0 if i == j else float(lcot_distance(xs[i], xs[j], ws[i], ws[j]))
            assert D[i, j] == pytest.approx(want, abs=1e-14)
    assert np.all(D[:, None, :] <= D[:, :, None] + D[None, :, :] + 1e-12)  # D_ik <= D_ij + D_jk
    embeddings = [lcot_embedding(x, w) for x, w in zip(xs, ws, strict=True)]
    np.testing.assert_array_equal(lcot_distance_matrix(embeddings), D)


def test_batched_distance_equals_single_calls(rng):
    U, V = rng.random((3, 1, 5)), rng.random((4, 7))
    got = lcot_distance(U, V)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == pytest.approx(float(lcot_distance(U[i, 0], V[j])), abs=1e-15)
    D = lcot_distance_matrix(U[:, 0])
    assert D[0, 1] == pytest.approx(float(lcot_distance(U[0, 0], U[1, 0])), abs=1e-15)


def test_discrete_reference_matrix(rng):
    ref = rng.random(12)
    X = rng.random((4, 5))
    D = lcot_distance_matrix(X, reference=ref)
    e = [lcot_embedding(x, reference=ref) for x in X]
    assert D[1, 3] == pytest.approx(float(lcot_distance(e[1], e[3])), abs=1e-15)
    assert D[1, 3] == pytest.approx(float(lcot_distance(X[1], X[3], reference=ref)), abs=1e-15)


def test_array_api_merge_equals_kernel(rng):
    import array_api_compat.numpy as xp

    from transport._kernels.lcot import merge_rows

    a = lcot_embedding(rng.random((6, 5)))
    b = lcot_embedding(rng.random((6, 8)), rng.random((6, 8)) + 0.1)
    got = _merge_array_api(xp, a.levels, a.targets, b.levels, b.targets)
    np.testing.assert_allclose(
        got, merge_rows(a.levels, a.targets, b.levels, b.targets), atol=1e-15
    )


def test_array_api_strict_inputs(rng):
    xps = pytest.importorskip("array_api_strict")
    X = rng.random((4, 6))
    D = lcot_distance_matrix(xps.asarray(X))
    assert type(D).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(D), lcot_distance_matrix(X), atol=1e-14)


def test_wrap_and_dtypes(rng):
    x = rng.random(6)
    # positions equal up to rounding: pieces of width ~1e-16 may pair neighbouring atoms
    assert float(lcot_distance(x + 3.0, x - 1.0, wrap=True)) == pytest.approx(0.0, abs=1e-7)
    got = lcot_distance(x.astype(np.float32), x[::-1].astype(np.float32) ** 2)
    assert got.dtype == np.float32
    assert lcot_distance_matrix(rng.random((3, 4)).astype(np.float32)).dtype == np.float32


def test_bad_input():
    x = np.array([0.1, 0.5, 0.7])
    with pytest.raises(ValueError, match="values must be finite"):
        lcot_embedding(np.array([0.1, np.nan]))
    with pytest.raises(ValueError, match="weights must be non-negative"):
        lcot_embedding(x, np.array([0.5, -0.1, 0.6]))
    with pytest.raises(ValueError, match=r"values must lie in \[0, 1\).*wrap=True"):
        lcot_embedding(np.array([0.2, 1.3]))
    with pytest.raises(ValueError, match="reference must lie"):
        lcot_embedding(x, reference=np.array([-0.2, 0.5]))
    with pytest.raises(ValueError, match="reference_weights must be positive"):
        lcot_embedding(x, reference=np.array([0.2, 0.5]), reference_weights=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="reference_weights given without"):
        lcot_embedding(x, reference_weights=np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="values must hold real numbers"):
        lcot_embedding(x + 0j)
    e_unif = lcot_embedding(x)
    e_disc = lcot_embedding(x, reference=np.array([0.0, 0.5]))
    e_disc2 = lcot_embedding(x, reference=np.array([0.0, 0.6]))
    with pytest.raises(ValueError, match="different references"):
        lcot_distance(e_unif, e_disc)
    with pytest.raises(ValueError, match="different references"):
        lcot_distance(e_disc, e_disc2)
    with pytest.raises(ValueError, match=r"measures\[1\] was embedded against a different"):
        lcot_distance_matrix([e_unif, e_disc])
    with pytest.raises(ValueError, match="v was embedded against a different reference than"):
        lcot_distance(x, e_disc, reference=np.array([0.0, 0.6]))
    with pytest.raises(ValueError, match=r"measures\[0\]: measures was embedded against a diff"):
        lcot_distance_matrix([e_unif, x], reference=np.array([0.0, 0.6]))
    assert float(lcot_distance(x, e_disc)) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="u_weights must be None"):
        lcot_distance(e_unif, x, np.ones(3))
    with pytest.raises(ValueError, match="weights must have one entry per measure"):
        lcot_distance_matrix([x, x], [None])
    with pytest.raises(ValueError, match="continuous non-uniform reference"):
        lcot_distance(x, reference=stats.beta(2, 2))
    with pytest.raises(ValueError, match="ppf must return finite"):
        lcot_embedding(x, reference=SimpleNamespace(cdf=lambda z: z, ppf=lambda s: s * np.nan))


def test_reference_record_equality():
    a = CircleReference("discrete", values=np.array([0.1, 0.2]), weights=np.array([0.5, 0.5]))
    b = CircleReference("discrete", values=np.array([0.1, 0.2]), weights=np.array([0.5, 0.5]))
    assert a.same_as(b) and not a.same_as(CircleReference("uniform"))
