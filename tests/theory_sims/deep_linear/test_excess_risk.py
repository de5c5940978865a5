"""excess_risk: the diagonal-covariance path against the full-matrix path."""

import numpy as np
import pytest

from theory_sims.deep_linear.theory import excess_risk


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_diagonal_path_equals_full_matrix_path(seed):
    # Variances spread over (0.1, 3) so that reading them as standard deviations
    # (squaring them) or as their square roots changes every term.
    rng = np.random.default_rng(seed)
    q, d = 3, 7
    theta_hat = rng.standard_normal((4, 2, q, d))  # leading batch axes
    theta = rng.standard_normal((q, d))
    variances = rng.uniform(0.1, 3.0, d)
    diagonal = excess_risk(theta_hat, theta, variances)
    full = excess_risk(theta_hat, theta, np.diag(variances))
    assert diagonal.shape == full.shape == (4, 2)
    np.testing.assert_allclose(diagonal, full, rtol=1e-12)
    # Both against the quadratic form written out independently.
    diff = theta_hat - theta
    direct = np.einsum("...qi,i,...qi->...", diff, variances, diff)
    np.testing.assert_allclose(full, direct, rtol=1e-12)


def test_diagonal_path_is_not_standard_deviations():
    # One coordinate of variance 4: a unit error along it costs 4, not 2 or 16.
    risk = excess_risk(np.array([[0.0, 1.0]]), np.zeros((1, 2)), np.array([1.0, 4.0]))
    assert float(risk) == 4.0
