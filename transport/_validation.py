"""Argument checks shared by the transport solvers (values, exponents, weight pairs)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from gpu.backend import asarrays, is_half
from gpu.validate import check_finite, check_real, check_real_dtype, check_weights

# Relative tolerance on the equality of two total masses: loose enough for weights
# normalised in float32, tight enough to catch a forgotten normalisation.
MASS_RTOL = 1e-5


def named_arrays(**values):
    """:func:`gpu.backend.asarrays` of ``values``, naming the argument that fails to convert."""
    return asarrays(*values.values(), names=tuple(values))


def as_real_floating(xp, x, name):
    """Return ``x`` as a real floating array after a finiteness check.

    Integers and booleans become float64 and float16 becomes float32 (the
    house rule, :func:`gpu.backend.result_float_dtype`: the kernels have no
    half-precision arithmetic).
    """
    if not hasattr(x, "dtype"):
        raise TypeError(f"{name} must be an array, got {type(x).__name__}")
    if xp.isdtype(x.dtype, ("signed integer", "unsigned integer", "bool")):
        x = xp.astype(x, xp.float64)
    elif is_half(x):
        x = xp.astype(x, xp.float32)
    elif not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return check_finite(x, name)


def check_p(p, allow_inf=False):
    """Exponent of the ground cost |x - y|**p: a real number >= 1 (``inf`` when ``allow_inf``).

    ``allow_inf`` is for the solvers that define :math:`W_\\infty` as the limit
    of :math:`W_p` (the largest gap over the support of the optimal plan).
    """
    if allow_inf and not isinstance(p, bool) and isinstance(p, numbers.Real) and p == math.inf:
        return math.inf
    return check_real(p, "p", low=1.0)


def normalised_weights(xp, w, n, name):
    """Check one weight array of length ``n`` on its last axis; return it and its total mass."""
    check_real_dtype(w, name)
    if xp.isdtype(w.dtype, ("signed integer", "unsigned integer", "bool")):
        w = xp.astype(w, xp.float64)
    elif is_half(w):
        w = xp.astype(w, xp.float32)
    check_weights(w, name, n=n)
    total = xp.sum(w, axis=-1, keepdims=True)
    return w / total, total


def check_measure_pair(xp, u_values, v_values, u_weights, v_weights):
    """Validate two batched 1-D measures: values (..., n) / (..., m) and optional weights.

    Returns the values as real floating arrays, the weights normalised to mass 1
    (``None`` kept for uniform) as :func:`normalised_weight_pair` does, and the
    broadcast batch shape of the four arrays (all axes but the last).
    """
    u_values = as_real_floating(xp, u_values, "u_values")
    v_values = as_real_floating(xp, v_values, "v_values")
    for x, name in ((u_values, "u_values"), (v_values, "v_values")):
        if x.ndim == 0 or x.shape[-1] == 0:
            raise ValueError(f"{name} must have at least one atom on its last axis, got {x.shape}")
    u_weights, v_weights = normalised_weight_pair(
        xp, u_weights, v_weights, u_values.shape[-1], v_values.shape[-1], ("u_weights", "v_weights")
    )
    batch = batch_shape(
        u_values=u_values, v_values=v_values, u_weights=u_weights, v_weights=v_weights
    )
    return u_values, v_values, u_weights, v_weights, batch


def batch_shape(**arrays):
    """The broadcast batch shape (every axis but the last) of the named arrays.

    ``None`` entries are skipped; a ValueError names every array and its shape when the
    batch shapes do not broadcast.
    """
    present = {name: x for name, x in arrays.items() if x is not None}
    try:
        return np.broadcast_shapes(*(x.shape[:-1] for x in present.values()))
    except ValueError as exc:
        listed = ", ".join(f"{name} {tuple(x.shape)}" for name, x in present.items())
        raise ValueError(
            f"batch shapes (every axis but the last) of {listed} do not broadcast"
        ) from exc


def normalised_weight_pair(xp, a, b, n, m, names=("a", "b")):
    """Check two optional weight arrays of lengths ``n`` and ``m`` and normalise them to mass 1.

    ``None`` stands for uniform weights of total mass 1. Given weights are checked
    (finite, non-negative, positive total) and the two total masses must agree
    (a missing vector has mass 1) to relative tolerance :data:`MASS_RTOL`, row by
    row for batched weights of shape ``(..., n)``.

    Returns
    -------
    tuple
        The two weight arrays divided by their totals (``None`` kept as ``None``).
    """
    totals = []
    out = []
    for w, size, name in ((a, n, names[0]), (b, m, names[1])):
        if w is None:
            totals.append(None)
            out.append(None)
            continue
        w, total = normalised_weights(xp, w, size, name)
        totals.append(total)
        out.append(w)
    if totals[0] is not None or totals[1] is not None:
        ta = 1.0 if totals[0] is None else totals[0]
        tb = 1.0 if totals[1] is None else totals[1]
        gap = xp.abs(ta - tb)
        if bool(xp.any(gap > MASS_RTOL * (ta + tb))):
            raise ValueError(
                f"{names[0]} and {names[1]} must have the same total mass (a missing weight "
                f"vector is uniform with mass 1); they differ by {float(xp.max(gap)):.3g}. "
                "Normalise them, e.g. w / w.sum()"
            )
    return out[0], out[1]
