"""Random directions on the unit sphere for slicing: Monte Carlo, orthogonal, quasi-Monte Carlo."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from gpu.backend import as_generator, asarray_like, namespace
from gpu.validate import check_choice, check_int

__all__ = ["DIRECTION_KINDS", "random_directions"]

DIRECTION_KINDS = ("mc", "orthogonal", "qmc")


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
    from scipy.stats import qmc  # imported here: scipy.stats costs most of `import transport`

    sampler = qmc.Sobol(d, scramble=True, rng=gen)
    points = sampler.random_base2(max(int(np.ceil(np.log2(n_directions))), 0))[:n_directions]
    # Scrambled Sobol points are uniform on (0, 1)^d almost surely; clip guards the
    # measure-zero endpoints so the normal quantile stays finite.
    tiny = np.finfo(np.float64).tiny
    gaussian = ndtri(np.clip(points, tiny, 1.0 - np.finfo(np.float64).epsneg))
    return gaussian.T


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
      quasi-Monte Carlo on the sphere).

    Draws are made on the host with NumPy and placed beside ``like``.

    Parameters
    ----------
    d : int
        Dimension, ``d >= 1``.
    n_directions : int
        Number of directions ``L >= 1``.
    kind : {"mc", "orthogonal", "qmc"}
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
        If ``d < 1``, ``n_directions < 1`` or ``kind`` is unknown.
    TypeError
        If ``d`` or ``n_directions`` is not an integer, or ``rng`` has a bad type.

    References
    ----------
    .. [1] Bonneel, Rabin, Peyre, Pfister, "Sliced and Radon Wasserstein barycenters
       of measures", JMIV 51 (2015), Section 2.
    .. [2] Rowland, Hron, Tang, Choromanski, Sarlos, Weller, "Orthogonal estimation of
       Wasserstein distances", AISTATS 2019, Section 3 (orthogonal couplings).
    .. [3] Nguyen, Bariletto, Ho, "Quasi-Monte Carlo for 3D sliced Wasserstein", ICLR 2024
       (QMC directions on the sphere).
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
    gen = as_generator(rng)
    if kind == "mc":
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
