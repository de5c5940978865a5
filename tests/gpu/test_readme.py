"""Every Python example in README.md runs as written, each in a fresh interpreter.

The tour's snippets assert the facts they state (closed forms, reference
values, tolerances), so a snippet that runs but prints a wrong number fails
here; a retired argument name in a snippet fails too.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(code):
    strict = (
        "import warnings\n"
        "warnings.filterwarnings('error', message=r\".*the argument '\\w+' is deprecated\", "
        "category=DeprecationWarning)\n"
    )
    out = subprocess.run(
        [sys.executable, "-"],
        input=strict + code,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
