"""Run every docstring example in the library as a doctest.

Docstrings carry numpydoc ``Examples`` sections; this keeps them true. The
numba.cuda modules (``*_cuda``) are skipped here (they import numba.cuda) and
exercised by the simulator run in ``tests/cudasim``.
"""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("gpu", "transport", "linalg", "bandits", "theory_sims")


def _modules():
    names = []
    for top in PACKAGES:
        pkg = importlib.import_module(top)
        names.append(top)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=top + "."):
            if not info.name.endswith("_cuda"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"
