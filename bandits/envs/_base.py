"""Shared pieces of the bandit environments: validation, noise, the block protocol.

An environment is an immutable description of a linear bandit. The simulator
asks it, once per block of rounds and separately for each run, to draw that
run's randomness from the run's own generator (:meth:`Environment.draw`), then
turns the stacked draws into the block's arm features ``(Ra, Ba, K, d)`` and
mean rewards ``(Ra, Ba, K)`` (:meth:`Environment.block`). Block lengths depend
on the environment's shape only, never on the number of runs, which is what
makes run r of a batch equal to the same run simulated alone.
"""

from __future__ import annotations

import math

import numpy as np

from gpu.backend import as_generator, to_numpy
from gpu.deprecation import renamed_arguments
from gpu.validate import check_choice, check_finite, check_ndim, check_real

NOISES = ("gaussian", "bounded")
FIXED_BLOCK = 256


def per_round_features_block_length(n_arms: int, d: int) -> int:
    """Rounds per block when arm features are drawn every round: ~16k features per run."""
    return max(1, min(FIXED_BLOCK, 16384 // (n_arms * d)))


def as_host_matrix(x, name: str, ndim: int = 2) -> np.ndarray:
    """``x`` as a finite float64 host array with ``ndim`` dims and no empty axis."""
    x = to_numpy(x)
    if not np.issubdtype(np.asarray(x).dtype, np.number) or np.iscomplexobj(x):
        raise TypeError(f"{name} must be a real numeric array, got dtype {np.asarray(x).dtype}")
    x = np.ascontiguousarray(x, dtype=np.float64)
    check_ndim(x, name, ndim)
    if 0 in x.shape:
        raise ValueError(f"{name} must not have an empty axis, got shape {x.shape}")
    check_finite(x, name)
    return x


def as_theta(theta, d: int | None = None) -> np.ndarray:
    """Validate the unknown parameter; ``d`` (if given) is the arms' dimension."""
    theta = as_host_matrix(theta, "theta", 1)
    if d is not None and theta.shape[0] != d:
        raise ValueError(
            f"theta must have length d = {d} (the arms' dimension), got {theta.shape[0]}"
        )
    return theta


class Environment:
    """Base class: a linear bandit with parameter ``theta`` and additive noise.

    Attributes
    ----------
    theta : numpy.ndarray, shape (d,)
    noise_std : float
        Standard deviation of the reward noise.
    noise : {"gaussian", "bounded"}
        Gaussian noise, or uniform noise on ``[-c, c]`` with ``c = sqrt(3) noise_std``.
    """

    continuous = False
    fixed_arms = False
    n_arms: int | None = None

    def __init__(self, theta, noise_std: float, noise: str, d: int | None = None):
        self.theta = as_theta(theta, d)
        self.noise_std = check_real(noise_std, "noise_std", low=0.0)
        self.noise = check_choice(noise, "noise", NOISES)

    @property
    def d(self) -> int:
        """Dimension of the features."""
        return int(self.theta.shape[0])

    @property
    def subgaussian(self) -> float:
        """Sub-Gaussian constant of the noise (``noise_std``; ``c`` for bounded noise)."""
        return self.noise_std * (math.sqrt(3.0) if self.noise == "bounded" else 1.0)

    @property
    def theta_norm(self) -> float:
        """``||theta||_2``, the default bound S of confidence-set radii."""
        return float(np.sqrt(self.theta @ self.theta))

    @property
    def block_length(self) -> int:
        """Rounds drawn per block (independent of the number of runs)."""
        return FIXED_BLOCK

    @renamed_arguments(gen="rng")
    def draw(self, rng, length: int) -> dict:
        """Draw one run's randomness for ``length`` rounds from ``rng``.

        ``rng`` is None, an int or a :class:`numpy.random.Generator` (the
        simulator passes each run's generator, which it advances). The retired
        name ``gen`` still works, with a DeprecationWarning.
        """
        rng = as_generator(rng)
        if self.noise == "gaussian":
            noise = self.noise_std * rng.standard_normal(length)
        else:
            c = math.sqrt(3.0) * self.noise_std
            noise = rng.uniform(-c, c, length)
        return {"noise": noise}

    def block(self, draws: list[dict], t0: int, length: int):
        """Arm features (Ra, Ba, K, d) and means (Ra, Ba, K) of rounds ``t0 .. t0+length``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        arms = "" if self.n_arms is None else f"n_arms={self.n_arms}, "
        name = type(self).__name__
        return f"{name}({arms}d={self.d}, noise_std={self.noise_std}, noise={self.noise!r})"
