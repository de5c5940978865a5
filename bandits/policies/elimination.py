"""Phased elimination with G-optimal designs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandits._kernels.elimination import elimination_params
from bandits.policies._runner import Runner, check_delta, check_optional_positive, outputs
from gpu.deprecation import renamed_arguments
from gpu.validate import check_int, check_real


class _PhasedRunner(Runner):
    """Per-run phase counter and the phase's least-squares statistics (and scratch)."""

    def __init__(self, params, env, n_runs):
        d = env.d
        self.params = params
        self.env = env
        self.phase = np.zeros(n_runs, dtype=np.int64)
        self.V = np.zeros((n_runs, d, d))
        self.b = np.zeros((n_runs, d))
        self.L = np.zeros((n_runs, d, d))
        self.Linv = np.zeros((n_runs, d, d))
        self.Vinv = np.zeros((n_runs, d, d))
        self.theta_hat = np.zeros((n_runs, d))


class _BallEliminationRunner(_PhasedRunner):
    def __init__(self, params, env, n_runs):
        super().__init__(params, env, n_runs)
        d = env.d
        self.points = np.zeros((n_runs, 2 * d - 1, d))
        self.n_points = np.zeros(n_runs, dtype=np.int64)
        self.remaining = np.zeros((n_runs, 2 * d - 1), dtype=np.int64)

    def step(self, arms, means, noise, normals, uniforms, t0):
        from bandits._kernels.elimination import _ball_elimination_block

        arm, reward, regret = outputs(noise)
        arm[:] = -1
        # fmt: off
        _ball_elimination_block(
            self.params, self.env.theta, noise, self.points, self.n_points, self.remaining,
            self.phase, self.V, self.b, self.L, self.Linv, self.Vinv, self.theta_hat,
            reward, regret,
        )
        # fmt: on
        return arm, reward, regret


class _EliminationRunner(_PhasedRunner):
    def __init__(self, params, env, n_runs):
        super().__init__(params, env, n_runs)
        self.active = np.ones((n_runs, env.n_arms), dtype=np.bool_)
        self.remaining = np.zeros((n_runs, env.n_arms), dtype=np.int64)

    def step(self, arms, means, noise, normals, uniforms, t0):
        from bandits._kernels.elimination import _elimination_block

        arm, reward, regret = outputs(noise)
        # fmt: off
        _elimination_block(
            self.params, self.env.arms, self.env.means, noise, self.active, self.remaining,
            self.phase, self.V, self.b, self.L, self.Linv, self.Vinv, self.theta_hat,
            arm, reward, regret,
        )
        # fmt: on
        return arm, reward, regret


@renamed_arguments(sigma="noise_std", max_iter="max_steps")
@dataclass(frozen=True)
class PhasedElimination:
    r"""Phased elimination with G-optimal exploration (Lattimore and Szepesvari, Alg. 12).

    Phase :math:`\ell = 1, 2, \dots` sets :math:`\varepsilon_\ell = 2^{-\ell}`,
    computes a G-optimal design :math:`\pi_\ell` on the active arms with
    :func:`bandits.g_optimal_design` (Frank--Wolfe), pulls each arm ``a``
    :math:`\lceil 2 g \sigma^2 \pi_\ell(a) \varepsilon_\ell^{-2} \log(K\ell(\ell+1)/\delta)\rceil`
    times (g the design's achieved max variance, at most ``rank * (1 + tol)``;
    :math:`\sigma` = ``noise_std``),
    fits least squares on the phase's data and eliminates every arm whose
    estimated gap exceeds :math:`2\varepsilon_\ell`. Needs a fixed finite arm set,
    or the unit ball/sphere: there the active set after each phase is a spherical
    cap, explored with the G-optimal design on its centre and boundary ring (exact
    for the cap by rotational symmetry), and :math:`\log K` becomes the log of an
    :math:`\varepsilon_\ell`-net's size, :math:`d\log(3/\varepsilon_\ell)`.

    Parameters
    ----------
    delta : float
        Confidence level in (0, 1).
    noise_std : float, optional
        Sub-Gaussian constant; default the environment's. (Retired name:
        ``sigma``, still accepted with a DeprecationWarning.)
    tol : float
        Design tolerance: max variance <= rank (1 + tol).
    max_steps : int
        Frank--Wolfe iteration cap per design. (Retired name: ``max_iter``.)

    Raises
    ------
    ValueError
        For out-of-range parameters, or (at simulation) a contextual or
        continuous environment.

    References
    ----------
    T. Lattimore and C. Szepesvari, *Bandit Algorithms*, CUP 2020, Sec. 22.1,
    Alg. 12 and Thm. 22.1.

    Examples
    --------
    >>> PhasedElimination(delta=0.1).tol
    0.01
    """

    delta: float = 0.05
    noise_std: float | None = None
    tol: float = 0.01
    max_steps: int = 100_000

    def __post_init__(self):
        object.__setattr__(self, "delta", check_delta(self.delta))
        noise_std = check_optional_positive(self.noise_std, "noise_std")
        object.__setattr__(self, "noise_std", noise_std)
        object.__setattr__(self, "tol", check_real(self.tol, "tol", low=0.0, low_inclusive=False))
        object.__setattr__(self, "max_steps", check_int(self.max_steps, "max_steps", minimum=1))

    def start(self, env, n_runs):
        """Batched state for ``n_runs`` runs on ``env`` (fixed arms, unit ball or sphere)."""
        noise_std = env.subgaussian if self.noise_std is None else self.noise_std
        params = elimination_params(self.delta, max(noise_std, 1e-12), self.tol, self.max_steps)
        if env.continuous:
            return _BallEliminationRunner(params, env, n_runs)
        if not env.fixed_arms:
            raise ValueError(f"PhasedElimination needs a fixed arm set, got {env!r}")
        return _EliminationRunner(params, env, n_runs)
