r"""MCMC sampler of the d-dimensional Coulomb gas and its radial linear statistics.

Model (De Bruyne, Le Doussal, Majumdar, Schehr, arXiv:2310.16420, 2023): N
particles in :math:`\mathbb R^d`, weight :math:`e^{-\beta E}` with
:math:`E = \sum_{i<j}\phi_d(|x_i - x_j|) + \frac N2 \sum_i |x_i|^2`,
:math:`\phi_1 = -r`, :math:`\phi_2 = -\log r`,
:math:`\phi_d = r^{2-d}/(d-2)` for :math:`d \ge 3`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from gpu.backend import as_generator, is_cupy, namespace, standard_normal, to_numpy, uniform
from gpu.records import Record
from gpu.validate import check_int, check_real
from theory_sims.coulomb._checks import check_radial_values, radial_callable
from theory_sims.coulomb._kernels.gas import _mala_sweep

__all__ = ["CoulombGasSample", "sample_coulomb_gas", "linear_statistic", "default_lr"]

#: Langevin step per particle, in units of 1/(beta N) (acceptance about 0.7 to 0.9).
LR_SCALE = 0.5


@dataclasses.dataclass(frozen=True)
class CoulombGasSample(Record):
    r"""Final state of :func:`sample_coulomb_gas`.

    Attributes
    ----------
    positions : array, shape (n_chains, N, d)
        Final positions, in the namespace of ``like`` (CuPy in, CuPy out).
    acceptance : float
        Fraction of accepted single-particle moves over all sweeps and chains.
    lr : float
        Langevin step h of the proposals
        :math:`y = x - \frac h2 \beta\nabla E + \sqrt h\,\xi`.
    n_sweeps : int
        Sweeps run (each moves every particle of every chain once).
    d : int
    beta : float
    """

    positions: Any
    acceptance: float
    lr: float
    n_sweeps: int
    d: int
    beta: float


def default_lr(N, beta):
    """The default Langevin step ``LR_SCALE / (beta N)``.

    Both the trap and the nearest neighbours (at distance :math:`N^{-1/d}`,
    curvature :math:`r^{-d} \\sim N`) give each particle a curvature of order
    :math:`\\beta N` in every dimension, so this step keeps the acceptance
    roughly independent of N, d and beta.
    """
    return LR_SCALE / (beta * N)


def _uniform_ball(rng, n_chains, N, d):
    direction = rng.standard_normal((n_chains, N, d))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    radius = rng.random((n_chains, N, 1)) ** (1.0 / d)
    return direction * radius


def _start(init, rng, n_chains, N, d, like, dtype):
    if init is None:
        return _host_or_like(_uniform_ball(rng, n_chains, N, d), like, dtype)
    xp = namespace(init)
    if getattr(init, "dtype", None) is not None and xp.isdtype(init.dtype, "complex floating"):
        raise TypeError("init must be real positions, got a complex array")
    shape = tuple(init.shape)
    if shape != (n_chains, N, d):
        raise ValueError(f"init must have shape (n_chains, N, d) = {(n_chains, N, d)}, got {shape}")
    host = to_numpy(init).astype(np.float64)
    if not np.all(np.isfinite(host)):
        raise ValueError("init must be finite (it has NaN or infinite positions)")
    return _host_or_like(host, like, dtype)


def _host_or_like(host, like, dtype):
    if like is not None and is_cupy(like):
        import cupy

        return cupy.ascontiguousarray(cupy.asarray(host, dtype=dtype))
    return np.ascontiguousarray(host, dtype=dtype)


def sample_coulomb_gas(N, d, beta, *, n_chains, n_sweeps, rng=None, like=None, lr=None, init=None):
    r"""Sample the d-dimensional Coulomb gas by MALA, many independent chains in lockstep.

    Each sweep moves every particle once by a Metropolis-adjusted Langevin
    (MALA) step on its conditional law, with the exact O(N) pair forces, so a
    sweep costs O(N^2) per chain. The target :math:`e^{-\beta E}` of De Bruyne
    et al. (2023) is left invariant exactly (each update satisfies detailed
    balance; the Metropolis test rejects a move that would put two particles on
    top of each other).

    Burn-in. Chains start from independent uniform points in the unit ball,
    the macroscopic droplet, so only mesoscopic structure has to relax. For the
    Langevin dynamics linearised around the droplet a density perturbation of
    any wavelength decays at rate :math:`\beta N d` (Coulomb screening: the
    restoring field is proportional to the excess charge itself), while one
    sweep advances each particle by Langevin time ``lr`` :math:`= 0.5/(\beta
    N)`; smooth linear statistics therefore relax by a factor e every
    :math:`\approx 2/d` sweeps, independently of N. 100 sweeps are plenty:
    the tests start chains from exact d = 2, beta = 2 samples and from the
    uniform ball and find the same cumulants after 60-100 sweeps.

    Parameters
    ----------
    N : int
        Particles per chain, ``N >= 1``.
    d : int
        Dimension, ``d >= 1``.
    beta : float
        Inverse temperature, ``beta > 0``.
    n_chains : int
        Independent chains, ``>= 1``.
    n_sweeps : int
        Sweeps, ``>= 0``.
    rng : None, int or numpy.random.Generator
        Random stream; the draws are made on the host, so CPU and GPU runs
        from the same seed follow the same chains (up to rounding).
    like : array, optional
        A CuPy array runs the numba.cuda kernel and returns CuPy positions.
        ``None`` or NumPy runs the CPU kernel. The kernels compute in
        float64; the positions take the floating dtype of ``like``.
    lr : float, optional
        Langevin step h (default :func:`default_lr`).
    init : array, optional
        Starting positions, shape (n_chains, N, d); CuPy starting positions
        run on the GPU as ``like`` does.

    Returns
    -------
    CoulombGasSample

    Raises
    ------
    TypeError, ValueError
        For N < 1, d < 1, beta <= 0, n_chains < 1, n_sweeps < 0, lr <= 0, or
        an ``init`` of the wrong shape or with NaN.

    References
    ----------
    .. [1] B. De Bruyne, P. Le Doussal, S. N. Majumdar, G. Schehr, "Linear
       statistics for Coulomb gases: higher order cumulants", arXiv:2310.16420
       (2023), the model of their Section 1.
    .. [2] G. O. Roberts, R. L. Tweedie, "Exponential convergence of Langevin
       distributions and their discrete approximations", Bernoulli 2 (1996).

    Examples
    --------
    >>> s = sample_coulomb_gas(8, 2, 2.0, n_chains=4, n_sweeps=5, rng=0)
    >>> s.positions.shape, 0 < s.acceptance <= 1
    ((4, 8, 2), True)
    """
    N = check_int(N, "N", minimum=1)
    d = check_int(d, "d", minimum=1)
    beta = check_real(beta, "beta", low=0.0, low_inclusive=False)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta}")
    n_chains = check_int(n_chains, "n_chains", minimum=1)
    n_sweeps = check_int(n_sweeps, "n_sweeps", minimum=0)
    lr = default_lr(N, beta) if lr is None else check_real(lr, "lr", low=0.0, low_inclusive=False)
    if not math.isfinite(lr):
        raise ValueError(f"lr must be finite, got {lr}")
    rng = as_generator(rng)
    if like is None and init is not None and is_cupy(init):
        like = init  # CuPy starting positions run on the GPU too
    on_gpu = like is not None and is_cupy(like)
    # the kernels run in float64 (one compiled signature); the result takes like's float dtype
    dtype = np.float64
    out_dtype = dtype
    if like is not None and hasattr(like, "dtype"):
        xp = namespace(like)
        if xp.isdtype(like.dtype, "real floating"):
            out_dtype = like.dtype
    x = _start(init, rng, n_chains, N, d, like, dtype)
    if on_gpu:
        import cupy

        from theory_sims.coulomb._kernels.gas_cuda import mala_sweep

        scratch = cupy.zeros((n_chains, 4, d), dtype=dtype)
        accepted = cupy.zeros(n_chains, dtype=np.int64)
        sweep = mala_sweep
    else:
        scratch = np.zeros((n_chains, 4, d), dtype=dtype)
        accepted = np.zeros(n_chains, dtype=np.int64)
        sweep = _mala_sweep
    target = x if on_gpu else None
    for _ in range(n_sweeps):
        normals = standard_normal(rng, (n_chains, N, d), like=target, dtype=dtype)
        uniforms = uniform(rng, (n_chains, N), like=target, dtype=dtype)
        sweep(x, normals, uniforms, beta, lr, scratch, accepted)
    moves = n_sweeps * N * n_chains
    rate = float(to_numpy(accepted).sum()) / moves if moves else float("nan")
    return CoulombGasSample(
        positions=x.astype(out_dtype, copy=False),
        acceptance=rate,
        lr=float(lr),
        n_sweeps=n_sweeps,
        d=d,
        beta=float(beta),
    )


def linear_statistic(positions, f):
    r"""The radial linear statistic :math:`L_N = \sum_i f(|x_i|)` of each configuration.

    Parameters
    ----------
    positions : array, shape (..., N, d)
        Particle positions (NumPy or CuPy; the result has the same namespace).
        A complex array of shape (..., N) is read as points of the plane.
    f : callable or sympy.Expr
        Vectorised real function of the radius (one value per radius), or a
        SymPy expression in one symbol.

    Returns
    -------
    array, shape (...)

    Raises
    ------
    TypeError
        If ``f`` is neither callable nor a SymPy expression.
    ValueError
        If ``positions`` has NaN or infinite entries or fewer than 2
        dimensions, or ``f`` is not radial (not one value per radius).

    Examples
    --------
    >>> linear_statistic(np.array([[[3.0, 4.0], [0.0, 1.0]]]), lambda r: r)
    array([6.])
    """
    xp = namespace(positions)
    positions = xp.asarray(positions)
    complex_points = xp.isdtype(positions.dtype, "complex floating")
    if positions.ndim < (1 if complex_points else 2):
        raise ValueError(
            f"positions must have shape (..., N, d), got shape {tuple(positions.shape)}"
        )
    if not bool(xp.all(xp.isfinite(positions))):
        raise ValueError("positions must be finite: they contain NaN or infinite entries")
    if complex_points:
        radii = xp.abs(positions)
    else:
        radii = xp.sqrt(xp.sum(positions * positions, axis=-1))
    fn = radial_callable(f, modules="cupy" if is_cupy(positions) else "numpy")
    values = check_radial_values(fn(radii), radii)
    return xp.sum(values, axis=-1)
