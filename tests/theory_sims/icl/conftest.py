"""Shared helpers for the theory_sims.icl tests."""

import numpy as np
import pytest

from theory_sims.icl.tasks import TaskConfig, sample_tasks


@pytest.fixture
def small_batch():
    """A small noisy batch: B=5 sequences, n=7, d=3."""
    return sample_tasks(TaskConfig(n=7, d=3, noise_std=0.3), 5, rng=123)


def central_difference_grad(fun, theta, h=1e-6):
    """Central finite-difference gradient of a scalar function (error O(h^2))."""
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return g


@pytest.fixture
def fd_grad():
    return central_difference_grad
