r"""Large-N cumulants and large deviations of radial linear statistics of Coulomb gases.

Model (De Bruyne, Le Doussal, Majumdar, Schehr 2023): N particles in
:math:`\mathbb R^d` with energy
:math:`E = \sum_{i<j} \phi_d(|x_i - x_j|) + \frac N2 \sum_i |x_i|^2`,
:math:`-\Delta\phi_d = \Omega_d\,\delta` (:math:`\Omega_d` the area of the unit
sphere), weight :math:`e^{-\beta E}`. The droplet is the unit ball with
uniform density :math:`d/\Omega_d`.

Tilting the weight by :math:`e^{\beta N \mu L_N}` replaces the trap
:math:`r^2/2` by :math:`r^2/2 - \mu f(r)`; the equilibrium density stays
:math:`(d - \mu \Delta f)/\Omega_d` (local, the Coulomb property) on a ball
whose radius solves the charge (Gauss) condition

.. math:: R^d - \mu R^{d-1} f'(R) = 1 .

With :math:`m(\mu) = \int f \rho_\mu`, one finds :math:`m'(\mu) =
\int_0^{R(\mu)} r^{d-1} f'(r)^2\,dr`, and
:math:`\log E e^{s L_N} \simeq \beta N^2 \int_0^\mu m` at :math:`s = \beta N \mu`.
Hence the cumulants

.. math:: \kappa_2 \to \frac1\beta \int_0^1 r^{d-1} f'(r)^2\,dr ,\qquad
   N^{p-2}\kappa_p \to \frac{1}{\beta^{p-1}} \frac{d^{p-3}}{dR^{p-3}}
   \Big[R^{d-1} f'(R)^2 \big(R^{d-1} f'(R)\, q(R)\big)^{p-2}\Big]_{R=1},
   \quad p \ge 3,

with :math:`q(R) = (R-1)/(R^d-1) = 1/(1 + R + \dots + R^{d-1})` (Lagrange
inversion of the charge condition): only :math:`f'` and its derivatives at
the edge :math:`R = 1` enter for :math:`p \ge 3`, the paper's main result.

Source and equation numbers. Only the opening of arXiv:2310.16420 could be
read from this workplace (title, abstract, the start of Sec. 1.1; checked
again with many targeted searches of the stored copies, e.g. ar5iv and the
Hugging Face mirror, none of which holds the body). What it states, and what
the code matches: the particles interact by the d-dimensional Coulomb
potential (for which Sec. 1.1 points to the paper's Eq. (5)), f and the trap are
rotationally invariant, the droplet is a d-dimensional ball, the cumulants of
order :math:`p \ge 3` depend only on :math:`f'` and its derivatives at the
droplet boundary, d = 2, beta = 2 is the Ginibre ensemble (there derived with
determinantal point processes), and the full law of :math:`L_N` has a
large-deviation form. The follow-up by Le Doussal and Schehr
(arXiv:2503.18586, 2025) restates, in its abstract, that these cumulants
scale as :math:`N^{2-p}` and come from a boundary layer of width
:math:`N^{-1/2}`. The explicit formulas above were therefore derived here
from the model fixed in issue #14, not transcribed, and the paper's equation
numbers for orders 2, 3, 4, p and the rate function are not quoted (the
paper's own normalisation of the trap and of beta could not be compared).
They are checked against the exact Kostlan cumulants at d = 2, beta = 2 for
orders 2 to 4 and non-quadratic f (relative error O(1/N); orders 5 and 6
behave the same, for r^4 + r^2, cos 2r and exp(r^2)), the exact Gamma
law of :math:`\sum |x_i|^2` at d = 2 and any beta, and MCMC at d = 1, 3
(``tests/theory_sims/coulomb``).
"""

from __future__ import annotations

import math

import numpy as np
import sympy
from scipy.integrate import quad

from gpu.validate import check_int, check_real
from theory_sims.coulomb._checks import radial_symbol

__all__ = ["asymptotic_cumulants", "rate_function", "edge_coefficient"]


def _check_model(d, beta):
    d = check_int(d, "d", minimum=1)
    beta = check_real(beta, "beta", low=0.0, low_inclusive=False)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta}")
    return d, beta


