"""Argument checks shared by the linear embeddings (LOT, LOPT): clouds, masses, references."""

from __future__ import annotations

import numpy as np

from gpu.backend import result_float_dtype, to_numpy
from transport._validation import as_real_floating, named_arrays
from transport.partial import check_positive_weights


def to_numpy_dtype(xp, *arrays):
    """The NumPy floating dtype of the results for ``arrays`` (see README, Conventions)."""
    return np.dtype(str(result_float_dtype(xp, *arrays)))


def check_cloud(xp, X, name, d=None):
    """A finite (n, d) float64 host array (a 1-D array is n points on the line)."""
    X = as_real_floating(xp, X, name)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(
            f"{name} must be an (n, d) array (or (n,) on the line) with n >= 1, got shape {X.shape}"
        )
    if d is not None and X.shape[1] != d:
        raise ValueError(f"{name} must have d = {d} columns like reference, got {X.shape}")
    return to_numpy(X).astype(np.float64)


def check_masses(xp, w, n, name):
    """Positive float64 masses of length ``n``; ``None`` gives mass 1 per atom."""
    w = check_positive_weights(xp, w, n, name)
    if w is not None and w.ndim != 1:
        raise ValueError(f"{name} must be 1-D of length {n}, got shape {w.shape}")
    return np.ones(n) if w is None else w


def embedding_inputs(reference, reference_weights, X, x_weights):
    """Checked inputs of an embedding: ``(dtype, reference, sigma, X, w)`` as float64 host arrays.

    ``dtype`` is the NumPy dtype of the results; ``sigma`` and ``w`` are the
    (unnormalised) masses, 1 per atom when the weights are None.
    """
    xp, (reference, reference_weights, X, x_weights) = named_arrays(
        reference=reference, reference_weights=reference_weights, X=X, x_weights=x_weights
    )
    dtype = to_numpy_dtype(xp, reference, reference_weights, X, x_weights)
    reference = check_cloud(xp, reference, "reference")
    X = check_cloud(xp, X, "X", d=reference.shape[1])
    sigma = check_masses(xp, reference_weights, reference.shape[0], "reference_weights")
    w = check_masses(xp, x_weights, X.shape[0], "x_weights")
    return dtype, reference, sigma, X, w


def check_same_reference(e1, e2):
    """Raise unless two embeddings were computed against the same reference measure."""
    same = (
        e1.reference.shape == e2.reference.shape
        and np.array_equal(e1.reference, e2.reference)
        and np.array_equal(e1.reference_weights, e2.reference_weights)
    )
    if not same:
        raise ValueError(
            "e1 and e2 were embedded against different references (points or "
            "weights differ); embed both measures against one reference"
        )


def barycentric_displacement(reference, plan, X):
    """Barycentric projection of ``plan`` (k, n) minus the reference points, and its row masses.

    Rows that transport no mass get a zero displacement.
    """
    moved = plan.sum(axis=1)
    target = plan @ X
    U = np.zeros_like(reference)
    keep = moved > 0.0
    U[keep] = target[keep] / moved[keep, None] - reference[keep]
    return U, moved
