r"""Exact trace moments of the real Wishart matrix :math:`W = X^T X`.

``X`` is ``n x d`` with i.i.d. N(0, 1) entries.

The moments :math:`E\,\prod_i \mathrm{tr}(W^{k_i})` are polynomials in ``n``
and ``d`` with integer coefficients. They follow from Gaussian integration by
parts (Stein's identity :math:`E[X_{ij} f(X)] = E[\partial f/\partial X_{ij}]`)
applied to :math:`\mathrm{tr}(W^k) = \sum_{ij} X_{ij} (X W^{k-1})_{ij}`. With
:math:`\partial W_{ab}/\partial X_{ij} = \delta_{aj}X_{ib} + X_{ia}\delta_{bj}`
and :math:`P = \prod_j \mathrm{tr}(W^{m_j})`,

.. math::

    E[\mathrm{tr}(W^k) P] = E\Big[\Big((n + k - 1)\,\mathrm{tr}(W^{k-1})
        + \sum_{r=1}^{k-1} \mathrm{tr}(W^{r})\,\mathrm{tr}(W^{k-1-r})\Big) P
        + \sum_j 2 m_j\,\mathrm{tr}(W^{k+m_j-1}) \frac{P}{\mathrm{tr}(W^{m_j})}\Big],

with :math:`\mathrm{tr}(W^0) = d`. Each term has total degree one lower, so the
recursion over multisets of exponents terminates at :math:`E[1] = 1`. It gives
:math:`E\,\mathrm{tr}W = nd`, :math:`E\,\mathrm{tr}W^2 = nd(n + d + 1)` and
:math:`E\,\mathrm{tr}W^3 = nd(n^2 + d^2 + 3nd + 3n + 3d + 4)`, the known
real-Wishart moments (Letac & Massam, "All invariant moments of the Wishart
distribution", Scand. J. Statist. 31 (2004) 295-318).

The arithmetic is generic: integer ``n`` and ``d`` give exact Python integers,
SymPy symbols give the polynomials.

**Cost.** The recursion visits every multiset of exponents of total degree
below the requested one, that is every partition of every integer up to the
total degree :math:`K = \sum_i k_i`: about :math:`e^{\pi\sqrt{2K/3}}` states
(2e5 at ``K = 40``, a few seconds with integer ``n`` and ``d``). Orders above
:data:`MAX_DEGREE` are refused up front with a ``ValueError`` instead of
running for hours.
"""

from __future__ import annotations

import functools
import numbers

__all__ = ["MAX_DEGREE", "wishart_trace_moments", "wishart_trace_product_moment"]

#: Largest total degree sum(powers) (or kmax) the exact recursion accepts.
MAX_DEGREE = 40


def _check_degree(degree: int, what: str) -> None:
    if degree > MAX_DEGREE:
        raise ValueError(
            f"{what} = {degree} exceeds MAX_DEGREE = {MAX_DEGREE}: the exact recursion visits "
            "every partition of every integer up to this degree, and its cost grows like "
            "exp(pi sqrt(2 degree / 3)); use moments of lower order"
        )


@functools.lru_cache(maxsize=8)
def _moment_function(n, d):
    """Return ``F(parts)`` = E prod_i tr(W^parts_i) for a sorted tuple of positive ints.

    Cached per ``(n, d)``, so moments of a higher order reuse the states of
    earlier calls.
    """

    @functools.cache
    def moment(parts: tuple) -> object:
        if not parts:
            return 1
        k, rest = parts[-1], parts[:-1]

        def with_parts(*extra):
            factor, kept = 1, list(rest)
            for e in extra:
                if e == 0:
                    factor = factor * d
                else:
                    kept.append(e)
            return factor * moment(tuple(sorted(kept)))

        total = (n + k - 1) * with_parts(k - 1)
        for r in range(1, k):
            total = total + with_parts(r, k - 1 - r)
        for j, m in enumerate(rest):
            others = rest[:j] + rest[j + 1 :]
            total = total + 2 * m * moment(tuple(sorted(others + (k + m - 1,))))
        return total

    return moment


def _check_size(value, name):
    if isinstance(value, bool) or (
        isinstance(value, numbers.Number) and not isinstance(value, numbers.Integral)
    ):
        raise TypeError(f"{name} must be an integer or a SymPy expression, got {value!r}")
    if isinstance(value, numbers.Integral) and value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def wishart_trace_product_moment(n, d, powers) -> object:
    r"""Exact :math:`E\prod_i \mathrm{tr}((X^TX)^{k_i})` for Gaussian ``X`` of shape (n, d).

    Parameters
    ----------
    n, d : int or sympy.Expr
        Rows and columns of ``X`` (integers ``>= 1``, or symbols).
    powers : sequence of int
        Exponents :math:`k_i \ge 0`.

    Returns
    -------
    int or sympy.Expr
        The moment, exact.

    Raises
    ------
    TypeError
        For non-integer ``n``, ``d`` or ``powers``.
    ValueError
        For ``n < 1``, ``d < 1``, a negative power or a total degree
        ``sum(powers)`` above :data:`MAX_DEGREE` (module docstring, Cost).

    References
    ----------
    Module docstring (Stein recursion); Letac & Massam, Scand. J. Statist. 31 (2004).

    Examples
    --------
    >>> wishart_trace_product_moment(3, 2, [1, 1])  # tr W ~ chi^2_6: 6^2 + 2*6
    48
    """
    n, d = _check_size(n, "n"), _check_size(d, "d")
    parts = []
    for k in powers:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"powers must hold integers, got {k!r}")
        if k < 0:
            raise ValueError(f"powers must be >= 0, got {k}")
        parts.append(int(k))
    _check_degree(sum(parts), "the total degree sum(powers)")
    factor = d ** sum(1 for k in parts if k == 0)
    return factor * _moment_function(n, d)(tuple(sorted(k for k in parts if k > 0)))


def wishart_trace_moments(n, d, kmax: int) -> list:
    r"""Exact :math:`E\,\mathrm{tr}((X^TX)^k)` for ``k = 0, ..., kmax``.

    Parameters
    ----------
    n, d : int or sympy.Expr
        Rows and columns of the Gaussian matrix ``X``.
    kmax : int
        Highest power, ``0 <= kmax <=`` :data:`MAX_DEGREE`.

    Returns
    -------
    list
        ``kmax + 1`` exact moments (Python integers for integer ``n``, ``d``);
        the first is ``d``.

    Raises
    ------
    TypeError, ValueError
        As :func:`wishart_trace_product_moment`; ``ValueError`` for
        ``kmax > MAX_DEGREE``.

    Examples
    --------
    >>> wishart_trace_moments(4, 3, 3)  # d, nd, nd(n+d+1), nd(n^2+d^2+3nd+3n+3d+4)
    [3, 12, 96, 1032]
    """
    if isinstance(kmax, bool) or not isinstance(kmax, numbers.Integral) or kmax < 0:
        raise ValueError(f"kmax must be an integer >= 0, got {kmax!r}")
    _check_degree(int(kmax), "kmax")
    n, d = _check_size(n, "n"), _check_size(d, "d")
    moment = _moment_function(n, d)
    return [d] + [moment((k,)) for k in range(1, int(kmax) + 1)]
