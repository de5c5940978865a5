"""The numba.cuda row reduction, run under the CUDA simulator, against NumPy."""

import numpy as np
import pytest

from gpu._kernels.reductions_cuda import row_mean_abs_diff_pow


@pytest.mark.parametrize("p", [1.0, 2.0, 1.5, 3.0])
@pytest.mark.parametrize("shape", [(3, 1), (4, 130), (2, 257)])
def test_matches_numpy(shape, p):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    b = rng.standard_normal(shape)
    expected = np.mean(np.abs(a - b) ** p, axis=1)
    np.testing.assert_allclose(row_mean_abs_diff_pow(a, b, p), expected, rtol=1e-12)


def test_empty_batch():
    out = row_mean_abs_diff_pow(np.zeros((0, 4)), np.zeros((0, 4)), 2.0)
    assert out.shape == (0,)
