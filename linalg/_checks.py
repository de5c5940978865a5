"""Validation of DPP kernels and feature matrices, shared by the linalg samplers.

Tolerances are relative to ``scale = max(1, max |entry|)`` (or ``max |eigenvalue|``)
and depend on the floating dtype through its machine epsilon ``eps`` and the size
``N`` of the kernel, so a float32 kernel gets the slack its round-off needs:

* symmetry: ``max |A - A^T| <= max(SYMMETRY_TOL, 100 eps) * scale``;
* positive semi-definiteness: smallest eigenvalue ``>= -max(EIGEN_TOL, 10 N eps) * scale``;
* a marginal kernel's largest eigenvalue ``<= 1 + max(EIGEN_TOL, 10 N eps)``;
* orthonormal columns: ``||V^T V z - z|| <= max(ORTHONORMAL_TOL, 100 N eps) ||z||`` for
  two fixed probe vectors ``z`` (an O(N r) check, not O(N r^2)).

For float64 and ``N`` below about 4.5e7 these are the fixed values 1e-8, 1e-8
and 1e-6. Eigenvalues within the tolerance of 0 (or 1) are clipped to it.
"""

from __future__ import annotations

from gpu.backend import asarrays, is_half, namespace
from gpu.validate import check_finite, check_int, check_ndim, check_real_dtype

SYMMETRY_TOL = 1e-8
EIGEN_TOL = 1e-8
ORTHONORMAL_TOL = 1e-6


def eps(x):
    """Machine epsilon of the floating dtype of array ``x`` (float64's for other dtypes)."""
    xp = namespace(x)
    dtype = x.dtype if xp.isdtype(x.dtype, "real floating") else xp.float64
    return float(xp.finfo(dtype).eps)


def eigen_tolerance(x, n):
    """Relative tolerance on the eigenvalues of an ``n x n`` kernel of the dtype of ``x``."""
    return max(EIGEN_TOL, 10 * max(n, 1) * eps(x))


def as_float_matrix(A, name, *, check=True):
    """Return ``A`` as a real floating 2-D array (integers are promoted to float64, float16 to
    float32).

    With ``check`` (default) NaN and infinite values are rejected.
    """
    if A is None:
        raise TypeError(f"{name} must be an array, got None")
    xp, (A,) = asarrays(A)
    check_ndim(A, name, 2)
    if xp.isdtype(A.dtype, "complex floating") or xp.isdtype(A.dtype, "bool"):
        raise TypeError(f"{name} must be a real array, got dtype {A.dtype}")
    if not xp.isdtype(A.dtype, "real floating"):
        A = xp.astype(A, xp.float64)
    elif is_half(A):  # the house dtype rule: float16 is computed (and returned) in float32
        A = xp.astype(A, xp.float32)
    if check:
        check_finite(A, name)
    return A


def as_square_symmetric(A, name):
    """Check ``A`` is a finite, square, symmetric real matrix; return it (float)."""
    A = as_float_matrix(A, name)
    xp = namespace(A)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be square, got shape {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{name} must be non-empty")
    scale = max(1.0, float(xp.max(xp.abs(A))))
    asym = float(xp.max(xp.abs(A - A.T)))
    if asym > max(SYMMETRY_TOL, 100 * eps(A)) * scale:
        raise ValueError(f"{name} must be symmetric, got max |{name} - {name}^T| = {asym:.3g}")
    return A


def check_spectrum(eigenvalues, name, *, marginal):
    """Check a kernel's eigenvalues (PSD, and <= 1 for a marginal kernel); return them clipped."""
    xp = namespace(eigenvalues)
    tol = eigen_tolerance(eigenvalues, eigenvalues.shape[0])
    scale = max(1.0, float(xp.max(xp.abs(eigenvalues))))
    lo = float(xp.min(eigenvalues))
    if lo < -tol * scale:
        raise ValueError(f"{name} must be positive semi-definite, got smallest eigenvalue {lo:.3g}")
    if marginal:
        hi = float(xp.max(eigenvalues))
        if hi > 1.0 + tol:
            raise ValueError(
                f"{name} is a marginal kernel and needs eigenvalues in [0, 1], "
                f"got largest eigenvalue {hi:.6g}"
            )
        return xp.clip(eigenvalues, 0.0, 1.0)
    return xp.clip(eigenvalues, 0.0, None)


def symmetric_eig(A, name, *, marginal):
    """Validated eigendecomposition ``(eigenvalues, eigenvectors)`` of a DPP kernel."""
    A = as_square_symmetric(A, name)
    xp = namespace(A)
    lam, vecs = xp.linalg.eigh((A + A.T) / 2)
    return check_spectrum(lam, name, marginal=marginal), vecs


def check_eig(eig, name, *, marginal):
    """Validate a user-given eigendecomposition ``(eigenvalues (N,), eigenvectors (N, N'))``."""
    if not isinstance(eig, (tuple, list)) or len(eig) != 2:
        raise TypeError(f"{name} must be a pair (eigenvalues, eigenvectors)")
    lam, vecs = eig
    # the eigenvectors are checked column by column where used (finite, orthonormal),
    # so a cached decomposition is not rescanned in O(N^2) on every call
    xp, (lam, vecs) = asarrays(lam, vecs)
    vecs = as_float_matrix(vecs, f"{name}[1] (eigenvectors)", check=False)
    check_ndim(lam, f"{name}[0] (eigenvalues)", 1)
    check_real_dtype(lam, f"{name}[0] (eigenvalues)")
    if not xp.isdtype(lam.dtype, "real floating"):
        lam = xp.astype(lam, xp.float64)
    check_finite(lam, f"{name}[0] (eigenvalues)")
    if lam.shape[0] != vecs.shape[1] or lam.shape[0] == 0:
        raise ValueError(
            f"{name}: {lam.shape[0]} eigenvalues for eigenvectors of shape {vecs.shape}"
        )
    return check_spectrum(lam, name, marginal=marginal), vecs


def _probes(r, xp, like):
    j = xp.arange(r, dtype=like.dtype)
    return xp.stack([xp.cos(1.7 * j + 0.3), xp.sin(0.61 * j * j + 1.1)], axis=1)


def check_orthonormal_columns(V, name):
    """Raise unless ``V^T V = I`` (checked on two fixed probe vectors, O(N r))."""
    xp = namespace(V)
    n, r = V.shape
    if r == 0 or r > n:
        raise ValueError(f"{name} must have 1 <= r <= N columns, got shape {V.shape}")
    Z = _probes(r, xp, V)
    err = float(xp.max(xp.linalg.vector_norm(V.T @ (V @ Z) - Z, axis=0)))
    scale = float(xp.max(xp.linalg.vector_norm(Z, axis=0)))
    if not err <= max(ORTHONORMAL_TOL, 100 * n * eps(V)) * scale:
        raise ValueError(
            f"{name} must have orthonormal columns (V^T V = I), got relative error "
            f"{err / scale:.3g}; orthonormalise it first, e.g. with numpy.linalg.qr"
        )
    return V


def rank_tolerance(eigenvalues, n):
    """Eigenvalues below this are numerically zero: ``n * eps * max eigenvalue``.

    ``eps`` is the machine epsilon of the dtype of ``eigenvalues``: the
    accuracy of a symmetric eigensolver in that precision.
    """
    xp = namespace(eigenvalues)
    top = float(xp.max(eigenvalues)) if eigenvalues.shape[0] else 0.0
    return max(n, 1) * eps(eigenvalues) * top


def check_size(size):
    """``None`` or a positive integer number of samples."""
    return None if size is None else check_int(size, "size", minimum=1)
