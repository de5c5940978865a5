r"""Multi-layer linear self-attention (LSA) for in-context regression.

Tokens are :math:`e_i = (x_i, y_i) \in R^{d+1}` for the ``n`` context points
and :math:`e_q = (x_q, 0)` for the query. Layer :math:`l` updates every token
with keys and values from the context only:

.. math:: e_i \leftarrow e_i + \frac{1}{n} P_l \Big(\sum_{k=1}^{n} e_k e_k^T\Big) Q_l\, e_i,

and the prediction is :math:`\hat y = -e_q[d]` after the last layer (the sign
of von Oswald et al.'s construction, in which the query's label slot holds
:math:`-w^T x_q`). Row-wise, with :math:`Z` the (n + 1, d + 1) token matrix and
:math:`S = Z_c^T Z_c` the context moment matrix,
:math:`Z \leftarrow Z + Z M` with :math:`M = \frac1n Q^T S P^T`.

Variants (Vladymyrov et al., Sec. 4):

* ``"full"``: :math:`P_l, Q_l` are full :math:`(d+1)\times(d+1)` matrices;
* ``"diag"``: :math:`P_l, Q_l` are diagonal;
* ``"gd++"``: :math:`P_l = \mathrm{diag}(a_l I_d, b_l)`,
  :math:`Q_l = \mathrm{diag}(I_d, 0)`: each layer preconditions the inputs,
  :math:`x \leftarrow (I + a_l \hat\Sigma) x`, and takes a GD step of size
  :math:`-b_l` on the labels (von Oswald et al.'s GD++);
* ``"ahn"``: :math:`P_l = \begin{pmatrix} B_l & 0\\ 0 & 1\end{pmatrix}`,
  :math:`Q_l = \begin{pmatrix} A_l & 0\\ 0 & 0\end{pmatrix}` with trainable
  :math:`d\times d` blocks :math:`A_l, B_l`: the label's value weight is fixed
  to 1 and the keys and queries read only the inputs (Ahn et al., ICLR 2024,
  Sec. 2; their code ``chengxiang/LinearTransformer``, ``attention``, whose
  :math:`Q` block is the transpose of ours, the same family of models).

The forward and backward passes are batched over sequences, written against
the array namespace of the inputs (NumPy or CuPy), with gradients derived by
hand (see :meth:`LSA.loss_and_grad`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from gpu.backend import as_generator, asarray_like, namespace
from gpu.records import Record
from gpu.threads import thread_pool
from gpu.validate import check_choice, check_finite, check_int, check_ndim, check_real
from theory_sims.icl._checks import check_context

__all__ = ["LSA", "VARIANTS", "gd_construction"]

VARIANTS = ("full", "diag", "gd++", "ahn")

#: Sequences per block in the NumPy forward/backward pass (cache-sized blocks).
CHUNK = 128


@dataclasses.dataclass(frozen=True)
class LSA(Record):
    """Architecture of an ``depth``-layer LSA model; parameters live in a flat vector.

    Attributes
    ----------
    depth : int
        Number of layers ``L >= 1``.
    d : int
        Input dimension ``d >= 1`` (tokens have ``d + 1`` entries).
    variant : {"full", "diag", "gd++", "ahn"}
        Parametrisation of each layer (module docstring).

    Raises
    ------
    ValueError
        For ``depth < 1``, ``d < 1`` or an unknown variant.

    References
    ----------
    von Oswald et al. (ICML 2023), Sec. 2; Vladymyrov et al. (NeurIPS 2024),
    Sec. 3-4; Ahn et al. (ICLR 2024), Sec. 2.

    Examples
    --------
    >>> model = LSA(depth=2, d=3, variant="diag")
    >>> theta = model.init(rng=0)
    >>> theta.shape
    (16,)
    >>> X = np.ones((5, 4, 3)); y = np.ones((5, 4)); q = np.ones((5, 3))
    >>> model.predict(theta, X, y, q).shape
    (5,)
    """

    depth: int
    d: int
    variant: str = "full"

    def __post_init__(self):
        check_int(self.depth, "depth", minimum=1)
        check_int(self.d, "d", minimum=1)
        check_choice(self.variant, "variant", VARIANTS)

    @property
    def num_params(self) -> int:
        """Length of the parameter vector."""
        D = self.d + 1
        per_layer = {"full": 2 * D * D, "diag": 2 * D, "gd++": 2, "ahn": 2 * self.d**2}[
            self.variant
        ]
        return self.depth * per_layer

    def init(self, rng=None, *, scale: float = 0.1, like=None):
        """Random parameters with i.i.d. ``N(0, scale^2)`` entries.

        Parameters
        ----------
        rng : None, int or numpy.random.Generator
        scale : float
            Standard deviation of the entries, ``> 0``.
        like : array, optional
            Place the vector in this array's namespace and device.

        Returns
        -------
        array, shape (num_params,)
        """
        scale = check_real(scale, "scale", low=0, low_inclusive=False)
        draws = scale * as_generator(rng).standard_normal(self.num_params)
        return asarray_like(draws, like)

    def _check_theta(self, theta):
        check_ndim(theta, "theta", 1)
        if theta.shape[0] != self.num_params:
            raise ValueError(
                f"theta must have {self.num_params} entries for {self}, got {theta.shape[0]}"
            )
        check_finite(theta, "theta")

    def weights(self, theta):
        """The layer matrices ``(P, Q)``, each of shape ``(depth, d + 1, d + 1)``.

        Examples
        --------
        >>> P, Q = LSA(1, 2, "gd++").weights(np.array([0.5, -1.0]))
        >>> np.diag(P[0]).tolist(), np.diag(Q[0]).tolist()
        ([0.5, 0.5, -1.0], [1.0, 1.0, 0.0])
        """
        self._check_theta(theta)
        xp = namespace(theta)
        L, D = self.depth, self.d + 1
        if self.variant == "full":
            half = L * D * D
            return (xp.reshape(theta[:half], (L, D, D)), xp.reshape(theta[half:], (L, D, D)))
        if self.variant == "ahn":
            d, half = self.d, L * self.d * self.d
            P = xp.zeros((L, D, D), dtype=theta.dtype)
            Q = xp.zeros((L, D, D), dtype=theta.dtype)
            P[:, :d, :d] = xp.reshape(theta[:half], (L, d, d))
            P[:, d, d] = 1.0
            Q[:, :d, :d] = xp.reshape(theta[half:], (L, d, d))
            return P, Q
        eye = xp.eye(D, dtype=theta.dtype)
        if self.variant == "diag":
            p, q = xp.reshape(theta[: L * D], (L, D)), xp.reshape(theta[L * D :], (L, D))
            return p[:, :, None] * eye, q[:, :, None] * eye
        a, b = theta[:L], theta[L:]
        x_mask = xp.asarray([1.0] * self.d + [0.0], dtype=theta.dtype)
        p = a[:, None] * x_mask + b[:, None] * (1.0 - x_mask)
        return p[:, :, None] * eye, xp.broadcast_to(x_mask[:, None] * eye, (L, D, D))

    def add_layer(self, theta, rng=None, *, scale: float = 0.1):
        """Parameters of a ``depth + 1`` model computing the same function as ``theta``.

        The new layer goes first, below the existing ones, which keep reading
        out the prediction. It has :math:`P = 0`, so its residual update
        vanishes and the prediction is unchanged; its :math:`Q` (FULL, DIAG)
        has i.i.d. ``N(0, scale^2)`` entries, so the gradient with respect to
        :math:`P` is not zero and training moves away from the shallower
        function. A GD++ layer's :math:`Q` is fixed, so its new parameters are
        zero; so are an AHN layer's (its fixed label weight 1 would make a
        random :math:`Q` change the function, and it makes the gradient with
        respect to :math:`Q` non-zero). This warm-starts a deeper model from a
        trained shallower one; in the mixed-noise setting of Vladymyrov et al.
        a new first layer trained to a lower loss than a new last layer (FULL,
        sigma_max = 7: 0.32-0.35 against 0.38-0.60 over three seeds).

        Parameters
        ----------
        theta : array, shape (num_params,)
            Parameters of this model.
        rng : None, int or numpy.random.Generator
        scale : float
            Standard deviation of the new layer's :math:`Q` entries, ``> 0``.

        Returns
        -------
        tuple
            ``(LSA(depth + 1, d, variant), new_theta)``.

        Examples
        --------
        >>> model, theta = LSA(1, 2, "gd++").add_layer(np.array([0.5, -1.0]), rng=0)
        >>> model.depth, theta.tolist()
        (2, [0.0, 0.5, 0.0, -1.0])
        """
        self._check_theta(theta)
        xp = namespace(theta)
        layer = LSA(1, self.d, self.variant)
        new_q = layer.init(rng, scale=scale, like=theta)[layer.num_params // 2 :]
        if self.variant in ("gd++", "ahn"):
            new_q = xp.zeros_like(new_q)
        half = self.num_params // 2
        parts = [xp.zeros_like(new_q), theta[:half], new_q, theta[half:]]
        return LSA(self.depth + 1, self.d, self.variant), xp.concat(parts)

    def effective_preconditioner(self, theta):
        r"""The matrix :math:`\Gamma` of a one-layer model's GD-like term.

        A single layer predicts :math:`x_q^T \Gamma \frac1n X^T y` plus terms
        even in the labels (zero at the optimum), with
        :math:`\Gamma = -(P_{yy} Q_{xx}^T + Q_{y x} P_{y x}^T)` read from the
        label rows of :math:`P, Q`; compare with
        :func:`theory_sims.icl.theory.optimal_single_layer`.

        Returns
        -------
        array, shape (d, d)

        Raises
        ------
        ValueError
            If ``depth != 1``.

        Examples
        --------
        >>> theta = gd_construction(2, 0.5)
        >>> (LSA(1, 2).effective_preconditioner(theta) + 0.0).tolist()
        [[0.5, 0.0], [0.0, 0.5]]
        """
        if self.depth != 1:
            raise ValueError(f"effective_preconditioner needs depth 1, got {self.depth}")
        P, Q = self.weights(theta)
        P, Q, d = P[0], Q[0], self.d
        xp = namespace(theta)
        return -(P[d, d] * Q[:d, :d].T + xp.reshape(Q[d, :d], (d, 1)) * P[d, :d])

    def _project(self, xp, dP, dQ):
        """Gradient w.r.t. theta from the gradients w.r.t. the full matrices."""
        L, D = self.depth, self.d + 1
        if self.variant == "full":
            return xp.concat([xp.reshape(dP, (-1,)), xp.reshape(dQ, (-1,))])
        if self.variant == "ahn":
            d = self.d
            return xp.concat([xp.reshape(dP[:, :d, :d], (-1,)), xp.reshape(dQ[:, :d, :d], (-1,))])
        diag_p = xp.stack([xp.linalg.diagonal(dP[l]) for l in range(L)])
        if self.variant == "diag":
            diag_q = xp.stack([xp.linalg.diagonal(dQ[l]) for l in range(L)])
            return xp.concat([xp.reshape(diag_p, (-1,)), xp.reshape(diag_q, (-1,))])
        return xp.concat([xp.sum(diag_p[:, : D - 1], axis=1), diag_p[:, D - 1]])

    def _tokens(self, X, y, x_query):
        xp, B, n, d = check_context(X, y, x_query)
        if d != self.d:
            raise ValueError(f"X has d={d} but the model was built for d={self.d}")
        context = xp.concat([X, y[..., None]], axis=2)
        query = xp.concat([x_query, xp.zeros((B, 1), dtype=X.dtype)], axis=1)
        return xp, n, xp.concat([context, query[:, None, :]], axis=1)

    def _forward(self, xp, P, Q, Z, n):
        """Run the layers; return the final query tokens (B, D) and per-layer caches.

        Each layer is ``A = Z Q^T``, ``U = A S``, ``Z' = Z + U P^T / n``: the
        products with the shared matrices are single flat GEMMs over all
        tokens of the batch; only ``S`` and ``A S`` are per-sequence products.
        The last layer only updates the query token (the prediction reads
        nothing else), so its cache holds the query rows ``a_q, u_q``.
        """
        B, N, D = Z.shape
        cache = []
        for l in range(self.depth):
            Zc = Z[:, :n, :]
            S = Zc.mT @ Zc
            if l == self.depth - 1:
                zq = Z[:, n, :]
                aq = zq @ Q[l].T
                uq = (aq[:, None, :] @ S)[:, 0, :]
                cache.append((Z, S, aq, uq))
                return zq + (uq @ P[l].T) / n, cache
            A = xp.reshape(xp.reshape(Z, (B * N, D)) @ Q[l].T, (B, N, D))
            U = A @ S
            cache.append((Z, S, A, U))
            Z = Z + xp.reshape(xp.reshape(U, (B * N, D)) @ P[l].T, (B, N, D)) / n

    def predict(self, theta, X, y, x_query):
        """Query predictions ``-e_q[d]`` after the last layer, shape ``(B,)``.

        Raises
        ------
        ValueError
            On a wrong-length or non-finite ``theta``, or bad data shapes.
        """
        self._check_theta(theta)
        xp, n, Z = self._tokens(X, y, x_query)
        P, Q = self.weights(xp.astype(theta, X.dtype))
        zq, _ = self._forward(xp, P, Q, Z, n)
        return -zq[:, self.d]

    def loss_and_grad(self, theta, X, y, x_query, target):
        r"""Mean squared error :math:`\frac1B\sum_b(\hat y_b - t_b)^2` and its gradient.

        The backward pass, for one layer :math:`A = Z Q^T`, :math:`U = A S`,
        :math:`Z' = Z + \frac1n U P^T`, :math:`S = Z_c^T Z_c`, given
        :math:`G' = \partial \ell / \partial Z'` (sums over all tokens of the batch):

        .. math::
            \bar P = \tfrac1n \sum G'^T U, \quad
            \bar U = \tfrac1n G' P, \quad
            \bar A = \bar U S, \quad
            \bar S = A^T \bar U, \quad
            \bar Q = \sum \bar A^T Z,

        .. math:: G = G' + \bar A Q, \qquad G_c \mathrel{+}= Z_c (\bar S + \bar S^T).

        Parameters
        ----------
        theta : array, shape (num_params,)
        X, y, x_query : arrays
            A batch of contexts (see :func:`theory_sims.icl.predictors.least_squares`).
        target : array, shape (B,)
            Query targets.

        Returns
        -------
        loss : float
        grad : array, shape (num_params,)
            On the device of ``theta``.
        """
        self._check_theta(theta)
        xp, n, Z0 = self._tokens(X, y, x_query)
        B = X.shape[0]
        if target.shape != (B,):
            raise ValueError(f"target must have shape ({B},), got {target.shape}")
        check_finite(target, "target")
        P, Q = self.weights(xp.astype(theta, X.dtype))
        # NumPy: blocks of CHUNK sequences keep every temporary in cache (and
        # avoid re-faulting fresh pages for large temporaries); other libraries
        # (CuPy) take the whole batch at once.
        # The blocks run on a small thread pool (NumPy releases the GIL in its
        # products); partial sums are added in block order, so the result does
        # not depend on the number of threads.
        step = CHUNK if isinstance(Z0, np.ndarray) else B
        starts = range(0, B, step)
        block = lambda s: self._sums(xp, P, Q, Z0[s : s + step], target[s : s + step], n)
        parts = thread_pool().map(block, starts) if len(starts) > 1 else map(block, starts)
        sq, dP, dQ = 0.0, 0.0, 0.0
        for part in parts:
            sq, dP, dQ = sq + part[0], dP + part[1], dQ + part[2]
        grad = self._project(xp, dP / B, dQ / B)
        return sq / B, xp.astype(grad, theta.dtype)

    def _sums(self, xp, P, Q, Z0, target, n):
        """Sum of squared errors of a block and its gradient w.r.t. the stacked P and Q."""
        d = self.d
        L = self.depth
        zq, cache = self._forward(xp, P, Q, Z0, n)
        err = -zq[:, d] - target
        gq = xp.zeros_like(zq)
        gq[:, d] = -2.0 * err
        dP = [None] * L
        dQ = [None] * L
        # Last layer: only the query row carries gradient (rows of the formulas below).
        Z, S, aq, uq = cache[L - 1]
        dP[L - 1] = gq.T @ uq / n
        duq = (gq @ P[L - 1]) / n
        daq = (duq[:, None, :] @ S)[:, 0, :]
        dS = aq[:, :, None] * duq[:, None, :]
        dQ[L - 1] = daq.T @ Z[:, n, :]
        G = xp.zeros_like(Z)
        G[:, n, :] = gq + daq @ Q[L - 1]
        G[:, :n, :] = Z[:, :n, :] @ (dS + dS.mT)
        flat = lambda a: xp.reshape(a, (-1, a.shape[-1]))
        for l in reversed(range(L - 1)):
            Z, S, A, U = cache[l]
            dP[l] = flat(G).T @ flat(U) / n
            dU = xp.reshape(flat(G) @ P[l], G.shape) / n
            dA = dU @ S
            dS = A.mT @ dU
            dQ[l] = flat(dA).T @ flat(Z)
            G = G + xp.reshape(flat(dA) @ Q[l], G.shape)
            Zc = Z[:, :n, :]
            G[:, :n, :] = G[:, :n, :] + Zc @ (dS + dS.mT)
        return float(xp.sum(err * err)), xp.stack(dP), xp.stack(dQ)


def gd_construction(d: int, step_sizes: float | Sequence[float], preconditioner=None):
    r"""FULL-LSA parameters whose layers are exact (preconditioned) GD steps.

    Layer :math:`l` has :math:`P_l = \mathrm{diag}(0_d, -\eta_l)` and
    :math:`Q_l = \begin{pmatrix}\Gamma^T & 0\\ 0 & 0\end{pmatrix}`: the label
    slot of each context token becomes the residual :math:`y_i - w_l^T x_i` and
    the query's slot :math:`-w_l^T x_q`, with :math:`w_l` the iterates of
    :func:`theory_sims.icl.predictors.gd` with the same step sizes and
    preconditioner.

    Parameters
    ----------
    d : int
        Input dimension.
    step_sizes : float or sequence of float
        One step size per layer (a float builds one layer).
    preconditioner : array of shape (d, d), optional
        :math:`\Gamma` (identity by default).

    Returns
    -------
    theta : numpy.ndarray
        Parameters of ``LSA(len(step_sizes), d, "full")``.

    Raises
    ------
    ValueError
        For a bad ``d``, a non-finite step size or a preconditioner of the
        wrong shape.

    References
    ----------
    von Oswald et al. (ICML 2023), Prop. 1.

    Examples
    --------
    >>> from theory_sims.icl.predictors import gd
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((4, 6, 3)), rng.standard_normal((4, 6))
    >>> q = rng.standard_normal((4, 3))
    >>> theta = gd_construction(3, [0.3, 0.2])
    >>> bool(np.allclose(LSA(2, 3).predict(theta, X, y, q), gd(X, y, q, 2, [0.3, 0.2])))
    True
    """
    d = check_int(d, "d", minimum=1)
    etas = [float(step_sizes)] if np.isscalar(step_sizes) else [float(e) for e in step_sizes]
    if not etas:
        raise ValueError("step_sizes must hold at least one value")
    for e in etas:
        check_real(e, "step_sizes")
    G = np.eye(d) if preconditioner is None else np.asarray(preconditioner, dtype=float)
    if G.shape != (d, d):
        raise ValueError(f"preconditioner must have shape ({d}, {d}), got {G.shape}")
    check_finite(G, "preconditioner")
    L, D = len(etas), d + 1
    P = np.zeros((L, D, D))
    Q = np.zeros((L, D, D))
    P[:, d, d] = -np.asarray(etas)
    Q[:, :d, :d] = G.T
    return np.concatenate([P.ravel(), Q.ravel()])
