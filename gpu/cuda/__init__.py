"""numba.cuda kernels and their launch wrappers.

Modules here import ``numba.cuda`` at import time, so nothing outside
:mod:`gpu` imports them eagerly; public wrappers import them only when a CuPy
array arrives. Every kernel is tested on the CPU under the CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) by ``tests/gpu/``.
"""
