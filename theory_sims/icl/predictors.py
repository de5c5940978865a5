r"""Classical in-context regression predictors, batched over sequences.

Every predictor takes a batch of contexts ``X`` (B, n, d), labels ``y`` (B, n)
and queries ``x_query`` (B, d) and returns the query predictions, shape (B,).
The weight vector a predictor implicitly uses is recovered by
:func:`implicit_weights`, which probes any predictor (or trained model) with
extra query points; no predictor changes its return type with a flag.

Conventions: ridge minimises :math:`\|Xw - y\|^2 + \lambda \|w\|^2`, so the
Bayes posterior mean under :math:`w \sim N(0, \tau^2 I)` and noise of
standard deviation :math:`\sigma` (``noise_std``) is ridge with
:math:`\lambda = \sigma^2 / \tau^2`. Gradient descent runs on
:math:`\frac{1}{2n}\|Xw - y\|^2` from :math:`w_0 = 0`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gpu.backend import as_generator, asarray_like, to_numpy
from gpu.deprecation import renamed_arguments
from gpu.validate import check_finite, check_int, check_ndim, check_real
from theory_sims.icl._checks import check_context, per_sequence

__all__ = [
    "least_squares",
    "ridge",
    "gd",
    "bayes",
    "ada_rr",
    "tuned_rr",
    "implicit_weights",
    "noise_estimate",
]


def _predict(xp, w, x_query):
    return xp.sum(w * x_query, axis=-1)


def _least_squares_weights(xp, X, y):
    """Min-norm least-squares weights ``X^+ y``, shape (B, d)."""
    return (xp.linalg.pinv(X) @ y[..., None])[..., 0]


def _ridge_weights(xp, X, y, lam):
    d = X.shape[-1]
    A = X.mT @ X + lam[:, None, None] * xp.eye(d, dtype=X.dtype)
    # pinv keeps lam = 0 well defined: pinv(X^T X) X^T y is the min-norm solution.
    return (xp.linalg.pinv(A) @ (X.mT @ y[..., None]))[..., 0]


def least_squares(X, y, x_query):
    r"""Minimum-norm least-squares prediction :math:`x_q^T X^+ y`.

    Parameters
    ----------
    X : array, shape (B, n, d)
    y : array, shape (B, n)
    x_query : array, shape (B, d)

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        On mismatched shapes or NaN/infinite values.

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 2 ("OLS").

    Examples
    --------
    >>> X = np.eye(2)[None]; y = np.array([[1.0, 2.0]])
    >>> least_squares(X, y, np.array([[1.0, 1.0]]))
    array([3.])
    """
    xp, *_ = check_context(X, y, x_query)
    w = _least_squares_weights(xp, X, y)
    return _predict(xp, w, x_query)


def ridge(X, y, x_query, lam):
    r"""Ridge prediction :math:`x_q^T (X^T X + \lambda I)^{-1} X^T y`.

    Parameters
    ----------
    X, y, x_query : arrays
        As in :func:`least_squares`.
    lam : float or array of shape (B,)
        Regularisation, ``>= 0`` (``0`` gives the min-norm least squares).

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        On mismatched shapes, NaN values or a negative ``lam``.

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 2.

    Examples
    --------
    >>> X = np.eye(2)[None]; y = np.array([[1.0, 2.0]])
    >>> ridge(X, y, np.array([[1.0, 1.0]]), 1.0)
    array([1.5])
    """
    xp, B, _, _ = check_context(X, y, x_query)
    lam = per_sequence(lam, "lam", B, xp, X)
    return _predict(xp, _ridge_weights(xp, X, y, lam), x_query)


@renamed_arguments(sigma="noise_std")
def bayes(X, y, x_query, noise_std, tau=1.0):
    r"""Bayes (posterior-mean) prediction when the noise level is known.

    Under :math:`w \sim N(0, \tau^2 I)` and :math:`y = Xw + \sigma\epsilon` the
    posterior mean is ridge with :math:`\lambda = \sigma^2/\tau^2`; with
    ``noise_std`` given per sequence this is the oracle ridge of Vladymyrov et al.

    Parameters
    ----------
    X, y, x_query : arrays
        As in :func:`least_squares`.
    noise_std : float or array of shape (B,)
        Noise standard deviation :math:`\sigma`, ``>= 0`` (retired name:
        ``sigma``).
    tau : float
        Prior scale, ``> 0``.

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        On bad shapes, NaN values, ``noise_std < 0`` or ``tau <= 0``.

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 2 ("Bayesian predictor");
    Vladymyrov et al. (NeurIPS 2024), Sec. 5.

    Examples
    --------
    >>> X = np.eye(2)[None]; y = np.array([[1.0, 2.0]])
    >>> bayes(X, y, np.array([[1.0, 1.0]]), noise_std=1.0)
    array([1.5])
    """
    xp, B, _, _ = check_context(X, y, x_query)
    tau = check_real(tau, "tau", low=0, low_inclusive=False)
    sigma = per_sequence(noise_std, "noise_std", B, xp, X)
    with np.errstate(over="ignore"):
        lam = (sigma / tau) ** 2
    if not bool(xp.all(xp.isfinite(lam))):
        raise ValueError(
            f"noise_std / tau is too large (max {float(xp.max(sigma)) / tau:g}): the ridge "
            "penalty (noise_std / tau)^2 overflows the floating dtype"
        )
    return _predict(xp, _ridge_weights(xp, X, y, lam), x_query)


@renamed_arguments(step_size="lr")
def gd(X, y, x_query, steps, lr, preconditioner=None):
    r"""Prediction after ``steps`` of (preconditioned) gradient descent from zero.

    .. math:: w_{k+1} = w_k - \eta_k\, \Gamma\, \tfrac{1}{n} X^T (X w_k - y),
              \qquad w_0 = 0,

    the gradient step on :math:`\frac{1}{2n}\|Xw - y\|^2`.

    Parameters
    ----------
    X, y, x_query : arrays
        As in :func:`least_squares`.
    steps : int
        Number of steps, ``>= 0`` (``0`` predicts zero).
    lr : float or sequence of ``steps`` floats
        The step size :math:`\eta`, one for all steps or one per step
        (retired name: ``step_size``).
    preconditioner : array of shape (d, d) or (B, d, d), optional
        :math:`\Gamma` (identity by default).

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        On bad shapes or values, or a step-size list of the wrong length.

    References
    ----------
    von Oswald et al. (ICML 2023), Prop. 1; Akyurek et al. (ICLR 2023), Sec. 2.

    Examples
    --------
    >>> X = np.eye(2)[None]; y = np.array([[1.0, 2.0]])
    >>> gd(X, y, np.array([[1.0, 1.0]]), steps=1, lr=2.0)
    array([3.])
    """
    xp, B, n, d = check_context(X, y, x_query)
    steps = check_int(steps, "steps", minimum=0)
    etas = _step_sizes(lr, steps)
    G = None
    if preconditioner is not None:
        G = xp.asarray(preconditioner, dtype=X.dtype)
        check_ndim(G, "preconditioner", (2, 3))
        if G.shape[-2:] != (d, d) or (G.ndim == 3 and G.shape[0] != B):
            raise ValueError(
                f"preconditioner must have shape ({d}, {d}) or ({B}, {d}, {d}), got {G.shape}"
            )
        check_finite(G, "preconditioner")
    w = xp.zeros((B, d), dtype=X.dtype)
    for eta in etas:
        residual = (X @ w[..., None])[..., 0] - y
        grad = (X.mT @ residual[..., None])[..., 0] / n
        if G is not None:
            grad = (G @ grad[..., None])[..., 0]
        w = w - eta * grad
    return _predict(xp, w, x_query)


def _step_sizes(step_size, steps: int) -> list[float]:
    if isinstance(step_size, Sequence) or (hasattr(step_size, "shape") and step_size.ndim > 0):
        etas = [float(e) for e in step_size]
        if len(etas) != steps:
            raise ValueError(f"lr must hold {steps} values, got {len(etas)}")
    else:
        etas = [float(step_size)] * steps
    for e in etas:
        check_real(e, "lr")
    return etas


def noise_estimate(X, y):
    r"""Per-sequence noise variance :math:`\hat\sigma^2 = \|y - X w_{LS}\|^2/(n - d)`.

    Parameters
    ----------
    X : array, shape (B, n, d)
    y : array, shape (B, n)

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        If ``n <= d`` (the estimate needs residual degrees of freedom).

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5 (AdaRR).
    """
    check_ndim(X, "X", 3)
    xp, B, n, d = check_context(X, y, X[:, 0, :])
    if n <= d:
        raise ValueError(f"the noise estimate needs n > d, got n={n}, d={d}")
    w = _least_squares_weights(xp, X, y)
    r = y - (X @ w[..., None])[..., 0]
    return xp.sum(r * r, axis=-1) / (n - d)


def ada_rr(X, y, x_query, tau=1.0):
    r"""AdaRR: ridge with :math:`\lambda = \hat\sigma^2 / \tau^2` from the residuals.

    Parameters
    ----------
    X, y, x_query : arrays
        As in :func:`least_squares`, with ``n > d``.
    tau : float
        Prior scale.

    Returns
    -------
    array, shape (B,)

    Raises
    ------
    ValueError
        If ``n <= d``, or on bad shapes or values.

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5, baseline AdaRR.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X, y, q = rng.standard_normal((2, 9, 3)), rng.standard_normal((2, 9)), np.ones((2, 3))
    >>> bool(np.allclose(ada_rr(X, y, q), ridge(X, y, q, noise_estimate(X, y))))
    True
    """
    tau = check_real(tau, "tau", low=0, low_inclusive=False)
    return tuned_rr(X, y, x_query, alpha=1.0 / tau**2, beta=0.0)


def tuned_rr(X, y, x_query, alpha, beta):
    r"""TunedRR: ridge with :math:`\lambda = \alpha \hat\sigma^2 + \beta`.

    :math:`\hat\sigma^2` is :func:`noise_estimate`; ``alpha`` and ``beta`` are
    tuned on the task distribution (see
    :func:`theory_sims.icl.baselines.tune_tuned_rr`). AdaRR is ``alpha = 1``,
    ``beta = 0``.

    Parameters
    ----------
    X, y, x_query : arrays
        As in :func:`least_squares`, with ``n > d``.
    alpha, beta : float
        Non-negative coefficients.

    Returns
    -------
    array, shape (B,)

    References
    ----------
    Vladymyrov et al. (NeurIPS 2024), Sec. 5, baseline TunedRR.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((3, 8, 2)); y = X @ np.ones(2)
    >>> bool(np.allclose(tuned_rr(X, y, X[:, 0], 2.0, 0.0), y[:, 0]))
    True
    """
    xp, B, n, d = check_context(X, y, x_query)
    alpha = check_real(alpha, "alpha", low=0)
    beta = check_real(beta, "beta", low=0)
    lam = alpha * noise_estimate(X, y) + beta
    return _predict(xp, _ridge_weights(xp, X, y, lam), x_query)


def implicit_weights(
    predict: Callable, X, y, *, probes=None, n_probes: int | None = None, rng=None
):
    r"""Weight vector a predictor applies to the query, fitted on probe inputs.

    The predictor is run on the same contexts with ``m`` probe queries and a
    weight vector is fitted to its outputs by least squares, as in Akyurek
    et al.; for predictors linear in the query (all of this module's and the
    LSA models') the fit is exact once the probes span :math:`R^d`.

    Parameters
    ----------
    predict : callable
        ``predict(X, y, x_query) -> (B,)`` predictions, e.g.
        ``functools.partial(ridge, lam=0.5)`` or ``lambda X, y, q:
        model.predict(theta, X, y, q)``.
    X : array, shape (B, n, d)
    y : array, shape (B, n)
    probes : array of shape (m, d), optional
        Probe inputs shared by all sequences; default ``n_probes`` standard
        normal draws.
    n_probes : int, optional
        Number of random probes (default ``2 d``).
    rng : None, int or numpy.random.Generator
        Source of the random probes.

    Returns
    -------
    array, shape (B, d)

    Raises
    ------
    ValueError
        If the probes are fewer than ``d`` or have the wrong width.

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 4.1 (ILWD).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((2, 6, 3)); y = X @ np.array([1.0, -2.0, 0.5])
    >>> np.round(implicit_weights(least_squares, X, y, rng=1), 6)
    array([[ 1. , -2. ,  0.5],
           [ 1. , -2. ,  0.5]])
    """
    check_ndim(X, "X", 3)
    xp, B, n, d = check_context(X, y, X[:, 0, :])
    if probes is None:
        m = check_int(2 * d if n_probes is None else n_probes, "n_probes", minimum=d)
        probes = as_generator(rng).standard_normal((m, d))
    probes = asarray_like(np.asarray(to_numpy(probes), dtype=float), X, X.dtype)
    check_ndim(probes, "probes", 2)
    if probes.shape[1] != d or probes.shape[0] < d:
        raise ValueError(f"probes must have shape (m, {d}) with m >= {d}, got {probes.shape}")
    check_finite(probes, "probes")
    outputs = xp.stack(
        [predict(X, y, xp.broadcast_to(probes[j], (B, d))) for j in range(probes.shape[0])],
        axis=1,
    )
    return outputs @ xp.linalg.pinv(probes).mT
