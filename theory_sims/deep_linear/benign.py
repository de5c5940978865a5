r"""Chatterji and Long's benign overfitting of deep linear networks, simulated exactly.

The network of Chatterji and Long (JMLR 2023) has a first layer
:math:`W_1 = \alpha Z` (``m x d``, i.i.d. :math:`N(0, 1)` entries), identity
hidden layers and a last layer :math:`W_L = v^\top` (``q x m``, i.i.d.
:math:`N(0,1)`), with ``m = 10 (d + q)``: at ``d = 2000`` each hidden layer
alone has 4e8 entries. Full-batch gradient descent never leaves a subspace of
dimension ``p + q`` (``p = rank X <= n``), which this module simulates exactly.

**The exact reduction.** Let ``O_1`` (``d x p``) be an orthonormal basis of the
row space of ``X`` and ``T = span(Z O_1, v)``, of dimension ``r = p + q``, with
orthonormal basis ``Q`` (``m x r``). By induction over the steps, every
gradient is supported on ``T``: the gradient of a hidden layer is
:math:`A^\top G B^\top` with the back-propagated :math:`A^\top` (columns in
``T``) and :math:`G B^\top = R (B X^\top)^\top / n` (rows spanned by the hidden
activations of the data, in ``T``); the first layer moves by
:math:`A^\top G` (columns in ``T``, rows in the row space of ``X``) and the
last by :math:`G B^\top` (rows in ``T``). Hence at every step
``W_hidden = I + Q M Q^T``, ``W_L = V Q^T``, and the first layer is frozen
on the orthogonal complement of the row space of ``X``. The ``r``-wide network with
layers ``Q^T W_1 O_1``, ``I + M``, ``V`` on inputs ``X O_1`` therefore follows
the full network's trajectory exactly, and the end-to-end map is

.. math:: \Theta = A\,\big(\widetilde W_1 O_1^\top + Q^\top W_1(0)(I - O_1 O_1^\top)\big),
          \qquad A = \widetilde W_L \widetilde W_{L-1} \cdots \widetilde W_2 .

**Exact sampling.** ``[Z O_1, v]`` is an ``m x r`` Gaussian matrix, so by the
Bartlett decomposition its QR factor ``R`` has independent entries,
:math:`R_{ii} \sim \chi_{m-i+1}` and :math:`N(0, 1)` above the diagonal; then
:math:`Q^\top Z O_1 = R_{:, :p}`, :math:`Q^\top v = R_{:, p:}`, and
:math:`Q^\top Z O_2` (``O_2`` the complement) is i.i.d. :math:`N(0,1)` and
independent of ``R``. The width ``m`` therefore enters only through the
:math:`\chi_{m-i+1}` draws, and the cost of a step is independent of ``d``
and ``m``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpu.backend import as_generator, asarray_like, namespace, to_numpy
from gpu.deprecation import renamed_arguments, retired_field
from gpu.errors import DivergenceError
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_ndim, check_real
from theory_sims.deep_linear.network import check_chain, end_to_end
from theory_sims.deep_linear.theory import _variance_to_std, excess_risk
from theory_sims.deep_linear.training import _batched_matmul, train_gd

__all__ = [
    "BenignData",
    "sample_benign_data",
    "ReducedNetwork",
    "row_space_basis",
    "identity_hidden_reduction",
    "chatterji_long_reduced",
    "reduced_end_to_end",
    "BenignResult",
    "train_benign",
]


@renamed_arguments(noise_var=("noise_std", _variance_to_std))
@dataclasses.dataclass(frozen=True)
class BenignData(Record):
    """A regression data set of Chatterji and Long's simulations.

    Attributes
    ----------
    X : array, shape (n, d)
        Inputs, ``x ~ N(0, diag(sigma_diag))``.
    Y : array, shape (B, n, q)
        Targets ``X Theta^T + noise``, one noise draw per leading index.
    Theta : array, shape (q, d)
        True parameter, unit Frobenius norm.
    sigma_diag : array, shape (d,)
        Input variances: 1 on the first ``k`` coordinates, ``eps`` on the rest.
    noise_std : float
        Standard deviation of the label noise, keyword-only (formerly the
        variance ``noise_var``, still readable for one release with a
        ``DeprecationWarning``).
    """

    X: Any
    Y: Any
    Theta: Any
    sigma_diag: Any
    noise_std: float = dataclasses.field(kw_only=True)

    noise_var = retired_field("noise_var", "noise_std", lambda std: std**2)


@renamed_arguments(noise_var=("noise_std", _variance_to_std))
def sample_benign_data(
    n: int,
    d: int,
    *,
    k: int = 10,
    q: int = 3,
    eps: float = 0.01,
    noise_std: float = 1.0,
    n_noise: int = 1,
    rng=None,
    like=None,
) -> BenignData:
    """Draw Chatterji and Long's data: ``k`` strong directions, ``q`` outputs.

    Parameters
    ----------
    n, d : int
        Samples and input dimension.
    k : int
        Number of unit-variance coordinates (the rest have variance ``eps``).
    q : int
        Outputs.
    eps : float
        Variance of the weak coordinates, ``> 0``.
    noise_std : float
        Standard deviation of the label noise, ``>= 0`` (the retired keyword
        ``noise_var`` takes the variance, converted with a square root).
    n_noise : int
        Independent noise draws on the same ``X`` and ``Theta`` (for the
        conditional variance).
    rng : None, int or numpy.random.Generator
    like : array, optional
        Place the arrays beside ``like``.

    Returns
    -------
    BenignData

    References
    ----------
    Chatterji and Long, JMLR 2023, Sec. 5 (simulations); their ``GaussianIID``
    with ``Theta`` uniform on the unit sphere.

    Examples
    --------
    >>> data = sample_benign_data(5, 20, k=2, q=3, n_noise=2, rng=0)
    >>> data.X.shape, data.Y.shape, round(float((data.Theta ** 2).sum()), 12)
    ((5, 20), (2, 5, 3), 1.0)
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=0, maximum=d)
    q = check_int(q, "q", minimum=1)
    eps = check_real(eps, "eps", low=0.0, low_inclusive=False)
    noise_std = check_real(noise_std, "noise_std", low=0.0)
    n_noise = check_int(n_noise, "n_noise", minimum=1)
    gen = as_generator(rng)
    sigma = np.full(d, eps)
    sigma[:k] = 1.0
    X = gen.standard_normal((n, d)) * np.sqrt(sigma)
    theta = gen.standard_normal((q, d))
    theta /= np.linalg.norm(theta)
    noise = noise_std * gen.standard_normal((n_noise, n, q))
    Y = X @ theta.T + noise
    return BenignData(
        X=asarray_like(X, like),
        Y=asarray_like(Y, like),
        Theta=asarray_like(theta, like),
        sigma_diag=asarray_like(sigma, like),
        noise_std=noise_std,
    )


