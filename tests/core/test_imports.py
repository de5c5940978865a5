"""Importing linproj packages must load neither CuPy nor numba.cuda."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
imported = []
for top in ("gpu", "transport", "linalg", "bandits", "theory_sims"):
    pkg = importlib.import_module(top)
    imported.append(top)
    for info in pkgutil.walk_packages(pkg.__path__, prefix=top + "."):
        if info.name.startswith("gpu.cuda"):
            continue  # the numba.cuda kernel modules themselves, loaded lazily on demand
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
    assert "transport" in report["imported"]
    assert report["cupy"] == []
    assert report["numba_cuda"] == []


def test_import_transport_alone():
    code = "import sys, transport; print('cupy' in sys.modules, 'numba.cuda' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]
