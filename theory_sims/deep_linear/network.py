"""Deep linear networks: batched weight stacks and their initialisations.

A deep linear network of depth ``D`` maps ``x`` to ``W_D ... W_2 W_1 x``. Here a
network is a tuple of ``D`` arrays, layer ``l`` of shape ``(B, w_l, w_{l-1})``:
the leading axis holds ``B`` independent networks (initialisations, depths,
data sets) trained together. ``widths = (w_0, ..., w_D)`` lists the input
dimension, the hidden widths and the output dimension.

Random draws are made on the host with NumPy's generator and placed beside
``like`` (SPEC 7), so one seed gives the same networks on every device.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gpu.backend import as_generator, asarray_like, namespace
from gpu.validate import check_choice, check_finite, check_int, check_real

__all__ = [
    "SCHEMES",
    "init_weights",
    "decoupled_init",
    "end_to_end",
    "stack_depths",
    "check_widths",
    "check_chain",
]

SCHEMES = ("balanced", "gaussian", "orthogonal", "chatterji_long")


def check_widths(widths) -> tuple[int, ...]:
    """Validate ``widths = (w_0, ..., w_D)`` and return it as a tuple of ints.

    Raises
    ------
    ValueError
        If fewer than two widths are given (depth < 1) or a width is not positive.
    TypeError
        If ``widths`` is not a sequence of integers.

    Examples
    --------
    >>> check_widths([3, 5, 2])
    (3, 5, 2)
    """
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of integers, got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(
            f"widths must list the input and output dimensions and any hidden widths "
            f"(depth = len(widths) - 1 >= 1), got {list(widths)}"
        )
    return tuple(check_int(w, f"widths[{i}]", minimum=1) for i, w in enumerate(widths))


def _orthonormal_columns(gen: np.random.Generator, batch: int, rows: int, cols: int):
    """Haar-distributed ``(batch, rows, cols)`` matrices with orthonormal columns (rows >= cols)."""
    q, r = np.linalg.qr(gen.standard_normal((batch, rows, cols)))
    signs = np.sign(np.diagonal(r, axis1=1, axis2=2))
    signs[signs == 0] = 1.0
    return q * signs[:, None, :]


def _semi_orthogonal(gen: np.random.Generator, batch: int, rows: int, cols: int):
    """Haar ``(batch, rows, cols)`` matrices with orthonormal rows or columns, whichever fit."""
    if rows >= cols:
        return _orthonormal_columns(gen, batch, rows, cols)
    return np.swapaxes(_orthonormal_columns(gen, batch, cols, rows), 1, 2)


def init_weights(
    widths,
    *,
    scheme: str = "gaussian",
    scale: float = 1.0,
    n_init: int = 1,
    rng=None,
    like=None,
):
    r"""Draw ``n_init`` deep linear networks with the given widths.

    Parameters
    ----------
    widths : sequence of int
        ``(w_0, ..., w_D)``: input dimension, hidden widths, output dimension;
        the depth (number of weight matrices) is ``D = len(widths) - 1 >= 1``.
    scheme : {"balanced", "gaussian", "orthogonal", "chatterji_long"}
        * ``"balanced"``: small balanced weights
          :math:`W_l = \mathrm{scale}\, Q_l Q_{l-1}^\top` with :math:`Q_l`
          Haar-random ``w_l x r`` matrices with orthonormal columns,
          ``r = min(widths)``; they satisfy the balance condition
          :math:`W_{l+1}^\top W_{l+1} = W_l W_l^\top` exactly and every
          non-zero singular value of every layer equals ``scale``.
        * ``"gaussian"``: i.i.d. :math:`N(0, \mathrm{scale}^2 / w_{l-1})`
          entries (fan-in scaling).
        * ``"orthogonal"``: ``scale`` times a Haar semi-orthogonal matrix.
        * ``"chatterji_long"``: first layer i.i.d. :math:`N(0, \mathrm{scale}^2)`
          (``scale`` is the paper's alpha), hidden layers the identity, last
          layer i.i.d. :math:`N(0, 1)`; all hidden widths must be equal and
          ``depth >= 2``.
    scale : float
        Non-negative scale (see ``scheme``).
    n_init : int
        Number of independent networks, stacked on the leading axis.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    like : array, optional
        The weights are placed in the namespace and on the device of ``like``.

    Returns
    -------
    tuple of arrays
        ``D`` arrays, layer ``l`` of shape ``(n_init, w_l, w_{l-1})``.

    Raises
    ------
    ValueError
        For depth < 1, a non-positive width, an unknown scheme, a negative
        scale, or hidden widths that do not allow the Chatterji-Long scheme.

    References
    ----------
    Saxe, McClelland and Ganguli, "Exact solutions to the nonlinear dynamics of
    learning in deep linear neural networks", ICLR 2014, Sec. 2 (balanced
    small initialisation) and Sec. 3 (orthogonal initialisation).
    Chatterji and Long, "Deep linear networks can benignly overfit when shallow
    ones do", JMLR 2023, Sec. 3 (initialisation).

    Examples
    --------
    >>> ws = init_weights([4, 6, 3], scheme="balanced", scale=0.1, n_init=2, rng=0)
    >>> [w.shape for w in ws]
    [(2, 6, 4), (2, 3, 6)]
    >>> import numpy as np
    >>> bool(np.allclose(ws[1][0].T @ ws[1][0], ws[0][0] @ ws[0][0].T))
    True
    """
    widths = check_widths(widths)
    check_choice(scheme, "scheme", SCHEMES)
    scale = check_real(scale, "scale", low=0.0)
    n_init = check_int(n_init, "n_init", minimum=1)
    gen = as_generator(rng)
    depth = len(widths) - 1
    pairs = list(zip(widths[1:], widths[:-1], strict=True))
    if scheme == "balanced":
        r = min(widths)
        qs = [_orthonormal_columns(gen, n_init, w, r) for w in widths]
        layers = [scale * qs[l + 1] @ np.swapaxes(qs[l], 1, 2) for l in range(depth)]
    elif scheme == "gaussian":
        layers = [gen.standard_normal((n_init, o, i)) * (scale / np.sqrt(i)) for o, i in pairs]
    elif scheme == "orthogonal":
        layers = [scale * _semi_orthogonal(gen, n_init, o, i) for o, i in pairs]
    else:
        hidden = widths[1:-1]
        if depth < 2 or len(set(hidden)) != 1:
            raise ValueError(
                "scheme='chatterji_long' needs depth >= 2 and equal hidden widths "
                f"(identity hidden layers), got widths {list(widths)}"
            )
        m = hidden[0]
        first = scale * gen.standard_normal((n_init, m, widths[0]))
        last = gen.standard_normal((n_init, widths[-1], m))
        eye = np.broadcast_to(np.eye(m), (n_init, m, m)).copy()
        layers = [first] + [eye.copy() for _ in range(depth - 2)] + [last]
    return tuple(asarray_like(w, like) for w in layers)


def decoupled_init(sigma_yx, u0, hidden=(), *, n_init: int = 1, rng=None):
    r"""Balanced weights whose end-to-end map starts exactly on the data's modes.

    With :math:`\Sigma^{yx} = U S V^\top` (compact SVD, ``k`` modes) and depth
    ``D = len(hidden) + 1``, the layers are
    :math:`W_1 = R_1 A V^\top`, :math:`W_l = R_l A R_{l-1}^\top`,
    :math:`W_D = U A R_{D-1}^\top` with :math:`A = \mathrm{diag}(u_0^{1/D})`
    and Haar-random :math:`R_l` with orthonormal columns. The end-to-end map
    is :math:`U\,\mathrm{diag}(u_0)\,V^\top`, and under gradient flow with
    whitened inputs each mode strength follows Saxe et al.'s decoupled ODE
    exactly.

    Parameters
    ----------
    sigma_yx : array, shape (q, d)
        Input-output correlation :math:`\Sigma^{yx} = Y^\top X / n`.
    u0 : float or array of shape (k,)
        Initial strength of each mode, positive; ``k = min(q, d, *hidden)``
        modes are initialised, the rest start at zero.
    hidden : sequence of int
        Hidden widths (empty for a depth-1 network).
    n_init : int
        Number of networks (they differ in their random hidden rotations).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    tuple of arrays
        As :func:`init_weights`, in the namespace of ``sigma_yx``.

    Raises
    ------
    ValueError
        For non-positive ``u0``, bad widths or a non-finite ``sigma_yx``.

    References
    ----------
    Saxe et al., ICLR 2014, Sec. 2, Eq. (7)-(8) and Sec. 4 (deep networks).

    Examples
    --------
    >>> import numpy as np
    >>> syx = np.diag([3.0, 1.0])
    >>> ws = decoupled_init(syx, 0.01, hidden=[4], rng=0)
    >>> (np.round(end_to_end(ws)[0], 6) + 0.0).tolist()
    [[0.01, 0.0], [0.0, 0.01]]
    """
    xp = namespace(sigma_yx)
    if sigma_yx.ndim != 2:
        raise ValueError(f"sigma_yx must be 2-D (q, d), got shape {sigma_yx.shape}")
    check_finite(sigma_yx, "sigma_yx")
    q, d = sigma_yx.shape
    widths = check_widths([d, *hidden, q])
    n_init = check_int(n_init, "n_init", minimum=1)
    k = min(widths)
    u0 = np.broadcast_to(np.asarray(u0, dtype=float), (k,))
    if not np.all(np.isfinite(u0)) or np.any(u0 <= 0):
        raise ValueError(f"u0 must be positive and finite, got {u0.tolist()}")
    u, _, vh = xp.linalg.svd(sigma_yx, full_matrices=False)
    u = u[:, :k]
    vh = vh[:k, :]
    depth = len(widths) - 1
    gen = as_generator(rng)
    amp = asarray_like(u0 ** (1.0 / depth), sigma_yx)
    rots = [asarray_like(_orthonormal_columns(gen, n_init, w, k), sigma_yx) for w in hidden]
    left = [*rots, xp.broadcast_to(u, (n_init, q, k))]
    right = [xp.broadcast_to(vh.T, (n_init, d, k)), *rots]
    return tuple(
        (lft * amp) @ xp.permute_dims(rgt, (0, 2, 1)) for lft, rgt in zip(left, right, strict=True)
    )


def end_to_end(weights):
    """End-to-end matrices ``W_D ... W_1`` of a batch of networks.

    Parameters
    ----------
    weights : sequence of arrays
        Layer ``l`` of shape ``(B, w_l, w_{l-1})``.

    Returns
    -------
    array, shape (B, w_D, w_0)

    Raises
    ------
    ValueError
        Unless ``weights`` is a non-empty sequence of 3-D arrays with one
        batch size whose consecutive widths chain.

    Examples
    --------
    >>> import numpy as np
    >>> end_to_end([np.ones((1, 2, 3)), np.ones((1, 1, 2))]).tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    check_chain(weights, "weights")
    total = weights[0]
    for w in weights[1:]:
        total = w @ total
    return total


