"""Array backend: the namespace of the inputs, device moves and random streams.

Every public solver in linproj is written once against the array namespace of
its inputs (NumPy, CuPy, or any array-API library wrapped by
``array-api-compat``), so the NumPy path exercised on CPU-only machines is the
same code CuPy runs on a GPU. CuPy is never imported by this module until an
array or a device request needs it.

Randomness follows SPEC 7: stochastic functions take ``rng`` as ``None``, an
``int`` or a :class:`numpy.random.Generator`. Draws are made on the host with
NumPy's generator and then placed on the device of a reference array, so the
same seed gives the same numbers on every device.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Sequence
from typing import Any, Literal

import array_api_compat
import numpy as np

__all__ = [
    "namespace",
    "asarrays",
    "result_float_dtype",
    "power_of_two_scale",
    "is_half",
    "to_numpy",
    "to_device",
    "has_gpu",
    "as_generator",
    "spawn",
    "asarray_like",
    "standard_normal",
    "uniform",
    "library_name",
    "is_cupy",
]

Device = Literal["cpu", "gpu", "auto"]


def library_name(x: Any) -> str:
    """Name of the array library that owns ``x`` (``"numpy"``, ``"cupy"``, ...).

    Parameters
    ----------
    x : array
        Any array object.

    Returns
    -------
    str
        The top-level module of the array's type, for example ``"numpy"``,
        ``"cupy"`` or ``"array_api_strict"``.
    """
    return type(x).__module__.split(".", 1)[0]


def namespace(*arrays: Any):
    """Return the array-API namespace shared by ``arrays``.

    Only array objects decide the namespace: ``None``, Python scalars, lists,
    tuples and other array-likes are ignored, so optional arguments and
    array-likes can be passed through unchanged (convert them with
    :func:`asarrays`).

    Parameters
    ----------
    *arrays : array, array_like or None
        NumPy, CuPy or other array-API arrays.

    Returns
    -------
    module
        The ``array_api_compat`` wrapper of the common namespace (NumPy when no
        array is given).

    Raises
    ------
    TypeError
        If the inputs come from different array libraries, for example NumPy
        and CuPy arrays in one call; the message names both libraries.

    Examples
    --------
    >>> import numpy as np
    >>> namespace(np.ones(3), None).__name__
    'array_api_compat.numpy'
    """
    arrs = [a for a in arrays if _is_array(a)]
    if not arrs:
        return array_api_compat.array_namespace(np.empty(0))
    libs = {}
    for position, a in enumerate(arrs):
        libs.setdefault(library_name(a), position)
    if len(libs) > 1:
        names = " and ".join(sorted(libs))
        raise TypeError(
            f"inputs mix arrays from different libraries ({names}); move them to one "
            "device first, e.g. with gpu.backend.to_device(x, 'cpu')"
        )
    try:
        return array_api_compat.array_namespace(*arrs)
    except TypeError as exc:
        raise TypeError(f"unsupported array type {type(arrs[0]).__name__}: {exc}") from exc


#: Python and NumPy objects that are array-likes to convert, never array libraries.
_ARRAY_LIKES = (int, float, complex, bool, np.generic, list, tuple, range)


def _is_array(x: Any) -> bool:
    """False for ``None``, scalars, lists and tuples; True for anything else (array objects)."""
    return x is not None and not isinstance(x, _ARRAY_LIKES)


def asarrays(*values: Any, names: Sequence[str] | None = None):
    """The common namespace of ``values`` and each value as an array in it.

    Arrays fix the namespace and device (as in :func:`namespace`); lists,
    tuples and scalars are converted with ``xp.asarray`` onto that device
    (NumPy when no argument is an array), the way NumPy and SciPy accept
    array-likes. ``None`` passes through unchanged.

    Parameters
    ----------
    *values : array, array_like or None
    names : sequence of str, optional
        The argument name of each value, used to prefix a conversion error.

    Returns
    -------
    xp : module
        The array-API namespace.
    arrays : tuple
        ``values`` as arrays of ``xp`` (``None`` kept).

    Raises
    ------
    TypeError
        If the arrays come from different libraries, or an array-like cannot
        be converted to a numeric array.

    Examples
    --------
    >>> import numpy as np
    >>> xp, (a, b, c) = asarrays([0.0, 1.0], np.ones(2), None)
    >>> type(a).__name__, type(b).__name__, c
    ('ndarray', 'ndarray', None)
    """
    xp = namespace(*values)
    reference = next((v for v in values if _is_array(v)), None)
    device = None if reference is None else array_api_compat.device(reference)
    out = []
    for i, v in enumerate(values):
        if v is None or _is_array(v):
            out.append(v)
            continue
        prefix = "" if names is None else f"{names[i]}: "
        try:
            host = np.asarray(v)
        except (ValueError, TypeError) as exc:
            raise TypeError(
                f"{prefix}cannot convert {type(v).__name__} to an array: {exc}"
            ) from exc
        if host.dtype == object or host.dtype.kind in "USV":
            raise TypeError(f"{prefix}expected numbers, got an array-like of dtype {host.dtype}")
        out.append(host if reference is None else xp.asarray(host, device=device))
    return xp, tuple(out)


def is_half(x: Any) -> bool:
    """Whether array ``x`` holds float16 (libraries without that dtype never do).

    Examples
    --------
    >>> import numpy as np
    >>> is_half(np.ones(1, np.float16)), is_half(np.ones(1))
    (True, False)
    """
    return str(x.dtype) == "float16"


def result_float_dtype(xp, *arrays: Any):
    """The floating dtype linproj returns for ``arrays``: one rule for every function.

    The result takes the promoted dtype of the real floating inputs, so
    float32 stays float32 and anything mixed with float64 gives float64;
    integer and boolean inputs count as float64 (as in SciPy), and float16
    counts as float32 (Numba kernels and LAPACK have no half-precision
    arithmetic, so half inputs are computed, and returned, in float32).
    Kernels may accumulate in float64 internally; the returned values are
    cast to this dtype. ``None`` entries are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> xp = namespace(np.ones(1))
    >>> result_float_dtype(xp, np.ones(2, np.float32), np.ones(2, np.float32))
    dtype('float32')
    >>> result_float_dtype(xp, np.ones(2, np.float32), np.arange(2))
    dtype('float64')
    >>> result_float_dtype(xp, np.ones(2, np.float16))
    dtype('float32')
    """
    dtypes = [
        (xp.float32 if is_half(a) else a.dtype)
        if xp.isdtype(a.dtype, "real floating")
        else xp.float64
        for a in arrays
        if a is not None
    ]
    if not dtypes:
        return xp.float64
    return xp.result_type(*dtypes)


def power_of_two_scale(xp, *arrays: Any) -> float:
    """``2**e`` with ``2**(e - 1) <= max |a| < 2**e`` over ``arrays`` (None ignored), or 1.0.

    Dividing by it is exact (it only shifts exponents), so scale-invariant or
    homogeneous computations rescale their inputs by it to stay inside the
    float range. All-zero or non-finite inputs give 1.0.

    Examples
    --------
    >>> import numpy as np
    >>> xp = namespace(np.ones(1))
    >>> power_of_two_scale(xp, np.array([3.0, -0.5]), None), power_of_two_scale(xp, np.zeros(2))
    (4.0, 1.0)
    """
    largest = max(float(xp.max(xp.abs(a))) for a in arrays if a is not None)
    # Capped at 2**1023 (2**1024 is not a float64): inputs of magnitude 2**1023 and
    # above are brought into [0.5, 2).
    return math.ldexp(1.0, min(math.frexp(largest)[1], 1023))


def to_numpy(x: Any) -> np.ndarray:
    """Move an array to a NumPy array on the host.

    Parameters
    ----------
    x : array_like
        A NumPy, CuPy or array-API array, or anything :func:`numpy.asarray`
        accepts.

    Returns
    -------
    numpy.ndarray
        ``x`` itself when it already is a NumPy array.
    """
    if isinstance(x, np.ndarray):
        return x
    if library_name(x) == "cupy":
        return x.get()
    if hasattr(x, "__dlpack__") and not isinstance(x, np.generic):
        try:
            return np.from_dlpack(x)
        except (TypeError, RuntimeError, BufferError):
            pass
    return np.asarray(x)


@functools.cache
def has_gpu() -> bool:
    """Whether a CUDA device is usable through CuPy.

    True only when CuPy imports *and* reports a working device
    (``cupy.cuda.is_available()``); an installed CuPy without a driver or a
    device gives False.
    """
    try:
        import cupy
    except Exception:
        return False
    try:
        return bool(cupy.cuda.is_available())
    except Exception:
        return False


def _cupy():
    if not has_gpu():
        raise RuntimeError(
            "device='gpu' needs CuPy and a usable CUDA device; install with "
            "`pip install -e .[gpu]` on a machine with an NVIDIA GPU"
        )
    import cupy

    return cupy


def to_device(x: Any, device: Device = "auto"):
    """Place an array on ``"cpu"`` (NumPy) or ``"gpu"`` (CuPy).

    Parameters
    ----------
    x : array_like
        The array to move.
    device : {"cpu", "gpu", "auto"}
        ``"auto"`` picks the GPU when :func:`has_gpu` is true, else the CPU.

    Returns
    -------
    array
        A NumPy array for ``"cpu"``, a CuPy array for ``"gpu"``.

    Raises
    ------
    ValueError
        If ``device`` is not one of the three names.
    RuntimeError
        If ``device="gpu"`` and no usable GPU is present.
    """
    if device not in ("cpu", "gpu", "auto"):
        raise ValueError(f"device must be 'cpu', 'gpu' or 'auto', got {device!r}")
    if device == "auto":
        device = "gpu" if has_gpu() else "cpu"
    if device == "cpu":
        return to_numpy(x)
    cupy = _cupy()
    if library_name(x) == "cupy":
        return x
    return cupy.asarray(to_numpy(x))


def as_generator(rng: None | int | np.random.Generator | np.random.SeedSequence = None):
    """Normalise ``rng`` to a :class:`numpy.random.Generator` (SPEC 7).

    Parameters
    ----------
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        ``None`` draws fresh OS entropy; an ``int`` or ``SeedSequence`` seeds a
        new PCG64 generator; a ``Generator`` is returned unchanged.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For any other type, including the legacy ``RandomState`` and ``bool``.
    ValueError
        For a negative integer seed.

    Examples
    --------
    >>> int(as_generator(0).integers(10)) == int(as_generator(0).integers(10))
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)):
        raise TypeError(
            f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be non-negative, got {rng}")
    return np.random.default_rng(int(rng))


def spawn(rng: None | int | np.random.Generator | np.random.SeedSequence, n: int):
    """Return ``n`` independent child generators of ``rng``.

    Children come from :meth:`numpy.random.SeedSequence.spawn`, so they are
    statistically independent and the ``i``-th child of a given integer seed
    is always the same stream.

    Parameters
    ----------
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The parent. A ``Generator`` parent advances its spawn counter, as
        :meth:`numpy.random.Generator.spawn` does.
    n : int
        Number of children, ``n >= 0``.

    Returns
    -------
    list of numpy.random.Generator

    Raises
    ------
    TypeError, ValueError
        For a bad ``rng`` (see :func:`as_generator`) or a negative or
        non-integer ``n``.

    Examples
    --------
    >>> a = spawn(7, 3)[2].random()
    >>> b = spawn(7, 3)[2].random()
    >>> a == b
    True
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if isinstance(rng, np.random.SeedSequence):
        return [np.random.default_rng(s) for s in rng.spawn(int(n))]
    return as_generator(rng).spawn(int(n))


def asarray_like(x: Any, like: Any = None, dtype: Any = None):
    """Place host data ``x`` in the namespace and on the device of ``like``.

    Parameters
    ----------
    x : array_like
        Host data (typically a NumPy array drawn by a NumPy generator).
    like : array or None
        Reference array; ``None`` keeps the result in NumPy.
    dtype : dtype, optional
        Target dtype, in the namespace of ``like``.

    Returns
    -------
    array
    """
    if like is None or isinstance(like, np.ndarray):
        return np.asarray(x, dtype=dtype)
    xp = namespace(like)
    return xp.asarray(to_numpy(x), dtype=dtype, device=array_api_compat.device(like))


def _float_dtype(like: Any, dtype: Any):
    if dtype is not None:
        return dtype
    if like is not None and hasattr(like, "dtype"):
        xp = namespace(like)
        if xp.isdtype(like.dtype, "real floating"):
            return like.dtype
    return None


def standard_normal(
    rng: None | int | np.random.Generator,
    shape: int | Sequence[int],
    *,
    like: Any = None,
    dtype: Any = None,
):
    """Standard normal draws made on the host and placed beside ``like``.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        Source of randomness (see :func:`as_generator`).
    shape : int or tuple of int
        Output shape.
    like : array, optional
        Reference array whose namespace and device the result takes; its
        dtype is used when it is a real floating dtype and ``dtype`` is None.
    dtype : dtype, optional
        Output dtype (default float64, or the floating dtype of ``like``).

    Returns
    -------
    array
    """
    draws = as_generator(rng).standard_normal(shape)
    return asarray_like(draws, like, _float_dtype(like, dtype))


def uniform(
    rng: None | int | np.random.Generator,
    shape: int | Sequence[int],
    *,
    low: float = 0.0,
    high: float = 1.0,
    like: Any = None,
    dtype: Any = None,
):
    """Uniform draws on ``[low, high)`` made on the host and placed beside ``like``.

    Parameters are as in :func:`standard_normal`, plus the interval bounds.
    """
    draws = as_generator(rng).uniform(low, high, shape)
    return asarray_like(draws, like, _float_dtype(like, dtype))


def is_cupy(x: Any) -> bool:
    """True when ``x`` is a CuPy array (checked without importing CuPy)."""
    return "cupy" in sys.modules and library_name(x) == "cupy"
