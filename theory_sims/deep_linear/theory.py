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

from gpu.backend import asarrays, namespace
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


def _log_ratio(a, b):
    """``log(a / b)`` for positive ``a``, ``b``, without overflow or underflow of ``a / b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        ratio = a / b
        direct = np.log(np.where((ratio > _TINY) & np.isfinite(ratio), ratio, 1.0))
    return np.where((ratio > _TINY) & np.isfinite(ratio), direct, np.log(a) - np.log(b))


_TINY = np.finfo(float).tiny


def _log_quotient(a, b, gap):
    """``log(a / b)`` for positive ``a``, ``b`` given ``gap = a - b`` computed from the
    original data: ``log1p(gap / b)`` when ``|gap| <= b / 2`` (no cancellation, even
    when ``a`` and ``b`` round to the same double), :func:`_log_ratio` otherwise."""
    a, b, gap = (np.asarray(x, dtype=float) for x in (a, b, gap))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        small = np.abs(gap) <= 0.5 * b
        near = np.log1p(np.where(small, gap / np.where(small, b, 1.0), 0.0))
    return np.where(small, near, _log_ratio(a, b))


def _two_logs(s, u0, uf):
    """``ln(uf / u0)`` and ``ln(|s - u0| / |s - uf|)``, accurate when ``uf`` is close
    to ``u0`` or to ``s``."""
    toward = np.where(u0 < s, uf - u0, u0 - uf)  # |s - u0| - |s - uf|
    return _log_quotient(uf, u0, uf - u0), _log_quotient(np.abs(s - u0), np.abs(s - uf), toward)


def two_layer_mode(t, s, u0, tau: float = 1.0):
    r"""Mode strength of a two-layer linear network, :math:`u(t)` (Saxe et al., Eq. 6).

    .. math:: u(t) = \frac{s\, e^{2st/\tau}}{e^{2st/\tau} - 1 + s/u_0}

    Evaluated in overflow-safe form: with
    :math:`A = \ln|s - u_0| - \ln u_0 - 2st/\tau`,
    :math:`u = s / (1 + e^{A})` below ``s`` (through
    :math:`\ln u = \ln s - \ln(1 + e^{A})` when :math:`e^{A}` is large) and,
    with :math:`E = e^{-2st/\tau}`,
    :math:`u = 1 / \big((1 - E)/s + E/u_0\big)` above ``s``
    (:math:`(1 - E)/s` taken as :math:`\frac{2t}{\tau}\cdot\frac{-\mathrm{expm1}(-r)}{r}`,
    :math:`r = 2st/\tau`, for small ``r``), so no intermediate such as
    ``s / u0`` or :math:`e^{2st/\tau}` overflows or underflows to a wrong
    answer.

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
    >>> float(two_layer_mode(1.0, 1.8e8, 1e-300))  # s / u0 would overflow
    180000000.0
    """
    t = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"t must be finite and non-negative, got {t!r}")
    s = _positive_array(s, "s")
    u0 = _positive_array(u0, "u0")
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    s, u0, t = np.broadcast_arrays(s, u0, t)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        rate = 2.0 * s * t / tau
        A = _log_ratio(np.abs(s - u0), u0) - rate
        below = np.where(A <= 0, s / (1.0 + np.exp(A)), np.exp(np.log(s) - np.logaddexp(0.0, A)))
        # above s: u = 1 / ((1 - E)/s + E/u0), E = exp(-rate); (1 - E)/s = phi 2t/tau with
        # phi = -expm1(-rate)/rate, so neither s/u0 nor the rate may underflow to zero
        decay = np.exp(-rate)
        phi = np.where(rate > 0, -np.expm1(-rate) / np.where(rate > 0, rate, 1.0), 1.0)
        gone = np.where(rate > 1.0, -np.expm1(-rate) / s, phi * (2.0 * t / tau))
        above = 1.0 / (gone + decay / u0)
    out = np.where(t == 0, u0, np.where(u0 < s, below, np.where(u0 > s, above, s)))
    return out[()] if out.ndim == 0 else out


def learning_time(s, u0, uf, tau: float = 1.0):
    r"""Time for a two-layer mode to grow from ``u0`` to ``uf`` (Saxe et al., Eq. 5).

    .. math:: t = \frac{\tau}{2s} \ln \frac{u_f (s - u_0)}{u_0 (s - u_f)}

    Evaluated as :math:`\frac{\tau}{2s}\big(\ln\frac{u_f}{u_0} +
    \ln\frac{|s - u_0|}{|s - u_f|}\big)`, each log-ratio taken as a
    difference of logarithms when the ratio would overflow or underflow, so
    tiny ``u0`` (down to the smallest subnormal) and ``uf`` next to ``s``
    give the exact finite time.

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
    >>> round(float(learning_time(2.0, 5e-324, 1.0)), 2)
    186.28
    """
    s = _positive_array(s, "s")
    u0 = _positive_array(u0, "u0")
    uf = _positive_array(uf, "uf")
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    if np.any((u0 == s) | (uf == s) | ((u0 < s) != (uf < s))):
        raise ValueError("u0 and uf must lie strictly on the same side of s")
    growth, near_s = _two_logs(s, u0, uf)
    # above s the two logs nearly cancel when s << uf: ln((1 - s/u0) / (1 - s/uf)) instead
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        far_above = np.log1p(-np.minimum(s / u0, 0.5)) - np.log1p(-np.minimum(s / uf, 0.5))
    log_ratio = np.where((uf > s) & (s <= 0.5 * uf), far_above, growth + near_s)
    return tau / (2.0 * s) * log_ratio


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
    uniform from the tiny initial strengths to the plateau. A mode that starts
    above ``s`` is integrated for :math:`y = (s/u)^{2-2/D}`, whose equation
    stays bounded however large ``u0`` is (``u0 = 1e300`` included). Past the
    time at which the mode equals ``s`` in double precision the answer is
    ``s`` without integrating, so the cost does not grow with ``t``.

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
    out[order] = (_grow if u0 < s else _decay)(flat[order], s, u0, depth, tau)
    return out.reshape(t.shape)


def _solve(rhs, y0: float, times, atol: float, first_step=None):
    """DOP853 at ``rtol = 1e-11`` from ``y0`` at ``t = 0``, reported at sorted ``times``."""
    sol = integrate.solve_ivp(
        rhs,
        (0.0, float(times[-1])),
        [y0],
        method="DOP853",
        t_eval=times,
        rtol=1e-11,
        atol=atol,
        first_step=first_step,
    )
    if not sol.success:  # pragma: no cover - the right-hand sides are bounded and smooth
        raise ArithmeticError(f"deep_mode: the ODE solver failed: {sol.message}")
    return sol.y[0]


def _grow(times, s, u0, depth, tau):
    r"""A mode below ``s``: integrate ``z = ln u``, :math:`\dot z = D u^{1-2/D}(s-u)/\tau`."""

    def rhs(_, z):
        u = np.exp(z)
        return depth * u ** (1.0 - 2.0 / depth) * (s - u) / tau

    return np.exp(_solve(rhs, np.log(u0), times, 1e-12))


def _decay(times, s, u0, depth, tau):
    r"""A mode above ``s``: integrate :math:`y = (s/u)^c`, :math:`c = 2 - 2/D`.

    :math:`\dot y = (cD/	au)\, s^c (1 - y^{1/c})` is bounded and smooth on
    :math:`0 \le y \le 1`, however large ``u0`` is (the equation for ``u``
    itself starts with a rate :math:`u_0^{c}`, too stiff for any explicit
    solver), and ``u = s y^{-1/c}``.
    """
    c = 2.0 - 2.0 / depth
    rate = c * depth * s**c / tau

    def rhs(_, y):
        return rate * (1.0 - np.clip(y, 0.0, 1.0) ** (1.0 / c))

    with np.errstate(under="ignore", divide="ignore", over="ignore", invalid="ignore"):
        y0 = np.exp(c * (np.log(s) - np.log(u0)))  # may underflow to 0: u0 = inf in effect
        # relative accuracy down to tiny y (huge u): no absolute floor, a first step
        # well inside the initial phase where y grows linearly at `rate`
        first = min(float(times[0]), 1e-12 / rate)
        y = np.clip(_solve(rhs, y0, times, 1e-300, first), 0.0, 1.0)
        return np.minimum(u0, np.exp(np.log(s) - np.log(y) / c))


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


def _regular_part(v: float, one_minus_v: float, a: float) -> float:
    r""":math:`H_a(v) = \int_0^v \frac{t^{a-1} - 1}{1 - t}\,dt` for ``0 < v < 1``, ``0 < a <= 1``.

    ``one_minus_v`` is passed separately (exact from ``s - u``). Below 1/2:
    :math:`H_a(v) = \frac{v^a}{a}\,{}_2F_1(1, a; 1+a; v) + \ln(1 - v)`. Above:
    :math:`H_a(1) - \int_0^{1-v}\frac{(1-x)^{a-1} - 1}{x}dx` with
    :math:`H_a(1) = \psi(1) - \psi(a)` and the integral summed as its power
    series :math:`\sum_k c_k (1-v)^k / k`, :math:`c_1 = 1 - a`,
    :math:`c_{k+1} = c_k (k + 1 - a)/(k + 1)` (80 terms: ``1 - v <= 1/2``).
    """
    if v <= 0.5:
        return v**a / a * special.hyp2f1(1.0, a, 1.0 + a, v) + np.log1p(-v)
    k = np.arange(1, 81)
    c = np.cumprod(np.r_[1.0 - a, (k[:-1] + 1.0 - a) / (k[:-1] + 1.0)])
    tail = np.sum(c * one_minus_v**k / k)
    return special.digamma(1.0) - special.digamma(a) - tail


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

    **Evaluation.** In :math:`v = u/s`, :math:`a = 2/D`, the same integral is
    :math:`t = \frac{\tau s^{a-2}}{D}\big[\frac{v_0^{a-1} - v_f^{a-1}}{1-a}
    + \ln\frac{1-v_0}{1-v_f} + H_a(v_f) - H_a(v_0)\big]` with the regular
    part :math:`H_a(v) = \int_0^v \frac{t^{a-1}-1}{1-t}dt`. The power term is
    taken in logarithms (with ``expm1``), the logarithm from the exact
    differences ``s - u``, and :math:`H_a` from the hypergeometric series
    below :math:`v = 1/2` and from :math:`\psi(1) - \psi(a)` minus a power
    series in ``1 - v`` above, so ``uf`` next to ``s`` and tiny ``u0`` give
    finite, accurate times (``inf`` only when the time itself exceeds the
    largest double).

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
    growth, near_s = (float(x) for x in _two_logs(s, u0, uf))  # near_s: ln((1-v0)/(1-vf))
    if depth == 1:
        return tau * near_s
    if depth == 2:
        return tau / (2.0 * s) * (growth + near_s)
    a = 2.0 / depth
    log_v0 = np.log(u0) - np.log(s)
    span = a - 1.0  # (v0^(a-1) - vf^(a-1)) / (1 - a), in logs: v0^(a-1) may overflow
    log_power = span * log_v0 + np.log(-np.expm1(span * growth)) - np.log(-span)
    log_scale = np.log(tau) + (a - 2.0) * np.log(s) - np.log(depth)
    regular = _regular_part(uf / s, (s - uf) / s, a) - _regular_part(u0 / s, (s - u0) / s, a)
    with np.errstate(over="ignore"):
        return float(np.exp(log_scale + log_power) + np.exp(log_scale) * (near_s + regular))


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

    Parameters
    ----------
    Theta_hat : array_like, shape (..., q, d)
    Theta : array_like, shape (q, d) (or broadcastable against ``Theta_hat``)
    Sigma : array_like, shape (d, d) or (d,)
        Symmetric positive semi-definite covariance, or its non-negative
        diagonal.

    Returns
    -------
    array, shape ``Theta_hat.shape[:-2]``

    Raises
    ------
    ValueError
        On shapes that disagree, non-finite values, or a ``Sigma`` that is
        not symmetric positive semi-definite (a negative eigenvalue would
        give a negative "risk").

    Examples
    --------
    >>> import numpy as np
    >>> float(excess_risk(np.ones((1, 2)), np.zeros((1, 2)), np.diag([1.0, 2.0])))
    3.0
    >>> float(excess_risk(np.ones((1, 2)), np.zeros((1, 2)), np.array([1.0, 2.0])))
    3.0
    """
    xp, (Theta_hat, Theta, Sigma) = asarrays(
        Theta_hat, Theta, Sigma, names=("Theta_hat", "Theta", "Sigma")
    )
    check_ndim(Sigma, "Sigma", (1, 2))
    if Theta_hat.ndim < 2 or Theta.ndim < 2:
        raise ValueError(
            f"Theta_hat and Theta must be at least 2-D (q, d), got {Theta_hat.shape}, {Theta.shape}"
        )
    d = Theta_hat.shape[-1]
    if Theta.shape[-2:] != Theta_hat.shape[-2:] or Sigma.shape[0] != d:
        raise ValueError(
            f"shapes disagree: Theta_hat {Theta_hat.shape}, Theta {Theta.shape} (want (..., "
            f"{Theta_hat.shape[-2]}, {d})), Sigma {Sigma.shape} (want ({d}, {d}) or ({d},))"
        )
    for arr, name in ((Theta_hat, "Theta_hat"), (Theta, "Theta"), (Sigma, "Sigma")):
        check_finite(arr, name)
    _check_psd(xp, Sigma)
    diff = Theta_hat - Theta
    if Sigma.ndim == 1:
        return xp.sum(diff * diff * Sigma, axis=(-2, -1))
    return xp.sum((diff @ Sigma) * diff, axis=(-2, -1))


