"""scripts/reproduce.py: discovery, outputs, failure isolation and argument errors."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", ROOT / "scripts" / "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["reproduce"] = module  # so worker processes can unpickle run_figure
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("reproduce", None)


GOOD = '''
"""A good figure."""
from matplotlib.figure import Figure
PAPER = {"value": 2.0}
def run(quick, rng):
    x = float(rng.standard_normal())
    return {"config": {"quick": quick}, "x": x,
            "headline": {"label": "x", "ours": x, "paper": PAPER["value"]}}
def plot(result):
    fig = Figure()
    fig.subplots().plot([0, 1], [0, result["x"]])
    return fig
'''

BAD = '''
"""A broken figure."""
def run(quick, rng):
    raise ZeroDivisionError("broken on purpose")
def plot(result):
    raise AssertionError("not reached")
'''


@pytest.fixture
def scripts(tmp_path):
    d = tmp_path / "scripts"
    d.mkdir()
    (d / "fig_good.py").write_text(GOOD)
    (d / "fig_bad.py").write_text(BAD)
    (d / "helper.py").write_text("raise RuntimeError('not a figure, never imported')\n")
    return d


def test_discovers_only_fig_scripts(reproduce, scripts):
    assert list(reproduce.discover(scripts)) == ["fig_bad", "fig_good"]


def test_failure_is_reported_and_others_still_run(reproduce, scripts, tmp_path, capsys):
    out = tmp_path / "results"
    status = reproduce.main(["--quick", "--seed", "3", "--out", str(out)], scripts_dir=scripts)
    assert status == 1
    record = json.loads((out / "fig_good.json").read_text())
    assert record["seed"] == 3 and record["quick"] is True
    assert record["paper"] == {"value": 2.0}
    assert record["wall_time_s"] >= 0
    assert {"numpy", "scipy", "numba", "python"} <= set(record["versions"])
    assert (out / "fig_good.png").stat().st_size > 0
    assert not (out / "fig_bad.json").exists()
    summary = (out / "SUMMARY.md").read_text()
    assert "| fig_good | ok |" in summary
    assert "FAILED: ZeroDivisionError: broken on purpose" in summary
    assert "broken on purpose" in capsys.readouterr().err


def test_same_seed_same_numbers_whatever_the_selection_or_workers(reproduce, scripts, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    reproduce.main(["--out", str(a), "--seed", "9"], scripts_dir=scripts)
    status = reproduce.main(
        ["--out", str(b), "--seed", "9", "--only", "fig_good", "--workers", "2"],
        scripts_dir=scripts,
    )
    assert status == 0
    xa = json.loads((a / "fig_good.json").read_text())["result"]["x"]
    xb = json.loads((b / "fig_good.json").read_text())["result"]["x"]
    assert xa == xb


def test_list(reproduce, scripts, capsys):
    assert reproduce.main(["--list"], scripts_dir=scripts) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("fig_bad") and "A broken figure." in lines[0]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--only", "fig_missing"], "is not a figure; known figures: fig_bad, fig_good"),
        (["--workers", "0"], "--workers must be >= 1"),
        (["--seed", "-2"], "--seed must be >= 0"),
        (["--dask", "tcp://127.0.0.1:1", "--workers", "2"], "exclusive"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments(reproduce, scripts, capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        reproduce.main(argv, scripts_dir=scripts)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_out_must_be_a_directory(reproduce, scripts, tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    with pytest.raises(SystemExit):
        reproduce.main(["--out", str(f)], scripts_dir=scripts)
    assert "is not a directory" in capsys.readouterr().err


def test_list_reads_names_without_importing(reproduce, tmp_path, capsys):
    d = tmp_path / "scripts"
    d.mkdir()
    (d / "fig_heavy.py").write_text(
        '"""A figure whose import is expensive."""\nraise SystemExit(3)\n'
    )
    assert reproduce.main(["--list"], scripts_dir=d) == 0
    assert capsys.readouterr().out.split() == [
        "fig_heavy",
        "A",
        "figure",
        "whose",
        "import",
        "is",
        "expensive.",
    ]
