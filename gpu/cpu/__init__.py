"""Numba CPU kernels (private ``_name`` functions behind public wrappers).

Every kernel is compiled through :func:`gpu.cpu.jit.kernel`, which fixes
``cache=True`` and ``nogil=True`` and lets each kernel choose ``parallel`` and
``fastmath``.
"""
