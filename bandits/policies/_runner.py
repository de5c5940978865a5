"""The protocol between policies and the simulator.

A policy is an immutable set of hyper-parameters. ``policy.start(env, n_runs)``
returns a :class:`Runner` holding the batched state of ``n_runs`` runs; the
simulator calls ``runner.step(...)`` once per block of rounds with that block's
arms, means and pre-drawn randomness, and gets back, per run and round, the
chosen arm (-1 on continuous action sets), the reward and the pseudo-regret.
"""

from __future__ import annotations

import math

import numpy as np

from gpu.validate import check_int, check_real


class Runner:
    """Batched state of one policy on one environment (see the module docstring).

    Attributes
    ----------
    n_normal, n_uniform : int
        Standard normals and uniforms the policy consumes per run and round.
    """

    n_normal = 0
    n_uniform = 0
    STATE: tuple = ()
    on_gpu = False

    def step(self, arms, means, noise, normals, uniforms, t0):
        """Advance all runs through one block; returns (arm, reward, regret), each (R, B)."""
        raise NotImplementedError

    def to_gpu(self):
        """Move the arrays named in ``STATE`` to the GPU (CuPy) and step with a numba.cuda twin.

        Runners without a twin (empty ``STATE``) stay on the CPU.
        """
        if not self.STATE:
            return
        import cupy

        for name in self.STATE:
            setattr(self, name, cupy.asarray(getattr(self, name)))
        self.on_gpu = True


def gpu_outputs(shape):
    """Empty (arm, reward, regret) CuPy arrays."""
    import cupy

    return [cupy.empty(shape, dtype=cupy.int64), cupy.empty(shape), cupy.empty(shape)]


def outputs(noise):
    """Empty (arm, reward, regret) arrays shaped like the block's noise."""
    return (
        np.empty(noise.shape, dtype=np.int64),
        np.empty(noise.shape),
        np.empty(noise.shape),
    )


def check_lam(lam) -> float:
    """Ridge regulariser, ``> 0``."""
    return check_real(lam, "lam", low=0.0, low_inclusive=False)


def check_delta(delta) -> float:
    """Confidence level, in ``(0, 1)``."""
    return check_real(delta, "delta", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)


def check_refactor(refactor_every) -> int:
    """Refactorisation period, ``>= 0`` (0 never refactors)."""
    return check_int(refactor_every, "refactor_every", minimum=0)


def check_optional_positive(value, name):
    """``None`` or a real ``> 0``."""
    return None if value is None else check_real(value, name, low=0.0, low_inclusive=False)


def require_finite_arms(policy, env):
    """Raise ``ValueError`` if ``env`` has a continuous action set."""
    if env.continuous:
        raise ValueError(f"{type(policy).__name__} needs a finite arm set, got {env!r}")


def log_det_identity(lam, d):
    """log det(lam I_d)."""
    return d * math.log(lam)