def _check_orders(orders):
    try:
        items = tuple(orders)
    except TypeError:
        raise TypeError(f"orders must be a sequence of ints, got {type(orders).__name__}") from None
    if not items:
        raise ValueError("orders must not be empty")
    out = []
    for p in items:
        p = check_int(p, "orders")
        if p < 2:
            raise ValueError(
                f"orders: order {p} is not implemented (the large-N formulas cover p >= 2)"
            )
        out.append(p)
    return tuple(out)


def edge_coefficient(f, p, *, d=2):
    r"""Exact :math:`\beta^{p-1} \lim N^{p-2}\kappa_p` for :math:`p \ge 3`, as a SymPy number.

    The derivative of order :math:`p-3` at the edge :math:`R = 1` of
    :math:`R^{d-1} f'(R)^2 (R^{d-1} f'(R) q(R))^{p-2}`, see the module docstring.

    Examples
    --------
    >>> r = sympy.Symbol("r")
    >>> sympy.simplify(edge_coefficient(r**2, 3))  # f'(1)^3 / d = 8 / 2
    4
    """
    r = radial_symbol(f)
    p = check_int(p, "p", minimum=3)
    d = check_int(d, "d", minimum=1)
    R = sympy.Dummy("R", positive=True)
    slope = sympy.diff(f, r).subs(r, R)
    q = 1 / sum(R**j for j in range(d))
    body = R ** (d - 1) * slope**2 * (R ** (d - 1) * slope * q) ** (p - 2)
    return sympy.diff(body, R, p - 3).subs(R, 1)


def _variance_coefficient(f, r, d):
    integrand = sympy.lambdify(r, r ** (d - 1) * sympy.diff(f, r) ** 2, modules="math")
    value, _ = quad(lambda x: float(integrand(x)), 0.0, 1.0, epsabs=0.0, epsrel=1e-13, limit=200)
    return value


def asymptotic_cumulants(f, N, *, d=2, beta=2.0, orders=(2, 3, 4)):
    r"""Large-N cumulants of :math:`L_N = \sum_i f(|x_i|)` in the d-dimensional Coulomb gas.

    Leading terms for the model of the module docstring:

    - order 2: :math:`\kappa_2 = \beta^{-1}\int_0^1 r^{d-1} f'(r)^2 dr` (the
      classical variance; at d = 2, beta = 2 it is
      :func:`linalg.ginibre_variance_limit`);
    - order :math:`p \ge 3`: :math:`\kappa_p = N^{2-p} \beta^{1-p}
      \partial_R^{p-3}[R^{d-1} f'(R)^2 (R^{d-1} f'(R) q(R))^{p-2}]_{R=1}`,
      e.g. :math:`\kappa_3 = f'(1)^3 / (d \beta^2 N)` and, at d = 2,
      :math:`\kappa_4 = f'(1)^3 (f'(1)/2 + f''(1)) / (\beta^3 N^2)`; the
      exact SymPy coefficient is :func:`edge_coefficient`.

    These implement the result announced by De Bruyne, Le Doussal, Majumdar
    and Schehr (arXiv:2310.16420, 2023; Sec. 1, "Introduction and main
    results"): cumulants of order :math:`p \ge 3` of order
    :math:`N^{2-p}` that depend only on :math:`f'` and its derivatives at
    the droplet edge. Paper equation numbers: none quoted for any order
    (2, 3, 4 or general p), because the paper's body could not be read from
    this workplace; the formulas were derived here from the tilted
    equilibrium measure (module docstring) and checked numerically. At d = 2,
    beta = 2 the relative finite-N correction is O(1/N) (checked against
    :func:`exact_cumulants` for polynomials, exp(r^2) and cos).

    The formulas need :math:`f(|x|)` smooth on the droplet, in particular
    :math:`f'(0) = 0`: a cone at the origin (e.g. :math:`f = e^r`) adds
    contributions of the particles near the centre, of relative order
    :math:`N^{-1/2}` to :math:`\kappa_3` and :math:`O(1)` to
    :math:`N^2\kappa_4` (about -0.4% for :math:`e^r` at d = 2, beta = 2).

    Parameters
    ----------
    f : sympy.Expr
        Expression in one symbol, the radius; smooth near [0, 1].
    N : int
        Number of particles, ``N >= 1``.
    d : int
        Dimension, ``d >= 1``.
    beta : float
        Inverse temperature, ``beta > 0``.
    orders : sequence of int
        Orders ``p >= 2`` (any; general order is implemented).

    Returns
    -------
    dict
        ``{p: kappa_p}`` as floats.

    Raises
    ------
    TypeError
        If ``f`` is not a SymPy expression.
    ValueError
        If ``f`` has more than one free symbol (not radial), ``N < 1``,
        ``d < 1``, ``beta <= 0`` or an order is below 2.

    Examples
    --------
    >>> r = sympy.Symbol("r")
    >>> c = asymptotic_cumulants(r**2, 100)
    >>> round(c[2], 12), round(c[3] * 100, 12)
    (0.5, 1.0)
    """
    r = radial_symbol(f)
    N = check_int(N, "N", minimum=1)
    d, beta = _check_model(d, beta)
    orders = _check_orders(orders)
    out = {}
    for p in orders:
        if p == 2:
            out[2] = _variance_coefficient(f, r, d) / beta
        else:
            coefficient = float(edge_coefficient(f, p, d=d))
            out[p] = coefficient / (beta ** (p - 1) * float(N) ** (p - 2))
    return out


