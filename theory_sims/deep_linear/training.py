r"""Full-batch gradient descent and gradient flow for batches of deep linear networks.

The loss of a network with end-to-end map :math:`W = W_D \cdots W_1` on data
``X`` (n, d), ``Y`` (n, q) is

.. math:: L(W) = \frac{1}{2n} \sum_{i=1}^n \lVert y_i - W x_i \rVert^2
         = \tfrac12 \operatorname{tr}(W \Sigma^{xx} W^\top)
           - \operatorname{tr}(\Sigma^{yx} W^\top) + \tfrac12 \operatorname{tr}\Sigma^{yy},

so training needs the data only through :math:`\Sigma^{xx} = X^\top X / n`
and :math:`\Sigma^{yx} = Y^\top X / n`. Every step works on these ``d x d`` and
``q x d`` statistics (exact, and ``n / d`` times cheaper than back-propagating
the samples when ``n > d``) and on all ``B`` networks of the batch at once with
batched matrix products (CuPy on a GPU). The gradient of layer ``l`` is
:math:`(W_D \cdots W_{l+1})^\top (W\Sigma^{xx} - \Sigma^{yx}) (W_{l-1}\cdots W_1)^\top`.

Gradient descent is ``W_l <- W_l - lr * grad_l``; gradient flow is
:math:`\tau\, dW_l/dt = -\mathrm{grad}_l`, so one descent step of size ``lr``
advances the flow's time by ``lr * tau``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpu.backend import namespace, to_numpy
from gpu.errors import DivergenceError
from gpu.records import Record
from gpu.validate import check_finite, check_int, check_ndim, check_real

__all__ = [
    "DivergenceError",
    "TrainingResult",
    "DataStatistics",
    "data_statistics",
    "loss_and_gradients",
    "train_gd",
    "train_flow",
]


@dataclasses.dataclass(frozen=True)
class DataStatistics(Record):
    """Second moments of a regression data set (batched or shared).

    Attributes
    ----------
    sigma_xx : array, shape (d, d) or (B, d, d)
        :math:`X^\\top X / n`.
    sigma_yx : array, shape (q, d) or (B, q, d)
        :math:`Y^\\top X / n`.
    half_trace_yy : array, shape () or (B,)
        :math:`\\lVert Y\\rVert_F^2 / (2n)`, the loss of the zero map.
    """

    sigma_xx: Any
    sigma_yx: Any
    half_trace_yy: Any


def _numeric(xp, a, name: str):
    """Boolean data as 0/1 floats (indicator features: ``X^T X`` then counts
    co-occurrences, not a logical OR); complex data is a ``TypeError``."""
    if a.dtype == xp.bool:
        return xp.astype(a, xp.float64)
    if xp.isdtype(a.dtype, "complex floating"):
        raise TypeError(f"{name} must be real, got dtype {a.dtype}")
    return a


def data_statistics(X, Y) -> DataStatistics:
    """Validate a data set and return its second moments.

    Parameters
    ----------
    X : array, shape (n, d) or (B, n, d)
        Inputs, one row per sample (a leading axis gives each network its own data).
    Y : array, shape (n, q) or (B, n, q)
        Targets.

    Returns
    -------
    DataStatistics

    Raises
    ------
    ValueError
        On wrong dimensions, mismatched sample counts or NaN/inf values.
    TypeError
        For complex data. Boolean data are taken as 0/1 floats (indicator
        features), never multiplied as booleans (a logical-OR Gram matrix).

    Examples
    --------
    >>> import numpy as np
    >>> st = data_statistics(np.eye(2), np.array([[1.0], [3.0]]))
    >>> st.sigma_yx.tolist(), float(st.half_trace_yy)
    ([[0.5, 1.5]], 2.5)
    """
    xp = namespace(X, Y)
    check_ndim(X, "X", (2, 3))
    check_ndim(Y, "Y", (2, 3))
    X, Y = _numeric(xp, X, "X"), _numeric(xp, Y, "Y")
    if X.shape[-2] != Y.shape[-2]:
        raise ValueError(
            f"X and Y must hold the same number of samples, got {X.shape[-2]} and {Y.shape[-2]}"
        )
    if X.ndim == 3 and Y.ndim == 3 and X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y have different batch sizes {X.shape[0]} and {Y.shape[0]}")
    if X.shape[-2] == 0:
        raise ValueError("X must hold at least one sample")
    check_finite(X, "X")
    check_finite(Y, "Y")
    n = X.shape[-2]
    xt = xp.matrix_transpose(X)
    sxx = xt @ X / n
    syx = xp.matrix_transpose(Y) @ X / n
    hyy = xp.sum(Y * Y, axis=(-2, -1)) / (2 * n)
    return DataStatistics(sxx, syx, hyy)


def _transpose(x):
    """Transpose of the last two axes, contiguous for NumPy.

    NumPy's batched ``matmul`` leaves BLAS for a slow loop when its right
    operand is a transposed view (about 500x slower at width 100), so NumPy
    transposes are materialised; other libraries get the view.
    """
    if isinstance(x, np.ndarray):
        return np.ascontiguousarray(np.swapaxes(x, -1, -2))
    return namespace(x).matrix_transpose(x)


def _batched_matmul(a, b):
    """``a @ b`` for a batch ``(B, i, j)`` against a shared 2-D matrix (either side).

    NumPy's ``matmul`` falls back to a slow non-BLAS loop when one operand is
    broadcast along the batch axis; folding the batch into the rows (or
    columns) keeps it a single BLAS call.
    """
    xp = namespace(a, b)
    if a.ndim == 3 and b.ndim == 2:
        bsz, i, j = a.shape
        return xp.reshape(xp.reshape(a, (bsz * i, j)) @ b, (bsz, i, b.shape[1]))
    if a.ndim == 2 and b.ndim == 3:
        return xp.matrix_transpose(_batched_matmul(xp.matrix_transpose(b), a.T))
    return a @ b


def _gradients(weights, stats: DataStatistics):
    """Per-layer gradients and the loss of each network (no validation)."""
    prefix = [weights[0]]
    for w in weights[1:-1]:
        prefix.append(w @ prefix[-1])
    total = weights[-1] @ prefix[-1] if len(weights) > 1 else weights[0]
    resid = _batched_matmul(total, stats.sigma_xx) - stats.sigma_yx
    xp = namespace(total)
    loss = 0.5 * xp.sum(total * (resid - stats.sigma_yx), axis=(-2, -1)) + stats.half_trace_yy
    grads = [None] * len(weights)
    if resid.shape[-2] <= resid.shape[-1]:
        # Fewer outputs than inputs: carry the q-column factor (W_D ... W_{l+1})^T backwards
        # and form each gradient as a rank-q product, O(w^2 q) instead of O(w^2 d) per layer.
        grads[-1] = resid @ _transpose(prefix[-1]) if len(weights) > 1 else resid
        back = None
        for l in range(len(weights) - 2, -1, -1):
            wt = xp.matrix_transpose(weights[l + 1])
            back = wt if back is None else wt @ back
            right = resid if l == 0 else resid @ _transpose(prefix[l - 1])
            grads[l] = back @ right
        return grads, loss, total
    back = resid
    for l in range(len(weights) - 1, 0, -1):
        grads[l] = back @ _transpose(prefix[l - 1])
        back = xp.matrix_transpose(weights[l]) @ back
    grads[0] = back
    return grads, loss, total


def _check_weights(weights, stats: DataStatistics):
    if isinstance(weights, (str, bytes)) or len(weights) == 0:
        raise ValueError("weights must be a non-empty sequence of (B, w_l, w_{l-1}) arrays")
    for l, w in enumerate(weights):
        check_ndim(w, f"weights[{l}]", 3)
        check_finite(w, f"weights[{l}]")
        if w.shape[0] != weights[0].shape[0]:
            raise ValueError(f"weights[{l}] has batch size {w.shape[0]}, not {weights[0].shape[0]}")
        if l and w.shape[2] != weights[l - 1].shape[1]:
            raise ValueError(
                f"weights[{l}] expects {w.shape[2]} inputs but weights[{l - 1}] "
                f"has {weights[l - 1].shape[1]} outputs"
            )
    d, q = stats.sigma_xx.shape[-1], stats.sigma_yx.shape[-2]
    if weights[0].shape[2] != d or weights[-1].shape[1] != q:
        raise ValueError(
            f"the network maps {weights[0].shape[2]} -> {weights[-1].shape[1]} dimensions but "
            f"the data have d={d} inputs and q={q} outputs"
        )
    if stats.sigma_xx.ndim == 3 and stats.sigma_xx.shape[0] != weights[0].shape[0]:
        raise ValueError(
            f"batched data hold {stats.sigma_xx.shape[0]} data sets for "
            f"{weights[0].shape[0]} networks"
        )
    return tuple(weights)


def loss_and_gradients(X, Y, weights):
    """Loss and per-layer gradients of a batch of deep linear networks.

    Parameters
    ----------
    X : array, shape (n, d) or (B, n, d)
    Y : array, shape (n, q) or (B, n, q)
    weights : sequence of arrays
        Layer ``l`` of shape ``(B, w_l, w_{l-1})``.

    Returns
    -------
    loss : array, shape (B,)
        :math:`\\lVert Y - X W^\\top \\rVert_F^2 / (2n)` for each network.
    grads : tuple of arrays
        The gradient of the loss with respect to each layer.

    Raises
    ------
    ValueError
        On inconsistent shapes or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> loss, grads = loss_and_gradients(np.eye(2), np.eye(2), [np.zeros((1, 2, 2))])
    >>> float(loss[0]), grads[0][0].tolist()
    (0.5, [[-0.5, 0.0], [0.0, -0.5]])
    """
    stats = data_statistics(X, Y)
    weights = _check_weights(weights, stats)
    grads, loss, _ = _gradients(weights, stats)
    return loss, tuple(grads)


@dataclasses.dataclass(frozen=True)
class TrainingResult(Record):
    """Trajectory of a batch of deep linear networks.

    Attributes
    ----------
    times : ndarray, shape (T,)
        Recorded times in units of ``tau`` (for gradient descent ``step * lr``).
    steps : ndarray, shape (T,)
        Gradient-descent step (or integrator step) count at each record.
    loss : array, shape (T, B)
        Training loss :math:`\\lVert Y - XW^\\top\\rVert_F^2/(2n)`.
    modes : array, shape (T, B, k)
        Mode strengths :math:`u_i(t) = a_i^\\top W(t)\\, b_i` along the singular
        vectors of :math:`\\Sigma^{yx} = \\sum_i s_i a_i b_i^\\top`.
    singular_values : array, shape (k,) or (B, k)
        The :math:`s_i` (per network when the data are batched).
    end_to_end : array, shape (T, B, q, d), or None
        The end-to-end matrices, when tracked.
    weights : tuple of arrays
        The final layers.
    steps_taken : ndarray, shape (B,)
        Steps each network was updated (fewer when it reached ``target_loss``).
    converged : ndarray of bool, shape (B,), or None
        Whether each network reached ``target_loss`` (None when no target was set).
    """

    times: Any
    steps: Any
    loss: Any
    modes: Any
    singular_values: Any
    end_to_end: Any
    weights: Any
    steps_taken: Any
    converged: Any


class _Recorder:
    """Collects loss, mode strengths and (optionally) end-to-end maps."""

    def __init__(self, stats: DataStatistics, track_end_to_end: bool):
        xp = namespace(stats.sigma_yx)
        self.xp = xp
        u, s, vh = xp.linalg.svd(stats.sigma_yx, full_matrices=False)
        self.ut, self.vh, self.s = xp.matrix_transpose(u), vh, s
        self.track = track_end_to_end
        self.times, self.steps, self.loss, self.modes, self.maps = [], [], [], [], []

    def add(self, time: float, step: int, loss, total):
        self.times.append(time)
        self.steps.append(step)
        self.loss.append(loss)
        self.modes.append(self.xp.sum(_batched_matmul(self.ut, total) * self.vh, axis=-1))
        if self.track:
            self.maps.append(total)

    def result(self, weights, steps_taken, converged) -> TrainingResult:
        xp = self.xp
        return TrainingResult(
            times=np.asarray(self.times, dtype=float),
            steps=np.asarray(self.steps, dtype=np.int64),
            loss=xp.stack(self.loss),
            modes=xp.stack(self.modes),
            singular_values=self.s,
            end_to_end=xp.stack(self.maps) if self.track else None,
            weights=tuple(weights),
            steps_taken=steps_taken,
            converged=converged,
        )


def _trainable_factors(trainable, weights):
    """Per-layer (B, 1, 1) multipliers from a (B, D) boolean mask (or None)."""
    if trainable is None:
        return None
    xp = namespace(*weights)
    mask = np.asarray(to_numpy(trainable), dtype=bool)
    b, depth = weights[0].shape[0], len(weights)
    if mask.shape != (b, depth):
        raise ValueError(f"trainable must have shape (B, D) = {(b, depth)}, got {mask.shape}")
    dtype = weights[0].dtype
    return [
        xp.asarray(mask[:, l, None, None], dtype=dtype, device=weights[0].device)
        for l in range(depth)
    ]


def _divergence_limit(loss, stats, factor: float) -> float:
    """Loss bound past which training counts as diverged: ``factor`` times the larger
    of the initial loss and the zero network's loss (half the trace of Y^T Y)."""
    xp = namespace(loss)
    base = float(xp.max(xp.maximum(loss, stats.half_trace_yy + 0 * loss)))
    return factor * max(base, np.finfo(float).tiny)


