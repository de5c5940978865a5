"""Importing linproj packages must load neither CuPy nor numba.cuda.

Only the ``*_cuda.py`` modules (the numba.cuda twins beside each family's
kernels, and :mod:`gpu.launch_cuda`) may import numba.cuda; every other module
is imported here and must leave it unloaded.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gpu", "transport", "linalg", "bandits", "theory_sims")

PROBE = """
import importlib, json, pkgutil, sys
imported = []
for top in ("gpu", "transport", "linalg", "bandits", "theory_sims"):
    pkg = importlib.import_module(top)
    imported.append(top)
    for info in pkgutil.walk_packages(pkg.__path__, prefix=top + "."):
        if info.name.endswith("_cuda"):
            continue  # the numba.cuda twins themselves, loaded lazily on demand
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({
    "imported": imported,
    "cupy": sorted(m for m in sys.modules if m == "cupy" or m.startswith("cupy.")),
    "numba_cuda": sorted(m for m in sys.modules if m.startswith(("numba.cuda.", "numba_cuda"))
                         or m == "numba.cuda"),
}))
"""


def test_imports_are_lazy_about_gpu_libraries():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "transport._kernels.merge" in report["imported"]
    assert "bandits._kernels.ridge" in report["imported"]
    assert report["cupy"] == []
    assert report["numba_cuda"] == []


def _imports_numba_cuda(tree) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == "numba.cuda" or a.name.startswith("numba.cuda.") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module == "numba.cuda" or node.module.startswith("numba.cuda."):
                return True
            if node.module == "numba" and any(a.name == "cuda" for a in node.names):
                return True
    return False


def test_only_cuda_modules_import_numba_cuda():
    sources = [p for top in PACKAGES for p in (ROOT / top).rglob("*.py")]
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources
        if not p.stem.endswith("_cuda") and _imports_numba_cuda(ast.parse(p.read_text()))
    ]
    cuda_modules = [p for p in sources if p.stem.endswith("_cuda")]
    assert offenders == []
    assert cuda_modules and all(_imports_numba_cuda(ast.parse(p.read_text())) for p in cuda_modules)


def test_kernels_live_beside_their_family():
    assert not (ROOT / "gpu" / "cpu").exists() and not (ROOT / "gpu" / "cuda").exists()
    for family in ("transport", "linalg", "bandits"):
        assert list((ROOT / family / "_kernels").glob("*.py")), family


def test_import_transport_alone():
    code = "import sys, transport; print('cupy' in sys.modules, 'numba.cuda' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
