r"""Two-layer linear CNNs with circular convolutions (Pinson et al.'s dominant frequency bias).

The network maps a length-``P`` signal ``x`` to

.. math:: f(x) = V \begin{pmatrix} w_1 \circledast x \\ \vdots \\ w_C \circledast x\end{pmatrix},
          \qquad (w \circledast x)_i = \sum_{j<K} w_j\, x_{(i-j) \bmod P},

with ``C`` filters of size ``K <= P`` and a fully connected readout ``V``
(``q x C P``). Its first layer is the deep linear layer
:math:`W_1 = [\mathrm{Circ}(w_1); \dots; \mathrm{Circ}(w_C)]` constrained to
circulant blocks, so a gradient step is the deep-linear gradient of
:math:`W_1` projected onto the filters,
:math:`\partial L/\partial w_{c,j} = \sum_i (\partial L/\partial W_1)_{cP+i,\,(i-j) \bmod P}`.

Circulant matrices are diagonal in the Fourier basis, so the learned map is
read in the Fourier domain: the filter spectra :math:`|\hat w_c(f)|` and the
frequency response :math:`\hat W(f) = (F W F^{-1})_{ff}` of the end-to-end map
``W``. A filter with ``K < P`` taps cannot set its Fourier coefficients
independently; this mismatch between network and data structure makes the
CNN learn in stages driven by the dominant frequencies (Pinson et al.).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gpu.backend import asarray_like, asarrays, namespace, standard_normal
from gpu.records import Record
from gpu.validate import check_int, check_ndim, check_real
from theory_sims.deep_linear.training import _check_weights, _descend, _gradients, data_statistics

__all__ = [
    "circulant_task",
    "circulant_layer",
    "init_linear_cnn",
    "frequency_response",
    "CNNResult",
    "train_linear_cnn",
]


def _circulant_index(P: int):
    i = np.arange(P)
    return (i[:, None] - i[None, :]) % P


def circulant_layer(filters, P: int):
    """First-layer matrix ``(B, C P, P)`` of circular convolutions with ``filters`` (B, C, K).

    Examples
    --------
    >>> import numpy as np
    >>> circulant_layer(np.array([[[1.0, 2.0]]]), 3)[0].tolist()
    [[1.0, 0.0, 2.0], [2.0, 1.0, 0.0], [0.0, 2.0, 1.0]]
    """
    xp = namespace(filters)
    b, c, k = filters.shape
    pad = xp.zeros((b, c, P - k), dtype=filters.dtype, device=filters.device)
    full = xp.concat([filters, pad], axis=2)
    idx = asarray_like(_circulant_index(P).ravel(), filters)
    return xp.reshape(xp.take(full, idx, axis=2), (b, c * P, P))


def _project_to_filters(grad_w1, c: int, k: int, P: int):
    """Gradient with respect to the filters from the gradient of the full first layer."""
    xp = namespace(grad_w1)
    b = grad_w1.shape[0]
    flat = xp.reshape(grad_w1, (b, c, P * P))
    i = np.arange(P)
    positions = i[None, :] * P + (i[None, :] - np.arange(k)[:, None]) % P  # (k, P)
    picked = xp.take(flat, asarray_like(positions.ravel(), grad_w1), axis=2)
    return xp.sum(xp.reshape(picked, (b, c, k, P)), axis=-1)


def frequency_response(W):
    r"""Diagonal of ``W`` in the Fourier basis, :math:`(F W F^{-1})_{ff}`, for ``W`` (..., P, P).

    For a circulant ``W`` (a circular convolution with filter ``h``) this is
    the DFT :math:`\hat h(f)`.

    Raises
    ------
    ValueError
        Unless ``W`` is an array of shape ``(..., P, P)``, ``P >= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> h = np.array([1.0, 0.5, 0.0, 0.0])
    >>> W = h[(np.arange(4)[:, None] - np.arange(4)[None, :]) % 4]
    >>> bool(np.allclose(frequency_response(W), np.fft.fft(h)))
    True
    """
    xp, (W,) = asarrays(W, names=("W",))
    if getattr(W, "ndim", 0) < 2 or W.shape[-1] != W.shape[-2] or W.shape[-1] == 0:
        raise ValueError(
            f"W must be an array of shape (..., P, P) with P >= 1, got "
            f"{getattr(W, 'shape', type(W).__name__)}"
        )
    P = W.shape[-1]
    spec = xp.fft.fftn(xp.astype(W, xp.complex128), axes=(-2, -1))
    f = np.arange(P)
    flat = xp.reshape(spec, (*spec.shape[:-2], P * P))
    diag = xp.take(flat, asarray_like(f * P + (-f) % P, W), axis=flat.ndim - 1)
    return diag / P


def circulant_task(power, target, *, like=None):
    r"""Population data with circulant input covariance and a convolutional target.

    Inputs have covariance :math:`\Sigma^{xx} = F^{-1}\mathrm{diag}(\lambda) F`
    (stationary signals with power spectrum ``power``) and targets are
    ``y = h * x`` for the filter ``h`` whose DFT is ``target``. Returns
    ``X`` (P, P) and ``Y`` (P, P) with :math:`X^\top X / P = \Sigma^{xx}` and
    :math:`Y^\top X / P = H \Sigma^{xx}` exactly, so training on them is training
    on the population loss.

    Parameters
    ----------
    power : array_like, shape (P,)
        Non-negative power spectrum, symmetric (``power[f] == power[-f]``).
    target : array_like, shape (P,)
        DFT of the target filter, Hermitian (``target[-f] == conj(target[f])``)
        so that the filter is real.
    like : array, optional

    Returns
    -------
    X, Y : arrays, shape (P, P)

    Raises
    ------
    ValueError
        If the spectra have different lengths, are not symmetric/Hermitian, or
        ``power`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = circulant_task(np.ones(4), np.ones(4))
    >>> bool(np.allclose(X.T @ X / 4, np.eye(4))), bool(np.allclose(Y, X))
    (True, True)
    """
    power = np.asarray(power, dtype=float)
    target = np.asarray(target, dtype=complex)
    P = power.shape[0] if power.ndim else -1
    if power.ndim != 1 or target.shape != (P,) or P == 0:
        raise ValueError(
            "power and target must be 1-D of equal, non-zero length, got "
            f"{power.shape}, {target.shape}"
        )
    if not np.all(np.isfinite(power)) or not np.all(np.isfinite(target)):
        raise ValueError("power and target must be finite")
    neg = (-np.arange(P)) % P
    if np.any(power < 0) or not np.allclose(power, power[neg]):
        raise ValueError("power must be non-negative and symmetric, power[f] == power[-f]")
    if not np.allclose(target, np.conj(target[neg])):
        raise ValueError("target must be Hermitian, target[-f] == conj(target[f])")
    idx = _circulant_index(P)
    root = np.real(np.fft.ifft(np.sqrt(power)))[idx]  # circulant square root of Sigma_xx
    h = np.real(np.fft.ifft(target))[idx]
    X = np.sqrt(P) * root.T
    Y = X @ h.T
    return asarray_like(X, like), asarray_like(Y, like)


def init_linear_cnn(
    P: int,
    q: int,
    *,
    channels: int,
    kernel: int,
    scale: float,
    rng=None,
    n_init: int = 1,
    like=None,
):
    """Small Gaussian initialisation of a two-layer linear CNN.

    Filters have i.i.d. :math:`N(0, \\mathrm{scale}^2/K)` taps and the readout
    :math:`N(0, \\mathrm{scale}^2/(C P))` entries (fan-in scaling).

    Returns
    -------
    filters : array, shape (n_init, channels, kernel)
    readout : array, shape (n_init, q, channels * P)

    Examples
    --------
    >>> f, v = init_linear_cnn(8, 8, channels=2, kernel=3, scale=0.1, rng=0)
    >>> f.shape, v.shape
    ((1, 2, 3), (1, 8, 16))
    """
    P = check_int(P, "P", minimum=1)
    q = check_int(q, "q", minimum=1)
    channels = check_int(channels, "channels", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1, maximum=P)
    n_init = check_int(n_init, "n_init", minimum=1)
    scale = check_real(scale, "scale", low=0.0)
    filters = standard_normal(rng, (n_init, channels, kernel), like=like) * (scale / kernel**0.5)
    readout = standard_normal(rng, (n_init, q, channels * P), like=like) * (
        scale / (channels * P) ** 0.5
    )
    return filters, readout


@dataclasses.dataclass(frozen=True)
class CNNResult(Record):
    """Trajectory of a batch of two-layer linear CNNs.

    Attributes
    ----------
    times : ndarray, shape (T,)
        ``step * lr``.
    loss : array, shape (T, B)
    response : array, shape (T, B, P), complex
        Frequency response :math:`\\hat W(f)` of the end-to-end map (square maps only,
        ``q == P``; otherwise None).
    filter_spectra : array, shape (T, B, C, P // 2 + 1)
        :math:`|\\hat w_c(f)|` for ``f = 0 .. P // 2``, the DFT magnitudes of the
        zero-padded filters.
    filters : array, shape (B, C, K)
        Final filters.
    readout : array, shape (B, q, C P)
        Final readout.
    """

    times: Any
    loss: Any
    response: Any
    filter_spectra: Any
    filters: Any
    readout: Any


def train_linear_cnn(
    X,
    Y,
    filters,
    readout,
    *,
    lr: float,
    steps: int,
    record_every: int = 1,
    divergence_factor: float = 1e4,
) -> CNNResult:
    """Full-batch gradient descent on two-layer linear CNNs (circular convolutions).

    Parameters
    ----------
    X : array, shape (n, P)
        Input signals.
    Y : array, shape (n, q)
        Targets.
    filters : array, shape (B, C, K)
        Initial filters (``K <= P`` taps).
    readout : array, shape (B, q, C P)
        Initial readout.
    lr : float
        Step size.
    steps : int
        Number of steps.
    record_every : int
        Recording interval (the first and last steps are always recorded).
    divergence_factor : float
        As in :func:`~theory_sims.deep_linear.training.train_gd`.

    Returns
    -------
    CNNResult

    Raises
    ------
    ValueError
        On inconsistent shapes, NaN data or a non-positive ``lr``.
    gpu.errors.DivergenceError
        When the step size makes training diverge.

    References
    ----------
    Pinson, Lenaerts and Ginis, "Linear CNNs discover the statistical
    structure of the dataset using only the most dominant frequencies",
    ICML 2023, Sec. 3 (two-layer linear CNN, gradient descent in the Fourier
    domain).

    Examples
    --------
    >>> import numpy as np
    >>> X, Y = circulant_task(np.ones(8), np.fft.fft([0.0, 1.0] + [0.0] * 6))
    >>> f, v = init_linear_cnn(8, 8, channels=2, kernel=3, scale=0.3, rng=0)
    >>> res = train_linear_cnn(X, Y, f, v, lr=0.2, steps=400, record_every=400)
    >>> bool(res.loss[-1, 0] < 1e-3 * res.loss[0, 0])
    True
    """
    stats = data_statistics(X, Y)
    check_ndim(filters, "filters", 3)
    check_ndim(readout, "readout", 3)
    P = X.shape[-1]
    b, c, k = filters.shape
    if k > P or readout.shape != (b, Y.shape[-1], c * P):
        raise ValueError(
            f"filters {filters.shape} and readout {readout.shape} do not fit "
            f"signals of length {P} and {Y.shape[-1]} outputs"
        )
    lr = check_real(lr, "lr", low=0.0, low_inclusive=False)
    steps = check_int(steps, "steps", minimum=0)
    record_every = check_int(record_every, "record_every", minimum=1)
    divergence_factor = check_real(divergence_factor, "divergence_factor", low=1.0)
    _check_weights((circulant_layer(filters, P), readout), stats)
    xp = namespace(filters, readout)
    square = Y.shape[-1] == P
    times, losses, responses, spectra = [], [], [], []

    def record(step, loss, total, state):
        times.append(step * lr)
        losses.append(loss)
        pad = xp.zeros((b, c, P - k), dtype=state[0].dtype, device=state[0].device)
        spectra.append(xp.abs(xp.fft.rfft(xp.concat([state[0], pad], axis=2), axis=-1)))
        if square:
            responses.append(frequency_response(total))

    def update(state, grads):
        return state[0] - lr * _project_to_filters(grads[0], c, k, P), state[1] - lr * grads[1]

    filters, readout = _descend(
        (filters, readout),
        lambda state: _gradients((circulant_layer(state[0], P), state[1]), stats),
        update,
        record,
        stats=stats,
        lr=lr,
        steps=steps,
        record_every=record_every,
        divergence_factor=divergence_factor,
    )
    return CNNResult(
        times=np.asarray(times),
        loss=xp.stack(losses),
        response=xp.stack(responses) if square else None,
        filter_spectra=xp.stack(spectra),
        filters=filters,
        readout=readout,
    )
