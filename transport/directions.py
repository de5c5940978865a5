"""Random directions on the unit sphere for slicing: Monte Carlo, orthogonal, randomised QMC."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from gpu.backend import as_generator, asarray_like, namespace
from gpu.validate import check_choice, check_int

__all__ = ["DIRECTION_KINDS", "random_directions", "random_rotation"]

DIRECTION_KINDS = ("mc", "orthogonal", "qmc", "spiral", "equal_area")

# Point sets defined on the 2-sphere only.
SPHERE_3D_KINDS = ("spiral", "equal_area")

# Constant of the generalized spiral points (Nguyen, Bariletto, Ho 2024, Section 3.1).
SPIRAL_CONSTANT = 1.8541


def _orthogonal_blocks(d, n_directions, gen):
    """Columns of ceil(L/d) independent Haar-orthogonal d x d matrices, cut to L columns."""
    n_blocks = -(-n_directions // d)
    gaussian = gen.standard_normal((n_blocks, d, d))
    q, r = np.linalg.qr(gaussian)
    # Multiplying each column by the sign of R's diagonal makes Q exactly Haar distributed
    # (Mezzadri 2007, Section 5); without it QR's sign convention biases the directions.
    signs = np.sign(np.diagonal(r, axis1=1, axis2=2))
    signs[signs == 0] = 1.0
    q = q * signs[:, None, :]
    return np.concatenate(list(q), axis=1)[:, :n_directions]


def _sobol_gaussian_directions(d, n_directions, gen):
    """Scrambled Sobol points mapped through the normal quantile, then normalised."""
    points = _scrambled_sobol(d, n_directions, gen)
    # Scrambled Sobol points are uniform on (0, 1)^d almost surely; clip guards the
    # measure-zero endpoints so the normal quantile stays finite.
    tiny = np.finfo(np.float64).tiny
    gaussian = ndtri(np.clip(points, tiny, 1.0 - np.finfo(np.float64).epsneg))
    return gaussian.T


def _scrambled_sobol(dim, n_points, gen):
    """The first ``n_points`` of a scrambled Sobol sequence in (0, 1)^dim, shape (n, dim)."""
    from scipy.stats import qmc  # imported here: scipy.stats costs most of `import transport`

    sampler = qmc.Sobol(dim, scramble=True, rng=gen)
    return sampler.random_base2(max(int(np.ceil(np.log2(n_points))), 0))[:n_points]


def random_rotation(d, rng=None):
    """A Haar-distributed d x d orthogonal matrix (QR with the sign correction of Mezzadri)."""
    return _orthogonal_blocks(check_int(d, "d", minimum=1), d, as_generator(rng))


def _spiral_directions(n_directions, gen):
    r"""Generalized spiral points on :math:`S^2`, randomly rotated, shape (3, L).

    :math:`z_i = 1 - (2i - 1)/L`, :math:`\varphi_i = 1.8541 \sqrt{L} \arccos z_i \bmod 2\pi`
    (Rakhmanov, Saff, Zhou 1994; Nguyen, Bariletto, Ho 2024, Section 3.1). The set
    is deterministic; a Haar rotation makes each point uniform on the sphere.
    """
    i = np.arange(1, n_directions + 1, dtype=np.float64)
    z = 1.0 - (2.0 * i - 1.0) / n_directions
    phi = np.mod(SPIRAL_CONSTANT * np.sqrt(n_directions) * np.arccos(z), 2.0 * np.pi)
    r = np.sqrt(np.clip(1.0 - z * z, 0.0, None))
    points = np.stack([r * np.cos(phi), r * np.sin(phi), z])
    return random_rotation(3, gen) @ points


def _equal_area_directions(n_directions, gen):
    r"""Scrambled Sobol points of the unit square mapped to :math:`S^2` by Lambert's equal-area map.

    :math:`(u, v) \mapsto (2\cos(2\pi v)\sqrt{u - u^2}, 2\sin(2\pi v)\sqrt{u - u^2}, 1 - 2u)`
    (Nguyen, Bariletto, Ho 2024, Section 3.1), then a Haar rotation. The map sends
    the uniform law of the square to the uniform law of the sphere, so each point
    is uniform even before the rotation.
    """
    u, v = _scrambled_sobol(2, n_directions, gen).T
    r = 2.0 * np.sqrt(np.clip(u - u * u, 0.0, None))
    points = np.stack([r * np.cos(2.0 * np.pi * v), r * np.sin(2.0 * np.pi * v), 1.0 - 2.0 * u])
    return random_rotation(3, gen) @ points


def random_directions(d, n_directions, kind="mc", rng=None, *, like=None):
    r"""Draw ``n_directions`` unit vectors of :math:`\mathbb{R}^d` as the columns of a (d, L) array.

    Every kind gives directions whose marginal law is uniform on the sphere
    :math:`S^{d-1}`, so the sliced Wasserstein estimate built on them is unbiased;
    they differ in how the directions are coupled:

    * ``"mc"``: independent Gaussian vectors normalised to unit length.
    * ``"orthogonal"``: blocks of ``d`` mutually orthogonal directions, each block
      the columns of a Haar-distributed orthogonal matrix (QR of a Gaussian matrix
      with the sign correction of Mezzadri), blocks independent; the last block is
      cut to fill exactly ``L`` columns.
    * ``"qmc"``: a scrambled Sobol sequence in :math:`[0, 1]^d` mapped to Gaussian
      vectors by the normal quantile function, then normalised (randomised
      quasi-Monte Carlo on the sphere, any dimension).
    * ``"spiral"`` (``d = 3`` only): the generalized spiral points of
      Rakhmanov, Saff and Zhou, turned by a Haar-random rotation.
    * ``"equal_area"`` (``d = 3`` only): scrambled Sobol points of the unit
      square mapped to the sphere by Lambert's equal-area map, turned by a
      Haar-random rotation.

    The three quasi-Monte Carlo sets are randomised QMC (RQMC): each point is
    uniform on the sphere, so averages over them are unbiased, while the points
    of one set are negatively dependent; independent draws of a set are
    independent replicates.

    Draws are made on the host with NumPy and placed beside ``like``.

    Parameters
    ----------
    d : int
        Dimension, ``d >= 1``.
    n_directions : int
        Number of directions ``L >= 1``.
    kind : {"mc", "orthogonal", "qmc", "spiral", "equal_area"}
        Sampling scheme.
    rng : None, int or numpy.random.Generator
        Source of randomness (SPEC 7).
    like : array, optional
        Reference array whose namespace, device and floating dtype the result takes.

    Returns
    -------
    array, shape (d, L)
        Unit-norm columns.

    Raises
    ------
    ValueError
        If ``d < 1``, ``n_directions < 1``, ``kind`` is unknown, or ``kind`` is
        ``"spiral"`` or ``"equal_area"`` and ``d != 3``.
    TypeError
        If ``d`` or ``n_directions`` is not an integer, or ``rng`` has a bad type.

    References
    ----------
    .. [1] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015), Section 2.
    .. [2] Rowland, Hron, Tang, Choromanski, Sarlos, Weller, "Orthogonal estimation of
       Wasserstein distances", AISTATS 2019, Section 3 (orthogonal couplings).
    .. [3] Nguyen, Bariletto, Ho, "Quasi-Monte Carlo for 3D sliced Wasserstein", ICLR 2024
       (QMC directions on the sphere), Section 3.1 (spiral and equal-area sets,
       randomised by rotation).
    .. [5] Rakhmanov, Saff, Zhou, "Minimal discrete energy on the sphere", Math.
       Res. Letters 1 (1994) (generalized spiral points).
    .. [4] Mezzadri, "How to generate random matrices from the classical compact
       groups", Notices AMS 54 (2007), Section 5.

    Examples
    --------
    >>> import numpy as np
    >>> theta = random_directions(3, 5, "orthogonal", rng=0)
    >>> theta.shape
    (3, 5)
    >>> np.allclose(theta[:, :3].T @ theta[:, :3], np.eye(3))
    True
    """
    d = check_int(d, "d", minimum=1)
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    check_choice(kind, "directions", DIRECTION_KINDS)
    if kind in SPHERE_3D_KINDS and d != 3:
        raise ValueError(
            f'directions="{kind}" is a point set of the 2-sphere: d must be 3, got {d}'
        )
    gen = as_generator(rng)
    if kind == "spiral":
        theta = _spiral_directions(n_directions, gen)
    elif kind == "equal_area":
        theta = _equal_area_directions(n_directions, gen)
    elif kind == "mc":
        theta = gen.standard_normal((d, n_directions))
    elif kind == "orthogonal":
        theta = _orthogonal_blocks(d, n_directions, gen)
    else:
        theta = _sobol_gaussian_directions(d, n_directions, gen)
    theta = theta / np.linalg.norm(theta, axis=0, keepdims=True)
    dtype = None
    if like is not None and hasattr(like, "dtype"):
        if namespace(like).isdtype(like.dtype, "real floating"):
            dtype = like.dtype
    return asarray_like(theta, like, dtype)
