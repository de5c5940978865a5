"""gpu.validate argument checks and gpu.records JSON conversion."""

import dataclasses
import json

import numpy as np
import pytest

from gpu.records import Record, json_safe
from gpu.validate import (
    check_choice,
    check_finite,
    check_int,
    check_ndim,
    check_real,
    check_weights,
)


def test_check_int():
    assert check_int(np.int64(4), "k", minimum=1) == 4
    with pytest.raises(TypeError, match="k must be an integer"):
        check_int(2.0, "k")
    with pytest.raises(TypeError, match="k must be an integer"):
        check_int(True, "k")
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        check_int(0, "k", minimum=1)


def test_check_real():
    with pytest.raises(ValueError, match=r"delta must be < 1"):
        check_real(1.0, "delta", low=0, high=1, high_inclusive=False)
    with pytest.raises(ValueError, match="lam must be finite"):
        check_real(float("nan"), "lam")
    with pytest.raises(TypeError, match="lam must be a real number"):
        check_real("1", "lam")


def test_check_finite_ndim_choice():
    with pytest.raises(ValueError, match="X must be finite, got 2"):
        check_finite(np.array([np.inf, 1.0, np.nan]), "X")
    with pytest.raises(ValueError, match="X must be 2-D"):
        check_ndim(np.zeros(3), "X", 2)
    with pytest.raises(ValueError, match="kind must be one of"):
        check_choice("x", "kind", ("mc", "qmc"))


def test_check_weights():
    check_weights(np.ones((2, 3)), "a", n=3)
    with pytest.raises(ValueError, match="non-negative"):
        check_weights(np.array([1.0, -0.1]), "a")
    with pytest.raises(ValueError, match="positive total"):
        check_weights(np.zeros(3), "a")
    with pytest.raises(ValueError, match="length 4"):
        check_weights(np.ones(3), "a", n=4)


@dataclasses.dataclass(frozen=True)
class _Demo(Record):
    value: float
    vector: np.ndarray


def test_record_to_dict_is_json_safe_and_frozen():
    r = _Demo(value=np.float32(1.5), vector=np.array([1.0, np.inf]))
    d = r.to_dict()
    assert d == {"value": 1.5, "vector": [1.0, None]}
    json.dumps(d, allow_nan=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.value = 2.0
    assert json_safe({"c": 1 + 2j}) == {"c": {"real": 1.0, "imag": 2.0}}
