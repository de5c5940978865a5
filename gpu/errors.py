"""Exceptions shared by every linproj package."""

from __future__ import annotations

__all__ = ["DivergenceError"]


class DivergenceError(FloatingPointError, ValueError):
    """An iterative method diverged: its loss or iterates left every finite bound.

    Raised by every trainer in linproj (``theory_sims.icl``,
    ``theory_sims.deep_linear``, ``transport``) when the step size is too large
    for the problem. It subclasses :class:`FloatingPointError` (numerical
    blow-up) and :class:`ValueError` (a bad argument, usually ``lr``), so code
    written against either keeps catching it.

    Examples
    --------
    >>> issubclass(DivergenceError, FloatingPointError) and issubclass(DivergenceError, ValueError)
    True
    """
