"""What starting the product costs: wall time and peak resident memory of `python -m fer --help`, of
`python -m fer predict PHOTO --backend onnx --json`, and of an `analyze` worker (a process that starts as
`python -m fer analyze --workers N` starts each of its workers and analyses a task of photos).

    python benchmarks/import_cost.py --label before     # on the code before a change
    python benchmarks/import_cost.py --label after      # after it; both kept in benchmarks/results/import_cost.json

The figures in the JSON: `before` is main at d4f3f9d (every `import fer` loaded PyTorch), run from an export of
that tree (`git archive d4f3f9d`) with PYTHONPATH pointing at it; `after` is this tree; one right after the other.

Each figure is the median of --repeat runs, each in a fresh process (peak RSS from wait4, per process). The ONNX
export of the default version is made first (one run, not timed), so that predict measures running, not exporting.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import cpu_model

HERE = Path(__file__).resolve().parent
PHOTO = HERE.parent / "tests" / "fixtures" / "three_faces.jpg"
RESULTS = HERE / "results" / "import_cost.json"

# an analyze worker, started as fer.batch.engines starts one, running one task of photos
WORKER = """
import resource, sys, tempfile
from fer.batch import engines
from fer.batch.collection import describe, make_tasks
from fer.batch.settings import JobSettings
settings = JobSettings(model=None, backend="onnx")
engines._start_worker(settings, 1)
task = make_tasks(describe([sys.argv[1]] * 4))[0]
with tempfile.TemporaryDirectory() as out:
    engines._run_task(task, out)
print("torch loaded:", "torch" in sys.modules, file=sys.stderr)
"""


def measure(command: list[str], cwd: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of `command` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stderr = process.stderr.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def median_of(command: list[str], repeat: int, cwd: str) -> dict:
    runs = [measure(command, cwd) for _ in range(repeat)]
    return {"wall_s": round(statistics.median(r[0] for r in runs), 3),
            "peak_rss_mb": round(statistics.median(r[1] for r in runs), 1), "runs": repeat}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", required=True, help="where the figures go in the JSON (before, after)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    python, cwd = sys.executable, tempfile.mkdtemp()  # a cwd outside the checkout: the installed package runs
    predict = [python, "-m", "fer", "predict", str(PHOTO), "--backend", "onnx", "--json"]
    measure(predict, cwd)  # the export, when missing, is made here, not timed
    figures = {
        "help": median_of([python, "-m", "fer", "--help"], args.repeat, cwd),
        "predict_onnx": median_of(predict, args.repeat, cwd),
        "analyze_worker": median_of([python, "-c", WORKER, str(PHOTO)], args.repeat, cwd),
    }
    record = {"measured": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "cpu": cpu_model(),
              "cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
              "command": f"python benchmarks/import_cost.py --label {args.label} --repeat {args.repeat}", **figures}
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results[args.label] = record
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for name, figure in figures.items():
        print(f"{args.label:8} {name:15} {figure['wall_s']:7.2f} s  {figure['peak_rss_mb']:7.0f} MB")
    print(f"cpu: {record['cpu']} ({record['cores']} cores, load {record['load_average']}) -> {args.out}")


if __name__ == "__main__":
    main()
