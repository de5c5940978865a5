r"""Metrics comparing in-context predictors.

All losses follow the package convention: the plain mean squared error
:math:`E(\hat y - w^T x_q)^2` against the noise-free query target, with no
factor 1/2.
"""

from __future__ import annotations

from gpu.backend import namespace
from gpu.validate import check_finite, check_int, check_ndim

__all__ = ["icl_loss", "spd", "ilwd", "adjusted_loss"]


def _pair(a, b, name_a: str, name_b: str, ndim: int):
    xp = namespace(a, b)
    check_ndim(a, name_a, ndim)
    if a.size == 0:
        raise ValueError(f"{name_a} must not be empty, got shape {a.shape}")
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have equal shapes, got {a.shape} and {b.shape}"
        )
    check_finite(a, name_a)
    check_finite(b, name_b)
    return xp


def icl_loss(pred, target) -> float:
    r"""Mean squared error :math:`\frac1B \sum_b (\hat y_b - t_b)^2`.

    Parameters
    ----------
    pred, target : array, shape (B,)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On mismatched shapes or NaN values.

    Examples
    --------
    >>> import numpy as np
    >>> icl_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    2.5
    """
    xp = _pair(pred, target, "pred", "target", 1)
    return float(xp.mean((pred - target) ** 2))


def spd(pred_a, pred_b, d: int) -> float:
    r"""Squared prediction difference :math:`\frac1d E (A_1(D)(x') - A_2(D)(x'))^2`.

    Parameters
    ----------
    pred_a, pred_b : array, shape (B,)
        Two predictors' outputs on the same contexts and queries.
    d : int
        Input dimension (Akyurek et al. normalise by ``d``).

    Returns
    -------
    float

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 4.1, Eq. (SPD).

    Examples
    --------
    >>> import numpy as np
    >>> spd(np.array([1.0, 3.0]), np.array([0.0, 1.0]), d=5)
    0.5
    """
    xp = _pair(pred_a, pred_b, "pred_a", "pred_b", 1)
    d = check_int(d, "d", minimum=1)
    return float(xp.mean((pred_a - pred_b) ** 2)) / d


def ilwd(w_a, w_b) -> float:
    r"""Implicit linear weight difference :math:`\frac1d E\|w_{A_1} - w_{A_2}\|^2`.

    Parameters
    ----------
    w_a, w_b : array, shape (B, d)
        Implicit weights, e.g. from
        :func:`theory_sims.icl.predictors.implicit_weights`.

    Returns
    -------
    float

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 4.1, Eq. (ILWD).

    Examples
    --------
    >>> import numpy as np
    >>> ilwd(np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]]))
    0.5
    """
    xp = _pair(w_a, w_b, "w_a", "w_b", 2)
    return float(xp.mean(xp.sum((w_a - w_b) ** 2, axis=-1))) / w_a.shape[-1]


def adjusted_loss(pred, oracle_pred, target) -> float:
    r"""Loss minus the oracle-ridge loss on the same sequences.

    ``oracle_pred`` is the ridge prediction with each sequence's true noise
    level (:func:`theory_sims.icl.predictors.bayes`), so the adjusted loss is
    the excess over the best predictor that knows :math:`\sigma`.

    Parameters
    ----------
    pred, oracle_pred, target : array, shape (B,)

    Returns
    -------
    float

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5 (adjusted evaluation loss).

    Examples
    --------
    >>> import numpy as np
    >>> adjusted_loss(np.array([2.0]), np.array([1.0]), np.array([0.0]))
    3.0
    """
    return icl_loss(pred, target) - icl_loss(oracle_pred, target)
