r"""Closed forms for deep linear network dynamics and min-norm interpolation.

Mode dynamics (Saxe, McClelland and Ganguli, ICLR 2014). With whitened inputs
and a decoupled balanced initialisation, the strength ``u`` of a mode whose
input-output singular value is ``s`` follows, for a network of ``depth``
weight matrices (``N_l - 1`` in the paper's notation),

.. math:: \tau \frac{du}{dt} = D\, u^{2 - 2/D} (s - u).

For ``D = 2`` this is the logistic equation with solution
:math:`u(t) = s e^{2st/\tau} / (e^{2st/\tau} - 1 + s/u_0)`.

Min-norm interpolation (Chatterji and Long, JMLR 2023, Sec. 2; Bartlett et al.,
PNAS 2020). For ``Y = X Theta^T + noise`` with ``n < d`` the minimum
Frobenius-norm interpolant is :math:`\hat\Theta^\top = X^+ Y`; its excess risk
:math:`\operatorname{tr}((\hat\Theta-\Theta)\Sigma(\hat\Theta-\Theta)^\top)`
given ``X`` has expectation ``bias + variance`` with

.. math:: \mathrm{bias} = \operatorname{tr}(\Theta (I-P) \Sigma (I-P) \Theta^\top),\qquad
          \mathrm{variance} = \sigma^2 q \operatorname{tr}\big((XX^\top)^{-1} X \Sigma X^\top
          (XX^\top)^{-1}\big),

where :math:`P = X^+ X` projects onto the row space of ``X``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from scipy import integrate, special

from gpu.backend import namespace
from gpu.deprecation import renamed_arguments
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_ndim, check_real

__all__ = [
    "two_layer_mode",
    "learning_time",
    "deep_mode",
    "deep_learning_time",
    "min_norm_interpolant",
    "min_norm_excess_risk",
    "excess_risk",
    "ExcessRisk",
]


def _positive_array(value, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return arr


def two_layer_mode(t, s, u0, tau: float = 1.0):
    r"""Mode strength of a two-layer linear network, :math:`u(t)` (Saxe et al., Eq. 6).

    .. math:: u(t) = \frac{s\, e^{2st/\tau}}{e^{2st/\tau} - 1 + s/u_0}

    Parameters
    ----------
    t : float or array_like
        Times (``t >= 0``); broadcast against ``s`` and ``u0``.
    s : float or array_like
        Singular value of the mode, ``s > 0``.
    u0 : float or array_like
        Initial strength, ``u0 > 0``.
    tau : float
        Time constant, ``tau > 0``.

    Returns
    -------
    ndarray
        ``u(t)``, broadcast shape of the inputs.

    Raises
    ------
    ValueError
        For non-positive ``s``, ``u0`` or ``tau``, negative or non-finite ``t``.

    References
    ----------
    Saxe, McClelland and Ganguli, ICLR 2014, Sec. 2, Eq. (6).

    Examples
    --------
    >>> float(two_layer_mode(0.0, 2.0, 0.1))
    0.1
    >>> round(float(two_layer_mode(50.0, 2.0, 0.1)), 6)
    2.0
    """
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"t must be finite and non-negative, got {t!r}")
    s = _positive_array(s, "s")
    u0 = _positive_array(u0, "u0")
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    # u = s / (1 + (s/u0 - 1) e^{-2st/tau}): the form without overflow for large t.
    return s / (1.0 + (s / u0 - 1.0) * np.exp(-2.0 * s * t / tau))


def learning_time(s, u0, uf, tau: float = 1.0):
    r"""Time for a two-layer mode to grow from ``u0`` to ``uf`` (Saxe et al., Eq. 5).

    .. math:: t = \frac{\tau}{2s} \ln \frac{u_f (s - u_0)}{u_0 (s - u_f)}

    Parameters
    ----------
    s : float or array_like
        Singular value, ``s > 0``.
    u0, uf : float or array_like
        Start and end strengths, both strictly between 0 and ``s`` (or both
        above ``s`` for a mode that decays onto ``s``).
    tau : float
        Time constant.

    Returns
    -------
    ndarray
        Learning times (non-negative when ``uf`` lies between ``u0`` and ``s``).

    Raises
    ------
    ValueError
        For non-positive values, or ``u0``/``uf`` on different sides of ``s``
        or equal to ``s``.

    References
    ----------
    Saxe et al., ICLR 2014, Sec. 2, Eq. (5).

    Examples
    --------
    >>> t = learning_time(2.0, 0.1, 1.0)
    >>> round(float(two_layer_mode(t, 2.0, 0.1)), 12)
    1.0
    """
    s = _positive_array(s, "s")
    u0 = _positive_array(u0, "u0")
    uf = _positive_array(uf, "uf")
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    if np.any((s - u0) * (s - uf) <= 0):
        raise ValueError("u0 and uf must lie strictly on the same side of s")
    return tau / (2.0 * s) * np.log(uf * (s - u0) / (u0 * (s - uf)))


def _check_depth_mode(s, u0, depth, tau):
    s = check_real(s, "s", low=0.0, low_inclusive=False)
    u0 = check_real(u0, "u0", low=0.0, low_inclusive=False)
    depth = check_int(depth, "depth", minimum=1)
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    return s, u0, depth, tau


def deep_mode(t, s, u0, depth: int, tau: float = 1.0):
    r"""Numerical solution of the deep-network mode ODE (Saxe et al., Sec. 4).

    Solves :math:`\tau\, du/dt = D\, u^{2-2/D}(s-u)`, ``D = depth`` weight
    matrices, for ``u(0) = u0`` (``D = 1`` is linear and solved in closed
    form, :math:`u = s + (u_0 - s)e^{-t/\tau}`). For ``D >= 2`` the ODE is
    integrated for ``z = ln u``, :math:`dz/dt = D u^{1-2/D}(s - u)/\tau`, with
    SciPy's DOP853 at ``rtol = 1e-11``, which keeps the relative accuracy
    uniform from the tiny initial strengths to the plateau.

    Parameters
    ----------
    t : float or array_like
        Non-negative times (any order).
    s : float
        Singular value, ``s > 0``.
    u0 : float
        Initial strength, ``u0 > 0``.
    depth : int
        Number of weight matrices ``D >= 1`` (``D = 2`` is the two-layer case).
    tau : float
        Time constant.

    Returns
    -------
    ndarray
        ``u(t)`` with the shape of ``t``: ``u0`` at ``t = 0`` and ``s`` once
        the mode has settled on ``s`` to double precision (so any finite
        time, ``1e300`` included, is answered at a bounded cost).

    Raises
    ------
    ValueError
        For bad arguments.

    References
    ----------
    Saxe et al., ICLR 2014, Sec. 4, the equation
    :math:`\tau \dot u = (N_l-1) u^{2-2/(N_l-1)}(s-u)`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0.0, 1.0, 3.0])
    >>> bool(np.allclose(deep_mode(t, 2.0, 0.1, depth=2), two_layer_mode(t, 2.0, 0.1)))
    True
    """
    s, u0, depth, tau = _check_depth_mode(s, u0, depth, tau)
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"t must be finite and non-negative, got {t!r}")
    if depth == 1:  # the linear ODE tau du/dt = s - u, in closed form
        return u0 * np.exp(-t / tau) - s * np.expm1(-t / tau)
    flat = t.ravel()
    out = np.full(flat.shape, u0)
    settled = _settling_time(s, u0, depth, tau)
    out[flat >= settled] = s
    inside = np.flatnonzero((flat > 0) & (flat < settled))
    if inside.size == 0:
        return out.reshape(t.shape)
    order = inside[np.argsort(flat[inside])]

    def rhs(_, z):
        u = np.exp(z)
        return depth * u ** (1.0 - 2.0 / depth) * (s - u) / tau

    sol = integrate.solve_ivp(
        rhs,
        (0.0, float(flat[order[-1]])),
        [np.log(u0)],
        method="DOP853",
        t_eval=flat[order],
        rtol=1e-11,
        atol=1e-12,
    )
    if not sol.success:
        raise RuntimeError(f"deep_mode: the ODE solver failed: {sol.message}")
    out[order] = np.exp(sol.y[0])
    return out.reshape(t.shape)


def _settling_time(s: float, u0: float, depth: int, tau: float) -> float:
    r"""A time after which the mode equals ``s`` to double precision (``inf`` if unknown).

    On the side of ``s`` where the mode ends, :math:`|s - u|` decays at least
    at the rate :math:`r = D m^{2-2/D}/\tau`, :math:`m` the smallest strength on
    the way (``s / 2`` after the time to reach ``s / 2`` from below, which
    :func:`deep_learning_time` gives exactly; ``s`` from above). Waiting until
    the gap has shrunk by :math:`2^{-60}` relative to ``s`` leaves ``u(t) = s``
    in double precision. Beyond this time :func:`deep_mode` returns ``s``
    without integrating, so huge times cost nothing.
    """
    digits = 60 * np.log(2.0)
    if u0 == s:
        return 0.0
    if u0 > s:
        rate = depth * s ** (2.0 - 2.0 / depth) / tau
        return max(0.0, float(np.log((u0 - s) / s)) + digits) / rate
    half = 0.5 * s
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        start = deep_learning_time(s, u0, half, depth, tau) if u0 < half else 0.0
    rate = depth * half ** (2.0 - 2.0 / depth) / tau
    total = start + (np.log(min(s - u0, half) / s) + digits) / rate
    return float(total) if np.isfinite(total) else np.inf


def _antiderivative(w, s, depth):
    """Primitive of s / (w^(D-1) (s - w^D)) for D >= 2 (see deep_learning_time)."""
    if depth == 2:
        head = np.log(w)
        tail = -0.5 * np.log(np.abs(s - w**2))
    else:
        head = w ** (2.0 - depth) / (2.0 - depth)
        a = 2.0 / depth
        tail = w**2 / (2.0 * s) * special.hyp2f1(1.0, a, 1.0 + a, w**depth / s)
    return head + tail


def deep_learning_time(s, u0, uf, depth: int, tau: float = 1.0):
    r"""Exact time for a depth-``D`` mode to grow from ``u0`` to ``uf``.

    With :math:`u = w^D` the ODE :math:`\tau\dot u = D u^{2-2/D}(s-u)` becomes
    :math:`\tau\,dt = dw / (w^{D-1}(s - w^D))`, and the partial fractions
    :math:`\frac{1}{w^{D-1}(s-w^D)} = \frac1s\big(w^{1-D} + \frac{w}{s-w^D}\big)`
    integrate in closed form:

    .. math:: t = \frac{\tau}{s}\Big[\frac{w^{2-D}}{2-D}
              + \frac{w^2}{2s}\,{}_2F_1\big(1, \tfrac2D; 1+\tfrac2D; \tfrac{w^D}{s}\big)
              \Big]_{w_0}^{w_f}

    (logarithms for ``D = 2``, where this is Saxe et al.'s Eq. 5; ``D = 1`` is
    the linear ODE :math:`\tau\dot u = s - u` with
    :math:`t = \tau\ln\frac{s-u_0}{s-u_f}`). For small
    ``u0`` and ``D > 2`` the leading term is Saxe et al.'s
    :math:`t \approx \frac{\tau}{(D-2)\, s}\, u_0^{-(D-2)/D}`.

    Parameters
    ----------
    s : float
        Singular value, ``s > 0``.
    u0, uf : float
        Start and end strengths with ``0 < u0 < uf < s``.
    depth : int
        Number of weight matrices ``D >= 1``.
    tau : float
        Time constant.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Unless ``0 < u0 < uf < s`` and ``depth >= 1``.

    References
    ----------
    Saxe et al., ICLR 2014, Sec. 2, Eq. (5) and Sec. 4.

    Examples
    --------
    >>> round(deep_learning_time(2.0, 0.1, 1.0, depth=2), 10) == round(
    ...     float(learning_time(2.0, 0.1, 1.0)), 10)
    True
    """
    s, u0, depth, tau = _check_depth_mode(s, u0, depth, tau)
    uf = check_real(uf, "uf", low=0.0, low_inclusive=False)
    if not u0 < uf < s:
        raise ValueError(f"need 0 < u0 < uf < s, got u0={u0}, uf={uf}, s={s}")
    if depth == 1:
        return tau * float(np.log((s - u0) / (s - uf)))
    w0, wf = u0 ** (1.0 / depth), uf ** (1.0 / depth)
    return tau / s * float(_antiderivative(wf, s, depth) - _antiderivative(w0, s, depth))


def min_norm_interpolant(X, Y):
    r"""Minimum Frobenius-norm solution :math:`\hat\Theta` of :math:`X\Theta^\top = Y`.

    Parameters
    ----------
    X : array, shape (n, d)
    Y : array, shape (n, q)

    Returns
    -------
    array, shape (q, d)
        :math:`\hat\Theta = (X^+ Y)^\top`, computed with ``pinv`` (least squares
        when ``X`` has more rows than rank).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(min_norm_interpolant(np.array([[1.0, 1.0]]), np.array([[2.0]])), 12).tolist()
    [[1.0, 1.0]]
    """
    xp = namespace(X, Y)
    check_ndim(X, "X", 2)
    check_ndim(Y, "Y", 2)
    check_finite(X, "X")
    check_finite(Y, "Y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same rows, got {X.shape[0]} and {Y.shape[0]}")
    return xp.matrix_transpose(xp.linalg.pinv(X) @ Y)


def excess_risk(Theta_hat, Theta, Sigma):
    r"""Excess risk :math:`\operatorname{tr}((\hat\Theta-\Theta)\Sigma(\hat\Theta-\Theta)^\top)`.

    The expected squared error on a fresh noiseless input ``x ~ (0, Sigma)``.
    ``Theta_hat`` may carry leading batch axes. ``Sigma`` is the (d, d)
    covariance, or its diagonal of shape (d,) for a diagonal covariance.

    Examples
    --------
    >>> import numpy as np
    >>> float(excess_risk(np.ones((1, 2)), np.zeros((1, 2)), np.diag([1.0, 2.0])))
    3.0
    >>> float(excess_risk(np.ones((1, 2)), np.zeros((1, 2)), np.array([1.0, 2.0])))
    3.0
    """
    xp = namespace(Theta_hat, Theta, Sigma)
    diff = Theta_hat - Theta
    if Sigma.ndim == 1:
        return xp.sum(diff * diff * Sigma, axis=(-2, -1))
    return xp.sum((diff @ Sigma) * diff, axis=(-2, -1))


@dataclasses.dataclass(frozen=True)
class ExcessRisk(Record):
    """Expected excess risk of the min-norm interpolant given the design.

    Attributes
    ----------
    bias : float
        :math:`\\operatorname{tr}(\\Theta(I-P)\\Sigma(I-P)\\Theta^\\top)`.
    variance : float
        :math:`\\sigma^2 q \\operatorname{tr}(X^{+\\top}\\Sigma X^{+})`, the
        conditional variance.
    total : float
        ``bias + variance``.
    """

    bias: Any
    variance: Any
    total: Any


def _variance_to_std(noise_var):
    """Converter for the retired ``noise_var`` keyword (a variance, ``>= 0``)."""
    return float(np.sqrt(check_real(noise_var, "noise_var", low=0.0)))


@renamed_arguments(noise_var=("noise_std", _variance_to_std))
def min_norm_excess_risk(X, Theta, Sigma, *, noise_std) -> ExcessRisk:
    r"""Exact expected excess risk of the min-norm interpolant, conditional on ``X``.

    For ``Y = X Theta^T + E`` with i.i.d. noise of standard deviation
    ``noise_std`` (:math:`\sigma`),
    :math:`\hat\Theta^\top = X^+ Y` and
    :math:`\hat\Theta - \Theta = -\Theta(I - P) + E^\top X^{+\top}`, so

    .. math:: \mathbb E_E\, \operatorname{tr}((\hat\Theta-\Theta)\Sigma(\hat\Theta-\Theta)^\top)
       = \underbrace{\operatorname{tr}(\Theta(I-P)\Sigma(I-P)\Theta^\top)}_{\text{bias}}
       + \underbrace{\sigma^2 q\, \operatorname{tr}(X^{+\top}\Sigma X^+)}_{\text{variance}}.

    Parameters
    ----------
    X : array, shape (n, d)
        The design (rows are samples).
    Theta : array, shape (q, d)
        The true parameter.
    Sigma : array, shape (d, d)
        Covariance of the test inputs (symmetric positive semi-definite).
    noise_std : float
        Noise standard deviation :math:`\sigma \ge 0`, keyword-only (the
        retired keyword ``noise_var`` takes the variance, converted with a
        square root; the argument was the variance, so it is keyword-only
        to make an old positional call fail rather than change meaning).

    Returns
    -------
    ExcessRisk
        Fields ``bias``, ``variance``, ``total`` (Python floats).

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN values, a non-symmetric ``Sigma`` or a
        negative ``noise_std``.

    References
    ----------
    Chatterji and Long, JMLR 2023, Sec. 2-3; Bartlett, Long, Lugosi and
    Tsigler, "Benign overfitting in linear regression", PNAS 2020, Lemma 2.

    Examples
    --------
    >>> import numpy as np
    >>> r = min_norm_excess_risk(np.eye(2), np.ones((1, 2)), np.eye(2), noise_std=1.0)
    >>> r.bias, r.variance, r.total
    (0.0, 2.0, 2.0)
    """
    xp = namespace(X, Theta, Sigma)
    check_ndim(X, "X", 2)
    check_ndim(Theta, "Theta", 2)
    check_ndim(Sigma, "Sigma", 2)
    for arr, name in ((X, "X"), (Theta, "Theta"), (Sigma, "Sigma")):
        check_finite(arr, name)
    noise_std = check_real(noise_std, "noise_std", low=0.0)
    d = X.shape[1]
    if Theta.shape[1] != d or Sigma.shape != (d, d):
        raise ValueError(
            f"shapes disagree: X {X.shape}, Theta {Theta.shape} (want (q, {d})), "
            f"Sigma {Sigma.shape} (want ({d}, {d}))"
        )
    if not bool(xp.all(xp.abs(Sigma - Sigma.T) <= 1e-10 * (1 + xp.max(xp.abs(Sigma))))):
        raise ValueError("Sigma must be symmetric")
    pinv = xp.linalg.pinv(X)
    resid = Theta - (Theta @ pinv) @ X
    bias = float(xp.sum((resid @ Sigma) * resid))
    variance = noise_std**2 * Theta.shape[0] * float(xp.sum((Sigma @ pinv) * pinv))
    return ExcessRisk(bias=bias, variance=variance, total=bias + variance)
