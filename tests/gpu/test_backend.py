"""gpu.backend: namespaces, device moves, has_gpu and the SPEC 7 rng helpers."""

import sys
import types

import array_api_strict as xs
import numpy as np
import pytest

from gpu import backend
from gpu.backend import (
    as_generator,
    asarray_like,
    has_gpu,
    namespace,
    spawn,
    standard_normal,
    to_device,
    to_numpy,
    uniform,
)


def test_namespace_numpy_and_none():
    xp = namespace(np.ones(3), None, 2.0)
    assert xp.__name__ == "array_api_compat.numpy"
    assert namespace().__name__ == "array_api_compat.numpy"


def test_namespace_array_api_strict():
    xp = namespace(xs.asarray([1.0, 2.0]), xs.asarray([3.0]))
    assert xp is xs


def test_namespace_mixing_numpy_and_strict_names_both():
    with pytest.raises(TypeError, match=r"array_api_strict and numpy"):
        namespace(np.ones(2), xs.asarray([1.0]))


def test_namespace_mixing_numpy_and_cupy_names_both():
    # A stand-in whose type lives in a module called "cupy": the check must
    # reject the mix before any CuPy code is needed.
    fake_cupy_array = type("ndarray", (), {"__module__": "cupy._core.core"})()
    with pytest.raises(TypeError, match=r"cupy and numpy"):
        namespace(np.ones(2), fake_cupy_array)


def test_to_numpy_from_strict_and_numpy():
    x = np.arange(4.0)
    assert to_numpy(x) is x
    y = to_numpy(xs.asarray([1.0, 2.0]))
    assert isinstance(y, np.ndarray)
    np.testing.assert_array_equal(y, [1.0, 2.0])


def test_to_device_cpu_and_bad_name():
    out = to_device(xs.asarray([1.0]), "cpu")
    assert isinstance(out, np.ndarray)
    with pytest.raises(ValueError, match="device must be"):
        to_device(np.ones(1), "tpu")


@pytest.mark.skipif(has_gpu(), reason="checks the error raised when no GPU is usable")
def test_to_device_gpu_without_device_is_clear_error():
    with pytest.raises(RuntimeError, match="usable CUDA device"):
        to_device(np.ones(1), "gpu")
    assert isinstance(to_device(np.ones(1), "auto"), np.ndarray)


def test_has_gpu_false_when_cupy_imports_without_device(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(is_available=lambda: False)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    backend.has_gpu.cache_clear()
    try:
        assert backend.has_gpu() is False
        fake.cuda = types.SimpleNamespace(is_available=lambda: True)
        backend.has_gpu.cache_clear()
        assert backend.has_gpu() is True
    finally:
        backend.has_gpu.cache_clear()


def test_as_generator_accepts_spec7_inputs():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert as_generator(5).random() == np.random.default_rng(5).random()
    assert isinstance(as_generator(None), np.random.Generator)
    ss = np.random.SeedSequence(3)
    assert as_generator(ss).random() == np.random.default_rng(np.random.SeedSequence(3)).random()


@pytest.mark.parametrize("bad", [1.5, "7", True, np.random.RandomState(0), [1, 2]])
def test_as_generator_rejects_other_types(bad):
    with pytest.raises(TypeError, match="rng must be"):
        as_generator(bad)


def test_as_generator_rejects_negative_seed():
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)


def test_spawn_matches_seedsequence_and_is_reproducible():
    kids = spawn(11, 4)
    reference = [np.random.default_rng(s) for s in np.random.SeedSequence(11).spawn(4)]
    for k, r in zip(kids, reference, strict=True):
        assert k.random() == r.random()
    assert spawn(11, 4)[2].random() == spawn(11, 4)[2].random()
    draws = [k.random(8) for k in spawn(11, 4)]
    assert len({tuple(d) for d in draws}) == 4


def test_spawn_bad_n():
    with pytest.raises(ValueError, match="n must be >= 0"):
        spawn(0, -1)
    with pytest.raises(TypeError, match="n must be an int"):
        spawn(0, 2.0)


def test_host_draws_placed_like_reference():
    like = xs.asarray([0.0], dtype=xs.float32)
    z = standard_normal(3, (2, 5), like=like)
    assert namespace(z) is xs and z.dtype == xs.float32
    np.testing.assert_allclose(
        to_numpy(z), np.random.default_rng(3).standard_normal((2, 5)).astype(np.float32)
    )
    u = uniform(4, 6, low=-1.0, high=2.0)
    np.testing.assert_array_equal(u, np.random.default_rng(4).uniform(-1.0, 2.0, 6))
    assert asarray_like([1, 2], None).dtype.kind == "i"
