"""The numba.cuda kernel run: every kernel, on the CUDA simulator or a real device.

CI runs ``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim``: the kernels
execute on the CPU. The variable must be set before numba is first imported,
hence a separate pytest process. Without it this run stops with an error
instead of silently testing nothing.

On a machine with an NVIDIA GPU the same tests run on the device with
``LINPROJ_CUDA_TESTS=device python -m pytest tests/cudasim``; that mode fails if no
CUDA device is usable.
"""

import os

import pytest

DEVICE_MODE = os.environ.get("LINPROJ_CUDA_TESTS") == "device"


def pytest_configure(config):
    if DEVICE_MODE:
        from numba import cuda

        if not cuda.is_available() or os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
            raise pytest.UsageError("LINPROJ_CUDA_TESTS=device needs a real CUDA device")
        return
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        raise pytest.UsageError(
            "tests/cudasim must run under the CUDA simulator: "
            "NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim "
            "(or on a GPU: LINPROJ_CUDA_TESTS=device python -m pytest tests/cudasim)"
        )
    from numba import config as numba_config

    if not numba_config.ENABLE_CUDASIM:
        raise pytest.UsageError("numba was imported before NUMBA_ENABLE_CUDASIM=1 took effect")


@pytest.fixture(autouse=True)
def _kernels_run_where_intended():
    """Fail (not skip) any kernel test that would not run on the intended target."""
    import numpy as np
    from numba import cuda

    probe = cuda.to_device(np.zeros(1))
    on_simulator = type(probe).__module__.startswith("numba.cuda.simulator")
    assert on_simulator != DEVICE_MODE, type(probe)
