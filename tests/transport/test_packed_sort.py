"""Sorting weighted rows through packed float keys: exact order, weights carried along."""

import numpy as np
import pytest

from transport.one_d import sort_rows_with_weights


def _cases():
    rng = np.random.default_rng(0)
    yield "continuous", rng.standard_normal((40, 3000))
    yield "rounded ties and signed zeros", np.round(rng.standard_normal((40, 3000)), 1)
    yield "denormals and zeros", rng.choice([-0.0, 0.0, 1e-310, -1e-310, 5.0], (20, 500))
    # all values share their high bits: one long run per row, re-sorted exactly
    yield "near-equal run", 1.0 + 1e-13 * rng.random((3, 5000))
    yield "float32", rng.standard_normal((10, 700)).astype(np.float32)
    yield "single column", rng.standard_normal((4, 1))


@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("name, values", list(_cases()))
def test_sorted_values_and_weight_multisets(name, values, shared):
    rng = np.random.default_rng(1)
    n = values.shape[1]
    weights = rng.random((1, n)) if shared else rng.random(values.shape)
    out_v, out_w = sort_rows_with_weights(values, weights)
    np.testing.assert_array_equal(out_v, np.sort(values, axis=-1))
    full_w = np.broadcast_to(weights, values.shape)

    # Each distinct value carries exactly the weights of its copies (the order
    # among equal values is free: it changes no transport cost): compare the
    # (value, weight) pairs after ordering both by value, then weight.
    def pairs(v, w):
        order = np.lexsort((w, v + 0.0), axis=-1)  # + 0.0 merges -0.0 into 0.0
        return np.take_along_axis(v, order, -1), np.take_along_axis(w, order, -1)

    got_v, got_w = pairs(out_v, out_w)
    want_v, want_w = pairs(values, full_w)
    np.testing.assert_array_equal(got_v, want_v)
    np.testing.assert_array_equal(got_w, want_w)
