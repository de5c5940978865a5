"""Retired argument names, accepted for one release behind a ``DeprecationWarning``.

linproj uses one vocabulary across its packages (the glossary in the README:
``rng``, ``size``, ``steps``, ``max_steps``, ``lr``, ``noise_std``, ``like``,
``progress``). :func:`renamed_arguments` keeps a retired keyword working for one
release: it warns, then passes the value on under the new name
(:func:`retired_field` does the same for a renamed record field). The public
signature shows only the new names, and ``tests/gpu/test_vocabulary.py`` rejects
any retired name that appears in one.
"""

from __future__ import annotations

import functools
import inspect
import warnings

__all__ = ["RETIRED_NAMES", "renamed_arguments", "retired_field"]

#: Argument names retired in favour of the glossary's (old -> new).
RETIRED_NAMES = {
    "n_steps": "steps",
    "n_iter": "steps",
    "max_iter": "max_steps",
    "learning_rate": "lr",
    "step_size": "lr",
    "sigma": "noise_std",
    "noise_var": "noise_std",
    "device": "like",
    "gen": "rng",
}


def renamed_arguments(**renames: str):
    """Decorate a function (or a class, for its ``__init__``) to accept retired keywords.

    Parameters
    ----------
    **renames : str
        ``old="new"`` pairs. A call that passes ``old=value`` warns with a
        :class:`DeprecationWarning` and runs as if it had passed ``new=value``;
        passing both raises :class:`TypeError`. A value that needs converting
        (for example a variance into a standard deviation) is given as
        ``old=("new", converter)``.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> import warnings
    >>> @renamed_arguments(n_iter="steps")
    ... def run(*, steps=10):
    ...     return steps
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     run(n_iter=3), caught[0].category.__name__
    (3, 'DeprecationWarning')
    """
    table = {
        old: (new, None) if isinstance(new, str) else (new[0], new[1])
        for old, new in renames.items()
    }

    def decorate(target):
        if inspect.isclass(target):
            target.__init__ = decorate(target.__init__)
            return target

        @functools.wraps(target)
        def wrapper(*args, **kwargs):
            for old, (new, convert) in table.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(
                        f"{target.__qualname__}() got both {old!r} (retired) and {new!r}; "
                        f"pass only {new!r}"
                    )
                value = kwargs.pop(old)
                warnings.warn(
                    f"{target.__qualname__}(): the argument {old!r} is deprecated and will be "
                    f"removed in the next release; use {new!r}",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = value if convert is None else convert(value)
            return target(*args, **kwargs)

        return wrapper

    return decorate


def retired_field(old: str, new: str, convert=None) -> property:
    """A property ``old`` that warns and returns field ``new`` (through ``convert``).

    Parameters
    ----------
    old, new : str
        The retired and the current field name.
    convert : callable, optional
        Maps the new field's value to the old one's meaning (for example a
        standard deviation to a variance).

    Returns
    -------
    property

    Examples
    --------
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Noise:
    ...     noise_std: float
    ...     sigma = retired_field("sigma", "noise_std")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Noise(0.5).sigma, caught[0].category.__name__
    (0.5, 'DeprecationWarning')
    """

    def read(self):
        warnings.warn(
            f"{type(self).__name__}.{old} is deprecated and will be removed in the next "
            f"release; use {type(self).__name__}.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        value = getattr(self, new)
        return value if convert is None else convert(value)

    return property(read, doc=f"Retired name of ``{new}`` (deprecated; warns).")
