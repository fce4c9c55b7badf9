"""python -m fer analyze PATH... --out RESULTS.parquet: every face of a collection of photos and videos.

Folders are searched recursively, globs expanded; one Parquet row per face per photo or video frame goes to the
folder RESULTS.parquet (one part file per task), the per-file table to RESULTS.files.csv beside it. Run the
same command again to pick up what an interrupted run left; the exit status is 1 when a file failed.
"""
from __future__ import annotations

import argparse
import sys

from ..batch import ENGINES, analyze, files_table_path
from ..defaults import BACKENDS, TTA_MODES
from ..inference import list_detectors
from ..inference.detector_policy import DEFAULT_DETECTOR, SMALL_FACES

SHARED = ("model",)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="photos, videos, folders (recursive) and globs")
    p.add_argument("--out", required=True, metavar="RESULTS.parquet", help="the results folder (created; resumed)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes or Ray actors (default: the CPUs)")
    p.add_argument("--engine", default="local", choices=ENGINES, help="local processes or a Ray cluster")
    p.add_argument("--address", help="Ray: a running cluster's address (auto, HOST:6379, ray://HOST:10001); "
                                     "default: a local Ray")
    p.add_argument("--retry-failed", action="store_true", help="analyse again the files that failed before")
    p.add_argument("--detector", default=DEFAULT_DETECTOR, choices=list_detectors())
    p.add_argument("--backend", default="onnx", choices=BACKENDS, help="default %(default)s (exported on first use)")
    p.add_argument("--tta", default="none", choices=TTA_MODES)
    p.add_argument("--small-faces", default="normal", choices=SMALL_FACES, help="as in `predict` and the app")
    p.add_argument("--min-face-size", type=int, help="pixels (default: from --small-faces)")
    p.add_argument("--score-threshold", type=float, help="detector score to keep a face")
    p.add_argument("--detect-every", type=int, default=1, metavar="N", help="videos: detect every N frames")
    p.add_argument("--smoothing", type=float, help="videos: weight of a face's past frames, 0-1")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    table = analyze(args.paths, args.out, workers=args.workers, engine=args.engine, address=args.address,
                    retry_failed=args.retry_failed, progress=not args.no_progress, model=args.model,
                    detector=args.detector, backend=args.backend, tta=args.tta, small_faces=args.small_faces,
                    min_face_size=args.min_face_size, score_threshold=args.score_threshold,
                    detect_every=args.detect_every, smoothing=args.smoothing)
    failed = table[table["status"] == "failed"]
    for error in failed["error"]:
        print(f"error: {error}", file=sys.stderr)
    print(f"{len(table)} files ({len(failed)} failed), {int(table['faces'].sum())} face rows in {args.out}; "
          f"per-file table: {files_table_path(args.out)}")
    return 1 if len(failed) else 0
