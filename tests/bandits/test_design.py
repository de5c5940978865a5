"""G-optimal designs against the Kiefer--Wolfowitz theorem and closed forms."""

import numpy as np
import pytest

import bandits


def _max_variance(A, w):
    """max_k a_k^T V(w)^{-1} a_k, computed independently with numpy."""
    V = (A.T * w) @ A
    return np.max(np.einsum("kd,de,ke->k", A, np.linalg.pinv(V), A))


@pytest.mark.parametrize(("K", "d", "seed"), [(50, 20, 0), (200, 5, 1), (8, 8, 2), (30, 3, 3)])
def test_kiefer_wolfowitz_bound(K, d, seed):
    A = np.random.default_rng(seed).standard_normal((K, d))
    tol = 1e-3
    design = bandits.g_optimal_design(A, tol=tol)
    assert design.converged and design.bound == d
    np.testing.assert_allclose(design.weights.sum(), 1.0, rtol=1e-12)
    assert np.all(design.weights >= 0)
    g = _max_variance(A, design.weights)
    # KW: every design has max variance >= d, the optimum equals d
    assert d * (1 - 1e-9) <= g <= d * (1 + tol) * (1 + 1e-9)
    np.testing.assert_allclose(g, design.max_variance, rtol=1e-9)
    # ... and the uniform design is never better (a check that can fail if g is mis-computed)
    assert _max_variance(A, np.full(K, 1 / K)) >= g * (1 - 1e-12)


def test_orthonormal_basis_gets_uniform_weights():
    # For A = [I; -I] every design with pi(e_i) + pi(-e_i) = 1/d is optimal: V = I/d, g = d.
    d = 4
    A = np.vstack([np.eye(d), -np.eye(d)])
    w = bandits.g_optimal_design(A, tol=1e-9).weights
    np.testing.assert_allclose(w[:d] + w[d:], np.full(d, 1 / d), atol=1e-8)


def test_rank_deficient_arms_use_their_span():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((20, 2)) @ rng.standard_normal((2, 5))  # rank 2 in R^5
    design = bandits.g_optimal_design(A, tol=1e-4)
    assert design.bound == 2 and design.converged
    assert _max_variance(A, design.weights) <= 2 * (1 + 1e-4) * (1 + 1e-9)


def test_single_direction():
    A = np.array([[1.0, 0.0], [2.0, 0.0], [-0.5, 0.0]])
    design = bandits.g_optimal_design(A)
    np.testing.assert_array_equal(design.weights, [0.0, 1.0, 0.0])
    assert design.bound == 1 and design.max_variance == 1.0


@pytest.mark.parametrize(
    ("A", "kwargs", "match"),
    [
        (np.zeros((0, 3)), {}, "empty"),
        (np.array([1.0, 2.0]), {}, "2-D"),
        (np.array([[np.nan, 1.0]]), {}, "finite"),
        (np.zeros((3, 2)), {}, "non-zero"),
        (np.eye(2), {"tol": 0.0}, "tol"),
        (np.eye(2), {"max_steps": 0}, "max_steps"),
    ],
)
def test_bad_input(A, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bandits.g_optimal_design(A, **kwargs)


def test_to_dict_is_json_safe():
    import json

    json.dumps(bandits.g_optimal_design(np.eye(3)).to_dict())


def test_array_api_input_keeps_its_namespace():
    xp = pytest.importorskip("array_api_strict")
    A = xp.asarray(np.eye(3))
    design = bandits.g_optimal_design(A)
    assert type(design.weights) is type(A)
    np.testing.assert_allclose(np.asarray(design.weights), np.full(3, 1 / 3))


@pytest.mark.parametrize("scale", [1e160, 1e300, 1e-160, 1e-300])
def test_design_is_invariant_to_scaling_the_arms(scale):
    # V(pi) of c A is c^2 V(pi) of A, so every variance a^T V^{-1} a, hence the design,
    # is the same; products of four entries overflow (or underflow) past ~1e77 without
    # the rescaling, which used to give inf / NaN
    A = np.random.default_rng(4).standard_normal((12, 4))
    tol = 1e-10
    ref = bandits.g_optimal_design(A, tol=tol)
    design = bandits.g_optimal_design(scale * A, tol=tol)
    assert np.all(np.isfinite(design.weights)) and design.converged and design.bound == 4
    # the design of c A is G-optimal for A (checked independently) and equals A's
    assert _max_variance(A, design.weights) <= 4 * (1 + tol) * (1 + 1e-9)
    np.testing.assert_allclose(design.weights, ref.weights, atol=1e-8)
    np.testing.assert_array_equal(design.support, ref.support)
    np.testing.assert_allclose(design.max_variance, ref.max_variance, rtol=1e-9)


def test_power_of_two_scaling_gives_the_same_bits():
    A = np.random.default_rng(5).standard_normal((10, 3))
    ref = bandits.g_optimal_design(A)
    np.testing.assert_array_equal(bandits.g_optimal_design(2.0**700 * A).weights, ref.weights)


def test_retired_max_iter_still_works():
    A = np.random.default_rng(6).standard_normal((40, 6))
    with pytest.warns(DeprecationWarning, match="max_iter"):
        old = bandits.g_optimal_design(A, max_iter=3)
    new = bandits.g_optimal_design(A, max_steps=3)
    np.testing.assert_array_equal(old.weights, new.weights)
    assert old.iterations == new.iterations == 3