def _divergence_message(what: str, step: int, loss, limit: float) -> str:
    loss = to_numpy(loss)
    bad = np.flatnonzero(~np.isfinite(loss) | (loss > limit))
    worst = loss[bad[0]]
    return (
        f"training diverged: {what} at step {step}: the loss of network(s) "
        f"{bad[:10].tolist()} reached {worst:.3g} (limit {limit:.3g}, or non-finite). "
        "Reduce the step size."
    )


def _descend(
    state,
    evaluate,
    update,
    record,
    *,
    stats: DataStatistics,
    lr: float,
    steps: int,
    record_every: int,
    divergence_factor: float,
    stop=None,
):
    """The descent loop shared by :func:`train_gd` and :func:`~.cnn.train_linear_cnn`.

    Runs up to ``steps`` updates. Step ``k = 0, 1, ..., steps`` evaluates the
    state, checks the loss for divergence, asks ``stop`` whether every network
    is done, records when ``k`` is a multiple of ``record_every``, the last step
    or a stopping step, and then (unless it is the last) applies ``update``.
    Arguments are not validated (the trainers do it).

    Parameters
    ----------
    state : object
        The initial parameters, passed unchanged to the callbacks.
    evaluate : callable
        ``evaluate(state) -> (grads, loss, total)``: gradients, the ``(B,)``
        losses and the end-to-end maps (:func:`_gradients`).
    update : callable
        ``update(state, grads) -> state``: one descent update.
    record : callable
        ``record(step, loss, total, state)``, called at the recorded steps.
    stats : DataStatistics
        The data, for the divergence bound.
    lr : float
        The step size (named in the divergence message).
    steps : int
        Number of updates, ``>= 0``.
    record_every : int
        Recording interval, ``>= 1``.
    divergence_factor : float
        A loss that is non-finite or exceeds this factor times
        ``max(initial loss, loss of the zero map)`` raises :class:`DivergenceError`.
    stop : callable, optional
        ``stop(loss) -> bool``, called once per step before recording; True
        records the step and ends the loop.

    Returns
    -------
    object
        The final state.

    Raises
    ------
    DivergenceError
        When a loss leaves the bound.
    """
    limit = None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            grads, loss, total = evaluate(state)
            if limit is None:
                limit = _divergence_limit(loss, stats, divergence_factor)
            if not bool(namespace(loss).all(loss <= limit)):
                raise DivergenceError(_divergence_message(f"lr={lr:g}", step, loss, limit))
            done = stop is not None and stop(loss)
            if step % record_every == 0 or step == steps or done:
                record(step, loss, total, state)
            if step == steps or done:
                break
            state = update(state, grads)
    return state


