"""The numba.cuda merge kernel, run under the CUDA simulator, against POT's 1-D solver."""

import numpy as np
import pytest

from transport._kernels.merge_cuda import merge_wpp

ot = pytest.importorskip("ot")  # the reference; absent on some GPU images


def _sorted_rows(rng, rows, n, weighted):
    values = np.sort(rng.standard_normal((rows, n)), axis=1)
    values[:, 1] = values[:, 0]  # a tie inside every row
    weights = rng.random((rows, n)) if weighted else np.empty((rows, 0))
    return values, weights


@pytest.mark.parametrize("p", [1.0, 2.0, 1.5])
@pytest.mark.parametrize("weighted", [(True, True), (False, True), (False, False)])
def test_matches_pot(p, weighted):
    rng = np.random.default_rng(1)
    u, uw = _sorted_rows(rng, 3, 5, weighted[0])
    v, vw = _sorted_rows(rng, 3, 4, weighted[1])
    got = merge_wpp(u, uw, v, vw, p)
    for b in range(3):
        a = uw[b] / uw[b].sum() if weighted[0] else None
        c = vw[b] / vw[b].sum() if weighted[1] else None
        assert got[b] == pytest.approx(ot.wasserstein_1d(u[b], v[b], a, c, p=p), rel=1e-12)


def test_zero_weights_and_empty_batch():
    u = np.array([[0.0, 1.0, 2.0]])
    uw = np.array([[0.5, 0.0, 0.5]])
    v = np.array([[1.0]])
    got = merge_wpp(u, uw, v, np.empty((1, 0)), 2.0)
    assert got[0] == pytest.approx(1.0, rel=1e-15)
    out = merge_wpp(np.zeros((0, 2)), np.empty((0, 0)), np.zeros((0, 3)), np.empty((0, 0)), 1.0)
    assert out.shape == (0,)
