"""Random problem instances: arms on the sphere and sparse parameters."""

from __future__ import annotations

import numpy as np

from gpu.backend import as_generator
from gpu.validate import check_int, check_real


def random_arms(n_arms: int, d: int, *, rng=None) -> np.ndarray:
    """``n_arms`` arm features drawn uniformly on the unit sphere of R^d.

    Parameters
    ----------
    n_arms, d : int
        Number of arms (>= 1) and dimension (>= 1).
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray, shape (n_arms, d)

    Raises
    ------
    ValueError, TypeError
        For non-positive or non-integer sizes.

    Examples
    --------
    >>> import numpy as np
    >>> A = random_arms(5, 3, rng=0)
    >>> bool(np.allclose(np.linalg.norm(A, axis=1), 1))
    True
    """
    n_arms = check_int(n_arms, "n_arms", minimum=1)
    d = check_int(d, "d", minimum=1)
    x = as_generator(rng).standard_normal((n_arms, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def sparse_theta(d: int, sparsity: int, *, norm: float = 1.0, rng=None) -> np.ndarray:
    """A parameter with ``sparsity`` non-zero entries at random positions, of the given norm.

    Parameters
    ----------
    d : int
        Dimension.
    sparsity : int
        Number of non-zeros, ``1 <= sparsity <= d``.
    norm : float
        Euclidean norm of the result, ``> 0``.
    rng : None, int or numpy.random.Generator
        Source of randomness (support uniform, values Gaussian then rescaled).

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        For ``sparsity`` outside ``[1, d]`` or ``norm <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> theta = sparse_theta(10, 3, rng=0)
    >>> int(np.count_nonzero(theta)), round(float(np.linalg.norm(theta)), 12)
    (3, 1.0)
    """
    d = check_int(d, "d", minimum=1)
    sparsity = check_int(sparsity, "sparsity", minimum=1, maximum=d)
    norm = check_real(norm, "norm", low=0.0, low_inclusive=False)
    gen = as_generator(rng)
    theta = np.zeros(d)
    support = gen.choice(d, size=sparsity, replace=False)
    values = gen.standard_normal(sparsity)
    while not np.any(values):
        values = gen.standard_normal(sparsity)
    theta[support] = values
    return theta * (norm / np.linalg.norm(theta))
