"""Unbiased stochastic quantisation of vectors onto a uniform grid, with exact bit counts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpu.backend import as_generator
from gpu.records import Record
from gpu.validate import check_choice, check_int, check_real

CODES = ("unary", "fixed")


@dataclass(frozen=True)
class QuantizedMessage(Record):
    """A quantised message from :func:`stochastic_quantize`.

    Attributes
    ----------
    values : numpy.ndarray, shape (..., d)
        Decoded values, on the grid ``-radius + step * indices``.
    indices : numpy.ndarray of int64, shape (..., d)
        Grid index of every coordinate, in ``0 .. levels - 1``.
    levels : int
        Number of grid points per coordinate (odd, so 0 is on the grid).
    step : float
        Grid spacing ``2 radius / (levels - 1)``.
    bits : numpy.ndarray of int64, shape (...)
        Exact length in bits of each encoded message (see :func:`message_bits`).
    """

    values: Any
    indices: Any
    levels: int
    step: float
    bits: Any


def grid_levels(radius: float, resolution: float, d: int) -> int:
    r"""Odd number of grid points per coordinate so that the l2 error is at most ``resolution``.

    The grid on :math:`[-r, r]` has :math:`L = 2h + 1` points with
    :math:`h = \lceil r\sqrt d / \alpha\rceil`, so the spacing :math:`r / h` is at
    most :math:`\alpha/\sqrt d` and the rounding error of a d-vector is at most
    :math:`\alpha` in l2 (Salgia and Zhao, ICML 2023, Sec. 4, quantiser of
    resolution :math:`\alpha`).

    Examples
    --------
    >>> grid_levels(1.0, 0.5, 4)
    9
    """
    radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    resolution = check_real(resolution, "resolution", low=0.0, low_inclusive=False)
    d = check_int(d, "d", minimum=1)
    half = math.ceil(radius * math.sqrt(d) / resolution)
    return 2 * max(half, 1) + 1


def levels_for_bits(bits: int, d: int) -> int:
    """Largest odd grid whose fixed-length code fits a budget of ``bits`` for a d-vector.

    Each coordinate gets ``b = bits // d`` bits; the grid has ``2^b - 1`` points
    (odd, so 0 is on it). A grid needs at least 2 bits per coordinate (3 points).

    Raises
    ------
    ValueError
        If ``bits < 2 d``: too small for any grid.

    Examples
    --------
    >>> levels_for_bits(40, 10)
    15
    """
    bits = check_int(bits, "bits", minimum=1)
    d = check_int(d, "d", minimum=1)
    if bits < 2 * d:
        raise ValueError(
            f"bits={bits} is too small for any grid: a {d}-vector needs at least {2 * d} bits "
            "(3 levels, 2 bits per coordinate)"
        )
    return 2 ** (bits // d) - 1


def message_bits(indices, levels: int, code: str = "unary"):
    r"""Exact bit length of messages carrying grid ``indices`` (last axis: coordinates).

    ``"fixed"``: every coordinate costs :math:`\lceil\log_2 L\rceil` bits.
    ``"unary"``: coordinate with offset :math:`m = j - (L - 1)/2` from the grid
    centre costs :math:`|m| + 1` bits (``|m|`` ones and a terminating zero) plus
    one sign bit when :math:`m \ne 0`; a prefix code, decodable without the grid
    size. It is the variable-length cost of the authors' code
    (``sudeepsalgia/distributed_bandits``, ``PLS.quantize``), there counted as
    :math:`|m| + 1` without the sign bit.

    Examples
    --------
    >>> int(message_bits(np.array([4, 5, 2]), 9, "unary"))  # offsets 0, 1, -2: 1 + 3 + 4
    8
    >>> int(message_bits(np.array([4, 5, 2]), 9, "fixed"))
    12
    """
    code = check_choice(code, "code", CODES)
    idx = np.asarray(indices, dtype=np.int64)
    if code == "fixed":
        per = max(1, math.ceil(math.log2(levels)))
        return np.full(idx.shape[:-1], per * idx.shape[-1], dtype=np.int64)
    offset = np.abs(idx - (levels - 1) // 2)
    return (offset + 1 + (offset > 0)).sum(axis=-1)


def stochastic_quantize(
    x,
    radius: float,
    *,
    resolution: float | None = None,
    bits: int | None = None,
    code: str = "unary",
    rng=None,
) -> QuantizedMessage:
    r"""Unbiased stochastic rounding of ``x`` (clipped to ``[-radius, radius]``) to a grid.

    Each coordinate :math:`x` between grid points :math:`g_j \le x < g_{j+1}`
    becomes :math:`g_{j+1}` with probability :math:`(x - g_j)/(g_{j+1} - g_j)`
    and :math:`g_j` otherwise, so :math:`E[Q(x)] = x` for :math:`|x| \le r` and
    :math:`|Q(x) - x| <` one step (Salgia and Zhao, ICML 2023, Sec. 4).

    Parameters
    ----------
    x : array_like, shape (..., d)
        Vectors to send (last axis: coordinates).
    radius : float
        Half-width of the grid, ``> 0``.
    resolution : float, optional
        Target l2 error; the grid is :func:`grid_levels`. Give this or ``bits``.
    bits : int, optional
        Bit budget of one fixed-length message; the grid is :func:`levels_for_bits`.
    code : {"unary", "fixed"}
        How :func:`message_bits` counts the message.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    QuantizedMessage

    Raises
    ------
    ValueError
        If neither or both of ``resolution`` and ``bits`` are given, for a
        non-positive ``radius`` or ``resolution``, a budget too small for any
        grid, or NaN / infinite entries of ``x``.

    Examples
    --------
    >>> q = stochastic_quantize(np.array([0.3, -0.7]), 1.0, resolution=0.1, rng=0)
    >>> q.levels, bool(np.all(np.abs(q.values - [0.3, -0.7]) < q.step))
    (31, True)
    """
    if isinstance(x, np.ndarray) and np.iscomplexobj(x):
        raise TypeError("x must be real, got a complex array")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 1 or x.shape[-1] < 1:
        raise ValueError(f"x must have a last axis of coordinates, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite")
    radius = check_real(radius, "radius", low=0.0, low_inclusive=False)
    d = x.shape[-1]
    if (resolution is None) == (bits is None):
        raise ValueError("give exactly one of resolution and bits")
    levels = grid_levels(radius, resolution, d) if bits is None else levels_for_bits(bits, d)
    step = 2.0 * radius / (levels - 1)
    u = as_generator(rng).random(x.shape)
    idx = quantize_indices(x, radius, levels, u)
    return QuantizedMessage(
        values=-radius + step * idx,
        indices=idx,
        levels=levels,
        step=step,
        bits=message_bits(idx, levels, code),
    )


def quantize_indices(x, radius: float, levels: int, uniforms):
    """Grid indices of unbiased stochastic rounding with the given uniforms (vectorised core)."""
    step = 2.0 * radius / (levels - 1)
    pos = (np.clip(x, -radius, radius) + radius) / step
    low = np.minimum(np.floor(pos), levels - 2)
    return (low + (uniforms < pos - low)).astype(np.int64)
