"""The generic Numba reductions behind :mod:`gpu.reductions` (CPU) and their numba.cuda twins.

Family-specific kernels live beside their family (``transport/_kernels``,
``linalg/_kernels``, ``bandits/_kernels``); only ``*_cuda.py`` modules import
``numba.cuda``.
"""
