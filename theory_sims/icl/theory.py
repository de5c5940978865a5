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
import functools
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from scipy import optimize

from gpu.deprecation import renamed_arguments, retired_field
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_ndim, check_real
from theory_sims.icl._checks import check_noise_std
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
    sigma = check_noise_std(noise_std)
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
    sigma = check_noise_std(noise_std)
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
        Expected in-context loss at ``step_sizes``, evaluated exactly in
        rational arithmetic and rounded once.
    losses_by_depth : numpy.ndarray, shape (L,)
        Optimal loss with 1, ..., L steps (each optimised separately), exact
        as ``loss``.
    polynomial_loss : float
        Minimum over all residual polynomials of degree ``L`` with
        :math:`K(0) = 1`, a lower bound on ``loss`` (``0 <= polynomial_loss
        <= loss`` is checked in exact arithmetic).
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


@functools.lru_cache(maxsize=16)
def _spectral_moments(n: int, d: int, kmax: int) -> tuple[Fraction, ...]:
    """Exact ``E tr(S^k)``, ``S = X^T X / n``, for ``k = 0..kmax``."""
    return tuple(Fraction(m, n**k) for k, m in enumerate(wishart_trace_moments(n, d, kmax)))


class _ExactLoss:
    r"""The loss of GD steps and its gradient, in exact integer arithmetic.

    With the step sizes :math:`\eta_l = e_l / D` (floats are dyadic rationals,
    so ``D`` is a power of two and the :math:`e_l` are integers) and
    :math:`\mu = \lambda / D`, the residual polynomial
    :math:`K = \prod_l(1 - e_l\mu)` has integer coefficients and
    :math:`E\,\mathrm{tr}\,S^k = W_k / n^k` with the integer Wishart moments
    :math:`W_k`, so :math:`E\,\mathrm{tr}\,\mu^k = W_k / q^k`, ``q = nD``. Every
    expectation is one integer sum over a common denominator: exact, and
    much faster than :class:`fractions.Fraction` arithmetic term by term.
    """

    def __init__(self, n: int, d: int, steps: int, noise_variance: Fraction):
        self.W = wishart_trace_moments(n, d, 2 * steps)
        self.n, self.s = n, noise_variance

    def _expect(self, c: list[int], shift: int, q: int) -> Fraction:
        """``E tr sum_j c_j mu^(j + shift)``."""
        top = len(c) - 1 + shift
        total = sum(cj * self.W[j + shift] * q ** (top - j - shift) for j, cj in enumerate(c))
        return Fraction(total, q**top)

    def _setup(self, step_sizes):
        fractions = [Fraction(float(v)) for v in step_sizes]
        D = max((f.denominator for f in fractions), default=1)
        e = [f.numerator * (D // f.denominator) for f in fractions]
        K = [1]
        for el in e:
            K = _polymul(K, [1, -el])
        return e, D, K

    def loss(self, step_sizes) -> Fraction:
        r""":math:`E\,\mathrm{tr}\,K(S)^2 + s\,E\,\mathrm{tr}\,(1 - K(S))^2 S^{-1}`."""
        _, D, K = self._setup(step_sizes)
        q, tail = self.n * D, K[1:]
        noise = self._expect(_polymul(tail, tail), 1, q) / D if tail else Fraction(0)
        return self._expect(_polymul(K, K), 0, q) + self.s * noise

    def gradient(self, step_sizes) -> list[Fraction]:
        r"""Derivatives in each :math:`\eta_l`: with :math:`O_l = K / (1 - \eta_l\lambda)`,
        :math:`-2E\,\mathrm{tr}\,K O_l S + 2s\,E\,\mathrm{tr}\,(1 - K) O_l`."""
        e, D, K = self._setup(step_sizes)
        q, grad = self.n * D, []
        for el in e:
            others = [1]  # synthetic division of K by (1 - el mu)
            for k in K[1:-1]:
                others.append(k + el * others[-1])
            KO = _polymul(K, others)
            noise = self._expect(others, 0, q) - self._expect(KO, 0, q)
            grad.append(2 * (self.s * noise - D * self._expect(KO, 1, q)))
        return grad


def _polymul(a: list, b: list) -> list:
    """Product of two polynomials given by ascending exact coefficients."""
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return out


def _noise_variance(noise_std: float, n: int) -> Fraction:
    """``s = noise_std^2 / n`` exactly (no overflow for any finite ``noise_std``)."""
    return Fraction(noise_std) ** 2 / n


@renamed_arguments(sigma="noise_std")
def gd_steps_loss(step_sizes, n: int, d: int, noise_std: float = 0.0) -> float:
    r"""Exact expected loss of GD from zero with ``step_sizes``, ``x ~ N(0, I)``, ``w ~ N(0, I)``.

    The loss is a polynomial in the step sizes whose coefficients are exact
    rational spectral moments; it is evaluated in rational arithmetic
    (:class:`fractions.Fraction`, the float step sizes taken exactly) and
    rounded once, so the result is the correctly rounded loss however many
    steps there are. (Evaluating the same polynomial in floats in the monomial
    basis loses every digit by about 16 steps: the terms cancel by a factor
    of :math:`10^{16}` and more.)

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
        than 20 of them (the exact moments of order above
        :data:`~theory_sims.icl.wishart.MAX_DEGREE` are refused).

    Examples
    --------
    >>> r = optimal_single_layer(20, 5, 0.5)
    >>> bool(np.isclose(gd_steps_loss([r.preconditioner[0, 0]], 20, 5, 0.5), r.loss))
    True
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    sigma = check_noise_std(noise_std)
    etas = np.asarray(step_sizes, dtype=float)
    etas = check_finite(check_ndim(etas, "step_sizes", 1), "step_sizes")
    _check_steps(etas.size, "len(step_sizes)", minimum=0)
    loss = _ExactLoss(n, d, etas.size, _noise_variance(sigma, n)).loss(etas)
    if loss > np.finfo(float).max:
        raise ValueError(
            f"the loss of these step_sizes with noise_std={sigma:g} exceeds double precision "
            f"(about 10^{len(str(loss.numerator)) - len(str(loss.denominator))})"
        )
    return float(loss)


def _check_steps(steps: int, name: str, minimum: int) -> int:
    """At most ``MAX_DEGREE // 2`` steps: their loss needs exact moments of order ``2 steps``."""
    steps = check_int(steps, name, minimum=minimum)
    if steps > MAX_DEGREE // 2:
        raise ValueError(
            f"{name} must be <= {MAX_DEGREE // 2}, got {steps}: the exact loss of L steps needs "
            f"the exact Wishart moments of order 2 L, limited to MAX_DEGREE = {MAX_DEGREE} "
            "(theory_sims.icl.wishart)"
        )
    return steps


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


def _optimal_residual(moments, s: Fraction, L: int):
    """Coefficients ``a`` of ``K = 1 + sum_j a_j lam^j`` minimising the loss, and that loss."""
    orders = range(1, L + 1)
    A = [[moments[i + j] + s * moments[i + j - 1] for j in orders] for i in orders]
    a = _solve_exact(A, [-moments[j] for j in orders])
    return a, moments[0] + sum(aj * moments[j + 1] for j, aj in enumerate(a))


def _inverse_zeros(a: list[Fraction], scale: float, steps: int) -> tuple[np.ndarray, bool]:
    r"""Reciprocal zeros of ``K = 1 + sum_j a_j lam^j`` and whether they are all real.

    They are ``scale`` times the zeros of :math:`x^L + \sum_j a_j x^{L-j} /
    \mathrm{scale}^j` (the reversed polynomial, rescaled to zeros of order
    one). Floating root finding in the monomial basis gives them to a few
    digits only; each is polished by Newton's method on the exact coefficients
    at 60 significant digits. If the polished zeros are not distinct,
    :func:`mpmath.polyroots` is tried; if it fails too, ``steps`` is refused.
    """
    factor = Fraction(scale)
    exact = [Fraction(1)] + [x / factor ** (j + 1) for j, x in enumerate(a)]
    with mpmath.workdps(60):
        coefficients = [mpmath.mpf(x.numerator) / x.denominator for x in exact]
        zeros = [_newton(coefficients, z0) for z0 in np.roots([float(x) for x in exact])]
        if not _distinct(zeros):
            try:
                zeros = mpmath.polyroots(coefficients, maxsteps=200, extraprec=100)
            except mpmath.NoConvergence:
                zeros = []
        if not _distinct(zeros) or len(zeros) != len(a):
            raise ValueError(
                f"steps={steps}: the optimal residual polynomial of degree {len(a)} has zeros "
                "that cannot be resolved to double precision; use fewer steps"
            )
        real = all(abs(mpmath.im(z)) <= mpmath.mpf(10) ** -40 * abs(z) for z in zeros)
        return scale * np.array([complex(z) for z in zeros]), real


def _newton(coefficients, z0):
    """Polish the zero ``z0`` of the polynomial; ``None`` if Newton does not converge."""
    z = mpmath.mpc(z0)
    for _ in range(100):
        value, slope = mpmath.polyval(coefficients, z, derivative=True)
        if slope == 0:
            return None
        step = value / slope
        z -= step
        if abs(step) <= mpmath.mpf(10) ** -50 * abs(z):
            return z
    return None


def _distinct(zeros) -> bool:
    return all(z is not None for z in zeros) and all(
        abs(x - y) > mpmath.mpf(10) ** -20 * abs(x)
        for i, x in enumerate(zeros)
        for y in zeros[i + 1 :]
    )


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
    support, and the optimal step sizes are their reciprocals (polished to 50
    digits by Newton's method on the exact coefficients, then rounded). With noise the
    zeros of :math:`K^*` can be complex (they are for :math:`\sigma` of order
    one at ``n = 20``, ``d = 10``, ``L >= 2``); real GD steps cannot attain that
    polynomial, and the step sizes are then found by BFGS on the exact loss
    (an exact polynomial in the :math:`\eta_l`) from several starts.

    **Precision.** Every loss reported (``loss``, ``losses_by_depth``,
    ``polynomial_loss``) is evaluated in rational arithmetic from the exact
    moments and the returned float step sizes, and rounded once; the
    ordering ``0 <= polynomial_loss <= loss`` is checked exactly. The depth is
    limited only by the exact moments (order ``2 L <= MAX_DEGREE``).

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
        For bad sizes, ``steps > 20``, ``noise_std < 0``, or a ``noise_std``
        so large that the optimal step sizes (of order
        :math:`n/\sigma^2`) underflow double precision.

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
    steps = _check_steps(steps, "steps", minimum=1)
    sigma = check_noise_std(noise_std)
    moments = _spectral_moments(n, d, 2 * steps)
    s = _noise_variance(sigma, n)
    # Scale of the step sizes: the optimal single step m1 / (m2 + s m1).
    scale = float(moments[1] / (moments[2] + s * moments[1]))
    if scale < np.finfo(float).tiny:
        raise ValueError(
            f"noise_std={sigma:g} is too large: the optimal step sizes (about {scale:.3g}) "
            "underflow double precision"
        )

    exact = _ExactLoss(n, d, steps, s)

    def objective(x):
        etas = scale * np.asarray(x)
        grad = exact.gradient(etas)
        return float(exact.loss(etas)), np.array([float(g) * scale for g in grad])

    by_depth, etas = [], np.zeros(0)
    for L in range(1, steps + 1):
        a, poly_loss = _optimal_residual(moments, s, L)
        zeros, attained = _inverse_zeros(a, scale, steps)
        if attained:
            etas = np.sort([z.real for z in zeros])
        else:
            starts = [
                np.sort([z.real for z in zeros]),
                np.append(etas, 0.5 * np.min(etas, initial=scale)),
            ]
            fits = [
                optimize.minimize(objective, x0 / scale, jac=True, method="BFGS") for x0 in starts
            ]
            etas = scale * np.sort(min(fits, key=lambda res: res.fun).x)
        loss = exact.loss(etas)
        if not 0 <= poly_loss <= loss:
            raise ArithmeticError(
                f"optimal_gd_steps: exact losses out of order at L={L} "
                f"(polynomial_loss={float(poly_loss)}, loss={float(loss)})"
            )
        by_depth.append(float(loss))
    return OptimalGDSteps(etas, by_depth[-1], np.array(by_depth), float(poly_loss), attained)
