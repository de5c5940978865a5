"""gpu.scan: grid order, spawned streams, and the same results on every executor."""

import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from gpu.backend import spawn
from gpu.scan import grid_product, scan


def draw(params, rng):
    """A stochastic grid function: depends on the parameters and the stream."""
    return float(params["scale"] * rng.standard_normal() + params["shift"])


GRID = {"scale": [1.0, 10.0], "shift": [0.0, 5.0, -5.0]}


def expected(seed):
    points = grid_product(GRID)
    return [draw(p, g) for p, g in zip(points, spawn(seed, len(points)), strict=True)]


def test_in_process_uses_one_spawned_stream_per_point():
    assert scan(draw, GRID, rng=123, progress=False) == expected(123)
    assert scan(draw, GRID, rng=123, progress=False) != scan(draw, GRID, rng=124, progress=False)


def test_grid_order_with_list_grid():
    out = scan(lambda p, rng: p, [3, 1, 2], rng=0, progress=False)
    assert out == [3, 1, 2]


def test_thread_and_process_pools_match_in_process():
    want = expected(7)
    with ThreadPoolExecutor(2) as ex:
        assert scan(draw, GRID, rng=7, executor=ex, progress=False) == want
    with ProcessPoolExecutor(2) as ex:
        assert scan(draw, GRID, rng=7, executor=ex, progress=False) == want


def test_dask_local_cluster_matches_in_process():
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    # Test modules are imported under --import-mode=importlib and are not
    # importable by name in the workers: ship this module's functions by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            ex = client.get_executor()
            assert scan(draw, GRID, rng=7, executor=ex, progress=False) == expected(7)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_generator_parent_is_accepted():
    out = scan(draw, GRID, rng=np.random.default_rng(5), progress=False)
    assert len(out) == 6


def failing(params, rng):
    if params == 2:
        raise ArithmeticError("boom")
    return params


@pytest.mark.parametrize("executor", [None, "threads"])
def test_failure_names_the_grid_point(executor):
    ex = ThreadPoolExecutor(2) if executor == "threads" else None
    try:
        with pytest.raises(ArithmeticError, match="boom") as info:
            scan(failing, [0, 1, 2, 3], rng=0, executor=ex, progress=False)
        assert type(info.value) is ArithmeticError
        assert info.value.__notes__ == ["scan: fn failed at grid point 2 (params=2)"]
    finally:
        if ex is not None:
            ex.shutdown()


def test_bad_arguments_are_clear():
    with pytest.raises(TypeError, match="fn must be callable"):
        scan(3, [1], rng=0)
    with pytest.raises(TypeError, match="grid must be an iterable"):
        scan(draw, 5, rng=0)
    with pytest.raises(TypeError, match="grid must be an iterable"):
        scan(draw, "abc", rng=0)
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor"):
        scan(draw, [1], rng=0, executor=object())
    with pytest.raises(TypeError, match="progress must be a bool"):
        scan(draw, [1], rng=0, progress="yes")
    with pytest.raises(TypeError, match="rng must be"):
        scan(draw, [1], rng=1.5)
    with pytest.raises(TypeError, match="grid axis 'a' must be an iterable"):
        scan(draw, {"a": 3}, rng=0)
