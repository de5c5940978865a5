#!/usr/bin/env python
"""Reproduce linproj's figures: ``python scripts/reproduce.py --quick``.

Discovers the figure scripts ``scripts/fig_*.py``. Each exposes

* ``run(quick: bool, rng: numpy.random.Generator) -> dict``: the numbers, with
  a ``"config"`` dict and a ``"headline"`` dict ``{"label", "ours", "paper",
  "agrees"}``; ``"agrees"`` is one of ``yes``, ``partly``, ``no``, ``n.a.``,
  computed in ``run`` from a check stated in the script;
* ``plot(result: dict) -> matplotlib.figure.Figure``, drawn from the numbers
  as they were written to JSON (so ``--replot`` redraws exactly the same);
* ``COST = {"quick": seconds, "full": seconds}``: measured wall time on 2 cores;
* optionally ``PAPER``: the paper's published numbers (from REPRODUCE.md);

and ends with ``if __name__ == "__main__": import reproduce;
reproduce.figure_main(__file__)``, so ``python scripts/fig_NAME.py --quick``
runs that figure alone.

Every figure runs in its own process with a time limit (``--timeout``, by
default derived from its ``COST``). A figure that raises, calls
``sys.exit()``, crashes the interpreter or hangs becomes a FAILED row, reported
the moment it fails; the other figures' outputs are kept and ``SUMMARY.md`` is
always written. Each figure writes ``OUT/NAME.json`` (numbers, config, seed,
library versions, the paper's numbers, wall time) *before* ``plot()`` runs, then
``OUT/NAME.png`` (an earlier run's two files are removed first, so a failed
figure leaves nothing stale). The exit status is 1 if any figure failed, 2 for bad
arguments (including a full run of a figure whose full mode takes over 10
minutes without ``--full``).

Figure ``NAME`` always receives the stream ``SeedSequence(seed,
spawn_key=(crc32(NAME),))``, so its numbers do not depend on which other
figures ran, in which order, or where (``--workers`` runs figures in parallel
processes; ``--dask`` runs them on a Dask cluster and sends each figure's files
back to this client, so ``--out`` need not be shared with the workers; the
workers need the same checkout at the same path).
"""

from __future__ import annotations

import argparse
import ast
import faulthandler
import importlib.util
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
if str(ROOT) not in sys.path:  # running from a plain checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

VERSIONED = ["linproj", "numpy", "scipy", "numba", "matplotlib", "pot", "cupy-cuda12x"]
AGREES = ("yes", "partly", "no", "n.a.")
FULL_CONFIRM_S = 600.0  # a full run longer than this needs --full
NO_COST_TIMEOUT_S = 3600.0  # time limit of a figure that declares no COST


def discover(directory: Path = SCRIPTS) -> dict[str, Path]:
    """Map each figure name (``fig_*``) to its script path, sorted by name."""
    return {p.stem: p for p in sorted(directory.glob("fig_*.py"))}


def figure_seed(seed: int, name: str):
    """The independent stream of figure ``name`` under the global ``seed``."""
    import numpy as np

    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),))


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _module_ast(path: Path) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"))


def first_docstring_line(path: Path) -> str:
    """The first line of a figure script's docstring, read without importing the script."""
    doc = ast.get_docstring(_module_ast(path)) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def figure_cost(path: Path) -> dict[str, float] | None:
    """The script's module-level ``COST`` dict, read without importing it (None if absent)."""
    for node in _module_ast(path).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "COST" for t in node.targets
        ):
            try:
                cost = ast.literal_eval(node.value)
            except ValueError:
                return None
            if isinstance(cost, dict) and all(
                isinstance(cost.get(k), (int, float)) and cost[k] >= 0 for k in ("quick", "full")
            ):
                return {"quick": float(cost["quick"]), "full": float(cost["full"])}
            return None
    return None


def default_timeout(path: Path, quick: bool) -> float:
    """Time limit of one figure: 10 x its declared cost + 15 minutes.

    The margin is wide on purpose: a limit must never kill a healthy figure.
    COST is measured on 2 cores with Numba's cache warm; on a fresh clone the
    first run compiles every kernel, and on a shared machine under a load of 16
    an 11 s figure has taken over 7 minutes (start-up, imports and JIT
    compilation dominate short figures). Use ``--timeout`` for a tighter limit.
    """
    cost = figure_cost(path)
    if cost is None:
        return NO_COST_TIMEOUT_S
    return 10.0 * cost["quick" if quick else "full"] + 900.0


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for attr in ("run", "plot"):
        if not callable(getattr(module, attr, None)):
            raise TypeError(f"{path.name} must define {attr}()")
    return module


def _check_headline(name: str, headline: dict) -> None:
    agrees = headline.get("agrees")
    if agrees is not None and agrees not in AGREES:
        raise ValueError(f"{name}: headline['agrees'] must be one of {AGREES}, got {agrees!r}")


