"""The law of one coordinate of the random directions, by Kolmogorov-Smirnov tests.

For a uniform point x on the sphere S^{d-1}, (x_1 + 1) / 2 ~ Beta((d-1)/2, (d-1)/2).
Each test uses independent directions only (one column per independent block or
draw), a fixed seed and a 0.1% significance level; the last test checks that the
same test rejects a wrong law at this sample size, so the KS test has power.
"""

import numpy as np
import pytest
from scipy import stats

from transport import random_directions

N = 1500
ALPHA = 1e-3


def _law(d):
    return stats.beta((d - 1) / 2, (d - 1) / 2).cdf


def _first_coordinates(kind, d, seed):
    rng = np.random.default_rng(seed)
    if kind == "mc":  # all columns independent
        return random_directions(d, N, "mc", rng)[0]
    if kind == "orthogonal":  # one column per independent Haar block
        return random_directions(d, N * d, "orthogonal", rng)[0, ::d]
    # qmc: points of one scrambled sequence are dependent; independent scrambles are not
    return np.array([random_directions(d, 2, "qmc", rng)[0, 0] for _ in range(N // 3)])


@pytest.mark.parametrize("kind", ["mc", "orthogonal", "qmc"])
@pytest.mark.parametrize("d", [2, 3, 6])
def test_projected_coordinate_follows_the_beta_law(kind, d):
    x = _first_coordinates(kind, d, seed=100 * d + len(kind))
    assert stats.kstest((x + 1) / 2, _law(d)).pvalue > ALPHA


@pytest.mark.parametrize("kind", ["mc", "orthogonal"])
def test_every_coordinate_of_a_column_follows_the_law(kind):
    d = 4
    theta = random_directions(d, N * d, kind, rng=5)[:, ::d]
    for row in theta:
        assert stats.kstest((row + 1) / 2, _law(d)).pvalue > ALPHA


def test_the_ks_check_detects_a_wrong_dimension():
    # Coordinates of S^3 tested against the law of S^2: must be rejected at this N.
    x = _first_coordinates("mc", 4, seed=1)
    assert stats.kstest((x + 1) / 2, _law(3)).pvalue < ALPHA
