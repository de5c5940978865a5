"""Issue 17 (item 7): the fast-math reduction refuses NaN; half precision is float32."""

import numpy as np
import pytest

from gpu import row_mean_abs_diff_pow
from gpu.backend import namespace, result_float_dtype


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_are_refused_naming_the_argument(bad):
    a = np.array([[bad, 1.0], [0.0, 2.0]])
    with pytest.raises(ValueError, match="a must be finite"):
        row_mean_abs_diff_pow(a, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="b must be finite"):
        row_mean_abs_diff_pow(np.zeros((2, 2)), a)


def test_half_precision_is_reduced_in_float32_and_promoted_by_the_house_rule():
    a = np.array([[1.0, 3.0]], dtype=np.float16)
    b = np.array([[0.0, 1.0]], dtype=np.float16)
    np.testing.assert_allclose(row_mean_abs_diff_pow(a, b, 2.0), [2.5])
    xp = namespace(a)
    assert result_float_dtype(xp, a) == np.float32
    assert result_float_dtype(xp, a, np.ones(1)) == np.float64