def rate_function(f, ell, *, d=2):
    r"""Large-deviation rate function of :math:`L_N/N` for :math:`f(r) = c\,r^2`.

    :math:`P(L_N \approx N\ell) \asymp \exp(-\beta N^2 \Psi(\ell))` with
    :math:`\Psi(\ell) = \sup_\mu [\mu \ell - G(\mu)]`, :math:`G' = m`. For
    :math:`f = c r^2` the tilted droplet stays uniform, of radius
    :math:`R^d = 1/(1 - 2c\mu)`, and :math:`m(\mu) = c\,a\,R^2` with
    :math:`a = d/(d+2)`. Writing :math:`y = \ell/(c a)` and
    :math:`s = y^{-d/2}`:

    .. math:: \Psi(\ell) = \frac{(1 - s)\,\ell}{2c} - \frac{a}{2}\,
       \frac{1 - s^{1 - 2/d}}{1 - 2/d}\quad (d \ne 2),\qquad
       \Psi(\ell) = \frac14\,(2\ell/c - 1 - \log(2\ell/c))\quad (d = 2).

    At d = 2 this is exact for every beta: :math:`\sum|x_i|^2` is
    :math:`\mathrm{Gamma}(N + \beta N(N-1)/4,\ \beta N/2)` by scaling.
    De Bruyne et al. (arXiv:2310.16420, 2023) state in their abstract that
    the law of :math:`L_N` takes a large-deviation form; whether they give
    this closed form, and under which equation number, could not be checked
    (their body was not readable here), so none is quoted. Other f need the
    general Legendre transform, not implemented here.

    Parameters
    ----------
    f : sympy.Expr
        :math:`c r^2` with a non-zero number c, in one symbol.
    ell : float or array_like
        Values of :math:`L_N/N`, with :math:`\ell/c > 0`.
    d : int
        Dimension, ``d >= 1``.

    Returns
    -------
    numpy.ndarray or float
        :math:`\Psi(\ell)`, zero at :math:`\ell = c\,d/(d+2)`.

    Raises
    ------
    ValueError
        If ``f`` is not of the form :math:`c r^2`, or some ``ell/c <= 0``.

    Examples
    --------
    >>> r = sympy.Symbol("r")
    >>> float(rate_function(r**2, 0.5))
    0.0
    """
    r = radial_symbol(f)
    d = check_int(d, "d", minimum=1)
    c = sympy.simplify(f / r**2)
    if c.free_symbols or c == 0:
        raise ValueError(
            f"f: the rate function is implemented in closed form for f = c*r**2 only, got {f}"
        )
    c = float(c)
    ell = np.asarray(ell, dtype=np.float64)
    a = d / (d + 2.0)
    y = ell / (c * a)
    if np.any(~np.isfinite(y)) or np.any(y <= 0):
        raise ValueError(f"ell/c must be positive and finite, got ell = {ell} with c = {c}")
    if d == 2:
        out = 0.25 * (2.0 * ell / c - 1.0 - np.log(2.0 * ell / c))
    else:
        s = y ** (-d / 2.0)
        expo = 1.0 - 2.0 / d
        out = (1.0 - s) * ell / (2.0 * c) - 0.5 * a * (1.0 - s**expo) / expo
    return out if out.ndim else float(out)