def row_space_basis(X):
    """Orthonormal basis ``O_1`` (d, p) of the row space of ``X``, ``p = rank X``.

    Taken from the SVD, so ``X O_1`` has orthogonal columns. Singular values
    below ``max(n, d) * eps * s_max`` count as zero.

    Examples
    --------
    >>> import numpy as np
    >>> row_space_basis(np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])).shape
    (3, 1)
    """
    xp = namespace(X)
    check_ndim(X, "X", 2)
    check_finite(X, "X")
    _, s, vh = xp.linalg.svd(X, full_matrices=False)
    tol = float(max(X.shape) * np.finfo(float).eps * (float(s[0]) if s.shape[0] else 0.0))
    p = int(xp.sum(xp.astype(s > tol, xp.int64)))
    if p == 0:
        raise ValueError("X must not be zero")
    return xp.matrix_transpose(vh[:p, :])


@dataclasses.dataclass(frozen=True)
class ReducedNetwork(Record):
    """A wide identity-hidden network held exactly in its invariant subspace.

    Attributes
    ----------
    weights : tuple of arrays
        Reduced layers: first ``(B, r, p)`` acting on the rotated inputs
        ``X @ basis``, hidden ``(B, r, r)``, last ``(B, q, r)``; ``r = p + q``.
    basis : array, shape (d, p)
        Orthonormal basis of the row space of ``X``.
    frozen : array, shape (B, r, d)
        The first layer's component on the complement of the row space,
        ``Q^T W_1(0) (I - basis basis^T)``, which gradient descent never moves.
    width : int
        The width ``m`` of the full network that is simulated.
    """

    weights: Any
    basis: Any
    frozen: Any
    width: int


