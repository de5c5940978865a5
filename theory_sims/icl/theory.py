r"""Closed forms for optimal linear-attention models.

Derivations (loss convention of the package: :math:`E(\hat y - w^T x_q)^2`,
noise-free query, :math:`w \sim N(0, I)`, :math:`y = Xw + \sigma\epsilon`):

**Single layer, Gaussian inputs.** A one-layer LSA predicts
:math:`\hat y = x_q^T \Gamma h + (\text{terms even in } w)` with
:math:`h = \frac1n X^T y`; the even terms are uncorrelated with the target
and only add variance, so the optimum is a preconditioned GD step from zero.
With :math:`x \sim N(0,\Sigma)`, :math:`E[h w^T] = \Sigma` and, from the
Wishart moment :math:`E[(X^TX)^2] = n(n+1)\Sigma^2 + n\,\mathrm{tr}(\Sigma)\Sigma`,

.. math:: E[h h^T] = \tfrac{n+1}{n}\Sigma^2 + \tfrac{\mathrm{tr}\Sigma + \sigma^2}{n}\Sigma.

Minimising the loss
:math:`\mathrm{tr}(\Sigma\Gamma E[hh^T]\Gamma^T) - 2\mathrm{tr}(\Sigma\Gamma\Sigma)
+ \mathrm{tr}\Sigma`
gives

.. math:: \Gamma^* = n\big((n+1)\Sigma + (\mathrm{tr}\Sigma + \sigma^2) I\big)^{-1},
          \qquad \mathcal L^* = \mathrm{tr}\Sigma - \mathrm{tr}(\Gamma^*\Sigma^2),

which for :math:`\Sigma = I` is :math:`\Gamma^* = \frac{n}{n+d+1+\sigma^2} I` and
:math:`\mathcal L^* = d\,\frac{d+1+\sigma^2}{n+d+1+\sigma^2}`.

**One GD step, i.i.d. non-Gaussian coordinates** with :math:`E x^2 = m_2`,
:math:`E x^4 = m_4`: :math:`E\|h\|^2 = \frac dn\big(m_4 + (n+d-2)m_2^2 + \sigma^2 m_2\big)`
and :math:`E h^T w = m_2 d`, so

.. math:: \eta^* = \frac{n m_2}{m_4 + (n+d-2) m_2^2 + \sigma^2 m_2},
          \qquad \mathcal L^* = m_2 d (1 - \eta^* m_2).

**L steps on whitened data.** With :math:`S = \frac1n X^TX` and
:math:`q(\lambda) = 1 - \prod_l (1 - \eta_l\lambda)`, the loss of L GD steps is
:math:`E \sum_j \big[(1 - q(\lambda_j))^2 + \frac{\sigma^2}{n} q(\lambda_j)^2/\lambda_j\big]`
over the eigenvalues of :math:`S`: a polynomial in the :math:`\eta_l` whose
coefficients are spectral moments :math:`E\,\mathrm{tr} S^k`, polynomials in
``n`` and ``d`` computed exactly by :mod:`theory_sims.icl.wishart`. The optimal
residual polynomial is the solution of a Hankel system in those moments
(:func:`optimal_gd_steps` derives it).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.polynomial import polynomial as P
from scipy import optimize

from gpu.deprecation import renamed_arguments, retired_field
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_ndim, check_real
from theory_sims.icl.tasks import _check_covariance
from theory_sims.icl.wishart import MAX_DEGREE, wishart_trace_moments

__all__ = [
    "OptimalSingleLayer",
    "optimal_single_layer",
    "OptimalGDStep",
    "optimal_gd_step",
    "OptimalGDSteps",
    "optimal_gd_steps",
    "gd_steps_loss",
]


@dataclasses.dataclass(frozen=True)
class OptimalSingleLayer(Record):
    """Optimal one-layer LSA for Gaussian inputs.

    Attributes
    ----------
    preconditioner : numpy.ndarray, shape (d, d)
        :math:`\\Gamma^*`: the layer predicts :math:`x_q^T \\Gamma^* \\frac1n X^T y`
        (``gd(X, y, x_query, 1, 1.0, preconditioner)``).
    loss : float
        Its expected in-context loss (no factor 1/2).
    """

    preconditioner: Any
    loss: float


@renamed_arguments(sigma="noise_std")
def optimal_single_layer(n: int, d: int, noise_std: float = 0.0, Sigma=None) -> OptimalSingleLayer:
    """Optimal single-layer LSA for ``x ~ N(0, Sigma)``, ``w ~ N(0, I)``, noise ``noise_std``.

    Parameters
    ----------
    n : int
        Context length, ``>= 1``.
    d : int
        Input dimension, ``>= 1``.
    noise_std : float
        Label-noise standard deviation, ``>= 0`` (retired name: ``sigma``).
    Sigma : array of shape (d, d), optional
        Input covariance (identity by default).

    Returns
    -------
    OptimalSingleLayer

    Raises
    ------
    ValueError
        For ``n < 1``, ``d < 1``, ``noise_std < 0`` or a ``Sigma`` that is not
        symmetric positive definite of shape ``(d, d)``.

    References
    ----------
    Ahn et al. (NeurIPS 2023), Thm. 1 (noise-free case); von Oswald et al.
    (ICML 2023); derivation in this module's docstring.

    Examples
    --------
    >>> r = optimal_single_layer(20, 10)
    >>> round(float(r.preconditioner[0, 0]), 6), round(r.loss, 6)
    (0.645161, 3.548387)
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    sigma = check_real(noise_std, "noise_std", low=0)
    S = np.eye(d) if Sigma is None else _check_covariance(Sigma, d)
    gamma = n * np.linalg.inv((n + 1) * S + (np.trace(S) + sigma**2) * np.eye(d))
    gamma = 0.5 * (gamma + gamma.T)
    loss = float(np.trace(S) - np.trace(gamma @ S @ S))
    return OptimalSingleLayer(gamma, loss)