def train_gd(
    X,
    Y,
    weights,
    *,
    lr: float,
    steps: int,
    record_every: int = 1,
    target_loss: float | None = None,
    trainable=None,
    track_end_to_end: bool = False,
    divergence_factor: float = 1e4,
) -> TrainingResult:
    """Full-batch gradient descent on a batch of deep linear networks.

    Parameters
    ----------
    X : array, shape (n, d) or (B, n, d)
        Inputs (shared by the batch, or one data set per network).
    Y : array, shape (n, q) or (B, n, q)
        Targets.
    weights : sequence of arrays
        Initial layers, layer ``l`` of shape ``(B, w_l, w_{l-1})`` (see
        :func:`~theory_sims.deep_linear.network.init_weights`). Not modified.
    lr : float
        Step size, ``> 0``.
    steps : int
        Maximum number of steps.
    record_every : int
        Record loss and modes every this many steps (the start and the end
        are always recorded).
    target_loss : float, optional
        Each network stops updating once its loss is at most this value (as in
        Chatterji and Long's training); the run ends when all have stopped.
    trainable : array of bool, shape (B, D), optional
        False freezes a layer of a network (see
        :func:`~theory_sims.deep_linear.network.stack_depths`).
    track_end_to_end : bool
        Also record the end-to-end matrices.
    divergence_factor : float
        A network whose loss becomes non-finite or exceeds this factor times
        ``max(initial loss, loss of the zero map)`` raises
        :class:`DivergenceError`.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN data, a non-positive ``lr`` or ``steps < 0``.
    DivergenceError
        (:class:`gpu.errors.DivergenceError`, a ``ValueError`` and a
        ``FloatingPointError``) when the step size makes training diverge.

    References
    ----------
    Saxe et al., ICLR 2014, Eq. (2)-(3) (the gradient of each layer).

    Examples
    --------
    >>> import numpy as np
    >>> from theory_sims.deep_linear.network import init_weights
    >>> X, Y = np.eye(3) * np.sqrt(3), np.diag([3.0, 2.0, 1.0]) * np.sqrt(3)
    >>> w0 = init_weights([3, 3, 3], scheme="balanced", scale=0.1, rng=0)
    >>> res = train_gd(X, Y, w0, lr=0.05, steps=400, record_every=100)
    >>> np.round(res.modes[-1, 0], 3).tolist()
    [3.0, 2.0, 1.0]
    """
    stats = data_statistics(X, Y)
    weights = _check_weights(weights, stats)
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    steps = check_int(steps, "steps", minimum=0)
    record_every = check_int(record_every, "record_every", minimum=1)
    divergence_factor = check_real(divergence_factor, "divergence_factor", low=1.0)
    if target_loss is not None:
        target_loss = check_real(target_loss, "target_loss", low=0.0)
    factors = _trainable_factors(trainable, weights)
    xp = namespace(*weights)
    b = weights[0].shape[0]
    rec = _Recorder(stats, track_end_to_end)
    active = xp.ones((b,), dtype=weights[0].dtype, device=weights[0].device)
    steps_taken = xp.zeros((b,), dtype=xp.int64, device=weights[0].device)

    def stop(loss):
        nonlocal active
        active = active * xp.astype(loss > target_loss, active.dtype)
        return not bool(xp.any(active > 0))

    def update(state, grads):
        nonlocal steps_taken
        new = list(state)
        for l, g in enumerate(grads):
            scale = active[:, None, None] * lr
            if factors is not None:
                scale = scale * factors[l]
            new[l] = new[l] - scale * g
        steps_taken = steps_taken + xp.astype(active > 0, xp.int64)
        return new

    weights = _descend(
        list(weights),
        lambda state: _gradients(state, stats),
        update,
        lambda step, loss, total, _: rec.add(step * lr, step, loss, total),
        stats=stats,
        lr=lr,
        steps=steps,
        record_every=record_every,
        divergence_factor=divergence_factor,
        stop=None if target_loss is None else stop,
    )
    converged = None if target_loss is None else to_numpy(active == 0)
    return rec.result(weights, to_numpy(steps_taken), converged)


