"""Benchmark figures as data: a benchmark appends one *run* (its command, when, on which CPU, and its rows) to
benchmarks/results/<name>.json, which `python benchmarks/make_results.py` turns into docs/results.md.

    {"title": ..., "about": ..., "runs": [{"command", "measured", "cpu", "cores", "load_average", "conditions",
                                          "rows": [{column: value, ...}, ...]}, ...]}

Runs are appended, never replaced: a figure measured once stays on record with the command that produced it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    """The CPU's model name as `lscpu` reports it (from /proc/cpuinfo; the platform's name elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def this_command() -> str:
    """The command line that is running, as one would type it from the repository root (`python -m benchmarks.x`
    for a benchmark run as a module)."""
    main = sys.modules.get("__main__")
    module = getattr(getattr(main, "__spec__", None), "name", None)
    if module:
        return shlex.join(["python", "-m", module, *sys.argv[1:]])
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(Path(__file__).resolve().parents[1])
    except ValueError:
        pass
    return shlex.join(["python", str(script), *sys.argv[1:]])


def new_run(rows: list[dict], conditions: str | None = None, **fields) -> dict:
    """One run of the running benchmark: its rows with the command, the time (UTC), the CPU and the load."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    run = {"command": this_command(), "measured": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cpu": cpu_model(), "cores": os.cpu_count(),
           "load_average": None if load is None else round(load, 1), "conditions": conditions}
    return {**run, **fields, "rows": rows}


def append_run(name: str, title: str, run: dict, about: str | None = None, results: Path = RESULTS) -> Path:
    """Append `run` to results/<name>.json (made with its title and description when new); returns its path."""
    path = results / f"{name}.json"
    record = json.loads(path.read_text()) if path.is_file() else {"title": title, "about": about, "runs": []}
    record["runs"].append(run)
    results.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"recorded in {path}")
    return path
