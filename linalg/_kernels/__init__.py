"""linalg's Numba kernels: private ``_name`` functions behind :mod:`linalg`'s public API.

``NAME.py`` holds CPU kernels compiled through :func:`gpu.jit.kernel`;
``NAME_cuda.py`` beside it holds the numba.cuda twin, imported only when a CuPy
array arrives (the only modules here that import ``numba.cuda``).
"""