# Dormand-Prince 5(4) tableau (Hairer, Norsett and Wanner, Solving ODEs I, Table 5.2).
_DP_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_DP_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)

# Step-size control (Hairer, Norsett and Wanner, Sec. II.4, Eq. 4.13; SciPy's rk.py):
# h_new = h * clip(SAFETY * err**(-1/5), MIN_FACTOR, MAX_FACTOR).
_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 5.0


def _flow_field(stats: DataStatistics, tau: float, factors):
    """The right-hand side ``state -> (dW/dt per layer, loss, end-to-end map)`` of the flow."""

    def rhs(state):
        grads, loss, total = _gradients(state, stats)
        out = []
        for l, g in enumerate(grads):
            g = g / (-tau)
            out.append(g if factors is None else g * factors[l])
        return out, loss, total

    return rhs


def _rms_max(parts, count: int) -> float:
    """Largest over the batch of the RMS norm of per-layer (B, ., .) arrays of ``count`` entries."""
    xp = namespace(*parts)
    sq = sum(xp.sum(p * p, axis=(1, 2)) for p in parts)
    return float(xp.max(xp.sqrt(sq / count)))


def _initial_step(y, k1, atol: float, rtol: float, count: int) -> float:
    """First step size (Hairer, Norsett and Wanner, Sec. II.4, first two steps of the rule)."""
    xp = namespace(*y)
    scale0 = [atol + rtol * xp.abs(w) for w in y]
    d0 = _rms_max([a / s for a, s in zip(y, scale0, strict=True)], count)
    d1 = _rms_max([a / s for a, s in zip(k1, scale0, strict=True)], count)
    return 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1


