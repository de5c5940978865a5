"""Optimisation diagnostics of LSA training: gradient noise and Hessian conditioning.

* :func:`gradient_noise`: the distribution of :math:`\\|g_B - g_{full}\\|` over
  independent mini-batches at given parameters, with a Hill estimate of its
  tail index (Ahn et al. 2024 report heavy-tailed stochastic-gradient noise in
  linear attention, as in real transformers).
* :func:`hessian_spectrum`: the Hessian of the in-context loss on a fixed
  batch, assembled from Hessian-vector products computed by central finite
  differences of the hand-derived gradients, and its condition number.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpu.backend import asarray_like, spawn, to_numpy
from gpu.records import Record
from gpu.validate import check_int, check_real
from theory_sims.icl.lsa import LSA
from theory_sims.icl.tasks import TaskConfig, sample_tasks

__all__ = [
    "GradientNoise",
    "gradient_noise",
    "hill_tail_index",
    "HessianSpectrum",
    "hessian_spectrum",
]


def hill_tail_index(samples, k: int | None = None) -> float:
    """Hill estimator of the tail index from the ``k`` largest of positive ``samples``.

    .. math:: \\hat\\alpha = \\Big(\\frac1k \\sum_{i=1}^k \\log X_{(i)} - \\log X_{(k+1)}\\Big)^{-1}

    Parameters
    ----------
    samples : array_like, 1-D, positive
    k : int, optional
        Number of upper order statistics (default ``sqrt(m)``).

    Returns
    -------
    float
        Smaller is heavier-tailed; a Pareto(alpha) sample gives about alpha.

    Raises
    ------
    ValueError
        For fewer than 3, non-positive or non-finite samples, a bad ``k``, or
        ``k + 1`` largest samples that are all tied (the estimator divides by
        zero).

    References
    ----------
    Hill (1975), Ann. Statist. 3(5); used for gradient noise by Simsekli et al.
    (ICML 2019) and Ahn et al. (ICLR 2024), Sec. 4.

    Examples
    --------
    >>> x = np.random.default_rng(0).pareto(2.0, 20000) + 1.0
    >>> round(hill_tail_index(x, k=2000), 1)
    2.0
    """
    x = np.sort(np.asarray(to_numpy(samples), dtype=float))[::-1]
    if x.ndim != 1 or x.size < 3 or not np.all(np.isfinite(x)) or x[-1] <= 0:
        raise ValueError("samples must be a 1-D array of at least 3 positive finite values")
    k = check_int(int(np.sqrt(x.size)) if k is None else k, "k", minimum=1, maximum=x.size - 1)
    spread = np.mean(np.log(x[:k])) - np.log(x[k])
    if not spread > 0:
        raise ValueError(
            f"the k + 1 = {k + 1} largest samples are tied at {x[k]:g}, so the Hill estimator "
            "is undefined; use a larger k or samples without ties at the top"
        )
    return float(1.0 / spread)


@dataclasses.dataclass(frozen=True)
class GradientNoise(Record):
    """Mini-batch gradient noise at fixed parameters.

    Attributes
    ----------
    norms : numpy.ndarray, shape (n_batches,)
        :math:`\\|g_B - g_{full}\\|` for independent mini-batches of size ``B``.
    full_grad_norm : float
        :math:`\\|g_{full}\\|` (gradient on the large reference batch).
    tail_index : float
        Hill estimate of the tail index of ``norms``.
    kurtosis : float
        Excess kurtosis of the standardised noise coordinates pooled over
        batches (0 for Gaussian noise); coordinates without noise are skipped.
    """

    norms: Any
    full_grad_norm: float
    tail_index: float
    kurtosis: float


def gradient_noise(
    model: LSA,
    theta,
    task: TaskConfig,
    *,
    batch_size: int,
    n_batches: int = 500,
    full_batch_size: int = 50000,
    rng=None,
) -> GradientNoise:
    """Distribution of the stochastic-gradient noise of ``model`` at ``theta``.

    Parameters
    ----------
    model : LSA
    theta : array
    task : TaskConfig
    batch_size : int
        Mini-batch size ``B``.
    n_batches : int
        Number of independent mini-batches.
    full_batch_size : int
        Size of the batch standing in for the full gradient.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    GradientNoise

    References
    ----------
    Ahn et al. (ICLR 2024), Sec. 4 (heavy-tailed gradient noise).

    Examples
    --------
    >>> m = LSA(1, 2)
    >>> r = gradient_noise(m, m.init(0), TaskConfig(n=5, d=2), batch_size=8,
    ...                    n_batches=50, full_batch_size=2000, rng=0)
    >>> r.norms.shape
    (50,)
    """
    n_batches = check_int(n_batches, "n_batches", minimum=3)
    full_rng, batch_rng = spawn(rng, 2)
    big = sample_tasks(task, full_batch_size, rng=full_rng, like=theta)
    _, g_full = model.loss_and_grad(theta, big.X, big.y, big.x_query, big.y_query)
    noise = np.empty((n_batches, model.num_params))
    for i in range(n_batches):
        b = sample_tasks(task, batch_size, rng=batch_rng, like=theta)
        noise[i] = to_numpy(model.loss_and_grad(theta, b.X, b.y, b.x_query, b.y_query)[1] - g_full)
    norms = np.linalg.norm(noise, axis=1)
    sd = noise.std(0)
    live = sd > 1e-12 * max(sd.max(), 1e-300)  # coordinates that are not noise-free
    z = (noise[:, live] - noise[:, live].mean(0)) / sd[live]
    kurt = float(np.mean(z**4) - 3.0) if z.size else 0.0
    return GradientNoise(
        norms, float(np.linalg.norm(to_numpy(g_full))), hill_tail_index(norms), kurt
    )


@dataclasses.dataclass(frozen=True)
class HessianSpectrum(Record):
    """Hessian of the in-context loss on a fixed batch.

    Attributes
    ----------
    eigenvalues : numpy.ndarray, shape (num_params,)
        Ascending eigenvalues of the symmetrised finite-difference Hessian.
    condition_number : float
        :math:`|\\lambda|_{max} / |\\lambda|_{min}` over the eigenvalues with
        :math:`|\\lambda| > rtol\\,|\\lambda|_{max}` (exact zero directions come
        from the scaling symmetries of attention, e.g. :math:`P \\to cP,
        Q \\to Q/c`, and would make the plain ratio infinite).
    robust_condition_number : float
        :math:`\\max_j |H_{jj}| / \\mathrm{median}_j |H_{jj}|` of the Hessian
        diagonal: the robust condition number :math:`R^{OPT}_{med}` of Ahn et
        al. (ICLR 2024), Sec. 3 (their ``plot_condition_number.ipynb``), which the
        zero directions of the rescaling symmetry do not affect.
    """

    eigenvalues: Any
    condition_number: float
    robust_condition_number: float


def hessian_spectrum(
    model: LSA, theta, X, y, x_query, target, *, eps: float = 1e-5, rtol: float = 1e-8
) -> HessianSpectrum:
    """Hessian spectrum from Hessian-vector products by finite differences of gradients.

    Column ``j`` of the Hessian is :math:`(g(\\theta + \\epsilon e_j) - g(\\theta -
    \\epsilon e_j)) / 2\\epsilon` with the hand-derived gradient :math:`g`
    (error :math:`O(\\epsilon^2)`); the result is symmetrised before
    ``eigvalsh``. Cost: ``2 * num_params`` gradient evaluations.

    Parameters
    ----------
    model : LSA
    theta : array
    X, y, x_query, target : arrays
        The fixed batch defining the loss.
    eps : float
        Finite-difference step.
    rtol : float
        Relative cut-off for the eigenvalues kept in the condition number.

    Returns
    -------
    HessianSpectrum

    Examples
    --------
    >>> m = LSA(1, 2, "gd++"); b = sample_tasks(TaskConfig(n=8, d=2), 64, rng=0)
    >>> r = hessian_spectrum(m, np.array([0.0, -0.5]), b.X, b.y, b.x_query, b.y_query)
    >>> r.eigenvalues.shape
    (2,)
    """
    eps = check_real(eps, "eps", low=0, low_inclusive=False)
    rtol = check_real(rtol, "rtol", low=0)
    p = model.num_params
    H = np.empty((p, p))
    for j in range(p):
        e = np.zeros(p)
        e[j] = eps
        e = asarray_like(e, theta)
        plus = model.loss_and_grad(theta + e, X, y, x_query, target)[1]
        minus = model.loss_and_grad(theta - e, X, y, x_query, target)[1]
        H[:, j] = to_numpy(plus - minus) / (2 * eps)
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    mag = np.abs(lam)
    kept = mag[mag > rtol * mag.max()] if mag.max() > 0 else mag
    cond = float(kept.max() / kept.min()) if kept.size and kept.min() > 0 else float("inf")
    diag = np.abs(np.diag(H))
    median = float(np.median(diag))
    robust = float(diag.max() / median) if median > 0 else float("inf")
    return HessianSpectrum(lam, cond, robust)
