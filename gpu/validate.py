"""Argument checks shared by every linproj package.

Each check raises ``ValueError`` or ``TypeError`` naming the argument, what was
expected and what was given, so bad input never turns into a silent NaN, a hang
or a wrong answer. The checks run in the namespace of the array (NumPy, CuPy,
array-API), so they do not move data between devices.
"""

from __future__ import annotations

import numbers
from typing import Any

from gpu.backend import namespace

__all__ = [
    "check_int",
    "check_real",
    "check_finite",
    "check_ndim",
    "check_choice",
    "check_weights",
    "check_real_dtype",
]


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None):
    """Return ``value`` as an ``int`` after checking its type and bounds.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (bools are rejected).
    ValueError
        If ``value`` is below ``minimum`` or above ``maximum``.

    Examples
    --------
    >>> check_int(3, "k", minimum=1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite ``float`` inside the given bounds.

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN, infinite or out of bounds.

    Examples
    --------
    >>> check_real(0.5, "delta", low=0, high=1, low_inclusive=False, high_inclusive=False)
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_finite(x: Any, name: str):
    """Raise ``ValueError`` if array ``x`` holds NaN or infinite values; return ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> check_finite(np.array([1.0, np.nan]), "X")
    Traceback (most recent call last):
    ...
    ValueError: X must be finite, got 1 NaN or infinite values
    """
    xp = namespace(x)
    if xp.isdtype(x.dtype, ("real floating", "complex floating")):
        bad = ~xp.isfinite(x)
        if bool(xp.any(bad)):
            count = int(xp.sum(xp.astype(bad, xp.int64)))
            raise ValueError(f"{name} must be finite, got {count} NaN or infinite values")
    return x


def check_ndim(x: Any, name: str, ndim: int | tuple[int, ...]):
    """Raise ``ValueError`` unless ``x.ndim`` is ``ndim`` (or one of them); return ``x``."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if getattr(x, "ndim", None) not in allowed:
        want = " or ".join(f"{k}-D" for k in allowed)
        got = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"{name} must be {want}, got shape {got}")
    return x


def check_choice(value: Any, name: str, choices):
    """Raise ``ValueError`` unless ``value`` is one of ``choices``; return it."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_weights(w: Any, name: str, *, n: int | None = None):
    """Check a weight vector: finite, non-negative, positive total, length ``n``.

    Works on the last axis, so a batch of weight vectors of shape ``(..., n)``
    is accepted. Returns ``w`` unchanged.

    Raises
    ------
    ValueError
        On NaN/inf, negative entries, a zero total on any row, or a length
        mismatch.
    """
    xp = namespace(w)
    if n is not None and (w.ndim == 0 or w.shape[-1] != n):
        raise ValueError(f"{name} must have length {n} on its last axis, got shape {w.shape}")
    check_finite(w, name)
    if bool(xp.any(w < 0)):
        raise ValueError(f"{name} must be non-negative, got a minimum of {float(xp.min(w))}")
    if bool(xp.any(xp.sum(w, axis=-1) <= 0)):
        raise ValueError(f"{name} must have a positive total mass")
    return w


def check_real_dtype(x: Any, name: str):
    """Raise ``TypeError`` unless array ``x`` holds real numbers (bool, integer or real float).

    Complex values are rejected rather than silently cast to their real part.

    Examples
    --------
    >>> import numpy as np
    >>> check_real_dtype(np.array([1 + 2j]), "u_values")
    Traceback (most recent call last):
    ...
    TypeError: u_values must hold real numbers, got dtype complex128
    """
    xp = namespace(x)
    if not xp.isdtype(x.dtype, ("bool", "integral", "real floating")):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return x
