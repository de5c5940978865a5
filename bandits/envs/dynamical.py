"""Dynamical linear bandits: a hidden linear state carries each action's effect forward.

M. Mussi, A. M. Metelli and M. Restelli. Dynamical Linear Bandits. ICML 2023
(the model, its steady-state gain and regret; arXiv:2211.08997).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from bandits.envs._base import NOISES, Environment, as_host_matrix
from gpu.backend import as_generator, namespace, to_numpy
from gpu.validate import check_choice, check_int, check_real

TOTALS = ("equal", "at_most")


def spectral_radius(A) -> float:
    """``max |eigenvalue|`` of a square matrix (not the largest real part)."""
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def _check_stable(A):
    rho = spectral_radius(A)
    if not rho < 1.0:
        eig = np.round(np.linalg.eigvals(A), 6).tolist()
        raise ValueError(
            f"A must be stable: its spectral radius max|eig(A)| must be < 1, got {rho:.6g} "
            f"(eigenvalues {eig})"
        )
    return rho


def budget_allocation_actions(d: int, budget: float, *, low=0.0, high=1.0, total="equal"):
    """Vertices of the budget-allocation polytope ``{u in [low, high]^d : sum u = budget}``.

    With ``total="at_most"`` the polytope is ``sum u <= budget``. Every policy
    in :mod:`bandits.policies.dynamical` maximises a convex function of the
    action (a linear estimate plus an ellipsoidal width), and the regret's
    comparator maximises a linear one, so on the polytope both are attained
    at a vertex: the vertex set stands for the whole polytope. A vertex has at
    least ``d - 1`` coordinates at a bound (``d`` for ``"at_most"`` vertices
    off the budget face).

    Parameters
    ----------
    d : int
        Number of campaigns, ``>= 1``.
    budget : float
        Total budget, ``>= 0``.
    low, high : float
        Per-campaign bounds, ``low < high``.
    total : {"equal", "at_most"}
        Whether the budget is spent exactly or is an upper limit.

    Returns
    -------
    numpy.ndarray, shape (K, d)
        The vertices in lexicographic order (as ``numpy.unique``), as in the
        authors' code (``marcomussi/DLB``, ``scripts/main.py``).

    Raises
    ------
    ValueError
        For ``d < 1``, ``low >= high``, or a ``budget`` no allocation meets.

    Examples
    --------
    >>> budget_allocation_actions(3, 1.5).tolist()[:2]
    [[0.0, 0.5, 1.0], [0.0, 1.0, 0.5]]
    >>> len(budget_allocation_actions(3, 1.5))
    6
    """
    d = check_int(d, "d", minimum=1)
    budget = check_real(budget, "budget", low=0.0)
    low = check_real(low, "low")
    high = check_real(high, "high")
    total = check_choice(total, "total", TOTALS)
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    tol = 1e-12 * max(1.0, abs(budget))
    points = []
    for i in range(d):
        for rest in itertools.product((low, high), repeat=d - 1):
            u = np.insert(np.asarray(rest, dtype=float), i, 0.0)
            u[i] = budget - float(np.sum(rest))
            if low - tol <= u[i] <= high + tol:
                u[i] = min(max(u[i], low), high)
                points.append(u)
    if total == "at_most":
        points += [np.asarray(c, float) for c in itertools.product((low, high), repeat=d)]
        points = [u for u in points if u.sum() <= budget + tol]
    if not points:
        raise ValueError(
            f"budget must be reachable: no allocation in [{low}, {high}]^{d} has total "
            f"{'=' if total == 'equal' else '<='} {budget}"
        )
    return np.unique(np.round(np.asarray(points), 12), axis=0)


class DynamicalLinearBandit(Environment):
    r"""Dynamical linear bandit (Mussi, Metelli and Restelli, ICML 2023).

    From :math:`x_1 = 0`, each round plays :math:`u_t` from a finite action
    set, pays :math:`y_t = \omega^\top x_t + \theta^\top u_t + \eta_t` and moves
    the hidden state to :math:`x_{t+1} = A x_t + B u_t + \epsilon_t`. With
    :math:`\rho(A) < 1` a constant action :math:`u` earns, in steady state,
    :math:`h^\top u` with the steady-state gain

    .. math:: h = \theta + B^\top (I - A)^{-\top} \omega ,

    and regret is measured, as in the paper, against the best constant action
    through that gain: round t costs :math:`\max_k h^\top a_k - h^\top u_t`
    (pseudo-regret; the realised rewards are not used).

    Parameters
    ----------
    A : array, shape (n, n)
        State transition, spectral radius ``max |eig(A)| < 1``.
    B : array, shape (n, d)
        Input matrix.
    omega : array, shape (n,)
        State-to-reward weights.
    theta : array, shape (d,)
        Instantaneous action-to-reward weights.
    arms : array, shape (K, d)
        The action set, for example :func:`budget_allocation_actions` (the
        vertices of the budget polytope stand for the whole polytope).
    noise_std : float
        Standard deviation of the reward noise :math:`\eta_t`, ``>= 0``.
    state_noise_std : float, optional
        Standard deviation of each coordinate of :math:`\epsilon_t`, ``>= 0``;
        default ``noise_std``.
    noise : {"gaussian", "bounded"}
        Gaussian noise, or uniform on :math:`[-\sqrt3 s, \sqrt3 s]` for std s.

    Attributes
    ----------
    spectral_radius : float
        :math:`\rho(A)`.
    steady_state_gain : numpy.ndarray, shape (d,)
        :math:`h`.
    means : numpy.ndarray, shape (K,)
        Steady-state rewards :math:`h^\top a_k`.
    best_arm : int
        Index of the best constant action; ``best_action`` is its vector.

    Raises
    ------
    ValueError
        If ``A`` is not square or has spectral radius >= 1 (checked with the
        largest absolute eigenvalue, so a rotation with small real parts is
        caught), if shapes disagree, arrays hold NaN or infinite values, or a
        noise level is negative.
    TypeError
        For complex or non-numeric arrays.

    References
    ----------
    M. Mussi, A. M. Metelli, M. Restelli. Dynamical Linear Bandits. ICML 2023,
    arXiv:2211.08997: the model, the steady-state gain and the regret.

    Examples
    --------
    >>> import numpy as np
    >>> env = DynamicalLinearBandit(
    ...     [[0.5]], [[1.0, 0.0]], [1.0], [0.0, 0.5], np.eye(2), noise_std=0.1)
    >>> env.steady_state_gain.tolist(), env.best_arm
    ([2.0, 0.5], 0)
    """

    fixed_arms = True
    dynamical = True

    def __init__(
        self, A, B, omega, theta, arms, noise_std: float = 0.01, *,
        state_noise_std: float | None = None, noise: str = "gaussian",
    ):  # fmt: skip
        arms = as_host_matrix(arms, "arms", 2)
        super().__init__(theta, noise_std, noise, d=arms.shape[1])
        A = as_host_matrix(A, "A", 2)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square (n, n), got shape {A.shape}")
        n = A.shape[0]
        B = as_host_matrix(B, "B", 2)
        if B.shape != (n, self.d):
            raise ValueError(f"B must have shape (n, d) = ({n}, {self.d}), got {B.shape}")
        omega = as_host_matrix(omega, "omega", 1)
        if omega.shape != (n,):
            raise ValueError(f"omega must have length n = {n} (A's size), got {omega.shape[0]}")
        state_noise_std = noise_std if state_noise_std is None else state_noise_std
        self.state_noise_std = check_real(state_noise_std, "state_noise_std", low=0.0)
        self.spectral_radius = _check_stable(A)
        self.A, self.B, self.omega = A, B, omega
        self.arms = arms
        self.n_arms = int(arms.shape[0])
        self.steady_state_gain = theta_ss = self.theta + B.T @ np.linalg.solve(
            (np.eye(n) - A).T, omega
        )
        self.means = arms @ theta_ss
        self.best_arm = int(np.argmax(self.means))
        self.best_action = arms[self.best_arm].copy()
        self._noise_scale = np.full(1 + n, self.state_noise_std)
        self._noise_scale[0] = self.noise_std

    @property
    def block_length(self) -> int:
        """Rounds drawn per block: 1024 (the per-run draws are small, so longer blocks
        amortise the per-block overhead)."""
        return 1024

    @property
    def n_state(self) -> int:
        """Dimension n of the hidden state."""
        return int(self.A.shape[0])

    def draw(self, rng, length: int) -> dict:
        """One run's noise for ``length`` rounds, shape (length, 1 + n).

        Column 0 is the reward noise, columns 1..n the state noise. ``rng`` is None,
        an int or a :class:`numpy.random.Generator`.
        """
        rng = as_generator(rng)
        shape = (length, self._noise_scale.shape[0])
        if self.noise == "gaussian":
            z = rng.standard_normal(shape)
        else:
            z = rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), shape)
        return {"noise": z * self._noise_scale}

    def expected_regret(self, chosen):
        """Steady-state pseudo-regret ``max_k h^T a_k - h^T a_chosen`` of arm indices ``chosen``."""
        xp = namespace(chosen)
        gaps = self.means.max() - self.means
        return xp.asarray(gaps[to_numpy(chosen)])

    def block(self, draws, t0, length):
        return self.arms[None, None], self.means[None, None]

    def __repr__(self) -> str:
        return (
            f"DynamicalLinearBandit(n_arms={self.n_arms}, d={self.d}, n={self.n_state}, "
            f"rho={self.spectral_radius:.3g}, noise_std={self.noise_std}, "
            f"state_noise_std={self.state_noise_std}, noise={self.noise!r})"
        )


def _summed_outputs(A, B, C, D, noise_std, noise):
    """The authors' m-output system summed to one reward: omega = C^T 1, theta = D^T 1.

    Each of the m outputs carries N(0, noise_std^2) noise, so the summed reward's std is
    sqrt(m) noise_std; each state coordinate carries N(0, noise_std^2).
    """
    C, D = np.asarray(C, float), np.asarray(D, float)
    check_choice(noise, "noise", NOISES)
    noise_std = check_real(noise_std, "noise_std", low=0.0)
    arms = budget_allocation_actions(D.shape[1], 1.5, low=0.0, high=1.0)
    return DynamicalLinearBandit(
        A, B, C.sum(axis=0), D.sum(axis=0), arms, math.sqrt(C.shape[0]) * noise_std,
        state_noise_std=noise_std, noise=noise,
    )  # fmt: skip


def dlb_synthetic_bandit(noise_std: float = 0.01, *, noise: str = "gaussian"):
    """The authors' synthetic configuration (``marcomussi/DLB``, ``config/testcase_synt_*.json``).

    n = d = m = 3, ``A = diag(0.2, 0, 0.1)`` (rho = 0.2), ``B = diag(0.45, 0, 0.1)``,
    ``C = diag(1, 0, 0.1)``, ``D = diag(0, 0.5, 0.1)``, the m outputs summed into the
    reward; the 6 actions are the budget splits of 1.5 over three campaigns in
    [0, 1] (permutations of (1, 0.5, 0)). ``noise_std`` is the configs'
    ``noise_sigma`` (0.001, 0.01 or 0.1): the std of every state and output noise
    coordinate, so the summed reward's noise has std ``sqrt(3) noise_std``.

    Examples
    --------
    >>> env = dlb_synthetic_bandit(0.01)
    >>> env.best_action.tolist(), round(env.spectral_radius, 3)
    ([1.0, 0.5, 0.0], 0.2)
    """
    A = np.diag([0.2, 0.0, 0.1])
    B = np.diag([0.45, 0.0, 0.1])
    C = np.diag([1.0, 0.0, 0.1])
    D = np.diag([0.0, 0.5, 0.1])
    return _summed_outputs(A, B, C, D, noise_std, noise)


def slow_dynamics_bandit(noise_std: float = 0.01, *, rho: float = 0.9, noise: str = "gaussian"):
    """A slow system where the instantaneous and the steady-state best actions differ.

    ``A = diag(rho, 0, 0)``, ``B = diag(1 - rho, 0, 0)``, ``C = diag(1, 0, 0)``,
    ``D = diag(0, 0.5, 0.2)``: campaign 1 pays only through the state (steady-state
    gain 1, whatever rho), campaigns 2 and 3 pay at once. So h = (1, 0.5, 0.2)
    and the best constant split is (1, 0.5, 0), while the instantaneous reward
    theta = (0, 0.5, 0.2) prefers (0, 1, 0.5), whose steady-state gap is 0.65.
    A learner that ignores the dynamics and settles on (0, 1, 0.5) sees every
    other action through theta alone, so it stays there: linear regret.
    Noise conventions as in :func:`dlb_synthetic_bandit`.

    Examples
    --------
    >>> env = slow_dynamics_bandit(rho=0.9)
    >>> env.steady_state_gain.round(6).tolist(), env.best_action.tolist()
    ([1.0, 0.5, 0.2], [1.0, 0.5, 0.0])
    """
    rho = check_real(rho, "rho", low=0.0, high=1.0, high_inclusive=False)
    A = np.diag([rho, 0.0, 0.0])
    B = np.diag([1.0 - rho, 0.0, 0.0])
    C = np.diag([1.0, 0.0, 0.0])
    D = np.diag([0.0, 0.5, 0.2])
    return _summed_outputs(A, B, C, D, noise_std, noise)