def _check_depth_width(depth, width, p, q):
    depth = check_int(depth, "depth", minimum=2)
    width = check_int(width, "width", minimum=1)
    if width < p + q:
        raise ValueError(
            f"width must be at least rank(X) + q = {p + q} for the exact reduction, got "
            f"{width}; train the explicit network from init_weights(scheme='chatterji_long')"
        )
    return depth, width


def identity_hidden_reduction(X, first, last, depth: int) -> ReducedNetwork:
    """Reduce explicit Chatterji-Long networks to their invariant subspace.

    Parameters
    ----------
    X : array, shape (n, d)
        Training inputs.
    first : array, shape (B, m, d)
        First layers.
    last : array, shape (B, q, m)
        Last layers; the ``depth - 2`` hidden layers are the identity.
    depth : int
        Number of weight matrices, ``>= 2``.

    Returns
    -------
    ReducedNetwork
        Gradient descent on it reproduces gradient descent on the explicit
        network exactly (module docstring).

    Raises
    ------
    ValueError
        If ``m < rank(X) + q`` or the shapes disagree.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((3, 6))
    >>> red = identity_hidden_reduction(X, rng.standard_normal((1, 9, 6)),
    ...                                 rng.standard_normal((1, 2, 9)), depth=3)
    >>> [w.shape for w in red.weights]
    [(1, 5, 3), (1, 5, 5), (1, 2, 5)]
    """
    xp = namespace(X, first, last)
    basis = row_space_basis(X)
    check_ndim(first, "first", 3)
    check_ndim(last, "last", 3)
    b, m, d = first.shape
    q = last.shape[1]
    if d != X.shape[1] or last.shape != (b, q, m):
        raise ValueError(f"shapes disagree: X {X.shape}, first {first.shape}, last {last.shape}")
    p = basis.shape[1]
    depth, _ = _check_depth_width(depth, m, p, q)
    span = xp.concat([first @ basis, xp.matrix_transpose(last)], axis=2)
    Q, _ = xp.linalg.qr(span)
    Qt = xp.matrix_transpose(Q)
    first_red = Qt @ first @ basis
    frozen = Qt @ first - _batched_matmul(first_red, xp.matrix_transpose(basis))
    last_red = last @ Q
    return _assemble(first_red, last_red, frozen, basis, depth, m)


def _assemble(first_red, last_red, frozen, basis, depth, width) -> ReducedNetwork:
    xp = namespace(first_red)
    b, r, _ = first_red.shape
    eye = xp.broadcast_to(xp.eye(r, dtype=first_red.dtype), (b, r, r))
    hidden = [xp.asarray(eye, copy=True) for _ in range(depth - 2)]
    return ReducedNetwork(
        weights=(first_red, *hidden, last_red), basis=basis, frozen=frozen, width=width
    )