def _dopri_step(rhs, y, k1, h: float, *, atol: float, rtol: float, count: int):
    """One Dormand-Prince 5(4) step of size ``h`` from ``y``, with its error estimate.

    Parameters
    ----------
    rhs : callable
        The vector field (:func:`_flow_field`).
    y : list of arrays
        The state (one array per layer).
    k1 : list of arrays
        ``rhs(y)`` (the last stage of the previous step: the pair is FSAL).

    Returns
    -------
    y_new : list of arrays
        The fifth-order solution at ``t + h``.
    k_new : list of arrays
        ``rhs(y_new)``, the first stage of the next step.
    loss_new, total_new : arrays
        Loss and end-to-end maps at ``y_new``.
    err : float
        The local error estimate in the RMS norm scaled by
        ``atol + rtol * max(|y|, |y_new|)``, the largest over the batch
        (the step is acceptable when ``err <= 1``).
    """
    xp = namespace(*y)
    stages = [k1]
    for row in _DP_A[1:]:
        y_new = [
            w + h * sum(c * k[l] for c, k in zip(row, stages, strict=False) if c)
            for l, w in enumerate(y)
        ]
        k_new, loss_new, total_new = rhs(y_new)
        stages.append(k_new)
    err_parts = [
        h
        * sum(e * k[l] for e, k in zip(_DP_E, stages, strict=True) if e)
        / (atol + rtol * xp.maximum(xp.abs(w), xp.abs(yn)))
        for l, (w, yn) in enumerate(zip(y, y_new, strict=True))
    ]
    return y_new, k_new, loss_new, total_new, _rms_max(err_parts, count)


