"""One vocabulary: no public signature uses a retired argument name.

The glossary (README, "Glossary") fixes ``rng``, ``size``, ``steps``,
``max_steps``, ``lr``, ``noise_std``, ``like`` and ``progress``;
:data:`gpu.deprecation.RETIRED_NAMES` lists the names they replace. This test
walks every public function, class (its constructor) and public method of the
five packages and rejects any retired name, and checks that every ``progress``
argument defaults to False.
"""

import importlib
import inspect
import pkgutil
import warnings

import pytest

from gpu.deprecation import RETIRED_NAMES, renamed_arguments

PACKAGES = ("gpu", "transport", "linalg", "bandits", "theory_sims")

#: (qualified name, argument) pairs whose name is the point of the function.
ALLOWED = {("gpu.backend.to_device", "device")}


def _public_callables():
    seen = set()
    for top in PACKAGES:
        package = importlib.import_module(top)
        modules = [package] + [
            importlib.import_module(info.name)
            for info in pkgutil.walk_packages(package.__path__, prefix=top + ".")
            if not info.name.endswith("_cuda") and "._" not in info.name
        ]
        for module in modules:
            for name, obj in vars(module).items():
                if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                    continue
                if id(obj) in seen or not callable(obj):
                    continue
                seen.add(id(obj))
                qualname = f"{module.__name__}.{name}"
                yield qualname, obj
                if inspect.isclass(obj):
                    for attr, member in vars(obj).items():
                        if not attr.startswith("_") and inspect.isfunction(member):
                            yield f"{qualname}.{attr}", member


def _parameters(obj):
    try:
        return inspect.signature(obj).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return {}


CALLABLES = list(_public_callables())


def test_the_walk_reaches_every_package():
    roots = {qualname.split(".", 1)[0] for qualname, _ in CALLABLES}
    assert roots == set(PACKAGES)
    assert len(CALLABLES) > 150


def test_no_public_signature_uses_a_retired_name():
    offenders = [
        f"{qualname}({arg}): use {RETIRED_NAMES[arg]!r}"
        for qualname, obj in CALLABLES
        for arg in _parameters(obj)
        if arg in RETIRED_NAMES and (qualname, arg) not in ALLOWED
    ]
    assert offenders == []


def test_progress_defaults_to_false():
    loud = [
        qualname
        for qualname, obj in CALLABLES
        if "progress" in _parameters(obj)
        and _parameters(obj)["progress"].default is not False
    ]
    assert loud == []


def test_retired_names_map_to_glossary_names():
    glossary = {"rng", "size", "steps", "max_steps", "lr", "noise_std", "like", "progress"}
    assert set(RETIRED_NAMES.values()) <= glossary
    assert not set(RETIRED_NAMES) & glossary


def test_renamed_arguments_warns_converts_and_refuses_both():
    @renamed_arguments(n_iter="steps", noise_var=("noise_std", lambda v: v**0.5))
    def run(x, *, steps=1, noise_std=1.0):
        return x, steps, noise_std

    assert list(inspect.signature(run).parameters) == ["x", "steps", "noise_std"]
    with pytest.warns(DeprecationWarning, match="'n_iter' is deprecated.*use 'steps'"):
        assert run(0, n_iter=5) == (0, 5, 1.0)
    with pytest.warns(DeprecationWarning, match="'noise_var'"):
        assert run(0, noise_var=4.0) == (0, 1, 2.0)
    with pytest.raises(TypeError, match="both 'n_iter' .* and 'steps'"):
        run(0, n_iter=5, steps=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run(0, steps=3) == (0, 3, 1.0)


def test_renamed_arguments_on_a_class():
    @renamed_arguments(gen="rng")
    class Sampler:
        def __init__(self, rng=None):
            self.rng = rng

    with pytest.warns(DeprecationWarning, match="'gen'"):
        assert Sampler(gen=3).rng == 3
