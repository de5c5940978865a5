"""Shared fixtures for the transport tests."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def random_simplex(rng, n):
    w = rng.random(n) + 0.05
    return w / w.sum()


@pytest.fixture
def simplex():
    """Random positive weight vectors summing to one."""
    return random_simplex
