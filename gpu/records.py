"""Immutable result records shared by every linproj solver.

A function that returns more than one thing returns a frozen dataclass that
inherits from :class:`Record`: its fields are documented in the subclass's
docstring, and :meth:`Record.to_dict` gives a JSON-safe view (arrays become
nested lists on the host, NumPy scalars become Python numbers, NaN and
infinities become ``None``).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from gpu.backend import to_numpy

__all__ = ["Record", "json_safe"]


def json_safe(value: Any) -> Any:
    """Convert ``value`` recursively to JSON-safe Python objects.

    Arrays from any library are moved to the host and turned into lists;
    NumPy scalars become ``int``/``float``/``bool``; non-finite floats become
    ``None``; dataclasses and mappings become dicts; tuples and sets become
    lists.

    Examples
    --------
    >>> json_safe({"a": np.array([1.0, np.nan]), "b": np.int64(3)})
    {'a': [1.0, None], 'b': 3}
    """
    if isinstance(value, Record):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, (complex, np.complexfloating)):
        return {"real": json_safe(value.real), "imag": json_safe(value.imag)}
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return json_safe(to_numpy(value).tolist())
    return repr(value)


@dataclasses.dataclass(frozen=True)
class Record:
    """Base class of linproj's frozen result records."""

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-safe ``dict`` (see :func:`json_safe`)."""
        return {f.name: json_safe(getattr(self, f.name)) for f in dataclasses.fields(self)}
