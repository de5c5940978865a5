r"""Sliced optimal partial transport (SOPT): exact 1-D OPT averaged over random directions.

.. math::

    \mathrm{SOPT}_\lambda(\mu, \nu) = \frac1L \sum_{l=1}^L
    \mathrm{OPT}_\lambda(\theta_l \# \mu, \theta_l \# \nu)

(Bai, Schmitzer, Thorpe, Kolouri, "Sliced optimal partial transport", CVPR 2023,
Section 4), with every slice solved exactly by :func:`transport.partial_wasserstein_1d`.
"""

from __future__ import annotations

import numpy as np

from gpu.backend import result_float_dtype, to_numpy
from transport._validation import check_p, named_arrays
from transport.partial import check_positive_weights, partial_wasserstein_1d
from transport.sliced import check_point_cloud, resolve_directions

__all__ = ["sliced_partial_wasserstein"]


def sliced_partial_wasserstein(
    X,
    Y,
    a=None,
    b=None,
    *,
    lam,
    p=2,
    n_projections=128,
    projections=None,
    directions="mc",
    rng=None,
):
    r"""Sliced optimal partial transport cost between two weighted point clouds.

    On every direction :math:`\theta_l` the projected measures are compared by the
    exact penalty form of optimal partial transport, in which creating or destroying
    a unit of mass costs ``lam``; the result is the mean over the ``L`` directions
    (the cost itself, not a root: OPT is not a p-th power of a metric).

    Parameters
    ----------
    X : array_like, shape (n, d)
        First point cloud.
    Y : array_like, shape (m, d)
        Second point cloud.
    a, b : array_like, shape (n,) / (m,), optional
        Positive masses, not normalised; default 1 per point (Bai et al.'s setting).
    lam : float
        Price of a unit of created or destroyed mass, ``lam > 0``.
    p : float
        Ground-cost exponent, ``p >= 1``.
    n_projections : int
        Number of directions drawn when ``projections`` is None.
    projections : array_like, shape (d, L), optional
        Directions to use (columns), as in :func:`transport.sliced_wasserstein`.
    directions : {"mc", "orthogonal", "qmc"}
        How directions are drawn (see :func:`transport.random_directions`).
    rng : None, int or numpy.random.Generator
        Source of randomness for the directions.

    Returns
    -------
    NumPy scalar
        The sliced OPT cost, in the floating dtype of the inputs (computed on the host).

    Raises
    ------
    ValueError
        As :func:`transport.partial_wasserstein_1d` and
        :func:`transport.sliced_wasserstein` (shapes, NaN, weights, ``lam <= 0``).

    References
    ----------
    .. [1] Bai, Schmitzer, Thorpe, Kolouri, "Sliced optimal partial transport",
       CVPR 2023, Section 4 (sliced OPT).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((3, 2))
    >>> float(sliced_partial_wasserstein(X, X[:2], lam=0.5, projections=np.eye(2)))
    0.5
    """
    xp, (X, Y, a, b, projections) = named_arrays(X=X, Y=Y, a=a, b=b, projections=projections)
    p = check_p(p)
    X = check_point_cloud(xp, X, "X")
    Y = check_point_cloud(xp, Y, "Y", d=X.shape[1])
    a = check_positive_weights(xp, a, X.shape[0], "a")
    b = check_positive_weights(xp, b, Y.shape[0], "b")
    theta = resolve_directions(xp, X, X.shape[1], projections, n_projections, directions, rng)
    dtype = result_float_dtype(xp, X, Y, a, b, projections)
    theta = to_numpy(theta).astype(np.float64)
    px = (to_numpy(X).astype(np.float64) @ theta).T
    py = (to_numpy(Y).astype(np.float64) @ theta).T
    costs = partial_wasserstein_1d(px, py, a, b, lam=lam, p=p).cost
    return np.asarray(np.mean(costs), dtype=dtype)[()]
