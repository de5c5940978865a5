"""The blocked NumPy pipeline of sliced_wasserstein: agreement with POT, core-count invariance."""

import numpy as np
import ot
import pytest

import transport
from transport.sliced import _use_blocked_pipeline


@pytest.mark.parametrize("weighted", ["none", "both", "first"])
@pytest.mark.parametrize("m", [2000, 1500])
def test_threaded_pipeline_matches_pot(weighted, m):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2000, 4))
    Y = rng.standard_normal((m, 4)) * 1.3 + 0.5
    a = rng.random(2000) if weighted in ("both", "first") else None
    b = rng.random(m) if weighted == "both" else None
    a = None if a is None else a / a.sum()
    b = None if b is None else b / b.sum()
    theta = transport.random_directions(4, 400, "mc", rng)
    # large enough for the blocked pipeline
    assert (X.shape[0] + m) * 400 >= transport.sliced.THREADED_SORT_MIN_SIZE
    ours = transport.sliced_wasserstein(X, Y, a, b, projections=theta)
    ref = ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta)
    assert ours == pytest.approx(ref, rel=1e-10)


def test_blocked_path_is_taken_for_large_float64_inputs():
    X, theta = np.zeros((2000, 3)), np.ones((3, 400))
    assert _use_blocked_pipeline(X, X, None, None, theta, 400)
    assert not _use_blocked_pipeline(X.astype(np.float32), X, None, None, theta, 400)
    assert not _use_blocked_pipeline(X[:10], X[:10], None, None, theta, 400)


def test_value_does_not_depend_on_the_number_of_cores(monkeypatch):
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((2, 3000, 5))
    a = rng.random(3000)
    a /= a.sum()
    theta = transport.random_directions(5, 300, "mc", rng)
    values = []
    for cores in (1, 2, 3):
        monkeypatch.setattr(transport.sliced, "n_cores", lambda c=cores: c)
        values.append(transport.sliced_wasserstein(X, Y, a, None, projections=theta))
    assert values[0] == values[1] == values[2]
