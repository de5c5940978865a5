"""Issue 17 (items 4 and 8): scale-invariant designs, sweep's own arguments checked first."""

import numpy as np
import pytest

import bandits
from bandits.envs import LinearBandit
from bandits.policies import OFUL


def _max_variance(A, weights):
    V = (A * weights[:, None]).T @ A
    return float(np.max(np.einsum("ij,ij->i", A @ np.linalg.pinv(V), A)))


@pytest.mark.parametrize("column_scales", [[1e-160, 1.0, 1.0], [1e-300, 1e300, 1.0]])
def test_design_is_invariant_to_scaling_coordinates(column_scales):
    # a -> D a leaves every variance a^T V^{-1} a unchanged, hence the design
    A = np.random.default_rng(0).standard_normal((8, 3))
    ref = bandits.g_optimal_design(A, tol=1e-10)
    design = bandits.g_optimal_design(A * np.array(column_scales), tol=1e-10)
    assert np.all(np.isfinite(design.weights)) and design.bound == 3 and design.converged
    np.testing.assert_allclose(design.weights, ref.weights, atol=1e-8)
    assert _max_variance(A, design.weights) <= 3 * (1 + 1e-10) * (1 + 1e-9)


@pytest.fixture
def env():
    return LinearBandit(np.eye(3), np.array([0.1, 0.9, 0.3]), noise_std=0.1)


class Spy:
    """A policy factory that records whether any grid point ran."""

    calls = 0

    def __new__(cls, **params):
        Spy.calls += 1
        return OFUL(**params)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"policy": OFUL()}, TypeError, "policy must be a policy class such as OFUL"),
        ({"policy": dict}, TypeError, "policy must build a bandits.policies policy"),
        ({"grid": {"bogus": [1]}}, TypeError, "grid point {'bogus': 1} is not accepted"),
        ({"grid": []}, ValueError, "grid must hold at least one point"),
        ({"grid": "scale"}, TypeError, "grid must be a mapping"),
        ({"grid": [1, 2]}, TypeError, r"grid\[0\] must be a mapping"),
        ({"T": 0}, ValueError, "T must be >= 1"),
        ({"T": 2.5}, TypeError, "T must be an integer"),
        ({"n_runs": 0}, ValueError, "n_runs must be >= 1"),
        ({"every": 0}, ValueError, "every must be >= 1"),
        ({"levels": (0.5, 2.0)}, ValueError, "levels must be <= 1"),
        ({"levels": 0.5}, TypeError, "levels must be a sequence"),
    ],
)
def test_sweep_checks_its_own_arguments_before_any_run(env, kwargs, error, match):
    args = {"env": env, "policy": OFUL, "grid": {"scale": [0.1, 1.0]}, "T": 20, "n_runs": 2}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        bandits.sweep(args.pop("env"), args.pop("policy"), args.pop("grid"), args.pop("T"),
                      rng=0, **args)  # fmt: skip


def test_sweep_rejects_an_environment_class_naming_env():
    with pytest.raises(TypeError, match="env must be a bandits.envs environment instance, got the"):
        bandits.sweep(LinearBandit, OFUL, {"scale": [0.1]}, 10, n_runs=2, rng=0)


def test_sweep_validation_happens_before_scanning(env):
    Spy.calls = 0
    with pytest.raises(ValueError, match="n_runs must be >= 1"):
        bandits.sweep(env, Spy, {"scale": [0.1, 1.0]}, 10, n_runs=0, rng=0)
    assert Spy.calls == 0
    result = bandits.sweep(env, Spy, {"scale": [0.1, 1.0]}, 10, n_runs=2, rng=0)
    assert result.final_mean.shape == (2,)
