"""First-order optimisers on a flat parameter vector: Adam and SGD with momentum.

Both are small stateful objects with one method, ``step(theta, grad) ->
theta``, written against the namespace of the parameters so the same code runs
on NumPy and CuPy. Gradient clipping by global norm is applied by
:func:`clip_by_norm` before the step.
"""

from __future__ import annotations

from gpu.backend import namespace
from gpu.validate import check_real

__all__ = ["Adam", "SGDMomentum", "clip_by_norm"]


def clip_by_norm(grad, max_norm: float | None):
    """Rescale ``grad`` to Euclidean norm at most ``max_norm`` (``None``: unchanged).

    Raises
    ------
    ValueError
        If ``max_norm`` is not a positive number (or ``None``).

    Returns
    -------
    clipped : array
    norm : float
        The norm before clipping.

    Examples
    --------
    >>> import numpy as np
    >>> g, n = clip_by_norm(np.array([3.0, 4.0]), 1.0)
    >>> np.round(g, 6).tolist(), n
    ([0.6, 0.8], 5.0)
    """
    xp = namespace(grad)
    if max_norm is not None:
        max_norm = check_real(max_norm, "max_norm", low=0, low_inclusive=False)
    norm = float(xp.sqrt(xp.sum(grad * grad)))
    if max_norm is not None and norm > max_norm:
        grad = grad * (max_norm / norm)
    return grad, norm


class Adam:
    """Adam with bias correction (Kingma and Ba, 2015, Algorithm 1).

    Parameters
    ----------
    lr : float
        Step size, ``> 0``.
    betas : tuple of float
        Decay rates of the first and second moments, in ``[0, 1)``.
    eps : float
        Denominator offset.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Adam(lr=0.1)
    >>> np.round(opt.step(np.array([1.0]), np.array([2.0])), 6).tolist()
    [0.9]
    """

    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr = check_real(lr, "lr", low=0, low_inclusive=False)
        if isinstance(betas, str) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.b1 = check_real(betas[0], "betas[0]", low=0, high=1, high_inclusive=False)
        self.b2 = check_real(betas[1], "betas[1]", low=0, high=1, high_inclusive=False)
        self.eps = check_real(eps, "eps", low=0)
        self.m = self.v = None
        self.t = 0

    def step(self, theta, grad):
        xp = namespace(theta, grad)
        if self.m is None:
            self.m, self.v = xp.zeros_like(theta), xp.zeros_like(theta)
        self.t += 1
        self.m = self.b1 * self.m + (1 - self.b1) * grad
        self.v = self.b2 * self.v + (1 - self.b2) * grad * grad
        m_hat = self.m / (1 - self.b1**self.t)
        v_hat = self.v / (1 - self.b2**self.t)
        return theta - self.lr * m_hat / (xp.sqrt(v_hat) + self.eps)


class SGDMomentum:
    """Heavy-ball SGD, ``v <- mu v + g``, ``theta <- theta - lr v`` (PyTorch's form).

    Parameters
    ----------
    lr : float
        Step size, ``> 0``.
    momentum : float
        ``mu`` in ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGDMomentum(lr=0.1, momentum=0.9)
    >>> theta = opt.step(np.array([1.0]), np.array([1.0]))
    >>> opt.step(theta, np.array([1.0])).tolist()
    [0.71]
    """

    def __init__(self, lr: float, momentum: float = 0.9):
        self.lr = check_real(lr, "lr", low=0, low_inclusive=False)
        self.mu = check_real(momentum, "momentum", low=0, high=1, high_inclusive=False)
        self.v = None

    def step(self, theta, grad):
        self.v = grad if self.v is None else self.mu * self.v + grad
        return theta - self.lr * self.v