def _check_psd(xp, Sigma) -> None:
    """``ValueError`` unless ``Sigma`` (d, d) is symmetric PSD, or (d,) is non-negative,
    up to a relative tolerance of ``1e-10``."""
    if Sigma.shape[-1] != Sigma.shape[0] and Sigma.ndim == 2:
        raise ValueError(f"Sigma must be square, got shape {Sigma.shape}")
    if Sigma.ndim == 1:
        if bool(xp.any(Sigma < 0)):
            raise ValueError(
                f"Sigma (a diagonal) must be non-negative, got a minimum of {float(xp.min(Sigma))}"
            )
        return
    scale = float(xp.max(xp.abs(Sigma))) if Sigma.shape[0] else 0.0
    if not bool(xp.all(xp.abs(Sigma - Sigma.T) <= 1e-10 * (1 + scale))):
        raise ValueError("Sigma must be symmetric")
    smallest = float(xp.min(xp.linalg.eigvalsh(Sigma))) if Sigma.shape[0] else 0.0
    if smallest < -1e-10 * scale:
        raise ValueError(
            f"Sigma must be positive semi-definite, got an eigenvalue of {smallest:.3g}: "
            "a covariance with a negative eigenvalue gives negative risks"
        )


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
        On inconsistent shapes, NaN values, a ``Sigma`` that is not
        symmetric positive semi-definite, or a negative ``noise_std``.

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
    _check_psd(xp, Sigma)
    pinv = xp.linalg.pinv(X)
    resid = Theta - (Theta @ pinv) @ X
    bias = float(xp.sum((resid @ Sigma) * resid))
    variance = noise_std**2 * Theta.shape[0] * float(xp.sum((Sigma @ pinv) * pinv))
    return ExcessRisk(bias=bias, variance=variance, total=bias + variance)
