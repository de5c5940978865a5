"""Validation of the test function ``f`` shared by the Coulomb-gas routines."""

from __future__ import annotations

import sympy

__all__ = ["radial_symbol", "radial_callable", "check_radial_values"]


def radial_symbol(f, name="f"):
    """Return the one free symbol of the SymPy expression ``f`` (the radius)."""
    if not isinstance(f, sympy.Expr):
        raise TypeError(
            f"{name} must be a SymPy expression in one symbol (the radius), got {type(f).__name__}"
        )
    symbols = sorted(f.free_symbols, key=str)
    if len(symbols) != 1:
        raise ValueError(
            f"{name} must be radial: a SymPy expression in exactly one symbol (the radius), "
            f"got free symbols {[str(s) for s in symbols]}"
        )
    return symbols[0]


def radial_callable(f, name="f", modules="numpy"):
    """A vectorised callable of the radius from a callable or a one-symbol SymPy expression."""
    if isinstance(f, sympy.Expr):
        r = radial_symbol(f, name)
        return sympy.lambdify(r, f, modules=modules)
    if not callable(f):
        raise TypeError(
            f"{name} must be a callable of the radius or a SymPy expression, got {type(f).__name__}"
        )
    return f


def check_radial_values(values, radii, name="f"):
    """Check that ``f(radii)`` gave one finite real value per radius; return them."""
    shape = getattr(values, "shape", None)
    if shape is None or tuple(shape) != tuple(radii.shape):
        raise ValueError(
            f"{name} must be radial and vectorised: f(r) must return one value per radius, "
            f"shape {tuple(radii.shape)}, got {shape if shape is not None else type(values)}"
        )
    kind = values.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must return real values, got dtype {values.dtype}")
    if kind not in "fiu":
        raise TypeError(f"{name} must return real numbers, got dtype {values.dtype}")
    return values
