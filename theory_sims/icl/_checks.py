"""Shape and value checks shared by the predictors, the models and the metrics."""

from __future__ import annotations

import numpy as np

from gpu.backend import namespace
from gpu.validate import check_finite, check_ndim, check_real


def check_context(X, y, x_query):
    """Validate a batch ``(X (B, n, d), y (B, n), x_query (B, d))``; return ``xp, B, n, d``."""
    xp = namespace(X, y, x_query)
    check_ndim(X, "X", 3)
    check_ndim(y, "y", 2)
    check_ndim(x_query, "x_query", 2)
    B, n, d = X.shape
    if n < 1 or d < 1 or B < 1:
        raise ValueError(f"X must have shape (B, n, d) with B, n, d >= 1, got {X.shape}")
    if y.shape != (B, n):
        raise ValueError(f"y must have shape {(B, n)} to match X {X.shape}, got {y.shape}")
    if x_query.shape != (B, d):
        raise ValueError(
            f"x_query must have shape {(B, d)} to match X {X.shape}, got {x_query.shape}"
        )
    for a, name in ((X, "X"), (y, "y"), (x_query, "x_query")):
        if not xp.isdtype(a.dtype, "real floating"):
            raise TypeError(f"{name} must be a real floating array, got {a.dtype}")
        check_finite(a, name)
    return xp, B, n, d


def per_sequence(value, name: str, B: int, xp, like, *, low: float = 0.0):
    """Broadcast a scalar or a (B,) array of non-negative reals to shape (B,)."""
    if hasattr(value, "shape") and getattr(value, "ndim", 0) > 0:
        v = xp.asarray(value, dtype=like.dtype)
        if v.shape != (B,):
            raise ValueError(f"{name} must be a scalar or have shape ({B},), got {v.shape}")
    else:
        v = xp.full((B,), float(value), dtype=like.dtype)
    check_finite(v, name)
    if bool(xp.any(v < low)):
        raise ValueError(f"{name} must be >= {low}, got a minimum of {float(xp.min(v))}")
    return v


def check_noise_std(value, name: str = "noise_std") -> float:
    """A noise standard deviation ``>= 0`` whose square is a finite double."""
    value = check_real(value, name, low=0)
    if value > _SQRT_MAX:
        raise ValueError(
            f"{name}={value:g} is too large: its square (the noise variance) overflows double "
            f"precision; use a {name} below {_SQRT_MAX:.3g}"
        )
    return value


_SQRT_MAX = float(np.sqrt(np.finfo(float).max))