def chatterji_long_reduced(
    X, q: int, alpha, *, depth: int = 3, width: int | None = None, rng=None
) -> ReducedNetwork:
    r"""Sample Chatterji and Long's network directly in its reduced form.

    Draws the reduced layers of the ``m``-wide network with first layer
    :math:`N(0, \alpha^2)`, ``depth - 2`` identity hidden layers and a
    :math:`N(0, 1)` last layer, in distribution exactly (Bartlett
    decomposition, module docstring), at a cost independent of ``m``.

    Parameters
    ----------
    X : array, shape (n, d)
        Training inputs.
    q : int
        Number of outputs.
    alpha : float or 1-D array_like
        First-layer scale(s). One random draw is shared by every value: the
        network for ``alpha[b]`` is the draw with its first layer scaled by
        ``alpha[b]`` (common random numbers for a scan over alpha).
    depth : int
        Number of weight matrices (the paper's ``num_hidden_layers + 1``), ``>= 2``.
    width : int, optional
        Hidden width ``m``; default ``10 (d + q)`` as in the paper's code.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    ReducedNetwork
        Batch size ``len(alpha)``.

    Raises
    ------
    ValueError
        If ``width < rank(X) + q``, ``depth < 2`` or an alpha is negative.

    References
    ----------
    Chatterji and Long, JMLR 2023, Sec. 3 (initialisation) and Sec. 5;
    Bartlett decomposition: Muirhead, Aspects of Multivariate Statistical
    Theory, Thm. 3.2.14.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((4, 50))
    >>> net = chatterji_long_reduced(X, 3, [0.0, 0.1], rng=1)
    >>> net.width, [w.shape for w in net.weights]
    (530, [(2, 7, 4), (2, 7, 7), (2, 3, 7)])
    """
    xp = namespace(X)
    q = check_int(q, "q", minimum=1)
    basis = row_space_basis(X)
    d, p = basis.shape
    if width is None:
        width = 10 * (d + q)
    depth, width = _check_depth_width(depth, width, p, q)
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    if alphas.ndim != 1 or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError(f"alpha must be non-negative finite values, got {alpha!r}")
    gen = as_generator(rng)
    r = p + q
    R = np.triu(gen.standard_normal((r, r)), 1)
    R[np.diag_indices(r)] = np.sqrt(gen.chisquare(width - np.arange(r)))
    noise = gen.standard_normal((r, d))
    Rx = asarray_like(R, X)
    complement = asarray_like(noise, X)
    complement = complement - (complement @ basis) @ xp.matrix_transpose(basis)
    a = asarray_like(alphas, X)[:, None, None]
    first_red = a * Rx[None, :, :p]
    last_red = xp.broadcast_to(xp.matrix_transpose(Rx[:, p:])[None, ...], (alphas.size, q, r))
    frozen = a * complement[None, ...]
    return _assemble(first_red, xp.asarray(last_red, copy=True), frozen, basis, depth, width)


def reduced_end_to_end(net: ReducedNetwork, weights=None):
    """End-to-end matrices ``(B, q, d)`` of the full networks a reduction stands for.

    Parameters
    ----------
    net : ReducedNetwork
    weights : tuple of arrays, optional
        Trained reduced layers (default ``net.weights``).

    Returns
    -------
    array, shape (B, q, d)

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`ReducedNetwork`.
    ValueError
        If ``weights`` does not have the layers and shapes of ``net.weights``.
    """
    if not isinstance(net, ReducedNetwork):
        raise TypeError(f"net must be a ReducedNetwork, got {type(net).__name__}")
    weights = net.weights if weights is None else weights
    check_chain(weights, "weights")
    shapes = [tuple(w.shape) for w in net.weights]
    if [tuple(w.shape) for w in weights] != shapes:
        raise ValueError(
            f"weights must have the shapes of net.weights {shapes}, "
            f"got {[tuple(w.shape) for w in weights]}"
        )
    xp = namespace(*weights)
    first = _batched_matmul(weights[0], xp.matrix_transpose(net.basis)) + net.frozen
    return end_to_end(weights[1:]) @ first if len(weights) > 1 else first


@dataclasses.dataclass(frozen=True)
class BenignResult(Record):
    """Trained Chatterji-Long networks against the min-norm interpolant.

    Attributes
    ----------
    Theta_net : array, shape (B, q, d)
        End-to-end maps of the trained networks.
    Theta_min_norm : array, shape (B, q, d)
        Min-norm interpolants of the same data.
    risk : ndarray, shape (B,)
        Excess risk of each network (exact, on noiseless test inputs).
    risk_min_norm : ndarray, shape (B,)
        Excess risk of the min-norm interpolants.
    distance : ndarray, shape (B,)
        :math:`\\lVert\\Theta_{net} - \\Theta_{mn}\\rVert_F^2`.
    train_loss : ndarray, shape (B,)
        Final training loss in the paper's units (mean squared error over
        samples and outputs).
    steps : ndarray, shape (B,)
        Gradient-descent steps taken.
    converged : ndarray of bool, shape (B,)
        Whether the target loss was reached.
    """

    Theta_net: Any
    Theta_min_norm: Any
    risk: Any
    risk_min_norm: Any
    distance: Any
    train_loss: Any
    steps: Any
    converged: Any


