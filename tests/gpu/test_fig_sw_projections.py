"""The foundation figure's estimator error against its closed-form prediction."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fig():
    spec = importlib.util.spec_from_file_location(
        "fig_sw_projections", ROOT / "scripts" / "fig_sw_projections.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mc_rmse_matches_delta_method(fig):
    # 400 repetitions: the RMSE estimate has a relative standard error of about
    # sqrt((kurtosis - 1) / (4 * 400)) < 5% for these near-Gaussian errors
    # (L = 100 directions), so 20% is a 4-sigma band around the prediction.
    params = {"d": 10, "kind": "mc", "L": 100, "n": 20, "reps": 400}
    rmse = fig._errors(params, np.random.default_rng(0))
    predicted = fig.predicted_mc_rmse(10, np.array(100.0))
    assert abs(rmse / predicted - 1) < 0.2


def test_complete_orthogonal_blocks_are_exact(fig):
    # sum over an orthonormal basis of <theta, delta>^2 is ||delta||^2: exact SW.
    params = {"d": 5, "kind": "orthogonal", "L": 10, "n": 20, "reps": 5}
    assert fig._errors(params, np.random.default_rng(1)) < 1e-12


def test_plot_keeps_the_axis_on_informative_errors(fig):
    # exact orthogonal errors (round-off) must not stretch the log axis to 1e-16
    L = list(fig.N_PROJECTIONS)
    mc = list(0.3 / np.sqrt(L))
    result = {
        "config": {"n_projections": L, "dims": [2]},
        "rmse": {"mc": {"2": mc}, "orthogonal": {"2": [0.3] + [1e-16] * (len(L) - 1)}},
    }
    ax = fig.plot(result).axes[0]
    assert min(mc) / 10 < ax.get_ylim()[0] < min(mc)
