"""python -m fer bench: classifier latency, detector time, end-to-end frame rate and peak memory."""
from __future__ import annotations

import argparse
import json

from ..defaults import BACKENDS
from ..inference.stream import LIVE_DETECT_EVERY

SHARED = ("model", "root")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default="torch", choices=BACKENDS)
    p.add_argument("--detector", default="yunet", choices=["yunet", "mtcnn", "haar"])
    p.add_argument("--detect-every", type=int, default=LIVE_DETECT_EVERY, metavar="N",
                   help="also measure the stream detecting faces every N frames, tracking them in between "
                        f"(default {LIVE_DETECT_EVERY}, as on the webcam page; 1 = every frame only)")
    p.add_argument("--seconds", type=float, default=1.0, help="minimum time each figure is measured over")
    p.add_argument("--quick", action="store_true", help="rough figures in a few seconds (same as --seconds 0.05)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--pypi-fer", metavar="PYTHON",
                   help="python of a venv with PyPI's fer, timed side by side on the same frame (default: "
                        "$FER_PYPI_PYTHON, else pypifer/bin/python in the temporary folder, /tmp on Linux, when it "
                        "exists; fer/bench/pypi_fer.py says how to make it)")
    p.add_argument("--no-pypi-fer", action="store_true", help="do not time PyPI's fer (--quick skips it too)")


def run(args) -> int:
    from ..bench import format_bench, run_bench
    from ..version import resolve

    seconds = 0.05 if args.quick else args.seconds
    if not seconds > 0:
        raise ValueError(f"--seconds must be positive, got {args.seconds}")
    if args.detect_every < 1:
        raise ValueError(f"--detect-every must be at least 1, not {args.detect_every}")
    skip_pypi = args.no_pypi_fer or (args.quick and not args.pypi_fer)
    result = run_bench(resolve(args.model, args.root), backend=args.backend, detector=args.detector, min_seconds=seconds,
                       detect_every=args.detect_every, pypi_fer="" if skip_pypi else args.pypi_fer)
    print(json.dumps(result) if args.json else format_bench(result))
    return 0
