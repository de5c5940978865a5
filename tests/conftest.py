"""Test-suite wiring shared by every package's tests.

* ``tests/cudasim/`` holds the numba.cuda kernel tests. They need
  ``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported, so they run in their
  own pytest process (see ``.ci/run``) and are skipped from the main run.
* ``@pytest.mark.gpu`` marks tests that need a real CUDA device; they are
  skipped unless :func:`gpu.backend.has_gpu` is true (CuPy imports *and* a
  device is usable).
"""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CUDASIM = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def pytest_ignore_collect(collection_path, config):
    if not CUDASIM and collection_path == HERE / "cudasim":
        return True
    return None


def pytest_collection_modifyitems(config, items):
    from gpu.backend import has_gpu

    if has_gpu():
        return
    skip = pytest.mark.skip(reason="needs a usable CUDA device (cupy.cuda.is_available())")
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)