@renamed_arguments(step_size="lr")
@dataclasses.dataclass(frozen=True)
class OptimalGDStep(Record):
    """Optimal single GD step for i.i.d. input coordinates.

    Attributes
    ----------
    lr : float
        The step size :math:`\\eta^*` in ``gd(X, y, x_query, 1, lr)`` (formerly
        ``step_size``, still readable for one release with a ``DeprecationWarning``).
    loss : float
        Expected in-context loss at :math:`\\eta^*`.
    """

    lr: float
    loss: float

    step_size = retired_field("step_size", "lr")


@renamed_arguments(sigma="noise_std")
def optimal_gd_step(n: int, d: int, m2: float, m4: float, noise_std: float = 0.0) -> OptimalGDStep:
    """Optimal one-step GD size when the coordinates of ``x`` are i.i.d. with moments m2, m4.

    Parameters
    ----------
    n, d : int
        Context length and dimension, ``>= 1``.
    m2, m4 : float
        Second and fourth moments of one coordinate (``m4 >= m2^2 > 0``).
    noise_std : float
        Label-noise standard deviation (retired name: ``sigma``).

    Returns
    -------
    OptimalGDStep

    Raises
    ------
    ValueError
        For bad sizes, ``m2 <= 0``, ``m4 < m2^2`` or ``noise_std < 0``.

    References
    ----------
    Module docstring; the Gaussian case (m4 = 3 m2^2) agrees with
    :func:`optimal_single_layer`.

    Examples
    --------
    >>> r = optimal_gd_step(20, 10, 1.0, 9 / 5)  # uniform coordinates
    >>> round(r.lr, 6)
    0.671141
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    m2 = check_real(m2, "m2", low=0, low_inclusive=False)
    m4 = check_real(m4, "m4", low=m2 * m2 * (1 - 1e-12))
    sigma = check_real(noise_std, "noise_std", low=0)
    eta = n * m2 / (m4 + (n + d - 2) * m2 * m2 + sigma**2 * m2)
    return OptimalGDStep(float(eta), float(m2 * d * (1 - eta * m2)))


@dataclasses.dataclass(frozen=True)
class OptimalGDSteps(Record):
    """Optimal step sizes of L GD steps (an L-layer GD construction) on whitened data.

    Attributes
    ----------
    step_sizes : numpy.ndarray, shape (L,)
        The minimising real step sizes, sorted (GD steps commute, so their
        order does not change the prediction).
    loss : float
        Expected in-context loss at ``step_sizes`` (exact moments).
    losses_by_depth : numpy.ndarray, shape (L,)
        Optimal loss with 1, ..., L steps (each optimised separately).
    polynomial_loss : float
        Minimum over all residual polynomials of degree ``L`` with
        :math:`K(0) = 1`, a lower bound on ``loss``.
    attained : bool
        Whether the optimal residual polynomial has real zeros, so that
        ``step_sizes`` (their reciprocals) attain ``polynomial_loss``. Otherwise
        ``step_sizes`` minimise the loss over real step sizes numerically.
    """

    step_sizes: Any
    loss: float
    losses_by_depth: Any
    polynomial_loss: float
    attained: bool


def _spectral_moments(n: int, d: int, kmax: int) -> list[Fraction]:
    """Exact ``E tr(S^k)``, ``S = X^T X / n``, for ``k = 0..kmax``."""
    return [Fraction(m, n**k) for k, m in enumerate(wishart_trace_moments(n, d, kmax))]


def _gd_polynomials(step_sizes: np.ndarray):
    """Residual ``K = prod(1 - eta lam)``, ``p = (1 - K) / lam`` and ``K`` without each factor."""

    def product(etas):
        out = np.ones(1)
        for eta in etas:
            out = P.polymul(out, [1.0, -eta])
        return out

    K = product(step_sizes)
    p = -K[1:] if K.size > 1 else np.zeros(1)
    return K, p, [product(np.delete(step_sizes, ell)) for ell in range(step_sizes.size)]


def _expect(poly: np.ndarray, moments: np.ndarray, shift: int = 0) -> float:
    """E tr(poly(S) S^shift) from the moment vector."""
    return float(np.dot(poly, moments[shift : shift + poly.size]))


@renamed_arguments(sigma="noise_std")
def gd_steps_loss(step_sizes, n: int, d: int, noise_std: float = 0.0) -> float:
    r"""Exact expected loss of GD from zero with ``step_sizes``, ``x ~ N(0, I)``, ``w ~ N(0, I)``.

    Parameters
    ----------
    step_sizes : sequence of float
        One step size per GD step (layer), at most ``MAX_DEGREE // 2`` (20)
        of them (:data:`theory_sims.icl.wishart.MAX_DEGREE`).
    n, d : int
        Context length and dimension.
    noise_std : float
        Label-noise standard deviation (retired name: ``sigma``).

    Returns
    -------
    float
        :math:`E\,\mathrm{tr}\,K(S)^2 + \frac{\sigma^2}{n} E\,\mathrm{tr}\,p(S)^2 S`
        (module docstring), from the exact Wishart moments.

    Raises
    ------
    ValueError
        For bad sizes, ``noise_std < 0``, non-finite step sizes or more
        than 20 of them.

    Examples
    --------
    >>> r = optimal_single_layer(20, 5, 0.5)
    >>> bool(np.isclose(gd_steps_loss([r.preconditioner[0, 0]], 20, 5, 0.5), r.loss))
    True
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    sigma = check_real(noise_std, "noise_std", low=0)
    etas = np.asarray(step_sizes, dtype=float)
    etas = check_finite(check_ndim(etas, "step_sizes", 1), "step_sizes")
    check_int(etas.size, "len(step_sizes)", maximum=MAX_DEGREE // 2)
    moments = np.array([float(m) for m in _spectral_moments(n, d, 2 * etas.size)])
    return _loss_and_grad(etas, moments, sigma**2 / n)[0]


def _loss_and_grad(etas: np.ndarray, moments: np.ndarray, s: float):
    K, p, others = _gd_polynomials(etas)
    loss = _expect(P.polymul(K, K), moments) + s * _expect(P.polymul(p, p), moments, 1)
    grad = np.array(
        [
            -2 * _expect(P.polymul(K, o), moments, 1) + 2 * s * _expect(P.polymul(p, o), moments, 1)
            for o in others
        ]
    )
    return loss, grad


def _solve_exact(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gauss-Jordan elimination in rational arithmetic (A is positive definite)."""
    size = len(b)
    rows = [list(row) + [rhs] for row, rhs in zip(A, b, strict=True)]
    for c in range(size):
        pivot = rows[c][c]
        rows[c] = [x / pivot for x in rows[c]]
        for r in range(size):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [x - f * y for x, y in zip(rows[r], rows[c], strict=True)]
    return [row[size] for row in rows]


def _optimal_residual(moments: list[Fraction], s: Fraction, L: int):
    """Coefficients ``a`` of ``K = 1 + sum_j a_j lam^j`` minimising the loss, and that loss."""
    orders = range(1, L + 1)
    A = [[moments[i + j] + s * moments[i + j - 1] for j in orders] for i in orders]
    a = _solve_exact(A, [-moments[j] for j in orders])
    return a, moments[0] + sum(aj * moments[j + 1] for j, aj in enumerate(a))


@renamed_arguments(sigma="noise_std")
def optimal_gd_steps(n: int, d: int, steps: int, noise_std: float = 0.0) -> OptimalGDSteps:
    r"""Optimal step sizes of ``steps`` GD steps for ``x ~ N(0, I)``, ``w ~ N(0, I)``.

    **Derivation.** Write the residual polynomial of L steps as
    :math:`K(\lambda) = \prod_l (1 - \eta_l\lambda) = 1 + \sum_{j=1}^L a_j\lambda^j`.
    The loss of the module docstring is

    .. math:: \mathcal L(a) = m_0 + 2\sum_j a_j m_j + \sum_{i,j} a_i a_j
              \big(m_{i+j} + s\, m_{i+j-1}\big), \qquad s = \sigma^2/n,

    with the exact moments :math:`m_k = E\,\mathrm{tr}(S^k)`
    (:mod:`theory_sims.icl.wishart`). It is a convex quadratic in :math:`a`,
    minimised by the Hankel system :math:`(H + sH')a = -m`, solved here in
    rational arithmetic; the minimum is :math:`m_0 + a^T m`. Stationarity reads
    :math:`\int [(\lambda + s)K(\lambda) - s]\lambda^{j-1}\,d\mu = 0`
    (:math:`\mu` the expected spectral measure), whence

    .. math:: K^*(\lambda) = \frac{s + \lambda P_L(\lambda)/P_L(-s)}{\lambda + s},

    :math:`P_L` the degree-L orthogonal polynomial of :math:`\lambda\,\mu(d\lambda)`.
    Without noise :math:`K^* = P_L/P_L(0)`: its zeros are real and inside the
    support, and the optimal step sizes are their reciprocals. With noise the
    zeros of :math:`K^*` can be complex (they are for :math:`\sigma` of order
    one at ``n = 20``, ``d = 10``, ``L >= 2``); real GD steps cannot attain that
    polynomial, and the step sizes are then found by BFGS on the exact loss
    (an exact polynomial in the :math:`\eta_l`) from several starts.

    Parameters
    ----------
    n, d : int
        Context length and dimension.
    steps : int
        Number of GD steps (layers), ``1 <= L <= MAX_DEGREE // 2 = 20`` (the
        exact moments of order up to ``2 L`` are needed; see
        :data:`theory_sims.icl.wishart.MAX_DEGREE`).
    noise_std : float
        Noise standard deviation (retired name: ``sigma``).

    Returns
    -------
    OptimalGDSteps

    Raises
    ------
    ValueError
        For bad sizes, ``steps > 20`` or ``noise_std < 0``.

    References
    ----------
    von Oswald et al. (ICML 2023), Sec. 3 (L layers as L GD steps);
    Vladymyrov et al. (NeurIPS 2024), Sec. 4.

    Examples
    --------
    >>> r = optimal_gd_steps(20, 5, 2)
    >>> np.round(r.step_sizes, 4), r.attained
    (array([0.5154, 1.2496]), True)
    >>> bool(np.isclose(optimal_gd_steps(20, 5, 1).loss, optimal_single_layer(20, 5).loss))
    True
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    steps = check_int(steps, "steps", minimum=1, maximum=MAX_DEGREE // 2)
    sigma = check_real(noise_std, "noise_std", low=0)
    exact = _spectral_moments(n, d, 2 * steps)
    moments = np.array([float(m) for m in exact])
    s = Fraction(sigma) ** 2 / n
    objective = lambda e: _loss_and_grad(e, moments, float(s))
    by_depth, etas = [], np.zeros(0)
    for L in range(1, steps + 1):
        a, poly_loss = _optimal_residual(exact, s, L)
        inverse_zeros = 1.0 / P.polyroots([1.0] + [float(x) for x in a])
        attained = bool(np.all(np.abs(inverse_zeros.imag) <= 1e-9 * np.abs(inverse_zeros)))
        if attained:
            etas = np.sort(inverse_zeros.real)
        else:
            starts = [np.sort(inverse_zeros.real), np.append(etas, 0.5 * np.min(etas, initial=1))]
            fits = [optimize.minimize(objective, x0, jac=True, method="BFGS") for x0 in starts]
            etas = np.sort(min(fits, key=lambda res: res.fun).x)
        by_depth.append(objective(etas)[0])
    return OptimalGDSteps(etas, float(by_depth[-1]), np.array(by_depth), float(poly_loss), attained)
