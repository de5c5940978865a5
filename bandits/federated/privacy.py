"""Gaussian mechanism calibration and (epsilon, delta) accounting for user-level DP."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr, ndtr

from gpu.records import Record
from gpu.validate import check_choice, check_int, check_real

MODES = ("none", "central", "local")


def check_epsilon(epsilon):
    """``epsilon`` as a float > 0, or ValueError naming it."""
    return check_real(epsilon, "epsilon", low=0.0, low_inclusive=False)


def check_delta(delta):
    """``delta`` as a float in (0, 1), or ValueError naming it."""
    return check_real(delta, "delta", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)


def privacy_loss_delta(noise_std, epsilon, sensitivity):
    r"""Smallest delta for which Gaussian noise of std ``noise_std`` is (epsilon, delta)-DP.

    .. math:: \delta(\sigma) = \Phi(a - b) - e^{\varepsilon}\,\Phi(-a - b),
              \quad a = \frac{\Delta}{2\sigma},\quad b = \frac{\varepsilon\sigma}{\Delta}

    (Balle and Wang, ICML 2018, Thm. 8; exact, for every epsilon > 0).

    Examples
    --------
    >>> round(privacy_loss_delta(1.0, 1.0, 1.0), 4)
    0.1269
    """
    a = sensitivity / (2.0 * noise_std)
    b = epsilon * noise_std / sensitivity
    return float(ndtr(a - b) - np.exp(epsilon + log_ndtr(-a - b)))


def gaussian_noise_std(epsilon, delta, sensitivity, *, method="analytic"):
    r"""Noise std of the Gaussian mechanism for l2 sensitivity :math:`\Delta_2`.

    ``"analytic"`` (default): the smallest :math:`\sigma` with
    :func:`privacy_loss_delta` :math:`\le \delta`, found by bisection; exact for
    every :math:`\varepsilon > 0` (Balle and Wang, ICML 2018). ``"classic"``:
    :math:`\Delta_2\sqrt{2\ln(1.25/\delta)}/\varepsilon`, valid only for
    :math:`\varepsilon < 1` (Dwork and Roth, *The Algorithmic Foundations of
    Differential Privacy*, 2014, Thm. A.1); the analytic value is never larger.
    :class:`bandits.federated.Robin` privatizes its statistics with it (the
    mechanism named in issue #13; Huang et al., ICML 2023, could not be checked).

    Raises
    ------
    ValueError
        For ``epsilon <= 0`` (or ``>= 1`` with ``"classic"``), ``delta`` outside
        (0, 1), ``sensitivity < 0`` or an unknown ``method``.

    Examples
    --------
    >>> round(gaussian_noise_std(0.5, 1e-5, 2.0, method="classic"), 4)
    19.3792
    >>> round(gaussian_noise_std(0.5, 1e-5, 2.0), 4)
    14.0637
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    sensitivity = check_real(sensitivity, "sensitivity", low=0.0)
    method = check_choice(method, "method", ("analytic", "classic"))
    if method == "classic":
        if epsilon >= 1.0:
            raise ValueError(f"epsilon must be < 1 for the classic calibration, got {epsilon}")
        return sensitivity * math.sqrt(2.0 * math.log(1.25 / delta)) / epsilon
    if sensitivity == 0.0:
        return 0.0
    lo = hi = sensitivity
    while privacy_loss_delta(lo, epsilon, sensitivity) <= delta:
        lo /= 2.0
    while privacy_loss_delta(hi, epsilon, sensitivity) > delta:
        hi *= 2.0
    return float(
        brentq(
            lambda s: privacy_loss_delta(s, epsilon, sensitivity) - delta,
            lo,
            hi,
            xtol=1e-14 * hi,
            rtol=1e-13,
        )
    )


def split_budget(epsilon, delta, n_phases):
    """Per-phase budgets ``(epsilon / L, delta / L)`` whose basic composition is the total.

    Raises
    ------
    ValueError
        For ``epsilon <= 0``, ``delta`` outside (0, 1) or ``n_phases < 1``.

    Examples
    --------
    >>> split_budget(1.0, 1e-4, 4)
    (0.25, 2.5e-05)
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    n_phases = check_int(n_phases, "n_phases", minimum=1)
    return epsilon / n_phases, delta / n_phases


@dataclass(frozen=True)
class PrivacyLedger(Record):
    r"""Privacy spent by one run of :class:`bandits.federated.Robin`.

    Every phase releases two Gaussian-mechanism outputs computed on the
    clients' phase statistics (a noisy histogram that locates them, then their
    clipped mean), each at half the phase budget. Phases use disjoint data but
    the same users, so user-level guarantees compose: by basic (sequential)
    composition the run is :math:`(\sum_l \varepsilon_l, \sum_l \delta_l)`-DP.

    Attributes
    ----------
    mode : {"none", "central", "local"}
        Who adds the noise: nobody, the server (user-level central DP) or each
        client to its own report (user-level local DP).
    epsilon_per_phase, delta_per_phase : numpy.ndarray, shape (n_phases,)
        Budget of each phase (zeros for ``"none"``).
    noise_std_per_phase : numpy.ndarray, shape (n_phases,)
        Std of the Gaussian noise on the released mean statistic in each phase
        (for ``"local"``: each client's noise, before the server averages).
    sensitivity_per_phase : numpy.ndarray, shape (n_phases,)
        User-level l2 sensitivity the noise was calibrated to.
    epsilon, delta : float
        Totals under basic composition: the sums of the per-phase budgets.
    """

    mode: str
    epsilon_per_phase: Any
    delta_per_phase: Any
    noise_std_per_phase: Any
    sensitivity_per_phase: Any
    epsilon: float
    delta: float

    @staticmethod
    def compose(mode, eps, dlt, noise, sens):
        """Build the ledger from per-phase arrays, totals by basic composition."""
        eps, dlt = np.asarray(eps, float), np.asarray(dlt, float)
        return PrivacyLedger(
            mode,
            eps,
            dlt,
            np.asarray(noise, float),
            np.asarray(sens, float),
            float(eps.sum()),
            float(dlt.sum()),
        )
