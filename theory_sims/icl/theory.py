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
coefficients are spectral moments :math:`E\,\mathrm{tr} S^k`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from scipy import optimize

from gpu.backend import as_generator
from gpu.records import Record
from gpu.validate import check_int, check_real
from theory_sims.icl.tasks import _check_covariance

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


def optimal_single_layer(n: int, d: int, sigma: float = 0.0, Sigma=None) -> OptimalSingleLayer:
    """Optimal single-layer LSA for ``x ~ N(0, Sigma)``, ``w ~ N(0, I)``, noise ``sigma``.

    Parameters
    ----------
    n : int
        Context length, ``>= 1``.
    d : int
        Input dimension, ``>= 1``.
    sigma : float
        Label-noise standard deviation, ``>= 0``.
    Sigma : array of shape (d, d), optional
        Input covariance (identity by default).

    Returns
    -------
    OptimalSingleLayer

    Raises
    ------
    ValueError
        For ``n < 1``, ``d < 1``, ``sigma < 0`` or a ``Sigma`` that is not
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
    sigma = check_real(sigma, "sigma", low=0)
    S = np.eye(d) if Sigma is None else _check_covariance(Sigma, d)
    gamma = n * np.linalg.inv((n + 1) * S + (np.trace(S) + sigma**2) * np.eye(d))
    gamma = 0.5 * (gamma + gamma.T)
    loss = float(np.trace(S) - np.trace(gamma @ S @ S))
    return OptimalSingleLayer(gamma, loss)


@dataclasses.dataclass(frozen=True)
class OptimalGDStep(Record):
    """Optimal single GD step for i.i.d. input coordinates.

    Attributes
    ----------
    step_size : float
        :math:`\\eta^*` in ``gd(X, y, x_query, 1, step_size)``.
    loss : float
        Expected in-context loss at :math:`\\eta^*`.
    """

    step_size: float
    loss: float


def optimal_gd_step(n: int, d: int, m2: float, m4: float, sigma: float = 0.0) -> OptimalGDStep:
    """Optimal one-step GD size when the coordinates of ``x`` are i.i.d. with moments m2, m4.

    Parameters
    ----------
    n, d : int
        Context length and dimension, ``>= 1``.
    m2, m4 : float
        Second and fourth moments of one coordinate (``m4 >= m2^2 > 0``).
    sigma : float
        Label-noise standard deviation.

    Returns
    -------
    OptimalGDStep

    Raises
    ------
    ValueError
        For bad sizes, ``m2 <= 0``, ``m4 < m2^2`` or ``sigma < 0``.

    References
    ----------
    Module docstring; the Gaussian case (m4 = 3 m2^2) agrees with
    :func:`optimal_single_layer`.

    Examples
    --------
    >>> r = optimal_gd_step(20, 10, 1.0, 9 / 5)  # uniform coordinates
    >>> round(r.step_size, 6)
    0.671141
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    m2 = check_real(m2, "m2", low=0, low_inclusive=False)
    m4 = check_real(m4, "m4", low=m2 * m2 * (1 - 1e-12))
    sigma = check_real(sigma, "sigma", low=0)
    eta = n * m2 / (m4 + (n + d - 2) * m2 * m2 + sigma**2 * m2)
    return OptimalGDStep(float(eta), float(m2 * d * (1 - eta * m2)))


@dataclasses.dataclass(frozen=True)
class OptimalGDSteps(Record):
    """Optimal step sizes of L GD steps (an L-layer GD construction) on whitened data.

    Attributes
    ----------
    step_sizes : numpy.ndarray, shape (L,)
        The minimising step sizes, sorted (L GD steps commute, so their
        order does not change the prediction).
    loss : float
        Expected in-context loss at the optimum (Monte-Carlo spectral moments).
    losses_by_depth : numpy.ndarray, shape (L,)
        Optimal loss with 1, ..., L steps (each optimised separately).
    """

    step_sizes: Any
    loss: float
    losses_by_depth: Any


