"""Shared instances for the bandit tests."""

import pytest

from bandits.envs import (
    ContextualLinearBandit,
    LinearBandit,
    UnitBallBandit,
    UnitSphereBandit,
    random_arms,
    sparse_theta,
)


@pytest.fixture
def finite_env():
    """K = 12 arms on the sphere in d = 4, unit theta, Gaussian noise."""
    return LinearBandit(random_arms(12, 4, rng=1), random_arms(1, 4, rng=2)[0], noise_std=0.5)


def make_env(kind):
    theta = random_arms(1, 4, rng=2)[0]
    if kind == "finite":
        return LinearBandit(random_arms(12, 4, rng=1), theta, noise_std=0.5)
    if kind == "bounded":
        return LinearBandit(random_arms(12, 4, rng=1), theta, noise_std=0.5, noise="bounded")
    if kind == "sparse":
        return LinearBandit(random_arms(12, 6, rng=1), sparse_theta(6, 2, rng=3), noise_std=0.5)
    if kind == "contextual":
        return ContextualLinearBandit(theta, 7, noise_std=0.5, features="sphere")
    if kind == "ball":
        return UnitBallBandit(theta, noise_std=0.5)
    if kind == "sphere":
        return UnitSphereBandit(theta, noise_std=0.5)
    raise ValueError(kind)


@pytest.fixture
def env_factory():
    return make_env