def _next_step_size(h: float, step: float, err: float) -> float:
    """Step-size controller: the next proposal after a step of size ``step`` with error ``err``.

    ``h`` is the proposal the step was taken from (``step < h`` when the
    step was shortened to land on an output time; the longer proposal is
    then kept). A rejected step (``err > 1``) never grows.
    """
    if err == 0:
        factor = _MAX_FACTOR
    else:
        factor = min(_MAX_FACTOR, max(_MIN_FACTOR, _SAFETY * err**-0.2))
    if err > 1.0:
        return step * min(factor, 1.0)
    if step < h:
        return max(h, step * factor)
    return step * factor


def train_flow(
    X,
    Y,
    weights,
    *,
    times,
    tau: float = 1.0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    trainable=None,
    track_end_to_end: bool = False,
    max_steps: int = 1_000_000,
) -> TrainingResult:
    r"""Gradient flow :math:`\tau\, dW_l/dt = -\partial L / \partial W_l` for a batch of networks.

    The integrator is the explicit Dormand-Prince 5(4) Runge-Kutta pair (the
    method of ``scipy.integrate.solve_ivp(method="RK45")``) with the standard
    step-size control: the local error estimate of each network is measured
    in the RMS norm scaled by ``atol + rtol * |W|`` over all its weights, the
    batch takes the step when the largest of these is at most 1, and the next
    step is ``h * clip(0.9 * err**(-1/5), 0.2, 5)``. Steps are shortened to
    land exactly on each requested time. As in SciPy's ``rk.py`` the step
    (:func:`_dopri_step`: one embedded pair step and its error estimate) is
    separate from the controller (this function: accept or reject, the next
    step size from :func:`_next_step_size`, the output times).

    Parameters
    ----------
    X, Y : arrays
        Data as in :func:`train_gd`.
    weights : sequence of arrays
        Initial layers, shape ``(B, w_l, w_{l-1})``.
    times : array_like, shape (T,)
        Increasing, non-negative times at which to record (in the units of
        ``tau``); integration starts at ``t = 0``.
    tau : float
        Time constant, ``> 0``.
    rtol, atol : float
        Relative and absolute tolerances of the step-size control.
    trainable : array of bool, shape (B, D), optional
        As in :func:`train_gd`.
    track_end_to_end : bool
        Also record the end-to-end matrices.
    max_steps : int
        Bound on accepted plus rejected steps.

    Returns
    -------
    TrainingResult
        ``steps`` counts accepted integrator steps.

    Raises
    ------
    ValueError
        On bad shapes, NaN data, times that are negative or not increasing,
        or non-positive tolerances.
    DivergenceError
        (:class:`gpu.errors.DivergenceError`) if the state becomes non-finite
        or the step size collapses, or ``max_steps`` is exhausted.

    References
    ----------
    Dormand and Prince, J. Comput. Appl. Math. 6 (1980); Hairer, Norsett and
    Wanner, Solving Ordinary Differential Equations I, Sec. II.4-II.5.
    Saxe et al., ICLR 2014, Eq. (3) (the flow).

    Examples
    --------
    >>> import numpy as np
    >>> from theory_sims.deep_linear.network import decoupled_init
    >>> X, Y = np.eye(2) * np.sqrt(2), np.diag([2.0, 1.0]) * np.sqrt(2)
    >>> w0 = decoupled_init(Y.T @ X / 2, 0.01, hidden=[2])
    >>> res = train_flow(X, Y, w0, times=[0.0, 2.0])
    >>> from theory_sims.deep_linear.theory import two_layer_mode
    >>> bool(np.allclose(res.modes[-1, 0], two_layer_mode(2.0, np.array([2.0, 1.0]), 0.01)))
    True
    """
    stats = data_statistics(X, Y)
    weights = _check_weights(weights, stats)
    tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
    rtol = check_real(rtol, "rtol", low=0.0, low_inclusive=False)
    atol = check_real(atol, "atol", low=0.0, low_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", minimum=1)
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError(f"times must be a non-empty 1-D array of finite values, got {times!r}")
    if times[0] < 0 or np.any(np.diff(times) <= 0):
        raise ValueError("times must be non-negative and strictly increasing")
    factors = _trainable_factors(trainable, weights)
    xp = namespace(*weights)
    count = sum(int(np.prod(w.shape[1:])) for w in weights)
    rhs = _flow_field(stats, tau, factors)
    y = list(weights)
    rec = _Recorder(stats, track_end_to_end)
    k1, loss, total = rhs(y)
    h = _initial_step(y, k1, atol, rtol, count)
    t, accepted, attempts = 0.0, 0, 0
    span = float(times[-1]) if times[-1] > 0 else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for target in times.tolist():
            while t < target:
                if attempts >= max_steps:
                    raise DivergenceError(
                        f"train_flow: max_steps={max_steps} exhausted at t={t:.6g} "
                        f"(target {target:g}); loosen rtol/atol or raise max_steps"
                    )
                if h < 1e-14 * span:
                    raise DivergenceError(
                        f"train_flow: step size collapsed to {h:.3g} at t={t:.6g}; "
                        "the flow is too stiff or blows up"
                    )
                attempts += 1
                step = min(h, target - t)
                y_new, k_new, loss_new, total_new, err = _dopri_step(
                    rhs, y, k1, step, atol=atol, rtol=rtol, count=count
                )
                if not np.isfinite(err) or not bool(xp.all(xp.isfinite(loss_new))):
                    if step < 1e-14 * span:
                        raise DivergenceError(
                            f"train_flow: the state became non-finite at t={t:.6g}"
                        )
                    h = step * _MIN_FACTOR
                    continue
                if err <= 1.0:
                    t = target if step == target - t else t + step
                    y, k1, loss, total = y_new, k_new, loss_new, total_new
                    accepted += 1
                h = _next_step_size(h, step, err)
            rec.add(float(target), accepted, loss, total)
    b = weights[0].shape[0]
    return rec.result(y, np.full(b, accepted, dtype=np.int64), None)
