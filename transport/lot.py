r"""Linear optimal transport (LOT): embed measures by their optimal maps from one reference.

For a reference :math:`\sigma = \sum_k \sigma_k \delta_{x_k}` and a measure
:math:`\mu`, the exact OT plan :math:`\gamma` (squared Euclidean cost) gives the
barycentric projection :math:`T(x_k) = \sigma_k^{-1} \sum_i \gamma_{ki} y_i`; the
embedding is :math:`U = T - \mathrm{id}` and

.. math:: d_{LOT}(\mu_1, \mu_2)^2 = \sum_k \sigma_k \|U_1(x_k) - U_2(x_k)\|^2

(Wang, Slepcev, Basu, Ozolek, Rohde, "A linear optimal transportation framework for
quantifying and visualizing variations in sets of images", IJCV 101 (2013), Section 2).
Plans come from POT's exact network simplex ``ot.emd``. CPU only.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gpu.records import Record
from transport._embedding import (
    barycentric_displacement,
    check_same_reference,
    embedding_inputs,
)
from transport._opt_plans import MAX_SIMPLEX_ITERATIONS

__all__ = ["LOTEmbedding", "lot_distance", "lot_embedding"]


@dataclasses.dataclass(frozen=True)
class LOTEmbedding(Record):
    """A measure embedded by linear optimal transport.

    Attributes
    ----------
    reference : ndarray, shape (k, d)
        Reference points :math:`x_k`.
    reference_weights : ndarray, shape (k,)
        Reference masses, normalised to 1.
    U : ndarray, shape (k, d)
        Barycentric projection of the optimal plan minus the reference points.
    cost : float
        :math:`W_2^2` from the reference to the measure.
    """

    reference: np.ndarray
    reference_weights: np.ndarray
    U: np.ndarray
    cost: float


def lot_embedding(reference, reference_weights, X, x_weights=None):
    r"""LOT embedding of the measure ``(X, x_weights)`` against ``(reference, reference_weights)``.

    Parameters
    ----------
    reference : array_like, shape (k, d) or (k,)
        Reference support (a 1-D array is k points on the line).
    reference_weights : array_like, shape (k,) or None
        Positive reference masses (None: uniform); normalised to 1.
    X : array_like, shape (n, d) or (n,)
        Support of the measure to embed.
    x_weights : array_like, shape (n,), optional
        Positive masses (default uniform); normalised to 1.

    Returns
    -------
    LOTEmbedding
        Arrays on the host, in the floating dtype of the inputs.

    Raises
    ------
    ValueError
        NaN or infinite values, weights that are not positive, shapes that disagree.
    TypeError
        Non-real inputs.

    References
    ----------
    .. [1] Wang, Slepcev, Basu, Ozolek, Rohde, IJCV 101 (2013), Section 2 (the LOT
       embedding and distance).

    Examples
    --------
    >>> import numpy as np
    >>> e = lot_embedding([0.0, 1.0], None, [2.0, 3.0])
    >>> e.U.ravel().tolist()
    [2.0, 2.0]
    """
    import ot

    dtype, reference, sigma, X, w = embedding_inputs(reference, reference_weights, X, x_weights)
    sigma, w = sigma / sigma.sum(), w / w.sum()
    cost = ot.dist(reference, X)
    plan = ot.emd(sigma, w, cost, numItermax=MAX_SIMPLEX_ITERATIONS)
    U, _ = barycentric_displacement(reference, plan, X)
    return LOTEmbedding(
        reference.astype(dtype), sigma.astype(dtype), U.astype(dtype), float(np.sum(plan * cost))
    )


def lot_distance(e1, e2):
    r"""LOT distance :math:`(\sum_k \sigma_k \|U_1(x_k) - U_2(x_k)\|^2)^{1/2}` of two embeddings.

    Parameters
    ----------
    e1, e2 : LOTEmbedding
        Embeddings against the same reference.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Embeddings computed against different references.

    References
    ----------
    .. [1] Wang, Slepcev, Basu, Ozolek, Rohde, IJCV 101 (2013), Section 2.

    Examples
    --------
    >>> e1 = lot_embedding([0.0, 1.0], None, [2.0, 3.0])
    >>> e2 = lot_embedding([0.0, 1.0], None, [0.0, 1.0])
    >>> lot_distance(e1, e2)
    2.0
    """
    check_same_reference(e1, e2)
    gap = np.sum((e1.U - e2.U) ** 2, axis=1)
    return float(np.sqrt(np.sum(e1.reference_weights * gap)))
