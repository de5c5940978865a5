r"""Exact Kantorovich potentials of optimal transport on the line, batched, without autodiff.

On the line the optimal plan of the cost :math:`|x - y|^p` (:math:`p \ge 1`) is
the monotone (north-west corner) plan, whose cells form a staircase path
through the sorted supports: :math:`n + m - 1` cells, a spanning tree of the
bipartite graph once ties of the cumulative weights are broken by advancing
the first measure first. The dual constraints are tight on the tree,
:math:`f_i + g_j = c(x_i, y_j)`, which fixes the potentials up to one constant:

.. math::

    f_i - f_{i-1} = c(x_i, y_{J(i)}) - c(x_{i-1}, y_{J(i)}), \qquad
    g_j = c(x_{I(j)}, y_j) - f_{I(j)},

where :math:`(i-1, J(i))` and :math:`(i, J(i))` are the tree cells where row
:math:`i` starts and :math:`(I(j), j)` the first cell of column :math:`j`. The
cost is a Monge array (:math:`c(x, y) = h(x - y)` with :math:`h` convex), so
these potentials are dual feasible, :math:`f_i + g_j \le c(x_i, y_j)` for every
pair, and :math:`\sum_i a_i f_i + \sum_j b_j g_j` equals :math:`W_p^p` (weak
duality with equality on the plan). Everything is sorting, cumulative sums and
gathers, written against the namespace of the inputs (NumPy, CuPy, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import result_float_dtype
from gpu.records import Record
from transport._rowsearch import rows_count
from transport._validation import check_measure_pair, check_p, named_arrays

__all__ = ["DualResult", "wasserstein_1d_dual"]


@dataclass(frozen=True)
class DualResult(Record):
    r"""Result of :func:`wasserstein_1d_dual`.

    Attributes
    ----------
    f : array, shape (..., n)
        Potential on each atom of ``u_values`` (input order).
    g : array, shape (..., m)
        Potential on each atom of ``v_values`` (input order).
    value : array or NumPy scalar, shape (...)
        :math:`W_p^p = \sum_i a_i f_i + \sum_j b_j g_j` (the p-th power, like the
        linear program's value; ``value ** (1 / p)`` is
        :func:`transport.wasserstein_1d`).
    """

    f: object
    g: object
    value: object


def _sorted_rows(xp, x, w):
    """Sorted rows of ``x`` (B, k), their permutation, the weights in that order, their cumsum."""
    order = xp.argsort(x, axis=-1, stable=True)
    xs = xp.take_along_axis(x, order, axis=-1)
    if w is None:
        ws = xp.ones_like(xs) / xs.shape[-1]
    else:
        ws = xp.take_along_axis(xp.astype(w, xp.float64), order, axis=-1)
    c = xp.cumulative_sum(ws, axis=-1)
    c = c / c[..., -1:]
    return xs, order, ws, c


def _unsort(xp, values, order):
    """Put row-sorted ``values`` back in the input order given by the permutation ``order``."""
    inverse = xp.argsort(order, axis=-1, stable=True)
    return xp.take_along_axis(values, inverse, axis=-1)


def _cost(x, y, p):
    d = abs(x - y)
    return d * d if p == 2.0 else d**p


def wasserstein_1d_dual(u_values, v_values, u_weights=None, v_weights=None, *, p=2):
    r"""Exact dual potentials and value of optimal transport on the line, batched.

    Solves the dual of :math:`W_p^p(\mu, \nu)` for
    :math:`\mu = \sum_i a_i \delta_{x_i}`, :math:`\nu = \sum_j b_j \delta_{y_j}`:

    .. math::

        W_p^p(\mu, \nu) = \max_{f_i + g_j \le |x_i - y_j|^p}
        \sum_i a_i f_i + \sum_j b_j g_j

    in closed form from the monotone plan (see :mod:`transport.dual`), with no
    linear program and no automatic differentiation. Potentials are unique up
    to :math:`(f + k, g - k)`; this function picks the constant that makes
    :math:`\sum_i a_i f_i = \sum_j b_j g_j = W_p^p / 2`, so swapping the two
    measures swaps ``f`` and ``g``. Where the dual is unique up to that
    constant (distinct cumulative weights), ``f`` is the gradient of
    :math:`W_p^p` with respect to ``a`` along mass-preserving perturbations
    (and ``g`` with respect to ``b``).

    Parameters
    ----------
    u_values : array_like, shape (..., n)
        Support of the first measure(s); leading axes are batch axes.
    v_values : array_like, shape (..., m)
        Support of the second measure(s).
    u_weights, v_weights : array_like, shape (..., n) / (..., m), optional
        Non-negative weights (default uniform) of equal total mass, normalised
        to mass 1. Zero weights are allowed: their atoms get feasible potentials.
    p : float
        Exponent of the cost :math:`|x - y|^p`, ``p >= 1``.

    Returns
    -------
    DualResult
        ``f`` (..., n), ``g`` (..., m) in the input order of the atoms and the
        value :math:`W_p^p` (...), on the device of the inputs, in their
        floating dtype (computed in float64).

    Raises
    ------
    ValueError
        NaN or infinite values or weights, negative weights, total masses that
        differ, empty supports, batch shapes that do not broadcast, ``p < 1``,
        or a ``p`` for which :math:`|x - y|^p` overflows float64.
    TypeError
        Complex input or arrays from different libraries.

    References
    ----------
    .. [1] Peyre, Cuturi, "Computational Optimal Transport", Foundations and
       Trends in ML 11 (2019), Section 3.1 (north-west corner rule) and Remark 2.30.
    .. [2] Burkard, Klinz, Rudolf, "Perspectives of Monge properties in
       optimization", Discrete Appl. Math. 70 (1996), Section 3 (Monge transport).

    Examples
    --------
    >>> import numpy as np
    >>> r = wasserstein_1d_dual(np.array([0.0, 1.0]), np.array([0.5, 2.0]))
    >>> float(r.value), r.f.tolist(), r.g.tolist()
    (0.625, [0.3125, 0.3125], [-0.0625, 0.6875])
    """
    xp, (u_values, v_values, u_weights, v_weights) = named_arrays(
        u_values=u_values, v_values=v_values, u_weights=u_weights, v_weights=v_weights
    )
    p = check_p(p)
    u_values, v_values, u_weights, v_weights, batch = check_measure_pair(
        xp, u_values, v_values, u_weights, v_weights
    )
    dtype = result_float_dtype(xp, u_values, v_values, u_weights, v_weights)
    n, m = u_values.shape[-1], v_values.shape[-1]
    size = int(np.prod(batch))

    def rows(x, k):
        if x is None:
            return None
        x = xp.astype(x, xp.float64)
        return xp.reshape(xp.broadcast_to(x, (*batch, k)), (size, k))

    x, ou, a, cu = _sorted_rows(xp, rows(u_values, n), rows(u_weights, n))
    y, ov, b, cv = _sorted_rows(xp, rows(v_values, m), rows(v_weights, m))
    zero = xp.zeros_like(cu[:, :1])
    cu_prev = xp.concat([zero, cu[:, :-1]], axis=-1)
    cv_prev = xp.concat([zero, cv[:, :-1]], axis=-1)
    J = xp.clip(rows_count(xp, cv, cu_prev), max=m - 1)  # column where row i starts
    I = xp.clip(rows_count(xp, cu, cv_prev, inclusive=True), max=n - 1)  # first row of column j
    yJ = xp.take_along_axis(y, J, axis=-1)
    with np.errstate(over="ignore", invalid="ignore"):
        step = _cost(x[:, 1:], yJ[:, 1:], p) - _cost(x[:, :-1], yJ[:, 1:], p)
        f = xp.concat([zero, xp.cumulative_sum(step, axis=-1)], axis=-1)
        g = _cost(xp.take_along_axis(x, I, axis=-1), y, p) - xp.take_along_axis(f, I, axis=-1)
        fa = xp.sum(a * f, axis=-1)
        gb = xp.sum(b * g, axis=-1)
        shift = 0.5 * (gb - fa)
    if not (bool(xp.all(xp.isfinite(shift))) and bool(xp.all(xp.isfinite(f)))):
        raise ValueError(
            f"p = {p} is too large for these values: |x - y|**p overflows float64; "
            "rescale the supports"
        )
    f = _unsort(xp, f + shift[:, None], ou)
    g = _unsort(xp, g - shift[:, None], ov)
    value = fa + gb

    def out(z, shape):
        z = xp.astype(xp.reshape(z, shape), dtype)
        return z[()] if isinstance(z, np.ndarray) and z.ndim == 0 else z

    return DualResult(f=out(f, (*batch, n)), g=out(g, (*batch, m)), value=out(value, batch))
