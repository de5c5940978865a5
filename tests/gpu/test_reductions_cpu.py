"""The Numba CPU row reduction against NumPy, and its argument checks."""

import array_api_strict as xs
import numpy as np
import pytest

from gpu import row_mean_abs_diff_pow
from gpu.backend import to_numpy


@pytest.mark.parametrize("p", [1, 2, 1.5, 3.25])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 1000)])
def test_matches_numpy(shape, p):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    np.testing.assert_allclose(
        row_mean_abs_diff_pow(a, b, p), np.mean(np.abs(a - b) ** p, axis=1), rtol=1e-12
    )


def test_float32_and_strided_inputs():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((10, 40)).astype(np.float32)[:, ::2]
    b = rng.standard_normal((10, 40)).astype(np.float32)[:, 1::2]
    expected = np.mean(np.abs(a.astype(np.float64) - b) ** 2, axis=1)
    np.testing.assert_allclose(row_mean_abs_diff_pow(a, b, 2), expected, rtol=1e-5)


def test_array_api_strict_path():
    a = xs.asarray([[0.0, 1.0], [2.0, 2.0]])
    b = xs.asarray([[1.0, 3.0], [2.0, 0.0]])
    out = row_mean_abs_diff_pow(a, b, 2)
    np.testing.assert_allclose(to_numpy(out), [2.5, 2.0])


def test_bad_arguments():
    a = np.zeros((2, 3))
    with pytest.raises(ValueError, match="equal shapes"):
        row_mean_abs_diff_pow(a, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="at least one column"):
        row_mean_abs_diff_pow(np.zeros((2, 0)), np.zeros((2, 0)))
    with pytest.raises(ValueError, match="p must be > 0"):
        row_mean_abs_diff_pow(a, a, 0)
    with pytest.raises(TypeError, match="real floating"):
        row_mean_abs_diff_pow(np.zeros((2, 3), int), np.zeros((2, 3), int))
