"""`python -m fer analyze` throughput on a short generated collection: photos/s and video frames/s for each
engine and worker count (printed, nothing asserted), and the per-worker rate a cost model rests on.

The collection: PHOTOS copies of the fixture photos (1 to 7 faces each, cycled) and CLIPS generated 640x360,
30 frames/s clips of two faces moving (the astronaut, one mirrored). "wall" counts everything a user waits for
(start-up: worker processes or Ray, model loading); "per worker" is the files' own seconds (from the per-file
table), the steady rate of one worker that a long job approaches.

    python benchmarks/analyze_throughput.py                                  # 1, 2 workers and Ray, defaults
    python benchmarks/analyze_throughput.py --photos 0 --runs local:1 local:2 --purpose realtime --detect-every 3

Each run writes benchmarks/results/analyze_throughput_<model>_every<N>.json: the rows, the CPU, the load average
at start and end (`idle`: under 0.5 at start, before its own workers add to it; a shared machine is not idle
and its figures are lower bounds), and the cost model of 1,000 hours
of video (30 frames/s: 108 million frames) from the one-worker video rate: core-hours, and hours on 100 and 500
workers (one per core; files are independent tasks).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

import fer

from record import cpu_model

REPO = Path(__file__).resolve().parents[1]

FIXTURE_PHOTOS = ["three_faces.jpg", "astronaut.jpg", "group_small_faces.jpg", "no_face.jpg"]
SIZE, FPS = (640, 360), 30


def write_collection(root: Path, photos: int, clips: int, frames: int) -> dict[str, Path]:
    (root / "photos").mkdir(parents=True)
    (root / "videos").mkdir(parents=True)
    for i in range(photos):
        name = FIXTURE_PHOTOS[i % len(FIXTURE_PHOTOS)]
        shutil.copy(REPO / "tests" / "fixtures" / name, root / "photos" / f"{i:04d}_{name}")
    astronaut = cv2.imread(str(REPO / "tests" / "fixtures" / "astronaut.jpg"))
    head = cv2.resize(astronaut[20:260, 120:340], (130, 140), interpolation=cv2.INTER_AREA)
    for c in range(clips):
        writer = cv2.VideoWriter(str(root / "videos" / f"clip{c}.avi"), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
        for i in range(frames):
            canvas = np.full((SIZE[1], SIZE[0], 3), 96, np.uint8)
            x = int(40 + 120 * (1 + np.sin(i / 25 + c)))
            canvas[40:180, x:x + 130] = head
            canvas[190:330, 470 - x // 2:600 - x // 2] = head[:, ::-1]
            writer.write(canvas)
        writer.release()
    return {kind: root / kind for kind, n in (("photos", photos), ("videos", clips * frames)) if n}


def measure(path: Path, out: Path, engine: str, workers: int, options: dict) -> dict:
    started = time.perf_counter()
    table = fer.analyze([path], out=out, engine=engine, workers=workers, progress=False, **options)
    wall = time.perf_counter() - started
    units = int(table["frames"].sum())
    return {"units": units, "faces": int(table["faces"].sum()), "wall": wall, "rate": units / wall,
            "per_worker": units / table["seconds"].sum(), "failed": int((table["status"] == "failed").sum())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=48)
    parser.add_argument("--clips", type=int, default=2)
    parser.add_argument("--frames", type=int, default=150, help="frames per clip")
    parser.add_argument("--runs", nargs="+", default=["local:1", "local:2", "ray:2"], metavar="ENGINE:WORKERS")
    parser.add_argument("--model", help="a version (default: the shipped default of --purpose)")
    parser.add_argument("--purpose", default="photo", choices=["photo", "realtime"])
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--detect-every", type=int, default=1)
    args = parser.parse_args()
    model = args.model or fer.default_version(args.purpose)
    options = {"model": model, "backend": args.backend, "detect_every": args.detect_every}
    load_start, rows = os.getloadavg(), []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = write_collection(Path(tmp), args.photos, args.clips, args.frames)
        print(f"{args.photos} photos; {args.clips} clips x {args.frames} frames {SIZE[0]}x{SIZE[1]}; model "
              f"{model}, {args.backend}, detect every {args.detect_every}")
        print(f"{'kind':7s} {'engine':7s} {'workers':>7s} {'units':>6s} {'faces':>6s} {'wall s':>7s} "
              f"{'units/s wall':>12s} {'units/s per worker':>18s}")
        for run in args.runs:
            engine, workers = run.split(":")
            for kind, path in inputs.items():
                r = measure(path, Path(tmp) / f"{kind}-{engine}-{workers}.parquet", engine, int(workers), options)
                failed = f"  ({r['failed']} failed)" if r["failed"] else ""
                print(f"{kind:7s} {engine:7s} {workers:>7s} {r['units']:6d} {r['faces']:6d} {r['wall']:7.1f} "
                      f"{r['rate']:12.1f} {r['per_worker']:18.1f}{failed}", flush=True)
                rows.append({"kind": kind, "engine": engine, "workers": int(workers), **r})
    write_results(args, model, rows, load_start)
    return 0


FRAMES_1000_HOURS = 1000 * 3600 * FPS


def cost_model(rows: list[dict]) -> dict | None:
    """1,000 hours of video at the one-worker video rate (frames/s of a worker's own seconds)."""
    one = next((r for r in rows if r["kind"] == "videos" and r["engine"] == "local" and r["workers"] == 1), None)
    if one is None:
        return None
    core_hours = FRAMES_1000_HOURS / one["per_worker"] / 3600
    return {"frames": FRAMES_1000_HOURS, "frames_per_s_per_worker": round(one["per_worker"], 2),
            "core_hours": round(core_hours), "hours_on_100_workers": round(core_hours / 100, 1),
            "hours_on_500_workers": round(core_hours / 500, 1)}


def write_results(args, model: str, rows: list[dict], load_start) -> Path:
    record = {"command": "python benchmarks/analyze_throughput.py " + " ".join(sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu_model(), "cores": os.cpu_count(),
              "load_average_start": load_start, "load_average_end": os.getloadavg(),
              "idle": load_start[0] < 0.5,
              "model": model, "backend": args.backend, "detect_every": args.detect_every,
              "collection": {"photos": args.photos, "clips": args.clips, "frames_per_clip": args.frames,
                             "frame_size": list(SIZE), "fps": FPS},
              "rows": [{k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()} for r in rows],
              "cost_model_1000_hours": cost_model(rows)}
    out = REPO / "benchmarks" / "results" / f"analyze_throughput_{model}_every{args.detect_every}.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"load average {record['load_average_start']} -> {record['load_average_end']}; written "
          f"{out.relative_to(REPO)}")
    return out


if __name__ == "__main__":
    sys.exit(main())