def train_benign(
    data: BenignData,
    net: ReducedNetwork,
    *,
    lr: float = 1e-4,
    target_loss: float = 1e-7,
    max_steps: int = 100_000,
) -> BenignResult:
    """Train reduced Chatterji-Long networks by full-batch GD and score them.

    Network ``b`` is trained on ``data.Y[b]``; ``data.Y`` must hold one noise
    draw per network or a single draw shared by all. Risks are exact
    expectations over noiseless test inputs ``x ~ N(0, diag(sigma_diag))``.

    Parameters
    ----------
    data : BenignData
    net : ReducedNetwork
        From :func:`chatterji_long_reduced` or :func:`identity_hidden_reduction`
        on ``data.X``.
    lr : float
        Step size for the paper's loss, the mean squared error over samples
        and outputs (PyTorch's ``MSELoss``); internally ``lr * 2 / q`` for the
        library's ``||.||^2 / (2n)`` loss.
    target_loss : float
        Stop a network once its mean squared error is at most this.
    max_steps : int
        Step budget.

    Returns
    -------
    BenignResult

    Raises
    ------
    ValueError
        If the batch sizes disagree.
    gpu.errors.DivergenceError
        If ``lr`` is too large.

    References
    ----------
    Chatterji and Long, JMLR 2023, Sec. 5 and their ``exp1.py`` (lr 1e-4,
    target loss 1e-7).

    Examples
    --------
    >>> data = sample_benign_data(10, 40, k=2, rng=0)
    >>> net = chatterji_long_reduced(data.X, 3, 0.0, rng=1)
    >>> res = train_benign(data, net, lr=1e-3, target_loss=1e-9)
    >>> bool(res.converged[0]), bool(res.distance[0] < 1e-6)
    (True, True)
    """
    if not isinstance(data, BenignData):
        raise TypeError(f"data must be a BenignData, got {type(data).__name__}")
    if not isinstance(net, ReducedNetwork):
        raise TypeError(f"net must be a ReducedNetwork, got {type(net).__name__}")
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    target_loss = check_real(target_loss, "target_loss", low=0.0)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    xp = namespace(data.X, *net.weights)
    b = net.weights[0].shape[0]
    Y = data.Y
    if Y.shape[0] not in (1, b):
        raise ValueError(f"data.Y holds {Y.shape[0]} noise draws for {b} networks")
    Y = xp.broadcast_to(Y, (b, *Y.shape[1:]))
    q = Y.shape[-1]
    Xr = data.X @ net.basis
    internal_lr = lr * 2.0 / q
    try:
        res = train_gd(
            Xr,
            Y,
            net.weights,
            lr=internal_lr,
            steps=max_steps,
            record_every=max_steps,
            target_loss=target_loss * q / 2.0,
        )
    except DivergenceError as err:  # name the caller's lr, not the rescaled one
        raise DivergenceError(str(err).replace(f"lr={internal_lr:g}", f"lr={lr:g}")) from None
    theta = reduced_end_to_end(net, res.weights)
    mn = xp.matrix_transpose(_batched_matmul(xp.linalg.pinv(data.X), Y))
    risk = excess_risk(theta, data.Theta, data.sigma_diag)
    risk_mn = excess_risk(mn, data.Theta, data.sigma_diag)
    dist = xp.sum((theta - mn) ** 2, axis=(-2, -1))
    return BenignResult(
        Theta_net=theta,
        Theta_min_norm=mn,
        risk=to_numpy(risk),
        risk_min_norm=to_numpy(risk_mn),
        distance=to_numpy(dist),
        train_loss=to_numpy(res.loss[-1, ...]) * 2.0 / q,
        steps=res.steps_taken,
        converged=res.converged,
    )