def result_from_record(record: dict) -> dict:
    """The ``run`` result as ``plot`` sees it, rebuilt from a figure's JSON record."""
    return {**record["result"], "config": record["config"], "headline": record["headline"]}


def save_plot(module, record: dict, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig = module.plot(result_from_record(record))
    fig.savefig(out_dir / f"{record['name']}.png", dpi=110, bbox_inches="tight")


def run_figure(path: str, quick: bool, seed: int, out: str) -> dict:
    """Run one figure script end to end in this process; never raises.

    The JSON record is written as soon as ``run`` returns, before ``plot``, so
    a failing plot loses no numbers. ``SystemExit`` raised by the figure is a
    failure like any exception. Returns the summary row: name, status,
    seconds, headline label, ours, paper, agrees, and the error text on failure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from gpu.records import json_safe

    path = Path(path)
    name = path.stem
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / f"{name}.json", out_dir / f"{name}.png"):
        stale.unlink(missing_ok=True)  # a failed run must not leave an earlier run's outputs
    row = {"name": name, "status": "failed", "seconds": 0.0, "label": "", "ours": None}
    start = time.perf_counter()
    stage = "import"
    try:
        module = load_module(path)
        stage = "run"
        result = module.run(quick, np.random.default_rng(figure_seed(seed, name)))
        if not isinstance(result, dict):
            raise TypeError(f"{name}.run must return a dict, got {type(result).__name__}")
        headline = dict(result.get("headline") or {})
        _check_headline(name, headline)
        record = json_safe(
            {
                "name": name,
                "quick": quick,
                "seed": seed,
                "wall_time_s": time.perf_counter() - start,
                "config": result.get("config", {}),
                "headline": headline,
                "paper": getattr(module, "PAPER", None),
                "versions": library_versions(),
                "result": {k: v for k, v in result.items() if k not in ("config", "headline")},
            }
        )
        (out_dir / f"{name}.json").write_text(json.dumps(record, indent=1, allow_nan=False) + "\n")
        row.update(
            label=str(headline.get("label", "")),
            ours=record["headline"].get("ours"),
            paper=record["headline"].get("paper"),
            agrees=headline.get("agrees"),
        )
        stage = "plot"
        save_plot(module, record, out_dir)
        row["status"] = "ok"
    except (Exception, SystemExit) as exc:  # a failing figure must not stop the others
        prefix = "" if stage == "run" else f"in {stage}: "
        row["error"] = f"{prefix}{type(exc).__name__}: {exc}"
        row["traceback"] = traceback.format_exc()
    row["seconds"] = time.perf_counter() - start
    return row


def _child_main(argv: list[str]) -> int:
    """Entry point of the process that runs one figure (see :func:`run_isolated`)."""
    faulthandler.enable()  # a crash prints the Python stack before the process dies
    path, quick, seed, out, row_file = argv
    row = run_figure(path, quick == "1", int(seed), out)
    Path(row_file).write_text(json.dumps(row))
    return 0


def _death_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            signame = signal.Signals(-returncode).name
        except ValueError:
            signame = f"signal {-returncode}"
        return f"crashed: the figure's process was killed by {signame}"
    return f"crashed: the figure's process exited with status {returncode} before reporting"


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


_LIVE: set[subprocess.Popen] = set()
_LIVE_LOCK = threading.Lock()


def run_isolated(
    path: str, quick: bool, seed: int, out: str, timeout: float | None, send_back: bool = False
) -> dict:
    """Run one figure in a fresh Python process, killed after ``timeout`` seconds.

    Never raises for anything the figure does: an exception, ``sys.exit()``,
    a crash of the interpreter (segfault, abort) or a hang past ``timeout``
    becomes a failed row with the reason. With ``send_back`` the figure writes
    into a private temporary directory and its files come back in
    ``row["files"]`` (name -> bytes), for runs on remote Dask workers.
    """
    name = Path(path).stem
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"reproduce-{name}-") as tmp:
        target = Path(tmp) / "out" if send_back else Path(out)
        row_file = Path(tmp) / "row.json"
        code = (
            f"import sys; sys.path.insert(0, {str(SCRIPTS)!r}); import reproduce; "
            "sys.exit(reproduce._child_main(sys.argv[1:]))"
        )
        args = [path, "1" if quick else "0", str(seed), str(target), str(row_file)]
        proc = subprocess.Popen([sys.executable, "-c", code, *args], start_new_session=True)
        with _LIVE_LOCK:
            _LIVE.add(proc)
        try:
            proc.wait(timeout=timeout if timeout and timeout > 0 else None)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            timed_out = True
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)
        seconds = time.perf_counter() - start
        if row_file.exists():
            row = json.loads(row_file.read_text())
        else:
            row = {"name": name, "status": "failed", "label": "", "ours": None}
            if timed_out:
                row["error"] = (
                    f"timed out: killed after {timeout:.0f} s (set the limit with --timeout)"
                )
            else:
                row["error"] = _death_reason(proc.returncode)
        row["seconds"] = seconds
        if send_back and target.is_dir():
            row["files"] = {f.name: f.read_bytes() for f in target.iterdir() if f.is_file()}
    return row


def _remote_run(*job) -> dict:
    """:func:`run_isolated` on a Dask worker, importing this module there by name."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    import reproduce

    return reproduce.run_isolated(*job)


def kill_running_figures() -> None:
    """Kill every figure process this runner started and that is still alive."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        _kill_group(proc)


def _cell(value) -> str:
    """One Markdown table cell: numbers to 4 digits, ``|`` escaped, on one line."""
    if value is None:
        text = "-"
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    return " ".join(text.replace("|", "\\|").split())


def summary_table(rows: list[dict]) -> str:
    """Markdown table: name, status, time, headline, ours, paper, agrees."""
    lines = [
        "| figure | status | time (s) | headline | ours | paper | agrees |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        status = r["status"] if r["status"] == "ok" else f"FAILED: {r.get('error', '')}"
        cells = [
            r["name"],
            status,
            f"{r['seconds']:.1f}",
            r.get("label", ""),
            r.get("ours"),
            r.get("paper"),
            r.get("agrees"),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cost_text(cost: dict | None, mode: str) -> str:
    if cost is None:
        return "?"
    s = cost[mode]
    if s < 120:
        return f"{s:.0f} s"
    return f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.0f} h"


def parse_args(argv, names):
    parser = argparse.ArgumentParser(
        prog="reproduce.py",
        description="Run linproj's figure scripts (scripts/fig_*.py) and summarise them.",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the figures with their quick and full cost"
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this figure (repeatable)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="reduced settings (minutes, 2 cores)")
    mode.add_argument(
        "--full",
        action="store_true",
        help="full settings, confirmed: needed when a figure's full mode takes over 10 minutes",
    )
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="output directory")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="kill a figure after S seconds (default: 10 x its COST + 900 s; 0: no limit)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="run N figures at once in local processes"
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the figures on a Dask scheduler; each figure's files are sent back and "
        "written under --out on this machine (the workers need this checkout at the same path)",
    )
    parser.add_argument(
        "--replot",
        type=Path,
        metavar="DIR",
        help="redraw every PNG in DIR from its JSON, without recomputing",
    )
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    if args.timeout is not None and args.timeout < 0:
        parser.error(f"--timeout must be >= 0 seconds, got {args.timeout}")
    if args.dask and args.workers != 1:
        parser.error("--dask and --workers are exclusive: the Dask cluster sets the parallelism")
    for name in args.only or []:
        if name not in names:
            known = ", ".join(names) or "none"
            parser.error(f"--only {name!r} is not a figure; known figures: {known}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {str(args.out)!r} exists and is not a directory")
    if args.replot is not None and not args.replot.is_dir():
        parser.error(f"--replot {str(args.replot)!r} is not a directory")
    return args


def make_executor(args) -> tuple[Executor, bool, object]:
    """The executor of the figure jobs, whether files must be sent back to this client,
    and the Dask client to close afterwards (None for local runs)."""
    if args.dask:
        try:
            from distributed import Client
        except ImportError as exc:
            raise SystemExit("--dask needs dask.distributed: pip install -e '.[dask]'") from exc
        client = Client(args.dask)
        return client.get_executor(), True, client
    # Threads only wait on the figure processes, so a crashing figure cannot break the pool.
    return ThreadPoolExecutor(args.workers), False, None


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def _interrupt_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so a killed runner still stops its figures'
    processes and writes SUMMARY.md; returns the previous handler (None off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_interrupt)


def _report(row: dict, out: Path) -> None:
    """Print one finished figure at once; a failure goes to stderr with its traceback."""
    if row["status"] == "ok":
        print(
            f"[reproduce] {row['name']}: ok in {row['seconds']:.1f} s; "
            f"{row.get('label', '')} = {_cell(row.get('ours'))} "
            f"(paper {_cell(row.get('paper'))}, agrees {_cell(row.get('agrees'))})",
            flush=True,
        )
        return
    kept = " (its JSON was written)" if (out / f"{row['name']}.json").exists() else ""
    print(
        f"\n[reproduce] {row['name']} FAILED after {row['seconds']:.1f} s{kept}: "
        f"{row.get('error')}\n{row.get('traceback', '')}",
        file=sys.stderr,
        flush=True,
    )


def replot(directory: Path, figures: dict[str, Path], only: list[str] | None) -> int:
    """Redraw ``DIR/NAME.png`` from ``DIR/NAME.json`` for every figure found there."""
    failed = []
    names = [p.stem for p in sorted(directory.glob("fig_*.json"))]
    for name in names:
        if only and name not in only:
            continue
        if name not in figures:
            print(f"[replot] {name}: no script {name}.py, skipped", file=sys.stderr)
            continue
        try:
            record = json.loads((directory / f"{name}.json").read_text())
            save_plot(load_module(figures[name]), record, directory)
            print(f"[replot] {name}: {directory / (name + '.png')}")
        except Exception as exc:
            failed.append(name)
            print(f"[replot] {name} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
    if not names:
        print(f"[replot] no fig_*.json in {directory}", file=sys.stderr)
        return 1
    return 1 if failed else 0


def main(argv=None, scripts_dir: Path = SCRIPTS) -> int:
    """Command-line entry point; ``scripts_dir`` is where figures are discovered."""
    figures = discover(scripts_dir)
    args = parse_args(argv, list(figures))
    if args.list:
        print(f"{'figure':32s} {'quick':>7s} {'full':>7s}  description")
        for name, path in figures.items():
            cost = figure_cost(path)
            print(
                f"{name:32s} {_cost_text(cost, 'quick'):>7s} {_cost_text(cost, 'full'):>7s}  "
                f"{first_docstring_line(path)}"
            )
        print("(costs: wall time measured on 2 cores, see each script's COST)")
        return 0
    if args.replot is not None:
        return replot(args.replot, figures, args.only)
    selected = [figures[n] for n in (args.only or figures)]
    if not args.quick and not args.full:
        long = [
            (p.stem, c)
            for p in selected
            if (c := figure_cost(p)) is not None and c["full"] > FULL_CONFIRM_S
        ]
        if long:
            listing = ", ".join(f"{n} (~{_cost_text(c, 'full')})" for n, c in long)
            print(
                f"reproduce.py: the full mode of {listing} takes over "
                f"{FULL_CONFIRM_S / 60:.0f} minutes on 2 cores; pass --full to run it anyway, "
                "or --quick for the reduced settings",
                file=sys.stderr,
            )
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    executor, send_back, client = make_executor(args)
    jobs = [
        (
            str(p),
            args.quick,
            args.seed,
            str(args.out),
            args.timeout if args.timeout is not None else default_timeout(p, args.quick),
            send_back,
        )
        for p in selected
    ]
    rows: list[dict | None] = [None] * len(jobs)
    previous = _interrupt_on_sigterm()
    try:
        task = _remote_run if send_back else run_isolated
        futures = {executor.submit(task, *job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # e.g. a lost Dask worker
                row = {"name": Path(jobs[i][0]).stem, "status": "failed", "seconds": 0.0}
                row["error"] = f"runner: {type(exc).__name__}: {exc}"
            for fname, data in row.pop("files", {}).items():
                (args.out / fname).write_bytes(data)
            rows[i] = row
            _report(row, args.out)
    finally:
        if isinstance(executor, ThreadPoolExecutor):
            executor.shutdown(wait=False, cancel_futures=True)
        else:
            executor.shutdown(wait=False)
            client.close()
        kill_running_figures()
        for i, job in enumerate(jobs):
            if rows[i] is None:
                rows[i] = {"name": Path(job[0]).stem, "status": "failed", "seconds": 0.0}
                rows[i]["error"] = "not finished: the runner was interrupted"
        _write_summary(rows, args)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    failed = [r["name"] for r in rows if r["status"] != "ok"]
    if failed:
        print(f"{len(failed)} figure(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _write_summary(rows: list[dict], args) -> None:
    table = summary_table(rows)
    mode = "quick" if args.quick else "full"
    (args.out / "SUMMARY.md").write_text(
        f"# linproj reproduction summary ({mode} mode, seed {args.seed})\n\n{table}"
    )
    print()
    print(table)


def figure_main(path: str, argv=None) -> None:
    """``python scripts/fig_NAME.py [--quick] [--seed S] [--out DIR]``: run that one figure.

    Runs in the calling process (it is already the figure's own process),
    writes ``OUT/NAME.json`` and ``OUT/NAME.png``, prints the headline and
    exits with status 0, or 1 if the figure failed.
    """
    path = Path(path).resolve()
    parser = argparse.ArgumentParser(
        prog=path.name, description=f"{first_docstring_line(path)} (one figure of linproj)"
    )
    parser.add_argument("--quick", action="store_true", help="reduced settings")
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="output directory")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {str(args.out)!r} exists and is not a directory")
    row = run_figure(str(path), args.quick, args.seed, str(args.out))
    _report(row, args.out)
    sys.exit(0 if row["status"] == "ok" else 1)


if __name__ == "__main__":
    sys.exit(main())
