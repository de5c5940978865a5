"""The CUDA-simulator run: every numba.cuda kernel, executed on the CPU.

Run as ``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/gpu``. The variable must
be set before numba is first imported, hence a separate pytest process. Without
it this run stops with an error instead of silently testing nothing.
"""

import os

import pytest


def pytest_configure(config):
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        raise pytest.UsageError(
            "tests/gpu must run under the CUDA simulator: "
            "NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/gpu"
        )
    from numba import config as numba_config

    if not numba_config.ENABLE_CUDASIM:
        raise pytest.UsageError("numba was imported before NUMBA_ENABLE_CUDASIM=1 took effect")


@pytest.fixture(autouse=True)
def _simulator_active():
    """Fail (not skip) any kernel test that would not run on the simulator."""
    import numpy as np
    from numba import cuda

    probe = cuda.to_device(np.zeros(1))
    assert type(probe).__module__.startswith("numba.cuda.simulator"), type(probe)
