r"""Linear optimal partial transport (LOPT): embed measures by partial plans from one reference.

Convention for ``lam`` (the one of :func:`transport.partial_wasserstein_1d`, and the
authors' own: equation (1) of the ``Baio0/LinearOPT`` README, their ``opt_lp`` and
``lopt`` in ``lib/lib_lopt.py``): creating or destroying one unit of mass costs
``lam``, so a unit is transported only over a squared distance below ``2 lam``,

.. math::

    \mathrm{OPT}_\lambda(\sigma, \mu) = \min_\gamma \sum_{ki} \gamma_{ki}\|x_k - y_i\|^2
    + \lambda(|\sigma| - |\gamma|) + \lambda(|\mu| - |\gamma|).

The optimal plan :math:`\gamma` from the reference :math:`\sigma = \sum_k \sigma_k
\delta_{x_k}` gives the transported mass :math:`\hat p_k = \sum_i \gamma_{ki}`, the
barycentric displacement :math:`U_k = \hat p_k^{-1} \sum_i \gamma_{ki} y_i - x_k`
and the mass of :math:`\mu` left out, :math:`|\mu| - |\hat p|`. Between two
embeddings (Bai, Medri, Diaz Martin, Shahroz Khan, Kolouri, "Linear optimal partial
transport embedding", ICML 2023, the section defining the LOPT embedding; the formula
below is the authors' ``lopt`` in ``lib/lib_lopt.py``, term for term: the paper's
equation numbers could not be checked here, no full text being readable)

.. math::

    \mathrm{LOPT}_\lambda = \sum_k \min(\hat p^1_k, \hat p^2_k)
    \min(\|U^1_k - U^2_k\|^2, 2\lambda)
    + \lambda\big(\|\hat p^1 - \hat p^2\|_1 + \bar m_1 + \bar m_2\big),

where :math:`\bar m_j = |\mu_j| - |\hat p^j|`. When the plan from the reference is
a map, :math:`\mathrm{LOPT}_\lambda` between the reference's own embedding and that
of :math:`\mu` is exactly :math:`\mathrm{OPT}_\lambda(\sigma, \mu)`. On the line plans
come from the exact solver :func:`transport.partial_wasserstein_1d`; in d dimensions
from POT's exact network simplex with one dummy atom per side. CPU only.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gpu.records import Record
from gpu.validate import check_real
from transport._embedding import (
    barycentric_displacement,
    check_same_reference,
    embedding_inputs,
)
from transport._opt_plans import opt_plan_lam
from transport.partial import partial_wasserstein_1d

__all__ = [
    "LOPTEmbedding",
    "LOPTInterpolation",
    "lopt_distance",
    "lopt_embedding",
    "lopt_interpolate",
    "opt_plan",
]


@dataclasses.dataclass(frozen=True)
class LOPTEmbedding(Record):
    """A measure embedded by linear optimal partial transport.

    Attributes
    ----------
    reference : ndarray, shape (k, d)
        Reference points.
    reference_weights : ndarray, shape (k,)
        Reference masses (not normalised).
    U : ndarray, shape (k, d)
        Barycentric displacement of the OPT plan (0 where no mass is transported).
    p_hat : ndarray, shape (k,)
        Mass transported from each reference point.
    destroyed_mass : float
        Mass of the embedded measure that the plan leaves out.
    lam : float
        The ``lam`` of the plan.
    cost : float
        :math:`\\mathrm{OPT}_\\lambda` from the reference to the measure.
    """

    reference: np.ndarray
    reference_weights: np.ndarray
    U: np.ndarray
    p_hat: np.ndarray
    destroyed_mass: float
    lam: float
    cost: float


@dataclasses.dataclass(frozen=True)
class LOPTInterpolation(Record):
    """A point of the LOPT geodesic: ``points`` (q, d) carrying ``weights`` (q,)."""

    points: np.ndarray
    weights: np.ndarray


def _check_lam(lam):
    lam = check_real(lam, "lam", low=0.0, low_inclusive=False)
    return lam


def opt_plan(reference, reference_weights, X, w, lam):
    """Exact OPT plan (k, n) for the squared Euclidean cost, validated float64 inputs."""
    if reference.shape[1] == 1:
        res = partial_wasserstein_1d(reference[:, 0], X[:, 0], reference_weights, w, lam=lam, p=2)
        plan = np.zeros((reference.shape[0], X.shape[0]))
        np.add.at(plan, (res.rows, res.cols), res.mass)
        return plan
    import ot

    return opt_plan_lam(reference_weights, w, ot.dist(reference, X), lam)


def lopt_embedding(reference, reference_weights, X, x_weights=None, *, lam):
    r"""LOPT embedding of ``(X, x_weights)`` against ``(reference, reference_weights)``.

    Parameters
    ----------
    reference : array_like, shape (k, d) or (k,)
        Reference support.
    reference_weights : array_like, shape (k,) or None
        Positive reference masses (None: mass 1 per point), not normalised.
    X : array_like, shape (n, d) or (n,)
        Support of the measure to embed.
    x_weights : array_like, shape (n,), optional
        Positive masses (default 1 per point), not normalised.
    lam : float
        Price of a unit of created or destroyed mass, ``lam > 0``.

    Returns
    -------
    LOPTEmbedding
        Arrays on the host, in the floating dtype of the inputs.

    Raises
    ------
    ValueError
        NaN or infinite values, weights that are not positive, shapes that
        disagree, ``lam <= 0``.
    TypeError
        Non-real inputs.

    References
    ----------
    .. [1] Bai, Medri, Diaz Martin, Shahroz Khan, Kolouri, "Linear optimal partial
       transport embedding", ICML 2023 (the LOPT embedding, distance and geodesic);
       code ``Baio0/LinearOPT``, ``lib/lib_lopt.py`` (``lopt_embedding``, ``lopt``).

    Examples
    --------
    >>> e = lopt_embedding([0.0, 1.0], None, [0.5, 5.0], lam=1.0)
    >>> e.p_hat.tolist(), e.destroyed_mass
    ([1.0, 0.0], 1.0)
    """
    lam = _check_lam(lam)
    dtype, reference, sigma, X, w = embedding_inputs(reference, reference_weights, X, x_weights)
    plan = opt_plan(reference, sigma, X, w, lam)
    U, p_hat = barycentric_displacement(reference, plan, X)
    moved = float(p_hat.sum())
    transport = float(np.sum(plan * np.sum((reference[:, None, :] - X[None]) ** 2, axis=2)))
    cost = transport + lam * (sigma.sum() + w.sum() - 2.0 * moved)
    destroyed = max(float(w.sum()) - moved, 0.0)
    arrays = (a.astype(dtype) for a in (reference, sigma, U, p_hat))
    return LOPTEmbedding(*arrays, destroyed, lam, cost)


def lopt_distance(e1, e2, *, lam):
    r"""LOPT distance between two embeddings (``lam`` per unit of created or destroyed mass).

    Parameters
    ----------
    e1, e2 : LOPTEmbedding
        Embeddings against the same reference.
    lam : float
        Price of a unit of created or destroyed mass, ``lam > 0`` (normally the
        ``lam`` of the embeddings).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Embeddings against different references, ``lam <= 0``.

    Examples
    --------
    >>> ref = lopt_embedding([0.0, 1.0], None, [0.0, 1.0], lam=1.0)
    >>> mu = lopt_embedding([0.0, 1.0], None, [0.5, 5.0], lam=1.0)
    >>> lopt_distance(ref, mu, lam=1.0)
    2.25
    """
    lam = _check_lam(lam)
    check_same_reference(e1, e2)
    shared = np.minimum(e1.p_hat, e2.p_hat)
    gap = np.minimum(np.sum((e1.U - e2.U) ** 2, axis=1), 2.0 * lam)
    created = np.sum(np.abs(e1.p_hat - e2.p_hat)) + e1.destroyed_mass + e2.destroyed_mass
    return float(np.sum(shared * gap) + lam * created)


def lopt_interpolate(e1, e2, t):
    r"""The LOPT geodesic between two embedded measures at time ``t`` in [0, 1].

    Mass :math:`\min(\hat p^1_k, \hat p^2_k)` moves along
    :math:`x_k + (1 - t) U^1_k + t U^2_k`; the excess of :math:`\hat p^1` stays at
    :math:`x_k + U^1_k` with mass scaled by :math:`1 - t` (destroyed along the way),
    the excess of :math:`\hat p^2` appears at :math:`x_k + U^2_k` scaled by :math:`t`
    (Bai et al., ICML 2023, the LOPT interpolation). Mass that neither plan transports (the
    outliers each OPT plan leaves out) is not part of the embedding and is not drawn.

    Parameters
    ----------
    e1, e2 : LOPTEmbedding
        Embeddings against the same reference.
    t : float
        Time in [0, 1].

    Returns
    -------
    LOPTInterpolation
        Points and their masses (atoms of zero mass are dropped).

    Raises
    ------
    ValueError
        Embeddings against different references, ``t`` outside [0, 1].

    Examples
    --------
    >>> e1 = lopt_embedding([0.0], None, [1.0], lam=5.0)
    >>> e2 = lopt_embedding([0.0], None, [3.0], lam=5.0)
    >>> lopt_interpolate(e1, e2, 0.5).points.ravel().tolist()
    [2.0]
    """
    t = check_real(t, "t", low=0.0, high=1.0)
    check_same_reference(e1, e2)
    x = e1.reference
    shared = np.minimum(e1.p_hat, e2.p_hat)
    points = np.concatenate([x + (1.0 - t) * e1.U + t * e2.U, x + e1.U, x + e2.U])
    weights = np.concatenate([shared, (1.0 - t) * (e1.p_hat - shared), t * (e2.p_hat - shared)])
    keep = weights > 0.0
    return LOPTInterpolation(points[keep], weights[keep])
