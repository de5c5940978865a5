"""Task distributions for in-context linear regression.

A task is one sequence: a weight vector ``w``, ``n`` context pairs
``(x_i, y_i = w^T x_i + noise_std * eps_i)`` and a query ``x_query`` whose target
``y_query = w^T x_query`` is noise-free (the convention of the whole
``theory_sims.icl`` package). :class:`TaskConfig` describes the distribution
and :func:`sample_tasks` draws a batch of independent sequences.

Draws are made on the host with NumPy's generator (same seed, same batch, bit
for bit) and placed on the device of ``like``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpu.backend import as_generator, asarray_like
from gpu.deprecation import renamed_arguments, retired_field
from gpu.records import Record
from gpu.validate import check_choice, check_finite, check_int, check_real

__all__ = ["TaskConfig", "TaskBatch", "sample_tasks", "X_DISTRIBUTIONS"]

X_DISTRIBUTIONS = ("gaussian", "uniform", "heavy_tailed")


@renamed_arguments(sigma="noise_std")
@dataclasses.dataclass(frozen=True)
class TaskConfig(Record):
    """Distribution of in-context linear-regression sequences.

    Attributes
    ----------
    n : int
        Context length, ``n >= 1``.
    d : int
        Input dimension, ``d >= 1``.
    x_dist : {"gaussian", "uniform", "heavy_tailed"}
        Law of the standardised inputs ``z``: ``N(0, I)``; i.i.d. coordinates
        uniform on ``[-sqrt 3, sqrt 3]`` (unit variance); or the heavy-tailed
        law of Ahn et al. (2024), ``z = u * sqrt(r)`` with ``u`` uniform on the
        unit sphere and ``r ~ Gamma(shape=heavy_k, scale=sqrt(10 / heavy_k))``.
        The inputs are ``x = C z`` with ``C`` the Cholesky factor of ``Sigma``.
    Sigma : array of shape (d, d) or None
        Input covariance factor (``None``: identity).
    tau : float
        Prior scale, ``w ~ N(0, tau^2 I)``.
    noise_std : float
        Fixed noise standard deviation (used when neither ``sigma_max`` nor
        ``sigma_choices`` is given). The retired keyword ``sigma`` still works
        for one release (``DeprecationWarning``).
    sigma_max : float or None
        Per-sequence noise standard deviation ``U(0, sigma_max)`` (Vladymyrov et al.).
    sigma_choices : tuple of float or None
        Per-sequence noise level drawn uniformly from this set.
    heavy_k : float
        Gamma shape of the heavy-tailed law (smaller is heavier).

    Raises
    ------
    ValueError
        For ``n < 1``, ``d < 1``, negative or non-finite noise levels, a
        non-positive ``tau`` or ``heavy_k``, a ``Sigma`` that is not a
        symmetric positive-definite ``(d, d)`` matrix, or more than one noise
        specification.

    Examples
    --------
    >>> cfg = TaskConfig(n=20, d=10, sigma_max=3.0)
    >>> batch = sample_tasks(cfg, 4, rng=0)
    >>> batch.X.shape, batch.y.shape, batch.x_query.shape, batch.noise_std.shape
    ((4, 20, 10), (4, 20), (4, 10), (4,))
    """

    n: int
    d: int
    x_dist: str = "gaussian"
    Sigma: Any = None
    tau: float = 1.0
    noise_std: float = 0.0
    sigma_max: float | None = None
    sigma_choices: tuple | None = None
    heavy_k: float = 0.1

    def __post_init__(self):
        check_int(self.n, "n", minimum=1)
        check_int(self.d, "d", minimum=1)
        check_choice(self.x_dist, "x_dist", X_DISTRIBUTIONS)
        check_real(self.tau, "tau", low=0, low_inclusive=False)
        check_real(self.noise_std, "noise_std", low=0)
        check_real(self.heavy_k, "heavy_k", low=0, low_inclusive=False)
        given = (
            (self.noise_std > 0) + (self.sigma_max is not None) + (self.sigma_choices is not None)
        )
        if given > 1:
            raise ValueError("give at most one of noise_std > 0, sigma_max and sigma_choices")
        if self.sigma_max is not None:
            check_real(self.sigma_max, "sigma_max", low=0)
        if self.sigma_choices is not None:
            choices = tuple(float(s) for s in self.sigma_choices)
            if not choices:
                raise ValueError("sigma_choices must not be empty")
            for s in choices:
                check_real(s, "sigma_choices", low=0)
            object.__setattr__(self, "sigma_choices", choices)
        if self.Sigma is not None:
            object.__setattr__(self, "Sigma", _check_covariance(self.Sigma, self.d))

    sigma = retired_field("sigma", "noise_std")

    def covariance(self) -> np.ndarray:
        """Covariance of ``x`` for the Gaussian and uniform laws (host array)."""
        return np.eye(self.d) if self.Sigma is None else np.array(self.Sigma)


def _check_covariance(Sigma, d: int) -> np.ndarray:
    S = np.asarray(Sigma, dtype=float)
    if S.shape != (d, d):
        raise ValueError(f"Sigma must have shape ({d}, {d}), got {S.shape}")
    check_finite(S, "Sigma")
    if not np.allclose(S, S.T, rtol=1e-10, atol=1e-12):
        raise ValueError("Sigma must be symmetric")
    if np.linalg.eigvalsh(S)[0] <= 0:
        raise ValueError("Sigma must be positive definite")
    return S


@renamed_arguments(sigma="noise_std")
@dataclasses.dataclass(frozen=True)
class TaskBatch(Record):
    """A batch of ``B`` in-context regression sequences.

    Attributes
    ----------
    X : array, shape (B, n, d)
        Context inputs.
    y : array, shape (B, n)
        Noisy context labels ``X w + noise_std * eps``.
    x_query : array, shape (B, d)
        Query inputs.
    y_query : array, shape (B,)
        Noise-free query targets ``w^T x_query``.
    w : array, shape (B, d)
        Task weight vectors.
    noise_std : array, shape (B,)
        Noise standard deviation of each sequence (formerly ``sigma``, still
        readable for one release with a ``DeprecationWarning``).
    """

    X: Any
    y: Any
    x_query: Any
    y_query: Any
    w: Any
    noise_std: Any

    sigma = retired_field("sigma", "noise_std")


def _standard_inputs(gen: np.random.Generator, cfg: TaskConfig, shape: tuple) -> np.ndarray:
    if cfg.x_dist == "gaussian":
        return gen.standard_normal(shape)
    if cfg.x_dist == "uniform":
        return gen.uniform(-np.sqrt(3.0), np.sqrt(3.0), shape)
    u = gen.standard_normal(shape)
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    r = gen.gamma(cfg.heavy_k, np.sqrt(10.0 / cfg.heavy_k), shape[:-1])
    return u * np.sqrt(r)[..., None]


def sample_tasks(cfg: TaskConfig, batch_size: int, *, rng=None, like=None) -> TaskBatch:
    """Draw ``batch_size`` independent sequences from ``cfg``.

    Parameters
    ----------
    cfg : TaskConfig
        The task distribution.
    batch_size : int
        Number of sequences ``B >= 1``.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    like : array, optional
        Reference array: the batch is placed in its namespace and device
        (NumPy by default).

    Returns
    -------
    TaskBatch

    Raises
    ------
    ValueError, TypeError
        For a bad ``batch_size`` or ``rng``.

    References
    ----------
    Akyurek et al. (ICLR 2023), Sec. 4; Vladymyrov et al. (NeurIPS 2024),
    Sec. 5 (mixed noise); Ahn et al. (ICLR 2024), Sec. 3 (heavy-tailed inputs).

    Examples
    --------
    >>> b = sample_tasks(TaskConfig(n=5, d=3), 2, rng=1)
    >>> bool(np.allclose(b.y, np.einsum("bnd,bd->bn", b.X, b.w)))
    True
    """
    if not isinstance(cfg, TaskConfig):
        raise TypeError(f"cfg must be a TaskConfig, got {type(cfg).__name__}")
    B = check_int(batch_size, "batch_size", minimum=1)
    gen = as_generator(rng)
    n, d = cfg.n, cfg.d
    w = cfg.tau * gen.standard_normal((B, d))
    Z = _standard_inputs(gen, cfg, (B, n + 1, d))
    if cfg.Sigma is not None:
        Z = Z @ np.linalg.cholesky(cfg.Sigma).T
    X, xq = Z[:, :n], Z[:, n]
    if cfg.sigma_max is not None:
        sigma = gen.uniform(0.0, cfg.sigma_max, B)
    elif cfg.sigma_choices is not None:
        sigma = np.asarray(cfg.sigma_choices)[gen.integers(len(cfg.sigma_choices), size=B)]
    else:
        sigma = np.full(B, cfg.noise_std)
    clean = np.einsum("bnd,bd->bn", X, w)
    y = clean + sigma[:, None] * gen.standard_normal((B, n))
    yq = np.einsum("bd,bd->b", xq, w)
    move = lambda a: asarray_like(np.ascontiguousarray(a), like)
    return TaskBatch(move(X), move(y), move(xq), move(yq), move(w), move(sigma))
