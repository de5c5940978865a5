r"""Linear circular optimal transport (LCOT): exact embeddings and distance matrices.

Martin, Medri, Bai, Liu, Yan, Rohde and Kolouri (ICLR 2024) embed a measure
:math:`\nu` on the circle :math:`\mathbb{R}/\mathbb{Z} \cong [0, 1)` by the
displacement of the optimal circular transport map from a fixed reference
:math:`\mu`, :math:`\hat\nu(x) = T_\nu(x) - x` (their Section 3), and compare
two measures by

.. math::

    \mathrm{LCOT}_{\mu,2}(\nu_1, \nu_2)^2
    = \int_0^1 |\hat\nu_1(x) - \hat\nu_2(x)|_{S^1}^2 \, d\mu(x),
    \qquad |d|_{S^1} = \min_{k \in \mathbb{Z}} |d - k|

(the LCOT metric of their Section 3; POT's ``ot.linear_circular_ot`` implements
the same formula on a grid). With lifted quantile functions (:math:`Q(t + 1) = Q(t) + 1`)
the optimal map sends the reference level :math:`s = F_\mu(x)` to
:math:`T_\nu = Q_\nu(s - \theta_\nu)`, where :math:`\theta_\nu` minimises the
convex cost :math:`h(\theta) = \int_0^1 |Q_\nu(s - \theta) - Q_\mu(s)|^2 ds`
(Delon, Salomon, Sobolevski 2010). For a discrete :math:`\nu` this map is a
step function of :math:`s`, so the embedding is stored exactly as its pieces
(no grid) and two embeddings are compared by one merge of their pieces:
against an atomless reference, :math:`\hat\nu_1 - \hat\nu_2 = T_1 - T_2` and the
change of variables :math:`s = F_\mu(x)` makes the integral a sum over merged
pieces. Against the uniform reference :math:`\theta_\nu = \int z\,d\nu(z) - 1/2`
(closed form, used by the paper and by POT); against any other reference
:math:`\theta_\nu` is the root of the non-decreasing slope

.. math:: h'(\theta) \propto \sum_j J_j \big(Q_\mu(s_j) - m_j\big)

over the jumps :math:`j` of :math:`s \mapsto Q_\nu(s - \theta)` (positions
:math:`s_j`, sizes :math:`J_j`, lifted midpoints :math:`m_j`), found by bisection
to adjacent floats. A discrete reference :math:`\mu = \sum_i a_i \delta_{x_i}`
gives the barycentric embedding :math:`e_i = a_i^{-1}\int_{F_\mu(x_i^-)}^{F_\mu(x_i)}
(T_\nu(s) - x_i)\, ds` (the LOT construction of Wang et al., IJCV 2013) and
:math:`\mathrm{LCOT}^2 = \sum_i a_i |e^1_i - e^2_i|_{S^1}^2`.

**POT's** ``ot.linear_circular_ot`` **(0.9.x)**. Its embedding evaluates the
quantile function with ``searchsorted`` on the cumulative weights *with a
leading zero* but indexes the unpadded support, so every level inside atom
``i``'s mass returns atom ``i + 1`` (the last atom is clipped). That off-by-one
atom, not its 100-point grid nor a convention, is why its value to the uniform
law differs from the closed form ``ot.semidiscrete_wasserstein2_unif_circle``
by factors up to about 10 on measures of 3 to 5 points (about 1.8 at 100
points): with the index fixed, the same 100-point grid agrees to within a
few percent (the grid's own error). POT also returns the squared distance
:math:`\mathrm{LCOT}^2`; these functions return :math:`\mathrm{LCOT}` itself.
POT's closed form
``ot.semidiscrete_wasserstein2_unif_circle`` sorts the positions but not their
weights, so it is only right for weights given in sorted order of positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpu.backend import namespace, result_float_dtype, to_numpy
from gpu.records import Record
from gpu.validate import check_int
from transport._rowsearch import rows_count
from transport._validation import (
    as_real_floating,
    batch_shape,
    named_arrays,
    normalised_weights,
)
from transport.one_d import sort_with_weights

__all__ = [
    "CircleReference",
    "LCOTEmbedding",
    "lcot_distance",
    "lcot_distance_matrix",
    "lcot_embedding",
]

#: Bisection steps for the optimal shift; the bracket [-1, 1] halves to adjacent floats.
SHIFT_BISECTIONS = 64

#: Working memory (bytes) of one block of pairs in the array-API merge and the
#: discrete-reference matrix.
BLOCK_BYTES = 1 << 27


@dataclass(frozen=True)
class CircleReference(Record):
    """The reference measure of an LCOT embedding.

    Attributes
    ----------
    kind : {"uniform", "discrete", "continuous"}
    values : array or None
        Discrete reference: sorted support in [0, 1), on the device of the data.
    weights : array or None
        Discrete reference: weights in the sorted order, normalised to mass 1.
    distribution : object or None
        Continuous reference: the object with ``cdf`` and ``ppf`` methods given
        by the user (compared by identity).
    """

    kind: str
    values: object = None
    weights: object = None
    distribution: object = None

    def same_as(self, other) -> bool:
        """Whether ``other`` is the same reference measure (continuous: the same object)."""
        if self is other:
            return True
        if self.kind != other.kind:
            return False
        if self.kind == "uniform":
            return True
        if self.kind == "continuous":
            return self.distribution is other.distribution
        a, b = to_numpy(self.values), to_numpy(other.values)
        wa, wb = to_numpy(self.weights), to_numpy(other.weights)
        return a.shape == b.shape and bool(np.all(a == b)) and bool(np.all(wa == wb))


@dataclass(frozen=True)
class LCOTEmbedding(Record):
    r"""The exact LCOT embedding of one measure (or a batch) on the circle.

    Attributes
    ----------
    levels : array, shape (..., n + 1)
        Right ends of the pieces of the optimal map in reference-level
        coordinates :math:`s = F_\mu(x) \in [0, 1]`; increasing, the last one 1.
        Pieces of zero width pad batches of different sizes.
    targets : array, shape (..., n + 1)
        The lifted image :math:`T_\nu(x)` (equal modulo 1 to a support point)
        of the reference points whose level lies in each piece. For an atomless
        reference, :math:`\hat\nu(x) = T_\nu(x) - x` is the paper's embedding,
        with values in [-1/2, 1/2].
    shift : array, shape (...)
        The optimal quantile shift :math:`\theta_\nu`.
    displacement : array, shape (..., n_ref), or None
        Discrete reference only: the barycentric displacement :math:`e_i` of
        each reference atom (sorted order), the finite-dimensional embedding.
    reference : CircleReference
        The reference measure, checked by :func:`lcot_distance`.
    """

    levels: object
    targets: object
    shift: object
    displacement: object
    reference: CircleReference

    def evaluate(self, x):
        r""":math:`\hat\nu(x) = T_\nu(x) - x` at points ``x`` in [0, 1), atomless reference only.

        Needs an unbatched embedding; ``x`` is any array of points.
        """
        if self.reference.kind == "discrete":
            raise ValueError("evaluate needs an atomless reference; use displacement instead")
        if self.levels.ndim != 1:
            raise ValueError(f"evaluate needs an unbatched embedding, got {self.levels.shape}")
        xp, (x,) = named_arrays(x=x)
        x = _circle_values(xp, x, "x", wrap=False)
        if self.reference.kind == "uniform":
            s = x
        else:
            s = xp.asarray(np.asarray(self.reference.distribution.cdf(to_numpy(x)), dtype=float))
        k = xp.searchsorted(self.levels, s, side="right")
        k = xp.clip(k, max=self.levels.shape[0] - 1)
        picked = xp.take(self.targets, xp.reshape(k, (-1,)), axis=0)
        return xp.reshape(picked, x.shape) - x


def _circle_values(xp, values, name, wrap):
    """Finite real positions; in [0, 1) unless ``wrap`` (then taken modulo 1)."""
    values = as_real_floating(xp, values, name)
    if values.ndim == 0 or values.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one atom on its last axis, got {values.shape}")
    if wrap:
        values = values - xp.floor(values)
        return xp.where(values >= 1.0, xp.zeros_like(values), values)
    if bool(xp.any(values < 0.0)) or bool(xp.any(values >= 1.0)):
        low, high = float(xp.min(values)), float(xp.max(values))
        raise ValueError(
            f"{name} must lie in [0, 1) (positions on the circle R/Z), got values in "
            f"[{low:.6g}, {high:.6g}]; pass wrap=True to take them modulo 1"
        )
    return values


def _resolve_reference(xp, reference, reference_weights, wrap):
    """The :class:`CircleReference` of the arguments ``reference`` / ``reference_weights``."""
    if isinstance(reference, CircleReference):
        if reference_weights is not None:
            raise ValueError("reference_weights must be None when reference is a CircleReference")
        return reference
    if reference is None:
        if reference_weights is not None:
            raise ValueError("reference_weights given without a discrete reference")
        return CircleReference("uniform")
    if callable(getattr(reference, "ppf", None)) and callable(getattr(reference, "cdf", None)):
        if reference_weights is not None:
            raise ValueError("reference_weights must be None for a continuous reference")
        return CircleReference("continuous", distribution=reference)
    _, (values, weights) = named_arrays(reference=reference, reference_weights=reference_weights)
    values = xp.asarray(_circle_values(xp, values, "reference", wrap))
    if values.ndim != 1:
        raise ValueError(
            f"reference must be 1-D (a discrete measure), an object with ppf and cdf "
            f"methods, or None (uniform); got shape {values.shape}"
        )
    n = values.shape[0]
    weights = xp.ones((n,), dtype=xp.float64) if weights is None else weights
    weights = xp.asarray(weights)
    weights, _ = normalised_weights(xp, weights, n, "reference_weights")
    if weights.ndim != 1:
        raise ValueError(f"reference_weights must be 1-D, got shape {weights.shape}")
    if bool(xp.any(weights <= 0.0)):
        raise ValueError("reference_weights must be positive (drop atoms of zero mass)")
    order = xp.argsort(values, stable=True)
    values = xp.astype(xp.take(values, order), xp.float64)
    weights = xp.astype(xp.take(weights, order), xp.float64)
    return CircleReference("discrete", values=values, weights=weights)


def _levels(xp, w, n, like):
    """Cumulative weights of sorted rows (uniform when ``w`` is None), the last exactly 1."""
    if w is None:
        c = xp.arange(1, n + 1, dtype=xp.float64) / n
        return xp.broadcast_to(c, like.shape)
    c = xp.cumulative_sum(xp.astype(w, xp.float64), axis=-1)
    return c / c[..., -1:]


def _slope(xp, y, c, theta, quantile):
    r"""Sign-carrying :math:`h'(\theta)` of each row (see the module docstring), rows (B, n)."""
    raw = c + theta[:, None]
    k = xp.floor(raw)
    s = xp.clip(raw - k, 0.0, 1.0)
    nxt = xp.concat([y[:, 1:], y[:, :1] + 1.0], axis=-1)
    jump = nxt - y
    return xp.sum(jump * (quantile(s) + k - 0.5 * (y + nxt)), axis=-1)


def _optimal_shift(xp, y, c, reference):
    r"""The minimiser :math:`\theta` of :math:`h` for each row: closed form or bisection."""
    if reference.kind == "uniform":
        widths = xp.concat([c[:, :1], c[:, 1:] - c[:, :-1]], axis=-1)
        return xp.sum(widths * y, axis=-1) - 0.5
    if reference.kind == "discrete":
        x, cum = reference.values, xp.cumulative_sum(reference.weights)
        cum = cum / cum[-1]
        last = x.shape[0] - 1

        def quantile(s):
            return xp.take(x, xp.clip(xp.searchsorted(cum, s, side="right"), max=last))
    else:
        ppf = reference.distribution.ppf

        def quantile(s):
            out = np.asarray(ppf(to_numpy(s)), dtype=np.float64)
            if out.shape != tuple(s.shape) or not np.all(np.isfinite(out)):
                raise ValueError("reference.ppf must return finite values of the shape it is given")
            return out if isinstance(s, np.ndarray) else xp.asarray(out)

    rows = y.shape[0]
    lo = xp.full((rows,), -1.0, dtype=xp.float64)
    hi = xp.full((rows,), 1.0, dtype=xp.float64)
    for _ in range(8):  # the minimiser lies within a unit of [-1, 1]; widen if not
        low_bad = _slope(xp, y, c, lo, quantile) > 0.0
        high_bad = _slope(xp, y, c, hi, quantile) < 0.0
        if not (bool(xp.any(low_bad)) or bool(xp.any(high_bad))):
            break
        lo = xp.where(low_bad, lo - 1.0, lo)
        hi = xp.where(high_bad, hi + 1.0, hi)
    for _ in range(SHIFT_BISECTIONS):
        mid = 0.5 * (lo + hi)
        up = _slope(xp, y, c, mid, quantile) >= 0.0
        hi = xp.where(up, mid, hi)
        lo = xp.where(up, lo, mid)
    return hi


def _pieces(xp, y, c, theta):
    """Right ends and lifted targets (B, n + 1) of the map s -> Q_nu(s - theta) on [0, 1)."""
    starts_raw = xp.concat([xp.zeros_like(c[:, :1]), c[:, :-1]], axis=-1) + theta[:, None]
    k = xp.floor(starts_raw)
    starts = xp.clip(starts_raw - k, 0.0, 1.0)
    lifted = y - k
    order = xp.argsort(starts, axis=-1, stable=True)
    starts = xp.take_along_axis(starts, order, axis=-1)
    lifted = xp.take_along_axis(lifted, order, axis=-1)
    ones = xp.ones_like(starts[:, :1])
    levels = xp.concat([starts, ones], axis=-1)
    targets = xp.concat([lifted[:, -1:] - 1.0, lifted], axis=-1)
    return levels, targets


def _barycentric(xp, levels, targets, reference):
    """Barycentric displacement e_i (B, n_ref) of the step maps against a discrete reference."""
    a, x = reference.weights, reference.values
    cum = xp.cumulative_sum(a)
    cum = cum / cum[-1]
    widths = levels - xp.concat([xp.zeros_like(levels[:, :1]), levels[:, :-1]], axis=-1)
    phi = xp.cumulative_sum(widths * targets, axis=-1)  # integral of T up to each right end
    phi = xp.concat([xp.zeros_like(phi[:, :1]), phi], axis=-1)
    left = xp.concat([xp.zeros_like(levels[:, :1]), levels], axis=-1)
    q = xp.broadcast_to(cum, (levels.shape[0], cum.shape[0]))
    k = xp.clip(rows_count(xp, levels, q), max=levels.shape[1] - 1)
    at = xp.take_along_axis(phi, k, axis=-1) + (q - xp.take_along_axis(left, k, axis=-1)) * (
        xp.take_along_axis(targets, k, axis=-1)
    )
    integral = at - xp.concat([xp.zeros_like(at[:, :1]), at[:, :-1]], axis=-1)
    return integral / a - x


def _embed_rows(xp, values, weights, reference):
    """Embedding arrays of rows (B, n) of positions in [0, 1) and their (B, n) weights or None."""
    y, w = sort_with_weights(xp, xp.astype(values, xp.float64), weights)
    c = _levels(xp, w, y.shape[-1], y)
    theta = _optimal_shift(xp, y, c, reference)
    levels, targets = _pieces(xp, y, c, theta)
    shown = None if reference.kind != "discrete" else _barycentric(xp, levels, targets, reference)
    return levels, targets, theta, shown


def lcot_embedding(values, weights=None, *, reference=None, reference_weights=None, wrap=False):
    r"""Exact LCOT embedding of a measure on the circle against a reference, batched.

    Parameters
    ----------
    values : array_like, shape (..., n)
        Positions of the atoms on the circle :math:`\mathbb{R}/\mathbb{Z}`, in
        [0, 1); leading axes are batch axes.
    weights : array_like, shape (..., n), optional
        Non-negative weights (default uniform), normalised to mass 1.
    reference : None, array_like of shape (n_ref,), or object with ``cdf`` and ``ppf``
        The reference measure :math:`\mu`. ``None``: the uniform law (closed-form
        shift). An array: the discrete measure on these positions (weights
        ``reference_weights``, default uniform, all positive); the embedding then
        also holds the barycentric displacement of every reference atom. An
        object with vectorised ``cdf`` and ``ppf`` methods on [0, 1) (a
        continuous law supported in [0, 1], e.g. a frozen ``scipy.stats.beta``,
        or any ``types.SimpleNamespace(cdf=..., ppf=...)``): an atomless
        reference, given by its CDF and quantile function; ``ppf`` is called on
        NumPy arrays of levels (about 70 times) to find the optimal shift,
        ``cdf`` only by :meth:`LCOTEmbedding.evaluate`. A
        :class:`CircleReference` from an earlier embedding is also accepted.
    reference_weights : array_like, shape (n_ref,), optional
        Weights of a discrete reference.
    wrap : bool
        Take ``values`` (and a discrete reference) modulo 1 instead of refusing
        positions outside [0, 1).

    Returns
    -------
    LCOTEmbedding
        Exact piecewise representation of the optimal map, the optimal shift
        and (discrete reference) the barycentric displacement, on the device of
        the inputs, in float64.

    Raises
    ------
    ValueError
        NaN or infinite values or weights, negative weights or a zero total,
        positions outside [0, 1) without ``wrap``, a non-1-D discrete
        reference, zero reference weights, ``reference_weights`` without a
        discrete reference, or a ``ppf`` returning non-finite values.
    TypeError
        Complex input or arrays from different libraries.

    References
    ----------
    .. [1] Martin, Medri, Bai, Liu, Yan, Rohde, Kolouri, "LCOT: Linear circular
       optimal transport", ICLR 2024, Section 3 (embedding and metric).
    .. [2] Delon, Salomon, Sobolevski, "Fast transport optimization for Monge costs
       on the circle", SIAM J. Appl. Math. 70(7), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> e = lcot_embedding(np.array([0.1, 0.3]))
    >>> round(float(e.shift), 12), round(float(e.evaluate(np.array([0.25]))[0]), 12)
    (-0.3, 0.05)
    """
    xp, (values, weights) = named_arrays(values=values, weights=weights)
    values = _circle_values(xp, values, "values", bool(wrap))
    n = values.shape[-1]
    if weights is not None:
        weights, _ = normalised_weights(xp, weights, n, "weights")
    ref = _resolve_reference(xp, reference, reference_weights, bool(wrap))
    batch = batch_shape(values=values, weights=weights)
    size = int(np.prod(batch))

    def rows(x):
        return None if x is None else xp.reshape(xp.broadcast_to(x, (*batch, n)), (size, n))

    levels, targets, theta, shown = _embed_rows(xp, rows(values), rows(weights), ref)
    width = levels.shape[-1]
    return LCOTEmbedding(
        levels=xp.reshape(levels, (*batch, width)),
        targets=xp.reshape(targets, (*batch, width)),
        shift=xp.reshape(theta, batch),
        displacement=None if shown is None else xp.reshape(shown, (*batch, shown.shape[-1])),
        reference=ref,
    )


def _merge_array_api(xp, la, ta, lb, tb):
    """Row-wise squared LCOT distances of step functions in array-API code."""
    n = la.shape[-1]
    both = xp.concat([la, lb], axis=-1)
    order = xp.argsort(both, axis=-1, stable=True)
    t = xp.take_along_axis(both, order, axis=-1)
    from_a = xp.astype(order < n, xp.int64)
    from_b = 1 - from_a
    ia = xp.clip(xp.cumulative_sum(from_a, axis=-1) - from_a, max=n - 1)
    ib = xp.clip(xp.cumulative_sum(from_b, axis=-1) - from_b, max=lb.shape[-1] - 1)
    widths = t - xp.concat([xp.zeros_like(t[:, :1]), t[:, :-1]], axis=-1)
    d = xp.take_along_axis(ta, ia, axis=-1) - xp.take_along_axis(tb, ib, axis=-1)
    r = d - xp.floor(d + 0.5)
    return xp.sum(widths * r * r, axis=-1)


def _merge(xp, la, ta, lb, tb):
    """Squared LCOT distances of row-matched step functions (B, n + 1), (B, m + 1)."""
    if isinstance(la, np.ndarray):
        from transport._kernels.lcot import merge_rows

        return merge_rows(*(np.ascontiguousarray(a) for a in (la, ta, lb, tb)))
    rows = la.shape[0]
    step = max(1, BLOCK_BYTES // (48 * (la.shape[1] + lb.shape[1])))
    parts = []
    for s in range(0, rows, step):
        end = min(s + step, rows)
        parts.append(_merge_array_api(xp, la[s:end], ta[s:end], lb[s:end], tb[s:end]))
    return xp.concat(parts) if parts else xp.zeros((0,), dtype=xp.float64)


def _circular_sq(xp, d):
    r = d - xp.floor(d + 0.5)
    return r * r


def _as_embedding(x, weights, name, reference, reference_weights, wrap):
    if isinstance(x, LCOTEmbedding):
        if weights is not None:
            raise ValueError(f"{name}_weights must be None when {name} is an LCOTEmbedding")
        return x
    return lcot_embedding(
        x, weights, reference=reference, reference_weights=reference_weights, wrap=wrap
    )


def _check_given_reference(x, name, reference, reference_weights, wrap):
    """An embedding passed together with ``reference`` must have been made against it."""
    if not isinstance(x, LCOTEmbedding) or (reference is None and reference_weights is None):
        return
    given = _resolve_reference(namespace(x.levels), reference, reference_weights, wrap)
    if not x.reference.same_as(given):
        raise ValueError(f"{name} was embedded against a different reference than `reference`")


def _reference_embedding_sq(xp, e):
    """Squared LCOT (= W_2^2) between the reference and the embedded measures, rows."""
    ref = e.reference
    if ref.kind == "discrete":
        return xp.sum(ref.weights * e.displacement**2, axis=-1)
    if ref.kind == "continuous":
        raise ValueError(
            "the distance to a continuous non-uniform reference is not computed exactly; "
            "pass v, or use a discrete reference"
        )
    levels, targets = e.levels, e.targets
    left = xp.concat([xp.zeros_like(levels[..., :1]), levels[..., :-1]], axis=-1)
    # integral over [left, right) of (target - s)^2 ds, exactly
    return xp.sum(((targets - left) ** 3 - (targets - levels) ** 3) / 3.0, axis=-1)


def lcot_distance(
    u,
    v=None,
    u_weights=None,
    v_weights=None,
    *,
    reference=None,
    reference_weights=None,
    wrap=False,
):
    r"""LCOT distance between two measures on the circle (or their embeddings), batched.

    .. math::

        \mathrm{LCOT}_{\mu,2}(\nu_1, \nu_2)
        = \Big(\int_0^1 |\hat\nu_1(x) - \hat\nu_2(x)|_{S^1}^2\, d\mu(x)\Big)^{1/2},

    computed exactly by one merge of the pieces of the two embeddings
    (discrete reference: :math:`\sum_i a_i |e^1_i - e^2_i|_{S^1}^2`). With
    ``v=None`` it is the distance to the reference itself, which equals the
    exact circular :math:`W_2(\mu, \nu_1)` against an atomless reference
    (uniform: closed form; a general continuous reference is refused there),
    and is at most :math:`W_2` against a discrete one (equal when the optimal
    plan is a map). Unlike POT's ``ot.linear_circular_ot``, which returns the
    square on a 100-point grid (and whose quantile lookup is off by one atom,
    see :mod:`transport.lcot`), this returns the distance itself, exactly.

    Parameters
    ----------
    u, v : LCOTEmbedding or array_like of shape (..., n) / (..., m)
        Embeddings (from :func:`lcot_embedding`) or positions in [0, 1) that
        are embedded here. Batch shapes broadcast.
    u_weights, v_weights : array_like, optional
        Weights of raw positions (must be None for embeddings).
    reference, reference_weights, wrap
        As in :func:`lcot_embedding`, for raw positions.

    Returns
    -------
    NumPy scalar or array
        The LCOT distance with the broadcast batch shape, on the device of the
        inputs, in their floating dtype.

    Raises
    ------
    ValueError
        Everything :func:`lcot_embedding` refuses; embeddings against different
        references; batch shapes that do not broadcast; ``v=None`` against a
        continuous non-uniform reference.

    References
    ----------
    .. [1] Martin et al., "LCOT: Linear circular optimal transport", ICLR 2024, Section 3.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(lcot_distance(np.array([0.1, 0.6]), np.array([0.2, 0.7]))), 12)
    0.2
    """
    for x, name in ((u, "u"), (v, "v")):
        _check_given_reference(x, name, reference, reference_weights, wrap)
    if not isinstance(u, LCOTEmbedding) and isinstance(v, LCOTEmbedding):
        eu = _as_embedding(u, u_weights, "u", v.reference, None, wrap)
    else:
        eu = _as_embedding(u, u_weights, "u", reference, reference_weights, wrap)
    if v is None:
        if v_weights is not None:
            raise ValueError("v_weights given without v")
        xp = namespace(eu.levels)
        out = _reference_embedding_sq(xp, eu)
        return _finish(xp, xp.sqrt(xp.clip(out, 0.0)), _dtype_of(xp, u, u_weights))
    ev = _as_embedding(v, v_weights, "v", eu.reference, None, wrap)
    if not eu.reference.same_as(ev.reference):
        raise ValueError(
            f"u and v were embedded against different references ({eu.reference.kind} and "
            f"{ev.reference.kind}, or different measures); embed both against one reference"
        )
    xp = namespace(eu.levels, ev.levels)
    dtype = _dtype_of(xp, u, u_weights, v, v_weights)
    lead_u, lead_v = eu.levels.shape[:-1], ev.levels.shape[:-1]
    try:
        batch = np.broadcast_shapes(lead_u, lead_v)
    except ValueError as exc:
        raise ValueError(f"batch shapes of u {lead_u} and v {lead_v} do not broadcast") from exc
    size = int(np.prod(batch))

    def rows(a):
        return xp.reshape(xp.broadcast_to(a, (*batch, a.shape[-1])), (size, a.shape[-1]))

    if eu.reference.kind == "discrete":
        d = rows(eu.displacement) - rows(ev.displacement)
        sq = xp.sum(eu.reference.weights * _circular_sq(xp, d), axis=-1)
    else:
        sq = _merge(xp, rows(eu.levels), rows(eu.targets), rows(ev.levels), rows(ev.targets))
    return _finish(xp, xp.reshape(xp.sqrt(xp.clip(sq, 0.0)), batch), dtype)


def _dtype_of(xp, *items):
    arrays = [a for a in items if a is not None and not isinstance(a, LCOTEmbedding)]
    if not arrays:
        return xp.float64
    return result_float_dtype(xp, *named_arrays(**{f"a{k}": a for k, a in enumerate(arrays)})[1])


def _finish(xp, out, dtype):
    out = xp.astype(out, dtype)
    if isinstance(out, np.ndarray) and out.ndim == 0:
        return out[()]
    return out


def _embed_many(measures, weights, reference, reference_weights, wrap):
    """Embeddings of a (M, n) array or a sequence of measures, as padded stacks."""
    if isinstance(measures, LCOTEmbedding):
        raise TypeError("measures must be a 2-D array or a sequence, got one LCOTEmbedding")
    if hasattr(measures, "ndim") and hasattr(measures, "shape"):
        if measures.ndim != 2:
            raise ValueError(f"measures must be a 2-D (M, n) array, got shape {measures.shape}")
        e = lcot_embedding(
            measures, weights, reference=reference, reference_weights=reference_weights, wrap=wrap
        )
        return [e], _dtype_of(namespace(measures), measures, weights)
    items = list(measures)
    if not items:
        raise ValueError("measures must hold at least one measure")
    weights = [None] * len(items) if weights is None else list(weights)
    if len(weights) != len(items):
        raise ValueError(
            f"weights must have one entry per measure ({len(items)}), got {len(weights)}"
        )
    out = []
    ref = reference
    ref_w = reference_weights
    for k, (x, w) in enumerate(zip(items, weights, strict=True)):
        try:
            _check_given_reference(x, "measures", reference, reference_weights, wrap)
            e = _as_embedding(x, w, "measures", ref, ref_w, wrap)
        except ValueError as exc:
            raise ValueError(f"measures[{k}]: {exc}") from exc
        if e.levels.ndim != 1:
            raise ValueError(f"measures[{k}] must be one measure, got a batch {e.levels.shape}")
        if out and not out[0].reference.same_as(e.reference):
            raise ValueError(f"measures[{k}] was embedded against a different reference")
        ref, ref_w = e.reference, None
        out.append(e)
    raw = [x for x in items if not isinstance(x, LCOTEmbedding)]
    dtype = _dtype_of(namespace(out[0].levels), *raw, *[w for w in weights if w is not None])
    return out, dtype


def _stack(xp, embeddings):
    """Padded (M, width) stacks of levels and targets, and (M, n_ref) displacements."""
    if len(embeddings) == 1 and embeddings[0].levels.ndim == 2:
        e = embeddings[0]
        return e.levels, e.targets, e.displacement
    width = max(e.levels.shape[-1] for e in embeddings)

    def pad(a, value_of):
        extra = width - a.shape[-1]
        if extra == 0:
            return a
        return xp.concat([a, xp.full((extra,), value_of(a), dtype=a.dtype)])

    levels = xp.stack([pad(e.levels, lambda a: 1.0) for e in embeddings])
    targets = xp.stack([pad(e.targets, lambda a: float(a[-1])) for e in embeddings])
    shown = None
    if embeddings[0].displacement is not None:
        shown = xp.stack([e.displacement for e in embeddings])
    return levels, targets, shown


def lcot_distance_matrix(
    measures,
    weights=None,
    *,
    reference=None,
    reference_weights=None,
    wrap=False,
    block_size=None,
):
    r"""All-pairs LCOT distances of M measures on the circle: each embedded once, exactly.

    Every measure is embedded once (:func:`lcot_embedding`, batched when the
    measures come as one (M, n) array); the M(M - 1)/2 pairs are then merged
    exactly: on the CPU by a Numba kernel spread over the cores, for CuPy (and
    other array libraries) by array-API code in blocks of pairs, so CuPy input
    stays on the GPU. A discrete reference gives
    :math:`\sum_i a_i |e^k_i - e^l_i|_{S^1}^2` in blocks.

    Parameters
    ----------
    measures : array_like of shape (M, n), or sequence
        Equal-size measures as rows of one array, or a sequence whose items are
        1-D position arrays (sizes may differ) or :class:`LCOTEmbedding`\ s.
    weights : array_like of shape (M, n), or sequence, optional
        Weights matching ``measures`` (None entries: uniform).
    reference, reference_weights, wrap
        As in :func:`lcot_embedding`.
    block_size : int, optional
        Pairs merged per block by the array-API path (default: what fits in
        about 128 MB).

    Returns
    -------
    array, shape (M, M)
        Symmetric matrix of LCOT distances with a zero diagonal, on the device
        of the inputs, in their floating dtype.

    Raises
    ------
    ValueError
        No measure, a weights sequence of another length, items embedded
        against different references, and everything :func:`lcot_embedding`
        refuses.

    References
    ----------
    .. [1] Martin et al., "LCOT: Linear circular optimal transport", ICLR 2024,
       Section 3 (pairwise complexity) and Fig. 4 (running time against COT).

    Examples
    --------
    >>> import numpy as np
    >>> D = lcot_distance_matrix(np.array([[0.1, 0.6], [0.2, 0.7], [0.1, 0.7]]))
    >>> D.shape, round(float(D[0, 1]), 12)
    ((3, 3), 0.2)
    """
    embeddings, dtype = _embed_many(measures, weights, reference, reference_weights, wrap)
    xp = namespace(embeddings[0].levels)
    levels, targets, shown = _stack(xp, embeddings)
    M = levels.shape[0]
    iu = np.triu_indices(M, k=1)
    if shown is not None:
        sq = _pairs_discrete(xp, shown, embeddings[0].reference.weights, iu, block_size)
    elif isinstance(levels, np.ndarray):
        from transport._kernels.lcot import merge_pairs

        levels, targets = np.ascontiguousarray(levels), np.ascontiguousarray(targets)
        sq = merge_pairs(levels, targets, levels, targets, iu[0], iu[1])
    else:
        step = block_size
        if step is None:
            step = max(1, BLOCK_BYTES // (96 * levels.shape[1]))
        step = check_int(step, "block_size", minimum=1)
        rows_all, cols_all = xp.asarray(iu[0]), xp.asarray(iu[1])
        parts = []
        total = rows_all.shape[0]
        for s in range(0, total, step):
            r, c = rows_all[s : min(s + step, total)], cols_all[s : min(s + step, total)]
            parts.append(
                _merge_array_api(
                    xp,
                    xp.take(levels, r, axis=0),
                    xp.take(targets, r, axis=0),
                    xp.take(levels, c, axis=0),
                    xp.take(targets, c, axis=0),
                )
            )
        sq = xp.concat(parts) if parts else xp.zeros((0,), dtype=xp.float64)
    D = _symmetric(xp, xp.sqrt(xp.clip(sq, 0.0)), iu, M)
    return xp.astype(D, dtype)


def _pairs_discrete(xp, shown, a, iu, block_size):
    """Squared distances of the upper-triangle pairs against a discrete reference, in blocks."""
    n_ref = shown.shape[1]
    step = block_size if block_size is not None else max(1, BLOCK_BYTES // (24 * n_ref))
    step = check_int(step, "block_size", minimum=1)
    rows_all, cols_all = xp.asarray(iu[0]), xp.asarray(iu[1])
    parts = []
    total = rows_all.shape[0]
    for s in range(0, total, step):
        end = min(s + step, total)
        d = xp.take(shown, rows_all[s:end], axis=0) - xp.take(shown, cols_all[s:end], axis=0)
        parts.append(xp.sum(a * _circular_sq(xp, d), axis=-1))
    return xp.concat(parts) if parts else xp.zeros((0,), dtype=xp.float64)


def _symmetric(xp, values, iu, M):
    """The symmetric (M, M) matrix with ``values`` on the upper triangle ``iu``, zero diagonal."""
    where = np.full((M, M), len(iu[0]), dtype=np.int64)  # the diagonal reads an appended zero
    where[iu] = np.arange(len(iu[0]))
    where[iu[1], iu[0]] = where[iu]
    padded = xp.concat([values, xp.zeros((1,), dtype=values.dtype)])
    return xp.reshape(xp.take(padded, xp.asarray(where.ravel())), (M, M))