def check_chain(weights, name: str):
    """Raise ``ValueError`` (naming ``name``) unless ``weights`` is a non-empty sequence of
    ``(B, w_l, w_{l-1})`` arrays with one batch size and chaining widths."""
    if not isinstance(weights, Sequence) or isinstance(weights, (str, bytes)) or not weights:
        raise ValueError(
            f"{name} must be a non-empty sequence of (B, w_l, w_(l-1)) arrays, "
            f"got {type(weights).__name__}"
        )
    for l, w in enumerate(weights):
        if getattr(w, "ndim", None) != 3:
            got = getattr(w, "shape", type(w).__name__)
            raise ValueError(f"{name}[{l}] must be a 3-D (B, w_l, w_(l-1)) array, got {got}")
        if w.shape[0] != weights[0].shape[0]:
            raise ValueError(f"{name}[{l}] has batch size {w.shape[0]}, not {weights[0].shape[0]}")
        if l and w.shape[2] != weights[l - 1].shape[1]:
            raise ValueError(
                f"{name}[{l}] expects {w.shape[2]} inputs but {name}[{l - 1}] has "
                f"{weights[l - 1].shape[1]} outputs"
            )


def stack_depths(networks):
    r"""Batch networks of different depths that share their hidden width.

    A depth-``D`` network is padded to the largest depth by inserting frozen
    identity layers before its last layer. Its end-to-end map is unchanged,
    and with the returned mask passed as ``trainable`` to the trainers its
    real layers receive exactly the gradients they would get alone, since
    the identity factors drop out of every product.

    Parameters
    ----------
    networks : sequence of tuples of arrays
        Each a network as returned by :func:`init_weights`, depth >= 2, all
        with the same input dimension, output dimension and hidden width.

    Returns
    -------
    weights : tuple of arrays
        The padded networks concatenated on the batch axis.
    trainable : array of bool, shape (B_total, D_max)
        False where a layer is padding.

    Raises
    ------
    ValueError
        If a network has depth 1 or the shapes differ.

    Examples
    --------
    >>> a = init_weights([3, 4, 2], rng=0)
    >>> b = init_weights([3, 4, 4, 4, 2], rng=1)
    >>> ws, mask = stack_depths([a, b])
    >>> len(ws), mask.tolist()
    (4, [[True, False, False, True], [True, True, True, True]])
    """
    if len(networks) == 0:
        raise ValueError("networks must hold at least one network")
    first = networks[0]
    xp = namespace(*first)
    d_in, hidden, d_out = first[0].shape[2], first[0].shape[1], first[-1].shape[1]
    for j, net in enumerate(networks):
        if len(net) < 2:
            raise ValueError(f"networks[{j}] has depth 1; only depth >= 2 can be padded")
        shapes = [w.shape[1:] for w in net]
        want = [(hidden, d_in)] + [(hidden, hidden)] * (len(net) - 2) + [(d_out, hidden)]
        if shapes != want:
            raise ValueError(
                f"networks[{j}] has layer shapes {shapes}; stacking needs input {d_in}, "
                f"hidden width {hidden} and output {d_out} throughout"
            )
    dmax = max(len(net) for net in networks)
    layers: list[list] = [[] for _ in range(dmax)]
    masks = []
    for net in networks:
        b = net[0].shape[0]
        eye = xp.broadcast_to(xp.eye(hidden, dtype=net[0].dtype), (b, hidden, hidden))
        padded = [*net[:-1], *([eye] * (dmax - len(net))), net[-1]]
        for l, w in enumerate(padded):
            layers[l].append(w)
        row = [True] * (len(net) - 1) + [False] * (dmax - len(net)) + [True]
        masks.append(np.broadcast_to(np.array(row), (b, dmax)))
    weights = tuple(xp.concat(ls, axis=0) for ls in layers)
    return weights, np.concatenate(masks, axis=0)
