"""The CuPy path (real GPU only): every public function against its NumPy result."""

import numpy as np
import pytest

import transport

pytestmark = pytest.mark.gpu


@pytest.fixture
def cp():
    return pytest.importorskip("cupy")


def _clouds(rng, n, m, d):
    return rng.standard_normal((n, d)), rng.standard_normal((m, d)) * 1.3 + 0.4


@pytest.mark.parametrize("sizes", [(300, 300), (300, 170)])
@pytest.mark.parametrize("weighted", [False, True])
def test_sliced_matches_numpy(cp, rng, simplex, sizes, weighted):
    X, Y = _clouds(rng, *sizes, 5)
    a, b = (simplex(rng, sizes[0]), simplex(rng, sizes[1])) if weighted else (None, None)
    theta = transport.random_directions(5, 64, rng=0)
    expected = transport.sliced_wasserstein(X, Y, a, b, projections=theta, p=1.5)
    on_gpu = [None if z is None else cp.asarray(z) for z in (X, Y, a, b, theta)]
    got = transport.sliced_wasserstein(*on_gpu[:4], projections=on_gpu[4], p=1.5)
    assert isinstance(got, cp.ndarray)
    assert float(got) == pytest.approx(expected, rel=1e-10)
    drawn = transport.sliced_wasserstein(*on_gpu[:4], n_projections=32, directions="qmc", rng=3)
    host = transport.sliced_wasserstein(X, Y, a, b, n_projections=32, directions="qmc", rng=3)
    assert float(drawn) == pytest.approx(host, rel=1e-10)


def test_wasserstein_1d_batched_weighted(cp, rng):
    u, v = rng.standard_normal((4, 50)), rng.standard_normal((4, 33))
    uw, vw = rng.random((4, 50)), rng.random((4, 33))
    uw /= uw.sum(-1, keepdims=True)
    vw /= vw.sum(-1, keepdims=True)
    expected = transport.wasserstein_1d(u, v, uw, vw, p=2)
    got = transport.wasserstein_1d(*(cp.asarray(z) for z in (u, v, uw, vw)), p=2)
    assert isinstance(got, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(got), expected, rtol=1e-10)


def test_matrix_gsw_circle_max_sliced(cp, rng, simplex):
    clouds = [rng.standard_normal((k, 3)) + i for i, k in enumerate((40, 40, 25))]
    theta = transport.random_directions(3, 16, rng=1)
    expected = transport.sliced_wasserstein_matrix(clouds, projections=theta)
    got = transport.sliced_wasserstein_matrix(
        [cp.asarray(c) for c in clouds], projections=cp.asarray(theta)
    )
    np.testing.assert_allclose(cp.asnumpy(got), expected, rtol=1e-10)
    X, Y = clouds[0], clouds[2]
    for kind in ("polynomial", "circular"):
        host = transport.generalized_sliced_wasserstein(X, Y, defining_function=kind, rng=2)
        dev = transport.generalized_sliced_wasserstein(
            cp.asarray(X), cp.asarray(Y), defining_function=kind, rng=2
        )
        assert float(dev) == pytest.approx(host, rel=1e-10)
    x, y = rng.random(60), rng.random(45)
    got = transport.wasserstein_circle(cp.asarray(x), cp.asarray(y), p=2)
    assert isinstance(got, cp.ndarray)
    assert float(got) == transport.wasserstein_circle(x, y, p=2)
    res = transport.max_sliced_wasserstein(cp.asarray(X), cp.asarray(Y), rng=0)
    assert isinstance(res.direction, cp.ndarray)
    assert res.value == transport.max_sliced_wasserstein(X, Y, rng=0).value


def test_cuda_merge_kernel_on_device(cp, rng):
    from transport._kernels.merge import _merge_wpp
    from transport._kernels.merge_cuda import merge_wpp

    u = np.sort(rng.standard_normal((300, 257)), axis=1)
    v = np.sort(rng.standard_normal((300, 129)), axis=1)
    uw, vw = rng.random((300, 257)), rng.random((300, 129))
    expected = _merge_wpp(u, uw, v, vw, 2.0)
    got = merge_wpp(*(cp.asarray(z) for z in (u, uw, v, vw)), 2.0)
    np.testing.assert_allclose(cp.asnumpy(got), expected, rtol=1e-11)
