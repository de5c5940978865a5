"""Numba kernels of the Coulomb-gas sampler (CPU ``gas``, numba.cuda twin ``gas_cuda``)."""
