"""`python -m fer bench` for every backend and detector, as one table (figures printed, nothing asserted).

    nice -n 10 .venv/bin/python benchmarks/pipeline.py [--model VERSION] [--seconds 2]

Targets on the 2-core machine: classifier <= 1 ms/face at batch 1 on one thread for the real-time model;
end-to-end frame rate at least twice that of the PyPI package `fer` on the same frame
(benchmarks/pypi_fer_reference.py; its figures are in benchmarks/results/pypi_fer_reference.txt).
"""
from __future__ import annotations

import argparse
import sys


from fer.bench import run_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="version name or directory (default: the shipped default)")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--detectors", default="yunet,mtcnn,haar")
    args = parser.parse_args()

    print(f"{'backend':10s} {'detector':8s} {'b1 1t':>7s} {'b1 all':>7s} {'b64 1t':>7s} {'b64 all':>7s} "
          f"{'det ms':>7s} {'fps 1':>6s} {'fps 5':>6s} {'found':>5s}   (classifier ms/face; 640x480 frames)")
    for detector in args.detectors.split(","):
        for backend in args.backends.split(","):
            r = run_bench(args.model, backend=backend, detector=detector, min_seconds=args.seconds, pypi_fer="")
            c = r["classifier_ms_per_face"]
            print(f"{backend:10s} {detector:8s} {c['batch1_1thread']:7.3f} {c['batch1_all_threads']:7.3f} "
                  f"{c['batch64_1thread']:7.3f} {c['batch64_all_threads']:7.3f} {r['detector_ms_per_frame']:7.1f} "
                  f"{r['end_to_end_fps']['1_face']:6.1f} {r['end_to_end_fps']['5_faces']:6.1f} "
                  f"{r['faces_found']['1_face']}/{r['faces_found']['5_faces']}", flush=True)
    print(f"model {r['model']}, peak memory {r['peak_memory_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
