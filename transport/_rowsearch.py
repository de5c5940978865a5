"""Row-wise ``searchsorted`` in array-API code (the standard's ``searchsorted`` is 1-D only)."""

from __future__ import annotations


def rows_count(xp, a, q, inclusive=False):
    """Per row, how many entries of sorted ``a`` (B, K) lie below each entry of sorted ``q`` (B, Q).

    ``inclusive=False`` counts ``a < q`` (NumPy's ``searchsorted(..., side="left")``),
    ``inclusive=True`` counts ``a <= q`` (``side="right"``). One stable sort of the
    concatenated rows: on ties the side that must not be counted comes first.
    """
    Q = q.shape[-1]
    if inclusive:
        both = xp.concat([a, q], axis=-1)
        offset = a.shape[-1]
    else:
        both = xp.concat([q, a], axis=-1)
        offset = 0
    order = xp.argsort(both, axis=-1, stable=True)
    position = xp.argsort(order, axis=-1, stable=True)[:, offset : offset + Q]
    return position - xp.arange(Q, dtype=position.dtype)