def _spectra(n: int, d: int, samples: int, rng) -> np.ndarray:
    gen = as_generator(rng)
    X = gen.standard_normal((samples, n, d))
    return np.linalg.eigvalsh(np.swapaxes(X, 1, 2) @ X / n)


def gd_steps_loss(step_sizes, eigenvalues: np.ndarray, n: int, sigma: float = 0.0) -> float:
    r"""Expected loss of GD with ``step_sizes`` given sampled spectra of :math:`\frac1n X^TX`.

    Parameters
    ----------
    step_sizes : sequence of float
    eigenvalues : numpy.ndarray, shape (samples, d)
        Spectra of independent draws of :math:`\frac1n X^T X`.
    n : int
        Context length.
    sigma : float
        Noise standard deviation.

    Returns
    -------
    float
        :math:`E\sum_j[(1-q(\lambda_j))^2 + \frac{\sigma^2}{n} q(\lambda_j)^2/\lambda_j]`.
    """
    lam = eigenvalues
    keep = np.ones_like(lam)  # prod_l (1 - eta_l lam)
    p = np.zeros_like(lam)  # q(lam) / lam, a polynomial, so lam = 0 is harmless
    for eta in step_sizes:
        p = p + eta * keep
        keep = keep * (1 - eta * lam)
    noise = sigma**2 / n * (p * p * lam)
    return float(np.mean(np.sum(keep * keep + noise, axis=-1)))


def optimal_gd_steps(
    n: int, d: int, steps: int, sigma: float = 0.0, *, samples: int = 4000, rng=0
) -> OptimalGDSteps:
    """Optimal step sizes of ``steps`` GD steps for ``x ~ N(0, I)``, ``w ~ N(0, I)``.

    The expected loss is a polynomial in the step sizes whose coefficients are
    spectral moments of the Wishart matrix :math:`\\frac1n X^TX`; they are
    estimated from ``samples`` draws (common random numbers, so the objective
    is smooth and deterministic given ``rng``) and the polynomial is minimised
    with BFGS, depth by depth, warm-starting each depth from the previous one.

    Parameters
    ----------
    n, d : int
        Context length and dimension.
    steps : int
        Number of GD steps (layers) ``L >= 1``.
    sigma : float
        Noise standard deviation.
    samples : int
        Number of sampled spectra.
    rng : None, int or numpy.random.Generator
        Source of the sampled spectra.

    Returns
    -------
    OptimalGDSteps

    Raises
    ------
    ValueError
        For bad sizes or ``sigma < 0``.

    References
    ----------
    von Oswald et al. (ICML 2023), Sec. 3 (L layers as L GD steps);
    Vladymyrov et al. (NeurIPS 2024), Sec. 4.

    Examples
    --------
    >>> r = optimal_gd_steps(20, 5, 1, samples=2000, rng=0)
    >>> bool(abs(r.step_sizes[0] - optimal_single_layer(20, 5).preconditioner[0, 0]) < 0.02)
    True
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    sigma = check_real(sigma, "sigma", low=0)
    lam = _spectra(n, d, check_int(samples, "samples", minimum=10), rng)
    # The loss is symmetric in the step sizes (the GD polynomial does not depend on
    # their order), so start off the diagonal: inverse Chebyshev nodes of the
    # Marchenko-Pastur support of the spectrum.
    lo, hi = (max(1 - np.sqrt(d / n), 0.05)) ** 2, (1 + np.sqrt(d / n)) ** 2
    by_depth, etas = [], None
    for L in range(1, steps + 1):
        nodes = np.cos(np.pi * (np.arange(L) + 0.5) / L)
        start = 1.0 / (0.5 * (lo + hi) + 0.5 * (hi - lo) * nodes)
        res = optimize.minimize(lambda e: gd_steps_loss(e, lam, n, sigma), start, method="BFGS")
        etas = np.sort(res.x)
        by_depth.append(res.fun)
    return OptimalGDSteps(etas, float(by_depth[-1]), np.array(by_depth))
