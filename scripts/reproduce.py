#!/usr/bin/env python
"""Reproduce linproj's figures: ``python scripts/reproduce.py --quick``.

Discovers the figure scripts ``scripts/fig_*.py``. Each exposes

* ``run(quick: bool, rng: numpy.random.Generator) -> dict``: the numbers, with
  a ``"config"`` dict and a ``"headline"`` dict ``{"label", "ours", "paper"}``;
* ``plot(result: dict) -> matplotlib.figure.Figure``;
* optionally ``PAPER``: the paper's published numbers (from REPRODUCE.md).

For each figure it writes ``OUT/NAME.json`` (numbers, config, seed, library
versions, the paper's numbers, wall time) and ``OUT/NAME.png``, then prints a
summary table and writes it to ``OUT/SUMMARY.md``. A failing figure is reported
and does not stop the others; the exit status is 1 if any figure failed.

Figure ``NAME`` always receives the stream ``SeedSequence(seed,
spawn_key=(crc32(NAME),))``, so its numbers do not depend on which other
figures ran, in which order, or where (``--workers`` runs figures in parallel
processes; ``--dask`` runs them on a Dask cluster).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import platform
import sys
import time
import traceback
import zlib
from concurrent.futures import Executor, ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
if str(ROOT) not in sys.path:  # running from a plain checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

VERSIONED = ["linproj", "numpy", "scipy", "numba", "matplotlib", "pot", "cupy-cuda12x"]


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


def first_docstring_line(path: Path) -> str:
    """The first line of a figure script's docstring, read without importing the script."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for attr in ("run", "plot"):
        if not callable(getattr(module, attr, None)):
            raise TypeError(f"{path.name} must define {attr}()")
    return module


def _run_job(job: tuple, _rng) -> dict:
    """:func:`run_figure` on one ``(path, quick, seed, out)`` job, as scan calls it."""
    return run_figure(*job)


def run_figure(path: str, quick: bool, seed: int, out: str) -> dict:
    """Run one figure script end to end; never raises (failures become a row).

    Returns the summary row: name, status, seconds, headline label, ours, paper,
    and the error text on failure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from gpu.records import json_safe

    path = Path(path)
    name = path.stem
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    row = {"name": name, "status": "failed", "seconds": 0.0, "label": "", "ours": None}
    start = time.perf_counter()
    try:
        module = load_module(path)
        paper = getattr(module, "PAPER", None)
        result = module.run(quick, np.random.default_rng(figure_seed(seed, name)))
        if not isinstance(result, dict):
            raise TypeError(f"{name}.run must return a dict, got {type(result).__name__}")
        headline = dict(result.get("headline") or {})
        fig = module.plot(result)
        seconds = time.perf_counter() - start
        record = {
            "name": name,
            "quick": quick,
            "seed": seed,
            "wall_time_s": seconds,
            "config": result.get("config", {}),
            "headline": headline,
            "paper": paper,
            "versions": library_versions(),
            "result": {k: v for k, v in result.items() if k not in ("config", "headline")},
        }
        (out_dir / f"{name}.json").write_text(
            json.dumps(json_safe(record), indent=1, allow_nan=False) + "\n"
        )
        fig.savefig(out_dir / f"{name}.png", dpi=110, bbox_inches="tight")
        row.update(
            status="ok",
            seconds=seconds,
            label=str(headline.get("label", "")),
            ours=json_safe(headline.get("ours")),
            paper=json_safe(headline.get("paper")),
        )
    except Exception as exc:  # a failing figure must not stop the others
        row.update(
            seconds=time.perf_counter() - start,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
        )
    return row


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def summary_table(rows: list[dict]) -> str:
    """Markdown table: name, status, time, headline, ours, paper."""
    lines = [
        "| figure | status | time (s) | headline | ours | paper |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        status = r["status"] if r["status"] == "ok" else f"FAILED: {r.get('error', '')}"
        status = status.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r['name']} | {status} | {r['seconds']:.1f} | {r['label']} "
            f"| {_fmt(r['ours'])} | {_fmt(r.get('paper'))} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv, names):
    parser = argparse.ArgumentParser(
        prog="reproduce.py",
        description="Run linproj's figure scripts (scripts/fig_*.py) and summarise them.",
    )
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this figure (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="reduced settings (minutes, 2 cores)")
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="output directory")
    parser.add_argument(
        "--workers", type=int, default=1, help="run N figures at once in local processes"
    )
    parser.add_argument("--dask", metavar="ADDRESS", help="run the figures on a Dask scheduler")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    if args.dask and args.workers != 1:
        parser.error("--dask and --workers are exclusive: the Dask cluster sets the parallelism")
    for name in args.only or []:
        if name not in names:
            known = ", ".join(names) or "none"
            parser.error(f"--only {name!r} is not a figure; known figures: {known}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {str(args.out)!r} exists and is not a directory")
    return args


def make_executor(args) -> Executor | None:
    if args.dask:
        try:
            from distributed import Client
        except ImportError as exc:
            raise SystemExit("--dask needs dask.distributed: pip install -e '.[dask]'") from exc
        return Client(args.dask).get_executor()
    if args.workers > 1:
        return ProcessPoolExecutor(args.workers)
    return None


def main(argv=None, scripts_dir: Path = SCRIPTS) -> int:
    """Command-line entry point; ``scripts_dir`` is where figures are discovered."""
    figures = discover(scripts_dir)
    args = parse_args(argv, list(figures))
    if args.list:
        for name, path in figures.items():
            print(f"{name:32s} {first_docstring_line(path)}")
        return 0
    selected = [figures[n] for n in (args.only or figures)]
    from gpu.scan import scan

    executor = make_executor(args)
    jobs = [(str(p), args.quick, args.seed, str(args.out)) for p in selected]
    # run_figure never raises and seeds each figure with figure_seed, so scan's
    # streams go unused and rows come back in job order whatever the executor.
    rows = scan(_run_job, jobs, rng=0, executor=executor, progress=True, desc="figures")
    if executor is not None:
        executor.shutdown()
    for r in rows:
        if r["status"] != "ok":
            print(
                f"\n--- {r['name']} failed ---\n{r.get('traceback', r.get('error'))}",
                file=sys.stderr,
            )
    table = summary_table(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "full"
    (args.out / "SUMMARY.md").write_text(
        f"# linproj reproduction summary ({mode} mode, seed {args.seed})\n\n{table}"
    )
    print()
    print(table)
    failed = [r["name"] for r in rows if r["status"] != "ok"]
    if failed:
        print(f"{len(failed)} figure(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
