"""Helpers shared by the numba.cuda launch wrappers."""

from __future__ import annotations

import types

from numba import cuda

from gpu.backend import is_cupy, library_name

THREADS_PER_BLOCK = 128


def to_device_array(x):
    """Wrap a CuPy array (zero-copy) or copy a NumPy array to the device."""
    if is_cupy(x):
        return cuda.as_cuda_array(x)
    if library_name(x) == "numpy":
        return cuda.to_device(x)
    raise TypeError(f"expected a NumPy or CuPy array, got {type(x).__name__}")


def like_input(device_array, reference):
    """Return ``device_array`` as a CuPy array when ``reference`` is CuPy, else on the host."""
    if is_cupy(reference):
        import cupy

        return cupy.asarray(device_array)
    return device_array.copy_to_host()


def device_functions(dispatchers):
    """Map each CPU kernel's name to a CUDA device function compiled from its source.

    The kernels of ``gpu.jit.kernel`` are written in the subset of Python that numba.cuda
    also compiles, so one source serves both targets. ``dispatchers`` must list callees
    before their callers: each is recompiled with the device functions made so far in its
    globals, so its calls resolve to them.
    """
    table = {}
    for dispatcher in dispatchers:
        py = dispatcher.py_func
        scope = dict(py.__globals__)
        scope.update(table)
        fn = types.FunctionType(py.__code__, scope, py.__name__, py.__defaults__, py.__closure__)
        table[py.__name__] = cuda.jit(device=True)(fn)
    return table


def on_device(x):
    """Numba device arrays pass through; CuPy is wrapped, NumPy copied (:func:`to_device_array`)."""
    return x if hasattr(x, "copy_to_host") else to_device_array(x)
