"""scripts/reproduce.py: discovery, isolation of failing figures, outputs and arguments.

Every figure runs in its own process, so these tests use tiny fake figure
scripts that exit, abort, hang, raise in ``run`` or in ``plot``.
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

ENDING = """
if __name__ == "__main__":
    import reproduce
    reproduce.figure_main(__file__)
"""

GOOD = (
    '''
"""A good figure."""
from matplotlib.figure import Figure
PAPER = {"value": 2.0}
COST = {"quick": 1, "full": 5}
def run(quick, rng):
    x = float(rng.standard_normal())
    return {"config": {"quick": quick}, "x": x, "xs": [x, x],
            "headline": {"label": "x | a pipe", "ours": x, "paper": PAPER["value"],
                         "agrees": "partly"}}
def plot(result):
    fig = Figure()
    fig.subplots().plot([0, 1], result["xs"])
    return fig
'''
    + ENDING
)

BAD = '''
"""A broken figure."""
def run(quick, rng):
    raise ZeroDivisionError("broken on purpose")
def plot(result):
    raise AssertionError("not reached")
'''

EXIT = '''
"""Calls sys.exit."""
import sys
def run(quick, rng):
    sys.exit(3)
def plot(result):
    raise AssertionError("not reached")
'''

ABORT = '''
"""Crashes the interpreter."""
import os
def run(quick, rng):
    os.abort()
def plot(result):
    raise AssertionError("not reached")
'''

HANG = '''
"""Hangs."""
import time
COST = {"quick": 0.1, "full": 0.1}
def run(quick, rng):
    time.sleep(600)
def plot(result):
    raise AssertionError("not reached")
'''

PLOTFAIL = '''
"""Computes, then fails to draw."""
def run(quick, rng):
    return {"config": {}, "value": 7.0,
            "headline": {"label": "value", "ours": 7.0, "paper": None, "agrees": "n.a."}}
def plot(result):
    raise RuntimeError("plot broke")
'''

LONG = '''
"""A figure whose full mode is long."""
COST = {"quick": 2, "full": 1800}
def run(quick, rng):
    return {"config": {}, "headline": {"label": "v", "ours": 1.0, "paper": None,
                                       "agrees": "yes"}}
def plot(result):
    from matplotlib.figure import Figure
    return Figure()
'''


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", SCRIPTS / "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["reproduce"] = module  # so Dask can pickle run_isolated by reference
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("reproduce", None)


def _write(d, **scripts):
    d.mkdir(exist_ok=True)
    for name, text in scripts.items():
        (d / f"fig_{name}.py").write_text(text)
    return d


@pytest.fixture
def scripts(tmp_path):
    d = _write(tmp_path / "scripts", good=GOOD, bad=BAD)
    (d / "helper.py").write_text("raise RuntimeError('not a figure, never imported')\n")
    return d


def test_discovers_only_fig_scripts(reproduce, scripts):
    assert list(reproduce.discover(scripts)) == ["fig_bad", "fig_good"]


@pytest.fixture(scope="module")
def hostile_run(reproduce, tmp_path_factory):
    """One run over figures that exit, abort, raise, or fail to plot."""
    base = tmp_path_factory.mktemp("hostile")
    d = _write(base / "scripts", good=GOOD, bad=BAD, exit=EXIT, abort=ABORT, plotfail=PLOTFAIL)
    out = base / "results"
    out.mkdir()
    (out / "fig_plotfail.png").write_text("stale output of an earlier run")
    (out / "fig_bad.json").write_text("{}")
    argv = ["--quick", "--seed", "3", "--out", str(out), "--workers", "3"]
    status = reproduce.main(argv, scripts_dir=d)
    return status, out


def test_a_hanging_figure_is_killed_at_its_timeout(reproduce, tmp_path):
    d = _write(tmp_path / "scripts", hang=HANG)
    out = tmp_path / "results"
    assert reproduce.main(["--quick", "--out", str(out), "--timeout", "2"], scripts_dir=d) == 1
    row = _rows(out)["fig_hang"]
    assert "FAILED: timed out: killed after 2 s (set the limit with --timeout)" in row
    assert float(row.split(" | ")[2]) < 30


def _rows(out):
    lines = (out / "SUMMARY.md").read_text().splitlines()
    return {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| fig_")}


def test_hostile_figures_become_failed_rows_and_the_summary_is_written(hostile_run):
    status, out = hostile_run
    assert status == 1
    rows = _rows(out)
    assert set(rows) == {"fig_abort", "fig_bad", "fig_exit", "fig_good", "fig_plotfail"}
    assert "| ok |" in rows["fig_good"]
    assert "FAILED: ZeroDivisionError: broken on purpose" in rows["fig_bad"]
    assert "FAILED: SystemExit: 3" in rows["fig_exit"]
    assert "FAILED: crashed" in rows["fig_abort"] and "SIGABRT" in rows["fig_abort"]
    assert "FAILED: in plot: RuntimeError: plot broke" in rows["fig_plotfail"]


def test_good_outputs_survive_and_a_failing_plot_keeps_its_numbers(hostile_run):
    _, out = hostile_run
    record = json.loads((out / "fig_good.json").read_text())
    assert record["seed"] == 3 and record["quick"] is True
    assert record["paper"] == {"value": 2.0}
    assert record["headline"]["agrees"] == "partly"
    assert record["wall_time_s"] >= 0
    assert {"numpy", "scipy", "numba", "python"} <= set(record["versions"])
    assert (out / "fig_good.png").stat().st_size > 0
    assert json.loads((out / "fig_plotfail.json").read_text())["result"]["value"] == 7.0
    assert not (out / "fig_plotfail.png").exists()
    assert not (out / "fig_bad.json").exists()


def test_summary_cells_are_escaped_and_agrees_is_a_column(hostile_run):
    _, out = hostile_run
    text = (out / "SUMMARY.md").read_text()
    assert "| figure | status | time (s) | headline | ours | paper | agrees |" in text
    good = _rows(out)["fig_good"]
    assert "x \\| a pipe" in good and good.endswith("| 2 | partly |")
    assert "| n.a. |" in _rows(out)["fig_plotfail"]
    for line in text.splitlines()[2:]:
        if line.startswith("|"):
            assert line.replace("\\|", "").count("|") == 8, line


def test_a_failure_is_printed_when_it_happens(reproduce, tmp_path, capsys):
    d = _write(tmp_path / "s", bad=BAD)
    assert reproduce.main(["--quick", "--out", str(tmp_path / "o")], scripts_dir=d) == 1
    err = capsys.readouterr().err
    assert "[reproduce] fig_bad FAILED after" in err and "broken on purpose" in err


def test_a_terminated_runner_stops_its_figures_and_writes_the_summary(tmp_path):
    d = _write(tmp_path / "s", hang=HANG)
    out = tmp_path / "o"
    code = (
        f"import sys; sys.path.insert(0, {str(SCRIPTS)!r}); import reproduce; from pathlib "
        f"import Path; sys.exit(reproduce.main(['--quick', '--out', {str(out)!r}], "
        f"scripts_dir=Path({str(d)!r})))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("o")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # the figure's process has started
    proc.terminate()
    proc.communicate(timeout=60)
    assert "not finished: the runner was interrupted" in (out / "SUMMARY.md").read_text()
    alive = subprocess.run(["pgrep", "-f", str(d / "fig_hang.py")], capture_output=True)
    assert alive.stdout == b""


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


def test_replot_redraws_from_json_without_running(reproduce, hostile_run, tmp_path):
    _, out = hostile_run
    d = tmp_path / "replot"
    d.mkdir()
    record = json.loads((out / "fig_good.json").read_text())
    (d / "fig_good.json").write_text(json.dumps(record))
    # a script whose run() would fail proves that replot never calls it
    scripts = _write(tmp_path / "s", good=GOOD.replace("x = float(", "x = 1 / 0 + float("))
    assert reproduce.main(["--replot", str(d)], scripts_dir=scripts) == 0
    assert (d / "fig_good.png").stat().st_size > 0


def test_figure_script_runs_alone(tmp_path):
    d = _write(tmp_path / "s", good=GOOD)
    out = tmp_path / "one"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SCRIPTS), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(d / "fig_good.py"), "--quick", "--seed", "9", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "fig_good: ok" in done.stdout
    record = json.loads((out / "fig_good.json").read_text())
    assert record["seed"] == 9 and record["quick"] is True
    assert (out / "fig_good.png").exists()


def test_every_real_figure_script_is_complete():
    """COST, an agrees check and the standalone ending in every scripts/fig_*.py."""
    spec = importlib.util.spec_from_file_location("reproduce_real", SCRIPTS / "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, path in module.discover(SCRIPTS).items():
        text = path.read_text()
        assert module.figure_cost(path) is not None, f"{name} has no valid COST"
        assert '"agrees"' in text, f"{name} computes no headline agrees"
        tail = [line for line in text.splitlines() if line.strip()][-3:]
        assert [line.strip() for line in tail] == [
            'if __name__ == "__main__":',
            "import reproduce",
            "reproduce.figure_main(__file__)",
        ], f"{name} lacks the figure_main ending"


def test_list_shows_costs(reproduce, tmp_path, capsys):
    d = _write(tmp_path / "s", good=GOOD, long=LONG, bad=BAD)
    assert reproduce.main(["--list"], scripts_dir=d) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["fig_good"].split()[1:5] == ["1", "s", "5", "s"]
    assert (
        "30 min" in lines["fig_long"] and "A figure whose full mode is long." in lines["fig_long"]
    )
    assert lines["fig_bad"].split()[1:3] == ["?", "?"]


def test_long_full_mode_needs_full(reproduce, tmp_path, capsys):
    d = _write(tmp_path / "s", long=LONG)
    out = tmp_path / "o"
    assert reproduce.main(["--out", str(out)], scripts_dir=d) == 2
    err = capsys.readouterr().err
    assert "fig_long (~30 min)" in err and "pass --full" in err
    assert not out.exists()
    assert reproduce.main(["--quick", "--out", str(out)], scripts_dir=d) == 0


def test_timeout_defaults_to_the_declared_cost(reproduce, tmp_path):
    d = _write(tmp_path / "s", long=LONG, bad=BAD)
    assert reproduce.default_timeout(d / "fig_long.py", quick=True) == 10 * 2 + 900
    assert reproduce.default_timeout(d / "fig_long.py", quick=False) == 10 * 1800 + 900
    assert reproduce.default_timeout(d / "fig_bad.py", quick=True) == reproduce.NO_COST_TIMEOUT_S


def test_dask_sends_files_back(reproduce, tmp_path):
    distributed = pytest.importorskip("distributed")
    d = _write(tmp_path / "s", good=GOOD, bad=BAD)
    out = tmp_path / "from_dask"
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        status = reproduce.main(
            ["--quick", "--out", str(out), "--dask", cluster.scheduler_address], scripts_dir=d
        )
    assert status == 1
    assert (out / "fig_good.json").exists() and (out / "fig_good.png").exists()
    assert "FAILED: ZeroDivisionError" in (out / "SUMMARY.md").read_text()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--only", "fig_missing"], "is not a figure; known figures: fig_bad, fig_good"),
        (["--workers", "0"], "--workers must be >= 1"),
        (["--seed", "-2"], "--seed must be >= 0"),
        (["--timeout", "-1"], "--timeout must be >= 0"),
        (["--quick", "--full"], "not allowed with argument"),
        (["--dask", "tcp://127.0.0.1:1", "--workers", "2"], "exclusive"),
        (["--replot", "/nonexistent/dir"], "is not a directory"),
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
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("fig_heavy")][0]
    assert line.split() == ["fig_heavy", "?", "?", "A", "figure", "whose", "import", "is",
                            "expensive."]  # fmt: skip
