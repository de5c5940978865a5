r"""Exact optimal partial transport (OPT) between weighted point sets on the line, batched.

Penalty form (``lam``): creating or destroying one unit of mass costs ``lam``,

.. math::

    \mathrm{OPT}_\lambda(\mu, \nu) = \min_{\gamma \ge 0,\ \gamma 1 \le a,\ \gamma^T 1 \le b}
    \sum_{ij} \gamma_{ij} |x_i - y_j|^p + \lambda\,(|a| - |\gamma|) + \lambda\,(|b| - |\gamma|),

so a unit is transported from :math:`x_i` to :math:`y_j` only when
:math:`|x_i - y_j|^p < 2\lambda` (Bai, Schmitzer, Thorpe, Kolouri, "Sliced optimal
partial transport", CVPR 2023, Section 2; Bai et al., ICML 2023, the OPT background,
and equation (1) of their ``Baio0/LinearOPT`` README). Mass form (``mass``):
minimise :math:`\sum \gamma_{ij}|x_i - y_j|^p` over the same sub-couplings with
:math:`|\gamma| = m` (Figalli, ARMA 2010; Chapel, Alaya, Gasso, NeurIPS 2020, Section 2).

Equal weights (the case of the papers and of ``ot.partial.partial_wasserstein_1d``)
use an exact dynamic programme over the merged sorted supports
(:mod:`transport._kernels.partial`); the mass form is solved on it by an exact
parametric search over ``lam``. General weights use POT's exact network simplex on
the problem with one dummy atom per side (:mod:`transport._opt_plans`), which holds
an (n + 1) x (m + 1) cost matrix per row. CPU only: CuPy inputs are moved to the host.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gpu.backend import result_float_dtype, to_numpy
from gpu.records import Record
from gpu.validate import check_real, check_real_dtype, check_weights
from transport._kernels.partial import partial_unit_mass_row, partial_unit_rows
from transport._opt_plans import opt_plan_lam, opt_plan_mass
from transport._validation import as_real_floating, batch_shape, check_p, named_arrays

__all__ = ["PartialResult", "partial_wasserstein_1d"]

# Relative slack on ``mass <= min(|a|, |b|)``, for masses computed in floating point.
MASS_RTOL = 1e-12

# Largest dense problem (entries of the (n + 1) x (m + 1) cost matrix) that the
# general-weight path hands to the network simplex: about 200 MB of float64.
DENSE_MAX_ENTRIES = 25_000_000

# Bisection steps of the mass form: the bracket on lam halves each step, so 200
# steps reach adjacent floating-point numbers from any starting bracket.
MAX_BISECTION_STEPS = 200


@dataclasses.dataclass(frozen=True)
class PartialResult(Record):
    """Optimal partial transport between two weighted point sets on the line.

    Attributes
    ----------
    cost : float or ndarray, shape batch
        The optimal value: transport cost plus ``lam`` times the created and
        destroyed mass (penalty form), or the transport cost alone (mass form).
    transport_cost : float or ndarray, shape batch
        :math:`\\sum_{ij} \\gamma_{ij} |x_i - y_j|^p` of the optimal plan.
    transported_mass : float or ndarray, shape batch
        :math:`|\\gamma|`.
    rows, cols : ndarray of int64, shape (..., k)
        Indices into ``x`` and ``y`` (last axis) of the plan's entries; batched
        results are padded with -1 to the longest plan of the batch.
    mass : ndarray, shape (..., k)
        Mass of each entry (0 in the padding).
    """

    cost: object
    transport_cost: object
    transported_mass: object
    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray


def _check_values(xp, x, name):
    x = as_real_floating(xp, x, name)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one atom on its last axis, got {x.shape}")
    return to_numpy(x).astype(np.float64)


def check_positive_weights(xp, w, n, name):
    if w is None:
        return None
    check_real_dtype(w, name)
    check_weights(w, name, n=n)
    w = to_numpy(w).astype(np.float64)
    if np.any(w <= 0.0):
        raise ValueError(f"{name} must be positive; drop atoms of zero mass instead")
    return w


def _check_penalty(lam, mass):
    if (lam is None) == (mass is None):
        raise ValueError(
            "give exactly one of lam (price of a unit of created or destroyed mass) and mass "
            f"(total mass to transport), got lam={lam!r}, mass={mass!r}"
        )
    if lam is not None:
        lam = check_real(lam, "lam", low=0.0, low_inclusive=False)
        return lam, None
    mass = check_real(mass, "mass", low=0.0)
    return None, mass


def _pack(values, batch, k_max, empty_dtype):
    out = np.full((*batch, k_max), -1 if empty_dtype == np.int64 else 0.0, dtype=empty_dtype)
    flat = out.reshape(len(values), k_max)
    for r, v in enumerate(values):
        flat[r, : len(v)] = v
    return out


def _unit_mass_row(xs, ys, count, p):
    """Sorted-index plan parts transporting ``count`` (possibly fractional) unit masses, exactly.

    The transported count k(lam) of the penalty form is nondecreasing; bisection on
    lam brackets the value lam* at which k jumps over ``count``
    (:func:`transport._kernels.partial.partial_unit_mass_row`). The plans at the two
    ends of the bracket are both optimal at lam*, so the convex combination that
    transports ``count`` is optimal for the mass form (the LP value is linear on
    the segment between them).
    """
    rows, cols, k_lo, k_hi = partial_unit_mass_row(xs, ys, count, p, MAX_BISECTION_STEPS)
    if k_lo == k_hi:
        return [(rows[0, :k_lo], cols[0, :k_lo], 1.0)]
    theta = (k_hi - count) / (k_hi - k_lo)
    return [(rows[0, :k_lo], cols[0, :k_lo], theta), (rows[1, :k_hi], cols[1, :k_hi], 1.0 - theta)]


def _merge_plans(parts, order_x, order_y, unit):
    rows = np.concatenate([order_x[r] for r, _, _ in parts])
    cols = np.concatenate([order_y[c] for _, c, _ in parts])
    mass = np.concatenate([np.full(len(r), unit * share) for r, _, share in parts])
    keep = mass > 0.0
    rows, cols, mass = rows[keep], cols[keep], mass[keep]
    key = rows * (len(order_y) + 1) + cols
    uniq, inverse = np.unique(key, return_inverse=True)
    merged = np.zeros(len(uniq))
    np.add.at(merged, inverse, mass)
    return uniq // (len(order_y) + 1), uniq % (len(order_y) + 1), merged


def _dense_row(x, y, a, b, lam, mass, p):
    cost = np.abs(x[:, None] - y[None, :]) ** p
    plan = opt_plan_lam(a, b, cost, lam) if lam is not None else opt_plan_mass(a, b, cost, mass)
    rows, cols = np.nonzero(plan > 0.0)
    return rows, cols, plan[rows, cols]


def partial_wasserstein_1d(x, y, x_weights=None, y_weights=None, *, lam=None, mass=None, p=2):
    r"""Exact optimal partial transport on the real line, batched over leading axes.

    Exactly one of ``lam`` and ``mass`` is given. With ``lam`` the problem is

    .. math::

        \min_{\gamma} \sum_{ij}\gamma_{ij}|x_i - y_j|^p
        + \lambda\big(|a| - |\gamma|\big) + \lambda\big(|b| - |\gamma|\big)

    over :math:`\gamma \ge 0` with :math:`\gamma 1 \le a`, :math:`\gamma^T 1 \le b`:
    creating or destroying one unit of mass costs ``lam``, so a unit moves only
    where :math:`|x_i - y_j|^p < 2\lambda` (Bai et al., CVPR 2023, Section 2). With
    ``mass`` the same sub-couplings are constrained to :math:`|\gamma| = m` and
    only the transport cost is minimised.

    Parameters
    ----------
    x : array_like, shape (..., n)
        Source atoms; leading axes are batch axes (broadcast against ``y``).
    y : array_like, shape (..., m)
        Target atoms.
    x_weights, y_weights : array_like, shape (..., n) / (..., m), optional
        Positive masses, not normalised (the two totals may differ). Default: every
        atom has mass 1, as in ``ot.partial.partial_wasserstein_1d``.
    lam : float, optional
        Price of creating or destroying one unit of mass, ``lam > 0``.
    mass : float, optional
        Total mass to transport, ``0 <= mass <= min(|a|, |b|)`` in every row.
    p : float
        Exponent of the ground cost :math:`|x - y|^p`, ``p >= 1``.

    Returns
    -------
    PartialResult
        ``cost`` (the optimal value), ``transport_cost``, ``transported_mass`` and
        the sparse plan ``rows``, ``cols``, ``mass``, in the floating dtype of the
        inputs (NumPy, on the host).

    Raises
    ------
    ValueError
        NaN or infinite values or weights, weights that are not positive, empty
        supports, batch shapes that do not broadcast, ``p < 1``, ``lam <= 0``, both
        or neither of ``lam`` and ``mass``, ``mass`` larger than the available mass,
        or unequal weights on more than :data:`DENSE_MAX_ENTRIES` atom pairs.
    TypeError
        Non-real values or weights.

    Notes
    -----
    Equal weights (all atoms of both sides with one common mass) run an exact
    O((n + m) depth) dynamic programme (see :mod:`transport._kernels.partial`) and,
    for ``mass``, an exact bisection over ``lam``. Other weights run POT's exact
    network simplex on the dense problem with one dummy atom per side.

    References
    ----------
    .. [1] Bai, Schmitzer, Thorpe, Kolouri, "Sliced optimal partial transport",
       CVPR 2023, Sections 2-3 (the OPT problem and its 1-D structure).
    .. [2] Chapel, Alaya, Gasso, "Partial optimal transport with applications on
       positive-unlabeled learning", NeurIPS 2020 (the mass form and its dummy-point
       reformulation).

    Examples
    --------
    >>> import numpy as np
    >>> res = partial_wasserstein_1d([0.0, 1.0, 10.0], [0.5, 1.5], lam=1.0)
    >>> float(res.cost), float(res.transported_mass)
    (1.5, 2.0)
    """
    xp, (x, y, x_weights, y_weights) = named_arrays(
        x=x, y=y, x_weights=x_weights, y_weights=y_weights
    )
    p = check_p(p)
    lam, mass = _check_penalty(lam, mass)
    dtype = result_float_dtype(xp, x, y, x_weights, y_weights)
    xs = _check_values(xp, x, "x")
    ys = _check_values(xp, y, "y")
    n, m = xs.shape[-1], ys.shape[-1]
    a = check_positive_weights(xp, x_weights, n, "x_weights")
    b = check_positive_weights(xp, y_weights, m, "y_weights")
    batch = batch_shape(x=xs, y=ys, x_weights=a, y_weights=b)
    size = int(np.prod(batch))
    xs = np.broadcast_to(xs, (*batch, n)).reshape(size, n)
    ys = np.broadcast_to(ys, (*batch, m)).reshape(size, m)
    a = np.ones((size, n)) if a is None else np.broadcast_to(a, (*batch, n)).reshape(size, n)
    b = np.ones((size, m)) if b is None else np.broadcast_to(b, (*batch, m)).reshape(size, m)
    if mass is not None:
        available = np.minimum(a.sum(axis=1), b.sum(axis=1))
        if np.any(mass > available * (1.0 + MASS_RTOL)):
            raise ValueError(
                f"mass must be at most the smaller total mass, "
                f"{float(available.min()):.6g}; got {mass}"
            )
    unit = a.flat[0]
    equal = bool(np.all(a == unit) and np.all(b == unit))
    plans = []
    if equal:
        order_x = np.argsort(xs, axis=1, kind="stable")
        order_y = np.argsort(ys, axis=1, kind="stable")
        sx = np.take_along_axis(xs, order_x, axis=1)
        sy = np.take_along_axis(ys, order_y, axis=1)
        if lam is not None:
            _, rows, cols, k = partial_unit_rows(sx, sy, np.full(size, lam), p)
            parts = [[(rows[r, : k[r]], cols[r, : k[r]], 1.0)] for r in range(size)]
        else:
            parts = [
                _unit_mass_row(sx[r], sy[r], min(mass / unit, min(n, m)), p) for r in range(size)
            ]
        for r in range(size):
            plans.append(_merge_plans(parts[r], order_x[r], order_y[r], unit))
    else:
        if (n + 1) * (m + 1) > DENSE_MAX_ENTRIES:
            raise ValueError(
                f"x_weights and y_weights differ from one common mass, which needs the dense "
                f"({n + 1}, {m + 1}) network-simplex problem, larger than {DENSE_MAX_ENTRIES:.0e} "
                "entries; use equal weights (the exact linear-time programme) or fewer atoms"
            )
        for r in range(size):
            plans.append(_dense_row(xs[r], ys[r], a[r], b[r], lam, mass, p))
    transport = np.array(
        [np.sum(pm * np.abs(xs[r, pr] - ys[r, pc]) ** p) for r, (pr, pc, pm) in enumerate(plans)]
    )
    moved = np.array([np.sum(pm) for _, _, pm in plans])
    cost = transport
    if lam is not None:
        cost = transport + lam * (a.sum(axis=1) + b.sum(axis=1) - 2.0 * moved)
    k_max = max(len(pr) for pr, _, _ in plans)
    rows = _pack([pr for pr, _, _ in plans], batch, k_max, np.int64)
    cols = _pack([pc for _, pc, _ in plans], batch, k_max, np.int64)
    masses = _pack([pm for _, _, pm in plans], batch, k_max, np.float64).astype(dtype)
    if batch == ():
        rows, cols, masses = rows.reshape(-1), cols.reshape(-1), masses.reshape(-1)

    def shaped(v):
        v = v.reshape(batch).astype(dtype)
        return v[()] if v.ndim == 0 else v

    return PartialResult(
        cost=shaped(cost),
        transport_cost=shaped(transport),
        transported_mass=shaped(moved),
        rows=rows,
        cols=cols,
        mass=masses,
    )
