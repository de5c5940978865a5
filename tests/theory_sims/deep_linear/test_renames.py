"""Glossary names in deep_linear: noise_std, the shared DivergenceError, the result name."""

import warnings

import numpy as np
import pytest

import gpu.errors
import theory_sims.deep_linear as dl
from theory_sims.deep_linear.benign import BenignData


def test_divergence_error_is_the_shared_class():
    assert dl.DivergenceError is gpu.errors.DivergenceError
    assert issubclass(dl.DivergenceError, ValueError)
    assert issubclass(dl.DivergenceError, FloatingPointError)


def test_noise_var_is_retired_for_noise_std():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = dl.sample_benign_data(6, 12, k=2, noise_std=2.0, rng=0)
    with pytest.warns(DeprecationWarning, match="noise_var"):
        old = dl.sample_benign_data(6, 12, k=2, noise_var=4.0, rng=0)
    np.testing.assert_array_equal(old.Y, new.Y)
    assert old.noise_std == new.noise_std == 2.0
    with pytest.warns(DeprecationWarning):
        assert new.noise_var == 4.0
    with pytest.warns(DeprecationWarning):
        record = BenignData(new.X, new.Y, new.Theta, new.sigma_diag, noise_var=9.0)
    assert record.noise_std == 3.0
    # The noise level of the risk: the variance scales the variance term.
    X, theta, sigma = new.X, new.Theta, np.diag(new.sigma_diag)
    one = dl.min_norm_excess_risk(X, theta, sigma, noise_std=1.0)
    two = dl.min_norm_excess_risk(X, theta, sigma, noise_std=2.0)
    assert two.variance == pytest.approx(4 * one.variance, rel=1e-14)
    assert two.bias == one.bias
    with pytest.warns(DeprecationWarning):
        assert dl.min_norm_excess_risk(X, theta, sigma, noise_var=4.0) == two
    # The argument used to be the variance: a positional value must not change meaning.
    with pytest.raises(TypeError):
        dl.min_norm_excess_risk(X, theta, sigma, 4.0)
    with pytest.raises(ValueError, match="noise_var"), pytest.warns(DeprecationWarning):
        dl.sample_benign_data(6, 12, noise_var=-1.0)


def test_train_result_names():
    assert dl.TrainingResult.__name__ == "TrainingResult"
